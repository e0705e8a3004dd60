/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Drives the parts of the enter API no command-line front end of the
 * core reaches by itself (the OCI runtime does, through the same calls):
 * an init that becomes the jail's process with a start gate, numeric
 * ids, umask, oom_score_adj, capability narrowing, a second seccomp
 * filter, exec of a descriptor and a pty made inside the jail.
 *
 *   enter-drive [options] PARAM=VALUE... -- ARGV...
 *     --proc            init becomes ARGV (else: create, then cell_exec)
 *     --gate            (with --proc) wait for the start byte, which we
 *                       send after printing "created"
 *     --uid U --gid G --group G (repeatable) --umask OCTAL --oom N
 *     --caps HEX        narrow to these capabilities
 *     --deny NAME       a second filter: NAME fails with EPERM
 *     --exec-fd FILE    execveat a sealed memfd copy of the host FILE
 *     --console         make a pty in the jail; relay its output here
 *     --exact-env       the environment is exactly the --env ones
 *     --env NAME=VALUE  (repeatable)
 *     --preserve N      keep descriptors 3..3+N-1 (this driver opens
 *                       /dev/null on them first)
 *     --notify NAME     (--proc) a second filter sends NAME to us as a
 *                       notification; we answer EXDEV
 *     --prepivot        (--proc) print what init looks like before its
 *                       pivot_root (its root is still the host's)
 *     --host-deny NAME[:MASK[:kill]]  fault injection: this driver
 *                       (the creator, and everything it starts) gets
 *                       ENOSYS for NAME, as from a kernel without it
 *                       (e.g. clone3); with MASK (hex) only when every
 *                       bit of MASK is set in the first argument
 *                       (unshare: 0x40000000 refuses CLONE_NEWNET only);
 *                       with kill, the calling thread is killed instead
 *                       (SECCOMP_RET_KILL_THREAD). Repeatable.
 * Prints "exit N" with the process's exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "lifecycle.h"

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) < 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int sealed_copy(const char *file)
{
	int in = open(file, O_RDONLY | O_CLOEXEC);
	int m = memfd_create("probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (in < 0 || m < 0)
		return -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(m, buf, (size_t)n) != n)
			return -1;
	close(in);
	fchmod(m, 0555);
	if (fcntl(m, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				      F_SEAL_WRITE) < 0)
		return -1;
	return m;
}

static void relay(int master)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	fflush(stdout);
}

static int show_prepivot(void *arg, pid_t pid, struct cell_error *err)
{
	(void)arg;
	(void)err;
	char p[64], root[256], mine[64], theirs[64];
	snprintf(p, sizeof(p), "/proc/%d/root", (int)pid);
	ssize_t n = readlink(p, root, sizeof(root) - 1);
	root[n > 0 ? n : 0] = '\0';
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
	n = readlink(p, theirs, sizeof(theirs) - 1);
	theirs[n > 0 ? n : 0] = '\0';
	n = readlink("/proc/self/ns/mnt", mine, sizeof(mine) - 1);
	mine[n > 0 ? n : 0] = '\0';
	printf("prepivot root=%s own-mntns=%s\n", root,
	       strcmp(mine, theirs) ? "yes" : "no");
	fflush(stdout);
	return 0;
}

/* answer one notification of the process's filter with EXDEV */
static void answer_one(int lfd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof(req));
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = -EXDEV;
	ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

