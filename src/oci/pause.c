/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci pause ID: freeze the container's cgroup (v2/unified
 * cgroup.freeze, else the v1 freezer: lib/cgroup decides).
 */
#include <string.h>

#include "cgroup/cgroup.h"
#include "cli.h"


int oci_freeze(const char *id, bool frozen)
{
	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(id, true, &d, &s))
		return 1;
	struct cell_error err;
	cell_error_clear(&err);
	int ret = 0;
	enum cell_oci_status now = cell_oci_state_status(&d, &s);
	enum cell_oci_status want = frozen ? CELL_OCI_RUNNING : CELL_OCI_PAUSED;
	if (now != want) {
		ret = oci_fail("cannot %s container %s: it is %s",
			       frozen ? "pause" : "resume", id,
			       cell_oci_status_name(now));
		goto out;
	}
	struct cell_cgroup_host *h = NULL;
	struct cell_cgroup *cg = NULL;
	int r = cell_cgroup_host_open(NULL, &h, &err);
	if (r == 0)
		r = cell_cgroup_open(h, s.cgroup, &cg, &err);
	if (r == 0)
		r = cell_cgroup_freeze(cg, frozen, &err);
	cell_cgroup_free(cg);
	cell_cgroup_host_free(h);
	if (r < 0) {
		ret = oci_fail_err(frozen ? "pause" : "resume", &err);
		goto out;
	}
	s.status = frozen ? CELL_OCI_PAUSED : CELL_OCI_RUNNING;
	if (cell_oci_state_save(&d, &s, &err) < 0)
		ret = oci_fail_err(NULL, &err);
out:
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}

int cmd_pause(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return oci_usage("pause", false);
	if (argc != 2)
		return oci_usage("pause", true);
	return oci_freeze(argv[1], true);
}
