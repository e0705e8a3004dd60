/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * struct cell_oci_config → struct cell_jail + struct cell_exec.
 *
 * The jail is filled only through cell_param_set(), as jail -c and
 * jail.conf fill it, so an OCI container gets exactly the boundary the
 * same parameters give a jail: the policy table, not this file, decides
 * what the container may do. What a config asks that this boundary
 * cannot give is refused here with the JSON path in the message (see
 * docs/oci.md for the list and the reasons); what may be dropped because
 * dropping only narrows the container is logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <sys/capability.h>

#include "cleanup.h"
#include "util.h"
#include "oci/oci.h"
#include "param.h"
#include "policy.h"

static const struct {
	const char *name;
	int res;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

int cell_oci_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (!strcmp(name, rlimit_names[i].name))
			return rlimit_names[i].res;
	return -EINVAL;
}

int cell_oci_cap_from_name(const char *name)
{
	cap_value_t v;
	if (!name || strncmp(name, "CAP_", 4) || cap_from_name(name, &v) < 0 ||
	    v < 0 || v > 63)
		return -EINVAL;
	return (int)v;
}

static int set(struct cell_jail *j, const char *name, const char *value,
	       bool append, const char *json_path, struct cell_error *err)
{
	int r = cell_param_set(j, name, value, append, err);
	if (r < 0 && json_path && err) {
		char m[CELL_ERR_MSG_MAX];
		snprintf(m, sizeof(m), "%s", err->msg);
		snprintf(err->msg, sizeof(err->msg), "%.100s: %.400s",
			 json_path, m);
	}
	return r;
}

/* A list item of a cell.* parameter: those lists split on commas. */
static int no_comma(const char *v, const char *json_path,
		    struct cell_error *err)
{
	if (strchr(v, ','))
		return cell_error_set(err, -EINVAL, "%s: '%.64s': a comma is "
				      "not supported here", json_path, v);
	return 0;
}

/* --- namespaces -------------------------------------------------------- */

static int namespaces(const struct cell_oci_config *c,
		      const struct cell_oci_opts *o, struct cell_jail *j,
		      struct cell_error *err)
{
	static const struct { int ns; const char *name; } always[] = {
		{ CELL_OCI_NS_PID, "pid" }, { CELL_OCI_NS_MOUNT, "mount" },
	};
	int r;
	for (size_t i = 0; i < ARRAY_SIZE(always); i++) {
		if (!c->ns_present[always[i].ns])
			return cell_error_set(err, -EINVAL, "linux.namespaces: "
					      "a %s namespace is required: a "
					      "jail always has its own",
					      always[i].name);
		if (c->ns_path[always[i].ns])
			return cell_error_set(err, -EOPNOTSUPP,
					      "linux.namespaces: joining a %s "
					      "namespace by path is not "
					      "supported (a jail always makes "
					      "its own%s)", always[i].name,
					      always[i].ns == CELL_OCI_NS_PID
					      ? "; podman pods: leave pid out "
						"of --share" : "");
	}
	/* user: a namespace of the jail's own with the config's maps
	 * (cell.uidmap / cell.gidmap); joining one by path is not done */
	if (c->ns_path[CELL_OCI_NS_USER])
		return cell_error_set(err, -EOPNOTSUPP, "linux.namespaces: "
				      "joining a user namespace by path is not "
				      "supported");
	if (c->has_id_mappings && !c->ns_present[CELL_OCI_NS_USER])
		return cell_error_set(err, -EINVAL, "linux.uidMappings: "
				      "mappings need a user namespace in "
				      "linux.namespaces");
	if (c->ns_present[CELL_OCI_NS_USER]) {
		if (!c->nuid_maps || !c->ngid_maps)
			return cell_error_set(err, -EINVAL, "linux.namespaces: "
					      "a user namespace needs "
					      "uidMappings and gidMappings");
		for (size_t i = 0; i < c->nuid_maps; i++)
			if ((r = set(j, "cell.uidmap", c->uid_maps[i], i > 0,
				     "linux.uidMappings", err)) < 0)
				return r;
		for (size_t i = 0; i < c->ngid_maps; i++)
			if ((r = set(j, "cell.gidmap", c->gid_maps[i], i > 0,
				     "linux.gidMappings", err)) < 0)
				return r;
	}
	if (c->ns_path[CELL_OCI_NS_CGROUP])
		return cell_error_set(err, -EOPNOTSUPP, "linux.namespaces: "
				      "joining a cgroup namespace by path is "
				      "not supported");
	if (!c->ns_present[CELL_OCI_NS_CGROUP])
		cell_oci_logf(&o->log, CELL_OCI_DEBUG, "no cgroup namespace "
			      "asked: the jail gets its own anyway");
	/* time: the jail's own (cell.timens), with linux.timeOffsets */
	if (c->ns_path[CELL_OCI_NS_TIME])
		return cell_error_set(err, -EOPNOTSUPP, "linux.namespaces: "
				      "joining a time namespace by path is not "
				      "supported");
	if (c->has_time_offsets && !c->ns_present[CELL_OCI_NS_TIME])
		return cell_error_set(err, -EINVAL, "linux.timeOffsets: "
				      "offsets need a time namespace in "
				      "linux.namespaces");
	if (c->ns_present[CELL_OCI_NS_TIME]) {
		static const char *const param[2] = {
			"cell.timens.monotonic", "cell.timens.boottime"
		};
		if ((r = set(j, "cell.timens", "true", false,
			     "linux.namespaces", err)) < 0)
			return r;
		for (int k = 0; k < 2; k++) {
			if (!c->time_secs[k] && !c->time_nsecs[k])
				continue;
			/* secs + nanosecs/1e9 as [-]SECONDS.FRACTION */
			char v[48];
			long long s = c->time_secs[k];
			unsigned long ns = c->time_nsecs[k];
			if (s >= 0)
				snprintf(v, sizeof(v), "%lld.%09lu", s, ns);
			else if (!ns)
				snprintf(v, sizeof(v), "%lld", s);
			else
				snprintf(v, sizeof(v), "-%lld.%09lu", -s - 1,
					 1000000000UL - ns);
			if ((r = set(j, param[k], v, false,
				     "linux.timeOffsets", err)) < 0)
				return r;
		}
	}

