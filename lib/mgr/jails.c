/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Jails of the manager: create, start, stop, cmd, destroy, snapshot,
 * rollback, clone, cp/rcp, list, and TARGET resolution.
 *
 * A jail is DATA/jails/NAME/jail.conf (an ordinary jail.conf block) plus
 * what its storage backend made in that directory. Start and stop go
 * through lib/conf's jail(8) orchestration on that file, so the manager's
 * jails are created exactly as `jail -f DATA/jails/NAME/jail.conf -c NAME`
 * creates them, and `jls` and `jexec` see them.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cleanup.h"
#include "conf/jail8.h"
#include "conf/jailconf.h"
#include "lifecycle.h"
#include "mgr/internal.h"
#include "mgr/mgr.h"
#include "mgr/sandbox.h"
#include "param.h"
#include "util.h"

bool cell_mgr_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CELL_MGR_NAME_MAX || name[0] == '-')
		return false;
	for (const char *c = name; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '_' && *c != '-')
			return false;
	return strcmp(name, "ALL") != 0;
}

static int jail_dir(struct cell_mgr *m, const char *name, char *buf,
		    struct cell_error *err)
{
	if (!cell_mgr_name_ok(name))
		return cell_error_set(err, -EINVAL, "invalid jail name '%s' "
				      "(letters, digits, '_', '-')", name);
	if (snprintf(buf, PATH_MAX, "%s/jails/%s", m->data, name) >= PATH_MAX)
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	return 0;
}

void cell_mgr_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cell_mgr_list_dir(struct cell_mgr *m, const char *sub, char ***names,
		      size_t *n, struct cell_error *err)
{
	char p[PATH_MAX];
	*names = NULL;
	*n = 0;
	if (snprintf(p, sizeof(p), "%s/%s", m->data, sub) >= (int)sizeof(p))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	_cleanup_closedir_ DIR *d = opendir(p);
	if (!d)
		return errno == ENOENT ? 0 : cell_error_errno(err, -errno,
							      "open %s", p);
	char **v = NULL;
	size_t cnt = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue; /* ., .., .NAME.partial */
		/* a jail without its jail.conf is half made (or half
		 * destroyed): not listed, swept by the next locked call */
		if (!strcmp(sub, "jails") &&
		    faccessat(dirfd(d), e->d_name, F_OK, 0) == 0) {
			char cf[NAME_MAX + 16];
			snprintf(cf, sizeof(cf), "%s/jail.conf", e->d_name);
			if (faccessat(dirfd(d), cf, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
		}
		char **nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv || !(nv[cnt] = strdup(e->d_name))) {
			cell_mgr_names_free(nv ? nv : v, cnt);
			return cell_error_set(err, -ENOMEM, "out of memory");
		}
		v = nv;
		cnt++;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}

struct frozen {
	struct cell_cgroup_host *h;
	struct cell_cgroup *cg;
};

static void freeze(const char *name, struct frozen *f)
{
	memset(f, 0, sizeof(*f));
	struct cell_record rec;
	if (cell_state_find(name, &rec, NULL) < 0)
		return;
	if (cell_running(&rec) && rec.cgroup[0] &&
	    cell_cgroup_host_open(NULL, &f->h, NULL) == 0 &&
	    cell_cgroup_open(f->h, rec.cgroup, &f->cg, NULL) == 0 &&
	    cell_cgroup_freeze(f->cg, true, NULL) < 0) {
		cell_cgroup_free(f->cg);
		f->cg = NULL;
	}
	cell_record_free(&rec);
}

static void thaw(struct frozen *f)
{
	if (f->cg) {
		cell_cgroup_freeze(f->cg, false, NULL);
		cell_cgroup_free(f->cg);
	}
	if (f->h)
		cell_cgroup_host_free(f->h);
}

static void sweep_snapshots(struct cell_mgr *m);

void cell_mgr_sweep(struct cell_mgr *m)
{
	char p[PATH_MAX];
	if (!m->ready || !m->st ||
	    snprintf(p, sizeof(p), "%s/jails", m->data) >= (int)sizeof(p))
		return;
	sweep_snapshots(m);
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !cell_mgr_name_ok(e->d_name))
			continue;
		/* a snapshot killed while the jail was frozen: thaw it */
		char mk[NAME_MAX + 16];
		snprintf(mk, sizeof(mk), "%s/.frozen", e->d_name);
		if (faccessat(dirfd(d), mk, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			struct frozen f = { 0 };
			freeze(e->d_name, &f);  /* opens the cgroup ... */
			thaw(&f);               /* ... and thaws it */
			unlinkat(dirfd(d), mk, 0);
		}
		char cf[NAME_MAX + 16], dir[PATH_MAX];
		snprintf(cf, sizeof(cf), "%s/jail.conf", e->d_name);
		if (faccessat(dirfd(d), cf, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		    errno != ENOENT ||
		    snprintf(dir, sizeof(dir), "%s/%s", p, e->d_name) >=
			    (int)sizeof(dir))
			continue;
		/* never the root of a jail that runs (its jail.conf removed
		 * by hand): only what no process uses */
		struct cell_record rec;
		if (cell_state_find(e->d_name, &rec, NULL) == 0) {
			bool running = cell_running(&rec);
			cell_record_free(&rec);
			if (running)
				continue;
		}
		m->st->jail_umount(dir, NULL);
		m->st->jail_remove(dir, NULL);
		cell_tree_remove(dir, NULL);
	}
	if (snprintf(p, sizeof(p), "%s/releases", m->data) >= (int)sizeof(p))
		return;
	_cleanup_closedir_ DIR *r = opendir(p);
	while (r && (e = readdir(r))) {
		size_t n = strlen(e->d_name);
		char dir[PATH_MAX];
		if (e->d_name[0] != '.' || n < 10 ||
		    strcmp(e->d_name + n - 8, ".partial") ||
		    snprintf(dir, sizeof(dir), "%s/%s", p, e->d_name) >=
			    (int)sizeof(dir))
			continue;
		m->st->tree_remove(dir, NULL);
	}
}

/* snapshots/NAME/.TAG.partial: a snapshot killed half-way */
static void sweep_snapshots(struct cell_mgr *m)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s/snapshots", m->data) >= (int)sizeof(p))
		return;
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof(sub), "%s/%s", p, e->d_name) >=
		    (int)sizeof(sub))
			continue;
		_cleanup_closedir_ DIR *s = opendir(sub);
		struct dirent *t;
		while (s && (t = readdir(s))) {
			size_t n = strlen(t->d_name);
			char dir[PATH_MAX * 2];
			if (t->d_name[0] != '.' || n < 10 ||
			    strcmp(t->d_name + n - 8, ".partial"))
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", sub, t->d_name);
			m->st->tree_remove(dir, NULL);
		}
	}
}

/* --- jail.conf -------------------------------------------------------------- */

static const char *meta(const struct cell_jail *j, const char *key)
{
	for (size_t i = 0; i < j->meta_n; i++)
		if (!strcmp(j->meta[i].key, key))
			return j->meta[i].value;
	return NULL;
}

/* Read jails/NAME/jail.conf into j through lib/conf and cell_param_set. */
static int load_jail(struct cell_mgr *m, const char *name, struct cell_jail *j,
		     struct cell_error *err)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	int r = jail_dir(m, name, dir, err);
	if (r < 0)
		return r;
	snprintf(file, sizeof(file), "%s/jail.conf", dir);
	struct stat st;
	if (stat(dir, &st) < 0)
		return cell_error_set(err, -ENOENT, "no jail named '%s'", name);
	struct cell_conf *conf = NULL;
	r = cell_conf_parse_file(file, &conf, err);
	if (r < 0)
		return r;
	const struct cell_conf_jail *cj = cell_conf_find(conf, name);
	if (!cj) {
		cell_conf_free(conf);
		return cell_error_set(err, -ENOENT, "%s: no block for jail "
				      "'%s'", file, name);
	}
	cell_jail_init(j);
	r = cell_conf_apply(cj, j, err);
	cell_conf_free(conf);
	if (r < 0)
		cell_jail_free(j);
	return r;
}

int cell_mgr_jail_info(struct cell_mgr *m, const char *name,
		       struct cell_mgr_jail *out, struct cell_error *err)
{
	struct cell_jail j;
	memset(out, 0, sizeof(*out));
	int r = load_jail(m, name, &j, err);
	if (r < 0)
		return r;
	snprintf(out->name, sizeof(out->name), "%s", name);
	const char *v;
	snprintf(out->release, sizeof(out->release), "%s",
		 (v = meta(&j, "cell.release")) ? v : "");
	snprintf(out->tags, sizeof(out->tags), "%s",
		 (v = meta(&j, "cell.tags")) ? v : "");
	snprintf(out->depend, sizeof(out->depend), "%s",
		 (v = meta(&j, "cell.depend")) ? v : "");
	snprintf(out->vnet_if, sizeof(out->vnet_if), "%s",
		 (v = meta(&j, "cell.vnet_if")) ? v : "");
	out->thick = (v = meta(&j, "cell.type")) && !strcmp(v, "thick");
	out->boot = !(v = meta(&j, "cell.boot")) || strcmp(v, "0");
	out->priority = (v = meta(&j, "cell.priority")) ? atoi(v) : 99;
	snprintf(out->path, sizeof(out->path), "%s", j.path);
	if (j.vnet) {
		snprintf(out->bridge, sizeof(out->bridge), "%s", j.vnet_bridge);
		out->nat = j.vnet_nat;
	}
	if (j.ip4_addr_n)
		cell_param_format(&j, cell_param_lookup("ip4.addr"), out->ip4,
				  sizeof(out->ip4));
	cell_jail_free(&j);

	struct cell_record rec;
	if (cell_state_find(name, &rec, NULL) == 0) {
		out->running = cell_running(&rec);
		out->jid = out->running ? rec.jail.jid : 0;
		cell_record_free(&rec);
	}
	return 0;
}

struct conf_args {
	const char *name, *release, *ip4, *tags, *bridge, *depend, *vnet_if;
	bool nat;
	bool thick, boot;
	int priority;
	bool rc;   /* the release has /etc/rc: exec.start runs it */
	bool pending; /* write .jail.conf.new: publish_conf() makes it the
			 jail.conf once the storage is made */
	const char *extra; /* lines kept from the jail's old jail.conf */
};

/*
 * The lines of a jail.conf text that set what write_conf does not write
 * (a template's CONFIG, cell rdr's vnet.rdr), to carry them into the new
 * jail.conf of a renamed (keep_rdr) or cloned jail. *out malloc'd.
 */
static int conf_extra(const char *old, bool keep_rdr, char **out)
{
	static const char *const managed[] = {
		"path", "host.hostname", "ip4.addr", "mount.fstab", "vnet",
		"vnet.bridge", "vnet.nat", "persist", "exec.start",
	};
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	if (!f)
		return -ENOMEM;
	for (const char *l = old; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l + 1) : strlen(l);
		if (*l == '\t') {
			size_t k = strcspn(l + 1, " \t=;+\n");
			bool keep = strncmp(l + 1, "meta.cell.", 10) != 0;
			for (size_t i = 0; keep && i < ARRAY_SIZE(managed); i++)
				keep = !(strlen(managed[i]) == k &&
					 !strncmp(l + 1, managed[i], k));
			if (!keep_rdr && k == 8 && !strncmp(l + 1, "vnet.rdr", 8))
				keep = false;
			if (keep)
				fwrite(l, 1, n, f);
		}
		l += n;
	}
	return fclose(f) ? -ENOMEM : 0;
}

