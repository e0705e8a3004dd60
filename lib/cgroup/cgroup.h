/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cgroups for jails, on v1, hybrid and v2 hosts.
 *
 * A "host" is the layout found under a root (normally /sys/fs/cgroup):
 *   V2      root is cgroup2: one directory per cgroup, controllers enabled
 *           through the parents' cgroup.subtree_control;
 *   V1      one mount per controller (cpu,cpuacct may share one);
 *   HYBRID  V1 plus a unified cgroup2 mount (root/unified) with no
 *           controllers: cgroup.kill, cgroup.freeze, CLONE_INTO_CGROUP and
 *           BPF device programs work there.
 * A cgroup is a path relative to every hierarchy root ("cell/web"); on v1 and
 * hybrid hosts it is one directory per hierarchy cell uses (pids, memory, cpu,
 * cpuacct, blkio, freezer, devices, cpuset, and the unified one). Named v1
 * hierarchies (name=systemd) are never touched.
 *
 * cell only creates, writes and removes directories it was asked to manage;
 * destroy removes the relpath subtree and the parents that this very handle
 * created, nothing else. The one exception is v2 controller delegation:
 * creating "a/b" adds (never removes) cpu, io, memory and pids in the
 * cgroup.subtree_control of the root and of "a" where the parent offers them,
 * which the v2 model requires. What the kernel refuses (EBUSY: "a" holds
 * processes) stays off; a limit on that controller then fails -EOPNOTSUPP.
 *
 * All functions return 0 or a negative errno and fill err (may be NULL); they
 * never print and never exit. Handles are not thread-safe.
 *
 * Testing: a tmpfs has no cgroup magic, so cell_cgroup_host_open_mode() with
 * CELL_CGROUP_FAKE_V2 treats any directory as a v2 root. In that mode
 * cell_cgroup_create also writes the interface files the kernel would
 * provide (cgroup.procs, memory.max, ...). On the hybrid host cell is
 * developed on, the v2 controller files (memory.max, pids.max, cpu.max,
 * cpu.weight, io.max, subtree_control) are tested ONLY against such a fake
 * tree (tests/cgroup/test_cgroup_fake.c); the v1 and hybrid code, and the
 * controller-less v2 parts (cgroup.kill, cgroup.freeze, CLONE_INTO_CGROUP,
 * BPF device programs, the unified mount opened as a V2 root) are
 * integration-tested on the real hierarchy (test_cgroup_host.c).
 */
#ifndef CELL_CGROUP_H
#define CELL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum cell_cgroup_mode {
	CELL_CGROUP_V1,
	CELL_CGROUP_HYBRID,
	CELL_CGROUP_V2,
	/* only as an argument to cell_cgroup_host_open_mode: */
	CELL_CGROUP_DETECT,
	CELL_CGROUP_FAKE_V2,    /* root is a plain directory tree */
};

struct cell_cgroup_host;
struct cell_cgroup;

/* Detect the layout under root (NULL: /sys/fs/cgroup) by statfs magic and
 * /proc/self/mountinfo. -ENOENT when root holds no cgroup hierarchy. */
int cell_cgroup_host_open(const char *root, struct cell_cgroup_host **out,
			  struct cell_error *err);
/* Same with a mode: CELL_CGROUP_DETECT; CELL_CGROUP_V1 (detect, then leave
 * out a unified hierarchy: a hybrid host used as pure v1, for tests and
 * for hosts whose unified mount is not to be used); CELL_CGROUP_FAKE_V2
 * (tests, see above). V2 and HYBRID cannot be forced: -EINVAL. */
int cell_cgroup_host_open_mode(const char *root, enum cell_cgroup_mode mode,
			       struct cell_cgroup_host **out,
			       struct cell_error *err);
void cell_cgroup_host_free(struct cell_cgroup_host *h);
/* V1, HYBRID or V2 (a fake root reports V2). */
enum cell_cgroup_mode cell_cgroup_host_mode(const struct cell_cgroup_host *h);

/*
 * relpath: '/'-separated names of [A-Za-z0-9_.@:+-] (not "." or ".."),
 * at most 16 levels and 200 bytes, no leading or trailing '/'.
 */
