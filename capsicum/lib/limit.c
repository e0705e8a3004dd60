/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-descriptor limits: cap_rights_limit, cap_ioctls_limit,
 * cap_fcntls_limit and their getters.  A shadow table records each
 * descriptor's rights with FreeBSD's error rules; every narrowing installs
 * one seccomp filter (TSYNC) that answers ENOTCAPABLE when the low 32 bits
 * of a descriptor argument equal the limited number and a needed right is
 * missing.  Filters only narrow, so older, wider ones stay harmless.
 *
 * Rights live on the descriptor number, not on the open file: dup, dup2,
 * dup3 and F_DUPFD from a limited number are refused with ENOTCAPABLE
 * (a new number could not carry the limit), and a limited number keeps
 * its limit after close.  See capsicum-linux(7).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include "internal.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __NR_epoll_pwait2
#define __NR_epoll_pwait2 441
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif
#ifndef F_GETOWN_EX
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#endif
/* _IOWR(0xFF, 11, struct pidfd_info) with the 64-byte first version. */
#define CAPSICUM_PIDFD_GET_INFO 0xC040FF0BU

struct fdlimit {
	bool limited;
	/* What the descriptor was when first limited (fstat/fstatfs then
	 * worked): cap_enter() without /proc needs it when the limit now
	 * refuses them (capsicum_fd_kind). */
	bool kind_known;
	mode_t mode;
	long fstype;
	int accmode;              /* O_ACCMODE when first limited, or -1 */
	cap_rights_t rights;
	uint32_t fcntls;
	long nioctls;             /* -1: all */
	unsigned long *ioctls;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fdlimit *table;
static size_t ntable;

static void state_default(struct fdlimit *s)
{
	memset(s, 0, sizeof(*s));
	s->accmode = -1;
	CAP_ALL(&s->rights);
	s->fcntls = CAP_FCNTL_ALL;
	s->nioctls = -1;
}

static void state_get(int fd, struct fdlimit *s)
{
	if ((size_t)fd < ntable && table[fd].limited)
		*s = table[fd];
	else
		state_default(s);
}

void capsicum_fd_rights(int fd, cap_rights_t *rights)
{
	struct fdlimit s;

	pthread_mutex_lock(&lock);
	state_get(fd, &s);
	pthread_mutex_unlock(&lock);
	*rights = s.rights;
}

static int state_put(int fd, const struct fdlimit *s)
{
	if ((size_t)fd >= ntable) {
		size_t n = (size_t)fd + 16;
		struct fdlimit *t = realloc(table, n * sizeof(*t));
		if (!t)
			return -1;
		memset(t + ntable, 0, (n - ntable) * sizeof(*t));
		table = t;
		ntable = n;
	}
	if (table[fd].ioctls != s->ioctls)
		free(table[fd].ioctls);
	table[fd] = *s;
	table[fd].limited = true;
	return 0;
}

/* --- the filter ------------------------------------------------------- */

enum top { T_EQ, T_NE, T_SET, T_CLEAR };

struct argtest {
	uint8_t arg;
	uint8_t high;
	uint8_t op;
	uint32_t mask;   /* T_EQ/T_NE compare (A & mask) with val */
	uint32_t val;
};

#define FCNTL_SUB_ALL 0x80000000U /* needs fcntls == CAP_FCNTL_ALL */
#define ALWAYS        0x40000000U /* refused whenever fd is limited */

/* A rule for one direction only (vmsplice): skipped when the descriptor
 * was opened for the other one alone. */
enum { DIR_ANY, DIR_READ, DIR_WRITE };

struct fdrule {
	int nr;
	uint8_t fdarg;
	uint8_t dir;
	uint64_t need;      /* one word's rights, index bit included */
	uint32_t fcntl;     /* CAP_FCNTL_* bit, FCNTL_SUB_ALL or ALWAYS */
	uint8_t ntests;
	struct argtest t[3];
};

#define TEST(a, o, m, v) { .arg = (a), .high = 0, .op = (o), .mask = (m), .val = (v) }
#define TESTHI(a, o, m, v) { .arg = (a), .high = 1, .op = (o), .mask = (m), .val = (v) }
#define R(n, fa, nd) { .nr = (n), .fdarg = (fa), .need = (nd) }
#define RT(n, fa, nd, ...) \
	{ .nr = (n), .fdarg = (fa), .need = (nd), \
	  .ntests = sizeof((struct argtest[]){ __VA_ARGS__ }) / sizeof(struct argtest), \
	  .t = { __VA_ARGS__ } }
#define RF(n, cmd, nd, sub) \
	{ .nr = (n), .fdarg = 0, .need = (nd), .fcntl = (sub), .ntests = 1, \
	  .t = { TEST(1, T_EQ, 0xffffffffU, (cmd)) } }

#define NOPATH TEST(2, T_CLEAR, O_PATH, 0)

static const struct fdrule rules[] = {
	R(__NR_read, 0, CAP_READ),
	R(__NR_write, 0, CAP_WRITE),
	R(__NR_readv, 0, CAP_READ),
	R(__NR_writev, 0, CAP_WRITE),
	R(__NR_pread64, 0, CAP_PREAD),
	R(__NR_pwrite64, 0, CAP_PWRITE),
	R(__NR_preadv, 0, CAP_PREAD),
	R(__NR_pwritev, 0, CAP_PWRITE),
	R(__NR_preadv2, 0, CAP_PREAD),
	R(__NR_pwritev2, 0, CAP_PWRITE),
	R(__NR_lseek, 0, CAP_SEEK_TELL),
	RT(__NR_lseek, 0, CAP_SEEK, TEST(2, T_NE, 0xffffffffU, SEEK_CUR)),
	RT(__NR_lseek, 0, CAP_SEEK, TEST(1, T_NE, 0xffffffffU, 0)),
	RT(__NR_lseek, 0, CAP_SEEK, TESTHI(1, T_NE, 0xffffffffU, 0)),
	RT(__NR_mmap, 4, CAP_MMAP, TEST(3, T_CLEAR, MAP_ANONYMOUS, 0)),
	RT(__NR_mmap, 4, CAP_MMAP_R, TEST(3, T_CLEAR, MAP_ANONYMOUS, 0),
	   TEST(2, T_SET, PROT_READ, 0)),
	RT(__NR_mmap, 4, CAP_MMAP_W, TEST(3, T_CLEAR, MAP_ANONYMOUS, 0),
	   TEST(2, T_SET, PROT_WRITE, 0), TEST(3, T_SET, MAP_SHARED, 0)),
	RT(__NR_mmap, 4, CAP_MMAP_X, TEST(3, T_CLEAR, MAP_ANONYMOUS, 0),
	   TEST(2, T_SET, PROT_EXEC, 0)),
	R(__NR_fsync, 0, CAP_FSYNC),
	R(__NR_fdatasync, 0, CAP_FSYNC),
	R(__NR_sync_file_range, 0, CAP_FSYNC),
	R(__NR_ftruncate, 0, CAP_FTRUNCATE),
	R(__NR_fallocate, 0, CAP_PWRITE),
	R(__NR_fchmod, 0, CAP_FCHMOD),
	R(__NR_fchown, 0, CAP_FCHOWN),
	R(__NR_fchdir, 0, CAP_FCHDIR),
	R(__NR_flock, 0, CAP_FLOCK),
	R(__NR_fstat, 0, CAP_FSTAT),
	R(__NR_fstatfs, 0, CAP_FSTATFS),
	R(__NR_fgetxattr, 0, CAP_EXTATTR_GET),
	R(__NR_flistxattr, 0, CAP_EXTATTR_LIST),
	R(__NR_fsetxattr, 0, CAP_EXTATTR_SET),
	R(__NR_fremovexattr, 0, CAP_EXTATTR_DELETE),
	R(__NR_getdents64, 0, CAP_READ),
#ifdef __NR_getdents
	R(__NR_getdents, 0, CAP_READ),
#endif
	R(__NR_accept, 0, CAP_ACCEPT),
	R(__NR_accept4, 0, CAP_ACCEPT),
	R(__NR_bind, 0, CAP_BIND),
	R(__NR_connect, 0, CAP_CONNECT),
	R(__NR_listen, 0, CAP_LISTEN),
	R(__NR_shutdown, 0, CAP_SHUTDOWN),
	R(__NR_getsockname, 0, CAP_GETSOCKNAME),
	R(__NR_getpeername, 0, CAP_GETPEERNAME),
	R(__NR_getsockopt, 0, CAP_GETSOCKOPT),
	R(__NR_setsockopt, 0, CAP_SETSOCKOPT),
	R(__NR_recvfrom, 0, CAP_READ),
	R(__NR_recvmsg, 0, CAP_READ),
	R(__NR_recvmmsg, 0, CAP_READ),
	R(__NR_sendto, 0, CAP_WRITE),
	RT(__NR_sendto, 0, CAP_CONNECT, TEST(4, T_NE, 0xffffffffU, 0)),
	RT(__NR_sendto, 0, CAP_CONNECT, TESTHI(4, T_NE, 0xffffffffU, 0)),
	R(__NR_sendmsg, 0, CAP_WRITE),
	R(__NR_sendmmsg, 0, CAP_WRITE),
	R(__NR_sendfile, 0, CAP_WRITE),
	R(__NR_sendfile, 1, CAP_PREAD),
	R(__NR_splice, 0, CAP_READ),
	R(__NR_splice, 2, CAP_WRITE),
	R(__NR_tee, 0, CAP_READ),
	R(__NR_tee, 1, CAP_WRITE),
	/* vmsplice writes into a pipe's write end, reads from its read end */
	{ .nr = __NR_vmsplice, .fdarg = 0, .need = CAP_READ, .dir = DIR_READ },
	{ .nr = __NR_vmsplice, .fdarg = 0, .need = CAP_WRITE, .dir = DIR_WRITE },
	R(__NR_copy_file_range, 0, CAP_READ),
	R(__NR_copy_file_range, 2, CAP_WRITE),
	R(__NR_epoll_ctl, 0, CAP_KQUEUE_CHANGE),
	R(__NR_epoll_ctl, 2, CAP_EVENT),
#ifdef __NR_epoll_wait
	R(__NR_epoll_wait, 0, CAP_KQUEUE_EVENT),
#endif
	R(__NR_epoll_pwait, 0, CAP_KQUEUE_EVENT),
	R(__NR_epoll_pwait2, 0, CAP_KQUEUE_EVENT),
	R(__NR_pidfd_send_signal, 0, CAP_PDKILL),
	RT(__NR_waitid, 1, CAP_PDWAIT, TEST(0, T_EQ, 0xffffffffU, P_PIDFD)),
	RT(__NR_ioctl, 0, CAP_IOCTL, TEST(1, T_NE, 0xffffffffU, CAPSICUM_PIDFD_GET_INFO)),
	RT(__NR_ioctl, 0, CAP_PDGETPID, TEST(1, T_EQ, 0xffffffffU, CAPSICUM_PIDFD_GET_INFO)),
	RF(__NR_fcntl, F_GETFL, CAP_FCNTL, CAP_FCNTL_GETFL),
	RF(__NR_fcntl, F_SETFL, CAP_FCNTL, CAP_FCNTL_SETFL),
	RF(__NR_fcntl, F_GETOWN, CAP_FCNTL, CAP_FCNTL_GETOWN),
	RF(__NR_fcntl, F_GETOWN_EX, CAP_FCNTL, CAP_FCNTL_GETOWN),
	RF(__NR_fcntl, F_SETOWN, CAP_FCNTL, CAP_FCNTL_SETOWN),
	RF(__NR_fcntl, F_SETOWN_EX, CAP_FCNTL, CAP_FCNTL_SETOWN),
	RF(__NR_fcntl, F_GETLK, CAP_FLOCK, 0),
	RF(__NR_fcntl, F_SETLK, CAP_FLOCK, 0),
	RF(__NR_fcntl, F_SETLKW, CAP_FLOCK, 0),
	RF(__NR_fcntl, F_OFD_GETLK, CAP_FLOCK, 0),
	RF(__NR_fcntl, F_OFD_SETLK, CAP_FLOCK, 0),
	RF(__NR_fcntl, F_OFD_SETLKW, CAP_FLOCK, 0),
	RF(__NR_fcntl, F_DUPFD, 0, ALWAYS),
	RF(__NR_fcntl, F_DUPFD_CLOEXEC, 0, ALWAYS),
	{ .nr = __NR_dup, .fdarg = 0, .fcntl = ALWAYS },
#ifdef __NR_dup2
	{ .nr = __NR_dup2, .fdarg = 0, .fcntl = ALWAYS },
#endif
	{ .nr = __NR_dup3, .fdarg = 0, .fcntl = ALWAYS },
	R(__NR_execveat, 0, CAP_FEXECVE),
	/* openat: LOOKUP plus what the flags ask for (FreeBSD's rules). */
	R(__NR_openat, 0, CAP_LOOKUP),
	RT(__NR_openat, 0, CAP_READ, TEST(2, T_EQ, O_ACCMODE, O_RDONLY), NOPATH),
	RT(__NR_openat, 0, CAP_READ, TEST(2, T_EQ, O_ACCMODE, O_RDWR), NOPATH),
	RT(__NR_openat, 0, CAP_WRITE, TEST(2, T_NE, O_ACCMODE, O_RDONLY), NOPATH),
	RT(__NR_openat, 0, CAP_SEEK, TEST(2, T_NE, O_ACCMODE, O_RDONLY),
	   TEST(2, T_CLEAR, O_APPEND | O_TRUNC, 0), NOPATH),
	RT(__NR_openat, 0, CAP_CREATE, TEST(2, T_SET, O_CREAT, 0)),
	RT(__NR_openat, 0, CAP_FTRUNCATE, TEST(2, T_SET, O_TRUNC, 0)),
	RT(__NR_openat, 0, CAP_FSYNC, TEST(2, T_SET, O_DSYNC, 0)),
	/* openat2 hides its flags in memory: it needs every open right. */
	R(__NR_openat2, 0, CAP_LOOKUP | CAP_READ | CAP_WRITE | CAP_SEEK |
			   CAP_CREATE | CAP_FTRUNCATE | CAP_FSYNC),
	R(__NR_newfstatat, 0, CAP_FSTAT),
	RT(__NR_newfstatat, 0, CAP_LOOKUP, TEST(3, T_CLEAR, AT_EMPTY_PATH, 0)),
	R(__NR_statx, 0, CAP_FSTAT),
	RT(__NR_statx, 0, CAP_LOOKUP, TEST(2, T_CLEAR, AT_EMPTY_PATH, 0)),
	R(__NR_faccessat, 0, CAP_FSTATAT),
	R(__NR_faccessat2, 0, CAP_FSTATAT),
	R(__NR_readlinkat, 0, CAP_LOOKUP | CAP_READ),
	R(__NR_mkdirat, 0, CAP_MKDIRAT),
	RT(__NR_mknodat, 0, CAP_MKFIFOAT, TEST(2, T_EQ, S_IFMT, S_IFIFO)),
	RT(__NR_mknodat, 0, CAP_MKNODAT, TEST(2, T_NE, S_IFMT, S_IFIFO)),
	R(__NR_fchownat, 0, CAP_FCHOWN),
	RT(__NR_fchownat, 0, CAP_LOOKUP, TEST(4, T_CLEAR, AT_EMPTY_PATH, 0)),
	R(__NR_fchmodat, 0, CAP_FCHMODAT),
	R(__NR_fchmodat2, 0, CAP_FCHMOD),
	RT(__NR_fchmodat2, 0, CAP_LOOKUP, TEST(3, T_CLEAR, AT_EMPTY_PATH, 0)),
	R(__NR_utimensat, 0, CAP_FUTIMES),
	RT(__NR_utimensat, 0, CAP_LOOKUP, TEST(1, T_NE, 0xffffffffU, 0)),
	RT(__NR_utimensat, 0, CAP_LOOKUP, TESTHI(1, T_NE, 0xffffffffU, 0)),
#ifdef __NR_futimesat
	R(__NR_futimesat, 0, CAP_FUTIMESAT),
#endif
	R(__NR_unlinkat, 0, CAP_UNLINKAT),
#ifdef __NR_renameat
	R(__NR_renameat, 0, CAP_RENAMEAT_SOURCE),
	R(__NR_renameat, 2, CAP_RENAMEAT_TARGET),
#endif
	R(__NR_renameat2, 0, CAP_RENAMEAT_SOURCE),
	R(__NR_renameat2, 2, CAP_RENAMEAT_TARGET),
	R(__NR_linkat, 0, CAP_LINKAT_SOURCE),
	R(__NR_linkat, 2, CAP_LINKAT_TARGET),
	R(__NR_symlinkat, 1, CAP_SYMLINKAT),
	R(__NR_name_to_handle_at, 0, CAP_FSTATAT),
};


static bool right_missing(const cap_rights_t *have, uint64_t need)
{
	if (!need)
		return false;
	int idx = CAPIDXBIT(need) == 1 ? 0 : 1;
	return (have->cr_rights[idx] & need) != need;
}

static bool rule_denies(const struct fdrule *r, const struct fdlimit *s)
{
	if (r->fcntl == ALWAYS)
		return true;
	if ((r->dir == DIR_READ && s->accmode == O_WRONLY) ||
	    (r->dir == DIR_WRITE && s->accmode == O_RDONLY))
		return false;
	if (right_missing(&s->rights, r->need))
		return true;
	if (r->fcntl == FCNTL_SUB_ALL)
		return s->fcntls != CAP_FCNTL_ALL;
	return r->fcntl && !(s->fcntls & r->fcntl);
}


static bool fcntl_other_denied(const struct fdlimit *s)
{
	return rule_denies(&(struct fdrule){ .need = CAP_FCNTL,
					     .fcntl = FCNTL_SUB_ALL }, s);
}

static size_t test_len(const struct argtest *t)
{
	return (t->op == T_EQ || t->op == T_NE) && t->mask != 0xffffffffU ? 3 : 2;
}

/* if (low32(arg) == fd && tests) return ENOTCAPABLE; all jumps short. */
static void emit_rule_short(struct bpf_prog *p, int fd, const struct fdrule *r)
{
	size_t rest = 1; /* RET */
	for (size_t t = 0; t < r->ntests; t++)
		rest += test_len(&r->t[t]);
	bpf_ld_arg(p, r->fdarg, false);
	bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)fd, 0, (uint8_t)rest);
	for (size_t i = 0; i < r->ntests; i++) {
		const struct argtest *t = &r->t[i];
		rest -= test_len(t);
		uint8_t d = (uint8_t)rest; /* to the instruction after RET */
		bpf_ld_arg(p, t->arg, t->high);
		switch (t->op) {
		case T_EQ:
		case T_NE:
			if (t->mask != 0xffffffffU)
				bpf_stmt(p, BPF_ALU | BPF_AND | BPF_K, t->mask);
			if (t->op == T_EQ)
				bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, t->val, 0, d);
			else
				bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, t->val, d, 0);
			break;
		case T_SET:
			bpf_jump(p, BPF_JMP | BPF_JSET | BPF_K, t->mask, 0, d);
			break;
		case T_CLEAR:
			bpf_jump(p, BPF_JMP | BPF_JSET | BPF_K, t->mask, d, 0);
			break;
		}
	}
	bpf_ret(p, SECCOMP_RET_ERRNO | ENOTCAPABLE);
}

