/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jail(8): create, modify and remove jails.
 *
 *   jail [-dhilqv] [-J jid_file] [-u username] [-U username]
 *        [-cmr] param=value ... [command=command ...]
 *   jail [-dqv] [-f conf_file] [-p limit] [-cmr] [jail]
 *   jail [-qv] [-f conf_file] [-rR] [* | jail ...]
 *   jail [-dhilqv] [-J jid_file] [-u username] [-U username]
 *        [-n jailname] [-s securelevel] path hostname ip[,...] command ...
 *
 * This file parses arguments and calls libcell; it decides nothing about
 * the boundary.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifecycle.h"
#include "param.h"

enum { OP_CREATE = 1, OP_MODIFY = 2, OP_REMOVE = 4 };

static bool quiet, verbose;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n"
		"            -[cmr] param=value ... [command=command ...]\n"
		"       jail [-dqv] [-f conf_file] [-p limit] -[cmr] [jail ...]\n"
		"       jail [-qv] [-f conf_file] -[rR] ['*' | jail ...]\n"
		"       jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n"
		"            [-n jailname] [-s securelevel]\n"
		"            path hostname ip[,...] command ...\n"
		"\n"
		"  -c  create    -m  modify    -r  remove    -R  remove (no hooks)\n"
		"  -i  print the jid of the created jail     -q  quiet\n"
		"  -v  verbose   -J file  write the jail's parameters to file\n"
		"  -l  exec.clean                -n name  name=name\n"
		"  -s level  securelevel=level   -h  ip_hostname\n"
		"  -u user   exec.jail_user=user exec.system_jail_user\n"
		"  -U user   exec.jail_user=user (the jail's passwd)\n"
		"  -f file   jail.conf(5) file   -p N  parallel exec.* limit\n"
		"Parameters are listed in jail(8).\n");
}

static void report(const char *what, struct cell_error *err)
{
	char buf[1024];
	fprintf(stderr, "jail: %s%s%s\n", what ? what : "",
		what ? ": " : "", cell_error_format(err, buf, sizeof(buf)));
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static int write_jfile(const char *file, const struct cell_jail *j)
{
	FILE *f = fopen(file, "we");
	if (!f) {
		fprintf(stderr, "jail: %s: %s\n", file, strerror(errno));
		return -1;
	}
	cell_params_print(f, j, CELL_PRINT_QUOTE);
	return fclose(f) == 0 ? 0 : -1;
}

/* Wait a moment for a non-persistent jail's init to leave, then clean up
 * after it, so "jail -c ... command=..." leaves nothing behind. */
static void reap_if_gone(int jid)
{
	struct cell_record rec;
	if (cell_state_load(jid, &rec, NULL) < 0)
		return;
	struct cell_running run;
	cell_record_running(&rec, &run);
	int fd = cell_init_pidfd(&run);
	bool gone = fd < 0;
	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		gone = poll(&p, 1, 500) == 1;
		close(fd);
	}
	if (gone) {
		char key[16];
		snprintf(key, sizeof(key), "%d", jid);
		cell_remove(key, NULL);
	}
	cell_record_free(&rec);
}

static int do_create(struct cell_jail *j, bool print_jid, const char *jfile)
{
	struct cell_error err;
	cell_error_clear(&err);
	struct cell_handle h;
	int r = cell_create(j, &h, &err);
	if (r < 0) {
		report(NULL, &err);
		return 1;
	}
	int jid = h.rec.jail.jid;
	if (print_jid)
		printf("%d\n", jid);
	else if (verbose)
		fprintf(stderr, "%s: created\n", h.rec.jail.name);
	if (jfile && write_jfile(jfile, &h.rec.jail) < 0) {
		cell_create_finish(&h);
		return 1;
	}
	fflush(stdout);

	int rc = 0;
	/* exec.start then command, inside, as jail(8) orders them */
	const struct cell_strv *cmds[] = { &j->exec_start };
	for (size_t i = 0; i < 1 && rc == 0; i++)
		for (size_t k = 0; k < cmds[i]->n && rc == 0; k++) {
			char *argv[] = { cmds[i]->v[k], NULL };
			struct cell_exec x = { .argv = argv,
					       .shell_command = true,
					       .clean_env = j->exec_clean,
					       .user = j->exec_jail_user[0]
							       ? j->exec_jail_user
							       : NULL,
					       .stdio = { -1, -1, -1 } };
			int st = 0;
			if (cell_exec(&h.rec, &x, false, &st, NULL, &err) < 0) {
				report(NULL, &err);
				rc = 1;
			} else if (exit_code(st)) {
				fprintf(stderr, "jail: %s: exec.start \"%s\" "
						"failed\n", h.rec.jail.name,
					cmds[i]->v[k]);
				rc = 1;
			}
		}
	if (rc == 0 && j->command.n) {
		struct cell_exec x = {
			.argv = j->command.v,
			.clean_env = j->exec_clean,
			.user = j->exec_jail_user[0] ? j->exec_jail_user : NULL,
			.user_from_host = j->exec_system_jail_user[0] != '\0',
			.stdio = { -1, -1, -1 },
		};
		int st = 0;
		if (cell_exec(&h.rec, &x, false, &st, NULL, &err) < 0) {
			report(NULL, &err);
			rc = 1;
		} else {
			rc = exit_code(st);
		}
	}
	bool persist = h.rec.jail.persist;
	if (rc && !(rc > 0 && j->command.n)) {
		/* a failed start-up command undoes the jail */
		cell_create_finish(&h);
		char key[16];
		snprintf(key, sizeof(key), "%d", jid);
		cell_remove(key, NULL);
		return rc;
	}
	cell_create_finish(&h);
	if (!persist)
		reap_if_gone(jid);
	return rc;
}

