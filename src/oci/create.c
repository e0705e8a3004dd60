/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK]
 *                 [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID
 *
 * The spec's create: the container's process is made and stops before
 * the user's program (the start gate); create returns once every check
 * that can fail has passed. The jail is created by cell_create_proc(),
 * the same function and boundary as jail -c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "lifecycle.h"
#include "util.h"

static void rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	cell_rfc3339_utc(&ts, buf, len);
}

/* the config as create read and parsed it (not the bundle's file again,
 * which may have changed since): start, exec and delete read it here */
static int save_config(const struct cell_oci_dir *d,
		       const struct cell_oci_config *c, struct cell_error *err)
{
	char dst[4200];
	snprintf(dst, sizeof(dst), "%s/config.json", d->path);
	int r = c->text ? cell_write_file_atomic(dst, c->text, c->text_len)
			: -ENODATA;
	if (r < 0)
		return cell_error_errno(err, r, "save %s", dst);
	return 0;
}

/*
 * The create hooks, called by the core between the container's
 * namespaces and mounts and its pivot_root (cell_init_proc.prepivot),
 * with the state "creating" and init's pid: prestart and createRuntime
 * in the runtime's namespaces, createContainer in the container's mount
 * namespace (its binary opened in ours first, as the spec says).
 */
struct prepivot_ctx {
	const struct cell_oci_config *c;
	struct cell_oci_state *s;
	bool ran;       /* a create hook was started: a failed create
			 * runs the poststop hooks (runc does) */
};

static int create_hooks(void *arg, pid_t pid, struct cell_error *err)
{
	struct prepivot_ctx *p = arg;
	const struct cell_oci_config *c = p->c;
	p->ran = true;
	p->s->pid = pid;
	_cleanup_free_ char *js = cell_oci_state_json(p->s, CELL_OCI_CREATING,
						      false);
	if (!js)
		return cell_error_set(err, -ENOMEM, "out of memory");
	static const enum cell_oci_hook_kind host[] = {
		CELL_OCI_HOOK_PRESTART, CELL_OCI_HOOK_CREATE_RUNTIME,
	};
	for (size_t i = 0; i < ARRAY_SIZE(host); i++) {
		int r = cell_oci_hooks_run(c->hooks[host[i]],
					   c->nhooks[host[i]], host[i], js,
					   false, &oci_logger, err);
		if (r < 0)
			return r;
	}
	enum cell_oci_hook_kind k = CELL_OCI_HOOK_CREATE_CONTAINER;
	if (!c->nhooks[k])
		return 0;
	char ns[64];
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)pid);
	_cleanup_close_ int fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_error_errno(err, -errno, "%s", ns);
	return cell_oci_hooks_run_in(c->hooks[k], c->nhooks[k], k, js, fd,
				     &oci_logger, err);
}

/*
 * The mount points of the file systems a jail always gets (/proc, /dev,
 * /sys), made in the root when it lacks them, as runc makes every mount
 * point (podman's pause image is one binary and nothing else). One
 * component each, made with mkdirat on the root's descriptor: nothing is
 * followed; a read-only root is left as it is.
 */
static void mountpoints(const char *rootfs, bool readonly)
{
	if (readonly)
		return;
	_cleanup_close_ int rfd = open(rootfs, O_PATH | O_DIRECTORY |
				       O_CLOEXEC | O_NOFOLLOW);
	static const char *const dirs[] = { "proc", "dev", "sys" };
	for (size_t i = 0; rfd >= 0 && i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(rfd, dirs[i], 0755) == 0)
			oci_log(CELL_OCI_DEBUG, "made the mount point /%s",
				dirs[i]);
}

static bool any_create_hooks(const struct cell_oci_config *c)
{
	return c->nhooks[CELL_OCI_HOOK_PRESTART] ||
	       c->nhooks[CELL_OCI_HOOK_CREATE_RUNTIME] ||
	       c->nhooks[CELL_OCI_HOOK_CREATE_CONTAINER];
}

