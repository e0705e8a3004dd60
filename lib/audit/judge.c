/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell audit, the verdicts: each probe observation against the policy.
 *
 * The table below names, for every line the probe prints, the boundary it
 * tests and what decides the expected answer: a policy row (allowed iff
 * cell_policy_row_granted(), and, where the kernel wants a capability on
 * top of the system call, iff the policy also holds it), or a defense
 * that holds for every jail (the pid namespace, the masked paths, the
 * device cgroup, ...). Rows are found by their name in policy.c's table,
 * so a renamed row fails the audit's unit test rather than passing
 * silently.
 */
#include "audit/audit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "param.h"

#define CAPBIT(c) (1ULL << (c))

enum kind {
	K_DENY,      /* always denied; why names the defense */
	K_ROW,       /* allowed iff the row is granted (and needcap held) */
	K_SPECIAL,   /* judged in special() */
	K_INFO,      /* a fact */
};

struct check {
	const char *key;
	const char *label;
	enum kind kind;
	const char *row;     /* K_ROW: the policy row's "what" */
	int needcap;         /* K_ROW: capability the kernel also wants */
	const char *why;     /* K_DENY: the defense */
};

static const struct check checks[] = {
	/* processes */
	{ "proc.host_visible", "host processes visible", K_DENY, NULL, -1,
	  "own pid namespace, always" },
	{ "proc.signal_host", "signals to host processes", K_DENY, NULL, -1,
	  "own pid namespace, always" },
	{ "ptrace.child", "ptrace (own child)", K_ROW, "debugging (ptrace)",
	  -1, NULL },
	{ "ptrace.init", "ptrace of the jail's init", K_SPECIAL, NULL, -1,
	  NULL },
	{ "proc.init_mem", "write init's /proc/1/mem", K_SPECIAL, NULL, -1,
	  NULL },
	{ "proc.init_exe", "init's /proc/1/exe", K_SPECIAL, NULL, -1, NULL },
	{ "proc.self_exe_write", "overwrite /proc/self/exe (CVE-2019-5736)",
	  K_DENY, NULL, -1, "probe runs from a sealed memfd, always" },
	/* file system */
	{ "fs.escape_dotdot", "escape by ..", K_DENY, NULL, -1,
	  "pivot_root into path, always" },
	{ "fs.escape_proc_root", "escape by /proc/*/root", K_DENY, NULL, -1,
	  "own pid namespace and root, always" },
	{ "fs.escape_proc_cwd", "escape by /proc/*/cwd", K_DENY, NULL, -1,
	  "own pid namespace and root, always" },
	{ "fs.escape_symlink", "escape by symlink", K_DENY, NULL, -1,
	  "pivot_root into path, always" },
	{ "fs.escape_chroot", "escape by chroot in chroot", K_DENY, NULL, -1,
	  "pivot_root, old root detached, always" },
	{ "fs.open_by_handle", "open_by_handle_at", K_ROW,
	  "open by file handle", -1, NULL },
	{ "fs.inherited_fds", "descriptors passed in", K_DENY, NULL, -1,
	  "only stdio crosses, always" },
	{ "fs.abstract_unix", "host abstract unix sockets", K_SPECIAL, NULL,
	  -1, NULL },
	/* mounts and namespaces */
	/* mount(2) and umount2(2) are answered by the jail's agent for
	 * the file systems allow.mount.* name (pol->mount_fs) */
	{ "mount.mount", "mount (tmpfs)", K_SPECIAL, NULL, -1, NULL },
	{ "mount.umount", "umount (not a mount point)", K_SPECIAL, NULL, -1,
	  NULL },
	{ "mount.bind", "bind mount of /", K_SPECIAL, NULL, -1, NULL },
	{ "mount.open_tree", "open_tree clone", K_ROW, "mounts",
	  CAP_SYS_ADMIN, NULL },
	{ "mount.pivot_root", "pivot_root", K_ROW, "pivot_root", -1, NULL },
	{ "ns.unshare", "unshare (8 namespace kinds)", K_ROW,
	  "new namespaces", -1, NULL },
	{ "ns.setns", "setns", K_ROW, "new namespaces", -1, NULL },
	{ "ns.userns_clone", "new user namespace (clone)", K_ROW,
	  "new namespaces", -1, NULL },
	{ "ns.clone3", "clone3 (flags hidden from seccomp)", K_ROW,
	  "clone3 (flags unreadable by seccomp: ENOSYS, libc falls back)", -1,
	  NULL },
	/* /proc and /sys */
	{ "proc.sysrq_trigger", "/proc/sysrq-trigger write", K_DENY, NULL, -1,
	  "masked, always" },
	{ "proc.core_pattern", "/proc/sys/kernel/core_pattern write", K_DENY,
	  NULL, -1, "/proc/sys read-only, always" },
	{ "proc.sys_write", "/proc/sys write", K_DENY, NULL, -1,
	  "/proc/sys read-only, always" },
	{ "proc.kcore", "/proc/kcore read", K_DENY, NULL, -1,
	  "masked, always" },
	{ "proc.kallsyms", "kernel addresses (/proc/kallsyms)", K_DENY, NULL,
	  -1, "masked, always" },
	{ "proc.kmsg", "/proc/kmsg read", K_DENY, NULL, -1, "masked, always" },
	{ "proc.keys", "/proc/keys read", K_DENY, NULL, -1, "masked, always" },
	{ "sys.kernel", "/sys/kernel write", K_DENY, NULL, -1,
	  "/sys read-only, debug/security masked, always" },
	{ "cgroup.release_agent", "cgroup release_agent (CVE-2022-0492)",
	  K_DENY, NULL, -1, "no cgroupfs, mount denied, always" },
	/* devices */
	{ "dev.mknod_char", "mknod (character device)", K_DENY, NULL, -1,
	  "no CAP_MKNOD, never" },
	{ "dev.mknod_block", "mknod (block device)", K_DENY, NULL, -1,
	  "no CAP_MKNOD, never" },
	{ "dev.nodes", "devices in /dev", K_SPECIAL, NULL, -1, NULL },
	{ "dev.block", "block devices", K_DENY, NULL, -1,
	  "no ruleset has one" },
	{ "dev.mem", "/dev/mem, /dev/kmem, /dev/port", K_DENY, NULL, -1,
	  "no ruleset has them" },
	{ "dev.kmsg", "/dev/kmsg", K_DENY, NULL, -1, "no ruleset has it" },
	/* kernel surfaces */
	{ "kernel.module", "kernel module load", K_ROW, "kernel modules", -1,
	  NULL },
	{ "kernel.kexec", "kexec", K_ROW, "kexec", -1, NULL },
	{ "kernel.bpf", "bpf", K_ROW, "bpf", -1, NULL },
	{ "kernel.perf_event", "perf_event_open", K_ROW, "perf events", -1,
	  NULL },
	{ "kernel.userfaultfd", "userfaultfd", K_ROW, "userfaultfd", -1, NULL },
	{ "kernel.keyctl", "keyctl", K_ROW, "kernel keyrings", -1, NULL },
	{ "kernel.io_uring", "io_uring", K_ROW, "io_uring", -1, NULL },
	{ "kernel.fanotify", "fanotify", K_ROW, "fanotify", -1, NULL },
	{ "kernel.swap", "swapon/swapoff", K_ROW, "swap", -1, NULL },
	{ "kernel.reboot", "reboot", K_ROW, "reboot", -1, NULL },
	{ "kernel.iopl", "I/O ports", K_ROW, "I/O ports", -1, NULL },
	{ "kernel.tiocsti", "TIOCSTI (CVE-2017-5226)", K_DENY, NULL, -1,
	  "refused by the filter, always" },
	{ "kernel.syslog", "kernel message buffer", K_ROW,
	  "kernel message buffer", -1, NULL },
	/* time and names */
	{ "time.settime", "clock setting", K_ROW, "clock setting", -1, NULL },
	{ "time.adjtime", "clock slew", K_ROW, "clock slew", -1, NULL },
	{ "uts.sethostname", "host name change", K_ROW, "host name", -1, NULL },
	{ "uts.setdomainname", "domain name change", K_ROW, "host name", -1,
	  NULL },
	/* network */
	{ "net.raw", "raw sockets", K_SPECIAL, NULL, -1, NULL },
	{ "net.packet", "packet sockets", K_ROW, "raw sockets", -1, NULL },
	{ "net.netlink_other", "other socket families (netlink uevent)", K_ROW,
	  "socket families", -1, NULL },
	{ "net.tcp", "tcp sockets", K_SPECIAL, NULL, -1, NULL },
	{ "net.reserved_port", "reserved ports", K_SPECIAL, NULL, -1, NULL },
	{ "net.foreign_bind", "bind to 127.0.0.1", K_SPECIAL, NULL, -1, NULL },
	{ "net.interfaces", "interfaces", K_INFO, NULL, -1, NULL },
	{ "net.own_reach", "own addresses", K_INFO, NULL, -1, NULL },
	/* credentials and limits */
	{ "caps.effective", "capabilities held (effective)", K_SPECIAL, NULL,
	  -1, NULL },
	{ "caps.permitted", "capabilities (permitted)", K_SPECIAL, NULL, -1,
	  NULL },
	{ "caps.bounding", "capabilities (bounding)", K_SPECIAL, NULL, -1,
	  NULL },
	{ "caps.inheritable", "capabilities (inheritable, CVE-2022-29162)",
	  K_SPECIAL, NULL, -1, NULL },
	{ "caps.ambient", "capabilities (ambient)", K_SPECIAL, NULL, -1, NULL },
	{ "nnp", "no_new_privs", K_SPECIAL, NULL, -1, NULL },
	{ "seccomp", "seccomp filter", K_SPECIAL, NULL, -1, NULL },
	{ "rlimit.raise", "raising a hard resource limit", K_DENY, NULL, -1,
	  "no CAP_SYS_RESOURCE, never" },
	{ "rlimits", "resource limits", K_INFO, NULL, -1, NULL },
	{ "cgroup.self", "cgroup", K_INFO, NULL, -1, NULL },
	{ "proc.init_comm", "pid 1", K_INFO, NULL, -1, NULL },
};

