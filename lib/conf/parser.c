/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jail.conf statements: blocks, parameters, variables and .include, in
 * file order, with positions. Nothing is expanded here (see expand.c).
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

struct parser {
	struct cell_conf_priv *pv;
	struct conf_lexer lx;
	struct conf_token tok;
};

static int next(struct parser *p, struct cell_error *err)
{
	conf_str_free(&p->tok.word);
	return conf_lex(&p->lx, &p->tok, err);
}

/* "'{'", "end of file", "'word'" for messages. */
static const char *tok_desc(const struct conf_token *t, char *buf,
			    size_t len)
{
	switch (t->kind) {
	case TOK_EOF: return "end of file";
	case TOK_LBRACE: return "'{'";
	case TOK_RBRACE: return "'}'";
	case TOK_SEMI: return "';'";
	case TOK_COMMA: return "','";
	case TOK_EQ: return "'='";
	case TOK_PLEQ: return "'+='";
	case TOK_WORD: break;
	}
	size_t off = 0;
	buf[off++] = '\'';
	for (size_t i = 0; i < t->word.n && off + 8 < len; i++) {
		const struct conf_piece *pc = &t->word.p[i];
		if (pc->var)
			off += (size_t)snprintf(buf + off, len - off, "${");
		for (size_t k = 0; k < pc->len && off + 8 < len; k++) {
			unsigned char c = (unsigned char)pc->s[k];
			buf[off++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
		if (pc->var && off + 8 < len)
			buf[off++] = '}';
		if (off + 8 >= len) {
			memcpy(buf + off, "...", 3);
			off += 3;
		}
	}
	buf[off++] = '\'';
	buf[off] = '\0';
	return buf;
}

/* Drop empty literal pieces that sit next to other pieces. */
static void squeeze(struct conf_str *s)
{
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->p[i].var && s->p[i].len == 0 && s->n > 1) {
			free(s->p[i].s);
			continue;
		}
		s->p[o++] = s->p[i];
	}
	if (o == 0 && s->n > 0) {
		/* all were empty literals: keep one */
		s->p[0] = (struct conf_piece){ false, strdup(""), 0,
					       s->pos };
		o = s->p[0].s ? 1 : 0;
	}
	s->n = o;
}

static int add_block(struct cell_conf_priv *pv, char *name,
		     const struct cell_conf_pos *pos, size_t *idx,
		     struct cell_error *err)
{
	if (pv->nblocks >= CELL_CONF_BLOCKS_MAX) {
		free(name);
		return conf_error(err, -E2BIG, pos, "more than %d blocks",
				  CELL_CONF_BLOCKS_MAX);
	}
	struct conf_block *n = realloc(pv->blocks,
				       (pv->nblocks + 1) * sizeof(*n));
	if (!n) {
		free(name);
		return conf_error(err, -ENOMEM, pos, "out of memory");
	}
	pv->blocks = n;
	bool wild = false;
	for (const char *c = name; *c; c = strchr(c, '.') ? strchr(c, '.') + 1
							  : c + strlen(c))
		if (c[0] == '*' && (c[1] == '.' || c[1] == '\0'))
			wild = true;
	pv->blocks[pv->nblocks] = (struct conf_block){ name, wild, *pos };
	*idx = pv->nblocks++;
	return 0;
}

