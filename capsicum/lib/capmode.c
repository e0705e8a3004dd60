/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capability mode: cap_enter() = Landlock domain built from the directory
 * descriptors the process holds + an allow-list seccomp filter installed
 * on every thread (TSYNC).  Anything not listed fails with ECAPMODE.
 * Integer arguments are compared on their low 32 bits only, as the kernel
 * truncates them, so fd | 1 << 32 cannot slip past a check.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>
#include "internal.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __NR_epoll_pwait2
#define __NR_epoll_pwait2 441
#endif
#ifndef __NR_futex_waitv
#define __NR_futex_waitv 449
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
#ifndef __NR_map_shadow_stack
#define __NR_map_shadow_stack 453
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

#define RET_ALLOW SECCOMP_RET_ALLOW
#define RET_ECAPMODE (SECCOMP_RET_ERRNO | ECAPMODE)

/* Allowed without looking at the arguments. */
static const int allowed[] = {
	/* Hot descriptor I/O first. */
	__NR_read, __NR_write, __NR_readv, __NR_writev, __NR_pread64,
	__NR_pwrite64, __NR_preadv, __NR_pwritev, __NR_preadv2, __NR_pwritev2,
	__NR_lseek, __NR_close, __NR_close_range, __NR_dup, __NR_dup3,
	__NR_fcntl, __NR_fstat, __NR_fstatfs, __NR_fsync, __NR_fdatasync,
	__NR_sync_file_range, __NR_ftruncate, __NR_fallocate, __NR_fchmod,
	__NR_fchown, __NR_fgetxattr, __NR_fsetxattr, __NR_flistxattr,
	__NR_fremovexattr, __NR_getdents64, __NR_flock, __NR_sendfile,
	__NR_splice, __NR_tee, __NR_vmsplice, __NR_copy_file_range,
	__NR_fadvise64, __NR_readahead,
	/* Sockets, except bind/connect/sendto-with-address. */
	__NR_accept, __NR_accept4, __NR_listen, __NR_shutdown,
	__NR_getsockopt, __NR_setsockopt, __NR_getsockname, __NR_getpeername,
	__NR_recvfrom, __NR_recvmsg, __NR_recvmmsg, __NR_socketpair,
	/* Anonymous descriptors and event notification. */
	__NR_pipe2, __NR_eventfd2, __NR_signalfd4, __NR_timerfd_create,
	__NR_timerfd_settime, __NR_timerfd_gettime, __NR_epoll_create1,
	__NR_epoll_ctl, __NR_epoll_pwait, __NR_epoll_pwait2, __NR_ppoll,
	__NR_pselect6, __NR_memfd_create,
	/* Memory. */
	__NR_mmap, __NR_munmap, __NR_mprotect, __NR_mremap, __NR_madvise,
	__NR_mincore, __NR_msync, __NR_mlock, __NR_munlock, __NR_mlock2,
	__NR_mlockall, __NR_munlockall, __NR_brk, __NR_membarrier,
	__NR_get_mempolicy, __NR_cachestat, __NR_map_shadow_stack,
	/* Signals and threads. */
	__NR_rt_sigaction, __NR_rt_sigprocmask, __NR_rt_sigreturn,
	__NR_rt_sigpending, __NR_rt_sigtimedwait, __NR_rt_sigsuspend,
	__NR_sigaltstack, __NR_futex, __NR_futex_waitv, __NR_set_robust_list,
	__NR_get_robust_list, __NR_rseq, __NR_set_tid_address,
	__NR_sched_yield, __NR_exit, __NR_exit_group, __NR_restart_syscall,
	/* Identity and time. */
	__NR_getpid, __NR_getppid, __NR_gettid, __NR_getuid, __NR_geteuid,
	__NR_getgid, __NR_getegid, __NR_getgroups, __NR_getresuid,
	__NR_getresgid, __NR_getsid, __NR_getpgid, __NR_setuid, __NR_setgid,
	__NR_setreuid, __NR_setregid, __NR_setresuid, __NR_setresgid,
	__NR_setfsuid, __NR_setfsgid, __NR_setsid, __NR_capget,
	__NR_getrusage, __NR_times, __NR_uname, __NR_sysinfo, __NR_umask,
	__NR_clock_gettime, __NR_clock_getres, __NR_clock_nanosleep,
	__NR_nanosleep, __NR_gettimeofday, __NR_getitimer, __NR_setitimer,
	__NR_timer_create, __NR_timer_settime, __NR_timer_gettime,
	__NR_timer_getoverrun, __NR_timer_delete, __NR_getrandom, __NR_getcpu,
	/* Sandboxing further is always allowed. */
	__NR_seccomp, __NR_landlock_create_ruleset, __NR_landlock_add_rule,
	__NR_landlock_restrict_self,
	/* Process descriptors. */
	__NR_pidfd_send_signal,
#ifdef __x86_64__
	__NR_poll, __NR_select, __NR_pipe, __NR_eventfd, __NR_signalfd,
	__NR_epoll_create, __NR_epoll_wait, __NR_getdents, __NR_fork,
	__NR_getpgrp, __NR_alarm, __NR_pause, __NR_time, __NR_getrlimit,
	__NR_setrlimit, __NR_arch_prctl, __NR_dup2,
#endif
};

