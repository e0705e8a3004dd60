/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell console NAME [USER]: a login shell on a pseudo-terminal made inside
 * the jail (its own devpts; enter.c's console_sock), relayed to the
 * caller's terminal.
 *
 *   caller's terminal (raw) <-> this relay <-> pty master <-> jail's shell
 *
 * The jailed process is started by cell_exec() (detach=false) in a child
 * of ours, which reports the wait status (or the error) on a pipe; the
 * master arrives over a socketpair with SCM_RIGHTS. The caller's terminal
 * is put in raw mode, so ^C, ^Z, ^\ reach the jail's line discipline and
 * become signals for the jail's foreground process group; its termios is
 * restored on every way out. SIGWINCH copies the caller's window size to
 * the master (the kernel signals the jail's foreground group); SIGINT and
 * SIGQUIT sent to us (not from the keyboard) are written as the jail's
 * VINTR/VQUIT characters; SIGTERM and SIGHUP hang the terminal up (the
 * master is closed: the shell gets SIGHUP, as on a real line drop).
 * End of input on a non-terminal stdin is sent as VEOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "enter.h"
#include "lifecycle.h"
#include "mgr/mgr.h"
#include "state.h"

/* what the child running cell_exec() reports */
struct console_result {
	int r;
	int status;
	struct cell_error err;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pf = { .fd = fd, .events = POLLOUT };
				poll(&pf, 1, 1000);
				continue;
			}
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int recv_master(int sock)
{
	char byte;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (n == 0 || !c || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The jail's control character for a signal (^C, ^\ by default). */
static char cc_of(int master, int idx, char dflt)
{
	struct termios t;
	if (tcgetattr(master, &t) == 0 && t.c_cc[idx] != _POSIX_VDISABLE)
		return (char)t.c_cc[idx];
	return dflt;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (from >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
	    ws.ws_col)
		ioctl(to, TIOCSWINSZ, &ws);
}

struct relay {
	int in, out, master, sock, res, sig;
	bool in_open, master_open;
	bool hung_up;            /* SIGTERM or SIGHUP closed the master */
};

/*
 * The poll loop. Returns when the child reported (result in *res) and the
 * master's output is drained; -errno on a relay failure (the caller then
 * kills the jailed process by closing the master).
 */
static int relay_loop(struct relay *rl, struct console_result *res)
{
	char buf[16384];
	bool have_res = false;
	for (;;) {
		struct pollfd p[5];
		int np = 0, i_sig, i_res, i_sock = -1, i_in = -1, i_m = -1;
		i_sig = np;
		p[np++] = (struct pollfd){ .fd = rl->sig, .events = POLLIN };
		i_res = np;
		p[np++] = (struct pollfd){ .fd = have_res ? -1 : rl->res,
					   .events = POLLIN };
		if (rl->master < 0 && rl->sock >= 0) {
			i_sock = np;
			p[np++] = (struct pollfd){ .fd = rl->sock,
						   .events = POLLIN };
		}
		if (rl->master >= 0 && rl->in_open) {
			i_in = np;
			p[np++] = (struct pollfd){ .fd = rl->in,
						   .events = POLLIN };
		}
		if (rl->master >= 0 && rl->master_open) {
			i_m = np;
			p[np++] = (struct pollfd){ .fd = rl->master,
						   .events = POLLIN };
		}
		/* once the process ended: what it wrote last, then done */
		int timeout = have_res ? 200 : rl->hung_up ? 2000 : -1;
		if (have_res && (rl->master < 0 || !rl->master_open))
			return 0;
		int n = poll(p, (nfds_t)np, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0 && !have_res && rl->hung_up) {
			/* hung up, and the jail's program outlives its
			 * terminal (it ignores SIGHUP): the session is over
			 * without its status; reported as a hang-up */
			res->r = 0;
			res->status = SIGHUP;
			return 0;
		}
		if (n == 0)
			return 0; /* drained (or a background job holds it) */
		if (p[i_sig].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(rl->sig, &si, sizeof(si)) == sizeof(si) &&
			    rl->master >= 0) {
				char c;
				switch (si.ssi_signo) {
				case SIGWINCH:
					copy_winsize(rl->in, rl->master);
					break;
				case SIGINT:
					c = cc_of(rl->master, VINTR, 3);
					write_all(rl->master, &c, 1);
					break;
				case SIGQUIT:
					c = cc_of(rl->master, VQUIT, 28);
					write_all(rl->master, &c, 1);
					break;
				default: /* SIGTERM, SIGHUP: hang up */
					close(rl->master);
					rl->master = -1;
					rl->sock = -1;
					rl->master_open = false;
					rl->hung_up = true;
				}
			}
		}
		if (p[i_res].revents) {
			ssize_t r = read(rl->res, res, sizeof(*res));
			if (r != (ssize_t)sizeof(*res)) {
				res->r = -ECHILD;
				res->status = 0;
				cell_error_set(&res->err, -ECHILD, "lost the "
					       "process in the jail");
			}
			have_res = true;
			continue;
		}
		if (i_sock >= 0 && p[i_sock].revents) {
			int fd = recv_master(rl->sock);
			rl->sock = -1; /* one master, then the socket is done */
			if (fd >= 0) {
				rl->master = fd;
				rl->master_open = true;
				int fl = fcntl(fd, F_GETFL);
				fcntl(fd, F_SETFL, fl | O_NONBLOCK);
				copy_winsize(rl->in, fd);
			}
			continue;
		}
		if (i_in >= 0 && p[i_in].revents) {
			ssize_t r = read(rl->in, buf, sizeof(buf));
			if (r > 0) {
				write_all(rl->master, buf, (size_t)r);
			} else if (r == 0 || (errno != EINTR &&
					      errno != EAGAIN)) {
				/* end of input: the jail's EOF character */
				rl->in_open = false;
				char c = cc_of(rl->master, VEOF, 4);
				write_all(rl->master, &c, 1);
			}
		}
		if (i_m >= 0 && p[i_m].revents) {
			ssize_t r = read(rl->master, buf, sizeof(buf));
			if (r > 0) {
				if (write_all(rl->out, buf, (size_t)r) < 0)
					return -EPIPE;
			} else if (r == 0 || (errno != EINTR &&
					      errno != EAGAIN)) {
				/* EIO: no slave left open in the jail */
				rl->master_open = false;
			}
		}
	}
}

int cell_mgr_console(struct cell_mgr *m, const char *name,
		     const struct cell_mgr_console *c, int *status,
		     struct cell_error *err)
{
	if (!cell_mgr_name_ok(name))
		return cell_error_set(err, -EINVAL, "invalid jail name '%s'",
				      name);
	if (c->user && (!*c->user || strchr(c->user, '/') ||
			strchr(c->user, ':')))
		return cell_error_set(err, -EINVAL, "invalid user name '%s'",
				      c->user);
	(void)m;
	struct cell_record rec;
	int r = cell_state_find(name, &rec, NULL);
	if (r < 0 || !cell_running(&rec)) {
		if (r == 0)
			cell_record_free(&rec);
		return cell_error_set(err, -ESRCH, "jail '%s' is not running",
				      name);
	}
	char term[128] = "TERM=vt100";
	if (c->term && *c->term)
		snprintf(term, sizeof(term), "TERM=%s", c->term);
	char *env[] = { term, NULL };

	int sv[2], rp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		cell_record_free(&rec);
		return cell_error_errno(err, -errno, "socketpair");
	}
	_cleanup_close_ int sock = sv[0];
	_cleanup_close_ int sock_child = sv[1];
	if (pipe2(rp, O_CLOEXEC) < 0) {
		cell_record_free(&rec);
		return cell_error_errno(err, -errno, "pipe");
	}
	_cleanup_close_ int res_fd = rp[0];
	_cleanup_close_ int res_w = rp[1];

	/* signals become events for the relay from here on */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	_cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		r = cell_error_errno(err, -errno, "signalfd");
		sigprocmask(SIG_SETMASK, &old, NULL);
		cell_record_free(&rec);
		return r;
	}

	struct winsize ws = { 0 };
	bool have_ws = ioctl(c->in, TIOCGWINSZ, &ws) == 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		r = cell_error_errno(err, -errno, "fork");
		sigprocmask(SIG_SETMASK, &old, NULL);
		cell_record_free(&rec);
		return r;
	}
	if (pid == 0) {
		/* the jailed process inherits the mask through exec: it
		 * gets the caller's, not the relay's */
		sigprocmask(SIG_SETMASK, &old, NULL);
		struct console_result res = { 0 };
		struct cell_exec x;
		cell_exec_init(&x);
		x.user = c->user;
		x.login = true;
		x.clean_env = true;
		x.envp = env;
		x.console_sock = sock_child;
		if (have_ws) {
			x.console_rows = ws.ws_row;
			x.console_cols = ws.ws_col;
		}
		res.r = cell_exec(&rec, &x, false, &res.status, NULL,
				  &res.err);
		if (write(res_w, &res, sizeof(res)) != sizeof(res))
			_exit(127);
		_exit(0);
	}
	cell_record_free(&rec);
	close(TAKE_FD(sock_child));
	close(TAKE_FD(res_w));

	/* the caller's terminal in raw mode until we return */
	struct termios saved, raw;
	bool restore = isatty(c->in) && tcgetattr(c->in, &saved) == 0;
	if (restore) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(c->in, TCSADRAIN, &raw);
	}
	struct relay rl = { .in = c->in, .out = c->out, .master = -1,
			    .sock = sock, .res = res_fd, .sig = sfd,
			    .in_open = true };
	struct console_result res;
	memset(&res, 0, sizeof(res));
	r = relay_loop(&rl, &res);
	if (rl.master >= 0)
		close(rl.master); /* hangs up what is still attached */
	/* TCSAFLUSH: what the user's terminal answered to the jail's last
	 * queries (a cursor report, say) is not left for the host's shell */
	if (restore)
		tcsetattr(c->in, TCSAFLUSH, &saved);
	/* After a hang-up the jail's program may outlive its terminal (it
	 * ignores SIGHUP): the session is over, it goes on in the jail, and
	 * we do not wait for it beyond a moment. The child that started it
	 * stays to reap it (killed, it would leave the program's zombie
	 * unreaped in the jail), as a process of the host's init then. */
	int cst = 0;
	for (int tries = 0;; tries++) {
		pid_t w = waitpid(pid, &cst, rl.hung_up ? WNOHANG : 0);
		if (w == pid || (w < 0 && errno != EINTR) ||
		    (w == 0 && tries >= 20))
			break;
		if (w == 0)
			usleep(100000);
	}
	/* discard the signals that arrived for the relay, then unblock */
	struct signalfd_siginfo si;
	int fl = fcntl(sfd, F_GETFL);
	fcntl(sfd, F_SETFL, fl | O_NONBLOCK);
	while (read(sfd, &si, sizeof(si)) == sizeof(si))
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return cell_error_set(err, r, "console relay: %s",
				      strerror(-r));
	if (res.r < 0) {
		if (err)
			*err = res.err;
		return res.r;
	}
	if (status)
		*status = res.status;
	return 0;
}
