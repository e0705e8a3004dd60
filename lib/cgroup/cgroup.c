/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroup layout detection, create/open/destroy, attach, kill, freeze. */
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

#define CG_REL_MAX 200
#define CG_DEPTH_MAX 16

static const struct {
	const char *v1;
	const char *v2;     /* name in cgroup.controllers, or NULL */
	unsigned bit;
} ctl_names[] = {
	{ "pids", "pids", CG_PIDS },
	{ "memory", "memory", CG_MEMORY },
	{ "cpu", "cpu", CG_CPU },
	{ "cpuacct", "cpu", CG_CPUACCT },
	{ "blkio", "io", CG_BLKIO },
	{ "freezer", NULL, CG_FREEZER },
	{ "devices", NULL, CG_DEVICES },
	{ "cpuset", NULL, CG_CPUSET },
};

/* v2 controllers cell enables for its cgroups, in subtree_control order */
static const char *const v2_wanted[] = { "cpu", "io", "memory", "pids" };

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool fs_is(const char *path, long magic)
{
	struct statfs s;
	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

/* --- small file helpers --------------------------------------------------- */

static int write_fd_all(int fd, const char *val)
{
	size_t len = strlen(val);
	for (;;) {
		ssize_t w = write(fd, val, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		/* cgroupfs takes one write whole or fails it */
		return (size_t)w == len ? 0 : -EIO;
	}
}

static int write_opt(const char *path, const char *val, bool trunc)
{
	int flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (trunc ? O_TRUNC : 0);
	_cleanup_close_ int fd = open(path, flags);
	if (fd < 0)
		return -errno;
	return write_fd_all(fd, val);
}

int cg_write(const char *path, const char *val)
{
	return write_opt(path, val, false);
}

int cg_write_trunc(const char *path, const char *val)
{
	return write_opt(path, val, true);
}

static int cg_write_h(const struct cell_cgroup_host *h, const char *path,
		      const char *val)
{
	/* a fake tree holds regular files: replace, do not overlay */
	return write_opt(path, val, h->fake);
}

int cg_read(const char *path, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	int r = cell_read_file(path, CG_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	*out = buf;
	return 0;
}

int cg_path(const struct cell_cgroup *cg, size_t i, const char *file,
	    char *buf, size_t len)
{
	if (!cg->dir[i])
		return -ENOENT;
	int n = file ? snprintf(buf, len, "%s/%s", cg->dir[i], file)
		     : snprintf(buf, len, "%s", cg->dir[i]);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* " name" as a word in a space-separated list (a '+' prefix is ignored) */
static bool word_in(const char *list, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == '\n' || *p == '+')
			p++;
		size_t wl = strcspn(p, " \n");
		if (wl == nl && !strncmp(p, name, nl))
			return true;
		p += wl;
	}
	return false;
}

bool cg_v2_has(const struct cell_cgroup *cg, const char *ctl)
{
	int u = cg->host->unified;
	char p[PATH_MAX];
	if (u < 0 || cg_path(cg, (size_t)u, "cgroup.controllers", p,
			     sizeof(p)) < 0)
		return false;
	_cleanup_free_ char *buf = NULL;
	if (cg_read(p, &buf) < 0)
		return false;
	return word_in(buf, ctl);
}

static char *join(const char *a, const char *b);
static int destroy_known(struct cell_cgroup *cg, struct cell_error *err);

void cg_refresh(struct cell_cgroup *cg)
{
	for (size_t i = 0; i < cg->host->n; i++) {
		if (cg->dir[i])
			continue;
		char *p = join(cg->host->hier[i].mnt, cg->rel);
		struct stat st;
		if (p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			cg->dir[i] = p;
		else
			free(p);
	}
}

int cg_find(const struct cell_cgroup *cg, unsigned ctl)
{
	const struct cell_cgroup_host *h = cg->host;
	if (h->mode == CELL_CGROUP_V2) {
		for (size_t k = 0; k < ARRAY_SIZE(ctl_names); k++)
			if (ctl_names[k].bit == ctl && ctl_names[k].v2 &&
			    cg_v2_has(cg, ctl_names[k].v2))
				return h->unified;
		return -1;
	}
	for (size_t i = 0; i < h->n; i++)
		if ((h->hier[i].ctl & ctl) && cg->dir[i])
			return (int)i;
	return -1;
}

/* --- layout detection ----------------------------------------------------- */

static unsigned v1_bits(const char *opts)
{
	unsigned bits = 0;
	_cleanup_free_ char *copy = strdup(opts);
	if (!copy)
		return 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		for (size_t k = 0; k < ARRAY_SIZE(ctl_names); k++)
			if (!strcmp(t, ctl_names[k].v1))
				bits |= ctl_names[k].bit;
	return bits;
}

static int host_add(struct cell_cgroup_host *h, const char *mnt,
		    unsigned ctl)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->hier[i].mnt, mnt) ||
		    (ctl & ~CG_UNIFIED && h->hier[i].ctl == ctl))
			return 0;   /* same mount (or a bind of it) twice */
	if (h->n == CG_MAX_HIER)
		return 0;
	char *m = strdup(mnt);
	if (!m)
		return -ENOMEM;
	h->hier[h->n].mnt = m;
	h->hier[h->n].ctl = ctl;
	h->n++;
	return 0;
}

