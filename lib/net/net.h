/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell's network layer: what FreeBSD's VNET, epair(4), if_bridge(4), PF and
 * the prison address checks give a jail, made from the Linux kernel's own
 * parts. Everything is configured through rtnetlink (netlink.c and
 * nlmsg.c, no library), nftables (libnftables) and the bpf(2) system call;
 * nothing runs ip(8) or nft(8).
 *
 * Every function takes explicit arguments (the core calls them from its
 * life cycle; vnet.c maps a struct cell_jail onto them), returns 0 or a
 * negative errno and fills a caller-owned struct cell_error naming the
 * interface, address or file. Nothing prints, nothing exits, and whatever a
 * failing call built is undone before it returns.
 *
 * "netns_fd" arguments are an open /proc/PID/ns/net (or bind mount); -1
 * means the calling thread's network namespace, which is "the host" for
 * everything called host-side here.
 *
 *   netlink.c       rtnetlink request/ack, dumps, netns-targeted sockets
 *   nlmsg.c         netlink messages built and read with bounds checks
 *   link.c          epairs, bridges, lo, vnet.interface moves
 *   addr.c          addresses, default routes, IPv6 enabling
 *   nat.c           masquerade and rdr in nftables table "inet cell"
 *   firewall.c      a jail's own nftables file, loaded inside its netns
 *   sockaddr_bpf.c  ip4.addr / ip6.addr for non-vnet jails (cgroup BPF)
 *   vnet.c          a struct cell_jail onto the above, setup and teardown
 *   stack.c         a vnet jail's new network stack, made ahead by a thread
 */
#ifndef CELL_NET_H
#define CELL_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "jail.h"

struct nl_msg;
struct nlmsghdr;

/* ---- stack.c -------------------------------------------------------- */

/* lo up in the calling thread's network namespace; 0 or -errno. */
int cell_loopback_up(void);

/* A new network namespace with lo up, made by a thread while the
 * creator goes on (see stack.c for why, when, and the rules for cloning
 * while it runs). */
enum { CELL_AHEAD_STARTING, CELL_AHEAD_RUNNING, CELL_AHEAD_DONE };
struct cell_netns_ahead {
	pthread_t thread;
	bool started;
	_Atomic int state;       /* CELL_AHEAD_*, set by the thread */
	_Atomic int release;     /* set by the taker: the thread may end */
	int fd;                  /* the namespace, until taken; -1 */
	int ret;                 /* the thread's error */
	long pause_ms;           /* tests: CELL_TEST_PAUSE_AT=stack:MS */
};
/* Whether j's stack may be made ahead: vnet, no cell.netns, no user
 * namespace of its own, not a child jail. */
bool cell_netns_ahead_wanted(const struct cell_jail *j);
/* Start the thread when wanted; nothing else happens when not, or when
 * the thread cannot start (then started is false). */
void cell_netns_ahead_start(struct cell_netns_ahead *a,
			    const struct cell_jail *j);
/* Wait until the thread makes only system calls: from then on this
 * thread may clone (fork) while it runs. -ECHILD when not started. */
int cell_netns_ahead_ready_to_fork(struct cell_netns_ahead *a);
/* Wait for the stack and end the thread: the namespace's descriptor
 * (the caller's now), else -errno (not started, or it failed). */
int cell_netns_ahead_take(struct cell_netns_ahead *a);
/* take, and close what came. */
void cell_netns_ahead_drop(struct cell_netns_ahead *a);
/* A new network namespace (lo down) made the clone's way, by a child
 * born in it: for when the thread's unshare was refused. fd or -errno. */
int cell_netns_by_clone(void);

/* ---- netlink.c ------------------------------------------------------ */

struct cell_nl {
	int fd;                  /* NETLINK_ROUTE, O_CLOEXEC; -1 when closed */
	unsigned int portid;     /* the kernel-assigned port id */
	unsigned int seq;
	char *buf;               /* receive buffer, malloc'd */
	size_t buflen;
};

/* Run fn(arg) in a short-lived thread that entered netns_fd (-1: no
 * setns). Returns fn's result, or a negative errno if the thread or setns
 * failed. The calling thread's namespaces never change. */
int cell_netns_run(int netns_fd, int (*fn)(void *), void *arg);
/* Open a NETLINK_ROUTE socket that lives in netns_fd (-1 = current). */
int cell_nl_open(struct cell_nl *nl, int netns_fd, struct cell_error *err);
void cell_nl_close(struct cell_nl *nl);
/* Send one request (built with net/nlmsg.h) with NLM_F_ACK and wait for
 * the ack. On a kernel error the extended-ack text, if any, is put into
 * err after "what". A request a put did not fit in is not sent
 * (-EMSGSIZE). */
