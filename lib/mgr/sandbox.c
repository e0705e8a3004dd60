/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capability-mode children for cell's untrusted-input parsers (sandbox.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <capsicum_helpers.h>

#include "cleanup.h"
#include "mgr/sandbox.h"
#include "util.h"

#define SBX_LINE_MAX 200
#define SBX_MSG_MAX 400
#define SBX_FDS_MAX 8
#define SBX_PROC_MOUNTS_MAX 64  /* procfs mounts we detach, at most */

int cell_sbx_disabled(void)
{
	const char *e = getenv("CELL_MGR_NO_SANDBOX");
	return e && !strcmp(e, "1");
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int record(int fd, char type, const void *p, size_t n)
{
	if (n > UINT32_MAX)
		return -E2BIG;
	uint32_t len = (uint32_t)n;
	char hdr[5];
	hdr[0] = type;
	memcpy(hdr + 1, &len, 4);
	int r = write_all(fd, hdr, sizeof(hdr));
	return r < 0 || n == 0 ? r : write_all(fd, p, n);
}

/* printable ASCII only, at most max bytes */
static size_t clean(char *s, size_t max)
{
	size_t n = strnlen(s, max);
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			s[i] = '?';
	s[n] = '\0';
	return n;
}

int cell_sbx_result(struct cell_sbx *s, const void *p, size_t n)
{
	return record(s->out, 'R', p, n);
}

void cell_sbx_progress(struct cell_sbx *s, const char *fmt, ...)
{
	char buf[SBX_LINE_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	record(s->out, 'P', buf, clean(buf, SBX_LINE_MAX));
}

int cell_sbx_error(struct cell_sbx *s, int code, const char *fmt, ...)
{
	char buf[4 + SBX_MSG_MAX + 1];
	int32_t c = code < 0 && code >= -4095 ? code : -EIO;
	memcpy(buf, &c, 4);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + 4, SBX_MSG_MAX + 1, fmt, ap);
	va_end(ap);
	record(s->out, 'E', buf, 4 + clean(buf + 4, SBX_MSG_MAX));
	return c;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Close every descriptor but keep[0..n). */
static void close_others(int *keep, size_t n)
{
	qsort(keep, n, sizeof(*keep), cmp_int);
	unsigned int next = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned)keep[i] > next)
			close_range(next, (unsigned)keep[i] - 1, 0);
		next = (unsigned)keep[i] + 1;
	}
	close_range(next, ~0U, 0);
}

/*
 * A private mount namespace with no procfs in it. Any held directory and
 * an absolute path reach /proc/self/fd/N, and Landlock lets a pipe or
 * memfd be opened again there with every right the limit took away
 * (capsicum-linux(7) gap_proc_reopen). Every procfs mount is detached,
 * the deepest first; the rest of the tree is left as it is (capability
 * mode and Landlock bound it). 0 or -errno.
 */
static int hide_proc(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	/* nothing we detach may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	char *mps[SBX_PROC_MOUNTS_MAX];
	size_t n = 0;
	int r = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE ... */
		char *sep = strstr(line, " - ");
		char mp[4096], fstype[64];
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "proc"))
			continue;
		if (n == SBX_PROC_MOUNTS_MAX) {
			r = -E2BIG;
			break;
		}
		cell_octal_unescape(mp);
		if (!(mps[n] = strdup(mp))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	free(line);
	fclose(f);
	/* later lines are mounted on top of or beneath earlier ones */
	for (size_t i = n; i-- > 0;) {
		if (r == 0 && umount2(mps[i], MNT_DETACH) < 0 && errno != EINVAL &&
		    errno != ENOENT)
			r = -errno;
		free(mps[i]);
	}
	return r;
}

/* What CELL_MGR_SANDBOX_PROBE=1 reports: the proof, from inside, that
 * the child is in capability mode with its directory confined. */
