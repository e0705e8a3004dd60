/* SPDX-License-Identifier: BSD-2-Clause */
/* Resource limits and usage on v1 and v2 controllers. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define PIDS_LIMIT_MAX 4194304ULL   /* PID_MAX_LIMIT */

static const char *const res_names[CELL_CG_RES_COUNT] = {
	[CELL_CG_MEMORY] = "memory",
	[CELL_CG_PIDS] = "pids",
	[CELL_CG_CPU_WEIGHT] = "cpu.weight",
	[CELL_CG_CPU_SHARES] = "cpu.shares",
	[CELL_CG_CPU_QUOTA] = "cpu.quota",
	[CELL_CG_IO_READ_BPS] = "io.read_bps",
	[CELL_CG_IO_WRITE_BPS] = "io.write_bps",
	[CELL_CG_IO_READ_IOPS] = "io.read_iops",
	[CELL_CG_IO_WRITE_IOPS] = "io.write_iops",
	[CELL_CG_CPU_TIME] = "cpu.time",
};

const char *cell_cgroup_res_name(enum cell_cgroup_res res)
{
	return (unsigned)res < CELL_CG_RES_COUNT ? res_names[res] : NULL;
}

static bool is_max(const char *s)
{
	return !strcmp(s, "max") || !strcmp(s, "unlimited");
}

