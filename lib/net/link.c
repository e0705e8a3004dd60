/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * epair(4) and if_bridge(4) on Linux: a veth pair named jib-style
 * (e0a_NAME on the host, e0b_NAME in the jail), created with its jail end
 * directly inside the jail's netns, the host end on a bridge made on
 * demand; lo; and vnet.interface moves in and out.
 */
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"
#include "net/internal.h"
#include "net/nlmsg.h"

static uint32_t fnv1a32(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

int cell_ifname_check(const char *ifname, struct cell_error *err)
{
	if (!ifname || !*ifname)
		return cell_error_set(err, -EINVAL, "empty interface name");
	size_t l = strnlen(ifname, IFNAMSIZ);
	if (l >= IFNAMSIZ)
		return cell_error_set(err, -ENAMETOOLONG,
				      "interface name \"%.32s\" is longer than "
				      "%d bytes", ifname, IFNAMSIZ - 1);
	if (!strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return cell_error_set(err, -EINVAL,
				      "invalid interface name \"%s\"", ifname);
	for (const char *p = ifname; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return cell_error_set(err, -EINVAL,
					      "invalid interface name \"%s\"",
					      ifname);
	return 0;
}

int cell_epair_names(const char *jail, unsigned int idx,
		     struct cell_epair_names *out, struct cell_error *err)
{
	if (!jail || !*jail)
		return cell_error_set(err, -EINVAL, "empty jail name");
	if (idx > 9)
		return cell_error_set(err, -ERANGE,
				      "epair number %u out of range 0..9", idx);
	bool plain = strlen(jail) + 4 < IFNAMSIZ;
	for (const char *p = jail; plain && *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			plain = false;
	if (plain) {
		snprintf(out->host, sizeof(out->host), "e%ua_%s", idx, jail);
		snprintf(out->jail, sizeof(out->jail), "e%ub_%s", idx, jail);
	} else {
		uint32_t h = fnv1a32(jail);
		snprintf(out->host, sizeof(out->host), "e%ua_%08x", idx, h);
		snprintf(out->jail, sizeof(out->jail), "e%ub_%08x", idx, h);
	}
	return 0;
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

/*
 * 41 bits of a 64-bit hash of the name: byte 0 keeps the locally
 * administered bit (0x02) set, the multicast bit clear and bit 0x04 for
 * the end (host 0, jail 1); byte 1's low nibble is idx. (32 bits, as
 * before, gave two short names such as rvnetroczfa and rvnethfbppa one
 * MAC on one bridge.) A clash that is left is refused at creation.
 */
void cell_epair_macs(const char *jail, unsigned int idx, uint8_t host[6],
		     uint8_t jailend[6])
{
	uint64_t h = fnv1a64(jail ? jail : "");
	uint8_t m[6] = { (uint8_t)(((h >> 56) & 0xf8) | 0x02),
			 (uint8_t)(((h >> 48) & 0xf0) | (idx & 0x0f)),
			 (uint8_t)(h >> 24), (uint8_t)(h >> 16),
			 (uint8_t)(h >> 8), (uint8_t)h };
	memcpy(host, m, 6);
	m[0] |= 0x04;
	memcpy(jailend, m, 6);
}

/* What the host end's IFLA_IFALIAS says: whose epair it is, by the full
 * name (the interface name may be a hash another name shares). */
static void epair_alias(const char *jail, char *buf, size_t len)
{
	snprintf(buf, len, "cell:%s", jail);
}

/* ---- lookups ------------------------------------------------------------ */

/* A string attribute into a fixed field: "%.*s" stops at the NUL the
 * kernel counts in the payload, and at the payload's end if there is
 * none. */
static void attr_str(const struct nlattr *a, char *dst, size_t len)
{
	snprintf(dst, len, "%.*s", (int)nl_attr_payload_len(a),
		 (const char *)nl_attr_payload(a));
}

/* An RTM_NEWLINK message into o: -EBADMSG when it is too short for its
 * ifinfomsg. Attributes of the wrong size are skipped; the walk stops at
 * a malformed one. */
static int link_parse(const struct nlmsghdr *nlh, struct cell_link_info *o)
{
	memset(o, 0, sizeof(*o));
	const struct ifinfomsg *ifi = nl_msg_payload(nlh, sizeof(*ifi));
	if (!ifi)
		return -EBADMSG;
	o->index = ifi->ifi_index;
	o->flags = ifi->ifi_flags;
	struct nl_attr_iter it;
	nl_attr_iter_msg(&it, nlh, sizeof(*ifi));
	for (const struct nlattr *a; (a = nl_attr_next(&it));) {
		uint32_t v;
		switch (nl_attr_type(a)) {
		case IFLA_MASTER:
			if (nl_attr_get_u32(a, &v) == 0)
				o->master = (int)v;
			break;
		case IFLA_MTU:
			if (nl_attr_get_u32(a, &v) == 0)
				o->mtu = v;
			break;
		case IFLA_ADDRESS:
			if (nl_attr_payload_len(a) == sizeof(o->addr)) {
				memcpy(o->addr, nl_attr_payload(a),
				       sizeof(o->addr));
				o->has_addr = true;
			}
			break;
		case IFLA_PERM_ADDRESS:
			if (nl_attr_payload_len(a) == sizeof(o->perm)) {
				static const uint8_t zero[6];
				memcpy(o->perm, nl_attr_payload(a),
				       sizeof(o->perm));
				o->has_perm = memcmp(o->perm, zero, 6) != 0;
			}
			break;
		case IFLA_IFALIAS:
			attr_str(a, o->alias, sizeof(o->alias));
			break;
		case IFLA_LINKINFO: {
			struct nl_attr_iter nit;
			nl_attr_iter_nested(&nit, a);
			for (const struct nlattr *n; (n = nl_attr_next(&nit));)
				if (nl_attr_type(n) == IFLA_INFO_KIND &&
				    nl_attr_is_string(n))
					attr_str(n, o->kind, sizeof(o->kind));
			break;
		}
		}
	}
	return 0;
}

/* By name, or by index when ifname is NULL. */
static int link_get(struct cell_nl *nl, const char *ifname, int index,
		    struct cell_link_info *out, struct cell_error *err)
{
	int r = ifname ? cell_ifname_check(ifname, err) : 0;
	if (r < 0)
		return r;
	char idxname[24];
	if (!ifname) {
		snprintf(idxname, sizeof(idxname), "interface #%d", index);
		ifname = idxname;
	}
	NL_MSG_BUF(buf, 512);
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETLINK, 0);
	struct ifinfomsg *ifi = nl_msg_put_extra(&m, sizeof(*ifi));
	if (ifi) {
		ifi->ifi_family = AF_UNSPEC;
		if (ifname == idxname)
			ifi->ifi_index = index;
	}
	if (ifname != idxname)
		nl_attr_put_strz(&m, IFLA_IFNAME, ifname);
	nl_attr_put_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = cell_nl_send(nl, &m, NLM_F_REQUEST);
	if (r < 0)
		return cell_error_errno(err, r, "looking up %s", ifname);
	for (;;) {
		ssize_t n = cell_nl_recv(nl);
		if (n < 0)
			return cell_error_errno(err, (int)n, "looking up %s",
						ifname);
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		size_t len = (size_t)n;
		for (; nl_msg_ok(h, len); h = nl_msg_next(h, &len)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e =
					nl_msg_payload(h, sizeof(*e));
				int code = !e ? -EBADMSG
				      : e->error < 0 ? e->error : -e->error;
				if (code == 0)
					code = -EBADMSG;
				if (code == -ENODEV)
					return -ENODEV; /* no message: normal */
				return cell_error_errno(err, code,
							"looking up %s",
							ifname);
			}
			if (h->nlmsg_type == RTM_NEWLINK) {
				if (link_parse(h, out) < 0)
					return cell_error_set(err, -EBADMSG,
							      "looking up %s: "
							      "short reply",
							      ifname);
				return 0;
			}
		}
	}
}

int cell_link_get(struct cell_nl *nl, const char *ifname,
		  struct cell_link_info *out, struct cell_error *err)
{
	return link_get(nl, ifname, 0, out, err);
}

/* ---- requests ------------------------------------------------------------- */

/* Start a link request in buf: its ifinfomsg, or NULL when buf is too
 * small (m is marked then, and cell_nl_talk() refuses it). */
static struct ifinfomsg *link_req(struct nl_msg *m, void *buf, size_t cap,
				  uint16_t type, uint16_t flags, int index)
{
	nl_msg_init(m, buf, cap, type, flags);
	struct ifinfomsg *ifi = nl_msg_put_extra(m, sizeof(*ifi));
	if (ifi) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = index;
	}
	return ifi;
}

/* A request to make a link that comes up with its creation (a bridge, an
 * epair's host end): NLM_F_EXCL, so an existing one of the name fails. */
static void link_new_up(struct nl_msg *m, void *buf, size_t cap)
{
	struct ifinfomsg *ifi = link_req(m, buf, cap, RTM_NEWLINK,
					 NLM_F_CREATE | NLM_F_EXCL, 0);
	if (ifi) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = IFF_UP;
	}
}

static int nl_set_up(struct cell_nl *nl, const char *ifname, bool up,
		     struct cell_error *err)
{
	struct cell_link_info li;
	int r = cell_link_get(nl, ifname, &li, err);
	if (r == -ENODEV)
		return cell_error_set(err, r, "interface %s does not exist",
				      ifname);
	if (r < 0)
		return r;
	NL_MSG_BUF(buf, 256);
	struct nl_msg m;
	struct ifinfomsg *ifi = link_req(&m, buf, sizeof(buf), RTM_NEWLINK, 0,
					 li.index);
	if (ifi) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	char what[64];
	snprintf(what, sizeof(what), "setting %s %s", ifname,
		 up ? "up" : "down");
	return cell_nl_talk(nl, &m, what, err);
}

int cell_link_set_up(int netns_fd, const char *ifname, bool up,
		     struct cell_error *err)
{
	struct cell_nl nl;
	int r = cell_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	r = nl_set_up(&nl, ifname, up, err);
	cell_nl_close(&nl);
	return r;
}

int cell_link_set_mtu(int netns_fd, const char *ifname, unsigned int mtu,
		      struct cell_error *err)
{
	int r = cell_ifname_check(ifname, err);
	if (r < 0)
		return r;
	if (mtu < 68 || mtu > 65535)
		return cell_error_set(err, -ERANGE,
				      "%s: MTU %u out of range 68..65535",
				      ifname, mtu);
	struct cell_nl nl;
	r = cell_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	struct cell_link_info li;
	r = cell_link_get(&nl, ifname, &li, err);
	if (r == -ENODEV)
		r = cell_error_set(err, r, "interface %s does not exist",
				   ifname);
	if (r == 0) {
		NL_MSG_BUF(buf, 256);
		struct nl_msg m;
		link_req(&m, buf, sizeof(buf), RTM_NEWLINK, 0, li.index);
		nl_attr_put_u32(&m, IFLA_MTU, mtu);
		char what[64];
		snprintf(what, sizeof(what), "setting MTU %u on %s", mtu,
			 ifname);
		r = cell_nl_talk(&nl, &m, what, err);
	}
	cell_nl_close(&nl);
	return r;
}

static int nl_del_index(struct cell_nl *nl, int index, const char *ifname,
			struct cell_error *err)
{
	NL_MSG_BUF(buf, 256);
	struct nl_msg m;
	link_req(&m, buf, sizeof(buf), RTM_DELLINK, 0, index);
	char what[64];
	snprintf(what, sizeof(what), "deleting %s", ifname);
	return cell_nl_talk(nl, &m, what, err);
}

/* ---- bridges -------------------------------------------------------------- */

static int bridge_ensure(struct cell_nl *nl, const char *bridge,
			 bool autocreate, bool *created, int *index,
			 struct cell_error *err)
{
	*created = false;
	struct cell_link_info li;
	int r = cell_link_get(nl, bridge, &li, err);
	if (r == 0) {
		if (strcmp(li.kind, "bridge"))
			return cell_error_set(err, -EEXIST,
					      "vnet.bridge %s exists and is "
					      "not a bridge (%s)", bridge,
					      li.kind[0] ? li.kind : "device");
		*index = li.index;
		if (!(li.flags & IFF_UP))
			return nl_set_up(nl, bridge, true, err);
		return 0;
	}
	if (r != -ENODEV)
		return r;
	if (!autocreate)
		return cell_error_set(err, -ENODEV,
				      "bridge %s does not exist and creating "
				      "it is turned off", bridge);
	NL_MSG_BUF(buf, 512);
	struct nl_msg m;
	/* made down: it comes up only once it takes no router
	 * advertisement (below) */
	link_req(&m, buf, sizeof(buf), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
		 0);
	nl_attr_put_strz(&m, IFLA_IFNAME, bridge);
	struct nlattr *info = nl_attr_nest_start(&m, IFLA_LINKINFO);
	nl_attr_put_strz(&m, IFLA_INFO_KIND, "bridge");
	nl_attr_nest_end(&m, info);
	char what[64];
	snprintf(what, sizeof(what), "creating bridge %s", bridge);
	r = cell_nl_talk(nl, &m, what, err);
	if (r < 0)
		return r;
	*created = true;
	r = cell_link_get(nl, bridge, &li, err);
	if (r < 0)
		return cell_error_set(err, r, "bridge %s vanished", bridge);
	*index = li.index;
	/* the kernel ignores IFLA_IFALIAS on creation: set it now; it is
	 * how a later removal knows the bridge is cell's */
	link_req(&m, buf, sizeof(buf), RTM_NEWLINK, 0, li.index);
	nl_attr_put_strz(&m, IFLA_IFALIAS, CELL_BRIDGE_ALIAS);
	snprintf(what, sizeof(what), "marking bridge %s", bridge);
	r = cell_nl_talk(nl, &m, what, err);
	if (r == 0)
		r = cell_if_v6_no_ra(bridge, err);
	if (r == 0)
		r = nl_set_up(nl, bridge, true, err);
	if (r < 0) {
		struct cell_error e2;
		nl_del_index(nl, li.index, bridge, &e2);
		*created = false;
		return r;
	}
	return 0;
}

int cell_bridge_ensure(const char *bridge, bool autocreate, bool *created,
		       struct cell_error *err)
{
	int r = cell_ifname_check(bridge, err);
	if (r < 0)
		return r;
	int lk = cell_net_lock(err);
	if (lk < 0)
		return lk;
	struct cell_nl nl;
	r = cell_nl_open(&nl, -1, err);
	if (r < 0) {
		cell_net_unlock(lk);
		return r;
	}
	int index = 0;
	bool c = false;
	r = bridge_ensure(&nl, bridge, autocreate, &c, &index, err);
	cell_nl_close(&nl);
	cell_net_unlock(lk);
	if (created)
		*created = c;
	return r;
}

struct ports {
	int master;
	int n;
	const uint8_t *mac[2];   /* count ports with either MAC (or NULL) */
	int same_mac;
};

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ports *p = data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return NL_CB_OK;
	struct cell_link_info li;
	/* a link that cannot be read could be a port: do not guess */
	if (link_parse(nlh, &li) < 0)
		return NL_CB_ERROR;
	if (li.master == p->master) {
		p->n++;
		for (int k = 0; k < 2; k++)
			if (p->mac[k] && li.has_addr &&
			    !memcmp(li.addr, p->mac[k], 6))
				p->same_mac++;
	}
	return NL_CB_OK;
}