/* cgroup mounts directly below root, from /proc/self/mountinfo */
static int scan_mountinfo(struct cell_cgroup_host *h)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char line[4096];
	size_t rl = strlen(h->root);
	unsigned lines = 0;
	while (fgets(line, sizeof(line), f) && ++lines < 100000) {
		if (!strchr(line, '\n') && !feof(f)) {
			/* longer than any mount cell uses: skip it whole */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		/* id parent maj:min root mnt opts [optional...] - fs src sopts */
		char *fields[16];
		size_t nf = 0;
		char *save = NULL;
		for (char *t = strtok_r(line, " \n", &save); t && nf < 16;
		     t = strtok_r(NULL, " \n", &save))
			fields[nf++] = t;
		size_t dash = 0;
		for (size_t k = 6; k < nf; k++)
			if (!strcmp(fields[k], "-")) {
				dash = k;
				break;
			}
		if (!dash || dash + 3 >= nf)
			continue;
		const char *fstype = fields[dash + 1];
		char *mnt = fields[4];
		cell_octal_unescape(mnt);
		if (strncmp(mnt, h->root, rl) || mnt[rl] != '/' ||
		    strchr(mnt + rl + 1, '/'))
			continue;
		int r = 0;
		if (!strcmp(fstype, "cgroup2")) {
			if (fs_is(mnt, CGROUP2_SUPER_MAGIC))
				r = host_add(h, mnt, CG_UNIFIED);
		} else if (!strcmp(fstype, "cgroup")) {
			unsigned bits = v1_bits(fields[dash + 3]);
			if (bits && fs_is(mnt, CGROUP_SUPER_MAGIC))
				r = host_add(h, mnt, bits);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* fallback without /proc: subdirectories of root with cgroup magic */
static int scan_subdirs(struct cell_cgroup_host *h)
{
	_cleanup_closedir_ DIR *d = opendir(h->root);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[PATH_MAX];
		int n = snprintf(p, sizeof(p), "%s/%s", h->root, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(p))
			continue;
		struct stat st;
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;  /* cpu -> cpu,cpuacct links */
		int r = 0;
		if (fs_is(p, CGROUP2_SUPER_MAGIC))
			r = host_add(h, p, CG_UNIFIED);
		else if (fs_is(p, CGROUP_SUPER_MAGIC) && v1_bits(de->d_name))
			r = host_add(h, p, v1_bits(de->d_name));
		if (r < 0)
			return r;
	}
	return 0;
}

int cell_cgroup_host_open_mode(const char *root, enum cell_cgroup_mode mode,
			       struct cell_cgroup_host **out,
			       struct cell_error *err)
{
	if (!root)
		root = "/sys/fs/cgroup";
	if (root[0] != '/')
		return cell_error_set(err, -EINVAL,
				      "cgroup root %s is not absolute", root);
	if (mode == CELL_CGROUP_V2 || mode == CELL_CGROUP_HYBRID)
		return cell_error_set(err, -EINVAL,
				      "cgroup mode %d cannot be forced", mode);
	struct cell_cgroup_host *h = calloc(1, sizeof(*h));
	if (!h)
		return cell_error_set(err, -ENOMEM, "out of memory");
	h->unified = -1;
	if (cell_strlcpy(h->root, root, sizeof(h->root)) < 0) {
		free(h);
		return cell_error_set(err, -ENAMETOOLONG, "%s: too long",
				      root);
	}
	size_t rl = strlen(h->root);
	while (rl > 1 && h->root[rl - 1] == '/')
		h->root[--rl] = '\0';

	struct stat st;
	int sr = stat(h->root, &st) < 0 ? -errno :
		 !S_ISDIR(st.st_mode) ? -ENOTDIR : 0;
	if (sr < 0) {
		int r = sr;
		free(h);
		return cell_error_errno(err, r, "cgroup root %s", root);
	}
	int r = 0;
	if (mode == CELL_CGROUP_FAKE_V2 || fs_is(h->root, CGROUP2_SUPER_MAGIC)) {
		h->fake = mode == CELL_CGROUP_FAKE_V2;
		r = host_add(h, h->root, CG_UNIFIED);
	} else {
		r = scan_mountinfo(h);
		if (r < 0 && r != -ENOMEM && h->n == 0)
			r = scan_subdirs(h);
	}
	if (r < 0) {
		cell_cgroup_host_free(h);
		return cell_error_errno(err, r, "detecting cgroups under %s",
					root);
	}
	/* the v2 hierarchy goes last; force V1 drops it */
	for (size_t i = 0; i < h->n; i++) {
		if (h->hier[i].ctl != CG_UNIFIED)
			continue;
		struct cg_hier u = h->hier[i];
		memmove(&h->hier[i], &h->hier[i + 1],
			(h->n - i - 1) * sizeof(h->hier[0]));
		if (mode == CELL_CGROUP_V1 && h->n > 1) {
			free(u.mnt);
			h->n--;
		} else {
			h->hier[h->n - 1] = u;
			h->unified = (int)h->n - 1;
		}
		break;
	}
	if (h->n == 0) {
		cell_cgroup_host_free(h);
		return cell_error_set(err, -ENOENT,
				      "no cgroup hierarchy under %s", root);
	}
	if (h->unified >= 0 && !strcmp(h->hier[h->unified].mnt, h->root))
		h->mode = CELL_CGROUP_V2;
	else
		h->mode = h->unified >= 0 ? CELL_CGROUP_HYBRID : CELL_CGROUP_V1;
	*out = h;
	return 0;
}

/* A copy of h, or NULL (out of memory). */
static struct cell_cgroup_host *host_dup(const struct cell_cgroup_host *h)
{
	struct cell_cgroup_host *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *h;
	for (size_t i = 0; i < h->n; i++) {
		c->hier[i].mnt = strdup(h->hier[i].mnt);
		if (!c->hier[i].mnt) {
			c->n = i;
			cell_cgroup_host_free(c);
			return NULL;
		}
	}
	return c;
}

int cell_cgroup_host_open(const char *root, struct cell_cgroup_host **out,
			  struct cell_error *err)
{
	/* The host's own layout is looked at once per process: a command
	 * that creates and then removes a jail (jail -c ... command=) asked
	 * twice, and each look reads the whole mount table and statfs()es
	 * every hierarchy. cell's commands are short-lived; a layout that
	 * changes under one of them fails its cgroup calls as it would
	 * have anyway. */
	static struct cell_cgroup_host *seen;
	if (root)
		return cell_cgroup_host_open_mode(root, CELL_CGROUP_DETECT, out,
						  err);
	if (!seen) {
		int r = cell_cgroup_host_open_mode(NULL, CELL_CGROUP_DETECT,
						   &seen, err);
		if (r < 0)
			return r;
	}
	*out = host_dup(seen);
	return *out ? 0 : cell_error_set(err, -ENOMEM, "out of memory");
}

void cell_cgroup_host_free(struct cell_cgroup_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->hier[i].mnt);
	free(h);
}

enum cell_cgroup_mode cell_cgroup_host_mode(const struct cell_cgroup_host *h)
{
	return h->mode;
}

/* --- handles -------------------------------------------------------------- */

static bool valid_relpath(const char *rel)
{
	if (!rel || !*rel || strlen(rel) > CG_REL_MAX || rel[0] == '/')
		return false;
	int depth = 0;
	for (const char *p = rel; *p;) {
		size_t l = strcspn(p, "/");
		if (l == 0 || (l == 1 && p[0] == '.') ||
		    (l == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t k = 0; k < l; k++)
			if (!isalnum((unsigned char)p[k]) &&
			    !strchr("_.@:+-", p[k]))
				return false;
		if (++depth > CG_DEPTH_MAX)
			return false;
		p += l;
		if (*p == '/' && !*++p)
			return false;   /* trailing slash */
	}
	return true;
}

static struct cell_cgroup *cg_new(struct cell_cgroup_host *h, const char *rel)
{
	struct cell_cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return NULL;
	cg->host = h;
	cg->unified_fd = -1;
	cg->dev_prog_fd = -1;
	snprintf(cg->rel, sizeof(cg->rel), "%s", rel);
	return cg;
}

void cell_cgroup_free(struct cell_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < CG_MAX_HIER; i++) {
		free(cg->dir[i]);
		free(cg->made[i]);
	}
	if (cg->unified_fd >= 0)
		close(cg->unified_fd);
	if (cg->dev_prog_fd >= 0)
		close(cg->dev_prog_fd);
	free(cg);
}

static int open_unified(struct cell_cgroup *cg, struct cell_error *err)
{
	int u = cg->host->unified;
	if (u < 0 || !cg->dir[u])
		return 0;
	cg->unified_fd = open(cg->dir[u], O_PATH | O_DIRECTORY | O_CLOEXEC |
			      O_NOFOLLOW);
	if (cg->unified_fd < 0)
		return cell_error_errno(err, -errno, "opening %s", cg->dir[u]);
	return 0;
}

static char *join(const char *a, const char *b)
{
	char *s = NULL;
	if (asprintf(&s, "%s/%s", a, b) < 0)
		return NULL;
	if (strlen(s) >= PATH_MAX) {
		free(s);
		return NULL;
	}
	return s;
}

int cell_cgroup_open(struct cell_cgroup_host *h, const char *relpath,
		     struct cell_cgroup **out, struct cell_error *err)
{
	if (!valid_relpath(relpath))
		return cell_error_set(err, -EINVAL, "bad cgroup path \"%s\"",
				      relpath ? relpath : "(null)");
	struct cell_cgroup *cg = cg_new(h, relpath);
	if (!cg)
		return cell_error_set(err, -ENOMEM, "out of memory");
	size_t present = 0;
	for (size_t i = 0; i < h->n; i++) {
		_cleanup_free_ char *p = join(h->hier[i].mnt, relpath);
		if (!p) {
			cell_cgroup_free(cg);
			return cell_error_set(err, -ENOMEM, "out of memory");
		}
		struct stat st;
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		cg->dir[i] = TAKE_PTR(p);
		present++;
	}
	if (!present) {
		cell_cgroup_free(cg);
		return cell_error_set(err, -ENOENT, "no cgroup %s under %s",
				      relpath, h->root);
	}
	int r = open_unified(cg, err);
	if (r < 0) {
		cell_cgroup_free(cg);
		return r;
	}
	*out = cg;
	return 0;
}

/* fake tree: the files the kernel would create in a new v2 cgroup */
static int fake_populate(const char *parent, const char *dir)
{
	_cleanup_free_ char *pp = join(parent, "cgroup.subtree_control");
	_cleanup_free_ char *enabled = NULL;
	if (!pp)
		return -ENOMEM;
	if (cg_read(pp, &enabled) < 0) {
		enabled = strdup("");
		if (!enabled)
			return -ENOMEM;
	}
	char ctl[128] = "";
	for (size_t k = 0; k < ARRAY_SIZE(v2_wanted); k++)
		if (word_in(enabled, v2_wanted[k])) {
			if (ctl[0])
				strcat(ctl, " ");
			strcat(ctl, v2_wanted[k]);
		}
	struct { const char *name, *val, *needs; } files[] = {
		{ "cgroup.controllers", ctl, NULL },
		{ "cgroup.subtree_control", "", NULL },
		{ "cgroup.procs", "", NULL },
		{ "cgroup.freeze", "0\n", NULL },
		{ "cgroup.kill", "", NULL },
		{ "cgroup.events", "populated 0\nfrozen 0\n", NULL },
		{ "memory.max", "max\n", "memory" },
		{ "memory.current", "0\n", "memory" },
		{ "pids.max", "max\n", "pids" },
		{ "pids.current", "0\n", "pids" },
		{ "cpu.max", "max 100000\n", "cpu" },
		{ "cpu.weight", "100\n", "cpu" },
		{ "cpu.stat", "usage_usec 0\n", "cpu" },
		{ "io.max", "", "io" },
	};
	for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
		if (files[k].needs && !word_in(ctl, files[k].needs))
			continue;
		_cleanup_free_ char *p = join(dir, files[k].name);
		if (!p)
			return -ENOMEM;
		_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_EXCL |
					      O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return -errno;
		int r = write_fd_all(fd, files[k].val);
		if (r < 0)
			return r;
	}
	return 0;
}

