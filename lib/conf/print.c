/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Resolved jails back to jail.conf text. Values are always double-quoted
 * with '"', '\' and '$' escaped, so they read back byte for byte and are
 * never expanded again; names are bare when the lexer would read them as
 * one plain token, single-quoted otherwise.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool plain_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("_!%&()-.:<>?@[]^`|~*", c) != NULL;
}

static void put_quoted(FILE *out, const char *s, char q)
{
	fputc(q, out);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == (unsigned char)q || *c == '\\' ||
		    (q == '"' && *c == '$')) {
			fputc('\\', out);
			fputc(*c, out);
		} else if (*c == '\n') {
			fputs("\\n", out);
		} else if (*c == '\t') {
			fputs("\\t", out);
		} else if (*c < 0x20 || *c == 0x7f) {
			fprintf(out, "\\%03o", *c);
		} else {
			fputc(*c, out);
		}
	}
	fputc(q, out);
}

static void put_name(FILE *out, const char *s)
{
	bool plain = *s != '\0';
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (!plain_char(*c))
			plain = false;
	if (plain)
		fputs(s, out);
	else
		put_quoted(out, s, '\'');
}

int cell_conf_print_jail(const struct cell_conf_jail *cj, FILE *out)
{
	put_name(out, cj->name);
	fputs(" {\n", out);
	for (size_t i = 0; i < cj->nparams; i++) {
		const struct cell_conf_param *p = &cj->params[i];
		/* name = "<jail>": the block's name says it (the resolver
		 * refuses any other) */
		if (!strcmp(p->name, "name"))
			continue;
		fputc('\t', out);
		put_name(out, p->name);
		if (p->op != CELL_CONF_BOOL) {
			fputs(p->op == CELL_CONF_APPEND ? " += " : " = ", out);
			for (size_t k = 0; k < p->nvalues; k++) {
				if (k)
					fputs(", ", out);
				put_quoted(out, p->values[k], '"');
			}
		}
		fputs(";\n", out);
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

int cell_conf_print(const struct cell_conf *conf, FILE *out)
{
	for (size_t i = 0; i < conf->njails; i++) {
		if (i)
			fputc('\n', out);
		int r = cell_conf_print_jail(&conf->jails[i], out);
		if (r < 0)
			return r;
	}
	return ferror(out) ? -EIO : 0;
}

/*
 * A value of a jail -e line, as FreeBSD's quoted_print writes it: bare
 * when it is one plain token (a path, an address, a number), else quoted,
 * with '"' unless it holds one and no '\'' (then '\''). FreeBSD quotes
 * only for blanks and quotes; here also for what the lexer would read
 * otherwise (';', '$', ',', '#' ...), so that the line parses back.
 */
static void put_value(FILE *out, const char *s)
{
	/* (no comment start: slash-star and slash-slash open comments) */
	bool plain = *s != '\0' && !strstr(s, "/*") && !strstr(s, "//");
	for (const unsigned char *c = (const unsigned char *)s; *c && plain;
	     c++)
		plain = plain_char(*c) || *c == '/' || *c == '+';
	if (plain)
		fputs(s, out);
	else
		put_quoted(out, s, strchr(s, '"') && !strchr(s, '\'') ? '\''
								     : '"');
}

/* FreeBSD's jail -e line: name=value (a list's values apart by ','),
 * a boolean's name alone, apart by sep; "+=" kept as written */
int cell_conf_print_params(const struct cell_conf_jail *cj, const char *sep,
			   FILE *out)
{
	for (size_t i = 0; i < cj->nparams; i++) {
		const struct cell_conf_param *p = &cj->params[i];
		if (i)
			fputs(sep, out);
		/* as in cell_conf_print_jail: "+=" to name follows "name;" */
		if (!strcmp(p->name, "name") && p->op == CELL_CONF_APPEND) {
			fputs("name", out);
			fputs(sep, out);
		}
		put_name(out, p->name);
		if (p->op != CELL_CONF_BOOL) {
			fputs(p->op == CELL_CONF_APPEND ? "+=" : "=", out);
			for (size_t k = 0; k < p->nvalues; k++) {
				if (k)
					fputc(',', out);
				put_value(out, p->values[k]);
			}
		}
	}
	return ferror(out) ? -EIO : 0;
}
