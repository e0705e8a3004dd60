/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Releases: `cell bootstrap busybox` (a minimal release from the host's
 * static busybox) and `cell bootstrap --tar FILE NAME` (a root filesystem
 * tarball through libarchive, refusing anything that could write outside
 * the target: absolute paths, "..", writes through symlinks, device
 * nodes), `cell bootstrap --oci DIR|ARCHIVE NAME` (an OCI image layout,
 * oci_image.c) and `cell bootstrap debian SUITE [NAME]` (debootstrap).
 * Archives are read in capability mode (extract.c). A release is built at releases/.NAME.partial, verified, made
 * read-only and only then renamed to releases/NAME; a killed bootstrap
 * leaves only the .partial tree, which the next bootstrap removes.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"
#include "mgr/internal.h"
#include "mgr/mgr.h"

static void progress(struct cell_mgr *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(struct cell_mgr *m, const char *fmt, ...)
{
	if (!m->progress)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	m->progress(m->arg, buf);
}

static bool release_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CELL_MGR_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *c = name; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '_' && *c != '-' &&
		    *c != '.')
			return false;
	return true;
}

static int rel_paths(struct cell_mgr *m, const char *name, char *final,
		     char *partial, struct cell_error *err)
{
	if (!release_name_ok(name))
		return cell_error_set(err, -EINVAL, "invalid release name "
				      "'%s' (letters, digits, '_', '-', '.')",
				      name);
	if (snprintf(final, PATH_MAX, "%s/releases/%s", m->data, name) >=
		    PATH_MAX ||
	    snprintf(partial, PATH_MAX, "%s/releases/.%s.partial", m->data,
		     name) >= PATH_MAX)
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	struct stat st;
	if (lstat(final, &st) == 0)
		return cell_error_set(err, -EEXIST, "release '%s' exists",
				      name);
	/* what a killed bootstrap left */
	int r = m->st->tree_remove(partial, err);
	if (r < 0)
		return r;
	return m->st->tree_new(partial, err);
}

/* Verify, seal and publish partial as final; on failure remove partial. */
static int rel_finish(struct cell_mgr *m, const char *partial,
		      const char *final, int r, struct cell_error *err)
{
	if (r == 0)
		r = cell_mgr_release_verify(partial, err);
	if (r == 0)
		r = m->st->tree_seal(partial, err);
	if (r == 0 && rename(partial, final) < 0)
		r = cell_error_errno(err, -errno, "rename %s", partial);
	if (r < 0)
		m->st->tree_remove(partial, NULL);
	return r;
}

static int open_in_root(int rootfd, const char *path, int flags,
			unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.resolve = resolve,
	};
	/* EAGAIN: a ".." met a concurrent rename or mount anywhere; the
	 * kernel asks for a retry rather than risk a wrong answer */
	long fd;
	for (int tries = 0;; tries++) {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || tries >= 256)
			break;
	}
	return fd < 0 ? -errno : (int)fd;
}

int cell_mgr_release_verify(const char *path, struct cell_error *err)
{
	_cleanup_close_ int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cell_error_errno(err, -errno, "open %s", path);
	static const struct {
		const char *p;
		mode_t type;
		bool exec;
	} want[] = {
		{ "bin/sh", S_IFREG, true },
		{ "etc", S_IFDIR, false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		_cleanup_close_ int fd = open_in_root(
			root, want[i].p, O_PATH,
			RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		struct stat st;
		if (fd < 0)
			return cell_error_errno(err, fd, "release check: %s",
						want[i].p);
		if (fstat(fd, &st) < 0)
			return cell_error_errno(err, -errno, "stat %s",
						want[i].p);
		if ((st.st_mode & S_IFMT) != want[i].type ||
		    (want[i].exec && !(st.st_mode & 0111)))
			return cell_error_set(err, -EINVAL, "release check: "
					      "%s is not %s", want[i].p,
					      want[i].exec ? "an executable "
							     "file"
							   : "a directory");
	}
	return 0;
}

/* --- busybox -------------------------------------------------------------- */

/* A static binary has no PT_INTERP. */
static int check_static(int fd, const char *path, struct cell_error *err)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		return cell_error_set(err, -ENOEXEC, "%s is not a 64-bit ELF "
				      "file", path);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph),
			  (off_t)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			return cell_error_set(err, -ENOEXEC, "%s: short ELF "
					      "header", path);
		if (ph.p_type == PT_INTERP)
			return cell_error_set(err, -ENOEXEC, "%s is dynamically"
					      " linked (install busybox-static)",
					      path);
	}
	return 0;
}

