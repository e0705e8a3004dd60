/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Storage backends (btrfs, overlay, dir) and `cell setup`: the home
 * directory, setup.conf, and for btrfs on a host without it, a btrfs
 * image attached to a loop device and mounted on HOME/pool.
 */
#include <btrfsutil.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "mgr/internal.h"
#include "mgr/mgr.h"
#include "util.h"

static int path_join(char *buf, size_t len, const char *a, const char *b,
		     struct cell_error *err)
{
	if (snprintf(buf, len, "%s/%s", a, b) >= (int)len)
		return cell_error_set(err, -ENAMETOOLONG, "path too long: "
				      "%s/%s", a, b);
	return 0;
}

static int btrfs_fail(struct cell_error *err, enum btrfs_util_error e,
		      const char *what, const char *path)
{
	int code = errno ? -errno : -EIO;
	return cell_error_set(err, code, "%s %s: %s%s%s", what, path,
			      btrfs_util_strerror(e), errno ? ": " : "",
			      errno ? strerror(errno) : "");
}

/* --- btrfs ----------------------------------------------------------- */

static int bt_tree_new(const char *path, struct cell_error *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_create_subvolume(path, 0, NULL,
							      NULL);
	return e ? btrfs_fail(err, e, "create subvolume", path) : 0;
}

static int bt_tree_seal(const char *path, struct cell_error *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_set_subvolume_read_only(path,
								     true);
	return e ? btrfs_fail(err, e, "make read-only", path) : 0;
}

static int bt_tree_remove(const char *path, struct cell_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : cell_error_errno(err, -errno,
							      "stat %s", path);
	errno = 0;
	if (btrfs_util_is_subvolume(path) != BTRFS_UTIL_OK)
		return cell_tree_remove(path, err);
	errno = 0;
	enum btrfs_util_error e = btrfs_util_delete_subvolume(
		path, BTRFS_UTIL_DELETE_SUBVOLUME_RECURSIVE);
	return e ? btrfs_fail(err, e, "delete subvolume", path) : 0;
}

static int bt_snap(const char *src, const char *dst, bool ro,
		   struct cell_error *err)
{
	errno = 0;
	enum btrfs_util_error e = btrfs_util_create_snapshot(
		src, dst, ro ? BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY : 0, NULL,
		NULL);
	return e ? btrfs_fail(err, e, "snapshot", src) : 0;
}

static int bt_jail_new(const char *rel, const char *jaildir, bool thick,
		       struct cell_error *err)
{
	char root[PATH_MAX];
	int r = path_join(root, sizeof(root), jaildir, "root", err);
	if (r < 0)
		return r;
	if (!thick)
		return bt_snap(rel, root, false, err);
	r = bt_tree_new(root, err);
	if (r < 0)
		return r;
	_cleanup_close_ int s = open(rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int d = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0 || d < 0)
		r = cell_error_errno(err, -errno, "open %s", s < 0 ? rel : root);
	else
		r = cell_tree_copy_fd(s, d, err);
	if (r == 0) {
		struct stat st;
		if (fstat(s, &st) < 0 || fchmod(d, st.st_mode & 07777) < 0)
			r = cell_error_errno(err, -errno, "chmod %s", root);
	}
	if (r < 0)
		bt_tree_remove(root, NULL);
	return r;
}

static int none_mount(const char *rel, const char *jaildir, bool thick,
		      struct cell_error *err)
{
	return 0;
}

static int none_umount(const char *jaildir, struct cell_error *err)
{
	return 0;
}

static int bt_jail_remove(const char *jaildir, struct cell_error *err)
{
	char root[PATH_MAX];
	int r = path_join(root, sizeof(root), jaildir, "root", err);
	return r < 0 ? r : bt_tree_remove(root, err);
}

static int bt_snapshot(const char *jaildir, bool thick, const char *snap,
		       struct cell_error *err)
{
	char root[PATH_MAX];
	int r = path_join(root, sizeof(root), jaildir, "root", err);
	return r < 0 ? r : bt_snap(root, snap, true, err);
}

