/* SPDX-License-Identifier: BSD-2-Clause */
/* Small helpers shared by the core: string lists, number parsing, files. */
#ifndef CELL_UTIL_H
#define CELL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "jail.h"

int cell_strv_push(struct cell_strv *l, const char *s);
void cell_strv_free(struct cell_strv *l);
int cell_strv_copy(struct cell_strv *dst, const struct cell_strv *src);
/* Split s on commas into l (appending); empty items are an error. */
int cell_strv_split(struct cell_strv *l, const char *s, size_t max);

int cell_parse_int(const char *s, long min, long max, long *out);
int cell_parse_bool(const char *s, bool *out);

/* Copy with truncation check: -ENAMETOOLONG when src does not fit. */
int cell_strlcpy(char *dst, const char *src, size_t size);
/* Undo fstab(5)'s and mountinfo's octal escapes (\040 and the like:
 * three digits, the first 0-3) in place. */
void cell_octal_unescape(char *s);

/* Write all of buf to path atomically (tmp + rename), mode 0600. */
int cell_write_file_atomic(const char *path, const char *buf, size_t len);
/* Read a whole small file (<= max bytes) into a NUL-terminated buffer. */
int cell_read_file(const char *path, size_t max, char **out, size_t *len);
/* The same from an open fd (read to its end; not closed). */
int cell_read_fd(int fd, size_t max, char **out, size_t *len);
/* mkdir -p with mode, for directories cell owns. */
int cell_mkdir_p(const char *path, mode_t mode);

/* Process start time (field 22 of /proc/PID/stat); 0 if gone. */
unsigned long long cell_proc_starttime(pid_t pid);
/* The same, and the process's state letter (R, S, Z...) into *state. */
unsigned long long cell_proc_starttime_state(pid_t pid, char *state);

/*
 * Test hook for crash-safety tests: when CELL_TEST_CRASH_AT names this
 * step, the calling process SIGKILLs itself here, as a power cut or
 * kill -9 would stop it. (Honoured by production binaries; it only
 * kills the caller.)
 */
void cell_test_crash_point(const char *step);

/*
 * Test hook for race tests: when CELL_TEST_PAUSE_AT is "STEP:MS" and
 * names this step, the caller sleeps MS milliseconds (at most 10 s) here,
 * holding whatever it holds, so a test can put another command into the
 * window deterministically.
 */
void cell_test_pause_point(const char *step);
/* CELL_TEST_PAUSE_AT's milliseconds for step, 0 when it names another
 * (read where a pause must be a system call alone: cell_test_sleep_ms) */
long cell_test_pause_ms(const char *step);
void cell_test_sleep_ms(long ms);
/* Fault injection for tests: true when CELL_TEST_FAIL_AT names step (the
 * caller then fails as the real call would). */
bool cell_test_fail_point(const char *step);

/* ts as RFC 3339 in UTC ("2026-11-29T14:19:46.635121019Z") into buf.
 * Not gmtime_r/strftime: glibc's read /etc/localtime (tzset) even for
 * UTC, a file open on the critical path of every OCI create. */
void cell_rfc3339_utc(const struct timespec *ts, char *buf, size_t len);

#endif
