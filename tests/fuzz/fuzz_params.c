/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: command-line parameters (jail -c name=value ..., state
 * records, jls -s output). Whatever parses must print, parse back to the
 * same text, and derive a policy without crashing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jail.h"
#include "param.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (strlen(line) != size) { /* NUL inside: not a command line */
		free(line);
		return 0;
	}

	struct cell_jail j;
	struct cell_error e;
	cell_jail_init(&j);
	if (cell_params_parse_line(&j, line, &e) == 0) {
		char *a = NULL, *b = NULL;
		size_t al = 0, bl = 0;
		FILE *f = open_memstream(&a, &al);
		int r = cell_params_print(f, &j, CELL_PRINT_QUOTE);
		fclose(f);
		struct cell_jail k;
		cell_jail_init(&k);
		if (r == 0 && cell_params_parse_line(&k, a, &e) == 0) {
			f = open_memstream(&b, &bl);
			cell_params_print(f, &k, CELL_PRINT_QUOTE);
			fclose(f);
			if (strcmp(a, b)) {
				fprintf(stderr, "round trip differs:\n%s%s", a,
					b);
				abort();
			}
		} else if (r == 0) {
			fprintf(stderr, "printed form does not parse: %s\n%s",
				e.msg, a);
			abort();
		}
		struct cell_policy pol;
		cell_jail_validate(&j, &e);
		cell_policy_derive(&j, NULL, &pol, &e);
		cell_jail_free(&k);
		free(a);
		free(b);
	}
	cell_jail_free(&j);
	free(line);
	return 0;
}
