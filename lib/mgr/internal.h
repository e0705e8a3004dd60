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

#endif
