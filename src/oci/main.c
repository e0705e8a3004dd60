/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci(8): a runc-compatible OCI runtime over libcell.
 *
 *   cell-oci [--root DIR] [--log FILE] [--log-format text|json] [--debug]
 *            [--systemd-cgroup] COMMAND [OPTIONS] ARGS
 *
 * Global flags as runc takes them (one or two dashes, "--flag value" or
 * "--flag=value"), then one subcommand per file in this directory.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "create", cmd_create, "create [--bundle DIR] [--pid-file FILE] "
	  "[--console-socket SOCKET] [--no-pivot] [--no-new-keyring] "
	  "[--preserve-fds N] ID" },
	{ "start", cmd_start, "start ID" },
	{ "state", cmd_state, "state ID" },
	{ "kill", cmd_kill, "kill [--all] ID [SIGNAL]" },
	{ "delete", cmd_delete, "delete [--force] ID" },
	{ "run", cmd_run, "run [--bundle DIR] [--pid-file FILE] "
	  "[--console-socket SOCKET] [--detach] [--keep] ID" },
	{ "exec", cmd_exec, "exec [--process FILE] [--tty] "
	  "[--console-socket SOCKET] [--detach] [--pid-file FILE] "
	  "[--cwd DIR] [--env K=V]... [--user UID[:GID]] "
	  "[--additional-gids GID]... [--cap CAP]... ID [COMMAND [ARG...]]" },
	{ "ps", cmd_ps, "ps [--format table|json] ID [-- PS_ARGS...]" },
	{ "list", cmd_list, "list [--format table|json] [--quiet]" },
	{ "pause", cmd_pause, "pause ID" },
	{ "resume", cmd_resume, "resume ID" },
	{ "update", cmd_update, "update [--resources FILE|-] [--memory N] "
	  "[--memory-swap N] "
	  "[--cpu-shares N] [--cpu-quota N] [--cpu-period N] "
	  "[--pids-limit N] ID" },
	{ "spec", cmd_spec, "spec [--bundle DIR]" },
	{ "features", cmd_features, "features" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cell-oci [--root DIR] [--log FILE] "
		"[--log-format text|json]\n"
		"                [--debug] [--systemd-cgroup] "
		"[--jail-annotations NAME[,NAME...]]\n"
		"                COMMAND ...\n"
		"       cell-oci --version | --help\n\n"
		"An OCI runtime (runtime-spec " CELL_OCI_VERSION ") whose "
		"containers are cell jails.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out,
		"\nGlobal options:\n"
		"  --root DIR          state directory (default /run/cell-oci)\n"
		"  --log FILE          append log lines to FILE\n"
		"  --log-format FMT    text (default) or json\n"
		"  --debug             log debug messages\n"
		"  --systemd-cgroup    refused: systemd cgroups are not "
		"supported\n"
		"  --jail-annotations NAME[,NAME...]\n"
		"                      the jail parameters org.cell.jail.NAME "
		"annotations may\n"
		"                      set (default: none; others are "
		"ignored with a warning)\n"
		"  -v, --version       print the version\n"
		"  -h, --help          this help\n");
}

int oci_usage(const char *cmd, bool err)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, cmd)) {
			fprintf(err ? stderr : stdout, "usage: cell-oci %s\n",
				commands[i].usage);
			break;
		}
	return err ? 1 : 0;
}

static const struct option global_opts[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "log", required_argument, NULL, 'l' },
	{ "log-format", required_argument, NULL, 'f' },
	{ "debug", no_argument, NULL, 'd' },
	{ "systemd-cgroup", no_argument, NULL, 's' },
	{ "jail-annotations", required_argument, NULL, 'a' },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	/* runc's, accepted without effect */
	{ "criu", required_argument, NULL, 'C' },
	{ "rootless", required_argument, NULL, 'R' },
	{ 0 },
};

/* --jail-annotations NAME[,NAME...]: each name checked now, so that an
 * operator's typo is an error, not an annotation silently ignored */
static int jail_annotations(const char *arg)
{
	char *copy = strdup(arg); /* lives as long as the process */
	if (!copy)
		return oci_fail("out of memory");
	char *save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n;
	     n = strtok_r(NULL, ",", &save)) {
		struct cell_error err;
		cell_error_clear(&err);
		if (cell_oci_annotation_param_check(n, &err) < 0)
			return oci_fail("--jail-annotations: %s", err.msg);
		if (G.njail_annot == CELL_OCI_JAIL_ANNOT_MAX)
			return oci_fail("--jail-annotations: more than %d "
					"names", CELL_OCI_JAIL_ANNOT_MAX);
		G.jail_annot[G.njail_annot++] = n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+vh", global_opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'r': G.root = optarg; break;
		case 'l': G.log_path = optarg; break;
		case 'f':
			if (!strcmp(optarg, "json"))
				G.log_json = true;
			else if (strcmp(optarg, "text"))
				return oci_fail("--log-format: text or json, "
						"not '%s'", optarg);
			break;
		case 'd': G.debug = true; break;
		case 's': G.systemd_cgroup = true; break;
		case 'a':
			if (jail_annotations(optarg))
				return 1;
			break;
		case 'v': {
			const struct scmp_version *v = seccomp_version();
			printf("cell-oci version %s\nspec: %s\n"
			       "libseccomp: %u.%u.%u\n", CELL_VERSION,
			       CELL_OCI_VERSION, v->major, v->minor, v->micro);
			return 0;
		}
		case 'h': usage(stdout); return 0;
		case 'C': break;
		case 'R':
			if (strcmp(optarg, "false") && strcmp(optarg, "auto"))
				return oci_fail("--rootless %s: user "
						"namespaces are not supported "
						"yet", optarg);
			break;
		default: usage(stderr); return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (G.root[0] != '/')
		return oci_fail("--root must be an absolute path");
	const char *cmd = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, cmd))
			continue;
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;
		optind = 1; /* each subcommand parses its own options */
		return commands[i].fn(sub_argc, sub_argv);
	}
	oci_fail("unknown command '%s' (see cell-oci --help)", cmd);
	return 1;
}
