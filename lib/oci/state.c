/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The OCI state directory (--root, default /run/cell-oci):
 *
 *   <root>/<id>/             0700, flock(2)ed by the command working on id
 *   <root>/<id>/state.json   the record, replaced atomically (tmp+rename)
 *   <root>/<id>/config.json  the bundle's config as create read it
 *                            (delete's poststop hooks, update)
 *   <root>/<id>/start.fifo   the start gate while the container is created
 *
 * The status is derived, never trusted: a recorded created/running/paused
 * container whose process (pid and start time) is gone is stopped. cell's
 * own record of the jail may be gone by then (cell's commands repair jails
 * whose init died); this directory is what keeps an OCI container until
 * delete. A directory with no readable state.json, or a state "creating"
 * whose creator died, is what a killed runtime left: stale.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cleanup.h"
#include "oci/oci.h"
#include "util.h"

static const char *const status_names[] = {
	[CELL_OCI_CREATING] = "creating", [CELL_OCI_CREATED] = "created",
	[CELL_OCI_RUNNING] = "running", [CELL_OCI_STOPPED] = "stopped",
	[CELL_OCI_PAUSED] = "paused",
};

const char *cell_oci_status_name(enum cell_oci_status s)
{
	return s <= CELL_OCI_PAUSED ? status_names[s] : "unknown";
}

static int status_from_name(const char *n)
{
	for (size_t i = 0; n && i < ARRAY_SIZE(status_names); i++)
		if (!strcmp(n, status_names[i]))
			return (int)i;
	return -1;
}

/* An id is one path component of a safe alphabet; cell_param_set("name")
 * checks it again as a jail name. */
static int check_id(const char *id, struct cell_error *err)
{
	size_t l = id ? strlen(id) : 0;
	if (!l || l >= CELL_OCI_ID_MAX)
		return cell_error_set(err, -EINVAL, "container id: must be 1 to "
				      "%d bytes", CELL_OCI_ID_MAX - 1);
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			return cell_error_set(err, -EINVAL, "container id "
					      "'%.64s': only letters, digits, "
					      "'_' and '-'", id);
	if (id[0] == '.' || id[0] == '-')
		return cell_error_set(err, -EINVAL, "container id '%.64s': may "
				      "not start with '.' or '-'", id);
	return 0;
}

static int lock_dir(struct cell_oci_dir *d, bool lock, struct cell_error *err)
{
	for (;;) {
		d->dirfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				O_NOFOLLOW);
		if (d->dirfd < 0)
			return -errno;
		if (!lock)
			return 0;
		if (flock(d->dirfd, LOCK_EX) < 0) {
			int e = -errno;
			close(d->dirfd);
			d->dirfd = -1;
			return cell_error_errno(err, e, "lock %s", d->path);
		}
		/* removed (delete) while we waited: the id is free now */
		struct stat a, b;
		if (fstat(d->dirfd, &a) == 0 && stat(d->path, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_nlink)
			return 0;
		close(d->dirfd);
		d->dirfd = -1;
		if (stat(d->path, &b) < 0)
			return -ENOENT;
	}
}

static int dir_path(const char *root, const char *id, struct cell_oci_dir *d,
		    struct cell_error *err)
{
	d->dirfd = -1;
	int r = check_id(id, err);
	if (r < 0)
		return r;
	if (!root || root[0] != '/')
		return cell_error_set(err, -EINVAL, "--root must be an absolute "
				      "path");
	if (snprintf(d->path, sizeof(d->path), "%s/%s", root, id) >=
	    (int)sizeof(d->path))
		return cell_error_set(err, -ENAMETOOLONG, "--root too long");
	return 0;
}

/* where a create makes its directory before the rename into place:
 * <root>/.new/<id>.<pid>, so that sweeping what killed creates left
 * reads this small directory, not the whole root */
#define NEW_DIR ".new"

int cell_oci_dir_create(const char *root, const char *id,
			const struct cell_oci_state *first,
			struct cell_oci_dir *d, struct cell_error *err)
{
	int r = dir_path(root, id, d, err);
	if (r < 0)
		return r;
	char nd[sizeof(d->path)];
	if (snprintf(nd, sizeof(nd), "%s/" NEW_DIR, root) >= (int)sizeof(nd))
		return cell_error_set(err, -ENAMETOOLONG, "--root too long");
	cell_oci_sweep(root, id);
	/* made under a hidden name, locked and given its first record, then
	 * renamed into place: <root>/<id> never exists without a record,
	 * so no reader can take a create in progress for a killed one */
	char final[sizeof(d->path)];
	memcpy(final, d->path, sizeof(final));
	if (snprintf(d->path, sizeof(d->path), "%s/%s.%d", nd, id,
		     (int)getpid()) >= (int)sizeof(d->path))
		return cell_error_set(err, -ENAMETOOLONG, "--root too long");
	/* .new comes and goes (the last create or sweep using it removes
	 * it): made again when another removed it in between */
	for (int tries = 0;; tries++) {
		if (mkdir(d->path, 0700) == 0)
			break;
		if (errno != ENOENT || tries == 100)
			return cell_error_errno(err, -errno, "mkdir %s",
						d->path);
		/* the common case, root there already, in one call */
		if (mkdir(nd, 0700) < 0 && errno != EEXIST) {
			r = cell_mkdir_p(nd, 0700);
			if (r < 0)
				return cell_error_errno(err, r, "state "
							"directory %s", root);
		}
	}
	r = lock_dir(d, true, err);
	if (r == 0)
		r = cell_oci_state_save(d, first, err);
	if (r == 0 && renameat2(AT_FDCWD, d->path, AT_FDCWD, final,
				RENAME_NOREPLACE) < 0) {
		r = errno == EEXIST || errno == ENOTEMPTY
			? cell_error_set(err, -EEXIST, "container '%s' already "
					 "exists", id)
			: cell_error_errno(err, -errno, "rename to %s", final);
	}
	if (r < 0) {
		if (d->dirfd >= 0)
			cell_oci_dir_remove(d, NULL);
		cell_oci_dir_close(d);
		rmdir(nd);   /* when no other create uses it */
		return r;
	}
	memcpy(d->path, final, sizeof(final));
	rmdir(nd);
	return 0;
}

/*
 * A create killed between its mkdir of ".new/ID.PID" and the rename into
 * place leaves that directory: removed here when PID is gone (a live
 * create's may be unlocked for an instant, so the pid decides), and
 * ".new" itself when empty.
 */
void cell_oci_sweep(const char *root, const char *id)
{
	char nd[PATH_MAX];
	if (snprintf(nd, sizeof(nd), "%s/" NEW_DIR, root) >= (int)sizeof(nd))
		return;
	_cleanup_closedir_ DIR *dir = opendir(nd);
	struct dirent *e;
	size_t il = strlen(id);
	while (dir && (e = readdir(dir))) {
		const char *n = e->d_name;
		char *end;
		if (strncmp(n, id, il) || n[il] != '.')
			continue;
		long pid = strtol(n + il + 1, &end, 10);
		/* ours is dead too: a create sweeps before its own mkdir,
		 * and this pid's earlier owner left it */
		if (*end || pid <= 0 || pid > INT32_MAX ||
		    ((pid_t)pid != getpid() &&
		     (kill((pid_t)pid, 0) == 0 || errno != ESRCH)))
			continue;
		int fd = openat(dirfd(dir), n, O_RDONLY | O_DIRECTORY |
						       O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		DIR *sub = fdopendir(fd);
		struct dirent *f;
		while (sub && (f = readdir(sub)))
			if (strcmp(f->d_name, ".") && strcmp(f->d_name, ".."))
				unlinkat(fd, f->d_name, 0);
		if (sub)
			closedir(sub);
		else
			close(fd);
		unlinkat(dirfd(dir), n, AT_REMOVEDIR);
	}
	if (dir)
		rmdir(nd);
}

int cell_oci_dir_open(const char *root, const char *id, bool lock,
		      struct cell_oci_dir *d, bool *is_stale,
		      struct cell_oci_state *s, struct cell_error *err)
{
	*is_stale = false;
	int r = dir_path(root, id, d, err);
	if (r < 0)
		return r;
	r = lock_dir(d, lock, err);
	if (r == -ENOENT || r == -ENOTDIR)
		return cell_error_set(err, -ENOENT, "container '%s' does not "
				      "exist", id);
	if (r < 0)
		return err && err->code ? r
			: cell_error_errno(err, r, "open %s", d->path);
	/* read once: the caller gets the state it was judged by */
	struct cell_oci_state tmp;
	struct cell_oci_state *st = s ? s : &tmp;
	if (cell_oci_state_load(d, st, err) < 0) {
		/* no record yet: stale only when no command holds the lock
		 * (a create in progress does) */
		*is_stale = lock || flock(d->dirfd, LOCK_EX | LOCK_NB) == 0;
		return 0;
	}
	*is_stale = st->status == CELL_OCI_CREATING &&
		    (st->creator <= 0 || (kill(st->creator, 0) < 0 &&
					  errno == ESRCH));
	if (!s)
		cell_oci_state_free(&tmp);
	return 1;
}

void cell_oci_dir_close(struct cell_oci_dir *d)
{
	if (d->dirfd >= 0)
		close(d->dirfd);
	d->dirfd = -1;
}

int cell_oci_dir_remove(struct cell_oci_dir *d, struct cell_error *err)
{
	/* only the names this file makes, then the directory itself; a
	 * leftover ".tmp" of a killed writer goes too */
	_cleanup_closedir_ DIR *dir = NULL;
	int fd = openat(d->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		dir = fdopendir(fd);
	if (dir) {
		struct dirent *e;
		while ((e = readdir(dir)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(d->dirfd, e->d_name, 0);
	}
	if (rmdir(d->path) < 0 && errno != ENOENT)
		return cell_error_errno(err, -errno, "rmdir %s", d->path);
	return 0;
}

/* --- state.json -------------------------------------------------------- */

static json_t *to_json(const struct cell_oci_state *s, enum cell_oci_status st,
		       bool internal)
{
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(CELL_OCI_VERSION));
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "status", json_string(cell_oci_status_name(st)));
	/* the spec: pid is REQUIRED when created or running (and paused,
	 * runc's extra state); while creating, the create hooks' state
	 * has it too (runc: "creating" with init's pid), and a recorded
	 * creating state has none to give (0); not there once stopped */
	if (s->pid > 0 && (internal || st == CELL_OCI_CREATING ||
			   st == CELL_OCI_CREATED || st == CELL_OCI_RUNNING ||
			   st == CELL_OCI_PAUSED))
		json_object_set_new(o, "pid", json_integer(s->pid));
	json_object_set_new(o, "bundle", json_string(s->bundle));
	json_object_set_new(o, "rootfs", json_string(s->rootfs));
	json_object_set_new(o, "created", json_string(s->created));
	json_object_set_new(o, "owner", json_string(s->owner));
	json_object_set_new(o, "annotations", s->annotations ?
			    json_incref(s->annotations) : json_object());
	if (internal) {
		json_object_set_new(o, "cell.pidStart",
				    json_integer((json_int_t)s->pid_start));
		json_object_set_new(o, "cell.creator", json_integer(s->creator));
		json_object_set_new(o, "cell.cgroup", json_string(s->cgroup));
		json_object_set_new(o, "cell.jail", json_string(s->id));
		json_object_set_new(o, "cell.jid", json_integer(s->jid));
		json_object_set_new(o, "cell.poststop",
				    json_boolean(s->poststop_hooks));
		json_object_set_new(o, "cell.startContainer",
				    json_boolean(s->start_hooks));
		json_object_set_new(o, "cell.poststart",
				    json_boolean(s->poststart_hooks));
	}
	return o;
}

char *cell_oci_state_text(const struct cell_oci_state *s)
{
	json_t *o = to_json(s, s->status, true);
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

int cell_oci_state_save(const struct cell_oci_dir *d,
			const struct cell_oci_state *s, struct cell_error *err)
{
	char *text = cell_oci_state_text(s);
	if (!text)
		return cell_error_set(err, -ENOMEM, "state.json: out of memory");
	char path[4200];
	snprintf(path, sizeof(path), "%s/state.json", d->path);
	int r = cell_write_file_atomic(path, text, strlen(text));
	free(text);
	if (r < 0)
		return cell_error_errno(err, r, "write %s", path);
	return 0;
}

static void copy_str(char *dst, size_t len, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	snprintf(dst, len, "%s", v ? v : "");
}

int cell_oci_state_parse(const char *text, size_t len,
			 struct cell_oci_state *s)
{
	memset(s, 0, sizeof(*s));
	json_error_t je;
	json_t *o = json_loadb(text, len, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return -EINVAL;
	}
	copy_str(s->id, sizeof(s->id), o, "id");
	int st = status_from_name(json_string_value(json_object_get(o,
								    "status")));
	s->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	s->pid_start = (unsigned long long)json_integer_value(
		json_object_get(o, "cell.pidStart"));
	s->creator = (pid_t)json_integer_value(json_object_get(o,
							       "cell.creator"));
	copy_str(s->bundle, sizeof(s->bundle), o, "bundle");
	copy_str(s->rootfs, sizeof(s->rootfs), o, "rootfs");
	copy_str(s->created, sizeof(s->created), o, "created");
	copy_str(s->owner, sizeof(s->owner), o, "owner");
	copy_str(s->cgroup, sizeof(s->cgroup), o, "cell.cgroup");
	s->jid = (int)json_integer_value(json_object_get(o, "cell.jid"));
	s->poststop_hooks = json_is_true(json_object_get(o, "cell.poststop"));
	json_t *sc = json_object_get(o, "cell.startContainer");
	json_t *ps = json_object_get(o, "cell.poststart");
	s->start_hooks = !sc || json_is_true(sc);
	s->poststart_hooks = !ps || json_is_true(ps);
	json_t *a = json_object_get(o, "annotations");
	if (json_is_object(a))
		s->annotations = json_incref(a);
	json_decref(o);
	if (st < 0 || !s->id[0]) {
		cell_oci_state_free(s);
		return -EINVAL;
	}
	s->status = (enum cell_oci_status)st;
	return 0;
}

int cell_oci_state_load(const struct cell_oci_dir *d, struct cell_oci_state *s,
			struct cell_error *err)
{
	memset(s, 0, sizeof(*s));
	char path[4200];
	snprintf(path, sizeof(path), "%s/state.json", d->path);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = cell_read_file(path, 1 << 20, &text, &len);
	if (r < 0)
		return cell_error_errno(err, r, "read %s", path);
	if (cell_oci_state_parse(text, len, s) < 0)
		return cell_error_set(err, -EINVAL, "%s: damaged", path);
	return 0;
}

void cell_oci_state_free(struct cell_oci_state *s)
{
	json_decref(s->annotations);
	s->annotations = NULL;
}

enum cell_oci_status cell_oci_state_status(const struct cell_oci_dir *d,
					   const struct cell_oci_state *s)
{
	(void)d;
	if (s->status == CELL_OCI_STOPPED || s->status == CELL_OCI_CREATING)
		return s->status;
	/* one read of /proc/PID/stat: the same process (its start time),
	 * and not one that exited without being reaped yet (its parent,
	 * conmon or the shim, is about to): that is stopped too */
	char state = '?';
	if (s->pid <= 0 || !s->pid_start ||
	    cell_proc_starttime_state(s->pid, &state) != s->pid_start ||
	    state == 'Z' || state == 'X')
		return CELL_OCI_STOPPED;
	return s->status;
}

char *cell_oci_state_json(const struct cell_oci_state *s,
			  enum cell_oci_status now, bool pretty)
{
	json_t *o = to_json(s, now, false);
	char *text = json_dumps(o, pretty ? JSON_INDENT(2) : JSON_COMPACT);
	json_decref(o);
	return text;
}

int cell_oci_list(const char *root, char ***ids, size_t *n,
		  struct cell_error *err)
{
	*ids = NULL;
	*n = 0;
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return cell_error_errno(err, -errno, "open %s", root);
	}
	struct dirent *e;
	size_t cap = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || check_id(e->d_name, NULL) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if (cap > 1u << 20)
				break;
			char **v = realloc(*ids, cap * sizeof(char *));
			if (!v)
				return cell_error_set(err, -ENOMEM, "out of "
						      "memory");
			*ids = v;
		}
		(*ids)[*n] = strdup(e->d_name);
		if ((*ids)[*n])
			(*n)++;
	}
	return 0;
}
