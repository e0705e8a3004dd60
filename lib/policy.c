/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The policy table: cell's prison_priv_check().
 *
 * Every privilege a jailed process can hold is a row here: what it is, the
 * jail parameter that governs it, the capabilities it brings and the system
 * calls it opens. A row that is not granted contributes nothing, and the
 * seccomp filter's default is to refuse, so a privilege that has no row is
 * denied. This is the one file to read to know what root in a jail may do.
 *
 * Jailed root is host uid 0 with a reduced capability set, as FreeBSD's
 * jailed root is uid 0 with prison_priv_check() in front of priv_check().
 */
#include "policy.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/netlink.h>
#include <elf.h>
#include <link.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"

#define CAPBIT(c) (1ULL << (c))

/* System calls any process needs; granted to every jail ("base" row). */
static const char *const base_syscalls[] = {
	/* files and descriptors */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "preadv2", "pwritev2", "open", "openat", "openat2",
	"creat", "close", "close_range", "lseek", "dup", "dup2", "dup3",
	"fcntl", "stat", "fstat", "lstat", "newfstatat", "statx",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getdents", "getdents64", "mkdir", "mkdirat", "rmdir", "unlink",
	"unlinkat", "rename", "renameat", "renameat2", "link", "linkat",
	"symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "chown",
	"fchown", "lchown", "fchownat", "truncate", "ftruncate", "fallocate",
	"fsync", "fdatasync", "sync", "syncfs", "sync_file_range",
	"utime", "utimes", "utimensat", "futimesat", "statfs", "fstatfs",
	"chdir", "fchdir", "getcwd", "chroot", "umask", "mknod", "mknodat",
	"flock", "sendfile", "splice", "tee", "vmsplice", "copy_file_range",
	"pipe", "pipe2", "memfd_create", "memfd_secret", "eventfd", "eventfd2",
	"signalfd", "signalfd4", "timerfd_create", "timerfd_settime",
	"timerfd_gettime", "inotify_init", "inotify_init1",
	"inotify_add_watch", "inotify_rm_watch", "fadvise64", "readahead",
	"getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr",
	"fsetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr",
	"lremovexattr", "fremovexattr", "name_to_handle_at",
	/* polling */
	"select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore",
	"msync", "membarrier", "process_madvise", "pkey_alloc", "pkey_free",
	"pkey_mprotect", "get_mempolicy", "set_mempolicy", "mbind",
	"set_mempolicy_home_node",
	/* processes and threads */
	"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
	"waitid", "kill", "tkill", "tgkill", "getpid", "getppid", "gettid",
	"getpgid", "setpgid", "getpgrp", "getsid", "setsid", "set_tid_address",
	"set_robust_list", "get_robust_list", "rseq", "futex", "futex_waitv",
	"arch_prctl", "prctl", "capget", "capset", "getrlimit", "setrlimit",
	"prlimit64", "getrusage", "times", "getpriority", "setpriority",
	"sched_yield", "sched_getaffinity", "sched_setaffinity",
	"sched_getparam", "sched_setparam", "sched_getscheduler",
	"sched_setscheduler", "sched_get_priority_max",
	"sched_get_priority_min", "sched_rr_get_interval", "sched_getattr",
	"sched_setattr", "getcpu", "pidfd_open", "pidfd_send_signal",
	"restart_syscall", "seccomp", "landlock_create_ruleset",
	"landlock_add_rule", "landlock_restrict_self", "ioprio_get",
	"ioprio_set",
	/* credentials */
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"getgroups", "setuid", "setgid", "setreuid", "setregid", "setresuid",
	"setresgid", "setgroups", "setfsuid", "setfsgid",
	/* signals */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
	"rt_sigsuspend", "sigaltstack", "pause", "alarm",
	/* time (reading), timers */
	"clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday",
	"time", "nanosleep", "getitimer", "setitimer", "timer_create",
	"timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
	/* sockets (socket() and socketpair() are filtered by family
	 * below) */
	"bind", "connect", "listen", "accept", "accept4",
	"getsockname", "getpeername", "sendto", "recvfrom", "sendmsg",
	"recvmsg", "sendmmsg", "recvmmsg", "shutdown", "setsockopt",
	"getsockopt",
	/* POSIX message queues: private to the jail's IPC namespace */
	"mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive",
	"mq_notify", "mq_getsetattr",
	/* asynchronous I/O (not io_uring) */
	"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents",
	"io_pgetevents",
	/* system information */
	"uname", "sysinfo", "getrandom", "personality",
};

/* Rows with argument filters, handled by name in add_special(). */
enum special {
	SP_NONE,
	SP_SOCKET_BASE,   /* unix, inet/inet6 stream/dgram/seqpacket, rtnl */
	SP_SOCKET_RAW,    /* inet raw, packet */
	SP_SOCKET_ANY,    /* every family */
	SP_CLONE_BASE,    /* clone without namespace flags */
};

struct priv {
	const char *what;
	const char *param;              /* "" = never granted */
	bool (*granted)(const struct cell_jail *j);
	uint64_t caps;
	const char *const *syscalls;    /* NULL-terminated */
	enum special special;
};