/* Check a block name (one word) and make the full dotted name. */
static int block_name(struct parser *p, size_t parent, char **out,
		      struct cell_error *err)
{
	const struct cell_conf_pos *pos = &p->tok.pos;
	_cleanup_free_ char *own = conf_str_literal(&p->tok.word);
	if (!own) {
		for (size_t i = 0; i < p->tok.word.n; i++)
			if (p->tok.word.p[i].var)
				return conf_error(err, -EINVAL, pos,
						  "a jail name cannot contain "
						  "a variable: expected a "
						  "plain name before '{'");
		return conf_error(err, -ENOMEM, pos, "out of memory");
	}
	const char *pname = NULL;
	if (parent != SIZE_MAX)
		pname = p->pv->blocks[parent].name;
	size_t len = strlen(own) + (pname ? strlen(pname) + 1 : 0);
	if (len >= 128)
		return conf_error(err, -ENAMETOOLONG, pos,
				  "jail name longer than 127 bytes");
	char *full = malloc(len + 1);
	if (!full)
		return conf_error(err, -ENOMEM, pos, "out of memory");
	snprintf(full, len + 1, "%s%s%s", pname ? pname : "",
		 pname ? "." : "", own);
	/* components: non-empty; '*' only as a whole component */
	const char *c = own;
	for (;;) {
		const char *dot = strchr(c, '.');
		size_t cl = dot ? (size_t)(dot - c) : strlen(c);
		const char *star = memchr(c, '*', cl);
		if (cl == 0 || (star && cl != 1)) {
			free(full);
			return conf_error(err, -EINVAL, pos,
					  cl == 0 ? "bad jail name '%s': "
						    "expected a name without "
						    "empty components"
						  : "bad jail name '%s': '*' "
						    "must be a whole name "
						    "component",
					  own);
		}
		if (!dot)
			break;
		c = dot + 1;
	}
	*out = full;
	return 0;
}

static int parse_conf(struct parser *p, size_t block, unsigned nest,
		      const struct cell_conf_pos *open,
		      struct cell_error *err);

static int add_stmt(struct cell_conf_priv *pv, struct conf_stmt *st,
		    struct cell_error *err)
{
	if (pv->nstmts >= CELL_CONF_STMTS_MAX)
		return conf_error(err, -E2BIG, &st->pos,
				  "more than %d parameters",
				  CELL_CONF_STMTS_MAX);
	struct conf_stmt *n = realloc(pv->stmts,
				      (pv->nstmts + 1) * sizeof(*n));
	if (!n)
		return conf_error(err, -ENOMEM, &st->pos, "out of memory");
	pv->stmts = n;
	pv->stmts[pv->nstmts++] = *st;
	return 0;
}

static void stmt_free(struct conf_stmt *st)
{
	free(st->name);
	for (size_t i = 0; i < st->nvals; i++)
		conf_str_free(&st->vals[i]);
	free(st->vals);
}

/* value := string { ',' string } ';'  — the cursor is on the first one. */
static int parse_values(struct parser *p, struct conf_stmt *st,
			const char *after, struct cell_error *err)
{
	char d[64];
	for (;;) {
		if (p->tok.kind != TOK_WORD)
			return conf_error(err, -EINVAL, &p->tok.pos,
					  "expected a value after %s, "
					  "found %s", after,
					  tok_desc(&p->tok, d, sizeof(d)));
		if (st->nvals >= CELL_CONF_VALUES_MAX)
			return conf_error(err, -E2BIG, &p->tok.pos,
					  "more than %d values in one list",
					  CELL_CONF_VALUES_MAX);
		struct conf_str *n = realloc(st->vals,
					     (st->nvals + 1) * sizeof(*n));
		if (!n)
			return conf_error(err, -ENOMEM, &p->tok.pos,
					  "out of memory");
		st->vals = n;
		squeeze(&p->tok.word);
		st->vals[st->nvals++] = p->tok.word;
		p->tok.word = (struct conf_str){ 0 };
		int r = next(p, err);
		if (r < 0)
			return r;
		if (p->tok.kind == TOK_SEMI)
			return 0;
		if (p->tok.kind != TOK_COMMA)
			return conf_error(err, -EINVAL, &p->tok.pos,
					  "expected ';' or ',' after value, "
					  "found %s",
					  tok_desc(&p->tok, d, sizeof(d)));
		after = "','";
		r = next(p, err);
		if (r < 0)
			return r;
	}
}

