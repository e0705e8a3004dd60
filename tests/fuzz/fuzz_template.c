/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: cell template files (lib/mgr/template.c). Whatever the
 * input, the parser either fails with a "FILE:LINE:COL: message" error
 * or yields lines whose argument counts and positions are sane; every
 * word then goes through ${NAME} substitution (strict and lenient).
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
	if (cell_tpl_parse((const char *)data, size, "fuzz.tpl", &t, &e) < 0) {
		if (strncmp(e.msg, "fuzz.tpl:", 9) || e.code >= 0) {
			fprintf(stderr, "error without a location: %s\n",
				e.msg);
			abort();
		}
		return 0;
	}
	struct cell_tpl_vars v = { 0 };
	cell_tpl_var_set(&v, "A", "x${A}y");   /* never expanded twice */
	cell_tpl_var_set(&v, "PORT", "8080");
	int last = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct cell_tpl_line *l = &t->lines[i];
		if (l->line <= last || l->col < 1 ||
		    (l->kind == CELL_TPL_CMD) != (l->raw != NULL) ||
		    l->n > CELL_TPL_MAX_WORDS ||
		    !strcmp(cell_tpl_kind_name(l->kind), "?")) {
			fprintf(stderr, "bad line %d\n", l->line);
			abort();
		}
		last = l->line;
		for (size_t k = 0; k <= l->n; k++) {
			const char *s = k < l->n ? l->w[k].s : l->raw;
			if (!s)
				continue;
			if (k < l->n && l->w[k].col <= l->col) {
				fprintf(stderr, "word before its directive\n");
				abort();
			}
			char *o = NULL;
			size_t bad = 0;
			if (cell_tpl_subst(s, &v, false, &o, &bad) < 0 &&
			    (bad >= strlen(s) || s[bad] != '$')) {
				fprintf(stderr, "bad offset %zu in '%s'\n",
					bad, s);
				abort();
			}
			free(o);
			o = NULL;
			if (cell_tpl_subst(s, &v, true, &o, NULL) < 0)
				abort(); /* lenient never fails but ENOMEM */
			free(o);
		}
	}
	cell_tpl_vars_free(&v);
	cell_tpl_free(t);
	return 0;
}
