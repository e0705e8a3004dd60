/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linux.resources on a container's cgroup, through lib/cgroup's limits
 * (the API cell limits uses), at create and at update. Devices are not
 * here: the jail's devfs_ruleset governs them (translate.c checks).
 *
 * Limits cell cannot set are refused, not skipped: a limit the operator
 * believes in but that is not there is worse than an error. Memory swap
 * (memory + swap, as the spec and runc read it) is not a lib/cgroup
 * limit: it is written here, to v1 memory.memsw.limit_in_bytes or v2
 * memory.swap.max (swap - limit, as runc and crun convert it), or
 * refused when the host has no swap accounting. Memory reservation and
 * swappiness, which only relax or tune, are not read (config.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgroup/cgroup.h"
#include "cleanup.h"
#include "oci/oci.h"

static int limit(struct cell_cgroup *cg, enum cell_cgroup_res res,
		 const char *value, const char *json_path,
		 struct cell_error *err)
{
	int r = cell_cgroup_limit_set(cg, res, value, err);
	if (r < 0) {
		char m[CELL_ERR_MSG_MAX];
		snprintf(m, sizeof(m), "%s", err ? err->msg : "");
		if (r == -EOPNOTSUPP)
			return cell_error_set(err, r, "%s: the %s controller is "
					      "not available to this cgroup "
					      "(%.300s)", json_path,
					      cell_cgroup_res_name(res), m);
		return cell_error_set(err, r, "%s: '%s': %.300s", json_path,
				      value, m);
	}
	return 0;
}

static bool unified_key_ok(const char *k)
{
	const char *dot = strchr(k, '.');
	if (!dot || dot == k || !dot[1] || strlen(k) > 64)
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_'))
			return false;
	/* cgroup.procs and friends move processes or change the tree */
	return strncmp(k, "cgroup.", 7) != 0;
}

static int unified(struct cell_cgroup *cg, const struct cell_oci_resources *r,
		   struct cell_error *err)
{
	if (!r->nunified)
		return 0;
	const char *dir = cell_cgroup_unified_path(cg);
	if (!dir)
		return cell_error_set(err, -EOPNOTSUPP, "linux.resources.unified"
				      ": this host has no cgroup v2 hierarchy");
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cell_error_errno(err, -errno, "linux.resources.unified: "
					"%.200s", dir);
	for (size_t i = 0; i < r->nunified; i++) {
		const char *k = r->unified_key[i];
		if (!unified_key_ok(k))
			return cell_error_set(err, -EINVAL, "linux.resources."
					      "unified.%.64s: not an interface "
					      "file cell writes", k);
		_cleanup_close_ int fd = openat(dfd, k, O_WRONLY | O_NOFOLLOW |
						O_CLOEXEC);
		if (fd < 0)
			return cell_error_errno(err, -errno, "linux.resources."
						"unified.%.64s%s", k,
						errno == ENOENT ? " (on a "
						"hybrid host the unified "
						"hierarchy has no controllers)"
						: "");
		size_t l = strlen(r->unified_val[i]);
		if (write(fd, r->unified_val[i], l) != (ssize_t)l)
			return cell_error_errno(err, -errno, "linux.resources."
						"unified.%.64s", k);
	}
	return 0;
}

/* The mount point of the v1 hierarchy holding the memory controller
 * (lib/cgroup keeps its own and has no getter): a "cgroup" mount of
 * /proc/self/mountinfo with "memory" among its super options. */
static int v1_memory_mount(char *buf, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		char fstype[32], source[256], sopts[1024], root[1024], mnt[1024];
		if (!sep || sscanf(sep + 3, "%31s %255s %1023s", fstype, source,
				   sopts) != 3 || strcmp(fstype, "cgroup") ||
		    sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2 ||
		    strcmp(root, "/"))
			continue;
		char *save = NULL;
		for (char *t = strtok_r(sopts, ",", &save); t;
		     t = strtok_r(NULL, ",", &save))
			if (!strcmp(t, "memory"))
				return snprintf(buf, len, "%s", mnt) <
				       (int)len ? 0 : -ENAMETOOLONG;
	}
	return -ENOENT;
}

