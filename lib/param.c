/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Jail parameters: the table, the one setter, the printer.
 *
 * Every front end (jail -c name=value, jail.conf, the manager, OCI
 * annotations) reaches a struct cell_jail only through cell_param_set(),
 * so a value is validated exactly once, on the way in, and nothing can be
 * said in one front end that another cannot say.
 */
#include "param.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "policy.h"
#include "util.h"

/* The kernel's bound on a time namespace's offset (KTIME_SEC_MAX). */
#define TIME_OFFSET_MAX 9223372036LL

#define OFF(f) offsetof(struct cell_jail, f)
#define STR(f) CELL_PT_STRING, OFF(f), sizeof(((struct cell_jail *)0)->f)

#define BOOLP(n, f, d, fl, text) \
	{ n, CELL_PT_BOOL, OFF(f), 0, 0, 1, d, fl, text }
#define INTP(n, f, lo, hi, d, fl, text) \
	{ n, CELL_PT_INT, OFF(f), 0, lo, hi, d, fl, text }
#define STRP(n, f, d, fl, text) { n, STR(f), 0, 0, d, fl, text }
#define SYSP(n, f, d, fl, text) \
	{ n, CELL_PT_JAILSYS, OFF(f), 0, 0, 2, d, fl, text }
#define LISTP(n, f, fl, text) { n, CELL_PT_LIST, OFF(f), 0, 0, 0, "", fl, text }
#define NOLINUX(n, text) \
	{ n, CELL_PT_UNSUPPORTED, 0, 0, 0, 0, "", CELL_PF_NOLINUX, text }
#define ALLOW(n, f, d, text) \
	BOOLP("allow." n, allow.f, d, 0, text)
#define ALLOW_NOLINUX(n, f, d, text) \
	BOOLP("allow." n, allow.f, d, CELL_PF_NOLINUX, text)

/*
 * The table. Order is the order jls -n and jls -s print in, FreeBSD's
 * order where FreeBSD has the parameter.
 */