/* Replace jaildir/NAME with what make() puts at jaildir/NAME.new. */
static int swap_in(const char *jaildir, const char *name,
		   int (*rm)(const char *, struct cell_error *),
		   const char *tmp, struct cell_error *err)
{
	char cur[PATH_MAX], old[PATH_MAX];
	int r = path_join(cur, sizeof(cur), jaildir, name, err);
	if (r < 0)
		return r;
	if (snprintf(old, sizeof(old), "%s.old", cur) >= (int)sizeof(old))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	rm(old, NULL);
	if (rename(cur, old) < 0 && errno != ENOENT)
		return cell_error_errno(err, -errno, "rename %s", cur);
	if (rename(tmp, cur) < 0) {
		r = cell_error_errno(err, -errno, "rename %s", tmp);
		rename(old, cur);
		return r;
	}
	return rm(old, err);
}

static int bt_rollback(const char *jaildir, bool thick, const char *snap,
		       struct cell_error *err)
{
	char tmp[PATH_MAX];
	int r = path_join(tmp, sizeof(tmp), jaildir, "root.new", err);
	if (r < 0)
		return r;
	bt_tree_remove(tmp, NULL);
	r = bt_snap(snap, tmp, false, err);
	if (r < 0)
		return r;
	r = swap_in(jaildir, "root", bt_tree_remove, tmp, err);
	if (r < 0)
		bt_tree_remove(tmp, NULL);
	return r;
}

static int bt_clone(const char *srcdir, const char *dstdir, bool thick,
		    struct cell_error *err)
{
	char s[PATH_MAX], d[PATH_MAX];
	int r = path_join(s, sizeof(s), srcdir, "root", err);
	if (r == 0)
		r = path_join(d, sizeof(d), dstdir, "root", err);
	return r < 0 ? r : bt_snap(s, d, false, err);
}

static const struct cell_storage_ops btrfs_ops = {
	.name = "btrfs",
	.tree_new = bt_tree_new,
	.tree_seal = bt_tree_seal,
	.tree_remove = bt_tree_remove,
	.jail_new = bt_jail_new,
	.jail_mount = none_mount,
	.jail_umount = none_umount,
	.jail_remove = bt_jail_remove,
	.snapshot = bt_snapshot,
	.rollback = bt_rollback,
	.clone = bt_clone,
};

/* --- plain directories ------------------------------------------------- */

static int dir_tree_new(const char *path, struct cell_error *err)
{
	if (mkdir(path, 0755) < 0)
		return cell_error_errno(err, -errno, "mkdir %s", path);
	return 0;
}

static int dir_tree_seal(const char *path, struct cell_error *err)
{
	return 0; /* root ignores modes; the manager never writes a release */
}

static int dir_jail_new(const char *rel, const char *jaildir, bool thick,
			struct cell_error *err)
{
	char root[PATH_MAX];
	int r = path_join(root, sizeof(root), jaildir, "root", err);
	return r < 0 ? r : cell_tree_copy(rel, root, err);
}

static int dir_jail_remove(const char *jaildir, struct cell_error *err)
{
	char root[PATH_MAX];
	int r = path_join(root, sizeof(root), jaildir, "root", err);
	return r < 0 ? r : cell_tree_remove(root, err);
}

/* Copy jaildir/what to dst. */
static int copy_part(const char *jaildir, const char *what, const char *dst,
		     struct cell_error *err)
{
	char src[PATH_MAX];
	int r = path_join(src, sizeof(src), jaildir, what, err);
	return r < 0 ? r : cell_tree_copy(src, dst, err);
}

/* Replace jaildir/what with a copy of snap. */
static int restore_part(const char *jaildir, const char *what,
			const char *snap, struct cell_error *err)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s/%s.new", jaildir, what) >=
	    (int)sizeof(tmp))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	cell_tree_remove(tmp, NULL);
	int r = cell_tree_copy(snap, tmp, err);
	if (r < 0)
		return r;
	r = swap_in(jaildir, what, cell_tree_remove, tmp, err);
	if (r < 0)
		cell_tree_remove(tmp, NULL);
	return r;
}

static int dir_snapshot(const char *jaildir, bool thick, const char *snap,
			struct cell_error *err)
{
	return copy_part(jaildir, "root", snap, err);
}

static int dir_rollback(const char *jaildir, bool thick, const char *snap,
			struct cell_error *err)
{
	return restore_part(jaildir, "root", snap, err);
}

static int dir_clone(const char *srcdir, const char *dstdir, bool thick,
		     struct cell_error *err)
{
	char d[PATH_MAX];
	int r = path_join(d, sizeof(d), dstdir, "root", err);
	return r < 0 ? r : copy_part(srcdir, "root", d, err);
}

