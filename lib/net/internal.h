/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the files of lib/net only. */
#ifndef CELL_NET_INTERNAL_H
#define CELL_NET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Run an nftables command buffer (or, with is_file, the file named by
 * cmd) through libnftables in netns_fd (-1 = current). dry_run checks
 * without committing. On success *out (may be NULL) gets the malloc'd
 * output; on failure *errtext (may be NULL) gets the malloc'd first line
 * of libnftables' complaint. Returns 0 or a negative errno (-EINVAL when
 * nftables refused the input).
 */
int cell_nft_run(int netns_fd, const char *cmd, bool is_file, bool dry_run,
		 char **out, char **errtext);

#endif