const struct cell_param cell_params[] = {
	INTP("jid", jid, 0, CELL_JID_MAX, "0", 0, "jail identifier"),
	STRP("name", name, "", 0, "jail name; dots make a hierarchy"),
	INTP("parent", parent_jid, 0, CELL_JID_MAX, "0", CELL_PF_RDONLY,
	     "jid of the parent jail, 0 for the host"),
	STRP("path", path, "", 0, "directory that is the jail's root"),
	SYSP("host", host, "new", 0,
	     "own UTS names (new) or the host's (inherit)"),
	STRP("host.hostname", hostname, "", CELL_PF_RUNTIME,
	     "host name inside the jail"),
	STRP("host.domainname", domainname, "", CELL_PF_RUNTIME,
	     "NIS domain name inside the jail"),
	STRP("host.hostuuid", hostuuid, "", 0,
	     "host UUID: the jail's /etc/machine-id (read-only)"),
	{ "host.hostid", CELL_PT_ULONG, OFF(hostid), 0, 0, 0xffffffffL, "0", 0,
	  "host id: the jail's /etc/hostid, what gethostid(3) returns" },
	BOOLP("vnet", vnet, "false", CELL_PF_NET,
	      "own network stack (network namespace)"),
	SYSP("ip4", ip4, "inherit", CELL_PF_NET,
	     "IPv4: inherit the host's, new (ip4.addr only) or disable"),
	{ "ip4.addr", CELL_PT_IP4, 0, 0, 0, 0, "", CELL_PF_NET,
	  "IPv4 addresses of the jail, addr[/prefix] or if|addr[/prefix]" },
	BOOLP("ip4.saddrsel", ip4_saddrsel, "true", CELL_PF_NET | CELL_PF_NOLINUX,
	      "source address selection (no Linux effect yet)"),
	SYSP("ip6", ip6, "inherit", CELL_PF_NET,
	     "IPv6: inherit, new (ip6.addr only) or disable"),
	{ "ip6.addr", CELL_PT_IP6, 0, 0, 0, 0, "", CELL_PF_NET,
	  "IPv6 addresses of the jail" },
	BOOLP("ip6.saddrsel", ip6_saddrsel, "true", CELL_PF_NET | CELL_PF_NOLINUX,
	      "source address selection (no Linux effect yet)"),
	STRP("interface", interface, "", CELL_PF_NET | CELL_PF_JAIL8,
	     "host interface that ip4.addr/ip6.addr aliases go on"),
	LISTP("vnet.interface", vnet_interface, CELL_PF_NET | CELL_PF_JAIL8,
	      "host interfaces moved into a vnet jail"),
	STRP("vnet.bridge", vnet_bridge, "", CELL_PF_NET,
	     "make an epair and put its host end on this bridge"),
	STRP("vnet.firewall", vnet_firewall, "", CELL_PF_NET,
	     "nftables ruleset file loaded inside the jail's stack"),
	BOOLP("vnet.nat", vnet_nat, "false", CELL_PF_NET,
	      "masquerade the jail's egress through the host"),
	LISTP("vnet.rdr", vnet_rdr, CELL_PF_NET,
	      "port forwarding: \"tcp|udp HOSTPORT JAILPORT\", ..."),
	INTP("vnet.mtu", vnet_mtu, 0, 65535, "0", CELL_PF_NET,
	     "epair MTU; 0: 65535 on a bridge cell made, else the bridge's"),
	STRP("vnet.defaultrouter", vnet_defaultrouter, "", CELL_PF_NET,
	     "IPv4 default route inside: an address, or auto (the first "
	     "address of ip4.addr's network, put on a bridge cell made)"),
	STRP("vnet.ipv6_defaultrouter", vnet_defaultrouter6, "", CELL_PF_NET,
	     "IPv6 default route inside: an address, or auto (as for IPv4)"),
	SYSP("sysvmsg", sysvmsg, "disable", 0, "System V message queues"),
	SYSP("sysvsem", sysvsem, "disable", 0, "System V semaphores"),
	SYSP("sysvshm", sysvshm, "disable", 0, "System V shared memory"),
	INTP("enforce_statfs", enforce_statfs, 0, 2, "2", 0,
	     "which mount points are visible: 0 all, 1 below root, 2 root"),
	INTP("securelevel", securelevel, -1, 3, "-1", CELL_PF_RUNTIME,
	     "jail securelevel (may only be raised on a running jail)"),
	INTP("devfs_ruleset", devfs_ruleset, 0, 65535, "4", 0,
	     "which device nodes /dev holds (see policy.c)"),
	INTP("children.max", children_max, 0, 1024, "0", 0,
	     "how many child jails this jail may create"),
	INTP("children.cur", jid, 0, 0, "0", CELL_PF_RDONLY,
	     "current number of child jails"),
	BOOLP("persist", persist, "false", CELL_PF_RUNTIME,
	      "keep the jail with no processes in it"),
	ALLOW("set_hostname", set_hostname, "true",
	      "root in the jail may change the host name"),
	ALLOW("sysvipc", sysvipc, "false",
	      "share the host's System V IPC (deprecated, see sysv*)"),
	ALLOW("raw_sockets", raw_sockets, "false",
	      "raw and packet sockets (ping)"),
	ALLOW("chflags", chflags, "false",
	      "change immutable and append-only attributes"),
	ALLOW("mount", mount, "false", "mount and unmount file systems"),
	ALLOW_NOLINUX("mount.devfs", mount_devfs, "false", "mount devfs (a /dev)"),
	ALLOW_NOLINUX("mount.fdescfs", mount_fdescfs, "false", "mount fdescfs"),
	ALLOW_NOLINUX("mount.fusefs", mount_fusefs, "false", "mount FUSE file systems"),
	ALLOW("mount.nullfs", mount_nullfs, "false",
	      "bind-mount the jail's own files and directories"),
	ALLOW("mount.procfs", mount_procfs, "false",
	      "mount proc: the jail's processes only (subset=pid)"),
	ALLOW("mount.linprocfs", mount_linprocfs, "false",
	      "mount proc, as mount.procfs"),
	ALLOW_NOLINUX("mount.linsysfs", mount_linsysfs, "false",
	      "mount sysfs (refused: a fresh sysfs shows what /sys masks)"),
	ALLOW("mount.tmpfs", mount_tmpfs, "false", "mount tmpfs"),
	ALLOW_NOLINUX("mount.zfs", mount_zfs, "false", "mount btrfs subvolumes"),
	ALLOW("quotas", quotas, "false", "manipulate disk quotas"),
	ALLOW("socket_af", socket_af, "false",
	      "socket families beyond unix, inet, inet6 and netlink route"),
	ALLOW("mlock", mlock, "false", "lock memory (mlock, mlockall)"),
	ALLOW("read_msgbuf", read_msgbuf, "false", "read the kernel log"),
	ALLOW("reserved_ports", reserved_ports, "true",
	      "bind ports below 1024"),
	ALLOW("unprivileged_proc_debug", unprivileged_proc_debug, "true",
	      "debug processes of one's own user (ptrace)"),
	ALLOW_NOLINUX("unprivileged_parent_tampering", unprivileged_parent_tampering,
	      "false", "no Linux effect: parent jails are never reachable"),
	ALLOW_NOLINUX("suser", suser, "true",
	      "root in the jail keeps the jail's privileges"),
	ALLOW_NOLINUX("extattr", extattr, "false", "set trusted.* extended attributes"),
	ALLOW("adjtime", adjtime, "false", "slew the host clock (adjtimex)"),
	ALLOW("settime", settime, "false", "set the host clock"),
	ALLOW_NOLINUX("routing", routing, "false",
	      "no Linux effect without vnet; a vnet jail owns its routes"),
	ALLOW("setaudit", setaudit, "false", "write audit control"),
	ALLOW_NOLINUX("nfsd", nfsd, "false", "no Linux effect"),
	ALLOW("vmm", vmm, "false", "use /dev/kvm"),
	ALLOW_NOLINUX("dying", dying, "false", "deprecated, no effect"),
	STRP("cell.netns", netns_path, "", 0,
	     "join this network namespace (a path) instead of making one"),
	STRP("cell.ipcns", ipcns_path, "", 0,
	     "join this IPC namespace (a path) instead of making one"),
	STRP("cell.utsns", utsns_path, "", 0,
	     "join this UTS namespace (a path) instead of making one"),
	LISTP("cell.sysctl", sysctl, 0,
	      "namespaced sysctls set inside the jail: key=value, ..."),
	LISTP("cell.masked_paths", masked_paths, 0,
	      "more paths inside the jail hidden behind an empty one"),
	LISTP("cell.devices", devices, 0,
	      "more nodes in /dev: \"PATH c|b MAJ:MIN [MODE [UID:GID]]\", "
	      "..."),
	LISTP("cell.readonly_paths", readonly_paths, 0,
	      "more paths inside the jail made read-only"),
	STRP("cell.cgroup", cgroup_path, "", 0,
	     "cgroup of the jail, below each hierarchy's root (cell/NAME)"),
	BOOLP("cell.root_readonly", root_readonly, "false", 0,
	      "mount the jail's root read-only"),
	BOOLP("cell.abstract_unix_scope", abstract_unix_scope, "false", 0,
	      "on the host's stack: no abstract socket beyond a process tree"),
	BOOLP("cell.vnet_admin", vnet_admin, "false", 0,
	      "CAP_NET_ADMIN for a vnet jail without cell.uidmap: its root "
	      "can reach the host's interfaces"),
	BOOLP("cell.timens", timens, "false", 0,
	      "own time namespace (CLOCK_MONOTONIC, CLOCK_BOOTTIME offsets)"),
	STRP("cell.timens.monotonic", timens_monotonic, "", 0,
	     "offset of CLOCK_MONOTONIC inside: [-]SECONDS[.FRACTION]"),
	STRP("cell.timens.boottime", timens_boottime, "", 0,
	     "offset of CLOCK_BOOTTIME inside: [-]SECONDS[.FRACTION]"),
	STRP("cell.personality", personality, "", 0,
	     "execution domain: linux, or linux32 (uname -m says i686)"),
	LISTP("cell.uidmap", uid_map, 0,
	      "own user namespace: uid maps INSIDE:OUTSIDE:COUNT, ..."),
	LISTP("cell.gidmap", gid_map, 0,
	      "own user namespace: gid maps INSIDE:OUTSIDE:COUNT, ..."),
	STRP("exec.jail_user", exec_jail_user, "", CELL_PF_JAIL8,
	     "user that commands run as inside the jail"),
	/* a boolean, as FreeBSD's (PF_BOOL): "exec.system_jail_user;",
	 * "exec.nosystem_jail_user;" */
	BOOLP("exec.system_jail_user", exec_system_jail_user, "false",
	      CELL_PF_JAIL8, "look exec.jail_user up in the host's passwd"),
	STRP("exec.system_user", exec_system_user, "", CELL_PF_JAIL8,
	     "user that host-side hooks run as"),
	BOOLP("exec.clean", exec_clean, "false", CELL_PF_JAIL8,
	      "run commands with a clean environment"),
	{ "command", CELL_PT_ARGV, OFF(command), 0, 0, 0, "", CELL_PF_JAIL8,
	  "command to run in the jail (eats the rest of the arguments)" },
	LISTP("exec.prepare", exec_prepare, CELL_PF_JAIL8,
	      "host commands before anything else"),
	LISTP("exec.prestart", exec_prestart, CELL_PF_JAIL8,
	      "host commands before the jail is created"),
	LISTP("exec.created", exec_created, CELL_PF_JAIL8,
	      "host commands once the jail exists"),
	LISTP("exec.start", exec_start, CELL_PF_JAIL8,
	      "commands run in the jail when it starts"),
	LISTP("exec.poststart", exec_poststart, CELL_PF_JAIL8,
	      "host commands after the jail started"),
	LISTP("exec.prestop", exec_prestop, CELL_PF_JAIL8,
	      "host commands before the jail is stopped"),
	LISTP("exec.stop", exec_stop, CELL_PF_JAIL8,
	      "commands run in the jail when it stops"),
	LISTP("exec.poststop", exec_poststop, CELL_PF_JAIL8,
	      "host commands after the jail is removed"),
	LISTP("exec.release", exec_release, CELL_PF_JAIL8,
	      "host commands after everything else"),
	INTP("exec.timeout", exec_timeout, 0, 86400, "0", CELL_PF_JAIL8,
	     "seconds a hook may run (0 = no limit)"),
	INTP("stop.timeout", stop_timeout, 0, 86400, "10", CELL_PF_JAIL8,
	     "seconds between SIGTERM and SIGKILL on removal"),
	STRP("exec.consolelog", exec_consolelog, "", CELL_PF_JAIL8,
	     "file that receives the output of exec.* commands"),
	INTP("exec.fib", exec_fib, 0, 65535, "0",
	     CELL_PF_JAIL8 | CELL_PF_NOLINUX, "routing table (no Linux effect)"),
	LISTP("mount", mount, CELL_PF_JAIL8,
	      "fstab(5) lines mounted inside the jail"),
	LISTP("mount.fstab", mount_fstab, CELL_PF_JAIL8,
	      "fstab(5) files mounted inside the jail"),
	BOOLP("mount.devfs", mount_devfs, "true", CELL_PF_JAIL8,
	      "build /dev per devfs_ruleset (mount.nodevfs: none)"),
	BOOLP("mount.fdescfs", mount_fdescfs, "false",
	      CELL_PF_JAIL8 | CELL_PF_NOLINUX,
	      "/dev/fd (always there with rulesets 3 to 5)"),
	BOOLP("mount.procfs", mount_procfs, "true", CELL_PF_JAIL8,
	      "mount /proc with the masked paths (mount.noprocfs: none)"),
	LISTP("depend", depend, CELL_PF_JAIL8,
	      "jails started before this one and stopped after it"),
	BOOLP("ip_hostname", ip_hostname, "false",
	      CELL_PF_JAIL8 | CELL_PF_NOLINUX,
	      "add the addresses host.hostname resolves to (not yet)"),
	{ "meta", CELL_PT_KV, OFF(meta), 0, 0, 0, "", CELL_PF_RUNTIME,
	  "meta.KEY=value: free-form data kept with the jail" },
	{ "env", CELL_PT_KV, OFF(env), 0, 0, 0, "", CELL_PF_RUNTIME,
	  "env.KEY=value: variables visible inside the jail" },
	NOLINUX("osrelease", "uname release (no Linux effect)"),
	NOLINUX("osreldate", "kernel version number (no Linux effect)"),
	NOLINUX("cpuset.id", "cpuset (use cell limits)"),
	NOLINUX("linux", "Linux ABI (always native here)"),
	NOLINUX("linux.osname", "Linux ABI name"),
	NOLINUX("linux.osrelease", "Linux ABI release"),
	NOLINUX("linux.oss_version", "Linux ABI OSS version"),
	NOLINUX("zfs.dataset", "delegated ZFS dataset"),
	NOLINUX("zfs.mount_snapshot", "ZFS snapshot access"),
	NOLINUX("mac.label", "MAC label"),
	NOLINUX("allow.mount.nullfs.bind", "alias"),
};

