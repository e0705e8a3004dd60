/* SPDX-License-Identifier: BSD-2-Clause */
#include "state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "param.h"
#include "util.h"

#define RECORD_MAX (256 * 1024)

static const char *state_names[] = { "creating", "active", "dying" };

const char *cell_run_dir(void)
{
	const char *d = getenv("CELL_RUN_DIR");
	return d && d[0] == '/' ? d : "/run/cell";
}

bool cell_state_full_repair_due(int lockfd)
{
	struct stat st;
	struct timespec now;
	if (lockfd < 0 || fstat(lockfd, &st) < 0 ||
	    clock_gettime(CLOCK_REALTIME, &now) < 0)
		return true;
	long long ms = (now.tv_sec - st.st_mtim.tv_sec) * 1000LL +
		       (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
	/* (a clock set back counts as due) */
	return ms < 0 || ms >= CELL_REPAIR_INTERVAL_MS;
}

void cell_state_full_repair_done(int lockfd)
{
	if (lockfd >= 0)
		(void)futimens(lockfd, NULL);
}

static int jails_dir(char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/jails", cell_run_dir()) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int cell_state_lock_file(const char *name, struct cell_error *err)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", cell_run_dir(), name) >=
	    (int)sizeof(path))
		return cell_error_set(err, -ENAMETOOLONG, "run directory %s: "
				      "name too long", cell_run_dir());
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT) {
		/* the first command: make the state directories */
		char dir[PATH_MAX];
		int r = jails_dir(dir, sizeof(dir)) < 0 ? -ENAMETOOLONG
							: cell_mkdir_p(dir, 0700);
		if (r < 0)
			return cell_error_errno(err, r, "creating %s",
						cell_run_dir());
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			  0600);
	}
	if (fd < 0)
		return cell_error_errno(err, -errno, "opening %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int r = -errno;
			close(fd);
			return cell_error_errno(err, r, "locking %s", path);
		}
	}
	return fd;
}

int cell_state_lock(struct cell_error *err)
{
	return cell_state_lock_file("lock", err);
}

void cell_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * A file of the state directory, for reading: a regular file only. The
 * directory is root's, but a FIFO there (or a device) would block the
 * open or the read of every command that scans the records, each holding
 * the lock; it reads as damaged (-EINVAL) instead, and is kept.
 */
static int open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static int read_regular(const char *path, size_t max, char **buf,
			size_t *len)
{
	_cleanup_close_ int fd = open_regular(path);
	return fd < 0 ? fd : cell_read_fd(fd, max, buf, len);
}

