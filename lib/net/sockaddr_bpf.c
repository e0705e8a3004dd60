/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ip4.addr / ip6.addr for jails without vnet, on the host's shared stack,
 * as FreeBSD's prison_check_ip4/6 and prison_local_ip4/6 do it: cgroup BPF
 * socket hooks on the jail's cgroup v2 directory, assembled here from raw
 * instructions (no compiler, no libbpf).
 *
 *  bind4/6     the address must be one of the jail's; a wildcard bind is
 *              rewritten to the jail's first address; otherwise EPERM.
 *  connect4/6  the socket is bound (bpf_bind, port 0) to the jail's first
 *              address first, so the source is the jail's; a socket that
 *              is already bound keeps its address if that is the jail's,
 *              and is refused (EPERM) otherwise: a UDP socket autobound
 *              to the wildcard by an earlier sendto() would get a source
 *              of the kernel's choice, and send() on a connected socket
 *              passes no sendmsg hook.
 *  sendmsg4/6  an explicit source must be a jail address; with none, an
 *              unbound socket gets the jail's first address as source.
 *  sock_create ip4 = disable / ip6 = disable: AF_INET / AF_INET6 sockets
 *              are refused (EPERM).
 *  egress/ingress (cgroup_skb) every IPv4 / IPv6 packet a socket of the
 *              jail sends must have a jail address as its source, every
 *              one delivered to it a jail address as its destination,
 *              for each family that is limited (disable: none passes).
 * IPv4-mapped IPv6 addresses are refused in bind6/connect6/sendmsg6 when
 * IPv4 is restricted or disabled, so the family cannot be used through an
 * AF_INET6 socket.
 *
 * The socket hooks alone are not enough: some ways to an address pass none
 * of them (listen() without bind() autobinds to the wildcard; ICMP ping
 * sockets and raw sockets have their own bind, before the hook; send() on
 * a connected UDP socket skips sendmsg; a dual-stack [::] socket takes
 * IPv4 to every host address, and IPV6_V6ONLY is out of a hook's reach).
 * The packet filters are what holds in every case; the hooks make the
 * ordinary cases (wildcard binds, unbound connects) pick the jail's
 * address so that the filters let them through.
 *
 * Programs are attached with BPF_F_ALLOW_MULTI (BPF_PROG_ATTACH, not
 * links), so they stay after the attaching process exits; they are named
 * "cell_sa_*" so that cell_sa_detach_all() can find exactly them again.
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })
#define MOV64_X(d, s)      INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_K(d, i)      INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV32_K(d, i)      INSN(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV32_X(d, s)      INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define OR32_X(d, s)       INSN(BPF_ALU | BPF_OR | BPF_X, d, s, 0, 0)
#define ADD64_K(d, i)      INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX_B(d, s, o)     INSN(BPF_LDX | BPF_MEM | BPF_B, d, s, o, 0)
#define LDX_W(d, s, o)     INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define RSH32_K(d, i)      INSN(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, i)
#define J64_K(op, d, i, o) INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define LDX_DW(d, s, o)    INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_W(d, s, o)     INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define ST_W(d, o, i)      INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define ST_H(d, o, i)      INSN(BPF_ST | BPF_MEM | BPF_H, d, 0, o, i)
#define ST_DW(d, o, i)     INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define J32_K(op, d, i, o) INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define JA(o)              INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(f)            INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()             INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Program builder with forward labels. */
enum { L_NONE, L_ALLOW, L_DENY, L_REWRITE, L_V4, L_V6, L_N };

struct pb {
	struct bpf_insn *i;
	uint8_t *lab;
	size_t n, cap;
	long at[L_N];
	bool oom;
};

