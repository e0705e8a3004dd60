/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Storage backends of the manager, behind one small interface.
 *
 *   btrfs    a release is a subvolume made read-only; a thin jail's root
 *            is a writable snapshot of it; snapshot, rollback and clone
 *            are subvolume snapshots (O(1)). A thick jail is a writable
 *            subvolume filled with a copy.
 *   overlay  a release is a directory; a thin jail is upper/ and work/
 *            over it, mounted on root/ by the host at start, unmounted at
 *            stop; snapshot, rollback and clone copy upper/.
 *   dir      plain directories; every jail is a copy (thick).
 *
 * All paths are absolute. Every function returns 0 or -errno and fills
 * err. What a failing call made is removed again.
 */
#ifndef CELL_MGR_STORAGE_H
#define CELL_MGR_STORAGE_H

#include <stdbool.h>

#include "error.h"

enum cell_backend {
	CELL_BACKEND_DIR,
	CELL_BACKEND_BTRFS,
	CELL_BACKEND_OVERLAY,
};

struct cell_storage_ops {
	const char *name;
	/* A new, empty, writable tree at path to fill with a release. */
	int (*tree_new)(const char *path, struct cell_error *err);
	/* Make a filled release tree read-only. */
	int (*tree_seal)(const char *path, struct cell_error *err);
	/* Remove a tree made by this backend (release, root, snapshot). */
	int (*tree_remove)(const char *path, struct cell_error *err);
	/* Make jaildir/root (and what else the backend needs in jaildir)
	 * from the release at rel; thick: an independent copy. */
	int (*jail_new)(const char *rel, const char *jaildir, bool thick,
			struct cell_error *err);
	/* Before start / after stop (overlay: mount / unmount root/). */
	int (*jail_mount)(const char *rel, const char *jaildir, bool thick,
			  struct cell_error *err);
	int (*jail_umount)(const char *jaildir, struct cell_error *err);
	/* Remove what jail_new made in jaildir (jaildir itself stays). */
	int (*jail_remove)(const char *jaildir, struct cell_error *err);
	/* Save the jail's writable state to snap (which must not exist). */
	int (*snapshot)(const char *jaildir, bool thick, const char *snap,
			struct cell_error *err);
	/* Replace the jail's writable state with snap (jail stopped). */
	int (*rollback)(const char *jaildir, bool thick, const char *snap,
			struct cell_error *err);
	/* Make dstdir's root/state from srcdir's. */
	int (*clone)(const char *srcdir, const char *dstdir, bool thick,
		     struct cell_error *err);
};

const struct cell_storage_ops *cell_storage_get(enum cell_backend b);
int cell_backend_parse(const char *s, enum cell_backend *b);
const char *cell_backend_name(enum cell_backend b);

/* --- file helpers (fsutil.c) ------------------------------------------ */

/* Copy the tree at src (a directory) to dst (must not exist): modes,
 * owners, times, extended attributes, symlinks, hard links, fifos,
 * device nodes, holes of sparse files; at any depth (a path longer than
 * PATH_MAX is an error). On failure dst is removed. */
int cell_tree_copy(const char *src, const char *dst, struct cell_error *err);
/* Copy the contents of directory fd sfd into directory fd dfd. */
int cell_tree_copy_fd(int sfd, int dfd, struct cell_error *err);
/* rm -rf path, at any depth; never crosses into another mount (a mount
 * point in the tree is -EBUSY). ENOENT is fine. */
int cell_tree_remove(const char *path, struct cell_error *err);
/* Same, on the entries of directory fd dfd (dfd stays). */
int cell_tree_clear_fd(int dfd, struct cell_error *err);
/* Is path a mount point? (1 yes, 0 no, -errno) */
int cell_is_mountpoint(const char *path);
/* Run argv (no shell), stdout to out_fd (-1: /dev/null, -2: inherit),
 * stderr captured into the error message on failure. */
int cell_run(char *const argv[], int out_fd, struct cell_error *err);
/* Write a small file atomically (tmp, fsync, rename) with mode. */
int cell_write_atomic(const char *path, const char *buf, size_t len,
		      mode_t mode, struct cell_error *err);

#endif
