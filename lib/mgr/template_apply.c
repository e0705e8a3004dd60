/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell template NAME DIR: apply a template (template.h) to a jail.
 *
 * Two passes over the same walker: the first (dry) parses the file and
 * every INCLUDE, resolves every ARG and ${NAME}, and checks each directive
 * against the jail (CP sources exist below DIR, RENDER targets exist in
 * the jail, PKG has apt-get, RDR has a vnet jail, CONFIG is a parameter
 * the core accepts, CMD has a running jail...), so that a bad template
 * changes nothing; the second does the work. Everything inside the jail
 * is reached fd-relative beneath its root (openat2 RESOLVE_IN_ROOT), so
 * no symlink the jail holds leads a CP or RENDER outside it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "conf/jail8.h"
#include "mgr/internal.h"
#include "mgr/mgr.h"
#include "mgr/sandbox.h"
#include "mgr/template.h"
#include "net/net.h"
#include "util.h"

#define RENDER_MAX_BYTES (16 << 20)
#define TREE_DEPTH_MAX 64

struct tctx {
	struct cell_mgr *m;
	const char *jail;
	struct cell_mgr_jail ji;
	bool dry;
	bool running;          /* as the jail will be at this line */
	struct cell_error *err;
};

/* where: the file, line and column an error is reported at */
struct where {
	const char *file;
	int line, col;
};

/* err->msg (from a library call) prefixed with FILE:LINE:COL */
static int at(struct tctx *c, const struct where *w, int r, const char *what)
{
	if (!c->err)
		return r;
	char msg[CELL_ERR_MSG_MAX];
	char buf[CELL_ERR_MSG_MAX + 300];
	cell_error_format(c->err, buf, sizeof(buf));
	snprintf(msg, sizeof(msg), "%.100s:%d:%d: %.10s: %.350s", w->file,
		 w->line, w->col, what, buf);
	cell_error_clear(c->err);
	c->err->code = r;
	snprintf(c->err->step, sizeof(c->err->step), "template");
	snprintf(c->err->msg, sizeof(c->err->msg), "%s", msg);
	return r;
}

static int fail(struct tctx *c, const struct where *w, int r,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct tctx *c, const struct where *w, int r,
		const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cell_error_clear(c->err);
	cell_error_context(c->err, NULL, "template", NULL);
	return cell_error_set(c->err, r, "%.100s:%d:%d: %s", w->file,
			      w->line, w->col, msg);
}

/* ${NAME} of a word; an unknown one is an error at its column */
static int word(struct tctx *c, const struct cell_tpl *t,
		const struct cell_tpl_word *wd, int line,
		const struct cell_tpl_vars *v, char **out)
{
	size_t bad = 0;
	int r = cell_tpl_subst(wd->s, v, false, out, &bad);
	if (r == -ENOMEM)
		return cell_error_set(c->err, r, "out of memory");
	if (r < 0) {
		struct where w = { t->file, line, wd->col + (int)bad };
		const char *s = wd->s + bad + 2;
		return fail(c, &w, r, "undefined variable '${%.*s}' (no ARG "
			    "before this line)", (int)strcspn(s, "}"), s);
	}
	return 0;
}

/* a relative path with no ".." component, no NUL */
static bool rel_ok(const char *p)
{
	if (!*p || *p == '/')
		return false;
	for (const char *s = p; *s;) {
		size_t n = strcspn(s, "/");
		if (n == 2 && !strncmp(s, "..", 2))
			return false;
		s += n;
		while (*s == '/')
			s++;
	}
	return true;
}