static void probe(struct cell_sbx *s, const char *what, const int *fds,
		  size_t n)
{
	const char *e = getenv("CELL_MGR_SANDBOX_PROBE");
	if (!e || strcmp(e, "1"))
		return;
	unsigned mode = 0;
	int gm = cap_getmode(&mode);
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	int oe = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	fd = openat(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ce = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	/* ".." above a held directory (Landlock) */
	const char *up = "none";
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (fstat(fds[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		fd = openat(fds[i], "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		up = fd >= 0 ? "allowed" : errno == EACCES ? "EACCES"
					  : errno == ECAPMODE ? "ECAPMODE"
							      : "other";
		if (fd >= 0)
			close(fd);
		break;
	}
	char buf[SBX_LINE_MAX + 1];
	snprintf(buf, sizeof(buf), "sandbox probe (%s): pid %d cap_getmode %d"
		 " open %s openat-cwd %s dotdot %s", what, (int)getpid(),
		 gm == 0 ? (int)mode : -1,
		 oe == ECAPMODE ? "ECAPMODE" : oe ? strerror(oe) : "allowed",
		 ce == ECAPMODE ? "ECAPMODE" : ce ? strerror(ce) : "allowed",
		 up);
	fprintf(stderr, "%s\n", buf);
	(void)s;
}

static void child(const char *what, const int *fds, const cap_rights_t *rights,
		  size_t n, int out, cell_sbx_fn fn, void *arg)
{
	struct cell_sbx s = { .out = out };
	int keep[SBX_FDS_MAX + 2];
	for (size_t i = 0; i < n; i++)
		keep[i] = fds[i];
	keep[n] = out;
	keep[n + 1] = 2;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_DFL);
	close_others(keep, n + 2);
	if (!cell_sbx_disabled()) {
		int hr = hide_proc();
		if (hr < 0) {
			cell_sbx_error(&s, hr, "%s: cannot hide /proc from the "
				       "sandbox: %s (CELL_MGR_NO_SANDBOX=1 runs "
				       "without it)", what, strerror(-hr));
			_exit(1);
		}
		cap_rights_t wr;
		cap_rights_init(&wr, CAP_WRITE);
		for (size_t i = 0; i < n; i++)
			if (cap_rights_limit(fds[i], &rights[i]) < 0) {
				cell_sbx_error(&s, -errno, "%s: cannot limit "
					       "descriptor %d: %s", what, fds[i],
					       capsicum_strerror(errno));
				_exit(1);
			}
		if (cap_rights_limit(out, &wr) < 0 || caph_limit_stderr() < 0 ||
		    cap_enter() < 0) {
			cell_sbx_error(&s, -errno, "%s: cannot enter capability"
				       " mode: %s (CELL_MGR_NO_SANDBOX=1 runs "
				       "without it)", what,
				       capsicum_strerror(errno));
			_exit(1);
		}
		probe(&s, what, fds, n);
	}
	int r = fn(&s, fds, arg);
	if (r == 0)
		r = record(out, 'D', NULL, 0);
	_exit(r == 0 ? 0 : 1);
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;
	while (n > 0) {
		ssize_t g = read(fd, c, n);
		if (g < 0 && errno == EINTR)
			continue;
		if (g <= 0)
			return g == 0 ? -EPIPE : -errno;
		c += g;
		n -= (size_t)g;
	}
	return 0;
}

int cell_sbx_run(struct cell_mgr *m, const char *what, const int *fds,
		 const cap_rights_t *rights, size_t n, cell_sbx_fn fn,
		 void *arg, size_t max, char **res, size_t *rlen,
		 struct cell_error *err)
{
	if (res) {
		*res = NULL;
		*rlen = 0;
	}
	if (n > SBX_FDS_MAX)
		return cell_error_set(err, -EINVAL, "%s: too many descriptors",
				      what);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cell_error_errno(err, -errno, "%s: pipe", what);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(p[0]);
		close(p[1]);
		return cell_error_errno(err, e, "%s: fork", what);
	}
	if (pid == 0) {
		close(p[0]);
		child(what, fds, rights, n, p[1], fn, arg);
	}
	close(p[1]);

	char *buf = NULL;
	size_t len = 0;
	int r = 0;
	bool done = false, failed = false;
	char msg[SBX_MSG_MAX + 1] = "";
	int code = 0;
	for (;;) {
		char hdr[5];
		ssize_t g;
		do
			g = read(p[0], hdr, 1);
		while (g < 0 && errno == EINTR);
		if (g == 0)
			break;
		uint32_t l;
		if (g < 0 || read_all(p[0], hdr + 1, 4) < 0) {
			r = -EPROTO;
			break;
		}
		memcpy(&l, hdr + 1, 4);
		if (done) {             /* nothing after 'D' */
			r = -EPROTO;
			break;
		}
		if (hdr[0] == 'R') {
			if (!res || l > max - len) {
				r = -EPROTO;
				break;
			}
			char *nb = realloc(buf, len + l + 1);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			if (read_all(p[0], buf + len, l) < 0) {
				r = -EPROTO;
				break;
			}
			len += l;
			buf[len] = '\0';
		} else if (hdr[0] == 'P' && l <= SBX_LINE_MAX) {
			char line[SBX_LINE_MAX + 1];
			if (read_all(p[0], line, l) < 0) {
				r = -EPROTO;
				break;
			}
			line[l] = '\0';
			clean(line, l);
			if (m && m->progress)
				m->progress(m->arg, line);
		} else if (hdr[0] == 'E' && l >= 4 && l <= 4 + SBX_MSG_MAX &&
			   !failed) {
			char e[4 + SBX_MSG_MAX + 1];
			int32_t c;
			if (read_all(p[0], e, l) < 0) {
				r = -EPROTO;
				break;
			}
			memcpy(&c, e, 4);
			code = c < 0 && c >= -4095 ? c : -EIO;
			memcpy(msg, e + 4, l - 4);
			msg[l - 4] = '\0';
			clean(msg, l - 4);
			failed = true;
		} else if (hdr[0] == 'D' && l == 0 && !failed) {
			done = true;
		} else {
			r = -EPROTO;
			break;
		}
	}
	close(p[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && failed)
		r = cell_error_set(err, code, "%s", msg);
	else if (r == 0 && !(done && WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		if (WIFSIGNALED(st))
			r = cell_error_set(err, -ECHILD, "%s: the sandboxed "
					   "child was killed by signal %d",
					   what, WTERMSIG(st));
		else
			r = cell_error_set(err, -ECHILD, "%s: the sandboxed "
					   "child failed (status %d)", what,
					   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	} else if (r < 0)
		r = cell_error_set(err, r, "%s: bad answer from the sandboxed "
				   "child", what);
	if (r < 0) {
		free(buf);
		return r;
	}
	if (res) {
		if (!buf)
			buf = calloc(1, 1);
		if (!buf)
			return cell_error_set(err, -ENOMEM, "out of memory");
		*res = buf;
		*rlen = len;
	} else {
		free(buf);
	}
	return 0;
}