const size_t cell_params_count = ARRAY_SIZE(cell_params);

_Static_assert(ARRAY_SIZE(cell_params) <= 256, "set_mask holds 256 bits");

const struct cell_param *cell_param_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cell_params); i++)
		if (!strcmp(cell_params[i].name, name))
			return &cell_params[i];
	return NULL;
}

size_t cell_param_index(const struct cell_param *p)
{
	return (size_t)(p - cell_params);
}

static void mark_set(struct cell_jail *j, const struct cell_param *p)
{
	size_t i = cell_param_index(p);
	j->set_mask[i / 64] |= 1ULL << (i % 64);
}

bool cell_param_is_set(const struct cell_jail *j, const struct cell_param *p)
{
	size_t i = cell_param_index(p);
	return j->set_mask[i / 64] & (1ULL << (i % 64));
}

static void *field(struct cell_jail *j, const struct cell_param *p)
{
	return (char *)j + p->offset;
}

static const void *cfield(const struct cell_jail *j,
			  const struct cell_param *p)
{
	return (const char *)j + p->offset;
}

/* --- values ----------------------------------------------------------- */

static int parse_jailsys(const char *v, enum cell_jailsys *out)
{
	if (!strcmp(v, "disable") || !strcmp(v, "0"))
		*out = CELL_JAILSYS_DISABLE;
	else if (!strcmp(v, "new") || !strcmp(v, "1"))
		*out = CELL_JAILSYS_NEW;
	else if (!strcmp(v, "inherit") || !strcmp(v, "2"))
		*out = CELL_JAILSYS_INHERIT;
	else
		return -EINVAL;
	return 0;
}

static const char *jailsys_name(enum cell_jailsys v)
{
	switch (v) {
	case CELL_JAILSYS_DISABLE:
		return "disable";
	case CELL_JAILSYS_NEW:
		return "new";
	case CELL_JAILSYS_INHERIT:
		return "inherit";
	}
	return "?";
}

/* "if|addr/prefix" -> parts. Prefix may also be a dotted netmask (v4). */
static int split_addr(const char *item, char *ifname, size_t iflen,
		      char *addr, size_t addrlen, const char **prefix)
{
	const char *bar = strchr(item, '|');
	ifname[0] = '\0';
	if (bar) {
		size_t n = (size_t)(bar - item);
		if (n == 0 || n >= iflen)
			return -EINVAL;
		memcpy(ifname, item, n);
		ifname[n] = '\0';
		item = bar + 1;
	}
	const char *slash = strchr(item, '/');
	size_t n = slash ? (size_t)(slash - item) : strlen(item);
	if (n == 0 || n >= addrlen)
		return -EINVAL;
	memcpy(addr, item, n);
	addr[n] = '\0';
	*prefix = slash ? slash + 1 : NULL;
	return 0;
}

static int parse_ip4(const char *item, struct cell_ip4 *out)
{
	char addr[INET_ADDRSTRLEN];
	const char *prefix;
	memset(out, 0, sizeof(*out));
	if (split_addr(item, out->ifname, sizeof(out->ifname), addr,
		       sizeof(addr), &prefix) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, &out->addr) != 1)
		return -EINVAL;
	out->prefix = 32;
	if (prefix) {
		struct in_addr mask;
		long v;
		if (strchr(prefix, '.')) {
			if (inet_pton(AF_INET, prefix, &mask) != 1)
				return -EINVAL;
			uint32_t m = ntohl(mask.s_addr);
			/* contiguous ones only */
			if (m && (~m & (~m + 1)))
				return -EINVAL;
			out->prefix = (uint8_t)__builtin_popcount(m);
		} else if (cell_parse_int(prefix, 0, 32, &v) == 0 &&
			   isdigit((unsigned char)prefix[0])) {
			out->prefix = (uint8_t)v;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_ip6(const char *item, struct cell_ip6 *out)
{
	char addr[INET6_ADDRSTRLEN];
	const char *prefix;
	long v;
	memset(out, 0, sizeof(*out));
	if (split_addr(item, out->ifname, sizeof(out->ifname), addr,
		       sizeof(addr), &prefix) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET6, addr, &out->addr) != 1)
		return -EINVAL;
	out->prefix = 128;
	if (prefix) {
		if (!isdigit((unsigned char)prefix[0]) ||
		    cell_parse_int(prefix, 0, 128, &v) < 0)
			return -EINVAL;
		out->prefix = (uint8_t)v;
	}
	return 0;
}

static int set_ip_list(struct cell_jail *j, bool v6, const char *value,
		       bool append, struct cell_error *err, const char *name)
{
	struct cell_strv items = { 0 };
	int r = cell_strv_split(&items, value, CELL_LIST_MAX);
	if (r < 0) {
		cell_strv_free(&items);
		return cell_error_set(err, r == -E2BIG ? -E2BIG : -EINVAL,
				      "%s: %s", name,
				      r == -E2BIG ? "too many addresses"
						  : "empty address in list");
	}
	size_t old = append ? (v6 ? j->ip6_addr_n : j->ip4_addr_n) : 0;
	if (old + items.n > CELL_LIST_MAX) {
		cell_strv_free(&items);
		return cell_error_set(err, -E2BIG, "%s: too many addresses "
				      "(at most %d)", name, CELL_LIST_MAX);
	}
	size_t esz = v6 ? sizeof(struct cell_ip6) : sizeof(struct cell_ip4);
	void *cur = v6 ? (void *)j->ip6_addr : (void *)j->ip4_addr;
	char *nv = malloc((old + items.n) * esz + 1);
	if (!nv) {
		cell_strv_free(&items);
		return cell_error_set(err, -ENOMEM, "out of memory");
	}
	if (old)
		memcpy(nv, cur, old * esz);
	for (size_t i = 0; i < items.n; i++) {
		void *slot = nv + (old + i) * esz;
		r = v6 ? parse_ip6(items.v[i], slot) : parse_ip4(items.v[i], slot);
		if (r < 0) {
			cell_error_set(err, -EINVAL,
				       "%s: invalid %s address '%s'", name,
				       v6 ? "IPv6" : "IPv4", items.v[i]);
			free(nv);
			cell_strv_free(&items);
			return -EINVAL;
		}
	}
	free(cur);
	if (v6) {
		j->ip6_addr = (struct cell_ip6 *)nv;
		j->ip6_addr_n = old + items.n;
	} else {
		j->ip4_addr = (struct cell_ip4 *)nv;
		j->ip4_addr_n = old + items.n;
	}
	cell_strv_free(&items);
	return 0;
}

static int set_kv(struct cell_kv **arr, size_t *n, const char *key,
		  const char *value)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*arr)[i].key, key)) {
			char *v = strdup(value);
			if (!v)
				return -ENOMEM;
			free((*arr)[i].value);
			(*arr)[i].value = v;
			return 0;
		}
	if (*n >= CELL_LIST_MAX)
		return -E2BIG;
	struct cell_kv *na = realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	*arr = na;
	na[*n].key = strdup(key);
	na[*n].value = strdup(value);
	if (!na[*n].key || !na[*n].value) {
		free(na[*n].key);
		free(na[*n].value);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

/* FreeBSD's meta.KEY without "=": the key goes */
static void unset_kv(struct cell_kv *arr, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(arr[i].key, key)) {
			free(arr[i].key);
			free(arr[i].value);
			memmove(&arr[i], &arr[i + 1],
				(*n - i - 1) * sizeof(*arr));
			(*n)--;
			return;
		}
}