#define SYSCALLS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static bool always(const struct cell_jail *j) { (void)j; return true; }
static bool never(const struct cell_jail *j) { (void)j; return false; }
/* A jail that shares the host's names (host=inherit) may never set them */
static bool g_hostname(const struct cell_jail *j)
{
	return j->allow.set_hostname && j->host == CELL_JAILSYS_NEW;
}
static bool g_reserved(const struct cell_jail *j) { return j->allow.reserved_ports; }
static bool g_raw(const struct cell_jail *j) { return j->allow.raw_sockets; }
static bool g_socket_af(const struct cell_jail *j) { return j->allow.socket_af; }
/* FreeBSD: system flags may change only below securelevel 1. */
static bool g_chflags(const struct cell_jail *j)
{
	return j->allow.chflags && j->securelevel < 1;
}
/* FreeBSD: mounting needs allow.mount and enforce_statfs < 2. */
static bool g_mount(const struct cell_jail *j)
{
	return j->allow.mount && j->enforce_statfs < 2;
}
static bool g_mlock(const struct cell_jail *j) { return j->allow.mlock; }
static bool g_msgbuf(const struct cell_jail *j) { return j->allow.read_msgbuf; }
/* Time changes also stop at securelevel 2, as FreeBSD limits them. */
static bool g_adjtime(const struct cell_jail *j)
{
	return (j->allow.adjtime || j->allow.settime) && j->securelevel < 2;
}
static bool g_settime(const struct cell_jail *j)
{
	return j->allow.settime && j->securelevel < 2;
}
static bool g_quotas(const struct cell_jail *j) { return j->allow.quotas; }
static bool g_debug(const struct cell_jail *j)
{
	return j->allow.unprivileged_proc_debug;
}
static bool g_setaudit(const struct cell_jail *j) { return j->allow.setaudit; }
/*
 * CAP_NET_ADMIN over a vnet jail's own stack. Held in the host's user
 * namespace, it reaches the host's stack too: the kernel gives the jail's
 * stack an id for the host's (IFLA_LINK_NETNSID of the epair's peer, in
 * any link dump), and a request naming that id (IFLA_TARGET_NETNSID)
 * passes its capability check, which asks for CAP_NET_ADMIN in the
 * owner of the host's stack, the host's user namespace: the jail's root
 * could delete the host's interfaces or put a macvlan on them (review of
 * aa2b83a). So only a jail with its own user namespace (cell.uidmap: the
 * capability is then its namespace's, and its stack belongs to it) gets
 * it, or one whose administrator says cell.vnet_admin, knowing that.
 * The host side (addresses, routes, vnet.firewall) is cell's and needs
 * none of it in the jail.
 */
static bool g_vnet(const struct cell_jail *j)
{
	return j->vnet && (j->uid_map.n || j->vnet_admin);
}
static bool g_children(const struct cell_jail *j) { return j->children_max > 0; }
static bool g_sysvmsg(const struct cell_jail *j)
{
	return j->sysvmsg != CELL_JAILSYS_DISABLE;
}
static bool g_sysvsem(const struct cell_jail *j)
{
	return j->sysvsem != CELL_JAILSYS_DISABLE;
}
static bool g_sysvshm(const struct cell_jail *j)
{
	return j->sysvshm != CELL_JAILSYS_DISABLE;
}

static const struct priv priv_table[] = {
	/*
	 * What FreeBSD always grants jailed root: file ownership and mode
	 * (VFS_*), credentials (CRED_SET*), signals within the jail
	 * (SIGNAL_*), chroot, System V IPC in its own namespace (IPC_*).
	 * CAP_DAC_READ_SEARCH is not here: DAC_OVERRIDE covers reads, and
	 * DAC_READ_SEARCH is what open_by_handle_at needs ("shocker").
	 */
	{ "base privileges of jailed root", "", always,
	  CAPBIT(CAP_CHOWN) | CAPBIT(CAP_DAC_OVERRIDE) | CAPBIT(CAP_FOWNER) |
		  CAPBIT(CAP_FSETID) | CAPBIT(CAP_KILL) | CAPBIT(CAP_SETGID) |
		  CAPBIT(CAP_SETUID) | CAPBIT(CAP_SETPCAP) |
		  CAPBIT(CAP_SYS_CHROOT) | CAPBIT(CAP_AUDIT_WRITE) |
		  CAPBIT(CAP_SETFCAP) | CAPBIT(CAP_IPC_OWNER),
	  NULL, SP_NONE },
	{ "sockets (unix, inet, inet6, netlink route)", "", always, 0, NULL,
	  SP_SOCKET_BASE },
	{ "processes and threads", "", always, 0, NULL, SP_CLONE_BASE },
	{ "host name", "allow.set_hostname", g_hostname, 0,
	  SYSCALLS("sethostname", "setdomainname"), SP_NONE },
	{ "reserved ports", "allow.reserved_ports", g_reserved,
	  CAPBIT(CAP_NET_BIND_SERVICE), NULL, SP_NONE },
	{ "raw sockets", "allow.raw_sockets", g_raw, CAPBIT(CAP_NET_RAW), NULL,
	  SP_SOCKET_RAW },
	{ "socket families", "allow.socket_af", g_socket_af, 0, NULL,
	  SP_SOCKET_ANY },
	{ "immutable flags", "allow.chflags", g_chflags,
	  CAPBIT(CAP_LINUX_IMMUTABLE), NULL, SP_NONE },
	{ "mounts", "allow.mount", g_mount, 0,
	  SYSCALLS("mount", "umount2", "open_tree", "move_mount", "fsopen",
		   "fsconfig", "fsmount", "fspick", "mount_setattr"),
	  SP_NONE },
	{ "memory locking", "allow.mlock", g_mlock, CAPBIT(CAP_IPC_LOCK),
	  SYSCALLS("mlock", "mlock2", "mlockall", "munlock", "munlockall"),
	  SP_NONE },
	{ "kernel message buffer", "allow.read_msgbuf", g_msgbuf,
	  CAPBIT(CAP_SYSLOG), SYSCALLS("syslog"), SP_NONE },
	{ "clock slew", "allow.adjtime", g_adjtime, CAPBIT(CAP_SYS_TIME),
	  SYSCALLS("adjtimex", "clock_adjtime"), SP_NONE },
	{ "clock setting", "allow.settime", g_settime, CAPBIT(CAP_SYS_TIME),
	  SYSCALLS("settimeofday", "clock_settime"), SP_NONE },
	{ "disk quotas", "allow.quotas", g_quotas, 0,
	  SYSCALLS("quotactl", "quotactl_fd"), SP_NONE },
	{ "debugging (ptrace)", "allow.unprivileged_proc_debug", g_debug, 0,
	  SYSCALLS("ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
		   "pidfd_getfd"),
	  SP_NONE },
	{ "audit control", "allow.setaudit", g_setaudit,
	  CAPBIT(CAP_AUDIT_CONTROL), NULL, SP_NONE },
	{ "own network stack administration", "vnet", g_vnet,
	  CAPBIT(CAP_NET_ADMIN), NULL, SP_NONE },
	{ "System V message queues", "sysvmsg", g_sysvmsg, 0,
	  SYSCALLS("msgget", "msgsnd", "msgrcv", "msgctl"), SP_NONE },
	{ "System V semaphores", "sysvsem", g_sysvsem, 0,
	  SYSCALLS("semget", "semop", "semtimedop", "semctl"), SP_NONE },
	{ "System V shared memory", "sysvshm", g_sysvshm, 0,
	  SYSCALLS("shmget", "shmat", "shmdt", "shmctl"), SP_NONE },
	/* Child jails are built by the host inside the parent's namespaces
	 * (enter.c): the jail itself never gets unshare, setns or
	 * namespace flags on clone, whatever children.max says. */
	{ "child jails (created from the host)", "children.max", g_children,
	  0, NULL, SP_NONE },
	{ "new namespaces", "", never, 0, SYSCALLS("unshare", "setns"),
	  SP_NONE },
	/* Never granted: kernel surfaces no jail may reach. */
	{ "kernel modules", "", never, 0,
	  SYSCALLS("init_module", "finit_module", "delete_module"), SP_NONE },
	{ "kexec", "", never, 0, SYSCALLS("kexec_load", "kexec_file_load"),
	  SP_NONE },
	{ "bpf", "", never, 0, SYSCALLS("bpf"), SP_NONE },
	{ "perf events", "", never, 0, SYSCALLS("perf_event_open"), SP_NONE },
	{ "userfaultfd", "", never, 0, SYSCALLS("userfaultfd"), SP_NONE },
	{ "kernel keyrings", "", never, 0,
	  SYSCALLS("keyctl", "add_key", "request_key"), SP_NONE },
	{ "open by file handle", "", never, 0, SYSCALLS("open_by_handle_at"),
	  SP_NONE },
	{ "swap", "", never, 0, SYSCALLS("swapon", "swapoff"), SP_NONE },
	{ "reboot", "", never, 0, SYSCALLS("reboot"), SP_NONE },
	{ "process accounting", "", never, 0, SYSCALLS("acct"), SP_NONE },
	{ "I/O ports", "", never, 0, SYSCALLS("iopl", "ioperm"), SP_NONE },
	{ "io_uring", "", never, 0,
	  SYSCALLS("io_uring_setup", "io_uring_enter", "io_uring_register"),
	  SP_NONE },
	{ "fanotify", "", never, 0, SYSCALLS("fanotify_init", "fanotify_mark"),
	  SP_NONE },
	{ "pivot_root", "", never, 0, SYSCALLS("pivot_root"), SP_NONE },
	{ "clone3 (flags unreadable by seccomp: ENOSYS, libc falls back)", "",
	  never, 0, SYSCALLS("clone3"), SP_NONE },
};