/* Ports of the bridge at index master (and how many have mac0/mac1). */
static int bridge_ports(struct cell_nl *nl, int master, struct ports *p,
			struct cell_error *err)
{
	NL_MSG_BUF(buf, 256);
	struct nl_msg m;
	link_req(&m, buf, sizeof(buf), RTM_GETLINK, 0, 0);
	nl_attr_put_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	p->master = master;
	/* A dump whose links changed while it ran (another jail's epair
	 * coming or going) is not a count to act on: ask again, a few
	 * times, before giving up (each try is a new request, so replies
	 * left of the last one are skipped by their sequence number). */
	for (int attempt = 0;; attempt++) {
		p->n = 0;
		p->same_mac = 0;
		int r = cell_nl_dump(nl, &m, ports_cb, p, "listing links",
				     err);
		/* fault injection: the first answer as if interrupted */
		if (r == 0 && attempt == 0 &&
		    cell_test_fail_point("netlink-dump-intr"))
			r = cell_error_set(err, -EAGAIN, "listing links: the "
					   "dump was interrupted (test)");
		if (r != -EAGAIN || attempt == 7)
			return r;
		cell_error_clear(err);
	}
}

static int bridge_remove_if_unused(struct cell_nl *nl, const char *bridge,
				   struct cell_error *err)
{
	struct cell_link_info li;
	int r = cell_link_get(nl, bridge, &li, err);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	if (strcmp(li.kind, "bridge") || strcmp(li.alias, CELL_BRIDGE_ALIAS))
		return 0;   /* not ours */
	struct ports p = { 0 };
	r = bridge_ports(nl, li.index, &p, err);
	if (r < 0)
		return r;
	if (p.n)
		return 0;
	return nl_del_index(nl, li.index, bridge, err);
}