#define CELL_CGROUP_REUSE 0x1u  /* an existing relpath is not an error */
/*
 * HYBRID hosts only (V1 and V2 hosts ignore it): make relpath in the
 * unified hierarchy alone. Writing a pid into a v1 cgroup.procs takes the
 * kernel's global threadgroup rwsem for write (an RCU grace period, a few
 * ms), and the unified directory already gives CLONE_INTO_CGROUP, kill,
 * freeze and BPF device programs; the v1 controllers only carry resource
 * limits, which a jail has none of by default. So the v1 directory of a
 * controller is made when cell_cgroup_limit_set first needs it, and the
 * cgroup's processes are moved into it then (see there). Combinable with
 * CELL_CGROUP_REUSE; v1 directories of relpath that already exist are
 * used as they are.
 */
#define CELL_CGROUP_LAZY 0x2u

/* Make relpath (and missing parents) in every hierarchy (with
 * CELL_CGROUP_LAZY on a hybrid host: the unified one only). -EEXIST when the
 * leaf already exists in any hierarchy, unless CELL_CGROUP_REUSE. On failure
 * whatever this call made is removed again. */
int cell_cgroup_create(struct cell_cgroup_host *h, const char *relpath,
		       struct cell_cgroup **out, struct cell_error *err);
int cell_cgroup_create_flags(struct cell_cgroup_host *h, const char *relpath,
			     unsigned flags, struct cell_cgroup **out,
			     struct cell_error *err);
/* Open an existing one (jexec, remove); -ENOENT when it is in no
 * hierarchy (a lazily made one, in the unified hierarchy only, opens fine).
 * The handle keeps h; free the cgroup before the host. Functions that act
 * on the cgroup's directories (attach, limits, destroy) look again for the
 * hierarchies that had none when the handle was made: another handle may
 * have made a v1 directory lazily meanwhile. */
int cell_cgroup_open(struct cell_cgroup_host *h, const char *relpath,
		     struct cell_cgroup **out, struct cell_error *err);
/* Frees the handle only; the cgroup and any device program stay. */
void cell_cgroup_free(struct cell_cgroup *cg);

/* O_PATH|O_DIRECTORY|O_CLOEXEC fd on the v2 / unified directory, or -1.
 * Owned by cg (do not close; dup it to keep it): use it for clone3's
 * CLONE_INTO_CGROUP on v2 hosts. */
int cell_cgroup_unified_fd(const struct cell_cgroup *cg);
/*
 * Remove the top directory NAME (one component, e.g. "cell") of cg's path
 * where it is empty, in the hierarchies where cg has a directory: one where
 * it had none cannot have been left empty by its removal, and on a hybrid
 * host most have none (lazy). A directory that still holds cgroups stays.
 * Callers serialise this against creations below NAME.
 */
void cell_cgroup_prune_top(struct cell_cgroup *cg, const char *name);
/*
 * After relpath itself is gone: on a hybrid host, remove its empty
 * ancestors in the unified hierarchy that cell made (marked so at their
 * creation), deepest first, down to (not including) the first component.
 * There a v1 cgroup manager (podman's cgroupfs) makes and removes its
 * own directories, a pod's among them, in the v1 hierarchies only; cell
 * made the pod's unified one for whichever of its containers came
 * first, and no one else removes it. A directory someone else made, or
 * one still in use, stays, and so does every one above it. On v1 or v2
 * hosts, nothing.
 */
void cell_cgroup_prune_parents(struct cell_cgroup_host *h,
			       const char *relpath);
/* The relpath cg was made or opened with. */
const char *cell_cgroup_relpath(const struct cell_cgroup *cg);

/* Path of the v2 / unified directory, or NULL. */
const char *cell_cgroup_unified_path(const struct cell_cgroup *cg);

/* Move pid (its whole thread group) into every hierarchy where the
 * cgroup's directory exists (a lazy cgroup: the unified one, plus the v1
 * ones limits have made). Not undone on a partial failure. */
int cell_cgroup_attach(struct cell_cgroup *cg, pid_t pid,
		       struct cell_error *err);
/* The same without the v2 / unified hierarchy, for a pid that clone3's
 * CLONE_INTO_CGROUP already placed there: only the v1 hierarchies where the
 * directory exists, so nothing at all for a lazy cgroup without limits (and
 * on a V2 host). */
int cell_cgroup_attach_v1(struct cell_cgroup *cg, pid_t pid,
			  struct cell_error *err);
