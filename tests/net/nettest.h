/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers shared by the net tests and net-bench: a stand-in host (the
 * whole process unshares its network namespace first, so nothing here can
 * reach the real host's interfaces, addresses, routes or nft tables),
 * jail netns made by a thread that unshares, and small servers and
 * clients in forked children that setns() into a jail.
 */
#ifndef CELL_NETTEST_H
#define CELL_NETTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "jail.h"

/* unshare(CLONE_NEWNET) for the whole (still single-threaded) process
 * and bring its lo up. Returns 0 or negative errno. */
int nt_standin_host(void);
/* A new, empty netns; returns an O_CLOEXEC fd. */
int nt_new_netns(void);
/* Zeroed jail with name, vnet, bridge and addresses ("a/p", NULL). */
void nt_jail(struct cell_jail *j, const char *name, const char *bridge,
	     const char *ip4, const char *ip6);
void nt_jail_free(struct cell_jail *j);
/* Fork a server in nsfd bound to addr:port (tcp: SOCK_STREAM) answering
 * every request with tag (tcp: tag "=peer" answers the client's address). Returns its pid after it is listening. */
pid_t nt_server(int nsfd, int type, const char *addr, int port,
		const char *tag);
/* In nsfd (-1: here), send "hi" to addr:port, put the answer in buf.
 * Returns 0, or -1 when nothing came back within timeout_ms. */
int nt_client(int nsfd, int type, const char *addr, int port, char *buf,
	      size_t len, int timeout_ms);
/* ICMP / ICMPv6 echo to addr from nsfd (raw socket); 0 when answered. */
int nt_ping(int nsfd, const char *addr, int timeout_ms);
/* Run argv in nsfd (-1: here) with output to /dev/null; exit status. */
int nt_run(int nsfd, const char *const *argv);
/* Run a shell command here, capture stdout (malloc'd). */
char *nt_capture(const char *cmd);
void nt_kill(pid_t pid);

#endif
