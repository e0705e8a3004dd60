/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The data model: looking jails and parameters up, freeing, and handing a
 * resolved jail to the core's one setter, cell_param_set().
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jail.h"
#include "param.h"
#include "util.h"

void cell_conf_free(struct cell_conf *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->njails; i++)
		conf_jail_clear(&conf->jails[i]);
	free(conf->jails);
	conf_priv_free(conf->priv);
	free(conf);
}

const struct cell_conf_jail *cell_conf_find(const struct cell_conf *conf,
					    const char *name)
{
	if (!conf || !name)
		return NULL;
	for (size_t i = 0; i < conf->njails; i++)
		if (!strcmp(conf->jails[i].name, name))
			return &conf->jails[i];
	return NULL;
}

int cell_conf_resolve(const struct cell_conf *conf, const char *name,
		      struct cell_conf_jail **out, struct cell_error *err)
{
	*out = NULL;
	if (!name || !*name || strlen(name) >= 128)
		return cell_error_set(err, -EINVAL, "bad jail name");
	for (const char *c = name;; c++) {
		const char *dot = strchr(c, '.');
		if (dot == c || !*c || strchr(c, '*') == c)
			return cell_error_set(err, -EINVAL,
					      "bad jail name '%s'", name);
		if (!dot)
			break;
		c = dot;
	}
	struct cell_conf_jail *cj = calloc(1, sizeof(*cj));
	if (!cj)
		return cell_error_set(err, -ENOMEM, "out of memory");
	const struct cell_conf_jail *known = cell_conf_find(conf, name);
	struct cell_conf_pos pos = { NULL, 0, 0 };
	if (known)
		pos = known->pos;
	int r = conf_resolve_jail(conf->priv, name, &pos, cj, err);
	if (r < 0) {
		free(cj);
		return r;
	}
	*out = cj;
	return 0;
}

void cell_conf_jail_free(struct cell_conf_jail *cj)
{
	if (!cj)
		return;
	conf_jail_clear(cj);
	free(cj);
}

const struct cell_conf_param *
cell_conf_param_find(const struct cell_conf_jail *cj, const char *name)
{
	if (!cj || !name)
		return NULL;
	for (size_t i = 0; i < cj->nparams; i++)
		if (!strcmp(cj->params[i].name, name))
			return &cj->params[i];
	return NULL;
}

/* Is neg the "no" form of name (allow.nomount for allow.mount)? */
static bool is_no_form(const char *neg, const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t pre = dot ? (size_t)(dot - name) + 1 : 0;
	return !strncmp(neg, name, pre) && !strncmp(neg + pre, "no", 2) &&
	       !strcmp(neg + pre + 2, name + pre);
}

bool cell_conf_bool(const struct cell_conf_jail *cj, const char *name,
		    bool def)
{
	bool v = def;
	if (!cj || !name)
		return def;
	for (size_t i = 0; i < cj->nparams; i++) {
		const struct cell_conf_param *p = &cj->params[i];
		if (!strcmp(p->name, name)) {
			bool b;
			if (p->op == CELL_CONF_BOOL)
				v = true;
			else if (p->nvalues == 1 &&
				 cell_parse_bool(p->values[0], &b) == 0)
				v = b;
		} else if (p->op == CELL_CONF_BOOL &&
			   is_no_form(p->name, name)) {
			v = false;
		}
	}
	return v;
}

/* Prefix the core's message with the parameter's position. */
static int at_param(struct cell_error *err, int r,
		    const struct cell_conf_jail *cj,
		    const struct cell_conf_param *p)
{
	if (err) {
		char msg[CELL_ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		if (p->pos.file)
			cell_error_set(err, r, "%s:%u:%u: %s", p->pos.file,
				       p->pos.line, p->pos.col, msg);
		cell_error_context(err, cj->name, NULL, NULL);
	}
	return r;
}

static bool takes_list(const char *name)
{
	const struct cell_param *cp = cell_param_lookup(name);
	if (!cp)
		return true; /* unknown: the core names it */
	return cp->type == CELL_PT_LIST || cp->type == CELL_PT_ARGV ||
	       cp->type == CELL_PT_IP4 || cp->type == CELL_PT_IP6;
}

int cell_conf_apply(const struct cell_conf_jail *cj, struct cell_jail *j,
		    struct cell_error *err)
{
	if (!cj || !j)
		return cell_error_set(err, -EINVAL, "nothing to apply");
	for (size_t i = 0; i < cj->nparams; i++) {
		const struct cell_conf_param *p = &cj->params[i];
		bool append = p->op == CELL_CONF_APPEND;
		int r;
		if (p->op == CELL_CONF_BOOL) {
			r = cell_param_set(j, p->name, NULL, false, err);
		} else if (p->nvalues <= 1) {
			r = cell_param_set(j, p->name,
					   p->nvalues ? p->values[0] : "",
					   append, err);
		} else if (!takes_list(p->name)) {
			r = cell_error_set(err, -EINVAL,
					   "%s takes one value, not a list "
					   "of %zu", p->name, p->nvalues);
		} else {
			r = 0;
			for (size_t k = 0; k < p->nvalues && r >= 0; k++)
				r = cell_param_set(j, p->name, p->values[k],
						   k > 0 || append, err);
		}
		if (r < 0)
			return at_param(err, r, cj, p);
	}
	return 0;
}
