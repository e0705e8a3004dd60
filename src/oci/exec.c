/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci exec [--process FILE] [--tty] [--console-socket S] [--detach]
 *               [--pid-file F] [--cwd DIR] [--env K=V]... [--user U[:G]]
 *               [--additional-gids G]... [--cap CAP]... ID [ARGS...]
 *
 * A new process in a running container through cell_exec(), the path of
 * jexec: the same tail, the container's capabilities, its seccomp
 * profile. Without --process, the config's process gives the defaults.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "lifecycle.h"
#include "util.h"

#define EXTRA_MAX 256

static const struct option exec_opts[] = {
	{ "process", required_argument, NULL, 'p' },
	{ "tty", no_argument, NULL, 't' },
	{ "console-socket", required_argument, NULL, 's' },
	{ "detach", no_argument, NULL, 'd' },
	{ "pid-file", required_argument, NULL, 'P' },
	{ "cwd", required_argument, NULL, 'w' },
	{ "env", required_argument, NULL, 'e' },
	{ "user", required_argument, NULL, 'u' },
	{ "additional-gids", required_argument, NULL, 'g' },
	{ "cap", required_argument, NULL, 'c' },
	{ "no-new-privs", no_argument, NULL, 'n' },
	{ "process-label", required_argument, NULL, 'l' },
	{ "apparmor", required_argument, NULL, 'a' },
	{ "preserve-fds", required_argument, NULL, 'f' },
	{ "ignore-paused", no_argument, NULL, 'i' },
	{ "cgroup", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct exec_flags {
	const char *process, *console, *pid_file, *cwd, *user;
	bool tty, detach, ignore_paused;
	const char *env[EXTRA_MAX];
	size_t nenv;
	gid_t gids[EXTRA_MAX];
	size_t ngids;
	uint64_t caps;
	int preserve_fds;
};

static int parse_user(const char *u, uid_t *uid, gid_t *gid)
{
	char *end;
	unsigned long v = strtoul(u, &end, 10);
	if (end == u || (*end && *end != ':') || v >= UINT32_MAX)
		return -EINVAL;
	*uid = (uid_t)v;
	if (*end == ':') {
		const char *g = end + 1;
		v = strtoul(g, &end, 10);
		if (end == g || *end || v >= UINT32_MAX)
			return -EINVAL;
		*gid = (gid_t)v;
	}
	return 0;
}

/* What the agent at linux.seccomp.listenerPath gets with the listener
 * of an exec'd process: runc's message, the process's pid and the
 * container's state (status now, init's pid). */
struct exec_listener {
	const void *seccomp;
	const char *state;
};

static int send_listener(void *arg, int fd, pid_t pid,
			 struct cell_error *err)
{
	const struct exec_listener *l = arg;
	return cell_oci_seccomp_send_listener(l->seccomp, fd, pid, l->state,
					      err);
}

int cmd_exec(int argc, char **argv)
{
	struct exec_flags f = { 0 };
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+p:tde:u:g:c:h", exec_opts,
				      NULL)) != -1) {
		switch (ch) {
		case 'p': f.process = optarg; break;
		case 't': f.tty = true; break;
		case 's': f.console = optarg; break;
		case 'd': f.detach = true; break;
		case 'P': f.pid_file = optarg; break;
		case 'w': f.cwd = optarg; break;
		case 'e':
			if (f.nenv == EXTRA_MAX || !strchr(optarg, '='))
				return oci_fail("exec --env: expected K=V "
						"(at most %d)", EXTRA_MAX);
			f.env[f.nenv++] = optarg;
			break;
		case 'u': f.user = optarg; break;
		case 'g': {
			char *end;
			unsigned long g = strtoul(optarg, &end, 10);
			if (*end || f.ngids == EXTRA_MAX || g >= UINT32_MAX)
				return oci_fail("exec --additional-gids: "
						"expected a gid");
			f.gids[f.ngids++] = (gid_t)g;
			break;
		}
		case 'c': {
			int b = cell_oci_cap_from_name(optarg);
			if (b < 0)
				return oci_fail("exec --cap: unknown "
						"capability '%s'", optarg);
			f.caps |= 1ULL << b;
			break;
		}
		case 'n': break; /* always on in a jail */
		case 'l': case 'a':
			oci_log(CELL_OCI_WARN, "exec: LSM labels ignored");
			break;
		case 'f': f.preserve_fds = atoi(optarg); break;
		case 'i': f.ignore_paused = true; break;
		case 'C':
			return oci_fail("exec --cgroup: sub-cgroups are not "
					"supported");
		case 'h': return oci_usage("exec", false);
		default: return oci_usage("exec", true);
		}
	}
	if (optind >= argc)
		return oci_usage("exec", true);
	const char *id = argv[optind++];
	if (!f.process && optind >= argc)
		return oci_fail("exec: a command or --process is required");
	if (f.preserve_fds < 0 || f.preserve_fds > 1024)
		return oci_fail("exec --preserve-fds %d: must be 0..1024",
				f.preserve_fds);
	for (int fd = 3; fd < 3 + f.preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return oci_fail("exec --preserve-fds %d: descriptor %d "
					"is not open", f.preserve_fds, fd);
	if (f.tty && !f.console)
		return oci_fail("exec --tty needs --console-socket");

	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(id, false, &d, &s))
		return 1;
	struct cell_error err;
	cell_error_clear(&err);
	struct cell_oci_config base = { 0 }, pc = { 0 };
	struct sock_fprog filter = { 0 };
	struct cell_record rec;
	bool have_rec = false;
	_cleanup_close_ int console = -1;
	_cleanup_free_ char **env = NULL;
	_cleanup_free_ gid_t *groups = NULL;
	_cleanup_free_ char *js = NULL;
	int ret = 1;
	enum cell_oci_status now = cell_oci_state_status(&d, &s);
	if (now == CELL_OCI_PAUSED && !f.ignore_paused) {
		oci_fail("container %s is paused", id);
		goto out;
	}
	if (now != CELL_OCI_RUNNING && now != CELL_OCI_CREATED &&
	    now != CELL_OCI_PAUSED) {
		oci_fail("cannot exec in a container that is %s",
			 cell_oci_status_name(now));
		goto out;
	}
	if (oci_saved_config(&d, &base, &err) < 0) {
		oci_fail_err(NULL, &err);
		goto out;
	}
	struct cell_oci_config *src = &base;
	if (f.process) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		int r = cell_read_file(f.process, CELL_OCI_CONFIG_MAX, &text,
				       &len);
		if (r < 0) {
			oci_fail("--process %s: %s", f.process, strerror(-r));
			goto out;
		}
		if (cell_oci_process_parse(text, len, &pc, &err) < 0) {
			oci_fail_err(f.process, &err);
			goto out;
		}
		/* the container's profile applies to every process in it */
		pc.seccomp = base.seccomp;
		src = &pc;
	}
	/* --cap: added to the bounding, effective and permitted sets, as
	 * runc's exec does; the jail's policy still bounds them */
	src->caps |= f.caps;
	src->caps_eff |= f.caps;
	src->caps_prm |= f.caps;
	/* HOME (when the process has none) from the container's passwd */
	snprintf(src->rootfs, sizeof(src->rootfs), "%s", s.rootfs);
	struct cell_oci_opts o = { .id = id, .log = oci_logger };
	struct cell_exec x;
	if (cell_oci_to_exec(src, &o, &x, &filter, &err) < 0) {
		oci_fail_err(NULL, &err);
		goto out;
	}
	/* SCMP_ACT_NOTIFY: as runc, every process the profile applies to
	 * has a listener of its own, and the agent gets each (create's
	 * sending, with this process's pid) */
	struct exec_listener lc = { .seccomp = base.seccomp };
	if (x.extra_filter_listener) {
		js = cell_oci_state_json(&s, now, false);
		if (!js) {
			oci_fail("out of memory");
			goto out;
		}
		lc.state = js;
		x.listener = send_listener;
		x.listener_arg = &lc;
	}
	x.preserve_fds = (unsigned)f.preserve_fds;
	if (!f.process)
		x.argv = argv + optind;
	if (f.cwd)
		x.cwd = f.cwd;
	if (f.nenv) {
		size_t n = 0;
		while (x.envp && x.envp[n])
			n++;
		env = calloc(n + f.nenv + 1, sizeof(char *));
		if (!env) {
			oci_fail("out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			env[i] = x.envp[i];
		for (size_t i = 0; i < f.nenv; i++)
			env[n + i] = (char *)f.env[i];
		x.envp = env;
	}
	if (f.user && parse_user(f.user, &x.uid, &x.gid) < 0) {
		oci_fail("exec --user: expected UID[:GID], got '%s'", f.user);
		goto out;
	}
	if (f.ngids) {
		groups = calloc(x.ngroups + f.ngids, sizeof(gid_t));
		if (!groups) {
			oci_fail("out of memory");
			goto out;
		}
		memcpy(groups, x.groups, x.ngroups * sizeof(gid_t));
		memcpy(groups + x.ngroups, f.gids, f.ngids * sizeof(gid_t));
		x.groups = groups;
		x.ngroups += f.ngids;
	}
	if (f.tty || f.console) {
		console = oci_console_connect(f.console, &err);
		if (console < 0) {
			oci_fail_err(NULL, &err);
			goto out;
		}
		x.console_sock = console;
	}
	if (oci_find_jail(&s, &rec, &err) < 0) {
		oci_fail("container %s: its jail is gone (%s)", id, err.msg);
		goto out;
	}
	have_rec = true;
	int status = 0;
	pid_t pid = 0;
	if (cell_exec(&rec, &x, f.detach, &status, &pid, &err) < 0) {
		oci_fail_err(NULL, &err);
		goto out;
	}
	if (f.detach) {
		if (f.pid_file && oci_write_pidfile(f.pid_file, pid, &err) < 0) {
			oci_fail_err(NULL, &err);
			goto out;
		}
		ret = 0;
	} else {
		ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					  : WEXITSTATUS(status);
	}
out:
	if (have_rec)
		cell_record_free(&rec);
	cell_oci_seccomp_free(&filter);
	cell_oci_config_free(&pc);
	cell_oci_config_free(&base);
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}