/* name = "value"; with jail.conf's escapes, so that no value can end the
 * string or expand a variable. -EINVAL for control characters. */
static int put_q(FILE *f, const char *name, const char *v)
{
	fprintf(f, "\t%s = \"", name);
	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			return -EINVAL;
		if (*c == '"' || *c == '\\' || *c == '$')
			fputc('\\', f);
		fputc(*c, f);
	}
	fprintf(f, "\";\n");
	return 0;
}

/* text is a jail.conf with one block for name that the core accepts */
static int conf_check(const char *text, size_t len, const char *file,
		      const char *name, struct cell_error *err)
{
	struct cell_conf *conf = NULL;
	int r = cell_conf_parse_string_flags(text, len, file,
					     CELL_CONF_NOINCLUDE, &conf, err);
	if (r < 0)
		return r;
	const struct cell_conf_jail *cj = cell_conf_find(conf, name);
	struct cell_jail j;
	cell_jail_init(&j);
	r = cj ? cell_conf_apply(cj, &j, err)
	       : cell_error_set(err, -EINVAL, "no block for jail '%s'", name);
	if (r == 0)
		r = cell_jail_validate(&j, err);
	cell_jail_free(&j);
	cell_conf_free(conf);
	return r;
}

/*
 * A jail is registered once DATA/jails/NAME/jail.conf exists: create and
 * clone write it last (pending, then this rename), so a killed command
 * leaves a directory without one, which cell_mgr_sweep() removes.
 */
static int publish_conf(const char *dir, struct cell_error *err)
{
	char from[PATH_MAX + 32], to[PATH_MAX + 32];
	snprintf(from, sizeof(from), "%s/.jail.conf.new", dir);
	snprintf(to, sizeof(to), "%s/jail.conf", dir);
	if (rename(from, to) < 0)
		return cell_error_errno(err, -errno, "rename %s", from);
	return 0;
}


/*
 * The fstab of the jail whose directory was from, for the jail whose
 * directory is to: a mount point under from/root (a template's MOUNT
 * writes them so) is moved under to/root; every other byte is kept.
 * *out is malloc'd. 0 or -errno (the file's text is bounded: 1 MiB).
 */
static int fstab_move(const char *text, const char *from, const char *to,
		      char **out, size_t *outlen, struct cell_error *err)
{
	_cleanup_free_ char *ef = NULL, *et = NULL;
	size_t efl = 0, etl = 0;
	FILE *f = open_memstream(&ef, &efl);
	if (!f)
		return cell_error_errno(err, -errno, "open_memstream");
	cell_fstab_escape(f, from);
	fputs("/root", f);
	if (fclose(f) != 0)
		return cell_error_set(err, -ENOMEM, "out of memory");
	if (!(f = open_memstream(&et, &etl)))
		return cell_error_errno(err, -errno, "open_memstream");
	cell_fstab_escape(f, to);
	fputs("/root", f);
	if (fclose(f) != 0)
		return cell_error_set(err, -ENOMEM, "out of memory");
	if (!(f = open_memstream(out, outlen)))
		return cell_error_errno(err, -errno, "open_memstream");
	for (const char *l = text, *nl; *l; l = nl ? nl + 1 : l + strlen(l)) {
		nl = strchr(l, '\n');
		const char *end = nl ? nl : l + strlen(l);
		/* the second field: after the first one and its blanks */
		const char *b = l + strspn(l, " \t");
		if (b < end && *b != '#') {
			b += strcspn(b, " \t\n");
			b += strspn(b, " \t");
		} else {
			b = end;
		}
		size_t fl = b < end ? strcspn(b, " \t\n") : 0;
		if (fl >= efl && !strncmp(b, ef, efl) &&
		    (fl == efl || b[efl] == '/')) {
			fwrite(l, 1, (size_t)(b - l), f);
			fwrite(et, 1, etl, f);
			fwrite(b + efl, 1, (size_t)(end - b - (ptrdiff_t)efl), f);
		} else {
			fwrite(l, 1, (size_t)(end - l), f);
		}
		if (nl)
			fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

/* Write fromdir's fstab text (NULL: none) into todir, moved (fstab_move). */
static int fstab_carry(const char *text, const char *fromdir,
		       const char *todir, struct cell_error *err)
{
	if (!text)
		return 0;
	_cleanup_free_ char *moved = NULL;
	size_t len = 0;
	int r = fstab_move(text, fromdir, todir, &moved, &len, err);
	if (r < 0)
		return r;
	char fstab[PATH_MAX + 16];
	snprintf(fstab, sizeof(fstab), "%s/fstab", todir);
	return cell_write_atomic(fstab, moved, len, 0644, err);
}

/* The fstab of dir into *text (NULL when it has none). */
static int fstab_read(const char *dir, char **text, struct cell_error *err)
{
	char fstab[PATH_MAX + 16];
	size_t len;
	*text = NULL;
	snprintf(fstab, sizeof(fstab), "%s/fstab", dir);
	int r = cell_read_file(fstab, 1 << 20, text, &len);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? cell_error_errno(err, r, "read %s", fstab) : 0;
}

static int write_conf(struct cell_mgr *m, const char *dir,
		      const struct conf_args *a, struct cell_error *err)
{
	char fstab[PATH_MAX + 16], file[PATH_MAX + 16];
	snprintf(fstab, sizeof(fstab), "%s/fstab", dir);
	snprintf(file, sizeof(file), "%s/%s", dir,
		 a->pending ? ".jail.conf.new" : "jail.conf");
	const char *fs_text = "# DEVICE MOUNTPOINT TYPE OPTIONS DUMP PASS "
			      "(mounted in the jail at start)\n";
	/* the template only where there is none: rename and clone bring
	 * the jail's own (fstab_move), with its MOUNT lines */
	int r = 0;
	if (access(fstab, F_OK) < 0) {
		if (errno != ENOENT)
			return cell_error_errno(err, -errno, "%s", fstab);
		r = cell_write_atomic(fstab, fs_text, strlen(fs_text), 0644,
				      err);
		if (r < 0)
			return r;
	}

	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return cell_error_errno(err, -errno, "open_memstream");
	fprintf(f, "# Made by 'cell create'. 'jail -f THIS_FILE -c %s' "
		   "starts it too.\n%s {\n", a->name, a->name);
	char rootp[PATH_MAX + 8];
	snprintf(rootp, sizeof(rootp), "%s/root", dir);
	bool bad = put_q(f, "path", rootp) < 0;
	bad |= put_q(f, "host.hostname", a->name) < 0;
	if (a->ip4 && *a->ip4)
		bad |= put_q(f, "ip4.addr", a->ip4) < 0;
	bad |= put_q(f, "mount.fstab", fstab) < 0;
	if (a->bridge && *a->bridge) {
		fprintf(f, "\tvnet;\n");
		bad |= put_q(f, "vnet.bridge", a->bridge) < 0;
		if (a->nat)
			fprintf(f, "\tvnet.nat;\n");
	}
	fprintf(f, "\tpersist;\n");
	if (a->rc)
		fprintf(f, "\texec.start = \"/bin/sh /etc/rc\";\n");
	bad |= put_q(f, "meta.cell.release", a->release) < 0;
	fprintf(f, "\tmeta.cell.type = \"%s\";\n", a->thick ? "thick" : "thin");
	fprintf(f, "\tmeta.cell.boot = \"%d\";\n", a->boot);
	fprintf(f, "\tmeta.cell.priority = \"%d\";\n", a->priority);
	if (a->tags && *a->tags)
		bad |= put_q(f, "meta.cell.tags", a->tags) < 0;
	if (a->depend && *a->depend)
		bad |= put_q(f, "meta.cell.depend", a->depend) < 0;
	if (a->vnet_if && *a->vnet_if)
		bad |= put_q(f, "meta.cell.vnet_if", a->vnet_if) < 0;
	if (a->extra)
		fputs(a->extra, f);
	fprintf(f, "}\n");
	if (fclose(f) != 0)
		return cell_error_set(err, -ENOMEM, "out of memory");
	if (bad)
		return cell_error_set(err, -EINVAL, "a control character in a "
				      "value for jail.conf");

	/* the file must be a jail the core accepts, before it is written */
	r = conf_check(text, len, file, a->name, err);
	if (r < 0)
		return r;
	return cell_write_atomic(file, text, len, 0644, err);
}

/* Parameters a template's CONFIG (or cell_mgr_conf_set) may not change:
 * the manager's own facts, and hooks that run on the host. */
static bool conf_param_reserved(const char *p)
{
	static const char *const no[] = {
		"name", "path", "jid", "mount.fstab", "command",
		"exec.prepare", "exec.prestart", "exec.created",
		"exec.poststart", "exec.prestop", "exec.poststop",
		"exec.release", "exec.consolelog",
	};
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (!strcmp(p, no[i]))
			return true;
	return !strncmp(p, "meta.cell.", 10);
}

/* Does line (after its indent) assign param? */
static bool line_sets(const char *line, const char *param)
{
	while (*line == '\t' || *line == ' ')
		line++;
	size_t n = strlen(param);
	if (strncmp(line, param, n))
		return false;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '=' || *line == ';' || !strncmp(line, "+=", 2);
}

static int conf_edit(struct cell_mgr *m, const char *name, const char *param,
		     const char *value, bool write, struct cell_error *err)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	int r = jail_dir(m, name, dir, err);
	if (r < 0)
		return r;
	if (!*param || strpbrk(param, " \t\n\"=;{}#$\\") ||
	    conf_param_reserved(param))
		return cell_error_set(err, -EPERM, "parameter '%s' cannot be "
				      "set here", param);
	snprintf(file, sizeof(file), "%s/jail.conf", dir);
	_cleanup_free_ char *old = NULL;
	size_t oldlen = 0;
	r = cell_read_file(file, 1 << 20, &old, &oldlen);
	if (r < 0)
		return r == -ENOENT ? cell_error_set(err, r, "no jail named "
						     "'%s'", name)
				    : cell_error_errno(err, r, "read %s", file);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return cell_error_errno(err, -errno, "open_memstream");
	/* every line but the param's own, the new value before the '}'
	 * that ends the block (the last line that is just "}") */
	char *end = strrchr(old, '}');
	bool bad = !end;
	for (char *l = old; !bad && l < end;) {
		char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t n = nl ? (size_t)(nl - l + 1) : (size_t)(end - l);
		if (!line_sets(l, param))
			fwrite(l, 1, n, f);
		l += n;
	}
	if (!bad && value)
		bad = put_q(f, param, value) < 0;
	if (!bad)
		fputs(end, f);
	if (fclose(f) != 0)
		return cell_error_set(err, -ENOMEM, "out of memory");
	if (bad)
		return cell_error_set(err, -EINVAL, "%s: cannot set '%s' "
				      "(a control character, or no block)",
				      file, param);
	r = conf_check(text, len, file, name, err);
	if (r < 0 || !write)
		return r;
	return cell_write_atomic(file, text, len, 0644, err);
}

int cell_mgr_conf_set(struct cell_mgr *m, const char *name, const char *param,
		      const char *value, struct cell_error *err)
{
	return conf_edit(m, name, param, value, true, err);
}

int cell_mgr_conf_check(struct cell_mgr *m, const char *name,
			const char *param, const char *value,
			struct cell_error *err)
{
	return conf_edit(m, name, param, value, false, err);
}

/* The value of param in name's jail.conf, as the libjail string form
 * (lists joined with commas); "" when unset. */
int cell_mgr_conf_get(struct cell_mgr *m, const char *name, const char *param,
		      char *buf, size_t len, struct cell_error *err)
{
	const struct cell_param *p = cell_param_lookup(param);
	if (!p)
		return cell_error_set(err, -EINVAL, "unknown parameter '%s'",
				      param);
	struct cell_jail j;
	int r = load_jail(m, name, &j, err);
	if (r < 0)
		return r;
	buf[0] = '\0';
	if (cell_param_is_set(&j, p) && cell_param_format(&j, p, buf, len) < 0)
		r = cell_error_set(err, -E2BIG, "%s: value too long", param);
	cell_jail_free(&j);
	return r;
}

static bool has_tag(const char *tags, const char *tag);

static bool tags_ok(const char *tags)
{
	if (!tags)
		return true;
	char buf[512];
	if (snprintf(buf, sizeof(buf), "%s", tags) >= (int)sizeof(buf))
		return false;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		if (!cell_mgr_name_ok(t))
			return false;
	return true;
}

static int release_path(struct cell_mgr *m, const char *rel, char *buf,
			struct cell_error *err)
{
	if (!*rel || strchr(rel, '/') || rel[0] == '.')
		return cell_error_set(err, -EINVAL, "invalid release '%s'",
				      rel);
	if (snprintf(buf, PATH_MAX, "%s/releases/%s", m->data, rel) >=
	    PATH_MAX)
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	struct stat st;
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
		return cell_error_set(err, -ENOENT, "unknown release '%s' "
				      "(cell bootstrap it first)", rel);
	return 0;
}

static int create_locked(struct cell_mgr *m, const struct cell_mgr_create *c,
		    struct cell_error *err)
{
	char dir[PATH_MAX], rel[PATH_MAX];
	int r = jail_dir(m, c->name, dir, err);
	if (r < 0)
		return r;
	if (!tags_ok(c->tags))
		return cell_error_set(err, -EINVAL, "invalid tags '%s'",
				      c->tags);
	if (!tags_ok(c->depend) || (c->depend && has_tag(c->depend, c->name)))
		return cell_error_set(err, -EINVAL, "invalid depend '%s' "
				      "(jail names; not the jail itself)",
				      c->depend);
	const char *bridge = c->bridge;
	char vbr[IFNAMSIZ];
	if (c->vnet_if && *c->vnet_if) {
		if (bridge && *bridge)
			return cell_error_set(err, -EINVAL, "-V and -B exclude "
					      "each other");
		if ((r = cell_mgr_vnet_if_bridge(c->vnet_if, vbr, sizeof(vbr),
						 err)) < 0)
			return r;
		if (!if_nametoindex(c->vnet_if))
			return cell_error_set(err, -ENODEV, "no host interface "
					      "'%s' (-V)", c->vnet_if);
		bridge = vbr;
	}
	if (c->nat && !(bridge && *bridge))
		return cell_error_set(err, -EINVAL, "--nat needs a bridge (-B "
				      "or -V)");
	if (c->priority < 0 || c->priority > 9999)
		return cell_error_set(err, -EINVAL, "priority out of range");
	r = release_path(m, c->release, rel, err);
	if (r < 0)
		return r;
	struct cell_record rec;
	if (cell_state_find(c->name, &rec, NULL) == 0) {
		/* one that ended is reclaimed by the create of its name */
		bool running = cell_running(&rec);
		cell_record_free(&rec);
		if (running)
			return cell_error_set(err, -EEXIST, "a jail named '%s' "
					      "is running outside the manager",
					      c->name);
	}
	/* the directory is the name's reservation */
	if (mkdir(dir, 0700) < 0)
		return errno == EEXIST
			       ? cell_error_set(err, -EEXIST, "jail '%s' "
						"exists", c->name)
			       : cell_error_errno(err, -errno, "mkdir %s", dir);
	char rc[PATH_MAX + 16];
	snprintf(rc, sizeof(rc), "%s/etc/rc", rel);
	/* plain directories: every jail is a copy */
	bool thick = c->thick || m->backend == CELL_BACKEND_DIR;
	struct conf_args a = {
		.name = c->name, .release = c->release, .ip4 = c->ip4,
		.tags = c->tags, .thick = thick, .boot = c->boot,
		.priority = c->priority, .rc = access(rc, F_OK) == 0,
		.bridge = bridge, .nat = c->nat, .depend = c->depend,
		.vnet_if = c->vnet_if,
	};
	cell_test_crash_point("mgr-create-reserved");
	/* conf first: a bad IP fails before any storage is made */
	a.pending = true;
	r = write_conf(m, dir, &a, err);
	if (r == 0) {
		cell_test_crash_point("mgr-create-conf");
		r = m->st->jail_new(rel, dir, thick, err);
	}
	if (r == 0) {
		cell_test_crash_point("mgr-create-storage");
		r = publish_conf(dir, err);
	}
	if (r == 0)
		cell_test_crash_point("mgr-create-published");
	if (r < 0) {
		cell_error_context(err, c->name, "create", NULL);
		m->st->jail_remove(dir, NULL);
		cell_tree_remove(dir, NULL);
	}
	return r;
}

/* --- targets ------------------------------------------------------------------- */

static bool has_tag(const char *tags, const char *tag)
{
	size_t n = strlen(tag);
	for (const char *p = tags; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, tag, n))
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

struct prio_name {
	int prio;
	char *name;
};

static int cmp_prio(const void *a, const void *b)
{
	const struct prio_name *x = a, *y = b;
	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return strcmp(x->name, y->name);
}

int cell_mgr_targets(struct cell_mgr *m, const char *target, char ***names,
		     size_t *n, struct cell_error *err)
{
	*names = NULL;
	*n = 0;
	char **all = NULL;
	size_t nall = 0;
	int r = cell_mgr_list_dir(m, "jails", &all, &nall, err);
	if (r < 0)
		return r;
	bool *pick = calloc(nall + 1, sizeof(*pick));
	struct cell_mgr_jail *info = calloc(nall + 1, sizeof(*info));
	if (!pick || !info) {
		r = cell_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nall; i++)
		if (cell_mgr_jail_info(m, all[i], &info[i], NULL) < 0)
			snprintf(info[i].name, sizeof(info[i].name), "%s",
				 all[i]);
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", target) >= (int)sizeof(buf)) {
		r = cell_error_set(err, -E2BIG, "target too long");
		goto out;
	}
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		bool found = false, is_name = false;
		for (size_t i = 0; i < nall; i++)
			if (!strcmp(t, all[i]))
				is_name = true;
		/* a jail's name wins over a tag of the same name */
		for (size_t i = 0; i < nall; i++)
			if (!strcmp(t, "ALL") || !strcmp(t, all[i]) ||
			    (!is_name && has_tag(info[i].tags, t))) {
				pick[i] = true;
				found = true;
			}
		if (!found && strcmp(t, "ALL")) {
			r = cell_error_set(err, -ENOENT, "no jail or tag named "
					   "'%s'", t);
			goto out;
		}
	}
	struct prio_name *pn = calloc(nall + 1, sizeof(*pn));
	if (!pn) {
		r = cell_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	size_t k = 0;
	for (size_t i = 0; i < nall; i++)
		if (pick[i])
			pn[k++] = (struct prio_name){ info[i].priority, all[i] };
	qsort(pn, k, sizeof(*pn), cmp_prio);
	char **v = calloc(k + 1, sizeof(*v));
	if (!v) {
		free(pn);
		r = cell_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		v[i] = pn[i].name;
		for (size_t a = 0; a < nall; a++)
			if (all[a] == pn[i].name)
				all[a] = NULL; /* moved */
	}
	free(pn);
	*names = v;
	*n = k;
out:
	free(pick);
	free(info);
	for (size_t i = 0; i < nall; i++)
		free(all[i]);
	free(all);
	return r;
}