/* Write value to dir/file (an interface file: not followed). */
static int write_in(const char *dir, const char *file, const char *value)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	_cleanup_close_ int fd = openat(dfd, file, O_WRONLY | O_NOFOLLOW |
					O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t l = strlen(value);
	return write(fd, value, l) == (ssize_t)l ? 0 : -errno;
}

#define SWAP_JP "linux.resources.memory.swap"

/*
 * linux.resources.memory.swap (memory + swap; -1: unlimited). v2: swap
 * has its own limit, memory.swap.max = swap - memory limit (runc's and
 * crun's conversion, which needs the memory limit given with it). v1:
 * memory.memsw.limit_in_bytes, which the kernel keeps >= the memory
 * limit (-EINVAL otherwise: the caller orders the two). No such file:
 * the kernel has no swap accounting, refused.
 */
static int swap_set(struct cell_cgroup_host *h, struct cell_cgroup *cg,
		    const struct cell_oci_resources *r, struct cell_error *err)
{
	int64_t sw = r->memory_swap;
	int64_t lim = r->has_memory_limit ? r->memory_limit : 0;
	char v[32];
	if (sw != -1 && r->has_memory_limit && lim > 0 && sw < lim)
		return cell_error_set(err, -EINVAL, SWAP_JP ": %lld (memory + "
				      "swap) is below memory.limit %lld",
				      (long long)sw, (long long)lim);
	int x;
	if (cell_cgroup_host_mode(h) == CELL_CGROUP_V2) {
		if (sw == -1)
			snprintf(v, sizeof(v), "max");
		else if (lim <= 0)
			return cell_error_set(err, -EINVAL, SWAP_JP ": needs "
					      "linux.resources.memory.limit "
					      "(cgroup v2 limits swap apart: "
					      "swap - limit)");
		else
			snprintf(v, sizeof(v), "%lld", (long long)(sw - lim));
		const char *dir = cell_cgroup_unified_path(cg);
		x = dir ? write_in(dir, "memory.swap.max", v) : -ENOENT;
		if (x == -ENOENT)
			return cell_error_set(err, -EOPNOTSUPP, SWAP_JP ": this "
					      "cgroup has no memory.swap.max "
					      "(no memory controller or no "
					      "swap accounting)");
		if (x < 0)
			return cell_error_errno(err, x, SWAP_JP ": memory."
						"swap.max '%s'", v);
		return 0;
	}
	char mnt[1024], dir[2048];
	if (v1_memory_mount(mnt, sizeof(mnt)) < 0)
		return cell_error_set(err, -EOPNOTSUPP, SWAP_JP ": the host has "
				      "no cgroup v1 memory hierarchy");
	snprintf(dir, sizeof(dir), "%s/%s", mnt, cell_cgroup_relpath(cg));
	snprintf(v, sizeof(v), "%lld", (long long)sw);
	x = write_in(dir, "memory.memsw.limit_in_bytes", v);
	if (x == -EINVAL)
		return x; /* below the memory limit now: the caller orders */
	struct stat st;
	if (x == -ENOENT && stat(dir, &st) < 0)
		return cell_error_set(err, -ENOENT, SWAP_JP ": the container "
				      "has no memory cgroup (give "
				      "linux.resources.memory.limit)");
	if (x == -ENOENT)
		return cell_error_set(err, -EOPNOTSUPP, SWAP_JP ": the kernel "
				      "has no swap accounting "
				      "(memory.memsw.limit_in_bytes; boot "
				      "with swapaccount=1)");
	if (x < 0)
		return cell_error_errno(err, x, SWAP_JP ": memory.memsw."
					"limit_in_bytes '%s'", v);
	return 0;
}

