/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci kill [--all] ID [SIGNAL]: signal the container's process
 * (default SIGTERM), or with --all every process of its cgroup. The spec:
 * an error unless the container is created or running.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct option kill_opts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int cmd_kill(int argc, char **argv)
{
	bool all = false;
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+ah", kill_opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'a': all = true; break;
		case 'h': return oci_usage("kill", false);
		default: return oci_usage("kill", true);
		}
	}
	if (optind >= argc || argc - optind > 2)
		return oci_usage("kill", true);
	const char *id = argv[optind];
	int sig = SIGTERM;
	if (argc - optind == 2) {
		sig = oci_parse_signal(argv[optind + 1]);
		if (sig < 0)
			return oci_fail("kill: unknown signal '%s'",
					argv[optind + 1]);
	}
	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(id, true, &d, &s))
		return 1;
	int ret = 0;
	enum cell_oci_status now = cell_oci_state_status(&d, &s);
	struct cell_error err;
	cell_error_clear(&err);
	if (now != CELL_OCI_CREATED && now != CELL_OCI_RUNNING &&
	    now != CELL_OCI_PAUSED) {
		ret = oci_fail("container %s is %s: nothing to signal", id,
			       cell_oci_status_name(now));
	} else if (all) {
		if (oci_signal_all(&s, sig, &err) < 0)
			ret = oci_fail_err("kill --all", &err);
	} else if (oci_signal_pid(&s, sig, &err) < 0) {
		ret = oci_fail_err("kill", &err);
	}
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}
