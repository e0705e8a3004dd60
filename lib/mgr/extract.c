/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The archive extractor of bootstrap --tar, import and bootstrap --oci,
 * in capability mode (sandbox.h). The child holds the archive (read,
 * seek, fstat) and the target directory (lookup, create, write, mkdirat,
 * symlinkat, linkat, unlinkat, mkfifoat, fchown, fchmod, futimes; no
 * mknodat, no exec), enters capability mode, reads entries with
 * libarchive's archive_read_* and makes each one with *at calls one path
 * component at a time: intermediate directories are opened O_RDONLY |
 * O_DIRECTORY | O_NOFOLLOW (a symlink there is refused, never followed),
 * the last component is made with O_EXCL / O_NOFOLLOW after removing
 * what was there. Refused before anything is written for the entry: absolute
 * paths, "..", device nodes, sockets, hard links whose target is outside
 * the tree; for an export, entries outside root/. Should the checks be
 * wrong, the kernel still holds the child beneath the target (Landlock)
 * and away from every path (seccomp).
 *
 * Owners are the archive's numeric uid/gid (user names are not looked up:
 * the host's passwd says nothing about a release's). Directory times are
 * set after the last entry (making children changes them).
 *
 * Owner, mode and times are set through a descriptor of the object made
 * (fchown, fchmod, futimens): capability mode refuses the name-based
 * forms and O_PATH (a dirfd does not confine an absolute path, and
 * Landlock checks neither chmod, chown, utime nor O_PATH opens), so every
 * descriptor the child holds was opened through Landlock. A symbolic link
 * cannot be opened but with O_PATH: the child reports its owner and times
 * (a 'R' record, struct symfix) and the parent, once the child is done,
 * sets them beneath the target (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS, only if the path still names a symbolic link).
 *
 * OCI layers (o->oci): ".wh.NAME" removes NAME of the lower layers,
 * ".wh..wh..opq" empties its directory of what lower layers put there;
 * an entry replaces what a lower layer had at its path (a directory over
 * a directory merges).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "cleanup.h"
#include "mgr/internal.h"
#include "mgr/sandbox.h"
#include "mgr/storage.h"

/* An archive path that stays beneath the target: relative, no "..". */
static const char *bad_path(const char *p)
{
	if (!p || !*p)
		return "empty path";
	if (p[0] == '/')
		return "absolute path";
	for (const char *c = p; c;) {
		if (!strncmp(c, "..", 2) && (c[2] == '/' || !c[2]))
			return "'..' in path";
		c = strchr(c, '/');
		if (c)
			c++;
	}
	return NULL;
}

/* p without "." and empty components, into out ("" for the root). */
static int normalize(const char *p, char *out, size_t len)
{
	size_t o = 0;
	for (const char *c = p; *c;) {
		const char *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);
		if (n && !(n == 1 && c[0] == '.')) {
			if (o + n + 2 > len)
				return -ENAMETOOLONG;
			if (o)
				out[o++] = '/';
			memcpy(out + o, c, n);
			o += n;
		}
		c = *e ? e + 1 : e;
	}
	out[o] = '\0';
	return 0;
}

struct xctx {
	struct cell_sbx *s;
	const struct cell_mgr_xopts *o;
	int root;
	void *made;             /* OCI: paths this layer made (tsearch) */
	struct dfix {
		char *path;
		struct timespec ts[2];
	} *dirs;
	size_t ndirs;
	size_t symbytes;        /* symfix records sent */
	char entry[PATH_MAX];   /* the entry's name, for messages */
};

static int refuse(struct xctx *x, int code, const char *why)
{
	return cell_sbx_error(x->s, code, "refused entry '%.200s': %s",
			      x->entry, why);
}

static int fail(struct xctx *x, int code, const char *what)
{
	return cell_sbx_error(x->s, code, "entry '%.200s': %s: %s", x->entry,
			      what, strerror(-code));
}

/* A symbolic link's owner and times, child to parent: the header, then
 * len bytes of its path (normalized, relative to the target, no NUL). */