static void emit(struct pb *b, struct bpf_insn x, uint8_t lab)
{
	if (b->n == b->cap) {
		size_t c = b->cap ? b->cap * 2 : 64;
		struct bpf_insn *ni = realloc(b->i, c * sizeof(*ni));
		if (!ni) {
			b->oom = true;
			return;
		}
		b->i = ni;
		uint8_t *nl = realloc(b->lab, c);
		if (!nl) {
			b->oom = true;
			return;
		}
		b->lab = nl;
		b->cap = c;
	}
	b->i[b->n] = x;
	b->lab[b->n] = lab;
	b->n++;
}

static void label(struct pb *b, int l)
{
	b->at[l] = (long)b->n;
}

static int finish(struct pb *b)
{
	if (b->oom)
		return -ENOMEM;
	for (size_t k = 0; k < b->n; k++) {
		if (b->lab[k] == L_NONE)
			continue;
		long t = b->at[b->lab[k]];
		if (t < 0)
			return -EINVAL;
		b->i[k].off = (int16_t)(t - (long)k - 1);
	}
	return 0;
}

static void pb_free(struct pb *b)
{
	free(b->i);
	free(b->lab);
}

static void pb_init(struct pb *b)
{
	memset(b, 0, sizeof(*b));
	for (int l = 0; l < L_N; l++)
		b->at[l] = -1;
}

static int32_t w32(const void *p, size_t k)
{
	uint32_t v;
	memcpy(&v, (const uint8_t *)p + 4 * k, 4);
	return (int32_t)v;
}

#define SA_OFF(f)  ((int16_t)offsetof(struct bpf_sock_addr, f))
#define SK_OFF(f)  ((int16_t)offsetof(struct bpf_sock, f))

/* tail: DENY: r0 = 0; exit; ALLOW: r0 = 1; exit */
static void tail(struct pb *b)
{
	bool deny = false;
	for (size_t k = 0; k < b->n; k++)
		deny |= b->lab[k] == L_DENY;
	/* the verifier refuses unreachable instructions */
	if (deny) {
		label(b, L_DENY);
		emit(b, MOV64_K(BPF_REG_0, 0), L_NONE);
		emit(b, EXIT(), L_NONE);
	}
	label(b, L_ALLOW);
	emit(b, MOV64_K(BPF_REG_0, 1), L_NONE);
	emit(b, EXIT(), L_NONE);
}

/* w2..w5 = ip6 words at ctx offset off */
static void load6(struct pb *b, int16_t off)
{
	for (int k = 0; k < 4; k++)
		emit(b, LDX_W(BPF_REG_2 + k, BPF_REG_6, (int16_t)(off + 4 * k)),
		     L_NONE);
}

/* if w2..w4 say ::ffff:0:0/96, goto DENY */
static void deny_v4mapped(struct pb *b)
{
	emit(b, J32_K(BPF_JNE, BPF_REG_2, 0, 3), L_NONE);
	emit(b, J32_K(BPF_JNE, BPF_REG_3, 0, 2), L_NONE);
	emit(b, J32_K(BPF_JNE, BPF_REG_4, (int32_t)htonl(0xffff), 1), L_NONE);
	emit(b, JA(0), L_DENY);
}

/* v4: w2 in list → ALLOW */
static void match4(struct pb *b, const struct in_addr *a, size_t n)
{
	for (size_t k = 0; k < n; k++)
		emit(b, J32_K(BPF_JEQ, BPF_REG_2, (int32_t)a[k].s_addr, 0),
		     L_ALLOW);
}

/* v6: w2..w5 in list → ALLOW */
static void match6(struct pb *b, const struct in6_addr *a, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		for (int w = 0; w < 4; w++)
			emit(b, J32_K(BPF_JNE, BPF_REG_2 + w,
				      w32(&a[k], (size_t)w), (int16_t)(4 - w)),
			     L_NONE);
		emit(b, JA(0), L_ALLOW);
	}
}