static int run_argv(struct tctx *c, const struct where *w, char *const *argv,
		    const char *what)
{
	int st = 0;
	int r = cell_mgr_cmd(c->m, c->jail, argv, &st, c->err);
	if (r < 0)
		return at(c, w, r, what);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return fail(c, w, -EIO, "%s failed (%s %d)", what,
			    WIFEXITED(st) ? "exit status" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

/* --- CP: a file or a tree from the template's directory ------------------- */

static int cp_tree(struct tctx *c, const struct where *w, int root,
		   const char *host, const char *jail, int depth)
{
	struct stat st;
	if (lstat(host, &st) < 0)
		return fail(c, w, -errno, "CP: %s: %s", host, strerror(errno));
	if (S_ISREG(st.st_mode)) {
		int r = cell_mgr_cp_fd(root, host, jail, c->err);
		return r < 0 ? at(c, w, r, "CP") : 0;
	}
	if (!S_ISDIR(st.st_mode))
		return fail(c, w, -EINVAL, "CP: %s is not a file or directory",
			    host);
	if (depth > TREE_DEPTH_MAX)
		return fail(c, w, -ELOOP, "CP: %s: too deep", host);
	/* the directory in the jail: made if missing, never a symlink */
	_cleanup_close_ int d = cell_mgr_openat2_in(root, jail,
						    O_PATH | O_DIRECTORY |
						    O_NOFOLLOW, 0);
	if (d == -ENOENT) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", jail);
		char *slash = strrchr(parent, '/');
		const char *base = slash ? slash + 1 : parent;
		if (slash == parent)
			parent[1] = '\0';
		else if (slash)
			*slash = '\0';
		_cleanup_close_ int pd = cell_mgr_openat2_in(
			root, slash ? parent : ".", O_PATH | O_DIRECTORY, 0);
		if (pd < 0)
			return fail(c, w, pd, "CP: %s: %s", jail,
				    strerror(-pd));
		if (mkdirat(pd, base, st.st_mode & 0777) < 0 &&
		    errno != EEXIST)
			return fail(c, w, -errno, "CP: mkdir %s: %s", jail,
				    strerror(errno));
		d = cell_mgr_openat2_in(pd, base, O_PATH | O_DIRECTORY |
					O_NOFOLLOW, 0);
	}
	if (d < 0)
		return fail(c, w, d, "CP: %s in the jail: %s", jail,
			    strerror(-d));
	_cleanup_closedir_ DIR *dir = opendir(host);
	if (!dir)
		return fail(c, w, -errno, "CP: %s: %s", host, strerror(errno));
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char h[PATH_MAX], j[PATH_MAX];
		if (snprintf(h, sizeof(h), "%s/%s", host, e->d_name) >=
			    (int)sizeof(h) ||
		    snprintf(j, sizeof(j), "%s/%s", jail, e->d_name) >=
			    (int)sizeof(j))
			return fail(c, w, -ENAMETOOLONG, "CP: path too long");
		int r = cp_tree(c, w, root, h, j, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* SRC below the template directory (no "..", no symlink out of it) */
static int cp_source(struct tctx *c, const struct where *w, const char *dir,
		     const char *src, char *host)
{
	if (!rel_ok(src))
		return fail(c, w, -EINVAL, "CP: source '%s' must be a path "
			    "below the template's directory", src);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail(c, w, -errno, "%s: %s", dir, strerror(errno));
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH |
					   RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, dfd, src, &how, sizeof(how));
	if (fd < 0)
		return fail(c, w, -errno, "CP: %s/%s: %s", dir, src,
			    errno == EXDEV ? "leads outside the template's "
					     "directory"
					   : strerror(errno));
	close((int)fd);
	snprintf(host, PATH_MAX, "%s/%s", dir, src);
	return 0;
}

/* --- RENDER ------------------------------------------------------------------- */

static int render_file(struct tctx *c, const struct where *w, int dfd,
		       const char *name, const char *shown,
		       const struct cell_tpl_vars *v)
{
	_cleanup_close_ int in = openat(dfd, name, O_RDONLY | O_NOFOLLOW |
					O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return fail(c, w, -errno, "RENDER: %s: %s", shown,
			    strerror(errno));
	struct stat st;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
		return fail(c, w, -EINVAL, "RENDER: %s is not a regular file",
			    shown);
	if (st.st_size > RENDER_MAX_BYTES)
		return fail(c, w, -EFBIG, "RENDER: %s is larger than %d bytes",
			    shown, RENDER_MAX_BYTES);
	_cleanup_free_ char *text = malloc((size_t)st.st_size + 1);
	if (!text)
		return cell_error_set(c->err, -ENOMEM, "out of memory");
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(in, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	text[got] = '\0';
	if (memchr(text, '\0', got))
		return 0; /* binary: left alone */
	_cleanup_free_ char *out = NULL;
	int r = cell_tpl_subst(text, v, true, &out, NULL);
	if (r < 0)
		return cell_error_set(c->err, r, "out of memory");
	if (!strcmp(out, text))
		return 0;
	/* a new file beside it, renamed over it: nothing written through a
	 * link put there meanwhile */
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ".cell-render.%d", (int)getpid());
	_cleanup_close_ int o = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
				       O_NOFOLLOW | O_CLOEXEC, 0600);
	if (o < 0)
		return fail(c, w, -errno, "RENDER: %s: %s", shown,
			    strerror(errno));
	size_t len = strlen(out), off = 0;
	r = 0;
	while (off < len && r == 0) {
		ssize_t n = write(o, out + off, len - off);
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (r == 0 && (fchown(o, st.st_uid, st.st_gid) < 0 ||
		       fchmod(o, st.st_mode & 07777) < 0))
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return fail(c, w, r, "RENDER: %s: %s", shown, strerror(-r));
	}
	return 0;
}

static int render_dir(struct tctx *c, const struct where *w, int dfd,
		      const char *shown, const struct cell_tpl_vars *v,
		      int depth)
{
	if (depth > TREE_DEPTH_MAX)
		return fail(c, w, -ELOOP, "RENDER: %s: too deep", shown);
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, w, -errno, "RENDER: %s: %s", shown,
			    strerror(errno));
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return fail(c, w, -errno, "RENDER: %s", shown);
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strncmp(e->d_name, ".cell-render.", 13))
			continue;
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "%s/%s", shown, e->d_name);
		struct stat st;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		int r = 0;
		if (S_ISREG(st.st_mode)) {
			r = render_file(c, w, fd, e->d_name, sub, v);
		} else if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int s = openat(fd, e->d_name,
						       O_RDONLY | O_DIRECTORY |
						       O_NOFOLLOW | O_CLOEXEC);
			r = s < 0 ? fail(c, w, -errno, "RENDER: %s", sub)
				  : render_dir(c, w, s, sub, v, depth + 1);
		} /* symbolic links and the rest: left alone */
		if (r < 0)
			return r;
	}
	return 0;
}