int cell_mgr_boot_names(struct cell_mgr *m, char ***names, size_t *n,
			struct cell_error *err)
{
	int r = cell_mgr_targets(m, "ALL", names, n, err);
	if (r < 0)
		return r;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		struct cell_mgr_jail ji;
		if (cell_mgr_jail_info(m, (*names)[i], &ji, NULL) == 0 &&
		    ji.boot)
			(*names)[k++] = (*names)[i];
		else
			free((*names)[i]);
	}
	*n = k;
	return 0;
}

int cell_mgr_order(struct cell_mgr *m, char ***names, size_t *n,
		   bool add_deps, struct cell_error *err)
{
	size_t cnt = *n, cap = *n + 1;
	char **v = calloc(cap, sizeof(*v));
	struct cell_mgr_jail *ji = calloc(cap, sizeof(*ji));
	int r = 0;
	if (!v || !ji) {
		free(v);
		free(ji);
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < cnt; i++)
		v[i] = (*names)[i];
	/* the set: the names, and (add_deps) what they depend on */
	for (size_t i = 0; i < cnt && r == 0; i++) {
		if ((r = cell_mgr_jail_info(m, v[i], &ji[i], err)) < 0)
			break;
		char buf[sizeof(ji[i].depend)];
		snprintf(buf, sizeof(buf), "%s", ji[i].depend);
		for (char *save = NULL, *d = strtok_r(buf, ",", &save);
		     d && r == 0; d = strtok_r(NULL, ",", &save)) {
			bool have = false;
			for (size_t k = 0; k < cnt; k++)
				have |= !strcmp(v[k], d);
			if (have || !add_deps)
				continue;
			struct stat st;
			char p[PATH_MAX];
			if (jail_dir(m, d, p, NULL) < 0 || stat(p, &st) < 0) {
				r = cell_error_set(err, -ENOENT, "jail '%s' "
						   "depends on '%s', which "
						   "does not exist", v[i], d);
				break;
			}
			if (cnt + 1 >= cap) {
				cap *= 2;
				char **nv = realloc(v, cap * sizeof(*v));
				struct cell_mgr_jail *nj =
					nv ? realloc(ji, cap * sizeof(*ji)) : NULL;
				if (nv)
					v = nv;
				if (nj)
					ji = nj;
				if (!nv || !nj) {
					r = cell_error_set(err, -ENOMEM,
							   "out of memory");
					break;
				}
			}
			if (!(v[cnt] = strdup(d))) {
				r = cell_error_set(err, -ENOMEM,
						   "out of memory");
				break;
			}
			memset(&ji[cnt], 0, sizeof(ji[cnt]));
			cnt++;
		}
	}
	/* priority, then name; then dependencies first (a depth-first walk
	 * in that order, so the priority order holds where depend allows) */
	struct prio_name *pn = r == 0 ? calloc(cnt + 1, sizeof(*pn)) : NULL;
	size_t **deps = r == 0 ? calloc(cnt + 1, sizeof(*deps)) : NULL;
	size_t *ndeps = r == 0 ? calloc(cnt + 1, sizeof(*ndeps)) : NULL;
	size_t *order = r == 0 ? calloc(cnt + 1, sizeof(*order)) : NULL;
	char **sorted = r == 0 ? calloc(cnt + 1, sizeof(*sorted)) : NULL;
	if (r == 0 && (!pn || !deps || !ndeps || !order || !sorted))
		r = cell_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cnt && r == 0; i++)
		pn[i] = (struct prio_name){ ji[i].priority, v[i] };
	if (r == 0)
		qsort(pn, cnt, sizeof(*pn), cmp_prio);
	for (size_t i = 0; i < cnt && r == 0; i++) {
		sorted[i] = pn[i].name;
		size_t at = 0;
		while (v[at] != pn[i].name)
			at++;
		deps[i] = calloc(cnt + 1, sizeof(**deps));
		if (!deps[i]) {
			r = cell_error_set(err, -ENOMEM, "out of memory");
			break;
		}
		char buf[sizeof(ji[at].depend)];
		snprintf(buf, sizeof(buf), "%s", ji[at].depend);
		for (char *save = NULL, *d = strtok_r(buf, ",", &save); d;
		     d = strtok_r(NULL, ",", &save))
			for (size_t k = 0; k < cnt; k++)
				if (!strcmp(pn[k].name, d))
					deps[i][ndeps[i]++] = k;
	}
	if (r == 0)
		r = cell_jail8_order(sorted, cnt,
				     (const size_t *const *)deps, ndeps,
				     order, err);
	if (r == 0) {
		char **out = calloc(cnt + 1, sizeof(*out));
		if (!out) {
			r = cell_error_set(err, -ENOMEM, "out of memory");
		} else {
			for (size_t i = 0; i < cnt; i++)
				out[i] = sorted[order[i]];
			free(*names);
			*names = out;
			*n = cnt;
			free(v);
			v = NULL;
		}
	}
	if (v) /* failed: the caller keeps its names; drop what we added */
		for (size_t i = *n; i < cnt; i++)
			free(v[i]);
	for (size_t i = 0; deps && i < cnt; i++)
		free(deps[i]);
	free(deps);
	free(ndeps);
	free(order);
	free(sorted);
	free(pn);
	free(v);
	free(ji);
	return r;
}