#define ROW_BASE 0

size_t cell_policy_rows(void)
{
	return ARRAY_SIZE(priv_table);
}

const struct cell_priv_row *cell_policy_row(size_t i)
{
	static struct cell_priv_row rows[ARRAY_SIZE(priv_table)];
	if (i >= ARRAY_SIZE(priv_table))
		return NULL;
	rows[i].what = priv_table[i].what;
	rows[i].param = priv_table[i].param;
	int n = 0;
	for (const char *const *s = priv_table[i].syscalls; s && *s; s++)
		n++;
	rows[i].nsyscalls = n;
	return &rows[i];
}

bool cell_policy_row_granted(const struct cell_policy *pol, size_t i)
{
	return i < 64 && (pol->granted & (1ULL << i));
}

_Static_assert(ARRAY_SIZE(priv_table) <= 64, "granted is a 64-bit mask");

/*
 * Paths inside /proc and /sys that reveal or change host state. Masked
 * ones are covered by an empty read-only file or directory; read-only ones
 * are remounted read-only. Same classes as runtime-spec's defaults.
 */
/* Only under proc/ (masks and read-only) and sys/ (masks): enter.c mounts
 * them beneath the /proc and /sys it has just made (unit-policy checks) */
const char *const cell_masked_paths[] = {
	"proc/acpi", "proc/asound", "proc/kcore", "proc/keys",
	"proc/latency_stats", "proc/timer_list", "proc/timer_stats",
	"proc/sched_debug", "proc/scsi", "proc/sysrq-trigger",
	"proc/kallsyms", "proc/kmsg", "proc/config.gz", "proc/vmallocinfo",
	"proc/pagetypeinfo", "proc/slabinfo",
	/* every physical page's flags, map count and memory cgroup:
	 * root-only files (0400) that jailed root could read, a map of
	 * the host's memory for page-level attacks (Rowhammer class) */
	"proc/kpageflags", "proc/kpagecount", "proc/kpagecgroup",
	"sys/firmware", "sys/devices/virtual/powercap", "sys/kernel/debug",
	"sys/kernel/tracing", "sys/kernel/security", "sys/fs/cgroup",
	"sys/fs/bpf", "sys/fs/fuse", "sys/fs/pstore", "sys/module",
	NULL,
};

const char *const cell_readonly_paths[] = {
	"proc/bus", "proc/fs", "proc/irq", "proc/sys", NULL,
};

/* --- devfs rulesets ------------------------------------------------------ */

/* a character device of a ruleset: root's */
#define NODE(n_, maj_, min_, mode_) \
	{ .name = n_, .type = 'c', .major = maj_, .minor = min_, \
	  .mode = mode_ }

