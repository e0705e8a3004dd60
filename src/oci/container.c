/* SPDX-License-Identifier: BSD-2-Clause */
/* What several subcommands do to one container: open, signal, destroy. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "hostuser.h"
#include "lifecycle.h"
#include "state.h"
#include "util.h"

int oci_open(const char *id, bool lock, struct cell_oci_dir *d,
	     struct cell_oci_state *s)
{
	struct cell_error err;
	cell_error_clear(&err);
	bool stale = false;
	memset(s, 0, sizeof(*s));
	int r = cell_oci_dir_open(G.root, id, lock, d, &stale, s, &err);
	if (r < 0)
		return oci_fail_err(NULL, &err);
	if (stale) {
		oci_log(CELL_OCI_WARN, "container '%s': cleaning up the state "
			"a killed runtime left in %s", id, d->path);
		if (r == 1) {
			oci_destroy(d, s);
			cell_oci_state_free(s);
		} else {
			struct cell_record rec;
			if (cell_state_find(id, &rec, NULL) == 0) {
				cell_record_free(&rec);
				oci_log(CELL_OCI_WARN, "container '%s': jail "
					"%s left as is: its state is unknown",
					id, id);
			}
			cell_oci_dir_remove(d, NULL);
		}
		cell_oci_dir_close(d);
		return oci_fail("container '%s' does not exist", id);
	}
	if (r == 0) {
		if (!lock) {
			/* a create holds the lock and has not written its
			 * first record yet */
			memset(s, 0, sizeof(*s));
			snprintf(s->id, sizeof(s->id), "%s", id);
			s->status = CELL_OCI_CREATING;
			return 0;
		}
		cell_oci_dir_close(d);
		return oci_fail_err(NULL, &err);
	}
	return 0;
}

void oci_fill_owner(const struct cell_oci_dir *d, struct cell_oci_state *s)
{
	struct stat st;
	if (s->owner[0] || fstat(d->dirfd, &st) < 0)
		return;
	char uid[16];
	snprintf(uid, sizeof(uid), "%u", (unsigned)st.st_uid);
	struct cell_user u;
	if (cell_host_user(uid, CELL_HOST_USER_UID, &u) == 0)
		snprintf(s->owner, sizeof(s->owner), "%s", u.name);
	else
		snprintf(s->owner, sizeof(s->owner), "%u", (unsigned)st.st_uid);
}

int oci_parse_signal(const char *s)
{
	if (!s || !*s)
		return -EINVAL;
	char *end;
	long n = strtol(s, &end, 10);
	if (!*end)
		return n > 0 && n < NSIG ? (int)n : -EINVAL;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && !strcasecmp(abbrev, s))
			return i;
	}
	return -EINVAL;
}

int oci_signal_pid(const struct cell_oci_state *s, int sig,
		   struct cell_error *err)
{
	int fd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (fd < 0)
		return cell_error_errno(err, -errno, "pidfd_open %d", s->pid);
	/* opened first, checked after: the pidfd names that process even if
	 * the pid is reused later */
	if (cell_proc_starttime(s->pid) != s->pid_start) {
		close(fd);
		return cell_error_set(err, -ESRCH, "container process is gone");
	}
	int r = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	int e = errno;
	close(fd);
	if (r < 0)
		return cell_error_errno(err, -e, "signal %d", sig);
	return 0;
}

int oci_kill_wait(const struct cell_oci_state *s, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (fd < 0)
		return -errno;
	int r = 0;
	if (cell_proc_starttime(s->pid) != s->pid_start)
		r = -ESRCH;
	else if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0)
		r = -errno;
	else {
		/* readable once it has exited (a zombie is stopped) */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n;
		while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		r = n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
	}
	close(fd);
	return r;
}

int oci_cgroup_pids(const char *cgroup, pid_t **pids, size_t *n,
		    struct cell_error *err)
{
	*pids = NULL;
	*n = 0;
	struct cell_cgroup_host *h = NULL;
	int r = cell_cgroup_host_open(NULL, &h, err);
	if (r < 0)
		return r;
	struct cell_cgroup *cg = NULL;
	r = cell_cgroup_open(h, cgroup, &cg, err);
	if (r == 0) {
		r = cell_cgroup_pids(cg, pids, n, err);
		cell_cgroup_free(cg);
	}
	cell_cgroup_host_free(h);
	return r;
}

