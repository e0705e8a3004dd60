/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jail.conf(5): the file -> data model half of jail(8).
 *
 * A configuration is read in two passes. The parser (lexer.c, parser.c,
 * include.c) turns the text into blocks and statements, keeping the
 * file:line:column of each. The resolver (expand.c) then builds every
 * concrete jail: it gathers the statements of the jail's own blocks and of
 * every wildcard block that matches its name ("*", "foo.*"), in file order,
 * folds repeated names (later definitions win, "+=" appends), and expands
 * variables per jail. The result is a list of jails, each with an ordered
 * list of parameters ready for cell_param_set() (cell_conf_apply()).
 *
 * Grammar (FreeBSD 14 and later):
 *   conf   := { block | param ';' | ';' }
 *   block  := NAME '{' conf '}'          nested blocks name "parent.child"
 *   param  := name                       bare boolean (persist, allow.nomount)
 *           | name '=' value             set
 *           | name '+=' value            append
 *           | name value                 set (".include" uses this form)
 *   name   := WORD | '$'WORD             "$x = ..." defines a user variable
 *   value  := string { ',' string }
 *   string := piece { piece }            pieces with no space between them
 *                                        are concatenated: "a"'b'c$d
 * Pieces: unquoted tokens (A-Z a-z 0-9 and _ ! % & ( ) - . : < > ? @ [ ] ^
 * ` | ~ $ * + /, and backslash escapes), '...' (escapes, no variables),
 * "..." (escapes and $var / ${var}). Escapes: \a \b \f \n \r \t \v, \NNN
 * (octal, 1-3 digits, <= 0377), \xH or \xHH, backslash-newline (nothing),
 * any other \c is c. An escape that would produce a NUL byte is an error.
 * Comments: #..., //..., / * ... * /. Reserved: , ; = { } +=
 *
 * Semantics worth knowing:
 * - Parameters outside any block belong to the implicit "*" block.
 * - "*" applies to every jail, "foo.*" to foo.bar and foo.bar.baz; a
 *   non-final "*" component matches exactly one name component.
 * - A jail's "name" parameter is set implicitly to the block name; a
 *   statement that gives it another value is an error (FreeBSD: "cannot
 *   redefine parameter "name""), restating it is allowed.
 * - $x looks up the final value of the variable or parameter x in the jail
 *   being resolved (whichever was defined last); undefined, valueless and
 *   self-referencing variables are errors. A list-valued variable may only
 *   be a whole value on its own ("ip4.addr = $addrs;"), where it expands to
 *   every element.
 * - Variables ($x = ...) are never passed on as parameters.
 * - .include "glob"; reads the matching files (sorted) in place, into the
 *   current block. Relative patterns are relative to the including file's
 *   directory; with a root (cell_conf_load_default) absolute patterns are
 *   looked up under the root. A pattern with wildcards that matches nothing
 *   is not an error; a plain path that does not exist is. Included files
 *   must be regular files (no FIFOs or devices); a file is never read while
 *   it is already being read (include loop, -ELOOP).
 * - Single-quoted strings take no variables but, as in FreeBSD, do take
 *   backslash escapes ('it\'s').
 *
 * Every function returns 0 or a negative errno and fills struct cell_error
 * with "file:line:column: what was expected" in msg; when the error belongs
 * to one jail (a variable expanded for it, a value the core refused), its
 * name is in err->jail, so cell_error_format() gives
 * "jail web: /etc/jail.conf:3:14: undefined variable $x: ...". Nothing
 * prints, nothing exits, and on error *out is left NULL (a bad file changes
 * nothing). Codes: -EINVAL syntax, -ENOENT undefined variable or missing
 * file, -ELOOP include or variable loop, -E2BIG / -EFBIG / -ENAMETOOLONG
 * limits, -EPERM .include under CELL_CONF_NOINCLUDE, -ENOMEM.
 */
#ifndef CELL_JAILCONF_H
#define CELL_JAILCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

struct cell_jail;

/* Limits on everything a configuration file controls. */
#define CELL_CONF_FILE_MAX     (1024 * 1024) /* bytes in one file */
#define CELL_CONF_FILES_MAX    256     /* files read for one configuration */
#define CELL_CONF_INCLUDE_MAX  16      /* .include nesting depth */
#define CELL_CONF_DEPTH_MAX    16      /* nested { } blocks */
#define CELL_CONF_TOKEN_MAX    4096    /* one string, after escapes; also the
					* longest value after expansion
					* (= CELL_VALUE_MAX) */
#define CELL_CONF_JAILS_MAX    1024    /* concrete jails */
#define CELL_CONF_BLOCKS_MAX   4096    /* blocks, wildcard ones included */
#define CELL_CONF_STMTS_MAX    65536   /* parameter/variable statements */
#define CELL_CONF_VALUES_MAX   255     /* strings in one value list
					* (= CELL_LIST_MAX) */
#define CELL_CONF_EXPAND_DEPTH 32      /* variables referring to variables */
#define CELL_CONF_EXPANDED_MAX (64 * 1024 * 1024) /* memory for resolved
					* parameters and values, over all
					* jails (about 500000 parameters) */

enum cell_conf_op {
	CELL_CONF_SET,    /* name = value;  (also "name value;") */
	CELL_CONF_APPEND, /* name += value; */
	CELL_CONF_BOOL,   /* name;  (the name may carry a "no" prefix) */
};

/* A position in a file. file points into the owning configuration. */
struct cell_conf_pos {
	const char *file;
	unsigned line;
	unsigned col;
};

/* One resolved parameter of one jail. */
struct cell_conf_param {
	char *name;               /* as written: "allow.nomount" stays so */
	enum cell_conf_op op;     /* of the last definition; "=" then "+="
				   * folds into one CELL_CONF_SET */
	char **values;            /* expanded; NULL/0 for CELL_CONF_BOOL */
	size_t nvalues;
	struct cell_conf_pos pos; /* the definition that decided it */
};

struct cell_conf_jail {
	char *name;                      /* full dotted name */
	struct cell_conf_pos pos;        /* its first block */
	struct cell_conf_param *params;  /* in order of last definition,
					  * "name" first */
	size_t nparams;
};

struct cell_conf_priv;

struct cell_conf {
	struct cell_conf_jail *jails; /* concrete jails, in file order */
	size_t njails;
	struct cell_conf_priv *priv;  /* statements, file names */
};

/* Parse one file (and what it includes). */
int cell_conf_parse_file(const char *path, struct cell_conf **out,
			 struct cell_error *err);
/* Parse text held in memory; name is used in messages ("<stdin>"). */
int cell_conf_parse_string(const char *text, size_t len, const char *name,
			   struct cell_conf **out, struct cell_error *err);
/* Flags for cell_conf_parse_string_flags(). */
#define CELL_CONF_NOINCLUDE 0x1 /* .include is an error (-EPERM) */
int cell_conf_parse_string_flags(const char *text, size_t len,
				 const char *name, unsigned flags,
				 struct cell_conf **out,
				 struct cell_error *err);
/*
 * The default file set: ROOT/etc/jail.conf, then ROOT/etc/jail.*.conf,
 * then every *.conf in ROOT/etc/jail.conf.d, in that order (each glob
 * sorted). Missing files are skipped, and a file already read (through
 * an .include in jail.conf, say) is not read twice. Absolute .include
 * patterns are looked up under ROOT too. root NULL, "" or "/" means the
 * real root. If no file exists, an empty configuration is returned.
 */
int cell_conf_load_default(const char *root, struct cell_conf **out,
			   struct cell_error *err);
void cell_conf_free(struct cell_conf *conf);

/* A concrete jail by name, or NULL. */
const struct cell_conf_jail *cell_conf_find(const struct cell_conf *conf,
					    const char *name);
/*
 * Resolve a jail that need not be in the file: its own blocks if any plus
 * every matching wildcard block (jail -c foo with only a "*" block).
 * Free the result with cell_conf_jail_free().
 */
int cell_conf_resolve(const struct cell_conf *conf, const char *name,
		      struct cell_conf_jail **out, struct cell_error *err);
void cell_conf_jail_free(struct cell_conf_jail *cj);

/* A parameter of a resolved jail by exact name, or NULL. */
const struct cell_conf_param *
cell_conf_param_find(const struct cell_conf_jail *cj, const char *name);
/*
 * A boolean's final value, honouring "no" prefixes, "= true/false" and
 * the order of definitions; def when the jail does not mention it.
 */
bool cell_conf_bool(const struct cell_conf_jail *cj, const char *name,
		    bool def);

/*
 * Feed every parameter into cell_param_set(), in order. A bare boolean is
 * passed with value NULL. A single value is passed as is with
 * append = (op == "+="). A list of several values is passed one value at
 * a time, the first with append = (op == "+=") and the rest appended, so
 * that a value holding a comma (exec.start = "echo a,b") stays one value;
 * a list given to a parameter that takes no list is an error. On error the
 * message starts with the parameter's file:line:column.
 */
int cell_conf_apply(const struct cell_conf_jail *cj, struct cell_jail *j,
		    struct cell_error *err);

/*
 * Print the concrete jails as jail.conf text that parses back to the same
 * jails, parameters, operations and values. Returns 0 or -EIO.
 */
int cell_conf_print(const struct cell_conf *conf, FILE *out);
int cell_conf_print_jail(const struct cell_conf_jail *cj, FILE *out);
/*
 * One jail's parameters on one line, joined by sep (jail -e): the text of
 * the block's body, so that with sep ";" "NAME { LINE; }" parses back to
 * the same jail.
 */
int cell_conf_print_params(const struct cell_conf_jail *cj, const char *sep,
			   FILE *out);

#endif
