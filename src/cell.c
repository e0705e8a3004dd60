/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell(8): one name for cell's commands, and the jail manager.
 *
 *   cell jail ARGS...    same as jail(8)
 *   cell jls ARGS...     same as jls(8)
 *   cell jexec ARGS...   same as jexec(8)
 *   cell [-jq] [-d DIR] SUBCOMMAND ...   the manager (lib/mgr)
 *
 * On Debian, OpenJDK owns /usr/bin/jexec through alternatives; "cell jexec"
 * always reaches cell's own jexec, installed beside this binary.
 *
 * This file parses arguments and prints; the work is in lib/mgr.
 * Exit codes: 0 ok, 1 error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgr/mgr.h"

#define EX_OK 0
#define EX_ERR 1
#define EX_USAGE 2

static bool json, quiet;
static const char *home;

struct sub {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct sub *current;

static void usage_all(FILE *out);

static int usage_sub(void)
{
	fprintf(stderr, "usage: cell %s %s\n", current->name, current->usage);
	return EX_USAGE;
}

static int fail(const struct cell_error *err)
{
	char buf[1024];
	fprintf(stderr, "cell %s: %s\n", current->name,
		cell_error_format(err, buf, sizeof(buf)));
	return EX_ERR;
}

static void on_progress(void *arg, const char *line)
{
	fprintf(stderr, "%s\n", line);
}

static int open_mgr(struct cell_mgr *m, struct cell_error *err)
{
	cell_error_clear(err);
	int r = cell_mgr_open(m, home, err);
	if (r == 0 && !quiet && isatty(2))
		m->progress = on_progress;
	return r;
}

/* open_mgr, then the jails target names (a name, list or tag; NULL: the
 * jails that start at boot) into *names, *n. */
static int open_targets(struct cell_mgr *m, struct cell_error *err,
			const char *target, char ***names, size_t *n)
{
	int r = open_mgr(m, err);
	if (r < 0)
		return r;
	return target ? cell_mgr_targets(m, target, names, n, err)
		      : cell_mgr_boot_names(m, names, n, err);
}

/* Parse only -h/--help (and the given short options) for subcommands. */
static int sub_getopt(int argc, char **argv, const char *opts,
		      const struct option *lo)
{
	static const struct option help[] = { { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int c = getopt_long(argc, argv, opts, lo ? lo : help, NULL);
	if (c == 'h') {
		printf("usage: cell %s %s\n", current->name, current->usage);
		exit(EX_OK);
	}
	return c;
}

/* Only -h/--help, then min to max operands (max < 0: no upper bound):
 * the number of operands, or -1 for a usage error. */
static int sub_operands(int argc, char **argv, int min, int max)
{
	while (sub_getopt(argc, argv, "+h", NULL) != -1)
		return -1;
	int left = argc - optind;
	return left < min || (max >= 0 && left > max) ? -1 : left;
}

/* "NAME: what" on standard error unless -q */
static void note(const char *what, const char *name)
{
	if (!quiet)
		fprintf(stderr, "%s: %s\n", name, what);
}

/* --- subcommands ------------------------------------------------------------ */

static int cmd_setup(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "teardown", no_argument, NULL, 'T' },
		{ "size", required_argument, NULL, 'S' },
		{ 0 } };
	enum cell_backend b = CELL_BACKEND_BTRFS;
	bool teardown = false;
	unsigned long long mb = 0;
	int c;
	while ((c = sub_getopt(argc, argv, "+hs:", lo)) != -1) {
		switch (c) {
		case 's':
			if (cell_backend_parse(optarg, &b) < 0)
				return usage_sub();
			break;
		case 'T':
			teardown = true;
			break;
		case 'S': {
			char *end;
			mb = strtoull(optarg, &end, 10);
			if (*end || mb < 128)
				return usage_sub();
			break;
		}
		default:
			return usage_sub();
		}
	}
	if (optind != argc)
		return usage_sub();
	struct cell_error err;
	cell_error_clear(&err);
	int r = teardown ? cell_mgr_teardown(home, &err)
			 : cell_mgr_setup(home, b, mb, &err);
	if (r < 0)
		return fail(&err);
	if (json)
		printf("{\"ok\":true}\n");
	return EX_OK;
}

/* --oci SRC without NAME: SRC's last component without .tar... */
static const char *oci_default_name(const char *src, char *buf, size_t len)
{
	size_t n = strlen(src);
	while (n > 1 && src[n - 1] == '/')
		n--;
	const char *b = src;
	for (size_t i = 0; i < n; i++)
		if (src[i] == '/' && i + 1 < n)
			b = src + i + 1;
	snprintf(buf, len, "%.*s", (int)(n - (size_t)(b - src)), b);
	char *dot = strstr(buf, ".tar");
	if (dot && dot != buf)
		*dot = '\0';
	return buf;
}

static int cmd_bootstrap(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "tar", required_argument, NULL, 't' },
		{ "oci", required_argument, NULL, 'o' },
		{ "busybox", required_argument, NULL, 'b' },
		{ "mirror", required_argument, NULL, 'm' },
		{ 0 } };
	const char *tar = NULL, *bb = NULL, *oci = NULL, *mirror = NULL;
	int c;
	/* options anywhere: "busybox --busybox PATH", "debian SUITE --mirror" */
	while ((c = sub_getopt(argc, argv, "h", lo)) != -1) {
		if (c == 't')
			tar = optarg;
		else if (c == 'o')
			oci = optarg;
		else if (c == 'b')
			bb = optarg;
		else if (c == 'm')
			mirror = optarg;
		else
			return usage_sub();
	}
	int left = argc - optind;
	const char *name, *suite = NULL;
	char nbuf[256];
	if (tar && oci)
		return usage_sub();
	if (tar) {
		if (left != 1)
			return usage_sub();
		name = argv[optind];
	} else if (oci) {
		if (left > 1)
			return usage_sub();
		name = left == 1 ? argv[optind]
				 : oci_default_name(oci, nbuf, sizeof(nbuf));
	} else if (left >= 2 && left <= 3 && !strcmp(argv[optind], "debian")) {
		suite = argv[optind + 1];
		name = left == 3 ? argv[optind + 2] : suite;
	} else {
		if (left < 1 || left > 2 || strcmp(argv[optind], "busybox"))
			return usage_sub();
		name = left == 2 ? argv[optind + 1] : "busybox";
	}
	if ((mirror && !suite) || (bb && (tar || oci || suite)))
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0)
		return fail(&err);
	int r = tar ? cell_mgr_bootstrap_tar(&m, tar, name, &err)
		: oci ? cell_mgr_bootstrap_oci(&m, oci, name, &err)
		: suite ? cell_mgr_bootstrap_debian(&m, suite, name, mirror,
						    &err)
		: cell_mgr_bootstrap_busybox(&m, name, bb, &err);
	if (r < 0)
		return fail(&err);
	if (json)
		printf("{\"release\":\"%s\"}\n", name);
	else
		note("release ready", name);
	return EX_OK;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-boot", no_argument, NULL, 'N' },
		{ "tags", required_argument, NULL, 'g' },
		{ "priority", required_argument, NULL, 'p' },
		{ "thick", no_argument, NULL, 'T' },
		{ "bridge", required_argument, NULL, 'B' },
		{ "nat", no_argument, NULL, 'n' },
		{ "depend", required_argument, NULL, 'D' },
		{ "vnet-if", required_argument, NULL, 'V' },
		{ 0 } };
	struct cell_mgr_create cr = { .boot = true, .priority = 99 };
	int c;
	while ((c = sub_getopt(argc, argv, "+hTp:B:V:", lo)) != -1) {
		switch (c) {
		case 'V':
			cr.vnet_if = optarg;
			break;
		case 'B':
			cr.bridge = optarg;
			break;
		case 'n':
			cr.nat = true;
			break;
		case 'D':
			cr.depend = optarg;
			break;
		case 'T':
			cr.thick = true;
			break;
		case 'N':
			cr.boot = false;
			break;
		case 'g':
			cr.tags = optarg;
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > 9999)
				return usage_sub();
			cr.priority = (int)v;
			break;
		}
		default:
			return usage_sub();
		}
	}
	int left = argc - optind;
	if (left < 2 || left > 3)
		return usage_sub();
	cr.name = argv[optind];
	cr.release = argv[optind + 1];
	cr.ip4 = left == 3 ? argv[optind + 2] : NULL;
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0 || cell_mgr_create(&m, &cr, &err) < 0)
		return fail(&err);
	if (json)
		printf("{\"jail\":\"%s\"}\n", cr.name);
	else
		note("created", cr.name);
	return EX_OK;
}

