/* SPDX-License-Identifier: BSD-2-Clause */
/* cell-oci list [--format table|json] [--quiet]: every container. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static const struct option list_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int cmd_list(int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+f:qh", list_opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 'q': quiet = true; break;
		case 'h': return oci_usage("list", false);
		default: return oci_usage("list", true);
		}
	}
	if (optind != argc)
		return oci_usage("list", true);
	bool json = !strcmp(format, "json");
	if (!json && strcmp(format, "table"))
		return oci_fail("list --format: table or json, not '%s'", format);
	struct cell_error err;
	cell_error_clear(&err);
	char **ids = NULL;
	size_t n = 0;
	if (cell_oci_list(G.root, &ids, &n, &err) < 0)
		return oci_fail_err("list", &err);
	json_t *arr = json ? json_array() : NULL;
	if (!json && !quiet)
		printf("%-24s %-8s %-10s %-40s %-30s %s\n", "ID", "PID",
		       "STATUS", "BUNDLE", "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		struct cell_oci_dir d;
		struct cell_oci_state s;
		bool stale;
		int r = cell_oci_dir_open(G.root, ids[i], false, &d, &stale,
					  &s, NULL);
		if (r < 0) {
			free(ids[i]);
			continue;
		}
		if (r == 1 && stale)
			cell_oci_state_free(&s);
		if (r == 1 && !stale) {
			enum cell_oci_status now = cell_oci_state_status(&d, &s);
			oci_fill_owner(&d, &s);
			int pid = now == CELL_OCI_STOPPED ? 0 : s.pid;
			if (json) {
				char *js = cell_oci_state_json(&s, now, false);
				json_t *o = js ? json_loads(js, 0, NULL) : NULL;
				if (o)
					json_array_append_new(arr, o);
				free(js);
			} else if (quiet) {
				printf("%s\n", s.id);
			} else {
				printf("%-24s %-8d %-10s %-40s %-30s %s\n",
				       s.id, pid, cell_oci_status_name(now),
				       s.bundle, s.created, s.owner);
			}
			cell_oci_state_free(&s);
		}
		cell_oci_dir_close(&d);
		free(ids[i]);
	}
	free(ids);
	if (json) {
		char *t = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", t ? t : "[]");
		free(t);
		json_decref(arr);
	}
	return 0;
}