/* v2: enable what cell uses (and the parent offers) in dir's subtree */
static int v2_enable(const struct cell_cgroup_host *h, const char *dir,
		     struct cell_error *err)
{
	_cleanup_free_ char *cp = join(dir, "cgroup.controllers");
	_cleanup_free_ char *sp = join(dir, "cgroup.subtree_control");
	if (!cp || !sp)
		return cell_error_set(err, -ENOMEM, "out of memory");
	_cleanup_free_ char *avail = NULL, *on = NULL;
	int r = cg_read(cp, &avail);
	if (r < 0)
		return cell_error_errno(err, r, "reading %s", cp);
	r = cg_read(sp, &on);
	if (r < 0)
		return cell_error_errno(err, r, "reading %s", sp);
	char add[128] = "";
	for (size_t k = 0; k < ARRAY_SIZE(v2_wanted); k++)
		if (word_in(avail, v2_wanted[k]) && !word_in(on, v2_wanted[k])) {
			if (add[0] || (h->fake && on[0]))
				strcat(add, " ");
			strcat(add, "+");
			strcat(add, v2_wanted[k]);
		}
	if (!add[0])
		return 0;
	if (h->fake) {
		/* keep what was there: a regular file is replaced whole */
		_cleanup_free_ char *all = NULL;
		if (asprintf(&all, "%s%s", on, add) < 0)
			return cell_error_set(err, -ENOMEM, "out of memory");
		r = cg_write_h(h, sp, all);
		if (r < 0)
			return cell_error_errno(err, r, "writing %s", sp);
		return 0;
	}
	if (cg_write(sp, add) == 0)
		return 0;
	/* One by one, and what the kernel refuses stays off: EBUSY when dir
	 * holds processes (v2's no-internal-process rule, e.g. a nested
	 * jail below a running one), EINVAL for cpu with realtime tasks. A
	 * limit on such a controller then fails with -EOPNOTSUPP. */
	for (size_t k = 0; k < ARRAY_SIZE(v2_wanted); k++) {
		char one[32];
		snprintf(one, sizeof(one), "+%s", v2_wanted[k]);
		if (strstr(add, one))
			(void)cg_write(sp, one);
	}
	return 0;
}

/* v1 cpuset: a new cgroup has empty cpus/mems and takes no task */
static int cpuset_copy(const char *parent, const char *dir,
		       struct cell_error *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
		_cleanup_free_ char *pp = join(parent, files[k]);
		_cleanup_free_ char *dp = join(dir, files[k]);
		_cleanup_free_ char *val = NULL, *cur = NULL;
		if (!pp || !dp)
			return cell_error_set(err, -ENOMEM, "out of memory");
		int r = cg_read(dp, &cur);
		if (r == 0 && cur[0])
			continue;
		r = cg_read(pp, &val);
		if (r < 0)
			return cell_error_errno(err, r, "reading %s", pp);
		r = cg_write(dp, val[0] ? val : "\n");
		if (r < 0)
			return cell_error_errno(err, r, "writing %s", dp);
	}
	return 0;
}