/* A = cmd; allow the listed values, deny the rest, all in short jumps. */
static void emit_allow_list(struct bpf_prog *p, const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, v[i], (uint8_t)(n - i), 0);
	bpf_ret(p, SECCOMP_RET_ERRNO | ENOTCAPABLE);
	bpf_ret(p, SECCOMP_RET_ALLOW);
}

/* fcntl on fd: the commands this state allows. */
static size_t fcntl_allowed(const struct fdlimit *s, uint32_t *out)
{
	size_t n = 0;
	bool fc = !right_missing(&s->rights, CAP_FCNTL);
	out[n++] = F_GETFD;
	out[n++] = F_SETFD;
	if (fc && (s->fcntls & CAP_FCNTL_GETFL))
		out[n++] = F_GETFL;
	if (fc && (s->fcntls & CAP_FCNTL_SETFL))
		out[n++] = F_SETFL;
	if (fc && (s->fcntls & CAP_FCNTL_GETOWN)) {
		out[n++] = F_GETOWN;
		out[n++] = F_GETOWN_EX;
	}
	if (fc && (s->fcntls & CAP_FCNTL_SETOWN)) {
		out[n++] = F_SETOWN;
		out[n++] = F_SETOWN_EX;
	}
	if (!right_missing(&s->rights, CAP_FLOCK)) {
		static const uint32_t locks[] = { F_GETLK, F_SETLK, F_SETLKW,
			F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW };
		for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++)
			out[n++] = locks[i];
	}
	return n;
}