struct symfix {
	uint32_t uid, gid;
	int64_t ts[4];          /* atime sec, nsec, mtime sec, nsec */
	uint32_t len;
	uint32_t pad;
};
/* What the parent accepts: enough for ~200000 links of ~300 bytes. */
#define SYMFIX_MAX (64U << 20)

static int sym_record(struct xctx *x, const char *path, uid_t uid,
		      gid_t gid, const struct timespec ts[2])
{
	size_t pl = strlen(path);
	char rec[sizeof(struct symfix) + PATH_MAX];
	struct symfix h = {
		.uid = uid, .gid = gid,
		.ts = { ts[0].tv_sec, ts[0].tv_nsec, ts[1].tv_sec, ts[1].tv_nsec },
		.len = (uint32_t)pl,
	};
	if (pl == 0 || pl >= PATH_MAX)
		return refuse(x, -ENAMETOOLONG, "path too long");
	if (x->symbytes + sizeof(h) + pl > SYMFIX_MAX)
		return refuse(x, -E2BIG, "too many symbolic links");
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), path, pl);
	int r = cell_sbx_result(x->s, rec, sizeof(h) + pl);
	if (r < 0)
		return fail(x, r, "symbolic link owner and times");
	x->symbytes += sizeof(h) + pl;
	return 0;
}

/*
 * Open the parent directory of path (normalized, not "") beneath the
 * root, component by component without following symlinks; mkdirs:
 * make missing directories (0755). *base points into path. The fd (the
 * root itself is returned dup'ed as -2: use x->root), or -errno.
 */
static int walk(struct xctx *x, char *path, bool mkdirs, const char **base)
{
	char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (!slash)
		return -2;
	int cur = -2;
	char *c = path;
	for (;;) {
		char *e = strchr(c, '/');
		if (!e)
			break;
		*e = '\0';
		int at = cur == -2 ? x->root : cur;
		/* not O_PATH: capability mode refuses it (Landlock
		 * would not check it) */
		int fd = openat(at, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && mkdirs) {
			if (mkdirat(at, c, 0755) < 0 && errno != EEXIST)
				fd = -1;
			else
				fd = openat(at, c, O_RDONLY | O_DIRECTORY |
					    O_NOFOLLOW | O_CLOEXEC);
		}
		int en = errno;
		*e = '/';
		if (cur >= 0)
			close(cur);
		if (fd < 0)
			return en == ELOOP || en == ENOTDIR ? -ELOOP : -en;
		cur = fd;
		c = e + 1;
	}
	return cur;
}

/* Remove name in dfd, at any depth (cell_tree_clear_fd: iterative, no
 * symlink followed, no mount point entered). */
static int rm_tree(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
					O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct cell_error e = { 0 };
	int r = cell_tree_clear_fd(fd, &e);
	if (r == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		r = -errno;
	return r;
}

static bool made_here(struct xctx *x, const char *path)
{
	return x->made && tfind(path, &x->made, (int (*)(const void *,
						const void *))strcmp);
}

static void mark_made(struct xctx *x, const char *path)
{
	if (!x->o->oci)
		return;
	char *c = strdup(path);
	if (c && *(char **)tsearch(c, &x->made, (int (*)(const void *,
					   const void *))strcmp) != c)
		free(c);
}

/* OCI: ".wh..wh..opq" in dir (path "" for the root): remove every child
 * that this layer did not make. */
static int opaque(struct xctx *x, int dfd, const char *dir)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	char **names = NULL;
	size_t n = 0;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[PATH_MAX + 256];
		snprintf(p, sizeof(p), "%s%s%s", dir, *dir ? "/" : "",
			 de->d_name);
		if (made_here(x, p))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			names = nn ? nn : names;
			r = -ENOMEM;
			break;
		}
		names = nn;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = rm_tree(dirfd(d), names[i]);
		free(names[i]);
	}
	free(names);
	closedir(d);
	return r;
}

