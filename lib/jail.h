/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * struct cell_jail: the whole boundary of one jail, in one place.
 *
 * This is cell's struct prison. Every front end (jail -c param=value,
 * jail.conf, the manager, OCI config.json) fills it through one function,
 * cell_param_set(), which validates each value once, on the way in.
 * From it, cell_policy_derive() (policy.c) computes every privilege and
 * cell_enter() (enter.c) builds and enters the boundary in one fixed order.
 * A reviewer audits cell's isolation by reading this header, policy.c and
 * enter.c.
 */
#ifndef CELL_JAIL_H
#define CELL_JAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "error.h"

#define CELL_NAME_MAX      128   /* full dotted name, like MAXHOSTNAMELEN */
#define CELL_HOST_MAX      256
#define CELL_UUID_MAX      64
/* A path parameter, NUL included: FreeBSD's MAXPATHLEN, which bounds a
 * jail's path there too. Not Linux's PATH_MAX (4096): six such fields
 * made the struct 26 KiB (8 now), and each of the ten or so copies a
 * create keeps on its stack (record, parent, handle, ...) faulted in
 * fresh pages: 29 more page faults per jail -c, 3.5% of its time. */
#define CELL_PATH_MAX      1024
#define CELL_JID_MAX       999999
#define CELL_LIST_MAX      255   /* security.jail.jail_max_af_ips */
#define CELL_VALUE_MAX     4096  /* one parameter value */
#define CELL_ARGV_MAX      1024  /* words in command= */

/* FreeBSD's "jailsys" tri-state: disable / new / inherit. */
enum cell_jailsys {
	CELL_JAILSYS_DISABLE = 0,
	CELL_JAILSYS_NEW = 1,
	CELL_JAILSYS_INHERIT = 2,
};

/* A list of strings (ip4.addr, vnet.interface, exec.* hooks, depend ...). */
struct cell_strv {
	char **v;
	size_t n;
};

struct cell_ip4 {
	struct in_addr addr;
	uint8_t prefix;      /* 32 when not given */
	char ifname[16];     /* "if|addr" form; "" when not given */
};

struct cell_ip6 {
	struct in6_addr addr;
	uint8_t prefix;      /* 128 when not given */
	char ifname[16];
};

/*
 * allow.* flags. One bool each, so that the policy table and a reader see
 * the same name. Defaults are FreeBSD's: everything off except
 * set_hostname and reserved_ports.
 */
struct cell_allow {
	bool set_hostname;
	bool sysvipc;
	bool raw_sockets;
	bool chflags;
	bool mount;
	bool mount_devfs;
	bool mount_procfs;
	bool mount_tmpfs;
	bool mount_nullfs;
	bool mount_fdescfs;
	bool mount_fusefs;
	bool mount_linprocfs;
	bool mount_linsysfs;
	bool mount_zfs;
	bool quotas;
	bool socket_af;
	bool mlock;
	bool read_msgbuf;
	bool reserved_ports;
	bool unprivileged_proc_debug;
	bool unprivileged_parent_tampering;
	bool suser;
	bool extattr;
	bool adjtime;
	bool settime;
	bool routing;
	bool setaudit;
	bool nfsd;
	bool vmm;
	bool dying;
};

/* Parameters read and kept but with no Linux meaning (see jail(8) man). */
struct cell_kv {
	char *key;
	char *value;
};

struct cell_jail {
	/* identity */
	int jid;                         /* 0 = allocate */
	char name[CELL_NAME_MAX];        /* dots = hierarchy */
	char path[CELL_PATH_MAX];        /* the jail's root */
	int parent_jid;                  /* read-only; 0 = host */

	/* UTS and host identity */
	enum cell_jailsys host;          /* new when hostname set */
	char hostname[CELL_HOST_MAX];
	char domainname[CELL_HOST_MAX];
	char hostuuid[CELL_UUID_MAX];
	unsigned long hostid;

	/* networking */
	bool vnet;                       /* own network namespace */
	enum cell_jailsys ip4;           /* inherit / new (addrs) / disable */
	enum cell_jailsys ip6;
	struct cell_ip4 *ip4_addr;
	size_t ip4_addr_n;
	struct cell_ip6 *ip6_addr;
	size_t ip6_addr_n;
	bool ip4_saddrsel;
	bool ip6_saddrsel;
	char interface[16];              /* interface for ip aliases */
	struct cell_strv vnet_interface; /* host interfaces moved in */
	char vnet_bridge[16];            /* epair on this bridge */
	char vnet_firewall[CELL_PATH_MAX]; /* the jail's own nftables file */
	bool vnet_nat;
	struct cell_strv vnet_rdr;       /* "tcp|udp HOSTPORT JAILPORT" */
	int vnet_mtu;                    /* epair MTU, 0: automatic */
	char vnet_defaultrouter[64];     /* address, "auto" or "" */
	char vnet_defaultrouter6[64];

