/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A struct cell_jail's network parameters onto the parts of lib/net, in
 * one fixed order (setup) and its reverse (teardown):
 *   lo up → vnet.interface in (and up) → epair on vnet.bridge → IPv6 on →
 *   ip4.addr / ip6.addr → default routes → vnet.nat → vnet.rdr →
 *   vnet.firewall
 * The addresses live on the jail's own interfaces and go with the netns;
 * everything on the host side (epair, bridge made by cell, nft chains) is
 * taken by the teardown, by name.
 */
#include "net/net.h"
#include "net/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "policy.h"
#include "state.h"

/*
 * vnet.interface: which device went in, so that removal gives back that
 * one and no other. By name it could not be: the jail may rename the
 * real interface and make another under its name, and the impostor would
 * be moved into the host while the real one was lost with the netns.
 * One line per device, "NAME INDEX KIND PERM" (cell_link_id; "-" for an
 * empty kind or no permanent MAC), in <run dir>/vnetif/<jail name>,
 * beside the jail's record (whose format is the state code's).
 */
static int vnetif_path(const char *jail, char *buf, size_t len, bool mk)
{
	char dir[512];
	if (snprintf(dir, sizeof(dir), "%s/vnetif", cell_run_dir()) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (mk && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (snprintf(buf, len, "%s/%s", dir, jail) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static void vnetif_forget(const char *jail)
{
	char path[768];
	if (vnetif_path(jail, path, sizeof(path), false) == 0)
		unlink(path);
}

static int vnetif_save(const char *jail, const struct cell_link_id *ids,
		       size_t n, struct cell_error *err)
{
	char path[768], tmp[800];
	int r = vnetif_path(jail, path, sizeof(path), true);
	if (r < 0)
		return cell_error_errno(err, r, "recording vnet.interface");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC |
				      O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cell_error_errno(err, -errno, "creating %s", tmp);
	for (size_t i = 0; i < n; i++) {
		char line[128], perm[20] = "-";
		const uint8_t *p = ids[i].perm;
		if (ids[i].has_perm)
			snprintf(perm, sizeof(perm),
				 "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1],
				 p[2], p[3], p[4], p[5]);
		int l = snprintf(line, sizeof(line), "%s %d %s %s\n",
				 ids[i].name, ids[i].index,
				 ids[i].kind[0] ? ids[i].kind : "-", perm);
		if (write(fd, line, (size_t)l) != l) {
			r = cell_error_errno(err, -EIO, "writing %s", tmp);
			unlink(tmp);
			return r;
		}
	}
	if (rename(tmp, path) < 0) {
		r = cell_error_errno(err, -errno, "renaming %s", tmp);
		unlink(tmp);
		return r;
	}
	return 0;
}

/* The recorded devices, at most max; 0 when there is no record. */
static size_t vnetif_load(const char *jail, struct cell_link_id *ids,
			  size_t max)
{
	char path[768];
	if (vnetif_path(jail, path, sizeof(path), false) < 0)
		return 0;
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = 0;
	char line[256];
	while (n < max && fgets(line, sizeof(line), f)) {
		struct cell_link_id *id = &ids[n];
		char perm[20];
		unsigned int p[6];
		memset(id, 0, sizeof(*id));
		if (sscanf(line, "%15s %d %15s %19s", id->name, &id->index,
			   id->kind, perm) != 4 || id->index <= 0)
			continue;
		if (!strcmp(id->kind, "-"))
			id->kind[0] = '\0';
		if (sscanf(perm, "%2x:%2x:%2x:%2x:%2x:%2x", &p[0], &p[1], &p[2],
			   &p[3], &p[4], &p[5]) == 6) {
			for (int k = 0; k < 6; k++)
				id->perm[k] = (uint8_t)p[k];
			id->has_perm = true;
		}
		n++;
	}
	return n;
}

/* Interface an address goes on: "if|addr" form, else the epair's jail
 * end, else the first vnet.interface. */
static const char *addr_ifname(const struct cell_jail *j, const char *given,
			       const struct cell_epair_names *nm)
{
	if (given && *given)
		return given;
	if (j->vnet_bridge[0])
		return nm->jail;
	if (j->vnet_interface.n)
		return j->vnet_interface.v[0];
	return NULL;
}

/*
 * vnet.defaultrouter / vnet.ipv6_defaultrouter: an address, or "auto":
 * the first address of the network of the jail's first ip4.addr (ip6.addr),
 * which cell also puts on the bridge when the bridge is cell's own, so a
 * jail on a bridge cell made reaches the host, and through vnet.nat the
 * rest, with no further setup. (On a bridge of the admin's, the admin
 * gives the bridge its address.)
 */
static int default_routers(const struct cell_jail *j, struct in_addr *gw4,
			   bool *has4, struct in6_addr *gw6, bool *has6,
			   bool *added4, bool *added6, struct cell_error *err)
{
	struct cell_link_info bi;
	struct cell_nl nl;
	bool cells_bridge = false;
	if (j->vnet_bridge[0] && cell_nl_open(&nl, -1, NULL) == 0) {
		cells_bridge = cell_link_get(&nl, j->vnet_bridge, &bi, NULL) ==
				       0 &&
			       !strcmp(bi.alias, CELL_BRIDGE_ALIAS);
		cell_nl_close(&nl);
	}
	if (j->vnet_defaultrouter[0]) {
		if (strcmp(j->vnet_defaultrouter, "auto")) {
			inet_pton(AF_INET, j->vnet_defaultrouter, gw4);
		} else {
			if (!j->ip4_addr_n || j->ip4_addr[0].prefix > 30)
				return cell_error_set(err, -EINVAL,
						      "vnet.defaultrouter=auto "
						      "needs an ip4.addr with a "
						      "prefix of at most 30");
			uint32_t a = ntohl(j->ip4_addr[0].addr.s_addr);
			uint32_t mask = ~0U << (32 - j->ip4_addr[0].prefix);
			uint32_t g = (a & mask) + 1;
			if (g == a)
				return cell_error_set(err, -EINVAL,
						      "vnet.defaultrouter=auto "
						      "would be the jail's own "
						      "address: name one");
			gw4->s_addr = htonl(g);
			if (cells_bridge) {
				int r = cell_addr_add4(-1, j->vnet_bridge, gw4,
						       j->ip4_addr[0].prefix,
						       err);
				if (r < 0 && r != -EEXIST)
					return r;
				*added4 = r == 0;
				cell_error_clear(err);
			}
		}
		*has4 = true;
	}
	if (j->vnet_defaultrouter6[0]) {
		if (strcmp(j->vnet_defaultrouter6, "auto")) {
			inet_pton(AF_INET6, j->vnet_defaultrouter6, gw6);
		} else {
			if (!j->ip6_addr_n || j->ip6_addr[0].prefix > 126)
				return cell_error_set(err, -EINVAL,
						      "vnet.ipv6_defaultrouter="
						      "auto needs an ip6.addr "
						      "with a prefix of at most "
						      "126");
			struct in6_addr g = j->ip6_addr[0].addr;
			unsigned p = j->ip6_addr[0].prefix;
			for (unsigned b = p; b < 128; b++)
				g.s6_addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			g.s6_addr[15] |= 1;
			if (!memcmp(&g, &j->ip6_addr[0].addr, sizeof(g)))
				return cell_error_set(err, -EINVAL,
						      "vnet.ipv6_defaultrouter="
						      "auto would be the jail's "
						      "own address: name one");
			*gw6 = g;
			if (cells_bridge) {
				/* the host's: this bridge only, never
				 * all/default */
				int r = cell_ipv6_enable_if(j->vnet_bridge,
							    err);
				if (r == 0)
					r = cell_addr_add6(-1, j->vnet_bridge,
							   gw6, p, err);
				if (r < 0 && r != -EEXIST)
					return r;
				*added6 = r == 0;
				cell_error_clear(err);
			}
		}
		*has6 = true;
	}
	return 0;
}

bool cell_vnet_host_side(const struct cell_jail *j,
			 const struct cell_vnet_opts *o)
{
	return j->vnet_interface.n || j->vnet_bridge[0] || j->ip4_addr_n ||
	       j->ip6_addr_n || (o && (o->has_gw4 || o->has_gw6)) ||
	       j->vnet_defaultrouter[0] || j->vnet_defaultrouter6[0] ||
	       j->vnet_nat || j->vnet_rdr.n || j->vnet_firewall[0];
}

/* What one cell_vnet_setup call made on the host side, so that its
 * failure takes back that and nothing else: a name-based teardown would
 * also take what another jail whose interface name hashes alike (or a
 * concurrent create of the same subnet) made. */
struct made {
	size_t moved;            /* vnet.interface moved in (ids[0..]) */
	bool epair, bridge;
	bool gw4, gw6;           /* gateway addresses put on the bridge */
	bool nat;                /* masq or rdr chains added */
};

static void undo_setup(const struct cell_jail *j, int netns_fd,
		       const struct made *m, const struct cell_link_id *ids,
		       const struct in_addr *gw4, const struct in6_addr *gw6)
{
	struct cell_error e;
	if (m->nat)
		cell_nat_remove(-1, j->name, &e);
	if (m->gw4)
		cell_addr_del4(-1, j->vnet_bridge, gw4, j->ip4_addr[0].prefix,
			       &e);
	if (m->gw6)
		cell_addr_del6(-1, j->vnet_bridge, gw6, j->ip6_addr[0].prefix,
			       &e);
	if (m->epair)
		cell_epair_destroy(j->name, 0, &e);
	if (m->bridge)
		cell_bridge_remove_if_unused(j->vnet_bridge, &e);
	for (size_t i = m->moved; i-- > 0;)
		cell_link_move_out(&ids[i], netns_fd, &e);
	vnetif_forget(j->name);
}

int cell_vnet_setup(const struct cell_jail *j, int netns_fd,
		    const struct cell_vnet_opts *o, struct cell_error *err)
{
	static const struct cell_vnet_opts defaults = {
		.bridge_autocreate = true };
	if (!o)
		o = &defaults;
	if (!j->vnet)
		return cell_error_set(err, -EINVAL, "jail %s is not a vnet "
				      "jail", j->name);
	if (netns_fd < 0)
		return cell_error_set(err, -EBADF, "jail %s: no netns",
				      j->name);
	int r;
	struct cell_epair_names nm = { "", "" };
	/* check everything that can be checked before building anything */
	if (j->vnet_bridge[0] &&
	    (r = cell_epair_names(j->name, 0, &nm, err)) < 0)
		return r;
	if ((j->vnet_nat || j->vnet_rdr.n) &&
	    (r = cell_nat_name_check(j->name, err)) < 0)
		return r;
	for (size_t i = 0; i < j->ip4_addr_n; i++)
		if ((r = cell_ip4_check(&j->ip4_addr[i].addr,
					j->ip4_addr[i].prefix, err)) < 0)
			return r;
	for (size_t i = 0; i < j->ip6_addr_n; i++)
		if ((r = cell_ip6_check(&j->ip6_addr[i].addr,
					j->ip6_addr[i].prefix, err)) < 0)
			return r;
	_cleanup_free_ struct cell_rdr *rdr = NULL;
	if (j->vnet_rdr.n) {
		if (!j->ip4_addr_n)
			return cell_error_set(err, -EINVAL,
					      "vnet.rdr needs an ip4.addr");
		rdr = calloc(j->vnet_rdr.n, sizeof(*rdr));
		if (!rdr)
			return cell_error_set(err, -ENOMEM, "out of memory");
		for (size_t i = 0; i < j->vnet_rdr.n; i++) {
			if ((r = cell_rdr_parse(j->vnet_rdr.v[i], &rdr[i],
						err)) < 0)
				return r;
			rdr[i].jail_addr = j->ip4_addr[0].addr;
		}
	}
	if (j->vnet_nat && !j->ip4_addr_n)
		return cell_error_set(err, -EINVAL,
				      "vnet.nat needs an ip4.addr");
	/* a host port another jail forwards is refused before anything is
	 * built (cell_nat_rdr_add checks again, under the nft lock) */
	if (j->vnet_rdr.n &&
	    (r = cell_nat_rdr_check(-1, j->name, rdr, j->vnet_rdr.n, err)) < 0)
		return r;

	struct made made = { 0 };
	struct in_addr gw4 = o->gw4;
	struct in6_addr gw6 = o->gw6;
	bool has_gw4 = o->has_gw4, has_gw6 = o->has_gw6;
	/* a record left by an earlier jail of the name is stale: this one
	 * has moved nothing in yet */
	vnetif_forget(j->name);
	_cleanup_free_ struct cell_link_id *ids = NULL;
	if (j->vnet_interface.n &&
	    !(ids = calloc(j->vnet_interface.n, sizeof(*ids))))
		return cell_error_set(err, -ENOMEM, "out of memory");
	if ((r = cell_link_set_up(netns_fd, "lo", true, err)) < 0)
		goto fail;
	/* a move takes an interface down; up inside, as jib does. Each one
	 * is recorded as soon as it is in, for the undo below and for
	 * removal. */
	for (size_t i = 0; i < j->vnet_interface.n; i++) {
		if ((r = cell_link_move_in(j->vnet_interface.v[i], netns_fd,
					   &ids[i], err)) < 0)
			goto fail;
		made.moved = i + 1;
		if ((r = vnetif_save(j->name, ids, i + 1, err)) < 0 ||
		    (r = cell_link_set_up(netns_fd, j->vnet_interface.v[i],
					  true, err)) < 0)
			goto fail;
	}
	if (j->vnet_bridge[0]) {
		if ((r = cell_epair_create(j->name, 0, j->vnet_bridge,
					   o->bridge_autocreate,
					   (unsigned)j->vnet_mtu, netns_fd,
					   &nm, &made.bridge, err)) < 0)
			goto fail;
		made.epair = true;
	}
	if (j->ip6_addr_n || o->has_gw6 || j->vnet_defaultrouter6[0]) {
		const char *ifn = addr_ifname(j, NULL, &nm);
		if ((r = cell_ipv6_enable(netns_fd, ifn, err)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < j->ip4_addr_n; i++) {
		const char *ifn = addr_ifname(j, j->ip4_addr[i].ifname, &nm);
		if (!ifn) {
			r = cell_error_set(err, -EINVAL,
					   "ip4.addr: no interface to put it "
					   "on (set vnet.bridge or "
					   "vnet.interface)");
			goto fail;
		}
		if ((r = cell_addr_add4(netns_fd, ifn, &j->ip4_addr[i].addr,
					j->ip4_addr[i].prefix, err)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < j->ip6_addr_n; i++) {
		const char *ifn = addr_ifname(j, j->ip6_addr[i].ifname, &nm);
		if (!ifn) {
			r = cell_error_set(err, -EINVAL,
					   "ip6.addr: no interface to put it "
					   "on (set vnet.bridge or "
					   "vnet.interface)");
			goto fail;
		}
		if ((r = cell_addr_add6(netns_fd, ifn, &j->ip6_addr[i].addr,
					j->ip6_addr[i].prefix, err)) < 0)
			goto fail;
	}
	if ((r = default_routers(j, &gw4, &has_gw4, &gw6, &has_gw6,
				 &made.gw4, &made.gw6, err)) < 0)
		goto fail;
	if (has_gw4 &&
	    (r = cell_route_default4(netns_fd, addr_ifname(j, NULL, &nm),
				     &gw4, err)) < 0)
		goto fail;
	if (has_gw6 &&
	    (r = cell_route_default6(netns_fd, addr_ifname(j, NULL, &nm),
				     &gw6, err)) < 0)
		goto fail;
	/* the chains are named after the jail's full name: all of them are
	 * this jail's (a failed add may have left a part) */
	made.nat = j->vnet_nat || j->vnet_rdr.n;
	if (j->vnet_nat &&
	    (r = cell_nat_masq_add(-1, j->name, &j->ip4_addr[0].addr,
				   j->ip4_addr[0].prefix,
				   j->vnet_bridge[0] ? j->vnet_bridge : NULL,
				   err)) < 0)
		goto fail;
	for (size_t i = 0; i < j->vnet_rdr.n; i++)
		if ((r = cell_nat_rdr_add(-1, j->name, &rdr[i], err)) < 0)
			goto fail;
	if (j->vnet_firewall[0] &&
	    (r = cell_firewall_load(netns_fd, j->vnet_firewall, err)) < 0)
		goto fail;
	return 0;
fail:
	undo_setup(j, netns_fd, &made, ids, &gw4, &gw6);
	return r;
}

int cell_vnet_teardown(const struct cell_jail *j, int netns_fd,
		       struct cell_error *err)
{
	/* nothing but lo: nothing of it outside the netns, which goes with
	 * the jail's last process */
	if (!cell_vnet_host_side(j, NULL))
		return 0;
	int first = 0, r;
	struct cell_error e;
#define KEEP(call)                                             \
	do {                                                   \
		cell_error_clear(&e);                          \
		r = (call);                                    \
		if (r < 0 && !first) {                         \
			first = r;                             \
			if (err)                               \
				*err = e;                      \
		}                                              \
	} while (0)
	/* whatever the record says: forwards added while the jail ran
	 * (cell rdr, cell_nat_rdr_add) are not in it, and chains left
	 * behind would forward to the next jail given the address.
	 * cell_nat_remove deletes only the jail's own chains and is
	 * tolerant of their absence. (A jail with nothing but lo, above,
	 * has no bridge, and cell rdr adds no forward without one.) */
	if (cell_nat_name_check(j->name, NULL) == 0)
		KEEP(cell_nat_remove(-1, j->name, &e));
	if (j->vnet_bridge[0]) {
		KEEP(cell_epair_destroy(j->name, 0, &e));
		KEEP(cell_bridge_remove_if_unused(j->vnet_bridge, &e));
	}
	/* only the devices recorded at move-in, and only while the index
	 * still holds one of their kind and permanent MAC; a device that is
	 * no longer there is not replaced by whatever has its name */
	if (netns_fd >= 0 && j->vnet_interface.n) {
		struct cell_link_id ids[CELL_LIST_MAX];
		size_t max = j->vnet_interface.n < CELL_LIST_MAX
				     ? j->vnet_interface.n : CELL_LIST_MAX;
		size_t n = vnetif_load(j->name, ids, max);
		for (size_t i = 0; i < n; i++) {
			cell_error_clear(&e);
			r = cell_link_move_out(&ids[i], netns_fd, &e);
			if (r < 0 && r != -ENODEV && !first) {
				first = r;
				if (err)
					*err = e;
			}
		}
	}
	if (j->vnet_interface.n)
		vnetif_forget(j->name);
#undef KEEP
	return first;
}

/*
 * What the hooks enforce is decided in the policy (policy.c, with the
 * parent's limits); here it becomes the hooks' input: the jail's own
 * addresses for a restricted family.
 */
int cell_vnet_sa_policy(const struct cell_jail *j, const struct cell_policy *jp,
			struct cell_sa_policy *pol, struct in_addr **ip4,
			struct in6_addr **ip6, struct cell_error *err)
{
	memset(pol, 0, sizeof(*pol));
	*ip4 = NULL;
	*ip6 = NULL;
	struct cell_policy own;
	if (!jp) {
		int r = cell_policy_derive(j, NULL, &own, err);
		if (r < 0)
			return r;
		jp = &own;
	}
	pol->ip4_disable = jp->ip4_disable;
	pol->ip6_disable = jp->ip6_disable;
	if (jp->ip4_restricted && !jp->ip4_disable) {
		*ip4 = calloc(j->ip4_addr_n, sizeof(**ip4));
		if (!*ip4)
			return cell_error_set(err, -ENOMEM, "out of memory");
		for (size_t i = 0; i < j->ip4_addr_n; i++)
			(*ip4)[i] = j->ip4_addr[i].addr;
		pol->ip4 = *ip4;
		pol->ip4_n = j->ip4_addr_n;
	}
	if (jp->ip6_restricted && !jp->ip6_disable) {
		*ip6 = calloc(j->ip6_addr_n, sizeof(**ip6));
		if (!*ip6) {
			free(*ip4);
			*ip4 = NULL;
			return cell_error_set(err, -ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < j->ip6_addr_n; i++)
			(*ip6)[i] = j->ip6_addr[i].addr;
		pol->ip6 = *ip6;
		pol->ip6_n = j->ip6_addr_n;
	}
	return 0;
}

static const char *alias_if(const struct cell_jail *j, const char *given)
{
	if (given && *given)
		return given;
	return j->interface[0] ? j->interface : NULL;
}

/* Remove the first n4 / n6 aliases; goes on after errors, reports the
 * first. */
static int alias_del(const struct cell_jail *j, size_t n4, size_t n6,
		     struct cell_error *err)
{
	int first = 0;
	for (size_t i = 0; i < n4; i++) {
		const struct cell_ip4 *a = &j->ip4_addr[i];
		const char *ifn = alias_if(j, a->ifname);
		if (!ifn)
			continue;
		int r = cell_addr_del4(-1, ifn, &a->addr, a->prefix,
				       first ? NULL : err);
		if (r < 0 && !first)
			first = r;
	}
	for (size_t i = 0; i < n6; i++) {
		const struct cell_ip6 *a = &j->ip6_addr[i];
		const char *ifn = alias_if(j, a->ifname);
		if (!ifn)
			continue;
		int r = cell_addr_del6(-1, ifn, &a->addr, a->prefix,
				       first ? NULL : err);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}

int cell_ipalias_setup(const struct cell_jail *j, struct cell_error *err)
{
	if (j->vnet)
		return cell_error_set(err, -EINVAL, "jail %s is a vnet jail; "
				      "its addresses go inside", j->name);
	for (size_t i = 0; i < j->ip4_addr_n; i++) {
		int r = cell_ip4_check(&j->ip4_addr[i].addr,
				       j->ip4_addr[i].prefix, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < j->ip6_addr_n; i++) {
		int r = cell_ip6_check(&j->ip6_addr[i].addr,
				       j->ip6_addr[i].prefix, err);
		if (r < 0)
			return r;
	}
	/* on a failure, take back exactly the ones added before it */
	for (size_t i = 0; i < j->ip4_addr_n; i++) {
		const struct cell_ip4 *a = &j->ip4_addr[i];
		const char *ifn = alias_if(j, a->ifname);
		int r = ifn ? cell_addr_add4(-1, ifn, &a->addr, a->prefix, err)
			    : 0;
		if (r < 0) {
			alias_del(j, i, 0, NULL);
			return r;
		}
	}
	for (size_t i = 0; i < j->ip6_addr_n; i++) {
		const struct cell_ip6 *a = &j->ip6_addr[i];
		const char *ifn = alias_if(j, a->ifname);
		int r = ifn ? cell_addr_add6(-1, ifn, &a->addr, a->prefix, err)
			    : 0;
		if (r < 0) {
			alias_del(j, j->ip4_addr_n, i, NULL);
			return r;
		}
	}
	return 0;
}

int cell_ipalias_teardown(const struct cell_jail *j, struct cell_error *err)
{
	if (j->vnet)
		return 0;
	return alias_del(j, j->ip4_addr_n, j->ip6_addr_n, err);
}
