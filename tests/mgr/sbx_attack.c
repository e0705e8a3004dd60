/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A hostile parser for tests/mgr/test_mgr_sandbox.sh: cell_sbx_run()'s
 * callback, in capability mode, tries what a parser taken over by its
 * input could do to the host, and reports each attempt that worked.
 *   sbx-attack meta DIR  mode, owner and times of DIR/victim, a file
 *                        outside the held directory DIR/held: absolute
 *                        paths through any dirfd, "..", an O_PATH open
 *                        fed to the AT_EMPTY_PATH forms
 *   sbx-attack proc DIR  regain rights on a limited memfd (read, fstat)
 *                        and on the answer pipe (write) by reopening
 *                        /proc/self/fd/N
 * Exit 0 when every attempt was refused and the victims are unchanged,
 * 1 (with the list on stdout) otherwise, 2 on a setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "mgr/sandbox.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static char victim[4096];

static void note(char *out, size_t len, const char *what, long r)
{
	if (r >= 0)
		snprintf(out + strlen(out), len - strlen(out), "%s allowed\n",
			 what);
}

static int meta(struct cell_sbx *s, const int *fds, void *arg)
{
	(void)arg;
	char out[2048] = "";
	size_t n = sizeof(out);
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	int held = fds[0];
	note(out, n, "fchmodat abs", syscall(SYS_fchmodat, held, victim, 06777));
	note(out, n, "fchmodat 999", syscall(SYS_fchmodat, 999, victim, 06777));
	note(out, n, "fchmodat ..", syscall(SYS_fchmodat, held, "../victim", 06777));
	note(out, n, "fchmodat2 abs", syscall(SYS_fchmodat2, held, victim, 06777,
					      AT_EMPTY_PATH));
	note(out, n, "fchownat abs", syscall(SYS_fchownat, held, victim, 65534,
					     65534, 0));
	note(out, n, "fchownat ..", syscall(SYS_fchownat, held, "../victim",
					    65534, 65534, AT_EMPTY_PATH));
	note(out, n, "utimensat abs", syscall(SYS_utimensat, held, victim, ts, 0));
#ifdef SYS_futimesat
	note(out, n, "futimesat abs", syscall(SYS_futimesat, held, victim, NULL));
#endif
	int p = openat(held, victim, O_PATH | O_CLOEXEC);
	note(out, n, "openat O_PATH", p);
	if (p >= 0) {
		note(out, n, "fchownat O_PATH", syscall(SYS_fchownat, p, "",
						       65534, 65534, AT_EMPTY_PATH));
		note(out, n, "fchmodat2 O_PATH", syscall(SYS_fchmodat2, p, "",
							 06777, AT_EMPTY_PATH));
	}
	return cell_sbx_result(s, out, strlen(out));
}

static int proc(struct cell_sbx *s, const int *fds, void *arg)
{
	(void)arg;
	char out[2048] = "", path[64];
	size_t n = sizeof(out);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[1]);
	int m = openat(fds[0], path, O_RDWR | O_CLOEXEC);
	note(out, n, "memfd reopen O_RDWR", m);
	if (m >= 0)
		note(out, n, "memfd write", pwrite(m, "PWNED!", 6, 0));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", s->out);
	note(out, n, "answer pipe reopen O_RDONLY",
	     openat(fds[0], path, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	return cell_sbx_result(s, out, strlen(out));
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "meta") && strcmp(argv[1], "proc"))) {
		fprintf(stderr, "usage: sbx-attack meta|proc DIR\n");
		return 2;
	}
	snprintf(victim, sizeof(victim), "%s/victim", argv[2]);
	_cleanup_close_ int dir = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || (mkdirat(dir, "held", 0700) < 0 && errno != EEXIST))
		return 2;
	_cleanup_close_ int held = openat(dir, "held", O_RDONLY | O_DIRECTORY |
					  O_CLOEXEC);
	_cleanup_close_ int v = openat(dir, "victim", O_RDWR | O_CREAT |
				       O_CLOEXEC, 0600);
	_cleanup_close_ int mfd = memfd_create("victim", MFD_CLOEXEC);
	if (held < 0 || v < 0 || mfd < 0 || fchmod(v, 0600) < 0 ||
	    pwrite(mfd, "secret", 6, 0) != 6)
		return 2;
	struct stat before, after;
	if (fstat(v, &before) < 0)
		return 2;
	/* the extractor's rights on its target */
	cap_rights_t rights[2];
	cap_rights_init(&rights[0], CAP_LOOKUP, CAP_READ, CAP_WRITE, CAP_SEEK,
			CAP_CREATE, CAP_FSTAT, CAP_FSTATAT, CAP_MKDIRAT,
			CAP_SYMLINKAT, CAP_UNLINKAT, CAP_FCHOWN, CAP_FCHMOD,
			CAP_FUTIMES);
	cap_rights_init(&rights[1], CAP_READ, CAP_FSTAT);
	int fds[2] = { held, mfd };
	struct cell_error err = { 0 };
	_cleanup_free_ char *res = NULL;
	size_t len = 0;
	int r = cell_sbx_run(NULL, "attack", fds, rights, 2,
			     !strcmp(argv[1], "meta") ? meta : proc, NULL,
			     4096, &res, &len, &err);
	if (r < 0) {
		fprintf(stderr, "sbx-attack: %s\n", err.msg);
		return 2;
	}
	char data[8] = "";
	int bad = len > 0;
	if (fstat(v, &after) < 0 || pread(mfd, data, 6, 0) != 6)
		return 2;
	if (after.st_mode != before.st_mode || after.st_uid != before.st_uid ||
	    after.st_gid != before.st_gid ||
	    after.st_mtim.tv_sec != before.st_mtim.tv_sec) {
		printf("victim changed: mode %o owner %d:%d\n",
		       (unsigned)after.st_mode & 07777, (int)after.st_uid,
		       (int)after.st_gid);
		bad = 1;
	}
	if (memcmp(data, "secret", 6)) {
		printf("memfd written\n");
		bad = 1;
	}
	if (len)
		fwrite(res, 1, len, stdout);
	return bad;
}
