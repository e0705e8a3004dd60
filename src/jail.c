/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jail(8): create, modify and remove jails.
 *
 *   jail [-dhilqv] [-J jid_file] [-u username] [-U username]
 *        [-cmr] param=value ... [command=command ...]
 *   jail [-dqv] [-f conf_file] [-p limit] [-J jid_file] [-cmr] [jail ...]
 *   jail [-qv] [-f conf_file] [-rR] [* | jail ...]
 *   jail [-qv] [-f conf_file] -C [jail ...]
 *   jail [-f conf_file] -e separator
 *   jail [-dhilqv] [-J jid_file] [-u username] [-U username]
 *        [-n jailname] [-s securelevel] path hostname ip[,...] command ...
 *
 * This file parses arguments and calls libcell; it decides nothing about
 * the boundary. The order of actions (exec.*, depend) is lib/conf/jail8.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/jail8.h"
#include "lifecycle.h"
#include "param.h"

enum { OP_CREATE = 1, OP_MODIFY = 2, OP_REMOVE = 4 };

static bool quiet, verbose;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n"
		"            -[cmr] param=value ... [command=command ...]\n"
		"       jail [-dqv] [-f conf_file] [-p limit] [-J jid_file]\n"
		"            -[cmr] [jail ...]\n"
		"       jail [-qv] [-f conf_file] -[rR] ['*' | jail ...]\n"
		"       jail [-qv] [-f conf_file] -C [jail ...]\n"
		"       jail [-f conf_file] -e separator\n"
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
		"  -f file   jail.conf(5) file ('-' = standard input; default\n"
		"            /etc/jail.conf, /etc/jail.*.conf, /etc/jail.conf.d)\n"
		"  -e sep    print the configured jails' parameters joined by sep\n"
		"  -C        clean up after removed jails (exec.poststop, release)\n"
		"  -p N      parallel exec.* limit (commands run one at a time)\n"
		"No jail named: every jail in the configuration.\n"
		"Parameters are listed in jail(8).\n");
}

static void report(const char *what, struct cell_error *err)
{
	char buf[1024];
	fprintf(stderr, "jail: %s%s%s\n", what ? what : "",
		what ? ": " : "", cell_error_format(err, buf, sizeof(buf)));
}

static void on_error(void *arg, const struct cell_error *err)
{
	(void)arg;
	report(NULL, (struct cell_error *)err);
}

struct front {
	bool print_jid;
	FILE *jfile;
	/* FreeBSD's jail_note: whether the jail had a name of its own (a
	 * configuration's always have), and whether a removal is noted
	 * (a configuration, several jails, a wildcard) */
	bool named;
	bool note_removed;
};

/* FreeBSD's jail_note: "NAME: what" on stdout, flushed before the
 * jail's own commands write there */
static void note(const char *name, const char *what)
{
	if (name && *name)
		printf("%s: %s\n", name, what);
	else
		printf("%s\n", what);
	fflush(stdout);
}

static void on_event(void *arg, const char *what, const struct cell_jail *j)
{
	struct front *f = arg;
	if (!strcmp(what, "created")) {
		if (f->print_jid) {
			printf("%d\n", j->jid);
			fflush(stdout);
		}
		if (f->jfile)
			cell_params_print(f->jfile, j, CELL_PRINT_QUOTE);
	} else if (!strcmp(what, "updated") && f->jfile) {
		cell_params_print(f->jfile, j, CELL_PRINT_QUOTE);
	}
	/* as FreeBSD's: created and updated for a named jail, removed as
	 * note_removed says, anything with -v; nothing with -q or -i */
	bool shown = !strcmp(what, "removed") ? f->note_removed
		     : (!strcmp(what, "created") || !strcmp(what, "updated"))
			     ? f->named : false;
	if (!quiet && (shown || verbose))
		note(f->named ? j->name : NULL, what);
}

static int do_remove(const char *key, bool shown)
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
			char name[sizeof(rec.jail.name)];
			memcpy(name, rec.jail.name, sizeof(name));
			cell_record_free(&rec);
			if (cell_remove(k, &err) < 0) {
				if (err.code != -ENOENT) {
					report(NULL, &err);
					rc = 1;
				}
			} else if (!quiet && (shown || verbose)) {
				note(name[0] ? name : k, "removed");
			}
		}
		free(jids);
		return rc;
	}
	if (cell_remove(key, &err) < 0) {
		report(NULL, &err);
		return 1;
	}
	if (!quiet && (shown || verbose))
		note(key, "removed");
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

static struct cell_conf *load(const char *file)
{
	struct cell_conf *conf = NULL;
	struct cell_error err;
	cell_error_clear(&err);
	if (cell_jail8_load(file, &conf, &err) < 0) {
		report(NULL, &err);
		return NULL;
	}
	return conf;
}