	/* network: none = the host's stack, as FreeBSD's ip4=inherit */
	if (c->ns_present[CELL_OCI_NS_NETWORK]) {
		if (c->ns_path[CELL_OCI_NS_NETWORK])
			r = set(j, "cell.netns", c->ns_path[CELL_OCI_NS_NETWORK],
				false, "linux.namespaces[network].path", err);
		else
			r = set(j, "vnet", "true", false, NULL, err);
		if (r < 0)
			return r;
	}

	/* ipc: private System V IPC with a namespace, else the host's */
	const char *sysv = c->ns_present[CELL_OCI_NS_IPC] ? "new" : "inherit";
	static const char *const sysv_params[] = { "sysvmsg", "sysvsem",
						   "sysvshm" };
	for (size_t i = 0; i < ARRAY_SIZE(sysv_params); i++)
		if ((r = set(j, sysv_params[i], sysv, false, NULL, err)) < 0)
			return r;
	if (c->ns_path[CELL_OCI_NS_IPC] &&
	    (r = set(j, "cell.ipcns", c->ns_path[CELL_OCI_NS_IPC], false,
		     "linux.namespaces[ipc].path", err)) < 0)
		return r;

	/* uts */
	if (!c->ns_present[CELL_OCI_NS_UTS]) {
		if ((c->hostname && c->hostname[0]) ||
		    (c->domainname && c->domainname[0]))
			return cell_error_set(err, -EINVAL, "hostname: setting "
					      "a host or domain name needs a "
					      "uts namespace");
		return set(j, "host", "inherit", false, NULL, err);
	}
	if ((r = set(j, "host", "new", false, NULL, err)) < 0)
		return r;
	if (c->ns_path[CELL_OCI_NS_UTS] &&
	    (r = set(j, "cell.utsns", c->ns_path[CELL_OCI_NS_UTS], false,
		     "linux.namespaces[uts].path", err)) < 0)
		return r;
	if (c->hostname && c->hostname[0] &&
	    (r = set(j, "host.hostname", c->hostname, false, "hostname",
		     err)) < 0)
		return r;
	if (c->domainname && c->domainname[0] &&
	    (r = set(j, "host.domainname", c->domainname, false, "domainname",
		     err)) < 0)
		return r;
	return 0;
}

/* --- mounts ------------------------------------------------------------ */

/* Destinations cell builds itself from the jail's policy. */
static const char *const own_destinations[] = {
	"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
	"/sys/fs/cgroup", NULL,
};

/* Options that say nothing a cell mount can differ in: every mount in a
 * jail is private (enter.c step 5) and atime is left to the kernel. */
static const char *const dropped_options[] = {
	"private", "rprivate", "shared", "rshared", "slave", "rslave",
	"unbindable", "runbindable", "relatime", "norelatime", "noatime",
	"atime", "strictatime", "nostrictatime", "nodiratime", "diratime",
	"dev", "suid", "exec", "async", "sync", "lazytime", "nolazytime",
	"tmpcopyup", "rw", "defaults", "remount", "nosymfollow",
	"X-mount.mkdir", NULL,
};

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

static char *clean_path(const char *p)
{
	/* collapse "//" and drop a trailing "/": the same destination
	 * must compare equal to the list above */
	char *out = strdup(p);
	if (!out)
		return NULL;
	char *w = out;
	for (const char *s = p; *s; s++)
		if (!(*s == '/' && w > out && w[-1] == '/'))
			*w++ = *s;
	*w = '\0';
	if (w - out > 1 && w[-1] == '/')
		w[-1] = '\0';
	return out;
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || !s[2]))
			return true;
	return false;
}

/* fstab(5) field: blanks and backslashes as octal escapes, and a '#'
 * (first in a line it would make the mount a comment: a tmpfs whose
 * source was "#tmpfs" vanished) */