/* --- start / stop ------------------------------------------------------------------ */

struct j8_ctx {
	struct cell_error *err;
	bool failed;
};

static void j8_error(void *arg, const struct cell_error *e)
{
	struct j8_ctx *c = arg;
	if (!c->failed && c->err)
		*c->err = *e;
	c->failed = true;
}

static int run_jail8(struct cell_mgr *m, const char *name, unsigned op,
		     struct cell_error *err)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	int r = jail_dir(m, name, dir, err);
	if (r < 0)
		return r;
	snprintf(file, sizeof(file), "%s/jail.conf", dir);
	struct cell_conf *conf = NULL;
	r = cell_jail8_load(file, &conf, err);
	if (r < 0)
		return r;
	struct j8_ctx c = { .err = err };
	struct cell_jail8 o = { .op = op, .error = j8_error, .arg = &c };
	char *names[] = { (char *)name };
	int rc = cell_jail8_run_conf(&o, conf, names, 1);
	cell_conf_free(conf);
	if (rc != 0 && !c.failed)
		cell_error_set(err, -EIO, "jail %s failed (status %d)",
			       op == CELL_J8_CREATE ? "start" : "stop", rc);
	if (rc != 0 && err && !err->code)
		err->code = -EIO;
	return rc != 0 ? (err && err->code ? err->code : -EIO) : 0;
}

static int start_locked(struct cell_mgr *m, const char *name,
		   struct cell_error *err)
{
	struct cell_mgr_jail ji;
	char dir[PATH_MAX], rel[PATH_MAX];
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if (ji.running)
		return cell_error_set(err, -EALREADY, "jail '%s' is already "
				      "running", name);
	if ((r = jail_dir(m, name, dir, err)) < 0)
		return r;
	if (!ji.thick && m->backend == CELL_BACKEND_OVERLAY &&
	    (r = release_path(m, ji.release, rel, err)) < 0)
		return r;
	/* -V: the interface's bridge, with the interface on it */
	if (ji.vnet_if[0] && (r = cell_mgr_vnet_if_attach(ji.vnet_if, err)) < 0)
		return r;
	r = m->st->jail_mount(rel, dir, ji.thick, err);
	if (r < 0)
		return r;
	r = run_jail8(m, name, CELL_J8_CREATE, err);
	if (r < 0) {
		m->st->jail_umount(dir, NULL);
		return r;
	}
	/* a jail whose limits cannot be set does not run */
	r = cell_mgr_limits_apply(m, name, err);
	if (r < 0) {
		run_jail8(m, name, CELL_J8_REMOVE, NULL);
		m->st->jail_umount(dir, NULL);
	}
	return r;
}

static int stop_locked(struct cell_mgr *m, const char *name,
		  struct cell_error *err)
{
	struct cell_mgr_jail ji;
	char dir[PATH_MAX];
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if ((r = jail_dir(m, name, dir, err)) < 0)
		return r;
	if (!ji.running) {
		/* what a crashed stop may have left mounted */
		m->st->jail_umount(dir, NULL);
		return cell_error_set(err, -EALREADY, "jail '%s' is not "
				      "running", name);
	}
	r = run_jail8(m, name, CELL_J8_REMOVE, err);
	if (r < 0)
		return r;
	return m->st->jail_umount(dir, err);
}

int cell_mgr_cmd(struct cell_mgr *m, const char *name, char *const *argv,
		 int *status, struct cell_error *err)
{
	/* the lock's sweep thaws a jail whose snapshot was killed while it
	 * was frozen (else the command would hang); a snapshot in progress
	 * holds the lock, so this waits for it instead of thawing it */
	if (cell_mgr_lock(m, NULL) == 0)
		cell_mgr_unlock(m);
	struct cell_record rec;
	int r = cell_state_find(name, &rec, NULL);
	if (r < 0 || !cell_running(&rec)) {
		if (r == 0)
			cell_record_free(&rec);
		return cell_error_set(err, -ESRCH, "jail '%s' is not running",
				      name);
	}
	struct cell_exec x;
	cell_exec_init(&x);
	x.argv = argv;
	x.cwd = "/";
	r = cell_exec(&rec, &x, false, status, NULL, err);
	cell_record_free(&rec);
	return r;
}

/* --- snapshots ------------------------------------------------------------------ */

static int snap_dir(struct cell_mgr *m, const char *name, char *buf,
		    struct cell_error *err)
{
	if (snprintf(buf, PATH_MAX, "%s/snapshots/%s", m->data, name) >=
	    PATH_MAX)
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	return 0;
}

/* Freeze a running jail's cgroup for a consistent copy; *cg NULL when
 * there is nothing to thaw. */
static int snapshot_locked(struct cell_mgr *m, const char *name, const char *tag,
		      char *tag_out, size_t tag_len, struct cell_error *err)
{
	struct cell_mgr_jail ji;
	char dir[PATH_MAX], sd[PATH_MAX], snap[PATH_MAX], stamp[32];
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if (!tag) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp),
			 "-%03ld", ts.tv_nsec / 1000000);
		tag = stamp;
	}
	if (!cell_mgr_name_ok(tag))
		return cell_error_set(err, -EINVAL, "invalid snapshot tag "
				      "'%s'", tag);
	if ((r = jail_dir(m, name, dir, err)) < 0 ||
	    (r = snap_dir(m, name, sd, err)) < 0)
		return r;
	if (mkdir(sd, 0700) < 0 && errno != EEXIST)
		return cell_error_errno(err, -errno, "mkdir %s", sd);
	if (snprintf(snap, sizeof(snap), "%s/%s", sd, tag) >= (int)sizeof(snap))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	struct stat st;
	if (lstat(snap, &st) == 0)
		return cell_error_set(err, -EEXIST, "snapshot %s@%s exists",
				      name, tag);
	/* made as .TAG.partial and renamed when whole: a snapshot killed
	 * half-way is never listed, and the next command's sweep removes
	 * it; the jail's frozen mark lets the sweep thaw a jail whose
	 * snapshot was killed while it was frozen */
	char part[PATH_MAX + 16], mark[PATH_MAX + 16];
	snprintf(part, sizeof(part), "%s/.%s.partial", sd, tag);
	snprintf(mark, sizeof(mark), "%s/.frozen", dir);
	m->st->tree_remove(part, NULL);
	struct frozen f;
	int mfd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (mfd >= 0)
		close(mfd);
	freeze(name, &f);
	cell_test_crash_point("mgr-snapshot-frozen");
	r = m->st->snapshot(dir, ji.thick, part, err);
	if (r == 0)
		cell_test_crash_point("mgr-snapshot-made");
	thaw(&f);
	unlink(mark);
	if (r == 0 && rename(part, snap) < 0)
		r = cell_error_errno(err, -errno, "rename %s", part);
	if (r < 0) {
		m->st->tree_remove(part, NULL);
		rmdir(sd); /* only when empty */
		return r;
	}
	if (tag_out)
		snprintf(tag_out, tag_len, "%s", tag);
	return 0;
}

/* The newest snapshot of name (by birth time). */
static int newest_snapshot(struct cell_mgr *m, const char *name, char *tag,
			   size_t len, struct cell_error *err)
{
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "snapshots/%s", name);
	char **v;
	size_t n;
	int r = cell_mgr_list_dir(m, sub, &v, &n, err);
	if (r < 0)
		return r;
	struct statx best = { 0 };
	tag[0] = '\0';
	char dir[PATH_MAX];
	snap_dir(m, name, dir, NULL);
	for (size_t i = 0; i < n; i++) {
		struct statx sx;
		char p[PATH_MAX * 2];
		snprintf(p, sizeof(p), "%s/%s", dir, v[i]);
		if (statx(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW,
			  STATX_BTIME | STATX_MTIME, &sx) < 0)
			continue;
		struct statx_timestamp t = (sx.stx_mask & STATX_BTIME)
						   ? sx.stx_btime
						   : sx.stx_mtime;
		if (!tag[0] || t.tv_sec > best.stx_btime.tv_sec ||
		    (t.tv_sec == best.stx_btime.tv_sec &&
		     t.tv_nsec > best.stx_btime.tv_nsec)) {
			best.stx_btime = t;
			snprintf(tag, len, "%s", v[i]);
		}
	}
	cell_mgr_names_free(v, n);
	if (!tag[0])
		return cell_error_set(err, -ENOENT, "jail '%s' has no "
				      "snapshots", name);
	return 0;
}