static int render(struct tctx *c, const struct where *w, int root,
		  const char *path, const struct cell_tpl_vars *v)
{
	/* (an earlier CP or CMD may make it: checked when done) */
	if (c->dry)
		return 0;
	/* the last component must not be a symlink (O_NOFOLLOW); the rest
	 * resolves inside the jail's root */
	_cleanup_close_ int fd = cell_mgr_openat2_in(root, path,
						     O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fail(c, w, fd, "RENDER: %s in the jail: %s", path,
			    fd == -ELOOP ? "a symbolic link (refused)"
					 : strerror(-fd));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return fail(c, w, -errno, "RENDER: %s", path);
	if (S_ISLNK(st.st_mode))
		return fail(c, w, -ELOOP, "RENDER: %s in the jail: a symbolic "
			    "link (refused)", path);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int d = openat(fd, ".", O_RDONLY | O_DIRECTORY |
					       O_CLOEXEC);
		return d < 0 ? fail(c, w, -errno, "RENDER: %s", path)
			     : render_dir(c, w, d, path, v, 0);
	}
	/* a file: its directory, then the name in it */
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? slash + 1 : parent;
	if (slash == parent)
		parent[1] = '\0';
	else if (slash)
		*slash = '\0';
	_cleanup_close_ int pd = cell_mgr_openat2_in(root, slash ? parent : ".",
						     O_RDONLY | O_DIRECTORY, 0);
	if (pd < 0)
		return fail(c, w, pd, "RENDER: %s", path);
	return render_file(c, w, pd, base, path, v);
}

/* --- MOUNT: an fstab line, mounted at the next start --------------------------- */