static int escape(char *out, size_t len, const char *s)
{
	size_t o = 0;
	for (; *s; s++) {
		if (o + 5 >= len)
			return -ENAMETOOLONG;
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\' ||
		    *s == '#')
			o += (size_t)snprintf(out + o, len - o, "\\%03o",
					      (unsigned char)*s);
		else
			out[o++] = *s;
	}
	out[o] = '\0';
	return 0;
}

static int mount_one(const struct cell_oci_config *c, size_t i,
		     const char *bundle, const struct cell_oci_log *log,
		     struct cell_jail *j, struct cell_error *err)
{
	const struct cell_oci_mount *m = &c->mounts[i];
	char jp[32];
	snprintf(jp, sizeof(jp), "mounts[%zu]", i);
	_cleanup_free_ char *dest = clean_path(m->destination);
	if (!dest)
		return cell_error_set(err, -ENOMEM, "out of memory");
	if (has_dotdot(dest))
		return cell_error_set(err, -EINVAL, "%s.destination: '%.64s' "
				      "holds \"..\"", jp, dest);
	if (in_list(own_destinations, dest)) {
		cell_oci_logf(log, CELL_OCI_DEBUG, "%s: %s %s skipped: cell "
			      "builds it from the jail's policy", jp, m->type,
			      dest);
		return 0;
	}
	if (!strcmp(dest, "/"))
		return cell_error_set(err, -EINVAL, "%s.destination: mounting "
				      "over the root is not supported", jp);
	const char *type = m->type;
	bool bind = !strcmp(type, "bind") || !strcmp(type, "rbind");
	for (size_t k = 0; k < m->noptions; k++)
		if (!strcmp(m->options[k], "bind") ||
		    !strcmp(m->options[k], "rbind"))
			bind = true;
	static const char *const refused[] = { "proc", "sysfs", "devpts",
					       "cgroup", "cgroup2", NULL };
	if (!bind && in_list(refused, type))
		return cell_error_set(err, -EOPNOTSUPP, "%s: a %s mount at "
				      "%.64s is not supported: cell mounts "
				      "%s only where its policy puts it", jp,
				      type, dest, type);
	if (!bind && !type[0])
		return cell_error_set(err, -EINVAL, "%s.type: required for a "
				      "mount that is not a bind mount", jp);

	/* options */
	char opts[1024] = "";
	size_t ol = 0;
	bool recursive = false;
	for (size_t k = 0; k < m->noptions; k++) {
		const char *op = m->options[k];
		const char *use = op;
		if (strpbrk(op, " \t\n\\#"))
			return cell_error_set(err, -EINVAL, "%s.options: '%.64s' "
					      "holds a blank, '\\' or '#'", jp,
					      op);
		if (!strcmp(op, "rbind"))
			recursive = true;
		if (in_list(dropped_options, op)) {
			if (!strcmp(op, "shared") || !strcmp(op, "rshared") ||
			    !strcmp(op, "slave") || !strcmp(op, "rslave"))
				cell_oci_logf(log, CELL_OCI_WARN, "%s: %s "
					      "propagation ignored: every "
					      "mount in a jail is private", jp,
					      op);
			continue;
		}
		/* recursive read-only etc.: the flag applies to the whole
		 * tree when the bind is recursive (rbind) */
		if (!strcmp(op, "rro") || !strcmp(op, "rnosuid") ||
		    !strcmp(op, "rnodev") || !strcmp(op, "rnoexec")) {
			use = op + 1;
			if (!recursive)
				cell_oci_logf(log, CELL_OCI_DEBUG, "%s: %s on a "
					      "non-recursive mount is %s", jp,
					      op, use);
		} else if (!strcmp(op, "rrw") || !strcmp(op, "rsuid") ||
			   !strcmp(op, "rdev") || !strcmp(op, "rexec") ||
			   !strncmp(op, "ratime", 6) ||
			   !strncmp(op, "rnoatime", 8) ||
			   !strcmp(op, "rrelatime") ||
			   !strcmp(op, "rstrictatime")) {
			continue;
		} else if (bind && strcmp(op, "ro") && strcmp(op, "nosuid") &&
			   strcmp(op, "nodev") && strcmp(op, "noexec") &&
			   strcmp(op, "bind") && strcmp(op, "rbind")) {
			return cell_error_set(err, -EINVAL, "%s.options: '%.64s' "
					      "is not a bind mount option cell "
					      "knows", jp, op);
		}
		int n = snprintf(opts + ol, sizeof(opts) - ol, "%s%s",
				 ol ? "," : "", use);
		if (n < 0 || (size_t)n >= sizeof(opts) - ol)
			return cell_error_set(err, -E2BIG, "%s.options: too "
					      "long", jp);
		ol += (size_t)n;
	}
	if (bind && !strstr(opts, "bind")) {
		int n = snprintf(opts + ol, sizeof(opts) - ol, "%sbind",
				 ol ? "," : "");
		if (n < 0 || (size_t)n >= sizeof(opts) - ol)
			return cell_error_set(err, -E2BIG, "%s.options: too "
					      "long", jp);
		ol += (size_t)n;
	}
	/* the mount point is made beneath the jail's root when missing
	 * (a directory, or an empty file for a source that is not one) */
	int n = snprintf(opts + ol, sizeof(opts) - ol, "%sX-mount.mkdir",
			 ol ? "," : "");
	if (n < 0 || (size_t)n >= sizeof(opts) - ol)
		return cell_error_set(err, -E2BIG, "%s.options: too long", jp);
	ol += (size_t)n;
	/* an idmapped bind: the core's X-mount.idmap, util-linux's layout
	 * (u:CONTAINER:HOST:SIZE ..., apart by \040 in the fstab line) */
	if (m->nuid_maps) {
		if (!bind)
			return cell_error_set(err, -EOPNOTSUPP, "%s: idmapped "
					      "mounts (uidMappings) are bind "
					      "mounts only", jp);
		n = snprintf(opts + ol, sizeof(opts) - ol, ",X-mount.idmap=");
		for (size_t k = 0; n >= 0 &&
		     (size_t)n < sizeof(opts) - ol &&
		     k < m->nuid_maps + m->ngid_maps; k++) {
			ol += (size_t)n;
			bool u = k < m->nuid_maps;
			n = snprintf(opts + ol, sizeof(opts) - ol, "%s%c:%s",
				     k ? "\\040" : "", u ? 'u' : 'g',
				     u ? m->uid_maps[k]
				       : m->gid_maps[k - m->nuid_maps]);
		}
		if (n < 0 || (size_t)n >= sizeof(opts) - ol)
			return cell_error_set(err, -E2BIG, "%s.options: too "
					      "long", jp);
	}

