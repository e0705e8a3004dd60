/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell_enter(): build a jail, or enter one, in one fixed order.
 *
 * CREATE clones the jail's init (PID 1 of its namespaces) and builds the
 * boundary inside it: mounts, /proc, /dev, pivot_root, host name.
 * ATTACH joins every namespace of a running jail with one setns() on its
 * init's pidfd and forks the jailed process, which then runs the tail that
 * every jailed process runs: descriptors, limits, user, capabilities,
 * no_new_privs, seccomp, exec. jail -c's command, exec.start, jexec and
 * OCI exec all start processes this way, so each is confined exactly as
 * the others.
 */
#ifndef CELL_ENTER_H
#define CELL_ENTER_H

#include <stdbool.h>
#include <sys/resource.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "jail.h"
#include "policy.h"

#define CELL_RLIMIT_MAX 16

struct cell_rlimit {
	int resource;
	struct rlimit lim;
};

/* A process to run inside a jail. Fill with cell_exec_init() first. */
struct cell_exec {
	char *const *argv;         /* NULL: the user's shell */
	char *const *envp;         /* extra variables (NAME=value) */
	const char *cwd;           /* NULL: the user's home, else "/" */
	const char *user;          /* NULL: root */
	bool user_from_host;       /* look user up in the host's passwd */
	bool clean_env;            /* start from an empty environment */
	bool login;                /* argv[0] "-sh" style login shell */
	bool shell_command;        /* run argv[0] with /bin/sh -c */
	int stdio[3];              /* fds for 0,1,2 (-1: inherit) */
	const struct cell_rlimit *rlimits;
	size_t rlimit_n;
	/* Numeric identity (OCI process.user): when uid_set, uid, gid and
	 * groups are used as given and user is ignored. */
	bool uid_set;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	int umask;                 /* -1: leave as is */
	bool oom_score_adj_set;
	int oom_score_adj;
	/* Capabilities the process asks for (OCI process.capabilities):
	 * when caps_set, the jail's policy intersected with caps. A
	 * process never gets a capability its jail's policy denies. */
	bool caps_set;
	uint64_t caps;
	/* With caps_set: the permitted (and effective) set a root process
	 * keeps, within caps (OCI's permitted set; cell_exec_init: all of
	 * caps); a non-root process keeps none, by the kernel's rules at
	 * the change of ids. */
	uint64_t caps_held;
	/* With caps_set: the inheritable and ambient sets (OCI), each
	 * within caps. caps_keep: the permitted set caps_held survives a
	 * change to a non-root user too (OCI, as runc: PR_SET_KEEPCAPS
	 * over the change of ids); the kernel then makes a non-root
	 * process's sets at exec its ambient set. Without caps_keep a
	 * non-root user keeps nothing (jail(8)'s exec.jail_user). An
	 * ambient capability outside permitted and inheritable is not
	 * raised (the kernel's rule). */
	uint64_t caps_inheritable;
	uint64_t caps_ambient;
	bool caps_keep;
	/* A second seccomp filter (OCI linux.seccomp), loaded after the
	 * jail's own: the kernel runs both and the stricter answer wins,
	 * so it can only narrow the boundary. NULL: none. */
	const struct sock_fprog *extra_filter;
	/* >= 0: execveat(exec_fd, "", AT_EMPTY_PATH) instead of looking
	 * argv[0] up in the jail (cell audit's probe, a sealed memfd). */
	int exec_fd;
	/* >= 0: an AF_UNIX socket. A pseudo-terminal is made inside the
	 * jail (its own devpts), its master sent over this socket with
	 * SCM_RIGHTS and its slave made stdio and controlling terminal
	 * (jexec/console -t, OCI --console-socket and --tty). */
	int console_sock;
	unsigned short console_rows, console_cols; /* 0: leave */
	/* The environment is envp (and the jail's env.*), nothing added:
	 * no PATH, HOME, SHELL, USER, LOGNAME or TERM of ours (OCI). In
	 * every case a later NAME= replaces an earlier one. */
	bool exact_env;
	/* Descriptors 3 .. 3+preserve_fds-1 of the caller stay open in the
	 * process (OCI --preserve-fds, socket activation); every other one
	 * is closed (CVE-2024-21626). */
	unsigned preserve_fds;
	/* With extra_filter: load it with a listener (SCMP_ACT_NOTIFY) and
	 * hand the listener to whoever created the jail (cell_init_proc's
	 * listener_fd), or, attached (cell_exec), to listener below. */
	bool extra_filter_listener;
	/*
	 * Attach with extra_filter_listener: called in the caller with the
	 * filter's listener (closed after the call: dup it to keep it) and
	 * the process's host pid, once the filter is loaded and before the
	 * attach waits for the process or returns (detach). A negative
	 * return kills the process and fails the attach with that error.
	 * NULL: an attached process cannot have a listener (EOPNOTSUPP).
	 */
	int (*listener)(void *arg, int fd, pid_t pid, struct cell_error *err);
	void *listener_arg;
};