static int mount_line(struct tctx *c, const struct where *w, char **a,
		      size_t n)
{
	const char *host = a[0], *jp = a[1];
	const char *type = n > 2 ? a[2] : "nullfs";
	const char *opts = n > 3 ? a[3] : "rw";
	bool bind = !strcmp(type, "nullfs") || !strcmp(type, "bind") ||
		    !strcmp(type, "none");
	if (bind && host[0] != '/')
		return fail(c, w, -EINVAL, "MOUNT: the host path '%s' must be "
			    "absolute", host);
	struct stat st;
	if (bind && stat(host, &st) < 0)
		return fail(c, w, -errno, "MOUNT: %s: %s", host,
			    strerror(errno));
	if (jp[0] != '/' || !rel_ok(jp + 1))
		return fail(c, w, -EINVAL, "MOUNT: the jail path '%s' must be "
			    "absolute, without '..'", jp);
	if (strpbrk(type, " \t\n\\") || strpbrk(opts, " \t\n\\") ||
	    strchr(host, '\n'))
		return fail(c, w, -EINVAL, "MOUNT: blanks in type or options");
	if (c->dry)
		return 0;
	char fstab[PATH_MAX + 32];
	snprintf(fstab, sizeof(fstab), "%s/jails/%s/fstab", c->m->data,
		 c->jail);
	_cleanup_free_ char *old = NULL;
	size_t oldlen = 0;
	int r = cell_read_file(fstab, 1 << 20, &old, &oldlen);
	if (r < 0 && r != -ENOENT)
		return fail(c, w, r, "MOUNT: %s: %s", fstab, strerror(-r));
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return cell_error_set(c->err, -ENOMEM, "out of memory");
	/* the new line, escaped as fstab(5) wants */
	_cleanup_free_ char *target = NULL;
	size_t tlen = 0;
	FILE *tf = open_memstream(&target, &tlen);
	if (!tf) {
		fclose(f);
		return cell_error_set(c->err, -ENOMEM, "out of memory");
	}
	char mp[PATH_MAX + 8];
	snprintf(mp, sizeof(mp), "%s%s", c->ji.path, jp);
	cell_fstab_escape(tf, mp);
	fclose(tf);
	/* a line for the same mount point is replaced */
	for (char *l = old, *nl; l && *l; l = nl ? nl + 1 : l + strlen(l)) {
		nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);
		char *sp = memchr(l, ' ', ll);
		size_t tl = strlen(target);
		bool same = sp && (size_t)(l + ll - sp - 1) > tl &&
			    !strncmp(sp + 1, target, tl) && sp[1 + tl] == ' ';
		if (!same) {
			fwrite(l, 1, ll, f);
			fputc('\n', f);
		}
	}
	cell_fstab_escape(f, host);
	fprintf(f, " %s %s %s,x-mount.mkdir 0 0\n", target, type, opts);
	if (fclose(f) != 0)
		return cell_error_set(c->err, -ENOMEM, "out of memory");
	r = cell_write_atomic(fstab, text, len, 0644, c->err);
	return r < 0 ? at(c, w, r, "MOUNT") : 0;
}

/* --- the walker --------------------------------------------------------------- */

static int apply_dir(struct tctx *c, const char *dir,
		     const struct cell_tpl_vars *given, int depth,
		     const struct where *from);

static bool pkg_name_ok(const char *p)
{
	if (!*p || *p == '-')
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("+-.:=~_", *p)))
			return false;
	return true;
}