/* --- the probe's output -------------------------------------------------- */

struct obs {
	char key[32];
	char result[16];
	char detail[512];
};

struct obsv {
	struct obs *v;
	size_t n;
};

static int parse(const char *text, struct obsv *o)
{
	size_t cap = 0;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char l[700];
		snprintf(l, sizeof(l), "%.*s", (int)(len < 699 ? len : 699), p);
		p += len + (eol ? 1 : 0);
		char key[32], res[16];
		int off = 0;
		if (sscanf(l, "%31s %15s %n", key, res, &off) < 2)
			continue;
		if (!strchr(key, '.') && strcmp(key, "status") &&
		    strcmp(key, "rlimits") && strcmp(key, "nnp") &&
		    strcmp(key, "seccomp"))
			continue;
		if (o->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct obs *nv = realloc(o->v, cap * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			o->v = nv;
		}
		struct obs *b = &o->v[o->n++];
		snprintf(b->key, sizeof(b->key), "%s", key);
		snprintf(b->result, sizeof(b->result), "%s", res);
		snprintf(b->detail, sizeof(b->detail), "%s",
			 off > 0 && (size_t)off <= strlen(l) ? l + off : "");
		/* "status info CapEff 0000..." becomes caps.effective etc. */
		if (!strcmp(key, "status")) {
			static const char *const map[][2] = {
				{ "CapEff", "caps.effective" },
				{ "CapPrm", "caps.permitted" },
				{ "CapBnd", "caps.bounding" },
				{ "CapInh", "caps.inheritable" },
				{ "CapAmb", "caps.ambient" },
				{ "NoNewPrivs", "nnp" },
				{ "Seccomp", "seccomp" },
				{ "Uid", "uid" },
			};
			char name[32], val[64] = "";
			if (sscanf(b->detail, "%31s %63s", name, val) < 1)
				continue;
			for (size_t i = 0; i < ARRAY_SIZE(map); i++)
				if (!strcmp(name, map[i][0]))
					snprintf(b->key, sizeof(b->key), "%s",
						 map[i][1]);
			snprintf(b->detail, sizeof(b->detail), "%s", val);
		}
	}
	return 0;
}

