/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Descriptor rights: the rights-by-operation matrix over files,
 * directories, sockets and pipes (each operation must succeed with
 * exactly its rights and fail with ENOTCAPABLE without them), FreeBSD's
 * error rules for the limit calls, fcntl and ioctl limits, 32-bit
 * truncation, dup, fork and capability-mode interplay.
 */
#include <fcntl.h>
#include <sys/uio.h>
#include <poll.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <netinet/in.h>
#include <termios.h>
#include <dirent.h>
#include <capsicum_helpers.h>
#include "harness.h"

enum kind { K_FILE, K_DIR, K_SOCK, K_PIPE_R, K_PIPE_W, K_TCP };

static char tmpdir[] = "/tmp/capsicum-limits-XXXXXX";

static int make_fd(enum kind k)
{
	int fd = -1, sv[2], p[2];
	char path[128];

	switch (k) {
	case K_FILE:
		snprintf(path, sizeof(path), "%s/f", tmpdir);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0 && write(fd, "0123456789", 10) != 10)
			return -1;
		lseek(fd, 0, SEEK_SET);
		break;
	case K_DIR:
		fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* a fresh tree for every directory operation */
		{
			static const char *junk[] = { "new", "sym", "fifo", "g", "h" };
			for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
				unlinkat(fd, junk[i], 0);
			unlinkat(fd, "sub", AT_REMOVEDIR);
			close(openat(fd, "f", O_RDWR | O_CREAT | O_CLOEXEC, 0600));
		}
		break;
	case K_SOCK:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -1;
		if (write(sv[1], "hello", 5) != 5)
			return -1;
		fd = sv[0];
		break;
	case K_PIPE_R:
	case K_PIPE_W:
		if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], "data", 4) != 4)
			return -1;
		fd = k == K_PIPE_R ? p[0] : p[1];
		break;
	case K_TCP:
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		break;
	}
	return fd;
}

