/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci delete [--force] ID: remove a stopped container (its jail, if
 * cell still has it, the cgroup, the state directory) and run poststop
 * hooks. The spec: deleting a container that is not stopped is an error;
 * --force kills it first.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct option delete_opts[] = {
	{ "force", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int cmd_delete(int argc, char **argv)
{
	bool force = false;
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+fh", delete_opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'f': force = true; break;
		case 'h': return oci_usage("delete", false);
		default: return oci_usage("delete", true);
		}
	}
	if (optind + 1 != argc)
		return oci_usage("delete", true);
	const char *id = argv[optind];
	struct cell_oci_dir d;
	struct cell_oci_state s;
	/* what a create of this id killed before its rename left */
	cell_oci_sweep(G.root, id);
	if (oci_open(id, true, &d, &s)) {
		/* runc: --force on a missing container is not an error */
		return force ? 0 : 1;
	}
	enum cell_oci_status now = cell_oci_state_status(&d, &s);
	int ret;
	if (now != CELL_OCI_STOPPED && !force) {
		ret = oci_fail("cannot delete container %s: it is %s (stop it "
			       "or use --force)", id,
			       cell_oci_status_name(now));
	} else {
		if (now != CELL_OCI_STOPPED)
			oci_signal_pid(&s, SIGKILL, NULL);
		ret = oci_destroy(&d, &s);
	}
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}