static const struct cell_devnode dev_basic[] = {
	NODE("null", 1, 3, 0666),    NODE("zero", 1, 5, 0666),
	NODE("full", 1, 7, 0666),    NODE("random", 1, 8, 0666),
	NODE("urandom", 1, 9, 0666),
};
static const struct cell_devnode dev_login[] = {
	NODE("tty", 5, 0, 0666),
};
static const struct cell_devnode dev_fuse[] = {
	NODE("fuse", 10, 229, 0666),
};
static const struct cell_devnode dev_tun[] = {
	NODE("net/tun", 10, 200, 0666),
};
static const struct cell_devnode dev_kvm[] = {
	NODE("kvm", 10, 232, 0660),
};

static void add_nodes(struct cell_policy *pol, const struct cell_devnode *n,
		      size_t count)
{
	for (size_t i = 0; i < count && pol->dev_n < CELL_POLICY_DEV_MAX; i++)
		pol->dev[pol->dev_n++] = n[i];
}

int cell_devnode_parse(const char *item, struct cell_devnode *out,
		       char *why, size_t whylen)
{
	static const char *const own[] = { "pts", "ptmx", "shm", "fd",
					   "stdin", "stdout", "stderr" };
	char path[64], type[4];
	unsigned maj, min, mode = 0600, uid = 0, gid = 0;
	int used = 0, n;
	memset(out, 0, sizeof(*out));
	n = sscanf(item, "%63s %3s %u:%u%n", path, type, &maj, &min, &used);
	if (n != 4) {
		snprintf(why, whylen, "expected PATH TYPE MAJ:MIN [MODE "
			 "[UID:GID]]");
		return -EINVAL;
	}
	const char *rest = item + used;
	char extra[2];
	int u2 = 0;
	if (sscanf(rest, " %o%n", &mode, &u2) == 1) {
		rest += u2;
		if (sscanf(rest, " %u:%u%n", &uid, &gid, &u2) == 2)
			rest += u2;
	}
	if (sscanf(rest, " %1s", extra) == 1) {
		snprintf(why, whylen, "unexpected '%.32s' after the node",
			 rest);
		return -EINVAL;
	}
	const char *name = path + 5;
	bool ok = !strncmp(path, "/dev/", 5) && *name &&
		  strlen(name) < sizeof(out->name) &&
		  name[strlen(name) - 1] != '/';
	for (const char *c = name; ok && *c; c++)
		ok = isalnum((unsigned char)*c) || strchr("._+-/", *c);
	/* no empty, "." or ".." component */
	for (const char *c = name; ok && *c; ) {
		size_t l = strcspn(c, "/");
		ok = l && !(l == 1 && c[0] == '.') &&
		     !(l == 2 && c[0] == '.' && c[1] == '.');
		c += l + (c[l] == '/');
	}
	if (!ok) {
		snprintf(why, whylen, "%.63s: expected a path below /dev/ "
			 "(letters, digits, ._+-, no . or .. part, at most "
			 "%zu bytes)", path, sizeof(out->name) - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
		size_t l = strlen(own[i]);
		if (!strncmp(name, own[i], l) &&
		    (!name[l] || name[l] == '/')) {
			snprintf(why, whylen, "%.63s: /dev/%s is devfs's own",
				 path, own[i]);
			return -EINVAL;
		}
	}
	if (strcmp(type, "c") && strcmp(type, "b")) {
		snprintf(why, whylen, "type '%.3s': expected c or b", type);
		return -EINVAL;
	}
	/* the kernel's dev_t: 12 bits of major, 20 of minor */
	if (maj >= 1U << 12 || min >= 1U << 20 || mode > 0777) {
		snprintf(why, whylen, "%u:%u %o: a major below 4096, a minor "
			 "below 1048576, a mode of at most 0777", maj, min,
			 mode);
		return -EINVAL;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->type = type[0];
	out->major = maj;
	out->minor = min;
	out->mode = mode;
	out->uid = uid;
	out->gid = gid;
	return 0;
}

/* cell.devices: each node added, or put in place of the ruleset's node
 * at the same path */
static int add_jail_nodes(const struct cell_jail *j, struct cell_policy *pol,
			  struct cell_error *err)
{
	for (size_t i = 0; i < j->devices.n; i++) {
		struct cell_devnode d;
		char why[160];
		if (cell_devnode_parse(j->devices.v[i], &d, why,
				       sizeof(why)) < 0)
			return cell_error_set(err, -EINVAL, "cell.devices: %s",
					      why);
		size_t k = 0;
		while (k < pol->dev_n && strcmp(pol->dev[k].name, d.name))
			k++;
		if (k == CELL_POLICY_DEV_MAX)
			return cell_error_set(err, -E2BIG, "cell.devices: "
					      "more than %d nodes in /dev",
					      CELL_POLICY_DEV_MAX);
		pol->dev[k] = d;
		if (k == pol->dev_n)
			pol->dev_n++;
	}
	return 0;
}

/*
 * FreeBSD's default rulesets, in Linux terms:
 *   1 hide everything; 2 + null zero full random urandom;
 *   3 + tty, ptmx, pts (newinstance), fd and std links;
 *   4 (devfsrules_jail, the default) = 2 + 3 + fuse;
 *   5 (devfsrules_jail_vnet) = 4 + net/tun.
 *   0 means "no ruleset" on FreeBSD (the host's /dev): cell refuses it,
 *   since a jail with the host's devices has no device boundary.
 */
static int derive_dev(const struct cell_jail *j, struct cell_policy *pol,
		      struct cell_error *err)
{
	int rs = j->devfs_ruleset;
	pol->dev_n = 0;
	pol->dev_pts = pol->dev_fd_links = false;
	switch (rs) {
	case 1:
		break;
	case 2:
		add_nodes(pol, dev_basic, ARRAY_SIZE(dev_basic));
		break;
	case 3:
	case 4:
	case 5:
		add_nodes(pol, dev_basic, ARRAY_SIZE(dev_basic));
		add_nodes(pol, dev_login, ARRAY_SIZE(dev_login));
		pol->dev_pts = pol->dev_fd_links = true;
		if (rs >= 4)
			add_nodes(pol, dev_fuse, ARRAY_SIZE(dev_fuse));
		if (rs == 5)
			add_nodes(pol, dev_tun, ARRAY_SIZE(dev_tun));
		break;
	default:
		return cell_error_set(err, -EINVAL,
				      "devfs_ruleset: unknown ruleset %d "
				      "(known: 1 to 5)", rs);
	}
	if (j->allow.vmm)
		add_nodes(pol, dev_kvm, ARRAY_SIZE(dev_kvm));
	return add_jail_nodes(j, pol, err);
}

/* --- derivation ---------------------------------------------------------- */

int cell_policy_derive(const struct cell_jail *j,
		       const struct cell_policy *parent,
		       struct cell_policy *out, struct cell_error *err)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ARRAY_SIZE(priv_table); i++) {
		const struct priv *p = &priv_table[i];
		if (!p->granted(j))
			continue;
		out->granted |= 1ULL << i;
		out->caps |= p->caps;
	}
	/* Securelevel only ever rises down the tree. */
	out->securelevel = j->securelevel;
	out->children_max = j->children_max;
	out->vnet = j->vnet;
	if (!j->vnet) {
		/* "new" with no address of the family refuses it, as
		 * FreeBSD's jail with ip4.addr only has no IPv6 */
		out->ip4_disable = j->ip4 == CELL_JAILSYS_DISABLE ||
				   (j->ip4 == CELL_JAILSYS_NEW && !j->ip4_addr_n);
		out->ip6_disable = j->ip6 == CELL_JAILSYS_DISABLE ||
				   (j->ip6 == CELL_JAILSYS_NEW && !j->ip6_addr_n);
		out->ip4_restricted = j->ip4 == CELL_JAILSYS_NEW &&
				      j->ip4_addr_n;
		out->ip6_restricted = j->ip6 == CELL_JAILSYS_NEW &&
				      j->ip6_addr_n;
	}
	int r = derive_dev(j, out, err);
	if (r < 0)
		return r;
	if (g_mount(j)) {
		const struct cell_allow *a = &j->allow;
		out->mount_fs = (a->mount_tmpfs ? CELL_MOUNT_TMPFS : 0) |
				(a->mount_procfs || a->mount_linprocfs
					 ? CELL_MOUNT_PROC : 0) |
				(a->mount_nullfs ? CELL_MOUNT_BIND : 0);
	}

	if (parent) {
		/*
		 * A child never gets more than its parent: privileges and
		 * capabilities are intersected, the securelevel is the
		 * higher of the two, devices must be a subset.
		 */
		out->granted &= parent->granted;
		out->caps &= parent->caps;
		if (parent->securelevel > out->securelevel)
			out->securelevel = parent->securelevel;
		size_t k = 0;
		for (size_t i = 0; i < out->dev_n; i++) {
			bool in_parent = false;
			for (size_t m = 0; m < parent->dev_n; m++)
				if (parent->dev[m].type == out->dev[i].type &&
				    parent->dev[m].major == out->dev[i].major &&
				    parent->dev[m].minor == out->dev[i].minor)
					in_parent = true;
			if (in_parent)
				out->dev[k++] = out->dev[i];
		}
		out->dev_n = k;
		out->dev_pts = out->dev_pts && parent->dev_pts;
		out->mount_fs &= parent->mount_fs;
		/* a family the parent may not use, the child may not; a
		 * child on its parent's stack keeps its parent's limits
		 * (its own addresses narrow them further) */
		if (!j->vnet) {
			out->ip4_disable |= parent->ip4_disable;
			out->ip6_disable |= parent->ip6_disable;
		}
		out->dev_fd_links = out->dev_fd_links && parent->dev_fd_links;
	}
	out->addr_hooks = !j->vnet &&
			  (out->ip4_disable || out->ip6_disable ||
			   out->ip4_restricted || out->ip6_restricted);
	/* the host's netns only: a vnet jail's, or one joined by path (a
	 * pod's, shared on purpose), holds no host socket. A child on its
	 * parent's stack is scoped when its parent is: its processes are
	 * started from the host, outside the parent's Landlock domain, so
	 * unscoped they reached the host's abstract sockets that the
	 * parent's own cannot. */
	bool shares_stack = !j->vnet && !j->netns_path[0];
	out->scope_abstract_unix =
		shares_stack &&
		(j->abstract_unix_scope ||
		 (parent && parent->scope_abstract_unix));
	return 0;
}

