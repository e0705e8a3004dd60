/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared inside lib/mgr only. */
#ifndef CELL_MGR_INTERNAL_H
#define CELL_MGR_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "mgr/mgr.h"

/*
 * Extract the archive open on afd (read from its start) into the
 * directory fd root, in a capability-mode child (extract.c, sandbox.h),
 * refusing (and stopping at) absolute paths, "..", writes through
 * symlinks, device nodes and sockets.
 */
struct cell_mgr_xopts {
	const char *strip;      /* e.g. "root/": every entry must lie under
				 * it and loses it */
	const char *skip_first; /* the first entry must have this name and
				 * is skipped (an export's meta file) */
	bool oci;               /* an OCI layer: whiteouts apply */
};
int cell_mgr_extract(struct cell_mgr *m, int afd, int root,
		     const struct cell_mgr_xopts *o, struct cell_error *err);
/* The extraction itself, in the calling process (the fuzz target; the
 * manager always goes through cell_mgr_extract's sandboxed child). */
struct cell_sbx;
int cell_mgr_extract_here(struct cell_sbx *s, int afd, int root,
			  const struct cell_mgr_xopts *o);

/* A libarchive reader for what the manager reads: tar, GNU tar, under
 * any compression; NULL when out of memory (extract.c). */
struct archive;
struct archive *cell_mgr_tar_reader(void);

/* Apply the image of the OCI layout open on dir to root (oci_image.c). */
int cell_mgr_oci_apply(struct cell_mgr *m, int dir, int root,
		       struct cell_error *err);

/* sha256 of fd (read from its start) as 64 hex digits. */
int cell_mgr_sha256_fd(int fd, const char *path, char hex[65],
		       struct cell_error *err);

/* cell_mgr_unlock(m), then return r: the tail of a call that holds the
 * lock for a *_locked helper, as in
 *	int r = cell_mgr_lock(m, err);
 *	return r < 0 ? r : cell_mgr_unlock_ret(m, x_locked(m, ..., err)); */
int cell_mgr_unlock_ret(struct cell_mgr *m, int r);

/* Copy in to out with read(2)/write(2) until end of file (EINTR retried).
 * 0, or -errno. */
int cell_mgr_copy_rw(int in, int out);

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) beneath root (EAGAIN
 * retried); the fd or -errno. */
int cell_mgr_openat2_in(int root, const char *path, int flags, mode_t mode);

/* An O_PATH fd of the jail's root (an overlay that is not running is
 * mounted for the duration: *umount, then m->st->jail_umount(dir)). */
int cell_mgr_open_root(struct cell_mgr *m, const char *name, bool *umount,
		       char *dir, struct cell_error *err);

/* cell_mgr_cp beneath an open root (cell_mgr_open_root). */
int cell_mgr_cp_fd(int root, const char *hostpath, const char *jailpath,
		   struct cell_error *err);

/* cell_mgr_conf_set without writing: would the change be accepted? */
int cell_mgr_conf_check(struct cell_mgr *m, const char *name,
			const char *param, const char *value,
			struct cell_error *err);

/* -V IFACE (vnet_if.c): the bridge's name for IFACE, and (at start) the
 * bridge made with IFACE on it. */
int cell_mgr_vnet_if_bridge(const char *ifname, char *bridge, size_t len,
			    struct cell_error *err);
int cell_mgr_vnet_if_attach(const char *ifname, struct cell_error *err);

/* With the lock just taken: remove what killed commands left (jail
 * directories without jail.conf, releases/.NAME.partial). */
void cell_mgr_sweep(struct cell_mgr *m);

#endif
