/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * From statements to jails. For one jail name: take, in file order, the
 * statements of its own blocks and of every wildcard block matching it;
 * fold repeated names (a later "=" or bare boolean replaces, "+=" adds to
 * the list; the entry moves to the place of its last definition); then
 * expand $variables against the folded entries of this jail.
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

/*
 * FreeBSD's rule: a non-final "*" component matches exactly one name
 * component; a final "*" matches one or more.
 */
bool conf_wild_match(const char *wild, const char *name)
{
	const char *w = wild, *n = name;
	for (;;) {
		const char *wd = strchr(w, '.'), *nd = strchr(n, '.');
		size_t wl = wd ? (size_t)(wd - w) : strlen(w);
		size_t nl = nd ? (size_t)(nd - n) : strlen(n);
		bool star = wl == 1 && w[0] == '*';
		if (!wd) {
			if (star)
				return nl > 0;
			return !nd && wl == nl && !memcmp(w, n, wl);
		}
		if (!nd)
			return false;
		if (star ? nl == 0 : (wl != nl || memcmp(w, n, wl)))
			return false;
		w = wd + 1;
		n = nd + 1;
	}
}

enum { ST_NEW, ST_BUSY, ST_DONE };

/* What a resolved value or parameter costs, allocator overhead included,
 * counted against CELL_CONF_EXPANDED_MAX. */
#define ALLOC_OVERHEAD 16
#define VALUE_COST(len) ((len) + 1 + sizeof(char *) + ALLOC_OVERHEAD)
#define PARAM_COST(len) \
	((len) + 1 + sizeof(struct cell_conf_param) + ALLOC_OVERHEAD)

struct ent {
	const char *name;
	bool var;
	enum cell_conf_op op;
	const struct conf_str **vals;
	size_t nvals;
	struct cell_conf_pos pos;
	size_t order;
	int state;
	char **exp;
	size_t nexp;
};

struct resolver {
	const char *jail;
	struct ent *ents;
	size_t nents;
	size_t *hash;             /* index + 1, 0 = empty */
	size_t hsize;             /* power of two */
	size_t *budget;           /* bytes left for names and values */
	struct cell_error *err;
};

static size_t hash_str(const char *s, bool var)
{
	size_t h = (size_t)1469598103934665603ull ^ (var ? 0x5bd1e995u : 0);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
	return h;
}

static struct ent *lookup(struct resolver *rs, const char *name, bool var)
{
	size_t m = rs->hsize - 1;
	for (size_t i = hash_str(name, var) & m;; i = (i + 1) & m) {
		size_t k = rs->hash[i];
		if (!k)
			return NULL;
		struct ent *e = &rs->ents[k - 1];
		if (e->var == var && !strcmp(e->name, name))
			return e;
	}
}

/* The entry a $name refers to: the variable or the parameter, whichever
 * was defined last. */
static struct ent *lookup_ref(struct resolver *rs, const char *name)
{
	struct ent *v = lookup(rs, name, true), *p = lookup(rs, name, false);
	if (v && p)
		return v->order > p->order ? v : p;
	return v ? v : p;
}