static int write_at(int dfd, const char *name, const char *text, mode_t mode,
		    struct cell_error *err)
{
	_cleanup_close_ int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
					O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return cell_error_errno(err, -errno, "create %s", name);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		return cell_error_errno(err, -EIO, "write %s", name);
	return 0;
}

static bool applet_path_ok(const char *p)
{
	if (!*p || p[0] == '/' || strlen(p) > 200)
		return false;
	for (const char *c = p; *c; c++)
		if (*c < 0x21 || *c > 0x7e || *c == '\\')
			return false;
	for (const char *c = p; c; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (!strncmp(c, "..", 2) && (c[2] == '/' || !c[2]))
			return false;
	}
	return !strncmp(p, "bin/", 4) || !strncmp(p, "sbin/", 5) ||
	       !strncmp(p, "usr/bin/", 8) || !strncmp(p, "usr/sbin/", 9);
}

static int fill_busybox(struct cell_mgr *m, int root, const char *busybox,
			struct cell_error *err)
{
	static const struct {
		const char *d;
		mode_t mode;
	} dirs[] = {
		{ "bin", 0755 }, { "sbin", 0755 }, { "usr", 0755 },
		{ "usr/bin", 0755 }, { "usr/sbin", 0755 }, { "etc", 0755 },
		{ "dev", 0755 }, { "proc", 0555 }, { "sys", 0555 },
		{ "tmp", 01777 }, { "root", 0700 }, { "home", 0755 },
		{ "var", 0755 }, { "var/log", 0755 }, { "var/tmp", 01777 },
		{ "run", 0755 }, { "mnt", 0755 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(root, dirs[i].d, dirs[i].mode) < 0 ||
		    fchmodat(root, dirs[i].d, dirs[i].mode, 0) < 0)
			return cell_error_errno(err, -errno, "mkdir %s",
						dirs[i].d);
	if (symlinkat("../run", root, "var/run") < 0)
		return cell_error_errno(err, -errno, "symlink var/run");

	_cleanup_close_ int in = open(busybox, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return cell_error_errno(err, -errno, "open %s", busybox);
	int r = check_static(in, busybox, err);
	if (r < 0)
		return r;
	progress(m, "copying %s", busybox);
	{
		_cleanup_close_ int out = openat(root, "bin/busybox",
						 O_WRONLY | O_CREAT | O_EXCL |
						 O_CLOEXEC, 0755);
		if (out < 0)
			return cell_error_errno(err, -errno,
						"create bin/busybox");
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				return cell_error_errno(err, -EIO,
							"write bin/busybox");
		if (n < 0)
			return cell_error_errno(err, -errno, "read %s",
						busybox);
	}

	/* the applets, as the binary lists them */
	_cleanup_close_ int mfd = memfd_create("applets", MFD_CLOEXEC);
	if (mfd < 0)
		return cell_error_errno(err, -errno, "memfd_create");
	char *argv[] = { (char *)busybox, "--list-full", NULL };
	r = cell_run(argv, mfd, err);
	if (r < 0)
		return r;
	off_t size = lseek(mfd, 0, SEEK_END);
	if (size <= 0 || size > (1 << 20))
		return cell_error_set(err, -EINVAL, "%s --list-full: no "
				      "applets", busybox);
	_cleanup_free_ char *list = malloc((size_t)size + 1);
	if (!list)
		return cell_error_set(err, -ENOMEM, "out of memory");
	if (pread(mfd, list, (size_t)size, 0) != size)
		return cell_error_errno(err, -EIO, "read applet list");
	list[size] = '\0';
	size_t napplets = 0;
	for (char *save = NULL, *l = strtok_r(list, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		/* only bin, sbin, usr/bin, usr/sbin (not linuxrc) */
		if (!applet_path_ok(l) || !strcmp(l, "bin/busybox"))
			continue;
		if (symlinkat("/bin/busybox", root, l) < 0) {
			if (errno == EEXIST)
				continue;
			return cell_error_errno(err, -errno, "symlink %s", l);
		}
		napplets++;
	}
	progress(m, "%zu applets linked", napplets);

	r = write_at(root, "etc/passwd",
		     "root:x:0:0:root:/root:/bin/sh\n"
		     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		     0644, err);
	if (r == 0)
		r = write_at(root, "etc/group",
			     "root:x:0:\nnogroup:x:65534:\n", 0644, err);
	if (r == 0)
		r = write_at(root, "etc/shadow", "root:*:1::::::\n", 0640,
			     err);
	if (r == 0)
		r = write_at(root, "etc/profile",
			     "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n",
			     0644, err);
	if (r == 0)
		r = write_at(root, "etc/os-release",
			     "NAME=\"busybox (cell)\"\nID=busybox\n", 0644,
			     err);
	return r;
}

/* the directory a release is made in: an fd, or an error in err */
static int open_partial(const char *partial, struct cell_error *err)
{
	int fd = open(partial, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? cell_error_errno(err, -errno, "open %s", partial) : fd;
}

static int bootstrap_busybox_locked(struct cell_mgr *m, const char *name,
			       const char *busybox, struct cell_error *err)
{
	char final[PATH_MAX], partial[PATH_MAX];
	if (!busybox)
		busybox = "/bin/busybox";
	int r = rel_paths(m, name, final, partial, err);
	if (r < 0)
		return r;
	_cleanup_close_ int root = open_partial(partial, err);
	r = root < 0 ? root : fill_busybox(m, root, busybox, err);
	if (r == 0 && fchmod(root, 0755) < 0)
		r = cell_error_errno(err, -errno, "chmod %s", partial);
	return rel_finish(m, partial, final, r, err);
}

/* --- tarball --------------------------------------------------------------- */

static int bootstrap_tar_locked(struct cell_mgr *m, const char *file,
			   const char *name, struct cell_error *err)
{
	char final[PATH_MAX], partial[PATH_MAX];
	_cleanup_close_ int afd = open(file, O_RDONLY | O_CLOEXEC);
	if (afd < 0)
		return cell_error_errno(err, -errno, "%s", file);
	int r = rel_paths(m, name, final, partial, err);
	if (r < 0)
		return r;
	_cleanup_close_ int root = open_partial(partial, err);
	const struct cell_mgr_xopts xo = { 0 };
	r = root < 0 ? root : cell_mgr_extract(m, afd, root, &xo, err);
	if (r < 0)
		cell_error_context(err, NULL, NULL, file);
	return rel_finish(m, partial, final, r, err);
}

/* --- OCI image layout --------------------------------------------------------- */

static int bootstrap_oci_locked(struct cell_mgr *m, const char *src,
				const char *name, struct cell_error *err)
{
	char final[PATH_MAX], partial[PATH_MAX], stage[PATH_MAX] = "";
	struct stat st;
	if (stat(src, &st) < 0)
		return cell_error_errno(err, -errno, "%s", src);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return cell_error_set(err, -EINVAL, "%s: neither an OCI layout "
				      "directory nor an archive of one", src);
	int r = rel_paths(m, name, final, partial, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dir = -1;
	if (S_ISDIR(st.st_mode)) {
		dir = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			r = cell_error_errno(err, -errno, "open %s", src);
	} else {
		/* the layout out of its archive, sandboxed like any other
		 * extraction; ".partial": a killed bootstrap's is swept */
		if (snprintf(stage, sizeof(stage), "%s/releases/.%s.oci.partial",
			     m->data, name) >= (int)sizeof(stage)) {
			stage[0] = '\0';
			return rel_finish(m, partial, final, cell_error_set(
				err, -ENAMETOOLONG, "path too long"), err);
		}
		cell_tree_remove(stage, NULL);
		_cleanup_close_ int afd = open(src, O_RDONLY | O_CLOEXEC);
		if (afd < 0)
			r = cell_error_errno(err, -errno, "open %s", src);
		else if (mkdir(stage, 0700) < 0 ||
			 (dir = open(stage, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC)) < 0)
			r = cell_error_errno(err, -errno, "mkdir %s", stage);
		if (r == 0) {
			progress(m, "unpacking the layout from %s", src);
			const struct cell_mgr_xopts xo = { 0 };
			r = cell_mgr_extract(m, afd, dir, &xo, err);
		}
	}
	_cleanup_close_ int root = -1;
	if (r == 0) {
		root = open_partial(partial, err);
		r = root < 0 ? root : cell_mgr_oci_apply(m, dir, root, err);
	}
	if (r == 0 && fchmod(root, 0755) < 0)
		r = cell_error_errno(err, -errno, "chmod %s", partial);
	if (stage[0])
		cell_tree_remove(stage, NULL);
	if (r < 0)
		cell_error_context(err, NULL, NULL, src);
	return rel_finish(m, partial, final, r, err);
}

/* --- Debian through debootstrap ------------------------------------------------ */

#define DEBIAN_MIRROR "http://deb.debian.org/debian"

static bool suite_ok(const char *s)
{
	if (!*s || strlen(s) > 32 || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= '0' && *s <= '9') &&
		    *s != '-')
			return false;
	return true;
}

static bool mirror_ok(const char *u)
{
	if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8) &&
	    strncmp(u, "file:///", 8))
		return false;
	for (; *u; u++)
		if (*u <= 0x20 || *u >= 0x7f)
			return false;
	return true;
}

static int bootstrap_debian_locked(struct cell_mgr *m, const char *suite,
				   const char *name, const char *mirror,
				   struct cell_error *err)
{
	char final[PATH_MAX], partial[PATH_MAX];
	if (!mirror || !*mirror)
		mirror = m->mirror[0] ? m->mirror : DEBIAN_MIRROR;
	if (!suite_ok(suite))
		return cell_error_set(err, -EINVAL, "invalid Debian release "
				      "'%s' (a suite or code name: bookworm, "
				      "stable, ...)", suite);
	if (!mirror_ok(mirror))
		return cell_error_set(err, -EINVAL, "invalid mirror '%s' "
				      "(http://, https:// or file:///)",
				      mirror);
	int r = rel_paths(m, name, final, partial, err);
	if (r < 0)
		return r;
	progress(m, "debootstrap %s from %s (minutes)", suite, mirror);
	char *argv[] = { "debootstrap", "--variant=minbase", (char *)suite,
			 partial, (char *)mirror, NULL };
	_cleanup_close_ int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	r = cell_run(argv, out, err);
	if (r < 0)
		cell_error_context(err, NULL, "debootstrap", NULL);
	/* debootstrap leaves its mounts (proc, sys) when it fails half-way */
	if (r < 0) {
		char p[PATH_MAX + 8];
		snprintf(p, sizeof(p), "%s/proc", partial);
		umount2(p, MNT_DETACH);
		snprintf(p, sizeof(p), "%s/sys", partial);
		umount2(p, MNT_DETACH);
	}
	return rel_finish(m, partial, final, r, err);
}

int cell_mgr_bootstrap_oci(struct cell_mgr *m, const char *src,
			   const char *name, struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		bootstrap_oci_locked(m, src, name, err));
}

int cell_mgr_bootstrap_debian(struct cell_mgr *m, const char *suite,
			      const char *name, const char *mirror,
			      struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		bootstrap_debian_locked(m, suite, name, mirror, err));
}

int cell_mgr_bootstrap_busybox(struct cell_mgr *m, const char *name,
			       const char *busybox, struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		bootstrap_busybox_locked(m, name, busybox, err));
}

int cell_mgr_bootstrap_tar(struct cell_mgr *m, const char *file,
			   const char *name, struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		bootstrap_tar_locked(m, file, name, err));
}