	/* System V IPC */
	enum cell_jailsys sysvmsg;
	enum cell_jailsys sysvsem;
	enum cell_jailsys sysvshm;

	/* security */
	int enforce_statfs;              /* 0, 1, 2 */
	int securelevel;                 /* -1 .. 3 */
	int devfs_ruleset;               /* see policy.c */
	int children_max;                /* nested jails allowed */
	struct cell_allow allow;
	bool persist;

	/* how processes run inside */
	char exec_jail_user[64];         /* user the command runs as */
	bool exec_system_jail_user;      /* exec.jail_user from the host */
	char exec_system_user[64];
	bool exec_clean;
	struct cell_strv command;        /* command= argv */

	/* jail(8) life cycle (host-side hooks run by jail.conf front end) */
	struct cell_strv exec_prepare, exec_prestart, exec_created,
		exec_start, exec_poststart, exec_prestop, exec_stop,
		exec_poststop, exec_release;
	int exec_timeout;                /* seconds, 0 = none */
	int stop_timeout;                /* seconds, default 10 */
	char exec_consolelog[CELL_PATH_MAX];
	int exec_fib;
	struct cell_strv mount;          /* fstab(5) lines */
	struct cell_strv mount_fstab;    /* fstab files */
	bool mount_devfs;
	bool mount_fdescfs;
	bool mount_procfs;
	struct cell_strv depend;
	bool ip_hostname;

	/* Linux-only parts of the boundary (cell.*), for what FreeBSD has
	 * no word for; the OCI front end says them through these too */
	char netns_path[CELL_PATH_MAX];  /* join this netns instead */
	char ipcns_path[CELL_PATH_MAX];  /* join this IPC namespace */
	char utsns_path[CELL_PATH_MAX];  /* join this UTS namespace */
	struct cell_strv sysctl;         /* namespaced sysctls, key=value */
	struct cell_strv masked_paths;   /* more paths masked inside */
	struct cell_strv readonly_paths; /* more paths read-only inside */
	struct cell_strv devices;        /* more nodes in /dev: "PATH TYPE
					  * MAJ:MIN [MODE [UID:GID]]" */
	char cgroup_path[256];           /* instead of cell/NAME */
	struct cell_strv uid_map;        /* "INSIDE:OUTSIDE:COUNT": a user */
	struct cell_strv gid_map;        /*  namespace with these maps */
	bool root_readonly;              /* the root mount is read-only */
	bool abstract_unix_scope;        /* Landlock-scope abstract unix
					  * sockets (host's stack only) */
	bool vnet_admin;                 /* CAP_NET_ADMIN without a user
					  * namespace (see policy.c) */
	char personality[16];            /* "", linux or linux32: the
					  * execution domain (uname -m) */
	bool timens;                     /* own time namespace, with */
	char timens_monotonic[32];       /*  these offsets of its clocks */
	char timens_boottime[32];        /*  ([-]SECONDS[.FRACTION]) */

	/* key/value parameters */
	struct cell_kv *meta;            /* meta.KEY=value */
	size_t meta_n;
	struct cell_kv *env;             /* env.KEY=value, visible inside */
	size_t env_n;
	/* "meta.KEY" / "env.KEY" given without "=": FreeBSD removes the
	 * key; kept by name so that jail -m removes it from the running
	 * jail too (not a parameter: never in a record) */
	struct cell_strv kv_unset;

	/* accepted, without Linux meaning, reported as set */
	struct cell_kv *unsupported;
	size_t unsupported_n;

	/* which table entries were set explicitly (bit = param index) */
	uint64_t set_mask[4];
};

/* Initialise with FreeBSD's defaults. */
void cell_jail_init(struct cell_jail *j);
/* Free the lists; leaves j re-initialisable. */
void cell_jail_free(struct cell_jail *j);
/* Deep copy. */
int cell_jail_copy(struct cell_jail *dst, const struct cell_jail *src,
		   struct cell_error *err);

/*
 * The one way to set a parameter. name may carry FreeBSD's "no" prefix on
 * its last component for booleans (allow.nomount); value may be NULL for
 * a bare boolean. Lists take a comma list (ip4.addr=a,b); append adds to a
 * list instead of replacing it (jail.conf's +=). Validated here, once.
 * Unknown names are an error that names them.
 */
int cell_param_set(struct cell_jail *j, const char *name, const char *value,
		   bool append, struct cell_error *err);
/* "name=value" (command line form). */
int cell_param_set_arg(struct cell_jail *j, const char *arg,
		       struct cell_error *err);
/* Check the combination of parameters (after all are set). */
int cell_jail_validate(const struct cell_jail *j, struct cell_error *err);

#endif
