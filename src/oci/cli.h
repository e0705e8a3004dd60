/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci's front end: runc's command line over lib/oci and libcell.
 * One file per subcommand; this header is what they share (global flags,
 * logging in runc's text and JSON formats, opening a container).
 */
#ifndef CELL_OCI_CLI_H
#define CELL_OCI_CLI_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/oci.h"
#include "state.h"

struct oci_globals {
	const char *root;          /* --root */
	const char *log_path;      /* --log (NULL: stderr only) */
	bool log_json;             /* --log-format json */
	bool debug;                /* --debug */
	bool systemd_cgroup;       /* --systemd-cgroup */
	/* --jail-annotations NAME[,NAME...] (repeatable): the jail
	 * parameters org.cell.jail.NAME annotations may set */
	const char *jail_annot[CELL_OCI_JAIL_ANNOT_MAX];
	size_t njail_annot;
};
extern struct oci_globals G;

/* To the --log file (debug only with --debug; to stderr only with
 * --debug and no log file). */
void oci_log(enum cell_oci_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An error: stderr ("cell-oci: ...") and the --log file. Returns 1, the
 * exit status of a failed command. */
int oci_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int oci_fail_err(const char *what, const struct cell_error *err);
extern const struct cell_oci_log oci_logger;

/* Open (and lock, unless !lock) a container. A directory a killed
 * runtime left is reported, cleaned and treated as absent. Returns 0, or
 * 1 after printing the error. */
int oci_open(const char *id, bool lock, struct cell_oci_dir *d,
	     struct cell_oci_state *s);
/* runc's "owner" of a container (list, state): the name of the user
 * owning its directory, looked up when asked, as runc does; create does
 * no passwd lookup (NSS, on the critical path of every run). */
void oci_fill_owner(const struct cell_oci_dir *d, struct cell_oci_state *s);
/* Signal the container's process (pidfd, checked against pid reuse). */
int oci_signal_pid(const struct cell_oci_state *s, int sig,
		   struct cell_error *err);
/* SIGKILL to s's process (pidfd, checked against its start time) and
 * wait up to timeout_ms for it to exit, so that the status read next
 * says stopped: 0, -ESRCH (gone already), -ETIMEDOUT, -errno. */
int oci_kill_wait(const struct cell_oci_state *s, int timeout_ms);
/* Signal every process of the container's cgroup. */
int oci_signal_all(const struct cell_oci_state *s, int sig,
		   struct cell_error *err);
int oci_parse_signal(const char *s);
int oci_write_pidfile(const char *path, pid_t pid, struct cell_error *err);
/* The config create saved in the container's directory. */
int oci_saved_config(const struct cell_oci_dir *d, struct cell_oci_config *c,
		     struct cell_error *err);
/* The jail record of the container, if it still exists and is ours. */
int oci_find_jail(const struct cell_oci_state *s, struct cell_record *rec,
		  struct cell_error *err);
int oci_cgroup_pids(const char *cgroup, pid_t **pids, size_t *n,
		    struct cell_error *err);
/* CELL_TEST_CRASH_AT=STEP: SIGKILL here (tests/oci/test_crash.sh) */
void oci_crash_point(const char *step);
/* Kill what is left, remove the jail, run poststop hooks (warnings
 * only), remove the directory. */
int oci_destroy(struct cell_oci_dir *d, struct cell_oci_state *s);
/* Connect to --console-socket; -errno. */
int oci_console_connect(const char *path, struct cell_error *err);

/* create and start, shared by run */
struct oci_create_args {
	const char *id;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
};
/* A container just created, kept open and locked for its start (run):
 * its directory, its state, and the start FIFO create opened. */
struct oci_created {
	struct cell_oci_dir d;
	struct cell_oci_state s;
	int start_fd;
};
/* keep: NULL, or where a created container is handed over (the caller
 * then starts it with oci_start_created, which frees it) */
int oci_do_create(const struct oci_create_args *a, pid_t *pid,
		  struct oci_created *keep);
int oci_do_start(const char *id);
int oci_start_created(struct oci_created *k);
/* pause (frozen) and resume */
int oci_freeze(const char *id, bool frozen);

int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_spec(int argc, char **argv);
int cmd_features(int argc, char **argv);

/* "usage: ..." of a subcommand to stdout (-h) or stderr */
int oci_usage(const char *cmd, bool err);

#endif
