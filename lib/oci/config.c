/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.json (runtime-spec 1.2) → struct cell_oci_config.
 *
 * Every size is bounded (file, strings, list lengths) and every error
 * names the JSON path that is wrong ("process.args: must be a non-empty
 * array"). Strings are borrowed from the jansson tree, which the config
 * owns. This file only reads and checks shapes; what cell does with the
 * values, and what it refuses, is translate.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cleanup.h"
#include "oci/oci.h"
#include "util.h"

#define P_MAX 128   /* a JSON path in messages */

static int bad(struct cell_error *err, const char *path, const char *fmt,
	       ...) __attribute__((format(printf, 3, 4)));
static int bad(struct cell_error *err, const char *path, const char *fmt,
	       ...)
{
	char msg[CELL_ERR_MSG_MAX - P_MAX - 8];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cell_error_set(err, -EINVAL, "%.*s: %s", P_MAX, path, msg);
}

/* A JSON path for messages, into a P_MAX buffer (cut when longer). */
static void pathf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, P_MAX, fmt, ap);
	va_end(ap);
}

/* An optional string member: NULL when absent, an error when not a
 * string, too long or holding a NUL. */
static int get_str(json_t *obj, const char *key, const char *path,
		   const char **out, struct cell_error *err)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(err, path, "must be a string");
	size_t l = json_string_length(v);
	if (l > CELL_OCI_STR_MAX)
		return bad(err, path, "longer than %d bytes", CELL_OCI_STR_MAX);
	if (strlen(json_string_value(v)) != l)
		return bad(err, path, "holds a NUL byte");
	*out = json_string_value(v);
	return 0;
}

static int get_bool(json_t *obj, const char *key, const char *path,
		    bool *out, struct cell_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(err, path, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

/* An optional integer member in [min, max]; *given tells presence. */
static int get_int(json_t *obj, const char *key, const char *path,
		   long long min, long long max, long long *out, bool *given,
		   struct cell_error *err)
{
	if (given)
		*given = false;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return bad(err, path, "must be an integer");
	long long n = json_integer_value(v);
	if (n < min || n > max)
		return bad(err, path, "%lld is out of range [%lld, %lld]", n,
			   min, max);
	*out = n;
	if (given)
		*given = true;
	return 0;
}

/* An optional object member: NULL when absent or null. */
static int get_obj(json_t *obj, const char *key, const char *path,
		   json_t **out, struct cell_error *err)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad(err, path, "must be an object");
	*out = v;
	return 0;
}

static int get_arr(json_t *obj, const char *key, const char *path,
		   size_t max, json_t **out, struct cell_error *err)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(err, path, "must be an array");
	if (json_array_size(v) > max)
		return bad(err, path, "more than %zu entries", max);
	*out = v;
	return 0;
}

/* An array of strings → NULL-terminated malloc'd vector of borrowed
 * strings; an absent array gives NULL. */
static int get_strv(json_t *obj, const char *key, const char *path,
		    size_t max, char ***out, size_t *n, struct cell_error *err)
{
	json_t *a;
	*out = NULL;
	if (n)
		*n = 0;
	int r = get_arr(obj, key, path, max, &a, err);
	if (r < 0 || !a)
		return r;
	char **v = calloc(json_array_size(a) + 1, sizeof(*v));
	if (!v)
		return cell_error_set(err, -ENOMEM, "%s: out of memory", path);
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		size_t l = json_is_string(e) ? json_string_length(e) : 0;
		if (!json_is_string(e) || l > CELL_OCI_STR_MAX ||
		    strlen(json_string_value(e)) != l) {
			free(v);
			return bad(err, path, "[%zu] must be a string of at "
				   "most %d bytes without NUL", i,
				   CELL_OCI_STR_MAX);
		}
		v[i] = (char *)json_string_value(e);
	}
	*out = v;
	if (n)
		*n = json_array_size(a);
	return 0;
}

static bool abs_path(const char *p)
{
	return p && p[0] == '/';
}

/* --- process ----------------------------------------------------------- */

static int parse_rlimits(json_t *proc, struct cell_oci_config *c,
			 struct cell_error *err)
{
	json_t *a;
	int r = get_arr(proc, "rlimits", "process.rlimits", CELL_RLIMIT_MAX, &a,
			err);
	if (r < 0 || !a)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char p[P_MAX];
		pathf(p, "process.rlimits[%zu]", i);
		if (!json_is_object(e))
			return bad(err, p, "must be an object");
		const char *type;
		char tp[P_MAX];
		pathf(tp, "%s.type", p);
		if ((r = get_str(e, "type", tp, &type, err)) < 0)
			return r;
		if (!type)
			return bad(err, tp, "is required");
		int res = cell_oci_rlimit_from_name(type);
		if (res < 0)
			return bad(err, tp, "unknown rlimit '%s'", type);
		for (size_t k = 0; k < c->nrlimits; k++)
			if (c->rlimits[k].resource == res)
				return bad(err, tp, "'%s' given twice", type);
		json_t *hard = json_object_get(e, "hard");
		json_t *soft = json_object_get(e, "soft");
		if (!json_is_integer(hard) || !json_is_integer(soft))
			return bad(err, p, "hard and soft must be integers");
		/* JSON integers are signed 64 bits; RLIM_INFINITY is
		 * 2^64-1, which encoders write as -1 or overflow */
		json_int_t h = json_integer_value(hard);
		json_int_t s = json_integer_value(soft);
		struct rlimit l = {
			.rlim_cur = s < 0 ? RLIM_INFINITY : (rlim_t)s,
			.rlim_max = h < 0 ? RLIM_INFINITY : (rlim_t)h,
		};
		if (l.rlim_cur > l.rlim_max)
			return bad(err, p, "soft is above hard");
		c->rlimits[c->nrlimits].resource = res;
		c->rlimits[c->nrlimits].lim = l;
		c->nrlimits++;
	}
	return 0;
}