static int rollback_locked(struct cell_mgr *m, const char *name, const char *tag,
		      struct cell_error *err)
{
	struct cell_mgr_jail ji;
	char dir[PATH_MAX], sd[PATH_MAX], snap[PATH_MAX], newest[256];
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if (!tag) {
		r = newest_snapshot(m, name, newest, sizeof(newest), err);
		if (r < 0)
			return r;
		tag = newest;
	}
	if (!cell_mgr_name_ok(tag))
		return cell_error_set(err, -EINVAL, "invalid snapshot tag "
				      "'%s'", tag);
	if ((r = jail_dir(m, name, dir, err)) < 0 ||
	    (r = snap_dir(m, name, sd, err)) < 0)
		return r;
	if (snprintf(snap, sizeof(snap), "%s/%s", sd, tag) >=
	    (int)sizeof(snap))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	struct stat st;
	if (lstat(snap, &st) < 0)
		return cell_error_set(err, -ENOENT, "no snapshot %s@%s", name,
				      tag);
	if (ji.running && (r = cell_mgr_stop(m, name, err)) < 0)
		return r;
	r = m->st->rollback(dir, ji.thick, snap, err);
	if (ji.running) {
		struct cell_error e2;
		cell_error_clear(&e2);
		int r2 = cell_mgr_start(m, name, r < 0 ? &e2 : err);
		if (r == 0)
			r = r2;
	}
	return r;
}

static int snapshot_remove_locked(struct cell_mgr *m, const char *name,
			     const char *tag, struct cell_error *err)
{
	char sd[PATH_MAX], snap[PATH_MAX];
	if (!cell_mgr_name_ok(name) || !cell_mgr_name_ok(tag))
		return cell_error_set(err, -EINVAL, "invalid name or tag");
	int r = snap_dir(m, name, sd, err);
	if (r < 0)
		return r;
	if (snprintf(snap, sizeof(snap), "%s/%s", sd, tag) >=
	    (int)sizeof(snap))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	struct stat st;
	if (lstat(snap, &st) < 0)
		return cell_error_set(err, -ENOENT, "no snapshot %s@%s", name,
				      tag);
	r = m->st->tree_remove(snap, err);
	rmdir(sd);
	return r;
}

static int remove_snapshots(struct cell_mgr *m, const char *name,
			    struct cell_error *err)
{
	char sub[PATH_MAX], sd[PATH_MAX];
	snprintf(sub, sizeof(sub), "snapshots/%s", name);
	char **v;
	size_t n;
	int r = cell_mgr_list_dir(m, sub, &v, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = cell_mgr_snapshot_remove(m, name, v[i], err);
	cell_mgr_names_free(v, n);
	if (r == 0 && snap_dir(m, name, sd, err) == 0)
		r = cell_tree_remove(sd, err);
	return r;
}

static int destroy_locked(struct cell_mgr *m, const char *name, bool force,
		     struct cell_error *err)
{
	struct cell_mgr_jail ji;
	char dir[PATH_MAX];
	int r = jail_dir(m, name, dir, err);
	if (r < 0)
		return r;
	struct stat st;
	if (stat(dir, &st) < 0)
		return cell_error_set(err, -ENOENT, "no jail named '%s'", name);
	/* a jail whose jail.conf is broken can still be destroyed */
	if (cell_mgr_jail_info(m, name, &ji, NULL) == 0 && ji.running) {
		if (!force)
			return cell_error_set(err, -EBUSY, "jail '%s' is "
					      "running (stop it, or -f)", name);
		r = cell_mgr_stop(m, name, err);
		if (r < 0)
			return r;
		cell_test_crash_point("mgr-destroy-stopped");
	}
	if ((r = remove_snapshots(m, name, err)) < 0)
		return r;
	cell_test_crash_point("mgr-destroy-snapshots");
	/* unregistered first: if this is killed now, the next command's
	 * sweep finishes it. Should the removal fail instead (a mount
	 * point left in the tree, an I/O error), jail.conf is put back:
	 * a jail gone from the list whose directory stays would hold its
	 * name forever, a listed one can be destroyed again. */
	char cf[PATH_MAX + 16];
	snprintf(cf, sizeof(cf), "%s/jail.conf", dir);
	_cleanup_free_ char *conf = NULL;
	size_t conflen = 0;
	if (cell_read_file(cf, 1 << 20, &conf, &conflen) < 0)
		conf = NULL;    /* broken or missing: nothing to put back */
	if (unlink(cf) < 0 && errno != ENOENT)
		return cell_error_errno(err, -errno, "unlink %s", cf);
	cell_test_crash_point("mgr-destroy-unregistered");
	r = m->st->jail_remove(dir, err);
	if (r == 0) {
		cell_test_crash_point("mgr-destroy-storage");
		r = cell_tree_remove(dir, err);
	}
	if (r < 0 && conf && access(dir, F_OK) == 0)
		cell_write_atomic(cf, conf, conflen, 0644, NULL);
	return r;
}

/*
 * The jail.conf and fstab of a jail that becomes newname in dst (clone,
 * rename): the jail's settings from ji with this ip4, the lines kept
 * from its old jail.conf (extra), and its fstab (its MOUNT lines) read
 * in fstab_dir with the mount points moved from src to dst. *fst: that
 * fstab as it was (the caller's, to free; rename puts it back on undo).
 */
static int conf_moved(struct cell_mgr *m, const struct cell_mgr_jail *ji,
		      const char *newname, const char *ip4,
		      const char *extra, bool pending, const char *fstab_dir,
		      const char *src, const char *dst, char **fst,
		      struct cell_error *err)
{
	char rc[PATH_MAX + 16];
	if (snprintf(rc, sizeof(rc), "%s/releases/%s/etc/rc", m->data,
		     ji->release) >= (int)sizeof(rc))
		rc[0] = '\0';
	struct conf_args a = {
		.name = newname, .release = ji->release, .ip4 = ip4,
		.tags = ji->tags, .thick = ji->thick, .boot = ji->boot,
		.priority = ji->priority, .rc = rc[0] && access(rc, F_OK) == 0,
		.bridge = ji->bridge, .nat = ji->nat, .depend = ji->depend,
		.vnet_if = ji->vnet_if, .extra = extra, .pending = pending,
	};
	int r = fstab_read(fstab_dir, fst, err);
	if (r == 0)
		r = fstab_carry(*fst, src, dst, err);
	if (r == 0)
		r = write_conf(m, dst, &a, err);
	return r;
}

static int clone_locked(struct cell_mgr *m, const char *name, const char *newname,
		   const char *ip4, struct cell_error *err)
{
	struct cell_mgr_jail ji;
	char src[PATH_MAX], dst[PATH_MAX];
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if ((r = jail_dir(m, name, src, err)) < 0 ||
	    (r = jail_dir(m, newname, dst, err)) < 0)
		return r;
	if (mkdir(dst, 0700) < 0)
		return errno == EEXIST
			       ? cell_error_set(err, -EEXIST, "jail '%s' "
						"exists", newname)
			       : cell_error_errno(err, -errno, "mkdir %s", dst);
	/* the parameters set after create go along, but its host ports
	 * (vnet.rdr) stay with the original */
	char cf[PATH_MAX + 16];
	snprintf(cf, sizeof(cf), "%s/jail.conf", src);
	_cleanup_free_ char *old = NULL, *extra = NULL;
	size_t oldlen;
	if (cell_read_file(cf, 1 << 20, &old, &oldlen) < 0 ||
	    conf_extra(old, false, &extra) < 0) {
		rmdir(dst);
		return cell_error_set(err, -EIO, "cannot read %s", cf);
	}
	/* a pending jail.conf, published once the storage is made */
	_cleanup_free_ char *fst = NULL;
	r = conf_moved(m, &ji, newname, ip4, extra, true, src, src, dst, &fst,
		       err);
	if (r == 0) {
		struct frozen f;
		freeze(name, &f);
		r = m->st->clone(src, dst, ji.thick, err);
		thaw(&f);
	}
	if (r == 0)
		r = publish_conf(dst, err);
	if (r < 0) {
		cell_error_context(err, newname, "clone", NULL);
		m->st->jail_remove(dst, NULL);
		cell_tree_remove(dst, NULL);
	}
	return r;
}

static int rename_locked(struct cell_mgr *m, const char *name,
			 const char *newname, struct cell_error *err)
{
	struct cell_mgr_jail ji;
	char src[PATH_MAX], dst[PATH_MAX], ssrc[PATH_MAX], sdst[PATH_MAX];
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if (ji.running)
		return cell_error_set(err, -EBUSY, "jail '%s' is running "
				      "(stop it first)", name);
	if ((r = jail_dir(m, name, src, err)) < 0 ||
	    (r = jail_dir(m, newname, dst, err)) < 0 ||
	    (r = snap_dir(m, name, ssrc, err)) < 0 ||
	    (r = snap_dir(m, newname, sdst, err)) < 0)
		return r;
	struct cell_record rec;
	if (cell_state_find(newname, &rec, NULL) == 0) {
		bool running = cell_running(&rec);
		cell_record_free(&rec);
		if (running)
			return cell_error_set(err, -EEXIST, "a jail named '%s' "
					      "is running", newname);
	}
	struct stat st;
	if (lstat(dst, &st) == 0 || lstat(sdst, &st) == 0)
		return cell_error_set(err, -EEXIST, "jail '%s' exists",
				      newname);
	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) < 0)
		return cell_error_errno(err, -errno, "rename %s", src);
	/* the parameters set after create (CONFIG, rdr) go along */
	char cf[PATH_MAX + 16];
	snprintf(cf, sizeof(cf), "%s/jail.conf", dst);
	_cleanup_free_ char *old = NULL, *extra = NULL;
	size_t oldlen;
	if (cell_read_file(cf, 1 << 20, &old, &oldlen) < 0 ||
	    conf_extra(old, true, &extra) < 0) {
		rename(dst, src);
		return cell_error_set(err, -EIO, "cannot read %s", cf);
	}
	/* the directory is dst already: its fstab is read there */
	_cleanup_free_ char *fst = NULL;
	r = conf_moved(m, &ji, newname, ji.ip4, extra, false, dst, src, dst,
		       &fst, err);
	/* fault injection: the last step failing, after the jail's
	 * directory moved and its files were rewritten */
	if (r == 0 && cell_test_fail_point("mgr-rename-snapshots"))
		r = cell_error_set(err, -EIO, "rename %s: injected", ssrc);
	if (r == 0 && lstat(ssrc, &st) == 0 &&
	    renameat2(AT_FDCWD, ssrc, AT_FDCWD, sdst, RENAME_NOREPLACE) < 0)
		r = cell_error_errno(err, -errno, "rename %s", ssrc);
	if (r < 0) {
		/* put it back as it was */
		rename(dst, src);
		snprintf(cf, sizeof(cf), "%s/jail.conf", src);
		cell_write_atomic(cf, old, oldlen, 0644, NULL);
		if (fst) {
			snprintf(cf, sizeof(cf), "%s/fstab", src);
			cell_write_atomic(cf, fst, strlen(fst), 0644, NULL);
		}
	}
	return r;
}

int cell_mgr_rename(struct cell_mgr *m, const char *name, const char *newname,
		    struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		rename_locked(m, name, newname, err));
}

/* --- cp / rcp ---------------------------------------------------------------------- */

int cell_mgr_openat2_in(int root, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	/* EAGAIN: a ".." met a concurrent rename or mount anywhere; the
	 * kernel asks for a retry rather than risk a wrong answer */
	long fd;
	for (int tries = 0;; tries++) {
		fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || tries >= 256)
			break;
	}
	return fd < 0 ? -errno : (int)fd;
}

/* The jail's root, mounted for the duration when it is an overlay that is
 * not running; *umount tells whether to unmount after. */