/* Is one of name's dependencies among failed[0..nf)? */
static const char *failed_dep(struct cell_mgr *m, const char *name,
			      char **failed, size_t nf)
{
	static char dep[CELL_MGR_NAME_MAX + 1];
	struct cell_mgr_jail ji;
	if (!nf || cell_mgr_jail_info(m, name, &ji, NULL) < 0)
		return NULL;
	for (char *save = NULL, *d = strtok_r(ji.depend, ",", &save); d;
	     d = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < nf; i++)
			if (!strcmp(failed[i], d)) {
				snprintf(dep, sizeof(dep), "%s", d);
				return dep;
			}
	return NULL;
}

/* Run fn on every jail of TARGET (NULL: the boot jails) in depend order
 * (starting: dependencies join and come first; a jail whose dependency
 * failed is not started; stopping: the reverse); a jail already in the
 * wanted state is a note, not an error. */
static int each_target(const char *target,
		       int (*fn)(struct cell_mgr *, const char *,
				 struct cell_error *),
		       const char *done, bool reverse, bool add_deps)
{
	struct cell_mgr m;
	struct cell_error err;
	char **names;
	size_t n;
	if (open_targets(&m, &err, target, &names, &n) < 0)
		return fail(&err);
	if (cell_mgr_order(&m, &names, &n, add_deps, &err) < 0) {
		cell_mgr_names_free(names, n);
		return fail(&err);
	}
	char **failed = calloc(n + 1, sizeof(*failed));
	size_t nf = 0;
	int rc = EX_OK;
	for (size_t k = 0; k < n; k++) {
		size_t i = reverse ? n - 1 - k : k;
		cell_error_clear(&err);
		const char *dep = reverse || !failed ? NULL
			: failed_dep(&m, names[i], failed, nf);
		int r = dep ? cell_error_set(&err, -EAGAIN, "jail '%s' not "
					     "started: it depends on '%s', "
					     "which did not start", names[i],
					     dep)
			    : fn(&m, names[i], &err);
		if (r == -EALREADY) {
			if (!quiet)
				fprintf(stderr, "cell %s: %s\n", current->name,
					err.msg);
		} else if (r < 0) {
			fail(&err);
			rc = EX_ERR;
			if (failed)
				failed[nf++] = names[i];
		} else if (!json) {
			note(done, names[i]);
		}
	}
	free(failed);
	cell_mgr_names_free(names, n);
	return rc;
}

