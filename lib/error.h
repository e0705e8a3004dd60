/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Library errors. Every libcell function returns 0 or a negative errno and,
 * on failure, fills a caller-owned struct cell_error: which jail, which step,
 * which path, and a sentence. The library never prints and never exits.
 */
#ifndef CELL_ERROR_H
#define CELL_ERROR_H

#include <stddef.h>

#define CELL_ERR_JAIL_MAX 64
#define CELL_ERR_STEP_MAX 32
#define CELL_ERR_PATH_MAX 256
#define CELL_ERR_MSG_MAX  512

struct cell_error {
	int code;                         /* negative errno, 0 when clear */
	char jail[CELL_ERR_JAIL_MAX];     /* jail name, or "" */
	char step[CELL_ERR_STEP_MAX];     /* life-cycle step, or "" */
	char path[CELL_ERR_PATH_MAX];     /* file or object, or "" */
	char msg[CELL_ERR_MSG_MAX];       /* one sentence, no trailing newline */
};

/* Fill err (may be NULL) and return code (a negative errno). */
int cell_error_set(struct cell_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending strerror(-code) to the message. */
int cell_error_errno(struct cell_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cell_error_clear(struct cell_error *err);
void cell_error_context(struct cell_error *err, const char *jail,
			const char *step, const char *path);
/* "jail web: step mount: /x: message" into buf; returns buf. */
const char *cell_error_format(const struct cell_error *err, char *buf,
			      size_t len);

#endif