/* Make room for a new entry at base: remove what is there (a directory
 * stays when the new entry is one too; *isdir says so). */
static int clear_slot(struct xctx *x, int pfd, const char *base, bool newdir,
		      bool *isdir)
{
	struct stat st;
	*isdir = false;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		if (newdir) {
			*isdir = true;
			return 0;
		}
		if (x->o->oci)
			return rm_tree(pfd, base);
		return unlinkat(pfd, base, AT_REMOVEDIR) < 0 ? -errno : 0;
	}
	return unlinkat(pfd, base, 0) < 0 ? -errno : 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

static int write_data(struct xctx *x, struct archive *a, int fd,
		      struct archive_entry *e)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int dr;
	while ((dr = archive_read_data_block(a, &buf, &len, &off)) ==
	       ARCHIVE_OK) {
		const char *c = buf;
		while (len > 0) {
			ssize_t w = pwrite(fd, c, len, (off_t)off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return fail(x, w < 0 ? -errno : -EIO, "write");
			c += w;
			len -= (size_t)w;
			off += w;
		}
	}
	if (dr < ARCHIVE_WARN)
		return cell_sbx_error(x->s, -EIO, "archive: %s",
				      archive_error_string(a));
	if (archive_entry_size_is_set(e)) {
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_size != archive_entry_size(e) &&
		    ftruncate(fd, archive_entry_size(e)) < 0)
			return fail(x, -errno, "truncate");
	}
	return 0;
}

static int one_entry(struct xctx *x, struct archive *a,
		     struct archive_entry *e, char *path)
{
	const struct cell_mgr_xopts *o = x->o;
	mode_t type = archive_entry_filetype(e);
	mode_t perm = archive_entry_perm(e) & 07777;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	struct timespec ts[2];
	entry_times(e, ts);
	const char *hl = archive_entry_hardlink(e);
	char hpath[PATH_MAX];

	if (hl) {
		size_t sl = o->strip ? strlen(o->strip) : 0;
		if (bad_path(hl) || (sl && strncmp(hl, o->strip, sl)))
			return refuse(x, -EPERM, "hard link target outside "
				      "the tree");
		if (normalize(hl + sl, hpath, sizeof(hpath)) < 0)
			return refuse(x, -ENAMETOOLONG, "path too long");
		if (!*hpath)
			return refuse(x, -EPERM, "hard link to the root");
	}
	if (!*path) {           /* the root itself: keeps its own mode and
				 * owner, takes the times (set last) */
		if (type != AE_IFDIR)
			return refuse(x, -EPERM, "the root is not a directory");
		struct dfix *nd = realloc(x->dirs, (x->ndirs + 1) *
					  sizeof(*nd));
		if (!nd || !(nd[x->ndirs].path = strdup("")))
			return fail(x, -ENOMEM, "directory times");
		x->dirs = nd;
		memcpy(nd[x->ndirs].ts, ts, sizeof(ts));
		x->ndirs++;
		return 0;
	}
	const char *base;
	int pfd = walk(x, path, true, &base);
	if (pfd == -ELOOP)
		return refuse(x, -EPERM, "a parent is a symbolic link or not "
			      "a directory (no writes through symlinks)");
	if (pfd < 0 && pfd != -2)
		return fail(x, pfd, "parent directory");
	_cleanup_close_ int parent = pfd >= 0 ? pfd : -1;
	int at = parent >= 0 ? parent : x->root;