/* "meta.KEY" / "env.KEY": the key, or NULL for another name or a key
 * that could not print and parse back as one name */
static const char *kv_key(const char *name, bool *meta)
{
	if (strncmp(name, "meta.", 5) && strncmp(name, "env.", 4))
		return NULL;
	*meta = name[0] == 'm';
	const char *key = name + (*meta ? 5 : 4);
	if (!*key)
		return NULL;
	for (const char *k = key; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-' &&
		    *k != '.')
			return NULL;
	return key;
}

int cell_param_kv_get(const struct cell_jail *j, const char *name,
		      const char **value)
{
	bool meta;
	const char *key = kv_key(name, &meta);
	if (!key)
		return -EINVAL;
	const struct cell_kv *a = meta ? j->meta : j->env;
	size_t n = meta ? j->meta_n : j->env_n;
	*value = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].key, key))
			*value = a[i].value;
	return 0;
}

static bool valid_name(const char *s)
{
	/* Jail names: dotted components, no empty component, printable,
	 * no '/' (they name state files and cgroups), not all digits. */
	bool digits = true;
	if (!*s || *s == '.' || s[strlen(s) - 1] == '.')
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.' && p[1] == '.')
			return false;
		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return false;
		if (!isdigit(c))
			digits = false;
	}
	return !digits;
}

static bool valid_hostname(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' &&
		    *p != '_')
			return false;
	return true;
}

/*
 * The cell.* values. A joined namespace is a host path; masked and
 * read-only paths are absolute paths inside the jail with no "..";
 * sysctls are only the ones a jail's own namespaces hold (the kernel
 * would apply any other to the whole host); a cgroup path stays below
 * the hierarchy's root.
 */
static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
	return false;
}

/* The sysctls a namespace holds, by key prefix, and which namespace */
static const struct {
	const char *prefix;
	int ns;
} namespaced_sysctls[] = {
	{ "kernel.shm", CLONE_NEWIPC },     { "kernel.msg", CLONE_NEWIPC },
	{ "kernel.sem", CLONE_NEWIPC },     { "fs.mqueue.", CLONE_NEWIPC },
	{ "net.", CLONE_NEWNET },           { "kernel.hostname", CLONE_NEWUTS },
	{ "kernel.domainname", CLONE_NEWUTS },
};

int cell_sysctl_ns(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(namespaced_sysctls); i++)
		if (!strncmp(key, namespaced_sysctls[i].prefix,
			     strlen(namespaced_sysctls[i].prefix)))
			return namespaced_sysctls[i].ns;
	return 0;
}

