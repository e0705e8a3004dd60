/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The manager behind cell(8)'s subcommands: the bastille of Linux.
 *
 * Layout under the home directory (default /var/lib/cell, CELL_HOME or
 * cell -d DIR override):
 *
 *   HOME/setup.conf            what `cell setup` made (backend, image,
 *                              loop device, pool mount) as key=value
 *   DATA/releases/NAME         read-only release trees
 *   DATA/jails/NAME/jail.conf  an ordinary jail.conf block (jail -f reads it)
 *   DATA/jails/NAME/fstab      the jail's mount.fstab
 *   DATA/jails/NAME/root/      the jail's root (overlay: + upper/, work/)
 *   DATA/snapshots/NAME/TAG    snapshots of jail NAME
 *
 * DATA is HOME, or HOME/pool when setup made a btrfs image on a loop
 * device because HOME is not on btrfs.
 *
 * A jail's jail.conf carries the manager's own facts as meta.cell.*:
 * release, type (thin|thick), boot, priority, tags. Starting a jail reads
 * that file through lib/conf and creates the jail through cell_param_set()
 * and cell_create() (jail8.c), the same path as `jail -f FILE -c NAME`.
 *
 * Calls that change the layout hold an flock(2) on HOME/lock (nested calls
 * share it), so two commands never create, start or destroy the same jail
 * at once.
 *
 * Every function returns 0 or -errno and fills err; nothing prints except
 * through the progress callback, nothing exits.
 */
#ifndef CELL_MGR_H
#define CELL_MGR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "mgr/storage.h"

#define CELL_MGR_HOME_DEFAULT "/var/lib/cell"
#define CELL_MGR_NAME_MAX 64

struct cell_mgr {
	char home[PATH_MAX];
	char data[PATH_MAX];
	enum cell_backend backend;
	const struct cell_storage_ops *st;
	bool ready;                 /* setup.conf was read */
	char mirror[512];           /* setup.conf mirror= ("": Debian's) */
	int lockfd;                 /* HOME/lock, held by changing calls */
	int lockdepth;
	/* progress lines (bootstrap); NULL: silent */
	void (*progress)(void *arg, const char *line);
	void *arg;
};

/* Fill m from home (NULL: CELL_HOME, then the default) and setup.conf.
 * -ENOENT (with a message saying to run setup) when setup never ran. */
int cell_mgr_open(struct cell_mgr *m, const char *home, struct cell_error *err);

/* The manager's lock (nests); every changing call below takes it. */
int cell_mgr_lock(struct cell_mgr *m, struct cell_error *err);
void cell_mgr_unlock(struct cell_mgr *m);

/* Prepare home for backend (idempotent; re-attaches a detached image). */
int cell_mgr_setup(const char *home, enum cell_backend backend,
		   unsigned long long image_mb, struct cell_error *err);
/* Undo what setup made. Refuses while jails exist (-ENOTEMPTY). */
int cell_mgr_teardown(const char *home, struct cell_error *err);

/* Is name a valid jail / release / tag name ([A-Za-z0-9_-], 1..64)? */
bool cell_mgr_name_ok(const char *name);

/* --- releases ---------------------------------------------------------- */
int cell_mgr_bootstrap_busybox(struct cell_mgr *m, const char *name,
			       const char *busybox, struct cell_error *err);
int cell_mgr_bootstrap_tar(struct cell_mgr *m, const char *file,
			   const char *name, struct cell_error *err);
/* An OCI image layout directory, or a tar of one (oci_image.c): the
 * image's layers applied in order, whiteouts included, each through the
 * capability-mode extractor. */
int cell_mgr_bootstrap_oci(struct cell_mgr *m, const char *src,
			   const char *name, struct cell_error *err);
/* A Debian release (suite) through debootstrap --variant=minbase from
 * mirror (NULL: setup.conf's mirror=, else http://deb.debian.org/debian).
 * Needs debootstrap(8) and the network (or a local mirror). */
int cell_mgr_bootstrap_debian(struct cell_mgr *m, const char *suite,
			      const char *name, const char *mirror,
			      struct cell_error *err);
/* Check a release tree: bin/sh is an executable file (in the root), etc. */
int cell_mgr_release_verify(const char *path, struct cell_error *err);
int cell_mgr_release_remove(struct cell_mgr *m, const char *name,
			    struct cell_error *err);

