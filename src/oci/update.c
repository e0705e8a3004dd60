/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci update [--resources FILE|-] [--memory N] [--memory-swap N]
 *                 [--cpu-shares N]
 *                 [--cpu-quota N] [--cpu-period N] [--pids-limit N] ID
 *
 * New linux.resources for a running container, set on its cgroup with
 * the same code as create (lib/oci/resources.c). --resources and the
 * limit flags are one or the other.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cgroup/cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "util.h"

static const struct option update_opts[] = {
	{ "resources", required_argument, NULL, 'r' },
	{ "memory", required_argument, NULL, 'm' },
	{ "memory-swap", required_argument, NULL, 'S' },
	{ "memory-reservation", required_argument, NULL, 'R' },
	{ "kernel-memory", required_argument, NULL, 'k' },
	{ "cpu-shares", required_argument, NULL, 's' },
	{ "cpu-quota", required_argument, NULL, 'q' },
	{ "cpu-period", required_argument, NULL, 'p' },
	{ "cpuset-cpus", required_argument, NULL, 'c' },
	{ "cpuset-mems", required_argument, NULL, 'M' },
	{ "pids-limit", required_argument, NULL, 'P' },
	{ "blkio-weight", required_argument, NULL, 'b' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int read_all(const char *path, char **out, size_t *len)
{
	if (strcmp(path, "-"))
		return cell_read_file(path, CELL_OCI_CONFIG_MAX, out, len);
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= CELL_OCI_CONFIG_MAX) {
				free(b);
				return -EFBIG;
			}
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		ssize_t k = read(0, b + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(b);
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

static int num(const char *flag, const char *v, long long min, long long *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || end == v || *end || n < min)
		return oci_fail("update --%s: expected a number, got '%s'", flag,
				v);
	*out = n;
	return 0;
}

int cmd_update(int argc, char **argv)
{
	struct cell_oci_resources r = { 0 };
	const char *file = NULL;
	bool flags = false; /* a limit given as a flag */
	long long v = 0;
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+r:h", update_opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'r': file = optarg; break;
		case 'm': case 'S': {
			const char *fl = ch == 'm' ? "memory" : "memory-swap";
			int64_t n;
			uint64_t b;
			if (!strcmp(optarg, "-1"))
				n = -1;
			else if (cell_cgroup_parse_size(optarg, &b) < 0 ||
				 b > INT64_MAX)
				return oci_fail("update --%s: '%s'", fl, optarg);
			else
				n = (int64_t)b;
			if (ch == 'm') {
				r.memory_limit = n;
				r.has_memory_limit = true;
			} else {
				/* memory + swap; 0 leaves it (runc) */
				r.memory_swap = n;
				r.has_memory_swap = n != 0;
			}
			flags = true;
			break;
		}
		case 's':
			if (num("cpu-shares", optarg, 0, &v))
				return 1;
			r.has_cpu_shares = true;
			flags = true;
			r.cpu_shares = (uint64_t)v;
			break;
		case 'q':
			if (num("cpu-quota", optarg, -1, &v))
				return 1;
			r.has_cpu_quota = true;
			flags = true;
			r.cpu_quota = v;
			break;
		case 'p':
			if (num("cpu-period", optarg, 0, &v))
				return 1;
			r.has_cpu_period = true;
			flags = true;
			r.cpu_period = (uint64_t)v;
			break;
		case 'P':
			if (num("pids-limit", optarg, INT64_MIN + 1, &v))
				return 1;
			r.has_pids_limit = true;
			flags = true;
			r.pids_limit = v;
			break;
		case 'R': case 'k':
			oci_log(CELL_OCI_WARN, "update: %s ignored (memory "
				"reservation and kernel memory are not set)",
				argv[optind - 1]);
			break;
		case 'c': case 'M':
			return oci_fail("update: cpusets are not supported");
		case 'b':
			return oci_fail("update --blkio-weight: not supported");
		case 'h': return oci_usage("update", false);
		default: return oci_usage("update", true);
		}
	}
	if (optind + 1 != argc)
		return oci_usage("update", true);
	const char *id = argv[optind];
	struct cell_error err;
	cell_error_clear(&err);
	void *json = NULL;
	/* --resources replaces every limit the flags set (its parsing
	 * starts from nothing), and runc silently ignores the flags then:
	 * neither is what was asked, so the combination is refused */
	if (file && flags)
		return oci_fail("update: --resources cannot be combined with "
				"--memory, --memory-swap, --cpu-*, --pids-limit "
				"(put those limits in the file)");
	if (file) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		int x = read_all(file, &text, &len);
		if (x < 0)
			return oci_fail("update --resources %s: %s", file,
					strerror(-x));
		if (cell_oci_resources_parse(text, len, &r, &json, &err) < 0) {
			json_decref(json);
			return oci_fail_err("update --resources", &err);
		}
	}
	/* the period alone applies with the quota already set */
	if (r.has_cpu_period && !r.has_cpu_quota)
		return oci_fail("update: --cpu-period needs --cpu-quota");
	struct cell_oci_dir d;
	struct cell_oci_state s;
	int ret = 0;
	if (oci_open(id, true, &d, &s)) {
		json_decref(json);
		return 1;
	}
	enum cell_oci_status now = cell_oci_state_status(&d, &s);
	if (now == CELL_OCI_STOPPED)
		ret = oci_fail("cannot update container %s: it is stopped", id);
	else if (r.ndevices)
		ret = oci_fail("update: devices cannot change (the jail's "
			       "devfs_ruleset governs them)");
	else if (cell_oci_resources_apply(s.cgroup, &r, NULL, &oci_logger,
					  &err) < 0)
		ret = oci_fail_err("update", &err);
	json_decref(json);
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}