int cell_bridge_remove_if_unused(const char *bridge, struct cell_error *err)
{
	int r = cell_ifname_check(bridge, err);
	if (r < 0)
		return r;
	/* "no port, so delete it" must not meet a create that has found
	 * the bridge and is about to put its epair on it */
	int lk = cell_net_lock(err);
	if (lk < 0)
		return lk;
	struct cell_nl nl;
	r = cell_nl_open(&nl, -1, err);
	if (r == 0) {
		r = bridge_remove_if_unused(&nl, bridge, err);
		cell_nl_close(&nl);
	}
	cell_net_unlock(lk);
	return r;
}

/* ---- epairs --------------------------------------------------------------- */

static int epair_create(const char *jail, unsigned int idx,
			const char *bridge, bool autocreate, unsigned int mtu,
			int netns_fd, struct cell_epair_names *names,
			bool *bridge_created, struct cell_error *err)
{
	struct cell_epair_names nm;
	int r = cell_epair_names(jail, idx, &nm, err);
	if (r < 0)
		return r;
	if (bridge && (r = cell_ifname_check(bridge, err)) < 0)
		return r;
	if (netns_fd < 0)
		return cell_error_set(err, -EBADF,
				      "epair %s: no jail netns given", nm.host);
	struct cell_nl nl, jnl;
	r = cell_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	r = cell_nl_open(&jnl, netns_fd, err);
	if (r < 0) {
		cell_nl_close(&nl);
		return r;
	}
	struct cell_link_info li;
	bool created = false;
	int bridx = 0;
	/* clashes first, so that a clash creates nothing */
	r = cell_link_get(&nl, nm.host, &li, err);
	if (r == 0) {
		r = cell_error_set(err, -EEXIST,
				   "interface %s already exists on the host",
				   nm.host);
		goto out;
	}
	if (r != -ENODEV)
		goto out;
	r = cell_link_get(&jnl, nm.jail, &li, err);
	if (r == 0) {
		r = cell_error_set(err, -EEXIST,
				   "interface %s already exists in the jail",
				   nm.jail);
		goto out;
	}
	if (r != -ENODEV)
		goto out;
	if (bridge) {
		r = bridge_ensure(&nl, bridge, autocreate, &created, &bridx,
				  err);
		if (r < 0)
			goto out;
	}
	/*
	 * MTU 0: automatic. On a bridge cell made (its ports are all
	 * epairs, nothing leaves it unrouted) the largest, 65535, which
	 * lets jail-to-jail traffic move like loopback's; on a bridge of
	 * the admin's, the bridge's own (it is the smallest of its ports,
	 * so no frame is too big for an uplink).
	 */
	if (!mtu && bridge) {
		struct cell_link_info bi;
		if (cell_link_get(&nl, bridge, &bi, err) == 0)
			mtu = !strcmp(bi.alias, CELL_BRIDGE_ALIAS) ? 65535
								  : bi.mtu;
		cell_error_clear(err);
	}
	if (mtu && (mtu < 68 || mtu > 65535)) {
		r = cell_error_set(err, -EINVAL, "vnet.mtu %u: out of range "
				   "(68 to 65535)", mtu);
		goto undo;
	}
	uint8_t hmac[6], jmac[6];
	cell_epair_macs(jail, idx, hmac, jmac);
	/* two ports of one bridge with one MAC: the bridge would send one
	 * jail's frames to the other */
	if (bridx) {
		struct ports p = { .mac = { hmac, jmac } };
		r = bridge_ports(&nl, bridx, &p, err);
		if (r == 0 && p.same_mac)
			r = cell_error_set(err, -EADDRINUSE,
					   "epair %s: its MAC %02x:%02x:%02x:"
					   "%02x:%02x:%02x (from the jail's "
					   "name) is already on bridge %s",
					   nm.host, hmac[0], hmac[1], hmac[2],
					   hmac[3], hmac[4], hmac[5], bridge);
		if (r < 0)
			goto undo;
	}

	NL_MSG_BUF(buf, 1024);
	struct nl_msg m;
	link_new_up(&m, buf, sizeof(buf));
	nl_attr_put_strz(&m, IFLA_IFNAME, nm.host);
	nl_attr_put(&m, IFLA_ADDRESS, 6, hmac);
	if (mtu)
		nl_attr_put_u32(&m, IFLA_MTU, mtu);
	if (bridx)
		nl_attr_put_u32(&m, IFLA_MASTER, (uint32_t)bridx);
	struct nlattr *info = nl_attr_nest_start(&m, IFLA_LINKINFO);
	nl_attr_put_strz(&m, IFLA_INFO_KIND, "veth");
	struct nlattr *data = nl_attr_nest_start(&m, IFLA_INFO_DATA);
	struct nlattr *peer = nl_attr_nest_start(&m, VETH_INFO_PEER);
	/* the peer's own ifinfomsg, zeroed (AF_UNSPEC, no flags). No IFF_UP
	 * here: the peer is configured before it is paired, and veth_open()
	 * would say ENOTCONN; it is set up below */
	nl_msg_put_extra(&m, sizeof(struct ifinfomsg));
	nl_attr_put_strz(&m, IFLA_IFNAME, nm.jail);
	nl_attr_put(&m, IFLA_ADDRESS, 6, jmac);
	if (mtu)
		nl_attr_put_u32(&m, IFLA_MTU, mtu);
	nl_attr_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	nl_attr_nest_end(&m, peer);
	nl_attr_nest_end(&m, data);
	nl_attr_nest_end(&m, info);
	char what[96];
	snprintf(what, sizeof(what), "creating epair %s/%s", nm.host,
		 nm.jail);
	r = cell_nl_talk(&nl, &m, what, err);
	if (r < 0)
		goto undo;
	/* whose it is, for cell_epair_destroy (the kernel ignores
	 * IFLA_IFALIAS on creation); then the jail end up */
	r = cell_link_get(&nl, nm.host, &li, err);
	if (r == 0) {
		char alias[CELL_NAME_MAX + 8];
		epair_alias(jail, alias, sizeof(alias));
		link_req(&m, buf, sizeof(buf), RTM_NEWLINK, 0, li.index);
		nl_attr_put_strz(&m, IFLA_IFALIAS, alias);
		snprintf(what, sizeof(what), "marking %s", nm.host);
		r = cell_nl_talk(&nl, &m, what, err);
		if (r == 0)
			r = nl_set_up(&jnl, nm.jail, true, err);
		if (r < 0) {
			struct cell_error e2;
			nl_del_index(&nl, li.index, nm.host, &e2);
		}
	}
	if (r < 0)
		goto undo;
	if (names)
		*names = nm;
	if (bridge_created)
		*bridge_created = created;
	r = 0;
	goto out;
undo:
	if (created) {
		struct cell_error e2;
		bridge_remove_if_unused(&nl, bridge, &e2);
	}
out:
	cell_nl_close(&jnl);
	cell_nl_close(&nl);
	return r;
}