static int caps_set(json_t *caps, const char *key, uint64_t *out, bool *given,
		    struct cell_error *err)
{
	char p[P_MAX];
	pathf(p, "process.capabilities.%s", key);
	_cleanup_free_ char **names = NULL;
	size_t n;
	int r = get_strv(caps, key, p, 128, &names, &n, err);
	if (r < 0 || !names)
		return r;
	*given = true;
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		int bit = cell_oci_cap_from_name(names[i]);
		/* unknown names (a newer engine's list on an older libcap)
		 * are skipped: leaving a capability out only narrows */
		if (bit >= 0)
			*out |= 1ULL << bit;
	}
	return 0;
}

static int parse_user(json_t *proc, struct cell_oci_config *c,
		      struct cell_error *err)
{
	json_t *u;
	int r = get_obj(proc, "user", "process.user", &u, err);
	if (r < 0)
		return r;
	if (!u)
		return bad(err, "process.user", "is required");
	long long v = 0;
	bool given;
	if ((r = get_int(u, "uid", "process.user.uid", 0, UINT32_MAX - 1, &v,
			 &given, err)) < 0)
		return r;
	if (!given)
		return bad(err, "process.user.uid", "is required");
	c->uid = (uid_t)v;
	if ((r = get_int(u, "gid", "process.user.gid", 0, UINT32_MAX - 1, &v,
			 &given, err)) < 0)
		return r;
	if (!given)
		return bad(err, "process.user.gid", "is required");
	c->gid = (gid_t)v;
	if ((r = get_int(u, "umask", "process.user.umask", 0, 0777, &v, &given,
			 err)) < 0)
		return r;
	c->umask = given ? (int)v : -1;
	const char *uname;
	if ((r = get_str(u, "username", "process.user.username", &uname,
			 err)) < 0)
		return r;
	json_t *g;
	if ((r = get_arr(u, "additionalGids", "process.user.additionalGids",
			 CELL_OCI_GROUPS_MAX, &g, err)) < 0)
		return r;
	if (g && json_array_size(g)) {
		c->groups = calloc(json_array_size(g), sizeof(gid_t));
		if (!c->groups)
			return cell_error_set(err, -ENOMEM, "out of memory");
		size_t i;
		json_t *e;
		json_array_foreach(g, i, e) {
			if (!json_is_integer(e) || json_integer_value(e) < 0 ||
			    json_integer_value(e) >= UINT32_MAX)
				return bad(err, "process.user.additionalGids",
					   "[%zu] must be a gid", i);
			c->groups[c->ngroups++] = (gid_t)json_integer_value(e);
		}
	}
	return 0;
}

static int parse_process_obj(json_t *proc, struct cell_oci_config *c,
			     bool need_args, struct cell_error *err)
{
	int r;
	c->has_process = true;
	c->umask = -1;
	if ((r = get_bool(proc, "terminal", "process.terminal", &c->terminal,
			  err)) < 0)
		return r;
	json_t *cs;
	if ((r = get_obj(proc, "consoleSize", "process.consoleSize", &cs,
			 err)) < 0)
		return r;
	if (cs) {
		long long v = 0;
		if ((r = get_int(cs, "height", "process.consoleSize.height", 0,
				 65535, &v, NULL, err)) < 0)
			return r;
		c->rows = (unsigned)v;
		v = 0;
		if ((r = get_int(cs, "width", "process.consoleSize.width", 0,
				 65535, &v, NULL, err)) < 0)
			return r;
		c->cols = (unsigned)v;
	}
	if ((r = parse_user(proc, c, err)) < 0)
		return r;
	size_t n;
	if ((r = get_strv(proc, "args", "process.args", CELL_OCI_ARGS_MAX,
			  &c->args, &n, err)) < 0)
		return r;
	if (need_args && (!c->args || n == 0 || !c->args[0][0]))
		return bad(err, "process.args", "must be a non-empty array");
	if (json_object_get(proc, "commandLine"))
		return bad(err, "process.commandLine",
			   "is for Windows; use process.args");
	if ((r = get_strv(proc, "env", "process.env", CELL_OCI_ENV_MAX, &c->env,
			  &n, err)) < 0)
		return r;
	for (size_t i = 0; c->env && c->env[i]; i++)
		if (!strchr(c->env[i], '=') || c->env[i][0] == '=')
			return bad(err, "process.env", "[%zu] must be "
				   "NAME=value, got '%.64s'", i, c->env[i]);
	if ((r = get_str(proc, "cwd", "process.cwd", &c->cwd, err)) < 0)
		return r;
	if (!c->cwd)
		return bad(err, "process.cwd", "is required");
	if (!abs_path(c->cwd))
		return bad(err, "process.cwd", "must be an absolute path, got "
			   "'%.64s'", c->cwd);
	json_t *caps;
	if ((r = get_obj(proc, "capabilities", "process.capabilities", &caps,
			 err)) < 0)
		return r;
	/* each set is what it says, an absent one empty (runtime-spec;
	 * runc): no capabilities at all is a process with none */
	c->caps = c->caps_eff = c->caps_prm = c->caps_inh = c->caps_amb = 0;
	if (caps) {
		static const char *const keys[] = { "bounding", "effective",
						    "permitted", "inheritable",
						    "ambient" };
		uint64_t *const sets[] = { &c->caps, &c->caps_eff,
					   &c->caps_prm, &c->caps_inh,
					   &c->caps_amb };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			bool given = false;
			if ((r = caps_set(caps, keys[i], sets[i], &given,
					  err)) < 0)
				return r;
		}
	}
	if ((r = parse_rlimits(proc, c, err)) < 0)
		return r;
	if ((r = get_bool(proc, "noNewPrivileges", "process.noNewPrivileges",
			  &c->no_new_privileges, err)) < 0)
		return r;
	long long v = 0;
	if ((r = get_int(proc, "oomScoreAdj", "process.oomScoreAdj", -1000, 1000,
			 &v, &c->has_oom_score_adj, err)) < 0)
		return r;
	c->oom_score_adj = (int)v;
	if ((r = get_str(proc, "apparmorProfile", "process.apparmorProfile",
			 &c->apparmor_profile, err)) < 0)
		return r;
	if ((r = get_str(proc, "selinuxLabel", "process.selinuxLabel",
			 &c->selinux_label, err)) < 0)
		return r;
	if (json_object_get(proc, "ioPriority") ||
	    json_object_get(proc, "scheduler") ||
	    json_object_get(proc, "execCPUAffinity"))
		return bad(err, "process", "ioPriority, scheduler and "
			   "execCPUAffinity are not supported");
	return 0;
}