static const struct cell_storage_ops dir_ops = {
	.name = "dir",
	.tree_new = dir_tree_new,
	.tree_seal = dir_tree_seal,
	.tree_remove = cell_tree_remove,
	.jail_new = dir_jail_new,
	.jail_mount = none_mount,
	.jail_umount = none_umount,
	.jail_remove = dir_jail_remove,
	.snapshot = dir_snapshot,
	.rollback = dir_rollback,
	.clone = dir_clone,
};

/* --- overlayfs --------------------------------------------------------- */

static int ov_mkdirs(const char *jaildir, struct cell_error *err)
{
	static const char *const parts[] = { "upper", "work", "root" };
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		char p[PATH_MAX];
		int r = path_join(p, sizeof(p), jaildir, parts[i], err);
		if (r < 0)
			return r;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return cell_error_errno(err, -errno, "mkdir %s", p);
	}
	return 0;
}

static int ov_jail_remove(const char *jaildir, struct cell_error *err);

static int ov_jail_new(const char *rel, const char *jaildir, bool thick,
		       struct cell_error *err)
{
	if (thick)
		return dir_jail_new(rel, jaildir, thick, err);
	int r = ov_mkdirs(jaildir, err);
	if (r < 0)
		ov_jail_remove(jaildir, NULL);
	return r;
}

static int ov_jail_mount(const char *rel, const char *jaildir, bool thick,
			 struct cell_error *err)
{
	if (thick)
		return 0;
	char root[PATH_MAX], opts[3 * PATH_MAX + 64];
	int r = path_join(root, sizeof(root), jaildir, "root", err);
	if (r < 0)
		return r;
	if (cell_is_mountpoint(root) > 0)
		return 0;
	if (strpbrk(rel, ",:\\") || strpbrk(jaildir, ",:\\"))
		return cell_error_set(err, -EINVAL, "overlay paths may not "
				      "hold ',', ':' or '\\\\': %s", jaildir);
	if (snprintf(opts, sizeof(opts),
		     "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", rel,
		     jaildir, jaildir) >= (int)sizeof(opts))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	if (mount("overlay", root, "overlay", MS_NODEV, opts) < 0)
		return cell_error_errno(err, -errno, "mount overlay on %s",
					root);
	return 0;
}

static int ov_jail_umount(const char *jaildir, struct cell_error *err)
{
	char root[PATH_MAX];
	int r = path_join(root, sizeof(root), jaildir, "root", err);
	if (r < 0)
		return r;
	if (cell_is_mountpoint(root) <= 0)
		return 0;
	if (umount2(root, 0) < 0 && umount2(root, MNT_DETACH) < 0)
		return cell_error_errno(err, -errno, "unmount %s", root);
	return 0;
}