/* --- jails ------------------------------------------------------------- */
struct cell_mgr_create {
	const char *name;
	const char *release;
	const char *ip4;       /* NULL: none */
	bool thick;
	bool boot;             /* default true */
	int priority;          /* default 99 */
	const char *tags;      /* comma list or NULL */
	const char *bridge;    /* vnet on this bridge (epair), or NULL */
	bool nat;              /* vnet.nat (with a bridge) */
	const char *depend;    /* comma list of jails started before it */
	const char *vnet_if;   /* -V: vnet on this host interface's bridge */
};
int cell_mgr_create(struct cell_mgr *m, const struct cell_mgr_create *c,
		    struct cell_error *err);

/* A jail as the manager knows it (jail.conf + state registry). */
struct cell_mgr_jail {
	char name[CELL_MGR_NAME_MAX + 1];
	char release[CELL_MGR_NAME_MAX + 1];
	char ip4[256];
	char tags[512];
	char depend[512];      /* meta.cell.depend: jails started first */
	char vnet_if[16];      /* meta.cell.vnet_if (-V), "" when none */
	char bridge[16];       /* "" when not vnet */
	bool thick, boot, running, nat;
	int priority;
	int jid;               /* 0 when stopped */
	char path[PATH_MAX];
};
int cell_mgr_jail_info(struct cell_mgr *m, const char *name,
		       struct cell_mgr_jail *out, struct cell_error *err);

/* Set (value) or remove (NULL) one parameter in the jail's jail.conf,
 * checked by the core as create checks the whole file; takes effect at the
 * next start. The manager's own (path, name, meta.cell.*, mount.fstab) and
 * the hooks that run on the host (exec.pre*, exec.post*, ...) are refused
 * (-EPERM). */
int cell_mgr_conf_set(struct cell_mgr *m, const char *name, const char *param,
		      const char *value, struct cell_error *err);
/* Its value in the libjail string form ("" when unset). */
int cell_mgr_conf_get(struct cell_mgr *m, const char *name, const char *param,
		      char *buf, size_t len, struct cell_error *err);

/* TARGET: a name, a comma list of names or tags, a tag, or ALL. Names are
 * returned sorted by priority then name; free with cell_mgr_names_free. */
int cell_mgr_targets(struct cell_mgr *m, const char *target, char ***names,
		     size_t *n, struct cell_error *err);
void cell_mgr_names_free(char **names, size_t n);
/* The jails marked for boot (meta.cell.boot), in priority order. */
int cell_mgr_boot_names(struct cell_mgr *m, char ***names, size_t *n,
			struct cell_error *err);
/*
 * Order names (as cell_mgr_targets returns them) for starting: every jail
 * after the jails it depends on (meta.cell.depend, cell create --depend),
 * else by priority then name. add_deps: the dependencies join the list
 * (start, boot); a dependency that does not exist is -ENOENT, a cycle
 * -ELOOP ("depend cycle: a -> b -> a"), found before anything runs. Stop
 * walks the result backwards. On failure *names is left as it was.
 */
int cell_mgr_order(struct cell_mgr *m, char ***names, size_t *n,
		   bool add_deps, struct cell_error *err);
/* Every jail / release / snapshot tag of a jail, sorted. */
int cell_mgr_list_dir(struct cell_mgr *m, const char *sub, char ***names,
		      size_t *n, struct cell_error *err);

/* Start / stop one jail. Starting a running jail or stopping a stopped one
 * is -EALREADY. */
int cell_mgr_start(struct cell_mgr *m, const char *name,
		   struct cell_error *err);
int cell_mgr_stop(struct cell_mgr *m, const char *name,
		  struct cell_error *err);
/* Run argv in a running jail; *status gets the wait status. */
int cell_mgr_cmd(struct cell_mgr *m, const char *name, char *const *argv,
		 int *status, struct cell_error *err);
int cell_mgr_destroy(struct cell_mgr *m, const char *name, bool force,
		     struct cell_error *err);

/*
 * cell console NAME [USER]: a login shell of USER (NULL: root) on a
 * pseudo-terminal made inside the jail, relayed to in/out (the caller's
 * terminal, put in raw mode and restored before returning; pipes work
 * too). Window size and signals are passed through (console.c). *status
 * gets the shell's wait status.
 */