	/* source: a host path for bind mounts (relative to the bundle) */
	char src[4096];
	if (bind) {
		if (!m->source[0])
			return cell_error_set(err, -EINVAL, "%s.source: required "
					      "for a bind mount", jp);
		if (m->source[0] == '/')
			n = snprintf(src, sizeof(src), "%s", m->source);
		else
			n = snprintf(src, sizeof(src), "%s/%s", bundle,
				     m->source);
		if (n < 0 || (size_t)n >= sizeof(src))
			return cell_error_set(err, -ENAMETOOLONG, "%s.source: "
					      "too long", jp);
		struct stat st;
		if (stat(src, &st) < 0)
			return cell_error_errno(err, -errno, "%s.source: %.200s",
						jp, src);
	} else {
		snprintf(src, sizeof(src), "%s", m->source[0] ? m->source
							       : type);
	}
	char esrc[4096 * 2], edst[4096 * 2], host[8192];
	n = snprintf(host, sizeof(host), "%s%s", j->path, dest);
	if (n < 0 || (size_t)n >= sizeof(host) || escape(esrc, sizeof(esrc),
							 src) < 0 ||
	    escape(edst, sizeof(edst), host) < 0)
		return cell_error_set(err, -ENAMETOOLONG, "%s: path too long",
				      jp);
	char line[CELL_VALUE_MAX];
	n = snprintf(line, sizeof(line), "%s %s %s %s 0 0", esrc, edst,
		     bind ? "bind" : type, opts);
	if (n < 0 || (size_t)n >= sizeof(line))
		return cell_error_set(err, -E2BIG, "%s: the fstab line is "
				      "longer than %d bytes", jp,
				      CELL_VALUE_MAX);
	cell_oci_logf(log, CELL_OCI_DEBUG, "%s: mount=%s", jp, line);
	return set(j, "mount", line, true, jp, err);
}

/* --- devices ----------------------------------------------------------- */

static bool policy_has(const struct cell_policy *pol, char type, long maj,
		       long min)
{
	if (maj < 0 || min < 0)
		return false;
	for (size_t i = 0; i < pol->dev_n; i++)
		if (pol->dev[i].type == type &&
		    (long)pol->dev[i].major == maj &&
		    (long)pol->dev[i].minor == min)
			return true;
	if (type != 'c')
		return false;
	if (pol->dev_pts && ((maj == 5 && min == 2) || maj == 136))
		return true;
	/* /dev/tty, /dev/console: the terminal's slave, from devpts */
	return pol->dev_pts && maj == 5 && (min == 0 || min == 1);
}

/*
 * A linux.devices entry the jail's devfs already makes exactly so (path,
 * type, numbers, mode, owner root), from the ruleset or as a devpts node.
 */
static bool device_made(const struct cell_policy *pol,
			const struct cell_oci_config *c, size_t i,
			unsigned mode)
{
	const char *path = c->devices[i].path;
	long maj = c->devices[i].major, min = c->devices[i].minor;
	if (c->devices[i].uid > 0 || c->devices[i].gid > 0)
		return false;
	for (size_t k = 0; k < pol->dev_n; k++)
		if (pol->dev[k].type == c->devices[i].type &&
		    (long)pol->dev[k].major == maj &&
		    (long)pol->dev[k].minor == min &&
		    !strncmp(path, "/dev/", 5) &&
		    !strcmp(path + 5, pol->dev[k].name))
			return pol->dev[k].mode == mode && !pol->dev[k].uid &&
			       !pol->dev[k].gid;
	/* devpts's: the terminal's nodes */
	if (!policy_has(pol, c->devices[i].type, maj, min))
		return false;
	return maj == 136 ? !strncmp(path, "/dev/pts/", 9)
	       : maj == 5 && min == 2 ? !strcmp(path, "/dev/ptmx") ||
					!strcmp(path, "/dev/pts/ptmx")
	       : maj == 5 && min == 1 ? !strcmp(path, "/dev/console") : false;
}