/* --- hooks, mounts ----------------------------------------------------- */

static const char *const hook_keys[CELL_OCI_HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer",
	"poststart", "poststop",
};

const char *cell_oci_hook_name(enum cell_oci_hook_kind k)
{
	return k < CELL_OCI_HOOK_KINDS ? hook_keys[k] : "?";
}

static int parse_hooks(json_t *root, struct cell_oci_config *c,
		       struct cell_error *err)
{
	json_t *h;
	int r = get_obj(root, "hooks", "hooks", &h, err);
	if (r < 0 || !h)
		return r;
	for (int k = 0; k < CELL_OCI_HOOK_KINDS; k++) {
		char p[P_MAX];
		pathf(p, "hooks.%s", hook_keys[k]);
		json_t *a;
		if ((r = get_arr(h, hook_keys[k], p, CELL_OCI_HOOKS_MAX, &a,
				 err)) < 0)
			return r;
		if (!a || !json_array_size(a))
			continue;
		c->hooks[k] = calloc(json_array_size(a), sizeof(**c->hooks));
		if (!c->hooks[k])
			return cell_error_set(err, -ENOMEM, "out of memory");
		size_t i;
		json_t *e;
		json_array_foreach(a, i, e) {
			struct cell_oci_hook *hk = &c->hooks[k][i];
			c->nhooks[k] = i + 1;
			char q[P_MAX];
			pathf(q, "%s[%zu]", p, i);
			if (!json_is_object(e))
				return bad(err, q, "must be an object");
			char f[P_MAX];
			pathf(f, "%s.path", q);
			if ((r = get_str(e, "path", f, &hk->path, err)) < 0)
				return r;
			if (!abs_path(hk->path))
				return bad(err, f, "must be an absolute path");
			pathf(f, "%s.args", q);
			if ((r = get_strv(e, "args", f, CELL_OCI_ARGS_MAX,
					  &hk->args, NULL, err)) < 0)
				return r;
			pathf(f, "%s.env", q);
			if ((r = get_strv(e, "env", f, CELL_OCI_ENV_MAX,
					  &hk->env, NULL, err)) < 0)
				return r;
			long long t = 0;
			bool given;
			pathf(f, "%s.timeout", q);
			if ((r = get_int(e, "timeout", f, 1, 86400, &t, &given,
					 err)) < 0)
				return r;
			hk->timeout = given ? (int)t : 0;
		}
	}
	return 0;
}

static int id_mappings(json_t *lx, const char *key, const char *where,
		       char (**out)[64], size_t *n, struct cell_error *err);

static int parse_mounts(json_t *root, struct cell_oci_config *c,
			struct cell_error *err)
{
	json_t *a;
	int r = get_arr(root, "mounts", "mounts", CELL_OCI_MOUNTS_MAX, &a, err);
	if (r < 0 || !a || !json_array_size(a))
		return r;
	c->mounts = calloc(json_array_size(a), sizeof(*c->mounts));
	if (!c->mounts)
		return cell_error_set(err, -ENOMEM, "out of memory");
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		struct cell_oci_mount *m = &c->mounts[i];
		c->nmounts = i + 1;
		char p[P_MAX], f[P_MAX];
		pathf(p, "mounts[%zu]", i);
		if (!json_is_object(e))
			return bad(err, p, "must be an object");
		pathf(f, "%s.destination", p);
		if ((r = get_str(e, "destination", f, &m->destination, err)) < 0)
			return r;
		if (!abs_path(m->destination))
			return bad(err, f, "must be an absolute path");
		pathf(f, "%s.type", p);
		if ((r = get_str(e, "type", f, &m->type, err)) < 0)
			return r;
		pathf(f, "%s.source", p);
		if ((r = get_str(e, "source", f, &m->source, err)) < 0)
			return r;
		if (!m->type)
			m->type = "";
		if (!m->source)
			m->source = "";
		pathf(f, "%s.options", p);
		if ((r = get_strv(e, "options", f, CELL_OCI_OPTS_MAX,
				  (char ***)&m->options, &m->noptions, err)) < 0)
			return r;
		/* an idmapped mount: both maps, as runc wants them */
		if ((r = id_mappings(e, "uidMappings", p, &m->uid_maps,
				     &m->nuid_maps, err)) < 0 ||
		    (r = id_mappings(e, "gidMappings", p, &m->gid_maps,
				     &m->ngid_maps, err)) < 0)
			return r;
		if (!m->nuid_maps != !m->ngid_maps)
			return bad(err, p, "uidMappings and gidMappings come "
				   "together");
	}
	return 0;
}

/* --- linux ------------------------------------------------------------- */

