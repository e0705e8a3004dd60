/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The OCI runtime-spec (1.2) over libcell: config.json parsed into
 * struct cell_oci_config (config.c), translated into the same struct
 * cell_jail that jail -c fills, through cell_param_set() only, and a
 * struct cell_exec for the container's process (translate.c); the OCI
 * state directory (state.c), hooks (hooks.c), linux.seccomp compiled
 * with libseccomp (seccomp.c) and linux.resources on the jail's cgroup
 * (resources.c).
 *
 * There is no second path into a jail: the container is created by
 * cell_create_proc() exactly as jail -c creates one. What a config asks
 * that cell cannot give in the same boundary is refused with an error
 * naming the JSON path (docs/oci.md lists them), never silently dropped,
 * unless dropping it only narrows what the container gets (then a
 * warning through the log callback).
 *
 * Like the rest of libcell this never prints and never exits.
 */
#ifndef CELL_OCI_H
#define CELL_OCI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "enter.h"
#include "error.h"
#include "jail.h"

#define CELL_OCI_VERSION      "1.2.0"
#define CELL_OCI_CONFIG_MAX   (4u << 20)  /* config.json bytes */
#define CELL_OCI_STR_MAX      4096        /* any one string */
#define CELL_OCI_ARGS_MAX     4096        /* process.args */
#define CELL_OCI_ENV_MAX      4096        /* process.env */
#define CELL_OCI_GROUPS_MAX   256         /* user.additionalGids */
#define CELL_OCI_MOUNTS_MAX   200         /* mounts (cell's list: 255) */
#define CELL_OCI_OPTS_MAX     64          /* options of one mount */
#define CELL_OCI_HOOKS_MAX    64          /* hooks of one kind */
#define CELL_OCI_ANNOT_MAX    1024        /* annotations */
#define CELL_OCI_PATHS_MAX    128         /* masked / read-only paths */
#define CELL_OCI_SYSCTL_MAX   128
#define CELL_OCI_SECCOMP_MAX  4096        /* linux.seccomp.syscalls */
#define CELL_OCI_ID_MAX       CELL_NAME_MAX

/* Messages that do not fail an operation (accepted-but-ignored fields,
 * dropped mounts): the front end writes them to its log. */
