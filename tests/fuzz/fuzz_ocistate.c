/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: cell-oci's state.json (lib/oci/state.c), which every
 * command but create reads back and which a killed runtime or a full disk
 * may leave damaged. Whatever parses is written as save writes it, and
 * that text parses to a state that is written to the very same text; the
 * spec's state JSON (what `cell-oci state` prints) is made for every
 * status. Any difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	struct cell_oci_state a, b;
	if (cell_oci_state_parse((const char *)data, size, &a) < 0)
		return 0;
	char *ta = cell_oci_state_text(&a);
	if (!ta)
		abort();
	if (cell_oci_state_parse(ta, strlen(ta), &b) < 0) {
		fprintf(stderr, "saved state does not parse:\n%s\n", ta);
		abort();
	}
	char *tb = cell_oci_state_text(&b);
	if (!tb || strcmp(ta, tb)) {
		fprintf(stderr, "state round trip differs:\n%s\n%s\n", ta,
			tb ? tb : "(none)");
		abort();
	}
	for (int st = CELL_OCI_CREATING; st <= CELL_OCI_PAUSED; st++) {
		char *s = cell_oci_state_json(&a, (enum cell_oci_status)st,
					      st & 1);
		if (!s)
			abort();
		free(s);
	}
	free(ta);
	free(tb);
	cell_oci_state_free(&a);
	cell_oci_state_free(&b);
	return 0;
}
