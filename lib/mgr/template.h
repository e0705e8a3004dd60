/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Templates (cell template TARGET DIR): DIR/Cellfile (or DIR/Bastillefile),
 * one directive a line, in the spirit of bastille's Bastillefile:
 *
 *   # comment
 *   ARG NAME                 required: cell template ... --arg NAME=VALUE
 *   ARG NAME=DEFAULT
 *   CMD shell command line   run with /bin/sh -c in the jail
 *   CP SRC DST               SRC (file or tree) below DIR, DST in the jail
 *   MOUNT HOST JAILPATH [TYPE [OPTIONS]]   an fstab line (bind by default)
 *   PKG NAME...              apt-get install in a Debian jail
 *   RDR tcp|udp HOSTPORT JAILPORT
 *   LIMITS RESOURCE VALUE
 *   CONFIG set PARAM VALUE | CONFIG PARAM=VALUE | CONFIG PARAM VALUE
 *   RENDER PATH...           ${NAME} of the ARGs replaced in files of the jail
 *   INCLUDE DIR [NAME=VALUE...]  another template (relative to this DIR)
 *   RESTART
 *
 * Words are split on blanks; "double quotes" (with \" and \\ escapes)
 * and 'single quotes' group them. ${NAME} is replaced by the ARG's value
 * in every word, where $$ stands for one $ and an unknown ${NAME} is an
 * error; in CMD's line and in RENDERed files only the ${NAME} of a known
 * ARG is replaced, everything else is left to the shell or the file.
 *
 * The parser is pure (no I/O): tests/fuzz/fuzz_template.c drives it.
 * Errors are "FILE:LINE:COL: message" in err->msg.
 */
#ifndef CELL_MGR_TEMPLATE_H
#define CELL_MGR_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define CELL_TPL_MAX_BYTES (1 << 20)
#define CELL_TPL_MAX_WORDS 256
#define CELL_TPL_INCLUDE_DEPTH 8

enum cell_tpl_kind {
	CELL_TPL_ARG,
	CELL_TPL_CMD,
	CELL_TPL_CP,
	CELL_TPL_MOUNT,
	CELL_TPL_PKG,
	CELL_TPL_RDR,
	CELL_TPL_LIMITS,
	CELL_TPL_CONFIG,
	CELL_TPL_RENDER,
	CELL_TPL_INCLUDE,
	CELL_TPL_RESTART,
};

struct cell_tpl_word {
	char *s;     /* unquoted, ${...} not yet replaced */
	int col;     /* 1-based column of the word's first byte */
};

struct cell_tpl_line {
	enum cell_tpl_kind kind;
	int line, col;               /* of the directive */
	struct cell_tpl_word *w;     /* the arguments */
	size_t n;
	char *raw;                   /* CMD: the rest of the line */
	int raw_col;
};

struct cell_tpl {
	char *file;
	struct cell_tpl_line *lines;
	size_t n;
};

/* Parse text (len bytes, may hold NULs: an error) named file. */
int cell_tpl_parse(const char *text, size_t len, const char *file,
		   struct cell_tpl **out, struct cell_error *err);
void cell_tpl_free(struct cell_tpl *t);

/*
 * The parse as bytes, and back: cell template parses each file in a
 * capability-mode child (template_apply.c) that sends cell_tpl_encode's
 * bytes; cell_tpl_decode accepts only what the parser can produce (every
 * length bounded, no NUL or newline in a word, lines ascending, each
 * line passing the parser's own arity and directive checks) and nothing
 * after the last line. No text is parsed twice.
 */
int cell_tpl_encode(const struct cell_tpl *t, char **out, size_t *len);
int cell_tpl_decode(const char *buf, size_t len, const char *file,
		    struct cell_tpl **out, struct cell_error *err);
const char *cell_tpl_kind_name(enum cell_tpl_kind k);

/* NAME=VALUE variables. */
struct cell_tpl_vars {
	char **name, **value;
	size_t n;
};
int cell_tpl_var_set(struct cell_tpl_vars *v, const char *name,
		     const char *value);
const char *cell_tpl_var_get(const struct cell_tpl_vars *v, const char *name);
void cell_tpl_vars_free(struct cell_tpl_vars *v);
/* Is s a valid ARG name ([A-Za-z_][A-Za-z0-9_]*, at most 64)? */
int cell_tpl_name_ok(const char *s, size_t n);

/*
 * Replace ${NAME} in s with its value. keep_unknown (CMD, RENDER): an
 * unknown ${NAME} and every other $ stay as they are; else $$ is one $
 * and an unknown or malformed ${...} is -ENOENT / -EINVAL with *bad the
 * offset of its "$" in s. *out malloc'd. Values are inserted as they are
 * (never expanded again).
 */
int cell_tpl_subst(const char *s, const struct cell_tpl_vars *v,
		   bool keep_unknown, char **out, size_t *bad);

#endif