/* REWRITE: ctx[off..] = a (4 or 16 bytes); goto ALLOW */
static void rewrite(struct pb *b, int16_t off, const void *a, size_t words)
{
	label(b, L_REWRITE);
	for (size_t w = 0; w < words; w++) {
		emit(b, MOV32_K(BPF_REG_3, w32(a, w)), L_NONE);
		emit(b, STX_W(BPF_REG_6, BPF_REG_3, (int16_t)(off + 4 * w)),
		     L_NONE);
	}
	emit(b, JA(0), L_ALLOW);
}

/* w7 = w2|w3|w4|w5; if 0 goto REWRITE */
static void if_zero6_rewrite(struct pb *b)
{
	emit(b, MOV32_X(BPF_REG_7, BPF_REG_2), L_NONE);
	emit(b, OR32_X(BPF_REG_7, BPF_REG_3), L_NONE);
	emit(b, OR32_X(BPF_REG_7, BPF_REG_4), L_NONE);
	emit(b, OR32_X(BPF_REG_7, BPF_REG_5), L_NONE);
	emit(b, J32_K(BPF_JEQ, BPF_REG_7, 0, 0), L_REWRITE);
}

static bool v4_restricted(const struct cell_sa_policy *p)
{
	return !p->ip4_disable && p->ip4_n;
}

static bool v6_restricted(const struct cell_sa_policy *p)
{
	return !p->ip6_disable && p->ip6_n;
}

static bool v4_limited(const struct cell_sa_policy *p)
{
	return p->ip4_disable || p->ip4_n;
}

static bool v6_limited(const struct cell_sa_policy *p)
{
	return p->ip6_disable || p->ip6_n;
}

static void build_bind4(struct pb *b, const struct cell_sa_policy *p)
{
	emit(b, MOV64_X(BPF_REG_6, BPF_REG_1), L_NONE);
	emit(b, LDX_W(BPF_REG_2, BPF_REG_6, SA_OFF(user_ip4)), L_NONE);
	emit(b, J32_K(BPF_JEQ, BPF_REG_2, 0, 0), L_REWRITE);
	match4(b, p->ip4, p->ip4_n);
	emit(b, JA(0), L_DENY);
	rewrite(b, SA_OFF(user_ip4), &p->ip4[0], 1);
	tail(b);
}

static void build_bind6(struct pb *b, const struct cell_sa_policy *p)
{
	emit(b, MOV64_X(BPF_REG_6, BPF_REG_1), L_NONE);
	load6(b, SA_OFF(user_ip6));
	if (v4_limited(p))
		deny_v4mapped(b);
	if (v6_restricted(p)) {
		if_zero6_rewrite(b);
		match6(b, p->ip6, p->ip6_n);
		emit(b, JA(0), L_DENY);
		rewrite(b, SA_OFF(user_ip6), &p->ip6[0], 4);
	} else {
		emit(b, JA(0), L_ALLOW);
	}
	tail(b);
}

static void build_connect4(struct pb *b, const struct cell_sa_policy *p)
{
	/* struct sockaddr_in at r10-16, bpf_bind(ctx, &sin, 16) */
	emit(b, MOV64_X(BPF_REG_6, BPF_REG_1), L_NONE);
	emit(b, ST_DW(BPF_REG_10, -16, 0), L_NONE);
	emit(b, ST_DW(BPF_REG_10, -8, 0), L_NONE);
	emit(b, ST_H(BPF_REG_10, -16, AF_INET), L_NONE);
	emit(b, ST_W(BPF_REG_10, -12, (int32_t)p->ip4[0].s_addr), L_NONE);
	emit(b, MOV64_X(BPF_REG_1, BPF_REG_6), L_NONE);
	emit(b, MOV64_X(BPF_REG_2, BPF_REG_10), L_NONE);
	emit(b, ADD64_K(BPF_REG_2, -16), L_NONE);
	emit(b, MOV64_K(BPF_REG_3, 16), L_NONE);
	emit(b, CALL(BPF_FUNC_bind), L_NONE);
	emit(b, J64_K(BPF_JEQ, BPF_REG_0, 0, 0), L_ALLOW);
	/* bound already (or the bind failed): only a jail source may
	 * connect */
	emit(b, LDX_DW(BPF_REG_7, BPF_REG_6, SA_OFF(sk)), L_NONE);
	emit(b, LDX_W(BPF_REG_2, BPF_REG_7, SK_OFF(src_ip4)), L_NONE);
	match4(b, p->ip4, p->ip4_n);
	emit(b, JA(0), L_DENY);
	tail(b);
}

