/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Addresses and default routes inside a netns (rtnetlink), and the IPv6
 * switches (disable_ipv6) that must be off for link-local and static IPv6
 * addresses to work. Static IPv6 addresses are added with IFA_F_NODAD, so
 * they are usable at once instead of tentative.
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "net/internal.h"
#include "net/nlmsg.h"

int cell_ip4_check(const struct in_addr *a, unsigned int prefix,
		   struct cell_error *err)
{
	char s[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, a, s, sizeof(s));
	if (prefix > 32)
		return cell_error_set(err, -ERANGE,
				      "%s/%u: IPv4 prefix out of range 0..32",
				      s, prefix);
	uint32_t h = ntohl(a->s_addr);
	if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe ||
	    (h >> 28) == 0xf)
		return cell_error_set(err, -EINVAL,
				      "%s: not a usable interface address", s);
	if (prefix > 0 && prefix < 31) {
		uint32_t host = h & ~(0xffffffffu << (32 - prefix));
		if (host == 0 || host == ~(0xffffffffu << (32 - prefix)))
			return cell_error_set(err, -EINVAL,
					      "%s/%u: network or broadcast "
					      "address", s, prefix);
	}
	return 0;
}

int cell_ip6_check(const struct in6_addr *a, unsigned int prefix,
		   struct cell_error *err)
{
	char s[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, a, s, sizeof(s));
	if (prefix > 128)
		return cell_error_set(err, -ERANGE,
				      "%s/%u: IPv6 prefix out of range 0..128",
				      s, prefix);
	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a) ||
	    IN6_IS_ADDR_V4MAPPED(a))
		return cell_error_set(err, -EINVAL,
				      "%s: not a usable interface address", s);
	return 0;
}

struct addr_job {
	int family;
	const char *ifname;
	const void *addr;
	unsigned int prefix;
	bool del;
	struct cell_error *err;
};

static int addr_do(struct cell_nl *nl, const struct addr_job *j)
{
	struct cell_link_info li;
	int r = cell_link_get(nl, j->ifname, &li, j->err);
	if (r == -ENODEV)
		return cell_error_set(j->err, r, "interface %s does not exist",
				      j->ifname);
	if (r < 0)
		return r;
	NL_MSG_BUF(buf, 256);
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof(buf), j->del ? RTM_DELADDR : RTM_NEWADDR,
		    j->del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = nl_msg_put_extra(&m, sizeof(*ifa));
	if (ifa) {   /* else m is marked and cell_nl_talk() refuses it */
		ifa->ifa_family = (uint8_t)j->family;
		ifa->ifa_prefixlen = (uint8_t)j->prefix;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		ifa->ifa_index = (uint32_t)li.index;
	}
	size_t alen = j->family == AF_INET ? 4 : 16;
	nl_attr_put(&m, IFA_LOCAL, alen, j->addr);
	nl_attr_put(&m, IFA_ADDRESS, alen, j->addr);
	if (j->family == AF_INET6 && !j->del) {
		if (ifa)
			ifa->ifa_flags = IFA_F_NODAD;
		nl_attr_put_u32(&m, IFA_FLAGS, IFA_F_NODAD);
	}
	char s[INET6_ADDRSTRLEN], what[128];
	inet_ntop(j->family, j->addr, s, sizeof(s));
	snprintf(what, sizeof(what), "%s %s/%u %s %s",
		 j->del ? "removing" : "adding", s, j->prefix,
		 j->del ? "from" : "to", j->ifname);
	r = cell_nl_talk(nl, &m, what, j->err);
	if (j->del && r == -EADDRNOTAVAIL)
		return 0;
	return r;
}

static int addr_run(int netns_fd, struct addr_job *j)
{
	int r = cell_ifname_check(j->ifname, j->err);
	if (r < 0)
		return r;
	r = j->family == AF_INET ? cell_ip4_check(j->addr, j->prefix, j->err)
				 : cell_ip6_check(j->addr, j->prefix, j->err);
	if (r < 0)
		return r;
	struct cell_nl nl;
	r = cell_nl_open(&nl, netns_fd, j->err);
	if (r < 0)
		return r;
	r = addr_do(&nl, j);
	cell_nl_close(&nl);
	return r;
}

int cell_addr_add4(int netns_fd, const char *ifname, const struct in_addr *a,
		   unsigned int prefix, struct cell_error *err)
{
	struct addr_job j = { AF_INET, ifname, a, prefix, false, err };
	return addr_run(netns_fd, &j);
}

int cell_addr_add6(int netns_fd, const char *ifname,
		   const struct in6_addr *a, unsigned int prefix,
		   struct cell_error *err)
{
	struct addr_job j = { AF_INET6, ifname, a, prefix, false, err };
	return addr_run(netns_fd, &j);
}

int cell_addr_del4(int netns_fd, const char *ifname, const struct in_addr *a,
		   unsigned int prefix, struct cell_error *err)
{
	struct addr_job j = { AF_INET, ifname, a, prefix, true, err };
	return addr_run(netns_fd, &j);
}

int cell_addr_del6(int netns_fd, const char *ifname,
		   const struct in6_addr *a, unsigned int prefix,
		   struct cell_error *err)
{
	struct addr_job j = { AF_INET6, ifname, a, prefix, true, err };
	return addr_run(netns_fd, &j);
}