/* --- seccomp ------------------------------------------------------------- */

#define NS_FLAGS                                                              \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |          \
	 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | 0x80 /* NEWTIME */)

/* The filter being built: libseccomp's context, and while the head of
 * ranges is wanted (bpf_ranges.c), the calls allowed without conditions
 * (uncond: kept out of ctx) and those with a rule in ctx (ruled). */
#define FILTER_NR_BITS 1024
struct rules {
	scmp_filter_ctx ctx;
	uint8_t *uncond;
	uint8_t ruled[FILTER_NR_BITS / 8];
};

static void mark(uint8_t *bits, int nr)
{
	if (bits && nr >= 0 && nr < FILTER_NR_BITS)
		bits[nr / 8] |= (uint8_t)(1u << (nr % 8));
}

static bool marked(const uint8_t *bits, int nr)
{
	return bits && nr >= 0 && nr < FILTER_NR_BITS &&
	       (bits[nr / 8] & (1u << (nr % 8)));
}

static int add_rule(struct rules *b, uint32_t action, const char *name,
		    unsigned argc, const struct scmp_arg_cmp *args,
		    struct cell_error *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	mark(b->ruled, nr);
	int r = seccomp_rule_add_array(b->ctx, action, nr, argc, args);
	if (r < 0)
		return cell_error_errno(err, r, "seccomp rule for %s", name);
	return 0;
}