static const char *const ns_names[CELL_OCI_NS_COUNT] = {
	"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

static int parse_namespaces(json_t *lx, struct cell_oci_config *c,
			    struct cell_error *err)
{
	json_t *a;
	int r = get_arr(lx, "namespaces", "linux.namespaces", 16, &a, err);
	if (r < 0 || !a)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char p[P_MAX], f[P_MAX];
		pathf(p, "linux.namespaces[%zu]", i);
		if (!json_is_object(e))
			return bad(err, p, "must be an object");
		const char *type, *path;
		pathf(f, "%s.type", p);
		if ((r = get_str(e, "type", f, &type, err)) < 0)
			return r;
		int k = -1;
		for (int t = 0; type && t < CELL_OCI_NS_COUNT; t++)
			if (!strcmp(type, ns_names[t]))
				k = t;
		if (k < 0)
			return bad(err, f, "unknown namespace type '%.32s'",
				   type ? type : "");
		if (c->ns_present[k])
			return bad(err, f, "namespace '%s' given twice", type);
		pathf(f, "%s.path", p);
		if ((r = get_str(e, "path", f, &path, err)) < 0)
			return r;
		if (path && !abs_path(path))
			return bad(err, f, "must be an absolute path");
		c->ns_present[k] = true;
		c->ns_path[k] = path && path[0] ? path : NULL;
	}
	return 0;
}

static int parse_kv_object(json_t *obj, const char *key, const char *path,
			   size_t max, const char ***keys, const char ***vals,
			   size_t *n, struct cell_error *err)
{
	json_t *o;
	int r = get_obj(obj, key, path, &o, err);
	if (r < 0 || !o)
		return r;
	if (json_object_size(o) > max)
		return bad(err, path, "more than %zu entries", max);
	*keys = calloc(json_object_size(o) + 1, sizeof(char *));
	*vals = calloc(json_object_size(o) + 1, sizeof(char *));
	if (!*keys || !*vals)
		return cell_error_set(err, -ENOMEM, "out of memory");
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		if (!json_is_string(v) ||
		    json_string_length(v) > CELL_OCI_STR_MAX ||
		    strlen(k) > 256 ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return bad(err, path, "'%.64s' must map to a string "
				   "(key at most 256, value at most %d bytes)",
				   k, CELL_OCI_STR_MAX);
		(*keys)[*n] = k;
		(*vals)[*n] = json_string_value(v);
		(*n)++;
	}
	return 0;
}

static int parse_device_rules(json_t *res, struct cell_oci_resources *rs,
			      struct cell_error *err)
{
	json_t *a;
	int r = get_arr(res, "devices", "linux.resources.devices",
			ARRAY_SIZE(rs->devices), &a, err);
	if (r < 0 || !a)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char p[P_MAX];
		pathf(p, "linux.resources.devices[%zu]", i);
		if (!json_is_object(e))
			return bad(err, p, "must be an object");
		json_t *al = json_object_get(e, "allow");
		if (!json_is_boolean(al))
			return bad(err, p, "allow must be true or false");
		const char *type = NULL, *access = NULL;
		if ((r = get_str(e, "type", p, &type, err)) < 0 ||
		    (r = get_str(e, "access", p, &access, err)) < 0)
			return r;
		if (type && (strlen(type) != 1 || !strchr("acb", type[0])))
			return bad(err, p, "type must be a, c or b");
		if (access && (strlen(access) > 3 ||
			       strspn(access, "rwm") != strlen(access)))
			return bad(err, p, "access must be letters of rwm");
		long long maj = -1, min = -1;
		if ((r = get_int(e, "major", p, -1, 0xffffffffLL, &maj, NULL,
				 err)) < 0 ||
		    (r = get_int(e, "minor", p, -1, 0xffffffffLL, &min, NULL,
				 err)) < 0)
			return r;
		rs->devices[i].allow = json_is_true(al);
		rs->devices[i].type = type ? type[0] : 'a';
		rs->devices[i].major = (long)maj;
		rs->devices[i].minor = (long)min;
		snprintf(rs->devices[i].access, sizeof(rs->devices[i].access),
			 "%s", access ? access : "rwm");
		rs->ndevices = i + 1;
	}
	return 0;
}

static int parse_throttle(json_t *bio, const char *key, int kind,
			  struct cell_oci_resources *rs, struct cell_error *err)
{
	char p[P_MAX];
	pathf(p, "linux.resources.blockIO.%s", key);
	json_t *a;
	int r = get_arr(bio, key, p, 8, &a, err);
	if (r < 0 || !a)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (rs->nthrottle >= ARRAY_SIZE(rs->throttle))
			return bad(err, p, "too many throttle entries");
		long long maj = 0, min = 0, rate = 0;
		bool g1, g2, g3;
		if (!json_is_object(e))
			return bad(err, p, "[%zu] must be an object", i);
		if ((r = get_int(e, "major", p, 0, 0xfffff, &maj, &g1, err)) < 0 ||
		    (r = get_int(e, "minor", p, 0, 0xfffff, &min, &g2, err)) < 0 ||
		    (r = get_int(e, "rate", p, 0, INT64_MAX, &rate, &g3, err)) < 0)
			return r;
		if (!g1 || !g2 || !g3)
			return bad(err, p, "[%zu] needs major, minor and rate", i);
		rs->throttle[rs->nthrottle].kind = kind;
		rs->throttle[rs->nthrottle].major = (long)maj;
		rs->throttle[rs->nthrottle].minor = (long)min;
		rs->throttle[rs->nthrottle].rate = (uint64_t)rate;
		rs->nthrottle++;
	}
	return 0;
}

