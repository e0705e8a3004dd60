/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAT for jails in cell's own nftables table, "inet cell", and nowhere
 * else: nothing here lists, flushes or changes another table.
 *
 * Each jail owns base chains named after it, so removal takes exactly its
 * rules and nothing else:
 *   masq_JAIL    nat/postrouting  ip saddr NET oifname != BRIDGE masquerade
 *   rdr_JAIL     nat/prerouting   fib daddr type local PROTO dport HOST
 *                                 dnat ip to JAILADDR:JAILPORT
 *   rdrout_JAIL  nat/output       the same, for the host's own connections
 * Every rdr rule carries the comment "cell-rdr JAIL PROTO HOSTPORT ADDR
 * JAILPORT", which is what cell_nat_rdr_list() reads back. The table is
 * deleted when a removal leaves it without chains. Every change is made
 * under cell_net_lock(), so that check and the delete cannot take a
 * concurrent create's fresh chains, nor two jails take one host port.
 */
#include "net/net.h"
#include "net/internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define T "inet " CELL_NFT_TABLE

int cell_nat_name_check(const char *jail, struct cell_error *err)
{
	if (!jail || !*jail)
		return cell_error_set(err, -EINVAL, "empty jail name");
	size_t l = strnlen(jail, 65);
	if (l > 64)
		return cell_error_set(err, -ENAMETOOLONG,
				      "jail name \"%.64s...\" too long for "
				      "nftables chain names (64 bytes)", jail);
	/* chain names are "masq_"/"rdr_"/"rdrout_" + the name, so any of
	 * these may come first */
	for (const char *p = jail; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return cell_error_set(err, -EINVAL,
					      "jail name \"%s\": character "
					      "'%c' not allowed in nftables "
					      "chain names", jail, *p);
	return 0;
}

int cell_rdr_parse(const char *s, struct cell_rdr *out,
		   struct cell_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return cell_error_set(err, -EINVAL, "empty vnet.rdr");
	char proto[8];
	long hp, jp;
	int used = 0;
	if (sscanf(s, " %7s %ld %ld %n", proto, &hp, &jp, &used) != 3 ||
	    s[used] != '\0')
		return cell_error_set(err, -EINVAL,
				      "vnet.rdr \"%s\": expected \"tcp|udp "
				      "HOSTPORT JAILPORT\"", s);
	if (!strcmp(proto, "tcp"))
		out->proto = IPPROTO_TCP;
	else if (!strcmp(proto, "udp"))
		out->proto = IPPROTO_UDP;
	else
		return cell_error_set(err, -EINVAL,
				      "vnet.rdr \"%s\": protocol \"%s\" is "
				      "not tcp or udp", s, proto);
	if (hp < 1 || hp > 65535 || jp < 1 || jp > 65535)
		return cell_error_set(err, -ERANGE,
				      "vnet.rdr \"%s\": ports must be in "
				      "1..65535", s);
	out->host_port = (uint16_t)hp;
	out->jail_port = (uint16_t)jp;
	return 0;
}

static int nft_err(struct cell_error *err, int r, const char *what,
		   const char *jail, char *text)
{
	r = cell_error_set(err, r, "nftables: %s for jail %s: %s", what, jail,
			   text ? text : strerror(-r));
	free(text);
	return r;
}

/* Text of table inet cell; "" when it does not exist. */
static int list_table(int netns_fd, char **out, struct cell_error *err)
{
	char *e = NULL;
	int r = cell_nft_run(netns_fd, "list table " T, false, false, out, &e);
	if (r == -ENOENT || (r == -EINVAL && e && strstr(e, "No such"))) {
		free(e);
		*out = strdup("");
		return *out ? 0 : cell_error_set(err, -ENOMEM,
						 "out of memory");
	}
	if (r < 0) {
		r = cell_error_set(err, r, "nftables: listing table " T ": %s",
				   e ? e : strerror(-r));
		free(e);
		return r;
	}
	free(e);
	return 0;
}

/* Does the listing have "chain NAME {"? */
static bool has_chain(const char *list, const char *name)
{
	size_t l = strlen(name);
	for (const char *p = list; (p = strstr(p, "chain ")); p += 6) {
		if (!strncmp(p + 6, name, l) && !strncmp(p + 6 + l, " {", 2))
			return true;
	}
	return false;
}

int cell_nat_masq_add(int netns_fd, const char *jail,
		      const struct in_addr *net, unsigned int prefix,
		      const char *bridge, struct cell_error *err)
{
	int r = cell_nat_name_check(jail, err);
	if (r < 0)
		return r;
	if (prefix > 32)
		return cell_error_set(err, -ERANGE,
				      "masquerade prefix /%u out of range "
				      "0..32", prefix);
	if (bridge && (r = cell_ifname_check(bridge, err)) < 0)
		return r;
	struct in_addr n = *net;
	if (prefix < 32)
		n.s_addr &= htonl(prefix ? 0xffffffffu << (32 - prefix) : 0);
	char s[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &n, s, sizeof(s));
	char oif[40] = "";
	if (bridge)
		snprintf(oif, sizeof(oif), "oifname != \"%s\" ", bridge);
	_cleanup_free_ char *cmd = NULL;
	if (asprintf(&cmd,
		     "add table " T "\n"
		     "add chain " T " masq_%s { type nat hook postrouting "
		     "priority srcnat; }\n"
		     "flush chain " T " masq_%s\n"
		     "add rule " T " masq_%s ip saddr %s/%u %smasquerade "
		     "comment \"cell-masq %s\"\n",
		     jail, jail, jail, s, prefix, oif, jail) < 0)
		return cell_error_set(err, -ENOMEM, "out of memory");
	int lk = cell_net_lock(err);
	if (lk < 0)
		return lk;
	char *e = NULL;
	r = cell_nft_run(netns_fd, cmd, false, false, NULL, &e);
	cell_net_unlock(lk);
	if (r < 0)
		return nft_err(err, r, "adding masquerade", jail, e);
	return 0;
}

static int parse_rdr_line(const char *c, const char *jail,
			  struct cell_rdr *x)
{
	char j[80], proto[8], addr[INET_ADDRSTRLEN];
	unsigned int hp, jp;
	if (sscanf(c, "cell-rdr %79s %7s %u %15s %u", j, proto, &hp, addr,
		   &jp) != 5)
		return -EINVAL;
	if (jail && strcmp(j, jail))
		return -ENOENT;
	memset(x, 0, sizeof(*x));
	x->proto = !strcmp(proto, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
	x->host_port = (uint16_t)hp;
	x->jail_port = (uint16_t)jp;
	if (inet_pton(AF_INET, addr, &x->jail_addr) != 1)
		return -EINVAL;
	return 0;
}

/* rdr rules in the listing (one per prerouting rule); jail NULL = all. */
static int collect_rdr(const char *list, const char *jail,
		       struct cell_rdr **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	for (const char *p = list; (p = strstr(p, "comment \"cell-rdr "));
	     p++) {
		/* the output chain repeats the rule: count prerouting only */
		const char *c = p + 9;
		const char *chain = NULL;
		for (const char *q = list; q && q < p;
		     q = strstr(q + 1, "chain "))
			if (!strncmp(q, "chain ", 6))
				chain = q;
		if (chain && !strncmp(chain, "chain rdrout_", 13))
			continue;
		struct cell_rdr x;
		if (parse_rdr_line(c, jail, &x) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct cell_rdr *nw = realloc(*out, cap * sizeof(*nw));
			if (!nw) {
				free(*out);
				*out = NULL;
				return -ENOMEM;
			}
			*out = nw;
		}
		(*out)[(*n)++] = x;
	}
	return 0;
}

/* The forwards in table inet cell (of jail `of` only, or all with
 * NULL), once jail's name is checked; *out is malloc'd. */
static int rdr_listed(int netns_fd, const char *jail, const char *of,
		      struct cell_rdr **out, size_t *n, struct cell_error *err)
{
	int r = cell_nat_name_check(jail, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *list = NULL;
	r = list_table(netns_fd, &list, err);
	if (r < 0)
		return r;
	if (collect_rdr(list, of, out, n) < 0)
		return cell_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

static int rdr_add(int netns_fd, const char *jail, const struct cell_rdr *rd,
		   struct cell_error *err)
{
	int r = cell_nat_name_check(jail, err);
	if (r < 0)
		return r;
	if ((rd->proto != IPPROTO_TCP && rd->proto != IPPROTO_UDP) ||
	    rd->host_port == 0 || rd->jail_port == 0)
		return cell_error_set(err, -EINVAL,
				      "rdr for jail %s: protocol must be tcp "
				      "or udp and ports in 1..65535", jail);
	if ((r = cell_ip4_check(&rd->jail_addr, 32, err)) < 0)
		return r;
	const char *proto = rd->proto == IPPROTO_TCP ? "tcp" : "udp";
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &rd->jail_addr, a, sizeof(a));

	/* a host port forwards to one place only */
	if ((r = cell_nat_rdr_check(netns_fd, jail, rd, 1, err)) < 0)
		return r;
	char rule[256];
	snprintf(rule, sizeof(rule),
		 "fib daddr type local %s dport %u dnat ip to %s:%u "
		 "comment \"cell-rdr %s %s %u %s %u\"",
		 proto, rd->host_port, a, rd->jail_port, jail, proto,
		 rd->host_port, a, rd->jail_port);
	_cleanup_free_ char *cmd = NULL;
	if (asprintf(&cmd,
		     "add table " T "\n"
		     "add chain " T " rdr_%s { type nat hook prerouting "
		     "priority dstnat; }\n"
		     "add chain " T " rdrout_%s { type nat hook output "
		     "priority -100; }\n"
		     "add rule " T " rdr_%s meta nfproto ipv4 %s\n"
		     "add rule " T " rdrout_%s meta nfproto ipv4 %s\n",
		     jail, jail, jail, rule, jail, rule) < 0)
		return cell_error_set(err, -ENOMEM, "out of memory");
	char *e = NULL;
	r = cell_nft_run(netns_fd, cmd, false, false, NULL, &e);
	if (r < 0)
		return nft_err(err, r, "adding rdr", jail, e);
	return 0;
}

int cell_nat_rdr_check(int netns_fd, const char *jail,
		       const struct cell_rdr *rd, size_t n,
		       struct cell_error *err)
{
	_cleanup_free_ struct cell_rdr *all = NULL;
	size_t na = 0;
	int r = rdr_listed(netns_fd, jail, NULL, &all, &na, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool taken = false;
		for (size_t k = 0; k < na && !taken; k++)
			taken = all[k].proto == rd[i].proto &&
				all[k].host_port == rd[i].host_port;
		for (size_t k = 0; k < i && !taken; k++)
			taken = rd[k].proto == rd[i].proto &&
				rd[k].host_port == rd[i].host_port;
		if (taken)
			return cell_error_set(err, -EADDRINUSE,
					      "rdr %s %u for jail %s: host "
					      "port already forwarded",
					      rd[i].proto == IPPROTO_TCP
						      ? "tcp" : "udp",
					      rd[i].host_port, jail);
	}
	return 0;
}

/* the check that the host port is free and the add, as one */
int cell_nat_rdr_add(int netns_fd, const char *jail, const struct cell_rdr *rd,
		     struct cell_error *err)
{
	int lk = cell_net_lock(err);
	if (lk < 0)
		return lk;
	int r = rdr_add(netns_fd, jail, rd, err);
	cell_net_unlock(lk);
	return r;
}

int cell_nat_rdr_list(int netns_fd, const char *jail, struct cell_rdr **out,
		      size_t *n, struct cell_error *err)
{
	*out = NULL;
	*n = 0;
	return rdr_listed(netns_fd, jail, jail, out, n, err);
}

/* Delete those of the jail's chains in `which` that exist; then the
 * table if no chain is left. */
static int delete_chains_locked(int netns_fd, const char *jail,
				const char *const *which, size_t nwhich,
				struct cell_error *err)
{
	_cleanup_free_ char *list = NULL;
	int r = list_table(netns_fd, &list, err);
	if (r < 0)
		return r;
	if (!*list)
		return 0;
	char cmd[1024] = "";
	size_t used = 0;
	for (size_t i = 0; i < nwhich; i++) {
		char name[96];
		snprintf(name, sizeof(name), "%s_%s", which[i], jail);
		if (!has_chain(list, name))
			continue;
		used += (size_t)snprintf(cmd + used, sizeof(cmd) - used,
					 "delete chain " T " %s\n", name);
	}
	if (used) {
		char *e = NULL;
		r = cell_nft_run(netns_fd, cmd, false, false, NULL, &e);
		if (r < 0)
			return nft_err(err, r, "deleting chains", jail, e);
	}
	free(list);
	list = NULL;
	r = list_table(netns_fd, &list, err);
	if (r < 0)
		return r;
	if (*list && !strstr(list, "chain ")) {
		char *e = NULL;
		r = cell_nft_run(netns_fd, "delete table " T, false, false,
				 NULL, &e);
		if (r < 0)
			return nft_err(err, r, "deleting table " T, jail, e);
	}
	return 0;
}

/* Under the lock: "no chain is left, so delete the table" would
 * otherwise delete the chains a concurrent create has just added. */
static int delete_chains(int netns_fd, const char *jail,
			 const char *const *which, size_t nwhich,
			 struct cell_error *err)
{
	int lk = cell_net_lock(err);
	if (lk < 0)
		return lk;
	int r = delete_chains_locked(netns_fd, jail, which, nwhich, err);
	cell_net_unlock(lk);
	return r;
}

int cell_nat_rdr_clear(int netns_fd, const char *jail, struct cell_error *err)
{
	int r = cell_nat_name_check(jail, err);
	if (r < 0)
		return r;
	static const char *const w[] = { "rdr", "rdrout" };
	return delete_chains(netns_fd, jail, w, ARRAY_SIZE(w), err);
}

int cell_nat_remove(int netns_fd, const char *jail, struct cell_error *err)
{
	int r = cell_nat_name_check(jail, err);
	if (r < 0)
		return r;
	static const char *const w[] = { "rdr", "rdrout", "masq" };
	return delete_chains(netns_fd, jail, w, ARRAY_SIZE(w), err);
}