static int apply_line(struct tctx *c, const char *dir,
		      const struct cell_tpl *t, const struct cell_tpl_line *l,
		      const struct cell_tpl_vars *given,
		      struct cell_tpl_vars *v, int depth)
{
	struct where w = { t->file, l->line, l->col };
	const char *dname = cell_tpl_kind_name(l->kind);
	char *a[CELL_TPL_MAX_WORDS + 1] = { 0 };
	int r = 0;
	size_t n = 0;
	if (l->kind != CELL_TPL_ARG) {
		for (; n < l->n; n++)
			if ((r = word(c, t, &l->w[n], l->line, v, &a[n])) < 0)
				goto out;
	}
	switch (l->kind) {
	case CELL_TPL_ARG: {
		const char *s = l->w[0].s, *eq = strchr(s, '=');
		char name[65];
		size_t len = eq ? (size_t)(eq - s) : strlen(s);
		memcpy(name, s, len);
		name[len] = '\0';
		const char *val = cell_tpl_var_get(given, name);
		_cleanup_free_ char *def = NULL;
		if (!val && eq) {
			struct cell_tpl_word dw = { (char *)eq + 1,
						    l->w[0].col + (int)len + 1 };
			if ((r = word(c, t, &dw, l->line, v, &def)) < 0)
				goto out;
			val = def;
		}
		if (!val) {
			r = fail(c, &w, -EINVAL, "ARG %s is required "
				 "(--arg %s=VALUE)", name, name);
			goto out;
		}
		if (cell_tpl_var_set(v, name, val) < 0)
			r = cell_error_set(c->err, -ENOMEM, "out of memory");
		break;
	}
	case CELL_TPL_CMD: {
		_cleanup_free_ char *cmd = NULL;
		if (cell_tpl_subst(l->raw, v, true, &cmd, NULL) < 0) {
			r = cell_error_set(c->err, -ENOMEM, "out of memory");
			break;
		}
		if (!c->running) {
			r = fail(c, &w, -ESRCH, "CMD needs the jail running "
				 "(cell start %s, or RESTART before)", c->jail);
			break;
		}
		if (c->dry)
			break;
		char *argv[] = { "/bin/sh", "-c", cmd, NULL };
		r = run_argv(c, &w, argv, "CMD");
		break;
	}
	case CELL_TPL_CP: {
		char host[PATH_MAX];
		if ((r = cp_source(c, &w, dir, a[0], host)) < 0 || c->dry)
			break;
		bool um;
		char jd[PATH_MAX];
		int root = cell_mgr_open_root(c->m, c->jail, &um, jd, c->err);
		if (root < 0) {
			r = at(c, &w, root, "CP");
			break;
		}
		r = cp_tree(c, &w, root, host, a[1], 0);
		close(root);
		if (um)
			c->m->st->jail_umount(jd, NULL);
		break;
	}
	case CELL_TPL_MOUNT:
		r = mount_line(c, &w, a, n);
		break;
	case CELL_TPL_PKG: {
		for (size_t i = 0; i < n; i++)
			if (!pkg_name_ok(a[i])) {
				w.col = l->w[i].col;
				r = fail(c, &w, -EINVAL, "PKG: bad package "
					 "name '%s'", a[i]);
				goto out;
			}
		bool um;
		char jd[PATH_MAX];
		int root = cell_mgr_open_root(c->m, c->jail, &um, jd, c->err);
		if (root < 0) {
			r = at(c, &w, root, "PKG");
			break;
		}
		int fd = cell_mgr_openat2_in(root, "/usr/bin/apt-get", O_PATH,
					     0);
		close(root);
		if (um)
			c->m->st->jail_umount(jd, NULL);
		if (fd < 0) {
			r = fail(c, &w, -ENOTSUP, "PKG needs apt-get in the "
				 "jail (a Debian release); jail '%s' (release "
				 "'%s') has none", c->jail, c->ji.release);
			break;
		}
		close(fd);
		if (!c->running) {
			r = fail(c, &w, -ESRCH, "PKG needs the jail running "
				 "(cell start %s, or RESTART before)", c->jail);
			break;
		}
		if (c->dry)
			break;
		char *argv[CELL_TPL_MAX_WORDS + 8] = {
			"/bin/sh", "-c",
			"export DEBIAN_FRONTEND=noninteractive; "
			"apt-get install -y -q -- \"$@\" || "
			"{ apt-get update -q && "
			"apt-get install -y -q -- \"$@\"; }",
			"sh",
		};
		for (size_t i = 0; i < n; i++)
			argv[4 + i] = a[i];
		r = run_argv(c, &w, argv, "PKG");
		break;
	}
	case CELL_TPL_RDR: {
		char spec[128];
		snprintf(spec, sizeof(spec), "%s %s %s", a[0], a[1], a[2]);
		struct cell_rdr rd;
		if ((r = cell_rdr_parse(spec, &rd, c->err)) < 0) {
			r = at(c, &w, r, "RDR");
			break;
		}
		if (!c->ji.bridge[0]) {
			r = fail(c, &w, -EINVAL, "RDR needs a vnet jail on a "
				 "bridge (cell create -B); '%s' is not",
				 c->jail);
			break;
		}
		if (c->dry)
			break;
		r = cell_mgr_rdr(c->m, c->jail, "add", spec, false, NULL,
				 c->err);
		if (r < 0)
			r = at(c, &w, r, "RDR");
		break;
	}
	case CELL_TPL_LIMITS:
		if (!cell_mgr_limits_res_ok(a[0])) {
			w.col = l->w[0].col;
			r = fail(c, &w, -EINVAL, "LIMITS: unknown resource "
				 "'%s'", a[0]);
			break;
		}
		if (c->dry)
			break;
		r = cell_mgr_limits(c->m, c->jail, "add", a[0], a[1], NULL,
				    c->err);
		if (r < 0)
			r = at(c, &w, r, "LIMITS");
		break;
	case CELL_TPL_CONFIG: {
		const char *param, *value;
		char *eq = NULL;
		if (n == 3) {
			param = a[1];
			value = a[2];
		} else if (n == 2) {
			param = a[0];
			value = a[1];
		} else {
			eq = strchr(a[0], '=');
			if (!eq) {
				r = fail(c, &w, -EINVAL, "CONFIG: no value");
				break;
			}
			*eq = '\0';
			param = a[0];
			value = eq + 1;
		}
		r = c->dry ? cell_mgr_conf_check(c->m, c->jail, param, value,
						 c->err)
			   : cell_mgr_conf_set(c->m, c->jail, param, value,
					       c->err);
		if (r < 0)
			r = at(c, &w, r, "CONFIG");
		break;
	}
	case CELL_TPL_RENDER: {
		if (c->dry)
			break;
		bool um;
		char jd[PATH_MAX];
		int root = cell_mgr_open_root(c->m, c->jail, &um, jd, c->err);
		if (root < 0) {
			r = at(c, &w, root, "RENDER");
			break;
		}
		for (size_t i = 0; i < n && r == 0; i++) {
			w.col = l->w[i].col;
			r = render(c, &w, root, a[i], v);
		}
		close(root);
		if (um)
			c->m->st->jail_umount(jd, NULL);
		break;
	}
	case CELL_TPL_INCLUDE: {
		if (depth + 1 >= CELL_TPL_INCLUDE_DEPTH) {
			r = fail(c, &w, -ELOOP, "INCLUDE nested deeper than "
				 "%d", CELL_TPL_INCLUDE_DEPTH);
			break;
		}
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof(sub), "%s%s%s",
			     a[0][0] == '/' ? "" : dir,
			     a[0][0] == '/' ? "" : "/", a[0]) >=
		    (int)sizeof(sub)) {
			r = fail(c, &w, -ENAMETOOLONG, "INCLUDE: path too "
				 "long");
			break;
		}
		/* the included template sees this one's variables and the
		 * NAME=VALUE of the line */
		struct cell_tpl_vars iv = { 0 };
		for (size_t i = 0; i < v->n && r == 0; i++)
			r = cell_tpl_var_set(&iv, v->name[i], v->value[i]);
		for (size_t i = 1; i < n && r == 0; i++) {
			char *e = strchr(a[i], '=');
			*e = '\0';
			r = cell_tpl_var_set(&iv, a[i], e + 1);
			*e = '=';
		}
		if (r < 0)
			r = cell_error_set(c->err, -ENOMEM, "out of memory");
		else
			r = apply_dir(c, sub, &iv, depth + 1, &w);
		cell_tpl_vars_free(&iv);
		break;
	}
	case CELL_TPL_RESTART:
		if (!c->dry) {
			r = cell_mgr_stop(c->m, c->jail, c->err);
			if (r == 0 || r == -EALREADY) {
				cell_error_clear(c->err);
				r = cell_mgr_start(c->m, c->jail, c->err);
			}
			if (r < 0)
				r = at(c, &w, r, "RESTART");
		}
		c->running = true;
		break;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(a[i]);
	(void)dname;
	return r;
}

