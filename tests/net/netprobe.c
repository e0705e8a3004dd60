/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-netprobe: a small static TCP/UDP probe for the end-to-end VNET test
 * (test_vnet_jail.sh). It runs inside busybox jail roots, so it is linked
 * statically and needs nothing from the root but itself.
 *
 *   serve tcp|udp ADDR PORT TAG [SECONDS]
 *       answer every request with TAG ("=peer": the client's address)
 *       until SECONDS (default 30) have passed
 *   send tcp|udp ADDR PORT [TIMEOUT_MS]
 *       send "hi", print the answer; retried until TIMEOUT_MS (default
 *       3000): exit 0 with an answer, 1 without
 *   bind tcp|udp ADDR PORT
 *       bind and print the bound ADDR:PORT (getsockname), or "error: ..."
 *       and exit 1
 *   udpconnect ADDR PORT
 *       sendto() "hi" from an unbound UDP socket (the kernel autobinds it
 *       to the wildcard), then connect() and send() on it; prints
 *       "sendto: ANSWER" and "connected: ANSWER" (or "...: error: ...")
 *   ping BINDADDR DST [TIMEOUT_MS]
 *       an ICMP echo from an unprivileged ping socket (SOCK_DGRAM,
 *       IPPROTO_ICMP/ICMPV6) bound to BINDADDR: "reply from DST", or
 *       "error: ..." and exit 1
 *   ra IFNAME PREFIX
 *       send an IPv6 router advertisement (router lifetime 1800 s,
 *       PREFIX/64 on-link and for autoconfiguration) to ff02::1 out of
 *       IFNAME from a raw socket: what a jail with allow.raw_sockets can
 *       send to the host's bridge
 *
 * serve with ADDR "-" (tcp) listens without bind(): the kernel binds the
 * wildcard and a port of its choice, printed as "listening on PORT" (PORT
 * must be 0); an IPv6 serve turns IPV6_V6ONLY off (dual stack).
 *
 * IPv4 and IPv6 addresses are both accepted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr,
		"usage: cell-netprobe serve tcp|udp ADDR PORT TAG [SECONDS]\n"
		"       cell-netprobe send tcp|udp ADDR PORT [TIMEOUT_MS]\n"
		"       cell-netprobe bind tcp|udp ADDR PORT\n"
		"       cell-netprobe udpconnect ADDR PORT\n"
		"       cell-netprobe ping BINDADDR DST [TIMEOUT_MS]\n"
		"       cell-netprobe ra IFNAME PREFIX\n");
	return 2;
}