	if (o->oci && !strncmp(base, ".wh.", 4)) {
		size_t dl = (size_t)(base - path);
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%.*s", (int)(dl ? dl - 1 : 0),
			 path);
		int r;
		if (!strcmp(base, ".wh..wh..opq")) {
			r = opaque(x, at, dir);
		} else {
			const char *victim = base + 4;
			if (!*victim || !strcmp(victim, ".") ||
			    !strcmp(victim, ".."))
				return refuse(x, -EPERM, "bad whiteout");
			char vp[2 * PATH_MAX];
			snprintf(vp, sizeof(vp), "%s%s%s", dir, *dir ? "/" : "",
				 victim);
			r = made_here(x, vp) ? 0 : rm_tree(at, victim);
		}
		return r < 0 ? fail(x, r, "whiteout") : 0;
	}

	bool isdir;
	int r = clear_slot(x, at, base, type == AE_IFDIR && !hl, &isdir);
	if (r < 0)
		return fail(x, r, "replace the existing file");
	/* A hard link before the type: libarchive gives tar's typeflag 1
	 * no file type (0), so in the switch it would be "unknown". Its
	 * target was checked above (relative, under strip, not the root)
	 * and is reached like any path, without following a symlink;
	 * linkat without AT_SYMLINK_FOLLOW links a symlink itself, and a
	 * directory cannot be linked (EPERM). Owner, mode and times are
	 * the target's: one inode. */
	if (hl) {
		const char *hbase;
		int hfd = walk(x, hpath, false, &hbase);
		if (hfd < 0 && hfd != -2)
			return hfd == -ELOOP
			       ? refuse(x, -EPERM, "hard link through a "
					"symbolic link")
			       : fail(x, hfd, "hard link target");
		int hat = hfd >= 0 ? hfd : x->root;
		r = linkat(hat, hbase, at, base, 0) < 0 ? -errno : 0;
		if (hfd >= 0)
			close(hfd);
		if (r < 0)
			return fail(x, r, "link");
		mark_made(x, path);
		return 0;
	}
	switch (type) {
	case AE_IFDIR: {
		if (!isdir && mkdirat(at, base, 0700) < 0)
			return fail(x, -errno, "mkdir");
		_cleanup_close_ int fd = openat(at, base, O_RDONLY |
						O_DIRECTORY | O_NOFOLLOW |
						O_CLOEXEC);
		if (fd < 0)
			return fail(x, -errno, "open directory");
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, perm) < 0)
			return fail(x, -errno, "owner and mode");
		struct dfix *nd = realloc(x->dirs, (x->ndirs + 1) *
					  sizeof(*nd));
		if (!nd || !(nd[x->ndirs].path = strdup(path)))
			return fail(x, -ENOMEM, "directory times");
		x->dirs = nd;
		memcpy(nd[x->ndirs].ts, ts, sizeof(ts));
		x->ndirs++;
		break;
	}
	case AE_IFREG: {
		_cleanup_close_ int fd = openat(at, base, O_WRONLY | O_CREAT |
						O_EXCL | O_NOFOLLOW |
						O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(x, -errno, "create");
		r = write_data(x, a, fd, e);
		if (r < 0)
			return r;
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, perm) < 0 ||
		    futimens(fd, ts) < 0)
			return fail(x, -errno, "owner, mode and times");
		break;
	}
	case AE_IFLNK: {
		const char *t = archive_entry_symlink(e);
		if (!t || !*t)
			return refuse(x, -EINVAL, "symbolic link without a "
				      "target");
		if (symlinkat(t, at, base) < 0)
			return fail(x, -errno, "symlink");
		/* owner and times: by the parent (symfix) */
		r = sym_record(x, path, uid, gid, ts);
		if (r < 0)
			return r;
		break;
	}
	case AE_IFIFO: {
		if (mknodat(at, base, S_IFIFO | 0600, 0) < 0)
			return fail(x, -errno, "mkfifo");
		/* O_NONBLOCK: a FIFO opened for reading does not wait for
		 * a writer */
		_cleanup_close_ int fd = openat(at, base, O_RDONLY | O_NONBLOCK |
						O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return fail(x, -errno, "open fifo");
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
			return fail(x, -EIO, "open fifo");
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, perm) < 0 ||
		    futimens(fd, ts) < 0)
			return fail(x, -errno, "owner, mode and times");
		break;
	}
	default:
		return refuse(x, -EPERM, "unknown entry type");
	}
	mark_made(x, path);
	return 0;
}