/* In a capability-mode child holding only the template file (fds[0],
 * read): read it, parse it, send the parse (cell_tpl_encode). */
static int parse_child(struct cell_sbx *s, const int *fds, void *arg)
{
	const char *file = arg;
	_cleanup_free_ char *text = malloc(CELL_TPL_MAX_BYTES + 1);
	if (!text)
		return cell_sbx_error(s, -ENOMEM, "out of memory");
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fds[0], text + len, CELL_TPL_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cell_sbx_error(s, -errno, "%.200s: %s", file,
					      strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CELL_TPL_MAX_BYTES)
			break;
	}
	struct cell_error err;
	cell_error_clear(&err);
	struct cell_tpl *t = NULL;
	int r = cell_tpl_parse(text, len, file, &t, &err);
	if (r < 0)
		return cell_sbx_error(s, r, "%s", err.msg);
	_cleanup_free_ char *buf = NULL;
	size_t blen = 0;
	r = cell_tpl_encode(t, &buf, &blen);
	cell_tpl_free(t);
	if (r < 0)
		return cell_sbx_error(s, r, "out of memory");
	return cell_sbx_result(s, buf, blen);
}

/* The answer of a sandboxed parse can be much larger than the text (one
 * 12-byte header per 2-byte word at worst). */
#define TPL_ANSWER_MAX (16 * CELL_TPL_MAX_BYTES)