/* Does an unconditional "fd in arg0" rule deny this call outright? */
static bool plain_denies(int nr, const struct fdlimit *s)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct fdrule *r = &rules[i];
		if (r->nr == nr && r->fdarg == 0 && r->ntests == 0 &&
		    rule_denies(r, s))
			return true;
	}
	return false;
}

/* A rule made redundant by an outright denial on arg0. */
static bool shadowed(const struct fdrule *r, const struct fdlimit *s)
{
	return r->fdarg == 0 && r->ntests > 0 && plain_denies(r->nr, s);
}

/* Every remaining denying rule of this call is a plain arg0 rule. */
static bool plain_only(int nr, const struct fdlimit *s)
{
	if (!plain_denies(nr, s))
		return false;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct fdrule *r = &rules[i];
		if (r->nr != nr || !rule_denies(r, s) || shadowed(r, s))
			continue;
		if (r->fdarg != 0 || r->ntests != 0)
			return false;
	}
	return true;
}

#define CHUNK 200

/*
 * Layout.  The system call number is tested first and arguments are read
 * only for calls with a rule, so the kernel's per-filter action cache
 * keeps every other call free.  Calls whose only denying rules are
 * "fd in arg0" share one compare each (short jumps, chunks of CHUNK);
 * the rest get a block per rule.
 */
