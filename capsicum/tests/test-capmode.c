/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capability mode: the calls denied with ECAPMODE, the calls still
 * allowed, AT_FDCWD and 32-bit truncation, inheritance across fork, exec
 * and threads created before and after cap_enter().
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <grp.h>
#include <sys/random.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <netinet/in.h>
#include "harness.h"

static void enter(void)
{
	if (cap_enter() != 0) {
		fprintf(stderr, "  cap_enter: %s\n", capsicum_strerror(errno));
		_exit(1);
	}
}

static void mode_and_idempotence(void)
{
	unsigned int mode = 9;

	CHECK(cap_getmode(&mode) == 0 && mode == 0);
	CHECK(!cap_sandboxed());
	enter();
	CHECK(cap_getmode(&mode) == 0 && mode == 1);
	CHECK(cap_sandboxed());
	CHECK(cap_enter() == 0); /* no-op, still in the mode */
	CHECK(cap_sandboxed());
}

static void denied_paths(void)
{
	char buf[64];
	struct stat st;
	struct statfs sf;

	enter();
	CHECK_CAPMODE(open("/etc/passwd", O_RDONLY | O_CLOEXEC));
	CHECK_CAPMODE(open("testfile", O_RDONLY | O_CLOEXEC));
	CHECK_CAPMODE(creat("/tmp/x", 0600));
	CHECK_CAPMODE(stat("/", &st));
	CHECK_CAPMODE(lstat("/", &st));
	CHECK_CAPMODE(access("/", F_OK));
	CHECK_CAPMODE(readlink("/proc/self/exe", buf, sizeof(buf)));
	CHECK_CAPMODE(chdir("/"));
	CHECK_CAPMODE(chroot("/"));
	CHECK_CAPMODE(mkdir("/tmp/capsicum-x", 0700));
	CHECK_CAPMODE(rmdir("/tmp/capsicum-x"));
	CHECK_CAPMODE(unlink("/tmp/capsicum-x"));
	CHECK_CAPMODE(rename("/tmp/a", "/tmp/b"));
	CHECK_CAPMODE(link("/tmp/a", "/tmp/b"));
	CHECK_CAPMODE(symlink("/tmp/a", "/tmp/b"));
	CHECK_CAPMODE(chmod("/tmp", 0700));
	CHECK_CAPMODE(chown("/tmp", 0, 0));
	CHECK_CAPMODE(truncate("/tmp/a", 0));
	CHECK_CAPMODE(statfs("/", &sf));
	CHECK_CAPMODE(syscall(SYS_getcwd, buf, sizeof(buf)));
	CHECK_CAPMODE(mount("none", "/mnt", "tmpfs", 0, NULL));
	CHECK_CAPMODE(umount("/mnt"));
	CHECK_CAPMODE(acct(NULL));
	CHECK_CAPMODE(execl("/bin/true", "true", (char *)NULL));
}

static void denied_at_fdcwd(void)
{
	struct stat st;
	char buf[16];

	enter();
	CHECK_CAPMODE(openat(AT_FDCWD, "x", O_RDONLY | O_CLOEXEC));
	CHECK_CAPMODE(fstatat(AT_FDCWD, "x", &st, 0));
	CHECK_CAPMODE(faccessat(AT_FDCWD, "x", F_OK, 0));
	CHECK_CAPMODE(readlinkat(AT_FDCWD, "x", buf, sizeof(buf)));
	CHECK_CAPMODE(mkdirat(AT_FDCWD, "x", 0700));
	CHECK_CAPMODE(unlinkat(AT_FDCWD, "x", 0));
	CHECK_CAPMODE(fchmodat(AT_FDCWD, "x", 0600, 0));
	CHECK_CAPMODE(fchownat(AT_FDCWD, "x", 0, 0, 0));
	CHECK_CAPMODE(utimensat(AT_FDCWD, "x", NULL, 0));
	CHECK_CAPMODE(symlinkat("y", AT_FDCWD, "x"));
	CHECK_CAPMODE(renameat(AT_FDCWD, "x", AT_FDCWD, "y"));
	CHECK_CAPMODE(linkat(AT_FDCWD, "x", AT_FDCWD, "y", 0));
	CHECK_CAPMODE(mknodat(AT_FDCWD, "x", S_IFIFO | 0600, 0));
}

/*
 * Mode, owner and times of a file outside every held directory: the
 * kernel ignores the dirfd for an absolute path (any number, even one
 * not open), ".." climbs out, Landlock checks neither chmod, chown,
 * utime nor O_PATH opens; an O_PATH descriptor would then feed the
 * AT_EMPTY_PATH forms.  All refused; the descriptor forms stay.
 */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
