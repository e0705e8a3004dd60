/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * File helpers of the manager: copy and remove trees through directory
 * fds (never following a symlink, never crossing into another mount),
 * run a helper program, write a small file atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "mgr/internal.h"
#include "mgr/storage.h"

/* --- walking a tree ------------------------------------------------------ */

/* fd's parent, checked to be the directory st describes: a tree walked
 * down and back up through ".." (no descriptor held per level) must not
 * land elsewhere when a directory was moved meanwhile. */
static int open_parent(int fd, const struct stat *st, struct cell_error *err)
{
	int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	if (up < 0)
		return cell_error_errno(err, -errno, "open ..");
	struct stat ust;
	if (fstat(up, &ust) < 0 || ust.st_dev != st->st_dev ||
	    ust.st_ino != st->st_ino) {
		close(up);
		return cell_error_set(err, -ESTALE, "a directory moved "
				      "while its tree was walked");
	}
	return up;
}

/* --- copy ---------------------------------------------------------------- */

struct link_ent {
	dev_t dev;
	ino_t ino;
	char *rel;   /* destination path relative to the copy's root */
};

struct copy_ctx {
	int droot;               /* destination root fd */
	char rel[PATH_MAX];      /* current destination dir, relative */
	struct link_ent *links;
	size_t nlinks, cap;
	struct cell_error *err;
};

int cell_mgr_copy_rw(int in, int out)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			off += w;
		}
	}
}

/* Copy [off, end) of in to the same offsets of out: copy_file_range
 * (a reflink where the filesystem can), else pread/pwrite. */
static int copy_range(int in, int out, off_t off, off_t end)
{
	bool cfr = true;
	while (off < end) {
		size_t len = (size_t)(end - off > (1 << 30) ? 1 << 30
							     : end - off);
		if (cfr) {
			off_t io = off, oo = off;
			ssize_t n = copy_file_range(in, &io, out, &oo, len, 0);
			if (n > 0) {
				off += n;
				continue;
			}
			if (n == 0)
				return 0;  /* in shrank meanwhile */
			if (errno == EINTR)
				continue;
			if (errno != EXDEV && errno != EINVAL &&
			    errno != EOPNOTSUPP && errno != ENOSYS)
				return -errno;
			cfr = false;
		}
		char buf[65536];
		ssize_t n = pread(in, buf, len < sizeof(buf) ? len : sizeof(buf),
				  off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t w, done = 0; done < n; done += w) {
			w = pwrite(out, buf + done, (size_t)(n - done),
				   off + done);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0)
				return -errno;
		}
		off += n;
	}
	return 0;
}

/*
 * Copy the regular file in (size bytes when stat'ed) to out, its data
 * extents only (SEEK_DATA / SEEK_HOLE): a sparse file stays sparse, as
 * a jail's `truncate -s 300M` or a tiny tarball's sparse entry would
 * otherwise become real disk use on every create, snapshot, clone and
 * rollback. The size is set last (a trailing hole).
 */
