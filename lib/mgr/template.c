/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The template parser and ${NAME} substitution (template.h). Pure: no
 * I/O, no globals; every error is "FILE:LINE:COL: message". The
 * directives are applied by template_apply.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "mgr/template.h"

static const struct {
	const char *name;
	enum cell_tpl_kind kind;
	int min, max;      /* argument words (-1: no upper bound) */
} directives[] = {
	{ "ARG", CELL_TPL_ARG, 1, 1 },
	{ "CMD", CELL_TPL_CMD, 0, 0 },      /* the raw rest of the line */
	{ "CP", CELL_TPL_CP, 2, 2 },
	{ "MOUNT", CELL_TPL_MOUNT, 2, 4 },
	{ "PKG", CELL_TPL_PKG, 1, -1 },
	{ "RDR", CELL_TPL_RDR, 3, 3 },
	{ "LIMITS", CELL_TPL_LIMITS, 2, 2 },
	{ "CONFIG", CELL_TPL_CONFIG, 1, 3 },
	{ "RENDER", CELL_TPL_RENDER, 1, -1 },
	{ "INCLUDE", CELL_TPL_INCLUDE, 1, -1 },
	{ "RESTART", CELL_TPL_RESTART, 0, 0 },
};

const char *cell_tpl_kind_name(enum cell_tpl_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(directives); i++)
		if (directives[i].kind == k)
			return directives[i].name;
	return "?";
}

int cell_tpl_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     c == '_';
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

void cell_tpl_free(struct cell_tpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct cell_tpl_line *l = &t->lines[i];
		for (size_t k = 0; k < l->n; k++)
			free(l->w[k].s);
		free(l->w);
		free(l->raw);
	}
	free(t->lines);
	free(t->file);
	free(t);
}

/* "FILE:LINE:COL: message" */
static int tpl_err(struct cell_error *err, int code, const char *file,
		   int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static int tpl_err(struct cell_error *err, int code, const char *file,
		   int line, int col, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cell_error_context(err, NULL, "template", NULL);
	return cell_error_set(err, code, "%.100s:%d:%d: %s", file, line, col,
			      msg);
}

/* Check the ${...} of a word or line: names valid, braces closed. */
static int check_refs(const char *s, size_t n, const char *file, int line,
		      int col, bool raw, struct cell_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '$')
			continue;
		if (!raw && i + 1 < n && s[i + 1] == '$') {
			i++;
			continue;
		}
		if (i + 1 >= n || s[i + 1] != '{')
			continue;
		const char *close = memchr(s + i + 2, '}', n - i - 2);
		if (!close) {
			if (raw)
				continue;
			return tpl_err(err, -EINVAL, file, line, col + (int)i,
				       "'${' without '}'");
		}
		size_t len = (size_t)(close - (s + i + 2));
		if (!cell_tpl_name_ok(s + i + 2, len) && !raw)
			return tpl_err(err, -EINVAL, file, line, col + (int)i,
				       "bad variable name '${%.*s}'",
				       (int)(len > 40 ? 40 : len), s + i + 2);
		i = (size_t)(close - s);
	}
	return 0;
}

static int push_word(struct cell_tpl_line *l, const char *s, size_t n,
		     int col)
{
	if (l->n >= CELL_TPL_MAX_WORDS)
		return -E2BIG;
	struct cell_tpl_word *w = realloc(l->w, (l->n + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	l->w = w;
	char *c = strndup(s, n);
	if (!c)
		return -ENOMEM;
	w[l->n++] = (struct cell_tpl_word){ c, col };
	return 0;
}

/*
 * Split p[0..n) (a line after its directive) into words. off: the column
 * of p[0] minus one.
 */
static int split_words(struct cell_tpl_line *l, const char *p, size_t n,
		       int off, const char *file, int line,
		       struct cell_error *err)
{
	_cleanup_free_ char *buf = malloc(n + 1);
	if (!buf)
		return cell_error_set(err, -ENOMEM, "out of memory");
	size_t i = 0;
	for (;;) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i >= n || p[i] == '#')
			return 0; /* a comment ends the line between words */
		int col = off + (int)i + 1;
		size_t o = 0;
		while (i < n && p[i] != ' ' && p[i] != '\t') {
			char q = p[i];
			if (q != '"' && q != '\'') {
				buf[o++] = p[i++];
				continue;
			}
			int qcol = off + (int)i + 1;
			i++;
			for (;;) {
				if (i >= n)
					return tpl_err(err, -EINVAL, file, line,
						       qcol, "unterminated %s "
						       "quote", q == '"'
						       ? "double" : "single");
				if (p[i] == q) {
					i++;
					break;
				}
				if (q == '"' && p[i] == '\\' && i + 1 < n &&
				    (p[i + 1] == '"' || p[i + 1] == '\\'))
					i++;
				buf[o++] = p[i++];
			}
		}
		int r = check_refs(buf, o, file, line, col, false, err);
		if (r < 0)
			return r;
		r = push_word(l, buf, o, col);
		if (r == -E2BIG)
			return tpl_err(err, r, file, line, col, "more than %d "
				       "words", CELL_TPL_MAX_WORDS);
		if (r < 0)
			return cell_error_set(err, r, "out of memory");
	}
}