static const struct obs *find(const struct obsv *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].key, key))
			return &o->v[i];
	return NULL;
}

/* --- expectations -------------------------------------------------------- */

static long row_index(const char *what)
{
	for (size_t i = 0; i < cell_policy_rows(); i++)
		if (!strcmp(cell_policy_row(i)->what, what))
			return (long)i;
	return -1;
}

static void param_value(const struct cell_jail *j, const char *name,
			char *buf, size_t len)
{
	const struct cell_param *p = cell_param_lookup(name);
	char v[256] = "?";
	if (p && cell_param_format(j, p, v, sizeof(v)) < 0)
		snprintf(v, sizeof(v), "?");
	snprintf(buf, len, "%s=%s", name, v[0] ? v : "\"\"");
}

/* Parameters that also decide a row, beyond its own (see policy.c). */
static const char *row_extra(const char *param)
{
	if (!strcmp(param, "allow.set_hostname"))
		return "host";
	if (!strcmp(param, "allow.mount"))
		return "enforce_statfs";
	if (!strcmp(param, "vnet"))
		return "cell.vnet_admin";
	if (!strcmp(param, "allow.chflags") || !strcmp(param, "allow.adjtime") ||
	    !strcmp(param, "allow.settime"))
		return "securelevel";
	return NULL;
}