int cell_mgr_open_root(struct cell_mgr *m, const char *name, bool *umount,
		     char *dir, struct cell_error *err)
{
	struct cell_mgr_jail ji;
	*umount = false;
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if ((r = jail_dir(m, name, dir, err)) < 0)
		return r;
	if (m->backend == CELL_BACKEND_OVERLAY && !ji.thick && !ji.running) {
		char rel[PATH_MAX];
		if ((r = release_path(m, ji.release, rel, err)) < 0 ||
		    (r = m->st->jail_mount(rel, dir, false, err)) < 0)
			return r;
		*umount = true;
	}
	int fd = open(ji.path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = cell_error_errno(err, -errno, "open %s", ji.path);
		if (*umount)
			m->st->jail_umount(dir, NULL);
		return r;
	}
	return fd;
}

static int do_cp(int root, const char *hostpath, const char *jailpath,
		 struct cell_error *err)
{
	_cleanup_close_ int in = open(hostpath, O_RDONLY | O_NOCTTY |
				      O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return cell_error_errno(err, -errno, "open %s", hostpath);
	struct stat st;
	if (fstat(in, &st) < 0)
		return cell_error_errno(err, -errno, "stat %s", hostpath);
	if (!S_ISREG(st.st_mode))
		return cell_error_set(err, -EINVAL, "%s is not a regular file",
				      hostpath);
	/* the parent, resolved in the jail's root */
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", jailpath) >= (int)sizeof(buf))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	size_t len = strlen(buf);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	char *slash = strrchr(buf, '/');
	const char *parent = slash ? (slash == buf ? "/" : buf) : ".";
	const char *base = slash ? slash + 1 : buf;
	if (slash && slash != buf)
		*slash = '\0';
	const char *hbase = strrchr(hostpath, '/');
	hbase = hbase ? hbase + 1 : hostpath;
	_cleanup_close_ int dfd = cell_mgr_openat2_in(root, parent, O_PATH | O_DIRECTORY,
					     0);
	if (dfd < 0)
		return cell_error_errno(err, dfd, "%s", parent);
	/* an existing directory as the target: copy into it. Resolved
	 * whole from the jail's root: RESOLVE_IN_ROOT at the parent would
	 * take the parent for the root, and "/etc/.." would be /etc */
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		int sub = cell_mgr_openat2_in(root, jailpath,
				     O_PATH | O_DIRECTORY, 0);
		if (sub < 0)
			return cell_error_errno(err, sub, "%s", jailpath);
		close(dfd);
		dfd = sub;
		base = hbase;
	} else {
		struct stat tst;
		if (fstatat(dfd, base, &tst, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISLNK(tst.st_mode))
				return cell_error_set(err, -ELOOP, "%s is a "
						      "symbolic link in the "
						      "jail: refused",
						      jailpath);
			if (S_ISDIR(tst.st_mode)) {
				int sub = openat(dfd, base, O_PATH | O_DIRECTORY |
						 O_NOFOLLOW | O_CLOEXEC);
				if (sub < 0)
					return cell_error_errno(err, -errno,
								"%s", jailpath);
				close(dfd);
				dfd = sub;
				base = hbase;
				if (fstatat(dfd, base, &tst,
					    AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISLNK(tst.st_mode))
					return cell_error_set(
						err, -ELOOP, "%s/%s is a "
						"symbolic link in the jail: "
						"refused", jailpath, base);
			} else if (!S_ISREG(tst.st_mode)) {
				return cell_error_set(err, -EINVAL, "%s is not "
						      "a regular file",
						      jailpath);
			}
		}
	}
	/* write a new file next to it and rename it over the target, so
	 * no symlink or hard link put there meanwhile is written through */
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ".cell-cp.%d", (int)getpid());
	/* dfd is O_PATH: reopen as a directory for *at calls that write */
	_cleanup_close_ int d = openat(dfd, ".", O_RDONLY | O_DIRECTORY |
				       O_CLOEXEC);
	if (d < 0)
		return cell_error_errno(err, -errno, "%s", jailpath);
	_cleanup_close_ int out = openat(d, tmp, O_WRONLY | O_CREAT | O_EXCL |
					 O_NOFOLLOW | O_CLOEXEC,
					 st.st_mode & 0777);
	if (out < 0)
		return cell_error_errno(err, -errno, "create in %s", jailpath);
	int r = cell_mgr_copy_rw(in, out);
	if (r == 0 && fchmod(out, st.st_mode & 07777) < 0)
		r = -errno;
	if (r == 0 && renameat(d, tmp, d, base) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(d, tmp, 0);
		return cell_error_errno(err, r, "write %s", jailpath);
	}
	return 0;
}

int cell_mgr_cp_fd(int root, const char *hostpath, const char *jailpath,
		   struct cell_error *err)
{
	return do_cp(root, hostpath, jailpath, err);
}

int cell_mgr_cp(struct cell_mgr *m, const char *name, const char *hostpath,
		const char *jailpath, struct cell_error *err)
{
	bool um;
	char dir[PATH_MAX];
	int root = cell_mgr_open_root(m, name, &um, dir, err);
	if (root < 0)
		return root;
	int r = do_cp(root, hostpath, jailpath, err);
	close(root);
	if (um)
		m->st->jail_umount(dir, NULL);
	if (r < 0)
		cell_error_context(err, name, "cp", NULL);
	return r;
}

int cell_mgr_rcp(struct cell_mgr *m, const char *name, const char *jailpath,
		 const char *hostpath, struct cell_error *err)
{
	bool um;
	char dir[PATH_MAX];
	int root = cell_mgr_open_root(m, name, &um, dir, err);
	if (root < 0)
		return root;
	int r = 0;
	int in = cell_mgr_openat2_in(root, jailpath, O_RDONLY | O_NOCTTY | O_NONBLOCK,
			    0);
	if (in < 0) {
		r = cell_error_errno(err, in, "%s", jailpath);
		goto out;
	}
	struct stat st;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = cell_error_set(err, -EINVAL, "%s is not a regular file in "
				   "the jail", jailpath);
		close(in);
		goto out;
	}
	/* the host side: the caller's path; a directory takes the name */
	char target[PATH_MAX * 2];
	struct stat hst;
	const char *jb = strrchr(jailpath, '/');
	if (stat(hostpath, &hst) == 0 && S_ISDIR(hst.st_mode))
		snprintf(target, sizeof(target), "%s/%s", hostpath,
			 jb ? jb + 1 : jailpath);
	else
		snprintf(target, sizeof(target), "%s", hostpath);
	int out = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		       st.st_mode & 0777);
	if (out < 0) {
		r = cell_error_errno(err, -errno, "create %s", target);
	} else {
		r = cell_mgr_copy_rw(in, out);
		if (r < 0)
			cell_error_errno(err, r, "copy to %s", target);
		close(out);
	}
	close(in);
out:
	close(root);
	if (um)
		m->st->jail_umount(dir, NULL);
	if (r < 0)
		cell_error_context(err, name, "rcp", NULL);
	return r;
}

/* --- list ------------------------------------------------------------------------- */

int cell_mgr_list(struct cell_mgr *m, bool json, FILE *out,
		  struct cell_error *err)
{
	char **jails = NULL, **rels = NULL;
	size_t nj = 0, nr = 0;
	int r = cell_mgr_list_dir(m, "jails", &jails, &nj, err);
	if (r == 0)
		r = cell_mgr_list_dir(m, "releases", &rels, &nr, err);
	if (r < 0) {
		cell_mgr_names_free(jails, nj);
		return r;
	}
	json_t *jj = json_array(), *jr = json_array(), *js = json_array();
	if (!json) {
		fprintf(out, "%-16s %-8s %5s %-12s %-6s %-16s %4s %-4s %s\n",
			"NAME", "STATE", "JID", "RELEASE", "TYPE", "IP4",
			"PRIO", "BOOT", "TAGS");
	}
	for (size_t i = 0; i < nj; i++) {
		struct cell_mgr_jail ji;
		if (cell_mgr_jail_info(m, jails[i], &ji, NULL) < 0) {
			if (!json)
				fprintf(out, "%-16s %-8s\n", jails[i], "broken");
			else
				json_array_append_new(
					jj, json_pack("{s:s,s:s}", "name",
						      jails[i], "state",
						      "broken"));
			continue;
		}
		const char *state = ji.running ? "running" : "stopped";
		if (json) {
			json_array_append_new(jj, json_pack(
				"{s:s,s:s,s:i,s:s,s:s,s:s,s:i,s:b,s:s,s:s,s:s,"
				"s:b}",
				"name", ji.name, "state", state, "jid", ji.jid,
				"release", ji.release, "type",
				ji.thick ? "thick" : "thin", "ip4", ji.ip4,
				"priority", ji.priority, "boot", ji.boot,
				"tags", ji.tags, "path", ji.path, "bridge",
				ji.bridge, "nat", ji.nat));
		} else {
			char jid[16] = "-";
			if (ji.running)
				snprintf(jid, sizeof(jid), "%d", ji.jid);
			fprintf(out, "%-16s %-8s %5s %-12s %-6s %-16s %4d %-4s "
				"%s\n", ji.name, state, jid, ji.release,
				ji.thick ? "thick" : "thin",
				ji.ip4[0] ? ji.ip4 : "-", ji.priority,
				ji.boot ? "on" : "off",
				ji.tags[0] ? ji.tags : "-");
		}
	}
	if (!json)
		fprintf(out, "\nRELEASES (%s)\n", cell_backend_name(m->backend));
	for (size_t i = 0; i < nr; i++) {
		if (json)
			json_array_append_new(jr, json_string(rels[i]));
		else
			fprintf(out, "%s\n", rels[i]);
	}
	if (!json)
		fprintf(out, "\nSNAPSHOTS\n");
	for (size_t i = 0; i < nj; i++) {
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "snapshots/%s", jails[i]);
		char **v;
		size_t n;
		if (cell_mgr_list_dir(m, sub, &v, &n, NULL) < 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (json)
				json_array_append_new(js, json_pack(
					"{s:s,s:s}", "jail", jails[i], "tag",
					v[k]));
			else
				fprintf(out, "%s@%s\n", jails[i], v[k]);
		}
		cell_mgr_names_free(v, n);
	}
	if (json) {
		json_t *root = json_pack("{s:s,s:s,s:o,s:o,s:o}", "home",
					 m->home, "backend",
					 cell_backend_name(m->backend), "jails",
					 jj, "releases", jr, "snapshots", js);
		json_dumpf(root, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(root);
	} else {
		json_decref(jj);
		json_decref(jr);
		json_decref(js);
	}
	cell_mgr_names_free(jails, nj);
	cell_mgr_names_free(rels, nr);
	return 0;
}

static int release_remove_locked(struct cell_mgr *m, const char *name,
			    struct cell_error *err)
{
	char rel[PATH_MAX];
	int r = release_path(m, name, rel, err);
	if (r < 0)
		return r;
	char **v;
	size_t n;
	if ((r = cell_mgr_list_dir(m, "jails", &v, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct cell_mgr_jail ji;
		if (cell_mgr_jail_info(m, v[i], &ji, NULL) == 0 &&
		    !strcmp(ji.release, name))
			r = cell_error_set(err, -EBUSY, "release '%s' is used "
					   "by jail '%s'", name, v[i]);
	}
	cell_mgr_names_free(v, n);
	return r < 0 ? r : m->st->tree_remove(rel, err);
}

int cell_mgr_create(struct cell_mgr *m, const struct cell_mgr_create *c,
		    struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m, create_locked(m, c, err));
}

int cell_mgr_start(struct cell_mgr *m, const char *name,
		   struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m, start_locked(m, name, err));
}