/* Append the next component of *rel (up to its '/') to the path cur;
 * *rel moves past it. */
static int append_component(char *cur, size_t size, const char **rel,
			    struct cell_error *err)
{
	const char *p = *rel;
	size_t l = strcspn(p, "/");
	size_t cl = strlen(cur);
	if (cl + 1 + l >= size)
		return cell_error_set(err, -ENAMETOOLONG, "%s: too long", cur);
	cur[cl] = '/';
	memcpy(cur + cl + 1, p, l);
	cur[cl + 1 + l] = '\0';
	*rel = p + l + (p[l] == '/');
	return 0;
}

/*
 * A directory cell made in the unified hierarchy of a hybrid host carries
 * trusted.cell.made (only root sets or reads trusted.*): the removal of a
 * jail prunes the empty ancestors that carry it, and no other's
 * (cell_cgroup_prune_parents). Best effort: unmarked, a directory stays.
 */
#define CG_MADE_XATTR "trusted.cell.made"

static void mark_made(const struct cell_cgroup_host *h, const char *dir)
{
	if (h->mode == CELL_CGROUP_HYBRID && !h->fake)
		setxattr(dir, CG_MADE_XATTR, "1", 1, 0);
}

static bool marked_made(const char *dir)
{
	char v[2];
	return getxattr(dir, CG_MADE_XATTR, v, sizeof(v)) == 1 && v[0] == '1';
}

/* mkdir: 1 made, 0 a directory was there already, or -errno */
static int mkdir_dir(const char *path, struct cell_error *err)
{
	if (mkdir(path, 0755) == 0)
		return 1;
	if (errno != EEXIST)
		return cell_error_errno(err, -errno, "mkdir %s", path);
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return cell_error_set(err, -ENOTDIR, "%s is not a directory",
				      path);
	return 0;
}

int cell_cgroup_create_flags(struct cell_cgroup_host *h, const char *relpath,
			     unsigned flags, struct cell_cgroup **out,
			     struct cell_error *err)
{
	if (!valid_relpath(relpath))
		return cell_error_set(err, -EINVAL, "bad cgroup path \"%s\"",
				      relpath ? relpath : "(null)");
	/* the v1 directories come with the first limit that needs them */
	bool lazy = (flags & CELL_CGROUP_LAZY) && h->mode == CELL_CGROUP_HYBRID;
	/* a name clash is found before anything is made (lazy: the unified
	 * directory's mkdir finds it; a v1 one is made, or found, with the
	 * first limit) */
	if (!(flags & CELL_CGROUP_REUSE) && !lazy)
		for (size_t i = 0; i < h->n; i++) {
			_cleanup_free_ char *p = join(h->hier[i].mnt, relpath);
			struct stat st;
			if (!p)
				return cell_error_set(err, -ENOMEM, "oom");
			if (lstat(p, &st) == 0)
				return cell_error_set(err, -EEXIST,
						      "cgroup %s exists", p);
		}
	struct cell_cgroup *cg = cg_new(h, relpath);
	if (!cg)
		return cell_error_set(err, -ENOMEM, "out of memory");
	int r = 0;
	for (size_t i = 0; i < h->n && r == 0; i++) {
		const struct cg_hier *hi = &h->hier[i];
		if (lazy && (int)i != h->unified)
			continue;
		char cur[PATH_MAX];
		snprintf(cur, sizeof(cur), "%s", hi->mnt);
		for (const char *p = relpath; *p && r == 0;) {
			bool leaf = p[strcspn(p, "/")] == '\0';
			bool top = p == relpath;
			if (hi->ctl == CG_UNIFIED) {
				r = v2_enable(h, cur, err);
				if (r < 0)
					break;
			}
			char parent[PATH_MAX];
			snprintf(parent, sizeof(parent), "%s", cur);
			r = append_component(cur, sizeof(cur), &p, err);
			if (r < 0)
				break;
			r = mkdir_dir(cur, err);
			if (r <= 0) {
				if (r == 0 && leaf && !(flags & CELL_CGROUP_REUSE))
					r = cell_error_set(err, -EEXIST,
							   "cgroup %s exists",
							   cur);
				continue;
			}
			r = 0;
			/* only cell_cgroup_prune_parents reads the mark, and
			 * only between the top and the leaf (the top goes
			 * with cell_cgroup_prune_top, the leaf with destroy) */
			if (hi->ctl == CG_UNIFIED && !leaf && !top)
				mark_made(h, cur);
			if (!cg->made[i] && !(cg->made[i] = strdup(cur))) {
				rmdir(cur);
				r = cell_error_set(err, -ENOMEM, "oom");
				break;
			}
			if (h->fake) {
				r = fake_populate(parent, cur);
				if (r < 0)
					r = cell_error_errno(err, r,
							     "populating %s",
							     cur);
			} else if (hi->ctl & CG_CPUSET) {
				r = cpuset_copy(parent, cur, err);
			}
		}
		if (r == 0 && !(cg->dir[i] = strdup(cur)))
			r = cell_error_set(err, -ENOMEM, "out of memory");
		if (r < 0 && cg->made[i] && !cg->dir[i])
			cg->dir[i] = strdup(cur);   /* for the undo below */
	}
	if (r == 0)
		r = open_unified(cg, err);
	/* REUSE: v1 directories already there (without it, the clash
	 * check above found none) */
	if (r == 0 && lazy && (flags & CELL_CGROUP_REUSE))
		cg_refresh(cg);
	if (r < 0) {
		/* undo: only what this call made */
		for (size_t i = 0; i < h->n; i++)
			if (!cg->made[i]) {
				free(cg->dir[i]);
				cg->dir[i] = NULL;
			}
		destroy_known(cg, NULL);
		cell_cgroup_free(cg);
		return r;
	}
	*out = cg;
	return 0;
}

int cell_cgroup_create(struct cell_cgroup_host *h, const char *relpath,
		       struct cell_cgroup **out, struct cell_error *err)
{
	return cell_cgroup_create_flags(h, relpath, 0, out, err);
}

int cell_cgroup_unified_fd(const struct cell_cgroup *cg)
{
	return cg->unified_fd;
}

const char *cell_cgroup_unified_path(const struct cell_cgroup *cg)
{
	int u = cg->host->unified;
	return u >= 0 ? cg->dir[u] : NULL;
}

/* --- processes ------------------------------------------------------------ */

