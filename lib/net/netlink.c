/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small rtnetlink helper over libmnl: sockets opened inside a given
 * network namespace (a short-lived thread setns()es, opens, and exits; the
 * socket stays bound to that namespace), a request/ack exchange that keeps
 * the kernel's extended-ack text, and dumps.
 */
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"

struct ns_job {
	int netns_fd;
	int (*fn)(void *);
	void *arg;
	int ret;
};

static void *ns_thread(void *p)
{
	struct ns_job *j = p;
	if (j->netns_fd >= 0 && setns(j->netns_fd, CLONE_NEWNET) < 0) {
		j->ret = -errno;
		return NULL;
	}
	j->ret = j->fn(j->arg);
	return NULL;
}

int cell_netns_run(int netns_fd, int (*fn)(void *), void *arg)
{
	struct ns_job j = { netns_fd, fn, arg, -EINVAL };
	pthread_t t;
	int r = pthread_create(&t, NULL, ns_thread, &j);
	if (r)
		return -r;
	r = pthread_join(t, NULL);
	if (r)
		return -r;
	return j.ret;
}

struct open_job {
	struct mnl_socket *sock;
};

static int open_in_ns(void *p)
{
	struct open_job *o = p;
	o->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!o->sock)
		return -errno;
	if (mnl_socket_bind(o->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = -errno;
		mnl_socket_close(o->sock);
		o->sock = NULL;
		return e;
	}
	return 0;
}

int cell_nl_open(struct cell_nl *nl, int netns_fd, struct cell_error *err)
{
	memset(nl, 0, sizeof(*nl));
	struct open_job o = { NULL };
	int r = netns_fd >= 0 ? cell_netns_run(netns_fd, open_in_ns, &o)
			      : open_in_ns(&o);
	if (r < 0)
		return cell_error_errno(err, r, "opening a netlink socket%s",
					netns_fd >= 0 ? " in the jail's netns"
						      : "");
	nl->sock = o.sock;
	int one = 1;
	/* extended acks: the kernel says which attribute it refused */
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one,
				    sizeof(one));
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one,
				    sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)getpid() ^ 0x5a5a0000u;
	nl->buflen = MNL_SOCKET_BUFFER_SIZE > 32768 ? MNL_SOCKET_BUFFER_SIZE
						    : 32768;
	nl->buf = malloc(nl->buflen);
	if (!nl->buf) {
		cell_nl_close(nl);
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

void cell_nl_close(struct cell_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

static int extack_cb(const struct nlattr *a, void *data)
{
	const char **msg = data;
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		*msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* Error from an NLMSG_ERROR message: 0 for an ack, else negative errno
 * with the extack text (if any) into err. */
static int nl_error(const struct nlmsghdr *nlh, const char *what,
		    struct cell_error *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return cell_error_set(err, -EBADMSG,
				      "%s: short netlink error message",
				      what);
	if (e->error == 0)
		return 0;
	int code = e->error < 0 ? e->error : -e->error;
	const char *msg = NULL;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		unsigned int off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, off, extack_cb, &msg);
	}
	if (msg && *msg)
		return cell_error_errno(err, code, "%s (kernel: %s)", what,
					msg);
	return cell_error_errno(err, code, "%s", what);
}

int cell_nl_talk(struct cell_nl *nl, struct nlmsghdr *req, const char *what,
		 struct cell_error *err)
{
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return cell_error_errno(err, -errno, "%s: sending", what);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buflen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cell_error_errno(err, -errno, "%s: receiving",
						what);
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != nl->seq ||
			    h->nlmsg_pid != nl->portid)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return nl_error(h, what, err);
		}
	}
}

int cell_nl_dump(struct cell_nl *nl, struct nlmsghdr *req,
		 int (*cb)(const struct nlmsghdr *, void *), void *data,
		 const char *what, struct cell_error *err)
{
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return cell_error_errno(err, -errno, "%s: sending", what);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buflen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cell_error_errno(err, -errno, "%s: receiving",
						what);
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int r = nl_error(h, what, err);
				if (r < 0)
					return r;
				continue;
			}
			int r = cb(h, data);
			if (r == MNL_CB_ERROR)
				return cell_error_set(err, -EBADMSG,
						      "%s: bad reply", what);
			if (r == MNL_CB_STOP)
				return 0;
		}
	}
}

int cell_netns_open_pid(pid_t pid, struct cell_error *err)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_error_errno(err, -errno, "opening %s", p);
	return fd;
}
