/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jail.conf tokens. A token is one of , ; = { } += or a word: pieces of
 * unquoted, single-quoted and double-quoted text and variables written
 * with no space between them. Backslash escapes are resolved here, so a
 * word's literal pieces hold the final bytes; variables stay as names for
 * the resolver (expand.c), which expands them per jail.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

int conf_error(struct cell_error *err, int code,
	       const struct cell_conf_pos *pos, const char *fmt, ...)
{
	char what[CELL_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* The position is in the message; err->path stays empty so that
	 * cell_error_format() does not say the file name twice. */
	if (pos && pos->file)
		return cell_error_set(err, code, "%s:%u:%u: %s", pos->file,
				      pos->line, pos->col, what);
	return cell_error_set(err, code, "%s", what);
}

/* --- a growable byte buffer ---------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_putc(struct sbuf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 32;
		char *n = realloc(b->s, ncap);
		if (!n)
			return -ENOMEM;
		b->s = n;
		b->cap = ncap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
	return 0;
}

/* --- character classes ------------------------------------------------ */

/* Characters that make up an unquoted token run (FreeBSD's jaillex.l). */
static bool run_char(int c)
{
	if (c < 0)
		return false;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("_!%&()-.:<>?@[]^`|~", c) != NULL;
}

static bool var_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool var_char(int c)
{
	return var_start(c) || (c >= '0' && c <= '9');
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* --- reading ------------------------------------------------------------- */

void conf_lexer_init(struct conf_lexer *lx, const char *buf, size_t len,
		     const char *file)
{
	memset(lx, 0, sizeof(*lx));
	lx->buf = buf;
	lx->len = len;
	lx->line = 1;
	lx->col = 1;
	lx->file = file;
}

static int peek(const struct conf_lexer *lx, size_t k)
{
	if (lx->off + k >= lx->len)
		return -1;
	return (unsigned char)lx->buf[lx->off + k];
}

static void adv(struct conf_lexer *lx)
{
	if (lx->off >= lx->len)
		return;
	if (lx->buf[lx->off] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->off++;
}

static struct cell_conf_pos here(const struct conf_lexer *lx)
{
	return (struct cell_conf_pos){ lx->file, lx->line, lx->col };
}

/* Does the character at the cursor begin (or continue) a word? */
static bool word_char(const struct conf_lexer *lx)
{
	int c = peek(lx, 0), n = peek(lx, 1);
	if (run_char(c))
		return true;
	switch (c) {
	case '\'':
	case '"':
	case '$':
	case '*':
	case '\\':
		return true;
	case '+':
		return n != '=';
	case '/':
		return n != '/' && n != '*';
	default:
		return false;
	}
}

/* Whitespace, comments, and backslash-newline between tokens. */
static int skip_space(struct conf_lexer *lx, struct cell_error *err)
{
	for (;;) {
		int c = peek(lx, 0), n = peek(lx, 1);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '\f' || c == '\v') {
			adv(lx);
		} else if (c == '\\' && n == '\n') {
			adv(lx);
			adv(lx);
		} else if (c == '#' || (c == '/' && n == '/')) {
			while (peek(lx, 0) >= 0 && peek(lx, 0) != '\n')
				adv(lx);
		} else if (c == '/' && n == '*') {
			struct cell_conf_pos start = here(lx);
			adv(lx);
			adv(lx);
			for (;;) {
				if (peek(lx, 0) < 0)
					return conf_error(
						err, -EINVAL, &start,
						"unterminated comment: "
						"expected '*/' before end of "
						"file");
				if (peek(lx, 0) == '*' && peek(lx, 1) == '/') {
					adv(lx);
					adv(lx);
					break;
				}
				adv(lx);
			}
		} else {
			return 0;
		}
	}
}

/*
 * A backslash escape at the cursor (which is on the backslash). Appends
 * the byte it stands for, or nothing for backslash-newline.
 */
static int lex_escape(struct conf_lexer *lx, struct sbuf *b,
		      struct cell_error *err)
{
	struct cell_conf_pos at = here(lx);
	adv(lx);
	int c = peek(lx, 0);
	if (c < 0)
		return conf_error(err, -EINVAL, &at,
				  "backslash at end of file: expected a "
				  "character to escape");
	if (c == '\n') {
		adv(lx);
		return 0;
	}
	unsigned v;
	if (c >= '0' && c <= '7') {
		v = 0;
		for (int i = 0; i < 3 && peek(lx, 0) >= '0' &&
				peek(lx, 0) <= '7'; i++) {
			v = v * 8 + (unsigned)(peek(lx, 0) - '0');
			adv(lx);
		}
		if (v > 0xff)
			return conf_error(err, -EINVAL, &at,
					  "bad escape: octal value %o is "
					  "larger than \\377", v);
	} else if (c == 'x') {
		adv(lx);
		int h = hexval(peek(lx, 0));
		if (h < 0)
			return conf_error(err, -EINVAL, &at,
					  "bad escape: expected one or two "
					  "hex digits after \\x");
		v = (unsigned)h;
		adv(lx);
		h = hexval(peek(lx, 0));
		if (h >= 0) {
			v = v * 16 + (unsigned)h;
			adv(lx);
		}
	} else {
		adv(lx);
		switch (c) {
		case 'a': v = '\a'; break;
		case 'b': v = '\b'; break;
		case 'f': v = '\f'; break;
		case 'n': v = '\n'; break;
		case 'r': v = '\r'; break;
		case 't': v = '\t'; break;
		case 'v': v = '\v'; break;
		default: v = (unsigned)c; break;
		}
	}
	if (v == 0)
		return conf_error(err, -EINVAL, &at,
				  "bad escape: a NUL byte is not allowed in "
				  "a string");
	return sb_putc(b, (char)v);
}

/* A word under construction. */
struct wbuild {
	struct conf_str *w;
	struct sbuf lit;
	bool have_lit;
	struct cell_conf_pos lit_pos;
	size_t total;             /* bytes, for the length limit */
};

static int push_piece(struct conf_str *w, bool var, char *s, size_t len,
		      struct cell_conf_pos pos)
{
	if (!s) {
		s = strdup("");
		if (!s)
			return -ENOMEM;
	}
	struct conf_piece *n = realloc(w->p, (w->n + 1) * sizeof(*n));
	if (!n) {
		free(s);
		return -ENOMEM;
	}
	w->p = n;
	w->p[w->n++] = (struct conf_piece){ var, s, len, pos };
	return 0;
}

static int flush_lit(struct wbuild *wb)
{
	if (!wb->have_lit)
		return 0;
	wb->total += wb->lit.len;
	int r = push_piece(wb->w, false, wb->lit.s, wb->lit.len, wb->lit_pos);
	wb->lit = (struct sbuf){ 0 };
	wb->have_lit = false;
	return r;
}

static void start_lit(struct wbuild *wb, const struct conf_lexer *lx)
{
	if (!wb->have_lit) {
		wb->have_lit = true;
		wb->lit_pos = here(lx);
	}
}

static int check_len(struct wbuild *wb, const struct cell_conf_pos *start,
		     struct cell_error *err)
{
	if (wb->total + wb->lit.len > CELL_CONF_TOKEN_MAX)
		return conf_error(err, -E2BIG, start,
				  "string longer than %d bytes",
				  CELL_CONF_TOKEN_MAX);
	return 0;
}

/* $name or ${name}, cursor on '$'; in_dq: inside a double-quoted string. */
static int lex_var(struct conf_lexer *lx, struct wbuild *wb, bool in_dq,
		   struct cell_error *err)
{
	struct cell_conf_pos at = here(lx);
	struct sbuf name = { 0 };
	int r;
	adv(lx);
	if (peek(lx, 0) == '{') {
		adv(lx);
		for (;;) {
			int c = peek(lx, 0);
			if (c == '}')
				break;
			if (c < 0 || c == '\n' || (in_dq && c == '"')) {
				free(name.s);
				return conf_error(err, -EINVAL, &at,
						  "unterminated variable: "
						  "expected '}' after '${'");
			}
			if (c == '{') {
				free(name.s);
				return conf_error(err, -EINVAL, &at,
						  "'{' inside ${...}: "
						  "expected '}'");
			}
			if (c == '\\')
				r = lex_escape(lx, &name, err);
			else {
				r = sb_putc(&name, (char)c);
				adv(lx);
			}
			if (r < 0) {
				free(name.s);
				return r == -ENOMEM
					       ? conf_error(err, r, &at,
							    "out of memory")
					       : r;
			}
			if (name.len > CELL_CONF_TOKEN_MAX) {
				free(name.s);
				return conf_error(err, -E2BIG, &at,
						  "variable name too long");
			}
		}
		adv(lx); /* '}' */
		if (name.len == 0) {
			free(name.s);
			return conf_error(err, -EINVAL, &at,
					  "empty variable name: expected a "
					  "name inside ${}");
		}
	} else {
		while (var_char(peek(lx, 0))) {
			if (sb_putc(&name, (char)peek(lx, 0)) < 0) {
				free(name.s);
				return conf_error(err, -ENOMEM, &at,
						  "out of memory");
			}
			adv(lx);
		}
	}
	wb->total += name.len + 1;
	r = flush_lit(wb);
	if (r < 0) {
		free(name.s);
		return conf_error(err, r, &at, "out of memory");
	}
	r = push_piece(wb->w, true, name.s, name.len, at);
	if (r < 0)
		return conf_error(err, r, &at, "out of memory");
	return check_len(wb, &wb->w->pos, err);
}

/* '...': escapes, no variables. Cursor on the opening quote. */
static int lex_squote(struct conf_lexer *lx, struct wbuild *wb,
		      struct cell_error *err)
{
	struct cell_conf_pos open = here(lx);
	start_lit(wb, lx);
	adv(lx);
	for (;;) {
		int c = peek(lx, 0), r;
		if (c < 0)
			return conf_error(err, -EINVAL, &open,
					  "unterminated string: expected a "
					  "closing '");
		if (c == '\'') {
			adv(lx);
			return 0;
		}
		if (c == '\\')
			r = lex_escape(lx, &wb->lit, err);
		else {
			r = sb_putc(&wb->lit, (char)c);
			adv(lx);
		}
		if (r == -ENOMEM)
			return conf_error(err, r, &open, "out of memory");
		if (r < 0)
			return r;
		if ((r = check_len(wb, &wb->w->pos, err)) < 0)
			return r;
	}
}

/* "...": escapes and variables. Cursor on the opening quote. */
static int lex_dquote(struct conf_lexer *lx, struct wbuild *wb,
		      struct cell_error *err)
{
	struct cell_conf_pos open = here(lx);
	start_lit(wb, lx);
	adv(lx);
	for (;;) {
		int c = peek(lx, 0), r;
		if (c < 0)
			return conf_error(err, -EINVAL, &open,
					  "unterminated string: expected a "
					  "closing \"");
		if (c == '"') {
			adv(lx);
			return 0;
		}
		if (c == '$' && (var_start(peek(lx, 1)) || peek(lx, 1) == '{')) {
			r = lex_var(lx, wb, true, err);
			if (r < 0)
				return r;
			continue;
		}
		start_lit(wb, lx);
		if (c == '\\')
			r = lex_escape(lx, &wb->lit, err);
		else {
			r = sb_putc(&wb->lit, (char)c);
			adv(lx);
		}
		if (r == -ENOMEM)
			return conf_error(err, r, &open, "out of memory");
		if (r < 0)
			return r;
		if ((r = check_len(wb, &wb->w->pos, err)) < 0)
			return r;
	}
}

static int lex_word(struct conf_lexer *lx, struct conf_token *t,
		    struct cell_error *err)
{
	struct wbuild wb = { .w = &t->word };
	int r = 0;
	t->word.pos = t->pos;
	while (word_char(lx)) {
		int c = peek(lx, 0);
		if (c == '\'') {
			r = lex_squote(lx, &wb, err);
		} else if (c == '"') {
			r = lex_dquote(lx, &wb, err);
		} else if (c == '$' &&
			   (var_start(peek(lx, 1)) || peek(lx, 1) == '{')) {
			r = lex_var(lx, &wb, false, err);
		} else if (c == '\\') {
			start_lit(&wb, lx);
			r = lex_escape(lx, &wb.lit, err);
			if (r == -ENOMEM)
				r = conf_error(err, r, &t->pos,
					       "out of memory");
		} else {
			start_lit(&wb, lx);
			r = sb_putc(&wb.lit, (char)c);
			adv(lx);
			if (r < 0)
				r = conf_error(err, r, &t->pos,
					       "out of memory");
		}
		if (r >= 0)
			r = check_len(&wb, &t->pos, err);
		if (r < 0)
			break;
	}
	if (r >= 0) {
		r = flush_lit(&wb);
		if (r < 0)
			r = conf_error(err, r, &t->pos, "out of memory");
	}
	free(wb.lit.s);
	if (r < 0)
		conf_str_free(&t->word);
	return r < 0 ? r : 0;
}

int conf_lex(struct conf_lexer *lx, struct conf_token *t,
	     struct cell_error *err)
{
	memset(t, 0, sizeof(*t));
	int r = skip_space(lx, err);
	if (r < 0)
		return r;
	t->pos = here(lx);
	int c = peek(lx, 0);
	switch (c) {
	case -1:
		t->kind = TOK_EOF;
		return 0;
	case '{':
		t->kind = TOK_LBRACE;
		adv(lx);
		return 0;
	case '}':
		t->kind = TOK_RBRACE;
		adv(lx);
		return 0;
	case ';':
		t->kind = TOK_SEMI;
		adv(lx);
		return 0;
	case ',':
		t->kind = TOK_COMMA;
		adv(lx);
		return 0;
	case '=':
		t->kind = TOK_EQ;
		adv(lx);
		return 0;
	case '+':
		if (peek(lx, 1) == '=') {
			t->kind = TOK_PLEQ;
			adv(lx);
			adv(lx);
			return 0;
		}
		break;
	default:
		break;
	}
	if (!word_char(lx)) {
		if (c >= 0x21 && c < 0x7f)
			return conf_error(err, -EINVAL, &t->pos,
					  "unexpected character '%c': quote "
					  "it, or expected a name, a value or "
					  "one of , ; = += { }", c);
		return conf_error(err, -EINVAL, &t->pos,
				  "unexpected byte 0x%02x: quote it, or "
				  "expected a name, a value or one of "
				  ", ; = += { }", (unsigned)c);
	}
	t->kind = TOK_WORD;
	return lex_word(lx, t, err);
}

void conf_str_free(struct conf_str *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->p[i].s);
	free(s->p);
	s->p = NULL;
	s->n = 0;
}

char *conf_str_literal(const struct conf_str *s)
{
	size_t len = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->p[i].var)
			return NULL;
		len += s->p[i].len;
	}
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t off = 0;
	for (size_t i = 0; i < s->n; i++) {
		memcpy(out + off, s->p[i].s, s->p[i].len);
		off += s->p[i].len;
	}
	out[off] = '\0';
	return out;
}