static int check_linux_value(const char *name, const char *value,
			     struct cell_error *err)
{
	if (!strcmp(name, "cell.netns") || !strcmp(name, "cell.ipcns") ||
	    !strcmp(name, "cell.utsns")) {
		if (value[0] != '/' || has_dotdot(value))
			return cell_error_set(err, -EINVAL,
					      "%s: expected an absolute path "
					      "without \"..\", got '%s'", name,
					      value);
	} else if (!strcmp(name, "cell.masked_paths") ||
		   !strcmp(name, "cell.readonly_paths")) {
		if (value[0] != '/' || !value[1] || has_dotdot(value))
			return cell_error_set(err, -EINVAL,
					      "%s: expected an absolute path "
					      "inside the jail without \"..\", "
					      "got '%s'", name, value);
	} else if (!strcmp(name, "cell.devices")) {
		struct cell_devnode d;
		char why[160];
		if (cell_devnode_parse(value, &d, why, sizeof(why)) < 0)
			return cell_error_set(err, -EINVAL, "%s: %s", name,
					      why);
	} else if (!strcmp(name, "cell.sysctl")) {
		const char *eq = strchr(value, '=');
		size_t kl = eq ? (size_t)(eq - value) : 0;
		bool ok = kl > 0 && kl < 128 && !memchr(value, '/', kl);
		for (size_t i = 0; ok && i < kl; i++)
			ok = isalnum((unsigned char)value[i]) ||
			     strchr("._-", value[i]);
		if (ok && memmem(value, kl, "..", 2))
			ok = false;
		bool ns = ok && cell_sysctl_ns(value) != 0;
		if (!ok)
			return cell_error_set(err, -EINVAL,
					      "%s: expected key=value, got "
					      "'%s'", name, value);
		if (!ns)
			return cell_error_set(err, -EPERM,
					      "%s: '%.*s' is not namespaced: "
					      "it would change the host",
					      name, (int)kl, value);
	} else if (!strcmp(name, "host.hostuuid")) {
		/* a UUID: 32 hex digits, dashes allowed between */
		size_t hex = 0;
		bool ok = true;
		for (const char *p = value; *p && ok; p++)
			if (isxdigit((unsigned char)*p))
				hex++;
			else
				ok = *p == '-';
		if (!ok || hex != 32)
			return cell_error_set(err, -EINVAL,
					      "host.hostuuid: expected a UUID "
					      "(32 hex digits), got '%s'",
					      value);
	} else if (!strcmp(name, "vnet.defaultrouter") ||
		   !strcmp(name, "vnet.ipv6_defaultrouter")) {
		bool v6 = name[5] == 'i';
		unsigned char buf[sizeof(struct in6_addr)];
		if (strcmp(value, "auto") &&
		    inet_pton(v6 ? AF_INET6 : AF_INET, value, buf) != 1)
			return cell_error_set(err, -EINVAL,
					      "%s: expected an IPv%c address "
					      "or auto, got '%s'", name,
					      v6 ? '6' : '4', value);
	} else if (!strcmp(name, "cell.uidmap") ||
		   !strcmp(name, "cell.gidmap")) {
		unsigned long in, out, count;
		int used = 0;
		if (sscanf(value, "%lu:%lu:%lu%n", &in, &out, &count, &used) !=
			    3 ||
		    value[used] || value[0] == '-' || !count ||
		    in > UINT32_MAX - 1 || out > UINT32_MAX - 1 ||
		    count > UINT32_MAX - in || count > UINT32_MAX - out ||
		    strchr(value, '-'))
			return cell_error_set(err, -EINVAL,
					      "%s: expected INSIDE:OUTSIDE:COUNT "
					      "(unsigned, COUNT > 0, in range), "
					      "got '%s'", name, value);
	} else if (!strcmp(name, "cell.timens.monotonic") ||
		   !strcmp(name, "cell.timens.boottime")) {
		long long s;
		long ns;
		if (cell_time_offset_parse(value, &s, &ns) < 0)
			return cell_error_set(err, -EINVAL,
					      "%s: expected [-]SECONDS[.FRACTION]"
					      " (at most 9 fraction digits, "
					      "within +-%lld s), got '%s'", name,
					      (long long)TIME_OFFSET_MAX, value);
	} else if (!strcmp(name, "cell.personality")) {
		if (*value && strcmp(value, "linux") &&
		    strcmp(value, "linux32"))
			return cell_error_set(err, -EINVAL,
					      "%s: expected linux or linux32, "
					      "got '%s'", name, value);
	} else if (!strcmp(name, "cell.cgroup")) {
		bool ok = !has_dotdot(value);
		for (const char *p = value; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || strchr("_.:@/-", *p);
		/* "-" is how a state record says "no cgroup" (state.c) */
		if (!ok || !strcmp(value, "/") || !strcmp(value, "-"))
			return cell_error_set(err, -EINVAL,
					      "%s: invalid cgroup path '%s'",
					      name, value);
	}
	return 0;
}

/*
 * exec.* and mount hold commands and fstab lines, which may contain
 * commas: like jail(8), lists from the command line split on commas only
 * for the address-like parameters. The others hold one item per
 * name=value (name+=value adds one), and print so (cell_params_print).
 */
static bool list_splits(const char *name)
{
	return !strcmp(name, "vnet.interface") || !strcmp(name, "depend") ||
	       !strcmp(name, "vnet.rdr") || !strcmp(name, "mount.fstab") ||
	       !strncmp(name, "cell.", 5);
}

static int set_typed(struct cell_jail *j, const struct cell_param *p,
		     const char *value, bool append, struct cell_error *err)
{
	const char *name = p->name;
	int r;
	long v;
	bool b;

	switch (p->type) {
	case CELL_PT_BOOL:
		if (!value)
			b = true;
		else if (!strcmp(name, "vnet") && !strcmp(value, "new"))
			b = true; /* FreeBSD's vnet is a jailsys: new/inherit */
		else if (!strcmp(name, "vnet") && !strcmp(value, "inherit"))
			b = false;
		else if (cell_parse_bool(value, &b) < 0)
			return cell_error_set(err, -EINVAL,
					      "%s: expected a boolean, "
					      "got '%s'", name, value);
		*(bool *)field(j, p) = b;
		break;
	case CELL_PT_INT:
		if (!value)
			return cell_error_set(err, -EINVAL,
					      "%s: needs a value", name);
		if (cell_parse_int(value, p->min, p->max, &v) < 0)
			return cell_error_set(err, -EINVAL,
					      "%s: expected an integer from "
					      "%ld to %ld, got '%s'", name,
					      p->min, p->max, value);
		*(int *)field(j, p) = (int)v;
		break;
	case CELL_PT_ULONG: {
		char *end;
		if (!value || !*value)
			return cell_error_set(err, -EINVAL,
					      "%s: needs a value", name);
		errno = 0;
		unsigned long u = strtoul(value, &end, 0);
		if (errno || *end || value[0] == '-')
			return cell_error_set(err, -EINVAL,
					      "%s: expected an unsigned "
					      "integer, got '%s'", name, value);
		if (p->max && u > (unsigned long)p->max)
			return cell_error_set(err, -ERANGE,
					      "%s: at most %lu, got '%s'", name,
					      (unsigned long)p->max, value);
		*(unsigned long *)field(j, p) = u;
		break;
	}
	case CELL_PT_STRING:
		if (!value)
			return cell_error_set(err, -EINVAL,
					      "%s: needs a value", name);
		if (strlen(value) >= p->size)
			return cell_error_set(err, -ENAMETOOLONG,
					      "%s: value longer than %zu "
					      "bytes", name, p->size - 1);
		if (!strcmp(name, "name") && *value && !valid_name(value))
			return cell_error_set(err, -EINVAL,
					      "name: invalid jail name '%s' "
					      "(letters, digits, _ - and dots "
					      "between components; not all "
					      "digits)", value);
		if ((!strcmp(name, "host.hostname") ||
		     !strcmp(name, "host.domainname")) &&
		    (!valid_hostname(value) || strlen(value) > 64))
			return cell_error_set(err, -EINVAL,
					      "%s: invalid host name '%s'",
					      name, value);
		r = *value ? check_linux_value(name, value, err) : 0;
		if (r < 0)
			return r;
		if (!strcmp(name, "path") && *value && value[0] != '/')
			return cell_error_set(err, -EINVAL,
					      "path: must be absolute, got "
					      "'%s'", value);
		memcpy(field(j, p), value, strlen(value) + 1);
		break;
	case CELL_PT_JAILSYS:
		if (!value) {
			/* bare "vnet;"-style use of a jailsys: new */
			*(enum cell_jailsys *)field(j, p) = CELL_JAILSYS_NEW;
			break;
		}
		if (parse_jailsys(value, (enum cell_jailsys *)field(j, p)) <
		    0)
			return cell_error_set(err, -EINVAL,
					      "%s: expected disable, new or "
					      "inherit, got '%s'", name, value);
		break;
	case CELL_PT_LIST: {
		struct cell_strv *l = field(j, p);
		if (!value)
			return cell_error_set(err, -EINVAL,
					      "%s: needs a value", name);
		struct cell_strv tmp = { 0 };
		if (!*value) {
			r = 0; /* "" clears the list */
		} else if (list_splits(name)) {
			r = cell_strv_split(&tmp, value, CELL_LIST_MAX);
		} else {
			r = cell_strv_push(&tmp, value);
		}
		if (r < 0) {
			cell_strv_free(&tmp);
			return cell_error_set(err, r, "%s: %s", name,
					      r == -EINVAL ? "empty item in list"
						       : "list too long");
		}
		for (size_t i = 0; i < tmp.n; i++) {
			r = check_linux_value(name, tmp.v[i], err);
			if (r < 0) {
				cell_strv_free(&tmp);
				return r;
			}
		}
		if (!append)
			cell_strv_free(l);
		if (l->n + tmp.n > CELL_LIST_MAX) {
			cell_strv_free(&tmp);
			return cell_error_set(err, -E2BIG, "%s: list too long",
					      name);
		}
		for (size_t i = 0; i < tmp.n; i++) {
			r = cell_strv_push(l, tmp.v[i]);
			if (r < 0) {
				cell_strv_free(&tmp);
				return cell_error_set(err, r, "%s: out of "
						      "memory", name);
			}
		}
		cell_strv_free(&tmp);
		break;
	}
	case CELL_PT_ARGV: {
		struct cell_strv *l = field(j, p);
		if (!value)
			return cell_error_set(err, -EINVAL,
					      "%s: needs a value", name);
		if (!append)
			cell_strv_free(l);
		r = cell_strv_push(l, value);
		if (r < 0)
			return cell_error_set(err, r, "%s: too many words",
					      name);
		break;
	}
	case CELL_PT_IP4:
	case CELL_PT_IP6:
		if (!value)
			return cell_error_set(err, -EINVAL,
					      "%s: needs a value", name);
		if (!*value) {
			if (p->type == CELL_PT_IP4) {
				free(j->ip4_addr);
				j->ip4_addr = NULL;
				j->ip4_addr_n = 0;
			} else {
				free(j->ip6_addr);
				j->ip6_addr = NULL;
				j->ip6_addr_n = 0;
			}
			break;
		}
		r = set_ip_list(j, p->type == CELL_PT_IP6, value, append, err,
				name);
		if (r < 0)
			return r;
		/* As jail(8): addresses make ip4/ip6 "new" unless it was
		 * set explicitly, and a jail given addresses of one family
		 * only gets none of the other ("new" with no addresses). */
		{
			bool v6 = p->type == CELL_PT_IP6;
			const struct cell_param *fam =
				cell_param_lookup(v6 ? "ip6" : "ip4");
			const struct cell_param *other =
				cell_param_lookup(v6 ? "ip4" : "ip6");
			if (!cell_param_is_set(j, fam))
				*(v6 ? &j->ip6 : &j->ip4) = CELL_JAILSYS_NEW;
			if (!cell_param_is_set(j, other) &&
			    !(v6 ? j->ip4_addr_n : j->ip6_addr_n))
				*(v6 ? &j->ip4 : &j->ip6) = CELL_JAILSYS_NEW;
		}
		break;
	case CELL_PT_KV:
	case CELL_PT_UNSUPPORTED:
		/* handled by the caller */
		return cell_error_set(err, -EINVAL, "%s: internal", name);
	}
	mark_set(j, p);
	return 0;
}

int cell_param_set(struct cell_jail *j, const char *name, const char *value,
		   bool append, struct cell_error *err)
{
	if (!name || !*name)
		return cell_error_set(err, -EINVAL, "empty parameter name");
	if (strlen(name) > 128)
		return cell_error_set(err, -ENAMETOOLONG,
				      "parameter name too long");
	if (value && strlen(value) >= CELL_VALUE_MAX)
		return cell_error_set(err, -E2BIG,
				      "%s: value longer than %d bytes", name,
				      CELL_VALUE_MAX - 1);

	const struct cell_param *p = cell_param_lookup(name);

	/* meta.KEY / env.KEY */
	if (!p && (!strncmp(name, "meta.", 5) || !strncmp(name, "env.", 4))) {
		bool meta;
		/* keys are names: they must print and parse back as one */
		const char *key = kv_key(name, &meta);
		if (!key)
			return cell_error_set(err, -EINVAL, "%s: %s", name,
					      name[meta ? 5 : 4] ? "invalid key"
								 : "missing key");
		/* FreeBSD: "meta.KEY=" sets it empty, "meta.KEY" without
		 * "=" removes it */
		if (!value) {
			if (meta)
				unset_kv(j->meta, &j->meta_n, key);
			else
				unset_kv(j->env, &j->env_n, key);
			bool known = false;
			for (size_t i = 0; i < j->kv_unset.n; i++)
				known |= !strcmp(j->kv_unset.v[i], name);
			if (!known && j->kv_unset.n >= CELL_LIST_MAX)
				return cell_error_set(err, -E2BIG, "%s: too "
						      "many keys", name);
			if (!known && cell_strv_push(&j->kv_unset, name) < 0)
				return cell_error_set(err, -ENOMEM,
						      "%s: out of memory", name);
			mark_set(j, cell_param_lookup(meta ? "meta" : "env"));
			return 0;
		}
		int r = meta ? set_kv(&j->meta, &j->meta_n, key, value)
			     : set_kv(&j->env, &j->env_n, key, value);
		if (r < 0)
			return cell_error_set(err, r, "%s: %s", name,
					      r == -E2BIG ? "too many keys"
							  : "out of memory");
		mark_set(j, cell_param_lookup(meta ? "meta" : "env"));
		return 0;
	}

	/* FreeBSD's "no" prefix on the last component of a boolean. */
	if (!p) {
		const char *dot = strrchr(name, '.');
		const char *last = dot ? dot + 1 : name;
		if (!strncmp(last, "no", 2) && last[2]) {
			char alt[160];
			size_t pre = (size_t)(last - name);
			snprintf(alt, sizeof(alt), "%.*s%s", (int)pre, name,
				 last + 2);
			const struct cell_param *q = cell_param_lookup(alt);
			if (q && q->type == CELL_PT_BOOL) {
				if (value)
					return cell_error_set(
						err, -EINVAL,
						"%s: a negated boolean takes "
						"no value", name);
				if (q->flags & CELL_PF_RDONLY)
					return cell_error_set(
						err, -EPERM,
						"%s: read-only parameter",
						alt);
				*(bool *)field(j, q) = false;
				mark_set(j, q);
				return 0;
			}
		}
		return cell_error_set(err, -ENOENT, "unknown parameter: %s",
				      name);
	}

	if (p->flags & CELL_PF_RDONLY)
		return cell_error_set(err, -EPERM, "%s: read-only parameter",
				      name);

	if (p->type == CELL_PT_UNSUPPORTED) {
		int r = set_kv(&j->unsupported, &j->unsupported_n, name,
			       value ? value : "true");
		if (r < 0)
			return cell_error_set(err, r, "%s: out of memory",
					      name);
		mark_set(j, p);
		return 0;
	}
	if (p->type == CELL_PT_KV)
		return cell_error_set(err, -EINVAL,
				      "%s: use %s.KEY=value", name, name);

	int r = set_typed(j, p, value, append, err);
	if (r < 0)
		return r;

	/* Deprecated aliases that set other parameters, as jail(8) does. */
	if (!strcmp(name, "allow.sysvipc")) {
		enum cell_jailsys s = j->allow.sysvipc ? CELL_JAILSYS_INHERIT
						       : CELL_JAILSYS_DISABLE;
		j->sysvmsg = j->sysvsem = j->sysvshm = s;
	}
	return 0;
}

int cell_param_copy(struct cell_jail *dst, const struct cell_jail *src,
		    const struct cell_param *p, struct cell_error *err)
{
	if (p->type == CELL_PT_LIST || p->type == CELL_PT_ARGV) {
		/* item by item: exec.* and mount items may hold commas, so
		 * a comma-joined copy would read back as one item */
		struct cell_strv *l = field(dst, p);
		cell_strv_free(l);
		int r = cell_strv_copy(l, cfield(src, p));
		return r < 0 ? cell_error_set(err, r, "%s: out of memory",
					      p->name)
			     : 0;
	}
	char buf[CELL_VALUE_MAX * 2];
	if (cell_param_format(src, p, buf, sizeof(buf)) < 0)
		return cell_error_set(err, -E2BIG, "%s: too long", p->name);
	return cell_param_set(dst, p->name, buf, false, err);
}

int cell_param_set_arg(struct cell_jail *j, const char *arg,
		       struct cell_error *err)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		return cell_param_set(j, arg, NULL, false, err);
	size_t n = (size_t)(eq - arg);
	bool append = n > 0 && arg[n - 1] == '+';
	if (append)
		n--;
	char name[160];
	if (n == 0 || n >= sizeof(name))
		return cell_error_set(err, -EINVAL,
				      "invalid parameter '%s'", arg);
	memcpy(name, arg, n);
	name[n] = '\0';
	return cell_param_set(j, name, eq + 1, append, err);
}

