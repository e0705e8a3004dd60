/* SPDX-License-Identifier: BSD-2-Clause */
#include "nettest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <net/if.h>
#include <unistd.h>

#include "net/net.h"

int nt_standin_host(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	return cell_link_set_up(-1, "lo", true, NULL);
}

static void *mk_thread(void *p)
{
	int *fd = p;
	if (unshare(CLONE_NEWNET) < 0) {
		*fd = -errno;
		return NULL;
	}
	*fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		*fd = -errno;
	return NULL;
}

int nt_new_netns(void)
{
	int fd = -EINVAL;
	pthread_t t;
	if (pthread_create(&t, NULL, mk_thread, &fd))
		return -EAGAIN;
	pthread_join(t, NULL);
	return fd;
}

static int parse_prefix(const char *s, char *addr, size_t len, long def)
{
	const char *sl = strchr(s, '/');
	size_t l = sl ? (size_t)(sl - s) : strlen(s);
	snprintf(addr, len, "%.*s", (int)l, s);
	return sl ? atoi(sl + 1) : (int)def;
}

void nt_jail(struct cell_jail *j, const char *name, const char *bridge,
	     const char *ip4, const char *ip6)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->devfs_ruleset = 4;   /* FreeBSD's default, for the policy */
	j->vnet = true;
	j->ip4 = CELL_JAILSYS_INHERIT;
	j->ip6 = CELL_JAILSYS_INHERIT;
	if (bridge)
		snprintf(j->vnet_bridge, sizeof(j->vnet_bridge), "%s", bridge);
	char a[64];
	if (ip4) {
		j->ip4_addr = calloc(1, sizeof(*j->ip4_addr));
		j->ip4_addr_n = 1;
		j->ip4_addr[0].prefix =
			(uint8_t)parse_prefix(ip4, a, sizeof(a), 32);
		inet_pton(AF_INET, a, &j->ip4_addr[0].addr);
		j->ip4 = CELL_JAILSYS_NEW;
	}
	if (ip6) {
		j->ip6_addr = calloc(1, sizeof(*j->ip6_addr));
		j->ip6_addr_n = 1;
		j->ip6_addr[0].prefix =
			(uint8_t)parse_prefix(ip6, a, sizeof(a), 128);
		inet_pton(AF_INET6, a, &j->ip6_addr[0].addr);
		j->ip6 = CELL_JAILSYS_NEW;
	}
}

void nt_jail_free(struct cell_jail *j)
{
	free(j->ip4_addr);
	free(j->ip6_addr);
	for (size_t i = 0; i < j->vnet_rdr.n; i++)
		free(j->vnet_rdr.v[i]);
	free(j->vnet_rdr.v);
	for (size_t i = 0; i < j->vnet_interface.n; i++)
		free(j->vnet_interface.v[i]);
	free(j->vnet_interface.v);
	memset(j, 0, sizeof(*j));
}

static socklen_t mkaddr(const char *addr, int port,
			struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return sizeof(*s6);
	}
	return 0;
}

pid_t nt_server(int nsfd, int type, const char *addr, int port,
		const char *tag)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
			_exit(2);
		struct sockaddr_storage ss;
		socklen_t sl = mkaddr(addr, port, &ss);
		int s = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
		int one = 1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (s < 0 || bind(s, (struct sockaddr *)&ss, sl) < 0)
			_exit(3);
		if (type == SOCK_STREAM && listen(s, 16) < 0)
			_exit(4);
		if (write(p[1], "r", 1) != 1)
			_exit(5);
		close(p[1]);
		for (;;) {
			char buf[256];
			if (type == SOCK_STREAM) {
				int c = accept(s, NULL, NULL);
				if (c < 0)
					continue;
				char peer[64] = "";
				struct sockaddr_storage pa;
				socklen_t pal = sizeof(pa);
				if (!strcmp(tag, "=peer") &&
				    getpeername(c, (struct sockaddr *)&pa,
						&pal) == 0)
					inet_ntop(pa.ss_family,
						  pa.ss_family == AF_INET
						  ? (void *)&((struct sockaddr_in *)&pa)->sin_addr
						  : (void *)&((struct sockaddr_in6 *)&pa)->sin6_addr,
						  peer, sizeof(peer));
				const char *ans = peer[0] ? peer : tag;
				if (read(c, buf, sizeof(buf)) > 0 &&
				    write(c, ans, strlen(ans)) < 0)
					_exit(6);
				close(c);
			} else {
				struct sockaddr_storage from;
				socklen_t fl = sizeof(from);
				ssize_t n = recvfrom(s, buf, sizeof(buf), 0,
						     (struct sockaddr *)&from,
						     &fl);
				if (n >= 0)
					sendto(s, tag, strlen(tag), 0,
					       (struct sockaddr *)&from, fl);
			}
		}
	}
	close(p[1]);
	char c;
	ssize_t n = read(p[0], &c, 1);
	close(p[0]);
	if (n != 1) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