static int parse_u64(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int cell_cgroup_parse_size(const char *s, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	unsigned shift = 0;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default: return -EINVAL;
	}
	if (shift) {
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static bool v2(const struct cell_cgroup *cg)
{
	return cg->host->mode == CELL_CGROUP_V2;
}

/* path of file in the hierarchy holding ctl; make: a limit is to be set
 * (a hybrid host makes a lazy cgroup's v1 directory now), else -ENODATA
 * without one */
static int ctl_path(struct cell_cgroup *cg, unsigned ctl, const char *file,
		    char *p, size_t len, bool make, struct cell_error *err)
{
	int i = cg_ctl_dir(cg, ctl, make, err);
	if (i < 0)
		return i;
	int r = cg_path(cg, (size_t)i, file, p, len);
	if (r < 0)
		return cell_error_errno(err, r, "cgroup %s: %s", cg->rel,
					file);
	return 0;
}

static int set_file(struct cell_cgroup *cg, unsigned ctl, const char *file,
		    const char *val, struct cell_error *err)
{
	char p[PATH_MAX];
	int r = ctl_path(cg, ctl, file, p, sizeof(p), true, err);
	if (r < 0)
		return r;
	if (cg->host->fake)
		r = cg_write_trunc(p, val);
	else
		r = cg_write(p, val);
	if (r < 0)
		r = cell_error_errno(err, r, "writing \"%s\" to %s", val, p);
	return r;
}

/* hybrid: no limit wanted and no v1 directory that could hold one, so
 * nothing to clear (making it would move every process for nothing) */
static bool nothing_to_clear(struct cell_cgroup *cg, unsigned ctl)
{
	return cg->host->mode == CELL_CGROUP_HYBRID &&
	       cg_ctl_dir(cg, ctl, false, NULL) == -ENODATA;
}

static int bad(struct cell_error *err, enum cell_cgroup_res res,
	       const char *value, const char *why)
{
	return cell_error_set(err, -EINVAL, "%s: bad value \"%s\": %s",
			      res_names[res], value, why);
}

/* "QUOTA/PERIOD", "QUOTA PERIOD" or "QUOTA" */
static int parse_quota(const char *s, uint64_t *q, uint64_t *p)
{
	char buf[64];
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	char *sep = strpbrk(buf, "/ ");
	*p = 100000;
	if (sep) {
		*sep = '\0';
		if (parse_u64(sep + 1, p) < 0)
			return -EINVAL;
	}
	if (parse_u64(buf, q) < 0)
		return -EINVAL;
	if (*p < 1000 || *p > 1000000 || *q < 1000 || *q > UINT64_MAX / 2)
		return -ERANGE;
	return 0;
}

/* "MAJ:MIN VALUE" */
static int parse_io(const char *s, bool bytes, unsigned *maj, unsigned *min,
		    uint64_t *val, bool *unlimited)
{
	unsigned a, b;
	int n = 0;
	if (sscanf(s, "%u:%u %n", &a, &b, &n) != 2 || n == 0 ||
	    a > 0xfff || b > 0xfffff)
		return -EINVAL;
	const char *v = s + n;
	*maj = a;
	*min = b;
	*unlimited = is_max(v);
	if (*unlimited)
		return 0;
	int r = bytes ? cell_cgroup_parse_size(v, val) : parse_u64(v, val);
	if (r < 0)
		return r;
	return *val == 0 ? -ERANGE : 0;
}

int cell_cgroup_limit_set(struct cell_cgroup *cg, enum cell_cgroup_res res,
			  const char *value, struct cell_error *err)
{
	if ((unsigned)res >= CELL_CG_RES_COUNT || res == CELL_CG_CPU_TIME)
		return cell_error_set(err, -EINVAL, "resource %d has no limit",
				      (int)res);
	if (!value || !*value || strlen(value) > 64)
		return bad(err, res, value ? value : "", "empty or too long");
	char buf[96];
	uint64_t v = 0;
	bool unl = is_max(value);
	switch (res) {
	case CELL_CG_MEMORY:
		if (!unl && (cell_cgroup_parse_size(value, &v) < 0 ||
			     v < 4096 || v > (uint64_t)INT64_MAX))
			return bad(err, res, value,
				   "want bytes (K, M, G, T) >= 4K or max");
		if (unl && nothing_to_clear(cg, CG_MEMORY))
			return 0;
		if (v2(cg)) {
			snprintf(buf, sizeof(buf), unl ? "max" : "%" PRIu64, v);
			return set_file(cg, CG_MEMORY, "memory.max", buf, err);
		}
		snprintf(buf, sizeof(buf), unl ? "-1" : "%" PRIu64, v);
		return set_file(cg, CG_MEMORY, "memory.limit_in_bytes", buf,
				err);
	case CELL_CG_PIDS:
		if (!unl && (parse_u64(value, &v) < 0 || v < 1 ||
			     v > PIDS_LIMIT_MAX))
			return bad(err, res, value, "want 1..4194304 or max");
		if (unl && nothing_to_clear(cg, CG_PIDS))
			return 0;
		snprintf(buf, sizeof(buf), unl ? "max" : "%" PRIu64, v);
		return set_file(cg, CG_PIDS, "pids.max", buf, err);
	case CELL_CG_CPU_WEIGHT:
	case CELL_CG_CPU_SHARES: {
		bool w = res == CELL_CG_CPU_WEIGHT;
		uint64_t lo = w ? 1 : 2, hi = w ? 10000 : 262144;
		if (!unl && (parse_u64(value, &v) < 0 || v < lo || v > hi))
			return bad(err, res, value, w ? "want 1..10000" :
						       "want 2..262144");
		if (unl && nothing_to_clear(cg, CG_CPU))
			return 0;
		if (v2(cg)) {
			if (unl)  /* the kernel's default */
				v = 100;
			else if (!w)  /* shares -> weight, as OCI runtimes */
				v = 1 + ((v - 2) * 9999) / 262142;
			snprintf(buf, sizeof(buf), "%" PRIu64, v);
			return set_file(cg, CG_CPU, "cpu.weight", buf, err);
		}
		if (unl)
			v = 1024;
		else if (w)       /* weight -> shares */
			v = 2 + ((v - 1) * 262142) / 9999;
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		return set_file(cg, CG_CPU, "cpu.shares", buf, err);
	}
	case CELL_CG_CPU_QUOTA: {
		uint64_t q = 0, per = 100000;
		if (!unl && parse_quota(value, &q, &per) < 0)
			return bad(err, res, value,
				   "want QUOTA[/PERIOD] in us, period "
				   "1000..1000000, quota >= 1000, or max");
		if (unl && nothing_to_clear(cg, CG_CPU))
			return 0;
		if (v2(cg)) {
			if (unl)
				snprintf(buf, sizeof(buf), "max");
			else
				snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64,
					 q, per);
			return set_file(cg, CG_CPU, "cpu.max", buf, err);
		}
		int r;
		if (!unl) {
			snprintf(buf, sizeof(buf), "%" PRIu64, per);
			r = set_file(cg, CG_CPU, "cpu.cfs_period_us", buf, err);
			if (r < 0)
				return r;
		}
		snprintf(buf, sizeof(buf), unl ? "-1" : "%" PRIu64, q);
		return set_file(cg, CG_CPU, "cpu.cfs_quota_us", buf, err);
	}
	case CELL_CG_IO_READ_BPS:
	case CELL_CG_IO_WRITE_BPS:
	case CELL_CG_IO_READ_IOPS:
	case CELL_CG_IO_WRITE_IOPS: {
		bool bytes = res == CELL_CG_IO_READ_BPS ||
			     res == CELL_CG_IO_WRITE_BPS;
		unsigned maj, min;
		if (parse_io(value, bytes, &maj, &min, &v, &unl) < 0)
			return bad(err, res, value,
				   "want \"MAJOR:MINOR VALUE\" or "
				   "\"MAJOR:MINOR max\"");
		if (unl && nothing_to_clear(cg, CG_BLKIO))
			return 0;
		static const char *const key[] = { "rbps", "wbps", "riops",
						   "wiops" };
		static const char *const v1file[] = {
			"blkio.throttle.read_bps_device",
			"blkio.throttle.write_bps_device",
			"blkio.throttle.read_iops_device",
			"blkio.throttle.write_iops_device",
		};
		size_t k = (size_t)(res - CELL_CG_IO_READ_BPS);
		if (v2(cg)) {
			if (unl)
				snprintf(buf, sizeof(buf), "%u:%u %s=max", maj,
					 min, key[k]);
			else
				snprintf(buf, sizeof(buf), "%u:%u %s=%" PRIu64,
					 maj, min, key[k], v);
			return set_file(cg, CG_BLKIO, "io.max", buf, err);
		}
		snprintf(buf, sizeof(buf), "%u:%u %" PRIu64, maj, min,
			 unl ? 0 : v);
		return set_file(cg, CG_BLKIO, v1file[k], buf, err);
	}
	default:
		return cell_error_set(err, -EINVAL, "resource %d has no limit",
				      (int)res);
	}
}

static int read_ctl(struct cell_cgroup *cg, unsigned ctl, const char *file,
		    char **out, struct cell_error *err)
{
	char p[PATH_MAX];
	int r = ctl_path(cg, ctl, file, p, sizeof(p), false, err);
	if (r < 0)
		return r;
	r = cg_read(p, out);
	if (r < 0)
		return cell_error_errno(err, r, "reading %s", p);
	return 0;
}

int cell_cgroup_limit_get(struct cell_cgroup *cg, enum cell_cgroup_res res,
			  char *buf, size_t len, struct cell_error *err)
{
	static const struct { unsigned ctl; const char *f2, *f1; } map[] = {
		[CELL_CG_MEMORY] = { CG_MEMORY, "memory.max",
				     "memory.limit_in_bytes" },
		[CELL_CG_PIDS] = { CG_PIDS, "pids.max", "pids.max" },
		[CELL_CG_CPU_WEIGHT] = { CG_CPU, "cpu.weight", "cpu.shares" },
		[CELL_CG_CPU_SHARES] = { CG_CPU, "cpu.weight", "cpu.shares" },
		[CELL_CG_CPU_QUOTA] = { CG_CPU, "cpu.max", "cpu.cfs_quota_us" },
		[CELL_CG_IO_READ_BPS] = { CG_BLKIO, "io.max",
			"blkio.throttle.read_bps_device" },
		[CELL_CG_IO_WRITE_BPS] = { CG_BLKIO, "io.max",
			"blkio.throttle.write_bps_device" },
		[CELL_CG_IO_READ_IOPS] = { CG_BLKIO, "io.max",
			"blkio.throttle.read_iops_device" },
		[CELL_CG_IO_WRITE_IOPS] = { CG_BLKIO, "io.max",
			"blkio.throttle.write_iops_device" },
	};
	if ((unsigned)res >= ARRAY_SIZE(map) || !map[res].f2 || !len)
		return cell_error_set(err, -EINVAL, "resource %d has no limit",
				      (int)res);
	_cleanup_free_ char *s = NULL;
	int r = read_ctl(cg, map[res].ctl, v2(cg) ? map[res].f2 : map[res].f1,
			 &s, err);
	if (r < 0)
		return r;
	if (res == CELL_CG_CPU_QUOTA && !v2(cg)) {
		/* v1: "QUOTA PERIOD" like v2's cpu.max, quota -1 = max */
		_cleanup_free_ char *per = NULL;
		r = read_ctl(cg, CG_CPU, "cpu.cfs_period_us", &per, err);
		if (r < 0)
			return r;
		char *both = NULL;
		if (asprintf(&both, "%s %s", strcmp(s, "-1") ? s : "max",
			     per) < 0)
			return cell_error_set(err, -ENOMEM, "out of memory");
		free(s);
		s = both;
	}
	if (strlen(s) >= len)
		return cell_error_set(err, -ENOBUFS, "%s: value too long",
				      res_names[res]);
	strcpy(buf, s);
	return 0;
}

static bool unified_has(const struct cell_cgroup *cg, const char *file)
{
	int u = cg->host->unified;
	char p[PATH_MAX];
	return u >= 0 && cg_path(cg, (size_t)u, file, p, sizeof(p)) == 0 &&
	       access(p, F_OK) == 0;
}

int cell_cgroup_usage(struct cell_cgroup *cg, enum cell_cgroup_res res,
		      uint64_t *out, struct cell_error *err)
{
	_cleanup_free_ char *s = NULL;
	int r;
	switch (res) {
	case CELL_CG_MEMORY:
		r = read_ctl(cg, CG_MEMORY, v2(cg) ? "memory.current" :
			     "memory.usage_in_bytes", &s, err);
		break;
	case CELL_CG_PIDS:
		r = read_ctl(cg, CG_PIDS, "pids.current", &s, err);
		break;
	case CELL_CG_CPU_TIME:
		/* hybrid: the unified cpu.stat counts from the cgroup's birth,
		 * a lazily made cpuacct directory only from its making */
		if (!v2(cg) && !(cg->host->mode == CELL_CGROUP_HYBRID &&
				 unified_has(cg, "cpu.stat")) &&
		    cg_find(cg, CG_CPUACCT) >= 0) {
			r = read_ctl(cg, CG_CPUACCT, "cpuacct.usage", &s, err);
			break;
		}
		/* cpu.stat is core on v2, even without the cpu controller */
		int u = cg->host->unified;
		char p[PATH_MAX];
		if (u < 0 || cg_path(cg, (size_t)u, "cpu.stat", p,
				     sizeof(p)) < 0)
			return cell_error_set(err, -EOPNOTSUPP,
					      "cgroup %s: no cpu accounting",
					      cg->rel);
		r = cg_read(p, &s);
		if (r < 0)
			return cell_error_errno(err, r, "reading %s", p);
		char *l = strstr(s, "usage_usec ");
		uint64_t us;
		if (!l || (l != s && l[-1] != '\n') ||
		    sscanf(l, "usage_usec %" SCNu64, &us) != 1)
			return cell_error_set(err, -EBADMSG,
					      "%s: no usage_usec", p);
		*out = us * 1000;
		return 0;
	default:
		return cell_error_set(err, -EINVAL,
				      "resource %d has no usage counter",
				      (int)res);
	}
	if (r < 0)
		return r;
	uint64_t v;
	if (parse_u64(s, &v) < 0)
		return cell_error_set(err, -EBADMSG, "%s: bad usage \"%s\"",
				      res_names[res], s);
	*out = v;
	return 0;
}
