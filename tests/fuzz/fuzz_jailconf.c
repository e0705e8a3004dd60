/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the jail.conf lexer, parser and resolver.
 *
 * Oracle, besides the sanitizers: whatever parses must print as text
 * that parses back to the same jails, parameters, operations and values
 * (unless the printed form runs into a size limit); so must each jail's
 * jail -e line (cell_conf_print_params) wrapped as "'NAME' { LINE; }", with
 * the same parameters; and a failed parse
 * must leave *out NULL with a negative code and a message.
 *
 * The same function is fed every corpus file by replay.c in each test run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/jailconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_jailconf: %s\n", what);
		abort();
	}
}

static void same_params(const struct cell_conf_jail *x,
			const struct cell_conf_jail *y)
{
	check(x->nparams == y->nparams, "round trip: parameter count");
	for (size_t k = 0; k < x->nparams; k++) {
		const struct cell_conf_param *p = &x->params[k],
					     *q = &y->params[k];
		check(!strcmp(p->name, q->name), "round trip: name");
		check(p->op == q->op, "round trip: op");
		check(p->nvalues == q->nvalues, "round trip: values");
		for (size_t v = 0; v < p->nvalues; v++)
			check(!strcmp(p->values[v], q->values[v]),
			      "round trip: value");
	}
}

static void same(const struct cell_conf *a, const struct cell_conf *b)
{
	check(a->njails == b->njails, "round trip: jail count");
	for (size_t i = 0; i < a->njails; i++) {
		check(!strcmp(a->jails[i].name, b->jails[i].name),
		      "round trip: jail name");
		same_params(&a->jails[i], &b->jails[i]);
	}
}

/* jail -e: one jail's line, wrapped in a block, parses back to it. */
static void show_round_trip(const struct cell_conf_jail *j)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	check(f != NULL, "open_memstream");
	/* the block must bear the jail's name: the line says name = "..."
	 * and a block cannot rename its jail */
	fputc('\'', f);
	for (const char *c = j->name; *c; c++) {
		if (*c == '\'' || *c == '\\')
			fputc('\\', f);
		fputc(*c, f);
	}
	fputs("' { ", f);
	check(cell_conf_print_params(j, ";", f) == 0, "print params");
	fputs("; }\n", f);
	fclose(f);
	struct cell_conf *c = NULL;
	struct cell_error e = { 0 };
	int r = cell_conf_parse_string_flags(text, len, "shown",
					     CELL_CONF_NOINCLUDE, &c, &e);
	if (r == 0) {
		check(c->njails == 1, "jail -e: one jail");
		same_params(j, &c->jails[0]);
	} else {
		check(r == -E2BIG || r == -EFBIG, e.msg);
	}
	cell_conf_free(c);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cell_conf *c = (struct cell_conf *)&c;
	struct cell_error e = { 0 };
	/* no .include: the fuzzer must not glob or read the file system */
	int r = cell_conf_parse_string_flags((const char *)data, size, "fuzz",
					     CELL_CONF_NOINCLUDE, &c, &e);
	if (r < 0) {
		check(c == NULL, "error left a configuration");
		check(e.code == r && e.msg[0], "error without a message");
		return 0;
	}
	check(c != NULL, "no configuration");

	for (size_t i = 0; i < c->njails; i++) {
		const struct cell_conf_jail *j = &c->jails[i];
		check(cell_conf_find(c, j->name) != NULL, "find");
		(void)cell_conf_bool(j, "persist", false);
		(void)cell_conf_bool(j, "allow.mount", true);
		if (i < 64)
			show_round_trip(j);
	}
	struct cell_conf_jail *rj = NULL;
	if (cell_conf_resolve(c, "fuzz.jail", &rj, &e) == 0)
		cell_conf_jail_free(rj);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	check(f != NULL, "open_memstream");
	check(cell_conf_print(c, f) == 0, "print");
	fclose(f);
	struct cell_conf *c2 = NULL;
	r = cell_conf_parse_string(text, len, "printed", &c2, &e);
	if (r == 0)
		same(c, c2);
	else
		check(r == -E2BIG || r == -EFBIG, e.msg);
	free(text);
	cell_conf_free(c2);
	cell_conf_free(c);
	return 0;
}
