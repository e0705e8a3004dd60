/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the files of lib/cgroup only. */
#ifndef CELL_CGROUP_INTERNAL_H
#define CELL_CGROUP_INTERNAL_H

#include <limits.h>

#include "cgroup.h"

#define CG_MAX_HIER 12
#define CG_FILE_MAX (64 * 1024)   /* interface files we read */
#define CG_PROCS_MAX (16u << 20)  /* cgroup.procs */

enum cg_ctl {
	CG_PIDS    = 1u << 0,
	CG_MEMORY  = 1u << 1,
	CG_CPU     = 1u << 2,
	CG_CPUACCT = 1u << 3,
	CG_BLKIO   = 1u << 4,   /* v2: io */
	CG_FREEZER = 1u << 5,
	CG_DEVICES = 1u << 6,
	CG_CPUSET  = 1u << 7,
	CG_UNIFIED = 1u << 8,   /* the v2 hierarchy itself */
};

struct cg_hier {
	char *mnt;              /* mount point */
	unsigned ctl;           /* enum cg_ctl bits (v1), CG_UNIFIED (v2) */
};

struct cell_cgroup_host {
	enum cell_cgroup_mode mode;
	bool fake;
	char root[PATH_MAX];
	struct cg_hier hier[CG_MAX_HIER];
	size_t n;
	int unified;            /* index of the v2 hierarchy, or -1 */
};

struct cell_cgroup {
	struct cell_cgroup_host *host;
	char rel[256];
	char *dir[CG_MAX_HIER];   /* NULL where relpath is absent */
	char *made[CG_MAX_HIER];  /* topmost directory create made, or NULL */
	int unified_fd;
	int dev_prog_fd;          /* device program this handle attached */
	unsigned v1_ready;        /* bit i: hierarchy i holds all processes
				   * (hybrid lazy move done by this handle) */
};

/* path of file in hierarchy i's directory; -ENAMETOOLONG */
int cg_path(const struct cell_cgroup *cg, size_t i, const char *file,
	    char *buf, size_t len);
/* first hierarchy (present in cg) with a controller bit, or -1 */
int cg_find(const struct cell_cgroup *cg, unsigned ctl);
/* look again for the hierarchies where cg has no directory yet */
void cg_refresh(struct cell_cgroup *cg);
/*
 * Hierarchy index of the directory with controller ctl, for a limit.
 * Not HYBRID: cg_find, else -EOPNOTSUPP. HYBRID: -EOPNOTSUPP when no v1
 * hierarchy has ctl; without make, -ENODATA when cg has no directory
 * there; with make, the directory is made and the processes moved into it
 * (see cell_cgroup_limit_set). err is filled on every failure.
 */
int cg_ctl_dir(struct cell_cgroup *cg, unsigned ctl, bool make,
	       struct cell_error *err);
int cg_write(const char *path, const char *val);
/* same with O_TRUNC: for the regular files of a fake tree only */
int cg_write_trunc(const char *path, const char *val);
/* read a small file, trailing newlines removed */
int cg_read(const char *path, char **out);
/* v2: the controller name is in the cgroup's cgroup.controllers */
bool cg_v2_has(const struct cell_cgroup *cg, const char *ctl);

#endif
