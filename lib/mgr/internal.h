/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared inside lib/mgr only. */
#ifndef CELL_MGR_INTERNAL_H
#define CELL_MGR_INTERNAL_H

#include <archive.h>

#include "mgr/mgr.h"

/*
 * Extract the rest of archive a into the directory fd root, refusing
 * (and stopping at) absolute paths, "..", writes through symlinks, device
 * nodes and sockets. strip (e.g. "root/"): every entry must lie under it
 * and loses it. Changes the working directory for the duration.
 */
int cell_mgr_extract(struct cell_mgr *m, struct archive *a, int root,
		     const char *strip, struct cell_error *err);

/* cell_mgr_unlock(m), then return r: the tail of a call that holds the
 * lock for a *_locked helper, as in
 *	int r = cell_mgr_lock(m, err);
 *	return r < 0 ? r : cell_mgr_unlock_ret(m, x_locked(m, ..., err)); */
int cell_mgr_unlock_ret(struct cell_mgr *m, int r);

/* Copy in to out with read(2)/write(2) until end of file (EINTR retried).
 * 0, or -errno. */
int cell_mgr_copy_rw(int in, int out);

#endif