static size_t global_block(struct cell_conf_priv *pv,
			   const struct cell_conf_pos *pos,
			   struct cell_error *err, int *r)
{
	*r = 0;
	if (pv->global_block != SIZE_MAX)
		return pv->global_block;
	char *star = strdup("*");
	if (!star) {
		*r = conf_error(err, -ENOMEM, pos, "out of memory");
		return SIZE_MAX;
	}
	size_t idx;
	*r = add_block(pv, star, pos, &idx, err);
	if (*r < 0)
		return SIZE_MAX;
	pv->global_block = idx;
	return idx;
}

/* A statement or block starting with the word under the cursor. */
static int parse_item(struct parser *p, size_t block, unsigned nest,
		      struct cell_error *err)
{
	char d[64];
	struct cell_conf_pos pos = p->tok.pos;
	struct conf_str name = p->tok.word;
	p->tok.word = (struct conf_str){ 0 };
	squeeze(&name);
	int r = next(p, err);
	if (r < 0) {
		conf_str_free(&name);
		return r;
	}

	if (p->tok.kind == TOK_LBRACE) {
		struct conf_token save = p->tok;
		p->tok.kind = TOK_WORD;
		p->tok.word = name;
		p->tok.pos = pos;
		char *full = NULL;
		r = block_name(p, block, &full, err);
		conf_str_free(&p->tok.word);
		p->tok = save;
		if (r < 0)
			return r;
		if (nest + 1 > CELL_CONF_DEPTH_MAX) {
			free(full);
			return conf_error(err, -E2BIG, &pos,
					  "blocks nested deeper than %d",
					  CELL_CONF_DEPTH_MAX);
		}
		size_t idx;
		r = add_block(p->pv, full, &pos, &idx, err);
		if (r < 0)
			return r;
		r = next(p, err);
		if (r < 0)
			return r;
		return parse_conf(p, idx, nest + 1, &pos, err);
	}

	struct conf_stmt st = { .pos = pos, .block = block };
	if (name.n == 1 && name.p[0].var) {
		st.var = true;
		st.name = name.p[0].s;
		name.p[0].s = NULL;
	} else {
		st.name = conf_str_literal(&name);
		if (!st.name) {
			bool hasvar = false;
			for (size_t i = 0; i < name.n; i++)
				hasvar |= name.p[i].var;
			conf_str_free(&name);
			return conf_error(err, hasvar ? -EINVAL : -ENOMEM,
					  &pos, hasvar
					  ? "a parameter name cannot contain "
					    "a variable: expected a name, or "
					    "$name alone to define a variable"
					  : "out of memory");
		}
	}
	conf_str_free(&name);
	if (!st.name[0]) {
		stmt_free(&st);
		return conf_error(err, -EINVAL, &pos,
				  "empty parameter name");
	}

	bool nameval = false;
	switch (p->tok.kind) {
	case TOK_SEMI:
		st.op = CELL_CONF_BOOL;
		if (st.var) {
			stmt_free(&st);
			return conf_error(err, -EINVAL, &pos,
					  "variable needs a value: expected "
					  "'=' or '+=' after the variable "
					  "name");
		}
		break;
	case TOK_EQ:
	case TOK_PLEQ:
		st.op = p->tok.kind == TOK_EQ ? CELL_CONF_SET
					      : CELL_CONF_APPEND;
		r = next(p, err);
		if (r >= 0)
			r = parse_values(p, &st, st.op == CELL_CONF_SET
							 ? "'='" : "'+='",
					 err);
		if (r < 0) {
			stmt_free(&st);
			return r;
		}
		break;
	case TOK_WORD:
		st.op = CELL_CONF_SET;
		nameval = true;
		r = parse_values(p, &st, "the name", err);
		if (r < 0) {
			stmt_free(&st);
			return r;
		}
		break;
	default:
		r = conf_error(err, -EINVAL, &p->tok.pos,
			       "expected '=', '+=', ';' or '{' after '%s', "
			       "found %s", st.name,
			       tok_desc(&p->tok, d, sizeof(d)));
		stmt_free(&st);
		return r;
	}
	/* the cursor is on the ';' */

