/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small rtnetlink helper: sockets opened inside a given network
 * namespace (a short-lived thread setns()es, opens, and exits; the socket
 * stays bound to that namespace), a request/ack exchange that keeps the
 * kernel's extended-ack text, and dumps. Plain socket calls and nlmsg.c,
 * no libmnl: one shared object less to load at every front end's exec.
 */
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "net/internal.h"
#include "net/nlmsg.h"
#include "state.h"

/* The receive buffer. The kernel sizes a dump's datagrams after the
 * largest buffer the socket has read with, but at most 32 KiB; a reply to
 * one request (RTM_GETLINK of one interface) is as large as the link's
 * attributes, and a jail's root can grow its own interfaces' with
 * alternative names (IFLA_PROP_LIST, a nest of at most 64 KiB): 128 KiB
 * takes any of them whole, where 32 KiB made the host's lookup of such an
 * interface fail (ENOSPC) at the jail's teardown. malloc'd, and only the
 * pages a reply touches are backed. */
#define NL_RECV_BUFLEN (128 * 1024)

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
	int fd;
	unsigned int portid;
};

static int open_in_ns(void *p)
{
	struct open_job *o = p;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
					NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* nl_pid 0: the kernel assigns the port id */
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	socklen_t sl = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		return -errno;
	if (sl != sizeof(sa) || sa.nl_family != AF_NETLINK)
		return -EINVAL;
	/* connected to the kernel: the kernel then refuses a datagram from
	 * any other socket (ECONNREFUSED to its sender), so a process of
	 * the namespace with CAP_NET_ADMIN (a vnet jail's root) can neither
	 * fill our receive buffer nor hand us a reply of its own */
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	o->portid = sa.nl_pid;
	o->fd = TAKE_FD(fd);
	return 0;
}