/* Under the lock from the bridge's lookup (or creation) until the epair
 * is its port: a removal's bridge_remove_if_unused cannot delete it in
 * between. */
int cell_epair_create(const char *jail, unsigned int idx, const char *bridge,
		      bool autocreate, unsigned int mtu, int netns_fd,
		      struct cell_epair_names *names, bool *bridge_created,
		      struct cell_error *err)
{
	if (bridge_created)
		*bridge_created = false;
	int lk = cell_net_lock(err);
	if (lk < 0)
		return lk;
	int r = epair_create(jail, idx, bridge, autocreate, mtu, netns_fd,
			     names, bridge_created, err);
	cell_net_unlock(lk);
	return r;
}

int cell_epair_destroy(const char *jail, unsigned int idx,
		       struct cell_error *err)
{
	struct cell_epair_names nm;
	int r = cell_epair_names(jail, idx, &nm, err);
	if (r < 0)
		return r;
	struct cell_nl nl;
	r = cell_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	struct cell_link_info li;
	r = cell_link_get(&nl, nm.host, &li, err);
	if (r == -ENODEV)
		r = 0;
	else if (r == 0) {
		uint8_t hmac[6], jmac[6];
		cell_epair_macs(jail, idx, hmac, jmac);
		char alias[CELL_NAME_MAX + 8];
		epair_alias(jail, alias, sizeof(alias));
		/* the alias names the jail; an epair without one (made
		 * before cell set it) goes by its MAC, but only under a
		 * name no other jail's can hash to */
		bool plain = !strcmp(nm.host + 4, jail);
		bool mine = !strcmp(li.alias, alias) ||
			    (!li.alias[0] && plain && li.has_addr &&
			     !memcmp(li.addr, hmac, 6));
		if (strcmp(li.kind, "veth"))
			r = cell_error_set(err, -EEXIST,
					   "%s is not a veth; not deleting it",
					   nm.host);
		else if (!mine)
			r = cell_error_set(err, -EEXIST,
					   "%s is not cell's epair of jail %s "
					   "(%s%s); not deleting it", nm.host,
					   jail,
					   li.alias[0] ? "it is " : "no owner",
					   li.alias);
		else
			r = nl_del_index(&nl, li.index, nm.host, err);
	}
	cell_nl_close(&nl);
	return r;
}