static void build_connect6(struct pb *b, const struct cell_sa_policy *p)
{
	emit(b, MOV64_X(BPF_REG_6, BPF_REG_1), L_NONE);
	if (v4_limited(p)) {
		load6(b, SA_OFF(user_ip6));
		deny_v4mapped(b);
	}
	if (v6_restricted(p)) {
		/* struct sockaddr_in6 (28 bytes) at r10-32 */
		for (int o = -32; o < 0; o += 8)
			emit(b, ST_DW(BPF_REG_10, (int16_t)o, 0), L_NONE);
		emit(b, ST_H(BPF_REG_10, -32, AF_INET6), L_NONE);
		for (int w = 0; w < 4; w++)
			emit(b, ST_W(BPF_REG_10, (int16_t)(-24 + 4 * w),
				     w32(&p->ip6[0], (size_t)w)), L_NONE);
		emit(b, MOV64_X(BPF_REG_1, BPF_REG_6), L_NONE);
		emit(b, MOV64_X(BPF_REG_2, BPF_REG_10), L_NONE);
		emit(b, ADD64_K(BPF_REG_2, -32), L_NONE);
		emit(b, MOV64_K(BPF_REG_3, 28), L_NONE);
		emit(b, CALL(BPF_FUNC_bind), L_NONE);
		emit(b, J64_K(BPF_JEQ, BPF_REG_0, 0, 0), L_ALLOW);
		/* as in connect4: bound already, so a jail source or no
		 * connect */
		emit(b, LDX_DW(BPF_REG_7, BPF_REG_6, SA_OFF(sk)), L_NONE);
		for (int w = 0; w < 4; w++)
			emit(b, LDX_W(BPF_REG_2 + w, BPF_REG_7,
				      (int16_t)(SK_OFF(src_ip6) + 4 * w)),
			     L_NONE);
		match6(b, p->ip6, p->ip6_n);
		emit(b, JA(0), L_DENY);
	} else {
		emit(b, JA(0), L_ALLOW);
	}
	tail(b);
}

static void build_sendmsg4(struct pb *b, const struct cell_sa_policy *p)
{
	emit(b, MOV64_X(BPF_REG_6, BPF_REG_1), L_NONE);
	emit(b, LDX_W(BPF_REG_2, BPF_REG_6, SA_OFF(msg_src_ip4)), L_NONE);
	/* explicit source: must be the jail's */
	emit(b, J32_K(BPF_JEQ, BPF_REG_2, 0, (int16_t)(p->ip4_n + 1)),
	     L_NONE);
	match4(b, p->ip4, p->ip4_n);
	emit(b, JA(0), L_DENY);
	/* none: a bound socket has the jail's address already */
	emit(b, LDX_DW(BPF_REG_7, BPF_REG_6, SA_OFF(sk)), L_NONE);
	emit(b, LDX_W(BPF_REG_2, BPF_REG_7, SK_OFF(src_ip4)), L_NONE);
	emit(b, J32_K(BPF_JNE, BPF_REG_2, 0, 0), L_ALLOW);
	emit(b, JA(0), L_REWRITE);
	rewrite(b, SA_OFF(msg_src_ip4), &p->ip4[0], 1);
	tail(b);
}

