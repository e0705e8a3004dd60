/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci start ID: open the start gate of a created container. The
 * byte written to start.fifo lets the waiting process exec the user's
 * program; ENXIO on open means no process waits there (not "created").
 *
 * startContainer hooks run before that byte, in the container: each is
 * a process of its own started through cell_exec() (the path of jexec
 * and OCI exec: every namespace of the container, its cgroup, the
 * process's user, capabilities, rlimits and seccomp profile), its path
 * looked up in the container, its env exactly the hook's, the state on
 * stdin. The container's process is still blocked on the gate, so every
 * hook has finished before the user's program runs. A hook that fails
 * or times out kills the container (its init, and with it its pid
 * namespace and the hook) and start fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "lifecycle.h"

static int run_hooks(const struct cell_oci_dir *d,
		     const struct cell_oci_state *s, enum cell_oci_hook_kind k,
		     bool warn_only, struct cell_error *err)
{
	struct cell_oci_config c;
	int r = oci_saved_config(d, &c, err);
	if (r == 0 && c.nhooks[k]) {
		_cleanup_free_ char *js = cell_oci_state_json(
			s, cell_oci_state_status(d, s), false);
		r = js ? cell_oci_hooks_run(c.hooks[k], c.nhooks[k], k, js,
					    warn_only, &oci_logger, err)
		       : cell_error_set(err, -ENOMEM, "out of memory");
	}
	cell_oci_config_free(&c);
	return r;
}

/* One startContainer hook through cell_exec in a child of ours, so that
 * its timeout can be kept; exit status as a shell reports it. */
static int start_hook(const struct cell_oci_state *s,
		      const struct cell_record *rec,
		      const struct cell_oci_config *c,
		      const struct cell_oci_hook *h, const char *js,
		      struct cell_error *err)
{
	int in[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return cell_error_errno(err, -errno, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(in[0]);
		close(in[1]);
		return cell_error_errno(err, e, "fork");
	}
	if (pid == 0) {
		close(in[1]);
		struct cell_oci_opts o = { .id = s->id, .log = oci_logger };
		struct cell_exec x;
		struct sock_fprog filter = { 0 };
		struct cell_error e;
		cell_error_clear(&e);
		if (cell_oci_to_exec(c, &o, &x, &filter, &e) < 0) {
			oci_log(CELL_OCI_WARN, "startContainer %s: %s",
				h->path, e.msg);
			_exit(125);
		}
		/* the hook's own argv (argv[0] is the path: it is what is
		 * looked up in the container) and env, nothing else */
		size_t n = 0;
		while (h->args && h->args[n])
			n++;
		char **argv = calloc(n + 2, sizeof(char *));
		static char *const none[] = { NULL };
		if (!argv)
			_exit(125);
		argv[0] = (char *)h->path;
		for (size_t i = 1; i < n; i++)
			argv[i] = h->args[i];
		x.argv = argv;
		x.envp = h->env ? h->env : none;
		x.extra_filter_listener = false;
		x.stdio[0] = in[0];
		int st = 0;
		if (cell_exec(rec, &x, false, &st, NULL, &e) < 0) {
			oci_log(CELL_OCI_WARN, "startContainer %s: %s",
				h->path, e.msg);
			_exit(125);
		}
		_exit(WIFEXITED(st) ? WEXITSTATUS(st)
				    : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0));
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	close(in[0]);
	int fl = fcntl(in[1], F_GETFL);
	fcntl(in[1], F_SETFL, fl | O_NONBLOCK);
	size_t len = strlen(js), off = 0;
	while (off < len) {
		ssize_t w = send(in[1], js + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(in[1]);
	bool timed_out = false;
	if (pidfd >= 0 && h->timeout > 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int k;
		while ((k = poll(&p, 1, h->timeout * 1000)) < 0 &&
		       errno == EINTR)
			;
		if (k == 0) {
			/* the hook is in the container's pid namespace: it
			 * ends with the container's init */
			timed_out = true;
			oci_signal_pid(s, SIGKILL, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return cell_error_errno(err, -errno, "wait");
	if (timed_out)
		return cell_error_set(err, -ETIMEDOUT, "hook %s killed after "
				      "its timeout of %d s", h->path,
				      h->timeout);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	return cell_error_set(err, -ECANCELED, "hook %s exited with status "
			      "%d", h->path, WIFEXITED(st) ? WEXITSTATUS(st)
							   : 128);
}

static int start_hooks(const struct cell_oci_dir *d,
		       const struct cell_oci_state *s, struct cell_error *err)
{
	enum cell_oci_hook_kind k = CELL_OCI_HOOK_START_CONTAINER;
	struct cell_oci_config c;
	int r = oci_saved_config(d, &c, err);
	if (r < 0 || !c.nhooks[k]) {
		cell_oci_config_free(&c);
		return r;
	}
	snprintf(c.rootfs, sizeof(c.rootfs), "%s", s->rootfs);
	struct cell_record rec;
	r = oci_find_jail(s, &rec, err);
	bool have_rec = r == 0;
	_cleanup_free_ char *js = r < 0 ? NULL
		: cell_oci_state_json(s, CELL_OCI_CREATED, false);
	if (r == 0 && !js)
		r = cell_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < c.nhooks[k]; i++) {
		oci_log(CELL_OCI_DEBUG, "hooks.startContainer[%zu]: %s", i,
			c.hooks[k][i].path);
		struct cell_error e;
		cell_error_clear(&e);
		r = start_hook(s, &rec, &c, &c.hooks[k][i], js, &e);
		if (r < 0)
			cell_error_set(err, r, "hooks.startContainer[%zu]: %s",
				       i, e.msg);
	}
	if (have_rec)
		cell_record_free(&rec);
	cell_oci_config_free(&c);
	return r;
}

int oci_do_start(const char *id)
{
	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(id, true, &d, &s))
		return 1;
	struct cell_error err;
	cell_error_clear(&err);
	int ret = 1;
	_cleanup_close_ int fd = -1;
	enum cell_oci_status now = cell_oci_state_status(&d, &s);
	if (now != CELL_OCI_CREATED) {
		oci_fail("cannot start a container that is %s (only a "
			 "created one)", cell_oci_status_name(now));
		goto out;
	}
	char fifo[4200];
	snprintf(fifo, sizeof(fifo), "%s/start.fifo", d.path);
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		oci_fail("cannot start container %s: %s", id,
			 errno == ENXIO ? "its process is not waiting"
					: strerror(errno));
		goto out;
	}
	if (start_hooks(&d, &s, &err) < 0) {
		/* the spec: stop the container; delete runs poststop */
		oci_signal_pid(&s, SIGKILL, NULL);
		oci_fail_err(NULL, &err);
		goto out;
	}
	if (write(fd, "s", 1) != 1) {
		oci_fail("cannot start container %s: %s", id,
			 strerror(errno));
		goto out;
	}
	unlink(fifo);
	s.status = CELL_OCI_RUNNING;
	if (cell_oci_state_save(&d, &s, &err) < 0) {
		oci_fail_err(NULL, &err);
		goto out;
	}
	run_hooks(&d, &s, CELL_OCI_HOOK_POSTSTART, true, NULL);
	ret = 0;
out:
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}

int cmd_start(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return oci_usage("start", false);
	if (argc != 2)
		return oci_usage("start", true);
	return oci_do_start(argv[1]);
}