static int record_path(int jid, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/jails/%d", cell_run_dir(), jid) >=
	    (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The cgroup is one word of the first line, unquoted: its characters are
 * those cell.cgroup and jail names allow (param.c), and nothing else is
 * written or read.
 */
static bool cgroup_word(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.:@/-", *s))
			return false;
	return true;
}

/*
 * A record's text: one line of runtime facts, then the jail's parameters,
 * one per line, quoted as jail.conf quotes them (cell_params_print).
 */
int cell_record_format(const struct cell_record *rec, char **out,
		       size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "state=%s creator=%d init=%d start=%llu step=%d cgroup=%s\n",
		state_names[rec->state], (int)rec->creator, (int)rec->init_pid,
		rec->init_start, rec->step,
		rec->cgroup[0] ? rec->cgroup : "-");
	int r = cgroup_word(rec->cgroup)
			? cell_params_print(f, &rec->jail,
					    CELL_PRINT_QUOTE |
						    CELL_PRINT_NEWLINES)
			: -EINVAL;
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*lenp = len;
	return 0;
}

int cell_state_save(const struct cell_record *rec, struct cell_error *err)
{
	char path[PATH_MAX];
	char dir[PATH_MAX];
	if (jails_dir(dir, sizeof(dir)) < 0 ||
	    record_path(rec->jail.jid, path, sizeof(path)) < 0)
		return cell_error_set(err, -ENAMETOOLONG, "state directory");
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = cell_record_format(rec, &buf, &len);
	if (r < 0)
		return cell_error_set(err, r, "formatting the record of jail %d",
				      rec->jail.jid);
	r = cell_write_file_atomic(path, buf, len);
	/* the directory is made on the first save only */
	if (r == -ENOENT) {
		r = cell_mkdir_p(dir, 0700);
		if (r == 0)
			r = cell_write_file_atomic(path, buf, len);
	}
	if (r < 0)
		return cell_error_errno(err, r, "writing %s", path);
	return 0;
}

void cell_record_free(struct cell_record *rec)
{
	cell_jail_free(&rec->jail);
}

/*
 * The first line of a record (up to its newline or NUL): the runtime
 * facts. A cgroup "-" is none. Fills rec's facts only.
 */
static int parse_head(const char *text, struct cell_record *rec)
{
	char line[512];
	size_t n = strcspn(text, "\n");
	if (n >= sizeof(line))
		return -EINVAL;
	memcpy(line, text, n);
	line[n] = '\0';
	char st[16] = "", cg[300] = "";
	int creator = 0, init = 0, step = 0, used = 0;
	unsigned long long start = 0;
	if (sscanf(line, "state=%15s creator=%d init=%d start=%llu step=%d "
			 "cgroup=%299s%n",
		   st, &creator, &init, &start, &step, cg, &used) != 6 ||
	    line[used] != '\0' || strlen(cg) >= sizeof(rec->cgroup) ||
	    !cgroup_word(cg))
		return -EINVAL;
	rec->state = CELL_REC_DYING;
	for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
		if (!strcmp(st, state_names[i]))
			rec->state = (enum cell_rec_state)i;
	rec->creator = creator;
	rec->init_pid = init;
	rec->init_start = start;
	rec->step = step;
	if (strcmp(cg, "-"))
		memcpy(rec->cgroup, cg, strlen(cg) + 1);
	return 0;
}

/*
 * The first line and the name only, without parsing the parameters:
 * what repair and lookups by name need of every record (a host with a
 * thousand jails would otherwise parse a thousand records per command).
 * rec->jail has only its name and jid; free with cell_record_free.
 */
int cell_state_peek(int jid, struct cell_record *rec)
{
	char path[PATH_MAX];
	if (record_path(jid, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open_regular(path);
	if (fd < 0)
		return fd;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n == 0)
		return -ENODATA;
	if (n < 0)
		return -EINVAL;
	buf[n] = '\0';
	memset(rec, 0, sizeof(*rec));
	char *nl = strchr(buf, '\n');
	if (!nl || parse_head(buf, rec) < 0)
		return -EINVAL;
	rec->jail.jid = jid;
	/* one parameter per line, and a valid name has no blank or quote:
	 * the line "name=NAME" (jid comes first, so it is near the top) */
	for (char *p = nl + 1; (p = strstr(p, "name=")); p += 5) {
		if (p != nl + 1 && p[-1] != '\n')
			continue;
		size_t l = strcspn(p + 5, " \n");
		if (l >= sizeof(rec->jail.name))
			return -EINVAL;
		memcpy(rec->jail.name, p + 5, l);
		rec->jail.name[l] = '\0';
		return 0;
	}
	return -EINVAL;
}

int cell_record_parse(const char *text, struct cell_record *rec,
		      struct cell_error *err)
{
	memset(rec, 0, sizeof(*rec));
	cell_jail_init(&rec->jail);
	const char *nl = strchr(text, '\n');
	if (!nl || parse_head(text, rec) < 0)
		return cell_error_set(err, -EINVAL, "malformed first line");
	int r = cell_params_parse_line(&rec->jail, nl + 1, err);
	if (r < 0) {
		cell_jail_free(&rec->jail);
		return r;
	}
	return 0;
}

int cell_state_load(int jid, struct cell_record *rec, struct cell_error *err)
{
	char path[PATH_MAX];
	if (record_path(jid, path, sizeof(path)) < 0)
		return cell_error_set(err, -ENAMETOOLONG, "state path");
	_cleanup_free_ char *buf = NULL;
	int r = read_regular(path, RECORD_MAX, &buf, NULL);
	if (r < 0)
		return r == -ENOENT ? r
				    : cell_error_errno(err, r, "reading %s",
						       path);
	struct cell_error why;
	cell_error_clear(&why);
	r = cell_record_parse(buf, rec, &why);
	if (r < 0)
		return cell_error_set(err, r, "%s: %s", path, why.msg);
	rec->jail.jid = jid;
	return 0;
}

static int bpf_path(int jid, bool listener, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/jails/%d.%s", cell_run_dir(), jid,
		     listener ? "lbpf" : "bpf") >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int cell_state_open_mounts(int jid)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/jails/%d.mnt", cell_run_dir(),
		     jid) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

int cell_state_delete(int jid)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/jails/%d.mnt", cell_run_dir(),
		     jid) < (int)sizeof(path))
		unlink(path);
	if (bpf_path(jid, false, path, sizeof(path)) == 0)
		unlink(path);
	if (bpf_path(jid, true, path, sizeof(path)) == 0)
		unlink(path);
	if (record_path(jid, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int save_bpf_at(const char *path, const struct sock_fprog *prog,
		       struct cell_error *err);
static int load_bpf_at(const char *path, struct sock_fprog *prog);

static bool key_ok(const char *key)
{
	for (const char *p = key; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      *p == '-' || *p == '.'))
			return false;
	return key[0] != '\0' && key[0] != '.';
}

/* bpf/KEY in the state directory (made with mkdir_it), for a KEY of
 * [0-9a-z.-] that names a file there and nothing else */
static int cache_path(const char *key, bool mkdir_it, char *buf,
		      size_t len)
{
	if (!key_ok(key))
		return -EINVAL;
	if (snprintf(buf, len, "%s/bpf", cell_run_dir()) >= (int)len)
		return -ENAMETOOLONG;
	if (mkdir_it && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	size_t l = strlen(buf);
	if (snprintf(buf + l, len - l, "/%s", key) >= (int)(len - l))
		return -ENAMETOOLONG;
	return 0;
}

int cell_state_load_bpf_cache(const char *key, struct sock_fprog *prog)
{
	char path[PATH_MAX];
	int r = cache_path(key, false, path, sizeof(path));
	return r < 0 ? r : load_bpf_at(path, prog);
}

int cell_state_save_bpf_cache(const char *key, const struct sock_fprog *prog)
{
	char path[PATH_MAX];
	int r = cache_path(key, true, path, sizeof(path));
	return r < 0 ? r : save_bpf_at(path, prog, NULL);
}

int cell_state_cache_save(const char *key, const void *buf, size_t len)
{
	char path[PATH_MAX];
	int r = cache_path(key, true, path, sizeof(path));
	return r < 0 ? r : cell_write_file_atomic(path, buf, len);
}

int cell_state_cache_load(const char *key, size_t max, char **buf,
			  size_t *len)
{
	char path[PATH_MAX];
	int r = cache_path(key, false, path, sizeof(path));
	return r < 0 ? r : read_regular(path, max, buf, len);
}

void cell_state_cache_prune(const char *prefix, size_t max)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s/bpf", cell_run_dir()) >=
	    (int)sizeof(dir))
		return;
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return;
	/* one pass counts and finds the oldest; repeated while over (a
	 * directory over the bound by more than one is rare: each save
	 * prunes first) */
	for (;;) {
		size_t n = 0;
		char oldest[NAME_MAX + 1] = "";
		struct timespec ot = { 0 };
		struct dirent *de;
		rewinddir(d);
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, prefix, strlen(prefix)))
				continue;
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			n++;
			if (!oldest[0] || st.st_mtim.tv_sec < ot.tv_sec ||
			    (st.st_mtim.tv_sec == ot.tv_sec &&
			     st.st_mtim.tv_nsec < ot.tv_nsec)) {
				ot = st.st_mtim;
				snprintf(oldest, sizeof(oldest), "%s",
					 de->d_name);
			}
		}
		if (n <= max || !oldest[0] ||
		    unlinkat(dirfd(d), oldest, 0) < 0)
			return;
	}
}

