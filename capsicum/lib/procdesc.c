/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Process descriptors on pidfds: pdfork is clone(CLONE_PIDFD) with no exit
 * signal (so no SIGCHLD), pdkill is pidfd_send_signal, pdwait is
 * waitid(P_PIDFD), pdgetpid is the PIDFD_GET_INFO ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>
#include <sys/procdesc.h>
#include "internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_GET_INFO_CMD 0xC040FF0BU
#define PIDFD_INFO_PID_MASK 1ULL

struct pidfd_info_v0 {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid,
		fsgid;
	int32_t exit_code;
};

/*
 * A raw clone leaves glibc's cached thread id (used by raise(), abort()
 * and error-checking mutexes) at the parent's value.  glibc's own fork
 * fixes it with CLONE_CHILD_SETTID on that field; find the field once by
 * looking for our tid inside the thread descriptor.
 */
static pid_t *tid_slot(void)
{
	static long off = -2;
	unsigned char *self = (unsigned char *)pthread_self();
	pid_t tid = (pid_t)syscall(SYS_gettid);

	if (off == -2) {
		off = -1;
		for (long o = 0; o < 2048; o += (long)sizeof(pid_t)) {
			pid_t v;
			memcpy(&v, self + o, sizeof(v));
			if (v == tid) {
				off = o;
				break;
			}
		}
	}
	return off < 0 ? NULL : (pid_t *)(void *)(self + off);
}

pid_t pdfork(int *fdp, int flags)
{
	int pidfd = -1;
	unsigned long cflags = CLONE_PIDFD; /* exit signal 0: no SIGCHLD */
	pid_t *slot;
	long pid;

	if (!fdp || (flags & ~PD_ALLOWED_AT_FORK)) {
		errno = EINVAL;
		return -1;
	}
	slot = tid_slot();
	if (slot)
		cflags |= CLONE_CHILD_SETTID;
#if defined(__x86_64__)
	pid = syscall(SYS_clone, cflags, NULL, &pidfd, slot, 0);
#else
	pid = syscall(SYS_clone, cflags, NULL, &pidfd, 0, slot);
#endif
	if (pid < 0)
		return -1;
	if (pid == 0)
		return 0;
	/* pidfds are born close-on-exec; FreeBSD's are not unless asked */
	if (!(flags & PD_CLOEXEC))
		fcntl(pidfd, F_SETFD, 0);
	*fdp = pidfd;
	return (pid_t)pid;
}

int pdkill(int fd, int signum)
{
	if (signum < 0 || signum >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	return (int)syscall(SYS_pidfd_send_signal, fd, signum, NULL, 0);
}

int pdgetpid(int fd, pid_t *pidp)
{
	struct pidfd_info_v0 info = { .mask = PIDFD_INFO_PID_MASK };

	if (!pidp) {
		errno = EFAULT;
		return -1;
	}
	if (ioctl(fd, PIDFD_GET_INFO_CMD, &info) < 0) {
		if (errno == ENOTTY || errno == EINVAL)
			errno = EBADF; /* not a process descriptor */
		if (errno != ESRCH)
			return -1;
		/* a reaped child: FreeBSD still answers; we cannot */
		return -1;
	}
	*pidp = (pid_t)info.pid;
	return 0;
}

pid_t pdwait(int fd, int *status, int options, struct __wrusage *wrusage,
	     siginfo_t *info)
{
	siginfo_t si;
	struct rusage ru;

	memset(&si, 0, sizeof(si));
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		options |= WEXITED;
	/* children with no exit signal are "clone" children: __WALL */
	if (syscall(SYS_waitid, P_PIDFD, fd, &si, options | __WALL, &ru) < 0)
		return -1;
	if (info)
		*info = si;
	if (wrusage) {
		memset(wrusage, 0, sizeof(*wrusage));
		wrusage->wru_self = ru;
	}
	if (si.si_pid == 0)
		return 0;
	if (status) {
		switch (si.si_code) {
		case CLD_EXITED:
			*status = (si.si_status & 0xff) << 8;
			break;
		case CLD_KILLED:
			*status = si.si_status & 0x7f;
			break;
		case CLD_DUMPED:
			*status = (si.si_status & 0x7f) | 0x80;
			break;
		case CLD_STOPPED:
		case CLD_TRAPPED:
			*status = ((si.si_status & 0xff) << 8) | 0x7f;
			break;
		case CLD_CONTINUED:
			*status = 0xffff;
			break;
		default:
			*status = 0;
		}
	}
	return si.si_pid;
}
