/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Process descriptors (FreeBSD's pdfork(2) family) on Linux pidfds.
 * Differences: closing the last descriptor does not kill the child (there
 * is no kill-on-close pidfd), see capsicum-linux(7).
 */
#ifndef _SYS_PROCDESC_H_
#define _SYS_PROCDESC_H_

#include <signal.h>
#include <sys/types.h>
#include <sys/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PD_DAEMON     0x00000001 /* Do not kill on last close (always so on Linux). */
#define PD_CLOEXEC    0x00000002 /* Close the descriptor on exec. */
#define PD_ALLOWED_AT_FORK (PD_DAEMON | PD_CLOEXEC)

#ifndef _WRUSAGE_DECLARED
#define _WRUSAGE_DECLARED
struct __wrusage {
	struct rusage wru_self;
	struct rusage wru_children;
};
#endif

pid_t pdfork(int *fdp, int flags);
int pdkill(int fd, int signum);
int pdgetpid(int fd, pid_t *pidp);
/* Returns the child's pid, or 0 with WNOHANG when it has not changed. */
pid_t pdwait(int fd, int *status, int options, struct __wrusage *wrusage,
	     siginfo_t *info);

#ifdef __cplusplus
}
#endif

#endif
