/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A seccomp notify agent for the tests: notify_agent SOCK OUT [N]
 *
 * Listens on the unix socket SOCK (linux.seccomp.listenerPath) and takes
 * N connections (default 1) from the runtime, one per process given the
 * profile (create's, then exec's, as runc): each brings the container
 * process state as data and the filter's listener as SCM_RIGHTS. Each
 * message is appended to OUT as one line, then a child of the agent
 * answers every call notified on that listener with ENOMSG (so the
 * process sees an answer only an agent could give) until the filter's
 * last process is gone. Exits 0 when every connection brought a
 * listener and every listener's processes are gone.
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
#include <sys/wait.h>
#include <unistd.h>

/* One connection: its data appended to out, its listener (or -1). */
static int take(int c, const char *out)
{
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
	FILE *f = fopen(out, "a");
	if (f) {
		fwrite(buf, 1, len, f);
		fprintf(f, "\n");
		fclose(f);
	}
	return lfd;
}

static void answer(int lfd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR)
				continue;
			return; /* ENOENT: no process left under the filter */
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -ENOMSG;
		ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: notify_agent SOCK OUT [N]\n");
		return 2;
	}
	int want = argc == 4 ? atoi(argv[3]) : 1;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char tmp[sizeof(a.sun_path) + 8];
	if (want < 1 || ls < 0 || bind(ls, (struct sockaddr *)&a,
				       sizeof(a)) < 0 || listen(ls, 4) < 0) {
		perror("listen");
		return 1;
	}
	/* ready: the test waits for this file */
	snprintf(tmp, sizeof(tmp), "%s.ready", argv[1]);
	close(open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	int ret = 0;
	for (int i = 0; i < want; i++) {
		int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			perror("accept");
			return 1;
		}
		int lfd = take(c, argv[2]);
		close(c);
		if (lfd < 0) {
			fprintf(stderr, "notify_agent: connection %d: no "
				"listener received\n", i + 1);
			ret = 1;
			continue;
		}
		/* a child per listener: the next process's connection is
		 * taken while this one's calls are answered */
		pid_t p = fork();
		if (p < 0) {
			perror("fork");
			return 1;
		}
		if (p == 0) {
			answer(lfd);
			_exit(0);
		}
		close(lfd);
	}
	int st;
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			ret = 1;
	return ret;
}