static int add_special(struct rules *b, enum special sp,
		       struct cell_error *err)
{
	int r = 0;
	struct scmp_arg_cmp a[2];
	switch (sp) {
	case SP_NONE:
		break;
	case SP_SOCKET_BASE: {
		static const int types[] = { SOCK_STREAM, SOCK_DGRAM,
					     SOCK_SEQPACKET };
		a[0] = SCMP_A0_32(SCMP_CMP_EQ, AF_UNIX);
		r = add_rule(b, SCMP_ACT_ALLOW, "socket", 1, a, err);
		/* socketpair() makes two sockets of its family as socket()
		 * does (and loads the family's module, net-pf-N, on a
		 * kernel with modules) before it asks the family for a
		 * pair: unfiltered, it reached every family the rule above
		 * refuses. Only unix sockets come in pairs here. */
		if (r == 0)
			r = add_rule(b, SCMP_ACT_ALLOW, "socketpair", 1, a,
				     err);
		for (size_t i = 0; r == 0 && i < ARRAY_SIZE(types); i++) {
			/* The type's low nibble is the kind; the rest are
			 * SOCK_NONBLOCK / SOCK_CLOEXEC. */
			a[1] = SCMP_A1_32(SCMP_CMP_MASKED_EQ, 0xf,
					  (uint32_t)types[i]);
			a[0] = SCMP_A0_32(SCMP_CMP_EQ, AF_INET);
			r = add_rule(b, SCMP_ACT_ALLOW, "socket", 2, a, err);
			if (r == 0) {
				a[0] = SCMP_A0_32(SCMP_CMP_EQ, AF_INET6);
				r = add_rule(b, SCMP_ACT_ALLOW, "socket", 2,
					     a, err);
			}
		}
		if (r == 0) {
			a[0] = SCMP_A0_32(SCMP_CMP_EQ, AF_NETLINK);
			a[1] = SCMP_A2_32(SCMP_CMP_EQ, NETLINK_ROUTE);
			r = add_rule(b, SCMP_ACT_ALLOW, "socket", 2, a, err);
		}
		break;
	}
	case SP_SOCKET_RAW:
		a[0] = SCMP_A0_32(SCMP_CMP_EQ, AF_INET);
		r = add_rule(b, SCMP_ACT_ALLOW, "socket", 1, a, err);
		if (r == 0) {
			a[0] = SCMP_A0_32(SCMP_CMP_EQ, AF_INET6);
			r = add_rule(b, SCMP_ACT_ALLOW, "socket", 1, a, err);
		}
		if (r == 0) {
			a[0] = SCMP_A0_32(SCMP_CMP_EQ, AF_PACKET);
			r = add_rule(b, SCMP_ACT_ALLOW, "socket", 1, a, err);
		}
		break;
	case SP_SOCKET_ANY:
		/* every family except packet sockets, which stay with
		 * allow.raw_sockets */
		a[0] = SCMP_A0_32(SCMP_CMP_NE, AF_PACKET);
		r = add_rule(b, SCMP_ACT_ALLOW, "socket", 1, a, err);
		if (r == 0)
			r = add_rule(b, SCMP_ACT_ALLOW, "socketpair", 1, a,
				     err);
		break;
	case SP_CLONE_BASE:
		a[0] = SCMP_A0_64(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0);
		r = add_rule(b, SCMP_ACT_ALLOW, "clone", 1, a, err);
		break;
	}
	return r;
}

static void ctx_release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* An allow without argument conditions: kept for the head of ranges
 * when it is wanted, else a rule. */
static int allow_call(struct rules *b, int nr, struct cell_error *err)
{
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	if (b->uncond && nr >= 0 && nr < FILTER_NR_BITS) {
		mark(b->uncond, nr);
		return 0;
	}
	int r = seccomp_rule_add(b->ctx, SCMP_ACT_ALLOW, nr, 0);
	if (r < 0)
		return cell_error_errno(err, r, "seccomp rule for %d", nr);
	return 0;
}

static int build_filter(const struct cell_policy *pol, bool chain,
			uint8_t *uncond, scmp_filter_ctx *out,
			struct cell_error *err)
{
	/*
	 * Default: EPERM for a known syscall that no row allows. Unknown
	 * (newer) syscalls also get the default: a kernel upgrade cannot
	 * widen a jail.
	 */
	__attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx =
		seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return cell_error_set(err, -ENOMEM, "seccomp_init failed");
	/* Other architectures (i386, x32 entry points) are killed. */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				 SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		return cell_error_errno(err, r, "seccomp bad-arch action");
	/* no_new_privs is set by the caller at the right moment. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree of syscall numbers, not a chain of some 300
	 * compares: each call the jail makes walks about nine, and so does
	 * the kernel when it loads the filter and works out, for every
	 * syscall number, whether the answer is always "allow" (its
	 * per-filter cache). Same verdicts: unit-policy runs both layouts
	 * over every syscall number (chain: the old layout, for it). */
	if (!chain)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	struct rules b = { .ctx = ctx, .uncond = uncond };

	for (size_t i = 0; i < ARRAY_SIZE(base_syscalls); i++) {
		r = allow_call(&b, seccomp_syscall_resolve_name(
					       base_syscalls[i]), err);
		if (r < 0)
			return r;
	}
	/* ioctl: everything but faking terminal input (CVE-2017-5226). */
	struct scmp_arg_cmp tiocsti = SCMP_A1_32(SCMP_CMP_NE, TIOCSTI);
	r = add_rule(&b, SCMP_ACT_ALLOW, "ioctl", 1, &tiocsti, err);
	if (r < 0)
		return r;
	/* Newer calls libseccomp 2.5 cannot name yet. */
	static const int newer[] = { 451 /* cachestat */,
				     452 /* fchmodat2 */,
				     453 /* map_shadow_stack */,
				     454 /* futex_wake */, 455 /* futex_wait */,
				     456 /* futex_requeue */, 462 /* mseal */ };
	for (size_t i = 0; i < ARRAY_SIZE(newer); i++)
		(void)allow_call(&b, newer[i], NULL);
	/* clone3 answers ENOSYS so that libc falls back to clone(2), whose
	 * flags the filter can read. */
	r = add_rule(&b, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err);
	if (r < 0)
		return r;