int cell_nl_talk(struct cell_nl *nl, struct nl_msg *req, const char *what,
		 struct cell_error *err);
/* Send a NLM_F_DUMP request; cb(nlh, data) per message (NL_CB_*). */
int cell_nl_dump(struct cell_nl *nl, struct nl_msg *req,
		 int (*cb)(const struct nlmsghdr *, void *), void *data,
		 const char *what, struct cell_error *err);
/* Open /proc/PID/ns/net (O_CLOEXEC). */
int cell_netns_open_pid(pid_t pid, struct cell_error *err);

/* ---- link.c --------------------------------------------------------- */

struct cell_link_info {
	int index;
	int master;              /* 0 when none */
	unsigned int flags;      /* IFF_* */
	char kind[16];           /* "bridge", "veth", "" ... */
	char alias[64];          /* IFLA_IFALIAS */
	uint8_t addr[6];         /* IFLA_ADDRESS when Ethernet-sized */
	bool has_addr;
	uint8_t perm[6];         /* IFLA_PERM_ADDRESS, when set (non-zero) */
	bool has_perm;
	unsigned int mtu;        /* IFLA_MTU */
};

/* Which device a vnet.interface is, taken when it is moved in: its index
 * in the jail's netns, its kind and its permanent MAC (what the jail
 * cannot give another device), and the name to give it back under. */
struct cell_link_id {
	char name[16];
	int index;
	char kind[16];
	uint8_t perm[6];
	bool has_perm;
};

/* Look a link up by name in nl's netns: -ENODEV when absent. */
int cell_link_get(struct cell_nl *nl, const char *ifname,
		  struct cell_link_info *out, struct cell_error *err);
/* Interface name checks: 1..15 bytes, no '/', ':', space, not "."/"..". */
int cell_ifname_check(const char *ifname, struct cell_error *err);

/* Epair names for jail `jail`, interface number idx (0..9): e<idx>a_NAME /
 * e<idx>b_NAME; when that exceeds 15 bytes or NAME has a character an
 * interface name cannot carry, e<idx>a_XXXXXXXX / e<idx>b_XXXXXXXX with
 * XXXXXXXX the FNV-1a-32 hash of the jail name in hex. */
struct cell_epair_names {
	char host[IFNAMSIZ];
	char jail[IFNAMSIZ];
};
int cell_epair_names(const char *jail, unsigned int idx,
		     struct cell_epair_names *out, struct cell_error *err);
/* Stable MACs: h = FNV-1a-32(jail name), big-endian bytes h0..h3;
 * host end 02:c<idx>:h0:h1:h2:h3, jail end 06:c<idx>:h0:h1:h2:h3 (locally
 * administered, unicast, and different from each other). */
void cell_epair_macs(const char *jail, unsigned int idx, uint8_t host[6],
		     uint8_t jailend[6]);

/* Bridges that cell made carry this IFLA_IFALIAS; only those are removed
 * by cell_bridge_remove_if_unused(). */
#define CELL_BRIDGE_ALIAS "cell:auto"

/* Create a bridge (up) unless it exists. *created tells which. An existing
 * interface of another kind is an error naming it. */
int cell_bridge_ensure(const char *bridge, bool autocreate, bool *created,
		       struct cell_error *err);
/* Remove bridge if cell made it and no port is left on it. */
int cell_bridge_remove_if_unused(const char *bridge, struct cell_error *err);

/* Create the epair for jail/idx, host end (up) on `bridge` (created when
 * missing and autocreate; otherwise -ENODEV naming it), jail end (up)
 * directly inside netns_fd. The host end's IFLA_IFALIAS is "cell:JAIL".
 * A host interface of the same name is -EEXIST and nothing is created;
 * so is a port of the bridge with the epair's MAC (-EADDRINUSE). names,
 * bridge_created (whether this call made the bridge) may be NULL. */
int cell_epair_create(const char *jail, unsigned int idx, const char *bridge,
		      bool autocreate, unsigned int mtu, int netns_fd,
		      struct cell_epair_names *names, bool *bridge_created,
		      struct cell_error *err);
/* Delete the epair (host end; the kernel takes the jail end with it).
 * Absent is not an error; a host interface of that name that is not
 * this jail's (not a veth, or its alias names another jail; without an
 * alias, a plain name whose MAC is not cell_epair_macs()'s) is -EEXIST
 * and stays. */
int cell_epair_destroy(const char *jail, unsigned int idx,
		       struct cell_error *err);
/* Set a link up (or down) in netns_fd. */
int cell_link_set_up(int netns_fd, const char *ifname, bool up,
		     struct cell_error *err);