int nt_client(int nsfd, int type, const char *addr, int port, char *buf,
	      size_t len, int timeout_ms)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
			_exit(2);
		struct sockaddr_storage ss;
		socklen_t sl = mkaddr(addr, port, &ss);
		int s = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
		struct timeval tv = { timeout_ms / 1000,
				      (timeout_ms % 1000) * 1000 };
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(s, (struct sockaddr *)&ss, sl) < 0)
			_exit(3);
		char b[256];
		ssize_t n = -1;
		/* UDP: a few tries, the first may race neighbour setup */
		for (int i = 0; i < (type == SOCK_DGRAM ? 3 : 1) && n < 0;
		     i++) {
			if (send(s, "hi", 2, 0) != 2)
				_exit(4);
			n = recv(s, b, sizeof(b) - 1, 0);
		}
		if (n <= 0)
			_exit(5);
		if (write(p[1], b, (size_t)n) != n)
			_exit(6);
		_exit(0);
	}
	close(p[1]);
	size_t got = 0;
	for (;;) {
		ssize_t n = read(p[0], buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int nt_run(int nsfd, const char *const *argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
			_exit(126);
		int dn = open("/dev/null", O_WRONLY);
		dup2(dn, 1);
		dup2(dn, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *nt_capture(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	if (!f)
		return strdup("");
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	size_t r;
	while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2) {
			cap *= 2;
			char *nb = realloc(b, cap);
			if (!nb)
				break;
			b = nb;
		}
	}
	pclose(f);
	if (b)
		b[n] = '\0';
	return b;
}

void nt_kill(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static uint16_t csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)(b[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static int ping_child(const char *addr, int timeout_ms)
{
	struct sockaddr_storage ss;
	char a[64];
	snprintf(a, sizeof(a), "%s", addr);
	char *pct = strchr(a, '%');   /* fe80::1%ifname */
	if (pct)
		*pct++ = '\0';
	socklen_t sl = mkaddr(a, 0, &ss);
	if (!sl)
		return 2;
	if (pct && ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_scope_id =
			if_nametoindex(pct);
	bool v6 = ss.ss_family == AF_INET6;
	int s = socket(ss.ss_family, SOCK_RAW | SOCK_CLOEXEC,
		       v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (s < 0)
		return 3;
	uint8_t pkt[64];
	memset(pkt, 0, sizeof(pkt));
	uint16_t id = (uint16_t)getpid();
	pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	memcpy(pkt + 4, &id, 2);
	pkt[7] = 1;
	if (!v6) {
		uint16_t c = csum(pkt, sizeof(pkt));
		memcpy(pkt + 2, &c, 2);
	}
	if (sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, sl) < 0)
		return 4;
	for (;;) {
		struct pollfd pf = { s, POLLIN, 0 };
		if (poll(&pf, 1, timeout_ms) <= 0)
			return 5;
		uint8_t b[1500];
		ssize_t n = recv(s, b, sizeof(b), 0);
		if (n < 0)
			return 6;
		size_t off = v6 ? 0 : (size_t)(b[0] & 0xf) * 4;
		if ((size_t)n < off + 8)
			continue;
		if (b[off] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) &&
		    !memcmp(b + off + 4, &id, 2))
			return 0;
	}
}

int nt_ping(int nsfd, const char *addr, int timeout_ms)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
			_exit(126);
		_exit(ping_child(addr, timeout_ms));
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