/* Parse the open template file fd (named file) in capability mode. */
static int parse_sandboxed(struct tctx *c, int fd, const char *file,
			   struct cell_tpl **t)
{
	cap_rights_t rights;
	cap_rights_init(&rights, CAP_READ, CAP_FSTAT);
	_cleanup_free_ char *res = NULL;
	size_t len = 0;
	int r = cell_sbx_run(c->m, "template parser", &fd, &rights, 1,
			     parse_child, (void *)file, TPL_ANSWER_MAX, &res,
			     &len, c->err);
	if (r < 0) {
		cell_error_context(c->err, NULL, "template", NULL);
		return r;
	}
	return cell_tpl_decode(res, len, file, t, c->err);
}

static int apply_dir(struct tctx *c, const char *dir,
		     const struct cell_tpl_vars *given, int depth,
		     const struct where *from)
{
	char file[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r = -ENOENT;
	static const char *const names[] = { "Cellfile", "Bastillefile" };
	for (size_t i = 0; i < ARRAY_SIZE(names) && r == -ENOENT; i++) {
		if (snprintf(file, sizeof(file), "%s/%s", dir, names[i]) >=
		    (int)sizeof(file))
			return cell_error_set(c->err, -ENAMETOOLONG,
					      "%s: path too long", dir);
		/* O_NONBLOCK: a FIFO must not hang the open */
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
			  O_NONBLOCK);
		struct stat st;
		if (fd < 0)
			r = -errno;
		else if (fstat(fd, &st) < 0)
			r = -errno;
		else if (!S_ISREG(st.st_mode))
			r = -EINVAL;
		else if (st.st_size > CELL_TPL_MAX_BYTES)
			r = -EFBIG;
		else
			r = 0;
	}
	if (r < 0) {
		char msg[PATH_MAX + 64];
		snprintf(msg, sizeof(msg), "%s: %s", dir,
			 r == -ENOENT ? "no Cellfile or Bastillefile"
			 : r == -EINVAL ? "the template is not a regular file"
					: strerror(-r));
		if (from)
			return fail(c, from, r, "INCLUDE: %s", msg);
		return cell_error_set(c->err, r, "%s", msg);
	}
	struct cell_tpl *t = NULL;
	r = parse_sandboxed(c, fd, file, &t);
	if (r < 0)
		return r;
	struct cell_tpl_vars v = { 0 };
	for (size_t i = 0; i < t->n && r == 0; i++)
		r = apply_line(c, dir, t, &t->lines[i], given, &v, depth);
	cell_tpl_vars_free(&v);
	cell_tpl_free(t);
	return r;
}

int cell_mgr_template(struct cell_mgr *m, const char *name, const char *dir,
		      char *const *args, size_t nargs, struct cell_error *err)
{
	struct tctx c = { .m = m, .jail = name, .err = err };
	int r = cell_mgr_jail_info(m, name, &c.ji, err);
	if (r < 0)
		return r;
	struct cell_tpl_vars given = { 0 };
	for (size_t i = 0; i < nargs && r == 0; i++) {
		const char *eq = strchr(args[i], '=');
		if (!eq || !cell_tpl_name_ok(args[i], (size_t)(eq - args[i]))) {
			r = cell_error_set(err, -EINVAL, "--arg %s: NAME=VALUE "
					   "expected", args[i]);
			break;
		}
		char nm[65];
		snprintf(nm, sizeof(nm), "%.*s", (int)(eq - args[i]), args[i]);
		if (cell_tpl_var_set(&given, nm, eq + 1) < 0)
			r = cell_error_set(err, -ENOMEM, "out of memory");
	}
	if (r == 0)
		r = cell_mgr_lock(m, err);
	if (r < 0) {
		cell_tpl_vars_free(&given);
		return r;
	}
	/* everything checked first, then done */
	c.dry = true;
	c.running = c.ji.running;
	r = apply_dir(&c, dir, &given, 0, NULL);
	if (r == 0) {
		c.dry = false;
		c.running = c.ji.running;
		r = apply_dir(&c, dir, &given, 0, NULL);
	}
	cell_tpl_vars_free(&given);
	return cell_mgr_unlock_ret(m, r);
}