/* Set the MTU of ifname in netns_fd (68..65535). */
int cell_link_set_mtu(int netns_fd, const char *ifname, unsigned int mtu,
		      struct cell_error *err);
/* Move host interface ifname into netns_fd (it stays named ifname);
 * id (may be NULL): which device it is there. */
int cell_link_move_in(const char *ifname, int netns_fd,
		      struct cell_link_id *id, struct cell_error *err);
/* Give the device id back from netns_fd to the caller's netns, under
 * id->name, whatever the jail renamed it to; only if the device at
 * id->index is still of id's kind and permanent MAC: -ENODEV (and
 * nothing moved) when it is gone or another. */
int cell_link_move_out(const struct cell_link_id *id, int netns_fd,
		       struct cell_error *err);

/* ---- addr.c --------------------------------------------------------- */

/* Validation (prefix ranges, unusable addresses), naming the address. */
int cell_ip4_check(const struct in_addr *a, unsigned int prefix,
		   struct cell_error *err);
int cell_ip6_check(const struct in6_addr *a, unsigned int prefix,
		   struct cell_error *err);
/* Add an address to ifname inside netns_fd (IPv6 without DAD, so it is
 * usable at once). An address already present is not an error. */
int cell_addr_add4(int netns_fd, const char *ifname, const struct in_addr *a,
		   unsigned int prefix, struct cell_error *err);
int cell_addr_add6(int netns_fd, const char *ifname,
		   const struct in6_addr *a, unsigned int prefix,
		   struct cell_error *err);
int cell_addr_del4(int netns_fd, const char *ifname, const struct in_addr *a,
		   unsigned int prefix, struct cell_error *err);
int cell_addr_del6(int netns_fd, const char *ifname,
		   const struct in6_addr *a, unsigned int prefix,
		   struct cell_error *err);
/* Default route via gw on ifname (ifname may be NULL). */
int cell_route_default4(int netns_fd, const char *ifname,
			const struct in_addr *gw, struct cell_error *err);
int cell_route_default6(int netns_fd, const char *ifname,
			const struct in6_addr *gw, struct cell_error *err);
/* disable_ipv6 = 0 for "all", "default" and ifname (NULL: skip), so that
 * link-local and static IPv6 work. No IPv6 in the kernel is not an error. */
int cell_ipv6_enable(int netns_fd, const char *ifname,
		     struct cell_error *err);

/* ---- nat.c (table "inet cell", chains per jail) ------------------------ */

#define CELL_NFT_TABLE "cell"

struct cell_rdr {
	int proto;               /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port;      /* 1..65535 */
	uint16_t jail_port;      /* 1..65535 */
	struct in_addr jail_addr;
};

/* "tcp|udp HOSTPORT JAILPORT" (vnet.rdr syntax); jail_addr left zero. */
int cell_rdr_parse(const char *s, struct cell_rdr *out,
		   struct cell_error *err);
/* Jail names usable in chain names: [A-Za-z0-9_.-], 1..64 bytes (the
 * chains are prefixed, so a digit may come first). */
int cell_nat_name_check(const char *jail, struct cell_error *err);
/* Masquerade traffic from net/prefix leaving through any interface but
 * `bridge` (NULL: any interface). Chain "masq_JAIL". */
int cell_nat_masq_add(int netns_fd, const char *jail,
		      const struct in_addr *net, unsigned int prefix,
		      const char *bridge, struct cell_error *err);
/* Forward host port to jail_addr:jail_port (prerouting for traffic that
 * arrives, output for the host's own). Chains "rdr_JAIL", "rdrout_JAIL". */
int cell_nat_rdr_add(int netns_fd, const char *jail, const struct cell_rdr *r,
		     struct cell_error *err);
/* Would these n forwards be refused for a host port taken (by another
 * forward or by one of the n)? -EADDRINUSE naming it; for a check before
 * anything is built (cell_nat_rdr_add checks again). */
int cell_nat_rdr_check(int netns_fd, const char *jail,
		       const struct cell_rdr *r, size_t n,
		       struct cell_error *err);
/* The jail's forwards; *out malloc'd (NULL when none). */
int cell_nat_rdr_list(int netns_fd, const char *jail, struct cell_rdr **out,
		      size_t *n, struct cell_error *err);
/* Drop the jail's forwards (keeps masquerade). */
int cell_nat_rdr_clear(int netns_fd, const char *jail,
		       struct cell_error *err);
/* Drop every chain of the jail; the table too when it is left empty.
 * Absent is not an error. */
int cell_nat_remove(int netns_fd, const char *jail, struct cell_error *err);