int oci_signal_all(const struct cell_oci_state *s, int sig,
		   struct cell_error *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = oci_cgroup_pids(s->cgroup, &pids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		kill(pids[i], sig); /* members of the cgroup; races are ESRCH */
	return 0;
}

int oci_write_pidfile(const char *path, pid_t pid, struct cell_error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	/* tmp + rename in the file's directory: a reader (conmon, the
	 * shim) sees no file or the whole pid */
	int r = cell_write_file_atomic(path, buf, (size_t)n);
	if (r < 0)
		return cell_error_errno(err, r, "--pid-file %s", path);
	chmod(path, 0644);
	return 0;
}

int oci_saved_config(const struct cell_oci_dir *d, struct cell_oci_config *c,
		     struct cell_error *err)
{
	/* callers free *c whatever happens: empty until parsed */
	memset(c, 0, sizeof(*c));
	char path[4200];
	snprintf(path, sizeof(path), "%s/config.json", d->path);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = cell_read_file(path, CELL_OCI_CONFIG_MAX, &text, &len);
	if (r < 0)
		return cell_error_errno(err, r, "read %s", path);
	return cell_oci_config_parse(text, len, NULL, c, err);
}

int oci_find_jail(const struct cell_oci_state *s, struct cell_record *rec,
		  struct cell_error *err)
{
	/* by jid when known: one record read, not a scan of every jail's
	 * (and an id of digits is not taken for a jid) */
	int r;
	if (s->jid > 0) {
		r = cell_state_load(s->jid, rec, err);
		if (r == 0 && strcmp(rec->jail.name, s->id)) {
			cell_record_free(rec);
			r = cell_error_set(err, -ENOENT, "jail %d is not "
					   "this container's", s->jid);
		}
	} else {
		r = cell_state_find(s->id, rec, err);
	}
	if (r < 0)
		return r;
	/* ours: the process we recorded, or, for a create killed before it
	 * recorded one, the jail that same create command made */
	bool ours = (s->pid > 0 && rec->init_pid == s->pid &&
		     rec->init_start == s->pid_start) ||
		    (s->status == CELL_OCI_CREATING && s->creator > 0 &&
		     rec->creator == s->creator);
	if (!ours) {
		cell_record_free(rec);
		return cell_error_set(err, -ENOENT, "jail %s is not this "
				      "container's", s->id);
	}
	return 0;
}

void oci_crash_point(const char *step)
{
	const char *at = getenv("CELL_TEST_CRASH_AT");
	if (at && !strcmp(at, step))
		raise(SIGKILL);
}

int oci_destroy(struct cell_oci_dir *d, struct cell_oci_state *s)
{
	struct cell_error err;
	cell_error_clear(&err);
	struct cell_record rec;
	bool removed = false;
	if (s->jid > 0 && s->pid > 0) {
		/* the jail of the process we recorded, by jid, checked and
		 * removed under one lock (oci_find_jail's first case) */
		int r = cell_remove_instance(s->jid, s->pid, s->pid_start,
					     &err);
		if (r < 0 && r != -ENOENT)
			oci_log(CELL_OCI_WARN, "remove jail %s: %s", s->id,
				err.msg);
		removed = r != -ENOENT;
		if (removed)
			oci_crash_point("oci-jail-removed");
	} else if (oci_find_jail(s, &rec, NULL) == 0) {
		char key[16];
		snprintf(key, sizeof(key), "%d", rec.jail.jid);
		cell_record_free(&rec);
		if (cell_remove(key, &err) < 0 && err.code != -ENOENT)
			oci_log(CELL_OCI_WARN, "remove jail %s: %s", s->id,
				err.msg);
		removed = true;
		oci_crash_point("oci-jail-removed");
	}
	/* (with its jail, the process went too) */
	if (!removed && s->pid > 0 &&
	    cell_proc_starttime(s->pid) == s->pid_start) {
		/* no jail record (cell repaired it, or create died
		 * half-way) but the process lives: end it */
		oci_signal_pid(s, SIGKILL, NULL);
	}
	if (s->poststop_hooks) {
		struct cell_oci_config c;
		cell_error_clear(&err);
		if (oci_saved_config(d, &c, &err) == 0) {
			_cleanup_free_ char *js = cell_oci_state_json(
				s, CELL_OCI_STOPPED, false);
			if (js)
				cell_oci_hooks_run(
					c.hooks[CELL_OCI_HOOK_POSTSTOP],
					c.nhooks[CELL_OCI_HOOK_POSTSTOP],
					CELL_OCI_HOOK_POSTSTOP, js, true,
					&oci_logger, NULL);
		} else {
			oci_log(CELL_OCI_WARN, "poststop hooks not run: %s",
				err.msg);
		}
		cell_oci_config_free(&c);
	}
	cell_error_clear(&err);
	if (cell_oci_dir_remove(d, &err) < 0)
		return oci_fail_err(NULL, &err);
	return 0;
}

int oci_console_connect(const char *path, struct cell_error *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return cell_error_set(err, -ENAMETOOLONG, "--console-socket: "
				      "path too long");
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cell_error_errno(err, -errno, "socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = -errno;
		close(fd);
		return cell_error_errno(err, e, "--console-socket %s", path);
	}
	return fd;
}