/* linux.resources (also the whole document of update --resources). */
static int parse_resources_obj(json_t *res, struct cell_oci_resources *rs,
			       struct cell_error *err)
{
	int r;
	json_t *o;
	long long v = 0;
	memset(rs, 0, sizeof(*rs));
	if ((r = get_obj(res, "memory", "linux.resources.memory", &o, err)) < 0)
		return r;
	if (o && (r = get_int(o, "limit", "linux.resources.memory.limit", -1,
			      INT64_MAX, &v, &rs->has_memory_limit, err)) < 0)
		return r;
	rs->memory_limit = v;
	/* memory + swap, as runc reads it: 0 leaves it as it is */
	v = 0;
	if (o && (r = get_int(o, "swap", "linux.resources.memory.swap", -1,
			      INT64_MAX, &v, &rs->has_memory_swap, err)) < 0)
		return r;
	rs->has_memory_swap &= v != 0;
	rs->memory_swap = v;
	if ((r = get_obj(res, "cpu", "linux.resources.cpu", &o, err)) < 0)
		return r;
	if (o) {
		if ((r = get_int(o, "shares", "linux.resources.cpu.shares", 0,
				 262144, &v, &rs->has_cpu_shares, err)) < 0)
			return r;
		rs->cpu_shares = (uint64_t)v;
		if ((r = get_int(o, "quota", "linux.resources.cpu.quota", -1,
				 INT64_MAX, &v, &rs->has_cpu_quota, err)) < 0)
			return r;
		rs->cpu_quota = v;
		if ((r = get_int(o, "period", "linux.resources.cpu.period", 0,
				 1000000, &v, &rs->has_cpu_period, err)) < 0)
			return r;
		rs->cpu_period = (uint64_t)v;
		const char *s;
		if ((r = get_str(o, "cpus", "linux.resources.cpu.cpus", &s,
				 err)) < 0)
			return r;
		if (s && *s)
			return bad(err, "linux.resources.cpu.cpus", "cpusets "
				   "are not supported");
		if ((r = get_str(o, "mems", "linux.resources.cpu.mems", &s,
				 err)) < 0)
			return r;
		if (s && *s)
			return bad(err, "linux.resources.cpu.mems", "cpusets "
				   "are not supported");
		if (json_integer_value(json_object_get(o, "realtimeRuntime")) ||
		    json_integer_value(json_object_get(o, "realtimePeriod")))
			return bad(err, "linux.resources.cpu", "realtime "
				   "scheduling limits are not supported");
	}
	if ((r = get_obj(res, "pids", "linux.resources.pids", &o, err)) < 0)
		return r;
	if (o && (r = get_int(o, "limit", "linux.resources.pids.limit",
			      INT64_MIN + 1, INT64_MAX, &v, &rs->has_pids_limit,
			      err)) < 0)
		return r;
	rs->pids_limit = v;
	if ((r = get_obj(res, "blockIO", "linux.resources.blockIO", &o, err)) < 0)
		return r;
	if (o) {
		if ((r = get_int(o, "weight", "linux.resources.blockIO.weight", 0,
				 10000, &v, &rs->has_blkio_weight, err)) < 0)
			return r;
		rs->blkio_weight = (unsigned)v;
		if (rs->has_blkio_weight && v == 0)
			rs->has_blkio_weight = false;
		json_t *wd = json_object_get(o, "weightDevice");
		if (json_array_size(wd))
			return bad(err, "linux.resources.blockIO.weightDevice",
				   "per-device weights are not supported");
		/* enum cell_cgroup_res: 5..8 are read/write bps/iops */
		if ((r = parse_throttle(o, "throttleReadBpsDevice", 5, rs,
					err)) < 0 ||
		    (r = parse_throttle(o, "throttleWriteBpsDevice", 6, rs,
					err)) < 0 ||
		    (r = parse_throttle(o, "throttleReadIOPSDevice", 7, rs,
					err)) < 0 ||
		    (r = parse_throttle(o, "throttleWriteIOPSDevice", 8, rs,
					err)) < 0)
			return r;
	}
	json_t *a;
	if ((r = get_arr(res, "hugepageLimits", "linux.resources.hugepageLimits",
			 16, &a, err)) < 0)
		return r;
	rs->nhugepages = a ? json_array_size(a) : 0;
	if ((r = get_obj(res, "unified", "linux.resources.unified", &o, err)) < 0)
		return r;
	if (o) {
		const char *k;
		json_t *val;
		json_object_foreach(o, k, val) {
			if (rs->nunified >= ARRAY_SIZE(rs->unified_key))
				return bad(err, "linux.resources.unified",
					   "too many entries");
			if (!json_is_string(val) ||
			    json_string_length(val) > CELL_OCI_STR_MAX)
				return bad(err, "linux.resources.unified",
					   "'%.64s' must map to a string", k);
			rs->unified_key[rs->nunified] = k;
			rs->unified_val[rs->nunified++] = json_string_value(val);
		}
	}
	if (json_object_get(res, "network"))
		return bad(err, "linux.resources.network", "classID and "
			   "priorities are not supported");
	if (json_object_get(res, "rdma"))
		return bad(err, "linux.resources.rdma", "is not supported");
	return parse_device_rules(res, rs, err);
}

