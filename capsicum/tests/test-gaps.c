/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One test per documented difference from FreeBSD (capsicum-linux(7)).
 * Each asserts the Linux behaviour, so a test that starts failing means
 * the gap closed (or moved) and the manual page needs updating.
 */
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <sys/procdesc.h>
#include "common.h"

/* G1: an absolute path through a dirfd reaches the held tree itself. */
static void gap_absolute_into_tree(void)
{
	char p[160];
	int t = open_tree();
	snprintf(p, sizeof(p), "%s/f", tree);
	enter_or_die();
	CHECK_OK(openat(t, p, O_RDONLY | O_CLOEXEC)); /* FreeBSD: ENOTCAPABLE */
}

/* G2: escapes fail with EACCES (Landlock), not ENOTCAPABLE. */
static void gap_escape_errno(void)
{
	int t = open_tree();
	enter_or_die();
	CHECK_ERR(openat(t, "../../etc/passwd", O_RDONLY | O_CLOEXEC), EACCES);
	CHECK_ERR(openat(t, "/etc/passwd", O_RDONLY | O_CLOEXEC), EACCES);
}

/* G3: ".." above a sub-descriptor stays allowed inside the held tree. */
static void gap_dotdot_within_tree(void)
{
	int t = open_tree();
	enter_or_die();
	int d = openat(t, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_OK(openat(d, "../f", O_RDONLY | O_CLOEXEC)); /* FreeBSD: ENOTCAPABLE */
}

/* G4: metadata calls are not confined by Landlock. */
static void gap_metadata_leak(void)
{
	struct stat st;
	char buf[64];
	int t = open_tree();
	enter_or_die();
	CHECK_OK(fstatat(t, "/etc/passwd", &st, 0));
	CHECK_OK(faccessat(t, "/etc/passwd", R_OK, 0));
	CHECK_OK(readlinkat(t, "/proc/self/exe", buf, sizeof(buf)) > 0 ? 0 : -1);
}

/* G5: a directory received after cap_enter cannot be looked through. */
static void gap_late_directory_real(void)
{
	int sv[2];
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid_t pid = fork();
	if (pid == 0) { /* outside capability mode */
		int etc = open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char c = 0;
		struct iovec iov = { &c, 1 };
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &etc, sizeof(int));
		usleep(100000);
		_exit(sendmsg(sv[1], &m, 0) == 1 ? 0 : 1);
	}
	enter_or_die();
	char c;
	struct iovec iov = { &c, 1 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	CHECK(recvmsg(sv[0], &m, 0) == 1);
	int etc;
	memcpy(&etc, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	CHECK_ERR(openat(etc, "passwd", O_RDONLY | O_CLOEXEC), EACCES); /* FreeBSD: allowed */
}

/* G6: rights do not travel with SCM_RIGHTS, dup is refused instead. */
static void gap_scm_rights_and_dup(void)
{
	int sv[2], p[2];
	cap_rights_t r, got, all;
	CAP_ALL(&all);
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	CHECK_OK(pipe2(p, O_CLOEXEC));
	CHECK(write(p[1], "x", 1) == 1);
	cap_rights_init(&r, CAP_FSTAT);
	CHECK_OK(cap_rights_limit(p[0], &r));
	CHECK_NOTCAPABLE(dup(p[0]));             /* FreeBSD: allowed, rights copied */
	char c = 0;
	struct iovec iov = { &c, 1 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	CHECK(sendmsg(sv[1], &m, 0) == 1);
	CHECK(recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC) == 1);
	int in;
	memcpy(&in, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	CHECK(in != p[0]);
	CHECK(read(in, &c, 1) == 1);              /* FreeBSD: ENOTCAPABLE */
	CHECK_OK(cap_rights_get(in, &got));
	CHECK(memcmp(&got, &all, sizeof(got)) == 0);
}

/* G7: mprotect can raise a mapping above its descriptor's MMAP rights. */
static void gap_mprotect_upgrade(void)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/f", tree);
	int fd = open(p, O_RDWR | O_CLOEXEC);
	CHECK_OK(ftruncate(fd, 4096));
	cap_rights_t r;
	cap_rights_init(&r, CAP_MMAP_R);
	CHECK_OK(cap_rights_limit(fd, &r));
	void *m = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m == MAP_FAILED && errno == ENOTCAPABLE);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK_OK(mprotect(m, 4096, PROT_READ | PROT_WRITE)); /* FreeBSD: EACCES */
}

/* G8: poll/select need no CAP_EVENT (their descriptors live in memory). */
static void gap_poll_without_event(void)
{
	int p[2];
	CHECK_OK(pipe2(p, O_CLOEXEC));
	cap_rights_t r;
	cap_rights_init(&r, CAP_READ);
	CHECK_OK(cap_rights_limit(p[0], &r));
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	CHECK_OK(poll(&pf, 1, 0)); /* FreeBSD: POLLNVAL */
	CHECK(!(pf.revents & POLLNVAL));
}

/* G9: sendmsg with a destination address is allowed in capability mode. */
static void gap_sendmsg_address(void)
{
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	CHECK_OK(bind(rx, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(getsockname(rx, (struct sockaddr *)&a, &l));
	int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	enter_or_die();
	CHECK_CAPMODE(sendto(tx, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)));
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_name = &a, .msg_namelen = sizeof(a),
			    .msg_iov = &iov, .msg_iovlen = 1 };
	CHECK(sendmsg(tx, &m, 0) == 1); /* FreeBSD: ECAPMODE */
}

/* G10: signals in a forked child: self denied, the parent allowed. */
static void gap_kill_in_child(void)
{
	enter_or_die();
	int p[2];
	CHECK_OK(pipe2(p, O_CLOEXEC));
	pid_t pid = fork();
	if (pid == 0) {
		char res[2];
		res[0] = kill(getpid(), 0) == -1 && errno == ECAPMODE ? 'd' : 'a';
		res[1] = kill(getppid(), 0) == 0 ? 'a' : 'd';
		_exit(write(p[1], res, 2) == 2 ? 0 : 1);
	}
	char res[2] = { 0 };
	CHECK(read(p[0], res, 2) == 2);
	CHECK(res[0] == 'd'); /* FreeBSD: allowed (self) */
	CHECK(res[1] == 'a'); /* FreeBSD: ECAPMODE (another process) */
}

/* G11: a limit stays on the descriptor number after close. */
static void gap_stale_number(void)
{
	int fd = open_tree();
	cap_rights_t r;
	cap_rights_init(&r, CAP_FSTAT);
	CHECK_OK(cap_rights_limit(fd, &r));
	close(fd);
	char p[160];
	snprintf(p, sizeof(p), "%s/f", tree);
	int again = open(p, O_RDONLY | O_CLOEXEC);
	CHECK(again == fd);
	char c;
	CHECK_NOTCAPABLE(read(again, &c, 1)); /* FreeBSD: a new descriptor has all rights */
}

/* G12: after exec the limit is enforced but cap_rights_get forgets it. */
static void gap_rights_after_exec(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0);
	self[n] = 0;
	char mini[PATH_MAX + 32];
	snprintf(mini, sizeof(mini), "%s/capsicum-test-mini", dirname(self));
	if (getenv("CAPSICUM_TEST_MINI"))
		snprintf(mini, sizeof(mini), "%s", getenv("CAPSICUM_TEST_MINI"));
	if (access(mini, X_OK) != 0)
		SKIP("static helper capsicum-test-mini not built");
	int p[2], out[2];
	CHECK_OK(pipe2(p, 0));
	CHECK_OK(pipe2(out, O_CLOEXEC));
	CHECK(write(p[1], "x", 1) == 1);
	if (p[0] != 3) {
		CHECK(dup2(p[0], 3) == 3);
	}
	cap_rights_t r;
	cap_rights_init(&r, CAP_FSTAT);
	CHECK_OK(cap_rights_limit(3, &r));
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		execl(mini, "capsicum-test-mini", "fd", (char *)NULL);
		_exit(99);
	}
	char buf[64] = { 0 };
	CHECK(read(out[0], buf, sizeof(buf) - 1) > 0);
	CHECK(strncmp(buf, "read=ENOTCAPABLE rights=all", 27) == 0); /* FreeBSD: limited */
}