static int ov_jail_remove(const char *jaildir, struct cell_error *err)
{
	int r = ov_jail_umount(jaildir, err);
	if (r < 0)
		return r;
	static const char *const parts[] = { "root", "upper", "work" };
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		char p[PATH_MAX];
		r = path_join(p, sizeof(p), jaildir, parts[i], err);
		if (r == 0)
			r = cell_tree_remove(p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int ov_snapshot(const char *jaildir, bool thick, const char *snap,
		       struct cell_error *err)
{
	return copy_part(jaildir, thick ? "root" : "upper", snap, err);
}

static int ov_rollback(const char *jaildir, bool thick, const char *snap,
		       struct cell_error *err)
{
	if (thick)
		return restore_part(jaildir, "root", snap, err);
	int r = restore_part(jaildir, "upper", snap, err);
	if (r < 0)
		return r;
	/* a fresh work dir for the restored upper */
	char work[PATH_MAX];
	r = path_join(work, sizeof(work), jaildir, "work", err);
	if (r == 0)
		r = cell_tree_remove(work, err);
	if (r == 0 && mkdir(work, 0755) < 0)
		r = cell_error_errno(err, -errno, "mkdir %s", work);
	return r;
}

static int ov_clone(const char *srcdir, const char *dstdir, bool thick,
		    struct cell_error *err)
{
	if (thick)
		return dir_clone(srcdir, dstdir, thick, err);
	char up[PATH_MAX];
	int r = path_join(up, sizeof(up), dstdir, "upper", err);
	if (r == 0)
		r = copy_part(srcdir, "upper", up, err);
	if (r == 0)
		r = ov_mkdirs(dstdir, err);
	if (r < 0)
		ov_jail_remove(dstdir, NULL);
	return r;
}

static const struct cell_storage_ops overlay_ops = {
	.name = "overlay",
	.tree_new = dir_tree_new,
	.tree_seal = dir_tree_seal,
	.tree_remove = cell_tree_remove,
	.jail_new = ov_jail_new,
	.jail_mount = ov_jail_mount,
	.jail_umount = ov_jail_umount,
	.jail_remove = ov_jail_remove,
	.snapshot = ov_snapshot,
	.rollback = ov_rollback,
	.clone = ov_clone,
};

const struct cell_storage_ops *cell_storage_get(enum cell_backend b)
{
	switch (b) {
	case CELL_BACKEND_BTRFS:
		return &btrfs_ops;
	case CELL_BACKEND_OVERLAY:
		return &overlay_ops;
	case CELL_BACKEND_DIR:
		break;
	}
	return &dir_ops;
}

int cell_backend_parse(const char *s, enum cell_backend *b)
{
	if (!strcmp(s, "btrfs"))
		*b = CELL_BACKEND_BTRFS;
	else if (!strcmp(s, "overlay"))
		*b = CELL_BACKEND_OVERLAY;
	else if (!strcmp(s, "dir"))
		*b = CELL_BACKEND_DIR;
	else
		return -EINVAL;
	return 0;
}

const char *cell_backend_name(enum cell_backend b)
{
	return cell_storage_get(b)->name;
}

/* --- setup.conf ---------------------------------------------------------- */

struct setup_conf {
	enum cell_backend backend;
	char image[PATH_MAX];   /* "" when none */
	char loop[64];
	char pool[PATH_MAX];
	char mirror[512];       /* Debian mirror for bootstrap debian */
	bool made_home;
};

static int setup_read(const char *home, struct setup_conf *s,
		      struct cell_error *err)
{
	char path[PATH_MAX];
	int r = path_join(path, sizeof(path), home, "setup.conf", err);
	if (r < 0)
		return r;
	memset(s, 0, sizeof(*s));
	_cleanup_free_ char *text = NULL;
	size_t len;
	r = cell_read_file(path, 65536, &text, &len);
	if (r < 0)
		return r == -ENOENT
			       ? cell_error_set(err, r, "%s is not set up "
						"(run 'cell setup')", home)
			       : cell_error_errno(err, r, "read %s", path);
	bool have_backend = false;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq || line[0] == '#')
			continue;
		*eq++ = '\0';
		if (!strcmp(line, "backend")) {
			if (cell_backend_parse(eq, &s->backend) < 0)
				return cell_error_set(err, -EINVAL, "%s: bad "
						      "backend '%s'", path, eq);
			have_backend = true;
		} else if (!strcmp(line, "image")) {
			r = cell_strlcpy(s->image, eq, sizeof(s->image));
		} else if (!strcmp(line, "loop")) {
			r = cell_strlcpy(s->loop, eq, sizeof(s->loop));
		} else if (!strcmp(line, "pool")) {
			r = cell_strlcpy(s->pool, eq, sizeof(s->pool));
		} else if (!strcmp(line, "mirror")) {
			r = cell_strlcpy(s->mirror, eq, sizeof(s->mirror));
		} else if (!strcmp(line, "made_home")) {
			s->made_home = !strcmp(eq, "1");
		}
		if (r < 0)
			return cell_error_set(err, r, "%s: %s too long", path,
					      line);
	}
	if (!have_backend)
		return cell_error_set(err, -EINVAL, "%s: no backend", path);
	return 0;
}

static int setup_write(const char *home, const struct setup_conf *s,
		       struct cell_error *err)
{
	char path[PATH_MAX], buf[3 * PATH_MAX + 1024];
	int r = path_join(path, sizeof(path), home, "setup.conf", err);
	if (r < 0)
		return r;
	int n = snprintf(buf, sizeof(buf),
			 "# written by cell setup; removed by cell setup "
			 "--teardown\nbackend=%s\nimage=%s\nloop=%s\npool=%s\n"
			 "made_home=%d\n%s%s%s",
			 cell_backend_name(s->backend), s->image, s->loop,
			 s->pool, s->made_home, s->mirror[0] ? "mirror=" : "",
			 s->mirror, s->mirror[0] ? "\n" : "");
	return cell_write_atomic(path, buf, (size_t)n, 0644, err);
}