static int do_remove(const char *key)
{
	struct cell_error err;
	cell_error_clear(&err);
	if (!strcmp(key, "*")) {
		int *jids = NULL;
		size_t n = 0;
		int rc = 0;
		if (cell_state_list(&jids, &n, &err) < 0) {
			report(NULL, &err);
			return 1;
		}
		/* highest jid first: children were created after parents */
		for (size_t i = n; i-- > 0;) {
			char k[16];
			snprintf(k, sizeof(k), "%d", jids[i]);
			struct cell_record rec;
			if (cell_state_load(jids[i], &rec, NULL) < 0)
				continue;
			cell_record_free(&rec);
			if (cell_remove(k, &err) < 0 && err.code != -ENOENT) {
				report(NULL, &err);
				rc = 1;
			}
		}
		free(jids);
		return rc;
	}
	if (cell_remove(key, &err) < 0) {
		report(NULL, &err);
		return 1;
	}
	if (verbose)
		fprintf(stderr, "%s: removed\n", key);
	return 0;
}

static int do_modify(struct cell_jail *j)
{
	struct cell_error err;
	cell_error_clear(&err);
	char key[CELL_NAME_MAX];
	if (j->name[0])
		snprintf(key, sizeof(key), "%s", j->name);
	else
		snprintf(key, sizeof(key), "%d", j->jid);
	if (cell_modify(key, j, &err) < 0) {
		report(NULL, &err);
		return 1;
	}
	if (verbose)
		fprintf(stderr, "%s: updated\n", key);
	return 0;
}