/*
 * linux.devices: every node the jail's devfs does not already make as
 * asked goes into cell.devices (the core makes it in /dev and lets the
 * jail's device rules open it). A FIFO (type p) is not a device node.
 */
static int devices(const struct cell_oci_config *c,
		   const struct cell_oci_log *log, struct cell_jail *j,
		   struct cell_error *err)
{
	struct cell_policy pol;
	struct cell_error e2;
	if (cell_policy_derive(j, NULL, &pol, &e2) < 0)
		return 0; /* create reports it, with the jail's context */
	for (size_t i = 0; i < c->ndevices; i++) {
		char jp[48];
		snprintf(jp, sizeof(jp), "linux.devices[%zu]", i);
		if (c->devices[i].type == 'p')
			return cell_error_set(err, -EOPNOTSUPP, "%s: %.64s: "
					      "a FIFO (type p) is not supported",
					      jp, c->devices[i].path);
		/* runc's default mode; the type's bits are the type's */
		unsigned mode = c->devices[i].mode >= 0
					? (unsigned)c->devices[i].mode & 0777
					: 0666;
		if (device_made(&pol, c, i, mode))
			continue;
		char item[CELL_VALUE_MAX];
		if (snprintf(item, sizeof(item), "%s %c %ld:%ld %04o %lld:%lld",
			     c->devices[i].path, c->devices[i].type,
			     c->devices[i].major, c->devices[i].minor, mode,
			     c->devices[i].uid > 0 ? c->devices[i].uid : 0,
			     c->devices[i].gid > 0 ? c->devices[i].gid : 0) >=
		    (int)sizeof(item))
			return cell_error_set(err, -E2BIG, "%s: too long", jp);
		int r = set(j, "cell.devices", item, true, jp, err);
		if (r < 0)
			return r;
	}
	if (c->ndevices && cell_policy_derive(j, NULL, &pol, &e2) < 0)
		return 0;
	const struct cell_oci_resources *rs = &c->res;
	for (size_t i = 0; i < rs->ndevices; i++) {
		bool rw = strpbrk(rs->devices[i].access, "rw") != NULL;
		bool has = policy_has(&pol, rs->devices[i].type,
				      rs->devices[i].major,
				      rs->devices[i].minor);
		if (rs->devices[i].allow && rw && !has)
			cell_oci_logf(log, CELL_OCI_WARN, "linux.resources."
				      "devices[%zu]: %c %ld:%ld %s not granted:"
				      " the jail's devfs_ruleset %d governs "
				      "devices", i, rs->devices[i].type,
				      rs->devices[i].major,
				      rs->devices[i].minor,
				      rs->devices[i].access, j->devfs_ruleset);
		else if (!rs->devices[i].allow && has)
			return cell_error_set(err, -EOPNOTSUPP,
					      "linux.resources.devices[%zu]: "
					      "denying %c %ld:%ld, which the "
					      "jail's devfs_ruleset %d grants, "
					      "is not supported (choose a "
					      "smaller ruleset with "
					      "org.cell.jail.devfs_ruleset)", i,
					      rs->devices[i].type,
					      rs->devices[i].major,
					      rs->devices[i].minor,
					      j->devfs_ruleset);
	}
	return 0;
}

/* --- the jail ---------------------------------------------------------- */

#define ANNOT_PREFIX "org.cell.jail."

/* what the OCI config itself says: never an annotation's */
static bool refused_param(const char *param)
{
	return !strcmp(param, "name") || !strcmp(param, "path") ||
	       !strcmp(param, "jid") || !strcmp(param, "command") ||
	       !strncmp(param, "exec.", 5) || !strcmp(param, "persist");
}

int cell_oci_annotation_param_check(const char *param,
				    struct cell_error *err)
{
	if (!param || !param[0] || strlen(param) > 128)
		return cell_error_set(err, -EINVAL, "'%.64s': not a parameter "
				      "name", param ? param : "");
	if (refused_param(param))
		return cell_error_set(err, -EINVAL, "'%s' comes from the OCI "
				      "config and cannot be an annotation",
				      param);
	if (!cell_param_lookup(param) && strncmp(param, "meta.", 5) &&
	    strncmp(param, "env.", 4))
		return cell_error_set(err, -ENOENT, "unknown parameter '%s'",
				      param);
	return 0;
}

static bool annotation_allowed(const struct cell_oci_opts *o,
			       const char *param)
{
	for (size_t i = 0; o->jail_annotations && i < o->njail_annotations;
	     i++)
		if (o->jail_annotations[i] &&
		    !strcmp(o->jail_annotations[i], param))
			return true;
	return false;
}