/* ---- moving interfaces ---------------------------------------------------- */

/* Move the device at index (in nl's netns) to to_fd, named newname there
 * when newname is given. */
static int move_index(struct cell_nl *nl, int index, const char *name,
		      const char *newname, int to_fd, struct cell_error *err)
{
	NL_MSG_BUF(buf, 256);
	struct nl_msg m;
	link_req(&m, buf, sizeof(buf), RTM_NEWLINK, 0, index);
	nl_attr_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)to_fd);
	if (newname)
		nl_attr_put_strz(&m, IFLA_IFNAME, newname);
	char what[64];
	snprintf(what, sizeof(what), "moving %s", name);
	return cell_nl_talk(nl, &m, what, err);
}

static bool same_device(const struct cell_link_info *li,
			const struct cell_link_id *id)
{
	return !strcmp(li->kind, id->kind) && li->has_perm == id->has_perm &&
	       (!id->has_perm || !memcmp(li->perm, id->perm, 6));
}

int cell_link_move_in(const char *ifname, int netns_fd,
		      struct cell_link_id *id, struct cell_error *err)
{
	if (netns_fd < 0)
		return cell_error_set(err, -EBADF, "moving %s: no jail netns",
				      ifname);
	struct cell_nl nl;
	int r = cell_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	struct cell_link_info li;
	r = cell_link_get(&nl, ifname, &li, err);
	if (r == -ENODEV)
		r = cell_error_set(err, r, "interface %s does not exist on "
				   "the host", ifname);
	if (r == 0)
		r = move_index(&nl, li.index, ifname, NULL, netns_fd, err);
	cell_nl_close(&nl);
	if (r < 0 || !id)
		return r;
	/*
	 * Its index in the jail (the kernel keeps it only when it is free
	 * there): looked up by name at once, before the jail has had a
	 * reason to rename it, and checked against what the host saw, so
	 * an impostor made in between is noticed.
	 */
	memset(id, 0, sizeof(*id));
	snprintf(id->name, sizeof(id->name), "%s", ifname);
	snprintf(id->kind, sizeof(id->kind), "%s", li.kind);
	memcpy(id->perm, li.perm, 6);
	id->has_perm = li.has_perm;
	r = cell_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	struct cell_link_info in;
	r = cell_link_get(&nl, ifname, &in, err);
	if (r == 0 && !same_device(&in, id))
		r = cell_error_set(err, -EEXIST, "%s in the jail is not the "
				   "interface moved in", ifname);
	else if (r == -ENODEV)
		r = cell_error_set(err, r, "%s vanished in the jail", ifname);
	if (r == 0)
		id->index = in.index;
	cell_nl_close(&nl);
	return r;
}

int cell_link_move_out(const struct cell_link_id *id, int netns_fd,
		       struct cell_error *err)
{
	if (netns_fd < 0)
		return cell_error_set(err, -EBADF, "moving %s: no jail netns",
				      id->name);
	_cleanup_close_ int host = open("/proc/thread-self/ns/net",
					O_RDONLY | O_CLOEXEC);
	if (host < 0)
		return cell_error_errno(err, -errno, "opening the host netns");
	struct cell_nl nl;
	int r = cell_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	struct cell_link_info li;
	r = id->index > 0 ? link_get(&nl, NULL, id->index, &li, err)
			  : -ENODEV;
	if (r == 0 && !same_device(&li, id))
		r = -ENODEV;   /* gone, and the index reused: not ours */
	if (r == -ENODEV)
		r = cell_error_set(err, r, "%s (index %d, %s) is no longer in "
				   "the jail; nothing given back", id->name,
				   id->index, id->kind[0] ? id->kind
							  : "device");
	/* the jail may have renamed it: it goes back under its own name */
	if (r == 0)
		r = move_index(&nl, li.index, id->name, id->name, host, err);
	cell_nl_close(&nl);
	return r;
}
