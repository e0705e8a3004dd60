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
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

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

void cell_epair_macs(const char *jail, unsigned int idx, uint8_t host[6],
		     uint8_t jailend[6])
{
	uint32_t h = fnv1a32(jail ? jail : "");
	uint8_t m[6] = { 0x02, (uint8_t)(0xc0 | (idx & 0x0f)),
			 (uint8_t)(h >> 24), (uint8_t)(h >> 16),
			 (uint8_t)(h >> 8), (uint8_t)h };
	memcpy(host, m, 6);
	m[0] = 0x06;
	memcpy(jailend, m, 6);
}

/* ---- lookups ------------------------------------------------------------ */

struct link_parse {
	struct cell_link_info *out;
};

static int linkinfo_cb(const struct nlattr *a, void *data)
{
	struct cell_link_info *o = data;
	if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
	    mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
		snprintf(o->kind, sizeof(o->kind), "%.*s",
			 (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct cell_link_info *o = data;
	switch (mnl_attr_get_type(a)) {
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			o->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			o->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == sizeof(o->addr)) {
			memcpy(o->addr, mnl_attr_get_payload(a),
			       sizeof(o->addr));
			o->has_addr = true;
		}
		break;
	case IFLA_IFALIAS:
		snprintf(o->alias, sizeof(o->alias), "%.*s",
			 (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, linkinfo_cb, o);
		break;
	}
	return MNL_CB_OK;
}

static void link_parse(const struct nlmsghdr *nlh, struct cell_link_info *o)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	memset(o, 0, sizeof(*o));
	o->index = ifi->ifi_index;
	o->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, o);
	/* strip the NUL the kernel counts in the alias/kind payload */
}

static int getlink_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		link_parse(nlh, data);
	return MNL_CB_OK;
}

int cell_link_get(struct cell_nl *nl, const char *ifname,
		  struct cell_link_info *out, struct cell_error *err)
{
	int r = cell_ifname_check(ifname, err);
	if (r < 0)
		return r;
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++nl->seq;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return cell_error_errno(err, -errno, "looking up %s", ifname);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buflen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cell_error_errno(err, -errno, "looking up %s",
						ifname);
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e =
					mnl_nlmsg_get_payload(h);
				int code = e->error < 0 ? e->error : -e->error;
				if (code == 0)
					code = -EBADMSG;
				if (code == -ENODEV)
					return -ENODEV; /* no message: normal */
				return cell_error_errno(err, code,
							"looking up %s",
							ifname);
			}
			if (h->nlmsg_type == RTM_NEWLINK) {
				getlink_cb(h, out);
				return 0;
			}
		}
	}
}

/* ---- requests ------------------------------------------------------------- */

static struct nlmsghdr *link_req(char *buf, uint16_t type, uint16_t flags,
				 int index)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return nlh;
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
	char buf[256];
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, li.index);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	char what[64];
	snprintf(what, sizeof(what), "setting %s %s", ifname,
		 up ? "up" : "down");
	return cell_nl_talk(nl, nlh, what, err);
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
		char buf[256];
		struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, li.index);
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
		char what[64];
		snprintf(what, sizeof(what), "setting MTU %u on %s", mtu,
			 ifname);
		r = cell_nl_talk(&nl, nlh, what, err);
	}
	cell_nl_close(&nl);
	return r;
}

static int nl_del_index(struct cell_nl *nl, int index, const char *ifname,
			struct cell_error *err)
{
	char buf[256];
	struct nlmsghdr *nlh = link_req(buf, RTM_DELLINK, 0, index);
	char what[64];
	snprintf(what, sizeof(what), "deleting %s", ifname);
	return cell_nl_talk(nl, nlh, what, err);
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
	char buf[512];
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK,
					NLM_F_CREATE | NLM_F_EXCL, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, bridge);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	char what[64];
	snprintf(what, sizeof(what), "creating bridge %s", bridge);
	r = cell_nl_talk(nl, nlh, what, err);
	if (r < 0)
		return r;
	*created = true;
	r = cell_link_get(nl, bridge, &li, err);
	if (r < 0)
		return cell_error_set(err, r, "bridge %s vanished", bridge);
	*index = li.index;
	/* the kernel ignores IFLA_IFALIAS on creation: set it now; it is
	 * how a later removal knows the bridge is cell's */
	nlh = link_req(buf, RTM_NEWLINK, 0, li.index);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, CELL_BRIDGE_ALIAS);
	snprintf(what, sizeof(what), "marking bridge %s", bridge);
	r = cell_nl_talk(nl, nlh, what, err);
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
	struct cell_nl nl;
	r = cell_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	int index = 0;
	bool c = false;
	r = bridge_ensure(&nl, bridge, autocreate, &c, &index, err);
	cell_nl_close(&nl);
	if (created)
		*created = c;
	return r;
}

