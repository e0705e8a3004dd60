/* SPDX-License-Identifier: BSD-2-Clause */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void copy_field(char *dst, size_t len, const char *src)
{
	if (src)
		snprintf(dst, len, "%s", src);
}

__attribute__((format(printf, 4, 0)))
static int vset(struct cell_error *err, int code, int with_errno,
		const char *fmt, va_list ap)
{
	if (code > 0)
		code = -code;
	if (code == 0)
		code = -EINVAL;
	if (!err)
		return code;
	err->code = code;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(-code));
	return code;
}

int cell_error_set(struct cell_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(err, code, 0, fmt, ap);
	va_end(ap);
	return r;
}

int cell_error_errno(struct cell_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(err, code, 1, fmt, ap);
	va_end(ap);
	return r;
}

void cell_error_clear(struct cell_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

void cell_error_context(struct cell_error *err, const char *jail,
			const char *step, const char *path)
{
	if (!err)
		return;
	if (jail && !err->jail[0])
		copy_field(err->jail, sizeof(err->jail), jail);
	if (step && !err->step[0])
		copy_field(err->step, sizeof(err->step), step);
	if (path && !err->path[0])
		copy_field(err->path, sizeof(err->path), path);
}

const char *cell_error_format(const struct cell_error *err, char *buf,
			      size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	if (err->jail[0])
		off += (size_t)snprintf(buf + off, len - off, "jail %s: ",
					err->jail);
	if (off < len && err->step[0])
		off += (size_t)snprintf(buf + off, len - off, "%s: ",
					err->step);
	if (off < len && err->path[0])
		off += (size_t)snprintf(buf + off, len - off, "%s: ",
					err->path);
	if (off < len)
		snprintf(buf + off, len - off, "%s",
			 err->msg[0] ? err->msg : strerror(-err->code));
	return buf;
}