	for (size_t i = 0; i < ARRAY_SIZE(priv_table); i++) {
		const struct priv *p = &priv_table[i];
		if (!(pol->granted & (1ULL << i)))
			continue;
		for (const char *const *s = p->syscalls; s && *s; s++) {
			r = allow_call(&b, seccomp_syscall_resolve_name(*s),
				       err);
			if (r < 0)
				return r;
		}
		r = add_special(&b, p->special, err);
		if (r < 0)
			return r;
	}
	/* A call allowed without conditions that also has a rule of another
	 * kind (an argument condition, another action) is libseccomp's to
	 * resolve, as it always was: its allow goes back among the rules,
	 * out of the head's ranges. */
	for (int nr = 0; uncond && nr < FILTER_NR_BITS; nr++) {
		if (!marked(uncond, nr) || !marked(b.ruled, nr))
			continue;
		uncond[nr / 8] &= (uint8_t)~(1u << (nr % 8));
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return cell_error_errno(err, r, "seccomp rule for %d",
						nr);
	}
	/* A socket() that no row allowed is a family the jail lacks. */
	*out = TAKE_PTR(ctx);
	return 0;
}

static bool agent_wanted(const struct cell_policy *pol);
static int build_listener(const struct cell_policy *pol, scmp_filter_ctx *out,
			  struct cell_error *err);

struct build_id {
	char hex[41];
};

static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct build_id *b = data;
	if (info->dlpi_name && info->dlpi_name[0])
		return 0; /* the main program only (dlpi_name "") */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*nh);
			const unsigned char *desc =
				(const unsigned char *)name +
				((nh->n_namesz + 3) & ~3U);
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && nh->n_descsz >= 8 &&
			    nh->n_descsz <= 20) {
				for (unsigned k = 0; k < nh->n_descsz; k++)
					snprintf(b->hex + 2 * k, 3, "%02x",
						 desc[k]);
				return 1;
			}
			p = (const char *)desc + ((nh->n_descsz + 3) & ~3U);
		}
	}
	return 0;
}

