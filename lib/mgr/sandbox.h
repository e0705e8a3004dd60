/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell's own untrusted-input parsers run in capability mode (sandbox.c),
 * as FreeBSD's base daemons do: a forked child keeps only the descriptors
 * it is given, limits each one's rights (cap_rights_limit), enters
 * capability mode (cap_enter: seccomp + Landlock, libcapsicum) and only
 * then reads the untrusted bytes. It answers over a pipe in a small fixed
 * format the parent checks strictly; the parent acts on the answer only
 * when the child ended with status 0 after a "done" record.
 *
 * Records on the pipe: one type byte, a 32-bit length (host order: both
 * ends are this process image), the payload.
 *   'R'  result bytes (appended; at most the caller's max in all)
 *   'P'  a progress line (printable ASCII, at most 200 bytes)
 *   'E'  an error: int32 code (-4095..-1), then the message (printable)
 *   'D'  done (empty)
 *
 * CELL_MGR_NO_SANDBOX=1 runs the same child without limits or capability
 * mode (bench/ compares the two). CELL_MGR_SANDBOX_PROBE=1 makes the
 * child, once in capability mode, try a path open, a lookup of ".."
 * above its directory and cap_getmode(), and report them as a progress
 * line "sandbox probe: ..." on stderr (tests/mgr/test_mgr_sandbox.sh).
 */
#ifndef CELL_MGR_SANDBOX_H
#define CELL_MGR_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/capsicum.h>

#include "error.h"
#include "mgr/mgr.h"

struct cell_sbx {
	int out;                /* the pipe's write end */
};

/* In the child: append result bytes / a progress line / set the error. */
int cell_sbx_result(struct cell_sbx *s, const void *p, size_t n);
void cell_sbx_progress(struct cell_sbx *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cell_sbx_error(struct cell_sbx *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The child's work: fds[i] as given (limited to rights[i]); return 0 or
 * -errno (after cell_sbx_error). */
typedef int (*cell_sbx_fn)(struct cell_sbx *s, const int *fds, void *arg);

/*
 * Run fn in a capability-mode child holding only fds[0..n) (limited to
 * rights[i]), the pipe and stderr (write only). what names the job in
 * messages. The result records are returned in *res (malloc'd, *rlen
 * bytes; NULL when res is NULL: none expected), at most max bytes; progress lines
 * go to m's callback (m may be NULL). 0, or -errno with err set (the
 * child's error, or why the child failed).
 */
int cell_sbx_run(struct cell_mgr *m, const char *what, const int *fds,
		 const cap_rights_t *rights, size_t n, cell_sbx_fn fn,
		 void *arg, size_t max, char **res, size_t *rlen,
		 struct cell_error *err);

/* Is the sandbox off (CELL_MGR_NO_SANDBOX=1)? */
int cell_sbx_disabled(void);

#endif