/*
 * System calls whose first path lookup starts at the dirfd in arg.  In
 * capability mode most are allowed when the dirfd is not AT_FDCWD, and
 * Landlock bounds where the lookup may go.  The kernel ignores the dirfd
 * for an absolute path, though, and Landlock checks neither O_PATH opens
 * nor changes of mode, owner and times, so these are narrowed (AT_*):
 *  - AT_DENY: refused outright.  fchmodat and futimesat act on any path;
 *    fchownat and fchmodat2 too, even with AT_EMPTY_PATH, which only
 *    matters for an empty path (seccomp cannot see the string);
 *    name_to_handle_at needs no access at all; openat2 hides O_PATH in
 *    its struct open_how (FreeBSD has no openat2, so no ported program
 *    needs it).  fchown/fchmod/futimens on a descriptor remain.
 *  - AT_NOPATH: openat without O_PATH, which Landlock does not check.
 *  - AT_NULLPATH: utimensat only with a NULL path, i.e. futimens(fd).
 */
enum { AT_DIRFD, AT_DENY, AT_NOPATH, AT_NULLPATH };

static const struct {
	int nr;
	unsigned int arg;
	int strict;
} at_calls[] = {
	{ __NR_openat, 0, AT_NOPATH },     { __NR_openat2, 0, AT_DENY },
	{ __NR_newfstatat, 0, AT_DIRFD },  { __NR_statx, 0, AT_DIRFD },
	{ __NR_faccessat, 0, AT_DIRFD },   { __NR_faccessat2, 0, AT_DIRFD },
	{ __NR_readlinkat, 0, AT_DIRFD },  { __NR_mkdirat, 0, AT_DIRFD },
	{ __NR_mknodat, 0, AT_DIRFD },     { __NR_fchownat, 0, AT_DENY },
	{ __NR_fchmodat, 0, AT_DENY },     { __NR_fchmodat2, 0, AT_DENY },
	{ __NR_utimensat, 0, AT_NULLPATH }, { __NR_unlinkat, 0, AT_DIRFD },
	{ __NR_renameat2, 0, AT_DIRFD },   { __NR_renameat2, 2, AT_DIRFD },
	{ __NR_linkat, 0, AT_DIRFD },      { __NR_linkat, 2, AT_DIRFD },
	{ __NR_symlinkat, 1, AT_DIRFD },   { __NR_execveat, 0, AT_DIRFD },
	{ __NR_name_to_handle_at, 0, AT_DENY },
#ifdef __x86_64__
	{ __NR_futimesat, 0, AT_DENY },    { __NR_renameat, 0, AT_DIRFD },
	{ __NR_renameat, 2, AT_DIRFD },
#endif
};

/* Path-only system calls, allowed in the runner's relaxed mode, where the
 * runner's Landlock domain confines every lookup. */
