/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci ps [--format table|json] ID [-- PS_ARGS...]: the processes of
 * the container's cgroup; json is the list of host pids (what containerd
 * and podman read), table is ps(1)'s output (default -ef) limited to them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"

static const struct option ps_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static bool has_pid(const pid_t *p, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == pid)
			return true;
	return false;
}

int cmd_ps(int argc, char **argv)
{
	const char *format = "table";
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+f:h", ps_opts, NULL)) != -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 'h': return oci_usage("ps", false);
		default: return oci_usage("ps", true);
		}
	}
	if (optind >= argc)
		return oci_usage("ps", true);
	if (strcmp(format, "table") && strcmp(format, "json"))
		return oci_fail("ps --format: table or json, not '%s'", format);
	const char *id = argv[optind++];
	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(id, false, &d, &s))
		return 1;
	struct cell_error err;
	cell_error_clear(&err);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int ret = 0;
	enum cell_oci_status now = cell_oci_state_status(&d, &s);
	if (now != CELL_OCI_STOPPED && s.cgroup[0] &&
	    oci_cgroup_pids(s.cgroup, &pids, &n, &err) < 0 &&
	    err.code != -ENOENT) {
		ret = oci_fail_err("ps", &err);
		goto out;
	}
	if (!strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		goto out;
	}
	/* ps(1) with the given arguments, keeping the header and the lines
	 * whose PID column is one of ours */
	char cmd[4096] = "ps";
	size_t cl = 2;
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc) {
		snprintf(cmd + cl, sizeof(cmd) - cl, " -ef");
	} else {
		for (int i = optind; i < argc; i++) {
			if (strspn(argv[i], "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-,=") !=
			    strlen(argv[i])) {
				ret = oci_fail("ps: argument '%s' not allowed",
					       argv[i]);
				goto out;
			}
			int k = snprintf(cmd + cl, sizeof(cmd) - cl, " %s",
					 argv[i]);
			if (k < 0 || (size_t)k >= sizeof(cmd) - cl) {
				ret = oci_fail("ps: arguments too long");
				goto out;
			}
			cl += (size_t)k;
		}
	}
	FILE *p = popen(cmd, "re");
	if (!p) {
		ret = oci_fail("ps: %s", strerror(errno));
		goto out;
	}
	char line[4096];
	int pidcol = -1, lineno = 0;
	while (fgets(line, sizeof(line), p)) {
		char copy[4096];
		snprintf(copy, sizeof(copy), "%s", line);
		char *save = NULL;
		int col = 0;
		long pidv = -1;
		for (char *t = strtok_r(copy, " \t\n", &save); t;
		     t = strtok_r(NULL, " \t\n", &save), col++) {
			if (lineno == 0 && !strcmp(t, "PID"))
				pidcol = col;
			else if (lineno > 0 && col == pidcol)
				pidv = strtol(t, NULL, 10);
		}
		if (lineno++ == 0 || has_pid(pids, n, pidv))
			fputs(line, stdout);
	}
	if (pclose(p) != 0 || pidcol < 0)
		ret = oci_fail("ps: ps(1) failed or printed no PID column");
out:
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}