static int route_default(int netns_fd, int family, const char *ifname,
			 const void *gw, struct cell_error *err)
{
	int r;
	if (ifname && (r = cell_ifname_check(ifname, err)) < 0)
		return r;
	char s[INET6_ADDRSTRLEN];
	inet_ntop(family, gw, s, sizeof(s));
	if (family == AF_INET) {
		const struct in_addr *g = gw;
		uint32_t h = ntohl(g->s_addr);
		if (h == 0 || (h >> 28) >= 0xe)
			return cell_error_set(err, -EINVAL,
					      "%s: not a usable gateway", s);
	} else if (IN6_IS_ADDR_UNSPECIFIED((const struct in6_addr *)gw) ||
		   IN6_IS_ADDR_MULTICAST((const struct in6_addr *)gw)) {
		return cell_error_set(err, -EINVAL,
				      "%s: not a usable gateway", s);
	}
	struct cell_nl nl;
	r = cell_nl_open(&nl, netns_fd, err);
	if (r < 0)
		return r;
	int oif = 0;
	if (ifname) {
		struct cell_link_info li;
		r = cell_link_get(&nl, ifname, &li, err);
		if (r == -ENODEV)
			r = cell_error_set(err, r,
					   "interface %s does not exist",
					   ifname);
		if (r < 0)
			goto out;
		oif = li.index;
	}
	NL_MSG_BUF(buf, 256);
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWROUTE,
		    NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rtm = nl_msg_put_extra(&m, sizeof(*rtm));
	if (rtm) {   /* else m is marked and cell_nl_talk() refuses it */
		rtm->rtm_family = (uint8_t)family;
		rtm->rtm_dst_len = 0;
		rtm->rtm_table = RT_TABLE_MAIN;
		rtm->rtm_protocol = RTPROT_STATIC;
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		rtm->rtm_type = RTN_UNICAST;
	}
	nl_attr_put(&m, RTA_GATEWAY, family == AF_INET ? 4 : 16, gw);
	if (oif)
		nl_attr_put_u32(&m, RTA_OIF, (uint32_t)oif);
	char what[128];
	snprintf(what, sizeof(what), "adding default route via %s%s%s", s,
		 ifname ? " dev " : "", ifname ? ifname : "");
	r = cell_nl_talk(&nl, &m, what, err);
out:
	cell_nl_close(&nl);
	return r;
}

int cell_route_default4(int netns_fd, const char *ifname,
			const struct in_addr *gw, struct cell_error *err)
{
	return route_default(netns_fd, AF_INET, ifname, gw, err);
}

int cell_route_default6(int netns_fd, const char *ifname,
			const struct in6_addr *gw, struct cell_error *err)
{
	return route_default(netns_fd, AF_INET6, ifname, gw, err);
}

struct v6_job {
	const char *ifname;
	struct cell_error *err;
};

static int write_sysctl(const char *path, const char *val)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t l = strlen(val);
	if (write(fd, val, l) != (ssize_t)l)
		return -errno;
	return 0;
}

static int v6_enable(void *p)
{
	struct v6_job *j = p;
	const char *names[3] = { "all", "default", j->ifname };
	if (access("/proc/sys/net/ipv6", F_OK) < 0)
		return 0;   /* no IPv6 here */
	for (size_t i = 0; i < 3; i++) {
		if (!names[i])
			continue;
		char path[128];
		snprintf(path, sizeof(path),
			 "/proc/sys/net/ipv6/conf/%s/disable_ipv6", names[i]);
		int r = write_sysctl(path, "0");
		if (r < 0)
			return cell_error_errno(j->err, r, "writing 0 to %s",
						path);
	}
	return 0;
}

int cell_ipv6_enable(int netns_fd, const char *ifname, struct cell_error *err)
{
	int r;
	if (ifname && (r = cell_ifname_check(ifname, err)) < 0)
		return r;
	struct v6_job j = { ifname, err };
	r = cell_netns_run(netns_fd, v6_enable, &j);
	if (r < 0 && err && !err->code)
		return cell_error_errno(err, r, "entering the netns");
	return r;
}

int cell_if_v6_no_ra(const char *ifname, struct cell_error *err)
{
	int r = cell_ifname_check(ifname, err);
	if (r < 0)
		return r;
	static const char *const keys[] = { "accept_ra", "accept_redirects",
					    "autoconf" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char path[128];
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s",
			 ifname, keys[i]);
		r = write_sysctl(path, "0");
		if (r == -ENOENT && i == 0)
			return 0;   /* no IPv6 in this netns */
		if (r < 0)
			return cell_error_errno(err, r, "writing 0 to %s",
						path);
	}
	return 0;
}

int cell_ipv6_enable_if(const char *ifname, struct cell_error *err)
{
	int r = cell_ifname_check(ifname, err);
	if (r < 0)
		return r;
	if (access("/proc/sys/net/ipv6", F_OK) < 0)
		return 0;   /* no IPv6 here */
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	r = write_sysctl(path, "0");
	if (r < 0)
		return cell_error_errno(err, r, "writing 0 to %s", path);
	return 0;
}