static const int path_calls[] = {
#ifdef __x86_64__
	__NR_open, __NR_creat, __NR_stat, __NR_lstat, __NR_access,
	__NR_readlink, __NR_unlink, __NR_rename, __NR_mkdir, __NR_rmdir,
	__NR_link, __NR_symlink, __NR_chmod, __NR_chown, __NR_lchown,
	__NR_utime, __NR_utimes,
#endif
	__NR_chdir, __NR_fchdir, __NR_getcwd, __NR_statfs, __NR_truncate,
	__NR_getxattr, __NR_lgetxattr, __NR_listxattr, __NR_llistxattr,
	__NR_inotify_add_watch,
};

static const int allowed_prctl[] = {
	PR_SET_NAME, PR_GET_NAME, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS,
	PR_GET_SECCOMP, PR_SET_SECCOMP, PR_GET_DUMPABLE, PR_CAPBSET_READ,
	PR_CAPBSET_DROP, PR_GET_KEEPCAPS, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG,
	PR_SET_VMA, PR_GET_TIMERSLACK, PR_SET_TIMERSLACK, PR_GET_THP_DISABLE,
	PR_GET_CHILD_SUBREAPER, PR_GET_TID_ADDRESS,
};

#define CLONE_NEW_ANY \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

static void build_capmode(struct bpf_prog *p, unsigned int flags)
{
	uint32_t deny = (flags & CAPSICUM_ENTER_TRAP) ? SECCOMP_RET_TRAP | ECAPMODE
						       : RET_ECAPMODE;
	int allow = bpf_label(p), denied = bpf_label(p);
	pid_t self = getpid();

	bpf_check_arch(p, ECAPMODE);
	bpf_ld_nr(p);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		bpf_jeq(p, (uint32_t)allowed[i], allow);
	if (flags & CAPSICUM_ENTER_PATHS) {
		for (size_t i = 0; i < sizeof(path_calls) / sizeof(path_calls[0]); i++)
			bpf_jeq(p, (uint32_t)path_calls[i], allow);
		for (size_t i = 0; i < sizeof(at_calls) / sizeof(at_calls[0]); i++)
			bpf_jeq(p, (uint32_t)at_calls[i].nr, allow);
	}
	if (flags & CAPSICUM_ENTER_CONNECT)
		bpf_jeq(p, __NR_connect, allow);
	if (flags & CAPSICUM_ENTER_EXEC)
		bpf_jeq(p, __NR_execve, allow);

	/* The mode probe: a distinct, certain answer, per level. */
	{
		int next = bpf_label(p);
		bpf_jne(p, __NR_prctl, next);
		bpf_ld_arg(p, 0, false);
		bpf_jne(p, CAPSICUM_PROBE_PRCTL, next);
		bpf_ret(p, SECCOMP_RET_ERRNO |
			   ((flags & CAPSICUM_ENTER_FLOOR) ? CAPSICUM_PROBE_FLOOR
			    : (flags & CAPSICUM_ENTER_PATHS) ? CAPSICUM_PROBE_RELAXED
			    : ECAPMODE));
		bpf_place(p, next);
		bpf_ld_nr(p);
	}

	/* *at calls: the dirfd must not be AT_FDCWD, and see at_calls. */
	if (!(flags & CAPSICUM_ENTER_PATHS)) {
		size_t n = sizeof(at_calls) / sizeof(at_calls[0]);
		for (size_t i = 0; i < n; i++) {
			if (at_calls[i].strict == AT_DENY)
				continue;       /* the default: denied */
			int next = bpf_label(p), ok = bpf_label(p);
			bool last = i + 1 == n || at_calls[i + 1].nr != at_calls[i].nr;
			bpf_jne(p, (uint32_t)at_calls[i].nr, next);
			bpf_ld_arg(p, at_calls[i].arg, false);
			bpf_jne(p, (uint32_t)AT_FDCWD, ok);
			bpf_goto(p, denied);
			bpf_place(p, ok);
			if (at_calls[i].strict == AT_NOPATH) {
				bpf_ld_arg(p, 2, false);
				bpf_jset(p, O_PATH, denied);
			} else if (at_calls[i].strict == AT_NULLPATH) {
				bpf_ld_arg(p, 1, false);
				bpf_jne(p, 0, denied);
				bpf_ld_arg(p, 1, true);
				bpf_jne(p, 0, denied);
			}
			if (last) {
				bpf_goto(p, allow);
			} else {
				/* check the next dirfd of the same call */
				bpf_ld_nr(p);
			}
			bpf_place(p, next);
			bpf_ld_nr(p);
		}
	}

	/* kill family: only this process. */
	{
		static const int k0[] = { __NR_kill, __NR_tgkill, __NR_rt_sigqueueinfo,
					  __NR_rt_tgsigqueueinfo };
		for (size_t i = 0; i < 4; i++) {
			int next = bpf_label(p);
			bpf_jne(p, (uint32_t)k0[i], next);
			bpf_ld_arg(p, 0, false);
			bpf_jne(p, (uint32_t)self, denied);
			bpf_goto(p, allow);
			bpf_place(p, next);
			bpf_ld_nr(p);
		}
	}

	/* waitid: process descriptors only. */
	{
		int next = bpf_label(p);
		bpf_jne(p, __NR_waitid, next);
		bpf_ld_arg(p, 0, false);
		bpf_jne(p, P_PIDFD, denied);
		bpf_goto(p, allow);
		bpf_place(p, next);
		bpf_ld_nr(p);
	}

	/* socket: local and IP families, no raw or packet sockets. */
	{
		int next = bpf_label(p), fam_ok = bpf_label(p);
		bpf_jne(p, __NR_socket, next);
		bpf_ld_arg(p, 0, false);
		bpf_jeq(p, AF_UNIX, fam_ok);
		bpf_jeq(p, AF_INET, fam_ok);
		bpf_jeq(p, AF_INET6, fam_ok);
		bpf_goto(p, denied);
		bpf_place(p, fam_ok);
		bpf_ld_arg(p, 1, false);
		bpf_stmt(p, BPF_ALU | BPF_AND | BPF_K, 0xf);
		bpf_jeq(p, SOCK_RAW, denied);
		bpf_jeq(p, SOCK_PACKET, denied);
		bpf_goto(p, allow);
		bpf_place(p, next);
		bpf_ld_nr(p);
	}

	/*
	 * MSG_FASTOPEN connects a TCP socket from sendto/sendmsg/sendmmsg,
	 * and TCP Fast Open does not pass Landlock's connect hook
	 * (landlock-lsm/linux#41): refused in every mode, -c included.
	 */
	{
		static const struct { int nr; unsigned int arg; } fo[] = {
			{ __NR_sendmsg, 2 }, { __NR_sendmmsg, 3 },
		};
		for (size_t i = 0; i < sizeof(fo) / sizeof(fo[0]); i++) {
			int next = bpf_label(p);
			bpf_jne(p, (uint32_t)fo[i].nr, next);
			bpf_ld_arg(p, fo[i].arg, false);
			bpf_jset(p, MSG_FASTOPEN, denied);
			bpf_goto(p, allow);
			bpf_place(p, next);
			bpf_ld_nr(p);
		}
	}

	/* sendto: no MSG_FASTOPEN; only without a destination address
	 * unless connect is allowed (-c). */
	{
		int next = bpf_label(p);
		bpf_jne(p, __NR_sendto, next);
		bpf_ld_arg(p, 3, false);
		bpf_jset(p, MSG_FASTOPEN, denied);
		if (flags & CAPSICUM_ENTER_CONNECT)
			bpf_goto(p, allow);
		bpf_ld_arg(p, 4, false);
		bpf_jne(p, 0, denied);
		bpf_ld_arg(p, 4, true);
		bpf_jne(p, 0, denied);
		bpf_goto(p, allow);
		bpf_place(p, next);
		bpf_ld_nr(p);
	}

	/* clone: no new namespaces.  clone3 hides its flags: ENOSYS, so
	 * libc falls back to clone. */
	{
		int next = bpf_label(p);
		bpf_jne(p, __NR_clone, next);
		bpf_ld_arg(p, 0, false);
		bpf_jset(p, CLONE_NEW_ANY, denied);
		bpf_goto(p, allow);
		bpf_place(p, next);
		bpf_ld_nr(p);
		next = bpf_label(p);
		bpf_jne(p, __NR_clone3, next);
		bpf_ret(p, SECCOMP_RET_ERRNO | ENOSYS);
		bpf_place(p, next);
	}

	/* ioctl: everything but terminal input injection. */
	{
		int next = bpf_label(p);
		bpf_jne(p, __NR_ioctl, next);
		bpf_ld_arg(p, 1, false);
		bpf_jeq(p, 0x5412 /* TIOCSTI */, denied);
		bpf_jeq(p, 0x541C /* TIOCLINUX */, denied);
		bpf_goto(p, allow);
		bpf_place(p, next);
		bpf_ld_nr(p);
	}

	/* prctl: queries and self-restriction. */
	{
		int next = bpf_label(p);
		bpf_jne(p, __NR_prctl, next);
		bpf_ld_arg(p, 0, false);
		for (size_t i = 0; i < sizeof(allowed_prctl) / sizeof(allowed_prctl[0]); i++)
			bpf_jeq(p, (uint32_t)allowed_prctl[i], allow);
		bpf_goto(p, denied);
		bpf_place(p, next);
		bpf_ld_nr(p);
	}

	/* Scheduling and limits: this process only (pid 0). */
	{
		static const int own[] = {
			__NR_prlimit64, __NR_sched_getaffinity, __NR_sched_setaffinity,
			__NR_sched_getparam, __NR_sched_getscheduler,
			__NR_sched_setparam, __NR_sched_setscheduler,
			__NR_sched_getattr, __NR_sched_setattr,
		};
		for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
			int next = bpf_label(p);
			bpf_jne(p, (uint32_t)own[i], next);
			bpf_ld_arg(p, 0, false);
			bpf_jne(p, 0, denied);
			bpf_ld_arg(p, 0, true);
			bpf_jne(p, 0, denied);
			bpf_goto(p, allow);
			bpf_place(p, next);
			bpf_ld_nr(p);
		}
	}

	bpf_place(p, denied);
	bpf_ret(p, deny);
	bpf_place(p, allow);
	bpf_ret(p, RET_ALLOW);
}