static const char *resolve_home(const char *home)
{
	if (home && *home)
		return home;
	const char *e = getenv("CELL_HOME");
	return e && *e ? e : CELL_MGR_HOME_DEFAULT;
}

int cell_mgr_open(struct cell_mgr *m, const char *home,
		  struct cell_error *err)
{
	memset(m, 0, sizeof(*m));
	m->lockfd = -1;
	home = resolve_home(home);
	if (home[0] != '/')
		return cell_error_set(err, -EINVAL, "home directory must be "
				      "an absolute path: %s", home);
	int r = cell_strlcpy(m->home, home, sizeof(m->home));
	if (r < 0)
		return cell_error_set(err, r, "home path too long");
	struct setup_conf s;
	r = setup_read(m->home, &s, err);
	if (r < 0)
		return r;
	m->backend = s.backend;
	m->st = cell_storage_get(s.backend);
	memcpy(m->mirror, s.mirror, sizeof(m->mirror));
	r = cell_strlcpy(m->data, s.pool[0] ? s.pool : m->home,
			 sizeof(m->data));
	if (r < 0)
		return cell_error_set(err, r, "pool path too long");
	if (s.pool[0] && cell_is_mountpoint(s.pool) <= 0)
		return cell_error_set(err, -ENODEV, "the btrfs pool %s is not "
				      "mounted (run 'cell setup' again)",
				      s.pool);
	m->ready = true;
	return 0;
}

int cell_mgr_lock(struct cell_mgr *m, struct cell_error *err)
{
	if (m->lockdepth++ > 0)
		return 0;
	char p[PATH_MAX];
	int r = path_join(p, sizeof(p), m->home, "lock", err);
	if (r == 0) {
		m->lockfd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
				 0600);
		if (m->lockfd < 0)
			r = cell_error_errno(err, -errno, "open %s", p);
		else if (flock(m->lockfd, LOCK_EX) < 0)
			r = cell_error_errno(err, -errno, "lock %s", p);
	}
	if (r < 0)
		cell_mgr_unlock(m);
	else /* what a killed command left, now that none runs */
		cell_mgr_sweep(m);
	return r;
}

void cell_mgr_unlock(struct cell_mgr *m)
{
	if (m->lockdepth > 0 && --m->lockdepth == 0 && m->lockfd >= 0) {
		close(m->lockfd);
		m->lockfd = -1;
	}
}

int cell_mgr_unlock_ret(struct cell_mgr *m, int r)
{
	cell_mgr_unlock(m);
	return r;
}

/* --- loop devices ---------------------------------------------------------- */

static bool loop_backs(const char *loop, const char *image)
{
	const char *base = strrchr(loop, '/');
	if (!base || strncmp(base + 1, "loop", 4))
		return false;
	char p[128];
	snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", base + 1);
	_cleanup_free_ char *txt = NULL;
	size_t len;
	if (cell_read_file(p, PATH_MAX, &txt, &len) < 0)
		return false;
	while (len && txt[len - 1] == '\n')
		txt[--len] = '\0';
	return !strcmp(txt, image);
}

static int loop_attach(const char *image, char *dev, size_t devlen,
		       struct cell_error *err)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return cell_error_errno(err, -errno, "open /dev/loop-control");
	_cleanup_close_ int ffd = open(image, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (ffd < 0)
		return cell_error_errno(err, -errno, "open %s", image);
	for (int tries = 0; tries < 16; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			return cell_error_errno(err, -errno, "LOOP_CTL_GET_FREE");
		snprintf(dev, devlen, "/dev/loop%d", n);
		_cleanup_close_ int lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0)
			return cell_error_errno(err, -errno, "open %s", dev);
		struct loop_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (unsigned)ffd;
		snprintf((char *)cfg.info.lo_file_name,
			 sizeof(cfg.info.lo_file_name), "%s", image);
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
			return 0;
		if (errno != EBUSY)
			return cell_error_errno(err, -errno, "attach %s to %s",
						image, dev);
	}
	return cell_error_set(err, -EBUSY, "no free loop device");
}