int cell_mgr_stop(struct cell_mgr *m, const char *name,
		  struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m, stop_locked(m, name, err));
}

int cell_mgr_snapshot(struct cell_mgr *m, const char *name, const char *tag,
		      char *tag_out, size_t tag_len, struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		snapshot_locked(m, name, tag, tag_out, tag_len, err));
}

int cell_mgr_rollback(struct cell_mgr *m, const char *name, const char *tag,
		      struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		rollback_locked(m, name, tag, err));
}

int cell_mgr_snapshot_remove(struct cell_mgr *m, const char *name,
			     const char *tag, struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		snapshot_remove_locked(m, name, tag, err));
}

int cell_mgr_destroy(struct cell_mgr *m, const char *name, bool force,
		     struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		destroy_locked(m, name, force, err));
}

int cell_mgr_clone(struct cell_mgr *m, const char *name, const char *newname,
		   const char *ip4, struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		clone_locked(m, name, newname, ip4, err));
}

int cell_mgr_release_remove(struct cell_mgr *m, const char *name,
			    struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		release_remove_locked(m, name, err));
}

/* --- export / import ------------------------------------------------------------- */

#define EXPORT_META "cell-export.conf"

/* fd read from its start (import hashes the descriptor it extracts) */
int cell_mgr_sha256_fd(int fd, const char *path, char hex[65],
		     struct cell_error *err)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cell_error_errno(err, -errno, "seek %s", path);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return cell_error_set(err, -ENOMEM, "sha256");
	}
	char buf[65536];
	ssize_t n;
	int r = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0)
		r = cell_error_errno(err, -errno, "read %s", path);
	unsigned char md[32];
	unsigned mdlen = 0;
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return r;
}

static int add_entry(struct archive *a, const char *name, const char *data,
		     size_t len, struct cell_error *err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return cell_error_set(err, -ENOMEM, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, time(NULL), 0);
	int r = 0;
	if (archive_write_header(a, e) < ARCHIVE_WARN ||
	    archive_write_data(a, data, len) != (la_ssize_t)len)
		r = cell_error_set(err, -EIO, "export: %s",
				   archive_error_string(a));
	archive_entry_free(e);
	return r;
}

/* Write the tree at root as root/... entries. Device nodes are left
 * out (*ndev counts them): import refuses them, as every archive reader
 * of cell does, and a jail's tree is mounted nodev, so one in the tree
 * (debootstrap makes /dev/null and the like) is of no use there. */
static int add_tree(struct archive *a, const char *root, size_t *ndev,
		    struct cell_error *err)
{
	struct archive *d = archive_read_disk_new();
	if (!d)
		return cell_error_set(err, -ENOMEM, "out of memory");
	archive_read_disk_set_symlink_physical(d);
	archive_read_disk_set_standard_lookup(d);
	archive_read_disk_set_behavior(d,
				       ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	int r = 0;
	if (archive_read_disk_open(d, root) != ARCHIVE_OK) {
		r = cell_error_set(err, -EIO, "%s: %s", root,
				   archive_error_string(d));
		archive_read_free(d);
		return r;
	}
	/* hard links written as links (the first name holds the data),
	 * not as one full copy per name, which import would make separate
	 * files of. The tar strategy writes each entry as it comes: there
	 * is nothing left to flush at the end. */
	struct archive_entry_linkresolver *lr =
		archive_entry_linkresolver_new();
	if (!lr) {
		archive_read_free(d);
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	archive_entry_linkresolver_set_strategy(lr, archive_format(a));
	size_t rl = strlen(root);
	struct archive_entry *e = archive_entry_new();
	for (;;) {
		archive_entry_clear(e);
		int ar = archive_read_next_header2(d, e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = cell_error_set(err, -EIO, "read %s: %s", root,
					   archive_error_string(d));
			break;
		}
		archive_read_disk_descend(d);
		const char *p = archive_entry_pathname(e);
		if (!p || strncmp(p, root, rl))
			continue;
		if (archive_entry_filetype(e) == AE_IFCHR ||
		    archive_entry_filetype(e) == AE_IFBLK) {
			(*ndev)++;
			continue;
		}
		char np[PATH_MAX + 8];
		snprintf(np, sizeof(np), "root%s", p + rl);
		archive_entry_copy_pathname(e, np);
		struct archive_entry *le = e, *spare = NULL;
		archive_entry_linkify(lr, &le, &spare);
		if (le != e || spare) {   /* not the tar strategy's way */
			r = cell_error_set(err, -EIO, "export %s: hard link "
					   "resolver", np);
			break;
		}
		if (archive_write_header(a, e) < ARCHIVE_WARN) {
			r = cell_error_set(err, -EIO, "export %s: %s", np,
					   archive_error_string(a));
			break;
		}
		if (archive_entry_filetype(e) == AE_IFREG &&
		    archive_entry_size(e) > 0) {
			char buf[65536];
			la_ssize_t n;
			while ((n = archive_read_data(d, buf, sizeof(buf))) > 0)
				if (archive_write_data(a, buf, (size_t)n) != n) {
					n = -1;
					break;
				}
			if (n < 0) {
				r = cell_error_set(err, -EIO, "export %s: %s",
						   np, archive_error_string(d));
				break;
			}
		}
	}
	archive_entry_free(e);
	archive_entry_linkresolver_free(lr);
	archive_read_free(d);
	return r;
}

/*
 * The export's file, written before it has a name: an O_TMPFILE in
 * file's directory (linked to file when whole), or where the filesystem
 * has none, file.part made with O_EXCL | O_NOFOLLOW. Never a path that
 * someone else made: the directory may be writable by a local user,
 * who could plant a symlink there (root would write through it) or
 * pre-create the file (and own the export, which holds the jail's
 * /etc/shadow). Mode 0600 whatever the umask. *part is "" for a
 * temporary file. The fd (read-write: it is hashed), or -errno.
 */
static int export_create(const char *file, char *part,
			 struct cell_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');
	if (snprintf(dir, sizeof(dir), "%.*s",
		     slash ? (int)(slash - file) + 1 : 1,
		     slash ? file : ".") >= (int)sizeof(dir))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		part[0] = '\0';
	} else if (errno == EOPNOTSUPP || errno == EISDIR) {
		fd = open(part, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
			  O_CLOEXEC, 0600);
		if (fd < 0)
			return cell_error_errno(err, -errno, "create %s", part);
	} else {
		return cell_error_errno(err, -errno, "create a file in %s",
					dir);
	}
	if (fchmod(fd, 0600) < 0) {
		int e = -errno;
		close(fd);
		if (part[0])
			unlink(part);
		return cell_error_errno(err, e, "chmod %s", file);
	}
	return fd;
}

/* Give the export its name: never over an existing file (nor through a
 * symlink planted there meanwhile). */
static int export_publish(int fd, const char *part, const char *file,
			  struct cell_error *err)
{
	if (part[0]) {
		if (renameat2(AT_FDCWD, part, AT_FDCWD, file,
			      RENAME_NOREPLACE) < 0)
			return cell_error_errno(err, -errno, "rename %s", part);
		return 0;
	}
	if (linkat(fd, "", AT_FDCWD, file, AT_EMPTY_PATH) == 0)
		return 0;
	/* AT_EMPTY_PATH wants CAP_DAC_READ_SEARCH: through /proc then */
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, self, AT_FDCWD, file, AT_SYMLINK_FOLLOW) < 0)
		return cell_error_errno(err, -errno, "link %s", file);
	return 0;
}

static int export_locked(struct cell_mgr *m, const char *name,
			 const char *file, struct cell_error *err)
{
	struct cell_mgr_jail ji;
	char dir[PATH_MAX], part[PATH_MAX + 8], sum[PATH_MAX + 8];
	int r = cell_mgr_jail_info(m, name, &ji, err);
	if (r < 0)
		return r;
	if (snprintf(part, sizeof(part), "%s.part", file) >= (int)sizeof(part) ||
	    snprintf(sum, sizeof(sum), "%s.sha256", file) >= (int)sizeof(sum))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	struct stat st;
	if (lstat(file, &st) == 0)
		return cell_error_set(err, -EEXIST, "%s exists", file);

	/* the meta entry: what import needs to make the jail again */
	_cleanup_free_ char *meta_txt = NULL;
	size_t meta_len = 0;
	FILE *f = open_memstream(&meta_txt, &meta_len);
	if (!f)
		return cell_error_errno(err, -errno, "open_memstream");
	fprintf(f, "format=1\nname=%s\nrelease=%s\ntype=%s\nip4=%s\ntags=%s\n"
		   "priority=%d\nboot=%d\nbridge=%s\nnat=%d\n", ji.name,
		ji.release, ji.thick ? "thick" : "thin", ji.ip4, ji.tags,
		ji.priority, ji.boot, ji.bridge, ji.nat);
	{
		char lp[PATH_MAX + 16];
		_cleanup_free_ char *lim = NULL;
		size_t ll;
		snprintf(lp, sizeof(lp), "%s/jails/%s/limits", m->data, name);
		if (cell_read_file(lp, 65536, &lim, &ll) == 0)
			for (char *s = NULL, *l = strtok_r(lim, "\n", &s); l;
			     l = strtok_r(NULL, "\n", &s))
				if (l[0] != '#')
					fprintf(f, "limit=%s\n", l);
	}
	if (fclose(f) != 0)
		return cell_error_set(err, -ENOMEM, "out of memory");

	bool um;
	int rootfd = cell_mgr_open_root(m, name, &um, dir, err);
	if (rootfd < 0)
		return rootfd;
	close(rootfd);

	_cleanup_close_ int pfd = export_create(file, part, err);
	if (pfd < 0) {
		r = pfd;
		part[0] = '\0';    /* not ours: never removed */
		goto out;
	}
	struct archive *a = archive_write_new();
	if (!a) {
		r = cell_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if (archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, pfd) != ARCHIVE_OK) {
		r = cell_error_set(err, -EIO, "%s: %s", file,
				   archive_error_string(a));
		archive_write_free(a);
		goto out;
	}
	r = add_entry(a, EXPORT_META, meta_txt, meta_len, err);
	size_t ndev = 0;
	if (r == 0) {
		struct frozen fz;
		freeze(name, &fz);
		r = add_tree(a, ji.path, &ndev, err);
		thaw(&fz);
	}
	if (r == 0 && ndev && m->progress) {
		char note[128];
		snprintf(note, sizeof(note), "export: %zu device node%s left "
			 "out (import refuses them)", ndev, ndev > 1 ? "s" : "");
		m->progress(m->arg, note);
	}
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = cell_error_set(err, -EIO, "%s: %s", file,
				   archive_error_string(a));
	archive_write_free(a);
	char hex[65], line[PATH_MAX + 80];
	if (r == 0 && fsync(pfd) < 0)
		r = cell_error_errno(err, -errno, "write %s", file);
	if (r == 0)
		r = cell_mgr_sha256_fd(pfd, file, hex, err);
	if (r == 0)
		r = export_publish(pfd, part, file, err);
	if (r == 0) {
		const char *base = strrchr(file, '/');
		int n = snprintf(line, sizeof(line), "%s  %s\n", hex,
				 base ? base + 1 : file);
		r = cell_write_atomic(sum, line, (size_t)n, 0644, err);
		if (r < 0)
			unlink(file);
	}
out:
	if (r < 0 && part[0])
		unlink(part);
	if (um)
		m->st->jail_umount(dir, NULL);
	return r;
}