static int parse_devices(json_t *lx, struct cell_oci_config *c,
			 struct cell_error *err)
{
	json_t *a;
	int r = get_arr(lx, "devices", "linux.devices", ARRAY_SIZE(c->devices),
			&a, err);
	if (r < 0 || !a)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char p[P_MAX];
		pathf(p, "linux.devices[%zu]", i);
		if (!json_is_object(e))
			return bad(err, p, "must be an object");
		const char *type, *path;
		if ((r = get_str(e, "type", p, &type, err)) < 0 ||
		    (r = get_str(e, "path", p, &path, err)) < 0)
			return r;
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
			return bad(err, p, "type must be c, b, u or p");
		if (!abs_path(path))
			return bad(err, p, "path must be absolute");
		long long maj = 0, min = 0;
		if ((r = get_int(e, "major", p, 0, 0xfffff, &maj, NULL, err)) < 0 ||
		    (r = get_int(e, "minor", p, 0, 0xfffff, &min, NULL, err)) < 0)
			return r;
		long long mode = -1, uid = -1, gid = -1;
		if ((r = get_int(e, "fileMode", p, 0, 0177777, &mode, NULL,
				 err)) < 0 ||
		    (r = get_int(e, "uid", p, 0, UINT32_MAX - 1, &uid, NULL,
				 err)) < 0 ||
		    (r = get_int(e, "gid", p, 0, UINT32_MAX - 1, &gid, NULL,
				 err)) < 0)
			return r;
		c->devices[i].mode = mode;
		c->devices[i].uid = uid;
		c->devices[i].gid = gid;
		c->devices[i].type = type[0] == 'u' ? 'c' : type[0];
		c->devices[i].major = (long)maj;
		c->devices[i].minor = (long)min;
		c->devices[i].path = path;
		c->ndevices = i + 1;
	}
	return 0;
}


/* linux.timeOffsets: {"monotonic"|"boottime": {secs, nanosecs}} */
static int time_offsets(json_t *lx, struct cell_oci_config *c,
			struct cell_error *err)
{
	static const char *const clocks[2] = { "monotonic", "boottime" };
	json_t *o;
	int r = get_obj(lx, "timeOffsets", "linux.timeOffsets", &o, err);
	if (r < 0 || !o)
		return r;
	c->has_time_offsets = true;
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		int k = !strcmp(key, clocks[0]) ? 0
			: !strcmp(key, clocks[1]) ? 1 : -1;
		char p[64];
		snprintf(p, sizeof(p), "linux.timeOffsets.%.32s", key);
		if (k < 0)
			return bad(err, p, "unknown clock (monotonic, "
				   "boottime)");
		if (!json_is_object(v))
			return bad(err, p, "must be an object");
		long long s = 0, ns = 0;
		char ps[80], pn[80];
		snprintf(ps, sizeof(ps), "%s.secs", p);
		snprintf(pn, sizeof(pn), "%s.nanosecs", p);
		if ((r = get_int(v, "secs", ps, -9223372036LL, 9223372036LL,
				 &s, NULL, err)) < 0 ||
		    (r = get_int(v, "nanosecs", pn, 0, 999999999, &ns, NULL,
				 err)) < 0)
			return r;
		c->time_secs[k] = s;
		c->time_nsecs[k] = (unsigned long)ns;
	}
	return 0;
}