/* the directories' times, last (their children changed them) */
static int fix_dirs(struct xctx *x)
{
	int r = 0;
	for (size_t i = x->ndirs; i-- > 0 && r == 0;) {
		const char *base;
		snprintf(x->entry, sizeof(x->entry), "%s", x->dirs[i].path);
		if (!*x->dirs[i].path) {
			if (futimens(x->root, x->dirs[i].ts) < 0)
				r = fail(x, -errno, "directory times");
			continue;
		}
		int pfd = walk(x, x->dirs[i].path, false, &base);
		if (pfd < 0 && pfd != -2) {
			if (pfd == -ENOENT)   /* removed by a later entry */
				continue;
			return fail(x, pfd, "directory times");
		}
		int dfd = openat(pfd >= 0 ? pfd : x->root, base, O_RDONLY |
				 O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0 && errno != ENOENT)
			r = fail(x, -errno, "directory times");
		else if (dfd >= 0 && futimens(dfd, x->dirs[i].ts) < 0)
			r = fail(x, -errno, "directory times");
		if (dfd >= 0)
			close(dfd);
		if (pfd >= 0)
			close(pfd);
	}
	return r;
}

static void xfree(struct xctx *x)
{
	for (size_t i = 0; i < x->ndirs; i++)
		free(x->dirs[i].path);
	free(x->dirs);
	tdestroy(x->made, free);
}

struct archive *cell_mgr_tar_reader(void)
{
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	return a;
}

/* In the child: fds[0] the archive, fds[1] the target. */
static int extract_child(struct cell_sbx *s, const int *fds, void *arg)
{
	const struct cell_mgr_xopts *o = arg;
	struct xctx x = { .s = s, .o = o, .root = fds[1] };
	if (lseek(fds[0], 0, SEEK_SET) < 0)
		return cell_sbx_error(s, -errno, "archive: seek: %s",
				      strerror(errno));
	struct archive *a = cell_mgr_tar_reader();
	if (!a)
		return cell_sbx_error(s, -ENOMEM, "out of memory");
	int r = 0;
	if (archive_read_open_fd(a, fds[0], 65536) != ARCHIVE_OK) {
		r = cell_sbx_error(s, -EINVAL, "archive: %s",
				   archive_error_string(a));
		goto out;
	}
	size_t count = 0, sl = o->strip ? strlen(o->strip) : 0;
	for (bool first = true;; first = false) {
		struct archive_entry *e;
		int ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = cell_sbx_error(s, -EINVAL, "archive: %s",
					   archive_error_string(a));
			break;
		}
		const char *p = archive_entry_pathname(e);
		snprintf(x.entry, sizeof(x.entry), "%s", p ? p : "");
		if (first && o->skip_first) {
			if (!p || strcmp(p, o->skip_first)) {
				r = cell_sbx_error(s, -EINVAL, "not a cell "
						   "export (no %s first)",
						   o->skip_first);
				break;
			}
			continue;
		}
		/* "/" (umoci writes it): the root itself, nothing to make */
		if (p && *p && strspn(p, "/") == strlen(p))
			continue;
		const char *why = bad_path(p);
		mode_t type = archive_entry_filetype(e);
		if (!why && (type == AE_IFCHR || type == AE_IFBLK))
			why = "device node";
		if (!why && type == AE_IFSOCK)
			why = "socket";
		if (!why && o->strip) {
			/* an export: everything under strip ("root/") */
			if (!strcmp(p, o->strip) ||
			    (!strncmp(p, o->strip, sl - 1) && !p[sl - 1]))
				continue;     /* the root directory itself */
			if (strncmp(p, o->strip, sl))
				why = "not under the archive's root/";
		}
		if (why) {
			r = refuse(&x, -EPERM, why);
			break;
		}
		char path[PATH_MAX];
		if (normalize(p + sl, path, sizeof(path)) < 0) {
			r = refuse(&x, -ENAMETOOLONG, "path too long");
			break;
		}
		r = one_entry(&x, a, e, path);
		if (r < 0)
			break;
		if (++count % 2000 == 0)
			cell_sbx_progress(s, "%zu entries", count);
	}
	if (r == 0)
		r = fix_dirs(&x);
	if (r == 0)
		cell_sbx_progress(s, "%zu entries extracted", count);