/* --- defaults and life cycle of the struct ----------------------------- */

void cell_jail_init(struct cell_jail *j)
{
	memset(j, 0, sizeof(*j));
	for (size_t i = 0; i < ARRAY_SIZE(cell_params); i++) {
		const struct cell_param *p = &cell_params[i];
		if (!p->def[0] || (p->flags & CELL_PF_RDONLY))
			continue;
		switch (p->type) {
		case CELL_PT_BOOL:
			cell_parse_bool(p->def, (bool *)field(j, p));
			break;
		case CELL_PT_INT: {
			long v = 0;
			cell_parse_int(p->def, p->min, p->max, &v);
			*(int *)field(j, p) = (int)v;
			break;
		}
		case CELL_PT_JAILSYS:
			parse_jailsys(p->def, (enum cell_jailsys *)field(j, p));
			break;
		default:
			break;
		}
	}
}

static void free_kv(struct cell_kv **arr, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free((*arr)[i].key);
		free((*arr)[i].value);
	}
	free(*arr);
	*arr = NULL;
	*n = 0;
}

void cell_jail_free(struct cell_jail *j)
{
	for (size_t i = 0; i < ARRAY_SIZE(cell_params); i++) {
		const struct cell_param *p = &cell_params[i];
		if (p->type == CELL_PT_LIST || p->type == CELL_PT_ARGV)
			cell_strv_free(field(j, p));
	}
	free(j->ip4_addr);
	free(j->ip6_addr);
	j->ip4_addr = NULL;
	j->ip6_addr = NULL;
	j->ip4_addr_n = j->ip6_addr_n = 0;
	free_kv(&j->meta, &j->meta_n);
	free_kv(&j->env, &j->env_n);
	free_kv(&j->unsupported, &j->unsupported_n);
	cell_strv_free(&j->kv_unset);
}

static int copy_kv(struct cell_kv **dst, size_t *dn, const struct cell_kv *src,
		   size_t n)
{
	*dst = NULL;
	*dn = 0;
	for (size_t i = 0; i < n; i++) {
		int r = set_kv(dst, dn, src[i].key, src[i].value);
		if (r < 0)
			return r;
	}
	return 0;
}

int cell_jail_copy(struct cell_jail *dst, const struct cell_jail *src,
		   struct cell_error *err)
{
	memcpy(dst, src, sizeof(*dst));
	/* Detach every owned pointer first, so a failure frees only ours. */
	for (size_t i = 0; i < ARRAY_SIZE(cell_params); i++) {
		const struct cell_param *p = &cell_params[i];
		if (p->type == CELL_PT_LIST || p->type == CELL_PT_ARGV)
			*(struct cell_strv *)field(dst, p) =
				(struct cell_strv){ 0 };
	}
	dst->ip4_addr = NULL;
	dst->ip6_addr = NULL;
	dst->ip4_addr_n = dst->ip6_addr_n = 0;
	dst->meta = dst->env = dst->unsupported = NULL;
	dst->meta_n = dst->env_n = dst->unsupported_n = 0;
	dst->kv_unset = (struct cell_strv){ 0 };