/* Every field empty, every descriptor -1. */
void cell_exec_init(struct cell_exec *x);

/* Landlock's ABI version on this kernel, 0 without Landlock. A jail on the
 * host's network stack has its abstract unix sockets scoped from 6 on
 * (cell_policy.scope_abstract_unix). */
int cell_landlock_abi(void);

/*
 * Placing a new process in the jail's cgroups. cgroup_fd, when >= 0, is
 * the jail's cgroup v2 (or hybrid unified) directory: the process is
 * cloned straight into it (clone3 CLONE_INTO_CGROUP, no cgroup.procs
 * write, which costs an RCU grace period). place is then called in the
 * host with the host pid, before the process runs anything of its own,
 * for the rest: cloned_into says whether the clone went into cgroup_fd
 * (false when the kernel or a filter refused it: place does it all).
 *
 * after_go (create only, may be NULL) is the creator's work that can
 * overlap init's mounts: it runs once init has been told to go on and
 * before init is ready, so it is done before anything of the jail runs
 * (the jail's first program waits for a start that follows ready). The
 * device program goes there: it only governs what the jail opens, and
 * loading it (the verifier, the JIT) costs as much as a third of
 * init's mounts. A failure kills init.
 */
struct cell_netns_ahead;

struct cell_placement {
	int (*place)(void *arg, pid_t pid, bool cloned_into,
		     struct cell_error *err);
	void *arg;
	int cgroup_fd;
	int (*after_go)(void *arg, struct cell_error *err);
	/* create only: a clone into cgroup_fd places init completely (the
	 * jail has no other cgroup: a v2 host, or a hybrid one before any
	 * limit). place is then not called, and init does not wait for
	 * 'G': one wake-up fewer on the way in. (A limit that makes a v1
	 * directory later moves every process of the jail there.) */
	bool clone_places_all;
	/* create only: a new network stack being made ahead (net/stack.c,
	 * started): init is cloned without CLONE_NEWNET and handed the
	 * stack once it is ready (taken here; the caller drops what is
	 * left). NULL: the clone makes it. */
	struct cell_netns_ahead *netns_ahead;
};

/* What the host knows of a running jail. */
struct cell_running {
	pid_t init_pid;                   /* in the host's pid namespace */
	unsigned long long init_start;    /* start time, against pid reuse */
	int init_sock;                    /* creator's end of init's socket */
	/* The mounts the jail's agent made (allow.mount.*), the only ones
	 * it will unmount for the jail: a file beside the record, or -1. */
	int agent_fd;
	unsigned mount_fs;                /* the policy's CELL_MOUNT_* */
	/* keep_init: the creator's end of that command's gate, or -1 */
	int gate_fd;
	/* keep_init: after cell_init_run, what init said when the command
	 * ended: other processes of the jail run on (init stays, whatever
	 * persist says), or none do (init ends with its release when not
	 * persistent). Neither: init said nothing (another start path). */
	bool others_run;
	bool none_run;
};

