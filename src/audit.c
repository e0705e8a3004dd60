/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell audit [-jv] [-r ADDR:PORT]... [JAIL...]
 *
 * Runs the escape battery (src/audit/probe.c) inside each named running
 * jail, or every running jail, and prints one line per boundary with its
 * verdict and the parameter that governs it. The work is in lib/audit;
 * this file parses arguments and prints. Exit: 0 every boundary holds as
 * the policy says, 1 a FAIL or an error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "lifecycle.h"
#include "state.h"

#ifndef CELL_LIBEXECDIR
#define CELL_LIBEXECDIR "/usr/local/libexec"
#endif

int cell_cmd_audit(int argc, char **argv);

#define AUDIT_USAGE                                                          \
	"usage: cell audit [-jv] [-r ADDR:PORT]... [JAIL...]\n"              \
	"\n"                                                                 \
	"  Run the escape battery inside each JAIL (jid or name; default:\n" \
	"  every running jail) and compare what it observes with the\n"    \
	"  jail's policy.\n"                                                 \
	"  -j            JSON output\n"                                      \
	"  -v            show the probe's details on every line\n"          \
	"  -r ADDR:PORT  also try a TCP connection to ADDR:PORT (reported,\n" \
	"                not judged; at most 8)\n"                           \
	"  Exit status: 0 every boundary as the policy says, 1 a FAIL or\n" \
	"  an error, 2 usage.\n"

static const char *probe_path(char *buf, size_t len)
{
	const char *env = getenv("CELL_AUDIT_PROBE");
	if (env && *env)
		return env;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			/* the build tree: src/cell beside src/audit/ */
			snprintf(buf, len, "%s/audit/cell-audit-probe", self);
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, len, "%s/cell/cell-audit-probe", CELL_LIBEXECDIR);
	return buf;
}

static int audit_one(const char *key, const struct cell_audit_opts *o,
		     bool json, bool verbose, bool *first)
{
	struct cell_error err;
	cell_error_clear(&err);
	struct cell_record rec;
	int r = cell_state_find(key, &rec, &err);
	if (r < 0 || !cell_running(&rec)) {
		if (r == 0)
			cell_record_free(&rec);
		fprintf(stderr, "cell audit: jail \"%s\" not found or not "
				"running\n", key);
		return 1;
	}
	struct cell_audit_report rep;
	r = cell_audit_run(&rec, o, &rep, &err);
	cell_record_free(&rec);
	if (r < 0) {
		char buf[1024];
		fprintf(stderr, "cell audit: %s\n",
			cell_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	if (json) {
		char *s = cell_audit_json(&rep);
		if (!s) {
			cell_audit_report_free(&rep);
			fprintf(stderr, "cell audit: out of memory\n");
			return 1;
		}
		printf("%s%s", *first ? "" : ",\n", s);
		free(s);
	} else {
		if (!*first)
			putchar('\n');
		printf("jail %s (jid %d)\n", rep.jail, rep.jid);
		cell_audit_format(stdout, &rep, verbose);
	}
	*first = false;
	int rc = rep.fails ? 1 : 0;
	cell_audit_report_free(&rep);
	return rc;
}

int cell_cmd_audit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 } };
	const char *reach[8];
	struct cell_audit_opts o = { .reach = reach, .nreach = 0 };
	bool json = false, verbose = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+hjvr:", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(AUDIT_USAGE, stdout);
			return 0;
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'r':
			if (o.nreach >= 8 || !strchr(optarg, ':')) {
				fputs(AUDIT_USAGE, stderr);
				return 2;
			}
			reach[o.nreach++] = optarg;
			break;
		default:
			fputs(AUDIT_USAGE, stderr);
			return 2;
		}
	}
	char pbuf[PATH_MAX + 64];
	o.probe_path = probe_path(pbuf, sizeof(pbuf));

	int rc = 0;
	bool first = true;
	if (json)
		printf("[");
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			if (audit_one(argv[i], &o, json, verbose, &first))
				rc = 1;
	} else {
		struct cell_error err;
		cell_error_clear(&err);
		int *jids = NULL;
		size_t n = 0;
		if (cell_state_list(&jids, &n, &err) < 0)
			n = 0;
		for (size_t i = 0; i < n; i++) {
			char key[16];
			struct cell_record rec;
			if (cell_state_load(jids[i], &rec, NULL) < 0)
				continue;
			bool run = cell_running(&rec);
			cell_record_free(&rec);
			if (!run)
				continue;
			snprintf(key, sizeof(key), "%d", jids[i]);
			if (audit_one(key, &o, json, verbose, &first))
				rc = 1;
		}
		free(jids);
	}
	if (json)
		printf("]\n");
	return rc;
}