static int attach(struct cell_cgroup *cg, pid_t pid, bool unified,
		  struct cell_error *err)
{
	if (pid <= 0)
		return cell_error_set(err, -EINVAL, "bad pid %d", (int)pid);
	/* a v1 directory another handle made lazily meanwhile holds a limit
	 * this process must not escape */
	cg_refresh(cg);
	char buf[32], p[PATH_MAX];
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	for (size_t i = 0; i < cg->host->n; i++) {
		if (!unified && (int)i == cg->host->unified)
			continue;
		if (cg_path(cg, i, "cgroup.procs", p, sizeof(p)) < 0)
			continue;
		int r = cg_write_h(cg->host, p, buf);
		if (r < 0)
			return cell_error_errno(err, r, "writing pid %d to %s",
						(int)pid, p);
	}
	return 0;
}

int cell_cgroup_attach(struct cell_cgroup *cg, pid_t pid,
		       struct cell_error *err)
{
	return attach(cg, pid, true, err);
}

int cell_cgroup_attach_v1(struct cell_cgroup *cg, pid_t pid,
			  struct cell_error *err)
{
	return attach(cg, pid, false, err);
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

struct pidvec {
	pid_t *v;
	size_t n, cap;
};

static int pv_push(struct pidvec *pv, pid_t pid)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 16;
		pid_t *nv = cap > (1u << 20) ? NULL :
			realloc(pv->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		pv->v = nv;
		pv->cap = cap;
	}
	pv->v[pv->n++] = pid;
	return 0;
}

/* append the pids in the cgroup.procs file at p */
static int procs_read(const char *p, struct pidvec *pv, struct cell_error *err)
{
	_cleanup_free_ char *buf = NULL;
	int r = cell_read_file(p, CG_PROCS_MAX, &buf, NULL);
	if (r == -ENOENT)
		return 0;   /* removed meanwhile */
	if (r < 0)
		return cell_error_errno(err, r, "reading %s", p);
	for (char *s = buf; *s;) {
		char *end;
		errno = 0;
		long x = strtol(s, &end, 10);
		if (end == s || errno || x <= 0 || x > INT_MAX ||
		    (*end && *end != '\n'))
			return cell_error_set(err, -EBADMSG, "%s: bad pid list",
					      p);
		if (pv_push(pv, (pid_t)x) < 0)
			return cell_error_set(err, -ENOMEM, "%s: too many pids",
					      p);
		s = end;
		while (*s == '\n')
			s++;
	}
	return 0;
}

