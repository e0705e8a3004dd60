/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The parameter table. One row per jail parameter: its name, type,
 * default, whether it may change on a running jail, and a one-line
 * meaning. Parsing (cell_param_set), printing (jls, jail -e, the state
 * files), validation and the PARAMETERS section of jail(8) all read it.
 */
#ifndef CELL_PARAM_H
#define CELL_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "jail.h"

enum cell_ptype {
	CELL_PT_BOOL,
	CELL_PT_INT,
	CELL_PT_ULONG,
	CELL_PT_STRING,
	CELL_PT_JAILSYS,
	CELL_PT_LIST,      /* comma list of strings */
	CELL_PT_ARGV,      /* command=: words, never split on commas */
	CELL_PT_IP4,       /* list of addr[/prefix] or if|addr[/prefix] */
	CELL_PT_IP6,
	CELL_PT_KV,        /* meta.KEY / env.KEY families */
	CELL_PT_UNSUPPORTED, /* accepted, no Linux meaning, kept as text */
};

enum {
	CELL_PF_RUNTIME = 1 << 0,  /* may change on a running jail (-m) */
	CELL_PF_RDONLY = 1 << 1,   /* reported, never set */
	CELL_PF_NOLINUX = 1 << 2,  /* accepted and reported, no effect */
	CELL_PF_JAIL8 = 1 << 3,    /* jail(8) pseudo-parameter (exec.*, mount*) */
	CELL_PF_NET = 1 << 4,      /* network parameter (jls network columns) */
};

struct cell_param {
	const char *name;
	enum cell_ptype type;
	size_t offset;       /* into struct cell_jail */
	size_t size;         /* for strings: buffer size */
	long min, max;       /* for integers */
	const char *def;     /* default, as text ("" for none) */
	unsigned flags;
	const char *desc;    /* one line */
};

extern const struct cell_param cell_params[];
extern const size_t cell_params_count;

const struct cell_param *cell_param_lookup(const char *name);
size_t cell_param_index(const struct cell_param *p);
bool cell_param_is_set(const struct cell_jail *j, const struct cell_param *p);

/*
 * Value of p in j as the libjail export string form (lists joined with
 * commas). Returns the length (like snprintf) or a negative errno.
 */
int cell_param_format(const struct cell_jail *j, const struct cell_param *p,
		      char *buf, size_t len);

/* The namespace (CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS) holding the
 * sysctl KEY (or "KEY=VALUE"), 0 for a key no namespace holds. */
int cell_sysctl_ns(const char *key);
/* The value of meta.KEY or env.KEY in j, *value NULL when the key is not
 * set; -EINVAL for a name that is no such key. */
int cell_param_kv_get(const struct cell_jail *j, const char *name,
		      const char **value);
/* A clock offset of cell.timens.*, "[-]SECONDS[.FRACTION]" (at most 9
 * fraction digits), as the kernel's timens_offsets wants it: *sec, and
 * *nsec in [0, 1e9) added to it (-1.5 is -2 and 500000000). "" is 0. */
int cell_time_offset_parse(const char *s, long long *sec, long *nsec);

/* p of src onto dst (lists item by item, the rest as its text through
 * cell_param_set): for jails built from another (jail -mr). */
int cell_param_copy(struct cell_jail *dst, const struct cell_jail *src,
		    const struct cell_param *p, struct cell_error *err);

/* Quote a value the way jls -q / -s does, for jail(8) and jail.conf. */
void cell_param_quote(FILE *out, const char *value);

enum {
	CELL_PRINT_ALL = 1 << 0,      /* every parameter, set or not */
	CELL_PRINT_SETTABLE = 1 << 1, /* skip read-only (jls -s) */
	CELL_PRINT_KERNEL = 1 << 2,   /* skip jail(8) pseudo-parameters */
	CELL_PRINT_QUOTE = 1 << 3,
	CELL_PRINT_NEWLINES = 1 << 4, /* one per line, "name=value" */
};
/* Print the parameters of j as "name=value" words (jls -n / -s form). */
int cell_params_print(FILE *out, const struct cell_jail *j, unsigned flags);

/* Parse a line of "name=value" words (jls -s output, state files). */
int cell_params_parse_line(struct cell_jail *j, const char *line,
			   struct cell_error *err);

#endif
