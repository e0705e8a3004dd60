/* SPDX-License-Identifier: BSD-2-Clause */
/* Process descriptors: pdfork, pdgetpid, pdkill, pdwait, on pidfds. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/procdesc.h>
#include "harness.h"

static volatile sig_atomic_t sigchld_seen;
static void on_chld(int s) { (void)s; sigchld_seen = 1; }

static void basics(void)
{
	int pd = -1, st = 0;
	pid_t got;

	signal(SIGCHLD, on_chld);
	pid_t pid = pdfork(&pd, PD_CLOEXEC);
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(42);
	CHECK(pd >= 0);
	CHECK_OK(pdgetpid(pd, &got));
	CHECK(got == pid);
	CHECK(pdwait(pd, &st, 0, NULL, NULL) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	usleep(10000);
	CHECK(!sigchld_seen); /* no SIGCHLD from a process descriptor child */
	CHECK(fcntl(pd, F_GETFD) == FD_CLOEXEC);
	CHECK_ERR(pdfork(&pd, 0x100), EINVAL);
}

/* glibc's cached thread id is right in the child: raise() and abort()
 * signal the child itself. */
static void child_raise(void)
{
	int pd = -1, st = 0;
	pid_t pid = pdfork(&pd, PD_CLOEXEC);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		abort();
	}
	CHECK(pdwait(pd, &st, 0, NULL, NULL) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	pid = pdfork(&pd, PD_CLOEXEC);
	if (pid == 0) {
		_exit(pthread_self() != 0 && syscall(SYS_gettid) == getpid() ? 0 : 1);
	}
	CHECK(pdwait(pd, &st, 0, NULL, NULL) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void kill_and_poll(void)
{
	int pd = -1, st = 0;
	pid_t pid = pdfork(&pd, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	CHECK(fcntl(pd, F_GETFD) == 0); /* no PD_CLOEXEC: inherited by exec */
	struct pollfd p = { .fd = pd, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0);
	CHECK_OK(pdkill(pd, SIGTERM));
	CHECK(poll(&p, 1, 5000) == 1);
	CHECK(pdwait(pd, &st, 0, NULL, NULL) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CHECK_ERR(pdkill(pd, -1), EINVAL);
}

static void in_capmode(void)
{
	int pd = -1, st = 0;
	struct __wrusage wru;

	CHECK_OK(cap_enter());
	pid_t pid = pdfork(&pd, PD_CLOEXEC);
	if (pid == 0)
		_exit(cap_sandboxed() ? 7 : 8);
	CHECK(pid > 0);
	pid_t got;
	CHECK_OK(pdgetpid(pd, &got));
	CHECK(pdwait(pd, &st, 0, &wru, NULL) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	CHECK_CAPMODE(waitpid(pid, &st, WNOHANG));
}

static void rights(void)
{
	int pd = -1, st;
	cap_rights_t r;

	pid_t pid = pdfork(&pd, PD_CLOEXEC);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	cap_rights_init(&r, CAP_PDGETPID);
	CHECK_OK(cap_rights_limit(pd, &r));
	pid_t got;
	CHECK_OK(pdgetpid(pd, &got));
	CHECK_NOTCAPABLE(pdkill(pd, SIGKILL));
	CHECK_NOTCAPABLE(pdwait(pd, &st, WNOHANG, NULL, NULL));
	kill(pid, SIGKILL);
}

static void wnohang(void)
{
	int pd = -1, st = 0;
	pid_t pid = pdfork(&pd, PD_CLOEXEC);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	CHECK(pdwait(pd, &st, WNOHANG, NULL, NULL) == 0);
	CHECK_OK(pdkill(pd, SIGKILL));
	CHECK(pdwait(pd, &st, 0, NULL, NULL) == pid);
}

static const struct ctest tests[] = {
	{ "procdesc_basics", basics },
	{ "procdesc_child_raise", child_raise },
	{ "procdesc_kill_and_poll", kill_and_poll },
	{ "procdesc_in_capmode", in_capmode },
	{ "procdesc_rights", rights },
	{ "procdesc_wnohang", wnohang },
};

CT_MAIN(tests)
