/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Jail state under /run/cell (CELL_RUN_DIR overrides, for tests).
 *
 *   /run/cell/lock        flock(2): held by every command that changes state
 *   /run/cell/jails/JID   one record per jail, replaced atomically
 *
 * A record's first line is runtime facts (state, creator pid, init pid and
 * start time, cgroup); the rest is the jail's parameters in jls -n form,
 * read back through cell_param_set(), so state files and the command line
 * cannot drift apart. A record in state "creating" whose creator is dead,
 * or an "active" one whose init is gone, is stale: the next command that
 * takes the lock repairs it (lifecycle.c).
 */
#ifndef CELL_STATE_H
#define CELL_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include <linux/filter.h>

#include "enter.h"
#include "jail.h"

enum cell_rec_state {
	CELL_REC_CREATING,
	CELL_REC_ACTIVE,
	CELL_REC_DYING,
};

struct cell_record {
	struct cell_jail jail;
	enum cell_rec_state state;
	pid_t creator;
	pid_t init_pid;
	unsigned long long init_start;
	char cgroup[256];
	int step;                 /* number of create steps completed */
};

const char *cell_run_dir(void);
/* Take the state lock (creating the directory); returns an fd or -errno. */
int cell_state_lock(struct cell_error *err);
/* The same on another lock file of the run directory (net.lock: the
 * host's bridges and NAT tables, apart from the state lock). */
int cell_state_lock_file(const char *name, struct cell_error *err);
void cell_state_unlock(int fd);
/*
 * A full repair reads every record and checks that its init lives: ten
 * microseconds a record, so with many jails it would dominate every
 * create and removal. A removal, and a create that takes nothing an
 * ended jail could hold (lifecycle.c, partial_scan_ok), check every
 * record's creator (what a killed command left) and the jail they name,
 * and every record's init only when the last full repair, stamped on the
 * lock file's mtime (lockfd, held), is CELL_REPAIR_INTERVAL_MS old;
 * listing (jls) always does.
 */
#define CELL_REPAIR_INTERVAL_MS 1000
bool cell_state_full_repair_due(int lockfd);
void cell_state_full_repair_done(int lockfd);

int cell_state_save(const struct cell_record *rec, struct cell_error *err);
/* A record's text (what save writes; *out is malloc'd) and back. parse
 * leaves rec->jail.jid as the text has it; free with cell_record_free. */
int cell_record_format(const struct cell_record *rec, char **out,
		       size_t *len);
int cell_record_parse(const char *text, struct cell_record *rec,
		      struct cell_error *err);
int cell_state_load(int jid, struct cell_record *rec, struct cell_error *err);
/* The runtime facts (state, creator, init, step, cgroup) and the name
 * only (cheap; for scans of every record): rec->jail holds nothing else.
 * -ENODATA: the record is empty. */
int cell_state_peek(int jid, struct cell_record *rec);
int cell_state_delete(int jid);
/* Every recorded jid, ascending. */
int cell_state_list(int **jids, size_t *n, struct cell_error *err);
/* By jid ("3") or name ("web"); -ENOENT when there is none. */
int cell_state_find(const char *key, struct cell_record *rec,
		    struct cell_error *err);
/* The next free jid, counting up from the highest one, as FreeBSD does. */
int cell_state_next_jid(struct cell_error *err);
/* The same from a sorted list of the jids in use (cell_state_list's). */
int cell_state_pick_jid(const int *jids, size_t n, struct cell_error *err);

/*
 * The jail's compiled seccomp filters, beside its record (jails/JID.bpf,
 * and jails/JID.lbpf for the host name listener's):
 * written once at create, loaded by every later entry. load returns
 * -ENOENT when there is none (a record of an older cell): compile then.
 */
int cell_state_save_bpf(int jid, bool listener, const struct sock_fprog *prog,
			struct cell_error *err);
int cell_state_load_bpf(int jid, bool listener, struct sock_fprog *prog);

/* Compiled filters by name (cell_policy_filter_key), under bpf/ in the
 * state directory: load gives -ENOENT when there is none. */
int cell_state_load_bpf_cache(const char *key, struct sock_fprog *prog);
int cell_state_save_bpf_cache(const char *key, const struct sock_fprog *prog);
/* Any compiled artifact kept by KEY under bpf/ (a name of [0-9a-z.-]):
 * save writes it atomically; load gives -ENOENT when there is none, and
 * a malloc'd copy of at most max bytes. The caller checks what it reads:
 * the directory is root's, but a key names, it does not prove. */
int cell_state_cache_save(const char *key, const void *buf, size_t len);
int cell_state_cache_load(const char *key, size_t max, char **buf,
			  size_t *len);
/* Keep at most max entries whose key starts with prefix: the oldest
 * (by modification time) go first. */
void cell_state_cache_prune(const char *prefix, size_t max);
/* The kept filter KEY as the jail's (a hard link: a later save of KEY
 * renames a new file in, the jail keeps its own); -errno, and the caller
 * then writes a copy with cell_state_save_bpf. */
int cell_state_link_bpf_cache(const char *key, int jid, bool listener);

/* jails/JID.mnt: mount ids the jail's agent made (enter.c), opened
 * read-write (created when missing); -errno. */
int cell_state_open_mounts(int jid);

void cell_record_free(struct cell_record *rec);
/* Is the record's init still the process it was? */
bool cell_record_alive(const struct cell_record *rec);
/* Does the process that is creating it still run? */
bool cell_record_creator_alive(const struct cell_record *rec);
void cell_record_running(const struct cell_record *rec,
			 struct cell_running *run);

#endif