int capsicum_install_filter(struct bpf_prog *p)
{
	int r = bpf_finish(p);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	struct sock_fprog prog = {
		.len = (unsigned short)p->len,
		.filter = p->insn,
	};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	long ret = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
			   SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (ret > 0) {
		/* a thread could not be synchronised */
		errno = EAGAIN;
		return -1;
	}
	return ret < 0 ? -1 : 0;
}

/* Which of our filters is the strictest installed: 0 none, 1 the
 * runner's floor, 2 the runner's relaxed mode, 3 capability mode. */
static int mode_level(void)
{
	int saved = errno;
	long r = prctl(CAPSICUM_PROBE_PRCTL, 0, 0, 0, 0);
	int e = errno, level = 0;
	errno = saved;
	if (r != -1)
		return 0;
	if (e == ECAPMODE)
		level = 3;
	else if (e == CAPSICUM_PROBE_RELAXED)
		level = 2;
	else if (e == CAPSICUM_PROBE_FLOOR)
		level = 1;
	return level;
}

static int flags_level(unsigned int flags)
{
	return (flags & CAPSICUM_ENTER_FLOOR) ? 1 :
	       (flags & CAPSICUM_ENTER_PATHS) ? 2 : 3;
}

int cap_getmode(unsigned int *modep)
{
	if (!modep) {
		errno = EFAULT;
		return -1;
	}
	*modep = mode_level() > 0 ? 1 : 0;
	return 0;
}

bool cap_sandboxed(void)
{
	unsigned int mode;

	if (cap_getmode(&mode) != 0)
		return false;
	return mode != 0;
}

int capsicum_enter_flags(unsigned int flags)
{
	struct bpf_prog p;
	int r;

	/* no-op at the same level or under a stricter one; a program's own
	 * cap_enter() under the runner goes on to the strict filter */
	if (mode_level() >= flags_level(flags))
		return 0;
	if (!(flags & CAPSICUM_ENTER_NO_LANDLOCK)) {
		if (capsicum_landlock_abi() < 1) {
			errno = ENOSYS;
			return -1;
		}
		if (capsicum_landlock_enter() < 0)
			return -1;
	}
	bpf_init(&p);
	build_capmode(&p, flags);
	r = capsicum_install_filter(&p);
	int saved = errno;
	bpf_free(&p);
	errno = saved;
	return r;
}

int cap_enter(void)
{
	return capsicum_enter_flags(0);
}