static int restart_one(struct cell_mgr *m, const char *name,
		       struct cell_error *err)
{
	int r = cell_mgr_stop(m, name, err);
	if (r < 0 && r != -EALREADY)
		return r;
	cell_error_clear(err);
	return cell_mgr_start(m, name, err);
}

static int cmd_lifecycle(int argc, char **argv)
{
	bool boot = !strcmp(current->name, "boot");
	if (sub_operands(argc, argv, !boot, !boot) < 0)
		return usage_sub();
	if (boot)
		return each_target(NULL, cell_mgr_start, "started", false,
				   true);
	if (!strcmp(current->name, "start"))
		return each_target(argv[optind], cell_mgr_start,
				   "started", false, true);
	if (!strcmp(current->name, "stop"))
		return each_target(argv[optind], cell_mgr_stop,
				   "stopped", true, false);
	return each_target(argv[optind], restart_one, "restarted",
			   false, false);
}

static int cmd_cmd(int argc, char **argv)
{
	if (sub_operands(argc, argv, 2, -1) < 0)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	char **names;
	size_t n;
	if (open_targets(&m, &err, argv[optind], &names, &n) < 0)
		return fail(&err);
	int rc = EX_OK;
	for (size_t i = 0; i < n; i++) {
		if (n > 1 && !quiet)
			printf("[%s]\n", names[i]);
		fflush(stdout);
		int status = 0;
		cell_error_clear(&err);
		if (cell_mgr_cmd(&m, names[i], argv + optind + 1, &status,
				 &err) < 0) {
			fail(&err);
			rc = EX_ERR;
			continue;
		}
		int code = WIFEXITED(status) ? WEXITSTATUS(status)
			   : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
		if (code && n == 1)
			rc = code;
		else if (code)
			rc = EX_ERR;
	}
	cell_mgr_names_free(names, n);
	return rc;
}

static int cmd_console(int argc, char **argv)
{
	int left = sub_operands(argc, argv, 1, 2);
	if (left < 0)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0)
		return fail(&err);
	struct cell_mgr_console con = {
		.user = left == 2 ? argv[optind + 1] : NULL,
		.in = 0, .out = 1, .term = getenv("TERM"),
	};
	int status = 0;
	if (cell_mgr_console(&m, argv[optind], &con, &status, &err) < 0)
		return fail(&err);
	return WIFEXITED(status) ? WEXITSTATUS(status)
	       : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : EX_ERR;
}

