/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `cell limits`: resource limits of a manager jail, kept in
 * DATA/jails/NAME/limits ("RESOURCE VALUE" lines), set on the jail's
 * cgroup at every start and at once on a running jail (lib/cgroup does the
 * v1 / v2 work). Resources are lib/cgroup's names: memory, pids,
 * cpu.weight, cpu.shares, cpu.quota, io.read_bps, io.write_bps,
 * io.read_iops, io.write_iops; "maxproc" is accepted for pids.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "cleanup.h"
#include "lifecycle.h"
#include "mgr/mgr.h"
#include "util.h"

#define LIMITS_MAX 16

struct limit {
	enum cell_cgroup_res res;
	char value[256];
};

static int res_parse(const char *s, enum cell_cgroup_res *out)
{
	if (!strcmp(s, "maxproc"))
		s = "pids";
	for (int r = 0; r < CELL_CG_RES_COUNT; r++) {
		const char *n = cell_cgroup_res_name((enum cell_cgroup_res)r);
		if (n && !strcmp(n, s) && r != CELL_CG_CPU_TIME) {
			*out = (enum cell_cgroup_res)r;
			return 0;
		}
	}
	return -EINVAL;
}

static int limits_path(struct cell_mgr *m, const char *name, char *buf,
		       struct cell_error *err)
{
	if (!cell_mgr_name_ok(name))
		return cell_error_set(err, -EINVAL, "invalid jail name '%s'",
				      name);
	if (snprintf(buf, PATH_MAX, "%s/jails/%s/limits", m->data, name) >=
	    PATH_MAX)
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	return 0;
}

static int limits_read(const char *path, struct limit *l, size_t *n,
		       struct cell_error *err)
{
	*n = 0;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = cell_read_file(path, 65536, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cell_error_errno(err, r, "read %s", path);
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (line[0] == '#' || !sp)
			continue;
		*sp = '\0';
		if (*n >= LIMITS_MAX || res_parse(line, &l[*n].res) < 0 ||
		    cell_strlcpy(l[*n].value, sp + 1, sizeof(l[*n].value)) < 0)
			return cell_error_set(err, -EINVAL, "%s: bad line '%s'",
					      path, line);
		(*n)++;
	}
	return 0;
}

static int limits_write(const char *path, const struct limit *l, size_t n,
			struct cell_error *err)
{
	char buf[LIMITS_MAX * 300 + 64];
	size_t off = (size_t)snprintf(buf, sizeof(buf),
				      "# RESOURCE VALUE (cell limits)\n");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s %s\n",
					cell_cgroup_res_name(l[i].res),
					l[i].value);
	return cell_write_atomic(path, buf, off, 0644, err);
}

/* The running jail's cgroup, or -ESRCH when it is not running. */
static int jail_cgroup(const char *name, struct cell_cgroup_host **h,
		       struct cell_cgroup **cg, struct cell_error *err)
{
	*h = NULL;
	*cg = NULL;
	struct cell_record rec;
	if (cell_state_find(name, &rec, NULL) < 0)
		return -ESRCH;
	bool running = cell_running(&rec) && rec.cgroup[0];
	int r = -ESRCH;
	if (running) {
		r = cell_cgroup_host_open(NULL, h, err);
		if (r == 0)
			r = cell_cgroup_open(*h, rec.cgroup, cg, err);
		if (r < 0 && *h) {
			cell_cgroup_host_free(*h);
			*h = NULL;
		}
	}
	cell_record_free(&rec);
	return r;
}

static void cg_close(struct cell_cgroup_host *h, struct cell_cgroup *cg)
{
	if (cg)
		cell_cgroup_free(cg);
	if (h)
		cell_cgroup_host_free(h);
}

int cell_mgr_limits_apply(struct cell_mgr *m, const char *name,
			  struct cell_error *err)
{
	char path[PATH_MAX];
	struct limit l[LIMITS_MAX];
	size_t n;
	int r = limits_path(m, name, path, err);
	if (r == 0)
		r = limits_read(path, l, &n, err);
	if (r < 0 || n == 0)
		return r;
	struct cell_cgroup_host *h;
	struct cell_cgroup *cg;
	r = jail_cgroup(name, &h, &cg, err);
	if (r == -ESRCH)
		return cell_error_set(err, r, "jail '%s' is not running", name);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = cell_cgroup_limit_set(cg, l[i].res, l[i].value, err);
	cg_close(h, cg);
	if (r < 0)
		cell_error_context(err, name, "limits", NULL);
	return r;
}

