/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jexec(8): run a command in a running jail.
 *
 *   jexec [-l] [-d dir] [[-e name=value] ...] [-u user | -U user] jail
 *         [command ...]
 *
 * Argument parsing only; the jail is entered by libcell's cell_exec(),
 * the same path as jail -c's command.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifecycle.h"

#define MAX_ENV 256

static void usage(FILE *out)
{
	fprintf(out,
		"usage: jexec [-l] [-d working-directory] [[-e name=value] ...]\n"
		"             [-u username | -U username] jail [command ...]\n"
		"\n"
		"  -l       run in a clean environment (HOME, SHELL, TERM, USER,\n"
		"           PATH=/bin:/usr/bin:/sbin:/usr/sbin), as a login shell\n"
		"  -d dir   working directory inside the jail (default: /, or\n"
		"           the user's home with -l)\n"
		"  -e n=v   set an environment variable (repeatable)\n"
		"  -u user  run as user, looked up in the host's passwd\n"
		"  -U user  run as user, looked up in the jail's passwd\n"
		"  jail     jid or name; without command, the user's shell\n");
}

int main(int argc, char **argv)
{
	struct cell_exec x;
	char *envs[MAX_ENV + 1];
	size_t nenv = 0;
	int c;
	bool uflag = false, Uflag = false;

	cell_exec_init(&x);
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	while ((c = getopt(argc, argv, "+ld:e:u:U:h")) != -1) {
		switch (c) {
		case 'l':
			x.clean_env = true;
			x.login = true;
			break;
		case 'd':
			x.cwd = optarg;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr, "jexec: -e needs name=value, "
						"got '%s'\n", optarg);
				return 1;
			}
			if (nenv >= MAX_ENV) {
				fprintf(stderr, "jexec: too many -e\n");
				return 1;
			}
			envs[nenv++] = optarg;
			break;
		case 'u':
			x.user = optarg;
			x.user_from_host = true;
			uflag = true;
			break;
		case 'U':
			x.user = optarg;
			x.user_from_host = false;
			Uflag = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	/* FreeBSD: -u and -U exclude each other (a usage error), rather
	 * than the last one silently choosing whose passwd is read */
	if (optind >= argc || (uflag && Uflag)) {
		usage(stderr);
		return 1;
	}
	envs[nenv] = NULL;
	x.envp = envs;
	const char *key = argv[optind++];
	x.argv = optind < argc ? argv + optind : NULL;

	struct cell_error err;
	cell_error_clear(&err);
	struct cell_record rec;
	int r = cell_state_find(key, &rec, &err);
	if (r < 0 || !cell_running(&rec)) {
		if (r == 0)
			cell_record_free(&rec);
		fprintf(stderr, "jexec: jail \"%s\" not found\n", key);
		return 1;
	}
	int status = 0;
	r = cell_exec(&rec, &x, false, &status, NULL, &err);
	cell_record_free(&rec);
	if (r < 0) {
		char buf[1024];
		fprintf(stderr, "jexec: %s\n",
			cell_error_format(&err, buf, sizeof(buf)));
		return err.step[0] && !strcmp(err.step, "exec") ? 127 : 1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}
