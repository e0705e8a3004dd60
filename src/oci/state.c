/* SPDX-License-Identifier: BSD-2-Clause */
/* cell-oci state ID: the spec's state JSON, status as it is now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_state(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return oci_usage("state", false);
	if (argc != 2)
		return oci_usage("state", true);
	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(argv[1], false, &d, &s))
		return 1;
	oci_fill_owner(&d, &s);
	char *js = cell_oci_state_json(&s, cell_oci_state_status(&d, &s), true);
	if (js)
		printf("%s\n", js);
	free(js);
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return js ? 0 : oci_fail("out of memory");
}
