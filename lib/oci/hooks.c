/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OCI hooks with args and env exactly as the config gives them, the
 * container's state JSON on stdin, and a timeout after which each is
 * killed (SIGKILL through its pidfd, so a reused pid is never hit).
 * prestart, createRuntime, poststart, poststop run in the runtime's
 * namespaces; createContainer (cell_oci_hooks_run_in) in the container's
 * mount namespace, its binary opened in the runtime's first. The
 * startContainer hooks (src/oci/start.c) run through cell_exec() in a
 * child given here (cell_oci_hooks_run_with): every hook is waited for,
 * timed and judged in one place (spawn).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "oci/oci.h"

static char *const empty_env[] = { NULL };

/* Milliseconds until deadline (0 when past), or -1 without one. */
static int remaining_ms(const struct timespec *deadline)
{
	if (!deadline)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
		       (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/*
 * Write the whole state to the hook's stdin: the socket buffer holds
 * about 200 KiB and a state with large annotations is more, so a full
 * buffer is waited on (POLLOUT) until the hook reads on. The writing
 * ends early, without error, when the hook closes its stdin (EPIPE) or
 * exits (its pidfd), and when its timeout passes: then false, and the
 * caller kills it as for any timeout.
 */
static bool feed(int fd, const char *text, int pidfd,
		 const struct timespec *deadline)
{
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t n = send(fd, text + off, len - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return true; /* EPIPE: the hook closed its stdin */
		struct pollfd p[2] = { { .fd = fd, .events = POLLOUT },
				       { .fd = pidfd, .events = POLLIN } };
		int ms = remaining_ms(deadline);
		if (ms == 0)
			return false;
		int k = poll(p, pidfd >= 0 ? 2 : 1, ms);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return true;
		if (k == 0)
			return false;
		if (pidfd >= 0 && (p[1].revents & POLLIN))
			return true; /* the hook is gone */
	}
	return true;
}

/*
 * The one place a hook is waited for: a child of ours runs
 * r->child(r->arg, h, in) with in the state's socket (its stdin to be),
 * the state is fed, and past the hook's timeout r->timed_out ends it (or,
 * without one, SIGKILL through the child's pidfd); the wait status is the
 * verdict.
 */
static int spawn(const struct cell_oci_hook *h, const char *state,
		 const struct cell_oci_hook_runner *r, struct cell_error *err)
{
	int in[2];
	/* a socket, so that a hook that never reads gives EPIPE without
	 * a SIGPIPE to the runtime (MSG_NOSIGNAL) */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return cell_error_errno(err, -errno, "socketpair");
	pid_t pid = fork();
	/* a pidfd right away: the child cannot be reaped before we wait */
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pid < 0) {
		int e = -errno;
		close(in[0]);
		close(in[1]);
		return cell_error_errno(err, e, "fork");
	}
	if (pid == 0) {
		/* a child that forks on (cell_exec's helper) must not pass
		 * our end on: the hook would never see its stdin end */
		close(in[1]);
		r->child(r->arg, h, in[0]);
		_exit(127);
	}
	close(in[0]);
	/* the hook's timeout covers the feeding too: a hook that does not
	 * read a state bigger than the socket buffer is killed by it */
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += h->timeout;
	bool timed_out = !feed(in[1], state, pidfd,
			       h->timeout > 0 ? &deadline : NULL);
	close(in[1]);

	if (!timed_out && pidfd >= 0 && h->timeout > 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int n;
		while ((n = poll(&p, 1, remaining_ms(&deadline))) < 0 &&
		       errno == EINTR)
			;
		timed_out = n == 0;
	}
	if (timed_out) {
		if (r->timed_out)
			r->timed_out(r->arg);
		else if (pidfd >= 0)
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		else
			kill(pid, SIGKILL); /* not reaped yet: still ours */
	}
	if (pidfd >= 0)
		close(pidfd);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return cell_error_errno(err, -errno, "wait for hook");
	if (timed_out)
		return cell_error_set(err, -ETIMEDOUT, "hook %s killed after "
				      "its timeout of %d s", h->path,
				      h->timeout);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		return cell_error_set(err, -ECANCELED, "hook %s exited with "
				      "status %d", h->path, WEXITSTATUS(st));
	return cell_error_set(err, -ECANCELED, "hook %s killed by signal %d",
			      h->path, WTERMSIG(st));
}

/* The runtime's own hooks: exec'd by the child itself. */
struct own_hook {
	int mntns_fd;         /* >= 0: joined first (createContainer) */
	int exe;              /* the binary, opened in the runtime's */
	bool script;          /* exe starts with #! */
};

static void own_child(void *arg, const struct cell_oci_hook *h, int in)
{
	const struct own_hook *o = arg;
	/* stdout/stderr stay the runtime's (conmon logs them) */
	if (dup2(in, 0) < 0)
		_exit(127);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	char *const def[] = { (char *)h->path, NULL };
	if (o->exe >= 0) {
		if (setns(o->mntns_fd, CLONE_NEWNS) < 0)
			_exit(126);
		/* an interpreter opens a script as /dev/fd/N */
		if (o->script)
			fcntl(o->exe, F_SETFD, 0);
		syscall(SYS_execveat, o->exe, "", h->args ? h->args : def,
			h->env ? h->env : empty_env, AT_EMPTY_PATH);
		_exit(127);
	}
	execve(h->path, h->args ? h->args : def, h->env ? h->env : empty_env);
	_exit(127);
}

static int run_one(const struct cell_oci_hook *h, const char *state,
		   int mntns_fd, const struct cell_oci_hook_runner *r,
		   struct cell_error *err)
{
	if (r)
		return spawn(h, state, r, err);
	/* in another mount namespace: the binary is the runtime's */
	_cleanup_close_ int exe = -1;
	bool script = false;
	if (mntns_fd >= 0) {
		exe = open(h->path, O_RDONLY | O_CLOEXEC);
		if (exe < 0)
			return cell_error_errno(err, -errno, "%s", h->path);
		char mag[2];
		script = pread(exe, mag, 2, 0) == 2 && mag[0] == '#' &&
			 mag[1] == '!';
	}
	struct own_hook o = { .mntns_fd = mntns_fd, .exe = exe,
			      .script = script };
	struct cell_oci_hook_runner own = { .child = own_child, .arg = &o };
	return spawn(h, state, &own, err);
}

static int run_list(const struct cell_oci_hook *hooks, size_t n,
		    enum cell_oci_hook_kind k, const char *state_json,
		    bool warn_only, int mntns_fd,
		    const struct cell_oci_hook_runner *r,
		    const struct cell_oci_log *log, struct cell_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct cell_error e;
		cell_error_clear(&e);
		cell_oci_logf(log, CELL_OCI_DEBUG, "hooks.%s[%zu]: %s",
			      cell_oci_hook_name(k), i, hooks[i].path);
		int rr = run_one(&hooks[i], state_json, mntns_fd, r, &e);
		if (rr == 0)
			continue;
		if (warn_only) {
			cell_oci_logf(log, CELL_OCI_WARN, "hooks.%s[%zu]: %s",
				      cell_oci_hook_name(k), i, e.msg);
			continue;
		}
		return cell_error_set(err, rr, "hooks.%s[%zu]: %s",
				      cell_oci_hook_name(k), i, e.msg);
	}
	return 0;
}