/* G13: a descriptor opened beneath a limited dirfd gets all rights. */
static void gap_openat_rights_not_inherited(void)
{
	int t = open_tree();
	cap_rights_t r, got, all;
	CAP_ALL(&all);
	cap_rights_init(&r, CAP_LOOKUP, CAP_READ);
	CHECK_OK(cap_rights_limit(t, &r));
	int f = openat(t, "f", O_RDONLY | O_CLOEXEC);
	CHECK(f >= 0);
	CHECK_OK(cap_rights_get(f, &got));
	CHECK(memcmp(&got, &all, sizeof(got)) == 0); /* FreeBSD: LOOKUP|READ */
	CHECK_OK(fchmod(f, 0600));                      /* FreeBSD: ENOTCAPABLE */
}

/* G14: closing the last process descriptor does not kill the child. */
static void gap_pdfork_close_does_not_kill(void)
{
	int pd = -1, p[2];
	CHECK_OK(pipe2(p, O_CLOEXEC));
	pid_t pid = pdfork(&pd, PD_CLOEXEC);
	if (pid == 0) {
		usleep(300000);
		_exit(write(p[1], "alive", 5) == 5 ? 0 : 1);
	}
	close(pd);
	char buf[8] = { 0 };
	CHECK(read(p[0], buf, 5) == 5 && strcmp(buf, "alive") == 0); /* FreeBSD: SIGKILLed */
}