static int parse_line(struct cell_tpl *t, const char *p, size_t n, int line,
		      struct cell_error *err)
{
	const char *file = t->file;
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= n || p[i] == '#')
		return 0;
	int col = (int)i + 1;
	size_t s = i;
	while (i < n && p[i] != ' ' && p[i] != '\t')
		i++;
	size_t dlen = i - s;
	size_t d;
	for (d = 0; d < ARRAY_SIZE(directives); d++)
		if (strlen(directives[d].name) == dlen &&
		    !memcmp(directives[d].name, p + s, dlen))
			break;
	if (d == ARRAY_SIZE(directives)) {
		char shown[48];
		size_t k = 0;
		for (size_t j = s; j < i && k + 1 < sizeof(shown); j++)
			shown[k++] = (p[j] >= 0x20 && p[j] < 0x7f) ? p[j] : '?';
		shown[k] = '\0';
		return tpl_err(err, -EINVAL, file, line, col,
			       "unknown directive '%s'", shown);
	}
	struct cell_tpl_line *nl = realloc(t->lines,
					   (t->n + 1) * sizeof(*nl));
	if (!nl)
		return cell_error_set(err, -ENOMEM, "out of memory");
	t->lines = nl;
	struct cell_tpl_line *l = &t->lines[t->n++];
	*l = (struct cell_tpl_line){ .kind = directives[d].kind,
				     .line = line, .col = col };
	const char *name = directives[d].name;
	if (l->kind == CELL_TPL_CMD) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		size_t e = n;
		while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (e == i)
			return tpl_err(err, -EINVAL, file, line, col,
				       "CMD needs a command");
		l->raw_col = (int)i + 1;
		if (!(l->raw = strndup(p + i, e - i)))
			return cell_error_set(err, -ENOMEM, "out of memory");
		return check_refs(l->raw, e - i, file, line, l->raw_col, true,
				  err);
	}
	int r = split_words(l, p + i, n - i, (int)i, file, line, err);
	if (r < 0)
		return r;
	int min = directives[d].min, max = directives[d].max;
	if ((int)l->n < min)
		return tpl_err(err, -EINVAL, file, line, col, "%s needs %s%d "
			       "argument%s", name, max != min ? "at least " : "",
			       min, min == 1 ? "" : "s");
	if (max == 0 && l->n > 0)
		return tpl_err(err, -EINVAL, file, line, l->w[0].col,
			       "%s takes no arguments", name);
	if (max > 0 && (int)l->n > max)
		return tpl_err(err, -EINVAL, file, line, l->w[max].col,
			       "%s takes at most %d argument%s", name, max,
			       max == 1 ? "" : "s");
	/* what can be checked before substitution */
	switch (l->kind) {
	case CELL_TPL_ARG: {
		const char *w = l->w[0].s, *eq = strchr(w, '=');
		size_t len = eq ? (size_t)(eq - w) : strlen(w);
		if (!cell_tpl_name_ok(w, len))
			return tpl_err(err, -EINVAL, file, line, l->w[0].col,
				       "bad ARG name '%.*s' (letters, digits, "
				       "'_')", (int)(len > 40 ? 40 : len), w);
		break;
	}
	case CELL_TPL_CONFIG:
		if (l->n == 3 && strcmp(l->w[0].s, "set"))
			return tpl_err(err, -EINVAL, file, line, l->w[0].col,
				       "CONFIG takes 'set PARAM VALUE', "
				       "'PARAM=VALUE' or 'PARAM VALUE'");
		if (l->n == 1 && !strchr(l->w[0].s, '='))
			return tpl_err(err, -EINVAL, file, line, l->w[0].col,
				       "CONFIG %s: no value (PARAM=VALUE)",
				       l->w[0].s);
		break;
	case CELL_TPL_RDR:
		if (strcmp(l->w[0].s, "tcp") && strcmp(l->w[0].s, "udp") &&
		    !strstr(l->w[0].s, "${"))
			return tpl_err(err, -EINVAL, file, line, l->w[0].col,
				       "RDR: protocol is tcp or udp, not '%.20s'",
				       l->w[0].s);
		break;
	case CELL_TPL_INCLUDE:
		for (size_t k = 1; k < l->n; k++) {
			const char *eq = strchr(l->w[k].s, '=');
			if (!eq || !cell_tpl_name_ok(l->w[k].s,
						     (size_t)(eq - l->w[k].s)))
				return tpl_err(err, -EINVAL, file, line,
					       l->w[k].col, "INCLUDE: "
					       "arguments are NAME=VALUE");
		}
		break;
	default:
		break;
	}
	return 0;
}