/* The union of cgroup.procs over the hierarchies (only this cgroup, not its
 * children); *pids is malloc'd (NULL when *n == 0). At most 1 << 20 pids. */
int cell_cgroup_pids(struct cell_cgroup *cg, pid_t **pids, size_t *n,
		     struct cell_error *err);
/* True when no process is in it (or it cannot be read). */
bool cell_cgroup_is_empty(struct cell_cgroup *cg);
/* True when a process is in it or in any cgroup below it, in any
 * hierarchy, or when that cannot be read: whether adopting an existing
 * cgroup (whose removal kills its subtree) would take someone's
 * processes. */
bool cell_cgroup_tree_busy(struct cell_cgroup *cg);
/* Whether cg has a directory in a v1 hierarchy (on a hybrid host, one a
 * limit made); false on a v2 host and for a new lazy cgroup. */
bool cell_cgroup_has_v1(const struct cell_cgroup *cg);
/* SIGKILL every process in it and in its descendants: v2 cgroup.kill where
 * present, otherwise freeze, kill each pid, thaw, repeated until all are
 * empty (bounded, about 5 s: -EBUSY). */
int cell_cgroup_kill(struct cell_cgroup *cg, struct cell_error *err);
/* Freeze or thaw: v2 / unified cgroup.freeze (waits for cgroup.events
 * "frozen" to match), else v1 freezer.state. -EOPNOTSUPP with neither;
 * -ETIMEDOUT after about 2 s. */
int cell_cgroup_freeze(struct cell_cgroup *cg, bool frozen,
		       struct cell_error *err);
/* rmdir relpath in every hierarchy of the host (also the v1 directories
 * another handle made lazily), children first, then the parents this
 * handle created if they are empty (lazy parents made through another
 * handle: the top one goes with cell_cgroup_prune_top, deeper ones with
 * the cgroup they belong to). ENOENT is fine; EBUSY is retried for about
 * 1 s. Kill first: a cgroup with processes cannot go. */
int cell_cgroup_destroy(struct cell_cgroup *cg, struct cell_error *err);

/* --- limits ------------------------------------------------------------- */

enum cell_cgroup_res {
	CELL_CG_MEMORY,        /* bytes, K/M/G/T suffixes (1024) */
	CELL_CG_PIDS,          /* count >= 1 */
	CELL_CG_CPU_WEIGHT,    /* 1..10000, v2 cpu.weight (v1: converted to
				* cpu.shares) */
	CELL_CG_CPU_SHARES,    /* 2..262144, v1 cpu.shares (v2: converted) */
	CELL_CG_CPU_QUOTA,     /* "QUOTA/PERIOD" or "QUOTA PERIOD" in
				* microseconds, period 1000..1000000, quota
				* >= 1000; or "QUOTA" with period 100000 */
	CELL_CG_IO_READ_BPS,   /* "MAJOR:MINOR VALUE", VALUE bytes/s with */
	CELL_CG_IO_WRITE_BPS,  /*   suffixes ... */
	CELL_CG_IO_READ_IOPS,  /*   ... or a plain count of operations/s */
	CELL_CG_IO_WRITE_IOPS,
	CELL_CG_CPU_TIME,      /* usage only: CPU time in nanoseconds */
	CELL_CG_RES_COUNT,
};

/* Name of a resource ("memory", "pids", ...), or NULL. */
const char *cell_cgroup_res_name(enum cell_cgroup_res res);

/*
 * Set a limit from text. "max" or "unlimited" clears it (for IO:
 * "MAJOR:MINOR max"). v2 files: memory.max, pids.max, cpu.weight, cpu.max,
 * io.max; v1: memory.limit_in_bytes, pids.max, cpu.shares,
 * cpu.cfs_period_us + cpu.cfs_quota_us, blkio.throttle.*_device.
 * -EINVAL on a bad value, -EOPNOTSUPP when the controller is not there.
 *
 * HYBRID host, where this handle has not done so yet: the controller's v1
 * directory for relpath is made when missing (missing parents too, in that
 * hierarchy only; cpuset copies cpus and mems), then every process of the
 * unified cgroup and its descendants that is not yet in that v1 directory
 * or below is moved into it. Without a race: the unified cgroup is frozen
 * for the move (frozen processes cannot fork) and thawed after it, also on
 * an error; one that was frozen already stays frozen. A process that exits
 * meanwhile is fine. When the caller itself is in the cgroup it is not
 * frozen (that would never return); the move is then repeated until no
 * process is left out (-EBUSY after 10 rounds). When making or moving
 * fails, the directories this call made are removed again where empty and
 * the error names the hierarchy and the step. "max" (no limit) on a
 * controller without a v1 directory makes nothing and returns 0.
 */