/* dir's processes, and with depth >= 0 its descendants' too */
static int procs_gather(const char *dir, int depth, struct pidvec *pv,
			struct cell_error *err)
{
	char p[PATH_MAX];
	int n = snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if (n < 0 || (size_t)n >= sizeof(p))
		return cell_error_set(err, -ENAMETOOLONG, "%s: too long", dir);
	int r = procs_read(p, pv, err);
	if (r < 0 || depth < 0)
		return r;
	if (depth > CG_DEPTH_MAX + 4)
		return cell_error_set(err, -ELOOP, "%s: too deep", dir);
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : cell_error_errno(err, -errno,
							      "opening %s", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		n = snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(p))
			continue;
		r = procs_gather(p, depth + 1, pv, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* the union over the hierarchies, sorted, without repeats */
static int pids_collect(struct cell_cgroup *cg, bool tree, pid_t **pids,
			size_t *n, struct cell_error *err)
{
	struct pidvec pv = { 0 };
	*pids = NULL;
	*n = 0;
	for (size_t i = 0; i < cg->host->n; i++) {
		if (!cg->dir[i])
			continue;
		int r = procs_gather(cg->dir[i], tree ? 0 : -1, &pv, err);
		if (r < 0) {
			free(pv.v);
			return r;
		}
	}
	if (pv.n) {
		qsort(pv.v, pv.n, sizeof(*pv.v), pid_cmp);
		size_t o = 1;
		for (size_t k = 1; k < pv.n; k++)
			if (pv.v[k] != pv.v[o - 1])
				pv.v[o++] = pv.v[k];
		pv.n = o;
	}
	*pids = pv.v;
	*n = pv.n;
	return 0;
}

int cell_cgroup_pids(struct cell_cgroup *cg, pid_t **pids, size_t *n,
		     struct cell_error *err)
{
	return pids_collect(cg, false, pids, n, err);
}

bool cell_cgroup_has_v1(const struct cell_cgroup *cg)
{
	for (size_t i = 0; i < cg->host->n; i++)
		if ((int)i != cg->host->unified && cg->dir[i])
			return true;
	return false;
}

bool cell_cgroup_is_empty(struct cell_cgroup *cg)
{
	_cleanup_free_ pid_t *p = NULL;
	size_t n = 0;
	if (cell_cgroup_pids(cg, &p, &n, NULL) < 0)
		return true;
	return n == 0;
}

bool cell_cgroup_tree_busy(struct cell_cgroup *cg)
{
	_cleanup_free_ pid_t *p = NULL;
	size_t n = 0;
	/* unreadable counts as busy: the caller would kill what it holds */
	if (pids_collect(cg, true, &p, &n, NULL) < 0)
		return true;
	return n != 0;
}

static bool has_file(const struct cell_cgroup *cg, int i, const char *file)
{
	char p[PATH_MAX];
	return i >= 0 && cg_path(cg, (size_t)i, file, p, sizeof(p)) == 0 &&
	       access(p, F_OK) == 0;
}

/* poll file until its word after key (or its whole content) is want */
static int wait_for(const char *path, const char *key, const char *want,
		    long ms)
{
	for (long waited = 0;; waited += 2) {
		_cleanup_free_ char *buf = NULL;
		int r = cg_read(path, &buf);
		if (r < 0)
			return r;
		if (!key) {
			if (!strcmp(buf, want))
				return 0;
		} else {
			for (char *l = buf; l && *l;) {
				char *nl = strchr(l, '\n');
				if (nl)
					*nl = '\0';
				size_t kl = strlen(key);
				if (!strncmp(l, key, kl) && l[kl] == ' ' &&
				    !strcmp(l + kl + 1, want))
					return 0;
				l = nl ? nl + 1 : NULL;
			}
		}
		if (waited >= ms)
			return -ETIMEDOUT;
		sleep_ms(2);
	}
}

int cell_cgroup_freeze(struct cell_cgroup *cg, bool frozen,
		       struct cell_error *err)
{
	char p[PATH_MAX];
	int u = cg->host->unified;
	if (has_file(cg, u, "cgroup.freeze")) {
		cg_path(cg, (size_t)u, "cgroup.freeze", p, sizeof(p));
		int r = cg_write_h(cg->host, p, frozen ? "1\n" : "0\n");
		if (r < 0)
			return cell_error_errno(err, r, "writing %s", p);
		cg_path(cg, (size_t)u, "cgroup.events", p, sizeof(p));
		r = wait_for(p, "frozen", frozen ? "1" : "0", 2000);
		if (r < 0)
			return cell_error_errno(err, r, "waiting on %s", p);
		return 0;
	}
	int f = cg_find(cg, CG_FREEZER);
	if (f < 0)
		return cell_error_set(err, -EOPNOTSUPP,
				      "cgroup %s: no freezer", cg->rel);
	cg_path(cg, (size_t)f, "freezer.state", p, sizeof(p));
	const char *want = frozen ? "FROZEN" : "THAWED";
	int r = cg_write_h(cg->host, p, want);
	if (r < 0)
		return cell_error_errno(err, r, "writing %s", p);
	r = wait_for(p, NULL, want, 2000);
	if (r < 0)
		return cell_error_errno(err, r, "waiting on %s", p);
	return 0;
}

/*
 * Nothing to kill: the cgroup is in the unified hierarchy alone (no v1
 * directory holds a process of it) and cgroup.events says no process is
 * in it or below. The common end of a jail: its init has exited.
 */
static bool unified_only_unpopulated(const struct cell_cgroup *cg)
{
	int u = cg->host->unified;
	if (u < 0 || cg->host->fake || !cg->dir[u])
		return false;
	for (size_t i = 0; i < cg->host->n; i++)
		if ((int)i != u && cg->dir[i])
			return false;
	char p[PATH_MAX];
	_cleanup_free_ char *ev = NULL;
	if (cg_path(cg, (size_t)u, "cgroup.events", p, sizeof(p)) < 0 ||
	    cg_read(p, &ev) < 0)
		return false;
	for (const char *l = ev; l; l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (!strncmp(l, "populated ", 10))
			return l[10] == '0' && (l[11] == '\n' || !l[11]);
	return false;
}

int cell_cgroup_kill(struct cell_cgroup *cg, struct cell_error *err)
{
	char p[PATH_MAX];
	int u = cg->host->unified;
	bool via_kill = false;
	if (unified_only_unpopulated(cg))
		return 0;
	if (has_file(cg, u, "cgroup.kill")) {
		cg_path(cg, (size_t)u, "cgroup.kill", p, sizeof(p));
		int r = cg_write_h(cg->host, p, "1");
		if (r < 0)
			return cell_error_errno(err, r, "writing %s", p);
		via_kill = true;
	}
	if (!via_kill && cg->host->fake)
		return cell_error_set(err, -EOPNOTSUPP,
				      "fake cgroup %s has no cgroup.kill",
				      cg->rel);
	int fr = cg_find(cg, CG_FREEZER);
	char fz[PATH_MAX] = "";
	if (fr >= 0)
		cg_path(cg, (size_t)fr, "freezer.state", fz, sizeof(fz));
	/* about 5 s: a fork racing us lands in the cgroup and is caught
	 * in a later round; frozen tasks cannot fork meanwhile */
	for (int round = 0; round < 2500; round++) {
		bool froze = false;
		if (!via_kill && fz[0] && round % 10 == 0)
			froze = cg_write(fz, "FROZEN") == 0;
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r = pids_collect(cg, true, &pids, &n, err);
		if (r < 0) {
			if (froze)
				cg_write(fz, "THAWED");
			return r;
		}
		/* after 200 ms of cgroup.kill, a straggler is in a v1
		 * hierarchy only (a partial attach): signal it directly */
		if (via_kill && round == 100 && n && !cg->host->fake)
			via_kill = false;
		if (!via_kill)
			for (size_t k = 0; k < n; k++)
				kill(pids[k], SIGKILL);
		if (froze)
			cg_write(fz, "THAWED");
		if (n == 0)
			return 0;
		sleep_ms(2);
	}
	return cell_error_set(err, -EBUSY, "cgroup %s does not empty",
			      cg->rel);
}

/* --- lazy v1 directories (hybrid) --------------------------------------- */

static const char *ctl_name(const struct cell_cgroup_host *h, unsigned bit)
{
	bool v2 = h->mode == CELL_CGROUP_V2;
	for (size_t k = 0; k < ARRAY_SIZE(ctl_names); k++)
		if (ctl_names[k].bit == bit)
			return v2 && ctl_names[k].v2 ? ctl_names[k].v2 :
			       ctl_names[k].v1;
	return "?";
}

/* the v1 hierarchy carrying ctl, whether cg has a directory there or not
 * (cpu,cpuacct on one mount: that mount for both, as cg_find) */
static int v1_hier_of(const struct cell_cgroup_host *h, unsigned ctl)
{
	for (size_t i = 0; i < h->n; i++)
		if ((int)i != h->unified && (h->hier[i].ctl & ctl))
			return (int)i;
	return -1;
}

/* "cgroup REL, v1 hierarchy MNT: STEP: what went wrong" */
static int v1_fail(struct cell_error *err, int r, const struct cell_cgroup *cg,
		   size_t i, const char *step)
{
	if (!err)
		return r;
	char inner[CELL_ERR_MSG_MAX];
	snprintf(inner, sizeof(inner), "%s", err->code ? err->msg : "");
	return cell_error_set(err, r, "cgroup %s, v1 hierarchy %s: %s: %s",
			      cg->rel, cg->host->hier[i].mnt, step,
			      inner[0] ? inner : strerror(-r));
}

/* rmdir path, then its parents up to and including top, while empty */
static void rmdir_up(const char *path, const char *top)
{
	char p[PATH_MAX];
	size_t tl = strlen(top);
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p) ||
	    strncmp(p, top, tl))
		return;
	for (;;) {
		if (rmdir(p) < 0 && errno != ENOENT)
			return;
		char *slash = strrchr(p, '/');
		if (strlen(p) <= tl || !slash || (size_t)(slash - p) < tl)
			return;
		*slash = '\0';
	}
}

/* mkdir relpath and its missing parents in v1 hierarchy i; *top is the
 * topmost directory made (NULL when all were there). On failure what was
 * made is removed again. */
static int v1_mkdirs(const struct cell_cgroup *cg, size_t i, char **top,
		     struct cell_error *err)
{
	const struct cg_hier *hi = &cg->host->hier[i];
	char cur[PATH_MAX];
	int r = 0;
	*top = NULL;
	snprintf(cur, sizeof(cur), "%s", hi->mnt);
	for (const char *p = cg->rel; *p;) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", cur);
		r = append_component(cur, sizeof(cur), &p, err);
		if (r < 0)
			break;
		r = mkdir_dir(cur, err);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		r = 0;
		if (!*top && !(*top = strdup(cur))) {
			rmdir(cur);
			r = cell_error_set(err, -ENOMEM, "out of memory");
			break;
		}
		/* v1 cpuset: a new cgroup has empty cpus/mems, takes no task */
		if (hi->ctl & CG_CPUSET) {
			r = cpuset_copy(parent, cur, err);
			if (r < 0)
				break;
		}
	}
	if (r < 0 && *top) {
		rmdir_up(cur, *top);
		free(*top);
		*top = NULL;
	}
	return r;
}

static bool pv_has(const struct pidvec *pv, pid_t pid)
{
	for (size_t k = 0; k < pv->n; k++)
		if (pv->v[k] == pid)
			return true;
	return false;
}