static int loop_detach(const char *dev, struct cell_error *err)
{
	_cleanup_close_ int lfd = open(dev, O_RDWR | O_CLOEXEC);
	if (lfd < 0)
		return cell_error_errno(err, -errno, "open %s", dev);
	if (ioctl(lfd, LOOP_CLR_FD) < 0 && errno != ENXIO)
		return cell_error_errno(err, -errno, "detach %s", dev);
	return 0;
}

/* Attach (when needed) and mount the image of s on s->pool. */
static int pool_up(struct setup_conf *s, struct cell_error *err)
{
	if (cell_is_mountpoint(s->pool) > 0)
		return 0;
	bool attached = false;
	if (!s->loop[0] || !loop_backs(s->loop, s->image)) {
		int r = loop_attach(s->image, s->loop, sizeof(s->loop), err);
		if (r < 0)
			return r;
		attached = true;
	}
	if (mkdir(s->pool, 0700) < 0 && errno != EEXIST)
		return cell_error_errno(err, -errno, "mkdir %s", s->pool);
	if (mount(s->loop, s->pool, "btrfs", 0, NULL) < 0) {
		int r = cell_error_errno(err, -errno, "mount %s on %s", s->loop,
					 s->pool);
		if (attached)
			loop_detach(s->loop, NULL);
		return r;
	}
	return 0;
}

static int mkdirs(const char *data, struct cell_error *err)
{
	static const char *const sub[] = { "releases", "jails", "snapshots" };
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		char p[PATH_MAX];
		int r = path_join(p, sizeof(p), data, sub[i], err);
		if (r < 0)
			return r;
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return cell_error_errno(err, -errno, "mkdir %s", p);
	}
	return 0;
}

static bool have_fs(const char *fs)
{
	_cleanup_free_ char *txt = NULL;
	size_t len;
	if (cell_read_file("/proc/filesystems", 1 << 16, &txt, &len) < 0)
		return false;
	for (char *save = NULL, *l = strtok_r(txt, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *t = strrchr(l, '\t');
		if (!strcmp(t ? t + 1 : l, fs))
			return true;
	}
	return false;
}

int cell_mgr_setup(const char *home, enum cell_backend backend,
		   unsigned long long image_mb, struct cell_error *err)
{
	home = resolve_home(home);
	if (home[0] != '/')
		return cell_error_set(err, -EINVAL, "home directory must be "
				      "an absolute path: %s", home);
	struct setup_conf s;
	struct cell_error e2;
	cell_error_clear(&e2);
	int r = setup_read(home, &s, &e2);
	if (r == 0) {
		if (s.backend != backend)
			return cell_error_set(err, -EEXIST, "%s is set up for "
					      "%s (cell setup --teardown "
					      "first)", home,
					      cell_backend_name(s.backend));
		if (s.image[0]) {
			char before[64];
			snprintf(before, sizeof(before), "%s", s.loop);
			r = pool_up(&s, err);
			if (r < 0)
				return r;
			if (strcmp(before, s.loop) &&
			    (r = setup_write(home, &s, err)) < 0)
				return r;
		}
		return mkdirs(s.pool[0] ? s.pool : home, err);
	}
	if (r != -ENOENT) {
		if (err)
			*err = e2;
		return r;
	}

	memset(&s, 0, sizeof(s));
	s.backend = backend;
	struct stat st;
	if (stat(home, &st) < 0) {
		if (errno != ENOENT)
			return cell_error_errno(err, -errno, "stat %s", home);
		r = cell_mkdir_p(home, 0700);
		if (r < 0)
			return cell_error_errno(err, r, "mkdir %s", home);
		s.made_home = true;
	}
	if (backend == CELL_BACKEND_OVERLAY && !have_fs("overlay"))
		return cell_error_set(err, -ENODEV, "this kernel has no "
				      "overlayfs");
	if (backend == CELL_BACKEND_BTRFS) {
		struct statfs sf;
		if (statfs(home, &sf) < 0)
			return cell_error_errno(err, -errno, "statfs %s", home);
		if (sf.f_type != BTRFS_SUPER_MAGIC) {
			if (!have_fs("btrfs"))
				return cell_error_set(err, -ENODEV, "this "
						      "kernel has no btrfs");
			if ((r = path_join(s.image, sizeof(s.image), home,
					   "btrfs.img", err)) < 0 ||
			    (r = path_join(s.pool, sizeof(s.pool), home, "pool",
					   err)) < 0)
				return r;
			int fd = open(s.image, O_WRONLY | O_CREAT | O_EXCL |
				      O_CLOEXEC, 0600);
			if (fd < 0)
				return cell_error_errno(err, -errno,
							"create %s", s.image);
			if (ftruncate(fd, (off_t)(image_mb ? image_mb : 4096)
						  << 20) < 0) {
				r = cell_error_errno(err, -errno, "size %s",
						     s.image);
				close(fd);
				goto undo;
			}
			close(fd);
			char *argv[] = { "mkfs.btrfs", "-q", "-f", s.image,
					 NULL };
			r = cell_run(argv, -1, err);
			if (r < 0)
				goto undo;
			r = pool_up(&s, err);
			if (r < 0)
				goto undo;
		}
	}
	r = mkdirs(s.pool[0] ? s.pool : home, err);
	if (r == 0)
		r = setup_write(home, &s, err);
	if (r == 0)
		return 0;
undo:
	if (s.pool[0]) {
		if (cell_is_mountpoint(s.pool) > 0)
			umount2(s.pool, 0);
		if (s.loop[0])
			loop_detach(s.loop, NULL);
		rmdir(s.pool);
	}
	if (s.image[0])
		unlink(s.image);
	if (!s.pool[0]) {
		static const char *const sub[] = { "releases", "jails",
						   "snapshots" };
		for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
			char p[PATH_MAX];
			if (path_join(p, sizeof(p), home, sub[i], NULL) == 0)
				rmdir(p);
		}
	}
	if (s.made_home)
		rmdir(home);
	return r;
}