static int apply(struct cell_cgroup_host *h, struct cell_cgroup *cg,
		 const struct cell_oci_resources *r, struct cell_error *err)
{
	char v[64];
	int x;
	/* v1 keeps memory.limit <= memsw: a memsw that rises goes first, one
	 * that falls below the present memory limit after it (runc's
	 * order); without a v1 directory yet (hybrid, lazy) after too */
	bool swap_done = false;
	if (r->has_memory_swap && cell_cgroup_host_mode(h) != CELL_CGROUP_V2 &&
	    cell_cgroup_has_v1(cg)) {
		x = swap_set(h, cg, r, err);
		if (x == 0)
			swap_done = true;
		else if (x != -EINVAL || !r->has_memory_limit)
			return x == -EINVAL
				? cell_error_set(err, x, SWAP_JP ": %lld is below "
						 "the memory limit",
						 (long long)r->memory_swap)
				: x;
	}
	if (r->has_memory_limit) {
		if (r->memory_limit <= 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%lld",
				 (long long)r->memory_limit);
		if ((x = limit(cg, CELL_CG_MEMORY, v, "linux.resources.memory."
			       "limit", err)) < 0)
			return x;
	}
	if (r->has_memory_swap && !swap_done) {
		x = swap_set(h, cg, r, err);
		if (x == -EINVAL && cell_cgroup_host_mode(h) != CELL_CGROUP_V2)
			return cell_error_set(err, x, SWAP_JP ": %lld is below "
					      "the memory limit",
					      (long long)r->memory_swap);
		if (x < 0)
			return x;
	}
	if (r->has_cpu_shares && r->cpu_shares) {
		snprintf(v, sizeof(v), "%llu",
			 (unsigned long long)(r->cpu_shares < 2 ? 2
							       : r->cpu_shares));
		if ((x = limit(cg, CELL_CG_CPU_SHARES, v, "linux.resources.cpu."
			       "shares", err)) < 0)
			return x;
	}
	if (r->has_cpu_quota) {
		unsigned long long period = r->has_cpu_period && r->cpu_period ?
			r->cpu_period : 100000;
		if (r->cpu_quota <= 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%lld/%llu",
				 (long long)r->cpu_quota, period);
		if ((x = limit(cg, CELL_CG_CPU_QUOTA, v, "linux.resources.cpu."
			       "quota", err)) < 0)
			return x;
	}
	if (r->has_pids_limit) {
		if (r->pids_limit <= 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%lld", (long long)r->pids_limit);
		if ((x = limit(cg, CELL_CG_PIDS, v, "linux.resources.pids.limit",
			       err)) < 0)
			return x;
	}
	for (size_t i = 0; i < r->nthrottle; i++) {
		snprintf(v, sizeof(v), "%ld:%ld %llu", r->throttle[i].major,
			 r->throttle[i].minor,
			 (unsigned long long)r->throttle[i].rate);
		if ((x = limit(cg, (enum cell_cgroup_res)r->throttle[i].kind,
			       v, "linux.resources.blockIO", err)) < 0)
			return x;
	}
	if (r->nhugepages)
		return cell_error_set(err, -EOPNOTSUPP, "linux.resources."
				      "hugepageLimits: not supported");
	if (r->has_blkio_weight)
		return cell_error_set(err, -EOPNOTSUPP, "linux.resources."
				      "blockIO.weight: not supported");
	return unified(cg, r, err);
}

/* whether apply() has anything to write or to refuse (devices are the
 * core's: the jail's device rules) */
static bool wanted(const struct cell_oci_resources *r)
{
	return r->has_memory_limit || r->has_memory_swap ||
	       (r->has_cpu_shares && r->cpu_shares) ||
	       r->has_cpu_quota || r->has_pids_limit || r->nthrottle ||
	       r->nhugepages || r->has_blkio_weight || r->nunified;
}

int cell_oci_resources_apply(const char *cgroup,
			     const struct cell_oci_resources *r,
			     const struct cell_jail *j,
			     const struct cell_oci_log *log,
			     struct cell_error *err)
{
	(void)j;
	(void)log;
	/* linux.resources with devices alone (crun spec's default, and
	 * podman's): no look at the host's cgroups, about 12 system calls */
	if (!wanted(r))
		return 0;
	if (!cgroup || !cgroup[0] || !strcmp(cgroup, "-"))
		return cell_error_set(err, -ENOENT, "linux.resources: the "
				      "container has no cgroup");
	struct cell_cgroup_host *h = NULL;
	int x = cell_cgroup_host_open(NULL, &h, err);
	if (x < 0)
		return x;
	struct cell_cgroup *cg = NULL;
	x = cell_cgroup_open(h, cgroup, &cg, err);
	if (x == 0) {
		x = apply(h, cg, r, err);
		cell_cgroup_free(cg);
	}
	cell_cgroup_host_free(h);
	return x;
}