static int cmd_template(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "arg", required_argument, NULL, 'a' },
		{ 0 } };
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	size_t nargs = 0;
	int c;
	if (!args)
		return EX_ERR;
	/* options may follow the operands (optind 0: getopt starts over,
	 * permuting, not in main's "+" order) */
	optind = 0;
	while ((c = sub_getopt(argc, argv, "h", lo)) != -1) {
		if (c != 'a') {
			free(args);
			return usage_sub();
		}
		args[nargs++] = optarg;
	}
	if (argc - optind != 2) {
		free(args);
		return usage_sub();
	}
	struct cell_mgr m;
	struct cell_error err;
	char **names;
	size_t n;
	if (open_targets(&m, &err, argv[optind], &names, &n) < 0) {
		free(args);
		return fail(&err);
	}
	int rc = EX_OK;
	for (size_t i = 0; i < n; i++) {
		if (n > 1 && !quiet)
			printf("[%s]\n", names[i]);
		fflush(stdout);
		cell_error_clear(&err);
		if (cell_mgr_template(&m, names[i], argv[optind + 1], args,
				      nargs, &err) < 0) {
			/* FILE:LINE:COL: message, as compilers print it */
			if (!strcmp(err.step, "template"))
				fprintf(stderr, "%s\n", err.msg);
			else
				fail(&err);
			rc = EX_ERR;
		} else if (!json) {
			note("template applied", names[i]);
		}
	}
	cell_mgr_names_free(names, n);
	free(args);
	return rc;
}

static int cmd_rdr(int argc, char **argv)
{
	int left = sub_operands(argc, argv, 2, 4);
	if (left < 0)
		return usage_sub();
	const char *op = argv[optind + 1];
	bool add = !strcmp(op, "tcp") || !strcmp(op, "udp");
	if (add ? left != 4
		: (left != 2 || (strcmp(op, "list") && strcmp(op, "clear"))))
		return usage_sub();
	char spec[128];
	if (add && snprintf(spec, sizeof(spec), "%s %s %s", op,
			    argv[optind + 2], argv[optind + 3]) >=
			   (int)sizeof(spec))
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	char **names;
	size_t n;
	if (open_targets(&m, &err, argv[optind], &names, &n) < 0)
		return fail(&err);
	int rc = EX_OK;
	for (size_t i = 0; i < n; i++) {
		if (n > 1 && !strcmp(op, "list") && !json)
			printf("[%s]\n", names[i]);
		cell_error_clear(&err);
		if (cell_mgr_rdr(&m, names[i], add ? "add" : op,
				 add ? spec : NULL, json, stdout, &err) < 0) {
			fail(&err);
			rc = EX_ERR;
		}
	}
	cell_mgr_names_free(names, n);
	return rc;
}

static int cmd_list(int argc, char **argv)
{
	int c;
	while ((c = sub_getopt(argc, argv, "+hj", NULL)) != -1) {
		if (c != 'j')
			return usage_sub();
		json = true;
	}
	if (optind != argc)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0 || cell_mgr_list(&m, json, stdout, &err) < 0)
		return fail(&err);
	return fflush(stdout) ? EX_ERR : EX_OK;
}

static int cmd_destroy(int argc, char **argv)
{
	bool force = false, release = false;
	int c;
	while ((c = sub_getopt(argc, argv, "+hfr", NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'r')
			release = true;
		else
			return usage_sub();
	}
	if (argc - optind != 1)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0 ||
	    (release ? cell_mgr_release_remove(&m, argv[optind], &err)
		     : cell_mgr_destroy(&m, argv[optind], force, &err)) < 0)
		return fail(&err);
	note("destroyed", argv[optind]);
	return EX_OK;
}