/* ---- firewall.c ----------------------------------------------------- */

/* Check `path` parses (dry run), then load it inside netns_fd, as one
 * transaction. The jail netns must not be -1. */
int cell_firewall_load(int netns_fd, const char *path,
		       struct cell_error *err);

/* ---- sockaddr_bpf.c ------------------------------------------------- */

enum cell_sa_hook {
	CELL_SA_BIND4, CELL_SA_BIND6, CELL_SA_CONNECT4, CELL_SA_CONNECT6,
	CELL_SA_SENDMSG4, CELL_SA_SENDMSG6, CELL_SA_SOCK_CREATE,
	CELL_SA_EGRESS, CELL_SA_INGRESS,
	CELL_SA_NHOOKS
};

/* A jail's address policy on the shared stack. For each family: disable
 * forbids the family's sockets; otherwise n > 0 restricts binds, connect
 * sources and sendmsg sources to the list (a wildcard bind or source is
 * rewritten to the first address), and the packets the jail's sockets
 * send and receive to ones from and to the list; n == 0 leaves the
 * family alone. At
 * most CELL_LIST_MAX addresses per family. */
struct cell_sa_policy {
	const struct in_addr *ip4;
	size_t ip4_n;
	bool ip4_disable;
	const struct in6_addr *ip6;
	size_t ip6_n;
	bool ip6_disable;
};

/* Attached programs (fd -1 where no program was needed). */
struct cell_sa_progs {
	int fd[CELL_SA_NHOOKS];
};

void cell_sa_progs_init(struct cell_sa_progs *p);
/* Load and attach (BPF_F_ALLOW_MULTI) to the cgroup v2 directory
 * cgroup_fd. All or nothing. Programs are named "cell_sa_*"; they stay
 * attached after the fds are closed (until detach or the cgroup goes). */
int cell_sa_attach(int cgroup_fd, const struct cell_sa_policy *pol,
		   struct cell_sa_progs *out, struct cell_error *err);
/* Detach the given programs and close their fds. */
int cell_sa_detach(int cgroup_fd, struct cell_sa_progs *p,
		   struct cell_error *err);
/* Detach every "cell_sa_*" program attached to cgroup_fd (for a process
 * that no longer holds the fds). */
int cell_sa_detach_all(int cgroup_fd, struct cell_error *err);

/* ---- vnet.c --------------------------------------------------------- */

struct cell_vnet_opts {
	bool bridge_autocreate;  /* create vnet.bridge when missing */
	bool has_gw4;            /* default route inside the jail */
	struct in_addr gw4;
	bool has_gw6;
	struct in6_addr gw6;
};

/* Host side and inside of a vnet jail whose netns is netns_fd: lo up,
 * vnet.interface moved in, epair on vnet.bridge, ip4.addr / ip6.addr,
 * default routes, vnet.nat, vnet.rdr, vnet.firewall. All or nothing. */
/* Whether cell_vnet_setup has anything to do but lo (which a jail's init
 * brings up itself): an interface moved in, an epair, addresses, a
 * default router (given in o, which may be NULL, or as a parameter),
 * NAT, port forwards, the jail's firewall. Kept next to
 * cell_vnet_setup, in step with it. */
bool cell_vnet_host_side(const struct cell_jail *j,
			 const struct cell_vnet_opts *o);
int cell_vnet_setup(const struct cell_jail *j, int netns_fd,
		    const struct cell_vnet_opts *o, struct cell_error *err);
/* Undo all of it; goes on after an error and reports the first. */
int cell_vnet_teardown(const struct cell_jail *j, int netns_fd,
		       struct cell_error *err);
/* Non-vnet jail, as jail(8)'s "interface": ip4.addr / ip6.addr added as
 * aliases in the caller's (host) netns on the address's own interface
 * ("if|addr" form) or else on `interface`; addresses with neither are left
 * alone (they must exist already). All or nothing. Teardown removes them,
 * as jail(8) does, even if the host had the same address before. */
int cell_ipalias_setup(const struct cell_jail *j, struct cell_error *err);
int cell_ipalias_teardown(const struct cell_jail *j, struct cell_error *err);
/* Non-vnet jail: the cell_sa_attach policy from ip4.addr / ip6.addr /
 * ip4 / ip6 (ip4 = new without addresses means disable, as in FreeBSD).
 * *ip4 / *ip6 are malloc'd arrays the policy points into; free them. */
struct cell_policy;
int cell_vnet_sa_policy(const struct cell_jail *j, const struct cell_policy *jp,
			struct cell_sa_policy *pol, struct in_addr **ip4,
			struct in6_addr **ip6, struct cell_error *err);

#endif