int oci_do_create(const struct oci_create_args *a, pid_t *pid_out,
		  struct oci_created *keep)
{
	struct cell_error err;
	cell_error_clear(&err);
	if (a->preserve_fds < 0 || a->preserve_fds > 1024)
		return oci_fail("--preserve-fds %d: must be 0..1024",
				a->preserve_fds);
	/* descriptors 3..3+N-1 must be open: they go into the container */
	for (int fd = 3; fd < 3 + a->preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return oci_fail("--preserve-fds %d: descriptor %d is "
					"not open", a->preserve_fds, fd);
	char bundle[PATH_MAX];
	if (!realpath(a->bundle, bundle))
		return oci_fail("--bundle %s: %s", a->bundle, strerror(errno));

	struct cell_oci_config c;
	int r = cell_oci_config_load(bundle, &c, &err);
	if (r < 0) {
		cell_oci_config_free(&c);
		return oci_fail_err(NULL, &err);
	}
	struct cell_oci_opts o = {
		.id = a->id, .bundle = bundle,
		.systemd_cgroup = G.systemd_cgroup, .log = oci_logger,
		.jail_annotations = G.jail_annot,
		.njail_annotations = G.njail_annot,
	};
	struct cell_jail j;
	cell_jail_init(&j);
	struct cell_exec x;
	struct sock_fprog filter = { 0 };
	_cleanup_close_ int console = -1;
	_cleanup_close_ int start_fd = -1;
	_cleanup_close_ int listener = -1; /* the seccomp agent's, if any */
	struct cell_oci_dir d = { .dirfd = -1 };
	struct cell_oci_state s = { 0 };
	bool made = false, jail_made = false;
	struct prepivot_ctx pp = { .c = &c, .s = &s };
	int ret = 1;

	if ((r = cell_oci_to_jail(&c, &o, &j, &err)) < 0 ||
	    (r = cell_oci_to_exec(&c, &o, &x, &filter, &err)) < 0) {
		oci_fail_err(NULL, &err);
		goto out;
	}
	if (c.terminal && !a->console_socket) {
		oci_fail("process.terminal is true: --console-socket is "
			 "required");
		goto out;
	}
	if (!c.terminal && a->console_socket) {
		oci_fail("--console-socket given but process.terminal is "
			 "false");
		goto out;
	}

	/* a directory a killed runtime left under this id is cleaned */
	{
		bool stale = false;
		struct cell_oci_dir old;
		struct cell_oci_state os;
		int ro = cell_oci_dir_open(G.root, a->id, true, &old, &stale,
					  &os, NULL);
		if (ro >= 0) {
			if (stale) {
				oci_log(CELL_OCI_WARN, "container '%s': "
					"cleaning up the state a killed "
					"runtime left", a->id);
				if (ro == 1)
					oci_destroy(&old, &os);
				else
					cell_oci_dir_remove(&old, NULL);
			}
			if (ro == 1)
				cell_oci_state_free(&os);
			cell_oci_dir_close(&old);
		}
	}

	snprintf(s.id, sizeof(s.id), "%s", a->id);
	s.status = CELL_OCI_CREATING;
	s.creator = getpid();
	snprintf(s.bundle, sizeof(s.bundle), "%s", bundle);
	snprintf(s.rootfs, sizeof(s.rootfs), "%s", j.path);
	rfc3339(s.created, sizeof(s.created));
	s.poststop_hooks = c.nhooks[CELL_OCI_HOOK_POSTSTOP] > 0;
	s.start_hooks = c.nhooks[CELL_OCI_HOOK_START_CONTAINER] > 0;
	s.poststart_hooks = c.nhooks[CELL_OCI_HOOK_POSTSTART] > 0;
	/* annotations as the config has them (the spec's state) */
	s.annotations = cell_oci_config_annotations(&c);
	if (cell_oci_dir_create(G.root, a->id, &s, &d, &err) < 0) {
		oci_fail_err(NULL, &err);
		goto out;
	}
	made = true;
	oci_crash_point("oci-dir");
	if (save_config(&d, &c, &err) < 0) {
		oci_fail_err(NULL, &err);
		goto out;
	}

	/* the start gate: opened read-write, so the process's read waits
	 * for start's byte instead of seeing end of file */
	char fifo[4200];
	snprintf(fifo, sizeof(fifo), "%s/start.fifo", d.path);
	if (mkfifo(fifo, 0600) < 0 ||
	    (start_fd = open(fifo, O_RDWR | O_CLOEXEC)) < 0) {
		oci_fail("%s: %s", fifo, strerror(errno));
		goto out;
	}
	if (a->console_socket) {
		console = oci_console_connect(a->console_socket, &err);
		if (console < 0) {
			oci_fail_err(NULL, &err);
			goto out;
		}
		x.console_sock = console;
	}

	x.preserve_fds = (unsigned)a->preserve_fds;
	mountpoints(j.path, c.root_readonly);
	/* The core keeps init's descriptors 3+N .. 3+N+3 for its own and
	 * does not close the ones it leaves unused (console, exec_fd): a
	 * descriptor of ours there stays open in init until its exec. The
	 * directory's lock must not (start would wait on it forever), so
	 * it moves well above them. */
	{
		int hi = fcntl(d.dirfd, F_DUPFD_CLOEXEC,
			       3 + a->preserve_fds + 16);
		if (hi < 0) {
			oci_fail("dup: %s", strerror(errno));
			goto out;
		}
		close(d.dirfd);
		d.dirfd = hi;
	}
	struct cell_init_proc proc = {
		.x = &x, .start_fd = start_fd,
		.listener_fd = x.extra_filter_listener ? &listener : NULL,
		.prepivot = any_create_hooks(&c) ? create_hooks : NULL,
		.prepivot_arg = &pp,
	};
	struct cell_handle h;
	if (cell_create_proc(&j, &proc, &h, &err) < 0) {
		oci_fail_err(NULL, &err);
		s.pid = 0;
		goto out;
	}
	jail_made = true;
	oci_crash_point("oci-jail");
	s.pid = h.rec.init_pid;
	s.pid_start = h.rec.init_start;
	snprintf(s.cgroup, sizeof(s.cgroup), "%s", h.rec.cgroup);
	s.jid = h.rec.jail.jid;
	s.creator = 0;
	if (x.extra_filter_listener) {
		/* runc's order: the agent gets the listener while the state
		 * is still "creating" */
		_cleanup_free_ char *js = cell_oci_state_json(
			&s, CELL_OCI_CREATING, false);
		if (listener < 0 || !js ||
		    cell_oci_seccomp_send_listener(c.seccomp, listener, s.pid,
						   js, &err) < 0) {
			if (listener < 0 || !js)
				cell_error_set(&err, -EPROTO, "linux.seccomp: "
					       "no listener from the core");
			oci_fail_err(NULL, &err);
			cell_create_finish(&h);
			goto out;
		}
		close(TAKE_FD(listener));
	}
	s.status = CELL_OCI_CREATED;

	if (c.has_resources &&
	    cell_oci_resources_apply(s.cgroup, &c.res, &j, &oci_logger,
				     &err) < 0) {
		oci_fail_err(NULL, &err);
		cell_create_finish(&h);
		goto out;
	}
	if (a->pid_file && oci_write_pidfile(a->pid_file, s.pid, &err) < 0) {
		oci_fail_err(NULL, &err);
		cell_create_finish(&h);
		goto out;
	}
	if (cell_oci_state_save(&d, &s, &err) < 0) {
		oci_fail_err(NULL, &err);
		cell_create_finish(&h);
		goto out;
	}
	cell_create_finish(&h);
	oci_log(CELL_OCI_DEBUG, "container %s created: pid %d, jail %s, "
		"cgroup %s", a->id, s.pid, j.name, s.cgroup);
	if (pid_out)
		*pid_out = s.pid;
	if (keep) {
		/* handed over still locked: nothing can come between the
		 * create and run's start */
		keep->d = d;
		keep->s = s;
		keep->start_fd = TAKE_FD(start_fd);
		d.dirfd = -1;
		memset(&s, 0, sizeof(s));
	}
	ret = 0;
out:
	if (ret && made) {
		/* nothing left behind: the jail, its process, the record */
		if (jail_made) {
			s.poststop_hooks = false;
			oci_destroy(&d, &s);
		} else {
			cell_oci_dir_remove(&d, NULL);
		}
		if (a->pid_file && jail_made)
			unlink(a->pid_file);
	}
	if (ret && pp.ran) {
		/* what prestart and the other create hooks set up for the
		 * container has its poststop to undo it, also when the
		 * create fails after them (runc runs it too); warnings
		 * only, with the container gone: "stopped" */
		enum cell_oci_hook_kind k = CELL_OCI_HOOK_POSTSTOP;
		_cleanup_free_ char *js = c.nhooks[k] ?
			cell_oci_state_json(&s, CELL_OCI_STOPPED, false) : NULL;
		if (js)
			cell_oci_hooks_run(c.hooks[k], c.nhooks[k], k, js, true,
					   &oci_logger, NULL);
	}
	cell_oci_dir_close(&d);
	cell_oci_state_free(&s);
	cell_oci_seccomp_free(&filter);
	cell_jail_free(&j);
	cell_oci_config_free(&c);
	return ret;
}

static const struct option create_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "console-socket", required_argument, NULL, 'c' },
	{ "no-pivot", no_argument, NULL, 'P' },
	{ "no-new-keyring", no_argument, NULL, 'K' },
	{ "preserve-fds", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int cmd_create(int argc, char **argv)
{
	struct oci_create_args a = { .bundle = "." };
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+b:h", create_opts,
				      NULL)) != -1) {
		switch (ch) {
		case 'b': a.bundle = optarg; break;
		case 'p': a.pid_file = optarg; break;
		case 'c': a.console_socket = optarg; break;
		case 'P':
			oci_log(CELL_OCI_DEBUG, "--no-pivot: cell always "
				"pivots (its root is its own mount)");
			break;
		case 'K':
			oci_log(CELL_OCI_DEBUG, "--no-new-keyring: no jail "
				"may use keyrings (the policy denies keyctl)");
			break;
		case 'f': a.preserve_fds = atoi(optarg); break;
		case 'h': return oci_usage("create", false);
		default: return oci_usage("create", true);
		}
	}
	if (optind + 1 != argc)
		return oci_usage("create", true);
	a.id = argv[optind];
	return oci_do_create(&a, NULL, NULL);
}