int cell_filter_build_tag(char *buf, size_t len)
{
	static struct build_id id;
	if (!id.hex[0] && !dl_iterate_phdr(find_build_id, &id))
		return -ENOENT;
	const struct scmp_version *v = seccomp_version();
	uint32_t arch = seccomp_arch_native();
	int n = snprintf(buf, len, "%s-%u.%u.%u-%x", id.hex,
			 v ? v->major : 0, v ? v->minor : 0,
			 v ? v->micro : 0, arch);
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

int cell_policy_filter_key(const struct cell_policy *pol, bool listener,
			   char *buf, size_t len)
{
	char tag[96];
	int r = cell_filter_build_tag(tag, sizeof(tag));
	if (r < 0)
		return r;
	int n = snprintf(buf, len, CELL_FILTER_KEY_PREFIX "%s-%016llx-%x-%c",
			 tag, (unsigned long long)pol->granted, pol->mount_fs,
			 listener ? 'l' : 'f');
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

static int export(scmp_filter_ctx ctx, struct sock_fprog *prog,
		  struct cell_error *err);

static int compile(const struct cell_policy *pol, bool listener, bool chain,
		   struct sock_fprog *prog, struct cell_error *err)
{
	__attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx = NULL;
	prog->filter = NULL;
	prog->len = 0;
	if (listener && !agent_wanted(pol))
		return 0;
	if (listener) {
		int r = build_listener(pol, &ctx, err);
		return r < 0 ? r : export(ctx, prog, err);
	}
	/* the unconditional allows as ranges in front of libseccomp's
	 * filter of the rest (bpf_ranges.c); the chain (tests) and an
	 * architecture or a search the head cannot do: libseccomp's alone */
	uint8_t uncond[FILTER_NR_BITS / 8] = { 0 };
	int r = build_filter(pol, chain, chain ? NULL : uncond, &ctx, err);
	if (r == 0)
		r = export(ctx, prog, err);
	if (r < 0 || chain)
		return r;
	if (cell_bpf_prepend_ranges(uncond, FILTER_NR_BITS, prog) == 0)
		return 0;
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
	seccomp_release(ctx);
	ctx = NULL;
	r = build_filter(pol, false, NULL, &ctx, err);
	return r < 0 ? r : export(ctx, prog, err);
}

/* libseccomp's filter as a program of our own (malloc'd) */
static int export(scmp_filter_ctx ctx, struct sock_fprog *prog,
		  struct cell_error *err)
{
	int r;
	_cleanup_close_ int m = memfd_create("cell-bpf", MFD_CLOEXEC);
	if (m < 0)
		return cell_error_errno(err, -errno, "memfd_create");
	r = seccomp_export_bpf(ctx, m);
	if (r < 0)
		return cell_error_errno(err, r, "exporting the seccomp filter");
	off_t len = lseek(m, 0, SEEK_END);
	if (len <= 0 || len % (off_t)sizeof(struct sock_filter) ||
	    len / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cell_error_set(err, -E2BIG, "seccomp filter size %lld",
				      (long long)len);
	struct sock_filter *f = malloc((size_t)len);
	if (!f)
		return cell_error_set(err, -ENOMEM, "out of memory");
	if (pread(m, f, (size_t)len, 0) != len) {
		free(f);
		return cell_error_errno(err, -EIO, "reading the filter back");
	}
	prog->filter = f;
	prog->len = (unsigned short)(len / (off_t)sizeof(*f));
	return 0;
}

int cell_policy_compile(const struct cell_policy *pol, bool listener,
			struct sock_fprog *prog, struct cell_error *err)
{
	return compile(pol, listener, false, prog, err);
}

int cell_policy_compile_chain(const struct cell_policy *pol,
			      struct sock_fprog *prog, struct cell_error *err)
{
	return compile(pol, false, true, prog, err);
}

int cell_policy_apply_seccomp(const struct cell_policy *pol,
			      struct cell_error *err)
{
	if (pol->compiled) {
		/* the compiled form of the same rows (no_new_privs is set) */
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
			    pol->compiled) < 0)
			return cell_error_errno(err, -errno,
						"loading the seccomp filter");
		return 0;
	}
	__attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx = NULL;
	int r = build_filter(pol, false, NULL, &ctx, err);
	if (r < 0)
		return r;
	r = seccomp_load(ctx);
	if (r < 0)
		return cell_error_errno(err, r, "loading the seccomp filter");
	return 0;
}

static bool hostname_granted(const struct cell_policy *pol)
{
	size_t row = 0;
	for (; row < ARRAY_SIZE(priv_table); row++)
		if (priv_table[row].granted == g_hostname)
			break;
	return row < ARRAY_SIZE(priv_table) && (pol->granted & (1ULL << row));
}

static bool agent_wanted(const struct cell_policy *pol)
{
	return hostname_granted(pol) || pol->mount_fs;
}

/* The main filter allows these calls (their rows are granted): a
 * notification outranks an allow, so the agent gets them. */
static int build_listener(const struct cell_policy *pol, scmp_filter_ctx *out,
			  struct cell_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return cell_error_set(err, -ENOMEM, "seccomp_init failed");
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	struct rules b = { .ctx = ctx, .uncond = NULL };
	int r = 0;
	if (hostname_granted(pol)) {
		r = add_rule(&b, SCMP_ACT_NOTIFY, "sethostname", 0, NULL,
			     err);
		if (r == 0)
			r = add_rule(&b, SCMP_ACT_NOTIFY, "setdomainname", 0,
				     NULL, err);
	}
	if (r == 0 && pol->mount_fs) {
		r = add_rule(&b, SCMP_ACT_NOTIFY, "mount", 0, NULL, err);
		if (r == 0)
			r = add_rule(&b, SCMP_ACT_NOTIFY, "umount2", 0, NULL,
				     err);
	}
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

int cell_policy_agent_listener(const struct cell_policy *pol,
			       struct cell_error *err)
{
	if (!agent_wanted(pol))
		return 0;
	if (pol->compiled_listener) {
		int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				      SECCOMP_FILTER_FLAG_NEW_LISTENER,
				      pol->compiled_listener);
		if (fd < 0)
			return cell_error_errno(err, -errno,
						"loading the host name filter");
		return fd;
	}
	__attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx = NULL;
	int r = build_listener(pol, &ctx, err);
	if (r < 0)
		return r;
	r = seccomp_load(ctx);
	if (r < 0)
		return cell_error_errno(err, r, "loading the host name filter");
	int fd = seccomp_notify_fd(ctx);
	if (fd < 0)
		return cell_error_errno(err, fd, "seccomp listener");
	return fd;
}

int cell_policy_export_bpf(const struct cell_policy *pol, int fd,
			   struct cell_error *err)
{
	__attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx = NULL;
	int r = build_filter(pol, false, NULL, &ctx, err);
	if (r < 0)
		return r;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return cell_error_errno(err, r, "exporting the seccomp filter");
	return 0;
}

/* --- capabilities -------------------------------------------------------- */

int cell_policy_bound_caps(const struct cell_policy *pol,
			   struct cell_error *err)
{
	int last = CAP_LAST_CAP;
	/* The running kernel may know more capabilities than our headers. */
	while (prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	for (int c = 0; c <= last; c++) {
		if (c < 64 && (pol->caps & CAPBIT(c)))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return cell_error_errno(err, -errno,
						"dropping capability %d from "
						"the bounding set", c);
	}
	/* No ambient capabilities survive into the jail. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return 0;
}

int cell_policy_set_caps(const struct cell_policy *pol, uint64_t inheritable,
			 struct cell_error *err)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0
	};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)pol->caps;
	data[1].effective = data[1].permitted = (uint32_t)(pol->caps >> 32);
	/* not cut to the permitted set: OCI may name an inheritable
	 * capability the process does not hold (runc sets it so), and the
	 * second call of tail() narrows permitted below the inheritable
	 * set the first one made; the kernel keeps it within the bounding
	 * set, which the caller has cut already */
	data[0].inheritable = (uint32_t)inheritable;
	data[1].inheritable = (uint32_t)(inheritable >> 32);
	if (capset(&hdr, data) < 0)
		return cell_error_errno(err, -errno, "capset");
	return 0;
}

void cell_policy_print(FILE *out, const struct cell_policy *pol)
{
	for (size_t i = 0; i < ARRAY_SIZE(priv_table); i++) {
		const struct priv *p = &priv_table[i];
		bool g = pol->granted & (1ULL << i);
		fprintf(out, "%s: %s (%s)\n", p->what,
			g ? "granted" : "denied",
			p->param[0] ? p->param : "never");
	}
	fprintf(out, "capabilities:");
	for (int c = 0; c < 64; c++)
		if (pol->caps & CAPBIT(c)) {
			char *name = cap_to_name(c);
			fprintf(out, " %s", name ? name : "?");
			cap_free(name);
		}
	fprintf(out, "\ndevices:");
	for (size_t i = 0; i < pol->dev_n; i++)
		fprintf(out, " %s", pol->dev[i].name);
	fprintf(out, "%s\n", pol->dev_pts ? " pts ptmx fd stdin stdout stderr"
					  : "");
}