enum cell_oci_level { CELL_OCI_DEBUG, CELL_OCI_INFO, CELL_OCI_WARN };
struct cell_oci_log {
	void (*fn)(void *arg, enum cell_oci_level lvl, const char *msg);
	void *arg;
};
void cell_oci_logf(const struct cell_oci_log *log, enum cell_oci_level lvl,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

enum cell_oci_hook_kind {
	CELL_OCI_HOOK_PRESTART,
	CELL_OCI_HOOK_CREATE_RUNTIME,
	CELL_OCI_HOOK_CREATE_CONTAINER,
	CELL_OCI_HOOK_START_CONTAINER,
	CELL_OCI_HOOK_POSTSTART,
	CELL_OCI_HOOK_POSTSTOP,
	CELL_OCI_HOOK_KINDS,
};
const char *cell_oci_hook_name(enum cell_oci_hook_kind k);

struct cell_oci_hook {
	const char *path;
	char **args;          /* NULL-terminated; NULL: { path } */
	char **env;           /* NULL-terminated; NULL: empty */
	int timeout;          /* seconds, 0: none */
};

struct cell_oci_mount {
	const char *destination;
	const char *type;     /* "" when not given */
	const char *source;   /* "" when not given */
	const char **options; /* NULL-terminated */
	size_t noptions;
	/* idmapped: "containerID:hostID:size" each */
	char (*uid_maps)[64], (*gid_maps)[64];
	size_t nuid_maps, ngid_maps;
};

enum cell_oci_ns {
	CELL_OCI_NS_PID, CELL_OCI_NS_NETWORK, CELL_OCI_NS_MOUNT,
	CELL_OCI_NS_IPC, CELL_OCI_NS_UTS, CELL_OCI_NS_USER,
	CELL_OCI_NS_CGROUP, CELL_OCI_NS_TIME, CELL_OCI_NS_COUNT,
};

/* linux.resources; has_* tell what was given. */
struct cell_oci_resources {
	bool has_memory_limit;
	int64_t memory_limit;                 /* -1: unlimited */
	bool has_memory_swap;                 /* given and not 0 (unchanged) */
	int64_t memory_swap;                  /* memory + swap; -1: unlimited */
	bool has_cpu_shares, has_cpu_quota, has_cpu_period;
	uint64_t cpu_shares, cpu_period;
	int64_t cpu_quota;                    /* -1: unlimited */
	bool has_pids_limit;
	int64_t pids_limit;                   /* <= 0: unlimited */
	bool has_blkio_weight;
	unsigned blkio_weight;
	size_t nthrottle;
	struct {
		int kind;                     /* enum cell_cgroup_res */
		long major, minor;
		uint64_t rate;
	} throttle[32];
	size_t nhugepages;                    /* refused when > 0 */
	size_t nunified;
	const char *unified_key[64];
	const char *unified_val[64];
	size_t ndevices;
	struct {
		bool allow;
		char type;                    /* 'a', 'c', 'b' */
		long major, minor;            /* -1: any */
		char access[4];
	} devices[128];
};

struct cell_oci_config {
	void *json;                     /* json_t *, owns every string */
	char *text;                     /* the file as read, when loaded
					 * from a bundle (cell_oci_config_load):
					 * what create saves, byte for byte */
	size_t text_len;
	const char *oci_version;

	/* process (absent for configs only used by create's checks) */
	bool has_process;
	bool terminal;
	unsigned rows, cols;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	int umask;                      /* -1: not given */
	char **args;                    /* NULL-terminated */
	char **env;                     /* NULL-terminated */
	const char *cwd;
	/* process.capabilities, each set as the config says; an absent
	 * set (or no capabilities at all) is empty, as runc reads it */
	uint64_t caps;                  /* bounding */
	uint64_t caps_eff, caps_prm, caps_inh, caps_amb;
	struct cell_rlimit rlimits[CELL_RLIMIT_MAX];
	size_t nrlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	const char *apparmor_profile;   /* NULL when absent */
	const char *selinux_label;

	/* root */
	const char *root_path;          /* as given */
	char rootfs[4096];              /* resolved against the bundle */
	bool root_readonly;

	const char *hostname, *domainname;

	struct cell_oci_mount *mounts;
	size_t nmounts;

	struct cell_oci_hook *hooks[CELL_OCI_HOOK_KINDS];
	size_t nhooks[CELL_OCI_HOOK_KINDS];

	/* annotations, in the file's order */
	const char **annot_key, **annot_val;
	size_t nannot;

	/* linux */
	bool ns_present[CELL_OCI_NS_COUNT];
	const char *ns_path[CELL_OCI_NS_COUNT]; /* NULL: a new one */
	bool has_id_mappings;
	/* linux.uidMappings / gidMappings as "INSIDE:OUTSIDE:COUNT" */
	char (*uid_maps)[64], (*gid_maps)[64];
	size_t nuid_maps, ngid_maps;
	const char *cgroups_path;
	const char **sysctl_key, **sysctl_val;
	size_t nsysctl;
	const char **masked_paths, **readonly_paths;
	size_t nmasked, nreadonly;
	const char *rootfs_propagation;
	const char *mount_label;
	bool has_intel_rdt;
	bool has_time_offsets;
	/* linux.timeOffsets: CLOCK_MONOTONIC [0], CLOCK_BOOTTIME [1] */
	long long time_secs[2];
	unsigned long time_nsecs[2];
	const char *personality;        /* domain, NULL when absent */
	size_t ndevices;                /* linux.devices */
	struct {
		char type;
		long major, minor;
		const char *path;
		long long mode, uid, gid;  /* -1: not given */
	} devices[64];
	bool has_resources;
	struct cell_oci_resources res;
	const void *seccomp;            /* json_t * or NULL */
	/* translation's own storage: process.env with HOME added when
	 * absent (runc's rule), and that HOME=... string */
	char **exec_env;
	char *home_var;
};

/* Parse the config.json in bundle (an absolute directory). */
int cell_oci_config_load(const char *bundle, struct cell_oci_config *c,
			 struct cell_error *err);
/* Parse text (len bytes) as config.json; bundle resolves root.path. */
int cell_oci_config_parse(const char *text, size_t len, const char *bundle,
			  struct cell_oci_config *c, struct cell_error *err);
void cell_oci_config_free(struct cell_oci_config *c);
/* The annotations object (a new json_t reference), or NULL. */
void *cell_oci_config_annotations(const struct cell_oci_config *c);
/* process only (exec --process FILE): fills the process fields of c. */
int cell_oci_process_parse(const char *text, size_t len,
			   struct cell_oci_config *c, struct cell_error *err);
/* linux.resources only (update --resources FILE). */
int cell_oci_resources_parse(const char *text, size_t len,
			     struct cell_oci_resources *r, void **json,
			     struct cell_error *err);

/* What translation needs besides the config. */
struct cell_oci_opts {
	const char *id;
	const char *bundle;       /* absolute; relative bind sources */
	bool systemd_cgroup;
	struct cell_oci_log log;
	/* The PARAM names whose org.cell.jail.PARAM annotations are
	 * honoured (cell-oci --jail-annotations): annotations come from
	 * image publishers (podman copies an image's into the config),
	 * whom docs/THREAT_MODEL.md does not trust, so only the operator
	 * can open a parameter to them. Every other one is ignored with a
	 * warning. NULL / 0: none. */
	const char *const *jail_annotations;
	size_t njail_annotations;
};

#define CELL_OCI_JAIL_ANNOT_MAX 64   /* names --jail-annotations takes */
/* Whether PARAM may be named in --jail-annotations: a parameter cell
 * knows (or meta.KEY / env.KEY), and not one the OCI config itself
 * gives (name, path, jid, command, exec.*, persist). */
int cell_oci_annotation_param_check(const char *param,
				    struct cell_error *err);

/*
 * The jail: every parameter through cell_param_set(). j must be
 * initialised (cell_jail_init); on error it holds what was set so far.
 */
int cell_oci_to_jail(const struct cell_oci_config *c,
		     const struct cell_oci_opts *o, struct cell_jail *j,
		     struct cell_error *err);

/* The process. x is cell_exec_init()ed here and points into c (and into
 * *filter, which the caller frees with cell_oci_seccomp_free). */
int cell_oci_to_exec(const struct cell_oci_config *c,
		     const struct cell_oci_opts *o, struct cell_exec *x,
		     struct sock_fprog *filter, struct cell_error *err);

/* linux.seccomp → BPF (seccomp.c). An empty program when absent.
 * *notify (may be NULL): some action is SCMP_ACT_NOTIFY (then
 * listenerPath is required). */
int cell_oci_seccomp_compile(const void *seccomp, struct sock_fprog *out,
			     bool *notify, const struct cell_oci_log *log,
			     struct cell_error *err);
/*
 * Hand the filter's listener to linux.seccomp.listenerPath as runc does:
 * one SOCK_STREAM message whose data is the container process state
 * ({"ociVersion","fds":["seccompFd"],"pid","metadata","state"}) and whose
 * SCM_RIGHTS is listener.
 */
int cell_oci_seccomp_send_listener(const void *seccomp, int listener,
				   pid_t pid, const char *state_json,
				   struct cell_error *err);
void cell_oci_seccomp_free(struct sock_fprog *p);

/* linux.resources on the cgroup relpath (resources.c). */
int cell_oci_resources_apply(const char *cgroup,
			     const struct cell_oci_resources *r,
			     const struct cell_jail *j,
			     const struct cell_oci_log *log,
			     struct cell_error *err);

/* Capability name ("CAP_NET_RAW") → bit; -EINVAL when unknown. */
int cell_oci_cap_from_name(const char *name);
/* RLIMIT_* name → resource number; -EINVAL when unknown. */
int cell_oci_rlimit_from_name(const char *name);

/* --- state (state.c) --------------------------------------------------- */

enum cell_oci_status {
	CELL_OCI_CREATING, CELL_OCI_CREATED, CELL_OCI_RUNNING,
	CELL_OCI_STOPPED, CELL_OCI_PAUSED,
};
const char *cell_oci_status_name(enum cell_oci_status s);

struct cell_oci_state {
	char id[CELL_OCI_ID_MAX];
	enum cell_oci_status status;   /* as recorded */
	pid_t pid;
	unsigned long long pid_start;  /* against pid reuse */
	pid_t creator;                 /* the create command, while creating */
	char bundle[4096];
	char rootfs[4096];
	char created[40];              /* RFC 3339 */
	char cgroup[256];              /* the jail's cgroup relpath */
	int jid;                       /* the jail's record (0: unknown) */
	char owner[64];
	void *annotations;             /* json_t object (owned), or NULL */
	bool poststop_hooks;           /* config has poststop hooks */
	/* config has startContainer / poststart hooks: start reads the
	 * saved config.json only then (a state written before these two
	 * existed says yes to both) */
	bool start_hooks;
	bool poststart_hooks;
};

/*
 * A container's directory, <root>/<id>, locked (flock) by the holder:
 * commands on one id run one after another; the lock goes with the
 * process, so a killed command never blocks the next.
 */
struct cell_oci_dir {
	int dirfd;                     /* locked, O_DIRECTORY */
	char path[4096];
};

/* Create root (0700) and <root>/<id> (0700) holding the record first,
 * locked. -EEXIST when the id is taken (a stale one too: open it first,
 * see cell_oci_dir_open, to clean it). */
int cell_oci_dir_create(const char *root, const char *id,
			const struct cell_oci_state *first,
			struct cell_oci_dir *d, struct cell_error *err);
/* Remove what creates of id killed before their directory was in place
 * left (cell_oci_dir_create does it first; delete too). */
void cell_oci_sweep(const char *root, const char *id);
/*
 * Open <root>/<id>, locked when lock (readers such as state do not wait
 * for a create in progress), and read its state.json into *s (when s is
 * not NULL): 1 when read (the caller frees *s), 0 when the directory has
 * no readable record (err says why), -ENOENT when there is no such
 * container. A directory whose state.json is missing or unreadable while
 * no command holds its lock, or "creating" with a dead creator, is what a
 * killed runtime left: *stale is set (the caller cleans it with
 * cell_oci_dir_remove and reports it).
 */
int cell_oci_dir_open(const char *root, const char *id, bool lock,
		      struct cell_oci_dir *d, bool *stale,
		      struct cell_oci_state *s, struct cell_error *err);
void cell_oci_dir_close(struct cell_oci_dir *d);
/* Remove the directory and everything in it (while locked). */
int cell_oci_dir_remove(struct cell_oci_dir *d, struct cell_error *err);

int cell_oci_state_save(const struct cell_oci_dir *d,
			const struct cell_oci_state *s,
			struct cell_error *err);
int cell_oci_state_load(const struct cell_oci_dir *d,
			struct cell_oci_state *s, struct cell_error *err);
/* What save writes (cell's own fields too; malloc'd) and what load
 * parses: -EINVAL for a damaged text (not an object, no id, an unknown
 * status); on success the caller frees *s with cell_oci_state_free. */
char *cell_oci_state_text(const struct cell_oci_state *s);
int cell_oci_state_parse(const char *text, size_t len,
			 struct cell_oci_state *s);
void cell_oci_state_free(struct cell_oci_state *s);
/* The status now: a recorded created/running/paused container whose
 * process is gone (pid + start time) is stopped. */
enum cell_oci_status cell_oci_state_status(const struct cell_oci_dir *d,
					   const struct cell_oci_state *s);
/* The spec's state JSON (malloc'd, NUL-terminated), with status now. */
char *cell_oci_state_json(const struct cell_oci_state *s,
			  enum cell_oci_status now, bool pretty);
/* Ids under root (malloc'd array of malloc'd strings). */
int cell_oci_list(const char *root, char ***ids, size_t *n,
		  struct cell_error *err);

/* --- hooks (hooks.c) --------------------------------------------------- */

/*
 * Run the hooks of kind k in order with state_json on stdin. The first
 * failure (exit status, signal, timeout: killed) stops the list and is
 * returned, unless warn_only (poststart, poststop): then every hook runs
 * and failures go to the log.
 */
int cell_oci_hooks_run(const struct cell_oci_hook *hooks, size_t n,
		       enum cell_oci_hook_kind k, const char *state_json,
		       bool warn_only, const struct cell_oci_log *log,
		       struct cell_error *err);
/*
 * The same in another mount namespace (createContainer): each hook's
 * binary is opened here, in the runtime's namespace (the spec: its path
 * resolves there), then a child joins mntns_fd (setns) and runs it with
 * execveat(fd, "", AT_EMPTY_PATH).
 */
int cell_oci_hooks_run_in(const struct cell_oci_hook *hooks, size_t n,
			  enum cell_oci_hook_kind k, const char *state_json,
			  int mntns_fd, const struct cell_oci_log *log,
			  struct cell_error *err);
/*
 * Where a hook runs, for a caller that runs it itself (startContainer:
 * through cell_exec() in the container). child runs in a child of the
 * runtime, with in the socket of the state (the hook's stdin to be; the
 * runtime's end already closed there), and must not return (exec or
 * _exit: its exit status is the hook's). timed_out ends the hook past
 * its timeout (NULL: SIGKILL to that child through its pidfd).
 */
struct cell_oci_hook_runner {
	void (*child)(void *arg, const struct cell_oci_hook *h, int in);
	void (*timed_out)(void *arg);
	void *arg;
};
/* The hooks of kind k in order through r; the first failure (exit
 * status, signal, timeout) stops the list and is returned. */
int cell_oci_hooks_run_with(const struct cell_oci_hook *hooks, size_t n,
			    enum cell_oci_hook_kind k, const char *state_json,
			    const struct cell_oci_hook_runner *r,
			    const struct cell_oci_log *log,
			    struct cell_error *err);

#endif