static int copy_data(int in, int out, off_t size)
{
	int r = 0;
	for (off_t pos = 0; pos < size;) {
		off_t data = lseek(in, pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;                  /* only a hole left */
		off_t hole = data < 0 ? -1 : lseek(in, data, SEEK_HOLE);
		if (data < 0 || hole < 0) {
			if (errno != EINVAL && errno != EOPNOTSUPP)
				return -errno;
			/* no extent map here: all of it is data */
			data = pos;
			hole = size;
		}
		if (data >= size)
			break;
		if (hole > size)
			hole = size;
		if ((r = copy_range(in, out, data, hole)) < 0)
			return r;
		pos = hole;
	}
	return ftruncate(out, size) < 0 ? -errno : 0;
}

/* One side of an extended-attribute copy: an open file (fd), or
 * where none can be opened (symlinks, fifos, device nodes) NAME in the
 * directory fd DIR, reached as /proc/self/fd/DIR/NAME with the l*
 * calls (the last component never followed). */
struct xa_ref {
	int fd;
	char path[64 + NAME_MAX];
};

static int xa_ref(struct xa_ref *x, int fd, int dir, const char *name)
{
	x->fd = fd;
	x->path[0] = '\0';
	if (fd < 0 && snprintf(x->path, sizeof(x->path), "/proc/self/fd/%d/%s",
			       dir, name) >= (int)sizeof(x->path))
		return -ENAMETOOLONG;
	return 0;
}

static ssize_t xa_list(const struct xa_ref *x, char *buf, size_t n)
{
	return x->fd >= 0 ? flistxattr(x->fd, buf, n)
			  : llistxattr(x->path, buf, n);
}

static ssize_t xa_get(const struct xa_ref *x, const char *k, void *buf,
		      size_t n)
{
	return x->fd >= 0 ? fgetxattr(x->fd, k, buf, n)
			  : lgetxattr(x->path, k, buf, n);
}

static int xa_set(const struct xa_ref *x, const char *k, const void *v,
		  size_t n)
{
	return x->fd >= 0 ? fsetxattr(x->fd, k, v, n, 0)
			  : lsetxattr(x->path, k, v, n, 0);
}

/*
 * Copy every extended attribute of s to d: trusted.overlay.* (an
 * overlay's opaque directories; without it deleted files come back in
 * a snapshot or clone), security.capability, system.posix_acl_*, the
 * rest alike. The kernel's own bounds (XATTR_LIST_MAX, XATTR_SIZE_MAX:
 * 64 KiB) bound the buffers. A namespace the copy's filesystem cannot
 * hold (EOPNOTSUPP) is skipped; any other failure is an error.
 */
#define XA_MAX 65536
static int copy_xattrs(const struct xa_ref *s, const struct xa_ref *d)
{
	ssize_t ln = xa_list(s, NULL, 0);
	if (ln < 0)
		return errno == EOPNOTSUPP ? 0 : -errno;
	if (ln == 0)
		return 0;
	_cleanup_free_ char *list = malloc(XA_MAX);
	_cleanup_free_ char *val = malloc(XA_MAX);
	if (!list || !val)
		return -ENOMEM;
	/* ERANGE: the list or a value grew since it was sized */
	ln = xa_list(s, list, XA_MAX);
	if (ln < 0)
		return -errno;
	for (ssize_t off = 0; off < ln;) {
		const char *k = list + off;
		size_t kl = strnlen(k, (size_t)(ln - off));
		if (kl == (size_t)(ln - off))
			return -EINVAL;   /* no NUL: not the kernel's list */
		off += (ssize_t)kl + 1;
		ssize_t vn = xa_get(s, k, val, XA_MAX);
		if (vn < 0) {
			if (errno == ENODATA)  /* removed meanwhile */
				continue;
			return -errno;
		}
		if (xa_set(d, k, val, (size_t)vn) < 0 && errno != EOPNOTSUPP)
			return -errno;
	}
	return 0;
}

/*
 * The copy's owner, mode, extended attributes and times, from the
 * source's st: on the open files in and out, or where there are none
 * (in, out < 0) on name in the directories sfd and dfd. In this order:
 * chown clears security.capability, an ACL sets the group mode bits,
 * and every change but the times moves the ctime only.
 */
static int set_meta(int sfd, int dfd, const char *name, int in, int out,
		    const struct stat *st)
{
	bool lnk = S_ISLNK(st->st_mode);
	if (out >= 0 ? fchown(out, st->st_uid, st->st_gid) < 0
		     : fchownat(dfd, name, st->st_uid, st->st_gid,
				AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* not a symlink: fchmodat follows, and a link has no mode */
	if (!lnk && (out >= 0 ? fchmod(out, st->st_mode & 07777) < 0
			      : fchmodat(dfd, name, st->st_mode & 07777, 0) < 0))
		return -errno;
	struct xa_ref xs, xd;
	int r = xa_ref(&xs, in, sfd, name);
	if (r == 0)
		r = xa_ref(&xd, out, dfd, name);
	if (r == 0)
		r = copy_xattrs(&xs, &xd);
	if (r < 0)
		return r;
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (out >= 0 ? futimens(out, ts) < 0
		     : utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int link_seen(struct copy_ctx *c, const struct stat *st,
		     const char *name, int dfd)
{
	for (size_t i = 0; i < c->nlinks; i++)
		if (c->links[i].dev == st->st_dev &&
		    c->links[i].ino == st->st_ino) {
			if (linkat(c->droot, c->links[i].rel, dfd, name, 0) < 0)
				return -errno;
			return 1;
		}
	return 0;
}

static int link_add(struct copy_ctx *c, const struct stat *st,
		    const char *name)
{
	if (c->nlinks == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct link_ent *n = realloc(c->links, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->links = n;
		c->cap = cap;
	}
	char *rel;
	if (asprintf(&rel, "%s%s%s", c->rel, c->rel[0] ? "/" : "", name) < 0)
		return -ENOMEM;
	c->links[c->nlinks++] = (struct link_ent){ st->st_dev, st->st_ino, rel };
	return 0;
}

/* A directory's entries at most: the names are read in one go (the
 * directory is then closed, see copy_tree), so this bounds the memory. */
#define DIR_ENTRIES_MAX (1U << 24)

/* The names in directory fd (but "." and ".."), malloc'd. */
static int read_names(int fd, char ***names, size_t *n,
		      struct cell_error *err)
{
	*names = NULL;
	*n = 0;
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cell_error_errno(err, -errno, "open directory");
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return cell_error_errno(err, -errno, "opendir");
	}
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *e;
	int r = 0;
	while ((errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (cnt == DIR_ENTRIES_MAX) {
			r = cell_error_set(err, -E2BIG, "a directory with more "
					   "than %u entries", DIR_ENTRIES_MAX);
			break;
		}
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				r = cell_error_errno(err, -ENOMEM, "readdir");
				break;
			}
			v = nv;
			cap = nc;
		}
		if (!(v[cnt] = strdup(e->d_name))) {
			r = cell_error_errno(err, -ENOMEM, "readdir");
			break;
		}
		cnt++;
	}
	if (r == 0 && errno)
		r = cell_error_errno(err, -errno, "readdir");
	if (r < 0) {
		for (size_t i = 0; i < cnt; i++)
			free(v[i]);
		free(v);
		return r;
	}
	*names = v;
	*n = cnt;
	return 0;
}

/* Copy the non-directory name of sfd into dfd (a directory: only made,
 * opened as *sub_s / *sub_d, its contents and attributes left to the
 * caller). */
static int copy_one(struct copy_ctx *c, int sfd, int dfd, const char *name,
		    struct stat *st, int *sub_s, int *sub_d)
{
	int r;
	*sub_s = *sub_d = -1;
	if (fstatat(sfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return cell_error_errno(c->err, -errno, "stat %s", name);

	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1) {
		r = link_seen(c, st, name, dfd);
		if (r < 0)
			return cell_error_errno(c->err, r, "link %s", name);
		if (r > 0)
			return 0;
	}
	if (S_ISDIR(st->st_mode)) {
		if (mkdirat(dfd, name, 0700) < 0)
			return cell_error_errno(c->err, -errno, "mkdir %s",
						name);
		_cleanup_close_ int s = openat(sfd, name, O_RDONLY | O_DIRECTORY |
					       O_NOFOLLOW | O_CLOEXEC);
		if (s < 0)
			return cell_error_errno(c->err, -errno, "open %s",
						name);
		_cleanup_close_ int d = openat(dfd, name, O_RDONLY | O_DIRECTORY |
					       O_NOFOLLOW | O_CLOEXEC);
		if (d < 0)
			return cell_error_errno(c->err, -errno, "open %s",
						name);
		*sub_s = TAKE_FD(s);
		*sub_d = TAKE_FD(d);
		return 0;
	} else if (S_ISREG(st->st_mode)) {
		_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW |
						O_CLOEXEC);
		if (in < 0)
			return cell_error_errno(c->err, -errno, "open %s", name);
		_cleanup_close_ int out = openat(dfd, name, O_WRONLY | O_CREAT |
						 O_EXCL | O_NOFOLLOW |
						 O_CLOEXEC, 0600);
		if (out < 0)
			return cell_error_errno(c->err, -errno, "create %s",
						name);
		r = copy_data(in, out, st->st_size);
		if (r < 0)
			return cell_error_errno(c->err, r, "copy %s", name);
		r = set_meta(sfd, dfd, name, in, out, st);
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return cell_error_errno(c->err, -errno, "readlink %s",
						name);
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			return cell_error_errno(c->err, -errno, "symlink %s",
						name);
	} else {
		if (mknodat(dfd, name, st->st_mode, st->st_rdev) < 0)
			return cell_error_errno(c->err, -errno, "mknod %s",
						name);
	}
	if (!S_ISREG(st->st_mode))
		r = set_meta(sfd, dfd, name, -1, -1, st);
	if (r < 0)
		return cell_error_errno(c->err, r, "attributes of %s", name);
	if (st->st_nlink > 1) {
		r = link_add(c, st, name);
		if (r < 0)
			return cell_error_errno(c->err, r, "link table");
	}
	return 0;
}

/* A directory being copied: its names (read at once), the next one, its
 * source's and copy's identity (to come back up through ".."), its stat
 * (attributes set when it is done: its children change its times and a
 * read-only mode would stop them), the length of c->rel above it. */
struct cframe {
	char **names;
	size_t n, next;
	struct stat sst, dst;
	size_t rel_len;
};

static void cframe_free(struct cframe *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
}

/*
 * Copy the contents of sfd into dfd, depth first, without recursion (a
 * jail's tree may be as deep as its owner likes: the stack would not
 * hold it) and with two descriptors open whatever the depth: a directory
 * is entered by name and left through "..", checked (open_parent). The
 * depth is bounded by c->rel (PATH_MAX): deeper is a clean error.
 */
static int copy_tree(struct copy_ctx *c, int sfd, int dfd)
{
	struct cframe *st = NULL;
	size_t depth = 0, cap = 0;
	_cleanup_close_ int s = openat(sfd, ".", O_RDONLY | O_DIRECTORY |
				       O_CLOEXEC);
	_cleanup_close_ int d = openat(dfd, ".", O_RDONLY | O_DIRECTORY |
				       O_CLOEXEC);
	if (s < 0 || d < 0)
		return cell_error_errno(c->err, -errno, "open directory");
	int r = 0;
	struct cframe top = { .rel_len = strlen(c->rel) };
	if (fstat(s, &top.sst) < 0 || fstat(d, &top.dst) < 0)
		return cell_error_errno(c->err, -errno, "stat directory");
	r = read_names(s, &top.names, &top.n, c->err);
	if (r < 0)
		return r;
	for (;;) {
		/* push top */
		if (depth == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct cframe *ns = realloc(st, nc * sizeof(*ns));
			if (!ns) {
				cframe_free(&top);
				r = cell_error_errno(c->err, -ENOMEM, "copy");
				break;
			}
			st = ns;
			cap = nc;
		}
		st[depth++] = top;
		struct cframe *f = NULL;
		int sub_s = -1, sub_d = -1;
		struct stat sub;
		/* the next directory to enter, finishing those done */
		while (depth > 0) {
			f = &st[depth - 1];
			if (f->next < f->n) {
				const char *name = f->names[f->next++];
				r = copy_one(c, s, d, name, &sub, &sub_s,
					     &sub_d);
				if (r < 0 || sub_s >= 0)
					break;
				continue;
			}
			/* f is done: its attributes, then back up */
			if (depth > 1 &&
			    (r = set_meta(-1, -1, NULL, s, d, &f->sst)) < 0) {
				r = cell_error_errno(c->err, r, "attributes "
						     "of %s", c->rel);
				break;
			}
			c->rel[f->rel_len] = '\0';
			cframe_free(f);
			depth--;
			if (depth == 0)
				break;
			int us = open_parent(s, &st[depth - 1].sst, c->err);
			if (us < 0) {
				r = us;
				break;
			}
			int ud = open_parent(d, &st[depth - 1].dst, c->err);
			if (ud < 0) {
				close(us);
				r = ud;
				break;
			}
			close(s);
			close(d);
			s = us;
			d = ud;
		}
		if (r < 0 || depth == 0)
			break;
		/* enter the directory copy_one made */
		const char *name = f->names[f->next - 1];
		size_t len = strlen(c->rel);
		if (len + strlen(name) + 2 > sizeof(c->rel)) {
			close(sub_s);
			close(sub_d);
			r = cell_error_set(c->err, -ENAMETOOLONG,
					   "path too long (a tree deeper than "
					   "PATH_MAX): %.200s/%s", c->rel,
					   name);
			break;
		}
		snprintf(c->rel + len, sizeof(c->rel) - len, "%s%s",
			 len ? "/" : "", name);
		close(s);
		close(d);
		s = sub_s;
		d = sub_d;
		/* the opened directory's own stat: the one its children's
		 * ".." must match */
		top = (struct cframe){ .rel_len = len };
		if (fstat(s, &top.sst) < 0 || fstat(d, &top.dst) < 0) {
			r = cell_error_errno(c->err, -errno, "stat %s", c->rel);
			break;
		}
		r = read_names(s, &top.names, &top.n, c->err);
		if (r < 0)
			break;
	}
	while (depth > 0)
		cframe_free(&st[--depth]);
	free(st);
	return r;
}

int cell_tree_copy_fd(int sfd, int dfd, struct cell_error *err)
{
	struct copy_ctx c = { .droot = dfd, .err = err };
	int r = copy_tree(&c, sfd, dfd);
	for (size_t i = 0; i < c.nlinks; i++)
		free(c.links[i].rel);
	free(c.links);
	return r;
}

int cell_tree_copy(const char *src, const char *dst, struct cell_error *err)
{
	_cleanup_close_ int s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0)
		return cell_error_errno(err, -errno, "open %s", src);
	struct stat st;
	if (fstat(s, &st) < 0)
		return cell_error_errno(err, -errno, "stat %s", src);
	if (mkdir(dst, 0700) < 0)
		return cell_error_errno(err, -errno, "mkdir %s", dst);
	_cleanup_close_ int d = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				     O_CLOEXEC);
	int r = d < 0 ? cell_error_errno(err, -errno, "open %s", dst)
		      : cell_tree_copy_fd(s, d, err);
	if (r == 0) {
		r = set_meta(-1, -1, NULL, s, d, &st);
		if (r < 0)
			r = cell_error_errno(err, r, "attributes of %s", dst);
	}
	if (r < 0) {
		cell_error_context(err, NULL, NULL, dst);
		cell_tree_remove(dst, NULL);
	}
	return r;
}

/* --- remove -------------------------------------------------------------- */

static int is_mount_root(int dfd, const char *name)
{
	struct statx sx;
	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) < 0)
		return -errno;
	return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Unlink what dfd holds but directories; the first directory met (not
 * removed) is opened into *sub, its name into *name (malloc'd): 1, or 0
 * when dfd is empty, or -errno. Never into a mount point (a btrfs
 * subvolume, which has its own st_dev, is not one and is entered). */
static int clear_files(int dfd, int *sub, char **name, struct cell_error *err)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_error_errno(err, -errno, "open directory");
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cell_error_errno(err, -errno, "opendir");
	}
	struct dirent *e;
	while ((errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0 || errno == ENOENT)
			continue;
		int ue = errno;
		struct stat sst;
		if ((ue != EISDIR && ue != EPERM) ||
		    fstatat(dfd, e->d_name, &sst, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(sst.st_mode))
			return cell_error_errno(err, -ue, "unlink %s",
						e->d_name);
		if (is_mount_root(dfd, e->d_name) > 0)
			return cell_error_set(err, -EBUSY,
					      "%s is a mount point", e->d_name);
		int s = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY |
			       O_NOFOLLOW | O_CLOEXEC);
		if (s < 0)
			return cell_error_errno(err, -errno, "open %s",
						e->d_name);
		if (!(*name = strdup(e->d_name))) {
			close(s);
			return cell_error_errno(err, -ENOMEM, "remove");
		}
		/* a read-only directory cannot lose its entries */
		fchmod(s, 0700);
		*sub = s;
		return 1;
	}
	if (errno)
		return cell_error_errno(err, -errno, "readdir");
	return 0;
}

