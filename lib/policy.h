/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The policy: cell's prison_priv_check().
 *
 * cell_policy_derive() reads a jail's parameters and states every
 * privilege its processes get: capabilities, the seccomp filter, the
 * masked and read-only paths, the device nodes in /dev. Anything not
 * granted by a row of the table in policy.c is denied.
 */
#ifndef CELL_POLICY_H
#define CELL_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/filter.h>

#include "jail.h"

/* A device node the jail's /dev holds. */
struct cell_devnode {
	char name[48];         /* path below /dev */
	char type;             /* 'c' or 'b' (cell.devices) */
	unsigned major, minor;
	unsigned mode;
	unsigned uid, gid;     /* owner, in the jail's ids (0: root) */
};

#define CELL_POLICY_DEV_MAX 32

/* One item of cell.devices, "PATH TYPE MAJ:MIN [MODE [UID:GID]]": PATH
 * below /dev/ (not one of devfs's own: pts, ptmx, shm, fd, std*), TYPE c
 * or b, MODE octal (default 0600), UID:GID in the jail (default 0:0).
 * -EINVAL with a reason in why (at least 96 bytes) when malformed. */
int cell_devnode_parse(const char *item, struct cell_devnode *out,
		       char *why, size_t whylen);

enum {
	CELL_MOUNT_TMPFS = 1 << 0,   /* allow.mount.tmpfs */
	CELL_MOUNT_PROC = 1 << 1,    /* allow.mount.procfs / linprocfs */
	CELL_MOUNT_BIND = 1 << 2,    /* allow.mount.nullfs: binds inside */
};

struct cell_policy {
	uint64_t caps;                 /* bounding = permitted = effective */
	/* seccomp decisions, one bit per policy row (see policy.c) */
	uint64_t granted;              /* rows granted */
	int securelevel;               /* effective: max(parent, own) */
	int children_max;
	bool vnet;
	/* /dev contents */
	struct cell_devnode dev[CELL_POLICY_DEV_MAX];
	size_t dev_n;
	bool dev_pts;                  /* devpts newinstance at /dev/pts */
	bool dev_fd_links;             /* fd, stdin, stdout, stderr links */
	/* Addresses on a shared network stack (a non-vnet jail), FreeBSD's
	 * prison_check_ip4/6: the family refused, or only the jail's own
	 * ip4.addr / ip6.addr usable (bind, connect, send), enforced by
	 * cgroup BPF socket hooks on the jail's cgroup (lib/net). */
	bool addr_hooks;
	/* File systems the jail's root may mount (allow.mount and
	 * allow.mount.<fs>, enforce_statfs < 2), through the agent that
	 * answers its mount(2) and umount2(2) (enter.c): CELL_MOUNT_*. */
	unsigned mount_fs;
	bool ip4_disable, ip6_disable;
	bool ip4_restricted, ip6_restricted;
	/* A jail on the host's network namespace shares its abstract unix
	 * sockets (Linux keys them by netns; FreeBSD has none). With
	 * cell.abstract_unix_scope each jailed process is scoped by Landlock
	 * (ABI 6) so that it reaches none made outside its own process tree
	 * (CVE-2020-15257 class). Opt-in: a Landlock domain also keeps one
	 * entry's processes from ptracing another's, which the jail's root
	 * otherwise may. */
	bool scope_abstract_unix;
	/* The seccomp filter, compiled once when the jail is created and
	 * kept beside its record (state.c), so that processes entering
	 * later load it as it was without compiling it again. NULL: compile
	 * from the rows. */
	const struct sock_fprog *compiled;
	const struct sock_fprog *compiled_listener; /* the same, for the
						     * host name listener */
};

/*
 * A name for the filter the policy compiles to: everything it depends on
 * (the build of this program, whose tables and code make it; libseccomp's
 * version; the granted rows; which filter). Compiled filters are kept by
 * this name (state.c), so a jail whose policy was seen before does not
 * compile again. -ENOENT when this build has no build id (no caching).
 * Every such name starts with CELL_FILTER_KEY_PREFIX; at most
 * CELL_FILTER_KEYS_MAX of them are kept (the least recently saved go:
 * each build and each set of granted rows adds two).
 */
#define CELL_FILTER_KEY_PREFIX "jail-"
#define CELL_FILTER_KEYS_MAX 64
int cell_policy_filter_key(const struct cell_policy *pol, bool listener,
			   char *buf, size_t len);