static void build_limit(struct bpf_prog *p, int fd, const struct fdlimit *s)
{
	size_t n = sizeof(rules) / sizeof(rules[0]);
	int allow = bpf_label(p), deny = bpf_label(p);
	int plain[sizeof(rules) / sizeof(rules[0])];
	size_t np = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && rules[i - 1].nr == rules[i].nr)
			continue;
		if (plain_only(rules[i].nr, s))
			plain[np++] = rules[i].nr;
	}

	bpf_check_arch(p, ENOTCAPABLE);
	for (size_t c = 0; c < np; c += CHUNK) {
		size_t m = np - c < CHUNK ? np - c : CHUNK;
		int after = bpf_label(p);
		for (size_t i = 0; i < m; i++)
			bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)plain[c + i],
				 (uint8_t)(m - i), 0);
		bpf_goto(p, after);
		bpf_ld_arg(p, 0, false);
		bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)fd, 0, 1);
		bpf_ret(p, SECCOMP_RET_ERRNO | ENOTCAPABLE);
		bpf_ret(p, SECCOMP_RET_ALLOW);
		bpf_place(p, after);
	}

	for (size_t i = 0; i < n;) {
		int nr = rules[i].nr, next = bpf_label(p);
		size_t j = i;
		while (j < n && rules[j].nr == nr)
			j++;
		bool ioctl_list = nr == __NR_ioctl && s->nioctls >= 0 &&
				  !plain_denies(nr, s);
		bool fcntl_other = nr == __NR_fcntl && fcntl_other_denied(s);
		bool any = ioctl_list || fcntl_other;
		for (size_t k = i; k < j; k++)
			any |= rule_denies(&rules[k], s);
		if (!any || plain_only(nr, s)) {
			i = j;
			continue;
		}
		bpf_jne(p, (uint32_t)nr, next);
		if (nr == __NR_fcntl && fcntl_other) {
			/* an allow-list is shorter than the denials */
			uint32_t ok[32];
			size_t nok = fcntl_allowed(s, ok);
			bpf_ld_arg(p, 0, false);
			bpf_jne(p, (uint32_t)fd, allow);
			bpf_ld_arg(p, 1, false);
			emit_allow_list(p, ok, nok);
			bpf_place(p, next);
			i = j;
			continue;
		}
		for (size_t k = i; k < j; k++) {
			const struct fdrule *r = &rules[k];
			if (rule_denies(r, s) && !shadowed(r, s))
				emit_rule_short(p, fd, r);
		}
		if (ioctl_list) {
			/* commands outside the list */
			bpf_ld_arg(p, 0, false);
			bpf_jne(p, (uint32_t)fd, allow);
			bpf_ld_arg(p, 1, false);
			bpf_jeq(p, CAPSICUM_PIDFD_GET_INFO, allow);
			for (long c = 0; c < s->nioctls; c++)
				bpf_jeq(p, (uint32_t)s->ioctls[c], allow);
			bpf_goto(p, deny);
		}
		bpf_goto(p, allow);
		bpf_place(p, next);
		i = j;
	}
	bpf_place(p, allow);
	bpf_ret(p, SECCOMP_RET_ALLOW);
	bpf_place(p, deny);
	bpf_ret(p, SECCOMP_RET_ERRNO | ENOTCAPABLE);
}

