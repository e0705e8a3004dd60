/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jls(8): list jails.
 *
 *   jls [--libxo json] [-dhNnqsv] [-j jail] [param ... | all]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lifecycle.h"
#include "param.h"
#include "util.h"

static bool opt_d, opt_h, opt_N, opt_n, opt_q, opt_s, opt_v, opt_json;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: jls [--libxo json] [-dhNnqsv] [-j jail] [param ... | all]\n"
		"\n"
		"  -d  also list dying jails     -h  header line of names\n"
		"  -N  names instead of jids     -n  name=value form\n"
		"  -q  quote values with spaces  -s  parameters jail(8) accepts\n"
		"  -v  verbose summary           -j  jail  only this jail\n"
		"  --libxo json   JSON output (FreeBSD's layout)\n");
}

static void first_ip(const struct cell_jail *j, char *buf, size_t len)
{
	buf[0] = '\0';
	if (j->ip4_addr_n)
		inet_ntop(AF_INET, &j->ip4_addr[0].addr, buf, (socklen_t)len);
	else if (j->ip6_addr_n)
		inet_ntop(AF_INET6, &j->ip6_addr[0].addr, buf, (socklen_t)len);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void print_value(const struct cell_jail *j, const struct cell_param *p)
{
	char buf[CELL_VALUE_MAX * 2];
	cell_param_format(j, p, buf, sizeof(buf));
	bool list = p->type == CELL_PT_IP4 || p->type == CELL_PT_IP6 ||
		    p->type == CELL_PT_LIST;
	if (opt_q)
		cell_param_quote(stdout, buf);
	else if (!*buf && !list)
		/* as FreeBSD's: an empty string is always "", so that a
		 * column of values still splits into its fields */
		fputs("\"\"", stdout);
	else if (!*buf && !opt_n)
		fputs("-", stdout); /* and an empty list "-" (-n: nothing) */
	else
		fputs(buf, stdout);
}

static bool all_params;

static int list_params(const struct cell_record *rec, char **params, int np,
		       bool *first_json)
{
	const struct cell_jail *j = &rec->jail;
	if (opt_json) {
		printf("%s{", *first_json ? "" : ",");
		*first_json = false;
		bool firstkey = true;
		for (int i = 0; i < np; i++) {
			const struct cell_param *p = cell_param_lookup(params[i]);
			const char *kv;
			if (!p && cell_param_kv_get(j, params[i], &kv) == 0) {
				printf("%s", firstkey ? "" : ",");
				firstkey = false;
				json_string(stdout, params[i]);
				fputc(':', stdout);
				json_string(stdout, kv ? kv : "");
				continue;
			}
			if (all_params && p->type == CELL_PT_UNSUPPORTED &&
			    !cell_param_is_set(j, p))
				continue;
			char buf[CELL_VALUE_MAX * 2];
			cell_param_format(j, p, buf, sizeof(buf));
			if (p->type == CELL_PT_KV) {
				/* FreeBSD's meta and env are one string of
				 * KEY=value lines */
				bool meta = !strcmp(p->name, "meta");
				const struct cell_kv *a = meta ? j->meta : j->env;
				size_t n = meta ? j->meta_n : j->env_n;
				size_t l = 0;
				buf[0] = '\0';
				for (size_t k = 0; k < n && l < sizeof(buf); k++)
					l += (size_t)snprintf(buf + l,
							      sizeof(buf) - l,
							      "%s=%s\n",
							      a[k].key,
							      a[k].value);
			}
			printf("%s", firstkey ? "" : ",");
			firstkey = false;
			json_string(stdout, params[i]);
			fputc(':', stdout);
			if (p->type == CELL_PT_INT)
				fputs(buf, stdout);
			else if (p->type == CELL_PT_BOOL)
				fputs(buf, stdout);
			else
				json_string(stdout, buf);
		}
		printf("}");
		return 0;
	}
	bool first = true;
	for (int i = 0; i < np; i++) {
		const struct cell_param *p = cell_param_lookup(params[i]);
		const char *kv;
		if (!p && cell_param_kv_get(j, params[i], &kv) == 0) {
			/* meta.KEY / env.KEY: one key's value, as FreeBSD's
			 * jls prints it */
			printf("%s%s%s", first ? "" : " ",
			       opt_n ? params[i] : "", opt_n ? "=" : "");
			first = false;
			if (opt_q || !kv || !*kv)
				cell_param_quote(stdout, kv ? kv : "");
			else
				fputs(kv, stdout);
			continue;
		}
		if (all_params && p->type == CELL_PT_UNSUPPORTED &&
		    !cell_param_is_set(j, p))
			continue;
		if (p->type == CELL_PT_KV) {
			bool meta = !strcmp(p->name, "meta");
			const struct cell_kv *a = meta ? j->meta : j->env;
			size_t n = meta ? j->meta_n : j->env_n;
			for (size_t k = 0; k < n; k++) {
				printf("%s%s.%s=", first ? "" : " ", p->name,
				       a[k].key);
				first = false;
				cell_param_quote(stdout, a[k].value);
			}
			continue;
		}
		if (!first)
			fputc(' ', stdout);
		first = false;
		if (opt_n) {
			/* FreeBSD prints a boolean in name=value form as
			 * its name or its "no" name, with -n as with -s */
			if (p->type == CELL_PT_BOOL) {
				bool v = *(const bool *)((const char *)j +
							 p->offset);
				if (v)
					fputs(p->name, stdout);
				else {
					const char *dot = strrchr(p->name, '.');
					if (dot)
						printf("%.*sno%s",
						       (int)(dot - p->name + 1),
						       p->name, dot + 1);
					else
						printf("no%s", p->name);
				}
				continue;
			}
			printf("%s=", p->name);
		}
		print_value(j, p);
	}
	fputc('\n', stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int c;
	static const struct option_map {
		const char *name;
	} unused = { NULL };
	(void)unused;

	/* --libxo json (FreeBSD's libxo flag), before getopt */
	int w = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strncmp(argv[i], "--libxo", 7)) {
			const char *fmt = argv[i][7] == '=' ? argv[i] + 8
				: i + 1 < argc ? argv[++i] : "";
			if (strncmp(fmt, "json", 4)) {
				fprintf(stderr, "jls: --libxo: only json is "
						"supported\n");
				return 1;
			}
			opt_json = true;
			continue;
		}
		argv[w++] = argv[i];
	}
	argc = w;
	argv[argc] = NULL;

	while ((c = getopt(argc, argv, "+adhj:Nnqsv")) != -1) {
		switch (c) {
		case 'a':   /* FreeBSD's jls: as -d */
		case 'd':
			opt_d = true;
			break;
		/* -h, -n, -s and -v clear the formats they exclude, as in
		 * FreeBSD's jls: the last one given wins */
		case 'h':
			opt_h = true;
			opt_s = opt_v = false;
			break;
		case 'j':
			only = optarg;
			break;
		case 'N':
			opt_N = true;
			break;
		case 'n':
			opt_n = true;
			opt_v = false;
			break;
		case 'q':
			opt_q = true;
			break;
		case 's':
			opt_s = opt_n = opt_q = true;
			opt_h = opt_v = false;
			break;
		case 'v':
			opt_v = true;
			opt_h = opt_n = opt_s = false;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}

	/* parameter list: named, "all", or implied by -h/-n/-s */
	char **params = NULL;
	int np = 0;
	bool all = (opt_n || opt_h) && optind == argc;
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "all"))
			all = true;
	params = calloc(cell_params_count + (size_t)argc + 1, sizeof(char *));
	if (!params)
		return 1;
	all_params = all;
	if (all) {
		for (size_t i = 0; i < cell_params_count; i++) {
			const struct cell_param *p = &cell_params[i];
			/* a parameter without Linux meaning only in the
			 * name=value forms, and there only when set
			 * (list_params): jls -s output given back to jail
			 * keeps it, as FreeBSD's keeps osrelease */
			/* meta and env, key by key, in the name=value forms
			 * (list_params), so that jls -s keeps them */
			if (p->type == CELL_PT_ARGV ||
			    ((p->type == CELL_PT_KV ||
			      p->type == CELL_PT_UNSUPPORTED) && !opt_n))
				continue;
			if (opt_s && ((p->flags & (CELL_PF_RDONLY |
						   CELL_PF_JAIL8)) ||
				      !strcmp(p->name, "jid")))
				continue;
			params[np++] = (char *)p->name;
		}
	} else {
		for (int i = optind; i < argc; i++) {
			/* meta.KEY / env.KEY: a name of a key (no jail holds
			 * any, so only the name is judged) */
			static const struct cell_jail none;
			const char *kv;
			bool key = cell_param_kv_get(&none, argv[i], &kv) == 0;
			if (!key && !cell_param_lookup(argv[i])) {
				fprintf(stderr, "jls: unknown parameter: %s\n",
					argv[i]);
				free(params);
				return 1;
			}
			params[np++] = argv[i];
		}
	}

	struct cell_error err;
	cell_error_clear(&err);
	int lock = cell_state_lock(&err);
	if (lock >= 0) {
		cell_repair(lock, NULL);
		cell_state_unlock(lock);
	}
	int *jids = NULL;
	size_t n = 0;
	if (cell_state_list(&jids, &n, &err) < 0) {
		char buf[512];
		fprintf(stderr, "jls: %s\n", cell_error_format(&err, buf,
							       sizeof(buf)));
		free(params);
		return 1;
	}

	bool first_json = true;
	if (opt_json)
		printf("{\"__version\": \"2\", \"jail-information\": "
		       "{\"jail\": [");
	else if (np && opt_h) {
		for (int i = 0; i < np; i++)
			printf("%s%s", i ? " " : "", params[i]);
		printf("\n");
	} else if (!np) {
		/* FreeBSD prints the header with -q too: -q only quotes */
		if (opt_v)
			printf("   JID  Hostname                      Path\n"
			       "        Name                          State\n"
			       "        CPUSetID\n"
			       "        IP Address(es)\n");
		else if (opt_N)
			/* FreeBSD's -N layout: the name in a 15-wide column
			 * after one space, not in the jid's 6 */
			printf(" %-15s %-15s %-29s %s\n", "JID", "IP Address",
			       "Hostname", "Path");
		else
			printf("   JID  IP Address      Hostname"
			       "                      Path\n");
	}
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		struct cell_record rec;
		if (cell_state_load(jids[i], &rec, NULL) < 0)
			continue;
		bool dying = rec.state != CELL_REC_ACTIVE;
		bool show = (!dying || opt_d) &&
			    (rec.state != CELL_REC_CREATING);
		if (only) {
			/* a number is a jid, as FreeBSD's strtoul reads it
			 * ("01" too); a name is never all digits */
			long jid;
			show = show &&
			       (cell_parse_int(only, 1, CELL_JID_MAX, &jid) == 0
					? jid == rec.jail.jid
					: !strcmp(only, rec.jail.name));
		}
		if (!show) {
			cell_record_free(&rec);
			continue;
		}
		found++;
		/* FreeBSD names a jail made without a name by its jid */
		if (!rec.jail.name[0])
			snprintf(rec.jail.name, sizeof(rec.jail.name), "%d",
				 rec.jail.jid);
		const struct cell_jail *j = &rec.jail;
		char ip[64];
		first_ip(j, ip, sizeof(ip));
		if (np) {
			list_params(&rec, params, np, &first_json);
		} else if (opt_json) {
			printf("%s{\"jid\":%d,\"ipv4\":", first_json ? "" : ",",
			       j->jid);
			first_json = false;
			char v4[INET_ADDRSTRLEN] = "";
			if (j->ip4_addr_n)
				inet_ntop(AF_INET, &j->ip4_addr[0].addr, v4,
					  sizeof(v4));
			json_string(stdout, v4);
			printf(",\"hostname\":");
			json_string(stdout, j->hostname);
			printf(",\"path\":");
			json_string(stdout, j->path);
			if (opt_v) {
				printf(",\"name\":");
				json_string(stdout, j->name);
				printf(",\"state\":\"%s\",\"cpusetid\":0,"
				       "\"ipv4_addrs\":[",
				       dying ? "DYING" : "ACTIVE");
				for (size_t k = 0; k < j->ip4_addr_n; k++) {
					char s[INET_ADDRSTRLEN];
					inet_ntop(AF_INET, &j->ip4_addr[k].addr,
						  s, sizeof(s));
					printf("%s\"%s\"", k ? "," : "", s);
				}
				printf("],\"ipv6_addrs\":[");
				for (size_t k = 0; k < j->ip6_addr_n; k++) {
					char s[INET6_ADDRSTRLEN];
					inet_ntop(AF_INET6,
						  &j->ip6_addr[k].addr, s,
						  sizeof(s));
					printf("%s\"%s\"", k ? "," : "", s);
				}
				printf("]");
			}
			printf("}");
		} else if (opt_v) {
			/* FreeBSD's -v shows the jid with -N too (the name
			 * is on the next line) */
			printf("%6d  %-29.29s %.74s\n", j->jid, j->hostname,
			       j->path);
			printf("%6s  %-29.29s %.74s\n", "", j->name,
			       dying ? "DYING" : "ACTIVE");
			printf("%6s  %d\n", "", 0);
			for (size_t k = 0; k < j->ip4_addr_n; k++) {
				char s[INET_ADDRSTRLEN];
				inet_ntop(AF_INET, &j->ip4_addr[k].addr, s,
					  sizeof(s));
				printf("%6s  %s\n", "", s);
			}
			for (size_t k = 0; k < j->ip6_addr_n; k++) {
				char s[INET6_ADDRSTRLEN];
				inet_ntop(AF_INET6, &j->ip6_addr[k].addr, s,
					  sizeof(s));
				printf("%6s  %s\n", "", s);
			}
		} else {
			if (opt_N)
				printf(" %-15s %-15.15s %-29.29s %.74s\n",
				       j->name, ip, j->hostname, j->path);
			else
				printf("%6d  %-15.15s %-29.29s %.74s\n",
				       j->jid, ip, j->hostname, j->path);
		}
		cell_record_free(&rec);
	}
	if (opt_json)
		printf("]}}\n");
	free(jids);
	free(params);
	if (only && !found) {
		fprintf(stderr, "jls: jail \"%s\" not found\n", only);
		return 1;
	}
	return 0;
}