/* pv sorted with pid_cmp: a jail may hold thousands */
static bool pv_has_sorted(const struct pidvec *pv, pid_t pid)
{
	return pv->n && bsearch(&pid, pv->v, pv->n, sizeof(*pv->v), pid_cmp);
}

/* cgroup.freeze of the unified directory says 1: someone froze it */
static bool unified_frozen(const struct cell_cgroup *cg)
{
	char p[PATH_MAX];
	_cleanup_free_ char *v = NULL;
	return cg_path(cg, (size_t)cg->host->unified, "cgroup.freeze", p,
		       sizeof(p)) == 0 && cg_read(p, &v) == 0 &&
	       !strcmp(v, "1");
}

/*
 * Move every process of the unified cgroup's tree that is not in v1
 * hierarchy i's directory (or below it: a nested cgroup's own) into that
 * directory. The tree is frozen meanwhile, so nothing forks past the move;
 * not when the caller is in it (it would freeze itself for good) or the
 * kernel has no cgroup.freeze: then the move repeats until nothing is left
 * out.
 */
/* Whether pid is (still) in cg's unified cgroup or below it, or gone: a
 * process listed after the unified list was taken (a fork) or that has
 * exited since is not someone else's. */
static bool in_unified_of(const struct cell_cgroup *cg, pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	_cleanup_free_ char *txt = NULL;
	if (cell_read_file(p, 64 * 1024, &txt, NULL) < 0)
		return true;   /* gone */
	for (char *l = txt; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : l) {
		if (strncmp(l, "0::/", 4))
			continue;
		size_t rl = strlen(cg->rel);
		return !strncmp(l + 4, cg->rel, rl) &&
		       (l[4 + rl] == '\n' || l[4 + rl] == '/' || !l[4 + rl]);
	}
	return false;
}

static int v1_adopt(struct cell_cgroup *cg, size_t i, struct cell_error *err)
{
	int u = cg->host->unified;
	char procs[PATH_MAX];
	int r = cg_path(cg, i, "cgroup.procs", procs, sizeof(procs));
	if (r < 0)
		return v1_fail(err, r, cg, i, "cgroup.procs");
	struct pidvec gone = { 0 };   /* ESRCH: exited meanwhile */
	bool froze = false;
	pid_t self = getpid();
	for (int round = 0;; round++) {
		struct pidvec in_u = { 0 }, in_v1 = { 0 };
		r = procs_gather(cg->dir[u], 0, &in_u, err);
		if (r == 0)
			r = procs_gather(cg->dir[i], 0, &in_v1, err);
		if (r < 0) {
			free(in_u.v);
			free(in_v1.v);
			r = v1_fail(err, r, cg, i, "listing the processes");
			break;
		}
		if (in_v1.n)
			qsort(in_v1.v, in_v1.n, sizeof(*in_v1.v), pid_cmp);
		/* a v1 directory of this path found already (the clash check
		 * is the unified mkdir's since lazy creation): a process in
		 * it that is not the jail's is someone else's, which the limit
		 * would bind and the removal kill */
		size_t foreign = 0;
		for (size_t k = 0; round == 0 && k < in_v1.n; k++)
			if (!pv_has(&in_u, in_v1.v[k]) &&
			    !in_unified_of(cg, in_v1.v[k]))
				foreign++;
		if (foreign) {
			free(in_u.v);
			free(in_v1.v);
			r = cell_error_set(err, -EBUSY, "cgroup %s, v1 hierarchy"
					   " %s: the directory holds %zu "
					   "process(es) not of this cgroup",
					   cg->rel, cg->host->hier[i].mnt,
					   foreign);
			break;
		}
		size_t miss = 0;
		bool self_in = false;
		for (size_t k = 0; k < in_u.n; k++) {
			pid_t pid = in_u.v[k];
			self_in |= pid == self;
			if (!pv_has_sorted(&in_v1, pid) && !pv_has(&gone, pid))
				in_u.v[miss++] = pid;
		}
		free(in_v1.v);
		if (miss == 0) {
			free(in_u.v);
			break;
		}
		if (round == 0 && !self_in &&
		    has_file(cg, u, "cgroup.freeze") && !unified_frozen(cg)) {
			free(in_u.v);
			froze = true;   /* a failed freeze is thawed too */
			r = cell_cgroup_freeze(cg, true, err);
			if (r < 0) {
				r = v1_fail(err, r, cg, i, "freezing");
				break;
			}
			continue;   /* the list again, now that it holds */
		}
		if (round > 10) {
			free(in_u.v);
			r = cell_error_set(err, -EBUSY, "cgroup %s, v1 "
					   "hierarchy %s: moving the processes:"
					   " they keep forking", cg->rel,
					   cg->host->hier[i].mnt);
			break;
		}
		char buf[32];
		for (size_t k = 0; k < miss && r == 0; k++) {
			snprintf(buf, sizeof(buf), "%d\n", (int)in_u.v[k]);
			r = cg_write(procs, buf);
			if (r == -ESRCH)
				r = pv_push(&gone, in_u.v[k]);
			else if (r < 0)
				r = cell_error_errno(err, r, "writing pid %d "
						     "to %s", (int)in_u.v[k],
						     procs);
		}
		free(in_u.v);
		if (r < 0) {
			r = v1_fail(err, r, cg, i, "moving the processes");
			break;
		}
	}
	free(gone.v);
	if (froze) {
		struct cell_error e2 = { 0 };
		int t = cell_cgroup_freeze(cg, false, &e2);
		if (t < 0 && r == 0) {
			if (err)
				*err = e2;
			r = v1_fail(err, t, cg, i, "thawing after the move");
		}
	}
	return r;
}

