/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell bootstrap --oci DIR|ARCHIVE NAME: a release from an OCI image
 * layout (https://github.com/opencontainers/image-spec, image-layout.md).
 *
 * index.json and the manifest are parsed with jansson in a capability-mode
 * child that holds only the layout directory (lookup and read): it picks
 * the image (the only one, or the one for linux and this machine's
 * architecture; a nested index is followed), checks the manifest's
 * sha256 against its descriptor, and answers with the layers as a count
 * and fixed 72-byte records (64 hex digits of the digest, the size as a
 * u64), which the parent checks again. The parent opens each blob
 * beneath the layout (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS),
 * checks its sha256 and size, and hands it to the capability-mode
 * extractor with whiteouts on (extract.c), layer after layer.
 *
 * An ARCHIVE (a tar of a layout, as `skopeo copy ... oci-archive:F`
 * writes) is first extracted by the same extractor into
 * releases/.NAME.oci.partial, removed afterwards (and by the next
 * command's sweep if this one is killed).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "mgr/internal.h"
#include "mgr/sandbox.h"

#define OCI_JSON_MAX (4 << 20)
#define OCI_LAYERS_MAX 256
#define OCI_INDEX_DEPTH 4

struct oci_layer {
	char hex[65];
	uint64_t size;
};

static bool hex64_ok(const char *h)
{
	if (strlen(h) != 64)
		return false;
	for (const char *c = h; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

/* --- in the child ----------------------------------------------------------- */

static const char *host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#else
	static struct utsname u;
	uname(&u);
	return u.machine;
#endif
}

/* Read blobs/sha256/HEX (or index.json when hex is NULL) beneath the
 * layout, at most OCI_JSON_MAX bytes; when hex is given its sha256 must
 * match. */
static json_t *load_json(struct cell_sbx *s, int dir, const char *hex)
{
	char path[128];
	snprintf(path, sizeof(path), hex ? "blobs/sha256/%s" : "index.json",
		 hex);
	_cleanup_close_ int fd = openat(dir, path, O_RDONLY | O_NOFOLLOW |
					O_CLOEXEC);
	if (fd < 0) {
		cell_sbx_error(s, -errno, "OCI layout: %s: %s", path,
			       strerror(errno));
		return NULL;
	}
	_cleanup_free_ char *buf = malloc(OCI_JSON_MAX + 1);
	if (!buf) {
		cell_sbx_error(s, -ENOMEM, "out of memory");
		return NULL;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, OCI_JSON_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cell_sbx_error(s, -errno, "OCI layout: read %s", path);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > OCI_JSON_MAX) {
			cell_sbx_error(s, -EFBIG, "OCI layout: %s: larger "
				       "than %d bytes", path, OCI_JSON_MAX);
			return NULL;
		}
	}
	if (hex) {
		char got[65];
		struct cell_error err;
		int mfd = memfd_create("blob", MFD_CLOEXEC);
		if (mfd < 0 || write(mfd, buf, len) != (ssize_t)len ||
		    cell_mgr_sha256_fd(mfd, path, got, &err) < 0) {
			if (mfd >= 0)
				close(mfd);
			cell_sbx_error(s, -EIO, "OCI layout: cannot hash %s",
				       path);
			return NULL;
		}
		close(mfd);
		if (strcmp(got, hex)) {
			cell_sbx_error(s, -EBADMSG, "OCI layout: %s: digest "
				       "mismatch", path);
			return NULL;
		}
	}
	json_error_t je;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		cell_sbx_error(s, -EINVAL, "OCI layout: %s: %.200s", path,
			       j ? "not an object" : je.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* "sha256:HEX" of a descriptor into hex */
static int desc_digest(struct cell_sbx *s, json_t *d, char hex[65])
{
	const char *dg = json_string_value(json_object_get(d, "digest"));
	if (!dg || strncmp(dg, "sha256:", 7) || !hex64_ok(dg + 7))
		return cell_sbx_error(s, -EINVAL, "OCI layout: a descriptor "
				      "without a sha256 digest");
	memcpy(hex, dg + 7, 65);
	return 0;
}

static bool media_is(json_t *d, const char *const *types)
{
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	for (; mt && *types; types++)
		if (!strcmp(mt, *types))
			return true;
	return false;
}

static const char *const index_types[] = {
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json", NULL,
};
static const char *const manifest_types[] = {
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json", NULL,
};
static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip", NULL,
};

/* The manifest descriptor to use in index (one, or linux/ARCH). */
static json_t *pick(struct cell_sbx *s, json_t *index)
{
	json_t *ms = json_object_get(index, "manifests");
	if (!json_is_array(ms) || json_array_size(ms) == 0) {
		cell_sbx_error(s, -EINVAL, "OCI layout: no manifests");
		return NULL;
	}
	if (json_array_size(ms) == 1)
		return json_array_get(ms, 0);
	size_t i;
	json_t *d;
	json_array_foreach(ms, i, d) {
		json_t *p = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *ar = json_string_value(
			json_object_get(p, "architecture"));
		if (os && ar && !strcmp(os, "linux") &&
		    !strcmp(ar, host_arch()))
			return d;
	}
	cell_sbx_error(s, -ENOENT, "OCI layout: %zu images, none for "
		       "linux/%s", json_array_size(ms), host_arch());
	return NULL;
}

static int layers_child(struct cell_sbx *s, const int *fds, void *arg)
{
	(void)arg;
	int dir = fds[0];
	json_t *j = load_json(s, dir, NULL);
	if (!j)
		return -EINVAL;
	int r = 0;
	char hex[65];
	for (int depth = 0;; depth++) {
		json_t *d = pick(s, j);
		if (!d || desc_digest(s, d, hex) < 0) {
			r = -EINVAL;
			break;
		}
		bool nested = media_is(d, index_types);
		if (!nested && !media_is(d, manifest_types)) {
			r = cell_sbx_error(s, -EINVAL, "OCI layout: the image "
					   "is not an image manifest");
			break;
		}
		json_t *next = load_json(s, dir, hex);
		json_decref(j);
		j = next;
		if (!j) {
			r = -EINVAL;
			break;
		}
		if (!nested)
			break;
		if (depth + 1 >= OCI_INDEX_DEPTH) {
			r = cell_sbx_error(s, -ELOOP, "OCI layout: indexes "
					   "nested too deep");
			break;
		}
	}
	json_t *ls = r == 0 ? json_object_get(j, "layers") : NULL;
	if (r == 0 && (!json_is_array(ls) ||
		       json_array_size(ls) > OCI_LAYERS_MAX))
		r = cell_sbx_error(s, -EINVAL, "OCI layout: the manifest has "
				   "no layer list (or more than %d)",
				   OCI_LAYERS_MAX);
	if (r == 0) {
		uint32_t n = (uint32_t)json_array_size(ls);
		r = cell_sbx_result(s, &n, sizeof(n));
	}
	size_t i;
	json_t *d;
	if (r == 0)
		json_array_foreach(ls, i, d) {
			json_t *sz = json_object_get(d, "size");
			if (!media_is(d, layer_types)) {
				const char *mt = json_string_value(
					json_object_get(d, "mediaType"));
				r = cell_sbx_error(s, -EINVAL, "OCI layout: "
						   "layer %zu: media type "
						   "'%.100s' is not a tar "
						   "layer", i, mt ? mt : "");
				break;
			}
			if (desc_digest(s, d, hex) < 0 || !json_is_integer(sz) ||
			    json_integer_value(sz) < 0) {
				r = r < 0 ? r : cell_sbx_error(s, -EINVAL,
					"OCI layout: layer %zu: bad size", i);
				r = -EINVAL;
				break;
			}
			char rec[72];
			uint64_t size = (uint64_t)json_integer_value(sz);
			memcpy(rec, hex, 64);
			memcpy(rec + 64, &size, 8);
			if ((r = cell_sbx_result(s, rec, sizeof(rec))) < 0)
				break;
		}
	json_decref(j);
	return r;
}

/* --- in the parent ------------------------------------------------------------ */

static int oci_layers(struct cell_mgr *m, int dir, struct oci_layer **out,
		      size_t *n, struct cell_error *err)
{
	*out = NULL;
	*n = 0;
	/* load OpenSSL's digests before the child enters capability mode
	 * (it would look for its configuration by path) */
	{
		char hex[65];
		int mfd = memfd_create("warm", MFD_CLOEXEC);
		if (mfd >= 0) {
			cell_mgr_sha256_fd(mfd, "warm", hex, NULL);
			close(mfd);
		}
	}
	cap_rights_t rights;
	cap_rights_init(&rights, CAP_LOOKUP, CAP_READ, CAP_FSTAT, CAP_FSTATAT,
			CAP_SEEK);
	_cleanup_free_ char *res = NULL;
	size_t len = 0;
	int r = cell_sbx_run(m, "OCI layout", &dir, &rights, 1, layers_child,
			     NULL, 4 + 72 * OCI_LAYERS_MAX, &res, &len, err);
	if (r < 0)
		return r;
	uint32_t cnt;
	if (len < 4 || (memcpy(&cnt, res, 4), cnt > OCI_LAYERS_MAX) ||
	    len != 4 + 72 * (size_t)cnt)
		return cell_error_set(err, -EPROTO, "OCI layout: bad answer "
				      "from the sandboxed parser");
	if (cnt == 0)
		return cell_error_set(err, -EINVAL, "OCI layout: the image has "
				      "no layers");
	struct oci_layer *l = calloc(cnt, sizeof(*l));
	if (!l)
		return cell_error_set(err, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < cnt; i++) {
		memcpy(l[i].hex, res + 4 + 72 * i, 64);
		l[i].hex[64] = '\0';
		memcpy(&l[i].size, res + 4 + 72 * i + 64, 8);
		if (!hex64_ok(l[i].hex)) {
			free(l);
			return cell_error_set(err, -EPROTO, "OCI layout: bad "
					      "answer from the sandboxed "
					      "parser");
		}
	}
	*out = l;
	*n = cnt;
	return 0;
}

static int open_blob(int dir, const char *hex)
{
	char path[128];
	snprintf(path, sizeof(path), "blobs/sha256/%s", hex);
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dir, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

int cell_mgr_oci_apply(struct cell_mgr *m, int dir, int root,
		       struct cell_error *err)
{
	struct oci_layer *l = NULL;
	size_t n = 0;
	int r = oci_layers(m, dir, &l, &n, err);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_close_ int fd = open_blob(dir, l[i].hex);
		struct stat st;
		char got[65];
		if (fd < 0) {
			r = cell_error_errno(err, fd, "OCI layout: layer %zu "
					     "(blobs/sha256/%.12s...)", i,
					     l[i].hex);
			break;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_size != l[i].size) {
			r = cell_error_set(err, -EBADMSG, "OCI layout: layer "
					   "%zu: not a file of the size its "
					   "descriptor gives", i);
			break;
		}
		r = cell_mgr_sha256_fd(fd, "layer", got, err);
		if (r == 0 && strcmp(got, l[i].hex))
			r = cell_error_set(err, -EBADMSG, "OCI layout: layer "
					   "%zu: digest mismatch", i);
		if (r < 0)
			break;
		if (m->progress) {
			char line[128];
			snprintf(line, sizeof(line), "layer %zu/%zu "
				 "sha256:%.12s", i + 1, n, l[i].hex);
			m->progress(m->arg, line);
		}
		const struct cell_mgr_xopts xo = { .oci = true };
		r = cell_mgr_extract(m, fd, root, &xo, err);
	}
	free(l);
	return r;
}