int cell_oci_hooks_run(const struct cell_oci_hook *hooks, size_t n,
		       enum cell_oci_hook_kind k, const char *state_json,
		       bool warn_only, const struct cell_oci_log *log,
		       struct cell_error *err)
{
	return run_list(hooks, n, k, state_json, warn_only, -1, NULL, log,
			err);
}

int cell_oci_hooks_run_in(const struct cell_oci_hook *hooks, size_t n,
			  enum cell_oci_hook_kind k, const char *state_json,
			  int mntns_fd, const struct cell_oci_log *log,
			  struct cell_error *err)
{
	if (mntns_fd < 0)
		return cell_error_set(err, -EBADF, "hooks.%s: no mount "
				      "namespace", cell_oci_hook_name(k));
	return run_list(hooks, n, k, state_json, false, mntns_fd, NULL, log,
			err);
}

int cell_oci_hooks_run_with(const struct cell_oci_hook *hooks, size_t n,
			    enum cell_oci_hook_kind k, const char *state_json,
			    const struct cell_oci_hook_runner *r,
			    const struct cell_oci_log *log,
			    struct cell_error *err)
{
	if (!r || !r->child)
		return cell_error_set(err, -EINVAL, "hooks.%s: no runner",
				      cell_oci_hook_name(k));
	return run_list(hooks, n, k, state_json, false, -1, r, log, err);
}