int cell_state_link_bpf_cache(const char *key, int jid, bool listener)
{
	char from[PATH_MAX], to[PATH_MAX];
	if (cache_path(key, false, from, sizeof(from)) < 0 ||
	    bpf_path(jid, listener, to, sizeof(to)) < 0)
		return -EINVAL;
	if (link(from, to) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	/* a leftover of a jail with this jid that repair has not seen */
	if (unlink(to) < 0 || link(from, to) < 0)
		return -errno;
	return 0;
}

int cell_state_save_bpf(int jid, bool listener, const struct sock_fprog *prog,
			struct cell_error *err)
{
	char path[PATH_MAX];
	if (bpf_path(jid, listener, path, sizeof(path)) < 0)
		return cell_error_set(err, -ENAMETOOLONG, "state path");
	return save_bpf_at(path, prog, err);
}

static int save_bpf_at(const char *path, const struct sock_fprog *prog,
		       struct cell_error *err)
{
	char tmp[PATH_MAX + 32];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC |
						   O_NOFOLLOW | O_CLOEXEC,
				      0600);
	if (fd < 0)
		return cell_error_errno(err, -errno, "creating %s", tmp);
	size_t len = prog->len * sizeof(struct sock_filter);
	if (write(fd, prog->filter, len) != (ssize_t)len ||
	    rename(tmp, path) < 0) {
		int r = -errno;
		unlink(tmp);
		return cell_error_errno(err, r, "writing %s", path);
	}
	return 0;
}

