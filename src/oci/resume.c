/* SPDX-License-Identifier: BSD-2-Clause */
/* cell-oci resume ID: thaw what pause froze. */
#include <string.h>

#include "cli.h"


int cmd_resume(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return oci_usage("resume", false);
	if (argc != 2)
		return oci_usage("resume", true);
	return oci_freeze(argv[1], false);
}
