/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: OCI config.json (lib/oci). Whatever parses is translated
 * into a jail and a process (seccomp compiled too) and must neither crash
 * nor leak; translation errors are fine. Also feeds the same bytes to the
 * exec --process and update --resources parsers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci.h"
#include "param.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	/* seccomp compilation keeps its programs in the state directory's
	 * cache: not the host's, and none at all here (a path that does not
	 * exist: every save fails, every load misses) */
	setenv("CELL_RUN_DIR", "/nonexistent-cell-fuzz", 1);
	const char *text = (const char *)data;
	struct cell_error e;
	struct cell_oci_config c;
	/* every parameter an operator could open to annotations is open
	 * here, so the annotation path is fuzzed too */
	static const char *open_params[512];
	static size_t nopen;
	if (!nopen)
		for (size_t i = 0; i < cell_params_count && nopen < 512; i++)
			if (cell_oci_annotation_param_check(cell_params[i].name,
							    NULL) == 0)
				open_params[nopen++] = cell_params[i].name;
	if (cell_oci_config_parse(text, size, "/nonexistent-bundle", &c,
				  &e) == 0) {
		struct cell_oci_opts o = { .id = "fuzz",
					   .bundle = "/nonexistent-bundle",
					   .jail_annotations = open_params,
					   .njail_annotations = nopen };
		struct cell_jail j;
		cell_jail_init(&j);
		cell_oci_to_jail(&c, &o, &j, &e);
		cell_jail_free(&j);
		struct cell_exec x;
		struct sock_fprog f;
		if (cell_oci_to_exec(&c, &o, &x, &f, &e) == 0)
			cell_oci_seccomp_free(&f);
	}
	cell_oci_config_free(&c);

	if (cell_oci_process_parse(text, size, &c, &e) == 0) {
		/* nothing more: the front end copies fields */
	}
	cell_oci_config_free(&c);

	struct cell_oci_resources r;
	void *json = NULL;
	cell_oci_resources_parse(text, size, &r, &json, &e);
	if (json) {
		/* json_decref without including jansson here */
		struct cell_oci_config tmp = { .json = json };
		cell_oci_config_free(&tmp);
	}
	return 0;
}
