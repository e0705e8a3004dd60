/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * LD_PRELOAD object for capsicumize(1).  Its constructor runs once the
 * program's libraries are loaded and relocated, and enters capability
 * mode (the runner's relaxed variant: path lookups stay possible, but
 * only inside the Landlock domain the runner set up before exec).
 * Denied calls raise SIGSYS; the handler names the call on stderr and
 * makes it fail with ECAPMODE, as a Capsicum program would see.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ucontext.h>
#include <dlfcn.h>
#include <pthread.h>
#include <seccomp.h>
#include "../lib/internal.h"

#define MAX_NR 512

static const char *names[MAX_NR];
static unsigned char seen[MAX_NR];
static bool verbose;
static char prog[64] = "program";

static size_t append(char *buf, size_t at, size_t size, const char *s)
{
	while (*s && at + 1 < size)
		buf[at++] = *s++;
	buf[at] = '\0';
	return at;
}

static size_t append_num(char *buf, size_t at, size_t size, long v)
{
	char tmp[24];
	int n = 0;
	if (v < 0) {
		at = append(buf, at, size, "-");
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < (int)sizeof(tmp));
	while (n && at + 1 < size)
		buf[at++] = tmp[--n];
	buf[at] = '\0';
	return at;
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	int saved = errno;
	int nr = si->si_syscall;
	int err = si->si_errno ? si->si_errno : ECAPMODE;
	(void)sig;

	if (verbose || nr < 0 || nr >= MAX_NR || !seen[nr]) {
		char msg[256];
		size_t at = 0;
		if (nr >= 0 && nr < MAX_NR)
			seen[nr] = 1;
		at = append(msg, at, sizeof(msg), "capsicumize: ");
		at = append(msg, at, sizeof(msg), prog);
		at = append(msg, at, sizeof(msg), ": denied ");
		if (nr >= 0 && nr < MAX_NR && names[nr]) {
			at = append(msg, at, sizeof(msg), names[nr]);
			at = append(msg, at, sizeof(msg), "()");
		} else {
			at = append(msg, at, sizeof(msg), "system call ");
			at = append_num(msg, at, sizeof(msg), nr);
		}
		at = append(msg, at, sizeof(msg), " in capability mode");
		if (!verbose)
			at = append(msg, at, sizeof(msg), " (first time; -v logs every denial)");
		at = append(msg, at, sizeof(msg), "\n");
		ssize_t w = write(STDERR_FILENO, msg, at);
		(void)w;
	}
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -err;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-err;
#endif
	errno = saved;
}

/*
 * A trapped call while SIGSYS is blocked kills the process, so keep SIGSYS
 * deliverable: the program's own calls that block signals go through
 * these wrappers, which leave SIGSYS out.  Blocking done inside libc
 * itself (posix_spawn) is not seen; see capsicumize(1).
 */
static bool active;

static const sigset_t *without_sigsys(const sigset_t *set, sigset_t *copy)
{
	if (!active || !set || !sigismember(set, SIGSYS))
		return set;
	*copy = *set;
	sigdelset(copy, SIGSYS);
	return copy;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);
	sigset_t copy;
	if (!real)
		real = (int (*)(int, const sigset_t *, sigset_t *))dlsym(RTLD_NEXT, "sigprocmask");
	if (how != SIG_UNBLOCK)
		set = without_sigsys(set, &copy);
	return real(how, set, old);
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);
	sigset_t copy;
	if (!real)
		real = (int (*)(int, const sigset_t *, sigset_t *))dlsym(RTLD_NEXT, "pthread_sigmask");
	if (how != SIG_UNBLOCK)
		set = without_sigsys(set, &copy);
	return real(how, set, old);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	static int (*real)(int, const struct sigaction *, struct sigaction *);
	struct sigaction copy;
	if (!real)
		real = (int (*)(int, const struct sigaction *, struct sigaction *))
			dlsym(RTLD_NEXT, "sigaction");
	if (active && sig == SIGSYS && act) {
		/* the program wants SIGSYS: keep ours, report theirs as set */
		if (old)
			return real(sig, NULL, old);
		return 0;
	}
	if (active && act && sigismember(&act->sa_mask, SIGSYS)) {
		copy = *act;
		sigdelset(&copy.sa_mask, SIGSYS);
		act = &copy;
	}
	return real(sig, act, old);
}

__attribute__((constructor)) static void capsicumize_enter(void)
{
	const char *flags = getenv("CAPSICUMIZE_FLAGS");
	const char *name = getenv("CAPSICUMIZE_PROG");
	unsigned int f = CAPSICUM_ENTER_PATHS | CAPSICUM_ENTER_TRAP |
			 CAPSICUM_ENTER_NO_LANDLOCK;
	struct sigaction sa;

	if (!flags)
		return; /* not started by capsicumize */
	verbose = strchr(flags, 'v') != NULL;
	if (strchr(flags, 'c'))
		f |= CAPSICUM_ENTER_CONNECT;
	if (name) {
		strncpy(prog, name, sizeof(prog) - 1);
		prog[sizeof(prog) - 1] = '\0';
	}
	for (int nr = 0; nr < MAX_NR; nr++)
		names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
	active = true;
	unsetenv("CAPSICUMIZE_FLAGS");
	unsetenv("CAPSICUMIZE_PROG");
	unsetenv("LD_PRELOAD");
	if (capsicum_enter_flags(f) < 0) {
		const char *m = "capsicumize: cannot enter capability mode\n";
		ssize_t w = write(STDERR_FILENO, m, strlen(m));
		(void)w;
		_exit(126);
	}
}