int cell_cgroup_limit_set(struct cell_cgroup *cg, enum cell_cgroup_res res,
			  const char *value, struct cell_error *err);
/* The current setting as the kernel shows it (the file's contents, trailing
 * newline removed) into buf; -ENOBUFS when it does not fit. CPU_WEIGHT and
 * CPU_SHARES both read the native file (cpu.weight on v2, cpu.shares on
 * v1); CPU_QUOTA on v1 is put together as v2 shows it: "QUOTA PERIOD",
 * quota "max" when unlimited. IO shows the whole io.max / blkio file.
 * -ENODATA on a HYBRID host when the controller has no v1 directory for
 * this cgroup (no limit set: a lazy cgroup). */
int cell_cgroup_limit_get(struct cell_cgroup *cg, enum cell_cgroup_res res,
			  char *buf, size_t len, struct cell_error *err);
/* Current usage: MEMORY bytes (memory.current / memory.usage_in_bytes),
 * PIDS count (pids.current), CPU_TIME ns (cpu.stat usage_usec /
 * cpuacct.usage; on a HYBRID host the unified cpu.stat, which covers the
 * cgroup's whole life, where it exists). -EINVAL for the other resources;
 * -ENODATA on a HYBRID host for MEMORY / PIDS when the controller has no v1
 * directory for this cgroup (not accounted: a lazy cgroup). */
int cell_cgroup_usage(struct cell_cgroup *cg, enum cell_cgroup_res res,
		      uint64_t *out, struct cell_error *err);
/* Parse "123", "64K", "512M", "2G", "1T" (also "KiB", "kb"...). -EINVAL /
 * -ERANGE. Exposed for the configuration parser and tests. */
int cell_cgroup_parse_size(const char *s, uint64_t *out);

/* --- devices ------------------------------------------------------------ */

#define CELL_DEV_MKNOD 0x1u
#define CELL_DEV_READ  0x2u
#define CELL_DEV_WRITE 0x4u
#define CELL_DEV_WILDCARD (-1)
#define CELL_DEV_RULES_MAX 256

struct cell_dev_rule {
	char type;          /* 'c', 'b' or 'a' (both) */
	int64_t major;      /* or CELL_DEV_WILDCARD */
	int64_t minor;      /* or CELL_DEV_WILDCARD */
	unsigned access;    /* CELL_DEV_READ | CELL_DEV_WRITE | CELL_DEV_MKNOD */
};

/* Parse "TYPE [MAJOR:MINOR [ACCESS]]" ("c 1:3 rwm", "b *:* m", "a" =
 * "a *:* rwm") into *rule; -EINVAL / -ERANGE. */
int cell_dev_rule_parse(const char *s, struct cell_dev_rule *rule);

/*
 * Allow only these devices, deny everything else. v1 devices controller:
 * "a" to devices.deny (the kernel refuses it once the cgroup has children:
 * set devices before creating any), then each rule to devices.allow.
 * v2 / unified: a
 * BPF_PROG_TYPE_CGROUP_DEVICE program built from raw instructions, attached
 * with BPF_F_ALLOW_MULTI; a later call attaches the new program and then
 * detaches the one this handle attached before. Nothing is pinned: the
 * program goes with the cgroup. On hybrid hosts both are set where the
 * cgroup has a v1 devices directory; a lazy one has none and gets the BPF
 * program alone (-EOPNOTSUPP or the BPF error when the kernel refuses it:
 * no device control is never silent).
 */
int cell_cgroup_devices_set(struct cell_cgroup *cg,
			    const struct cell_dev_rule *rules, size_t n,
			    struct cell_error *err);

/* The device program for these rules (layout in devices.c): *out is
 * malloc'd, *cnt instructions. -E2BIG over CELL_DEV_RULES_MAX, -ENOMEM.
 * Exposed for the tests, which run it through an evaluator. */
struct bpf_insn;
int cell_dev_prog_build(const struct cell_dev_rule *rules, size_t n,
			struct bpf_insn **out, size_t *cnt);

#endif