static void row_param(const struct cell_jail *j, long row, char *buf,
		      size_t len)
{
	const struct cell_priv_row *r = cell_policy_row((size_t)row);
	if (!r->param[0]) {
		snprintf(buf, len, "never");
		return;
	}
	param_value(j, r->param, buf, len);
	const char *extra = row_extra(r->param);
	if (extra) {
		char e[128];
		param_value(j, extra, e, sizeof(e));
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, ", %s", e);
	}
	if (strchr(j->name, '.')) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, ", within its parents");
	}
}

enum want { W_DENY, W_ALLOW, W_ANY, W_INFO };

struct judged {
	enum want want;
	char param[160];
	bool fail_override;   /* special(): FAIL whatever the result */
	char note[256];
};

static bool has_ip4(const struct cell_jail *j, const char *dotted)
{
	struct in_addr a;
	if (inet_aton(dotted, &a) == 0)
		return false;
	for (size_t i = 0; i < j->ip4_addr_n; i++)
		if (j->ip4_addr[i].addr.s_addr == a.s_addr)
			return true;
	return false;
}

static bool own_netns(const struct cell_jail *j)
{
	return j->vnet || j->netns_path[0];
}

static void caps_hex(uint64_t c, char *buf, size_t len)
{
	snprintf(buf, len, "%016llx", (unsigned long long)c);
}