static int limits_locked(struct cell_mgr *m, const char *name, const char *op,
			 const char *res, const char *value, FILE *out,
			 struct cell_error *err)
{
	char path[PATH_MAX];
	struct limit l[LIMITS_MAX];
	size_t n;
	struct cell_mgr_jail ji;
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if ((r = limits_path(m, name, path, err)) < 0 ||
	    (r = limits_read(path, l, &n, err)) < 0)
		return r;
	enum cell_cgroup_res which = CELL_CG_MEMORY;
	if (res && res_parse(res, &which) < 0)
		return cell_error_set(err, -EINVAL, "unknown resource '%s' "
				      "(memory, pids, cpu.weight, cpu.shares, "
				      "cpu.quota, io.read_bps, io.write_bps, "
				      "io.read_iops, io.write_iops)", res);
	struct cell_cgroup_host *h = NULL;
	struct cell_cgroup *cg = NULL;
	r = jail_cgroup(name, &h, &cg, err);
	if (r < 0 && r != -ESRCH)
		return r;
	bool live = r == 0;
	r = 0;

	if (!strcmp(op, "show")) {
		for (size_t i = 0; i < n; i++) {
			char cur[256] = "";
			uint64_t use = 0;
			bool has_use = false;
			if (live) {
				/* -ENODATA: a lazy cgroup (hybrid host) without
				 * this controller's v1 directory: no limit and
				 * no usage, shown like any absent value */
				if (cell_cgroup_limit_get(cg, l[i].res, cur,
							  sizeof(cur),
							  NULL) < 0)
					cur[0] = '\0';
				has_use = cell_cgroup_usage(cg, l[i].res, &use,
							    NULL) == 0;
			}
			fprintf(out, "%s %s", cell_cgroup_res_name(l[i].res),
				l[i].value);
			if (live)
				fprintf(out, " (kernel: %s", cur);
			if (has_use)
				fprintf(out, ", usage: %" PRIu64, use);
			fprintf(out, "%s\n", live ? ")" : "");
		}
	} else if (!strcmp(op, "add")) {
		size_t i = 0;
		while (i < n && l[i].res != which)
			i++;
		if (i == n && n == LIMITS_MAX)
			r = cell_error_set(err, -E2BIG, "too many limits");
		else if (cell_strlcpy(l[i].value, value, sizeof(l[i].value)) < 0)
			r = cell_error_set(err, -E2BIG, "value too long");
		else {
			l[i].res = which;
			/* the kernel checks the value on a running jail */
			if (live)
				r = cell_cgroup_limit_set(cg, which, value, err);
			if (r == 0)
				r = limits_write(path, l, i == n ? n + 1 : n,
						 err);
		}
	} else if (!strcmp(op, "remove") || !strcmp(op, "clear")) {
		bool all = !strcmp(op, "clear");
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (!all && l[i].res != which) {
				l[k++] = l[i];
				continue;
			}
			if (live) {
				bool io = l[i].res >= CELL_CG_IO_READ_BPS &&
					  l[i].res <= CELL_CG_IO_WRITE_IOPS;
				char v[300];
				snprintf(v, sizeof(v), "%s", "max");
				if (io) /* "MAJOR:MINOR max" */
					snprintf(v, sizeof(v), "%.*s max",
						 (int)strcspn(l[i].value, " "),
						 l[i].value);
				int r2 = cell_cgroup_limit_set(cg, l[i].res, v,
							       err);
				if (r == 0)
					r = r2;
			}
		}
		if (!all && k == n)
			r = cell_error_set(err, -ENOENT, "jail '%s' has no %s "
					   "limit", name, res);
		else if (r == 0)
			r = limits_write(path, l, k, err);
	} else {
		r = cell_error_set(err, -EINVAL, "unknown limits operation "
				   "'%s'", op);
	}
	cg_close(h, cg);
	return r;
}

int cell_mgr_limits(struct cell_mgr *m, const char *name, const char *op,
		    const char *res, const char *value, FILE *out,
		    struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	if (r < 0)
		return r;
	r = limits_locked(m, name, op, res, value, out, err);
	cell_mgr_unlock(m);
	return r;
}

int cell_mgr_limits_res_ok(const char *res)
{
	enum cell_cgroup_res which;
	return res_parse(res, &which) == 0;
}