	int r = cell_strv_copy(&dst->kv_unset, &src->kv_unset);
	for (size_t i = 0; i < ARRAY_SIZE(cell_params) && r == 0; i++) {
		const struct cell_param *p = &cell_params[i];
		if (p->type == CELL_PT_LIST || p->type == CELL_PT_ARGV)
			r = cell_strv_copy(field(dst, p), cfield(src, p));
	}
	if (r == 0 && src->ip4_addr_n) {
		dst->ip4_addr = malloc(src->ip4_addr_n * sizeof(*src->ip4_addr));
		if (!dst->ip4_addr)
			r = -ENOMEM;
		else {
			memcpy(dst->ip4_addr, src->ip4_addr,
			       src->ip4_addr_n * sizeof(*src->ip4_addr));
			dst->ip4_addr_n = src->ip4_addr_n;
		}
	}
	if (r == 0 && src->ip6_addr_n) {
		dst->ip6_addr = malloc(src->ip6_addr_n * sizeof(*src->ip6_addr));
		if (!dst->ip6_addr)
			r = -ENOMEM;
		else {
			memcpy(dst->ip6_addr, src->ip6_addr,
			       src->ip6_addr_n * sizeof(*src->ip6_addr));
			dst->ip6_addr_n = src->ip6_addr_n;
		}
	}
	if (r == 0)
		r = copy_kv(&dst->meta, &dst->meta_n, src->meta, src->meta_n);
	if (r == 0)
		r = copy_kv(&dst->env, &dst->env_n, src->env, src->env_n);
	if (r == 0)
		r = copy_kv(&dst->unsupported, &dst->unsupported_n,
			    src->unsupported, src->unsupported_n);
	if (r < 0) {
		cell_jail_free(dst);
		return cell_error_set(err, r, "copying jail parameters: out "
				      "of memory");
	}
	return 0;
}

/* --- printing ------------------------------------------------------------ */

static int append_fmt(char *buf, size_t len, size_t *off, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
static int append_fmt(char *buf, size_t len, size_t *off, const char *fmt,
		      ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + (*off < len ? *off : len),
			  *off < len ? len - *off : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	*off += (size_t)n;
	return 0;
}

static void format_ip4(const struct cell_ip4 *a, char *buf, size_t len,
		       size_t *off)
{
	char s[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a->addr, s, sizeof(s));
	append_fmt(buf, len, off, "%s%s%s", a->ifname, a->ifname[0] ? "|" : "",
		   s);
	if (a->prefix != 32)
		append_fmt(buf, len, off, "/%u", a->prefix);
}

static void format_ip6(const struct cell_ip6 *a, char *buf, size_t len,
		       size_t *off)
{
	char s[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &a->addr, s, sizeof(s));
	append_fmt(buf, len, off, "%s%s%s", a->ifname, a->ifname[0] ? "|" : "",
		   s);
	if (a->prefix != 128)
		append_fmt(buf, len, off, "/%u", a->prefix);
}

int cell_param_format(const struct cell_jail *j, const struct cell_param *p,
		      char *buf, size_t len)
{
	size_t off = 0;
	if (len)
		buf[0] = '\0';
	switch (p->type) {
	case CELL_PT_BOOL:
		append_fmt(buf, len, &off, "%s",
			   *(const bool *)cfield(j, p) ? "true" : "false");
		break;
	case CELL_PT_INT:
		if (!strcmp(p->name, "children.cur"))
			append_fmt(buf, len, &off, "0");
		else
			append_fmt(buf, len, &off, "%d",
				   *(const int *)cfield(j, p));
		break;
	case CELL_PT_ULONG:
		append_fmt(buf, len, &off, "%lu",
			   *(const unsigned long *)cfield(j, p));
		break;
	case CELL_PT_STRING:
		append_fmt(buf, len, &off, "%s", (const char *)cfield(j, p));
		break;
	case CELL_PT_JAILSYS:
		append_fmt(buf, len, &off, "%s",
			   jailsys_name(*(const enum cell_jailsys *)cfield(j, p)));
		break;
	case CELL_PT_LIST:
	case CELL_PT_ARGV: {
		const struct cell_strv *l = cfield(j, p);
		for (size_t i = 0; i < l->n; i++)
			append_fmt(buf, len, &off, "%s%s", i ? "," : "",
				   l->v[i]);
		break;
	}
	case CELL_PT_IP4:
		for (size_t i = 0; i < j->ip4_addr_n; i++) {
			if (i)
				append_fmt(buf, len, &off, ",");
			format_ip4(&j->ip4_addr[i], buf, len, &off);
		}
		break;
	case CELL_PT_IP6:
		for (size_t i = 0; i < j->ip6_addr_n; i++) {
			if (i)
				append_fmt(buf, len, &off, ",");
			format_ip6(&j->ip6_addr[i], buf, len, &off);
		}
		break;
	case CELL_PT_UNSUPPORTED:
		for (size_t i = 0; i < j->unsupported_n; i++)
			if (!strcmp(j->unsupported[i].key, p->name))
				append_fmt(buf, len, &off, "%s",
					   j->unsupported[i].value);
		break;
	case CELL_PT_KV:
		break;
	}
	return off >= len ? -ENOBUFS : (int)off;
}

void cell_param_quote(FILE *out, const char *v)
{
	bool plain = *v != '\0';
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-./:,|@%+", *p))
			plain = false;
	if (plain) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (const char *p = v; *p; p++) {
		switch (*p) {
		case '"':
		case '\\':
		case '$':
			fputc('\\', out);
			fputc(*p, out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if ((unsigned char)*p < 0x20)
				fprintf(out, "\\%03o", (unsigned char)*p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void print_one(FILE *out, const char *name, const char *value,
		      unsigned flags, bool *first)
{
	if (!*first)
		fputc((flags & CELL_PRINT_NEWLINES) ? '\n' : ' ', out);
	*first = false;
	fputs(name, out);
	fputc('=', out);
	if (flags & CELL_PRINT_QUOTE)
		cell_param_quote(out, value);
	else
		fputs(value, out);
}

static void print_bool(FILE *out, const char *name, bool v, unsigned flags,
		       bool *first)
{
	if (!*first)
		fputc((flags & CELL_PRINT_NEWLINES) ? '\n' : ' ', out);
	*first = false;
	if (v) {
		fputs(name, out);
		return;
	}
	/* jls -s prints false booleans with "no" on the last component */
	const char *dot = strrchr(name, '.');
	if (dot)
		fprintf(out, "%.*sno%s", (int)(dot - name + 1), name, dot + 1);
	else
		fprintf(out, "no%s", name);
}

int cell_params_print(FILE *out, const struct cell_jail *j, unsigned flags)
{
	bool first = true;
	char buf[CELL_VALUE_MAX * 2];
	for (size_t i = 0; i < ARRAY_SIZE(cell_params); i++) {
		const struct cell_param *p = &cell_params[i];
		if ((flags & CELL_PRINT_SETTABLE) &&
		    ((p->flags & CELL_PF_RDONLY) || !strcmp(p->name, "jid")))
			continue;
		if ((flags & CELL_PRINT_KERNEL) && (p->flags & CELL_PF_JAIL8))
			continue;
		if (!(flags & CELL_PRINT_ALL) && !cell_param_is_set(j, p))
			continue;
		if (p->type == CELL_PT_KV) {
			const struct cell_kv *kv = p->offset == OFF(meta)
							   ? j->meta
							   : j->env;
			size_t n = p->offset == OFF(meta) ? j->meta_n
							  : j->env_n;
			for (size_t k = 0; k < n; k++) {
				char name[CELL_VALUE_MAX];
				snprintf(name, sizeof(name), "%s.%s", p->name,
					 kv[k].key);
				print_one(out, name, kv[k].value, flags,
					  &first);
			}
			continue;
		}
		if (p->type == CELL_PT_UNSUPPORTED && !cell_param_is_set(j, p))
			continue;
		if (p->type == CELL_PT_ARGV) {
			/* command= eats the rest of the words: print last */
			continue;
		}
		if (p->type == CELL_PT_BOOL && (flags & CELL_PRINT_SETTABLE)) {
			print_bool(out, p->name, *(const bool *)cfield(j, p),
				   flags, &first);
			continue;
		}
		if (p->type == CELL_PT_LIST && !list_splits(p->name) &&
		    ((const struct cell_strv *)cfield(j, p))->n) {
			/* one word per item, the rest with +=: joined with
			 * commas they would read back as one (a state
			 * record's exec.poststart="a,b" ran "a,b") */
			const struct cell_strv *l = cfield(j, p);
			char name[160];
			for (size_t k = 0; k < l->n; k++) {
				snprintf(name, sizeof(name), "%s%s", p->name,
					 k ? "+" : "");
				print_one(out, name, l->v[k], flags, &first);
			}
			continue;
		}
		if (cell_param_format(j, p, buf, sizeof(buf)) < 0)
			return -ENOBUFS;
		print_one(out, p->name, buf, flags, &first);
	}
	const struct cell_param *cmd = cell_param_lookup("command");
	if (cell_param_is_set(j, cmd) && !(flags & CELL_PRINT_KERNEL)) {
		for (size_t i = 0; i < j->command.n; i++) {
			if (i == 0)
				print_one(out, "command", j->command.v[0],
					  flags | CELL_PRINT_QUOTE, &first);
			else {
				fputc(' ', out);
				cell_param_quote(out, j->command.v[i]);
			}
		}
	}
	if (!first)
		fputc('\n', out);
	return 0;
}

/* --- reading "name=value" words back ------------------------------------- */

/* Next word of a line in the quoting that cell_param_quote writes. */
static int next_word(const char **pp, char *out, size_t len)
{
	const char *p = *pp;
	size_t o = 0;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return 0;
	bool quoted = false;
	while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
		char c = *p++;
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == '\\' && quoted && *p) {
			c = *p++;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c >= '0' && c <= '7') {
				int v = c - '0';
				for (int k = 0; k < 2 && *p >= '0' && *p <= '7';
				     k++)
					v = v * 8 + (*p++ - '0');
				c = (char)v;
			}
		}
		if (o + 1 >= len)
			return -E2BIG;
		out[o++] = c;
	}
	if (quoted)
		return -EINVAL;
	out[o] = '\0';
	*pp = p;
	return 1;
}

int cell_params_parse_line(struct cell_jail *j, const char *line,
			   struct cell_error *err)
{
	_cleanup_free_ char *word = malloc(CELL_VALUE_MAX + 256);
	if (!word)
		return cell_error_set(err, -ENOMEM, "out of memory");
	bool in_command = false;
	for (;;) {
		int r = next_word(&line, word, CELL_VALUE_MAX + 256);
		if (r < 0)
			return cell_error_set(err, r, "malformed parameter "
					      "line");
		if (r == 0)
			return 0;
		if (in_command) {
			r = cell_param_set(j, "command", word, true, err);
		} else if (!strncmp(word, "command=", 8)) {
			in_command = true;
			r = cell_param_set(j, "command", word + 8, false, err);
		} else {
			r = cell_param_set_arg(j, word, err);
		}
		if (r < 0)
			return r;
	}
}

int cell_time_offset_parse(const char *s, long long *sec, long *nsec)
{
	*sec = 0;
	*nsec = 0;
	if (!*s)
		return 0;
	bool neg = *s == '-';
	const char *p = s + neg;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	long long whole = 0;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > TIME_OFFSET_MAX)
			return -ERANGE;
	}
	long frac = 0;
	int digits = 0;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits++) {
			if (digits == 9)
				return -EINVAL;
			frac = frac * 10 + (*p - '0');
		}
		if (!digits)
			return -EINVAL;
		for (int d = digits; d < 9; d++)
			frac *= 10;
	}
	if (*p)
		return -EINVAL;
	/* -MAX.5 is -(MAX+1) and 0.5: past the kernel's bound */
	if (neg && frac && whole == TIME_OFFSET_MAX)
		return -ERANGE;
	if (!neg) {
		*sec = whole;
		*nsec = frac;
	} else if (frac) {
		*sec = -whole - 1;
		*nsec = 1000000000L - frac;
	} else {
		*sec = -whole;
	}
	return 0;
}