/* G15: a thread blocking the broadcast signal is not Landlock-confined. */
static pthread_barrier_t bar;
static int gap_t, gap_res = -1;
static void *blocking_thread(void *arg)
{
	sigset_t s;
	(void)arg;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMAX);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	int fd = openat(gap_t, "/etc/passwd", O_RDONLY | O_CLOEXEC);
	gap_res = fd >= 0 && cap_sandboxed();
	return NULL;
}
static void gap_thread_blocking_signal(void)
{
	pthread_t th;
	gap_t = open_tree();
	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&th, NULL, blocking_thread, NULL);
	pthread_barrier_wait(&bar);
	enter_or_die();
	pthread_barrier_wait(&bar);
	pthread_join(th, NULL);
	CHECK(gap_res == 1); /* FreeBSD: ENOTCAPABLE */
}

/* G16: openat2 on a limited dirfd needs every open right. */
static void gap_openat2_limited(void)
{
	int t = open_tree();
	cap_rights_t r;
	cap_rights_init(&r, CAP_LOOKUP, CAP_READ);
	CHECK_OK(cap_rights_limit(t, &r));
	struct { uint64_t flags, mode, resolve; } how = { O_RDONLY | O_CLOEXEC, 0, 0 };
	CHECK_NOTCAPABLE(syscall(SYS_openat2, t, "f", &how, sizeof(how)));
	CHECK_OK(openat(t, "f", O_RDONLY | O_CLOEXEC));
}

/* G17: limiting a descriptor sets no_new_privs on every thread. */
static void gap_limit_sets_nnp(void)
{
	int t = open_tree();
	cap_rights_t r;
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
	cap_rights_init(&r, CAP_LOOKUP, CAP_READ);
	CHECK_OK(cap_rights_limit(t, &r));
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1); /* FreeBSD: no such effect */
}

/* G18: fstat with AT_EMPTY_PATH and a non-empty path looks up beneath a
 * dirfd that has CAP_FSTAT but not CAP_LOOKUP. */
static void gap_empty_path_lookup(void)
{
	int t = open_tree();
	cap_rights_t r;
	struct stat st;
	cap_rights_init(&r, CAP_FSTAT);
	CHECK_OK(cap_rights_limit(t, &r));
	CHECK_NOTCAPABLE(fstatat(t, "f", &st, 0));
	CHECK_OK(fstatat(t, "f", &st, AT_EMPTY_PATH)); /* FreeBSD: ENOTCAPABLE */
}

/* G21: in capability mode, mode, owner and times change only through a
 * descriptor; the name-based calls and O_PATH are refused even relative
 * to a held directory (the kernel ignores the dirfd for an absolute
 * path, Landlock checks none of them). */
static void gap_metadata_by_name(void)
{
	int t = open_tree();
	int f = openat(t, "f", O_RDWR | O_CLOEXEC);
	enter_or_die();
	CHECK_CAPMODE(fchownat(t, "f", (uid_t)-1, (gid_t)-1, 0));  /* FreeBSD: ok */
	CHECK_CAPMODE(fchmodat(t, "f", 0600, 0));                  /* FreeBSD: ok */
	CHECK_CAPMODE(utimensat(t, "f", NULL, 0));                 /* FreeBSD: ok */
	CHECK_CAPMODE(openat(t, "f", O_PATH | O_CLOEXEC));         /* FreeBSD: ok */
	CHECK_OK(fchown(f, (uid_t)-1, (gid_t)-1));
	CHECK_OK(fchmod(f, 0600));
	CHECK_OK(futimens(f, NULL));
}