static int fd_valid(int fd)
{
	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

static bool same_state(const struct fdlimit *a, const struct fdlimit *b)
{
	if (memcmp(&a->rights, &b->rights, sizeof(a->rights)) ||
	    a->fcntls != b->fcntls || a->nioctls != b->nioctls)
		return false;
	for (long i = 0; i < a->nioctls; i++)
		if (a->ioctls[i] != b->ioctls[i])
			return false;
	return true;
}

int capsicum_fd_kind(int fd, mode_t *mode, long *fstype)
{
	int r = -1;

	pthread_mutex_lock(&lock);
	if ((size_t)fd < ntable && table[fd].limited && table[fd].kind_known) {
		*mode = table[fd].mode;
		*fstype = table[fd].fstype;
		r = 0;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

/* Install the filter for the new state and record it (lock held). */
static int apply(int fd, struct fdlimit *cur, struct fdlimit *nw)
{
	struct bpf_prog p;
	int r;

	if (!cur->limited) {
		struct stat st;
		struct statfs sf;
		nw->kind_known = fstat(fd, &st) == 0 && fstatfs(fd, &sf) == 0;
		nw->mode = nw->kind_known ? st.st_mode : 0;
		nw->fstype = nw->kind_known ? (long)sf.f_type : 0;
		int fl = fcntl(fd, F_GETFL);
		nw->accmode = fl < 0 || (fl & O_PATH) ? -1 : fl & O_ACCMODE;
	}

	if (same_state(cur, nw)) {
		if (nw->ioctls != cur->ioctls)
			free(nw->ioctls);
		return 0;
	}
	bpf_init(&p);
	build_limit(&p, fd, nw);
	r = capsicum_install_filter(&p);
	int saved = errno;
	bpf_free(&p);
	if (r < 0 || state_put(fd, nw) < 0) {
		if (nw->ioctls != cur->ioctls)
			free(nw->ioctls);
		errno = r < 0 ? saved : ENOMEM;
		return -1;
	}
	return 0;
}

/* The state lock taken and fd's state in *cur, when fd's rights hold
 * rights (a limit only narrows); else unlocked, -1 and ENOTCAPABLE. */
static int lock_within(int fd, const cap_rights_t *rights,
		       struct fdlimit *cur)
{
	pthread_mutex_lock(&lock);
	state_get(fd, cur);
	if (!cap_rights_contains(&cur->rights, rights)) {
		pthread_mutex_unlock(&lock);
		errno = ENOTCAPABLE;
		return -1;
	}
	return 0;
}

int cap_rights_limit(int fd, const cap_rights_t *rights)
{
	struct fdlimit cur, nw;
	int r;

	if (fd_valid(fd) < 0)
		return -1;
	if (!rights || !cap_rights_is_valid(rights)) {
		errno = EINVAL;
		return -1;
	}
	if (lock_within(fd, rights, &cur) < 0)
		return -1;
	pthread_mutex_unlock(&lock);
	/*
	 * A directory limited in capability mode: Landlock's rules were
	 * built at cap_enter() from its old rights, and openat(fd, ".")
	 * would give a new, unlimited descriptor on the same tree.  Stack
	 * one more layer built from the rights as they will be (layers
	 * intersect).  Landlock allows 16 layers; past that the limit
	 * fails (ENOMEM) and changes nothing.
	 */
	if (capsicum_landlock_entered() && cap_sandboxed()) {
		struct stat st;
		mode_t mode = 0;
		long fstype;
		if (fstat(fd, &st) == 0)
			mode = st.st_mode;
		else if (capsicum_fd_kind(fd, &mode, &fstype) < 0)
			mode = S_IFDIR;   /* unknown: assume the worst */
		if (S_ISDIR(mode) && capsicum_landlock_access(rights) !=
				     capsicum_landlock_access(&cur.rights) &&
		    capsicum_landlock_narrow(fd, rights) < 0)
			return -1;
	}
	/* again: another thread may have narrowed fd meanwhile */
	if (lock_within(fd, rights, &cur) < 0)
		return -1;
	nw = cur;
	nw.rights = *rights;
	if (!cap_rights_is_set(rights, CAP_IOCTL)) {
		nw.nioctls = 0;
		nw.ioctls = NULL;
	}
	if (!cap_rights_is_set(rights, CAP_FCNTL))
		nw.fcntls = 0;
	r = apply(fd, &cur, &nw);
	pthread_mutex_unlock(&lock);
	return r;
}

int __cap_rights_get(int version, int fd, cap_rights_t *rights)
{
	if (version != CAP_RIGHTS_VERSION_00 || !rights) {
		errno = EINVAL;
		return -1;
	}
	if (fd_valid(fd) < 0)
		return -1;
	capsicum_fd_rights(fd, rights);
	return 0;
}

int cap_ioctls_limit(int fd, const unsigned long *cmds, size_t ncmds)
{
	struct fdlimit cur, nw;
	int r;

	if (fd_valid(fd) < 0)
		return -1;
	if (ncmds > CAP_IOCTLS_LIMIT_MAX || (ncmds && !cmds)) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&lock);
	state_get(fd, &cur);
	if (cur.nioctls >= 0) {
		for (size_t i = 0; i < ncmds; i++) {
			bool found = false;
			for (long j = 0; j < cur.nioctls; j++)
				found |= cur.ioctls[j] == cmds[i];
			if (!found) {
				pthread_mutex_unlock(&lock);
				errno = ENOTCAPABLE;
				return -1;
			}
		}
	}
	nw = cur;
	nw.nioctls = (long)ncmds;
	nw.ioctls = NULL;
	if (ncmds) {
		nw.ioctls = malloc(ncmds * sizeof(*nw.ioctls));
		if (!nw.ioctls) {
			pthread_mutex_unlock(&lock);
			errno = ENOMEM;
			return -1;
		}
		memcpy(nw.ioctls, cmds, ncmds * sizeof(*cmds));
	}
	r = apply(fd, &cur, &nw);
	pthread_mutex_unlock(&lock);
	return r;
}

ssize_t cap_ioctls_get(int fd, unsigned long *cmds, size_t maxcmds)
{
	struct fdlimit s;
	ssize_t n;

	if (fd_valid(fd) < 0)
		return -1;
	pthread_mutex_lock(&lock);
	state_get(fd, &s);
	if (s.nioctls < 0) {
		n = CAP_IOCTLS_ALL;
	} else {
		n = s.nioctls;
		if (cmds)
			for (size_t i = 0; i < (size_t)n && i < maxcmds; i++)
				cmds[i] = s.ioctls[i];
	}
	pthread_mutex_unlock(&lock);
	return n;
}

int cap_fcntls_limit(int fd, uint32_t fcntlrights)
{
	struct fdlimit cur, nw;
	int r;

	if (fd_valid(fd) < 0)
		return -1;
	if (fcntlrights & ~(uint32_t)CAP_FCNTL_ALL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&lock);
	state_get(fd, &cur);
	if ((cur.fcntls & fcntlrights) != fcntlrights) {
		pthread_mutex_unlock(&lock);
		errno = ENOTCAPABLE;
		return -1;
	}
	nw = cur;
	nw.fcntls = fcntlrights;
	r = apply(fd, &cur, &nw);
	pthread_mutex_unlock(&lock);
	return r;
}

int cap_fcntls_get(int fd, uint32_t *fcntlrightsp)
{
	struct fdlimit s;

	if (fd_valid(fd) < 0)
		return -1;
	if (!fcntlrightsp) {
		errno = EFAULT;
		return -1;
	}
	pthread_mutex_lock(&lock);
	state_get(fd, &s);
	pthread_mutex_unlock(&lock);
	*fcntlrightsp = s.fcntls;
	return 0;
}
