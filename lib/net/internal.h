/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the files of lib/net only. */
#ifndef CELL_NET_INTERNAL_H
#define CELL_NET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cell_nl;
struct nl_msg;

/*
 * The two halves of an exchange, for replies cell_nl_talk() and
 * cell_nl_dump() do not fit (a lookup answered by a message, not an ack).
 * cell_nl_send: flags are or'ed into the header, the next sequence number
 * is set; a message a put did not fit in is refused with that put's
 * errno. cell_nl_recv: one datagram from the kernel into nl->buf (others
 * are skipped), its length or a negative errno (-ENOSPC: larger than
 * nl->buf). Neither fills a struct cell_error.
 */
int cell_nl_send(struct cell_nl *nl, struct nl_msg *m, uint16_t flags);
ssize_t cell_nl_recv(struct cell_nl *nl);

/*
 * Run an nftables command buffer (or, with is_file, the file named by
 * cmd) through libnftables in netns_fd (-1 = current). dry_run checks
 * without committing. On success *out (may be NULL) gets the malloc'd
 * output; on failure *errtext (may be NULL) gets the malloc'd first line
 * of libnftables' complaint. Returns 0 or a negative errno (-EINVAL when
 * nftables refused the input).
 */
int cell_nft_run(int netns_fd, const char *cmd, bool is_file, bool dry_run,
		 char **out, char **errtext);

/*
 * A bridge cell makes is the host's, in the calling thread's netns: it
 * must take no router advertisement, redirect or autoconfigured address
 * from the jails on it (CVE-2020-13401 class), so accept_ra,
 * accept_redirects and autoconf are 0 on it, set before it comes up.
 * 0 also when the netns has no IPv6.
 */
int cell_if_v6_no_ra(const char *ifname, struct cell_error *err);

/*
 * IPv6 on for one interface of the calling thread's netns, and nothing
 * else: on the host side, conf/all and conf/default are the admin's
 * (cell_ipv6_enable writes them too, which is right only inside a jail's
 * own netns). 0 when the netns has no IPv6.
 */
int cell_ipv6_enable_if(const char *ifname, struct cell_error *err);

/*
 * The host side's shared objects (table inet cell, cell's bridges) are
 * changed by creates and removals that run without the state lock (a
 * create's network step runs after it is released). A check and the act
 * on it (the table is empty, so delete it; the bridge has no port, so
 * delete it; the host port is free, so forward it) must not interleave
 * with another jail's change: each is done under this lock, flock(2) on
 * <run dir>/net.lock. Not reentrant: the functions that take it do not
 * call each other. Returns the fd to give to cell_net_unlock, or -errno.
 */
int cell_net_lock(struct cell_error *err);
void cell_net_unlock(int fd);

#endif
