/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The template parser and ${NAME} substitution (template.h). Pure: no
 * I/O, no globals; every error is "FILE:LINE:COL: message". The
 * directives are applied by template_apply.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
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

/* The checks on a split line that parse_line makes, and that a parse
 * received from the sandboxed parser (cell_tpl_decode) must pass too. */
static int check_line(const struct cell_tpl_line *l, const char *file,
		      struct cell_error *err)
{
	size_t d;
	for (d = 0; d < ARRAY_SIZE(directives); d++)
		if (directives[d].kind == l->kind)
			break;
	if (d == ARRAY_SIZE(directives))
		return cell_error_set(err, -EINVAL, "%.100s:%d: bad directive",
				      file, l->line);
	const char *name = directives[d].name;
	int line = l->line, col = l->col;
	if (l->kind == CELL_TPL_CMD)
		return l->n == 0 && l->raw && *l->raw ? 0
		       : tpl_err(err, -EINVAL, file, line, col,
				 "CMD needs a command");
	if (l->raw)
		return tpl_err(err, -EINVAL, file, line, col, "%s: raw text",
			       name);
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
	return check_line(l, file, err);
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

/* --- the sandboxed parser's answer ------------------------------------------- */

/*
 * "CTP1", u32 lines, then per line: u32 kind, line, col, raw_col, raw
 * length (UINT32_MAX: none) and bytes, u32 words, per word: u32 col,
 * length and bytes. Integers in host order (both ends are one binary).
 */
#define TPL_MAGIC "CTP1"

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

int cell_tpl_encode(const struct cell_tpl *t, char **out, size_t *len)
{
	*out = NULL;
	FILE *f = open_memstream(out, len);
	if (!f)
		return -ENOMEM;
	fwrite(TPL_MAGIC, 4, 1, f);
	put32(f, (uint32_t)t->n);
	for (size_t i = 0; i < t->n; i++) {
		const struct cell_tpl_line *l = &t->lines[i];
		put32(f, (uint32_t)l->kind);
		put32(f, (uint32_t)l->line);
		put32(f, (uint32_t)l->col);
		put32(f, (uint32_t)l->raw_col);
		put32(f, l->raw ? (uint32_t)strlen(l->raw) : UINT32_MAX);
		if (l->raw)
			fwrite(l->raw, strlen(l->raw), 1, f);
		put32(f, (uint32_t)l->n);
		for (size_t k = 0; k < l->n; k++) {
			put32(f, (uint32_t)l->w[k].col);
			put32(f, (uint32_t)strlen(l->w[k].s));
			fwrite(l->w[k].s, strlen(l->w[k].s), 1, f);
		}
	}
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct rd {
	const char *p;
	size_t left;
};

static bool get32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return false;
	memcpy(v, r->p, 4);
	r->p += 4;
	r->left -= 4;
	return true;
}

/* a string of n bytes: no NUL, no newline */
static char *getstr(struct rd *r, uint32_t n)
{
	if (n > CELL_TPL_MAX_BYTES || n > r->left ||
	    memchr(r->p, '\0', n) || memchr(r->p, '\n', n))
		return NULL;
	char *s = strndup(r->p, n);
	if (s) {
		r->p += n;
		r->left -= n;
	}
	return s;
}

/* columns and line numbers as the parser can make them */
static bool pos_ok(uint32_t v)
{
	return v >= 1 && v <= CELL_TPL_MAX_BYTES + 1;
}

int cell_tpl_decode(const char *buf, size_t len, const char *file,
		    struct cell_tpl **out, struct cell_error *err)
{
	*out = NULL;
	struct rd r = { buf, len };
	uint32_t n;
	if (len < 8 || memcmp(buf, TPL_MAGIC, 4))
		return cell_error_set(err, -EPROTO, "%.100s: bad answer from "
				      "the sandboxed parser", file);
	r.p += 4;
	r.left -= 4;
	struct cell_tpl *t = calloc(1, sizeof(*t));
	if (!t || !(t->file = strdup(file))) {
		free(t);
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	int rc = 0;
	if (!get32(&r, &n) || n > 1000000 || n > len / 24)
		goto bad;
	if (n && !(t->lines = calloc(n, sizeof(*t->lines))))
		goto nomem;
	uint32_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct cell_tpl_line *l = &t->lines[i];
		t->n = i + 1;
		uint32_t kind, line, col, rcol, rlen, nw;
		if (!get32(&r, &kind) || !get32(&r, &line) ||
		    !get32(&r, &col) || !get32(&r, &rcol) ||
		    !get32(&r, &rlen))
			goto bad;
		/* lines ascend, as in the file */
		if (kind > CELL_TPL_RESTART || !pos_ok(line) || line <= prev ||
		    line > 1000000 || !pos_ok(col))
			goto bad;
		prev = line;
		l->kind = (enum cell_tpl_kind)kind;
		l->line = (int)line;
		l->col = (int)col;
		if (rlen != UINT32_MAX) {
			if (!pos_ok(rcol) || !(l->raw = getstr(&r, rlen)))
				goto bad;
			l->raw_col = (int)rcol;
			if ((rc = check_refs(l->raw, rlen, file, l->line,
					     l->raw_col, true, err)) < 0)
				goto fail;
		} else if (rcol != 0) {
			goto bad;
		}
		if (!get32(&r, &nw) || nw > CELL_TPL_MAX_WORDS)
			goto bad;
		if (nw && !(l->w = calloc(nw, sizeof(*l->w))))
			goto nomem;
		for (uint32_t k = 0; k < nw; k++) {
			uint32_t wc, wl;
			l->n = k + 1;
			if (!get32(&r, &wc) || !pos_ok(wc) || !get32(&r, &wl) ||
			    !(l->w[k].s = getstr(&r, wl)))
				goto bad;
			l->w[k].col = (int)wc;
			if ((rc = check_refs(l->w[k].s, wl, file, l->line,
					     l->w[k].col, false, err)) < 0)
				goto fail;
		}
		if ((rc = check_line(l, file, err)) < 0)
			goto fail;
	}
	if (r.left)
		goto bad;
	*out = t;
	return 0;
nomem:
	cell_tpl_free(t);
	return cell_error_set(err, -ENOMEM, "out of memory");
bad:
	cell_tpl_free(t);
	return cell_error_set(err, -EPROTO, "%.100s: bad answer from the "
			      "sandboxed parser", file);
fail:
	cell_tpl_free(t);
	return rc;
}
