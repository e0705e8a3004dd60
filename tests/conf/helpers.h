/* SPDX-License-Identifier: BSD-2-Clause */
/* Small helpers shared by the jail.conf tests. */
#ifndef CELL_TEST_CONF_HELPERS_H
#define CELL_TEST_CONF_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/jailconf.h"

/* Parse text that must be valid. */
static inline struct cell_conf *parse_ok(const char *text)
{
	struct cell_conf *c = NULL;
	struct cell_error e = { 0 };
	int r = cell_conf_parse_string(text, strlen(text), "t.conf", &c, &e);
	if (r < 0)
		fail_msg("unexpected error %d: %s", r, e.msg);
	assert_non_null(c);
	return c;
}

/* Parse text that must fail; returns the code, fills msg. */
static inline int parse_bad(const char *text, char *msg, size_t len)
{
	struct cell_conf *c = (struct cell_conf *)1;
	struct cell_error e = { 0 };
	int r = cell_conf_parse_string(text, strlen(text), "t.conf", &c, &e);
	if (r == 0)
		fail_msg("expected an error for: %s", text);
	assert_null(c);
	assert_int_equal(e.code, r);
	snprintf(msg, len, "%s", e.msg);
	return r;
}

/* Error message must start with prefix ("t.conf:3:14: expected"). */
#define assert_bad(text, prefix)                                         \
	do {                                                             \
		char m_[600];                                            \
		parse_bad((text), m_, sizeof(m_));                       \
		if (strncmp(m_, (prefix), strlen(prefix)))               \
			fail_msg("message '%s' does not start with '%s'", \
				 m_, (prefix));                           \
	} while (0)

static inline const struct cell_conf_jail *jail(const struct cell_conf *c,
						const char *name)
{
	const struct cell_conf_jail *j = cell_conf_find(c, name);
	if (!j)
		fail_msg("no jail %s", name);
	return j;
}

static inline const struct cell_conf_param *
param(const struct cell_conf_jail *j, const char *name)
{
	const struct cell_conf_param *p = cell_conf_param_find(j, name);
	if (!p)
		fail_msg("jail %s has no parameter %s", j->name, name);
	return p;
}

/* The values of a parameter joined with '|'. */
static inline const char *vals(const struct cell_conf_jail *j,
			       const char *name)
{
	static char buf[8192];
	const struct cell_conf_param *p = param(j, name);
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->nvalues; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
					i ? "|" : "", p->values[i]);
	return buf;
}

/* "name1 name2 ..." of a jail's parameters, in order. */
static inline const char *names(const struct cell_conf_jail *j)
{
	static char buf[8192];
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < j->nparams; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
					i ? " " : "", j->params[i].name);
	return buf;
}

/* Print a configuration into a malloc'ed string. */
static inline char *print_conf(const struct cell_conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cell_conf_print(c, f), 0);
	fclose(f);
	return buf;
}

/* Same jails, parameters, operations and values. */
static inline void assert_same_conf(const struct cell_conf *a,
				    const struct cell_conf *b)
{
	assert_int_equal(a->njails, b->njails);
	for (size_t i = 0; i < a->njails; i++) {
		const struct cell_conf_jail *x = &a->jails[i], *y = &b->jails[i];
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->nparams, y->nparams);
		for (size_t k = 0; k < x->nparams; k++) {
			const struct cell_conf_param *p = &x->params[k],
						     *q = &y->params[k];
			assert_string_equal(p->name, q->name);
			assert_int_equal(p->op, q->op);
			assert_int_equal(p->nvalues, q->nvalues);
			for (size_t v = 0; v < p->nvalues; v++)
				assert_string_equal(p->values[v],
						    q->values[v]);
		}
	}
}

/* parse -> print -> parse gives the same model, and printing is stable. */
static inline void assert_round_trip(const struct cell_conf *c)
{
	char *t1 = print_conf(c);
	struct cell_conf *c2 = parse_ok(t1);
	assert_same_conf(c, c2);
	char *t2 = print_conf(c2);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	cell_conf_free(c2);
}

#endif
