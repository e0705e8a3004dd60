/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Files: reading one (size limit, O_CLOEXEC), .include globs with loop
 * detection and a depth limit, the default file set, and the public
 * parse entry points.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

const char *conf_intern_file(struct cell_conf_priv *pv, const char *name)
{
	for (size_t i = 0; i < pv->nfiles; i++)
		if (!strcmp(pv->files[i], name))
			return pv->files[i];
	char **n = realloc(pv->files, (pv->nfiles + 1) * sizeof(*n));
	if (!n)
		return NULL;
	pv->files = n;
	char *c = strdup(name);
	if (!c)
		return NULL;
	pv->files[pv->nfiles++] = c;
	return c;
}

/* "from: " prefix for errors about a file named at an .include. */
static int file_error(struct cell_error *err, int code,
		      const struct cell_conf_pos *from, const char *path,
		      const char *what)
{
	if (code > 0)
		code = -code;
	if (from)
		return conf_error(err, code, from, "%s: %s", path, what);
	return cell_error_set(err, code, "%s: %s", path, what);
}

static int read_all(int fd, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > CELL_CONF_FILE_MAX) {
				free(buf);
				return -EFBIG;
			}
			char *n = realloc(buf, cap * 2);
			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			free(buf);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CELL_CONF_FILE_MAX) {
			free(buf);
			return -EFBIG;
		}
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int conf_parse_path(struct cell_conf_priv *pv, const char *path,
		    const struct cell_conf_pos *from, size_t block,
		    unsigned nest, bool once, struct cell_error *err)
{
	/* Included and default files must be regular files: never block
	 * opening a FIFO or read a device. The file named by the caller may
	 * be anything readable (jail -f /dev/stdin). */
	bool strict = from || once;
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | (strict ? O_NONBLOCK : 0);
	_cleanup_close_ int fd = open(path, flags);
	if (fd < 0)
		return file_error(err, errno, from, path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return file_error(err, errno, from, path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return file_error(err, EISDIR, from, path,
				  "is a directory, expected a file");
	if (strict && !S_ISREG(st.st_mode))
		return file_error(err, EINVAL, from, path,
				  "not a regular file");
	struct conf_file_id id = { st.st_dev, st.st_ino };
	for (size_t i = 0; i < pv->depth; i++)
		if (pv->stack[i].dev == id.dev && pv->stack[i].ino == id.ino)
			return file_error(err, ELOOP, from, path,
					  "include loop: this file is already "
					  "being read");
	if (once)
		for (size_t i = 0; i < pv->nseen; i++)
			if (pv->seen[i].dev == id.dev &&
			    pv->seen[i].ino == id.ino)
				return 0;
	if (pv->depth > CELL_CONF_INCLUDE_MAX)
		return file_error(err, ELOOP, from, path,
				  "includes nested too deep (more than "
				  "16 levels)");
	if (pv->nseen >= CELL_CONF_FILES_MAX)
		return file_error(err, E2BIG, from, path,
				  "too many files (more than 256)");
	if (S_ISREG(st.st_mode) && st.st_size > CELL_CONF_FILE_MAX)
		return file_error(err, EFBIG, from, path,
				  "file larger than 1 MiB");

	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = read_all(fd, &buf, &len);
	if (r == -EFBIG)
		return file_error(err, r, from, path,
				  "file larger than 1 MiB");
	if (r < 0)
		return file_error(err, r, from, path, strerror(-r));

	struct conf_file_id *n = realloc(pv->seen,
					 (pv->nseen + 1) * sizeof(*n));
	if (!n)
		return file_error(err, ENOMEM, from, path, "out of memory");
	pv->seen = n;
	pv->seen[pv->nseen++] = id;

	const char *name = conf_intern_file(pv, path);
	if (!name)
		return file_error(err, ENOMEM, from, path, "out of memory");
	pv->stack[pv->depth++] = id;
	r = conf_parse_buffer(pv, buf, len, name, block, nest, err);
	pv->depth--;
	return r;
}

static bool has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

int conf_include(struct cell_conf_priv *pv, const char *pattern,
		 const struct cell_conf_pos *pos, size_t block, unsigned nest,
		 struct cell_error *err)
{
	char full[PATH_MAX];
	int n;
	if (pv->noinclude)
		return conf_error(err, -EPERM, pos,
				  ".include is not allowed here");
	if (!pattern[0])
		return conf_error(err, -EINVAL, pos,
				  "empty .include file name");
	if (pattern[0] == '/') {
		const char *root = pv->root && strcmp(pv->root, "/") ? pv->root
								     : "";
		n = snprintf(full, sizeof(full), "%s%s", root, pattern);
	} else if (pv->depth > 0 && strchr(pos->file, '/')) {
		/* relative to the including file's directory */
		const char *slash = strrchr(pos->file, '/');
		n = snprintf(full, sizeof(full), "%.*s/%s",
			     (int)(slash - pos->file), pos->file, pattern);
	} else {
		n = snprintf(full, sizeof(full), "%s", pattern);
	}
	if (n < 0 || (size_t)n >= sizeof(full))
		return conf_error(err, -ENAMETOOLONG, pos,
				  ".include file name too long");

	bool magic = has_magic(pattern);
	glob_t g;
	memset(&g, 0, sizeof(g));
	int gr = glob(full, GLOB_MARK, NULL, &g);
	if (gr == GLOB_NOMATCH) {
		globfree(&g);
		if (magic)
			return 0;
		return conf_error(err, -ENOENT, pos,
				  "cannot include %s: no such file", full);
	}
	if (gr != 0) {
		globfree(&g);
		return conf_error(err, gr == GLOB_NOSPACE ? -ENOMEM : -EIO,
				  pos, "cannot include %s: glob failed", full);
	}
	int r = 0;
	for (size_t i = 0; i < g.gl_pathc && r >= 0; i++) {
		const char *m = g.gl_pathv[i];
		size_t ml = strlen(m);
		if (magic && ml > 1 && m[ml - 1] == '/')
			continue; /* a directory matched by a wildcard */
		r = conf_parse_path(pv, m, pos, block, nest, false, err);
	}
	globfree(&g);
	return r;
}

/* --- public entry points -------------------------------------------------- */

static struct cell_conf_priv *priv_new(void)
{
	struct cell_conf_priv *pv = calloc(1, sizeof(*pv));
	if (pv)
		pv->global_block = SIZE_MAX;
	return pv;
}

static int finish(struct cell_conf_priv *pv, int r, struct cell_conf **out,
		  struct cell_error *err)
{
	if (r < 0) {
		conf_priv_free(pv);
		return r;
	}
	struct cell_conf *c = calloc(1, sizeof(*c));
	if (!c) {
		conf_priv_free(pv);
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	c->priv = pv;
	r = conf_build(c, err);
	if (r < 0) {
		cell_conf_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int cell_conf_parse_file(const char *path, struct cell_conf **out,
			 struct cell_error *err)
{
	*out = NULL;
	if (!path || !*path)
		return cell_error_set(err, -EINVAL, "empty file name");
	struct cell_conf_priv *pv = priv_new();
	if (!pv)
		return cell_error_set(err, -ENOMEM, "out of memory");
	int r = conf_parse_path(pv, path, NULL, SIZE_MAX, 0, false, err);
	return finish(pv, r, out, err);
}

int cell_conf_parse_string(const char *text, size_t len, const char *name,
			   struct cell_conf **out, struct cell_error *err)
{
	return cell_conf_parse_string_flags(text, len, name, 0, out, err);
}

int cell_conf_parse_string_flags(const char *text, size_t len,
				 const char *name, unsigned flags,
				 struct cell_conf **out, struct cell_error *err)
{
	*out = NULL;
	if (len > CELL_CONF_FILE_MAX)
		return cell_error_set(err, -EFBIG, "%s: larger than 1 MiB",
				      name ? name : "<string>");
	struct cell_conf_priv *pv = priv_new();
	if (!pv)
		return cell_error_set(err, -ENOMEM, "out of memory");
	pv->noinclude = flags & CELL_CONF_NOINCLUDE;
	const char *file = conf_intern_file(pv, name ? name : "<string>");
	int r = file ? conf_parse_buffer(pv, text ? text : "", len, file,
					 SIZE_MAX, 0, err)
		     : cell_error_set(err, -ENOMEM, "out of memory");
	return finish(pv, r, out, err);
}

int cell_conf_load_default(const char *root, struct cell_conf **out,
			   struct cell_error *err)
{
	*out = NULL;
	if (!root || !strcmp(root, "/"))
		root = "";
	struct cell_conf_priv *pv = priv_new();
	if (!pv)
		return cell_error_set(err, -ENOMEM, "out of memory");
	pv->root = root;

	char path[PATH_MAX];
	int r = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/etc/jail.conf", root) >=
	    sizeof(path))
		r = cell_error_set(err, -ENAMETOOLONG, "root too long");
	if (r >= 0 && access(path, F_OK) == 0)
		r = conf_parse_path(pv, path, NULL, SIZE_MAX, 0, true, err);

	static const char *const globs[] = { "/etc/jail.*.conf",
					     "/etc/jail.conf.d/*.conf" };
	for (size_t k = 0; k < ARRAY_SIZE(globs) && r >= 0; k++) {
		snprintf(path, sizeof(path), "%s%s", root, globs[k]);
		glob_t g;
		memset(&g, 0, sizeof(g));
		int gr = glob(path, GLOB_MARK, NULL, &g);
		if (gr != 0 && gr != GLOB_NOMATCH)
			r = cell_error_set(err, -EIO, "%s: glob failed",
					   path);
		for (size_t i = 0; gr == 0 && i < g.gl_pathc && r >= 0; i++) {
			const char *m = g.gl_pathv[i];
			if (m[strlen(m) - 1] == '/')
				continue;
			r = conf_parse_path(pv, m, NULL, SIZE_MAX, 0, true,
					    err);
		}
		globfree(&g);
	}
	pv->root = NULL;
	return finish(pv, r, out, err);
}