int cg_ctl_dir(struct cell_cgroup *cg, unsigned ctl, bool make,
	       struct cell_error *err)
{
	struct cell_cgroup_host *h = cg->host;
	if (h->mode != CELL_CGROUP_HYBRID) {
		int i = cg_find(cg, ctl);
		if (i < 0)
			return cell_error_set(err, -EOPNOTSUPP,
					      "cgroup %s: no %s controller",
					      cg->rel, ctl_name(h, ctl));
		return i;
	}
	int i = v1_hier_of(h, ctl);
	if (i < 0)
		return cell_error_set(err, -EOPNOTSUPP,
				      "cgroup %s: no %s controller", cg->rel,
				      ctl_name(h, ctl));
	if (!cg->dir[i])
		cg_refresh(cg);
	int u = h->unified;
	if (!make || (cg->v1_ready & (1u << i)) || !cg->dir[u]) {
		if (cg->dir[i])
			return i;
		/* no unified directory (made on the host forced to V1):
		 * nothing to move from, as before lazy creation */
		if (make)
			return cell_error_set(err, -EOPNOTSUPP,
					      "cgroup %s: no %s directory",
					      cg->rel, ctl_name(h, ctl));
		return cell_error_set(err, -ENODATA, "cgroup %s: no %s "
				      "directory (no limit set, not "
				      "accounted)", cg->rel, ctl_name(h, ctl));
	}
	cell_error_clear(err);   /* v1_fail appends to what comes below */
	char *top = NULL;
	if (!cg->dir[i]) {
		int r = v1_mkdirs(cg, (size_t)i, &top, err);
		if (r < 0)
			return v1_fail(err, r, cg, (size_t)i,
				       "making the directory");
		cg->dir[i] = join(h->hier[i].mnt, cg->rel);
		if (!cg->dir[i]) {
			if (top)
				rmdir_up(top, top);   /* all of it is empty */
			free(top);
			return cell_error_set(err, -ENOMEM, "out of memory");
		}
	}
	int r = v1_adopt(cg, (size_t)i, err);
	if (r < 0) {
		if (top) {
			/* empty unless some processes moved: then it stays,
			 * known to this handle, and destroy takes it */
			rmdir_up(cg->dir[i], top);
			struct stat st;
			if (lstat(cg->dir[i], &st) < 0 && errno == ENOENT) {
				free(cg->dir[i]);
				cg->dir[i] = NULL;
				free(top);
			} else if (!cg->made[i]) {
				cg->made[i] = top;
			} else {
				free(top);
			}
		}
		return r;
	}
	if (top && !cg->made[i])
		cg->made[i] = top;
	else
		free(top);
	cg->v1_ready |= 1u << i;
	return i;
}

/* --- removal -------------------------------------------------------------- */

/* EBUSY: v1 keeps a cgroup busy a moment after its last task exits. *budget
 * counts the 5 ms waits left for one whole destroy (about 1 s). */
static int rmdir_retry(int dfd, const char *name, int *budget)
{
	for (;;) {
		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		if (*budget <= 0)
			return -EBUSY;
		--*budget;
		sleep_ms(5);
	}
}

/* remove everything below the open directory dfd, depth first; a fake tree
 * also holds regular files, a real cgroupfs only directories */
static int empty_tree(int dfd, bool fake, int depth, int *budget)
{
	if (depth > CG_DEPTH_MAX + 4)
		return -ELOOP;
	int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return -errno;
	}
	rewinddir(d);   /* the offset is shared with dfd's other users */
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		unsigned char t = de->d_type;
		if (t == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dfd, de->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			t = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		}
		int r = 0;
		if (t == DT_DIR) {
			_cleanup_close_ int sub = openat(dfd, de->d_name,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = errno == ENOENT ? 0 : -errno;
			} else {
				r = empty_tree(sub, fake, depth + 1, budget);
				if (r == 0)
					r = rmdir_retry(dfd, de->d_name,
							budget);
			}
		} else if (fake) {
			if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
				r = -errno;
		}
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

static int remove_dir(const char *path, bool fake, int *budget)
{
	/* a cgroup without subgroups goes at once: the walk only when
	 * rmdir says there is something below (a fake tree has files) */
	if (!fake && (rmdir(path) == 0 || errno == ENOENT))
		return 0;
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY |
				       O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	int r = empty_tree(dfd, fake, 0, budget);
	if (r < 0)
		return r;
	return rmdir_retry(AT_FDCWD, path, budget);
}

/* the directories cg knows of (create's undo: only what it made) */
static int destroy_known(struct cell_cgroup *cg, struct cell_error *err)
{
	int ret = 0, budget = 200;
	bool fake = cg->host->fake;
	for (size_t i = 0; i < cg->host->n; i++) {
		if (!cg->dir[i])
			continue;
		int r = remove_dir(cg->dir[i], fake, &budget);
		if (r < 0) {
			if (ret == 0)
				ret = cell_error_errno(err, r, "removing %s",
						       cg->dir[i]);
			continue;
		}
		/* then the parents this handle made, while empty */
		if (!cg->made[i] || !strcmp(cg->made[i], cg->dir[i]))
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s", cg->dir[i]);
		size_t ml = strlen(cg->made[i]);
		for (;;) {
			char *slash = strrchr(p, '/');
			if (!slash || (size_t)(slash - p) < ml)
				break;
			*slash = '\0';
			if (fake) {
				_cleanup_close_ int dfd = open(p, O_RDONLY |
					O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				/* only interface files, no subgroups */
				_cleanup_closedir_ DIR *d = NULL;
				bool subdir = false;
				int dd = dfd < 0 ? -1 :
					fcntl(dfd, F_DUPFD_CLOEXEC, 3);
				if (dd >= 0 && (d = fdopendir(dd))) {
					struct dirent *de;
					while ((de = readdir(d)))
						if (de->d_type == DT_DIR &&
						    de->d_name[0] != '.')
							subdir = true;
				} else if (dd >= 0) {
					close(dd);
				}
				if (subdir || dfd < 0)
					break;
				int none = 0;
				empty_tree(dfd, true, 0, &none);
			}
			if (rmdir(p) < 0)
				break;   /* in use by someone else: keep it */
		}
	}
	return ret;
}

int cell_cgroup_destroy(struct cell_cgroup *cg, struct cell_error *err)
{
	/* v1 directories made lazily through another handle go too */
	cg_refresh(cg);
	return destroy_known(cg, err);
}

const char *cell_cgroup_relpath(const struct cell_cgroup *cg)
{
	return cg->rel;
}

void cell_cgroup_prune_parents(struct cell_cgroup_host *h,
			       const char *relpath)
{
	if (h->mode != CELL_CGROUP_HYBRID || h->unified < 0 || h->fake ||
	    !valid_relpath(relpath))
		return;
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s/%s", h->hier[h->unified].mnt,
		     relpath) >= (int)sizeof(p))
		return;
	size_t floor = strlen(h->hier[h->unified].mnt) + 1 +
		       strcspn(relpath, "/");
	for (;;) {
		char *slash = strrchr(p, '/');
		if (!slash || (size_t)(slash - p) <= floor)
			return;
		*slash = '\0';
		/* a directory someone else made (a slice, another manager's
		 * tree) stays, and so does everything above it; EBUSY /
		 * ENOTEMPTY: in use, and so is everything above */
		if (!marked_made(p) || rmdir(p) < 0)
			return;
	}
}

void cell_cgroup_prune_top(struct cell_cgroup *cg, const char *name)
{
	struct cell_cgroup_host *h = cg->host;
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..") || h->fake)
		return;
	size_t nl = strlen(name);
	if (strncmp(cg->rel, name, nl) || cg->rel[nl] != '/')
		return;
	for (size_t i = 0; i < h->n; i++) {
		char p[PATH_MAX];
		if (!cg->dir[i] ||
		    snprintf(p, sizeof(p), "%s/%s", h->hier[i].mnt, name) >=
			    (int)sizeof(p))
			continue;
		/* EBUSY / ENOTEMPTY while jails remain: fine */
		rmdir(p);
	}
}