/*
 * Empty dfd, depth first, without recursion and with one descriptor open
 * whatever the depth (a jail's tree is as deep as its owner made it, and
 * a tree that cannot be removed leaves a jail that cannot be destroyed):
 * a directory is entered by name, left through ".." (checked,
 * open_parent) and removed from its parent, which is then read again
 * from its start (what was removed is gone from it).
 */
static int clear_tree(int dfd, struct cell_error *err)
{
	struct rframe {
		struct stat st;   /* the directory left for a child */
		char *name;       /* that child */
	} *stk = NULL;
	size_t depth = 0, cap = 0;
	struct stat cst;
	int cur = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return cell_error_errno(err, -errno, "open directory");
	int r = fstat(cur, &cst) < 0 ? cell_error_errno(err, -errno, "stat")
				     : 0;
	while (r == 0) {
		int sub = -1;
		char *name = NULL;
		r = clear_files(cur, &sub, &name, err);
		if (r < 0)
			break;
		if (r == 1) {
			r = 0;
			if (depth == cap) {
				size_t nc = cap ? cap * 2 : 32;
				struct rframe *ns = realloc(stk,
							    nc * sizeof(*ns));
				if (!ns) {
					close(sub);
					free(name);
					r = cell_error_errno(err, -ENOMEM,
							     "remove");
					break;
				}
				stk = ns;
				cap = nc;
			}
			stk[depth++] = (struct rframe){ cst, name };
			close(cur);
			cur = sub;
			if (fstat(cur, &cst) < 0)
				r = cell_error_errno(err, -errno, "stat %s",
						     name);
			continue;
		}
		if (depth == 0)
			break;           /* dfd is empty */
		struct rframe *f = &stk[--depth];
		int up = open_parent(cur, &f->st, err);
		if (up < 0) {
			free(f->name);
			r = up;
			break;
		}
		close(cur);
		cur = up;
		cst = f->st;
		if (unlinkat(cur, f->name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			r = cell_error_errno(err, -errno, "rmdir %s", f->name);
		free(f->name);
	}
	while (depth > 0)
		free(stk[--depth].name);
	free(stk);
	close(cur);
	return r;
}

int cell_tree_clear_fd(int dfd, struct cell_error *err)
{
	return clear_tree(dfd, err);
}

int cell_tree_remove(const char *path, struct cell_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
				       : cell_error_errno(err, -errno,
							  "stat %s", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return cell_error_errno(err, -errno, "unlink %s",
						path);
		return 0;
	}
	if (cell_is_mountpoint(path) > 0)
		return cell_error_set(err, -EBUSY, "%s is a mount point",
				      path);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY |
				      O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cell_error_errno(err, -errno, "open %s", path);
	fchmod(fd, 0700);
	int r = clear_tree(fd, err);
	if (r < 0) {
		cell_error_context(err, NULL, NULL, path);
		return r;
	}
	if (rmdir(path) < 0 && errno != ENOENT)
		return cell_error_errno(err, -errno, "rmdir %s", path);
	return 0;
}

int cell_is_mountpoint(const char *path)
{
	int r = is_mount_root(AT_FDCWD, path);
	return r == -ENOENT ? 0 : r;
}

/* --- run a helper ---------------------------------------------------------- */

int cell_run(char *const argv[], int out_fd, struct cell_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cell_error_errno(err, -errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(p[0]);
		close(p[1]);
		return cell_error_errno(err, e, "fork");
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull >= 0)
			dup2(devnull, 0);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		else if (out_fd == -1 && devnull >= 0)
			dup2(devnull, 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	char buf[384];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1) {
			char sink[4096];
			while (read(p[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	close(p[0]);
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	for (char *q = buf; *q; q++)
		if (*q == '\n')
			*q = ' ';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cell_error_errno(err, -errno, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return cell_error_set(err, -EIO, "%s failed (%s %d)%s%s", argv[0],
			      WIFEXITED(status) ? "exit" : "signal",
			      WIFEXITED(status) ? WEXITSTATUS(status)
						: WTERMSIG(status),
			      len ? ": " : "", buf);
}

int cell_write_atomic(const char *path, const char *buf, size_t len,
		      mode_t mode, struct cell_error *err)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL |
				      O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return cell_error_errno(err, -errno, "create %s", tmp);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			unlink(tmp);
			return cell_error_errno(err, e, "write %s", tmp);
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || rename(tmp, path) < 0) {
		int e = -errno;
		unlink(tmp);
		return cell_error_errno(err, e, "write %s", path);
	}
	return 0;
}
