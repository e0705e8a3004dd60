/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small capsicum-test-shaped harness: every test runs in its own forked
 * child (cap_enter is irreversible), with a watchdog.  Exit status of a
 * test child: 0 pass, 77 skip, anything else fail.  The runner exits 0
 * when nothing failed, 77 when everything was skipped.
 */
#ifndef CAPSICUM_TEST_HARNESS_H
#define CAPSICUM_TEST_HARNESS_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/capsicum.h>

struct ctest {
	const char *name;
	void (*fn)(void);
};

static int ct_failed_checks;

#define CHECK(cond) do {                                                \
	if (!(cond)) {                                                  \
		fprintf(stderr, "  %s:%d: check failed: %s\n",          \
			__FILE__, __LINE__, #cond);                     \
		ct_failed_checks++;                                     \
	}                                                               \
} while (0)

/* expr must fail (-1) with errno err. */
#define CHECK_ERR(expr, err) do {                                       \
	errno = 0;                                                      \
	long ct_r = (long)(expr);                                       \
	int ct_e = errno;                                               \
	if (ct_r != -1 || ct_e != (err)) {                              \
		fprintf(stderr, "  %s:%d: %s: want -1/%s, got %ld/%s\n",\
			__FILE__, __LINE__, #expr,                      \
			capsicum_strerror(err), ct_r,                   \
			ct_r == -1 ? capsicum_strerror(ct_e) : "-");    \
		ct_failed_checks++;                                     \
	}                                                               \
} while (0)
#define CHECK_CAPMODE(expr)    CHECK_ERR(expr, ECAPMODE)
#define CHECK_NOTCAPABLE(expr) CHECK_ERR(expr, ENOTCAPABLE)

/* expr must succeed (!= -1). */
#define CHECK_OK(expr) do {                                             \
	errno = 0;                                                      \
	long ct_r = (long)(expr);                                       \
	if (ct_r == -1) {                                               \
		fprintf(stderr, "  %s:%d: %s failed: %s\n", __FILE__,   \
			__LINE__, #expr, capsicum_strerror(errno));     \
		ct_failed_checks++;                                     \
	}                                                               \
} while (0)

#define SKIP(why) do {                                                  \
	fprintf(stderr, "  skipped: %s\n", why);                        \
	_exit(77);                                                      \
} while (0)

#if defined(__SANITIZE_ADDRESS__)
#define CT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CT_ASAN 1
#endif
#endif
#ifndef CT_ASAN
#define CT_ASAN 0
#endif

static inline int ct_run(const struct ctest *t, size_t n, int argc, char **argv)
{
	int failed = 0, skipped = 0, passed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	for (size_t i = 0; i < n; i++) {
		if (only && strcmp(only, t[i].name) != 0)
			continue;
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			alarm(30);
			t[i].fn();
			fflush(NULL);
			_exit(ct_failed_checks ? 1 : 0);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			printf("ok   %s\n", t[i].name);
			passed++;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
			printf("skip %s\n", t[i].name);
			skipped++;
		} else {
			if (WIFSIGNALED(st))
				printf("FAIL %s (signal %d)\n", t[i].name,
				       WTERMSIG(st));
			else
				printf("FAIL %s (exit %d)\n", t[i].name,
				       WEXITSTATUS(st));
			failed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	if (failed)
		return 1;
	return passed ? 0 : 77;
}

#define CT_MAIN(tests)                                                  \
	int main(int argc, char **argv)                                 \
	{                                                               \
		return ct_run(tests, sizeof(tests) / sizeof(tests[0]),  \
			      argc, argv);                              \
	}

/* ASan's runtime reads /proc/self/maps when a thread starts and LSan
 * stops the world through /proc at exit: tests that create threads after
 * cap_enter skip under ASan (children leave through _exit, so the leak
 * check at exit is not an issue elsewhere). */
#define NEED_NO_ASAN() do {                                             \
	if (CT_ASAN)                                                    \
		SKIP("capability mode under AddressSanitizer");        \
} while (0)

#endif