static void build_sendmsg6(struct pb *b, const struct cell_sa_policy *p)
{
	emit(b, MOV64_X(BPF_REG_6, BPF_REG_1), L_NONE);
	if (v4_limited(p)) {
		load6(b, SA_OFF(user_ip6));
		deny_v4mapped(b);
	}
	if (!v6_restricted(p)) {
		emit(b, JA(0), L_ALLOW);
		tail(b);
		return;
	}
	load6(b, SA_OFF(msg_src_ip6));
	emit(b, MOV32_X(BPF_REG_7, BPF_REG_2), L_NONE);
	emit(b, OR32_X(BPF_REG_7, BPF_REG_3), L_NONE);
	emit(b, OR32_X(BPF_REG_7, BPF_REG_4), L_NONE);
	emit(b, OR32_X(BPF_REG_7, BPF_REG_5), L_NONE);
	/* explicit source: must be the jail's; the list is 5 insns each */
	emit(b, J32_K(BPF_JEQ, BPF_REG_7, 0, (int16_t)(p->ip6_n * 5 + 1)),
	     L_NONE);
	match6(b, p->ip6, p->ip6_n);
	emit(b, JA(0), L_DENY);
	emit(b, LDX_DW(BPF_REG_7, BPF_REG_6, SA_OFF(sk)), L_NONE);
	for (int w = 0; w < 4; w++)
		emit(b, LDX_W(BPF_REG_2 + w, BPF_REG_7,
			      (int16_t)(SK_OFF(src_ip6) + 4 * w)), L_NONE);
	emit(b, MOV32_X(BPF_REG_8, BPF_REG_2), L_NONE);
	emit(b, OR32_X(BPF_REG_8, BPF_REG_3), L_NONE);
	emit(b, OR32_X(BPF_REG_8, BPF_REG_4), L_NONE);
	emit(b, OR32_X(BPF_REG_8, BPF_REG_5), L_NONE);
	emit(b, J32_K(BPF_JNE, BPF_REG_8, 0, 0), L_ALLOW);
	emit(b, JA(0), L_REWRITE);
	rewrite(b, SA_OFF(msg_src_ip6), &p->ip6[0], 4);
	tail(b);
}

/*
 * cgroup_skb: the packet starts at its IP header. r1 = r6 (skb),
 * r2 = off, r3 = r10 - 24 (a 16-byte buffer), r4 = len, then
 * bpf_skb_load_bytes; a packet too short for it is dropped.
 */
static void skb_load(struct pb *b, int32_t off, int32_t len)
{
	emit(b, MOV64_X(BPF_REG_1, BPF_REG_6), L_NONE);
	emit(b, MOV64_K(BPF_REG_2, off), L_NONE);
	emit(b, MOV64_X(BPF_REG_3, BPF_REG_10), L_NONE);
	emit(b, ADD64_K(BPF_REG_3, -24), L_NONE);
	emit(b, MOV64_K(BPF_REG_4, len), L_NONE);
	emit(b, CALL(BPF_FUNC_skb_load_bytes), L_NONE);
	emit(b, J64_K(BPF_JNE, BPF_REG_0, 0, 0), L_DENY);
}

/* The packet's own source (egress) or destination (ingress) address:
 * the socket hooks cannot see every way a socket gets an address. The IP
 * version comes from the packet, not the socket: a dual-stack AF_INET6
 * socket sends and receives IPv4. */
