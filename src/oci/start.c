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
 * hook has finished before the user's program runs. lib/oci/hooks.c's
 * runner feeds, times and judges them as every other hook; what is ours
 * is the child (cell_exec of the hook) and the end at a timeout. A hook
 * that fails or times out kills the container (its init, and with it
 * its pid namespace and the hook) and start fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* What a startContainer hook runs in: the container of s (rec), with
 * c's process as defaults. */
struct start_ctx {
	const struct cell_oci_state *s;
	const struct cell_record *rec;
	const struct cell_oci_config *c;
};

/* In the hook runner's child: the hook through cell_exec, waited for
 * here, so that the runner's wait and timeout cover it; exit status as
 * a shell reports it. */
static void start_child(void *arg, const struct cell_oci_hook *h, int in)
{
	const struct start_ctx *sc = arg;
	struct cell_oci_opts o = { .id = sc->s->id, .log = oci_logger };
	struct cell_exec x;
	struct sock_fprog filter = { 0 };
	struct cell_error e;
	cell_error_clear(&e);
	if (cell_oci_to_exec(sc->c, &o, &x, &filter, &e) < 0) {
		oci_log(CELL_OCI_WARN, "startContainer %s: %s", h->path,
			e.msg);
		_exit(125);
	}
	/* the hook's own argv (argv[0] is the path: it is what is looked
	 * up in the container) and env, nothing else */
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
	x.stdio[0] = in;
	int st = 0;
	if (cell_exec(sc->rec, &x, false, &st, NULL, &e) < 0) {
		oci_log(CELL_OCI_WARN, "startContainer %s: %s", h->path,
			e.msg);
		_exit(125);
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st)
			    : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0));
}

/* The hook is in the container's pid namespace, not our child's: it
 * ends with the container's init. */
static void start_timed_out(void *arg)
{
	const struct start_ctx *sc = arg;
	oci_signal_pid(sc->s, SIGKILL, NULL);
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
	struct start_ctx sc = { .s = s, .rec = &rec, .c = &c };
	struct cell_oci_hook_runner run = {
		.child = start_child, .timed_out = start_timed_out, .arg = &sc,
	};
	if (r == 0)
		r = cell_oci_hooks_run_with(c.hooks[k], c.nhooks[k], k, js,
					    &run, &oci_logger, err);
	if (have_rec)
		cell_record_free(&rec);
	cell_oci_config_free(&c);
	return r;
}

/* A created container's start, its directory locked and the start FIFO
 * open for writing: the startContainer hooks, the byte its process waits
 * for, the state, the poststart hooks. */
static int start_opened(struct cell_oci_dir *d, struct cell_oci_state *s,
			int fd)
{
	struct cell_error err;
	cell_error_clear(&err);
	/* the saved config is read (and parsed) only for hooks it has */
	if (s->start_hooks && start_hooks(d, s, &err) < 0) {
		/* the spec: stop the container; delete runs poststop. Its
		 * end is waited for (bounded): a state right after says
		 * stopped, not created */
		oci_kill_wait(s, 5000);
		return oci_fail_err(NULL, &err);
	}
	if (write(fd, "s", 1) != 1)
		return oci_fail("cannot start container %s: %s", s->id,
				strerror(errno));
	char fifo[4200];
	snprintf(fifo, sizeof(fifo), "%s/start.fifo", d->path);
	unlink(fifo);
	s->status = CELL_OCI_RUNNING;
	if (cell_oci_state_save(d, s, &err) < 0)
		return oci_fail_err(NULL, &err);
	if (s->poststart_hooks)
		run_hooks(d, s, CELL_OCI_HOOK_POSTSTART, true, NULL);
	return 0;
}

int oci_do_start(const char *id)
{
	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(id, true, &d, &s))
		return 1;
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
	ret = start_opened(&d, &s, fd);
out:
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}

int oci_start_created(struct oci_created *k)
{
	/* created by this command and locked since: no FIFO to open again
	 * (create's is open for reading and writing, so the byte waits for
	 * the process's read, and a write cannot tell that nobody reads);
	 * so the process's status is checked as start checks it, and a
	 * process that died since fails the start as it fails start */
	enum cell_oci_status now = cell_oci_state_status(&k->d, &k->s);
	int ret = now == CELL_OCI_CREATED
			  ? start_opened(&k->d, &k->s, k->start_fd)
			  : oci_fail("cannot start a container that is %s "
				     "(only a created one)",
				     cell_oci_status_name(now));
	close(k->start_fd);
	k->start_fd = -1;
	cell_oci_state_free(&k->s);
	cell_oci_dir_close(&k->d);
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