/* linux.uidMappings / gidMappings: [{containerID, hostID, size}, ...] */
#define CELL_OCI_IDMAP_MAX 16
static int id_mappings(json_t *lx, const char *key, const char *where,
		       char (**out)[64], size_t *n, struct cell_error *err)
{
	*out = NULL;
	*n = 0;
	char path[96];
	snprintf(path, sizeof(path), "%s.%s", where, key);
	json_t *a = json_object_get(lx, key);
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return bad(err, path, "must be an array");
	size_t cnt = json_array_size(a);
	if (cnt > CELL_OCI_IDMAP_MAX)
		return bad(err, path, "at most %d entries",
			   CELL_OCI_IDMAP_MAX);
	if (!cnt)
		return 0;
	char (*v)[64] = calloc(cnt, sizeof(*v));
	if (!v)
		return cell_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cnt; i++) {
		json_t *e = json_array_get(a, i);
		char ep[128];
		snprintf(ep, sizeof(ep), "%s[%zu]", path, i);
		long long in = 0, out2 = 0, size = 0;
		bool g1, g2, g3;
		int r = json_is_object(e) ? 0 : bad(err, ep, "must be an object");
		if (r == 0)
			r = get_int(e, "containerID", ep, 0, UINT32_MAX - 1,
				    &in, &g1, err);
		if (r == 0)
			r = get_int(e, "hostID", ep, 0, UINT32_MAX - 1, &out2,
				    &g2, err);
		if (r == 0)
			r = get_int(e, "size", ep, 1, UINT32_MAX, &size, &g3,
				    err);
		if (r == 0 && !(g1 && g2 && g3))
			r = bad(err, ep, "containerID, hostID and size are "
				"required");
		if (r < 0) {
			free(v);
			return r;
		}
		snprintf(v[i], sizeof(v[i]), "%lld:%lld:%lld", in, out2, size);
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int parse_linux(json_t *root, struct cell_oci_config *c,
		       struct cell_error *err)
{
	json_t *lx;
	int r = get_obj(root, "linux", "linux", &lx, err);
	if (r < 0)
		return r;
	if (!lx)
		return bad(err, "linux", "is required on Linux");
	if ((r = parse_namespaces(lx, c, err)) < 0)
		return r;
	if ((r = id_mappings(lx, "uidMappings", "linux", &c->uid_maps,
			     &c->nuid_maps, err)) < 0 ||
	    (r = id_mappings(lx, "gidMappings", "linux", &c->gid_maps,
			     &c->ngid_maps, err)) < 0)
		return r;
	c->has_id_mappings = c->nuid_maps || c->ngid_maps;
	if ((r = get_str(lx, "cgroupsPath", "linux.cgroupsPath",
			 &c->cgroups_path, err)) < 0)
		return r;
	if ((r = parse_kv_object(lx, "sysctl", "linux.sysctl",
				 CELL_OCI_SYSCTL_MAX, &c->sysctl_key,
				 &c->sysctl_val, &c->nsysctl, err)) < 0)
		return r;
	if ((r = get_strv(lx, "maskedPaths", "linux.maskedPaths",
			  CELL_OCI_PATHS_MAX, (char ***)&c->masked_paths,
			  &c->nmasked, err)) < 0)
		return r;
	if ((r = get_strv(lx, "readonlyPaths", "linux.readonlyPaths",
			  CELL_OCI_PATHS_MAX, (char ***)&c->readonly_paths,
			  &c->nreadonly, err)) < 0)
		return r;
	if ((r = get_str(lx, "rootfsPropagation", "linux.rootfsPropagation",
			 &c->rootfs_propagation, err)) < 0)
		return r;
	if ((r = get_str(lx, "mountLabel", "linux.mountLabel", &c->mount_label,
			 err)) < 0)
		return r;
	c->has_intel_rdt = json_object_get(lx, "intelRdt") != NULL;
	if ((r = time_offsets(lx, c, err)) < 0)
		return r;
	json_t *o;
	if ((r = get_obj(lx, "personality", "linux.personality", &o, err)) < 0)
		return r;
	if (o) {
		if ((r = get_str(o, "domain", "linux.personality.domain",
				 &c->personality, err)) < 0)
			return r;
		if (!c->personality)
			return bad(err, "linux.personality.domain",
				   "is required");
		json_t *fl = json_object_get(o, "flags");
		if (json_array_size(fl))
			return bad(err, "linux.personality.flags",
				   "flags are not supported");
	}
	if ((r = parse_devices(lx, c, err)) < 0)
		return r;
	if ((r = get_obj(lx, "resources", "linux.resources", &o, err)) < 0)
		return r;
	if (o) {
		c->has_resources = true;
		if ((r = parse_resources_obj(o, &c->res, err)) < 0)
			return r;
	}
	if ((r = get_obj(lx, "seccomp", "linux.seccomp", &o, err)) < 0)
		return r;
	c->seccomp = o;
	if (json_object_get(lx, "netDevices"))
		return bad(err, "linux.netDevices", "is not supported; use the "
			   "annotation org.cell.jail.vnet.interface");
	if (json_object_get(lx, "memoryPolicy"))
		return bad(err, "linux.memoryPolicy", "is not supported");
	return 0;
}

/* --- the document ------------------------------------------------------ */

/*
 * The runtime-spec has uint64 fields (process.rlimits hard/soft,
 * linux.seccomp args value/valueTwo ...) and engines write their top
 * values: Docker's --ulimit core=-1 gives 18446744073709551615
 * (RLIM_INFINITY). jansson's integers are int64 and it refuses such a
 * literal ("too big integer"). A copy of the text with every integer
 * literal in (INT64_MAX, UINT64_MAX] written as the int64 of the same
 * 64 bits (-(2^64 - v)) parses, and what reads a uint64 field casts it
 * back to the very value (RLIM_INFINITY is -1, as engines that cannot
 * write it already do); a signed field sees a negative number, which its
 * range check refuses or reads as unlimited, as for -1. Only literals
 * outside strings are touched; each gains at most one byte (a '-'), so
 * the copy is bounded by the text's size. NULL (and *out_len 0) when
 * the text has no such literal: it is parsed as it is.
 */
static char *widen_uint64(const char *text, size_t len, size_t *out_len)
{
	*out_len = 0;
	/* a literal above INT64_MAX has 19 or 20 digits: none, no copy */
	size_t run = 0;
	bool any = false;
	for (size_t i = 0; i < len && !any; i++) {
		run = text[i] >= '0' && text[i] <= '9' ? run + 1 : 0;
		any = run >= 19;
	}
	if (!any)
		return NULL;
	char *out = malloc(len + len / 19 + 2);
	if (!out)
		return NULL;
	size_t o = 0;
	bool in_str = false;
	for (size_t i = 0; i < len;) {
		char ch = text[i];
		if (in_str) {
			out[o++] = ch;
			i++;
			if (ch == '\\' && i < len)
				out[o++] = text[i++];
			else if (ch == '"')
				in_str = false;
			continue;
		}
		if (ch == '"') {
			in_str = true;
			out[o++] = text[i++];
			continue;
		}
		if ((ch < '0' || ch > '9') && ch != '-') {
			out[o++] = text[i++];
			continue;
		}
		/* a number token (a negative one is copied as it is) */
		size_t end = i;
		while (end < len && ((text[end] >= '0' && text[end] <= '9') ||
				     strchr(".eE+-", text[end])))
			end++;
		size_t n = end - i;
		bool digits = true;
		for (size_t k = i; k < end; k++)
			digits &= text[k] >= '0' && text[k] <= '9';
		char num[32];
		if (digits && n >= 19 && n <= 20 && text[i] != '0') {
			memcpy(num, text + i, n);
			num[n] = '\0';
			errno = 0;
			unsigned long long v = strtoull(num, NULL, 10);
			if (!errno && v > (unsigned long long)INT64_MAX) {
				o += (size_t)sprintf(out + o, "-%llu",
						     -v); /* 2^64 - v */
				i = end;
				continue;
			}
		}
		memcpy(out + o, text + i, n);
		o += n;
		i = end;
	}
	*out_len = o;
	return out;
}

static json_t *load_json(const char *text, size_t len, struct cell_error *err)
{
	if (len > CELL_OCI_CONFIG_MAX) {
		cell_error_set(err, -EFBIG, "config: larger than %u bytes",
			       CELL_OCI_CONFIG_MAX);
		return NULL;
	}
	json_error_t je;
	size_t wlen;
	_cleanup_free_ char *wide = widen_uint64(text, len, &wlen);
	if (wide) {
		text = wide;
		len = wlen;
	}
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		cell_error_set(err, -EINVAL, "invalid JSON at line %d column "
			       "%d: %s", je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		cell_error_set(err, -EINVAL, "(root): must be an object");
		return NULL;
	}
	return root;
}

int cell_oci_config_parse(const char *text, size_t len, const char *bundle,
			  struct cell_oci_config *c, struct cell_error *err)
{
	memset(c, 0, sizeof(*c));
	c->umask = -1;
	json_t *root = load_json(text, len, err);
	if (!root)
		return err ? err->code : -EINVAL;
	c->json = root;
	int r;
	if ((r = get_str(root, "ociVersion", "ociVersion", &c->oci_version,
			 err)) < 0)
		return r;
	if (!c->oci_version)
		return bad(err, "ociVersion", "is required");
	/* SemVer 1.x: the spec keeps 1.x compatible */
	if (strncmp(c->oci_version, "1.", 2))
		return bad(err, "ociVersion", "'%.32s' is not a 1.x version",
			   c->oci_version);
	json_t *rt;
	if ((r = get_obj(root, "root", "root", &rt, err)) < 0)
		return r;
	if (!rt)
		return bad(err, "root", "is required on Linux");
	if ((r = get_str(rt, "path", "root.path", &c->root_path, err)) < 0)
		return r;
	if (!c->root_path || !c->root_path[0])
		return bad(err, "root.path", "is required");
	if ((r = get_bool(rt, "readonly", "root.readonly", &c->root_readonly,
			  err)) < 0)
		return r;
	int n;
	if (c->root_path[0] == '/')
		n = snprintf(c->rootfs, sizeof(c->rootfs), "%s", c->root_path);
	else
		n = snprintf(c->rootfs, sizeof(c->rootfs), "%s/%s",
			     bundle ? bundle : ".", c->root_path);
	if (n < 0 || (size_t)n >= sizeof(c->rootfs))
		return bad(err, "root.path", "too long");
	/* "rootfs/" and "/x/rootfs/" name the same root as without '/' */
	while (n > 1 && c->rootfs[n - 1] == '/')
		c->rootfs[--n] = '\0';
	json_t *proc;
	if ((r = get_obj(root, "process", "process", &proc, err)) < 0)
		return r;
	if (proc && (r = parse_process_obj(proc, c, true, err)) < 0)
		return r;
	if ((r = get_str(root, "hostname", "hostname", &c->hostname, err)) < 0)
		return r;
	if ((r = get_str(root, "domainname", "domainname", &c->domainname,
			 err)) < 0)
		return r;
	if ((r = parse_mounts(root, c, err)) < 0)
		return r;
	if ((r = parse_hooks(root, c, err)) < 0)
		return r;
	char **ak = NULL, **av = NULL;
	r = parse_kv_object(root, "annotations", "annotations",
			    CELL_OCI_ANNOT_MAX, (const char ***)&ak,
			    (const char ***)&av, &c->nannot, err);
	c->annot_key = (const char **)ak;
	c->annot_val = (const char **)av;
	if (r < 0)
		return r;
	return parse_linux(root, c, err);
}

int cell_oci_config_load(const char *bundle, struct cell_oci_config *c,
			 struct cell_error *err)
{
	char path[4096];
	memset(c, 0, sizeof(*c));
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >=
	    (int)sizeof(path))
		return cell_error_set(err, -ENAMETOOLONG, "bundle path too long");
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = cell_read_file(path, CELL_OCI_CONFIG_MAX, &text, &len);
	if (r < 0) {
		if (r == -EFBIG || r == -E2BIG)
			cell_error_set(err, r, "larger than %u bytes",
				       CELL_OCI_CONFIG_MAX);
		else
			cell_error_errno(err, r, "cannot read");
		cell_error_context(err, NULL, "config", path);
		return r;
	}
	r = cell_oci_config_parse(text, len, bundle, c, err);
	if (r < 0) {
		cell_error_context(err, NULL, "config", path);
		return r;
	}
	c->text = TAKE_PTR(text);
	c->text_len = len;
	return 0;
}

