/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to lib/conf: tokens, the statement list, shared helpers. */
#ifndef CELL_CONF_INTERNAL_H
#define CELL_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf/jailconf.h"

/* --- lexer.c ------------------------------------------------------------ */

/* One piece of a string: literal text, or a variable to expand. */
struct conf_piece {
	bool var;
	char *s;                  /* text, or the variable's name */
	size_t len;
	struct cell_conf_pos pos;
};

/* Pieces written with no space between them form one string. */
struct conf_str {
	struct conf_piece *p;
	size_t n;
	struct cell_conf_pos pos;
};

enum conf_tok {
	TOK_EOF,
	TOK_WORD,
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_SEMI,
	TOK_COMMA,
	TOK_EQ,
	TOK_PLEQ,
};

struct conf_token {
	enum conf_tok kind;
	struct cell_conf_pos pos;
	struct conf_str word;     /* TOK_WORD only; owned by the token */
};

struct conf_lexer {
	const char *buf;
	size_t len;
	size_t off;
	unsigned line, col;
	const char *file;         /* interned name, for positions */
};

void conf_lexer_init(struct conf_lexer *lx, const char *buf, size_t len,
		     const char *file);
/* Next token; on error fills err ("file:line:col: ...") and returns < 0. */
int conf_lex(struct conf_lexer *lx, struct conf_token *t,
	     struct cell_error *err);
void conf_str_free(struct conf_str *s);
/* Copy of all-literal pieces joined, or NULL if any piece is a variable. */
char *conf_str_literal(const struct conf_str *s);

/* --- parser.c / include.c: the statements -------------------------------- */

struct conf_block {
	char *name;               /* full dotted name; "*" for the implicit */
	bool wild;
	struct cell_conf_pos pos;
};

struct conf_stmt {
	char *name;
	bool var;                 /* "$name = ..." */
	enum cell_conf_op op;
	struct conf_str *vals;
	size_t nvals;
	struct cell_conf_pos pos;
	size_t block;             /* index into priv->blocks */
};

struct conf_file_id {
	dev_t dev;
	ino_t ino;
};

struct cell_conf_priv {
	struct conf_block *blocks;
	size_t nblocks;
	struct conf_stmt *stmts;
	size_t nstmts;
	char **files;             /* interned file names (positions) */
	size_t nfiles;
	struct conf_file_id *seen;   /* every file read */
	size_t nseen;
	bool noinclude;           /* CELL_CONF_NOINCLUDE */
	size_t global_block;      /* the implicit "*", SIZE_MAX until used */
	/* parse state */
	struct conf_file_id stack[CELL_CONF_INCLUDE_MAX + 1];
	size_t depth;             /* files being read now */
	const char *root;         /* prefix for absolute include patterns */
};

/* Position prefix helper: fills err with "file:line:col: fmt". */
int conf_error(struct cell_error *err, int code,
	       const struct cell_conf_pos *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

const char *conf_intern_file(struct cell_conf_priv *pv, const char *name);
/* Parse buf as the content of file into pv; block = current block index
 * (or SIZE_MAX at top level), nest = block nesting depth. */
int conf_parse_buffer(struct cell_conf_priv *pv, const char *buf, size_t len,
		      const char *file, size_t block, unsigned nest,
		      struct cell_error *err);
/* .include "pattern" seen at pos. */
int conf_include(struct cell_conf_priv *pv, const char *pattern,
		 const struct cell_conf_pos *pos, size_t block, unsigned nest,
		 struct cell_error *err);
/* Read a file (with loop and size checks) and parse it. */
int conf_parse_path(struct cell_conf_priv *pv, const char *path,
		    const struct cell_conf_pos *from, size_t block,
		    unsigned nest, bool once, struct cell_error *err);
void conf_priv_free(struct cell_conf_priv *pv);

/* --- expand.c ------------------------------------------------------------ */

bool conf_wild_match(const char *wild, const char *name);
int conf_resolve_jail(const struct cell_conf_priv *pv, const char *name,
		      const struct cell_conf_pos *pos,
		      struct cell_conf_jail *out, struct cell_error *err);
/* Build conf->jails from conf->priv. */
int conf_build(struct cell_conf *conf, struct cell_error *err);
void conf_jail_clear(struct cell_conf_jail *cj);

#endif
