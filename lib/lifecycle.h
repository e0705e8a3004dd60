/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A jail's life: create, run processes in it, modify, remove, and the
 * repair of what a killed command left behind.
 *
 * Creation and removal are tables of steps run forward and, from the step
 * that failed, backward (lifecycle.c), as FreeBSD's jail(8) does, so a
 * failed create leaves no cgroup, namespace, process or state file.
 */
#ifndef CELL_LIFECYCLE_H
#define CELL_LIFECYCLE_H

#include <stdbool.h>

#include "enter.h"
#include "jail.h"
#include "state.h"

/* A jail being created: holds init's "temporary persist" until finish. */
struct cell_handle {
	struct cell_record rec;
	struct cell_running run;
	bool proc;                /* init is the jail's process (OCI) */
};

/*
 * Create j (validated, jid allocated when 0). On success the jail runs
 * and h holds it; call cell_create_finish() once the start-up commands
 * ran. The environment variable CELL_TEST_CRASH_AT=STEP kills the calling
 * process right after STEP (crash-safety tests).
 */
int cell_create(struct cell_jail *j, struct cell_handle *h,
		struct cell_error *err);
/*
 * The same, with init becoming the process of proc (see enter.h): the
 * OCI front end's create. The jail lives as long as that process.
 */
int cell_create_proc(struct cell_jail *j, const struct cell_init_proc *proc,
		     struct cell_handle *h, struct cell_error *err);
/* The process of a keep_init create: start it, wait, *status. */
int cell_create_run(struct cell_handle *h, int *status,
		    struct cell_error *err);
/* End of creation: init keeps the jail only if persist (or processes);
 * a non-persistent jail already empty is removed here. */
void cell_create_finish(struct cell_handle *h);

/* Run x in the jail of rec (jexec, command=, exec.start, OCI exec). */
int cell_exec(const struct cell_record *rec, const struct cell_exec *x,
	      bool detach, int *status, pid_t *pid, struct cell_error *err);

/* Remove a jail and its children: every process, cgroup, record. */
int cell_remove(const char *key, struct cell_error *err);
/* Remove jail jid only while it is still the jail of that init (pid and
 * start time): the undo of a failed start, which must not take a jail
 * that reused the jid after this one ended. -ENOENT when there is none
 * by that jid or it is another's. */
int cell_remove_instance(int jid, pid_t init_pid,
			 unsigned long long init_start,
			 struct cell_error *err);

/* Change what may change on a running jail. */
int cell_modify(const char *key, const struct cell_jail *changes,
		struct cell_error *err);

/*
 * Repair stale records (dead creator, dead init): tear down what remains
 * and delete them. Called with the state lock held by the commands that
 * list or change jails. Returns the number repaired.
 */
int cell_repair(int lockfd, struct cell_error *err);

/* Is the jail of rec running (its init alive)? */
bool cell_running(const struct cell_record *rec);

#endif
