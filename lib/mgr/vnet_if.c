/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell create -V IFACE: a vnet jail on a host interface, as bastille's -V
 * does it with jib(8): a bridge named after the interface ("IFACEbridge",
 * or "cbr_" and the name's first 11 bytes when that is longer than 15),
 * the interface added to it, and the jail's epair on the same bridge
 * (vnet.bridge). The bridge is made (and IFACE added) at every start, so
 * a reboot needs nothing else; like jib's bridges it stays after the
 * jails, with the interface on it.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "mgr/internal.h"
#include "mgr/mgr.h"
#include "net/net.h"
#include "net/nlmsg.h"

int cell_mgr_vnet_if_bridge(const char *ifname, char *bridge, size_t len,
			    struct cell_error *err)
{
	int r = cell_ifname_check(ifname, err);
	if (r < 0)
		return r;
	if (strlen(ifname) + 6 <= 15)
		snprintf(bridge, len, "%sbridge", ifname);
	else
		snprintf(bridge, len, "cbr_%.11s", ifname);
	return 0;
}

int cell_mgr_vnet_if_attach(const char *ifname, struct cell_error *err)
{
	char bridge[IFNAMSIZ];
	int r = cell_mgr_vnet_if_bridge(ifname, bridge, sizeof(bridge), err);
	if (r < 0)
		return r;
	unsigned int ifx = if_nametoindex(ifname);
	if (!ifx)
		return cell_error_set(err, -ENODEV, "no host interface '%s' "
				      "(-V)", ifname);
	struct cell_nl nl;
	if ((r = cell_nl_open(&nl, -1, err)) < 0)
		return r;
	struct cell_link_info li;
	r = cell_link_get(&nl, ifname, &li, err);
	if (r == 0 && !strcmp(li.kind, "bridge"))
		r = cell_error_set(err, -EINVAL, "'%s' is a bridge: use -B "
				   "%s", ifname, ifname);
	if (r < 0)
		goto out;
	bool created;
	if ((r = cell_bridge_ensure(bridge, true, &created, err)) < 0)
		goto out;
	unsigned int brx = if_nametoindex(bridge);
	if (!brx) {
		r = cell_error_set(err, -ENODEV, "bridge %s vanished", bridge);
		goto out;
	}
	if (li.master == (int)brx && (li.flags & IFF_UP))
		goto out; /* attached before */
	NL_MSG_BUF(buf, 512);
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK,
		    NLM_F_REQUEST | NLM_F_ACK);
	struct ifinfomsg *ifi = nl_msg_put_extra(&m, sizeof(*ifi));
	if (ifi) {   /* else m is marked and cell_nl_talk() refuses it */
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)ifx;
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = IFF_UP;
	}
	nl_attr_put_u32(&m, IFLA_MASTER, brx);
	r = cell_nl_talk(&nl, &m, "adding the interface to its bridge", err);
out:
	cell_nl_close(&nl);
	if (r < 0)
		cell_error_context(err, NULL, "vnet -V", ifname);
	return r;
}