struct ports {
	int master;
	int n;
};

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ports *p = data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	struct cell_link_info li;
	link_parse(nlh, &li);
	if (li.master == p->master)
		p->n++;
	return MNL_CB_OK;
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
	char buf[256];
	struct nlmsghdr *nlh = link_req(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	struct ports p = { li.index, 0 };
	r = cell_nl_dump(nl, nlh, ports_cb, &p, "listing links", err);
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
	struct cell_nl nl;
	r = cell_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	r = bridge_remove_if_unused(&nl, bridge, err);
	cell_nl_close(&nl);
	return r;
}

/* ---- epairs --------------------------------------------------------------- */

int cell_epair_create(const char *jail, unsigned int idx, const char *bridge,
		      bool autocreate, unsigned int mtu, int netns_fd,
		      struct cell_epair_names *names, struct cell_error *err)
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

	char buf[1024];
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK,
					NLM_F_CREATE | NLM_F_EXCL, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, nm.host);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, hmac);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (bridx)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)bridx);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh,
							    sizeof(*pifi));
	/* no IFF_UP here: the peer is configured before it is paired, and
	 * veth_open() would say ENOTCONN; it is set up below */
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, nm.jail);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, jmac);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	char what[96];
	snprintf(what, sizeof(what), "creating epair %s/%s", nm.host,
		 nm.jail);
	r = cell_nl_talk(&nl, nlh, what, err);
	if (r < 0)
		goto undo;
	r = nl_set_up(&jnl, nm.jail, true, err);
	if (r < 0) {
		struct cell_error e2;
		if (cell_link_get(&nl, nm.host, &li, &e2) == 0)
			nl_del_index(&nl, li.index, nm.host, &e2);
		goto undo;
	}
	if (names)
		*names = nm;
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
		if (strcmp(li.kind, "veth"))
			r = cell_error_set(err, -EEXIST,
					   "%s is not a veth; not deleting it",
					   nm.host);
		else if (!li.has_addr || memcmp(li.addr, hmac, 6))
			r = cell_error_set(err, -EEXIST,
					   "%s is not cell's epair (another "
					   "MAC); not deleting it", nm.host);
		else
			r = nl_del_index(&nl, li.index, nm.host, err);
	}
	cell_nl_close(&nl);
	return r;
}

/* ---- moving interfaces ---------------------------------------------------- */

static int move(struct cell_nl *nl, const char *ifname, int to_fd,
		const char *where, struct cell_error *err)
{
	struct cell_link_info li;
	int r = cell_link_get(nl, ifname, &li, err);
	if (r == -ENODEV)
		return cell_error_set(err, r, "interface %s does not exist%s",
				      ifname, where);
	if (r < 0)
		return r;
	char buf[256];
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, li.index);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)to_fd);
	char what[64];
	snprintf(what, sizeof(what), "moving %s", ifname);
	return cell_nl_talk(nl, nlh, what, err);
}

int cell_link_move_in(const char *ifname, int netns_fd,
		      struct cell_error *err)
{
	if (netns_fd < 0)
		return cell_error_set(err, -EBADF, "moving %s: no jail netns",
				      ifname);
	struct cell_nl nl;
	int r = cell_nl_open(&nl, -1, err);
	if (r < 0)
		return r;
	r = move(&nl, ifname, netns_fd, " on the host", err);
	cell_nl_close(&nl);
	return r;
}

int cell_link_move_out(const char *ifname, int netns_fd,
		       struct cell_error *err)
{
	if (netns_fd < 0)
		return cell_error_set(err, -EBADF, "moving %s: no jail netns",
				      ifname);
	_cleanup_close_ int host = open("/proc/thread-self/ns/net",
					O_RDONLY | O_CLOEXEC);
	if (host < 0)
		return cell_error_errno(err, -errno, "opening the host netns");
	struct cell_nl nl;
	int r = cell_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	r = move(&nl, ifname, host, " in the jail", err);
	cell_nl_close(&nl);
	return r;
}