/* G22: while a procfs is mounted, a limited memfd or pipe is opened
 * again through /proc/self/fd/N (any held dirfd, absolute path) with
 * every right: Landlock allows anonymous objects. */
static void gap_proc_reopen(void)
{
	int t = open_tree();
	int m = memfd_create("gap", MFD_CLOEXEC);
	cap_rights_t r;
	char path[64], c = 0;
	CHECK(m >= 0 && pwrite(m, "x", 1, 0) == 1);
	cap_rights_init(&r, CAP_FSTAT);
	CHECK_OK(cap_rights_limit(m, &r));
	enter_or_die();
	CHECK_NOTCAPABLE(pread(m, &c, 1, 0));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m);
	int m2 = openat(t, path, O_RDWR | O_CLOEXEC);       /* FreeBSD: ENOTCAPABLE */
	CHECK(m2 >= 0);
	CHECK(m2 >= 0 && pread(m2, &c, 1, 0) == 1 && c == 'x');
}

/* G23: a socket from accept() on a limited listener has all rights
 * (FreeBSD: the listener's). */
static void gap_accept_rights_not_inherited(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	cap_rights_t r, got;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      listen(l, 1) == 0 &&
	      getsockname(l, (struct sockaddr *)&a, &al) == 0);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof(a)));
	cap_rights_init(&r, CAP_ACCEPT, CAP_READ);
	CHECK_OK(cap_rights_limit(l, &r));
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(s >= 0);
	CHECK_OK(cap_rights_get(s, &got));
	CHECK(cap_rights_is_set(&got, CAP_WRITE));  /* FreeBSD: not set */
	CHECK(write(s, "x", 1) == 1);               /* FreeBSD: ENOTCAPABLE */
}

/* G19: the errno numbers differ (FreeBSD: ENOTCAPABLE 93, ECAPMODE 94). */
static void gap_errno_numbers(void)
{
	CHECK(ECAPMODE == 134 && ENOTCAPABLE == 135);
	CHECK(strcmp(strerror(ECAPMODE), capsicum_strerror(ECAPMODE)) != 0);
}

/* G20: fexecve needs the program's directory held (Landlock EXECUTE). */
static void gap_fexecve_needs_directory(void)
{
	int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	enter_or_die();
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	CHECK_ERR(syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH), EACCES);
}

static const struct ctest tests[] = {
	{ "gap_absolute_into_tree", gap_absolute_into_tree },
	{ "gap_escape_errno", gap_escape_errno },
	{ "gap_dotdot_within_tree", gap_dotdot_within_tree },
	{ "gap_metadata_leak", gap_metadata_leak },
	{ "gap_late_directory", gap_late_directory_real },
	{ "gap_scm_rights_and_dup", gap_scm_rights_and_dup },
	{ "gap_mprotect_upgrade", gap_mprotect_upgrade },
	{ "gap_poll_without_event", gap_poll_without_event },
	{ "gap_sendmsg_address", gap_sendmsg_address },
	{ "gap_kill_in_child", gap_kill_in_child },
	{ "gap_stale_number", gap_stale_number },
	{ "gap_rights_after_exec", gap_rights_after_exec },
	{ "gap_openat_rights_not_inherited", gap_openat_rights_not_inherited },
	{ "gap_pdfork_close_does_not_kill", gap_pdfork_close_does_not_kill },
	{ "gap_thread_blocking_signal", gap_thread_blocking_signal },
	{ "gap_openat2_limited", gap_openat2_limited },
	{ "gap_limit_sets_nnp", gap_limit_sets_nnp },
	{ "gap_empty_path_lookup", gap_empty_path_lookup },
	{ "gap_metadata_by_name", gap_metadata_by_name },
	{ "gap_proc_reopen", gap_proc_reopen },
	{ "gap_accept_rights_not_inherited", gap_accept_rights_not_inherited },
	{ "gap_errno_numbers", gap_errno_numbers },
	{ "gap_fexecve_needs_directory", gap_fexecve_needs_directory },
};

CT_MAIN_TREE(tests)