int main(int argc, char **argv)
{
	/* static: it lives until the driver exits, whichever return that
	 * is (LeakSanitizer sees its lists reachable) */
	static struct cell_jail j;
	struct cell_error err;
	struct cell_exec x;
	cell_error_clear(&err);
	cell_jail_init(&j);
	cell_exec_init(&x);
	bool proc = false, gate = false, console = false;
	gid_t groups[16];
	size_t ng = 0;
	const char *deny = NULL, *notify = NULL, *host_deny[4];
	size_t n_host_deny = 0;
	bool prepivot = false;
	char *envs[16];
	size_t ne = 0;
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "--proc"))
			proc = true;
		else if (!strcmp(a, "--gate"))
			gate = true;
		else if (!strcmp(a, "--console"))
			console = true;
		else if (!strcmp(a, "--uid"))
			x.uid_set = true, x.uid = (uid_t)atoi(v), i++;
		else if (!strcmp(a, "--gid"))
			x.gid = (gid_t)atoi(v), i++;
		else if (!strcmp(a, "--group") && ng < 16)
			groups[ng++] = (gid_t)atoi(v), i++;
		else if (!strcmp(a, "--umask"))
			x.umask = (int)strtol(v, NULL, 8), i++;
		else if (!strcmp(a, "--oom"))
			x.oom_score_adj_set = true, x.oom_score_adj = atoi(v),
			i++;
		else if (!strcmp(a, "--caps"))
			x.caps_set = true, x.caps = strtoull(v, NULL, 16), i++;
		else if (!strcmp(a, "--deny"))
			deny = v, i++;
		else if (!strcmp(a, "--notify"))
			notify = v, i++;
		else if (!strcmp(a, "--prepivot"))
			prepivot = true;
		else if (!strcmp(a, "--host-deny") && n_host_deny < 4)
			host_deny[n_host_deny++] = v, i++;
		else if (!strcmp(a, "--exact-env"))
			x.exact_env = true;
		else if (!strcmp(a, "--env") && ne < 15)
			envs[ne++] = argv[i + 1], i++;
		else if (!strcmp(a, "--preserve")) {
			x.preserve_fds = (unsigned)atoi(v);
			for (unsigned k = 0; k < x.preserve_fds; k++) {
				int fd = open("/dev/null", O_RDONLY);
				if (fd >= 0 && fd != 3 + (int)k) {
					dup2(fd, 3 + (int)k);
					close(fd);
				}
			}
			i++;
		}
		else if (!strcmp(a, "--exec-fd")) {
			x.exec_fd = sealed_copy(v);
			if (x.exec_fd < 0) {
				perror(v);
				return 2;
			}
			i++;
		} else if (cell_param_set_arg(&j, a, &err) < 0) {
			fprintf(stderr, "enter-drive: %s\n", err.msg);
			return 2;
		}
	}
	if (i >= argc - 1) {
		fprintf(stderr, "enter-drive: no command\n");
		return 2;
	}
	x.argv = argv + i + 1;
	envs[ne] = NULL;
	if (ne)
		x.envp = envs;
	x.groups = groups;
	x.ngroups = ng;
	struct sock_fprog prog = { 0 };
	if (deny || notify) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		int nr = seccomp_syscall_resolve_name(deny ? deny : notify);
		if (!ctx || nr < 0 ||
		    seccomp_rule_add(ctx, deny ? SCMP_ACT_ERRNO(EPERM)
					       : SCMP_ACT_NOTIFY,
				     nr, 0) < 0) {
			fprintf(stderr, "enter-drive: bad --deny %s\n", deny);
			return 2;
		}
		int m = memfd_create("bpf", MFD_CLOEXEC);
		seccomp_export_bpf(ctx, m);
		off_t len = lseek(m, 0, SEEK_END);
		struct sock_filter *f = malloc((size_t)len);
		if (!f || pread(m, f, (size_t)len, 0) != len)
			return 2;
		prog.len = (unsigned short)(len / (off_t)sizeof(*f));
		prog.filter = f;
		x.extra_filter = &prog;
		x.extra_filter_listener = notify != NULL;
		seccomp_release(ctx);
		close(m);
	}
	if (n_host_deny) {
		scmp_filter_ctx hctx = seccomp_init(SCMP_ACT_ALLOW);
		for (size_t k = 0; hctx && k < n_host_deny; k++) {
			char name[64];
			snprintf(name, sizeof(name), "%s", host_deny[k]);
			char *colon = strchr(name, ':');
			unsigned long long mask = 0;
			uint32_t act = SCMP_ACT_ERRNO(ENOSYS);
			if (colon) {
				*colon = '\0';
				char *end;
				mask = strtoull(colon + 1, &end, 16);
				if (!strcmp(end, ":kill"))
					act = SCMP_ACT_KILL_THREAD;
			}
			int nr = seccomp_syscall_resolve_name(name);
			int rr = nr < 0 ? -1
				 : mask ? seccomp_rule_add(
						  hctx, act, nr, 1,
						  SCMP_A0(SCMP_CMP_MASKED_EQ,
							  mask, mask))
					: seccomp_rule_add(hctx, act, nr, 0);
			if (rr < 0) {
				fprintf(stderr, "enter-drive: bad --host-deny "
					"%s\n", host_deny[k]);
				return 2;
			}
		}
		if (!hctx || seccomp_load(hctx) < 0) {
			fprintf(stderr, "enter-drive: --host-deny: no filter\n");
			return 2;
		}
		seccomp_release(hctx);
	}
	int sv[2] = { -1, -1 };
	if (console) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return 2;
		x.console_sock = sv[1];
		x.console_rows = 33;
		x.console_cols = 77;
	}
	char fifo[4200];
	int gfd = -1;
	if (gate) {
		mkdir(cell_run_dir(), 0700);
		snprintf(fifo, sizeof(fifo), "%s/gate.%d", cell_run_dir(),
			 (int)getpid());
		if (mkfifo(fifo, 0600) < 0 ||
		    (gfd = open(fifo, O_RDWR | O_CLOEXEC)) < 0) {
			perror("fifo");
			return 2;
		}
	}
	struct cell_handle h;
	int status = 0;
	/* the library must leave the caller's descriptors alone */
	bool had0 = fcntl(0, F_GETFD) >= 0;
	if (proc) {
		int lfd = -1;
		struct cell_init_proc p = { .x = &x, .start_fd = gfd,
					    .listener_fd = &lfd };
		if (prepivot)
			p.prepivot = show_prepivot;
		if (cell_create_proc(&j, &p, &h, &err) < 0) {
			fprintf(stderr, "enter-drive: %s: %s: %s\n", err.step,
				err.path, err.msg);
			if (gate)
				unlink(fifo);
			return 1;
		}
		pid_t pid = h.rec.init_pid;
		cell_create_finish(&h);
		if (had0 && fcntl(0, F_GETFD) < 0)
			printf("the create closed descriptor 0\n");
		if (console) {
			close(sv[1]);
			int master = recv_fd(sv[0]);
			if (master < 0)
				return 1;
			printf("created\n");
			fflush(stdout);
			if (gate) {
				close(gfd);
				int w = open(fifo, O_WRONLY | O_NONBLOCK);
				if (w < 0 || write(w, "g", 1) != 1)
					return 1;
				close(w);
				unlink(fifo);
			}
			relay(master);
		} else {
			printf("created\n");
			fflush(stdout);
			if (gate) {
				close(gfd);
				int w = open(fifo, O_WRONLY | O_NONBLOCK);
				if (w < 0 || write(w, "g", 1) != 1)
					return 1;
				close(w);
				unlink(fifo);
			}
		}
		if (lfd >= 0)
			answer_one(lfd);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		cell_remove(j.name, NULL);
	} else {
		if (cell_create(&j, &h, &err) < 0) {
			fprintf(stderr, "enter-drive: %s: %s\n", err.step,
				err.msg);
			return 1;
		}
		if (had0 && fcntl(0, F_GETFD) < 0)
			printf("the create closed descriptor 0\n");
		int r = 0;
		if (console) {
			/* the pty's reader must run while the process writes */
			fflush(NULL);
			pid_t c = fork();
			if (c == 0) {
				close(sv[0]);
				r = cell_exec(&h.rec, &x, false, &status, NULL,
					      &err);
				if (r < 0)
					fprintf(stderr, "enter-drive: %s: %s\n",
						err.step, err.msg);
				_exit(r < 0 ? 255
					    : WIFEXITED(status)
						      ? WEXITSTATUS(status)
						      : 128);
			}
			close(sv[1]);
			int master = recv_fd(sv[0]);
			if (master >= 0)
				relay(master);
			while (waitpid(c, &status, 0) < 0 && errno == EINTR)
				;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 255)
				r = -1;
		} else {
			r = cell_exec(&h.rec, &x, false, &status, NULL, &err);
			if (r < 0)
				fprintf(stderr, "enter-drive: %s: %s\n",
					err.step, err.msg);
		}
		char key[16];
		snprintf(key, sizeof(key), "%d", h.rec.jail.jid);
		cell_create_finish(&h);
		cell_remove(key, NULL);
		if (r < 0)
			return 1;
	}
	printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status)
					       : 128 + WTERMSIG(status));
	return 0;
}