static int special(const char *key, const struct cell_jail *j,
		   const struct cell_policy *pol, const struct obsv *o,
		   const struct obs *b, struct judged *jd)
{
	long dbg = row_index("debugging (ptrace)");
	bool debug = dbg >= 0 && cell_policy_row_granted(pol, (size_t)dbg);
	const struct obs *init = find(o, "proc.init_comm");
	bool cell_init = init && !strcmp(init->detail, "init");
	char hex[32];

	if (!strcmp(key, "ptrace.init") || !strcmp(key, "proc.init_mem") ||
	    !strcmp(key, "proc.init_exe")) {
		if (cell_init) {
			jd->want = W_DENY;
			snprintf(jd->param, sizeof(jd->param),
				 "cell's init is non-dumpable, always");
		} else {
			/* pid 1 is the jail's own process (OCI): the
			 * kernel's usual rules between its processes */
			jd->want = debug || strcmp(key, "ptrace.init") ? W_ANY
								       : W_DENY;
			row_param(j, dbg, jd->param, sizeof(jd->param));
		}
		return 0;
	}
	if (!strncmp(key, "mount.", 6)) {
		long row = row_index("mounts");
		row_param(j, row, jd->param, sizeof(jd->param));
		bool tmpfs = !strcmp(key, "mount.mount");
		bool bind = !strcmp(key, "mount.bind");
		const char *which = tmpfs ? "allow.mount.tmpfs"
				    : bind ? "allow.mount.nullfs" : NULL;
		unsigned need = tmpfs ? CELL_MOUNT_TMPFS
			      : bind ? CELL_MOUNT_BIND : 0;
		if (which) {
			char e[96];
			param_value(j, which, e, sizeof(e));
			size_t l = strlen(jd->param);
			snprintf(jd->param + l, sizeof(jd->param) - l, ", %s", e);
			jd->want = (pol->mount_fs & need) ? W_ALLOW : W_DENY;
		} else {
			/* the agent unmounts only what it mounted */
			jd->want = pol->mount_fs ? W_ANY : W_DENY;
		}
		return 0;
	}
	if (!strcmp(key, "fs.abstract_unix")) {
		if (own_netns(j)) {
			jd->want = W_DENY;
			snprintf(jd->param, sizeof(jd->param),
				 "vnet=true: own network namespace");
		} else if (pol->scope_abstract_unix &&
			   cell_landlock_abi() >= 6) {
			/* the host's namespace, but each jailed process is
			 * scoped by Landlock to its own tree's sockets */
			jd->want = W_DENY;
			snprintf(jd->param, sizeof(jd->param),
				 "vnet=false: the host's network namespace, "
				 "Landlock-scoped");
		} else {
			/* Linux ties abstract unix sockets to the network
			 * namespace: a jail on the host's stack shares them
			 * (see docs/THREAT_MODEL.md) */
			jd->want = W_ANY;
			snprintf(jd->param, sizeof(jd->param), "%s",
				 pol->scope_abstract_unix
					 ? "vnet=false: the host's network "
					   "namespace (no Landlock scope on "
					   "this kernel)"
					 : "vnet=false: the host's network "
					   "namespace and its abstract sockets "
					   "(cell.abstract_unix_scope scopes "
					   "them)");
		}
		return 0;
	}
	if (!strcmp(key, "dev.nodes")) {
		snprintf(jd->param, sizeof(jd->param), "devfs_ruleset=%d%s",
			 j->devfs_ruleset, j->allow.vmm ? ", allow.vmm" : "");
		jd->want = W_INFO;
		/* every observed node must be the policy's (or the pty
		 * devices of a ruleset with pts), every policy node there */
		char seen[CELL_POLICY_DEV_MAX] = { 0 };
		char extra[256] = "";
		char buf[512];
		snprintf(buf, sizeof(buf), "%s", b->detail);
		char *save = NULL;
		for (char *w = strtok_r(buf, " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(w, '=');
			unsigned maj, min;
			char t;
			if (!eq || sscanf(eq + 1, "%c%u:%u", &t, &maj, &min) != 3)
				continue;
			bool ok = false;
			for (size_t i = 0; i < pol->dev_n; i++)
				if (t == 'c' && pol->dev[i].major == maj &&
				    pol->dev[i].minor == min) {
					ok = true;
					seen[i] = 1;
				}
			if (!ok && pol->dev_pts && t == 'c' &&
			    ((maj == 5 && min == 2) || (maj >= 136 && maj <= 143)))
				ok = true;
			if (!ok) {
				*eq = '\0';
				size_t l = strlen(extra);
				snprintf(extra + l, sizeof(extra) - l, " %s", w);
			}
		}
		char missing[256] = "";
		for (size_t i = 0; i < pol->dev_n; i++)
			if (!seen[i]) {
				size_t l = strlen(missing);
				snprintf(missing + l, sizeof(missing) - l, " %s",
					 pol->dev[i].name);
			}
		if (extra[0] || missing[0]) {
			jd->fail_override = true;
			snprintf(jd->note, sizeof(jd->note),
				 "not in the ruleset:%s; missing:%s",
				 extra[0] ? extra : " none",
				 missing[0] ? missing : " none");
		}
		return 0;
	}
	if (!strcmp(key, "net.raw") || !strcmp(key, "net.tcp")) {
		bool raw = !strcmp(key, "net.raw");
		long row = row_index("raw sockets");
		bool g = !raw || cell_policy_row_granted(pol, (size_t)row);
		bool inet = own_netns(j) || j->ip4 != CELL_JAILSYS_DISABLE;
		jd->want = g && inet ? W_ALLOW : W_DENY;
		if (raw)
			row_param(j, row, jd->param, sizeof(jd->param));
		else
			param_value(j, "ip4", jd->param, sizeof(jd->param));
		if (raw && !inet) {
			size_t l = strlen(jd->param);
			snprintf(jd->param + l, sizeof(jd->param) - l,
				 ", ip4=disable");
		}
		return 0;
	}
	if (!strcmp(key, "net.reserved_port")) {
		long row = row_index("reserved ports");
		jd->want = cell_policy_row_granted(pol, (size_t)row) ? W_ALLOW
								     : W_DENY;
		row_param(j, row, jd->param, sizeof(jd->param));
		return 0;
	}
	if (!strcmp(key, "net.foreign_bind")) {
		if (own_netns(j)) {
			jd->want = W_ALLOW;
			snprintf(jd->param, sizeof(jd->param),
				 "vnet=true: its own loopback");
		} else if (j->ip4 == CELL_JAILSYS_DISABLE) {
			jd->want = W_DENY;
			snprintf(jd->param, sizeof(jd->param), "ip4=disable");
		} else if (j->ip4_addr_n == 0) {
			jd->want = W_ALLOW;
			snprintf(jd->param, sizeof(jd->param),
				 "ip4=inherit: the host's addresses");
		} else {
			jd->want = has_ip4(j, "127.0.0.1") ? W_ALLOW : W_DENY;
			param_value(j, "ip4.addr", jd->param,
				    sizeof(jd->param));
		}
		return 0;
	}
	if (!strncmp(key, "caps.", 5)) {
		bool zero = !strcmp(key, "caps.inheritable") ||
			    !strcmp(key, "caps.ambient");
		caps_hex(zero ? 0 : pol->caps, hex, sizeof(hex));
		jd->want = W_INFO;
		snprintf(jd->param, sizeof(jd->param), "%s",
			 zero ? "always empty" : "policy capability set");
		if (strcmp(b->detail, hex)) {
			jd->fail_override = true;
			snprintf(jd->note, sizeof(jd->note),
				 "policy says %s", hex);
		}
		return 0;
	}
	if (!strcmp(key, "nnp") || !strcmp(key, "seccomp")) {
		const char *want = !strcmp(key, "nnp") ? "1" : "2";
		jd->want = W_INFO;
		snprintf(jd->param, sizeof(jd->param), "always");
		if (strcmp(b->detail, want)) {
			jd->fail_override = true;
			snprintf(jd->note, sizeof(jd->note), "must be %s", want);
		}
		return 0;
	}
	return -ENOENT;
}

static const char *want_word(enum want w)
{
	switch (w) {
	case W_DENY: return "denied";
	case W_ALLOW: return "allowed";
	case W_ANY: return "any";
	default: return "";
	}
}

static int add_line(struct cell_audit_report *rep, size_t *cap,
		    struct cell_audit_line **out)
{
	if (rep->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		struct cell_audit_line *nv =
			realloc(rep->lines, *cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		rep->lines = nv;
	}
	*out = &rep->lines[rep->n++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

int cell_audit_judge(const struct cell_jail *j, const struct cell_policy *pol,
		     const char *output, struct cell_audit_report *rep,
		     struct cell_error *err)
{
	memset(rep, 0, sizeof(*rep));
	snprintf(rep->jail, sizeof(rep->jail), "%s", j->name);
	rep->jid = j->jid;
	struct obsv o = { NULL, 0 };
	int r = parse(output, &o);
	size_t cap = 0;
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(checks); i++) {
		const struct check *c = &checks[i];
		const struct obs *b = find(&o, c->key);
		struct cell_audit_line *l;
		r = add_line(rep, &cap, &l);
		if (r < 0)
			break;
		snprintf(l->boundary, sizeof(l->boundary), "%s", c->label);
		snprintf(l->key, sizeof(l->key), "%s", c->key);
		struct judged jd;
		memset(&jd, 0, sizeof(jd));
		switch (c->kind) {
		case K_DENY:
			jd.want = W_DENY;
			snprintf(jd.param, sizeof(jd.param), "%s", c->why);
			break;
		case K_INFO:
			jd.want = W_INFO;
			break;
		case K_ROW: {
			long row = row_index(c->row);
			if (row < 0) {
				r = cell_error_set(err, -EINVAL,
						   "audit: no policy row "
						   "\"%s\"", c->row);
				break;
			}
			bool g = cell_policy_row_granted(pol, (size_t)row) &&
				 (c->needcap < 0 ||
				  (pol->caps & CAPBIT(c->needcap)));
			jd.want = g ? W_ALLOW : W_DENY;
			row_param(j, row, jd.param, sizeof(jd.param));
			if (c->needcap >= 0 &&
			    cell_policy_row_granted(pol, (size_t)row) && !g) {
				size_t n = strlen(jd.param);
				snprintf(jd.param + n, sizeof(jd.param) - n,
					 "; no jail holds CAP_SYS_ADMIN");
			}
			break;
		}
		case K_SPECIAL:
			if (!b) {
				jd.want = W_ANY;
				break;
			}
			special(c->key, j, pol, &o, b, &jd);
			break;
		}
		if (r < 0)
			break;
		snprintf(l->param, sizeof(l->param), "%s", jd.param);
		snprintf(l->expected, sizeof(l->expected), "%s",
			 want_word(jd.want));
		if (!b) {
			snprintf(l->observed, sizeof(l->observed), "missing");
			snprintf(l->detail, sizeof(l->detail),
				 "the probe gave no result");
			l->verdict = CELL_AUDIT_FAIL;
			rep->fails++;
			continue;
		}
		snprintf(l->detail, sizeof(l->detail), "%s", b->detail);
		const char *res = b->result;
		/* nothing there to try is as good as refused */
		bool denied = !strcmp(res, "denied") || !strcmp(res, "absent");
		snprintf(l->observed, sizeof(l->observed), "%s",
			 !strcmp(res, "info") ? "" : res);
		if (jd.fail_override) {
			l->verdict = CELL_AUDIT_FAIL;
			size_t dl = strlen(l->detail);
			snprintf(l->detail + dl, sizeof(l->detail) - dl,
				 "%s%.*s", dl ? "; " : "",
				 (int)(sizeof(l->detail) - dl - 3), jd.note);
		} else if (jd.want == W_INFO || jd.want == W_ANY) {
			l->verdict = CELL_AUDIT_INFO;
		} else if (jd.want == W_DENY) {
			l->verdict = denied ? CELL_AUDIT_OK : CELL_AUDIT_FAIL;
		} else if (!strcmp(res, "absent")) {
			l->verdict = CELL_AUDIT_INFO; /* cannot test here */
		} else {
			l->verdict = !strcmp(res, "allowed") ? CELL_AUDIT_OK
							     : CELL_AUDIT_FAIL;
		}
		if (l->verdict == CELL_AUDIT_FAIL)
			rep->fails++;
	}
	/* lines the table does not know, passed through as facts */
	for (size_t i = 0; r == 0 && i < o.n; i++) {
		if (strcmp(o.v[i].key, "net.reach"))
			continue;
		struct cell_audit_line *l;
		r = add_line(rep, &cap, &l);
		if (r < 0)
			break;
		snprintf(l->boundary, sizeof(l->boundary), "network reach");
		snprintf(l->key, sizeof(l->key), "%s", o.v[i].key);
		snprintf(l->observed, sizeof(l->observed), "%s", o.v[i].result);
		snprintf(l->detail, sizeof(l->detail), "%s", o.v[i].detail);
		snprintf(l->param, sizeof(l->param), "%s",
			 own_netns(j) ? "vnet=true" : "vnet=false");
		l->verdict = CELL_AUDIT_INFO;
	}
	free(o.v);
	if (r == -ENOMEM)
		cell_error_set(err, r, "audit: out of memory");
	if (r < 0)
		cell_audit_report_free(rep);
	return r;
}

void cell_audit_report_free(struct cell_audit_report *rep)
{
	free(rep->lines);
	rep->lines = NULL;
	rep->n = rep->fails = 0;
}

/* --- output -------------------------------------------------------------- */

/*
 * What the probe saw, for a terminal: the jail names its processes,
 * files and interfaces, so its words may hold escape sequences that
 * would rewrite the admin's screen (an earlier FAIL line, say); every
 * control character prints as '?'.
 */
static void printable(char *dst, const char *src, size_t n)
{
	size_t i = 0;
	for (; src[i] && i + 1 < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[i] = '\0';
}

void cell_audit_format(FILE *out, const struct cell_audit_report *rep,
		       bool verbose)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct cell_audit_line safe = rep->lines[i];
		printable(safe.observed, rep->lines[i].observed,
			  sizeof(safe.observed));
		printable(safe.detail, rep->lines[i].detail,
			  sizeof(safe.detail));
		const struct cell_audit_line *l = &safe;
		switch (l->verdict) {
		case CELL_AUDIT_OK:
			fprintf(out, "%s: %s (%s)", l->boundary, l->observed,
				l->param);
			break;
		case CELL_AUDIT_FAIL:
			fprintf(out, "FAIL %s: %s, policy says %s (%s)",
				l->boundary,
				l->observed[0] ? l->observed : l->detail,
				l->expected[0] ? l->expected : "otherwise",
				l->param);
			if (!verbose && l->detail[0])
				fprintf(out, " -- %s", l->detail);
			break;
		case CELL_AUDIT_INFO:
			if (l->observed[0])
				fprintf(out, "%s: %s", l->boundary,
					l->observed);
			else
				fprintf(out, "%s: %s", l->boundary, l->detail);
			if (l->param[0])
				fprintf(out, " (%s)", l->param);
			break;
		}
		if (verbose && l->detail[0] && (l->observed[0] ||
						l->verdict == CELL_AUDIT_FAIL))
			fprintf(out, " -- %s", l->detail);
		fputc('\n', out);
	}
	fprintf(out, "%zu boundaries checked, %zu FAIL\n", rep->n, rep->fails);
}
