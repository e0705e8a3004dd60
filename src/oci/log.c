/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Logging as runc does it, because engines parse it: --log FILE gets one
 * line per message, logrus text (time="..." level=error msg="...") or,
 * with --log-format json, {"level":"error","msg":"...","time":"..."}
 * (containerd's shim reads the last error of that file). Errors also go
 * to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "util.h"

struct oci_globals G = { .root = "/run/cell-oci" };

static const char *level_name(enum cell_oci_level l, bool error)
{
	if (error)
		return "error";
	return l == CELL_OCI_DEBUG ? "debug" : l == CELL_OCI_INFO ? "info"
								 : "warning";
}

static void now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	cell_rfc3339_utc(&ts, buf, len);
}

static void to_file(const char *level, const char *msg)
{
	if (!G.log_path)
		return;
	int fd = open(G.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		      0600);
	if (fd < 0)
		return;
	char t[64];
	now_rfc3339(t, sizeof(t));
	char *line = NULL;
	if (G.log_json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg",
				      msg, "time", t);
		line = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
	} else {
		/* logrus quotes msg with Go's %q: escape \ and " */
		json_t *s = json_string(msg);
		char *q = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		json_decref(s);
		if (q && asprintf(&line, "time=\"%s\" level=%s msg=%s", t,
				  level, q) < 0)
			line = NULL;
		free(q);
	}
	if (line) {
		/* one write per line: concurrent commands do not interleave */
		size_t l = strlen(line);
		line[l] = '\n';
		ssize_t w = write(fd, line, l + 1);
		(void)w;
		free(line);
	}
	close(fd);
}

void oci_log(enum cell_oci_level lvl, const char *fmt, ...)
{
	if (lvl == CELL_OCI_DEBUG && !G.debug)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	to_file(level_name(lvl, false), msg);
	/* without a log file only --debug prints: create's stderr is often
	 * the container's own (conmon, the shim), and a warning there would
	 * read as the program's output */
	if (!G.log_path && G.debug)
		fprintf(stderr, "cell-oci: %s: %s\n", level_name(lvl, false),
			msg);
}

static void lib_log(void *arg, enum cell_oci_level lvl, const char *msg)
{
	(void)arg;
	oci_log(lvl, "%s", msg);
}

const struct cell_oci_log oci_logger = { .fn = lib_log };

int oci_fail(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	to_file("error", msg);
	fprintf(stderr, "cell-oci: %s\n", msg);
	return 1;
}

int oci_fail_err(const char *what, const struct cell_error *err)
{
	char buf[CELL_ERR_MSG_MAX + 512];
	cell_error_format(err, buf, sizeof(buf));
	if (what)
		return oci_fail("%s: %s", what, buf);
	return oci_fail("%s", buf);
}