static int refusals(const struct cell_oci_config *c,
		    const struct cell_oci_opts *o, struct cell_error *err)
{
	if (c->has_intel_rdt)
		return cell_error_set(err, -EOPNOTSUPP, "linux.intelRdt: Intel "
				      "RDT is not supported");
	if (c->personality && strcmp(c->personality, "LINUX") &&
	    strcmp(c->personality, "LINUX32"))
		return cell_error_set(err, -EINVAL, "linux.personality: "
				      "domain '%.32s' is not LINUX or LINUX32",
				      c->personality);
	if (c->rootfs_propagation && strcmp(c->rootfs_propagation, "private") &&
	    strcmp(c->rootfs_propagation, "rprivate"))
		cell_oci_logf(&o->log, CELL_OCI_WARN, "linux.rootfsPropagation "
			      "'%s' ignored: a jail's mounts are always "
			      "private", c->rootfs_propagation);
	if (c->mount_label && c->mount_label[0])
		cell_oci_logf(&o->log, CELL_OCI_WARN, "linux.mountLabel "
			      "ignored: cell does not use SELinux");
	if (c->res.nhugepages)
		return cell_error_set(err, -EOPNOTSUPP, "linux.resources."
				      "hugepageLimits: not supported");
	if (c->res.has_blkio_weight)
		return cell_error_set(err, -EOPNOTSUPP, "linux.resources."
				      "blockIO.weight: not supported (the "
				      "cgroup layer sets io limits only)");
	return 0;
}

int cell_oci_to_jail(const struct cell_oci_config *c,
		     const struct cell_oci_opts *o, struct cell_jail *j,
		     struct cell_error *err)
{
	int r;
	if (!o->id || !o->id[0])
		return cell_error_set(err, -EINVAL, "container id is empty");
	if (strchr(o->id, '.'))
		return cell_error_set(err, -EINVAL, "container id '%.64s': a "
				      "'.' would make it a child of jail "
				      "'%.*s' (cell's hierarchy separator)",
				      o->id, (int)(strchr(o->id, '.') - o->id),
				      o->id);
	if ((r = refusals(c, o, err)) < 0)
		return r;
	if ((r = set(j, "name", o->id, false, "container id", err)) < 0)
		return r;

	char root[PATH_MAX];
	if (!realpath(c->rootfs, root))
		return cell_error_errno(err, -errno, "root.path: %.200s",
					c->rootfs);
	struct stat st;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return cell_error_set(err, -ENOTDIR, "root.path: %.200s is not "
				      "a directory", root);
	if (!strcmp(root, "/"))
		return cell_error_set(err, -EINVAL, "root.path: the host's "
				      "root cannot be a container's root");
	if ((r = set(j, "path", root, false, "root.path", err)) < 0)
		return r;

	/* FreeBSD's defaults, said once more so that a reader of the
	 * record sees where an OCI container's values come from */
	if ((r = set(j, "persist", "false", false, NULL, err)) < 0 ||
	    (r = set(j, "devfs_ruleset", "4", false, NULL, err)) < 0 ||
	    (r = set(j, "enforce_statfs", "2", false, NULL, err)) < 0)
		return r;
	if ((r = namespaces(c, o, j, err)) < 0)
		return r;
	if (c->root_readonly &&
	    (r = set(j, "cell.root_readonly", "true", false, "root.readonly",
		     err)) < 0)
		return r;
	if (c->personality &&
	    (r = set(j, "cell.personality", strcmp(c->personality, "LINUX32")
						    ? "linux" : "linux32",
		     false, "linux.personality.domain", err)) < 0)
		return r;