static struct ent *insert(struct resolver *rs, const char *name, bool var)
{
	struct ent *e = &rs->ents[rs->nents++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->var = var;
	size_t m = rs->hsize - 1;
	size_t i = hash_str(name, var) & m;
	while (rs->hash[i])
		i = (i + 1) & m;
	rs->hash[i] = rs->nents;
	return e;
}

static int charge(struct resolver *rs, size_t n,
		  const struct cell_conf_pos *pos)
{
	if (n > *rs->budget)
		return conf_error(rs->err, -E2BIG, pos,
				  "configuration too large once resolved: "
				  "more than %d MiB of parameters and values",
				  CELL_CONF_EXPANDED_MAX >> 20);
	*rs->budget -= n;
	return 0;
}

static int push_val(struct ent *e, char *s)
{
	char **n = realloc(e->exp, (e->nexp + 1) * sizeof(*n));
	if (!n) {
		free(s);
		return -ENOMEM;
	}
	e->exp = n;
	e->exp[e->nexp++] = s;
	return 0;
}

static int expand(struct resolver *rs, struct ent *e, unsigned depth);

/* The values of $name, expanded; the piece is for error positions. */
static int ref(struct resolver *rs, const struct conf_piece *pc,
	       unsigned depth, struct ent **out)
{
	struct ent *v = lookup_ref(rs, pc->s);
	if (!v)
		return conf_error(rs->err, -ENOENT, &pc->pos,
				  "undefined variable $%s: expected a "
				  "parameter or $variable defined for this "
				  "jail", pc->s);
	if (v->state == ST_BUSY)
		return conf_error(rs->err, -ELOOP, &pc->pos,
				  "variable loop: $%s refers back to itself",
				  pc->s);
	if (depth >= CELL_CONF_EXPAND_DEPTH)
		return conf_error(rs->err, -ELOOP, &pc->pos,
				  "variables nested deeper than %d",
				  CELL_CONF_EXPAND_DEPTH);
	int r = expand(rs, v, depth + 1);
	if (r < 0)
		return r;
	if (v->nexp == 0)
		return conf_error(rs->err, -EINVAL, &pc->pos,
				  "variable $%s has no value: it is a bare "
				  "boolean", pc->s);
	*out = v;
	return 0;
}

static int expand_str(struct resolver *rs, struct ent *e,
		      const struct conf_str *s, unsigned depth)
{
	int r;
	/* "$list" alone: every element */
	if (s->n == 1 && s->p[0].var) {
		struct ent *v;
		if ((r = ref(rs, &s->p[0], depth, &v)) < 0)
			return r;
		if (e->nexp + v->nexp > CELL_CONF_VALUES_MAX)
			return conf_error(rs->err, -E2BIG, &s->pos,
					  "more than %d values in one list",
					  CELL_CONF_VALUES_MAX);
		for (size_t i = 0; i < v->nexp; i++) {
			size_t l = strlen(v->exp[i]);
			if ((r = charge(rs, VALUE_COST(l), &s->pos)) < 0)
				return r;
			char *c = strdup(v->exp[i]);
			if (!c || push_val(e, c) < 0)
				return conf_error(rs->err, -ENOMEM, &s->pos,
						  "out of memory");
		}
		return 0;
	}
	size_t len = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct conf_piece *pc = &s->p[i];
		if (!pc->var) {
			len += pc->len;
			continue;
		}
		struct ent *v;
		if ((r = ref(rs, pc, depth, &v)) < 0)
			return r;
		if (v->nexp > 1)
			return conf_error(rs->err, -EINVAL, &pc->pos,
					  "$%s is a list of %zu values and "
					  "cannot be part of a longer string: "
					  "expected it alone", pc->s, v->nexp);
		len += strlen(v->exp[0]);
		if (len >= CELL_CONF_TOKEN_MAX)
			break;
	}
	if (len >= CELL_CONF_TOKEN_MAX)
		return conf_error(rs->err, -E2BIG, &s->pos,
				  "value of %s longer than %d bytes after "
				  "expansion", e->name,
				  CELL_CONF_TOKEN_MAX - 1);
	if (e->nexp + 1 > CELL_CONF_VALUES_MAX)
		return conf_error(rs->err, -E2BIG, &s->pos,
				  "more than %d values in one list",
				  CELL_CONF_VALUES_MAX);
	if ((r = charge(rs, VALUE_COST(len), &s->pos)) < 0)
		return r;
	char *out = malloc(len + 1);
	if (!out)
		return conf_error(rs->err, -ENOMEM, &s->pos, "out of memory");
	size_t off = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct conf_piece *pc = &s->p[i];
		const char *src = pc->s;
		size_t l = pc->len;
		if (pc->var) {
			src = lookup_ref(rs, pc->s)->exp[0];
			l = strlen(src);
		}
		memcpy(out + off, src, l);
		off += l;
	}
	out[off] = '\0';
	if (push_val(e, out) < 0)
		return conf_error(rs->err, -ENOMEM, &s->pos, "out of memory");
	return 0;
}