int main(int argc, char **argv)
{
	int op = 0, c;
	bool remove_plain = false, show = false;
	const char *jfile = NULL, *cfile = NULL, *sep = NULL;
	long parallel = 0;
	/* the first of -h -l -n -s -u -U: options that are parameters of a
	 * jail given on the command line (FreeBSD: docf = 0) */
	int paramopt = 0;
	struct front f = { 0 };
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
			op |= CELL_J8_CREATE;
			break;
		case 'm':
			op |= CELL_J8_MODIFY;
			break;
		case 'r':
			op |= CELL_J8_REMOVE;
			break;
		case 'R':
			op |= CELL_J8_REMOVE;
			remove_plain = true;
			break;
		case 'C':
			op |= CELL_J8_CLEANUP;
			break;
		case 'e':
			show = true;
			sep = optarg;
			break;
		case 'f':
			cfile = optarg;
			break;
		case 'd':
			if (set(&j, "allow.dying", NULL) < 0)
				return 1;
			break;
		case 'h':
			paramopt = paramopt ? paramopt : c;
			if (set(&j, "ip_hostname", NULL) < 0)
				return 1;
			break;
		case 'i':
			f.print_jid = true;
			quiet = true;
			break;
		case 'J':
			jfile = optarg;
			break;
		case 'l':
			paramopt = paramopt ? paramopt : c;
			if (set(&j, "exec.clean", NULL) < 0)
				return 1;
			break;
		case 'n':
			paramopt = paramopt ? paramopt : c;
			if (set(&j, "name", optarg) < 0)
				return 1;
			break;
		case 's':
			paramopt = paramopt ? paramopt : c;
			if (set(&j, "securelevel", optarg) < 0)
				return 1;
			break;
		case 'u':
			paramopt = paramopt ? paramopt : c;
			if (set(&j, "exec.jail_user", optarg) < 0 ||
			    set(&j, "exec.system_jail_user", NULL) < 0)
				return 1;
			break;
		case 'U':
			paramopt = paramopt ? paramopt : c;
			if (set(&j, "exec.jail_user", optarg) < 0 ||
			    set(&j, "exec.system_jail_user", "false") < 0)
				return 1;
			break;
		/* the last of -q and -v wins, as FreeBSD's verbose level */
		case 'q':
			quiet = true;
			verbose = false;
			break;
		case 'v':
			verbose = true;
			quiet = false;
			break;
		case 'p': {
			char *end;
			errno = 0;
			parallel = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || parallel < 0) {
				fprintf(stderr, "jail: -p: expected a number, "
						"got '%s'\n", optarg);
				return 1;
			}
			break; /* exec.* commands run one at a time anyway */
		}
		default:
			usage(stderr);
			return 1;
		}
	}

	if (show) {
		if (op || optind < argc) {
			usage(stderr);
			return 1;
		}
		struct cell_conf *conf = load(cfile);
		if (!conf)
			return 1;
		int r = cell_jail8_show(conf, sep, stdout);
		cell_conf_free(conf);
		return r < 0 || fflush(stdout) ? 1 : 0;
	}

	if (jfile) {
		f.jfile = fopen(jfile, "we");
		if (!f.jfile) {
			fprintf(stderr, "jail: %s: %s\n", jfile,
				strerror(errno));
			return 1;
		}
	}
	struct cell_jail8 o = {
		.op = (unsigned)op,
		.parallel = (int)parallel,
		.error = on_error,
		.event = on_event,
		.arg = &f,
	};
	int rc = 0;
	bool params = false;
	for (int i = optind; i < argc; i++)
		if (strchr(argv[i], '='))
			params = true;

	if (!op && argc - optind >= 4 && !strchr(argv[optind], '=')) {
		/* the legacy form: path hostname ip[,...] command ... */
		if (set(&j, "path", argv[optind]) < 0 ||
		    set(&j, "host.hostname", argv[optind + 1]) < 0)
			return 1;
		/* each address to its family, as FreeBSD decides it: an
		 * IPv6 address is one inet_pton(AF_INET6) takes */
		char *ips = argv[optind + 2];
		for (char *ip = ips, *next; *ips; ip = next + 1) {
			next = strchr(ip, ',');
			if (next)
				*next = '\0';
			struct in6_addr a6;
			struct cell_error err;
			cell_error_clear(&err);
			if (!*ip) { /* "" would clear the list */
				fprintf(stderr, "jail: an empty address in "
						"the address list\n");
				return 1;
			}
			if (cell_param_set(&j, inet_pton(AF_INET6, ip, &a6) == 1
						       ? "ip6.addr"
						       : "ip4.addr",
					   ip, true, &err) < 0) {
				report(NULL, &err);
				return 1;
			}
			if (!next)
				break;
		}
		for (int i = optind + 3; i < argc; i++) {
			struct cell_error err;
			cell_error_clear(&err);
			if (cell_param_set(&j, "command", argv[i], i > optind + 3,
					   &err) < 0) {
				report(NULL, &err);
				return 1;
			}
		}
		o.op = CELL_J8_CREATE;
		rc = cell_jail8_run_jail(&o, &j);
	} else if (!op || ((op & CELL_J8_CLEANUP) && op != CELL_J8_CLEANUP) ||
		   (remove_plain && op != CELL_J8_REMOVE)) {
		usage(stderr);
		rc = 1;
	} else if (paramopt && (op == CELL_J8_REMOVE || !params)) {
		/* FreeBSD: these set parameters of a command-line jail and
		 * turn the configuration off; with a configuration (or -r)
		 * jail(8) gives its usage rather than ignore them */
		fprintf(stderr, "jail: -%c sets a parameter of a jail given "
				"as param=value; it cannot be used with %s\n",
			paramopt, op == CELL_J8_REMOVE ? "-r or -R"
						       : "a configuration");
		usage(stderr);
		rc = 1;
	} else if (remove_plain || (op == CELL_J8_REMOVE && params)) {
		/* -R, and -r name=/jid=: no configuration, no hooks */
		if (optind >= argc) {
			fprintf(stderr, "jail: -%c needs a jail (or '*')\n",
				remove_plain ? 'R' : 'r');
			rc = 1;
		}
		/* FreeBSD notes a removal here for several jails or a
		 * wildcard */
		bool shown = argc - optind > 1;
		for (int i = optind; i < argc; i++)
			shown |= strchr(argv[i], '*') != NULL;
		for (int i = optind; i < argc; i++) {
			const char *eq = strchr(argv[i], '=');
			if (!eq)
				rc |= do_remove(argv[i], shown);
			else if (!strncmp(argv[i], "name=", 5) ||
				 !strncmp(argv[i], "jid=", 4))
				rc |= do_remove(eq + 1, shown);
		}
	} else if (params) {
		/* one jail from the command line */
		if (cfile) {
			fprintf(stderr, "jail: -f with param=value is not "
					"supported; name the jail instead\n");
			rc = 1;
			goto out;
		}
		for (int i = optind; i < argc; i++) {
			struct cell_error err;
			cell_error_clear(&err);
			if (!strncmp(argv[i], "command=", 8)) {
				/* command= eats the rest of the arguments */
				for (int k = i; k < argc; k++) {
					const char *w = k == i ? argv[k] + 8
							       : argv[k];
					if (cell_param_set(&j, "command", w,
							   k > i, &err) < 0) {
						report(NULL, &err);
						rc = 1;
						goto out;
					}
				}
				break;
			}
			if (cell_param_set_arg(&j, argv[i], &err) < 0) {
				report(NULL, &err);
				rc = 1;
				goto out;
			}
		}
		f.named = cell_param_is_set(&j, cell_param_lookup("name"));
		rc = cell_jail8_run_jail(&o, &j);
	} else if (op == CELL_J8_REMOVE && optind >= argc) {
		/* FreeBSD: -r names its jails ('*' for all); -rc need not */
		usage(stderr);
		rc = 1;
	} else {
		/* jails from jail.conf: the named ones, or all. A removal
		 * goes on without a configuration when -f names no file
		 * (FreeBSD: docf only when the file exists) */
		bool nofile = op == CELL_J8_REMOVE && cfile &&
			      strcmp(cfile, "-") && access(cfile, F_OK);
		struct cell_conf *conf = load(nofile ? "/dev/null" : cfile);
		if (!conf) {
			rc = 1;
			goto out;
		}
		/* a configuration's jails are named; FreeBSD notes their
		 * removal when there is a configuration (docf: a file read),
		 * several jails or a wildcard */
		f.named = true;
		bool docf = cfile ? !nofile
				  : conf->njails > 0 ||
					    !access("/etc/jail.conf", F_OK);
		f.note_removed = docf || argc - optind > 1;
		for (int i = optind; i < argc; i++)
			f.note_removed |= strchr(argv[i], '*') != NULL;
		rc = cell_jail8_run_conf(&o, conf, argv + optind,
					 (size_t)(argc - optind));
		cell_conf_free(conf);
	}
out:
	if (f.jfile && fclose(f.jfile) != 0)
		rc = rc ? rc : 1;
	cell_jail_free(&j);
	return rc;
}