static int parse_sa(const char *addr, const char *port,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	char *end;
	long p = strtol(port, &end, 10);
	if (*end || p < 0 || p > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static void fmt_sa(const struct sockaddr_storage *ss, char *buf, size_t len,
		   bool with_port)
{
	char a[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	}
	if (with_port)
		snprintf(buf, len, "%s:%d", a, port);
	else
		snprintf(buf, len, "%s", a);
}

static int sock_type(const char *s)
{
	if (!strcmp(s, "tcp"))
		return SOCK_STREAM;
	if (!strcmp(s, "udp"))
		return SOCK_DGRAM;
	return -1;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int do_serve(int type, struct sockaddr_storage *ss, socklen_t len,
		    bool nobind, const char *tag, int seconds)
{
	alarm((unsigned)seconds);
	int s = socket(ss->ss_family, type, 0);
	if (s < 0) {
		perror("socket");
		return 1;
	}
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int zero = 0;
	if (ss->ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (!nobind && bind(s, (struct sockaddr *)ss, len) < 0) {
		perror("bind");
		return 1;
	}
	if (type == SOCK_STREAM && listen(s, 16) < 0) {
		perror("listen");
		return 1;
	}
	if (nobind) {
		struct sockaddr_storage got;
		socklen_t glen = sizeof(got);
		char a[INET6_ADDRSTRLEN + 8];
		if (getsockname(s, (struct sockaddr *)&got, &glen) < 0) {
			perror("getsockname");
			return 1;
		}
		fmt_sa(&got, a, sizeof(a), true);
		printf("listening on %s\n", strrchr(a, ':') + 1);
	}
	for (;;) {
		char buf[64];
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		char answer[INET6_ADDRSTRLEN + 8];
		if (type == SOCK_STREAM) {
			int c = accept(s, (struct sockaddr *)&peer, &plen);
			if (c < 0)
				continue;
			struct pollfd p = { .fd = c, .events = POLLIN };
			if (poll(&p, 1, 2000) == 1 &&
			    read(c, buf, sizeof(buf)) > 0) {
				if (!strcmp(tag, "=peer"))
					fmt_sa(&peer, answer, sizeof(answer),
					       false);
				else
					snprintf(answer, sizeof(answer), "%s",
						 tag);
				if (write(c, answer, strlen(answer)) < 0)
					perror("write");
			}
			close(c);
		} else {
			ssize_t n = recvfrom(s, buf, sizeof(buf), 0,
					     (struct sockaddr *)&peer, &plen);
			if (n < 0)
				continue;
			if (!strcmp(tag, "=peer"))
				fmt_sa(&peer, answer, sizeof(answer), false);
			else
				snprintf(answer, sizeof(answer), "%s", tag);
			sendto(s, answer, strlen(answer), 0,
			       (struct sockaddr *)&peer, plen);
		}
	}
}

/* One try within wait_ms: 0 and the answer in buf, or -errno. */
static int try_once(int type, const struct sockaddr_storage *ss,
		    socklen_t len, int wait_ms, char *buf, size_t blen)
{
	int s = socket(ss->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	long end = now_ms() + wait_ms;
	int r;
	if (connect(s, (const struct sockaddr *)ss, len) < 0) {
		if (errno != EINPROGRESS) {
			r = -errno;
			goto out;
		}
		struct pollfd p = { .fd = s, .events = POLLOUT };
		if (poll(&p, 1, wait_ms) != 1) {
			r = -ETIMEDOUT;
			goto out;
		}
		int e = 0;
		socklen_t el = sizeof(e);
		getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e) {
			r = -e;
			goto out;
		}
	}
	if (send(s, "hi", 2, 0) < 0) {
		r = -errno;
		goto out;
	}
	long left = end - now_ms();
	struct pollfd p = { .fd = s, .events = POLLIN };
	if (left <= 0 || poll(&p, 1, (int)left) != 1) {
		r = -ETIMEDOUT;
		goto out;
	}
	ssize_t n = recv(s, buf, blen - 1, 0);
	if (n <= 0) {
		r = n < 0 ? -errno : -ECONNRESET;
		goto out;
	}
	buf[n] = '\0';
	r = 0;
out:
	close(s);
	return r;
}

static int do_send(int type, const struct sockaddr_storage *ss,
		   socklen_t len, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	char buf[128];
	int r;
	for (;;) {
		long left = end - now_ms();
		if (left <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		/* refused (server not up yet), lost datagrams and dropped
		 * SYNs are retried until the time is up */
		int wait = type == SOCK_DGRAM ? 300 : 1000;
		if (wait > left)
			wait = (int)left;
		r = try_once(type, ss, len, wait, buf, sizeof(buf));
		if (r == 0) {
			printf("%s\n", buf);
			return 0;
		}
		if (r != -ECONNREFUSED && r != -ETIMEDOUT &&
		    r != -ECONNRESET)
			break;
		if (r != -ETIMEDOUT)
			usleep(100 * 1000);
	}
	fprintf(stderr, "cell-netprobe: send: %s\n", strerror(-r));
	return 1;
}

static int do_bind(int type, const struct sockaddr_storage *ss,
		   socklen_t len)
{
	int s = socket(ss->ss_family, type, 0);
	if (s < 0) {
		printf("error: socket: %s\n", strerror(errno));
		return 1;
	}
	if (bind(s, (const struct sockaddr *)ss, len) < 0) {
		printf("error: bind: %s\n", strerror(errno));
		return 1;
	}
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	if (getsockname(s, (struct sockaddr *)&got, &glen) < 0) {
		printf("error: getsockname: %s\n", strerror(errno));
		return 1;
	}
	char buf[INET6_ADDRSTRLEN + 8];
	fmt_sa(&got, buf, sizeof(buf), true);
	printf("%s\n", buf);
	return 0;
}

/* Wait up to ms for a datagram on s: its text in buf, or -errno. */
static int recv_wait(int s, int ms, char *buf, size_t blen)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	int n = poll(&p, 1, ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	ssize_t got = recv(s, buf, blen - 1, 0);
	if (got < 0)
		return -errno;
	buf[got] = '\0';
	return 0;
}

static int do_udpconnect(const struct sockaddr_storage *ss, socklen_t len)
{
	int s = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		printf("error: socket: %s\n", strerror(errno));
		return 1;
	}
	char buf[128];
	int r;
	if (sendto(s, "hi", 2, 0, (const struct sockaddr *)ss, len) < 0)
		r = -errno;
	else
		r = recv_wait(s, 1500, buf, sizeof(buf));
	if (r < 0)
		printf("sendto: error: %s\n", strerror(-r));
	else
		printf("sendto: %s\n", buf);
	if (connect(s, (const struct sockaddr *)ss, len) < 0) {
		printf("connect: error: %s\n", strerror(errno));
		return 1;
	}
	if (send(s, "hi", 2, 0) < 0)
		r = -errno;
	else
		r = recv_wait(s, 1500, buf, sizeof(buf));
	if (r < 0) {
		printf("connected: error: %s\n", strerror(-r));
		return 1;
	}
	printf("connected: %s\n", buf);
	return 0;
}

static int do_ping(const char *bindaddr, const char *dst, int timeout_ms)
{
	struct sockaddr_storage b, d;
	socklen_t blen, dlen;
	if (parse_sa(bindaddr, "0", &b, &blen) < 0 ||
	    parse_sa(dst, "0", &d, &dlen) < 0 || b.ss_family != d.ss_family)
		return usage();
	bool v6 = d.ss_family == AF_INET6;
	int s = socket(d.ss_family, SOCK_DGRAM | SOCK_CLOEXEC,
		       v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (s < 0) {
		printf("error: socket: %s\n", strerror(errno));
		return 1;
	}
	if (bind(s, (const struct sockaddr *)&b, blen) < 0) {
		printf("error: bind: %s\n", strerror(errno));
		return 1;
	}
	/* the kernel fills in the identifier and the checksum */
	uint8_t pkt[16] = { v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO, 0 };
	pkt[7] = 1;
	if (sendto(s, pkt, sizeof(pkt), 0, (const struct sockaddr *)&d,
		   dlen) < 0) {
		printf("error: sendto: %s\n", strerror(errno));
		return 1;
	}
	char buf[128];
	int r = recv_wait(s, timeout_ms, buf, sizeof(buf));
	if (r < 0) {
		printf("error: no reply: %s\n", strerror(-r));
		return 1;
	}
	printf("reply from %s\n", dst);
	return 0;
}

static int do_ra(const char *ifname, const char *prefix)
{
	struct {
		struct nd_router_advert ra;
		struct nd_opt_prefix_info pi;
	} pkt;
	memset(&pkt, 0, sizeof(pkt));
	unsigned int idx = if_nametoindex(ifname);
	if (!idx || inet_pton(AF_INET6, prefix, &pkt.pi.nd_opt_pi_prefix) != 1)
		return usage();
	int s = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (s < 0) {
		printf("error: socket: %s\n", strerror(errno));
		return 1;
	}
	/* the receiver takes only hop limit 255 (RFC 4861 6.1.2) */
	int hops = 255;
	setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx));
	pkt.ra.nd_ra_type = ND_ROUTER_ADVERT;
	pkt.ra.nd_ra_curhoplimit = 64;
	pkt.ra.nd_ra_router_lifetime = htons(1800);
	pkt.pi.nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION;
	pkt.pi.nd_opt_pi_len = 4;
	pkt.pi.nd_opt_pi_prefix_len = 64;
	pkt.pi.nd_opt_pi_flags_reserved = ND_OPT_PI_FLAG_ONLINK |
					  ND_OPT_PI_FLAG_AUTO;
	pkt.pi.nd_opt_pi_valid_time = htonl(86400);
	pkt.pi.nd_opt_pi_preferred_time = htonl(14400);
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6,
				    .sin6_scope_id = idx };
	inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	/* the kernel fills in the checksum of ICMPv6 raw sockets */
	if (sendto(s, &pkt, sizeof(pkt), 0, (struct sockaddr *)&dst,
		   sizeof(dst)) < 0) {
		printf("error: sendto: %s\n", strerror(errno));
		return 1;
	}
	printf("sent\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && argc <= 5 && !strcmp(argv[1], "ping"))
		return do_ping(argv[2], argv[3],
			       argc == 5 ? atoi(argv[4]) : 1500);
	if (argc == 4 && !strcmp(argv[1], "ra"))
		return do_ra(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "udpconnect")) {
		struct sockaddr_storage us;
		socklen_t ulen;
		if (parse_sa(argv[2], argv[3], &us, &ulen) < 0)
			return usage();
		return do_udpconnect(&us, ulen);
	}
	if (argc < 5)
		return usage();
	int type = sock_type(argv[2]);
	struct sockaddr_storage ss;
	socklen_t len;
	bool nobind = !strcmp(argv[3], "-") && type == SOCK_STREAM &&
		      !strcmp(argv[1], "serve");
	if (type < 0 ||
	    parse_sa(nobind ? "0.0.0.0" : argv[3], argv[4], &ss, &len) < 0)
		return usage();
	if (!strcmp(argv[1], "serve") && (argc == 6 || argc == 7))
		return do_serve(type, &ss, len, nobind, argv[5],
				argc == 7 ? atoi(argv[6]) : 30);
	if (!strcmp(argv[1], "send") && (argc == 5 || argc == 6))
		return do_send(type, &ss, len,
			       argc == 6 ? atoi(argv[5]) : 3000);
	if (!strcmp(argv[1], "bind") && argc == 5)
		return do_bind(type, &ss, len);
	return usage();
}