static int expand(struct resolver *rs, struct ent *e, unsigned depth)
{
	if (e->state == ST_DONE)
		return 0;
	e->state = ST_BUSY;
	for (size_t i = 0; i < e->nvals; i++) {
		int r = expand_str(rs, e, e->vals[i], depth);
		if (r < 0)
			return r;
	}
	e->state = ST_DONE;
	return 0;
}

static int cmp_order(const void *a, const void *b)
{
	const struct ent *x = *(const struct ent *const *)a;
	const struct ent *y = *(const struct ent *const *)b;
	return x->order < y->order ? -1 : x->order > y->order;
}

void conf_jail_clear(struct cell_conf_jail *cj)
{
	for (size_t i = 0; i < cj->nparams; i++) {
		struct cell_conf_param *p = &cj->params[i];
		free(p->name);
		for (size_t k = 0; k < p->nvalues; k++)
			free(p->values[k]);
		free(p->values);
	}
	free(cj->params);
	free(cj->name);
	memset(cj, 0, sizeof(*cj));
}

static int resolve(const struct cell_conf_priv *pv, const char *name,
		   const struct cell_conf_pos *pos, size_t *budget,
		   struct cell_conf_jail *out, struct cell_error *err)
{
	int r = 0;
	memset(out, 0, sizeof(*out));
	_cleanup_free_ bool *match = calloc(pv->nblocks + 1, sizeof(bool));
	if (!match)
		return cell_error_set(err, -ENOMEM, "out of memory");
	for (size_t b = 0; b < pv->nblocks; b++) {
		const struct conf_block *bl = &pv->blocks[b];
		match[b] = bl->wild ? conf_wild_match(bl->name, name)
				    : !strcmp(bl->name, name);
	}
	size_t count = 1;
	for (size_t i = 0; i < pv->nstmts; i++)
		count += match[pv->stmts[i].block];

	/* the implicit name = "<jail>" */
	struct conf_piece npiece = { false, (char *)name, strlen(name), *pos };
	struct conf_str nstr = { &npiece, 1, *pos };
	const struct conf_str *nval = &nstr;

	struct resolver rs = { .jail = name, .budget = budget, .err = err };
	rs.hsize = 16;
	while (rs.hsize < 2 * count)
		rs.hsize *= 2;
	_cleanup_free_ struct ent *ents = calloc(count, sizeof(*ents));
	_cleanup_free_ size_t *hash = calloc(rs.hsize, sizeof(*hash));
	_cleanup_free_ struct ent **sorted = calloc(count, sizeof(*sorted));
	if (!ents || !hash || !sorted)
		return cell_error_set(err, -ENOMEM, "out of memory");
	rs.ents = ents;
	rs.hash = hash;

