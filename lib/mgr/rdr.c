/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell rdr NAME tcp|udp HOSTPORT JAILPORT | list | clear: port forwarding
 * from the host to a vnet jail on a bridge. The forwards are the jail's
 * vnet.rdr parameter in its jail.conf (so every start sets them up, as
 * lib/net/vnet.c does for any jail.conf jail); on a running jail they are
 * also added to / removed from cell's nftables table at once through
 * lib/net's runtime calls (cell_nat_rdr_add / _list / _clear).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "mgr/internal.h"
#include "mgr/mgr.h"
#include "net/net.h"

#define RDR_TEXT_MAX 4096

/* The jail's first IPv4 address ("if|a.b.c.d/len" forms too). */
static int first_ip4(const char *list, struct in_addr *a)
{
	char buf[64];
	const char *s = strchr(list, '|');
	s = s ? s + 1 : list;
	size_t n = strcspn(s, "/,");
	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ? 0 : -EINVAL;
}

/* Is proto/host_port forwarded by an entry of the comma list? (exact:
 * to the same jail port too) */
static bool list_has(const char *list, const struct cell_rdr *want,
		     bool exact)
{
	char buf[RDR_TEXT_MAX];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		struct cell_rdr r;
		if (cell_rdr_parse(t, &r, NULL) == 0 &&
		    r.proto == want->proto && r.host_port == want->host_port &&
		    (!exact || r.jail_port == want->jail_port))
			return true;
	}
	return false;
}

static int rdr_add_locked(struct cell_mgr *m, const char *name,
			  const char *spec, struct cell_error *err)
{
	struct cell_rdr rd;
	int r = cell_rdr_parse(spec, &rd, err);
	if (r < 0)
		return r;
	struct cell_mgr_jail ji;
	if ((r = cell_mgr_jail_info(m, name, &ji, err)) < 0)
		return r;
	if (!ji.bridge[0])
		return cell_error_set(err, -EINVAL, "jail '%s' is not a vnet "
				      "jail on a bridge (cell create -B): "
				      "no port forwarding", name);
	if (!ji.ip4[0] || first_ip4(ji.ip4, &rd.jail_addr) < 0)
		return cell_error_set(err, -EINVAL, "jail '%s' has no IPv4 "
				      "address to forward to", name);
	/* a host port goes to one jail only */
	char **all;
	size_t n;
	if ((r = cell_mgr_list_dir(m, "jails", &all, &n, err)) < 0)
		return r;
	char cur[RDR_TEXT_MAX];
	cur[0] = '\0';
	bool same = false;
	for (size_t i = 0; i < n && r == 0; i++) {
		char v[RDR_TEXT_MAX];
		if (cell_mgr_conf_get(m, all[i], "vnet.rdr", v, sizeof(v),
				      NULL) < 0)
			continue;
		if (!strcmp(all[i], name)) {
			snprintf(cur, sizeof(cur), "%s", v);
			if (list_has(v, &rd, true)) {
				same = true; /* added before: nothing to do */
				continue;
			}
		}
		if (list_has(v, &rd, false))
			r = cell_error_set(err, -EADDRINUSE, "host %s port %u "
					   "is already forwarded to jail '%s'",
					   rd.proto == IPPROTO_TCP ? "tcp"
								   : "udp",
					   rd.host_port, all[i]);
	}
	cell_mgr_names_free(all, n);
	if (r < 0 || same)
		return r;
	char next[RDR_TEXT_MAX];
	if (snprintf(next, sizeof(next), "%s%s%s %u %u", cur, *cur ? "," : "",
		     rd.proto == IPPROTO_TCP ? "tcp" : "udp", rd.host_port,
		     rd.jail_port) >= (int)sizeof(next))
		return cell_error_set(err, -E2BIG, "too many forwards");
	if ((r = cell_mgr_conf_set(m, name, "vnet.rdr", next, err)) < 0)
		return r;
	if (!ji.running)
		return 0;
	r = cell_nat_rdr_add(-1, name, &rd, err);
	if (r < 0) /* as it was */
		cell_mgr_conf_set(m, name, "vnet.rdr", *cur ? cur : NULL, NULL);
	return r;
}

static int rdr_clear_locked(struct cell_mgr *m, const char *name,
			    struct cell_error *err)
{
	struct cell_mgr_jail ji;
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if ((r = cell_mgr_conf_set(m, name, "vnet.rdr", NULL, err)) < 0)
		return r;
	return ji.running && ji.bridge[0] ? cell_nat_rdr_clear(-1, name, err)
					  : 0;
}

static int rdr_list(struct cell_mgr *m, const char *name, bool json,
		    FILE *out, struct cell_error *err)
{
	struct cell_mgr_jail ji;
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	char v[RDR_TEXT_MAX];
	if ((r = cell_mgr_conf_get(m, name, "vnet.rdr", v, sizeof(v), err)) <
	    0)
		return r;
	_cleanup_free_ struct cell_rdr *live = NULL;
	size_t nlive = 0;
	if (ji.running && ji.bridge[0] &&
	    (r = cell_nat_rdr_list(-1, name, &live, &nlive, err)) < 0)
		return r;
	if (json)
		fprintf(out, "[");
	bool first = true;
	char buf[RDR_TEXT_MAX];
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		struct cell_rdr rd;
		if (cell_rdr_parse(t, &rd, NULL) < 0)
			continue;
		bool active = false;
		for (size_t i = 0; i < nlive; i++)
			if (live[i].proto == rd.proto &&
			    live[i].host_port == rd.host_port &&
			    live[i].jail_port == rd.jail_port)
				active = true;
		const char *p = rd.proto == IPPROTO_TCP ? "tcp" : "udp";
		if (json)
			fprintf(out, "%s{\"proto\":\"%s\",\"host_port\":%u,"
				"\"jail_port\":%u,\"active\":%s}",
				first ? "" : ",", p, rd.host_port,
				rd.jail_port, active ? "true" : "false");
		else
			fprintf(out, "%s %u %u %s\n", p, rd.host_port,
				rd.jail_port, active ? "active" : "configured");
		first = false;
	}
	if (json)
		fprintf(out, "]\n");
	return 0;
}

int cell_mgr_rdr(struct cell_mgr *m, const char *name, const char *op,
		 const char *spec, bool json, FILE *out,
		 struct cell_error *err)
{
	if (!cell_mgr_name_ok(name))
		return cell_error_set(err, -EINVAL, "invalid jail name '%s'",
				      name);
	if (!strcmp(op, "list"))
		return rdr_list(m, name, json, out, err);
	bool add = !strcmp(op, "add");
	if (!add && strcmp(op, "clear"))
		return cell_error_set(err, -EINVAL, "rdr: unknown operation "
				      "'%s'", op);
	if (add && !spec)
		return cell_error_set(err, -EINVAL, "rdr: add needs "
				      "'tcp|udp HOSTPORT JAILPORT'");
	int r = cell_mgr_lock(m, err);
	if (r < 0)
		return r;
	r = add ? rdr_add_locked(m, name, spec, err)
		: rdr_clear_locked(m, name, err);
	if (r < 0)
		cell_error_context(err, name, "rdr", NULL);
	return cell_mgr_unlock_ret(m, r);
}
