/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell audit, the run: the probe goes into the jail as a sealed memfd.
 *
 * Before the probe runs, the host side sets out what an escape would
 * find: a file outside the jail's root, a process with a known name in
 * the host's pid namespace, an abstract unix socket in the host's network
 * namespace. They are passed to the probe by name only; it reports
 * whether it reached them. Everything made here is removed on return.
 */
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "lifecycle.h"

static int policy_of(const struct cell_jail *j, struct cell_policy *pol,
		     int depth, struct cell_error *err)
{
	const char *dot = strrchr(j->name, '.');
	if (!dot)
		return cell_policy_derive(j, NULL, pol, err);
	if (depth > 16)
		return cell_error_set(err, -ELOOP, "audit: jail %s nests too "
				      "deep", j->name);
	char pname[CELL_NAME_MAX];
	snprintf(pname, sizeof(pname), "%.*s", (int)(dot - j->name), j->name);
	struct cell_record parent;
	int r = cell_state_find(pname, &parent, err);
	if (r < 0)
		return cell_error_set(err, r, "audit: parent jail %s of %s not "
				      "found", pname, j->name);
	struct cell_policy pp;
	r = policy_of(&parent.jail, &pp, depth + 1, err);
	cell_record_free(&parent);
	if (r < 0)
		return r;
	return cell_policy_derive(j, &pp, pol, err);
}

int cell_audit_policy(const struct cell_jail *j, struct cell_policy *pol,
		      struct cell_error *err)
{
	return policy_of(j, pol, 0, err);
}

/* The probe, copied into a memfd sealed against any change. */
static int sealed_probe(const char *path, struct cell_error *err)
{
	_cleanup_close_ int src = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (src < 0)
		return cell_error_errno(err, -errno, "audit: probe %s", path);
	struct stat st;
	if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode))
		return cell_error_set(err, -EINVAL, "audit: probe %s is not a "
				      "regular file", path);
	_cleanup_close_ int m = memfd_create("cell-audit-probe",
					     MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m < 0)
		return cell_error_errno(err, -errno, "audit: memfd_create");
	char buf[65536];
	for (;;) {
		ssize_t n = read(src, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cell_error_errno(err, -errno, "audit: reading "
						"%s", path);
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(m, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return cell_error_errno(err, -errno,
							"audit: memfd write");
			off += w;
		}
	}
	if (fchmod(m, 0555) < 0 ||
	    fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
				      F_SEAL_SEAL) < 0)
		return cell_error_errno(err, -errno, "audit: sealing the probe");
	return TAKE_FD(m);
}

/* A host process named comm, waiting to be found (killed by the caller,
 * or when the caller dies). */
static pid_t marker_process(const char *comm)
{
	pid_t parent = getpid();
	pid_t p = fork();
	if (p != 0)
		return p;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	prctl(PR_SET_NAME, comm);
	for (;;)
		pause();
}

static int abstract_listener(const char *name)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	memcpy(sun.sun_path + 1, name, len);
	if (bind(s, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			     len)) < 0 ||
	    listen(s, 4) < 0) {
		int e = -errno;
		close(s);
		return e;
	}
	return s;
}

/*
 * What the probe wrote, read once it has exited: only what is already
 * queued, never waiting for more. Whatever still holds the other end
 * (a copy a jailed process got hold of) cannot keep us here.
 */
static int read_all(int fd, char **out)
{
	size_t cap = 8192, len = 0;
	char *b = malloc(cap);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= (1u << 22))
				break; /* 4 MiB is far beyond any battery */
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t n = recv(fd, b + len, cap - len - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	b[len] = '\0';
	*out = b;
	return 0;
}

int cell_audit_run(const struct cell_record *rec,
		   const struct cell_audit_opts *o,
		   struct cell_audit_report *rep, struct cell_error *err)
{
	memset(rep, 0, sizeof(*rep));
	cell_error_context(err, rec->jail.name, "audit", NULL);
	struct cell_policy pol;
	int r = cell_audit_policy(&rec->jail, &pol, err);
	if (r < 0)
		return r;
	_cleanup_close_ int probe = sealed_probe(o->probe_path, err);
	if (probe < 0)
		return probe;

