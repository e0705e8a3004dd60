/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linux.seccomp → a BPF program (struct sock_fprog) for cell_exec's
 * extra_filter. The core loads it after the jail's own filter; the kernel
 * runs both and the stricter answer wins, so an OCI profile can only
 * narrow what the jail's policy allows.
 *
 * libseccomp compiles it (every action, argument comparisons,
 * architectures) and exports BPF into a memfd, read back here. Flags act
 * at load time and the core loads the program, so they are logged and
 * not applied (each only changes logging or speculation mitigation).
 * SCMP_ACT_NOTIFY: the core loads the program with a listener
 * (cell_exec.extra_filter_listener) and hands it to create, which sends
 * it to listenerPath with the container's state as runc does
 * (cell_oci_seccomp_send_listener).
 *
 * Compiling a large profile (podman's default) takes libseccomp about
 * 15 ms, more than the rest of a create: the program is kept in the
 * state directory's cache (bpf/) under a name made of this build, the
 * libseccomp version, the architecture and a hash of the profile's
 * canonical JSON. The name only finds the entry: the entry holds that
 * JSON too and is used only when it is byte for byte this profile's, so
 * a hash collision (a config.json is anyone's to write) cannot hand one
 * container another's filter. Warnings of the compilation are logged
 * when it is compiled, not again on a hit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <seccomp.h>

#include "cleanup.h"
#include "oci/oci.h"
#include "policy.h"
#include "state.h"

#define BPF_MAX_BYTES (1u << 20)

static int action(const char *name, json_t *errno_ret, uint32_t def_errno,
		  uint32_t *out)
{
	uint32_t e = json_is_integer(errno_ret) ?
		(uint32_t)json_integer_value(errno_ret) : def_errno;
	if (json_is_integer(errno_ret) && (json_integer_value(errno_ret) < 0 ||
					   json_integer_value(errno_ret) > 4095))
		return -ERANGE;
	if (!strcmp(name, "SCMP_ACT_KILL") ||
	    !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(e);
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(e);
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		*out = SCMP_ACT_NOTIFY;
	else
		return -EINVAL;
	return 0;
}

static int compare_op(const char *name, enum scmp_compare *out)
{
	static const struct { const char *n; enum scmp_compare op; } ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (name && !strcmp(name, ops[i].n)) {
			*out = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

static int arch_add(scmp_filter_ctx ctx, const char *name)
{
	/* "SCMP_ARCH_X86_64" → libseccomp's "x86_64" */
	if (!name || strncmp(name, "SCMP_ARCH_", 10))
		return -EINVAL;
	char low[32];
	size_t i = 0;
	for (const char *p = name + 10; *p && i + 1 < sizeof(low); p++)
		low[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	low[i] = '\0';
	uint32_t a = seccomp_arch_resolve_name(low);
	if (!a)
		return -EINVAL;
	int r = seccomp_arch_add(ctx, a);
	return r == -EEXIST ? 0 : r;
}

static int add_rule(scmp_filter_ctx ctx, json_t *rule, size_t i,
		    uint32_t def_action, bool *notify,
		    const struct cell_oci_log *log, struct cell_error *err)
{
	if (!json_is_object(rule))
		return cell_error_set(err, -EINVAL, "linux.seccomp.syscalls[%zu]"
				      ": must be an object", i);
	const char *an = json_string_value(json_object_get(rule, "action"));
	uint32_t act;
	/* a rule without errnoRet returns EPERM (runc), not the
	 * profile's defaultErrnoRet, which is the default action's */
	if (!an || action(an, json_object_get(rule, "errnoRet"), EPERM,
			  &act) < 0)
		return cell_error_set(err, -EINVAL, "linux.seccomp.syscalls[%zu]"
				      ".action: unknown action '%.40s' (or "
				      "errnoRet out of range)", i, an ? an : "");
	if (act == SCMP_ACT_NOTIFY)
		*notify = true;
	json_t *names = json_object_get(rule, "names");
	json_t *args = json_object_get(rule, "args");
	if (!json_is_array(names) || !json_array_size(names))
		return cell_error_set(err, -EINVAL, "linux.seccomp.syscalls[%zu]"
				      ".names: must be a non-empty array", i);
	if (args && !json_is_null(args) &&
	    (!json_is_array(args) || json_array_size(args) > 6))
		return cell_error_set(err, -EINVAL, "linux.seccomp.syscalls[%zu]"
				      ".args: must be an array of at most 6",
				      i);
	struct scmp_arg_cmp cmp[6];
	unsigned ncmp = 0;
	unsigned per_arg[6] = { 0 };
	bool split = false;
	size_t k;
	json_t *a;
	json_array_foreach(args, k, a) {
		json_t *idx = json_object_get(a, "index");
		json_t *val = json_object_get(a, "value");
		json_t *v2 = json_object_get(a, "valueTwo");
		enum scmp_compare op;
		if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
		    json_integer_value(idx) > 5 || !json_is_integer(val) ||
		    (v2 && !json_is_integer(v2)) ||
		    compare_op(json_string_value(json_object_get(a, "op")),
			       &op) < 0)
			return cell_error_set(err, -EINVAL, "linux.seccomp."
					      "syscalls[%zu].args[%zu]: needs "
					      "index 0..5, value, op "
					      "SCMP_CMP_*", i, k);
		split |= ++per_arg[json_integer_value(idx)] > 1;
		cmp[ncmp++] = (struct scmp_arg_cmp){
			.arg = (unsigned)json_integer_value(idx),
			.op = op,
			.datum_a = (scmp_datum_t)json_integer_value(val),
			.datum_b = (scmp_datum_t)json_integer_value(v2),
		};
	}
	if (act == def_action)
		return 0; /* libseccomp refuses a rule equal to the default */
	json_t *n;
	json_array_foreach(names, k, n) {
		const char *name = json_string_value(n);
		if (!name)
			return cell_error_set(err, -EINVAL, "linux.seccomp."
					      "syscalls[%zu].names[%zu]: must "
					      "be a string", i, k);
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			/* as runc: a name this libseccomp does not know is
			 * a call this kernel's filter cannot name either */
			cell_oci_logf(log, CELL_OCI_DEBUG, "seccomp: unknown "
				      "system call '%s' skipped", name);
			continue;
		}
		/* Two comparisons of one argument make libseccomp fail
		 * (EINVAL). runc then adds each comparison of the rule as a
		 * rule of its own: the action applies when any of them
		 * holds (OR), not all (docs/oci.md). The same here. */
		int r = 0;
		if (!split)
			r = seccomp_rule_add_array(ctx, act, nr, ncmp, cmp);
		for (unsigned c = 0; split && c < ncmp && r >= 0; c++)
			r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[c]);
		if (r < 0)
			return cell_error_set(err, r, "linux.seccomp.syscalls"
					      "[%zu]: rule for '%.40s': %s", i,
					      name, strerror(-r));
	}
	return 0;
}

static int build(scmp_filter_ctx *out, json_t *sc,
		 const struct cell_oci_log *log, bool *notify,
		 struct cell_error *err)
{
	if (!json_is_object(sc))
		return cell_error_set(err, -EINVAL, "linux.seccomp: must be an "
				      "object");
	json_t *jerr = json_object_get(sc, "defaultErrnoRet");
	if (jerr && (!json_is_integer(jerr) || json_integer_value(jerr) < 0 ||
		     json_integer_value(jerr) > 4095))
		return cell_error_set(err, -EINVAL, "linux.seccomp."
				      "defaultErrnoRet: must be 0..4095");
	uint32_t def_errno = jerr ? (uint32_t)json_integer_value(jerr) : EPERM;
	const char *dn = json_string_value(json_object_get(sc,
							   "defaultAction"));
	uint32_t def;
	if (!dn || action(dn, jerr, def_errno, &def) < 0)
		return cell_error_set(err, -EINVAL, "linux.seccomp."
				      "defaultAction: unknown action '%.40s'",
				      dn ? dn : "");
	if (def == SCMP_ACT_NOTIFY)
		*notify = true;
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return cell_error_set(err, -ENOMEM, "linux.seccomp: "
				      "seccomp_init failed");
	*out = ctx;
	/* a binary tree of syscall numbers, as the jail's own filter
	 * (policy.c): same verdicts, a fraction of the load and per-call
	 * walk for a profile of several hundred rules */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	json_t *archs = json_object_get(sc, "architectures");
	size_t i;
	json_t *e;
	json_array_foreach(archs, i, e)
		if (arch_add(ctx, json_string_value(e)) < 0)
			return cell_error_set(err, -EINVAL, "linux.seccomp."
					      "architectures[%zu]: unknown "
					      "architecture '%.32s'", i,
					      json_string_value(e) ?
					      json_string_value(e) : "");
	json_t *flags = json_object_get(sc, "flags");
	json_array_foreach(flags, i, e) {
		const char *f = json_string_value(e);
		static const char *const known[] = {
			"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
			"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
		};
		bool ok = false;
		for (size_t k = 0; f && k < ARRAY_SIZE(known); k++)
			ok |= !strcmp(f, known[k]);
		if (!ok)
			return cell_error_set(err, -EINVAL, "linux.seccomp."
					      "flags[%zu]: unknown flag '%.40s'",
					      i, f ? f : "");
		cell_oci_logf(log, CELL_OCI_DEBUG, "seccomp: flag %s not "
			      "applied (the core loads the filter)", f);
	}
	json_t *calls = json_object_get(sc, "syscalls");
	if (calls && !json_is_null(calls) &&
	    (!json_is_array(calls) ||
	     json_array_size(calls) > CELL_OCI_SECCOMP_MAX))
		return cell_error_set(err, -EINVAL, "linux.seccomp.syscalls: "
				      "must be an array of at most %d",
				      CELL_OCI_SECCOMP_MAX);
	json_array_foreach(calls, i, e) {
		int r = add_rule(ctx, e, i, def, notify, log, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- the cache ------------------------------------------------------- */

#define CACHE_MAGIC "cell-oci-seccomp 1\n"
#define CACHE_TEXT_MAX (4u << 20)
#define CACHE_ENTRIES_MAX 64

struct cache_head {
	char magic[sizeof(CACHE_MAGIC) - 1];
	uint8_t notify;
	uint64_t text_len;
} __attribute__((packed));

static uint64_t fnv1a64(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int cache_key(const char *text, size_t n, char *key, size_t len)
{
	char tag[96];
	int r = cell_filter_build_tag(tag, sizeof(tag));
	if (r < 0)
		return r;
	r = snprintf(key, len, "oci-%s-%016llx", tag,
		     (unsigned long long)fnv1a64(text, n));
	return r > 0 && (size_t)r < len ? 0 : -ENAMETOOLONG;
}

/* The kept program for exactly this text, or -ENOENT. */
static int cache_load(const char *key, const char *text, size_t n,
		      struct sock_fprog *out, bool *notify)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = cell_state_cache_load(key, sizeof(struct cache_head) +
					       CACHE_TEXT_MAX + BPF_MAX_BYTES,
				      &buf, &len);
	if (r < 0)
		return r;
	struct cache_head h;
	if (len < sizeof(h))
		return -ENOENT;
	memcpy(&h, buf, sizeof(h));
	size_t prog = len - sizeof(h);
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) ||
	    h.text_len != n || prog < n ||
	    memcmp(buf + sizeof(h), text, n))
		return -ENOENT;
	prog -= n;
	if (prog == 0 || prog > BPF_MAX_BYTES ||
	    prog % sizeof(struct sock_filter) ||
	    prog / sizeof(struct sock_filter) > 0xffff)
		return -ENOENT;
	struct sock_filter *f = malloc(prog);
	if (!f)
		return -ENOMEM;
	memcpy(f, buf + sizeof(h) + n, prog);
	out->filter = f;
	out->len = (unsigned short)(prog / sizeof(struct sock_filter));
	*notify = h.notify;
	return 0;
}

static void cache_save(const char *key, const char *text, size_t n,
		       const struct sock_fprog *p, bool notify)
{
	size_t prog = p->len * sizeof(struct sock_filter);
	if (n > CACHE_TEXT_MAX)
		return;
	_cleanup_free_ char *buf = malloc(sizeof(struct cache_head) + n +
					  prog);
	if (!buf)
		return;
	struct cache_head h = { .notify = notify, .text_len = n };
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), text, n);
	memcpy(buf + sizeof(h) + n, p->filter, prog);
	/* a cache: a failure to keep it costs the next create a compile.
	 * Bounded: every distinct profile would otherwise stay for good */
	cell_state_cache_prune("oci-", CACHE_ENTRIES_MAX - 1);
	(void)cell_state_cache_save(key, buf, sizeof(h) + n + prog);
}

static int compile(json_t *sc, struct sock_fprog *out, bool *notify,
		   const struct cell_oci_log *log, struct cell_error *err);

int cell_oci_seccomp_compile(const void *seccomp, struct sock_fprog *out,
			     bool *notify_out, const struct cell_oci_log *log,
			     struct cell_error *err)
{
	memset(out, 0, sizeof(*out));
	if (notify_out)
		*notify_out = false;
	if (!seccomp)
		return 0;
	json_t *sc = (json_t *)seccomp;
	bool notify = false;
	_cleanup_free_ char *text = json_dumps(sc, JSON_COMPACT |
						       JSON_SORT_KEYS);
	char key[192];
	bool keyed = text && cache_key(text, strlen(text), key,
				       sizeof(key)) == 0;
	int r = -ENOENT;
	if (keyed)
		r = cache_load(key, text, strlen(text), out, &notify);
	if (r < 0) {
		r = compile(sc, out, &notify, log, err);
		if (r == 0 && keyed)
			cache_save(key, text, strlen(text), out, notify);
	}
	if (r < 0) {
		cell_oci_seccomp_free(out);
		return r;
	}
	if (notify_out)
		*notify_out = notify;
	return 0;
}

/* The profile's checks and libseccomp's program. A profile that fails
 * a check is never kept, so a cache hit is one that passed them. */
static int compile(json_t *sc, struct sock_fprog *out, bool *notify_out,
		   const struct cell_oci_log *log, struct cell_error *err)
{
	scmp_filter_ctx ctx = NULL;
	bool notify = false;
	int r = build(&ctx, sc, log, &notify, err);
	json_t *lp = json_object_get(sc, "listenerPath");
	json_t *lm = json_object_get(sc, "listenerMetadata");
	if (r == 0 && lp && (!json_is_string(lp) ||
			     json_string_value(lp)[0] != '/' ||
			     strlen(json_string_value(lp)) >=
				     sizeof(((struct sockaddr_un *)0)->sun_path)))
		r = cell_error_set(err, -EINVAL, "linux.seccomp.listenerPath: "
				   "must be an absolute path of at most %zu "
				   "bytes", sizeof(((struct sockaddr_un *)0)
							   ->sun_path) - 1);
	if (r == 0 && lm && !json_is_string(lm))
		r = cell_error_set(err, -EINVAL, "linux.seccomp."
				   "listenerMetadata: must be a string");
	if (r == 0 && notify && !lp)
		r = cell_error_set(err, -EINVAL, "linux.seccomp: "
				   "SCMP_ACT_NOTIFY needs listenerPath");
	if (r == 0 && !notify && lp)
		cell_oci_logf(log, CELL_OCI_WARN, "linux.seccomp.listenerPath "
			      "ignored: no rule uses SCMP_ACT_NOTIFY");
	if (notify_out)
		*notify_out = notify;
	_cleanup_close_ int fd = -1;
	if (r == 0) {
		fd = memfd_create("cell-oci-seccomp", MFD_CLOEXEC);
		if (fd < 0)
			r = cell_error_errno(err, -errno, "linux.seccomp: "
					     "memfd_create");
	}
	if (r == 0 && (r = seccomp_export_bpf(ctx, fd)) < 0)
		cell_error_set(err, r, "linux.seccomp: export: %s",
			       strerror(-r));
	if (ctx)
		seccomp_release(ctx);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cell_error_errno(err, -errno, "linux.seccomp: fstat");
	if (st.st_size <= 0 || st.st_size > BPF_MAX_BYTES ||
	    st.st_size % sizeof(struct sock_filter))
		return cell_error_set(err, -EINVAL, "linux.seccomp: the program"
				      " has %lld bytes", (long long)st.st_size);
	struct sock_filter *f = malloc((size_t)st.st_size);
	if (!f)
		return cell_error_set(err, -ENOMEM, "out of memory");
	ssize_t n = pread(fd, f, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		free(f);
		return cell_error_set(err, -EIO, "linux.seccomp: short read");
	}
	size_t count = (size_t)st.st_size / sizeof(struct sock_filter);
	if (count > 0xffff) {
		free(f);
		return cell_error_set(err, -E2BIG, "linux.seccomp: more than "
				      "65535 instructions");
	}
	out->filter = f;
	out->len = (unsigned short)count;
	return 0;
}

void cell_oci_seccomp_free(struct sock_fprog *p)
{
	free(p->filter);
	p->filter = NULL;
	p->len = 0;
}

int cell_oci_seccomp_send_listener(const void *seccomp, int listener,
				   pid_t pid, const char *state_json,
				   struct cell_error *err)
{
	json_t *sc = (json_t *)seccomp;
	const char *path = json_string_value(json_object_get(sc,
							     "listenerPath"));
	const char *meta = json_string_value(json_object_get(sc,
							     "listenerMetadata"));
	if (!path)
		return cell_error_set(err, -EINVAL, "linux.seccomp: "
				      "no listenerPath");
	json_error_t je;
	json_t *state = json_loads(state_json, 0, &je);
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(CELL_OCI_VERSION));
	json_t *fds = json_array();
	json_array_append_new(fds, json_string("seccompFd"));
	json_object_set_new(o, "fds", fds);
	json_object_set_new(o, "pid", json_integer(pid));
	json_object_set_new(o, "metadata", json_string(meta ? meta : ""));
	json_object_set_new(o, "state", state ? state : json_object());
	_cleanup_free_ char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return cell_error_set(err, -ENOMEM, "out of memory");

	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cell_error_errno(err, -errno, "socket");
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return cell_error_errno(err, -errno, "linux.seccomp."
					"listenerPath %s", path);
	struct iovec iov = { .iov_base = text, .iov_len = strlen(text) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &listener, sizeof(int));
	/* the descriptor goes with the first byte; the rest follows */
	size_t off = 0;
	while (off < iov.iov_len) {
		ssize_t n = sendmsg(s, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cell_error_errno(err, n < 0 ? -errno : -EPIPE,
						"linux.seccomp.listenerPath "
						"%s: send", path);
		off += (size_t)n;
		iov.iov_base = text + off;
		iov.iov_len -= (size_t)n;
		m.msg_control = NULL;
		m.msg_controllen = 0;
	}
	return 0;
}