int cell_state_load_bpf(int jid, bool listener, struct sock_fprog *prog)
{
	char path[PATH_MAX];
	if (bpf_path(jid, listener, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	return load_bpf_at(path, prog);
}

static int load_bpf_at(const char *path, struct sock_fprog *prog)
{
	_cleanup_close_ int fd = open_regular(path);
	struct stat st;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* ours (root-only directory), but a torn or foreign file is not
	 * loaded: a whole number of instructions, at most BPF_MAXINSNS */
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -EINVAL;
	struct sock_filter *f = malloc((size_t)st.st_size);
	if (!f)
		return -ENOMEM;
	if (read(fd, f, (size_t)st.st_size) != st.st_size) {
		free(f);
		return -EIO;
	}
	prog->filter = f;
	prog->len = (unsigned short)(st.st_size / (off_t)sizeof(*f));
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* A writer's temporary file (NAME.tmp.PID, cell_write_file_atomic) whose
 * writer is dead: a killed command left it between its write and its
 * rename; it goes. A live writer's stays. */
static void sweep_tmp(int dfd, const char *name, const char *pid_text)
{
	long pid;
	if (cell_parse_int(pid_text, 1, INT_MAX, &pid) < 0)
		return;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		unlinkat(dfd, name, 0);
}

int cell_state_list(int **jids, size_t *n, struct cell_error *err)
{
	char dir[PATH_MAX];
	*jids = NULL;
	*n = 0;
	if (jails_dir(dir, sizeof(dir)) < 0)
		return cell_error_set(err, -ENAMETOOLONG, "state path");
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0
				       : cell_error_errno(err, -errno,
							  "reading %s", dir);
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *t = strstr(de->d_name, ".tmp.");
		if (t) {
			sweep_tmp(dirfd(d), de->d_name, t + 5);
			continue;
		}
		long v;
		if (cell_parse_int(de->d_name, 1, CELL_JID_MAX, &v) < 0 ||
		    de->d_name[0] == '0')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			int *nv = realloc(*jids, cap * sizeof(int));
			if (!nv) {
				free(*jids);
				*jids = NULL;
				return cell_error_set(err, -ENOMEM, "oom");
			}
			*jids = nv;
		}
		(*jids)[(*n)++] = (int)v;
	}
	if (*n)
		qsort(*jids, *n, sizeof(int), cmp_int);
	return 0;
}

int cell_state_find(const char *key, struct cell_record *rec,
		    struct cell_error *err)
{
	long v;
	if (cell_parse_int(key, 1, CELL_JID_MAX, &v) == 0)
		return cell_state_load((int)v, rec, err);
	_cleanup_free_ int *jids = NULL;
	size_t n;
	int r = cell_state_list(&jids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct cell_record head;
		if (cell_state_peek(jids[i], &head) < 0 ||
		    strcmp(head.jail.name, key))
			continue;
		struct cell_record tmp;
		if (cell_state_load(jids[i], &tmp, NULL) < 0)
			continue;
		if (!strcmp(tmp.jail.name, key)) {
			*rec = tmp;
			return 0;
		}
		cell_record_free(&tmp);
	}
	return -ENOENT;
}

int cell_state_next_jid(struct cell_error *err)
{
	_cleanup_free_ int *jids = NULL;
	size_t n;
	int r = cell_state_list(&jids, &n, err);
	if (r < 0)
		return r;
	return cell_state_pick_jid(jids, n, err);
}

int cell_state_pick_jid(const int *jids, size_t n, struct cell_error *err)
{
	if (n == 0)
		return 1;
	if (jids[n - 1] < CELL_JID_MAX)
		return jids[n - 1] + 1;
	/* wrapped: the lowest free one */
	int want = 1;
	for (size_t i = 0; i < n; i++, want++)
		if (jids[i] != want)
			return want;
	return cell_error_set(err, -EAGAIN, "no free jid");
}

bool cell_record_alive(const struct cell_record *rec)
{
	/* a zombie init has ended: the jail with it (jail -c leaves init
	 * unreaped when other processes ran on; its adopter reaps it when
	 * it likes) */
	char st = '?';
	return rec->init_pid > 0 && rec->init_start &&
	       cell_proc_starttime_state(rec->init_pid, &st) ==
		       rec->init_start &&
	       st != 'Z' && st != 'X';
}

/* A zombie has ended: a creator killed together with its parent waits,
 * as a zombie, for whoever adopts it, and must not keep its record. */
static bool zombie(pid_t pid)
{
	char p[64], buf[512];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

bool cell_record_creator_alive(const struct cell_record *rec)
{
	return rec->creator > 0 &&
	       (kill(rec->creator, 0) == 0 || errno == EPERM) &&
	       !zombie(rec->creator);
}

void cell_record_running(const struct cell_record *rec,
			 struct cell_running *run)
{
	run->init_pid = rec->init_pid;
	run->init_start = rec->init_start;
	run->init_sock = -1;
	run->agent_fd = -1;
	run->mount_fs = 0;
	run->gate_fd = -1;
	run->others_run = false;
	run->none_run = false;
}