static void build_skb(struct pb *b, const struct cell_sa_policy *p,
		      bool egress)
{
	emit(b, MOV64_X(BPF_REG_6, BPF_REG_1), L_NONE);
	skb_load(b, 0, 1);
	emit(b, LDX_B(BPF_REG_2, BPF_REG_10, -24), L_NONE);
	emit(b, RSH32_K(BPF_REG_2, 4), L_NONE);
	emit(b, J32_K(BPF_JEQ, BPF_REG_2, 4, 0), L_V4);
	emit(b, J32_K(BPF_JEQ, BPF_REG_2, 6, 0), L_V6);
	emit(b, JA(0), L_ALLOW);

	label(b, L_V4);
	if (!v4_limited(p)) {
		emit(b, JA(0), L_ALLOW);
	} else if (p->ip4_disable || !p->ip4_n) {
		emit(b, JA(0), L_DENY);
	} else {
		/* iphdr: saddr at 12, daddr at 16 */
		skb_load(b, egress ? 12 : 16, 4);
		emit(b, LDX_W(BPF_REG_2, BPF_REG_10, -24), L_NONE);
		match4(b, p->ip4, p->ip4_n);
		emit(b, JA(0), L_DENY);
	}

	label(b, L_V6);
	if (!v6_limited(p)) {
		emit(b, JA(0), L_ALLOW);
	} else if (p->ip6_disable || !p->ip6_n) {
		emit(b, JA(0), L_DENY);
	} else {
		/* ipv6hdr: saddr at 8, daddr at 24 */
		skb_load(b, egress ? 8 : 24, 16);
		for (int w = 0; w < 4; w++)
			emit(b, LDX_W(BPF_REG_2 + w, BPF_REG_10,
				      (int16_t)(-24 + 4 * w)), L_NONE);
		match6(b, p->ip6, p->ip6_n);
		emit(b, JA(0), L_DENY);
	}
	tail(b);
}

static void build_egress(struct pb *b, const struct cell_sa_policy *p)
{
	build_skb(b, p, true);
}

static void build_ingress(struct pb *b, const struct cell_sa_policy *p)
{
	build_skb(b, p, false);
}

static void build_sock_create(struct pb *b, const struct cell_sa_policy *p)
{
	emit(b, LDX_W(BPF_REG_2, BPF_REG_1, SK_OFF(family)), L_NONE);
	if (p->ip4_disable)
		emit(b, J32_K(BPF_JEQ, BPF_REG_2, AF_INET, 0), L_DENY);
	if (p->ip6_disable)
		emit(b, J32_K(BPF_JEQ, BPF_REG_2, AF_INET6, 0), L_DENY);
	emit(b, JA(0), L_ALLOW);
	tail(b);
}