int cell_nl_open(struct cell_nl *nl, int netns_fd, struct cell_error *err)
{
	memset(nl, 0, sizeof(*nl));
	nl->fd = -1;
	struct open_job o = { -1, 0 };
	int r = netns_fd >= 0 ? cell_netns_run(netns_fd, open_in_ns, &o)
			      : open_in_ns(&o);
	if (r < 0)
		return cell_error_errno(err, r, "opening a netlink socket%s",
					netns_fd >= 0 ? " in the jail's netns"
						      : "");
	nl->fd = o.fd;
	nl->portid = o.portid;
	int one = 1;
	/* extended acks: the kernel says which attribute it refused; capped
	 * acks: an error does not echo the request back. Older kernels lack
	 * them, and the exchange works without. */
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
			 sizeof(one));
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
			 sizeof(one));
	nl->seq = (unsigned int)getpid() ^ 0x5a5a0000u;
	nl->buflen = NL_RECV_BUFLEN;
	nl->buf = malloc(nl->buflen);
	if (!nl->buf) {
		cell_nl_close(nl);
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

void cell_nl_close(struct cell_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
	nl->fd = -1;
}

int cell_nl_send(struct cell_nl *nl, struct nl_msg *m, uint16_t flags)
{
	/* a put that did not fit: the message is not what was meant */
	if (m->err)
		return m->err;
	m->nlh->nlmsg_flags |= flags;
	m->nlh->nlmsg_seq = ++nl->seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(nl->fd, m->nlh, m->nlh->nlmsg_len, 0,
		   (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

ssize_t cell_nl_recv(struct cell_nl *nl)
{
	for (;;) {
		struct sockaddr_nl sa;
		socklen_t sl = sizeof(sa);
		/* MSG_TRUNC: the datagram's real length, so that one larger
		 * than the buffer is an error rather than a cut-off reply */
		ssize_t n = recvfrom(nl->fd, nl->buf, nl->buflen, MSG_TRUNC,
				     (struct sockaddr *)&sa, &sl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (sl != sizeof(sa) || sa.nl_family != AF_NETLINK)
			return -EINVAL;
		/* only the kernel's replies (the socket is connected to the
		 * kernel, which refuses others' datagrams; this is the second
		 * line), and before the size: a stranger's oversized
		 * datagram must not fail the call */
		if (sa.nl_pid != 0)
			continue;
		if ((size_t)n > nl->buflen)
			return -ENOSPC;
		return n;
	}
}

/* Error from an NLMSG_ERROR message: 0 for an ack, else negative errno
 * with the extack text (if any) into err. */
static int nl_error(const struct nlmsghdr *nlh, const char *what,
		    struct cell_error *err)
{
	const struct nlmsgerr *e = nl_msg_payload(nlh, sizeof(*e));
	if (!e)
		return cell_error_set(err, -EBADMSG,
				      "%s: short netlink error message",
				      what);
	if (e->error == 0)
		return 0;
	int code = e->error < 0 ? e->error : -e->error;
	const char *msg = NULL;
	/* the TLVs follow the echoed request: its header only when capped,
	 * else the whole of it (a length below a header is malformed) */
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    ((nlh->nlmsg_flags & NLM_F_CAPPED) ||
	     e->msg.nlmsg_len >= NLMSG_HDRLEN)) {
		size_t off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		struct nl_attr_iter it;
		nl_attr_iter_msg(&it, nlh, off);
		for (const struct nlattr *a; (a = nl_attr_next(&it));)
			if (nl_attr_type(a) == NLMSGERR_ATTR_MSG &&
			    nl_attr_is_strz(a))
				msg = nl_attr_payload(a);
	}
	if (msg && *msg)
		return cell_error_errno(err, code, "%s (kernel: %s)", what,
					msg);
	return cell_error_errno(err, code, "%s", what);
}

int cell_nl_talk(struct cell_nl *nl, struct nl_msg *req, const char *what,
		 struct cell_error *err)
{
	int r = cell_nl_send(nl, req, NLM_F_REQUEST | NLM_F_ACK);
	if (r < 0)
		return cell_error_errno(err, r, "%s: sending", what);
	for (;;) {
		ssize_t n = cell_nl_recv(nl);
		if (n < 0)
			return cell_error_errno(err, (int)n, "%s: receiving",
						what);
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		size_t len = (size_t)n;
		for (; nl_msg_ok(h, len); h = nl_msg_next(h, &len)) {
			if (h->nlmsg_seq != nl->seq ||
			    h->nlmsg_pid != nl->portid)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return nl_error(h, what, err);
		}
	}
}

int cell_nl_dump(struct cell_nl *nl, struct nl_msg *req,
		 int (*cb)(const struct nlmsghdr *, void *), void *data,
		 const char *what, struct cell_error *err)
{
	int r = cell_nl_send(nl, req, NLM_F_REQUEST | NLM_F_DUMP);
	if (r < 0)
		return cell_error_errno(err, r, "%s: sending", what);
	for (;;) {
		ssize_t n = cell_nl_recv(nl);
		if (n < 0)
			return cell_error_errno(err, (int)n, "%s: receiving",
						what);
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		size_t len = (size_t)n;
		for (; nl_msg_ok(h, len); h = nl_msg_next(h, &len)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			/* a dump the kernel could not finish, or whose
			 * objects changed while it ran, is not complete: the
			 * caller must not act on a partial list (a bridge
			 * counted port-less and deleted) */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				return cell_error_set(err, -EAGAIN, "%s: the "
						      "dump was interrupted "
						      "(changed meanwhile)",
						      what);
			if (h->nlmsg_type == NLMSG_DONE) {
				const int *done = nl_msg_payload(h,
								 sizeof(int));
				if (done && *done < 0)
					return cell_error_errno(err, *done,
								"%s", what);
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				r = nl_error(h, what, err);
				if (r < 0)
					return r;
				continue;
			}
			r = cb(h, data);
			if (r == NL_CB_ERROR)
				return cell_error_set(err, -EBADMSG,
						      "%s: bad reply", what);
			if (r == NL_CB_STOP)
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

int cell_net_lock(struct cell_error *err)
{
	return cell_state_lock_file("net.lock", err);
}

void cell_net_unlock(int fd)
{
	if (fd >= 0)
		close(fd);   /* the lock goes with the open file description */
}
