/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef CELL_HOSTUSER_H
#define CELL_HOSTUSER_H

#include <stdbool.h>
#include <sys/types.h>

#define CELL_USER_GROUPS_MAX 64

/* A user a process runs as: one of the host's (cell_host_user) or of a
 * jail's (lib/enter.c reads a jail's passwd and group as text). */
struct cell_user {
	uid_t uid;
	gid_t gid;
	char name[64];
	char home[256];
	char shell[256];
	gid_t groups[CELL_USER_GROUPS_MAX];  /* the primary group first */
	int ngroups;
	bool from_getent;                    /* not a user "files" knows */
};

/* how cell_host_user reads its key; what it fills */
#define CELL_HOST_USER_NAME   0x1   /* the key may be a user name */
#define CELL_HOST_USER_UID    0x2   /* ... or, all digits, a uid */
#define CELL_HOST_USER_GROUPS 0x4   /* fill groups (else the primary) */

/*
 * The host user key names (a name, and with CELL_HOST_USER_UID a uid when
 * all digits and no user has that name), with its groups (at most
 * CELL_USER_GROUPS_MAX) when asked: 0, -ENOENT when the host has none, or
 * -errno.
 *
 * In a dynamic program this is getpwnam/getgrouplist through every NSS
 * service nsswitch.conf lists. A static program (jail, jexec, jls and
 * cell-oci are linked -static-pie) must not let glibc dlopen an NSS
 * module: libnss_systemd's thread-local data does not work there and the
 * lookup crashes. There glibc's built-in files service answers first,
 * and a user it does not know is asked of getent(1), a dynamic program,
 * through every service (LDAP, sssd, systemd). Without /usr/bin/getent
 * such a user is not found.
 */
int cell_host_user(const char *key, unsigned flags, struct cell_user *u);

/* Whether this program may call glibc's user database functions with
 * every NSS service (initgroups, say): false in a static program. */
bool cell_host_nss_ok(void);

#endif
