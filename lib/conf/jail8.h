/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jail(8)'s orchestration: which jails, in which order, and the exec.*
 * life cycle around the core's cell_create() / cell_remove().
 *
 * Start (FreeBSD's order):
 *   exec.prepare (host) -> exec.prestart (host) -> create
 *   -> exec.created (host) -> exec.start (inside) -> command (inside)
 *   -> exec.poststart (host) -> init released with its persist flag.
 * The create step (cell_create) does what FreeBSD does between
 * exec.prepare and exec.prestart: IP aliases (and, later, vnet.interface),
 * mount and mount.fstab lines (enter.c; every line is checked here first,
 * before anything runs), /dev (mount.devfs) and /proc (mount.procfs); so
 * they happen after exec.prestart rather than before it, and a failure
 * among them is a failure of the create step.
 * Stop:
 *   exec.prestop (host) -> exec.stop (inside) -> SIGTERM, stop.timeout,
 *   kill (cell_remove) -> exec.poststop (host) -> exec.release (host).
 * Cleanup (-C) of a jail that is no longer running:
 *   exec.poststop -> exec.release.
 *
 * Every command must exit 0. When a start step fails, what was done is
 * undone in reverse: the jail is removed if it was created, exec.poststop
 * runs if exec.prestart ran, exec.release runs if exec.prepare ran (the
 * undo commands' own failures are reported and ignored). A failing stop
 * step leaves the jail running.
 *
 * Host-side commands run as "/bin/sh -c CMD" on the host, with JID, JNAME
 * and JPATH added to the environment (JID is empty before the jail has
 * one), as exec.system_user if set. With exec.clean they get a clean
 * environment (PATH, HOME, SHELL, USER, TERM) and no J* variables.
 * exec.timeout kills a command (its whole process group, or the process
 * that waits for a command inside the jail) that runs longer; that is a
 * failure. exec.consolelog receives the output of every command.
 * Commands run one at a time: the -p limit is accepted and always met.
 *
 * depend: the jails a jail depends on are started first (those already
 * running are left alone) and stopped after it; asking to stop a jail
 * also stops the running jails that depend on it. A configured jail a.b
 * also depends on a when a is configured (FreeBSD's implied dependency
 * on the parent), so a child stops with its own hooks before its parent. A cycle is an error
 * that names it ("depend cycle: a -> b -> a"), found before anything runs.
 *
 * Nothing here prints: errors and events go to the callbacks.
 */
#ifndef CELL_JAIL8_H
#define CELL_JAIL8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "jail.h"
#include "jailconf.h"

enum {
	CELL_J8_CREATE = 1 << 0, /* -c */
	CELL_J8_MODIFY = 1 << 1, /* -m */
	CELL_J8_REMOVE = 1 << 2, /* -r */
	CELL_J8_CLEANUP = 1 << 3, /* -C */
};

struct cell_jail8 {
	unsigned op;              /* CELL_J8_* */
	int parallel;             /* -p; accepted, commands run one at a time */
	/* an error (the operation on that jail failed) */
	void (*error)(void *arg, const struct cell_error *err);
	/* what = "created" (right after the create step, before
	 * exec.created: a later failure still removes it), "updated",
	 * "removed", "cleaned"; j is the jail as it now is (-i, -v, -J) */
	void (*event)(void *arg, const char *what, const struct cell_jail *j);
	void *arg;
};

/* -f FILE: NULL = the default files under "/", "-" = standard input. */
int cell_jail8_load(const char *file, struct cell_conf **out,
		    struct cell_error *err);

/*
 * Run o->op on the named jails of conf (n == 0 or "*": every configured
 * jail, "foo.*": the configured jails that match; with -r alone, "*" and
 * "foo.*" name the running jails that match, and n == 0 is an error).
 * Jails taken from such a pattern rather than named are FreeBSD's
 * JF_WILD: -c skips those already running and -rc / -C those not
 * running, silently. Returns an exit status: 0, 1, or the status of a
 * failed command=.
 */
int cell_jail8_run_conf(const struct cell_jail8 *o, const struct cell_conf *conf,
			char *const *names, size_t n);

/* Run o->op on one jail given on the command line (param=value). */
int cell_jail8_run_jail(const struct cell_jail8 *o, const struct cell_jail *j);

/*
 * jail -e SEP: one line per configured jail, its parameters as jail.conf
 * text ('name = "value"', bare booleans, "+=") joined by sep. With sep
 * ";", "NAME { LINE; }" parses back to the same jail.
 */
int cell_jail8_show(const struct cell_conf *conf, const char *sep, FILE *out);

/* One fstab(5) line. */
struct cell_fstab_ent {
	char spec[4096];
	char file[4096];
	char vfstype[64];
	char mntops[1024];
	int freq, passno;
};

/*
 * Parse one fstab(5) line (4 to 6 fields). Returns 1 for an entry, 0 for a
 * blank or comment line, or a negative errno with err naming the field.
 */
int cell_fstab_parse_line(const char *line, struct cell_fstab_ent *e,
			  struct cell_error *err);
/* s written as one fstab(5) field: blanks, backslashes and '#' (a comment
 * where a line begins) as octal escapes, which the parser reads back. */
void cell_fstab_escape(FILE *f, const char *s);

/*
 * Check j's mount lines and mount.fstab files: each entry parses, its
 * mount point is an absolute path below j's path with no "." or ".."
 * component. Errors carry "file:line" (or the jail.conf position of the
 * mount parameter when cj is given). Returns the number of entries.
 */
int cell_jail8_check_mounts(const struct cell_jail *j,
			    const struct cell_conf_jail *cj,
			    struct cell_error *err);

/*
 * Order names by depend (dependencies first). deps[i] lists the
 * dependencies of names[i] (indices into names). On a cycle, -ELOOP and
 * "depend cycle: a -> b -> a". order receives n indices.
 */
int cell_jail8_order(char *const *names, size_t n, const size_t *const *deps,
		     const size_t *ndeps, size_t *order, struct cell_error *err);

#endif