	struct ent *e = insert(&rs, "name", false);
	e->op = CELL_CONF_SET;
	e->vals = malloc(sizeof(*e->vals));
	if (!e->vals) {
		r = cell_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	e->vals[0] = nval;
	e->nvals = 1;
	e->pos = *pos;

	size_t order = 0;
	bool named = false;       /* a statement sets "name" */
	for (size_t i = 0; i < pv->nstmts; i++) {
		const struct conf_stmt *st = &pv->stmts[i];
		if (!match[st->block])
			continue;
		named |= !st->var && !strcmp(st->name, "name");
		e = lookup(&rs, st->name, st->var);
		bool fresh = !e;
		if (fresh)
			e = insert(&rs, st->name, st->var);
		size_t keep = (st->op == CELL_CONF_APPEND && !fresh &&
			       e->op != CELL_CONF_BOOL) ? e->nvals : 0;
		if (keep + st->nvals > CELL_CONF_VALUES_MAX) {
			r = conf_error(err, -E2BIG, &st->pos,
				       "more than %d values for %s",
				       CELL_CONF_VALUES_MAX, st->name);
			goto out;
		}
		const struct conf_str **nv = realloc(
			e->vals, (keep + st->nvals + 1) * sizeof(*nv));
		if (!nv) {
			r = cell_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		e->vals = nv;
		for (size_t k = 0; k < st->nvals; k++)
			e->vals[keep + k] = &st->vals[k];
		e->nvals = keep + st->nvals;
		if (st->op != CELL_CONF_APPEND || fresh ||
		    e->op == CELL_CONF_BOOL)
			e->op = st->op;
		e->pos = st->pos;
		e->order = ++order;
	}

	size_t nout = 0;
	for (size_t i = 0; i < rs.nents; i++) {
		if (rs.ents[i].var)
			continue;
		if ((r = expand(&rs, &rs.ents[i], 0)) < 0)
			goto out;
		sorted[nout++] = &rs.ents[i];
	}
	/*
	 * The name is the block's and cannot change (FreeBSD: "cannot
	 * redefine parameter "name""): a block that names another jail
	 * would have jail -c A create B, and jail -r A then find nothing.
	 * Restating the same name is harmless.
	 */
	if (named) {
		e = lookup(&rs, "name", false);
		if (e->op != CELL_CONF_SET || e->nexp != 1 ||
		    strcmp(e->exp[0], name)) {
			r = conf_error(err, -EINVAL, &e->pos,
				       "cannot redefine parameter \"name\": "
				       "the jail is \"%s\", named by its "
				       "block", name);
			goto out;
		}
		/* and it stays the first parameter, where the implicit one
		 * is: printed jails (which leave it out) read back the same */
		e->order = 0;
	}
	qsort(sorted, nout, sizeof(*sorted), cmp_order);

	out->params = calloc(nout ? nout : 1, sizeof(*out->params));
	out->name = strdup(name);
	if (!out->params || !out->name) {
		r = cell_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	out->pos = *pos;
	for (size_t i = 0; i < nout; i++) {
		struct ent *s = sorted[i];
		struct cell_conf_param *p = &out->params[out->nparams];
		r = charge(&rs, PARAM_COST(strlen(s->name)), &s->pos);
		if (r < 0)
			goto out;
		p->name = strdup(s->name);
		if (!p->name) {
			r = cell_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		out->nparams++;
		p->op = s->op;
		p->pos = s->pos;
		p->values = s->exp;
		p->nvalues = s->nexp;
		s->exp = NULL;
		s->nexp = 0;
	}
out:
	for (size_t i = 0; i < rs.nents; i++) {
		for (size_t k = 0; k < rs.ents[i].nexp; k++)
			free(rs.ents[i].exp[k]);
		free(rs.ents[i].exp);
		free(rs.ents[i].vals);
	}
	if (r < 0) {
		conf_jail_clear(out);
		cell_error_context(err, name, NULL, NULL);
	}
	return r;
}

int conf_resolve_jail(const struct cell_conf_priv *pv, const char *name,
		      const struct cell_conf_pos *pos,
		      struct cell_conf_jail *out, struct cell_error *err)
{
	size_t budget = CELL_CONF_EXPANDED_MAX;
	return resolve(pv, name, pos, &budget, out, err);
}

int conf_build(struct cell_conf *conf, struct cell_error *err)
{
	const struct cell_conf_priv *pv = conf->priv;
	size_t budget = CELL_CONF_EXPANDED_MAX;
	for (size_t b = 0; b < pv->nblocks; b++) {
		const struct conf_block *bl = &pv->blocks[b];
		if (bl->wild)
			continue;
		bool dup = false;
		for (size_t k = 0; k < b && !dup; k++)
			dup = !pv->blocks[k].wild &&
			      !strcmp(pv->blocks[k].name, bl->name);
		if (dup)
			continue;
		if (conf->njails >= CELL_CONF_JAILS_MAX)
			return conf_error(err, -E2BIG, &bl->pos,
					  "more than %d jails",
					  CELL_CONF_JAILS_MAX);
		struct cell_conf_jail *n = realloc(
			conf->jails, (conf->njails + 1) * sizeof(*n));
		if (!n)
			return cell_error_set(err, -ENOMEM, "out of memory");
		conf->jails = n;
		int r = resolve(pv, bl->name, &bl->pos, &budget,
				&conf->jails[conf->njails], err);
		if (r < 0)
			return r;
		conf->njails++;
	}
	return 0;
}