int cell_oci_process_parse(const char *text, size_t len,
			   struct cell_oci_config *c, struct cell_error *err)
{
	memset(c, 0, sizeof(*c));
	c->umask = -1;
	json_t *root = load_json(text, len, err);
	if (!root)
		return err ? err->code : -EINVAL;
	c->json = root;
	return parse_process_obj(root, c, true, err);
}

int cell_oci_resources_parse(const char *text, size_t len,
			     struct cell_oci_resources *r, void **json,
			     struct cell_error *err)
{
	*json = NULL;
	json_t *root = load_json(text, len, err);
	if (!root)
		return err ? err->code : -EINVAL;
	*json = root;
	return parse_resources_obj(root, r, err);
}

void *cell_oci_config_annotations(const struct cell_oci_config *c)
{
	json_t *a = c->json ? json_object_get(c->json, "annotations") : NULL;
	return json_is_object(a) ? json_incref(a) : NULL;
}

void cell_oci_config_free(struct cell_oci_config *c)
{
	free(c->text);
	c->text = NULL;
	free(c->uid_maps);
	free(c->gid_maps);

	free(c->groups);
	free(c->args);
	free(c->env);
	free(c->exec_env);
	free(c->home_var);
	for (size_t i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].options);
		free(c->mounts[i].uid_maps);
		free(c->mounts[i].gid_maps);
	}
	free(c->mounts);
	for (int k = 0; k < CELL_OCI_HOOK_KINDS; k++) {
		for (size_t i = 0; i < c->nhooks[k]; i++) {
			free(c->hooks[k][i].args);
			free(c->hooks[k][i].env);
		}
		free(c->hooks[k]);
	}
	free(c->annot_key);
	free(c->annot_val);
	free(c->sysctl_key);
	free(c->sysctl_val);
	free(c->masked_paths);
	free(c->readonly_paths);
	json_decref(c->json);
	memset(c, 0, sizeof(*c));
	c->umask = -1;
}

void cell_oci_logf(const struct cell_oci_log *log, enum cell_oci_level lvl,
		   const char *fmt, ...)
{
	if (!log || !log->fn)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log->fn(log->arg, lvl, buf);
}
