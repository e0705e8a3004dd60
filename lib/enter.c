/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Building and entering a jail, in one fixed order.
 *
 * CREATE (cell_enter_create), in the host:
 *   0. a vnet jail's network stack may be in the making (the
 *      placement's netns_ahead, net/stack.c: a thread of the creator, on
 *      a second CPU since the create began): then the clone has no
 *      NEWNET, the creator hands init the stack when it is ready (3b'),
 *      and init joins it before the first thing that depends on it:
 *      the jail's sysctls and own mounts (4b) when it has any, else
 *      sysfs (8).
 *   1. check that the jail's root is a directory (init opens it again,
 *      in its own mount namespace, with O_NOFOLLOW).
 *   2. clone3(CLONE_PIDFD | CLONE_INTO_CGROUP | NEWNS | NEWPID | NEWUTS
 *      | NEWIPC [| NEWNET] [| NEWUSER]): init is born inside every new
 *      namespace and inside the jail's cgroup v2 (or hybrid unified)
 *      directory at once, and the pidfd names it without the pid-reuse
 *      race. (Without CLONE_INTO_CGROUP when the kernel refuses it, and
 *      clone(2) when a filter refuses clone3.)
 *   3. the rest of the jail's cgroups (v1 hierarchies that hold a limit;
 *      all of them when step 2 could not clone into the cgroup) get
 *      init's pid before init does anything, so every process it will
 *      ever fork is counted and killable; then 'G'. (Nothing to do and
 *      no 'G' when the clone placed init completely.)
 *   3c. once init goes on ('G'), the device rules (placement's after_go)
 *      while init mounts: in place before init is ready, so before
 *      anything of the jail runs.
 * then, in init (pid 1 of the new pid namespace):
 *   4. PR_SET_PDEATHSIG and non-dumpable first: a creator that dies takes
 *      the half-built jail with it, and no process can ptrace init or open
 *      its /proc/1/exe, which is the host binary (CVE-2016-9962,
 *      CVE-2019-5736). Once placed (the creator's 'G'), a new cgroup
 *      namespace: one made at clone would be rooted at the creator's
 *      cgroups and show the jail the host's layout. Then cell.timens:
 *      unshare(CLONE_NEWTIME) and the clocks' offsets, before any
 *      process is in the new time namespace (the kernel takes offsets
 *      only until then); init's children and init's own exec enter it,
 *      and attach joins it through init's time_for_children.
 *   5. every mount made private, so nothing below propagates to the host.
 *   6. a recursive clone of the root tree (open_tree) is attached on the
 *      root and made nodev (device nodes in the jail's tree are inert;
 *      only /dev's own are usable); the jail's mount and mount.fstab
 *      lines follow; every later mount target is resolved with openat2
 *      RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS under it, so a symlink
 *      planted in the jail cannot send a mount outside (CVE-2021-30465,
 *      CVE-2019-19921, CVE-2025-31133 classes), and mounts are attached
 *      to descriptors with move_mount (new mount API).
 *   7. /proc (new instance, this pid namespace), then the masked and
 *      read-only paths over it: masking must follow the mount it masks.
 *   8. /sys read-only with its masks; cgroupfs is never mounted, so there
 *      is no release_agent to write (CVE-2022-0492).
 *   9. /dev: a fresh tmpfs holding only the nodes of devfs_ruleset, a
 *      private devpts instance, the fd and std links. Nodes are created on
 *      descriptors of our own tmpfs, never on the jail's /dev
 *      (CVE-2026-41579 class). Then the jail's mount lines below /dev,
 *      /proc or /sys, which 7-9 would have hidden (9a).
 *  10. pivot_root into the new root and detach the old one: from here on
 *      no host path is reachable.
 *  11. host name and domain name in the new UTS namespace.
 *  12. init drops every capability, sets no_new_privs, closes every
 *      descriptor but its control socket, and reaps. (jail -c command=:
 *      before that, init forks the command, which runs the tail below
 *      while the creator finishes and execs only when the creator opens
 *      its gate with one byte.)
 *
 * ATTACH (cell_enter_attach), for every process started in a jail:
 *   1. host-side lookups (host users) while we still see the host.
 *   2. fork a helper; it makes itself non-dumpable, opens the jail's
 *      cgroup namespace (as the host's root), then one setns() on init's
 *      pidfd joins every other namespace at once.
 *   3. the helper clones the jailed child (now in the jail's pid
 *      namespace) into the jail's cgroup v2 / unified directory; the
 *      host writes its pid into the rest of the jail's cgroups; then the
 *      child joins the jail's cgroup namespace and goes on.
 *   4. the child runs the tail: new session (no TIOCSTI into the host's
 *      terminal, CVE-2017-5226), stdio, close every other descriptor
 *      (CVE-2024-21626), user lookup in the jail's passwd as plain text
 *      (no NSS modules of the jail loaded into a privileged process),
 *      chdir and a check that the cwd is inside the jail, rlimits,
 *      capabilities (bounding set first, then permitted/effective),
 *      setgroups/setgid/setuid (which clear them for a non-root user),
 *      no_new_privs, the agent's filter, seccomp last, exec.
 *   5. the helper stays as the jail's agent (agent.c) when the policy
 *      grants host name changes or mounts (allow.set_hostname,
 *      allow.mount.*): it answers those calls of the jail's root, which
 *      has no CAP_SYS_ADMIN, after checking them.
 */
#include "enter.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/seccomp.h>
#include <termios.h>
#include <sys/uio.h>

#include "agent.h"
#include "cleanup.h"
#include "hostuser.h"
#include "net/net.h"
#include "param.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

extern char **environ;

/* A NULL-terminated copy of a NULL-terminated string array. */
static char **strv_dup(char *const *v)
{
	if (!v)
		return NULL;
	size_t n = 0;
	while (v[n])
		n++;
	char **c = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(v[i]))) {
			while (i-- > 0)
				free(c[i]);
			free(c);
			return NULL;
		}
	return c;
}

static void strv_freep(char ***v)
{
	for (char **p = *v; p && *p; p++)
		free(*p);
	free(*v);
}
#define _cleanup_strv_ __attribute__((cleanup(strv_freep)))

/* --- messages between creator, helper and init -------------------------- */

struct msg {
	char kind;              /* 'G' go, 'R' ready, 'E' error, 'P' persist */
	char arg;
	int code;
	int pid;
	char step[CELL_ERR_STEP_MAX];
	char text[CELL_ERR_MSG_MAX];
};

static int send_msg(int fd, const struct msg *m)
{
	ssize_t n;
	do {
		n = send(fd, m, sizeof(*m), MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK) /* the exec error pipe */
			n = write(fd, m, sizeof(*m));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*m) ? 0 : -EPIPE;
}

static int recv_msg(int fd, struct msg *m)
{
	ssize_t n;
	do
		n = recv(fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -EPIPE;
	if (n != (ssize_t)sizeof(*m))
		return n < 0 ? -errno : -EPROTO;
	m->step[sizeof(m->step) - 1] = '\0';
	m->text[sizeof(m->text) - 1] = '\0';
	return 0;
}

/* recv_msg that also takes a descriptor passed with send_fd (its one
 * byte of data is not a message: *fd >= 0 then, m untouched). */
static int recv_msg_fd(int fd, struct msg *m, int *pfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n;
	/* A peer that ended with our messages unread (init failing before
	 * it took the network stack made ahead) leaves ECONNRESET, which
	 * the kernel reports before, and only once ahead of, what that
	 * peer sent last: its error report. */
	bool reset = false;
	for (;;) {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n >= 0 || (errno != EINTR && (errno != ECONNRESET || reset)))
			break;
		reset |= errno == ECONNRESET;
	}
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (cm && cm->cmsg_level == SOL_SOCKET &&
	    cm->cmsg_type == SCM_RIGHTS) {
		memcpy(pfd, CMSG_DATA(cm), sizeof(int));
		return 0;
	}
	if (n == 0)
		return -EPIPE;
	if (n != (ssize_t)sizeof(*m))
		return n < 0 ? -errno : -EPROTO;
	m->step[sizeof(m->step) - 1] = '\0';
	m->text[sizeof(m->text) - 1] = '\0';
	return 0;
}

/* Report a failure from inside (init or tail) and leave. */
static void fail_to(int fd, const char *step, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
static void fail_to(int fd, const char *step, int code, const char *fmt, ...)
{
	struct msg m = { .kind = 'E', .code = code < 0 ? code : -code };
	snprintf(m.step, sizeof(m.step), "%s", step);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	send_msg(fd, &m);
	_exit(127);
}

static int send_fd(int sock, int fd);
static int recv_fd_kind(int sock, char *kind);
static pid_t pidfd_pid(int pidfd);
static pid_t pidfd_pid_at(int proc, int pidfd);
static pid_t clone_pidfd(unsigned long flags, int *pidfd);
static int open_own_proc(int *proc, int *mnt);
static void proc_path(int proc, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* --- fd-relative resolution inside the jail ------------------------------ */

/*
 * Open rel beneath root: no symlink may be followed and ".." cannot leave
 * root. openat2 does it in the kernel; where a filter refuses openat2 we
 * walk component by component with O_NOFOLLOW (same rules, slower).
 */
static int open_beneath(int root, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;

	/* Fallback walk. */
	char buf[PATH_MAX];
	if (cell_strlcpy(buf, rel, sizeof(buf)) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	_cleanup_close_ int cur = fcntl(root, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return -1;
	char *save = NULL;
	char *part = strtok_r(buf, "/", &save);
	while (part) {
		char *next = strtok_r(NULL, "/", &save);
		if (!strcmp(part, "..")) {
			errno = EXDEV;
			return -1;
		}
		if (strcmp(part, ".")) {
			int f = next ? O_PATH | O_DIRECTORY : flags;
			int nfd = openat(cur, part, f | O_CLOEXEC | O_NOFOLLOW);
			if (nfd < 0) {
				/* a symlink on the way reads ENOTDIR here
				 * (O_DIRECTORY | O_NOFOLLOW), which callers
				 * take for "not there": it is ELOOP, as
				 * RESOLVE_NO_SYMLINKS says */
				struct stat st;
				int e = errno;
				errno = e == ENOTDIR && next &&
						fstatat(cur, part, &st,
							AT_SYMLINK_NOFOLLOW) ==
							0 &&
						S_ISLNK(st.st_mode)
					? ELOOP
					: e;
				return -1;
			}
			close(cur);
			cur = nfd;
		}
		part = next;
	}
	return TAKE_FD(cur);
}

/* --- mounts (inside init, before pivot_root) ----------------------------- */

/* A fresh filesystem instance as a detached mount fd. */
static int new_fs(const char *type, const char *const *opts,
		  unsigned attrs)
{
	_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	for (; opts && opts[0]; opts += 2) {
		int r = opts[1] ? fsconfig(fs, FSCONFIG_SET_STRING, opts[0],
					   opts[1], 0)
				: fsconfig(fs, FSCONFIG_SET_FLAG, opts[0], NULL,
					   0);
		if (r < 0)
			return -errno;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	return m < 0 ? -errno : m;
}

static int attach_at(int mnt, int target)
{
	if (move_mount(mnt, "", target, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int set_ro(int mnt, bool recursive)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	if (mount_setattr(mnt, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
			  &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

/*
 * Cover each masked path: files with an empty read-only file, directories
 * with an empty read-only directory, both clones from one small tmpfs
 * (one file system instance for all masks). Missing paths are fine.
 *
 * Closing a mount that was never attached dissolves it, and each
 * dissolution waits for an RCU grace period: 0.05-0.15 ms while the
 * creator loads the device program on the other CPU. So the masks are
 * cloned straight from the tmpfs, the one detached mount, rather than
 * from detached clones of its file and directory (three of them).
 */
struct masks {
	int fs;     /* detached read-only tmpfs: "empty" and "dir" */
};

static int masks_make(struct masks *mk)
{
	static const char *const o[] = { "size", "4k", "mode", "0555", NULL };
	mk->fs = new_fs("tmpfs", o, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					    MOUNT_ATTR_NOEXEC);
	if (mk->fs < 0)
		return mk->fs;
	int f = openat(mk->fs, "empty", O_CREAT | O_EXCL | O_WRONLY |
						O_CLOEXEC, 0444);
	if (f < 0 || mkdirat(mk->fs, "dir", 0500) < 0) {
		int r = -errno;
		if (f >= 0)
			close(f);
		return r;
	}
	close(f);
	/* clones keep the read-only flag of what they clone */
	return set_ro(mk->fs, false);
}

static void masks_close(struct masks *mk)
{
	if (mk->fs >= 0)
		close(mk->fs);
}

/* Put the file or the directory mask over rel below to ("" : to). */
static int mask_attach(const struct masks *mk, bool dir, int to,
		       const char *rel)
{
	_cleanup_close_ int m = open_tree(mk->fs, dir ? "dir" : "empty",
					  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (m < 0 || move_mount(m, "", to, rel,
				MOVE_MOUNT_F_EMPTY_PATH |
					(rel[0] ? 0 : MOVE_MOUNT_T_EMPTY_PATH)) < 0)
		return -errno;
	return 0;
}

/* Cover rel (below root) with an empty read-only file or directory. */
static int mask_one(int root, const char *rel, const struct masks *mk,
		    char *bad, size_t badlen)
{
	_cleanup_close_ int t = open_beneath(root, rel, O_PATH);
	if (t < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(bad, badlen, "/%s", rel);
		return -errno;
	}
	struct stat st;
	if (fstat(t, &st) < 0)
		return -errno;
	int r = mask_attach(mk, S_ISDIR(st.st_mode), t, "");
	if (r < 0)
		snprintf(bad, badlen, "/%s", rel);
	return r;
}

/*
 * Make rel (below root) and everything under it read-only. A symlink
 * there would get a read-only mount of its own and leave its target
 * writable: it is followed, inside the root (RESOLVE_IN_ROOT, as runc
 * follows it), so the target is what turns read-only; where openat2 is
 * missing, refused (ELOOP) rather than a read-only path that is not.
 */
static int readonly_one(int root, const char *rel, char *bad, size_t badlen)
{
	_cleanup_close_ int t = open_beneath(root, rel, O_PATH);
	struct stat st;
	if (t >= 0 && fstat(t, &st) == 0 && S_ISLNK(st.st_mode)) {
		struct open_how how = {
			.flags = O_PATH | O_CLOEXEC,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		close(t);
		t = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
		if (t < 0 && (errno == ENOSYS || errno == EPERM))
			errno = ELOOP;
	}
	if (t < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(bad, badlen, "/%s", rel);
		return -errno;
	}
	_cleanup_close_ int m = open_tree(t, "", OPEN_TREE_CLONE |
							 OPEN_TREE_CLOEXEC |
							 AT_EMPTY_PATH |
							 AT_RECURSIVE);
	int r = m < 0 ? -errno : set_ro(m, true);
	if (r == 0)
		r = attach_at(m, t);
	if (r < 0)
		snprintf(bad, badlen, "/%s", rel);
	return r;
}

/*
 * The standard masks and read-only paths lie in a /proc or /sys we have
 * just mounted (fs, its new mount): a kernel file system that nothing of
 * the jail has run in yet, so the jail cannot have planted a symlink in
 * it, and the paths are looked up beneath that mount without the
 * RESOLVE_IN_ROOT walk the jail's own tree needs (mask_one). statx then
 * move_mount by name: half the system calls of the general path, for
 * some twenty-five mounts per jail. The last component is never
 * followed (no MOVE_MOUNT_T_SYMLINKS, AT_SYMLINK_NOFOLLOW).
 */
static int mask_fresh(int fs, const char *rel, const struct masks *mk)
{
	struct statx st;
	if (statx(fs, rel, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	if (!S_ISDIR(st.stx_mode) && !S_ISREG(st.stx_mode))
		return -ELOOP; /* a symlink or node where a file was meant */
	return mask_attach(mk, S_ISDIR(st.stx_mode), fs, rel);
}

static int readonly_fresh(int fs, const char *rel)
{
	_cleanup_close_ int m = open_tree(fs, rel, OPEN_TREE_CLONE |
							   OPEN_TREE_CLOEXEC |
							   AT_RECURSIVE |
							   AT_SYMLINK_NOFOLLOW);
	if (m < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	int r = set_ro(m, true);
	if (r == 0 && move_mount(m, "", fs, rel, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
	return r;
}

/* prefix: "proc/" or "sys/", the part of the tables under fs */
static int mask_paths(int fs, const char *prefix, const struct masks *mk,
		      char *bad, size_t badlen)
{
	size_t plen = strlen(prefix);
	for (const char *const *p = cell_masked_paths; *p; p++) {
		if (strncmp(*p, prefix, plen))
			continue;
		int r = mask_fresh(fs, *p + plen, mk);
		if (r < 0) {
			snprintf(bad, badlen, "/%s", *p);
			return r;
		}
	}
	return 0;
}

static int readonly_paths(int proc, char *bad, size_t badlen)
{
	for (const char *const *p = cell_readonly_paths; *p; p++) {
		if (strncmp(*p, "proc/", 5))
			continue;
		int r = readonly_fresh(proc, *p + 5);
		if (r < 0) {
			snprintf(bad, badlen, "/%s", *p);
			return r;
		}
	}
	return 0;
}

/*
 * cell.masked_paths and cell.readonly_paths: the jail's own additions
 * (OCI maskedPaths/readonlyPaths), after every standard mount so that
 * they can cover parts of /proc, /sys and /dev too. They only narrow.
 */
/* Whether rel is in a table whose mounts were made (std: bit 0 /proc's,
 * bit 1 /sys's, as build_root made them). */
static bool made_by_table(const char *const *table, const char *rel,
			  unsigned std)
{
	for (const char *const *p = table; *p; p++)
		if (!strcmp(*p, rel))
			return !strncmp(rel, "proc/", 5) ? std & 1
			       : !strncmp(rel, "sys/", 4) ? (std & 2) != 0
							  : false;
	return false;
}

static int extra_paths(const struct cell_jail *j, int root,
		       const struct masks *mk, unsigned std,
		       const char **step, char *bad, size_t badlen)
{
	/* An entry the standard tables already covered is not mounted a
	 * second time over itself (an OCI config repeats most of them):
	 * a mask for a masked path, a read-only path for a masked or a
	 * read-only one (a mask is the stricter of the two). */
	*step = "cell.masked_paths";
	for (size_t i = 0; i < j->masked_paths.n; i++) {
		const char *rel = j->masked_paths.v[i] + 1;
		if (made_by_table(cell_masked_paths, rel, std))
			continue;
		int r = mask_one(root, rel, mk, bad, badlen);
		if (r < 0)
			return r;
	}
	*step = "cell.readonly_paths";
	for (size_t i = 0; i < j->readonly_paths.n; i++) {
		const char *rel = j->readonly_paths.v[i] + 1;
		if (made_by_table(cell_masked_paths, rel, std) ||
		    made_by_table(cell_readonly_paths, rel, std))
			continue;
		int r = readonly_one(root, rel, bad, badlen);
		if (r < 0)
			return r;
	}
	return 0;
}

/* mkdir name in dir (ours, not the jail's) and mount a new fs on it;
 * the mode is taken as it is when the umask is 0 (make_dev's) */
static int mount_dir_in(int dir, const char *name, mode_t mode,
			const char *type, const char *const *opts,
			unsigned attrs)
{
	if (mkdirat(dir, name, mode) < 0)
		return -errno;
	_cleanup_close_ int fs = new_fs(type, opts, attrs);
	if (fs < 0)
		return fs;
	_cleanup_close_ int t = openat(dir, name, O_PATH | O_DIRECTORY |
							  O_CLOEXEC | O_NOFOLLOW);
	if (t < 0)
		return -errno;
	return attach_at(fs, t);
}

/* name below our /dev tmpfs, the host's /dev/name bound on it; the node
 * is checked to be the one the policy names before it is bound */
static int bind_host_node(int dev, const struct cell_devnode *n)
{
	const char *name = n->name;
	char host[64];
	snprintf(host, sizeof(host), "/dev/%s", name);
	_cleanup_close_ int src = open_tree(AT_FDCWD, host,
					    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (src < 0)
		return -errno;
	struct stat st;
	if (fstat(src, &st) < 0)
		return -errno;
	if ((n->type == 'b' ? !S_ISBLK(st.st_mode) : !S_ISCHR(st.st_mode)) ||
	    st.st_rdev != makedev(n->major, n->minor))
		return -ENODEV;
	int f = openat(dev, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC |
					  O_NOFOLLOW, 0666);
	if (f < 0)
		return -errno;
	close(f);
	_cleanup_close_ int t = openat(dev, name, O_PATH | O_CLOEXEC |
							  O_NOFOLLOW);
	if (t < 0)
		return -errno;
	return attach_at(src, t);
}

/* /dev's contents; the caller has set the umask to 0, so every node and
 * directory gets the mode the policy names */
static int fill_dev(int root, const struct cell_policy *pol, char *bad,
		    size_t badlen)
{
	_cleanup_close_ int target = open_beneath(root, "dev",
						  O_PATH | O_DIRECTORY);
	if (target < 0) {
		snprintf(bad, badlen, "/dev");
		return -errno;
	}
	/* uid/gid 0 of the namespace we are in: the jail's root's, also in
	 * a user namespace of its own */
	static const char *const o[] = { "mode", "0755", "size", "512k",
					 "uid", "0", "gid", "0", NULL };
	_cleanup_close_ int dev = new_fs("tmpfs", o,
					 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (dev < 0) {
		snprintf(bad, badlen, "/dev (tmpfs)");
		return dev;
	}
	int r = attach_at(dev, target);
	if (r < 0) {
		snprintf(bad, badlen, "/dev");
		return r;
	}
	/* dev now names the root of our own tmpfs, attached at /dev. */
	for (size_t i = 0; i < pol->dev_n; i++) {
		const struct cell_devnode *n = &pol->dev[i];
		const char *name = n->name;
		/* its directories (net/tun, dri/by-path/...), in our own
		 * fresh tmpfs: nothing there is the jail's yet */
		for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
			char dir[sizeof(n->name)];
			snprintf(dir, sizeof(dir), "%.*s", (int)(s - name),
				 name);
			mkdirat(dev, dir, 0755);
		}
		/* in a user namespace no node can be made: the host's own
		 * is bound on an empty file instead */
		bool bound = false;
		if (mknodat(dev, name, (n->type == 'b' ? S_IFBLK : S_IFCHR) |
					       n->mode,
			    makedev(n->major, n->minor)) < 0) {
			r = -errno;
			if (r == -EPERM) {
				bound = true;
				r = bind_host_node(dev, n);
			}
			if (r < 0) {
				snprintf(bad, badlen, "/dev/%s", name);
				return r;
			}
		}
		if (!n->uid && !n->gid)
			continue;
		/* cell.devices may name an owner. Not of a bound node:
		 * that is the host's own inode, which a chown would hand
		 * over on the host, beyond the jail's life (a map of the
		 * host's root, cell.uidmap=0:0:N, lets it through). Such a
		 * node keeps the host's owner; another asked is an error. */
		struct stat st;
		if (bound) {
			if (fstatat(dev, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				r = -errno;
			else if (st.st_uid != n->uid || st.st_gid != n->gid)
				r = -EPERM;
		} else if (fchownat(dev, name, n->uid, n->gid,
				    AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
		}
		if (r < 0) {
			snprintf(bad, badlen, "/dev/%s (owner%s)", name,
				 bound ? ": in a user namespace the node is "
					 "the host's, bound, with the host's "
					 "owner" : "");
			return r;
		}
	}
	/* POSIX shared memory, and a private devpts instance: the jail
	 * never sees host ptys */
	static const char *const so[] = { "mode", "1777", "size", "64m",
					  "uid", "0", "gid", "0", NULL };
	r = mount_dir_in(dev, "shm", 01777, "tmpfs", so,
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (r < 0) {
		snprintf(bad, badlen, "/dev/shm");
		return r;
	}
	if (pol->dev_pts) {
		static const char *const po[] = { "newinstance", NULL,
						  "ptmxmode", "0666", "mode",
						  "0620", NULL };
		r = mount_dir_in(dev, "pts", 0755, "devpts", po,
				 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
		if (r < 0) {
			snprintf(bad, badlen, "/dev/pts");
			return r;
		}
		if (symlinkat("pts/ptmx", dev, "ptmx") < 0) {
			snprintf(bad, badlen, "/dev/ptmx");
			return -errno;
		}
	}
	if (pol->dev_fd_links) {
		static const char *const links[][2] = {
			{ "/proc/self/fd", "fd" },
			{ "/proc/self/fd/0", "stdin" },
			{ "/proc/self/fd/1", "stdout" },
			{ "/proc/self/fd/2", "stderr" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(links); i++)
			if (symlinkat(links[i][0], dev, links[i][1]) < 0) {
				snprintf(bad, badlen, "/dev/%s", links[i][1]);
				return -errno;
			}
	}
	return 0;
}

static int make_dev(int root, const struct cell_policy *pol, char *bad,
		    size_t badlen)
{
	mode_t old = umask(0);
	int r = fill_dev(root, pol, bad, badlen);
	umask(old);
	return r;
}

/*
 * mount and mount.fstab: fstab(5) lines. As on FreeBSD the mount point is
 * a host path below the jail's path; here it is resolved beneath the
 * jail's root descriptor with no symlink followed, so a link planted in
 * the jail cannot move a mount outside (CVE-2021-30465 class).
 */
#define FSTAB_LINES_MAX 256

/*
 * X-mount.mkdir (util-linux's option): make a missing mount point below
 * root, one component at a time, never through a symlink or "..": a
 * directory, or an empty file when a file is bind-mounted on it (OCI
 * mounts of /etc/resolv.conf and the like).
 */
static int make_beneath(int root, const char *rel, bool dir)
{
	char buf[PATH_MAX];
	if (cell_strlcpy(buf, rel, sizeof(buf)) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int cur = fcntl(root, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return -errno;
	char *save = NULL;
	char *part = strtok_r(buf, "/", &save);
	while (part) {
		char *next = strtok_r(NULL, "/", &save);
		if (!strcmp(part, ".."))
			return -EXDEV;
		if (!strcmp(part, ".")) {
			part = next;
			continue;
		}
		bool last = !next;
		int nfd = openat(cur, part, O_PATH | O_NOFOLLOW | O_CLOEXEC |
						    (last && !dir ? 0
								  : O_DIRECTORY));
		if (nfd < 0 && errno == ENOENT) {
			if (last && !dir) {
				int f = openat(cur, part, O_CREAT | O_EXCL |
							  O_WRONLY | O_NOFOLLOW |
							  O_CLOEXEC, 0644);
				if (f < 0 && errno != EEXIST)
					return -errno;
				if (f >= 0)
					close(f);
			} else if (mkdirat(cur, part, 0755) < 0 &&
				   errno != EEXIST) {
				return -errno;
			}
			nfd = openat(cur, part,
				     O_PATH | O_NOFOLLOW | O_CLOEXEC |
					     (last && !dir ? 0 : O_DIRECTORY));
		}
		if (nfd < 0)
			return -errno;
		close(cur);
		cur = nfd;
		part = next;
	}
	return 0;
}

/* Options that are mount attributes, for every file system type. */
static bool mount_attr_option(const char *o, unsigned *set, bool *rec_ro)
{
	static const struct {
		const char *name;
		unsigned attr;
	} attrs[] = {
		{ "ro", MOUNT_ATTR_RDONLY },
		{ "nosuid", MOUNT_ATTR_NOSUID },
		{ "nodev", MOUNT_ATTR_NODEV },
		{ "noexec", MOUNT_ATTR_NOEXEC },
		{ "noatime", MOUNT_ATTR_NOATIME },
		{ "relatime", MOUNT_ATTR_RELATIME },
		{ "strictatime", MOUNT_ATTR_STRICTATIME },
		{ "nodiratime", MOUNT_ATTR_NODIRATIME },
	};
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
		if (!strcmp(o, attrs[i].name)) {
			*set |= attrs[i].attr;
			return true;
		}
	if (!strcmp(o, "rro")) {
		*set |= MOUNT_ATTR_RDONLY;
		*rec_ro = true;
		return true;
	}
	/* the defaults, and what only says "not the flag above" */
	static const char *const noops[] = {
		"rw", "defaults", "bind", "late", "suid", "dev", "exec",
		"atime", "diratime", "norelatime", "async", "auto",
		"noauto", "nofail",
	};
	for (size_t i = 0; i < ARRAY_SIZE(noops); i++)
		if (!strcmp(o, noops[i]))
			return true;
	return false;
}

static bool propagation_option(const char *o, unsigned long *prop)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} props[] = {
		{ "private", MS_PRIVATE },   { "rprivate", MS_PRIVATE },
		{ "slave", MS_SLAVE },       { "rslave", MS_SLAVE },
		{ "shared", MS_SHARED },     { "rshared", MS_SHARED },
		{ "unbindable", MS_UNBINDABLE },
		{ "runbindable", MS_UNBINDABLE },
	};
	for (size_t i = 0; i < ARRAY_SIZE(props); i++)
		if (!strcmp(o, props[i].name)) {
			*prop = props[i].flag;
			return true;
		}
	return false;
}

/*
 * Whether a mount point (relative to the root) lies below /dev, /proc or
 * /sys: the tables build_root mounts after the jail's own mounts, which
 * would hide it there (OCI's /dev/termination-log, an LXCFS file in
 * /proc). Such mounts go after the tables (late), the rest before them,
 * in jail(8)'s order.
 */
static bool mount_late(const char *rel)
{
	static const char *const std[] = { "dev/", "proc/", "sys/" };
	while (*rel == '/')
		rel++;
	for (size_t i = 0; i < ARRAY_SIZE(std); i++)
		if (!strncmp(rel, std[i], strlen(std[i])))
			return true;
	return false;
}

/*
 * A mount below /proc goes over the fresh /proc and its masks (9a), so
 * only these files may be mounted over, runc's list (checkProcMount:
 * what LXCFS and the like provide); a mount on /proc/sys, /proc/kcore or
 * anything else there would undo a mask or a read-only path.
 */
static bool proc_mount_ok(const char *rel)
{
	static const char *const ok[] = {
		"proc/cpuinfo", "proc/diskstats", "proc/meminfo", "proc/stat",
		"proc/swaps", "proc/uptime", "proc/loadavg", "proc/slabinfo",
		"proc/net/dev", "proc/sys/kernel/ns_last_pid",
	};
	while (*rel == '/')
		rel++;
	if (strncmp(rel, "proc/", 5))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (!strcmp(rel, ok[i]))
			return true;
	return false;
}

/*
 * X-mount.idmap=u:A:B:N g:A:B:N ... (util-linux's layout; items apart
 * by blanks, \040 in an fstab line): a user namespace whose uid_map and
 * gid_map hold "A B N" as given (as util-linux, runc and crun write
 * them), for MOUNT_ATTR_IDMAP. b: is both. The namespace is a child's
 * that waits on a pipe while we write its maps and open it, then goes;
 * its pid is the host's (init's /proc is still the host's here).
 * Returns the namespace's fd or -errno.
 */
#define IDMAP_LINES_MAX 16
static int idmap_userns(const char *spec)
{
	char uid[IDMAP_LINES_MAX * 40] = "", gid[IDMAP_LINES_MAX * 40] = "";
	size_t ul = 0, gl = 0;
	int items = 0;
	for (const char *s = spec; *s;) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		char t;
		unsigned long a, b, n;
		int used = 0;
		if (sscanf(s, "%c:%lu:%lu:%lu%n", &t, &a, &b, &n, &used) != 4 ||
		    (s[used] && s[used] != ' ') || !strchr("ugb", t) || !n ||
		    a > UINT32_MAX - 1 || b > UINT32_MAX - 1 ||
		    n > UINT32_MAX - a || n > UINT32_MAX - b ||
		    ++items > IDMAP_LINES_MAX || memchr(s, '-', (size_t)used))
			return -EINVAL;
		if (t != 'g')
			ul += (size_t)snprintf(uid + ul, sizeof(uid) - ul,
					       "%lu %lu %lu\n", a, b, n);
		if (t != 'u')
			gl += (size_t)snprintf(gid + gl, sizeof(gid) - gl,
					       "%lu %lu %lu\n", a, b, n);
		s += used;
	}
	if (!ul || !gl)
		return -EINVAL;   /* a mapping of uids and of gids */
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return -errno;
	int pidfd = -1;
	pid_t pid = clone_pidfd(CLONE_NEWUSER, &pidfd);
	if (pid < 0) {
		int r = -errno;
		close(pp[0]);
		close(pp[1]);
		return r;
	}
	if (pid == 0) {
		char c;
		close(pp[1]);
		(void)!read(pp[0], &c, 1);
		_exit(0);
	}
	close(pp[0]);
	int r = 0, ns = -1;
	_cleanup_close_ int mnt = -1;
	int proc;
	r = open_own_proc(&proc, &mnt);
	pid_t hp = r == 0 ? pidfd_pid_at(proc, pidfd) : -1;
	if (r == 0 && hp <= 0)
		r = -ESRCH;
	const char *const files[2] = { "uid_map", "gid_map" };
	const char *const maps[2] = { uid, gid };
	for (int i = 0; i < 2 && r == 0; i++) {
		char p[64];
		proc_path(proc, p, sizeof(p), "%d/%s", (int)hp, files[i]);
		int fd = openat(proc, p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		size_t l = strlen(maps[i]);
		if (fd < 0 || write(fd, maps[i], l) != (ssize_t)l)
			r = errno ? -errno : -EIO;
		if (fd >= 0)
			close(fd);
	}
	if (r == 0) {
		char p[64];
		/* (a magic link, followed: into the namespace) */
		proc_path(proc, p, sizeof(p), "%d/ns/user", (int)hp);
		ns = openat(proc, p, O_RDONLY | O_CLOEXEC);
		if (ns < 0)
			r = -errno;
	}
	close(pp[1]);   /* the child goes */
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
	close(pidfd);
	return r < 0 ? r : ns;
}

static int mount_line(const struct cell_jail *j, int root, const char *line,
		      bool late, char *bad, size_t badlen)
{
	char buf[CELL_VALUE_MAX];
	if (cell_strlcpy(buf, line, sizeof(buf)) < 0)
		return -E2BIG;
	char *save = NULL;
	char *spec = strtok_r(buf, " \t\n", &save);
	if (!spec || spec[0] == '#')
		return 0;
	char *file = strtok_r(NULL, " \t\n", &save);
	char *type = strtok_r(NULL, " \t\n", &save);
	char *opts = strtok_r(NULL, " \t\n", &save);
	snprintf(bad, badlen, "%.200s", line);
	if (!file || !type)
		return -EINVAL;
	cell_octal_unescape(spec);
	cell_octal_unescape(file);
	size_t pl = strlen(j->path);
	while (pl > 1 && j->path[pl - 1] == '/')
		pl--;
	if (strncmp(file, j->path, pl) || (file[pl] != '/' && file[pl]))
		return -EXDEV;
	const char *rel = file[pl] ? file + pl + 1 : ".";
	if (mount_late(rel) != late)
		return 0;
	if (!proc_mount_ok(rel)) {
		snprintf(bad, badlen, "/%.120s: below /proc only runc's "
			 "list of files may be mounted over", rel);
		return -EPERM;
	}
	/* Device nodes work only on the jail's /dev: every mount of the
	 * jail's own is nodev, whatever its line says. */
	unsigned attrs = MOUNT_ATTR_NODEV;
	unsigned long prop = 0;
	bool bind = !strcmp(type, "nullfs") || !strcmp(type, "bind") ||
		    !strcmp(type, "none");
	bool recursive = false, rec_ro = false, mkdir_target = false;
	_cleanup_close_ int fs = -1, userns = -1;
	if (!bind) {
		fs = fsopen(type, FSOPEN_CLOEXEC);
		if (fs < 0)
			return -errno;
		if (fsconfig(fs, FSCONFIG_SET_STRING, "source", spec, 0) < 0 &&
		    errno != EINVAL)
			return -errno;
	}
	char *o2 = NULL;
	for (char *o = opts ? strtok_r(opts, ",", &o2) : NULL; o;
	     o = strtok_r(NULL, ",", &o2)) {
		if (!strcmp(o, "rbind"))
			recursive = true;
		else if (!strcasecmp(o, "x-mount.mkdir"))
			mkdir_target = true;
		else if (!strncasecmp(o, "x-mount.idmap=", 14) && bind &&
			 userns < 0) {
			/* init is in the jail's user namespace by now, and
			 * only the host's root may idmap a host file system */
			if (j->uid_map.n) {
				snprintf(bad, badlen, "%.120s: X-mount.idmap "
					 "in a jail with cell.uidmap is not "
					 "supported", line);
				return -EOPNOTSUPP;
			}
			cell_octal_unescape(o + 14);
			userns = idmap_userns(o + 14);
			if (userns < 0)
				return userns;
		} else if (mount_attr_option(o, &attrs, &rec_ro) ||
			 propagation_option(o, &prop))
			continue;
		else if (bind)
			return -EINVAL;
		else {
			char *eq = strchr(o, '=');
			if (eq)
				*eq = '\0';
			if ((eq ? fsconfig(fs, FSCONFIG_SET_STRING, o, eq + 1, 0)
				: fsconfig(fs, FSCONFIG_SET_FLAG, o, NULL, 0)) <
			    0)
				return -errno;
		}
	}
	_cleanup_close_ int m = -1;
	bool source_dir = true;
	if (bind) {
		m = open_tree(AT_FDCWD, spec,
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				      (recursive ? AT_RECURSIVE : 0));
		if (m < 0)
			return -errno;
		struct stat st;
		if (fstat(m, &st) == 0)
			source_dir = S_ISDIR(st.st_mode);
		/* rbind,ro makes only the top read-only, as runc does;
		 * rro (OCI) makes the whole tree read-only. The other
		 * attributes (nodev first) apply to every mount below. */
		unsigned below = attrs;
		if (!rec_ro)
			below &= ~(unsigned)MOUNT_ATTR_RDONLY;
		struct mount_attr a = { .attr_set = below };
		if (mount_setattr(m, "", AT_EMPTY_PATH |
				  (recursive ? AT_RECURSIVE : 0), &a,
				  sizeof(a)) < 0)
			return -errno;
		if ((attrs & MOUNT_ATTR_RDONLY) && set_ro(m, false) < 0)
			return -errno;
		/* idmapped: ids on disk seen through the namespace's maps
		 * (the file system must allow it; a mount idmapped already
		 * cannot be again: EINVAL, EPERM) */
		struct mount_attr ia = { .attr_set = MOUNT_ATTR_IDMAP,
					 .userns_fd = (uint64_t)userns };
		if (userns >= 0 &&
		    mount_setattr(m, "", AT_EMPTY_PATH |
				  (recursive ? AT_RECURSIVE : 0), &ia,
				  sizeof(ia)) < 0)
			return -errno;
	} else {
		if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			return -errno;
		m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
		if (m < 0)
			return -errno;
	}
	if (prop) {
		struct mount_attr a = { .propagation = prop };
		if (mount_setattr(m, "", AT_EMPTY_PATH |
				  (recursive ? AT_RECURSIVE : 0), &a,
				  sizeof(a)) < 0)
			return -errno;
	}
	_cleanup_close_ int t = open_beneath(root, rel, O_PATH);
	if (t < 0 && errno == ENOENT && mkdir_target) {
		int r = make_beneath(root, rel, source_dir);
		if (r < 0)
			return r;
		t = open_beneath(root, rel, O_PATH);
	}
	if (t < 0)
		return -errno;
	return attach_at(m, t);
}

static int mount_fstab(const struct cell_jail *j, int root, bool late,
		       const char **step, char *bad, size_t badlen)
{
	size_t lines = 0;
	*step = "mount";
	for (size_t i = 0; i < j->mount.n; i++) {
		int r = mount_line(j, root, j->mount.v[i], late, bad, badlen);
		if (r < 0)
			return r;
		lines++;
	}
	*step = "mount.fstab";
	for (size_t i = 0; i < j->mount_fstab.n; i++) {
		_cleanup_free_ char *text = NULL;
		int r = cell_read_file(j->mount_fstab.v[i], 1 << 20, &text,
				       NULL);
		if (r < 0) {
			snprintf(bad, badlen, "%.200s", j->mount_fstab.v[i]);
			return r;
		}
		int lineno = 0;
		for (char *l = text, *next; l && *l; l = next) {
			next = strchr(l, '\n');
			if (next)
				*next++ = '\0';
			lineno++;
			if (++lines > FSTAB_LINES_MAX)
				return -E2BIG;
			r = mount_line(j, root, l, late, bad, badlen);
			if (r < 0) {
				char where[300];
				snprintf(where, sizeof(where), "%.200s:%d: ",
					 j->mount_fstab.v[i], lineno);
				size_t wl = strlen(where);
				if (wl < badlen) {
					memmove(bad + wl, bad,
						badlen - wl - 1);
					bad[badlen - 1] = '\0';
					memcpy(bad, where, wl);
				}
				return r;
			}
		}
	}
	return 0;
}


/*
 * host.hostuuid and host.hostid: FreeBSD's kern.hostuuid and kern.hostid
 * of the jail. On Linux a machine's identity is /etc/machine-id (the UUID,
 * 32 hex digits) and /etc/hostid (4 bytes, what gethostid(3) reads): each
 * is a read-only file of our own mounted over the jail's, so the jail
 * cannot change what the parameter says. Only where the jail has an /etc.
 */
static int identity_file(int root, int tmp, const char *name, const void *data,
			 size_t len, char *bad, size_t badlen)
{
	int f = openat(tmp, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
	if (f < 0)
		return -errno;
	ssize_t n = write(f, data, len);
	close(f);
	if (n != (ssize_t)len)
		return -EIO;
	char rel[64];
	snprintf(rel, sizeof(rel), "etc/%s", name);
	snprintf(bad, badlen, "/%s", rel);
	_cleanup_close_ int m = open_tree(tmp, name, OPEN_TREE_CLONE |
							    OPEN_TREE_CLOEXEC);
	if (m < 0)
		return -errno;
	int r = set_ro(m, false);
	if (r < 0)
		return r;
	_cleanup_close_ int t = open_beneath(root, rel, O_PATH);
	if (t < 0 && errno == ENOENT) {
		if ((r = make_beneath(root, rel, false)) < 0)
			return r;
		t = open_beneath(root, rel, O_PATH);
	}
	if (t < 0)
		return -errno;
	return attach_at(m, t);
}

static int identity_files(const struct cell_jail *j, int root,
			  const char **step, char *bad, size_t badlen)
{
	if (!j->hostuuid[0] && !j->hostid)
		return 0;
	_cleanup_close_ int etc = open_beneath(root, "etc",
					       O_PATH | O_DIRECTORY);
	if (etc < 0)
		return 0; /* no /etc: nothing reads them */
	static const char *const o[] = { "size", "4k", "mode", "0755", NULL };
	*step = "host.hostuuid";
	_cleanup_close_ int tmp = new_fs("tmpfs", o, MOUNT_ATTR_NOSUID |
							     MOUNT_ATTR_NODEV |
							     MOUNT_ATTR_NOEXEC);
	if (tmp < 0)
		return tmp;
	int r = 0;
	if (j->hostuuid[0]) {
		char id[34];
		size_t n = 0;
		for (const char *p = j->hostuuid; *p && n < 32; p++)
			if (*p != '-')
				id[n++] = (char)tolower((unsigned char)*p);
		id[n++] = '\n';
		r = identity_file(root, tmp, "machine-id", id, n, bad, badlen);
		if (r < 0)
			return r;
	}
	if (j->hostid) {
		*step = "host.hostid";
		int32_t id = (int32_t)(uint32_t)j->hostid;
		r = identity_file(root, tmp, "hostid", &id, sizeof(id), bad,
				  badlen);
	}
	return r;
}

/*
 * Steps 5 to 10, in init. On failure returns -errno with *step and bad
 * naming what failed.
 */
/*
 * init's side of step 0: the stack made ahead, from the creator's socket
 * (a descriptor with 'L', lo up, or 'D', lo down: made the clone's way),
 * joined. A creator that is gone (or gave up, and kills us) ends init.
 */
static int join_stack(int sock, char *why, size_t whylen)
{
	char kind = 0;
	int fd = recv_fd_kind(sock, &kind);
	if (fd < 0)
		_exit(1);
	int r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	if (r < 0) {
		snprintf(why, whylen, "joining the new network stack: %s",
			 strerror(-r));
		return r;
	}
	r = kind == 'L' ? 0 : cell_loopback_up();
	if (r < 0)
		snprintf(why, whylen, "bringing lo up: %s", strerror(-r));
	return r;
}

/* net_sock >= 0: the stack made ahead still to be joined (join_stack)
 * before sysfs */
static int build_root(const struct cell_jail *j, const struct cell_policy *pol,
		      const char *root_path, int rootfd, int net_sock,
		      int hook_sock, const char **step, char *bad,
		      size_t badlen)
{
	*step = "mount";
	/* 5: nothing we mount from here on propagates back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;

	/* What masked paths are covered with: reads give nothing and
	 * writes fail with EROFS (a device node such as /dev/null would
	 * take writes even on a read-only mount). */
	__attribute__((cleanup(masks_close))) struct masks mk;
	int mr = masks_make(&mk);
	if (mr < 0) {
		snprintf(bad, badlen, "mask file system");
		return mr;
	}

	/* 6: the root, as a mount of its own (pivot_root needs one) */
	*step = "root";
	_cleanup_close_ int at = rootfd >= 0
					 ? rootfd
					 : open(root_path, O_PATH | O_DIRECTORY |
								   O_CLOEXEC |
								   O_NOFOLLOW);
	if (at < 0) {
		snprintf(bad, badlen, "%.200s", j->path);
		return -errno;
	}
	_cleanup_close_ int root = open_tree(at, "",
					     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						     AT_EMPTY_PATH | AT_RECURSIVE);
	/* The masks' source goes into the host's tree first, on the jail's
	 * path under the root's clone (cloned already, so not part of it;
	 * attached after it, so under it): step 10's detach of the old root
	 * takes it along, inside the RCU grace period that detach waits for
	 * anyway. Left detached, its descriptor's close dissolved it with a
	 * grace period of its own, about 45 us on init's critical path.
	 * Nothing of the jail ever sees it: it leaves with the host's tree. */
	if (root < 0 || attach_at(mk.fs, at) < 0 || attach_at(root, at) < 0) {
		snprintf(bad, badlen, "%.200s", j->path);
		return -errno;
	}
	/* root now names the top of the attached clone. Device nodes in
	 * the jail's own tree are inert (nodev): the only usable nodes are
	 * the ones step 9 puts on /dev. */
	{
		struct mount_attr a = { .attr_set = MOUNT_ATTR_NODEV };
		if (mount_setattr(root, "", AT_EMPTY_PATH | AT_RECURSIVE, &a,
				  sizeof(a)) < 0) {
			snprintf(bad, badlen, "%.200s (nodev)", j->path);
			return -errno;
		}
	}

	/* 6b: the jail's own mounts (mount, mount.fstab), before the
	 * standard ones, in jail(8)'s order; those below /dev, /proc or
	 * /sys after them (9a: mount_late) */
	if (j->mount.n || j->mount_fstab.n) {
		int r = mount_fstab(j, root, false, step, bad, badlen);
		if (r < 0)
			return r;
	}

	/* which standard tables were mounted (extra_paths skips them) */
	unsigned std = 0;

	/* 7: /proc */
	if (j->mount_procfs) {
		*step = "mount.procfs";
		_cleanup_close_ int t = open_beneath(root, "proc",
						     O_PATH | O_DIRECTORY);
		if (t < 0) {
			snprintf(bad, badlen, "/proc");
			return -errno;
		}
		_cleanup_close_ int proc = new_fs(
			"proc", NULL,
			MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
		int r = proc < 0 ? proc : attach_at(proc, t);
		if (r < 0) {
			snprintf(bad, badlen, "/proc");
			return r;
		}
		*step = "masked paths";
		r = mask_paths(proc, "proc/", &mk, bad, badlen);
		if (r < 0)
			return r;
		*step = "read-only paths";
		r = readonly_paths(proc, bad, badlen);
		if (r < 0)
			return r;
		std |= 1;
	}

	/* 8: /sys read-only, when the jail has a /sys; sysfs shows the
	 * network namespace of who mounts it: the stack made ahead first */
	if (net_sock >= 0) {
		*step = "vnet";
		int r = join_stack(net_sock, bad, badlen);
		if (r < 0)
			return r;
	}
	{
		_cleanup_close_ int t = open_beneath(root, "sys",
						     O_PATH | O_DIRECTORY);
		if (t >= 0) {
			*step = "sysfs";
			_cleanup_close_ int sys = new_fs(
				"sysfs", NULL,
				MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
			/* sysfs of a foreign network namespace may be
			 * refused; a jail without /sys works on. */
			if (sys >= 0) {
				int r = attach_at(sys, t);
				if (r < 0) {
					snprintf(bad, badlen, "/sys");
					return r;
				}
				*step = "masked paths";
				r = mask_paths(sys, "sys/", &mk, bad, badlen);
				if (r < 0)
					return r;
				std |= 2;
			}
		}
	}

	/* 9: /dev */
	if (j->mount_devfs) {
		*step = "mount.devfs";
		int r = make_dev(root, pol, bad, badlen);
		if (r < 0)
			return r;
	}
	/* 9a: the jail's own mounts below /dev, /proc or /sys */
	if (j->mount.n || j->mount_fstab.n) {
		int r = mount_fstab(j, root, true, step, bad, badlen);
		if (r < 0)
			return r;
	}

	/* 9b: the jail's own masked and read-only paths, then a
	 * read-only root (its submounts keep their own flags) */
	{
		int r = extra_paths(j, root, &mk, std, step, bad, badlen);
		if (r < 0)
			return r;
	}
	/* 9d: the jail's identity files */
	{
		int r = identity_files(j, root, step, bad, badlen);
		if (r < 0)
			return r;
	}
	if (j->root_readonly) {
		*step = "cell.root_readonly";
		int r = set_ro(root, false);
		if (r < 0) {
			snprintf(bad, badlen, "%.200s", j->path);
			return r;
		}
	}

	/* 9c: the creator's hook point (OCI createRuntime/createContainer):
	 * namespaces and mounts made, the root not yet switched */
	if (hook_sock >= 0) {
		*step = "prepivot";
		struct msg h = { .kind = 'H' }, c;
		if (send_msg(hook_sock, &h) < 0 || recv_msg(hook_sock, &c) < 0 ||
		    c.kind != 'C') {
			snprintf(bad, badlen, "the creator's hooks failed");
			return -ECANCELED;
		}
	}

	/* 10: switch roots; the old root is detached, not just hidden */
	*step = "pivot_root";
	if (fchdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		snprintf(bad, badlen, "%.200s", j->path);
		return -errno;
	}
	return 0;
}

/* --- init ---------------------------------------------------------------- */

static volatile sig_atomic_t init_persist_flag = -1;

/* Only the host may change persistence: a sender outside our pid
 * namespace has no pid here, so si_pid is 0; one inside is ignored. */
static void init_on_usr(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* SI_USER cannot be forged with rt_sigqueueinfo by another process */
	if (si->si_code != SI_USER || si->si_pid != 0)
		return;
	init_persist_flag = sig == SIGUSR2;
}

/*
 * The jail's pid 1: reap, and live while the jail should. Persistence is
 * "temporary" while the creator holds the socket (jail(8)'s clear_persist)
 * and then what the creator said; SIGUSR1 / SIGUSR2 from jail -m clear and
 * set it later.
 */
static __attribute__((noreturn)) void init_loop(int sock, pid_t cmd,
						bool persist)
{
	bool held = true;
	bool told = false;   /* a 'P' came: persist is the creator's word */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	struct sigaction sa = { .sa_sigaction = init_on_usr,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	/* SIGTERM / SIGINT / SIGHUP from the host: jail -r ends us with
	 * SIGKILL after stop.timeout; ignore the polite ones. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	for (;;) {
		/* reap before waiting: a command that ended before SIGCHLD
		 * was blocked above (keep_init forks it earlier) left a
		 * zombie and no signal, and poll alone would wait forever */
		bool cmd_ended = false;
		int cmd_status = 0;
		for (;;) {
			int st = 0;
			pid_t w = waitpid(-1, &st, WNOHANG);
			if (w > 0 && w == cmd && held) {
				cmd_ended = true;
				cmd_status = st;
			}
			if (w > 0)
				continue;
			bool none = w < 0 && errno == ECHILD;
			if (cmd_ended) {
				/* the start command's end, for jail -c, once
				 * every child that ended with it is reaped:
				 * arg '1' when others still run (init stays,
				 * the jail is not empty), '0' when none do */
				struct msg x = { .kind = 'X', .code = cmd_status,
						 .arg = w == 0 ? '1' : '0' };
				send_msg(sock, &x);
				/* and then, told it is not persistent (the
				 * creator's last 'P' came before it opened the
				 * command's gate), init ends now rather than
				 * after one more round trip for the release:
				 * the creator wants nothing else of it */
				if (none && told && !persist)
					_exit(0);
			}
			if (none && !held && !persist)
				_exit(0);
			break;
		}
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = held ? sock : -1,
					 .events = POLLIN } };
		int n = poll(p, 2, -1);
		if (init_persist_flag >= 0) {
			persist = init_persist_flag;
			init_persist_flag = -1;
		}
		if (n < 0 && errno != EINTR)
			_exit(1);
		if (held && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			struct msg m;
			if (recv_msg(sock, &m) < 0) {
				held = false;
				close(sock);
			} else if (m.kind == 'P') {
				persist = m.arg == '1';
				told = true;
			}
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) > 0)
				;
		}
	}
}

/* Drop everything init does not need: it only waits and reaps. */
static int init_drop(int keep_fd)
{
	for (int c = 0; c <= CAP_LAST_CAP + 8; c++)
		prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3
	};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (capset(&hdr, data) < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++) {
		if (nul >= 0)
			dup2(nul, fd);
		else
			close(fd);
	}
	if (keep_fd > 3)
		close_range(3, (unsigned)keep_fd - 1, 0);
	close_range((unsigned)keep_fd + 1, ~0U, 0);
	return 0;
}

/*
 * Where our command line lies in memory (fields 48 and 49 of
 * /proc/self/stat: arg_start, arg_end), 0 or -errno. Read on the host's
 * /proc: by init for a top-level jail, by the creator for a child jail,
 * whose init is a copy of it (forks, no exec: the same span) and sees
 * only its parent jail's /proc, which that jail shapes (without a procfs
 * there its root owns the directory: a planted "stat" would have init
 * wipe memory it chose).
 */
static int cmdline_span(unsigned long *start, unsigned long *end)
{
	*start = *end = 0;
	_cleanup_free_ char *buf = NULL;
	int r = cell_read_file("/proc/self/stat", 4096, &buf, NULL);
	if (r < 0)
		return r;
	char *p = strrchr(buf, ')');
	/* field 3 follows ") " */
	for (int field = 2; p && field < 48; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%lu %lu", start, end) != 2 || *end <= *start)
		return -EINVAL;
	return 0;
}

/*
 * init is a copy of the host command that created it: replace its command
 * line (start .. end, from cmdline_span()), so the jail does not read the
 * host's argv in /proc/1/cmdline.
 */
static void hide_cmdline(unsigned long start, unsigned long end)
{
	prctl(PR_SET_NAME, "init", 0, 0, 0);
	if (end <= start)
		return;
	char *args = (char *)start;
	memset(args, 0, end - start);
	snprintf(args, end - start, "init");
}

static __attribute__((noreturn)) void tail(const struct cell_jail *j,
					   const struct cell_policy *pol,
					   const struct cell_exec *x,
					   const struct cell_user *host_u,
					   int go_fd, int err_fd, bool as_init,
					   int gate_fd);

/* What init is born with. */
struct init_args {
	const struct cell_jail *j;
	const struct cell_policy *pol;
	const char *root_path;          /* the jail's root, as init sees it */
	bool nested;                    /* cloned inside a parent jail */
	int sock;                       /* to the creator */
	const struct cell_init_proc *proc;
	int nsfd[3];                    /* cell.netns, ipcns, utsns or -1 */
	bool net_late;                  /* the stack made ahead comes on
					 * sock (join_stack) */
	int gate[2];                    /* keep_init: the command's gate */
	bool no_go;                     /* placed at clone: no 'G' comes */
	/* CLONE_NEW* of the namespaces joined by path (nsfd) that are the
	 * creator's own, or a child jail's parent's: they take no sysctl
	 * (shared_ns, set_sysctls) */
	int host_ns, parent_ns;
	bool mm_safe;                   /* nested: shared_mm_safe(), read
					 * by the creator */
	unsigned long arg_start, arg_end; /* nested: cmdline_span(), read
					   * by the creator */
};

static unsigned long ns_flags(const struct cell_jail *j);

int cell_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   1U /* LANDLOCK_CREATE_RULESET_VERSION */);
	return abi < 0 ? 0 : (int)abi;
}

/* Landlock's scope for abstract unix sockets (ABI 6): a ruleset that
 * handles no access, only the scope. 0 without it (ABI < 6, Landlock
 * off), else -errno. */
static int scope_abstract_unix(void)
{
	if (cell_landlock_abi() < 6)
		return 0;
	struct {
		uint64_t handled_access_fs;
		uint64_t handled_access_net;
		uint64_t scoped;
	} attr = { 0, 0, 1U /* LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET */ };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr,
			      sizeof(attr), 0);
	if (rs < 0)
		return -errno;
	int r = syscall(SYS_landlock_restrict_self, rs, 0) < 0 ? -errno : 0;
	close(rs);
	return r;
}

static const int join_types[3] = { CLONE_NEWNET, CLONE_NEWIPC,
				   CLONE_NEWUTS };
static const char *const join_params[3] = { "cell.netns", "cell.ipcns",
					    "cell.utsns" };

/*
 * /proc/sys, for set_sysctls: a /proc/sys file shows the namespaces of
 * the process that opens it, whichever procfs instance it is on. A
 * top-level jail's init has the host's /proc. A child jail's init has its
 * parent jail's, whose /proc/sys is read-only (a read-only path) and which that
 * jail shapes (it may have no procfs there at all, and its root owns the
 * directory): it mounts a procfs of its own for the purpose, of its own
 * pid namespace, detached (attached nowhere, seen by no one, gone with
 * its last descriptor). *mnt holds that mount while sys is used.
 */
static int open_proc_sys(int *mnt)
{
	int proc;
	int r = open_own_proc(&proc, mnt);
	if (r < 0)
		return r;
	char p[16];
	proc_path(proc, p, sizeof(p), "sys");
	int fd = openat(proc, p, O_PATH | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * init's own view of processes for what it reads and writes through
 * /proc before the jail's root is built (timens_offsets, the maps of an
 * idmap's user namespace): the host's /proc for a top-level jail, a
 * procfs of its own for a child jail (see open_proc_sys: its /proc is
 * its parent jail's, which that jail shapes). *proc is AT_FDCWD for the
 * host's (paths "/proc/..."), else the detached mount's root, which *mnt
 * holds too (the caller closes it). 0 or -errno.
 */
static bool init_nested;   /* init_main's: a child jail's init */

static int open_own_proc(int *proc, int *mnt)
{
	*proc = AT_FDCWD;
	*mnt = -1;
	if (!init_nested)
		return 0;
	int m = new_fs("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     MOUNT_ATTR_NOEXEC);
	if (m < 0)
		return m;
	*proc = *mnt = m;
	return 0;
}

/* a path below the procfs open_own_proc gave: "/proc/REL" or "REL" */
static void proc_path(int proc, char *buf, size_t len, const char *fmt, ...)
{
	int n = snprintf(buf, len, "%s", proc == AT_FDCWD ? "/proc/" : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * cell.sysctl: written before the jail's root is built, when init is in
 * the jail's network and IPC namespaces already. The keys were checked on
 * the way in (param.c): namespaced ones only, each in a namespace the
 * jail makes or joins. host_ns, parent_ns: the namespaces (CLONE_NEW*)
 * init joined that are its creator's own (a cell.netns of
 * /proc/1/ns/net, say) or, for a child jail, its parent's (shared_ns):
 * their sysctls would be the host's or the parent jail's, refused here as
 * runc refuses the host's.
 */
static int set_sysctls(const struct cell_jail *j, bool nested, int host_ns,
		       int parent_ns, char *bad, size_t badlen)
{
	if (!j->sysctl.n)
		return 0;
	for (size_t i = 0; i < j->sysctl.n; i++) {
		int ns = cell_sysctl_ns(j->sysctl.v[i]);
		if (ns & (host_ns | parent_ns)) {
			snprintf(bad, badlen, "%.200s (the joined namespace "
				 "is the %s)", j->sysctl.v[i],
				 ns & host_ns ? "host's" : "parent jail's");
			return -EPERM;
		}
	}
	_cleanup_close_ int mnt = -1;
	_cleanup_close_ int sys = open_proc_sys(&mnt);
	if (sys < 0) {
		snprintf(bad, badlen, "%s", nested ? "a procfs of init's own"
						   : "/proc/sys");
		return sys;
	}
	for (size_t i = 0; i < j->sysctl.n; i++) {
		const char *kv = j->sysctl.v[i];
		const char *eq = strchr(kv, '=');
		char key[128];
		snprintf(bad, badlen, "%.200s", kv);
		if (!eq || (size_t)(eq - kv) >= sizeof(key))
			return -EINVAL;
		memcpy(key, kv, (size_t)(eq - kv));
		key[eq - kv] = '\0';
		for (char *p = key; *p; p++)
			if (*p == '.')
				*p = '/';
		struct open_how how = {
			.flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS,
		};
		_cleanup_close_ int fd = (int)syscall(SYS_openat2, sys, key,
						      &how, sizeof(how));
		if (fd < 0)
			return -errno;
		size_t len = strlen(eq + 1);
		if (write(fd, eq + 1, len) != (ssize_t)len)
			return -errno;
	}
	return 0;
}

/*
 * unshare(CLONE_NEWTIME) and the offsets of cell.timens.*: the new
 * namespace is our children's (and our exec's), not ours yet, and takes
 * offsets only until a process is in it.
 */
static int enter_timens(const struct cell_jail *j)
{
	long long ms, bs;
	long mn, bn;
	if (cell_time_offset_parse(j->timens_monotonic, &ms, &mn) < 0 ||
	    cell_time_offset_parse(j->timens_boottime, &bs, &bn) < 0)
		return -EINVAL;
	if (unshare(CLONE_NEWTIME) < 0)
		return -errno;
	if (!ms && !mn && !bs && !bn)
		return 0;
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "monotonic %lld %ld\nboottime %lld "
			 "%ld\n", ms, mn, bs, bn);
	_cleanup_close_ int mnt = -1;
	int proc;
	int r = open_own_proc(&proc, &mnt);
	if (r < 0)
		return r;
	char p[64];
	proc_path(proc, p, sizeof(p), "self/timens_offsets");
	int fd = openat(proc, p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = write(fd, buf, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return r;
}

/*
 * The time namespace of a jail's processes, for a process that joins the
 * jail through init's pidfd (which joins init's own, the host's for an
 * init that did not exec): init's time_for_children, opened as the
 * host's root. That is the jail's own with cell.timens, and an
 * ancestor's for a child jail without it (its init was cloned in its
 * parent's, clone_in_parent()), so it is looked at for every jail.
 * -1 when it is ours already (nothing to join: a jail without
 * cell.timens on the host's clocks, or a kernel without time
 * namespaces), -errno when init is gone.
 */
static int open_timens(const struct cell_jail *j, int pidfd)
{
	/* a top-level jail without its own: init's are the host's clocks,
	 * nothing to join (spares every jexec three system calls) */
	if (!j->timens && !strchr(j->name, '.'))
		return -1;
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/time_for_children",
		 (int)pidfd_pid(pidfd));
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	int r = fd < 0 ? -errno : 0;
	/* still the same process: the pid was not reused meanwhile */
	if (pidfd_send_signal(pidfd, 0, NULL, 0) < 0) {
		if (fd >= 0)
			close(fd);
		return -ESRCH;
	}
	if (fd < 0)
		return r == -ENOENT && !j->timens ? -1 : r;
	struct stat a, b;
	if (fstat(fd, &a) == 0 && stat("/proc/self/ns/time", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Whether the command may borrow init's memory (vfork): not when
 * fs.suid_dumpable is 1, where the tail's change of ids would let a
 * process of the new uid ptrace that memory, init's, before the tail
 * clears the flag. (0 makes it not dumpable, 2 dumpable by
 * CAP_SYS_PTRACE only.) Unreadable counts as 1. Read in init before the
 * root is switched: the host's /proc, which a jail may lack. Not in a
 * child jail's init, whose /proc is its parent jail's, which that jail
 * shapes (with no procfs there its root owns the directory and can plant
 * a "0"): the creator reads it for a child (init_args.mm_safe).
 */
static bool shared_mm_safe(void)
{
	/* (a test makes the copy) */
	const char *t = getenv("CELL_TEST_NO_VFORK");
	if (t && !strcmp(t, "1"))
		return false;
	char c = '1';
	int fd = open("/proc/sys/fs/suid_dumpable", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '1';
		close(fd);
	}
	return c == '0' || c == '2';
}

static __attribute__((noreturn)) void init_main(const struct init_args *a)
{
	const struct cell_jail *j = a->j;
	int sock = a->sock;
	init_nested = a->nested;
	/* 4: first things first. (A nested init's parent is a helper that
	 * exits at once; its creator's death still reads as EOF on sock.) */
	if (!a->nested)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	struct msg m;
	if (!a->no_go && (recv_msg(sock, &m) < 0 || m.kind != 'G'))
		_exit(1);
	/* 4a: in the jail's cgroups now: our own cgroup namespace, rooted
	 * there, so the jail's /proc/PID/cgroup shows "/" and nothing of
	 * the host's layout (made at clone it would be rooted at the
	 * creator's cgroups) */
	if (unshare(CLONE_NEWCGROUP) < 0)
		fail_to(sock, "cgroup", -errno,
			"new cgroup namespace: %s", strerror(errno));
	unsigned long arg_start = a->arg_start, arg_end = a->arg_end;
	if (!a->nested)
		cmdline_span(&arg_start, &arg_end);
	hide_cmdline(arg_start, arg_end);
	/* (a vfork's CLONE_VM is refused across time namespaces) */
	bool share_mm = a->proc && a->proc->keep_init && !j->timens &&
			(a->nested ? a->mm_safe : shared_mm_safe());
	/* 4a: in its own user namespace (cell.uidmap) init is still the
	 * host's uid 0, unmapped there, so nothing it made in the jail's
	 * new file systems could have an owner: it becomes the namespace's
	 * root (a host uid of the jail's own, with every capability of the
	 * namespace) at once, after opening the jail's root as the host's
	 * root (its parents may be closed to others) */
	int rootfd = -1;
	if (j->uid_map.n) {
		rootfd = open(a->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC |
						    O_NOFOLLOW);
		if (rootfd < 0)
			fail_to(sock, "root", -errno, "%s: %s", j->path,
				strerror(errno));
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 ||
		    setresuid(0, 0, 0) < 0)
			fail_to(sock, "cell.uidmap", -errno,
				"becoming root in the user namespace: %s",
				strerror(errno));
	}

	/* 4a: cell.timens: a time namespace for every process of the jail
	 * (init's children from their fork, init's own program from its
	 * exec: init itself stays where it is), its clocks' offsets
	 * written while nobody is in it yet (the kernel allows no later
	 * write) */
	if (j->timens) {
		int r = enter_timens(j);
		if (r < 0)
			fail_to(sock, "cell.timens", r, "a new time namespace: %s",
				strerror(-r));
	}

	/* 4b: namespaces joined by path (cell.netns ...), before anything
	 * is built in them: sysfs follows the network namespace. One that
	 * is the creator's own or a child jail's parent's takes no sysctl
	 * (shared_ns, set_sysctls). */
	for (int i = 0; i < 3; i++) {
		if (a->nsfd[i] < 0)
			continue;
		if (setns(a->nsfd[i], join_types[i]) < 0)
			fail_to(sock, join_params[i], -errno, "joining %s: %s",
				i == 0 ? j->netns_path
				: i == 1 ? j->ipcns_path : j->utsns_path,
				strerror(errno));
		close(a->nsfd[i]);
	}
	/* 4c: a new network stack (vnet) starts with lo down; up here it
	 * costs one ioctl (a stack made ahead comes with it up). The
	 * host's side (epairs, addresses, routes, NAT, the jail's firewall)
	 * is the creator's network step, which has nothing to do for a vnet
	 * jail without them. */
	int lo = 0;
	if ((ns_flags(j) & CLONE_NEWNET) && !a->net_late)
		lo = cell_loopback_up();
	if (lo < 0)
		fail_to(sock, "vnet", lo, "bringing lo up: %s",
			strerror(-lo));
	/* 4b': the stack made ahead, now when the sysctls or the jail's own
	 * mounts may need it, else just before sysfs (build_root) */
	int net_sock = a->net_late ? sock : -1;
	if (net_sock >= 0 &&
	    (j->sysctl.n || j->mount.n || j->mount_fstab.n)) {
		char why[128];
		int jr = join_stack(sock, why, sizeof(why));
		if (jr < 0)
			fail_to(sock, "vnet", jr, "%s", why);
		net_sock = -1;
	}
	const char *step = "";
	char bad[256] = "";
	int r = set_sysctls(j, a->nested, a->host_ns, a->parent_ns, bad,
			    sizeof(bad));
	if (r < 0)
		fail_to(sock, "cell.sysctl", r, "%s: %s", bad, strerror(-r));

	r = build_root(j, a->pol, a->root_path, rootfd, net_sock,
		       a->proc && a->proc->prepivot ? sock : -1, &step, bad,
		       sizeof(bad));
	if (r < 0)
		fail_to(sock, step, r, "%s%s%s", bad, bad[0] ? ": " : "",
			strerror(-r));

	/* 11: names */
	if (j->host == CELL_JAILSYS_NEW || j->utsns_path[0]) {
		if (j->hostname[0] &&
		    sethostname(j->hostname, strlen(j->hostname)) < 0)
			fail_to(sock, "host.hostname", -errno,
				"sethostname: %s", strerror(errno));
		if (j->domainname[0] &&
		    setdomainname(j->domainname, strlen(j->domainname)) < 0)
			fail_to(sock, "host.domainname", -errno,
				"setdomainname: %s", strerror(errno));
	}

	/* 12 (OCI): init becomes the jail's process. It stays pid 1 and
	 * the child of whoever created it, which reaps it. The tail drops
	 * what init held and reports ready itself. */
	if (a->proc && !a->proc->keep_init) {
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
		tail(j, a->pol, a->proc->x, NULL, -1, sock, true,
		     a->proc->start_fd);
	}

	/* 12b (keep_init): the command is started now, already in the
	 * jail's namespaces and cgroups, and runs its tail (session, user,
	 * capabilities, filters: the filter's JIT is the costliest part)
	 * while the creator finishes the jail: its record, the network,
	 * exec.created. It then waits at a gate whose other end the
	 * creator holds and opens with one byte (cell_init_run), so its
	 * program starts no earlier than before: after the network and
	 * hooks are ready, and without a relay through us (on a VM every
	 * wake-up of an idle CPU costs tens of microseconds). Nothing of
	 * the jail runs before the gate; a creator that gives up closes it
	 * or kills init, and the pid namespace takes the command along.
	 *
	 * vfork, not fork: the command borrows our memory until its exec
	 * instead of copying it (page tables, then a copy-on-write fault
	 * for each page either of us writes, then the teardown of the copy
	 * at the exec): jail -c /bin/true 3.37 -> 3.21 ms. So ready is
	 * sent first, we stay stopped until the command's exec (or its
	 * exit: a tail that fails reports on sock itself), and init_drop
	 * follows. The tail never returns, writes nothing of ours but the
	 * heap and environ (restored below), and changes only its own
	 * credentials, files and session. But a change of ids sets the mm's
	 * dumpable flag to fs.suid_dumpable, and the mm is ours too, still
	 * with every capability: at 1 (a process of the new uid may ptrace
	 * it) a copy is made instead (shared_mm_safe), and the tail clears
	 * the flag at once either way. A failed vfork is reported after
	 * ready, as the command's failure. */
	pid_t cmd = 0;
	bool persist = false;
	if (a->proc && a->proc->keep_init) {
		close(a->gate[1]);
		/* (a test holds ready back, so that the creator waits) */
		cell_test_pause_point("init-before-ready");
		struct msg ready = { .kind = 'R' };
		if (send_msg(sock, &ready) < 0)
			_exit(1);
		fflush(NULL);
		char **env = environ;
		if (cell_test_fail_point("init-fork")) {
			errno = EAGAIN;
			cmd = -1;
		} else {
			cmd = share_mm ? vfork() : fork();
		}
		if (cmd == 0)
			tail(j, a->pol, a->proc->x, NULL, -1, sock, false,
			     a->gate[0]);
		int fork_errno = errno;
		environ = env;
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		close(a->gate[0]);
		if (cmd < 0)
			fail_to(sock, "command", -fork_errno, "fork: %s",
				strerror(fork_errno));
		cell_test_pause_point("init-forked");
	}

	/* 12 */
	r = init_drop(sock);
	if (r < 0)
		fail_to(sock, "init", r, "dropping privileges: %s",
			strerror(-r));
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (!(a->proc && a->proc->keep_init)) {
		struct msg ready = { .kind = 'R' };
		if (send_msg(sock, &ready) < 0)
			_exit(1);
	}
	init_loop(sock, cmd, persist);
}

static unsigned long ns_flags(const struct cell_jail *j)
{
	/* no CLONE_NEWCGROUP: a cgroup namespace is rooted at its maker's
	 * cgroups, so init makes its own once it is in the jail's (4) */
	unsigned long f = CLONE_NEWNS | CLONE_NEWPID;
	if (j->host != CELL_JAILSYS_INHERIT && !j->utsns_path[0])
		f |= CLONE_NEWUTS;
	if (!(j->sysvmsg == CELL_JAILSYS_INHERIT &&
	      j->sysvsem == CELL_JAILSYS_INHERIT &&
	      j->sysvshm == CELL_JAILSYS_INHERIT) && !j->ipcns_path[0])
		f |= CLONE_NEWIPC;
	if (j->vnet && !j->netns_path[0])
		f |= CLONE_NEWNET;
	if (j->uid_map.n)
		f |= CLONE_NEWUSER;
	return f;
}

/*
 * clone3, with a pidfd when pidfd is not NULL, and straight into the
 * cgroup cgfd when it is >= 0 (*into says whether that happened). A
 * refused CLONE_INTO_CGROUP (an older kernel, a cgroup that cannot take
 * processes, a foreign cgroup namespace) is retried without it; clone3
 * refused by a filter or an old kernel falls back to clone(2).
 */
static pid_t clone_into(unsigned long flags, int *pidfd, int cgfd,
			bool *into)
{
	struct clone_args ca = {
		.flags = flags | (pidfd ? CLONE_PIDFD : 0),
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid;
	*into = false;
	if (cgfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*into = true; /* in the child too: init asks */
			return pid;
		}
		if (errno == EAGAIN || errno == ENOMEM)
			return pid;
		ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		ca.cgroup = 0;
	}
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid >= 0 || (errno != ENOSYS && errno != EPERM))
		return pid;
	return (pid_t)syscall(SYS_clone, ca.flags | SIGCHLD, NULL, pidfd,
			      NULL, NULL);
}

static pid_t clone_pidfd(unsigned long flags, int *pidfd)
{
	bool into;
	return clone_into(flags, pidfd, -1, &into);
}

/*
 * A child jail's init is cloned from inside its parent. A new pid
 * namespace can only be made by a process whose own pid namespace is its
 * parent's, so: a helper joins the parent's pid namespace and forks; the
 * fork, now a member of it, joins the parent's other namespaces and clones
 * init there, hands init's pidfd back over a socket, and leaves. init is
 * then the parent init's to reap.
 */
/* one byte, kind, carrying fd */
static int send_fd_kind(int sock, int fd, char kind)
{
	char c = kind;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int send_fd(int sock, int fd)
{
	return send_fd_kind(sock, fd, 'F');
}

/* a descriptor sent with send_fd_kind, and its byte in *kind */
static int recv_fd_kind(int sock, char *kind)
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
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return -EPIPE;
	*kind = c;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int recv_fd(int sock)
{
	char kind;
	return recv_fd_kind(sock, &kind);
}

/* The pid a pidfd names, in our (the host's) pid namespace. */
static pid_t pidfd_pid(int pidfd)
{
	return pidfd_pid_at(AT_FDCWD, pidfd);
}

/* The same, as the procfs at proc sees it (AT_FDCWD: our /proc). */
static pid_t pidfd_pid_at(int proc, int pidfd)
{
	char path[64];
	snprintf(path, sizeof(path), "%sself/fdinfo/%d",
		 proc == AT_FDCWD ? "/proc/" : "", pidfd);
	int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
	_cleanup_fclose_ FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
	if (fd >= 0 && !f)
		close(fd);
	char line[128];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Pid:", 4))
			return (pid_t)strtol(line + 4, NULL, 10);
	return -1;
}

static int join_flags(const struct cell_jail *j);

/*
 * Close every descriptor but stdio, 3 .. 3+preserve-1 (the caller's, for
 * the process: cell_exec.preserve_fds) and the n in keep (-1: none).
 */
static void close_all_but(const int *keep, size_t n, unsigned preserve)
{
	unsigned lo = 3 + (preserve > 1024 ? 1024 : preserve);
	int k[32];
	size_t m = 0;
	for (size_t i = 0; i < n && m < ARRAY_SIZE(k); i++) {
		if (keep[i] < (int)lo)
			continue;
		size_t at = m++;
		for (; at > 0 && k[at - 1] > keep[i]; at--)
			k[at] = k[at - 1];
		k[at] = keep[i];
	}
	for (size_t i = 0; i < m; i++) {
		if ((unsigned)k[i] > lo)
			close_range(lo, (unsigned)k[i] - 1, 0);
		if ((unsigned)k[i] >= lo)
			lo = (unsigned)k[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

static pid_t clone_in_parent(const struct init_args *a,
			     const struct cell_parent *parent, int mine,
			     int *pidfd, struct cell_error *err)
{
	const struct cell_jail *j = a->j;
	_cleanup_close_ int ppfd = cell_init_pidfd(&parent->run);
	if (ppfd < 0)
		return cell_error_set(err, ppfd, "parent jail %s is not "
				      "running", parent->jail->name);
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
		return cell_error_errno(err, -errno, "socketpair");
	fflush(NULL);
	pid_t h = fork();
	if (h < 0) {
		close(sp[0]);
		close(sp[1]);
		return cell_error_errno(err, -errno, "fork");
	}
	if (h == 0) {
		close(sp[0]);
		/* only the creator holds its end of init's socket: a creator
		 * that dies is EOF for init (which has no PDEATHSIG here) */
		close(mine);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		int ptime = open_timens(parent->jail, ppfd);
		if (ptime < -1 || setns(ppfd, CLONE_NEWPID) < 0)
			_exit(1);
		pid_t inner = fork();
		if (inner == 0) {
			/* We hold every descriptor the creator had open (the
			 * child's root and its cgroup directories opened on
			 * the host, the parent's init pidfd ...), and we and
			 * the child's init are about to join the parent's
			 * namespaces, where init builds the child's root
			 * while the parent jail runs: from there they would
			 * reach the host through /proc/self/fd/N, with only
			 * the kernel's mount namespace checks in the way.
			 * Defence in depth: keep only what init_main() uses
			 * (init_args and its process's descriptors) and what
			 * we need to clone it (closed in init below). */
			const struct cell_exec *x = a->proc ? a->proc->x
							    : NULL;
			int keep[] = {
				a->sock, a->nsfd[0], a->nsfd[1], a->nsfd[2],
				a->gate[0], a->gate[1],
				a->proc ? a->proc->start_fd : -1,
				x ? x->stdio[0] : -1, x ? x->stdio[1] : -1,
				x ? x->stdio[2] : -1,
				x ? x->console_sock : -1,
				x ? x->exec_fd : -1,
				ppfd, ptime, sp[1],
			};
			close_all_but(keep, ARRAY_SIZE(keep),
				      x ? x->preserve_fds : 0);
			int flags = join_flags(parent->jail) & ~CLONE_NEWPID;
			if (setns(ppfd, flags) < 0)
				_exit(1);
			/* the parent's clocks too */
			if (ptime >= 0 && setns(ptime, CLONE_NEWTIME) < 0)
				_exit(1);
			int fd = -1;
			pid_t pid = clone_pidfd(ns_flags(j), &fd);
			if (pid == 0) {
				close(ppfd);
				if (ptime >= 0)
					close(ptime);
				close(sp[1]);
				init_main(a);
			}
			if (pid < 0 || send_fd(sp[1], fd) < 0)
				_exit(1);
			_exit(0);
		}
		int st = 1;
		if (inner > 0)
			while (waitpid(inner, &st, 0) < 0 && errno == EINTR)
				;
		_exit(inner > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	close(sp[1]);
	int st = 0;
	while (waitpid(h, &st, 0) < 0 && errno == EINTR)
		;
	int fd = -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		fd = recv_fd(sp[0]);
	close(sp[0]);
	if (fd < 0)
		return cell_error_set(err, -ECHILD,
				      "creating namespaces inside %s failed",
				      parent->jail->name);
	pid_t pid = pidfd_pid(fd);
	if (pid <= 0) {
		pidfd_send_signal(fd, SIGKILL, NULL, 0);
		close(fd);
		return cell_error_set(err, -ESRCH, "lost the child's init");
	}
	*pidfd = fd;
	return pid;
}

/* /proc/PID/uid_map and gid_map from cell.uidmap / cell.gidmap */
static int write_id_maps(const struct cell_jail *j, pid_t pid,
			 struct cell_error *err)
{
	const struct cell_strv *maps[2] = { &j->uid_map, &j->gid_map };
	const char *const files[2] = { "uid_map", "gid_map" };
	for (int m = 0; m < 2; m++) {
		char text[1024] = "", path[64];
		size_t l = 0;
		for (size_t i = 0; i < maps[m]->n; i++) {
			unsigned long in = 0, out = 0, count = 0;
			sscanf(maps[m]->v[i], "%lu:%lu:%lu", &in, &out, &count);
			l += (size_t)snprintf(text + l, sizeof(text) - l,
					      "%lu %lu %lu\n", in, out, count);
			if (l >= sizeof(text))
				return cell_error_set(err, -E2BIG,
						      "%s too long", files[m]);
		}
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid,
			 files[m]);
		_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
		/* the whole map in one write, as the kernel wants it */
		if (fd < 0 || write(fd, text, l) != (ssize_t)l)
			return cell_error_errno(err, -errno, "writing %s of "
						"the jail's user namespace",
						files[m]);
	}
	return 0;
}

/* 3b': the stack made ahead to init: the thread's (lo up), or, when its
 * unshare was refused, one made the clone's way (lo down) */
static int send_stack(int sock, struct cell_netns_ahead *a,
		      struct cell_error *err)
{
	int fd = cell_netns_ahead_take(a);
	char kind = 'L';
	if (fd < 0) {
		fd = cell_netns_by_clone();
		kind = 'D';
	}
	if (fd < 0)
		return cell_error_set(err, fd == -EPIPE ? -EIO : fd,
				      "making a network stack: %s",
				      strerror(-fd));
	int r = send_fd_kind(sock, fd, kind);
	close(fd);
	if (r < 0 && r != -EPIPE)
		cell_error_set(err, r, "handing init its network stack: %s",
			       strerror(-r));
	return r;
}

/* The namespaces to join (cell.netns, ipcns, utsns), once given to init */
static void close_nsfds(const int nsfd[3])
{
	for (int i = 0; i < 3; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
}

/*
 * Which of the namespaces init joins by path (nsfd) are the creator's own
 * (*host_ns) or, for a child jail, its parent's (*parent_ns: what the
 * child's init has without joining): their sysctls would be the host's or
 * the parent jail's (set_sysctls refuses them). Compared here, on the
 * host's /proc, which a child's init does not see (it has its parent
 * jail's, which that jail shapes). Only for a jail with cell.sysctl.
 */
static int shared_ns(const struct cell_jail *j, const int nsfd[3],
		     const struct cell_parent *parent, int *host_ns,
		     int *parent_ns)
{
	static const char *const names[3] = { "net", "ipc", "uts" };
	*host_ns = *parent_ns = 0;
	if (!j->sysctl.n || (nsfd[0] < 0 && nsfd[1] < 0 && nsfd[2] < 0))
		return 0;
	_cleanup_close_ int ppfd = parent ? cell_init_pidfd(&parent->run)
					  : -1;
	pid_t ppid = ppfd >= 0 ? pidfd_pid(ppfd) : -1;
	if (parent && ppid <= 0)
		return -ESRCH;
	for (int i = 0; i < 3; i++) {
		if (nsfd[i] < 0)
			continue;
		struct stat to, now;
		char p[64];
		if (fstat(nsfd[i], &to) < 0)
			return -errno;
		snprintf(p, sizeof(p), "/proc/self/ns/%s", names[i]);
		if (stat(p, &now) < 0)
			return -errno;
		if (to.st_dev == now.st_dev && to.st_ino == now.st_ino)
			*host_ns |= join_types[i];
		if (!parent)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)ppid, names[i]);
		if (stat(p, &now) < 0)
			return -errno;
		if (to.st_dev == now.st_dev && to.st_ino == now.st_ino)
			*parent_ns |= join_types[i];
	}
	/* still the parent's init: its pid was not reused meanwhile */
	if (ppfd >= 0 && pidfd_send_signal(ppfd, 0, NULL, 0) < 0)
		return -ESRCH;
	return 0;
}

int cell_enter_create(const struct cell_jail *j, const struct cell_policy *pol,
		      const struct cell_parent *parent,
		      const struct cell_placement *place,
		      const struct cell_init_proc *proc,
		      struct cell_running *run, struct cell_error *err)
{
	const char *root_in = j->path;
	run->gate_fd = -1;
	run->others_run = false;
	run->none_run = false;
	if (parent) {
		size_t pl = strlen(parent->jail->path);
		while (pl > 1 && parent->jail->path[pl - 1] == '/')
			pl--;
		if (strncmp(j->path, parent->jail->path, pl) ||
		    j->path[pl] != '/' || !j->path[pl + 1]) {
			cell_error_context(err, j->name, "path", j->path);
			return cell_error_set(err, -EINVAL,
					      "a child jail's path must lie "
					      "inside its parent's (%s)",
					      parent->jail->path);
		}
		root_in = j->path + pl;
	}
	/* 1 */
	_cleanup_close_ int rootfd = open(j->path, O_PATH | O_DIRECTORY |
							   O_CLOEXEC);
	if (rootfd < 0) {
		cell_error_context(err, j->name, "path", j->path);
		return cell_error_set(err, -errno, "%s",
				      errno == ENOTDIR ? "not a directory"
				      : errno == ENOENT ? "no such directory"
							 : strerror(errno));
	}
	if (!strcmp(j->path, "/"))
		return cell_error_set(err, -EINVAL,
				      "path=/ would share the host's root");

	/* 1b: namespaces to join, opened while we see the host's paths */
	int nsfd[3] = { -1, -1, -1 };
	const char *const nspath[3] = { j->netns_path, j->ipcns_path,
					j->utsns_path };
	for (int i = 0; i < 3; i++) {
		if (!nspath[i][0])
			continue;
		nsfd[i] = open(nspath[i], O_RDONLY | O_CLOEXEC);
		if (nsfd[i] < 0) {
			int r = -errno;
			close_nsfds(nsfd); /* the later ones are still -1 */
			cell_error_context(err, j->name, join_params[i],
					   nspath[i]);
			return cell_error_set(err, r, "%s", strerror(-r));
		}
	}

	int host_ns, parent_ns;
	int sr = shared_ns(j, nsfd, parent, &host_ns, &parent_ns);
	if (sr < 0) {
		close_nsfds(nsfd);
		cell_error_context(err, j->name, "cell.sysctl", NULL);
		return cell_error_set(err, sr, "comparing the joined "
				      "namespaces with %s: %s",
				      parent ? "the host's and the parent "
					       "jail's"
					     : "the host's",
				      strerror(-sr));
	}

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		int r = -errno;
		close_nsfds(nsfd);
		return cell_error_errno(err, r, "socketpair");
	}
	_cleanup_close_ int mine = sv[0];
	_cleanup_close_ int theirs = sv[1];
	/* init hides its command line (hide_cmdline), which wipes the
	 * memory argv strings may live in: give it copies of its own */
	_cleanup_strv_ char **argv_copy = NULL;
	_cleanup_strv_ char **envp_copy = NULL;
	_cleanup_free_ char *cwd_copy = NULL, *user_copy = NULL;
	struct cell_exec xc;
	struct cell_init_proc pc;
	if (proc) {
		xc = *proc->x;
		argv_copy = strv_dup(xc.argv);
		envp_copy = strv_dup(xc.envp);
		cwd_copy = xc.cwd ? strdup(xc.cwd) : NULL;
		user_copy = xc.user ? strdup(xc.user) : NULL;
		if ((xc.argv && !argv_copy) || (xc.envp && !envp_copy) ||
		    (xc.cwd && !cwd_copy) || (xc.user && !user_copy)) {
			close_nsfds(nsfd);
			return cell_error_set(err, -ENOMEM, "out of memory");
		}
		xc.argv = argv_copy;
		xc.envp = envp_copy;
		xc.cwd = cwd_copy;
		xc.user = user_copy;
		pc = *proc;
		pc.x = &xc;
	}
	struct init_args ia = { .j = j, .pol = pol, .root_path = root_in,
				.nested = parent != NULL, .sock = theirs,
				.proc = proc ? &pc : NULL,
				.nsfd = { nsfd[0], nsfd[1], nsfd[2] },
				.gate = { -1, -1 }, .host_ns = host_ns,
				.parent_ns = parent_ns };
	/* a child's init sees its parent jail's /proc, not the host's */
	if (parent && proc && proc->keep_init && !j->timens)
		ia.mm_safe = shared_mm_safe();
	if (parent)
		cmdline_span(&ia.arg_start, &ia.arg_end);
	/* 0: a network stack in the making: init comes without NEWNET and
	 * is handed it at 3b' (never with cell.netns: stack.c makes none
	 * then). The thread may still run at the clone, but only in system
	 * calls once ready_to_fork said so: no lock of its is copied into
	 * init held. */
	unsigned long clone_flags = ns_flags(j);
	struct cell_netns_ahead *ahead = place ? place->netns_ahead : NULL;
	if (ahead && !parent && nsfd[0] < 0 &&
	    cell_netns_ahead_ready_to_fork(ahead) == 0) {
		ia.net_late = true;
		clone_flags &= ~(unsigned long)CLONE_NEWNET;
	}
	/* keep_init: the command's gate, a socket so that opening it
	 * never raises SIGPIPE here when the command is already gone */
	_cleanup_close_ int gate_r = -1, gate_w = -1;
	if (proc && proc->keep_init) {
		int g[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g) < 0) {
			int r = -errno;
			close_nsfds(nsfd);
			return cell_error_errno(err, r, "socketpair");
		}
		gate_r = ia.gate[0] = g[0];
		gate_w = ia.gate[1] = g[1];
	}

	/* 2 */
	int pidfd = -1;
	bool cloned_into = false;
	/* placed by the clone alone: nothing to write, no 'G' to wait for
	 * (user namespace maps are written before 'G') */
	const bool place_all = place && place->clone_places_all &&
			       !j->uid_map.n && !parent;
	fflush(NULL);
	pid_t pid;
	if (parent) {
		pid = clone_in_parent(&ia, parent, mine, &pidfd, err);
	} else {
		pid = clone_into(clone_flags, &pidfd,
				 place ? place->cgroup_fd : -1, &cloned_into);
		if (pid == 0) {
			close(mine);
			ia.no_go = cloned_into && place_all;
			init_main(&ia);
		}
		if (pid < 0)
			pid = cell_error_errno(err, -errno,
					       "creating namespaces");
	}
	close_nsfds(nsfd);
	if (pid < 0) {
		cell_error_context(err, j->name, "clone", NULL);
		return (int)pid;
	}
	/* only init holds its end: its death reads as EOF here */
	close(TAKE_FD(theirs));
	if (gate_r >= 0)
		close(TAKE_FD(gate_r));
	_cleanup_close_ int pfd = pidfd;

	/* 3 */
	bool go = !(cloned_into && place_all);
	if (go && place && place->place) {
		int r = place->place(place->arg, pid, cloned_into, err);
		if (r < 0) {
			pidfd_send_signal(pfd, SIGKILL, NULL, 0);
			waitpid(pid, NULL, 0);
			cell_error_context(err, j->name, "cgroup", NULL);
			return r;
		}
	}

	/* 3b: the user namespace's maps, written by us (privileged in the
	 * parent namespace) before init goes on */
	if (j->uid_map.n) {
		int r = write_id_maps(j, pid, err);
		if (r < 0) {
			pidfd_send_signal(pfd, SIGKILL, NULL, 0);
			waitpid(pid, NULL, 0);
			cell_error_context(err, j->name, "cell.uidmap", NULL);
			return r;
		}
	}

	struct msg go_msg = { .kind = 'G' };
	struct msg reply;
	int r = go ? send_msg(mine, &go_msg) : 0;
	if (proc && proc->listener_fd)
		*proc->listener_fd = -1;
	/* 3b': the stack made ahead, when it is ready (init needs it only
	 * later, see 0). A stack that cannot be made fails the jail; an
	 * init that has ended (EPIPE) says why itself, below. */
	if (r == 0 && ia.net_late) {
		int nr = send_stack(mine, ahead, err);
		if (nr < 0 && nr != -EPIPE) {
			pidfd_send_signal(pfd, SIGKILL, NULL, 0);
			waitpid(pid, NULL, 0);
			cell_error_context(err, j->name, "vnet", NULL);
			return nr;
		}
	}
	/* 3c: while init mounts */
	if (r == 0 && place && place->after_go) {
		int ar = place->after_go(place->arg, err);
		if (ar < 0) {
			pidfd_send_signal(pfd, SIGKILL, NULL, 0);
			waitpid(pid, NULL, 0);
			return ar;
		}
	}
	while (r == 0) {
		int lfd = -1;
		r = recv_msg_fd(mine, &reply, &lfd);
		if (r < 0)
			break;
		if (lfd >= 0) {
			/* the process filter's listener, before ready (a
			 * command init starts (keep_init) sends its agent's
			 * listener after ready, to cell_init_run) */
			if (proc && proc->listener_fd &&
			    *proc->listener_fd < 0)
				*proc->listener_fd = lfd;
			else
				close(lfd);
			continue;
		}
		if (reply.kind == 'H' && proc && proc->prepivot) {
			int hr = proc->prepivot(proc->prepivot_arg, pid, err);
			struct msg c = { .kind = hr < 0 ? 'A' : 'C' };
			send_msg(mine, &c);
			if (hr < 0) {
				pidfd_send_signal(pfd, SIGKILL, NULL, 0);
				waitpid(pid, NULL, 0);
				cell_error_context(err, j->name, "prepivot",
						   NULL);
				return hr;
			}
			continue;
		}
		break;
	}
	if (r < 0 || reply.kind != 'R') {
		if (proc && proc->listener_fd && *proc->listener_fd >= 0) {
			close(*proc->listener_fd);
			*proc->listener_fd = -1;
		}
		pidfd_send_signal(pfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, 0);
		if (r == 0 && reply.kind == 'E') {
			cell_error_context(err, j->name, reply.step, NULL);
			return cell_error_set(err, reply.code, "%s", reply.text);
		}
		cell_error_context(err, j->name, "init", NULL);
		return cell_error_set(err, -ECHILD,
				      "the jail's init died while starting");
	}
	run->init_pid = pid;
	run->init_start = cell_proc_starttime(pid);
	run->init_sock = TAKE_FD(mine);
	run->gate_fd = TAKE_FD(gate_w);
	return 0;
}

void cell_init_release(struct cell_running *run, bool persist)
{
	if (run->init_sock < 0)
		return;
	struct msg m = { .kind = 'P', .arg = persist ? '1' : '0' };
	send_msg(run->init_sock, &m);
	close(run->init_sock);
	run->init_sock = -1;
}

void cell_init_persist(struct cell_running *run, bool persist)
{
	if (run->init_sock < 0)
		return;
	struct msg m = { .kind = 'P', .arg = persist ? '1' : '0' };
	send_msg(run->init_sock, &m);
}

bool cell_init_failed(struct cell_running *run, struct cell_error *err)
{
	struct msg m;
	if (run->init_sock < 0 ||
	    recv(run->init_sock, &m, sizeof(m), MSG_PEEK | MSG_DONTWAIT) !=
		    (ssize_t)sizeof(m) ||
	    m.kind != 'E' || recv_msg(run->init_sock, &m) < 0)
		return false;
	cell_error_clear(err);
	cell_error_context(err, NULL, m.step, NULL);
	cell_error_set(err, m.code ? m.code : -EIO, "%s", m.text);
	return true;
}

int cell_init_pidfd(const struct cell_running *run)
{
	if (run->init_pid <= 0)
		return -ESRCH;
	int fd = pidfd_open(run->init_pid, 0);
	if (fd < 0)
		return -errno;
	/* the pid could have been reused since the state was written */
	if (cell_proc_starttime(run->init_pid) != run->init_start) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

/* An agent for a forked command: joins the jail (UTS, mount; its own
 * children in the jail's pid namespace) and answers lfd. */
static pid_t start_agent(const struct cell_running *run, int lfd)
{
	_cleanup_close_ int pidfd = cell_init_pidfd(run);
	if (pidfd < 0)
		return -1;
	fflush(NULL);
	pid_t agent = fork();
	if (agent == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		int hostproc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (setns(pidfd, CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWPID) < 0)
			_exit(1);
		cell_agent_run(lfd, hostproc, 0, run->agent_fd, run->mount_fs);
		_exit(0);
	}
	return agent;
}

int cell_init_run(struct cell_running *run, int *status,
		  struct cell_error *err)
{
	/* the agent's listener of the command, sent by its tail */
	int lfd = -1;
	int gate = run->gate_fd;
	run->gate_fd = -1;
	if (run->init_sock < 0) {
		if (gate >= 0)
			close(gate); /* the command, if any, reads EOF */
		return cell_error_set(err, -EPIPE, "the jail's init is gone");
	}
	/* the gate's byte starts the command init started during create */
	if (gate >= 0) {
		/* EPIPE: the command's tail failed and closed its end; its
		 * error and its end come from init below */
		(void)send(gate, "g", 1, MSG_NOSIGNAL);
		close(gate);
	}
	pid_t agent = -1;
	struct msg m;
	int r = 0;
	bool failed = false;
	for (;;) {
		/* The agent's listener (host name, mounts) is answered by
		 * a process forked only when the command first asks: most
		 * commands never do, and the fork and setns are saved. */
		struct pollfd p[2] = { { .fd = run->init_sock,
					 .events = POLLIN },
				       { .fd = agent < 0 ? lfd : -1,
					 .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = cell_error_errno(err, -errno, "poll");
			break;
		}
		if (p[1].revents & POLLIN) {
			agent = start_agent(run, lfd);
			if (agent < 0) {
				close(lfd); /* its callers get ENOSYS */
				lfd = -1;
			}
		} else if (p[1].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* no process uses the filter any more (the command
			 * ended without asking): POLLHUP for good, so drop
			 * it or poll spins */
			close(lfd);
			lfd = -1;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		int fd = -1;
		int rr = recv_msg_fd(run->init_sock, &m, &fd);
		if (rr == 0 && fd >= 0) {
			/* the command's agent listener, before its exec */
			if (lfd >= 0)
				close(lfd);
			lfd = fd;
			continue;
		}
		if (rr < 0) {
			/* the command's own error, when it sent one, says
			 * more than init's end */
			if (!failed)
				r = cell_error_set(err, -ECHILD,
						   "the jail's init died "
						   "while running the "
						   "command");
			break;
		}
		if (m.kind == 'E' && !failed) {
			cell_error_context(err, NULL, m.step, NULL);
			r = cell_error_set(err, m.code, "%s", m.text);
			failed = true;
			continue;
		}
		if (m.kind == 'X') {
			*status = m.code;
			run->others_run = m.arg == '1';
			run->none_run = m.arg == '0';
			break;
		}
	}
	if (lfd >= 0)
		close(lfd);
	if (agent > 0) {
		kill(agent, SIGKILL);
		while (waitpid(agent, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return r;
}

/* --- the tail ------------------------------------------------------------ */

void cell_exec_init(struct cell_exec *x)
{
	memset(x, 0, sizeof(*x));
	for (int i = 0; i < 3; i++)
		x->stdio[i] = -1;
	x->umask = -1;
	x->exec_fd = -1;
	x->console_sock = -1;
	x->caps_held = ~0ULL;   /* root keeps all of caps */
}

/*
 * Open a jail's passwd(5) or group(5) for reading as text. The jail owns
 * the file: it must be a regular file of bounded size, opened without
 * blocking (a FIFO or a device there must not hang us).
 */
static FILE *open_jail_db(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
				    O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (1 << 20)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	FILE *f = fdopen(fd, "re");
	if (!f)
		close(fd);
	return f;
}

/* Read one passwd(5)/group(5)-style file as text: no NSS, no jail code. */
static int lookup_passwd_file(const char *file, const char *user,
			      struct cell_user *u)
{
	_cleanup_fclose_ FILE *f = open_jail_db(file);
	if (!f)
		return -errno;
	char line[1024];
	bool numeric = user[strspn(user, "0123456789")] == '\0';
	while (fgets(line, sizeof(line), f)) {
		char *fields[7];
		char *p = line;
		int n = 0;
		for (; n < 7; n++) {
			fields[n] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (n < 6)
			continue;
		fields[6][strcspn(fields[6], "\n")] = '\0';
		if (strcmp(fields[0], user) &&
		    !(numeric && !strcmp(fields[2], user)))
			continue;
		/* a cut name would match another user's groups, a cut home
		 * another directory: refuse what does not fit */
		if (strlen(fields[0]) >= sizeof(u->name) ||
		    strlen(fields[5]) >= sizeof(u->home) ||
		    strlen(fields[6]) >= sizeof(u->shell))
			return -ENAMETOOLONG;
		u->uid = (uid_t)strtoul(fields[2], NULL, 10);
		u->gid = (gid_t)strtoul(fields[3], NULL, 10);
		memcpy(u->name, fields[0], strlen(fields[0]) + 1);
		memcpy(u->home, fields[5], strlen(fields[5]) + 1);
		memcpy(u->shell, fields[6], strlen(fields[6]) + 1);
		return 0;
	}
	if (numeric) {
		u->uid = u->gid = (uid_t)strtoul(user, NULL, 10);
		snprintf(u->name, sizeof(u->name), "%s", user);
		snprintf(u->home, sizeof(u->home), "/");
		snprintf(u->shell, sizeof(u->shell), "/bin/sh");
		return 0;
	}
	return -ENOENT;
}

static void lookup_groups_file(const char *file, struct cell_user *u)
{
	u->groups[0] = u->gid;
	u->ngroups = 1;
	_cleanup_fclose_ FILE *f = open_jail_db(file);
	if (!f)
		return;
	char line[4096];
	while (fgets(line, sizeof(line), f) &&
	       u->ngroups < CELL_USER_GROUPS_MAX) {
		char *save = NULL;
		char *name = strtok_r(line, ":", &save);
		strtok_r(NULL, ":", &save);
		char *gid = strtok_r(NULL, ":", &save);
		char *members = strtok_r(NULL, "\n", &save);
		if (!name || !gid || !members)
			continue;
		char *m, *s2 = NULL;
		for (m = strtok_r(members, ",", &s2); m;
		     m = strtok_r(NULL, ",", &s2))
			if (!strcmp(m, u->name)) {
				u->groups[u->ngroups++] =
					(gid_t)strtoul(gid, NULL, 10);
				break;
			}
	}
}

static int host_user(const char *user, struct cell_user *u)
{
	return cell_host_user(user, CELL_HOST_USER_NAME | CELL_HOST_USER_UID |
				    CELL_HOST_USER_GROUPS, u);
}

static char **build_env_list(const struct cell_jail *j,
			     const struct cell_exec *x,
			     const struct cell_user *u);

/* NAME=value: does a name the same variable as b? */
static bool same_var(const char *a, const char *b)
{
	size_t l = strcspn(a, "=");
	return !strncmp(a, b, l) && b[l] == '=' && a[l] == '=';
}

static char **build_env(const struct cell_jail *j, const struct cell_exec *x,
			const struct cell_user *u)
{
	char **env = build_env_list(j, x, u);
	if (!env)
		return NULL;
	/* a later NAME= replaces an earlier one (getenv takes the first) */
	size_t n = 0;
	for (size_t i = 0; env[i]; i++) {
		bool later = false;
		for (size_t k = i + 1; env[k] && !later; k++)
			later = same_var(env[i], env[k]);
		if (!later && strchr(env[i], '='))
			env[n++] = env[i];
	}
	env[n] = NULL;
	return env;
}

static char **build_env_list(const struct cell_jail *j,
			     const struct cell_exec *x,
			     const struct cell_user *u)
{
	size_t n = 0, max = 64 + j->env_n;
	for (char **e = environ; !x->clean_env && !x->exact_env && e && *e;
	     e++)
		max++;
	for (char *const *e = x->envp; e && *e; e++)
		max++;
	char **env = calloc(max + 1, sizeof(char *));
	if (!env)
		return NULL;
	const char *term = getenv("TERM");
	if (x->exact_env) {
		/* only what the caller gave */
	} else if (x->clean_env) {
		char *s;
		if (asprintf(&s, "PATH=/bin:/usr/bin:/sbin:/usr/sbin") >= 0)
			env[n++] = s;
		if (asprintf(&s, "HOME=%s", u->home) >= 0)
			env[n++] = s;
		if (asprintf(&s, "SHELL=%s", u->shell) >= 0)
			env[n++] = s;
		if (asprintf(&s, "USER=%s", u->name) >= 0)
			env[n++] = s;
		if (asprintf(&s, "LOGNAME=%s", u->name) >= 0)
			env[n++] = s;
		if (term && asprintf(&s, "TERM=%s", term) >= 0)
			env[n++] = s;
	} else {
		for (char **e = environ; e && *e; e++)
			env[n++] = *e;
		if (!getenv("PATH"))
			env[n++] = (char *)"PATH=/bin:/usr/bin:/sbin:/usr/sbin";
	}
	for (size_t i = 0; i < j->env_n && n < max; i++) {
		char *s;
		if (asprintf(&s, "%s=%s", j->env[i].key, j->env[i].value) >= 0)
			env[n++] = s;
	}
	for (char *const *e = x->envp; e && *e && n < max; e++)
		env[n++] = *e;
	env[n] = NULL;
	return env;
}

/*
 * Move the descriptors the tail keeps to 3.. in order (err, start gate,
 * console socket, exec fd), close every other one (CVE-2024-21626), and
 * return their new numbers in place (-1 stays -1).
 */
static void keep_fds(int *fds, size_t n, unsigned preserve)
{
	/* preserved descriptors 3 .. 3+preserve-1 stay, open across exec;
	 * ours go right after them */
	int base = 3 + (int)preserve;
	int hi[8];
	for (size_t i = 0; i < n; i++)
		hi[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD_CLOEXEC,
					    base + 64)
				    : -1;
	for (int fd = 3; fd < base; fd++)
		fcntl(fd, F_SETFD, 0);
	for (size_t i = 0; i < n; i++) {
		if (hi[i] < 0) {
			/* an unused slot: whatever the caller had there goes
			 * too (close_range below starts after the slots) */
			close(base + (int)i);
			fds[i] = -1;
			continue;
		}
		if (dup3(hi[i], base + (int)i, O_CLOEXEC) < 0)
			_exit(127);
		fds[i] = base + (int)i;
	}
	close_range((unsigned)base + (unsigned)n, ~0U, 0);
}

/*
 * A terminal for the process, made inside the jail (its own devpts, not
 * the host's: no host pty is ever handed to a jail), the master sent to
 * whoever asked, the slave made our controlling terminal and stdio.
 */
static int make_console(int sock, unsigned short rows, unsigned short cols)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY |
							      O_CLOEXEC);
	if (master < 0)
		return -errno;
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER,
					  O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return -errno;
	if (rows && cols) {
		struct winsize ws = { .ws_row = rows, .ws_col = cols };
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	int r = send_fd(sock, master);
	if (r < 0)
		return r;
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return -errno;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return -errno;
	return 0;
}

/*
 * Where execvp would find argv0 with this environment's PATH, checked
 * before the exec so that a missing program is reported as such (the
 * stub below cannot report it as precisely). *out gets the path.
 */
static int find_program(const char *argv0, char **env, char *out, size_t len)
{
	if (strchr(argv0, '/')) {
		if (access(argv0, X_OK) < 0)
			return -errno;
		return cell_strlcpy(out, argv0, len) < 0 ? -ENAMETOOLONG : 0;
	}
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	for (char **e = env; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	int denied = 0;
	for (const char *p = path; *p;) {
		size_t l = strcspn(p, ":");
		if (l && snprintf(out, len, "%.*s/%s", (int)l, p, argv0) <
				 (int)len) {
			if (access(out, X_OK) == 0)
				return 0;
			if (errno == EACCES)
				denied = -EACCES;
		}
		p += l;
		if (*p == ':')
			p++;
	}
	return denied ? denied : -ENOENT;
}

/*
 * The exec stub (lib/stub/exec_stub.c) in a sealed memfd: the jail's
 * program is started by it, so no process in the jail ever has a host
 * binary as its /proc/self/exe (CVE-2019-5736).
 */
#include "exec_stub.h"

#define EXEC_STUB_MARKER "\001cell-exec"

static int exec_stub_fd(void)
{
	int fd = memfd_create("cell-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (write(fd, cell_exec_stub, sizeof(cell_exec_stub)) !=
		    (ssize_t)sizeof(cell_exec_stub) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK |
					   F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		int r = -errno;
		close(fd);
		return r ? r : -EIO;
	}
	return fd;
}

/*
 * The tail every jailed process runs, in this order. go_fd (attach): wait
 * for the host to have placed us in the cgroups. as_init (an init that
 * becomes the process, cell_init_proc): report ready on err_fd when every
 * check passed. gate_fd (OCI's start byte, or init's gate for a command it
 * started early): wait for one byte just before the exec.
 */
static __attribute__((noreturn)) void tail(const struct cell_jail *j,
					   const struct cell_policy *pol,
					   const struct cell_exec *x,
					   const struct cell_user *host_u,
					   int go_fd, int err_fd, bool as_init,
					   int gate_fd)
{
	struct cell_error e;
	char c;
	if (go_fd >= 0) {
		if (read(go_fd, &c, 1) != 1)
			_exit(127);
		close(go_fd);
	}

	if (setsid() < 0)
		fail_to(err_fd, "session", -errno, "setsid: %s",
			strerror(errno));
	for (int fd = 0; fd < 3; fd++)
		if (x->stdio[fd] >= 0 && x->stdio[fd] != fd &&
		    dup2(x->stdio[fd], fd) < 0)
			fail_to(err_fd, "stdio", -errno, "dup2: %s",
				strerror(errno));
	/* Every descriptor but stdio and the few we need goes. */
	int keep[4] = { err_fd, gate_fd, x->console_sock, x->exec_fd };
	if (x->preserve_fds > 1024)
		fail_to(err_fd, "preserve_fds", -EINVAL, "too many (%u)",
			x->preserve_fds);
	keep_fds(keep, ARRAY_SIZE(keep), x->preserve_fds);
	err_fd = keep[0];
	gate_fd = keep[1];
	int console_sock = keep[2], exec_fd = keep[3];
	if (err_fd < 0)
		_exit(127);
	if (console_sock >= 0) {
		int r = make_console(console_sock, x->console_rows,
				     x->console_cols);
		if (r < 0)
			fail_to(err_fd, "console", r, "%s%s", strerror(-r),
				pol->dev_pts ? ""
					     : " (devfs_ruleset gives this "
					       "jail no pseudo-terminals)");
		close(console_sock);
	}

	struct cell_user u = { .uid = 0, .gid = 0, .ngroups = 0,
			       .home = "/root", .shell = "/bin/sh",
			       .name = "root" };
	const char *user = x->user ? x->user : NULL;
	if (x->uid_set) {
		/* numeric ids as given (OCI); passwd only names the home */
		char num[16];
		snprintf(num, sizeof(num), "%u", (unsigned)x->uid);
		if (lookup_passwd_file("/etc/passwd", num, &u) < 0)
			snprintf(u.home, sizeof(u.home), "/");
		u.uid = x->uid;
		u.gid = x->gid;
		u.groups[0] = x->gid;
		u.ngroups = 1;
		for (size_t i = 0;
		     i < x->ngroups && u.ngroups < CELL_USER_GROUPS_MAX; i++)
			u.groups[u.ngroups++] = x->groups[i];
	} else if (host_u) {
		u = *host_u;
	} else if (user && strcmp(user, "root")) {
		int r = lookup_passwd_file("/etc/passwd", user, &u);
		if (r == -ENAMETOOLONG)
			fail_to(err_fd, "user", r, "%s: the jail's /etc/passwd "
				"entry has a field too long", user);
		if (r < 0)
			fail_to(err_fd, "user", r,
				"%s: no such user in the jail", user);
		lookup_groups_file("/etc/group", &u);
	} else {
		lookup_passwd_file("/etc/passwd", "root", &u);
		u.ngroups = 0;
	}

	const char *cwd = x->cwd ? x->cwd : (x->login ? u.home : "/");
	if (chdir(cwd) < 0) {
		if (x->cwd)
			fail_to(err_fd, "cwd", -errno, "%s: %s", cwd,
				strerror(errno));
		if (chdir("/") < 0)
			_exit(127);
	}
	/* The cwd must be inside the jail (CVE-2024-21626). */
	char here[PATH_MAX];
	if (!getcwd(here, sizeof(here)) || here[0] != '/')
		fail_to(err_fd, "cwd", -EPERM, "working directory outside "
			"the jail");

	for (size_t i = 0; i < x->rlimit_n; i++)
		if (setrlimit(x->rlimits[i].resource, &x->rlimits[i].lim) < 0)
			fail_to(err_fd, "rlimit", -errno, "setrlimit %d: %s",
				x->rlimits[i].resource, strerror(errno));
	if (x->oom_score_adj_set) {
		/* our own /proc entry, in the jail's /proc */
		_cleanup_close_ int fd = open("/proc/self/oom_score_adj",
					      O_WRONLY | O_CLOEXEC);
		char v[16];
		int n = snprintf(v, sizeof(v), "%d", x->oom_score_adj);
		if (fd < 0 || write(fd, v, (size_t)n) != n)
			fail_to(err_fd, "oom_score_adj", -errno, "%s",
				strerror(errno));
	}

	char **env = build_env(j, x, &u);
	if (!env)
		fail_to(err_fd, "environment", -ENOMEM, "out of memory");

	/* Capabilities. The bounding set goes straight to the process's
	 * own (that needs CAP_SETPCAP in the effective set, and leaves the
	 * effective and permitted sets alone); permitted and effective
	 * keep, besides the process's own, what the change of ids needs
	 * (CAP_SETUID, CAP_SETGID); the change of ids then clears both for
	 * a non-root user by the kernel's own rules, and root's are
	 * narrowed after it. A process that asks for fewer (OCI) gets the
	 * intersection with the policy. */
	struct cell_policy narrowed = *pol, wide = *pol, held = *pol;
	uint64_t inheritable = 0, ambient = 0;
	if (x->caps_set) {
		const uint64_t ids = (1ULL << CAP_SETUID) |
				     (1ULL << CAP_SETGID);
		narrowed.caps &= x->caps;
		wide.caps = narrowed.caps | (pol->caps & ids);
		held.caps = narrowed.caps & x->caps_held;
		inheritable = narrowed.caps & x->caps_inheritable;
		ambient = held.caps & inheritable & x->caps_ambient;
	}
	/* a non-root user keeps its permitted set over the change of ids
	 * only when asked to (OCI); the flag is the thread's and an exec
	 * clears it */
	bool keep_caps = x->caps_set && x->caps_keep && u.uid != 0 &&
			 (held.caps || inheritable);
	cell_error_clear(&e);
	if (cell_policy_bound_caps(&narrowed, &e) < 0 ||
	    cell_policy_set_caps(&wide, inheritable, &e) < 0)
		fail_to(err_fd, "capabilities", e.code, "%s", e.msg);
	if (keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fail_to(err_fd, "capabilities", -errno, "PR_SET_KEEPCAPS: %s",
			strerror(errno));
	if (setgroups((size_t)u.ngroups, u.groups) < 0 ||
	    setresgid(u.gid, u.gid, u.gid) < 0 ||
	    setresuid(u.uid, u.uid, u.uid) < 0)
		fail_to(err_fd, "user", -errno, "switching to %s: %s", u.name,
			strerror(errno));
	/* A change of ids set our mm's dumpable flag to fs.suid_dumpable;
	 * at 1 a host process of the same uid could ptrace us until the
	 * exec (a jail's process too, once it has one). Nothing of ours is
	 * for others to read before the exec, which sets the flag anew. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* root keeps its capabilities across setresuid: now narrow them
	 * (to the permitted set the process asked for, within its
	 * bounding set) */
	if (((u.uid == 0 && wide.caps != held.caps) || keep_caps) &&
	    cell_policy_set_caps(&held, inheritable, &e) < 0)
		fail_to(err_fd, "capabilities", e.code, "%s", e.msg);
	if (keep_caps)
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	/* last: the kernel raises an ambient capability only while it is
	 * in both the permitted and the inheritable set */
	for (int cap = 0; cap < 64 && ambient; cap++)
		if ((ambient & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			fail_to(err_fd, "capabilities", -errno, "raising "
				"ambient capability %d: %s", cap,
				strerror(errno));
	if (x->umask >= 0)
		umask((mode_t)x->umask);
	/* cell.personality: the execution domain, which the exec keeps
	 * (OCI linux.personality LINUX32: uname -m answers i686) */
	if (j->personality[0] &&
	    personality(strcmp(j->personality, "linux32") ? PER_LINUX
							  : PER_LINUX32) < 0)
		fail_to(err_fd, "personality", -errno, "%s: %s",
			j->personality, strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail_to(err_fd, "no_new_privs", -errno, "%s", strerror(errno));
	/* 10b: cell.abstract_unix_scope, a jail on the host's network
	 * stack: no abstract unix socket made outside this process tree
	 * (the host's, another entry's) is reachable. Landlock's scope, ABI
	 * 6 (Linux 6.12); an older kernel has none, and cell audit says
	 * so */
	if (pol->scope_abstract_unix) {
		int r = scope_abstract_unix();
		if (r < 0)
			fail_to(err_fd, "landlock", r,
				"scoping abstract unix sockets: %s",
				strerror(-r));
	}
	/* allow.set_hostname: the helper answers sethostname for us. An
	 * init that becomes the process has no helper: the call is
	 * refused (it has no CAP_SYS_ADMIN either). Nor has a process
	 * whose own filter has a listener (OCI exec of a SCMP_ACT_NOTIFY
	 * profile): a task's filters hold one listener at most (EBUSY). */
	bool own_listener = x->extra_filter && x->extra_filter_listener;
	if (!as_init && !own_listener) {
		int lfd = cell_policy_agent_listener(pol, &e);
		if (lfd < 0)
			fail_to(err_fd, "seccomp", e.code, "%s", e.msg);
		if (lfd > 0) {
			if (send_fd(err_fd, lfd) < 0)
				fail_to(err_fd, "seccomp", -EPIPE,
					"passing the host name listener");
			close(lfd);
		}
	}

	/* argv */
	char *shell_argv[4];
	char login_name[300];
	char *const *argv = x->argv;
	const char *prog = NULL;
	if (!argv || !argv[0]) {
		const char *sh = u.shell[0] ? u.shell : "/bin/sh";
		const char *base = strrchr(sh, '/');
		snprintf(login_name, sizeof(login_name), "%s%s",
			 x->login ? "-" : "", base ? base + 1 : sh);
		shell_argv[0] = login_name;
		shell_argv[1] = NULL;
		argv = shell_argv;
		prog = sh;
	} else if (x->shell_command) {
		shell_argv[0] = (char *)"/bin/sh";
		shell_argv[1] = (char *)"-c";
		shell_argv[2] = argv[0];
		shell_argv[3] = NULL;
		argv = shell_argv;
	}
	/* the program, found now; started through the sealed stub */
	char path[PATH_MAX];
	char **stub_argv = NULL;
	int stub_fd = -1;
	if (exec_fd < 0) {
		const char *target = prog ? prog : argv[0];
		int r = find_program(target, env, path, sizeof(path));
		if (r < 0)
			fail_to(err_fd, "exec", r, "%s: %s", target,
				strerror(-r));
		size_t n = 0;
		while (argv[n])
			n++;
		stub_argv = calloc(n + 3, sizeof(char *));
		stub_fd = exec_stub_fd();
		if (!stub_argv || stub_fd < 0)
			fail_to(err_fd, "exec", stub_fd < 0 ? stub_fd : -ENOMEM,
				"the exec stub: %s",
				strerror(stub_fd < 0 ? -stub_fd : ENOMEM));
		stub_argv[0] = (char *)EXEC_STUB_MARKER;
		stub_argv[1] = path;
		for (size_t i = 0; i < n; i++)
			stub_argv[2 + i] = argv[i];
	}
	environ = env;
	/* whatever was opened since keep_fds (a library's own descriptor)
	 * must not cross the exec either: only stdio and the preserved ones
	 * do (CVE-2024-21626) */
	close_range(3 + x->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	/* 13: seccomp last: after it, only exec. The jail's filter first,
	 * then the process's own (it can only narrow: the kernel runs
	 * both and the stricter answer wins). */
	if (cell_policy_apply_seccomp(pol, &e) < 0)
		fail_to(err_fd, "seccomp", e.code, "%s", e.msg);
	if (x->extra_filter) {
		unsigned fl = x->extra_filter_listener
				      ? SECCOMP_FILTER_FLAG_NEW_LISTENER
				      : 0;
		if (fl && !as_init && !x->listener)
			fail_to(err_fd, "seccomp", -EOPNOTSUPP,
				"a listener for the process's filter needs "
				"a caller to take it");
		int lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, fl,
				       x->extra_filter);
		if (lfd < 0)
			fail_to(err_fd, "seccomp", -errno,
				"the process's filter: %s", strerror(errno));
		if (fl) {
			if (send_fd(err_fd, lfd) < 0)
				fail_to(err_fd, "seccomp", -EPIPE,
					"passing the filter's listener");
			close(lfd);
		}
	}
	if (as_init) {
		struct msg ready = { .kind = 'R' };
		if (send_msg(err_fd, &ready) < 0)
			_exit(127);
	}
	/* the start byte (OCI start; init's gate for an early command):
	 * nothing of the jail's runs before it */
	if (gate_fd >= 0) {
		ssize_t n;
		do
			n = read(gate_fd, &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(127);
		close(gate_fd);
	}
	if (exec_fd >= 0) {
		/* already a sealed memfd (cell audit's probe) */
		syscall(SYS_execveat, exec_fd, "", argv, env, AT_EMPTY_PATH);
		fail_to(err_fd, "exec", -errno, "%s: %s", argv[0],
			strerror(errno));
	}
	syscall(SYS_execveat, stub_fd, "", stub_argv, env, AT_EMPTY_PATH);
	fail_to(err_fd, "exec", -errno, "%s (through the exec stub): %s", path,
		strerror(errno));
}

/* What attach joins: every namespace init made, and the ones it joined */
static int join_flags(const struct cell_jail *j)
{
	unsigned long f = ns_flags(j) | CLONE_NEWCGROUP;
	if (j->netns_path[0])
		f |= CLONE_NEWNET;
	if (j->ipcns_path[0])
		f |= CLONE_NEWIPC;
	if (j->utsns_path[0])
		f |= CLONE_NEWUTS;
	return (int)f;
}

/* The helper: joins the jail, forks the jailed child, relays. */
static __attribute__((noreturn)) void helper(const struct cell_jail *j,
					     const struct cell_policy *pol,
					     const struct cell_exec *x,
					     const struct cell_user *host_u,
					     int pidfd, int cgroup_fd,
					     int agent_fd, bool detach,
					     int report)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* the host's /proc, to check who asks for a host name change */
	int hostproc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* The jail's cgroup namespace, opened now as the host's root: a
	 * child in the jail's user namespace could not join it through
	 * the pidfd (init is not dumpable: the ptrace check fails there).
	 * The pidfd still naming a live process after the open means the
	 * pid was not reused in between. */
	char nspath[64];
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/cgroup",
		 (int)pidfd_pid(pidfd));
	int cgns = open(nspath, O_RDONLY | O_CLOEXEC);
	if (cgns < 0 || pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
		fail_to(report, "setns", -ESRCH, "the jail's init is gone");
	int timens = open_timens(j, pidfd);
	if (timens < -1)
		fail_to(report, "setns", timens, "the jail's time namespace: %s",
			strerror(-timens));
	/* every namespace but the cgroup one: a process outside the jail's
	 * cgroups (we are) may not clone into them from inside it */
	if (setns(pidfd, join_flags(j) & ~CLONE_NEWCGROUP) < 0)
		fail_to(report, "setns", -errno, "joining the jail: %s",
			strerror(errno));
	close(pidfd);
	if (timens >= 0) {
		if (setns(timens, CLONE_NEWTIME) < 0)
			fail_to(report, "setns", -errno, "joining the jail's "
				"time namespace: %s", strerror(errno));
		close(timens);
	}
	int go[2], errp[2];
	if (pipe2(go, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, errp) < 0)
		fail_to(report, "pipe", -errno, "%s", strerror(errno));
	bool into = false;
	fflush(NULL);
	pid_t child = clone_into(0, NULL, cgroup_fd, &into);
	if (child < 0)
		fail_to(report, "fork", -errno, "%s", strerror(errno));
	if (child == 0) {
		close(go[1]);
		close(errp[0]);
		close(report);
		/* placed (the host said so through the helper): now the
		 * jail's cgroup namespace, rooted at the jail's cgroups */
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		close(go[0]);
		if (setns(cgns, CLONE_NEWCGROUP) < 0)
			fail_to(errp[1], "setns", -errno, "joining the jail's "
				"cgroup namespace: %s", strerror(errno));
		close(cgns);
		tail(j, pol, x, host_u, -1, errp[1], false, -1);
	}
	close(cgns);
	if (cgroup_fd >= 0)
		close(cgroup_fd);
	close(go[0]);
	close(errp[1]);
	/* The host places the child in the rest of the jail's cgroups (we
	 * no longer see the host's cgroupfs) and answers 'G'. */
	struct msg cm = { .kind = 'C', .pid = child, .arg = into ? '1' : '0' };
	struct msg ok;
	if (send_msg(report, &cm) < 0 || recv_msg(report, &ok) < 0 ||
	    ok.kind != 'G') {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		_exit(127);
	}
	if (write(go[1], "g", 1) != 1)
		_exit(127);
	close(go[1]);
	/* exec succeeded when the channel closes without an error; before
	 * that it may hand us the host name listener */
	int lfd = -1;
	struct msg m;
	int rr;
	/* the process's filter's listener, when it has one, is the only
	 * descriptor it sends (tail): the caller's */
	bool to_caller = x->extra_filter && x->extra_filter_listener;
	for (;;) {
		int fd = -1;
		rr = recv_msg_fd(errp[0], &m, &fd);
		if (rr == 0 && fd >= 0 && to_caller) {
			if (send_fd(report, fd) < 0) {
				kill(child, SIGKILL);
				waitpid(child, NULL, 0);
				_exit(127);
			}
			close(fd);
			continue;
		}
		if (rr == 0 && fd >= 0) {
			if (lfd >= 0)
				close(lfd);
			lfd = fd;
			continue;
		}
		break;
	}
	if (rr == 0 && m.kind == 'E') {
		waitpid(child, NULL, 0);
		send_msg(report, &m);
		_exit(127);
	}
	struct msg started = { .kind = 'S', .pid = child };
	send_msg(report, &started);
	if (detach)
		_exit(0);
	if (lfd >= 0)
		cell_agent_run(lfd, hostproc, child, agent_fd, pol->mount_fs);
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			_exit(127);
	struct msg done = { .kind = 'X', .code = st };
	send_msg(report, &done);
	_exit(0);
}

int cell_enter_attach(const struct cell_jail *j, const struct cell_policy *pol,
		      const struct cell_running *run, const struct cell_exec *x,
		      const struct cell_placement *place, bool detach,
		      int *status, pid_t *pid, struct cell_error *err)
{
	cell_error_context(err, j->name, NULL, NULL);
	/* 1: host users are looked up while we still see the host */
	struct cell_user hu, *host_u = NULL;
	if (x->user && x->user_from_host) {
		memset(&hu, 0, sizeof(hu));
		int r = host_user(x->user, &hu);
		if (r < 0) {
			cell_error_context(err, NULL, "user", NULL);
			return r == -ENOENT
				? cell_error_set(err, r, "%s: no such user on "
						 "the host", x->user)
				: cell_error_errno(err, r, "%s: looking the "
						   "user up on the host",
						   x->user);
		}
		host_u = &hu;
	}
	_cleanup_close_ int pidfd = cell_init_pidfd(run);
	if (pidfd < 0) {
		cell_error_context(err, NULL, "attach", NULL);
		return cell_error_set(err, pidfd, "the jail is not running");
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cell_error_errno(err, -errno, "socketpair");
	_cleanup_close_ int mine = sv[0];
	fflush(NULL);
	pid_t h = fork();
	if (h < 0) {
		close(sv[1]);
		return cell_error_errno(err, -errno, "fork");
	}
	if (h == 0) {
		close(mine);
		helper(j, pol, x, host_u, pidfd,
		       place ? place->cgroup_fd : -1, run->agent_fd, detach,
		       sv[1]);
	}
	close(sv[1]);

	struct msg m;
	int r = recv_msg(mine, &m);
	_cleanup_close_ int child = -1;
	int lr = 0;
	if (r == 0 && m.kind == 'C') {
		pid_t cpid = m.pid;
		/* unreaped until the helper hears 'G': no reuse */
		if (x->listener)
			child = (int)pidfd_open(cpid, 0);
		int pr = 0;
		if (place && place->place)
			pr = place->place(place->arg, m.pid, m.arg == '1',
					  err);
		struct msg reply = { .kind = pr < 0 ? 'N' : 'G' };
		send_msg(mine, &reply);
		if (pr < 0) {
			while (waitpid(h, NULL, 0) < 0 && errno == EINTR)
				;
			cell_error_context(err, NULL, "cgroup", NULL);
			return pr;
		}
		for (;;) {
			int fd = -1;
			r = recv_msg_fd(mine, &m, &fd);
			if (r < 0 || fd < 0)
				break;
			/* the process filter's listener (x->listener) */
			if (lr == 0 && x->listener)
				lr = x->listener(x->listener_arg, fd, cpid,
						 err);
			close(fd);
			if (lr < 0 && child >= 0)
				pidfd_send_signal(child, SIGKILL, NULL, 0);
		}
	}
	if (r == 0 && m.kind == 'S') {
		if (pid)
			*pid = m.pid;
		if (!detach)
			r = recv_msg(mine, &m);
	}
	int hst;
	while (waitpid(h, &hst, 0) < 0 && errno == EINTR)
		;
	if (lr < 0) {
		cell_error_context(err, NULL, "seccomp", NULL);
		return lr;
	}
	if (r < 0) {
		cell_error_context(err, NULL, "attach", NULL);
		return cell_error_set(err, -ECHILD,
				      "lost the process in the jail");
	}
	if (m.kind == 'E') {
		cell_error_context(err, NULL, m.step, NULL);
		return cell_error_set(err, m.code, "%s", m.text);
	}
	if (status)
		*status = m.kind == 'X' ? m.code : 0;
	return 0;
}