	if (!st.var && !strcmp(st.name, ".include")) {
		if (!nameval) {
			stmt_free(&st);
			return conf_error(err, -EINVAL, &pos,
					  "expected a quoted file name after "
					  ".include (.include \"glob\";)");
		}
		for (size_t i = 0; i < st.nvals && r >= 0; i++) {
			_cleanup_free_ char *pat = conf_str_literal(
				&st.vals[i]);
			if (!pat) {
				r = conf_error(err, -EINVAL, &st.vals[i].pos,
					       "variables are not allowed in "
					       "an .include file name");
				break;
			}
			r = conf_include(p->pv, pat, &st.vals[i].pos, block,
					 nest, err);
		}
		stmt_free(&st);
		return r;
	}

	if (block == SIZE_MAX) {
		st.block = global_block(p->pv, &pos, err, &r);
		if (r < 0) {
			stmt_free(&st);
			return r;
		}
	}
	r = add_stmt(p->pv, &st, err);
	if (r < 0)
		stmt_free(&st);
	return r;
}

/* conf := { block | param ';' | ';' }, up to '}' (inner) or end of file. */
static int parse_conf(struct parser *p, size_t block, unsigned nest,
		      const struct cell_conf_pos *open,
		      struct cell_error *err)
{
	char d[64];
	for (;;) {
		int r;
		switch (p->tok.kind) {
		case TOK_EOF:
			if (open)
				return conf_error(
					err, -EINVAL, &p->tok.pos,
					"expected '}' to close the block "
					"opened at %u:%u, found end of file",
					open->line, open->col);
			return 0;
		case TOK_RBRACE:
			if (!open)
				return conf_error(err, -EINVAL, &p->tok.pos,
						  "unexpected '}': no block "
						  "is open");
			return 0; /* the caller steps over the '}' */
		case TOK_SEMI:
			break;
		case TOK_WORD:
			r = parse_item(p, block, nest, err);
			if (r < 0)
				return r;
			break;
		default:
			return conf_error(err, -EINVAL, &p->tok.pos,
					  "expected a parameter, a jail "
					  "name or '}', found %s",
					  tok_desc(&p->tok, d, sizeof(d)));
		}
		/* here the cursor is on a ';' or a block's '}' */
		r = next(p, err);
		if (r < 0)
			return r;
	}
}

int conf_parse_buffer(struct cell_conf_priv *pv, const char *buf, size_t len,
		      const char *file, size_t block, unsigned nest,
		      struct cell_error *err)
{
	const char *nul = memchr(buf, '\0', len);
	if (nul) {
		struct cell_conf_pos pos = { file, 1, 1 };
		for (const char *c = buf; c < nul; c++) {
			if (*c == '\n') {
				pos.line++;
				pos.col = 1;
			} else {
				pos.col++;
			}
		}
		return conf_error(err, -EINVAL, &pos,
				  "NUL byte in the file: expected text");
	}
	struct parser p = { .pv = pv };
	conf_lexer_init(&p.lx, buf, len, file);
	int r = next(&p, err);
	if (r >= 0)
		r = parse_conf(&p, block, nest, NULL, err);
	conf_str_free(&p.tok.word);
	return r < 0 ? r : 0;
}

void conf_priv_free(struct cell_conf_priv *pv)
{
	if (!pv)
		return;
	for (size_t i = 0; i < pv->nblocks; i++)
		free(pv->blocks[i].name);
	free(pv->blocks);
	for (size_t i = 0; i < pv->nstmts; i++)
		stmt_free(&pv->stmts[i]);
	free(pv->stmts);
	for (size_t i = 0; i < pv->nfiles; i++)
		free(pv->files[i]);
	free(pv->files);
	free(pv->seen);
	free(pv);
}
