/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef CELL_HOSTUSER_H
#define CELL_HOSTUSER_H

#include <sys/types.h>

#define CELL_HOST_GROUPS_MAX 64

/* A user of the host's user database (not a jail's: lib/enter.c reads
 * those as text). */
struct cell_host_user {
	uid_t uid;
	gid_t gid;
	char name[64];
	char home[256];
	char shell[256];
	gid_t groups[CELL_HOST_GROUPS_MAX];  /* the primary group first */
	int ngroups;
};

/*
 * The host user key names (a name, or a uid when all digits and no user
 * has that name), with its groups: 0, -ENOENT when the host has none, or
 * -errno.
 *
 * In a dynamic program this is getpwnam/getgrouplist through every NSS
 * service nsswitch.conf lists. A static program (jail, jexec, jls and
 * cell-oci are linked -static-pie) must not let glibc dlopen an NSS
 * module: libnss_systemd's thread-local data does not work there and the
 * lookup crashes. There glibc's built-in files service answers first,
 * and a user it does not know is asked of getent(1), a dynamic program,
 * through every service (LDAP, sssd, systemd).
 */
int cell_host_user(const char *key, struct cell_host_user *u);

#endif