static int cmd_snapshot(int argc, char **argv)
{
	bool del = false;
	int c;
	while ((c = sub_getopt(argc, argv, "+hd", NULL)) != -1) {
		if (c != 'd' || strcmp(current->name, "snapshot"))
			return usage_sub();
		del = true;
	}
	int left = argc - optind;
	if (left < 1 + del || left > 2)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	char tag[128];
	if (open_mgr(&m, &err) < 0)
		return fail(&err);
	int r;
	if (del) {
		if (cell_mgr_snapshot_remove(&m, argv[optind],
					     argv[optind + 1], &err) < 0)
			return fail(&err);
		return EX_OK;
	}
	if (!strcmp(current->name, "snapshot"))
		r = cell_mgr_snapshot(&m, argv[optind],
				      left == 2 ? argv[optind + 1] : NULL, tag,
				      sizeof(tag), &err);
	else
		r = cell_mgr_rollback(&m, argv[optind],
				      left == 2 ? argv[optind + 1] : NULL,
				      &err);
	if (r < 0)
		return fail(&err);
	if (!strcmp(current->name, "snapshot")) {
		if (json)
			printf("{\"jail\":\"%s\",\"tag\":\"%s\"}\n",
			       argv[optind], tag);
		else if (!quiet)
			printf("%s@%s\n", argv[optind], tag);
	}
	return EX_OK;
}

static int cmd_clone(int argc, char **argv)
{
	int left = sub_operands(argc, argv, 2, 3);
	if (left < 0)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0 ||
	    cell_mgr_clone(&m, argv[optind], argv[optind + 1],
			   left == 3 ? argv[optind + 2] : NULL, &err) < 0)
		return fail(&err);
	note("cloned", argv[optind + 1]);
	return EX_OK;
}

static int cmd_rename(int argc, char **argv)
{
	if (sub_operands(argc, argv, 2, 2) < 0)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0 ||
	    cell_mgr_rename(&m, argv[optind], argv[optind + 1], &err) < 0)
		return fail(&err);
	note("renamed", argv[optind + 1]);
	return EX_OK;
}

static int cmd_limits(int argc, char **argv)
{
	int left = sub_operands(argc, argv, 2, -1);
	if (left < 0)
		return usage_sub();
	const char *op = argv[optind + 1];
	int want = !strcmp(op, "add") ? 4 : !strcmp(op, "remove") ? 3
		   : (!strcmp(op, "show") || !strcmp(op, "clear")) ? 2 : -1;
	if (left != want)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	char **names;
	size_t n;
	if (open_targets(&m, &err, argv[optind], &names, &n) < 0)
		return fail(&err);
	int rc = EX_OK;
	for (size_t i = 0; i < n; i++) {
		if (n > 1 && !strcmp(op, "show"))
			printf("[%s]\n", names[i]);
		cell_error_clear(&err);
		if (cell_mgr_limits(&m, names[i], op,
				    left > 2 ? argv[optind + 2] : NULL,
				    left > 3 ? argv[optind + 3] : NULL, stdout,
				    &err) < 0) {
			fail(&err);
			rc = EX_ERR;
		}
	}
	cell_mgr_names_free(names, n);
	return rc;
}

static int cmd_export(int argc, char **argv)
{
	int left = sub_operands(argc, argv, 1, 2);
	bool exp = !strcmp(current->name, "export");
	if (left < 0)
		return usage_sub();
	char def[PATH_MAX];
	const char *second = left == 2 ? argv[optind + 1] : NULL;
	if (exp && !second) {
		snprintf(def, sizeof(def), "%s.cell.tar.zst", argv[optind]);
		second = def;
	}
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0 ||
	    (exp ? cell_mgr_export(&m, argv[optind], second, &err)
		 : cell_mgr_import(&m, argv[optind], second, &err)) < 0)
		return fail(&err);
	if (exp)
		note("exported", second);
	else
		note("imported", argv[optind]);
	return EX_OK;
}

static int cmd_cp(int argc, char **argv)
{
	if (sub_operands(argc, argv, 3, 3) < 0)
		return usage_sub();
	struct cell_mgr m;
	struct cell_error err;
	if (open_mgr(&m, &err) < 0)
		return fail(&err);
	int r = !strcmp(current->name, "cp")
			? cell_mgr_cp(&m, argv[optind], argv[optind + 1],
				      argv[optind + 2], &err)
			: cell_mgr_rcp(&m, argv[optind], argv[optind + 1],
				       argv[optind + 2], &err);
	return r < 0 ? fail(&err) : EX_OK;
}

static int exec_sibling(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("cell: /proc/self/exe");
		return EX_ERR;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - self), self,
		 argv[0]);
	execv(path, argv);
	fprintf(stderr, "cell: %s: %s\n", path, strerror(errno));
	return 127;
}