/* What every compiled filter depends on besides its source: this
 * program's build id, libseccomp's version, the native architecture
 * ("HEX-MAJ.MIN.MIC-ARCH"); -ENOENT without a build id. */
int cell_filter_build_tag(char *buf, size_t len);

/* Compile the policy's filter to BPF; free prog->filter when done.
 * listener: the host name listener's filter instead (prog->len is 0 when
 * the jail may not change its name). */
int cell_policy_compile(const struct cell_policy *pol, bool listener,
			struct sock_fprog *prog, struct cell_error *err);
/* For the unit tests: the same filter laid out as libseccomp's plain
 * chain of compares, to check the binary tree's verdicts against. */
int cell_policy_compile_chain(const struct cell_policy *pol,
			      struct sock_fprog *prog, struct cell_error *err);

/* One row of the policy table, for audit and documentation. */
struct cell_priv_row {
	const char *what;        /* "raw sockets" */
	const char *param;       /* governing parameter, or "" (never) */
	int nsyscalls;
};

/*
 * Derive the policy of j. parent is the policy of the parent jail (NULL
 * for a jail directly under the host): the result is intersected with it,
 * so a child never gets more than its parent.
 */
int cell_policy_derive(const struct cell_jail *j,
		       const struct cell_policy *parent,
		       struct cell_policy *out, struct cell_error *err);

/*
 * Load the policy's seccomp filter into the calling thread (it must have
 * no_new_privs set). Done last before exec.
 */
int cell_policy_apply_seccomp(const struct cell_policy *pol,
			      struct cell_error *err);
/*
 * The agent's filter. What a jail's root may do that needs CAP_SYS_ADMIN,
 * which no jail gets: host name changes (allow.set_hostname) and mounts of
 * the allowed file systems (allow.mount.*). A second filter turns those
 * calls into seccomp user notifications, answered by a process of the
 * host's that joined the jail (enter.c's agent), which checks and makes
 * the change inside the jail. Returns the listener fd, 0 when the jail
 * may do neither, or -errno.
 */
int cell_policy_agent_listener(const struct cell_policy *pol,
			       struct cell_error *err);

/* bpf_ranges.c: prog (libseccomp's filter of the other rules) gets a
 * head that allows the calls whose bit is set in allowed (nbits numbers)
 * on the native architecture; -E2BIG or -EOPNOTSUPP leave prog as it
 * was, and the caller then needs libseccomp's filter of every rule. */
int cell_bpf_prepend_ranges(const uint8_t *allowed, unsigned nbits,
			    struct sock_fprog *prog);

/* Export the filter as BPF (for tests and cell audit). */
int cell_policy_export_bpf(const struct cell_policy *pol, int fd,
			   struct cell_error *err);

/* The bounding set down to the policy's capabilities (every one the
 * running kernel knows, also those beyond our headers), and no ambient
 * capability left. Needs CAP_SETPCAP in the effective set, and changes
 * neither the permitted nor the effective set. */
int cell_policy_bound_caps(const struct cell_policy *pol,
			   struct cell_error *err);
/* Permitted and effective set to the policy's capabilities, the
 * inheritable set to inheritable, as given: within the bounding set the
 * caller has cut (cell_policy_bound_caps(); the kernel refuses more),
 * not within the permitted set (OCI's may name more, as runc grants).
 * Empty unless a caller asks for one by name (OCI's
 * process.capabilities.inheritable), never a default (CVE-2022-29162:
 * runc's full default inheritable set let a file's inheritable
 * capabilities raise a non-root program's; under
 * no_new_privs, which every jailed process has, an exec gains nothing
 * beyond its permitted set either way). */
int cell_policy_set_caps(const struct cell_policy *pol, uint64_t inheritable,
			 struct cell_error *err);

/* The masked paths (bind over with an empty file or directory) and the
 * read-only paths, relative to the jail root, NULL-terminated. */
extern const char *const cell_masked_paths[];
extern const char *const cell_readonly_paths[];

/* Policy table introspection: row count, row i, granted? */
size_t cell_policy_rows(void);
const struct cell_priv_row *cell_policy_row(size_t i);
bool cell_policy_row_granted(const struct cell_policy *pol, size_t i);

/* Print the policy in words (jls -v, cell audit, tests). */
void cell_policy_print(FILE *out, const struct cell_policy *pol);

#endif
