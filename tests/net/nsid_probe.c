/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-nsid-probe: what a vnet jail's root could do to the host's stack
 * through a network namespace id (test_vnet_jail.sh). Static: it runs in
 * busybox roots.
 *
 *   dellink NAME
 *       dump the jail's links; a link whose peer lives in another stack
 *       (the epair's) reports that stack's id (IFLA_LINK_NETNSID), which
 *       the kernel allocates for the dump. Then ask for RTM_DELLINK of
 *       NAME in that stack (IFLA_TARGET_NETNSID). Prints "nsid N" and
 *       "dellink: OK" or "dellink: <error>"; exit 0 when the link was
 *       deleted, 1 when refused, 2 on a failure of the probe itself.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IFLA_TARGET_NETNSID
#define IFLA_TARGET_NETNSID IFLA_IF_NETNSID
#endif

static int add_attr(struct nlmsghdr *h, size_t cap, unsigned short type,
		    const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(h->nlmsg_len);
	struct rtattr *a = (struct rtattr *)((char *)h + at);
	if (at + RTA_SPACE(len) > cap)
		return -1;
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = (unsigned)(at + RTA_SPACE(len));
	return 0;
}

/* the id of another stack that a link of ours reports, or -1 */
static int peer_nsid(int s)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = { .h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			 .nlmsg_seq = 1 },
		  .i = { .ifi_family = AF_UNSPEC } };
	if (send(s, &req, sizeof(req), 0) < 0)
		return -2;
	static char buf[65536];
	int nsid = -1;
	for (;;) {
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		if (n <= 0)
			return -2;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return nsid;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -2;
			struct ifinfomsg *i = NLMSG_DATA(h);
			int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*i));
			for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, len);
			     a = RTA_NEXT(a, len))
				if (a->rta_type == IFLA_LINK_NETNSID &&
				    RTA_PAYLOAD(a) >= sizeof(int))
					memcpy(&nsid, RTA_DATA(a), sizeof(int));
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "dellink")) {
		fprintf(stderr, "usage: cell-nsid-probe dellink NAME\n");
		return 2;
	}
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0) {
		printf("socket: %s\n", strerror(errno));
		return 2;
	}
	int nsid = peer_nsid(s);
	printf("nsid %d\n", nsid);
	if (nsid < 0)
		return 2;
	char buf[512] = { 0 };
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	h->nlmsg_type = RTM_DELLINK;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = 2;
	if (add_attr(h, sizeof(buf), IFLA_TARGET_NETNSID, &nsid,
		     sizeof(nsid)) < 0 ||
	    add_attr(h, sizeof(buf), IFLA_IFNAME, argv[2],
		     strlen(argv[2]) + 1) < 0 ||
	    send(s, buf, h->nlmsg_len, 0) < 0) {
		printf("send: %s\n", strerror(errno));
		return 2;
	}
	ssize_t n = recv(s, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    h->nlmsg_type != NLMSG_ERROR) {
		printf("dellink: no answer\n");
		return 2;
	}
	int e = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	printf("dellink: %s\n", e ? strerror(-e) : "OK");
	return e ? 1 : 0;
}
