/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A seccomp notify agent for the tests: notify_agent SOCK OUT
 *
 * Listens on the unix socket SOCK (linux.seccomp.listenerPath), takes one
 * connection from the runtime: the container process state as data and
 * the filter's listener as SCM_RIGHTS, writes the data to OUT, then
 * answers every notified system call with ENOMSG (so the container sees
 * an answer only an agent could give) until the filter's last process
 * is gone. Exits 0 when it got a listener.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: notify_agent SOCK OUT\n");
		return 2;
	}
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char tmp[sizeof(a.sun_path) + 8];
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(ls, 1) < 0) {
		perror("listen");
		return 1;
	}
	/* ready: the test waits for this file */
	snprintf(tmp, sizeof(tmp), "%s.ready", argv[1]);
	close(open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0) {
		perror("accept");
		return 1;
	}
	static char buf[1 << 16];
	size_t len = 0;
	int lfd = -1;
	for (;;) {
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr al;
		} u;
		struct iovec iov = { buf + len, sizeof(buf) - 1 - len };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = u.b,
				    .msg_controllen = sizeof(u.b) };
		ssize_t n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		if (cm && cm->cmsg_type == SCM_RIGHTS && lfd < 0)
			memcpy(&lfd, CMSG_DATA(cm), sizeof(int));
		len += (size_t)n;
		if (len >= sizeof(buf) - 1)
			break;
	}
	FILE *f = fopen(argv[2], "w");
	if (f) {
		fwrite(buf, 1, len, f);
		fprintf(f, "\n");
		fclose(f);
	}
	if (lfd < 0) {
		fprintf(stderr, "notify_agent: no listener received\n");
		return 1;
	}
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR)
				continue;
			break; /* ENOENT: no process left under the filter */
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -ENOMSG;
		ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	return 0;
}