int cell_cmd_audit(int argc, char **argv); /* src/audit.c */
static const struct sub subs[] = {
	{ "jail", exec_sibling, "ARGS... (jail(8))" },
	{ "jls", exec_sibling, "ARGS... (jls(8))" },
	{ "jexec", exec_sibling, "ARGS... (jexec(8))" },
	{ "setup", cmd_setup,
	  "[-s btrfs|overlay|dir] [--size MB] | --teardown" },
	{ "bootstrap", cmd_bootstrap,
	  "busybox [NAME] [--busybox PATH] | debian SUITE [NAME] "
	  "[--mirror URL] |\n"
	  "             --tar FILE NAME | --oci DIR|ARCHIVE [NAME]" },
	{ "create", cmd_create,
	  "[-T] [-B BRIDGE | -V IFACE [--nat]] [--no-boot] [-p PRIO]\n"
	  "             [--tags a,b] [--depend a,b] NAME RELEASE [IP]\n"
	  "             (-B: vnet on BRIDGE, -V: on IFACE's bridge; IP[/LEN] "
	  "inside)" },
	{ "start", cmd_lifecycle, "TARGET" },
	{ "stop", cmd_lifecycle, "TARGET" },
	{ "restart", cmd_lifecycle, "TARGET" },
	{ "boot", cmd_lifecycle, "(start every jail marked for boot, by "
				 "depend, then priority)" },
	{ "cmd", cmd_cmd, "TARGET COMMAND [ARG...]" },
	{ "console", cmd_console, "NAME [USER]  (a login shell on a pty in "
				  "the jail)" },
	{ "list", cmd_list, "[-j]" },
	{ "destroy", cmd_destroy, "[-f] NAME | -r RELEASE" },
	{ "snapshot", cmd_snapshot, "NAME [TAG] | -d NAME TAG" },
	{ "rollback", cmd_snapshot, "NAME [TAG]" },
	{ "clone", cmd_clone, "NAME NEW [IP]" },
	{ "rename", cmd_rename, "NAME NEW" },
	{ "export", cmd_export, "NAME [FILE]  (FILE.sha256 beside it)" },
	{ "import", cmd_export, "FILE [NAME]  (FILE.sha256 must match)" },
	{ "limits", cmd_limits,
	  "TARGET add RES VALUE | remove RES | clear | show\n"
	  "             (RES: memory pids cpu.weight cpu.shares cpu.quota\n"
	  "              io.read_bps io.write_bps io.read_iops "
	  "io.write_iops)" },
	{ "template", cmd_template, "TARGET DIR [--arg NAME=VALUE]...  "
				    "(DIR/Cellfile)" },
	{ "rdr", cmd_rdr, "TARGET tcp|udp HOSTPORT JAILPORT | TARGET "
			  "list|clear" },
	{ "cp", cmd_cp, "NAME HOSTPATH JAILPATH" },
	{ "rcp", cmd_cp, "NAME JAILPATH HOSTPATH" },
	{ "audit", cell_cmd_audit, "[-jv] [-r ADDR:PORT]... [JAIL...]" },
};

static void usage_all(FILE *out)
{
	fprintf(out, "usage: cell [-jq] [-d DIR] SUBCOMMAND [ARGS...]\n"
		     "       cell --help | --version\n\n");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		fprintf(out, "  %-10s %s\n", subs[i].name, subs[i].usage);
	fprintf(out,
		"\n  -d DIR  the manager's directory (default $CELL_HOME, "
		"else " CELL_MGR_HOME_DEFAULT ")\n"
		"  -j      JSON output        -q  quiet\n"
		"TARGET: a jail name, a comma list of names or tags, a tag, "
		"or ALL.\n"
		"Exit status: 0 ok, 1 error, 2 usage (cmd: the command's).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_all(stderr);
		return EX_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_all(stdout);
		return EX_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("cell %s\n", CELL_VERSION);
		return EX_OK;
	}
	/* jail/jls/jexec: exec the sibling binary with the arguments as is */
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(argv[1], subs[i].name)) {
			current = &subs[i];
			return exec_sibling(argc - 1, argv + 1);
		}
	int c;
	while ((c = getopt(argc, argv, "+d:jqh")) != -1) {
		switch (c) {
		case 'd':
			home = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage_all(stdout);
			return EX_OK;
		default:
			usage_all(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage_all(stderr);
		return EX_USAGE;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(name, subs[i].name))
			continue;
		current = &subs[i];
		if (i < 3)
			return exec_sibling(argc - optind, argv + optind);
		int sargc = argc - optind;
		char **sargv = argv + optind;
		optind = 1;
		return subs[i].fn(sargc, sargv);
	}
	fprintf(stderr, "cell: unknown command '%s'\n", name);
	usage_all(stderr);
	return EX_USAGE;
}
