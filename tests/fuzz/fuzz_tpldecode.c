/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: cell_tpl_decode (lib/mgr/template.c), which reads what a
 * template parser in a capability-mode child sends back. A compromised
 * child may send anything: the decoder must refuse it or yield a parse
 * the parser could have produced, and encoding that again must give the
 * same bytes (round trip).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct cell_tpl *t = NULL;
	struct cell_error e;
	cell_error_clear(&e);
	if (cell_tpl_decode((const char *)data, size, "fuzz.tpl", &t, &e) < 0)
		return 0;
	char *again = NULL;
	size_t len = 0;
	if (cell_tpl_encode(t, &again, &len) < 0 || len != size ||
	    memcmp(again, data, size)) {
		fprintf(stderr, "decode/encode is not a round trip\n");
		abort();
	}
	free(again);
	cell_tpl_free(t);
	return 0;
}
