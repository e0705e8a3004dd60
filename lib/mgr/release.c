/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Releases: `cell bootstrap busybox` (a minimal release from the host's
 * static busybox) and `cell bootstrap --tar FILE NAME` (a root filesystem
 * tarball through libarchive, refusing anything that could write outside
 * the target: absolute paths, "..", writes through symlinks, device
 * nodes). A release is built at releases/.NAME.partial, verified, made
 * read-only and only then renamed to releases/NAME; a killed bootstrap
 * leaves only the .partial tree, which the next bootstrap removes.
 */
#include <archive.h>
#include <archive_entry.h>
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

int cell_mgr_extract(struct cell_mgr *m, struct archive *a, int root,
		     const char *strip, struct cell_error *err)
{
	struct archive *w = archive_write_disk_new();
	if (!w)
		return cell_error_set(err, -ENOMEM, "out of memory");
	archive_write_disk_set_options(w,
		ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
		ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
		ARCHIVE_EXTRACT_TIME);
	archive_write_disk_set_standard_lookup(w);

	/* libarchive writes relative to the working directory: make that
	 * the target, by fd, and put it back after */
	int r = 0;
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || fchdir(root) < 0) {
		r = cell_error_errno(err, -errno, "enter the target");
		archive_write_free(w);
		return r;
	}
	size_t count = 0;
	for (;;) {
		struct archive_entry *e;
		int ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = cell_error_set(err, -EINVAL, "archive: %s",
					   archive_error_string(a));
			break;
		}
		const char *p = archive_entry_pathname(e);
		const char *why = bad_path(p);
		const char *hl = archive_entry_hardlink(e);
		if (!why && hl && bad_path(hl))
			why = "hard link target outside the tree";
		mode_t type = archive_entry_filetype(e);
		if (!why && (type == AE_IFCHR || type == AE_IFBLK))
			why = "device node";
		if (!why && type == AE_IFSOCK)
			why = "socket";
		/* an export: everything under strip ("root/"), which goes */
		size_t sl = strip ? strlen(strip) : 0;
		if (!why && strip) {
			if (!strcmp(p, strip) ||
			    (!strncmp(p, strip, sl - 1) && !p[sl - 1]))
				continue; /* the root directory itself */
			if (strncmp(p, strip, sl) ||
			    (hl && strncmp(hl, strip, sl)))
				why = "not under the archive's root/";
		}
		if (why) {
			r = cell_error_set(err, -EPERM, "refused entry '%s': "
					   "%s", p ? p : "", why);
			break;
		}
		if (strip) {
			char np[PATH_MAX];
			snprintf(np, sizeof(np), "%s", p + sl);
			archive_entry_copy_pathname(e, np);
			if (hl) {
				snprintf(np, sizeof(np), "%s", hl + sl);
				archive_entry_copy_hardlink(e, np);
			}
			p = archive_entry_pathname(e);
		}
		ar = archive_write_header(w, e);
		if (ar >= ARCHIVE_WARN && archive_entry_size(e) > 0) {
			const void *buf;
			size_t len;
			la_int64_t off;
			int dr;
			while ((dr = archive_read_data_block(a, &buf, &len,
							     &off)) ==
			       ARCHIVE_OK) {
				if (archive_write_data_block(w, buf, len,
							     off) <
				    ARCHIVE_WARN) {
					ar = ARCHIVE_FAILED;
					break;
				}
			}
			if (dr < ARCHIVE_WARN) {
				r = cell_error_set(err, -EIO, "archive: %s",
						   archive_error_string(a));
				break;
			}
		}
		if (ar >= ARCHIVE_WARN)
			ar = archive_write_finish_entry(w);
		if (ar < ARCHIVE_WARN) {
			r = cell_error_set(err, -EPERM, "refused entry '%s': "
					   "%s", p,
					   archive_error_string(w));
			break;
		}
		if (++count % 2000 == 0)
			progress(m, "%zu entries", count);
	}
	if (r == 0 && archive_write_close(w) < ARCHIVE_WARN)
		r = cell_error_set(err, -EIO, "extract: %s",
				   archive_error_string(w));
	archive_write_free(w);
	if (fchdir(cwd) < 0 && r == 0)
		r = cell_error_errno(err, -errno, "back to the working "
				     "directory");
	if (r == 0)
		progress(m, "%zu entries extracted", count);
	return r;
}

static int bootstrap_tar_locked(struct cell_mgr *m, const char *file,
			   const char *name, struct cell_error *err)
{
	char final[PATH_MAX], partial[PATH_MAX];
	struct archive *a = archive_read_new();
	if (!a)
		return cell_error_set(err, -ENOMEM, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		int r = cell_error_set(err, -EINVAL, "%s: %s", file,
				       archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	int r = rel_paths(m, name, final, partial, err);
	if (r < 0) {
		archive_read_free(a);
		return r;
	}
	_cleanup_close_ int root = open_partial(partial, err);
	r = root < 0 ? root : cell_mgr_extract(m, a, root, NULL, err);
	archive_read_free(a);
	if (r < 0)
		cell_error_context(err, NULL, NULL, file);
	return rel_finish(m, partial, final, r, err);
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