static const struct {
	const char *name;
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
	void (*build)(struct pb *, const struct cell_sa_policy *);
} hooks[CELL_SA_NHOOKS] = {
	[CELL_SA_BIND4] = { "cell_sa_bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			    BPF_CGROUP_INET4_BIND, build_bind4 },
	[CELL_SA_BIND6] = { "cell_sa_bind6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			    BPF_CGROUP_INET6_BIND, build_bind6 },
	[CELL_SA_CONNECT4] = { "cell_sa_conn4",
			       BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			       BPF_CGROUP_INET4_CONNECT, build_connect4 },
	[CELL_SA_CONNECT6] = { "cell_sa_conn6",
			       BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			       BPF_CGROUP_INET6_CONNECT, build_connect6 },
	[CELL_SA_SENDMSG4] = { "cell_sa_send4",
			       BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			       BPF_CGROUP_UDP4_SENDMSG, build_sendmsg4 },
	[CELL_SA_SENDMSG6] = { "cell_sa_send6",
			       BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			       BPF_CGROUP_UDP6_SENDMSG, build_sendmsg6 },
	[CELL_SA_SOCK_CREATE] = { "cell_sa_sock", BPF_PROG_TYPE_CGROUP_SOCK,
				  BPF_CGROUP_INET_SOCK_CREATE,
				  build_sock_create },
	[CELL_SA_EGRESS] = { "cell_sa_egress", BPF_PROG_TYPE_CGROUP_SKB,
			     BPF_CGROUP_INET_EGRESS, build_egress },
	[CELL_SA_INGRESS] = { "cell_sa_ingress", BPF_PROG_TYPE_CGROUP_SKB,
			      BPF_CGROUP_INET_INGRESS, build_ingress },
};

/* Which hooks the policy needs. */
static bool needed(const struct cell_sa_policy *p, int h)
{
	switch (h) {
	case CELL_SA_BIND4:
	case CELL_SA_CONNECT4:
	case CELL_SA_SENDMSG4:
		return v4_restricted(p);
	case CELL_SA_BIND6:
	case CELL_SA_CONNECT6:
	case CELL_SA_SENDMSG6:
		return !p->ip6_disable && (v6_restricted(p) || v4_limited(p));
	case CELL_SA_SOCK_CREATE:
		return p->ip4_disable || p->ip6_disable;
	case CELL_SA_EGRESS:
	case CELL_SA_INGRESS:
		return v4_limited(p) || v6_limited(p);
	}
	return false;
}

static int bpf_sys(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

static int prog_load(int h, const struct pb *b, char *log, size_t loglen)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = hooks[h].type;
	a.expected_attach_type = hooks[h].attach;
	a.insns = (uint64_t)(uintptr_t)b->i;
	a.insn_cnt = (uint32_t)b->n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", hooks[h].name);
	int fd = bpf_sys(BPF_PROG_LOAD, &a);
	if (fd < 0 && fd != -EPERM && log) {
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)loglen;
		a.log_level = 1;
		log[0] = '\0';
		int fd2 = bpf_sys(BPF_PROG_LOAD, &a);
		if (fd2 >= 0)
			fd = fd2;
	}
	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

void cell_sa_progs_init(struct cell_sa_progs *p)
{
	for (int h = 0; h < CELL_SA_NHOOKS; h++)
		p->fd[h] = -1;
}

static int detach_one(int cgroup_fd, int h, int prog_fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgroup_fd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = hooks[h].attach;
	return bpf_sys(BPF_PROG_DETACH, &a);
}

static int policy_check(const struct cell_sa_policy *p,
			struct cell_error *err)
{
	if (p->ip4_n > CELL_LIST_MAX || p->ip6_n > CELL_LIST_MAX)
		return cell_error_set(err, -E2BIG,
				      "more than %d addresses per family",
				      CELL_LIST_MAX);
	if ((p->ip4_n && !p->ip4) || (p->ip6_n && !p->ip6))
		return cell_error_set(err, -EINVAL, "address list missing");
	for (size_t k = 0; k < p->ip4_n; k++) {
		int r = cell_ip4_check(&p->ip4[k], 32, err);
		if (r < 0)
			return r;
	}
	for (size_t k = 0; k < p->ip6_n; k++) {
		if (IN6_IS_ADDR_LINKLOCAL(&p->ip6[k])) {
			char s[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, &p->ip6[k], s, sizeof(s));
			return cell_error_set(err, -EINVAL,
					      "%s: link-local addresses need an "
					      "interface; not usable as a jail "
					      "address on the shared stack", s);
		}
		int r = cell_ip6_check(&p->ip6[k], 128, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cell_sa_attach(int cgroup_fd, const struct cell_sa_policy *pol,
		   struct cell_sa_progs *out, struct cell_error *err)
{
	cell_sa_progs_init(out);
	int r = policy_check(pol, err);
	if (r < 0)
		return r;
	if (cgroup_fd < 0)
		return cell_error_set(err, -EBADF, "no cgroup directory given");
	_cleanup_free_ char *log = malloc(8192);
	struct cell_sa_progs p;
	cell_sa_progs_init(&p);
	bool attached[CELL_SA_NHOOKS] = { false };
	for (int h = 0; h < CELL_SA_NHOOKS; h++) {
		if (!needed(pol, h))
			continue;
		struct pb b;
		pb_init(&b);
		hooks[h].build(&b, pol);
		r = finish(&b);
		if (r < 0) {
			pb_free(&b);
			r = cell_error_set(err, r, "building %s",
					   hooks[h].name);
			goto undo;
		}
		int fd = prog_load(h, &b, log, log ? 8192 : 0);
		pb_free(&b);
		if (fd < 0) {
			const char *why = "";
			if (log && log[0]) {
				size_t l = strlen(log);
				while (l && log[l - 1] == '\n')
					log[--l] = '\0';
				/* the complaint is the line before the
				 * "processed N insns" summary */
				char *nl = strrchr(log, '\n');
				if (nl && strstr(nl, "processed ")) {
					*nl = '\0';
					char *p2 = strrchr(log, '\n');
					why = p2 ? p2 + 1 : log;
				} else {
					why = nl ? nl + 1 : log;
				}
			}
			r = cell_error_errno(err, fd, "loading BPF program %s%s%s",
					     hooks[h].name, *why ? ": " : "",
					     why);
			goto undo;
		}
		p.fd[h] = fd;
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cgroup_fd;
		a.attach_bpf_fd = (uint32_t)fd;
		a.attach_type = hooks[h].attach;
		a.attach_flags = BPF_F_ALLOW_MULTI;
		r = bpf_sys(BPF_PROG_ATTACH, &a);
		if (r < 0) {
			r = cell_error_errno(err, r, "attaching %s to the "
					     "cgroup", hooks[h].name);
			goto undo;
		}
		attached[h] = true;
	}
	*out = p;
	return 0;
undo:
	for (int h = 0; h < CELL_SA_NHOOKS; h++) {
		if (attached[h])
			detach_one(cgroup_fd, h, p.fd[h]);
		if (p.fd[h] >= 0)
			close(p.fd[h]);
	}
	return r;
}

int cell_sa_detach(int cgroup_fd, struct cell_sa_progs *p,
		   struct cell_error *err)
{
	int first = 0;
	for (int h = 0; h < CELL_SA_NHOOKS; h++) {
		if (p->fd[h] < 0)
			continue;
		int r = detach_one(cgroup_fd, h, p->fd[h]);
		if (r < 0 && r != -ENOENT && !first)
			first = cell_error_errno(err, r, "detaching %s",
						 hooks[h].name);
		close(p->fd[h]);
		p->fd[h] = -1;
	}
	return first;
}

int cell_sa_detach_all(int cgroup_fd, struct cell_error *err)
{
	int first = 0;
	for (int h = 0; h < CELL_SA_NHOOKS; h++) {
		uint32_t ids[64];
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (uint32_t)cgroup_fd;
		a.query.attach_type = hooks[h].attach;
		a.query.prog_ids = (uint64_t)(uintptr_t)ids;
		a.query.prog_cnt = ARRAY_SIZE(ids);
		int r = bpf_sys(BPF_PROG_QUERY, &a);
		if (r < 0) {
			if (!first)
				first = cell_error_errno(err, r,
							 "querying the cgroup's "
							 "BPF programs");
			continue;
		}
		uint32_t cnt = a.query.prog_cnt;
		if (cnt > ARRAY_SIZE(ids))
			cnt = ARRAY_SIZE(ids);
		for (uint32_t k = 0; k < cnt; k++) {
			union bpf_attr g;
			memset(&g, 0, sizeof(g));
			g.prog_id = ids[k];
			_cleanup_close_ int fd = bpf_sys(BPF_PROG_GET_FD_BY_ID,
							 &g);
			if (fd < 0)
				continue;
			struct bpf_prog_info info;
			memset(&info, 0, sizeof(info));
			union bpf_attr q;
			memset(&q, 0, sizeof(q));
			q.info.bpf_fd = (uint32_t)fd;
			q.info.info_len = sizeof(info);
			q.info.info = (uint64_t)(uintptr_t)&info;
			if (bpf_sys(BPF_OBJ_GET_INFO_BY_FD, &q) < 0)
				continue;
			if (strncmp(info.name, "cell_sa_", 8))
				continue;
			r = detach_one(cgroup_fd, h, fd);
			if (r < 0 && r != -ENOENT && !first)
				first = cell_error_errno(err, r,
							 "detaching %s",
							 info.name);
		}
	}
	return first;
}