int cell_mgr_export(struct cell_mgr *m, const char *name, const char *file,
		    struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		export_locked(m, name, file, err));
}

struct import_meta {
	char name[CELL_MGR_NAME_MAX + 1];
	char release[CELL_MGR_NAME_MAX + 1];
	char ip4[256];
	char tags[512];
	int priority;
	bool boot;
	char limits[4096];
	char bridge[16];
	bool nat;
};

static int meta_check(const struct import_meta *im, struct cell_error *err);

static int parse_meta(char *txt, struct import_meta *im,
		      struct cell_error *err)
{
	memset(im, 0, sizeof(*im));
	im->priority = 99;
	im->boot = true;
	bool format = false;
	size_t loff = 0;
	for (char *s = NULL, *l = strtok_r(txt, "\n", &s); l;
	     l = strtok_r(NULL, "\n", &s)) {
		char *eq = strchr(l, '=');
		if (!eq)
			return cell_error_set(err, -EINVAL, EXPORT_META ": bad "
					      "line");
		*eq++ = '\0';
		int r = 0;
		if (!strcmp(l, "format"))
			format = !strcmp(eq, "1");
		else if (!strcmp(l, "name"))
			r = cell_strlcpy(im->name, eq, sizeof(im->name));
		else if (!strcmp(l, "release"))
			r = cell_strlcpy(im->release, eq, sizeof(im->release));
		else if (!strcmp(l, "ip4"))
			r = cell_strlcpy(im->ip4, eq, sizeof(im->ip4));
		else if (!strcmp(l, "tags"))
			r = cell_strlcpy(im->tags, eq, sizeof(im->tags));
		else if (!strcmp(l, "priority"))
			im->priority = atoi(eq);
		else if (!strcmp(l, "boot"))
			im->boot = strcmp(eq, "0") != 0;
		else if (!strcmp(l, "bridge"))
			r = cell_strlcpy(im->bridge, eq, sizeof(im->bridge));
		else if (!strcmp(l, "nat"))
			im->nat = !strcmp(eq, "1");
		else if (!strcmp(l, "limit")) {
			int n = snprintf(im->limits + loff,
					 sizeof(im->limits) - loff, "%s\n", eq);
			if (n < 0 || (size_t)n >= sizeof(im->limits) - loff)
				r = -E2BIG;
			else
				loff += (size_t)n;
		}
		if (r < 0)
			return cell_error_set(err, -E2BIG, EXPORT_META ": %s "
					      "too long", l);
	}
	if (!format)
		return cell_error_set(err, -EINVAL, EXPORT_META ": unknown "
				      "format");
	return meta_check(im, err);
}

/* No control characters (limits: '\n' ends each line) and NUL-terminated
 * within its field. */
static bool meta_str_ok(const char *s, size_t size, bool lines)
{
	const char *end = memchr(s, '\0', size);
	if (!end)
		return false;
	for (; s < end; s++)
		if ((unsigned char)*s < 0x20 && !(lines && *s == '\n'))
			return false;
	return true;
}

/* What parse_meta's answer must satisfy; checked again on the struct the
 * sandboxed child sends (import_meta_sandboxed). */
static int meta_check(const struct import_meta *im, struct cell_error *err)
{
	if (!meta_str_ok(im->name, sizeof(im->name), false) ||
	    !meta_str_ok(im->release, sizeof(im->release), false) ||
	    !meta_str_ok(im->ip4, sizeof(im->ip4), false) ||
	    !meta_str_ok(im->tags, sizeof(im->tags), false) ||
	    !meta_str_ok(im->limits, sizeof(im->limits), true) ||
	    !meta_str_ok(im->bridge, sizeof(im->bridge), false))
		return cell_error_set(err, -EINVAL, EXPORT_META ": bad value");
	if ((im->release[0] && strchr(im->release, '/')) ||
	    strchr(im->release, '"') || strchr(im->ip4, '"') ||
	    !tags_ok(im->tags[0] ? im->tags : NULL) || im->priority < 0 ||
	    im->priority > 9999)
		return cell_error_set(err, -EINVAL, EXPORT_META ": bad value");
	return 0;
}

/* In a capability-mode child holding only the archive (fds[0]): the first
 * entry must be EXPORT_META; its parsed fields go back as the struct. */
static int meta_child(struct cell_sbx *s, const int *fds, void *arg)
{
	(void)arg;
	struct cell_error err;
	cell_error_clear(&err);
	struct archive *a = cell_mgr_tar_reader();
	if (!a)
		return cell_sbx_error(s, -ENOMEM, "out of memory");
	struct archive_entry *e;
	int r = 0;
	static char txt[65537];
	struct import_meta im;
	if (lseek(fds[0], 0, SEEK_SET) < 0 ||
	    archive_read_open_fd(a, fds[0], 65536) != ARCHIVE_OK) {
		r = cell_sbx_error(s, -EINVAL, "%s", archive_error_string(a)
				   ? archive_error_string(a) : "cannot read");
		goto out;
	}
	if (archive_read_next_header(a, &e) != ARCHIVE_OK ||
	    !archive_entry_pathname(e) ||
	    strcmp(archive_entry_pathname(e), EXPORT_META) ||
	    archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_size(e) <= 0 || archive_entry_size(e) > 65536) {
		r = cell_sbx_error(s, -EINVAL, "not a cell export (no "
				   EXPORT_META " first)");
		goto out;
	}
	la_ssize_t n = archive_read_data(a, txt, sizeof(txt) - 1);
	if (n != archive_entry_size(e)) {
		r = cell_sbx_error(s, -EIO, "short " EXPORT_META);
		goto out;
	}
	txt[n] = '\0';
	r = parse_meta(txt, &im, &err);
	if (r < 0)
		r = cell_sbx_error(s, r, "%s", err.msg);
	else
		r = cell_sbx_result(s, &im, sizeof(im));
out:
	archive_read_free(a);
	return r;
}

/* EXPORT_META of the archive on afd, parsed in capability mode; the
 * answer is a struct whose every field is checked again here. */
static int import_meta_sandboxed(struct cell_mgr *m, int afd,
				 struct import_meta *im,
				 struct cell_error *err)
{
	cap_rights_t rights;
	cap_rights_init(&rights, CAP_READ, CAP_SEEK, CAP_FSTAT);
	_cleanup_free_ char *res = NULL;
	size_t len = 0;
	int r = cell_sbx_run(m, "import: " EXPORT_META, &afd, &rights, 1,
			     meta_child, NULL, sizeof(*im), &res, &len, err);
	if (r < 0)
		return r;
	if (len != sizeof(*im))
		return cell_error_set(err, -EPROTO, EXPORT_META ": bad answer "
				      "from the sandboxed parser");
	memcpy(im, res, sizeof(*im));
	return meta_check(im, err);
}

static int import_locked(struct cell_mgr *m, const char *file,
			 const char *newname, struct cell_error *err)
{
	char sum[PATH_MAX + 8], hex[65];
	if (snprintf(sum, sizeof(sum), "%s.sha256", file) >= (int)sizeof(sum))
		return cell_error_set(err, -ENAMETOOLONG, "path too long");
	_cleanup_free_ char *want = NULL;
	size_t wl;
	int r = cell_read_file(sum, 4096, &want, &wl);
	if (r < 0)
		return cell_error_errno(err, r, "checksum file %s", sum);
	_cleanup_close_ int afd = open(file, O_RDONLY | O_CLOEXEC);
	if (afd < 0)
		return cell_error_errno(err, -errno, "open %s", file);
	r = cell_mgr_sha256_fd(afd, file, hex, err);
	if (r < 0)
		return r;
	if (wl < 64 || strncmp(want, hex, 64))
		return cell_error_set(err, -EBADMSG, "%s: checksum mismatch "
				      "(corrupted or tampered archive)", file);

	char dir[PATH_MAX], root[PATH_MAX + 8];
	bool made = false;
	struct import_meta im;
	r = import_meta_sandboxed(m, afd, &im, err);
	if (r < 0) {
		cell_error_context(err, NULL, NULL, file);
		goto out;
	}
	const char *name = newname ? newname : im.name;
	if ((r = jail_dir(m, name, dir, err)) < 0)
		goto out;
	snprintf(root, sizeof(root), "%s/root", dir);
	if (mkdir(dir, 0700) < 0) {
		r = errno == EEXIST ? cell_error_set(err, -EEXIST, "jail '%s' "
						     "exists", name)
				    : cell_error_errno(err, -errno, "mkdir %s",
						       dir);
		goto out;
	}
	made = true;
	r = m->st->tree_new(root, err);
	if (r < 0)
		goto out;
	{
		_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY |
					       O_NOFOLLOW | O_CLOEXEC);
		if (rfd < 0) {
			r = cell_error_errno(err, -errno, "open %s", root);
			goto out;
		}
		const struct cell_mgr_xopts xo = {
			.strip = "root/", .skip_first = EXPORT_META,
		};
		r = cell_mgr_extract(m, afd, rfd, &xo, err);
		if (r == 0 && fchmod(rfd, 0755) < 0)
			r = cell_error_errno(err, -errno, "chmod %s", root);
	}
	if (r == 0)
		r = cell_mgr_release_verify(root, err);
	if (r == 0) {
		struct conf_args ca = {
			.name = name, .release = im.release,
			.ip4 = im.ip4[0] ? im.ip4 : NULL,
			.tags = im.tags[0] ? im.tags : NULL, .thick = true,
			.boot = im.boot, .priority = im.priority,
			.bridge = im.bridge[0] ? im.bridge : NULL,
			.nat = im.nat,
		};
		char rc[PATH_MAX + 16];
		snprintf(rc, sizeof(rc), "%s/etc/rc", root);
		ca.rc = access(rc, F_OK) == 0;
		r = write_conf(m, dir, &ca, err);
	}
	if (r == 0 && im.limits[0]) {
		char lp[PATH_MAX + 16];
		snprintf(lp, sizeof(lp), "%s/limits", dir);
		r = cell_write_atomic(lp, im.limits, strlen(im.limits), 0644,
				      err);
	}
out:
	if (r < 0 && made) {
		m->st->tree_remove(root, NULL);
		cell_tree_remove(dir, NULL);
	}
	if (r < 0)
		cell_error_context(err, NULL, "import", NULL);
	return r;
}

int cell_mgr_import(struct cell_mgr *m, const char *file, const char *name,
		    struct cell_error *err)
{
	int r = cell_mgr_lock(m, err);
	return r < 0 ? r : cell_mgr_unlock_ret(m,
		import_locked(m, file, name, err));
}
