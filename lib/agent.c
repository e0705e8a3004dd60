/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The jail's agent (see agent.h): answers the seccomp notifications of
 * the jail's root for host name changes and for mounts of the file
 * systems its allow.mount.* parameters name.
 *
 * Every answer is checked in this order: the caller is the jail's root
 * (euid 0, read from the host's /proc); the arguments are copied out of
 * the caller's memory with bounded lengths; the notification is still
 * valid (the caller did not die and its pid was not reused meanwhile);
 * then paths are resolved by us, beneath the caller's own root
 * (openat2 RESOLVE_IN_ROOT, no magic links), never by the kernel on the
 * caller's behalf.
 *
 * Mounts are always nosuid and nodev (device nodes work only on the
 * jail's /dev). What may not be done whatever the parameters say:
 *   - remounts, moves and propagation changes (MS_REMOUNT, MS_MOVE,
 *     MS_SHARED ...): they could strip the boundary's own mounts of their
 *     flags or carry them elsewhere;
 *   - a non-recursive bind: cloning /proc without its submounts would
 *     show what the masks over it hide (the masks are submounts), so a
 *     bind always takes its submounts along;
 *   - a proc with more than the processes: the jail runs as the host's
 *     uid 0, and a fresh proc's /proc/sys, sysrq-trigger or kcore would
 *     be the host's; proc is always subset=pid;
 *   - sysfs (a fresh sysfs shows what /sys's masks hide);
 *   - unmounting anything the agent did not mount: the masks over /proc
 *     and /sys, /dev and the root are the boundary. The agent records the
 *     unique mount id (Linux 6.8; plain ids are reused) of each mount it
 *     makes, read from the mount's own descriptor, in the jail's record
 *     (state.c) and unmounts only those, always lazily (see
 *     answer_umount).
 * Each mount is made by a child of the agent, which is born in the
 * jail's pid namespace: the new proc shows the jail's processes.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#define AGENT_PATH_MAX 1024
#define AGENT_DATA_MAX 512

struct agent {
	int lfd;
	int hostproc;
	int mounts_fd;
	unsigned mount_fs;
	int nr_sethostname, nr_setdomainname, nr_mount, nr_umount2;
};

/* The host uid the jail's root is: 0, or what the jail's user namespace
 * maps uid 0 to (cell.uidmap), read from the caller's own uid_map. */
static unsigned long root_of(int hostproc, pid_t pid)
{
	char path[32], buf[1024];
	snprintf(path, sizeof(path), "%d/uid_map", (int)pid);
	_cleanup_close_ int fd = openat(hostproc, path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return (unsigned long)-1; /* nobody is root */
	buf[n] = '\0';
	for (char *l = buf; l && *l;) {
		unsigned long in, out, count;
		if (sscanf(l, "%lu %lu %lu", &in, &out, &count) == 3 &&
		    in == 0)
			return out;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return (unsigned long)-1;
}

/* Is host pid `pid` running with effective uid 0 of its jail? */
static bool caller_is_root(int hostproc, pid_t pid)
{
	char path[32], buf[4096];
	snprintf(path, sizeof(path), "%d/status", (int)pid);
	_cleanup_close_ int fd = openat(hostproc, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *u = strstr(buf, "\nUid:");
	unsigned ruid, euid;
	if (!u || sscanf(u + 5, "%u %u", &ruid, &euid) != 2)
		return false;
	/* status shows ids as our user namespace sees them: 0 when we
	 * share the caller's, else its root's id out here */
	struct stat mine, theirs;
	snprintf(path, sizeof(path), "%d/ns/user", (int)pid);
	if (fstatat(hostproc, "self/ns/user", &mine, 0) == 0 &&
	    fstatat(hostproc, path, &theirs, 0) == 0 &&
	    mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
		return euid == 0;
	return euid == root_of(hostproc, pid);
}

/* A NUL-terminated string of at most len-1 bytes from the caller, read
 * a page at a time (it may end just before an unmapped page). */
static int read_string(pid_t pid, uint64_t addr, char *buf, size_t len)
{
	if (!addr)
		return -EFAULT;
	size_t got = 0;
	while (got < len - 1) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (size_t)(at % 4096);
		if (chunk > len - 1 - got)
			chunk = len - 1 - got;
		struct iovec local = { buf + got, chunk };
		struct iovec remote = { (void *)(uintptr_t)at, chunk };
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -EFAULT;
		if (memchr(buf + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

/*
 * Open path as the caller names it, beneath the caller's own root: an
 * absolute path from its root, a relative one from its working
 * directory, which must lie under that root.
 */
static int open_as_caller(const struct agent *a, uint64_t id, pid_t pid,
			  const char *path, int flags)
{
	int hostproc = a->hostproc;
	char p[64];
	snprintf(p, sizeof(p), "%d/root", (int)pid);
	_cleanup_close_ int root = openat(hostproc, p, O_PATH | O_DIRECTORY |
							       O_CLOEXEC);
	if (root < 0)
		return -errno;
	char full[PATH_MAX];
	if (path[0] == '/') {
		if (cell_strlcpy(full, path, sizeof(full)) < 0)
			return -ENAMETOOLONG;
	} else {
		/* both links read relative to our root, the jail's */
		char cwd[PATH_MAX], rootp[PATH_MAX];
		snprintf(p, sizeof(p), "%d/cwd", (int)pid);
		ssize_t cl = readlinkat(hostproc, p, cwd, sizeof(cwd) - 1);
		snprintf(p, sizeof(p), "%d/root", (int)pid);
		ssize_t rl = readlinkat(hostproc, p, rootp, sizeof(rootp) - 1);
		if (cl <= 0 || rl <= 0)
			return -ENOENT;
		cwd[cl] = rootp[rl] = '\0';
		size_t plen = strcmp(rootp, "/") ? (size_t)rl : 0;
		if (cwd[0] != '/' || strncmp(cwd, rootp, plen) ||
		    (cwd[plen] != '/' && cwd[plen]))
			return -EPERM; /* a cwd outside its own root */
		if (snprintf(full, sizeof(full), "%s/%s",
			     cwd[plen] ? cwd + plen : "", path) >=
		    (int)sizeof(full))
			return -ENAMETOOLONG;
	}
	/* The caller is blocked in its call while the notification is
	 * valid, so its pid cannot have been reused: checked after /proc
	 * gave us its root, that root is the caller's and not some other
	 * process's (a host process's root would be the host's). */
	if (seccomp_notify_id_valid(a->lfd, id) < 0)
		return -ESRCH;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root, full, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* Linux 6.8 */
#endif

/*
 * The mount's unique id (Linux 6.8), never its plain one: plain ids are
 * handed out again, lowest first, once a mount is gone, and a mount of
 * ours can go without our umount (a lazy umount of a mount of ours above
 * it takes it along), so its recorded id would come to name whatever is
 * mounted next: the clones of /proc's masks in a bind of /proc, say.
 * Without unique ids the agent mounts nothing.
 */
static int mount_id(int fd, uint64_t *id, bool *is_root)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE))
		return -EOPNOTSUPP;
	*id = stx.stx_mnt_id;
	*is_root = stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	return 0;
}

/* The record of agent-made mounts: one id per line, under flock. */
static bool mounts_has(int fd, uint64_t id, bool remove)
{
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return false;
	char buf[8192];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	bool found = false;
	if (n > 0) {
		buf[n] = '\0';
		char out[8192];
		size_t ol = 0;
		for (char *l = buf, *next; l && *l; l = next) {
			next = strchr(l, '\n');
			if (next)
				*next++ = '\0';
			if (strtoull(l, NULL, 10) == id && !found) {
				found = true;
				continue;
			}
			ol += (size_t)snprintf(out + ol, sizeof(out) - ol,
					       "%s\n", l);
		}
		if (found && remove && ftruncate(fd, 0) == 0)
			(void)!pwrite(fd, out, ol, 0);
	}
	flock(fd, LOCK_UN);
	return found;
}

static int mounts_add(int fd, uint64_t id)
{
	if (flock(fd, LOCK_EX) < 0)
		return -errno;
	off_t end = lseek(fd, 0, SEEK_END);
	char line[32];
	int l = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)id);
	int r = end >= 0 && end < 8000 && pwrite(fd, line, (size_t)l, end) == l
			? 0
			: -ENOSPC;
	flock(fd, LOCK_UN);
	return r;
}

/* tmpfs and proc options the jail may give; everything else is refused */
static int fs_options(int fs, const char *type, char *data)
{
	static const char *const tmpfs_keys[] = { "size", "nr_blocks",
						  "nr_inodes", "mode", "uid",
						  "gid", NULL };
	static const char *const proc_keys[] = { "hidepid", "gid", NULL };
	const char *const *keys = !strcmp(type, "tmpfs") ? tmpfs_keys
							 : proc_keys;
	char *save = NULL;
	for (char *o = data ? strtok_r(data, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		bool ok = false;
		for (const char *const *k = keys; *k; k++)
			ok |= !strcmp(o, *k);
		if (!ok)
			return -EINVAL;
		if (fsconfig(fs, FSCONFIG_SET_STRING, o, eq + 1, 0) < 0)
			return -errno;
	}
	return 0;
}

/* Lazily unmount the mount fd names, through our own /proc/self/fd:
 * never by a path the jail could have changed. */
static int detach(const struct agent *a, int fd)
{
	char rel[32];
	snprintf(rel, sizeof(rel), "self/fd/%d", fd);
	if (fchdir(a->hostproc) < 0 || umount2(rel, MNT_DETACH) < 0)
		return -errno;
	return 0;
}

/* The mount itself, in a child born in the jail's pid namespace. */
static int mount_here(const struct agent *a, uint64_t id, pid_t pid,
		      const char *source,
		      const char *target, const char *type,
		      unsigned long flags, char *data)
{
	unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	if (flags & MS_RDONLY)
		attrs |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOEXEC)
		attrs |= MOUNT_ATTR_NOEXEC;
	if (flags & MS_NOATIME)
		attrs |= MOUNT_ATTR_NOATIME;
	if (flags & MS_NODIRATIME)
		attrs |= MOUNT_ATTR_NODIRATIME;
	if (flags & MS_STRICTATIME)
		attrs |= MOUNT_ATTR_STRICTATIME;
	_cleanup_close_ int m = -1;
	if (flags & MS_BIND) {
		if (!(a->mount_fs & CELL_MOUNT_BIND))
			return -EPERM;
		_cleanup_close_ int src = open_as_caller(a, id, pid, source,
							 O_PATH);
		if (src < 0)
			return src;
		/* always recursive: the masks are submounts (see above) */
		m = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					       AT_EMPTY_PATH | AT_RECURSIVE);
		if (m < 0)
			return -errno;
		struct mount_attr ma = { .attr_set = attrs };
		if (mount_setattr(m, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma,
				  sizeof(ma)) < 0)
			return -errno;
	} else {
		bool tmpfs = !strcmp(type, "tmpfs");
		bool proc = !strcmp(type, "proc");
		if ((tmpfs && !(a->mount_fs & CELL_MOUNT_TMPFS)) ||
		    (proc && !(a->mount_fs & CELL_MOUNT_PROC)) ||
		    (!tmpfs && !proc))
			return -EPERM;
		_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
		if (fs < 0)
			return -errno;
		fsconfig(fs, FSCONFIG_SET_STRING, "source",
			 source[0] ? source : type, 0);
		int r = fs_options(fs, type, data);
		if (r < 0)
			return r;
		if (proc && fsconfig(fs, FSCONFIG_SET_STRING, "subset", "pid",
				     0) < 0)
			return -errno;
		if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			return -errno;
		m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
		if (m < 0)
			return -errno;
	}
	_cleanup_close_ int t = open_as_caller(a, id, pid, target, O_PATH);
	if (t < 0)
		return t;
	if (move_mount(m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH |
					     MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	/* The new mount's id, for umount, from m itself, which names the
	 * mount just attached: never from the target's path looked up
	 * again, which the jail may have pointed meanwhile at one of the
	 * boundary's mounts (a mask, the read-only /proc/sys) to have it
	 * recorded as ours. Not recorded, it is taken away again. */
	uint64_t mid = 0;
	bool root = false;
	int r = mount_id(m, &mid, &root);
	if (r == 0 && !root)
		r = -EIO;
	if (r == 0)
		r = mounts_add(a->mounts_fd, mid);
	if (r < 0)
		detach(a, m);
	return r;
}

static int answer_mount(const struct agent *a, const struct seccomp_notif *req)
{
	if (a->mounts_fd < 0)
		return -EPERM;
	pid_t pid = req->pid;
	char source[AGENT_PATH_MAX] = "", target[AGENT_PATH_MAX],
				      type[32] = "", data[AGENT_DATA_MAX] = "";
	unsigned long flags = (unsigned long)req->data.args[3];
	if ((flags & 0xffff0000UL) == MS_MGC_VAL)
		flags &= 0xffff;
	const unsigned long allowed = MS_RDONLY | MS_NOSUID | MS_NODEV |
				      MS_NOEXEC | MS_NOATIME |
				      MS_NODIRATIME | MS_RELATIME |
				      MS_STRICTATIME | MS_SILENT | MS_BIND |
				      MS_REC;
	if (flags & ~allowed)
		return -EPERM; /* remount, move, propagation */
	int r = read_string(pid, req->data.args[1], target, sizeof(target));
	if (r == 0 && req->data.args[0])
		r = read_string(pid, req->data.args[0], source,
				sizeof(source));
	if (r == 0 && !(flags & MS_BIND))
		r = read_string(pid, req->data.args[2], type, sizeof(type));
	if (r == 0 && !(flags & MS_BIND) && req->data.args[4])
		r = read_string(pid, req->data.args[4], data, sizeof(data));
	if (r < 0)
		return r;
	if ((flags & MS_BIND) && !source[0])
		return -EINVAL;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t c = fork();
	if (c < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (c == 0) {
		close(pfd[0]);
		int rc = mount_here(a, req->id, pid, source, target, type,
				    flags, data);
		(void)!write(pfd[1], &rc, sizeof(rc));
		_exit(0);
	}
	close(pfd[1]);
	int rc = -EIO;
	if (read(pfd[0], &rc, sizeof(rc)) != sizeof(rc))
		rc = -EIO;
	close(pfd[0]);
	while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
		;
	return rc;
}

static int answer_umount(const struct agent *a,
			 const struct seccomp_notif *req)
{
	pid_t pid = req->pid;
	int flags = (int)req->data.args[1];
	if (flags & ~(MNT_DETACH | UMOUNT_NOFOLLOW))
		return -EPERM;
	char target[AGENT_PATH_MAX];
	int r = read_string(pid, req->data.args[0], target, sizeof(target));
	if (r < 0)
		return r;
	_cleanup_close_ int t = open_as_caller(
		a, req->id, pid, target,
		O_PATH | (flags & UMOUNT_NOFOLLOW ? O_NOFOLLOW : 0));
	if (t < 0)
		return t;
	uint64_t id = 0;
	bool root = false;
	if ((r = mount_id(t, &id, &root)) < 0)
		return r;
	if (!root)
		return -EINVAL; /* as the kernel says for a non-mount point */
	/* only what we mounted: the boundary's mounts are not the jail's */
	if (!mounts_has(a->mounts_fd, id, false))
		return -EPERM;
	/* Unmount what t names, never by the path again (the jail could
	 * swap a symlink in meanwhile). t itself holds the mount, so the
	 * unmount is lazy (umount -l): the mount leaves the jail's tree at
	 * once, its files stay usable by whoever has them open. */
	if ((r = detach(a, t)) < 0)
		return r;
	mounts_has(a->mounts_fd, id, true);
	return 0;
}

static int answer_hostname(const struct agent *a,
			   const struct seccomp_notif *req)
{
	char name[65];
	size_t len = (size_t)req->data.args[1];
	if (len > 64)
		return -EINVAL;
	struct iovec local = { name, len };
	struct iovec remote = { (void *)(uintptr_t)req->data.args[0], len };
	if (process_vm_readv(req->pid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)len)
		return -EFAULT;
	if (seccomp_notify_id_valid(a->lfd, req->id) < 0)
		return -ESRCH;
	if ((req->data.nr == a->nr_sethostname ? sethostname(name, len)
					       : setdomainname(name, len)) < 0)
		return -errno;
	return 0;
}

void cell_agent_run(int lfd, int hostproc, pid_t child, int mounts_fd,
		    unsigned mount_fs)
{
	struct agent a = {
		.lfd = lfd,
		.hostproc = hostproc,
		.mounts_fd = mounts_fd,
		.mount_fs = mount_fs,
		.nr_sethostname = seccomp_syscall_resolve_name("sethostname"),
		.nr_setdomainname =
			seccomp_syscall_resolve_name("setdomainname"),
		.nr_mount = seccomp_syscall_resolve_name("mount"),
		.nr_umount2 = seccomp_syscall_resolve_name("umount2"),
	};
	/* without a child to watch, the listener's hang-up (no task uses
	 * the filter any more) ends us */
	int cfd = child > 0 ? pidfd_open(child, 0) : -1;
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	if ((child > 0 && cfd < 0) || seccomp_notify_alloc(&req, &resp) < 0)
		goto out;
	for (;;) {
		struct pollfd p[2] = { { .fd = lfd, .events = POLLIN },
				       { .fd = cfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (cfd >= 0 && p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			break;
		memset(req, 0, sizeof(*req));
		if (seccomp_notify_receive(lfd, req) < 0)
			continue;
		memset(resp, 0, sizeof(*resp));
		resp->id = req->id;
		int nr = req->data.nr, rc;
		if (!caller_is_root(hostproc, req->pid))
			rc = -EPERM; /* as on FreeBSD: the jail's root only */
		else if (nr == a.nr_sethostname || nr == a.nr_setdomainname)
			rc = answer_hostname(&a, req);
		else if (nr == a.nr_mount)
			rc = answer_mount(&a, req);
		else if (nr == a.nr_umount2)
			rc = answer_umount(&a, req);
		else
			rc = -ENOSYS;
		if (rc == -ESRCH && seccomp_notify_id_valid(lfd, req->id) < 0)
			continue; /* the caller is gone */
		resp->error = rc;
		resp->val = 0;
		seccomp_notify_respond(lfd, resp);
	}
out:
	if (req)
		seccomp_notify_free(req, resp);
	if (cfd >= 0)
		close(cfd);
	close(lfd);
}