static int dir_empty(const char *path)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 1 : -errno;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			return 0;
	return 1;
}

int cell_mgr_teardown(const char *home, struct cell_error *err)
{
	struct cell_mgr m;
	home = resolve_home(home);
	struct setup_conf s;
	int r = setup_read(home, &s, err);
	if (r < 0)
		return r;
	if (s.image[0] && (r = pool_up(&s, err)) < 0)
		return r;
	r = cell_mgr_open(&m, home, err);
	if (r < 0)
		return r;
	char p[PATH_MAX];
	if ((r = path_join(p, sizeof(p), m.data, "jails", err)) < 0)
		return r;
	if (dir_empty(p) == 0)
		return cell_error_set(err, -ENOTEMPTY, "jails exist in %s "
				      "(destroy them first)", p);
	/* snapshots of destroyed jails are gone with them; releases go */
	static const char *const sub[] = { "snapshots", "releases", "jails" };
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		if ((r = path_join(p, sizeof(p), m.data, sub[i], err)) < 0)
			return r;
		char **names = NULL;
		size_t n = 0;
		if (!strcmp(sub[i], "releases") &&
		    cell_mgr_list_dir(&m, "releases", &names, &n, NULL) == 0) {
			for (size_t k = 0; k < n && r == 0; k++)
				r = cell_mgr_release_remove(&m, names[k], err);
			cell_mgr_names_free(names, n);
			if (r < 0)
				return r;
		}
		r = cell_tree_remove(p, err);
		if (r < 0)
			return r;
	}
	if (s.pool[0]) {
		if (cell_is_mountpoint(s.pool) > 0 && umount2(s.pool, 0) < 0)
			return cell_error_errno(err, -errno, "unmount %s",
						s.pool);
		if (s.loop[0] && loop_backs(s.loop, s.image) &&
		    (r = loop_detach(s.loop, err)) < 0)
			return r;
		if (rmdir(s.pool) < 0 && errno != ENOENT)
			return cell_error_errno(err, -errno, "rmdir %s", s.pool);
	}
	if (s.image[0] && unlink(s.image) < 0 && errno != ENOENT)
		return cell_error_errno(err, -errno, "unlink %s", s.image);
	if ((r = path_join(p, sizeof(p), home, "lock", err)) < 0)
		return r;
	unlink(p);
	if ((r = path_join(p, sizeof(p), home, "setup.conf", err)) < 0)
		return r;
	if (unlink(p) < 0)
		return cell_error_errno(err, -errno, "unlink %s", p);
	if (s.made_home)
		rmdir(home);
	return 0;
}