/* Operations: return the syscall's result (-1 with errno on failure). */
static char buf[64];
static long op_read(int fd) { return read(fd, buf, 1); }
static long op_write(int fd) { return write(fd, "x", 1); }
static long op_pread(int fd) { return pread(fd, buf, 1, 0); }
static long op_pwrite(int fd) { return pwrite(fd, "x", 1, 0); }
static long op_seek(int fd) { return lseek(fd, 1, SEEK_SET); }
static long op_tell(int fd) { return lseek(fd, 0, SEEK_CUR); }
static long op_fstat(int fd) { struct stat st; return fstat(fd, &st); }
static long op_fstatfs(int fd) { struct statfs sf; return fstatfs(fd, &sf); }
static long op_fsync(int fd) { return fsync(fd); }
static long op_ftruncate(int fd) { return ftruncate(fd, 5); }
static long op_fchmod(int fd) { return fchmod(fd, 0600); }
static long op_fchown(int fd) { return fchown(fd, (uid_t)-1, (gid_t)-1); }
static long op_flock(int fd) { return flock(fd, LOCK_SH); }
static long op_getfl(int fd) { return fcntl(fd, F_GETFL); }
static long op_setlk(int fd)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	return fcntl(fd, F_SETLK, &fl);
}
static long op_futimens(int fd) { return futimens(fd, NULL); }
static long op_fgetxattr(int fd)
{
	long r = fgetxattr(fd, "user.none", buf, sizeof(buf));
	return r < 0 && (errno == ENODATA || errno == ENOTSUP) ? 0 : r;
}
static long op_fionread(int fd) { int n; return ioctl(fd, FIONREAD, &n); }
static long mmap_op(int fd, int prot, int flags)
{
	void *m = mmap(NULL, 4096, prot, flags, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	munmap(m, 4096);
	return 0;
}
static long op_mmap_none(int fd) { return mmap_op(fd, PROT_NONE, MAP_SHARED); }
static long op_mmap_r(int fd) { return mmap_op(fd, PROT_READ, MAP_SHARED); }
static long op_mmap_w(int fd) { return mmap_op(fd, PROT_WRITE, MAP_SHARED); }
static long op_mmap_x(int fd) { return mmap_op(fd, PROT_EXEC, MAP_PRIVATE); }
static long op_openat_r(int fd) { return openat(fd, "f", O_RDONLY | O_CLOEXEC); }
static long op_openat_w(int fd) { return openat(fd, "f", O_WRONLY | O_CLOEXEC); }
static long op_openat_append(int fd)
{
	return openat(fd, "f", O_WRONLY | O_APPEND | O_CLOEXEC);
}
static long op_openat_creat(int fd)
{
	return openat(fd, "new", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}
static long op_openat_trunc(int fd)
{
	return openat(fd, "f", O_WRONLY | O_TRUNC | O_CLOEXEC);
}
static long op_openat_path(int fd) { return openat(fd, "f", O_PATH | O_CLOEXEC); }
static long op_fstatat(int fd) { struct stat st; return fstatat(fd, "f", &st, 0); }
static long op_faccessat(int fd) { return faccessat(fd, "f", R_OK, 0); }
static long op_mkdirat(int fd) { return mkdirat(fd, "sub", 0700); }
static long op_unlinkat(int fd) { return unlinkat(fd, "f", 0); }
static long op_symlinkat(int fd) { return symlinkat("f", fd, "sym"); }
static long op_mkfifoat(int fd) { return mkfifoat(fd, "fifo", 0600); }
static long op_renameat(int fd) { return renameat(fd, "f", fd, "g"); }
static long op_linkat(int fd) { return linkat(fd, "f", fd, "h", 0); }
static long op_fchmodat(int fd) { return fchmodat(fd, "f", 0600, 0); }
static long op_fchownat(int fd) { return fchownat(fd, "f", (uid_t)-1, (gid_t)-1, 0); }
static long op_utimensat(int fd) { return utimensat(fd, "f", NULL, 0); }
static long op_readlinkat(int fd)
{
	long r = readlinkat(fd, "f", buf, sizeof(buf));
	return r < 0 && errno == EINVAL ? 0 : r; /* not a link: fine */
}
static long op_vmsplice(int fd)
{
	/* a pipe's read end: data out of the pipe; write end: into it */
	struct iovec iov = { buf, 1 };
	return vmsplice(fd, &iov, 1, SPLICE_F_NONBLOCK);
}
static long op_getdents(int fd) { return syscall(SYS_getdents64, fd, buf, sizeof(buf)); }
static long op_fchdir(int fd) { return fchdir(fd); }
static long op_send(int fd) { return send(fd, "x", 1, 0); }
static long op_recv(int fd) { return recv(fd, buf, 1, 0); }
static long op_getsockname(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	return getsockname(fd, (struct sockaddr *)&ss, &l);
}
static long op_getpeername(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	return getpeername(fd, (struct sockaddr *)&ss, &l);
}
static long op_getsockopt(int fd)
{
	int v;
	socklen_t l = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l);
}
static long op_setsockopt(int fd)
{
	int v = 1;
	return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
}
static long op_shutdown(int fd) { return shutdown(fd, SHUT_RD); }
static struct sockaddr_in lo = { .sin_family = AF_INET };
static long op_bind(int fd)
{
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return bind(fd, (struct sockaddr *)&lo, sizeof(lo));
}
static long op_listen(int fd) { return listen(fd, 1); }
static long op_connect(int fd)
{
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lo.sin_port = htons(1); /* refused is fine, not ENOTCAPABLE */
	long r = connect(fd, (struct sockaddr *)&lo, sizeof(lo));
	return r < 0 && errno == ECONNREFUSED ? 0 : r;
}
static long op_accept(int fd)
{
	long r = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	return r < 0 && (errno == EINVAL || errno == EAGAIN) ? 0 : r;
}
static long op_sendfile_in(int fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -2;
	return sendfile(p[1], fd, NULL, 1);
}
static long op_epoll_add(int fd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

struct op {
	const char *name;
	enum kind kind;
	uint64_t need[3];   /* rights that must be held; 0-terminated */
	long (*fn)(int fd);
};

#define N(...) { __VA_ARGS__ }

static const struct op ops[] = {
	{ "file_read", K_FILE, N(CAP_READ), op_read },
	{ "file_write", K_FILE, N(CAP_WRITE), op_write },
	{ "file_pread", K_FILE, N(CAP_PREAD), op_pread },
	{ "file_pwrite", K_FILE, N(CAP_PWRITE), op_pwrite },
	{ "file_seek", K_FILE, N(CAP_SEEK), op_seek },
	{ "file_seek_tell", K_FILE, N(CAP_SEEK_TELL), op_tell },
	{ "file_fstat", K_FILE, N(CAP_FSTAT), op_fstat },
	{ "file_fstatfs", K_FILE, N(CAP_FSTATFS), op_fstatfs },
	{ "file_fsync", K_FILE, N(CAP_FSYNC), op_fsync },
	{ "file_ftruncate", K_FILE, N(CAP_FTRUNCATE), op_ftruncate },
	{ "file_fchmod", K_FILE, N(CAP_FCHMOD), op_fchmod },
	{ "file_fchown", K_FILE, N(CAP_FCHOWN), op_fchown },
	{ "file_flock", K_FILE, N(CAP_FLOCK), op_flock },
	{ "file_fcntl_getfl", K_FILE, N(CAP_FCNTL), op_getfl },
	{ "file_fcntl_setlk", K_FILE, N(CAP_FLOCK), op_setlk },
	{ "file_futimens", K_FILE, N(CAP_FUTIMES), op_futimens },
	{ "file_fgetxattr", K_FILE, N(CAP_EXTATTR_GET), op_fgetxattr },
	{ "file_ioctl", K_FILE, N(CAP_IOCTL), op_fionread },
	{ "file_mmap_none", K_FILE, N(CAP_MMAP), op_mmap_none },
	{ "file_mmap_r", K_FILE, N(CAP_MMAP_R), op_mmap_r },
	{ "file_mmap_w", K_FILE, N(CAP_MMAP_W), op_mmap_w },
	{ "file_mmap_x", K_FILE, N(CAP_MMAP_X), op_mmap_x },
	{ "file_sendfile_in", K_FILE, N(CAP_PREAD), op_sendfile_in },
	{ "file_epoll_add", K_FILE, N(CAP_EVENT), op_epoll_add },
	{ "dir_openat_rdonly", K_DIR, N(CAP_LOOKUP, CAP_READ), op_openat_r },
	{ "dir_openat_wronly", K_DIR, N(CAP_LOOKUP, CAP_WRITE, CAP_SEEK), op_openat_w },
	{ "dir_openat_append", K_DIR, N(CAP_LOOKUP, CAP_WRITE), op_openat_append },
	{ "dir_openat_creat", K_DIR, N(CAP_LOOKUP, CAP_WRITE, CAP_CREATE), op_openat_creat },
	{ "dir_openat_trunc", K_DIR, N(CAP_LOOKUP, CAP_WRITE, CAP_FTRUNCATE), op_openat_trunc },
	{ "dir_openat_path", K_DIR, N(CAP_LOOKUP), op_openat_path },
	{ "dir_fstatat", K_DIR, N(CAP_FSTATAT), op_fstatat },
	{ "dir_faccessat", K_DIR, N(CAP_FSTATAT), op_faccessat },
	{ "dir_mkdirat", K_DIR, N(CAP_MKDIRAT), op_mkdirat },
	{ "dir_unlinkat", K_DIR, N(CAP_UNLINKAT), op_unlinkat },
	{ "dir_symlinkat", K_DIR, N(CAP_SYMLINKAT), op_symlinkat },
	{ "dir_mkfifoat", K_DIR, N(CAP_MKFIFOAT), op_mkfifoat },
	{ "dir_renameat", K_DIR, N(CAP_RENAMEAT_SOURCE, CAP_RENAMEAT_TARGET), op_renameat },
	{ "dir_linkat", K_DIR, N(CAP_LINKAT_SOURCE, CAP_LINKAT_TARGET), op_linkat },
	{ "dir_fchmodat", K_DIR, N(CAP_FCHMODAT), op_fchmodat },
	{ "dir_fchownat", K_DIR, N(CAP_FCHOWNAT), op_fchownat },
	{ "dir_utimensat", K_DIR, N(CAP_FUTIMESAT), op_utimensat },
	{ "dir_readlinkat", K_DIR, N(CAP_LOOKUP, CAP_READ), op_readlinkat },
	{ "dir_getdents", K_DIR, N(CAP_READ), op_getdents },
	{ "dir_fchdir", K_DIR, N(CAP_FCHDIR), op_fchdir },
	{ "sock_send", K_SOCK, N(CAP_SEND), op_send },
	{ "sock_recv", K_SOCK, N(CAP_RECV), op_recv },
	{ "sock_getsockname", K_SOCK, N(CAP_GETSOCKNAME), op_getsockname },
	{ "sock_getpeername", K_SOCK, N(CAP_GETPEERNAME), op_getpeername },
	{ "sock_getsockopt", K_SOCK, N(CAP_GETSOCKOPT), op_getsockopt },
	{ "sock_setsockopt", K_SOCK, N(CAP_SETSOCKOPT), op_setsockopt },
	{ "sock_shutdown", K_SOCK, N(CAP_SHUTDOWN), op_shutdown },
	{ "sock_fstat", K_SOCK, N(CAP_FSTAT), op_fstat },
	{ "tcp_bind", K_TCP, N(CAP_BIND), op_bind },
	{ "tcp_listen", K_TCP, N(CAP_LISTEN), op_listen },
	{ "tcp_connect", K_TCP, N(CAP_CONNECT), op_connect },
	{ "tcp_accept", K_TCP, N(CAP_ACCEPT), op_accept },
	{ "pipe_read", K_PIPE_R, N(CAP_READ), op_read },
	{ "pipe_write", K_PIPE_W, N(CAP_WRITE), op_write },
	{ "pipe_vmsplice_read", K_PIPE_R, N(CAP_READ), op_vmsplice },
	{ "pipe_vmsplice_write", K_PIPE_W, N(CAP_WRITE), op_vmsplice },
	{ "pipe_fstat", K_PIPE_R, N(CAP_FSTAT), op_fstat },
	{ "pipe_ioctl", K_PIPE_R, N(CAP_IOCTL), op_fionread },
	{ "pipe_fcntl_getfl", K_PIPE_R, N(CAP_FCNTL), op_getfl },
	{ "pipe_epoll_add", K_PIPE_R, N(CAP_EVENT), op_epoll_add },
};

static void need_rights(const struct op *o, cap_rights_t *r)
{
	cap_rights_init(r);
	for (int i = 0; i < 3 && o->need[i]; i++)
		cap_rights_set(r, o->need[i]);
}

/* Run op on a fresh descriptor limited to rights; 0 ok, else errno. */
static int run_limited(const struct op *o, const cap_rights_t *r)
{
	int fd = make_fd(o->kind);
	if (fd < 0)
		return -1000;
	if (cap_rights_limit(fd, r) < 0)
		return -2000 - errno;
	errno = 0;
	return o->fn(fd) == -1 ? errno : 0;
}

static void matrix(void)
{
	int fails = 0;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct op *o = &ops[i];
		cap_rights_t r;
		int st;

		for (int variant = 0; variant < 2; variant++) {
			pid_t pid = fork();
			if (pid == 0) {
				if (variant == 0) {
					need_rights(o, &r);
				} else {
					cap_rights_t n;
					CAP_ALL(&r);
					need_rights(o, &n);
					cap_rights_remove(&r, &n);
				}
				int e = run_limited(o, &r);
				_exit(e < 0 ? 200 : e > 199 ? 199 : e);
			}
			waitpid(pid, &st, 0);
			int e = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
			bool ok = variant == 0 ? e != ENOTCAPABLE && e < 199
					       : e == ENOTCAPABLE;
			if (!ok) {
				fprintf(stderr, "  %s with%s its rights: %s (%d)\n",
					o->name, variant ? "out" : "",
					e < 199 ? capsicum_strerror(e) : "setup failed",
					e);
				fails++;
			}
		}
	}
	printf("  matrix: %zu operations x {with, without} rights, %d wrong\n",
	       sizeof(ops) / sizeof(ops[0]), fails);
	CHECK(fails == 0);
}

static void error_rules(void)
{
	cap_rights_t r, got, all;
	int fd = make_fd(K_FILE);

	CAP_ALL(&all);
	CHECK_OK(cap_rights_get(fd, &got));
	CHECK(memcmp(&got, &all, sizeof(got)) == 0);
	CHECK_ERR(cap_rights_limit(-1, &all), EBADF);
	CHECK_ERR(cap_rights_limit(999, &all), EBADF);
	CHECK_ERR(cap_rights_get(999, &got), EBADF);
	r = all;
	r.cr_rights[0] |= 1ULL << 62; /* version 1 */
	CHECK_ERR(cap_rights_limit(fd, &r), EINVAL);
	CHECK_ERR(__cap_rights_get(1, fd, &got), EINVAL);
	cap_rights_init(&r, CAP_READ, CAP_FSTAT);
	CHECK_OK(cap_rights_limit(fd, &r));
	CHECK_OK(cap_rights_get(fd, &got));
	CHECK(memcmp(&got, &r, sizeof(got)) == 0);
	CHECK_OK(cap_rights_limit(fd, &r)); /* same rights: fine */
	cap_rights_init(&r, CAP_READ, CAP_WRITE);
	CHECK_NOTCAPABLE(cap_rights_limit(fd, &r)); /* widening */
	cap_rights_init(&r, CAP_READ);
	CHECK_OK(cap_rights_limit(fd, &r)); /* narrowing */
	CHECK_NOTCAPABLE(fstat(fd, &(struct stat){ 0 }));
	/* dropping CAP_IOCTL / CAP_FCNTL empties their lists */
	unsigned long cmds[4];
	uint32_t fr = 0xff;
	CHECK(cap_ioctls_get(fd, cmds, 4) == 0);
	CHECK_OK(cap_fcntls_get(fd, &fr));
	CHECK(fr == 0);
}

static void ioctl_limits(void)
{
	int fd = make_fd(K_PIPE_R);
	unsigned long cmds[CAP_IOCTLS_LIMIT_MAX + 1] = { 0 };
	unsigned long got[4] = { 0 };
	int n;

	CHECK(cap_ioctls_get(fd, got, 4) == CAP_IOCTLS_ALL);
	CHECK_ERR(cap_ioctls_limit(fd, cmds, CAP_IOCTLS_LIMIT_MAX + 1), EINVAL);
	cmds[0] = FIONREAD;
	cmds[1] = FIOCLEX;
	CHECK_OK(cap_ioctls_limit(fd, cmds, 2));
	CHECK(cap_ioctls_get(fd, got, 4) == 2 && got[0] == FIONREAD && got[1] == FIOCLEX);
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	CHECK_OK(ioctl(fd, FIOCLEX));
	CHECK_NOTCAPABLE(ioctl(fd, FIONBIO, &n));
	CHECK_NOTCAPABLE(ioctl(fd, TCGETS, &(struct termios){ 0 }));
	/* the high half of cmd is ignored by the kernel, and by us */
	CHECK_OK(syscall(SYS_ioctl, fd, (unsigned long)FIONREAD | (1UL << 32), &n));
	cmds[0] = FIONBIO;
	CHECK_NOTCAPABLE(cap_ioctls_limit(fd, cmds, 1)); /* widening */
	cmds[0] = FIONREAD;
	CHECK_OK(cap_ioctls_limit(fd, cmds, 1));
	CHECK_NOTCAPABLE(ioctl(fd, FIOCLEX));
	CHECK_OK(cap_ioctls_limit(fd, NULL, 0)); /* no ioctls at all */
	CHECK_NOTCAPABLE(ioctl(fd, FIONREAD, &n));
	CHECK(cap_ioctls_get(fd, got, 4) == 0);
}

static void fcntl_limits(void)
{
	int fd = make_fd(K_FILE);
	uint32_t fr;

	CHECK_OK(cap_fcntls_get(fd, &fr));
	CHECK(fr == CAP_FCNTL_ALL);
	CHECK_ERR(cap_fcntls_limit(fd, 1u << 1), EINVAL);
	CHECK_OK(cap_fcntls_limit(fd, CAP_FCNTL_GETFL | CAP_FCNTL_SETOWN));
	CHECK_OK(fcntl(fd, F_GETFL));
	CHECK_NOTCAPABLE(fcntl(fd, F_SETFL, O_NONBLOCK));
	CHECK_NOTCAPABLE(fcntl(fd, F_GETOWN));
	CHECK_OK(fcntl(fd, F_SETOWN, getpid()));
	CHECK_OK(fcntl(fd, F_GETFD)); /* never needs a right */
	CHECK_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	/* Linux-only commands need every fcntl right */
	CHECK_NOTCAPABLE(fcntl(fd, F_GETPIPE_SZ));
	CHECK_NOTCAPABLE(cap_fcntls_limit(fd, CAP_FCNTL_ALL));
	CHECK_OK(cap_fcntls_limit(fd, CAP_FCNTL_GETFL));
	CHECK_OK(cap_fcntls_get(fd, &fr));
	CHECK(fr == CAP_FCNTL_GETFL);
	CHECK_NOTCAPABLE(fcntl(fd, F_SETOWN, getpid()));
	/* without CAP_FCNTL nothing but F_GETFD/F_SETFD */
	cap_rights_t r;
	cap_rights_init(&r, CAP_READ);
	CHECK_OK(cap_rights_limit(fd, &r));
	CHECK_NOTCAPABLE(fcntl(fd, F_GETFL));
	CHECK_OK(fcntl(fd, F_GETFD));
}

static void truncation_32bit(void)
{
	int fd = make_fd(K_FILE);
	cap_rights_t r;

	cap_rights_init(&r, CAP_WRITE);
	CHECK_OK(cap_rights_limit(fd, &r));
	CHECK_NOTCAPABLE(read(fd, buf, 1));
	CHECK_NOTCAPABLE(syscall(SYS_read, (uint64_t)(uint32_t)fd | (1ULL << 32), buf, 1));
	CHECK_NOTCAPABLE(syscall(SYS_read, (uint64_t)(uint32_t)fd | (0xffffffffULL << 32), buf, 1));
	CHECK_NOTCAPABLE(syscall(SYS_fstat, (uint64_t)(uint32_t)fd | (1ULL << 40), buf));
}

static void dup_refused(void)
{
	int fd = make_fd(K_FILE);
	cap_rights_t r;

	cap_rights_init(&r, CAP_READ, CAP_FSTAT);
	CHECK_OK(cap_rights_limit(fd, &r));
	CHECK_NOTCAPABLE(dup(fd));
	CHECK_NOTCAPABLE(dup2(fd, 100));
	CHECK_NOTCAPABLE(dup3(fd, 100, O_CLOEXEC));
	CHECK_NOTCAPABLE(fcntl(fd, F_DUPFD_CLOEXEC, 0));
	CHECK_NOTCAPABLE(fcntl(fd, F_DUPFD, 0));
}

static void fork_inherits(void)
{
	int fd = make_fd(K_FILE);
	cap_rights_t r, got;

	cap_rights_init(&r, CAP_WRITE);
	CHECK_OK(cap_rights_limit(fd, &r));
	pid_t pid = fork();
	if (pid == 0) {
		int ok = read(fd, buf, 1) == -1 && errno == ENOTCAPABLE &&
			 cap_rights_get(fd, &got) == 0 &&
			 memcmp(&got, &r, sizeof(r)) == 0;
		_exit(ok ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void limits_in_capmode(void)
{
	int fd = make_fd(K_FILE), dfd = make_fd(K_DIR);
	cap_rights_t r;

	cap_rights_init(&r, CAP_READ, CAP_LOOKUP);
	CHECK_OK(cap_rights_limit(dfd, &r));
	CHECK_OK(cap_enter());
	/* limits before and after cap_enter both answer ENOTCAPABLE */
	CHECK_NOTCAPABLE(openat(dfd, "f", O_RDWR | O_CLOEXEC));
	CHECK_OK(openat(dfd, "f", O_RDONLY | O_CLOEXEC));
	cap_rights_init(&r, CAP_READ);
	CHECK_OK(cap_rights_limit(fd, &r));
	CHECK_NOTCAPABLE(write(fd, "x", 1));
	CHECK_OK(read(fd, buf, 1));
	CHECK_CAPMODE(open("/etc/passwd", O_RDONLY | O_CLOEXEC));
}

static void caph_stdio(void)
{
	int p[2];
	CHECK_OK(pipe2(p, O_CLOEXEC));
	dup2(p[1], STDOUT_FILENO);
	CHECK_OK(caph_limit_stdio());
	CHECK(write(STDOUT_FILENO, "x", 1) == 1);
	CHECK_NOTCAPABLE(read(STDOUT_FILENO, buf, 1));
	CHECK_OK(isatty(STDOUT_FILENO) || errno == ENOTTY ? 0 : -1);
	CHECK_OK(fcntl(STDOUT_FILENO, F_GETFL));
	CHECK_NOTCAPABLE(fcntl(STDOUT_FILENO, F_SETFL, 0));
	CHECK_NOTCAPABLE(fchmod(STDOUT_FILENO, 0600));
	unsigned long got[4];
	CHECK(cap_ioctls_get(STDOUT_FILENO, got, 4) == 2);
	close(STDIN_FILENO);
	CHECK_OK(caph_limit_stdio()); /* EBADF ignored */
}

static const struct ctest tests[] = {
	{ "limits_matrix", matrix },
	{ "limits_error_rules", error_rules },
	{ "limits_ioctl", ioctl_limits },
	{ "limits_fcntl", fcntl_limits },
	{ "limits_truncation_32bit", truncation_32bit },
	{ "limits_dup_refused", dup_refused },
	{ "limits_fork_inherits", fork_inherits },
	{ "limits_in_capmode", limits_in_capmode },
	{ "limits_caph_limit_stdio", caph_stdio },
};

int main(int argc, char **argv)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	int r = ct_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		r = r ? r : 1;
	return r;
}