out:
	archive_read_free(a);
	xfree(&x);
	return r;
}

int cell_mgr_extract_here(struct cell_sbx *s, int afd, int root,
			  const struct cell_mgr_xopts *o)
{
	int fds[2] = { afd, root };
	return extract_child(s, fds, (void *)o);
}

/* In the parent: one symfix record for path (len bytes, not trusted),
 * applied only to a symbolic link beneath root that no symlink leads
 * to; what a later entry removed or replaced is left alone. */
static int apply_symfix(int root, const struct symfix *h, const char *p,
			struct cell_error *err)
{
	char path[PATH_MAX];
	if (h->len == 0 || h->len >= sizeof(path) || memchr(p, '\0', h->len))
		return cell_error_set(err, -EPROTO, "extract: bad answer from "
				      "the sandboxed child");
	memcpy(path, p, h->len);
	path[h->len] = '\0';
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	/* EAGAIN: a ".." met a concurrent rename; the kernel asks for a
	 * retry */
	for (int tries = 0;; tries++) {
		fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || tries >= 256)
			break;
	}
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR
		       ? 0 : cell_error_errno(err, -errno, "extract: '%.200s'",
					      path);
	_cleanup_close_ int lfd = (int)fd;
	struct stat st;
	if (fstat(lfd, &st) < 0)
		return cell_error_errno(err, -errno, "extract: '%.200s'", path);
	if (!S_ISLNK(st.st_mode))
		return 0;
	struct timespec ts[2] = {
		{ .tv_sec = (time_t)h->ts[0], .tv_nsec = (long)h->ts[1] },
		{ .tv_sec = (time_t)h->ts[2], .tv_nsec = (long)h->ts[3] },
	};
	if (fchownat(lfd, "", (uid_t)h->uid, (gid_t)h->gid, AT_EMPTY_PATH) < 0 ||
	    utimensat(lfd, "", ts, AT_EMPTY_PATH) < 0)
		return cell_error_errno(err, -errno, "extract: '%.200s': owner "
					"and times of a symbolic link", path);
	return 0;
}

int cell_mgr_extract(struct cell_mgr *m, int afd, int root,
		     const struct cell_mgr_xopts *o, struct cell_error *err)
{
	cap_rights_t rights[2];
	cap_rights_init(&rights[0], CAP_READ, CAP_SEEK, CAP_FSTAT);
	cap_rights_init(&rights[1], CAP_LOOKUP, CAP_READ, CAP_WRITE, CAP_SEEK,
			CAP_CREATE, CAP_FTRUNCATE, CAP_FSTAT, CAP_FSTATAT,
			CAP_MKDIRAT, CAP_SYMLINKAT, CAP_MKFIFOAT,
			CAP_UNLINKAT, CAP_LINKAT_SOURCE, CAP_LINKAT_TARGET,
			CAP_FCHOWN, CAP_FCHMOD, CAP_FUTIMES);
	int fds[2] = { afd, root };
	_cleanup_free_ char *res = NULL;
	size_t len = 0;
	int r = cell_sbx_run(m, o->oci ? "extract layer" : "extract", fds,
			     rights, 2, extract_child, (void *)o, SYMFIX_MAX,
			     &res, &len, err);
	for (size_t off = 0; r == 0 && off < len;) {
		struct symfix h;
		if (len - off < sizeof(h))
			return cell_error_set(err, -EPROTO, "extract: bad "
					      "answer from the sandboxed child");
		memcpy(&h, res + off, sizeof(h));
		off += sizeof(h);
		if (h.len > len - off)
			return cell_error_set(err, -EPROTO, "extract: bad "
					      "answer from the sandboxed child");
		r = apply_symfix(root, &h, res + off, err);
		off += h.len;
	}
	return r;
}