/* --- combinations -------------------------------------------------------- */

int cell_jail_validate(const struct cell_jail *j, struct cell_error *err)
{
	if (!j->uid_map.n != !j->gid_map.n)
		return cell_error_set(err, -EINVAL,
				      "cell.uidmap and cell.gidmap come "
				      "together (a user namespace needs both)");
	if (j->uid_map.n > 16 || j->gid_map.n > 16)
		return cell_error_set(err, -E2BIG,
				      "cell.uidmap / cell.gidmap: at most 16 "
				      "lines each");
	if (j->uid_map.n) {
		bool root = false;
		for (size_t i = 0; i < j->uid_map.n; i++)
			root |= !strncmp(j->uid_map.v[i], "0:", 2);
		if (!root)
			return cell_error_set(err, -EINVAL,
					      "cell.uidmap must map uid 0 "
					      "(the jail's root)");
		if (j->children_max > 0)
			return cell_error_set(err, -EOPNOTSUPP,
					      "child jails inside a jail with "
					      "its own user namespace are not "
					      "supported yet (children.max)");
	}
	if (!j->timens && (j->timens_monotonic[0] || j->timens_boottime[0]))
		return cell_error_set(err, -EINVAL,
				      "cell.timens.monotonic and "
				      "cell.timens.boottime need cell.timens");
	if (j->vnet && j->netns_path[0])
		return cell_error_set(err, -EINVAL,
				      "vnet and cell.netns exclude each other: "
				      "a jail either makes its network stack "
				      "or joins one");
	if (j->utsns_path[0] && j->host == CELL_JAILSYS_INHERIT)
		return cell_error_set(err, -EINVAL,
				      "host=inherit and cell.utsns exclude "
				      "each other");
	if (j->ip4 == CELL_JAILSYS_DISABLE && j->ip4_addr_n)
		return cell_error_set(err, -EINVAL,
				      "ip4.addr given but ip4=disable");
	if (j->ip6 == CELL_JAILSYS_DISABLE && j->ip6_addr_n)
		return cell_error_set(err, -EINVAL,
				      "ip6.addr given but ip6=disable");
	if (!j->vnet && (j->vnet_bridge[0] || j->vnet_nat || j->vnet_rdr.n ||
			 j->vnet_firewall[0] || j->vnet_interface.n))
		return cell_error_set(err, -EINVAL,
				      "vnet.* parameters need vnet");
	if ((j->vnet_nat || j->vnet_rdr.n) && !j->vnet_bridge[0])
		return cell_error_set(err, -EINVAL,
				      "vnet.nat and vnet.rdr need vnet.bridge");
	for (size_t i = 0; i < j->vnet_interface.n; i++)
		if (strlen(j->vnet_interface.v[i]) > 15)
			return cell_error_set(err, -EINVAL,
					      "vnet.interface: '%s' is longer "
					      "than 15 bytes",
					      j->vnet_interface.v[i]);
	if (strchr(j->name, '/'))
		return cell_error_set(err, -EINVAL, "name: no '/' allowed");
	/* a sysctl goes only into a namespace of the jail's: without one it
	 * would be the host's (enter.c also refuses a joined namespace that
	 * is the creator's own) */
	for (size_t i = 0; i < j->sysctl.n; i++) {
		const char *kv = j->sysctl.v[i];
		int ns = cell_sysctl_ns(kv);
		bool own = ns == CLONE_NEWNET
				   ? j->vnet || j->netns_path[0]
			   : ns == CLONE_NEWUTS
				   ? j->host != CELL_JAILSYS_INHERIT ||
					     j->utsns_path[0]
				   : !(j->sysvmsg == CELL_JAILSYS_INHERIT &&
				       j->sysvsem == CELL_JAILSYS_INHERIT &&
				       j->sysvshm == CELL_JAILSYS_INHERIT) ||
					     j->ipcns_path[0];
		if (!own)
			return cell_error_set(
				err, -EPERM,
				"cell.sysctl: '%.*s' needs the jail's own %s "
				"namespace (%s): it would change the host's",
				(int)strcspn(kv, "="), kv,
				ns == CLONE_NEWNET   ? "network"
				: ns == CLONE_NEWUTS ? "UTS"
						     : "IPC",
				ns == CLONE_NEWNET   ? "vnet or cell.netns"
				: ns == CLONE_NEWUTS ? "host=new or cell.utsns"
						     : "sysvipc new or "
						       "cell.ipcns");
	}
	return 0;
}