int cell_tpl_parse(const char *text, size_t len, const char *file,
		   struct cell_tpl **out, struct cell_error *err)
{
	*out = NULL;
	if (len > CELL_TPL_MAX_BYTES)
		return cell_error_set(err, -EFBIG, "%.100s: larger than %d "
				      "bytes", file, CELL_TPL_MAX_BYTES);
	struct cell_tpl *t = calloc(1, sizeof(*t));
	if (!t || !(t->file = strdup(file))) {
		free(t);
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	int line = 1, r = 0;
	for (size_t i = 0; i <= len && r == 0; line++) {
		const char *p = text + i;
		const char *nl = memchr(p, '\n', len - i);
		size_t n = nl ? (size_t)(nl - p) : len - i;
		const char *nul = memchr(p, '\0', n);
		if (nul)
			r = tpl_err(err, -EINVAL, file, line,
				    (int)(nul - p) + 1, "NUL byte");
		else
			r = parse_line(t, p, n && p[n - 1] == '\r' ? n - 1 : n,
				       line, err);
		i += n + 1;
		if (line == 1000000 && r == 0)
			r = tpl_err(err, -EFBIG, file, line, 1,
				    "too many lines");
	}
	if (r < 0) {
		cell_tpl_free(t);
		return r;
	}
	*out = t;
	return 0;
}

/* --- variables ------------------------------------------------------------- */

int cell_tpl_var_set(struct cell_tpl_vars *v, const char *name,
		     const char *value)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name)) {
			char *c = strdup(value);
			if (!c)
				return -ENOMEM;
			free(v->value[i]);
			v->value[i] = c;
			return 0;
		}
	char **nn = realloc(v->name, (v->n + 1) * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	v->name = nn;
	char **nv = realloc(v->value, (v->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	v->value = nv;
	char *a = strdup(name), *b = strdup(value);
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	v->name[v->n] = a;
	v->value[v->n] = b;
	v->n++;
	return 0;
}

const char *cell_tpl_var_get(const struct cell_tpl_vars *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name))
			return v->value[i];
	return NULL;
}

void cell_tpl_vars_free(struct cell_tpl_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->name[i]);
		free(v->value[i]);
	}
	free(v->name);
	free(v->value);
	*v = (struct cell_tpl_vars){ 0 };
}

int cell_tpl_subst(const char *s, const struct cell_tpl_vars *v,
		   bool keep_unknown, char **out, size_t *bad)
{
	*out = NULL;
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	if (!f)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] != '$') {
			fputc(s[i], f);
			continue;
		}
		if (!keep_unknown && s[i + 1] == '$') {
			fputc('$', f);
			i++;
			continue;
		}
		if (s[i + 1] != '{') {
			fputc('$', f);
			continue;
		}
		const char *close = strchr(s + i + 2, '}');
		size_t len = close ? (size_t)(close - (s + i + 2)) : 0;
		char name[65];
		bool ok = close && cell_tpl_name_ok(s + i + 2, len);
		const char *val = NULL;
		if (ok) {
			memcpy(name, s + i + 2, len);
			name[len] = '\0';
			val = cell_tpl_var_get(v, name);
		}
		if (val) {
			fputs(val, f);
			i = (size_t)(close - s);
			continue;
		}
		if (keep_unknown) {
			fputc('$', f);
			continue;
		}
		if (bad)
			*bad = i;
		r = ok ? -ENOENT : -EINVAL;
		break;
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	return 0;
}