struct cell_mgr_console {
	const char *user;
	int in, out;
	const char *term;      /* TERM inside (NULL: vt100) */
};
int cell_mgr_console(struct cell_mgr *m, const char *name,
		     const struct cell_mgr_console *c, int *status,
		     struct cell_error *err);

/* tag NULL: a time stamp (written to tag_out when given). */
int cell_mgr_snapshot(struct cell_mgr *m, const char *name, const char *tag,
		      char *tag_out, size_t tag_len, struct cell_error *err);
/* tag NULL: the newest snapshot. A running jail is stopped and started
 * again around it. */
int cell_mgr_rollback(struct cell_mgr *m, const char *name, const char *tag,
		      struct cell_error *err);
int cell_mgr_snapshot_remove(struct cell_mgr *m, const char *name,
			     const char *tag, struct cell_error *err);
int cell_mgr_clone(struct cell_mgr *m, const char *name, const char *newname,
		   const char *ip4, struct cell_error *err);

/* Rename a stopped jail (its directory, jail.conf and snapshots). */
int cell_mgr_rename(struct cell_mgr *m, const char *name, const char *newname,
		    struct cell_error *err);

/* Host file -> jail path / jail path -> host file. The jail side is
 * resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) beneath
 * the jail's root, so no symlink in the jail leads outside it; a symlink
 * as the last component is refused (-ELOOP). */
int cell_mgr_cp(struct cell_mgr *m, const char *name, const char *hostpath,
		const char *jailpath, struct cell_error *err);
int cell_mgr_rcp(struct cell_mgr *m, const char *name, const char *jailpath,
		 const char *hostpath, struct cell_error *err);

/*
 * cell limits NAME add RES VALUE | remove RES | clear | show: kept in
 * DATA/jails/NAME/limits, set on the cgroup at once when running and at
 * every start. show prints "RES VALUE (kernel: K, usage: U)" lines.
 */
int cell_mgr_limits(struct cell_mgr *m, const char *name, const char *op,
		    const char *res, const char *value, FILE *out,
		    struct cell_error *err);
/* Is res a resource name cell_mgr_limits knows? */
int cell_mgr_limits_res_ok(const char *res);
/* Set the stored limits on the running jail's cgroup (start does this). */
int cell_mgr_limits_apply(struct cell_mgr *m, const char *name,
			  struct cell_error *err);

/*
 * export: a zstd tar (root/... plus cell-export.conf: name, release, type,
 * tags, priority, boot, address, limits) and FILE.sha256. A running jail
 * is frozen while its tree is read. import: the checksum must match (a
 * corrupted or tampered archive is refused), entries are extracted as by
 * bootstrap --tar (nothing outside root/, no "..", no writes through
 * symlinks, no device nodes); the jail is made thick on any backend.
 */
int cell_mgr_export(struct cell_mgr *m, const char *name, const char *file,
		    struct cell_error *err);
int cell_mgr_import(struct cell_mgr *m, const char *file, const char *name,
		    struct cell_error *err);

/*
 * cell rdr NAME tcp|udp HOSTPORT JAILPORT | list | clear (rdr.c): op
 * "add" with spec "tcp|udp HOSTPORT JAILPORT", "list" (lines "tcp 8080
 * 80 active|configured", or JSON) to out, "clear". Kept as the jail's
 * vnet.rdr; a running jail's forwards change at once. Needs a vnet jail
 * on a bridge with an IPv4 address; a host port goes to one jail only.
 */
int cell_mgr_rdr(struct cell_mgr *m, const char *name, const char *op,
		 const char *spec, bool json, FILE *out,
		 struct cell_error *err);

/*
 * cell template NAME DIR [--arg NAME=VALUE]... (template.h, template_apply.c):
 * DIR/Cellfile (or Bastillefile) applied to the jail. The whole file and
 * its INCLUDEs are parsed, every ARG resolved and every directive checked
 * against the jail first, so that a bad template changes nothing; errors
 * are "FILE:LINE:COL: message". args: "NAME=VALUE" strings. CMD output
 * goes to the caller's stdout/stderr.
 */
int cell_mgr_template(struct cell_mgr *m, const char *name, const char *dir,
		      char *const *args, size_t nargs, struct cell_error *err);

/* cell list: table or JSON of jails, releases, snapshots. */
int cell_mgr_list(struct cell_mgr *m, bool json, FILE *out,
		  struct cell_error *err);

#endif