	for (size_t i = 0; i < c->nsysctl; i++) {
		char kv[CELL_VALUE_MAX];
		char jp[300];
		snprintf(jp, sizeof(jp), "linux.sysctl.%.200s", c->sysctl_key[i]);
		if (snprintf(kv, sizeof(kv), "%s=%s", c->sysctl_key[i],
			     c->sysctl_val[i]) >= (int)sizeof(kv))
			return cell_error_set(err, -E2BIG, "%s: too long", jp);
		if ((r = no_comma(kv, jp, err)) < 0 ||
		    (r = set(j, "cell.sysctl", kv, true, jp, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < c->nmasked; i++)
		if ((r = no_comma(c->masked_paths[i], "linux.maskedPaths",
				  err)) < 0 ||
		    (r = set(j, "cell.masked_paths", c->masked_paths[i], true,
			     "linux.maskedPaths", err)) < 0)
			return r;
	for (size_t i = 0; i < c->nreadonly; i++)
		if ((r = no_comma(c->readonly_paths[i], "linux.readonlyPaths",
				  err)) < 0 ||
		    (r = set(j, "cell.readonly_paths", c->readonly_paths[i],
			     true, "linux.readonlyPaths", err)) < 0)
			return r;

	if (c->cgroups_path && c->cgroups_path[0]) {
		const char *p = c->cgroups_path;
		if (o->systemd_cgroup || (p[0] != '/' && strchr(p, ':')))
			return cell_error_set(err, -EOPNOTSUPP, "linux.cgroupsPath"
					      ": '%.64s': systemd cgroups "
					      "(slice:prefix:name) are not "
					      "supported; run without "
					      "--systemd-cgroup (podman: "
					      "--cgroup-manager=cgroupfs)", p);
		while (*p == '/')
			p++;
		if (*p && (r = set(j, "cell.cgroup", p, false,
				   "linux.cgroupsPath", err)) < 0)
			return r;
	} else if (o->systemd_cgroup) {
		return cell_error_set(err, -EOPNOTSUPP, "--systemd-cgroup: "
				      "systemd cgroups are not supported");
	}

	for (size_t i = 0; i < c->nmounts; i++)
		if ((r = mount_one(c, i, o->bundle ? o->bundle : "/", &o->log, j,
				   err)) < 0)
			return r;

	/* annotations last: they are the operator's word over defaults,
	 * but only for the parameters the operator opened to them */
	size_t pl = strlen(ANNOT_PREFIX);
	for (size_t i = 0; i < c->nannot; i++) {
		if (strncmp(c->annot_key[i], ANNOT_PREFIX, pl))
			continue;
		const char *param = c->annot_key[i] + pl;
		if (refused_param(param))
			return cell_error_set(err, -EINVAL, "annotations.%.100s: "
					      "'%s' comes from the OCI config "
					      "and cannot be an annotation",
					      c->annot_key[i], param);
		if (!annotation_allowed(o, param)) {
			/* not an error: images carry annotations for other
			 * runtimes and for other hosts' operators too */
			cell_oci_logf(&o->log, CELL_OCI_WARN, "annotations."
				      "%.100s ignored: the operator has not "
				      "allowed '%.100s' (cell-oci "
				      "--jail-annotations)", c->annot_key[i],
				      param);
			continue;
		}
		/* a list adds to what config.json said (mounts, masked
		 * paths ...), never replaces it */
		const struct cell_param *p = cell_param_lookup(param);
		bool append = p && (p->type == CELL_PT_LIST ||
				    p->type == CELL_PT_ARGV ||
				    p->type == CELL_PT_IP4 ||
				    p->type == CELL_PT_IP6);
		r = cell_param_set(j, param, c->annot_val[i], append, err);
		if (r < 0) {
			char m[CELL_ERR_MSG_MAX];
			snprintf(m, sizeof(m), "%s", err ? err->msg : "");
			return cell_error_set(err, r, "annotations.%.100s: %.380s",
					      c->annot_key[i], m);
		}
		cell_oci_logf(&o->log, CELL_OCI_DEBUG, "annotations.%.100s: "
			      "%s%s=%.200s", c->annot_key[i], param,
			      append ? "+" : "", c->annot_val[i]);
	}
	if ((r = cell_jail_validate(j, err)) < 0)
		return r;
	return devices(c, &o->log, j, err);
}

/* --- the process ------------------------------------------------------- */

/*
 * Without CAP_SYS_RESOURCE (some sandboxes run root without it) no one
 * can raise a hard limit above the runtime's own, and engines ask for
 * more (podman: 1048576 files). Such a limit is lowered to the one this
 * process has, with a warning: it only narrows what was asked.
 */
static void clamp_rlimits(struct cell_oci_config *c,
			  const struct cell_oci_log *log)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;
	if (caps)
		cap_get_flag(caps, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v);
	cap_free(caps);
	if (v == CAP_SET)
		return;
	for (size_t i = 0; i < c->nrlimits; i++) {
		struct rlimit own;
		struct rlimit *l = &c->rlimits[i].lim;
		if (getrlimit(c->rlimits[i].resource, &own) < 0 ||
		    l->rlim_max <= own.rlim_max)
			continue;
		cell_oci_logf(log, CELL_OCI_WARN, "process.rlimits: resource "
			      "%d hard limit %llu lowered to %llu (no "
			      "CAP_SYS_RESOURCE to raise it)",
			      c->rlimits[i].resource,
			      (unsigned long long)l->rlim_max,
			      (unsigned long long)own.rlim_max);
		l->rlim_max = own.rlim_max;
		if (l->rlim_cur > l->rlim_max)
			l->rlim_cur = l->rlim_max;
	}
}

/* the most of the root's /etc/passwd read: a home is found in the
 * first lines of any real one */
#define PASSWD_MAX (1u << 20)

/*
 * The regular file rel beneath rootfs, whole (at most max bytes, else
 * -EFBIG), into a malloc'd NUL-terminated *out. The root is the container's: its
 * owner (the image's publisher, the container's root at run time) may
 * have made rel a FIFO or a device, on which an open or a read would
 * block create and every exec for ever, or a symlink out of the root.
 * So rel is resolved beneath the root (RESOLVE_IN_ROOT, no magic
 * links, the last component not followed), opened O_PATH (no device's
 * open runs), checked to be a regular file, and only then opened for
 * reading, through the same inode, non-blocking.
 */
static int root_read(const char *rootfs, const char *rel, size_t max,
		     char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	_cleanup_close_ int rfd = open(rootfs, O_PATH | O_DIRECTORY |
				       O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT |
					   RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int pfd = (int)syscall(SYS_openat2, rfd, rel, &how,
					       sizeof(how));
	if (pfd < 0)
		return -errno;
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	_cleanup_close_ int fd = open(self, O_RDONLY | O_NONBLOCK |
				      O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return cell_read_fd(fd, max, out, len);
}

/* uid's home in the root's /etc/passwd (see root_read); "/" when there
 * is none, or no such regular file, as runc. */
static void passwd_home(const char *rootfs, uid_t uid, char *home,
			size_t len)
{
	snprintf(home, len, "/");
	if (!rootfs || !rootfs[0])
		return;
	_cleanup_free_ char *text = NULL;
	size_t n;
	if (root_read(rootfs, "etc/passwd", PASSWD_MAX, &text, &n) < 0)
		return;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* name:pw:uid:gid:gecos:home:shell */
		char *fld[7] = { 0 };
		char *p = line;
		int k = 0;
		for (; k < 7 && p; k++) {
			fld[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (k < 6 || !fld[2][0])
			continue;
		char *end;
		errno = 0;
		unsigned long u = strtoul(fld[2], &end, 10);
		if (*end || errno || u != uid)
			continue;
		if (fld[5][0] == '/' && strlen(fld[5]) < len)
			snprintf(home, len, "%s", fld[5]);
		break;
	}
}

/* process.env exactly, plus HOME from the root's passwd when the config
 * has none (runc's one addition: shells and most programs want it). */
static int exec_env(struct cell_oci_config *c, struct cell_error *err)
{
	size_t n = 0;
	bool has_home = false;
	for (; c->env && c->env[n]; n++)
		has_home |= !strncmp(c->env[n], "HOME=", 5);
	if (has_home)
		return 0;
	char home[PATH_MAX];
	passwd_home(c->rootfs, c->uid, home, sizeof(home));
	free(c->exec_env);
	free(c->home_var);
	c->exec_env = calloc(n + 2, sizeof(char *));
	if (!c->exec_env || asprintf(&c->home_var, "HOME=%s", home) < 0) {
		c->home_var = NULL;
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		c->exec_env[i] = c->env[i];
	c->exec_env[n] = c->home_var;
	return 0;
}

int cell_oci_to_exec(const struct cell_oci_config *c,
		     const struct cell_oci_opts *o, struct cell_exec *x,
		     struct sock_fprog *filter, struct cell_error *err)
{
	cell_exec_init(x);
	memset(filter, 0, sizeof(*filter));
	if (!c->has_process)
		return cell_error_set(err, -EINVAL, "process: is required to "
				      "create a container");
	x->argv = c->args;
	/* the environment is process.env (+ HOME), nothing of the core's */
	int r = exec_env((struct cell_oci_config *)c, err);
	if (r < 0)
		return r;
	x->envp = c->exec_env ? c->exec_env : c->env;
	x->clean_env = true;
	x->exact_env = true;
	x->cwd = c->cwd;
	x->uid_set = true;
	x->uid = c->uid;
	x->gid = c->gid;
	x->groups = c->groups;
	x->ngroups = c->ngroups;
	/* runc's default when the config says none */
	x->umask = c->umask >= 0 ? c->umask : 022;
	clamp_rlimits((struct cell_oci_config *)c, &o->log);
	x->rlimits = c->rlimits;
	x->rlimit_n = c->nrlimits;
	x->oom_score_adj_set = c->has_oom_score_adj;
	x->oom_score_adj = c->oom_score_adj;
	/* the bounding set and root's permitted set, each intersected with
	 * the jail's policy by the core (enter.c); root's exec makes its
	 * effective set its permitted one, as with runc */
	x->caps_set = true;
	x->caps = c->caps;
	x->caps_held = c->caps_prm;
	x->caps_inheritable = c->caps_inh;
	x->caps_ambient = c->caps_amb;
	/* as runc: the sets survive the change to a non-root user (whose
	 * exec then leaves it its ambient set, by the kernel's rules) */
	x->caps_keep = true;
	if (c->caps_amb & ~(c->caps_prm & c->caps_inh))
		cell_oci_logf(&o->log, CELL_OCI_WARN, "process.capabilities: "
			      "an ambient capability outside both permitted "
			      "and inheritable is not raised (the kernel's "
			      "rule)");
	x->console_rows = (unsigned short)c->rows;
	x->console_cols = (unsigned short)c->cols;
	if (!c->no_new_privileges)
		cell_oci_logf(&o->log, CELL_OCI_DEBUG, "process."
			      "noNewPrivileges false: cell sets no_new_privs "
			      "for every jailed process");
	if (c->apparmor_profile && c->apparmor_profile[0])
		cell_oci_logf(&o->log, CELL_OCI_WARN, "process.apparmorProfile "
			      "'%s' ignored: cell does not load AppArmor "
			      "profiles", c->apparmor_profile);
	if (c->selinux_label && c->selinux_label[0])
		cell_oci_logf(&o->log, CELL_OCI_WARN, "process.selinuxLabel "
			      "ignored: cell does not use SELinux");
	if (c->seccomp) {
		bool notify = false;
		r = cell_oci_seccomp_compile(c->seccomp, filter, &notify,
					     &o->log, err);
		if (r < 0)
			return r;
		if (filter->len)
			x->extra_filter = filter;
		/* the listener goes to create's caller; an exec's process
		 * (attach) gets none: its notified calls fail ENOSYS */
		x->extra_filter_listener = notify && filter->len;
	}
	return 0;
}