static int set(struct cell_jail *j, const char *name, const char *value)
{
	struct cell_error err;
	cell_error_clear(&err);
	if (cell_param_set(j, name, value, false, &err) < 0) {
		report(NULL, &err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int op = 0, c;
	bool print_jid = false;
	const char *jfile = NULL;
	struct cell_jail j;
	cell_jail_init(&j);

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	/* options that are parameters are applied after the op is known */
	while ((c = getopt(argc, argv, "+cCde:f:hiJ:lmn:p:qrRs:u:U:v")) != -1) {
		switch (c) {
		case 'c':
			op |= OP_CREATE;
			break;
		case 'm':
			op |= OP_MODIFY;
			break;
		case 'r':
			op |= OP_REMOVE;
			break;
		case 'R':
			op |= OP_REMOVE;
			break;
		case 'd':
			if (set(&j, "allow.dying", NULL) < 0)
				return 1;
			break;
		case 'h':
			if (set(&j, "ip_hostname", NULL) < 0)
				return 1;
			break;
		case 'i':
			print_jid = true;
			quiet = true;
			break;
		case 'J':
			jfile = optarg;
			break;
		case 'l':
			if (set(&j, "exec.clean", NULL) < 0)
				return 1;
			break;
		case 'n':
			if (set(&j, "name", optarg) < 0)
				return 1;
			break;
		case 's':
			if (set(&j, "securelevel", optarg) < 0)
				return 1;
			break;
		case 'u':
			if (set(&j, "exec.jail_user", optarg) < 0 ||
			    set(&j, "exec.system_jail_user", optarg) < 0)
				return 1;
			break;
		case 'U':
			if (set(&j, "exec.jail_user", optarg) < 0)
				return 1;
			break;
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'p':
			break; /* parallel limit: exec.* run one at a time */
		case 'f':
		case 'e':
		case 'C':
			fprintf(stderr, "jail: -%c: jail.conf files are not "
					"supported by this build yet\n", c);
			return 1;
		default:
			usage(stderr);
			return 1;
		}
	}

	/* the legacy form: path hostname ip[,...] command ... */
	if (!op && argc - optind >= 4 && !strchr(argv[optind], '=')) {
		if (set(&j, "path", argv[optind]) < 0 ||
		    set(&j, "host.hostname", argv[optind + 1]) < 0)
			return 1;
		if (argv[optind + 2][0] &&
		    set(&j, strchr(argv[optind + 2], ':') ? "ip6.addr"
							   : "ip4.addr",
			argv[optind + 2]) < 0)
			return 1;
		for (int i = optind + 3; i < argc; i++) {
			struct cell_error err;
			cell_error_clear(&err);
			if (cell_param_set(&j, "command", argv[i], i > optind + 3,
					   &err) < 0) {
				report(NULL, &err);
				return 1;
			}
		}
		int rc = do_create(&j, print_jid, jfile);
		cell_jail_free(&j);
		return rc;
	}
	if (!op) {
		usage(stderr);
		return 1;
	}

	if (op == OP_REMOVE) {
		if (optind >= argc) {
			fprintf(stderr, "jail: -r needs a jail (or '*'); "
					"jail.conf is not supported yet\n");
			return 1;
		}
		int rc = 0;
		for (int i = optind; i < argc; i++)
			if (strchr(argv[i], '=')) {
				/* jail -r name=foo */
				if (!strncmp(argv[i], "name=", 5) ||
				    !strncmp(argv[i], "jid=", 4))
					rc |= do_remove(strchr(argv[i], '=') + 1);
			} else {
				rc |= do_remove(argv[i]);
			}
		return rc;
	}

	for (int i = optind; i < argc; i++) {
		struct cell_error err;
		cell_error_clear(&err);
		if (!strncmp(argv[i], "command=", 8)) {
			/* command= eats the rest of the arguments */
			for (int k = i; k < argc; k++) {
				const char *w = k == i ? argv[k] + 8 : argv[k];
				if (cell_param_set(&j, "command", w, k > i,
						   &err) < 0) {
					report(NULL, &err);
					return 1;
				}
			}
			break;
		}
		if (!strchr(argv[i], '=') && i == optind && op != OP_CREATE &&
		    !cell_param_lookup(argv[i])) {
			fprintf(stderr, "jail: \"%s\": jail.conf is not "
					"supported yet; use name=\n", argv[i]);
			return 1;
		}
		if (cell_param_set_arg(&j, argv[i], &err) < 0) {
			report(NULL, &err);
			cell_jail_free(&j);
			return 1;
		}
	}

	int rc = 0;
	switch (op) {
	case OP_CREATE:
		rc = do_create(&j, print_jid, jfile);
		break;
	case OP_MODIFY:
		rc = do_modify(&j);
		break;
	case OP_REMOVE | OP_CREATE: {
		char key[CELL_NAME_MAX];
		snprintf(key, sizeof(key), "%s", j.name);
		rc = do_remove(key);
		if (rc == 0)
			rc = do_create(&j, print_jid, jfile);
		break;
	}
	case OP_CREATE | OP_MODIFY: {
		struct cell_record rec;
		if (cell_state_find(j.name, &rec, NULL) == 0) {
			bool running = cell_running(&rec);
			cell_record_free(&rec);
			rc = running ? do_modify(&j)
				     : do_create(&j, print_jid, jfile);
		} else {
			rc = do_create(&j, print_jid, jfile);
		}
		break;
	}
	case OP_MODIFY | OP_REMOVE: {
		/* modify, restarting if something cannot change live */
		struct cell_error err;
		cell_error_clear(&err);
		if (cell_modify(j.name, &j, &err) == 0)
			break;
		if (err.code != -EPERM) {
			report(NULL, &err);
			rc = 1;
			break;
		}
		struct cell_record rec;
		if (cell_state_find(j.name, &rec, &err) < 0) {
			report(NULL, &err);
			rc = 1;
			break;
		}
		/* the new parameters over the old ones */
		struct cell_jail merged;
		cell_jail_copy(&merged, &rec.jail, NULL);
		cell_record_free(&rec);
		for (size_t i = 0; i < cell_params_count; i++) {
			const struct cell_param *p = &cell_params[i];
			char buf[CELL_VALUE_MAX * 2];
			if (!cell_param_is_set(&j, p) || p->type == CELL_PT_KV ||
			    !strcmp(p->name, "jid"))
				continue;
			if (cell_param_format(&j, p, buf, sizeof(buf)) >= 0)
				cell_param_set(&merged, p->name, buf, false,
					       NULL);
		}
		rc = do_remove(j.name);
		if (rc == 0)
			rc = do_create(&merged, print_jid, jfile);
		cell_jail_free(&merged);
		break;
	}
	default:
		usage(stderr);
		rc = 1;
	}
	cell_jail_free(&j);
	return rc;
}