static void denied_metadata(void)
{
	char dir[] = "/tmp/capsicum-meta-XXXXXX", victim[64], sub[64];
	struct stat before, after;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(sub, sizeof(sub), "%s/held", dir);
	int v = open(victim, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK_OK(mkdir(sub, 0700));
	int d = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(v >= 0 && d >= 0);
	CHECK_OK(fstat(v, &before));
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
		struct timeval tv[2] = { { 1, 0 }, { 1, 0 } };
		struct { struct file_handle fh; unsigned char b[128]; } h;
		struct { uint64_t flags, mode, resolve; } how = { O_PATH | O_CLOEXEC, 0, 0 };
		int mnt;
		enter();
		CHECK_CAPMODE(syscall(SYS_fchmodat, d, victim, 06777));
		CHECK_CAPMODE(syscall(SYS_fchmodat, 999, victim, 06777));
		CHECK_CAPMODE(syscall(SYS_fchmodat, d, "../victim", 06777));
		CHECK_CAPMODE(syscall(SYS_fchmodat2, d, victim, 06777, 0));
		CHECK_CAPMODE(syscall(SYS_fchmodat2, d, victim, 06777, AT_EMPTY_PATH));
		CHECK_CAPMODE(syscall(SYS_fchownat, d, victim, 65534, 65534, 0));
		CHECK_CAPMODE(syscall(SYS_fchownat, d, "../victim", 65534, 65534, 0));
		CHECK_CAPMODE(syscall(SYS_fchownat, d, victim, 65534, 65534, AT_EMPTY_PATH));
		CHECK_CAPMODE(syscall(SYS_fchownat, d, victim, 65534, 65534,
				      AT_SYMLINK_NOFOLLOW));
		CHECK_CAPMODE(syscall(SYS_utimensat, d, victim, ts, 0));
		CHECK_CAPMODE(syscall(SYS_utimensat, 999, "../victim", ts, 0));
		CHECK_CAPMODE(syscall(SYS_utimensat, d, victim, ts, AT_EMPTY_PATH));
#ifdef SYS_futimesat
		CHECK_CAPMODE(syscall(SYS_futimesat, d, victim, tv));
#else
		(void)tv;
#endif
		h.fh.handle_bytes = sizeof(h.b);
		CHECK_CAPMODE(syscall(SYS_name_to_handle_at, d, victim, &h.fh, &mnt, 0));
		CHECK_CAPMODE(openat(d, victim, O_PATH | O_CLOEXEC));
		CHECK_CAPMODE(openat(d, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
		CHECK_CAPMODE(openat(d, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
		CHECK_CAPMODE(syscall(SYS_openat2, d, victim, &how, sizeof(how)));
		how.flags = O_RDONLY | O_CLOEXEC;
		CHECK_CAPMODE(syscall(SYS_openat2, d, ".", &how, sizeof(how)));
		/* what a descriptor one holds still allows */
		CHECK_OK(fchmod(v, 0640));
		CHECK_OK(fchown(v, (uid_t)-1, (gid_t)-1));
		CHECK_OK(futimens(v, ts));
		CHECK_OK(syscall(SYS_utimensat, v, NULL, ts, 0));
		CHECK_OK(openat(d, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		_exit(ct_failed_checks ? 1 : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_OK(stat(victim, &after));
	CHECK((after.st_mode & 07777) == 0640);
	CHECK(after.st_uid == before.st_uid && after.st_gid == before.st_gid);
	unlink(victim);
	rmdir(sub);
	rmdir(dir);
}

/*
 * TCP Fast Open connects from sendto/sendmsg/sendmmsg and does not pass
 * Landlock's connect hook: MSG_FASTOPEN is refused, whatever the address.
 */
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
static void denied_fastopen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      listen(l, 8) == 0 &&
	      getsockname(l, (struct sockaddr *)&a, &al) == 0);
	enter();
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_name = &a, .msg_namelen = sizeof(a),
			    .msg_iov = &iov, .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = m };
	CHECK(s >= 0);
	CHECK_CAPMODE(sendmsg(s, &m, MSG_FASTOPEN));
	CHECK_CAPMODE(sendmmsg(s, &mm, 1, MSG_FASTOPEN));
	CHECK_CAPMODE(sendto(s, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&a, sizeof(a)));
	CHECK_CAPMODE(sendto(s, "x", 1, MSG_FASTOPEN, NULL, 0));
	CHECK_CAPMODE(connect(s, (struct sockaddr *)&a, sizeof(a)));
	/* nothing reached the listener */
	int fl = fcntl(l, F_GETFL);
	CHECK_OK(fcntl(l, F_SETFL, fl | O_NONBLOCK));
	CHECK_ERR(accept4(l, NULL, NULL, SOCK_CLOEXEC), EAGAIN);
}

/* The kernel truncates int arguments to 32 bits: AT_FDCWD | 1 << 32 is
 * AT_FDCWD for it, and must be for the filter too. */
static void truncation_32bit(void)
{
	uint64_t fdcwd_hi = (uint64_t)(uint32_t)AT_FDCWD | (1ULL << 32);
	uint64_t ppid_hi = (uint64_t)(uint32_t)getppid() | (1ULL << 32);

	enter();
	CHECK_CAPMODE(syscall(SYS_openat, fdcwd_hi, "/etc/passwd", O_RDONLY));
	CHECK_CAPMODE(syscall(SYS_openat, (uint64_t)(uint32_t)AT_FDCWD,
			      "/etc/passwd", O_RDONLY));
	CHECK_CAPMODE(syscall(SYS_kill, ppid_hi, 0));
	CHECK_CAPMODE(syscall(SYS_mkdirat, fdcwd_hi, "/tmp/capsicum-trunc", 0700));
}

static void denied_process(void)
{
	int st;

	enter();
	CHECK_CAPMODE(kill(getppid(), 0));
	CHECK_CAPMODE(kill(1, 0));
	CHECK_CAPMODE(kill(0, 0));
	CHECK_CAPMODE(kill(-1, 0));
	CHECK_CAPMODE(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	CHECK_CAPMODE(ptrace(PTRACE_ATTACH, getppid(), NULL, NULL));
	CHECK_CAPMODE(waitpid(-1, &st, WNOHANG));
	CHECK_CAPMODE(setpgid(0, 0));
	CHECK_CAPMODE(setgroups(0, NULL));
	CHECK_CAPMODE(unshare(CLONE_NEWNS));
	CHECK_CAPMODE(unshare(CLONE_NEWUSER));
	CHECK_CAPMODE(setns(0, 0));
	CHECK_CAPMODE(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0));
	CHECK_CAPMODE(syscall(SYS_pidfd_open, getppid(), 0));
	CHECK_CAPMODE(syscall(SYS_process_vm_readv, getppid(), NULL, 0, NULL, 0, 0));
	CHECK_CAPMODE(vfork());
	CHECK_CAPMODE(shmget(IPC_PRIVATE, 4096, 0600));
	CHECK_CAPMODE(msgget(IPC_PRIVATE, 0600));
	CHECK_CAPMODE(syscall(SYS_bpf, 0, NULL, 0));
	CHECK_CAPMODE(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	CHECK_CAPMODE(syscall(SYS_io_uring_setup, 1, NULL));
	CHECK_CAPMODE(syscall(SYS_personality, 0xffffffff));
	struct timespec ts = { 0, 0 };
	CHECK_CAPMODE(clock_settime(CLOCK_REALTIME, &ts));
	CHECK_CAPMODE(syscall(SYS_prlimit64, getppid(), RLIMIT_NOFILE, NULL, NULL));
	CHECK_CAPMODE(syscall(SYS_sched_setaffinity, getppid(), 0, NULL));
	CHECK_CAPMODE(prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
}

static void denied_network(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(9),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s;

	enter();
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(s >= 0);
	CHECK_CAPMODE(bind(s, (struct sockaddr *)&sin, sizeof(sin)));
	CHECK_CAPMODE(connect(s, (struct sockaddr *)&sin, sizeof(sin)));
	CHECK_CAPMODE(sendto(s, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)));
	CHECK_CAPMODE(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	CHECK_CAPMODE(socket(AF_PACKET, SOCK_DGRAM, 0));
	CHECK_CAPMODE(socket(AF_NETLINK, SOCK_RAW, 0));
}

static void allowed(void)
{
	int p[2], sv[2];
	char c = 'x', buf[8];
	struct stat st;
	struct timespec ts;

	enter();
	CHECK_OK(pipe2(p, O_CLOEXEC));
	CHECK(write(p[1], &c, 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'x');
	CHECK_OK(fstat(p[0], &st));
	CHECK_OK(fcntl(p[0], F_GETFL));
	CHECK_OK(dup(p[0]));
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	CHECK(send(sv[0], "y", 1, 0) == 1 && recv(sv[1], buf, 1, 0) == 1);
	CHECK(sendto(sv[0], "z", 1, 0, NULL, 0) == 1);
	int s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(s >= 0);
	CHECK_OK(getpid());
	CHECK_OK(kill(getpid(), 0));
	CHECK_OK(raise(0));
	CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &ts));
	CHECK(getrandom(buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	CHECK_OK(mprotect(m, 4096, PROT_READ));
	CHECK_OK(munmap(m, 4096));
	CHECK_OK(close(p[0]));
	void *mem = malloc(1 << 20);
	CHECK(mem != NULL);
	free(mem);
	CHECK_OK(umask(022));
}

static void fork_inherits(void)
{
	int p[2];

	enter();
	CHECK_OK(pipe2(p, O_CLOEXEC));
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char r = cap_sandboxed() &&
			 open("/etc/passwd", O_RDONLY | O_CLOEXEC) == -1 &&
			 errno == ECAPMODE ? 'y' : 'n';
		ssize_t w = write(p[1], &r, 1);
		_exit(w == 1 ? 0 : 1);
	}
	char r = 0;
	CHECK(read(p[0], &r, 1) == 1 && r == 'y');
}

static pthread_barrier_t barrier;
static int thread_dirfd = -1;

static int thread_probe(void)
{
	int ok = 1;
	if (!cap_sandboxed())
		ok = 0;
	if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) != -1 || errno != ECAPMODE)
		ok = 0;
	/* Landlock too: an absolute path through a held dirfd stays inside */
	int fd = openat(thread_dirfd, "/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		ok = 0;
	return ok;
}

static void *thread_before(void *arg)
{
	int *result = arg;
	pthread_barrier_wait(&barrier); /* created */
	pthread_barrier_wait(&barrier); /* main entered */
	*result = thread_probe();
	return NULL;
}

static void *thread_after(void *arg)
{
	*(int *)arg = thread_probe();
	return NULL;
}

static void threads(void)
{
	pthread_t t1, t2;
	int r1 = -1, r2 = -1;

	NEED_NO_ASAN();
	thread_dirfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(thread_dirfd >= 0);
	pthread_barrier_init(&barrier, NULL, 2);
	CHECK(pthread_create(&t1, NULL, thread_before, &r1) == 0);
	pthread_barrier_wait(&barrier);
	enter();
	pthread_barrier_wait(&barrier);
	CHECK(pthread_join(t1, NULL) == 0);
	CHECK(r1 == 1);
	CHECK(pthread_create(&t2, NULL, thread_after, &r2) == 0);
	CHECK(pthread_join(t2, NULL) == 0);
	CHECK(r2 == 1);
}

static void exec_inherits(void)
{
	char self[PATH_MAX];
	ssize_t n;

	NEED_NO_ASAN();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0);
	self[n] = '\0';
	const char *mini = getenv("CAPSICUM_TEST_MINI");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/capsicum-test-mini", dirname(self));
	if (!mini)
		mini = path;
	int fd = open(mini, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP("static helper capsicum-test-mini not built");
	/* hold the helper's directory so Landlock lets us execute it */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", mini);
	int dfd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	int p[2];
	CHECK_OK(pipe2(p, 0));
	enter();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		char *argv[] = { "capsicum-test-mini", NULL };
		char *envp[] = { NULL };
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(99);
	}
	close(p[1]);
	char buf[64] = { 0 };
	ssize_t got = read(p[0], buf, sizeof(buf) - 1);
	CHECK(got > 0);
	CHECK(strncmp(buf, "capmode=1 open=ECAPMODE", 23) == 0);
	if (got <= 0 || strncmp(buf, "capmode=1", 9) != 0)
		fprintf(stderr, "  mini said: %s\n", buf);
}

static const struct ctest tests[] = {
	{ "capmode_mode_and_idempotence", mode_and_idempotence },
	{ "capmode_denied_paths", denied_paths },
	{ "capmode_denied_at_fdcwd", denied_at_fdcwd },
	{ "capmode_denied_metadata", denied_metadata },
	{ "capmode_truncation_32bit", truncation_32bit },
	{ "capmode_denied_process", denied_process },
	{ "capmode_denied_network", denied_network },
	{ "capmode_denied_fastopen", denied_fastopen },
	{ "capmode_allowed", allowed },
	{ "capmode_fork_inherits", fork_inherits },
	{ "capmode_threads_before_and_after", threads },
	{ "capmode_exec_inherits", exec_inherits },
};

CT_MAIN(tests)