	/* what an escape would reach */
	char dir[] = "/tmp/cell-audit.XXXXXX";
	if (!mkdtemp(dir))
		return cell_error_errno(err, -errno, "audit: mkdtemp");
	char file[sizeof(dir) + 16];
	snprintf(file, sizeof(file), "%s/outside", dir);
	int ffd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (ffd >= 0)
		close(ffd);
	unsigned rnd = (unsigned)getpid() ^ (unsigned)time(NULL) ^
		       (unsigned)(uintptr_t)&rnd;
	char comm[16], sock[64], hostpid[16];
	snprintf(comm, sizeof(comm), "cellaud%05u", rnd % 100000);
	snprintf(sock, sizeof(sock), "cell-audit-%d-%08x", (int)getpid(), rnd);
	pid_t mark = marker_process(comm);
	snprintf(hostpid, sizeof(hostpid), "%d", (int)mark);
	int ls = abstract_listener(sock);

	const char *argv[16 + 2 * 8];
	size_t a = 0;
	argv[a++] = "cell-audit-probe";
	argv[a++] = "battery";
	argv[a++] = "-m";
	argv[a++] = comm;
	if (mark > 0) {
		argv[a++] = "-p";
		argv[a++] = hostpid;
	}
	argv[a++] = "-f";
	argv[a++] = file;
	if (ls >= 0) {
		argv[a++] = "-u";
		argv[a++] = sock;
	}
	for (size_t i = 0; o->reach && i < o->nreach && i < 8; i++) {
		argv[a++] = "-r";
		argv[a++] = o->reach[i];
	}
	argv[a] = NULL;

	int p[2] = { -1, -1 };
	_cleanup_close_ int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char *out = NULL;
	int status = 0;
	/* A socket, not a pipe: a jailed root can reopen a dumpable
	 * process's pipe through /proc/PID/fd/1 and write lines of its own
	 * into the report (or hold it open so that reading never ends); a
	 * socket cannot be opened by that path (ENXIO). */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) {
		r = cell_error_errno(err, -errno, "audit: socketpair");
	} else {
		/* the battery's output fits: the probe never blocks, and it
		 * is all queued when the probe has exited */
		int sz = 1 << 20;
		if (setsockopt(p[1], SOL_SOCKET, SO_SNDBUFFORCE, &sz,
			       sizeof(sz)) < 0)
			setsockopt(p[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		shutdown(p[1], SHUT_RD);
		shutdown(p[0], SHUT_WR);
		struct cell_exec x;
		cell_exec_init(&x);
		x.argv = (char *const *)argv;
		x.exec_fd = probe;
		x.clean_env = true;
		x.cwd = "/";
		x.stdio[0] = devnull;
		x.stdio[1] = p[1];
		x.stdio[2] = p[1];
		r = cell_exec(rec, &x, false, &status, NULL, err);
		close(p[1]);
		if (r == 0)
			r = read_all(p[0], &out);
		close(p[0]);
	}
	if (mark > 0) {
		kill(mark, SIGKILL);
		waitpid(mark, NULL, 0);
	}
	if (ls >= 0)
		close(ls);
	unlink(file);
	rmdir(dir);
	if (r < 0) {
		free(out);
		return r;
	}
	r = cell_audit_judge(&rec->jail, &pol, out, rep, err);
	if (r == 0) {
		rep->probe_status = status;
		if (!strstr(out, "\nend\n")) {
			/* a probe that died midway: its silence is no proof */
			rep->fails++;
		}
	}
	free(out);
	return r;
}

char *cell_audit_json(const struct cell_audit_report *rep)
{
	static const char *const vw[] = { "ok", "FAIL", "info" };
	json_t *lines = json_array();
	for (size_t i = 0; lines && i < rep->n; i++) {
		const struct cell_audit_line *l = &rep->lines[i];
		json_array_append_new(
			lines, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
					 "boundary", l->boundary, "probe",
					 l->key, "observed", l->observed,
					 "expected", l->expected, "param",
					 l->param, "verdict", vw[l->verdict],
					 "detail", l->detail));
	}
	json_t *doc = json_pack("{s:s,s:i,s:o,s:I,s:b}", "jail", rep->jail,
				"jid", rep->jid, "boundaries", lines, "fails",
				(json_int_t)rep->fails, "ok", rep->fails == 0);
	if (!doc)
		return NULL;
	char *s = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	return s;
}