/*
 * CREATE: clone init into new namespaces and build the boundary.
 * parent (NULL: the host) is the running jail a child jail is created in:
 * init is then cloned from inside the parent's namespaces, so the child's
 * namespaces nest in the parent's, and its path must lie in the parent's.
 * place puts init in the jail's cgroups before init does anything else.
 * On return (0) init is ready and temporarily persistent until
 * cell_init_release().
 */
/*
 * What init does once the boundary is built. NULL: it is cell's own
 * reaper (jail -c, the manager). Otherwise init itself becomes the
 * jail's process, as an OCI container's process is pid 1 of its
 * namespaces and the child of the runtime's caller (conmon,
 * containerd-shim), which reaps it: it runs the tail that every jailed
 * process runs (enter.c), reports ready, and then, when start_fd >= 0,
 * blocks reading one byte from start_fd (a FIFO opened O_RDWR, so the
 * read waits for a writer's byte rather than seeing end of file) before
 * exec. Every check that can fail runs before "ready", so a create that
 * succeeds leaves a process that only has to exec.
 */
struct cell_init_proc {
	const struct cell_exec *x;
	int start_fd;
	/* x->extra_filter_listener: the listener, received before ready
	 * (-1 until then; the caller closes it). */
	int *listener_fd;
	/*
	 * Called in the creator once init has made its namespaces and
	 * mounts and before it pivots into the jail's root (OCI's
	 * createRuntime and createContainer hooks): pid is init's host pid,
	 * whose /proc/PID/ns/mnt is the container's mount namespace. A
	 * negative return aborts the create with that error.
	 */
	int (*prepivot)(void *arg, pid_t pid, struct cell_error *err);
	void *prepivot_arg;
	/*
	 * keep_init: init stays the jail's reaper and starts x itself as
	 * soon as the root is built; x runs the same tail as any jailed
	 * process and waits at a gate that cell_init_run() opens (jail -c
	 * command=, after the network and hooks are ready). The process is
	 * born in the jail, in its cgroups, without the attach path's
	 * helper, setns and cgroup writes.
	 */
	bool keep_init;
};

/*
 * Run the process a keep_init create left pending and wait for it; its
 * wait status goes to *status. Answers its host name changes meanwhile
 * (allow.set_hostname), as the attach path's helper does.
 */
int cell_init_run(struct cell_running *run, int *status,
		  struct cell_error *err);

/* The jail a child jail is built inside (FreeBSD's hierarchical jails). */
struct cell_parent {
	const struct cell_jail *jail;
	struct cell_running run;
};

int cell_enter_create(const struct cell_jail *j, const struct cell_policy *pol,
		      const struct cell_parent *parent,
		      const struct cell_placement *place,
		      const struct cell_init_proc *proc,
		      struct cell_running *run, struct cell_error *err);

/*
 * ATTACH: join the running jail and run x inside it. Waits for it and
 * stores its wait status in *status, unless detach (then *pid gets it).
 */
int cell_enter_attach(const struct cell_jail *j, const struct cell_policy *pol,
		      const struct cell_running *run, const struct cell_exec *x,
		      const struct cell_placement *place, bool detach,
		      int *status, pid_t *pid, struct cell_error *err);

/* Tell init it may exit once no process is left (end of jail(8)'s
 * temporary persist), and close the creator's socket. */
void cell_init_release(struct cell_running *run, bool persist);

/* Tell init whether the jail persists, keeping the creator's hold. */
void cell_init_persist(struct cell_running *run, bool persist);

/* After ready, when a later step of the create failed: an error init
 * reported before it ended (it could not start the command) says more
 * than the step's own, so it replaces *err. true when it did. */
bool cell_init_failed(struct cell_running *run, struct cell_error *err);

/* pidfd of a running jail's init, checked against pid reuse; -errno. */
int cell_init_pidfd(const struct cell_running *run);

#endif
