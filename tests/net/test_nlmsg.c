/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lib/net/nlmsg.c's bounds: a put that does not fit writes nothing past
 * the buffer, fails, and marks the message so that it is never sent; a
 * reply whose length fields claim more than was received ends the walk
 * without reading past it. Replies are built in malloc'd buffers of their
 * exact size, so that an ASan build catches a read one byte too far. No
 * root needed (the one socket is NETLINK_ROUTE in the current netns, and
 * nothing is sent on it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "net/nlmsg.h"

#define CANARY 0xa5

/* A buffer of cap bytes for the message and 64 canary bytes after it. */
struct guarded {
	_Alignas(struct nlmsghdr) unsigned char b[256 + 64];
};

static void guard(struct guarded *g)
{
	memset(g->b, CANARY, sizeof(g->b));
}

static void assert_canary(const struct guarded *g, size_t cap)
{
	for (size_t i = cap; i < sizeof(g->b); i++)
		assert_int_equal(g->b[i], CANARY);
}

static void put_exactly_fills(void **state)
{
	(void)state;
	struct guarded g;
	guard(&g);
	/* header 16 + ifinfomsg 16 + one u32 attribute 8 */
	size_t cap = NLMSG_HDRLEN + sizeof(struct ifinfomsg) + NLA_HDRLEN + 4;
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, g.b, cap, RTM_NEWLINK, 0), 0);
	assert_non_null(nl_msg_put_extra(&m, sizeof(struct ifinfomsg)));
	assert_int_equal(nl_attr_put_u32(&m, IFLA_MTU, 1500), 0);
	assert_int_equal(m.nlh->nlmsg_len, cap);
	assert_int_equal(m.err, 0);
	assert_canary(&g, cap);
}

static void put_past_the_end_fails(void **state)
{
	(void)state;
	struct guarded g;
	guard(&g);
	size_t cap = 40;
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, g.b, cap, RTM_NEWLINK, 0), 0);
	assert_non_null(nl_msg_put_extra(&m, sizeof(struct ifinfomsg)));
	/* 32 used: a 5-byte string needs 4 + 8 (padded) = 12 > 8 left */
	assert_int_equal(nl_attr_put_strz(&m, IFLA_IFNAME, "eth0"),
			 -EMSGSIZE);
	assert_int_equal(m.nlh->nlmsg_len, 32);
	assert_int_equal(m.err, -EMSGSIZE);
	/* sticky: what would still fit fails too, and nothing is written */
	assert_int_equal(nl_attr_put_u8(&m, 1, 1), -EMSGSIZE);
	assert_int_equal(nl_attr_put_u16(&m, 1, 1), -EMSGSIZE);
	assert_null(nl_attr_nest_start(&m, IFLA_LINKINFO));
	nl_attr_nest_end(&m, NULL);
	assert_null(nl_msg_put_extra(&m, 4));
	assert_int_equal(m.nlh->nlmsg_len, 32);
	for (size_t i = 32; i < sizeof(g.b); i++)
		assert_int_equal(g.b[i], CANARY);
}

static void put_padding_past_the_end_fails(void **state)
{
	(void)state;
	struct guarded g;
	guard(&g);
	/* 16 + 4 + 5 = 25 bytes would fit in 26, but the padding to 28
	 * would not: refused */
	size_t cap = 26;
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, g.b, cap, RTM_NEWLINK, 0), 0);
	assert_int_equal(nl_attr_put(&m, 1, 5, "abcde"), -EMSGSIZE);
	assert_canary(&g, NLMSG_HDRLEN);
}

static void nest_past_the_end_fails(void **state)
{
	(void)state;
	struct guarded g;
	guard(&g);
	size_t cap = NLMSG_HDRLEN + NLA_HDRLEN + NLA_HDRLEN + 4;
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, g.b, cap, RTM_NEWLINK, 0), 0);
	struct nlattr *n = nl_attr_nest_start(&m, IFLA_LINKINFO);
	assert_non_null(n);
	assert_int_equal(nl_attr_put_u32(&m, 1, 7), 0);
	nl_attr_nest_end(&m, n);
	assert_int_equal(n->nla_len, NLA_HDRLEN + NLA_HDRLEN + 4);
	assert_int_equal(n->nla_type, IFLA_LINKINFO | NLA_F_NESTED);
	assert_null(nl_attr_nest_start(&m, IFLA_LINKINFO));
	assert_int_equal(m.err, -EMSGSIZE);
	assert_canary(&g, cap);
}

static void put_too_large_for_nla_len(void **state)
{
	(void)state;
	size_t cap = 70000;
	void *buf = malloc(cap);
	assert_non_null(buf);
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, buf, cap, RTM_NEWLINK, 0), 0);
	/* fits the buffer, not the 16-bit attribute length */
	assert_int_equal(nl_attr_put(&m, 1, 65535 - NLA_HDRLEN + 1, buf),
			 -EMSGSIZE);
	assert_int_equal(m.nlh->nlmsg_len, NLMSG_HDRLEN);
	free(buf);
}

/* a length near 4 GiB: NLMSG_ALIGN computes in 32 bits and aligns it to
 * 0, which must not pass for "fits" (the buffer here is small; the cap
 * claims 4 GiB, so a put that passed would point past it) */
static void put_near_4g_fails(void **state)
{
	(void)state;
	uint64_t store[8];
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, store, UINT32_MAX, RTM_NEWLINK, 0),
			 0);
	assert_null(nl_msg_put_extra(&m, 0xfffffffeu));
	assert_int_equal(m.err, -EMSGSIZE);
	assert_int_equal(m.nlh->nlmsg_len, NLMSG_HDRLEN);
}

static void init_refuses_small_or_misaligned(void **state)
{
	(void)state;
	struct guarded g;
	guard(&g);
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, g.b, NLMSG_HDRLEN - 1, 1, 0),
			 -EMSGSIZE);
	assert_canary(&g, 0);
	assert_int_equal(nl_attr_put_u32(&m, 1, 1), -EMSGSIZE);
	assert_canary(&g, 0);
	assert_int_equal(nl_msg_init(&m, g.b + 1, 64, 1, 0), -EINVAL);
	assert_canary(&g, 0);
}

static void padding_is_zeroed(void **state)
{
	(void)state;
	struct guarded g;
	guard(&g);
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, g.b, 64, RTM_NEWLINK, 0), 0);
	assert_int_equal(nl_attr_put_strz(&m, IFLA_IFNAME, "ab"), 0);
	const struct nlattr *a = (const void *)(g.b + NLMSG_HDRLEN);
	assert_int_equal(a->nla_len, NLA_HDRLEN + 3);
	assert_int_equal(m.nlh->nlmsg_len, NLMSG_HDRLEN + NLA_HDRLEN + 4);
	assert_int_equal(g.b[NLMSG_HDRLEN + NLA_HDRLEN + 3], 0);
}

/* A marked message never reaches the kernel. */
static void talk_refuses_marked(void **state)
{
	(void)state;
	struct cell_nl nl;
	struct cell_error err = { 0 };
	assert_int_equal(cell_nl_open(&nl, -1, &err), 0);
	NL_MSG_BUF(buf, 24);
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, 0);
	assert_null(nl_msg_put_extra(&m, sizeof(struct ifinfomsg)));
	assert_int_equal(cell_nl_talk(&nl, &m, "test", &err), -EMSGSIZE);
	assert_int_equal(err.code, -EMSGSIZE);
	cell_nl_close(&nl);
	assert_int_equal(nl.fd, -1);
}

/* ---- reading ---------------------------------------------------------- */

/* A copy of len bytes in a malloc'd buffer of exactly that size. */
static void *exact(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);
	assert_non_null(q);
	memcpy(q, p, len);
	return q;
}

/* RTM_NEWLINK with an ifinfomsg, IFLA_MTU and IFLA_LINKINFO{KIND}. */
static size_t build_link(void *buf, size_t cap)
{
	struct nl_msg m;
	assert_int_equal(nl_msg_init(&m, buf, cap, RTM_NEWLINK, 0), 0);
	assert_non_null(nl_msg_put_extra(&m, sizeof(struct ifinfomsg)));
	nl_attr_put_u32(&m, IFLA_MTU, 1500);
	struct nlattr *n = nl_attr_nest_start(&m, IFLA_LINKINFO);
	nl_attr_put_strz(&m, IFLA_INFO_KIND, "veth");
	nl_attr_nest_end(&m, n);
	assert_int_equal(m.err, 0);
	return m.nlh->nlmsg_len;
}

static void parse_whole(void **state)
{
	(void)state;
	NL_MSG_BUF(buf, 128);
	size_t len = build_link(buf, sizeof(buf));
	struct nlmsghdr *h = exact(buf, len);
	assert_true(nl_msg_ok(h, len));
	assert_non_null(nl_msg_payload(h, sizeof(struct ifinfomsg)));
	struct nl_attr_iter it;
	nl_attr_iter_msg(&it, h, sizeof(struct ifinfomsg));
	const struct nlattr *a = nl_attr_next(&it);
	assert_non_null(a);
	uint32_t v = 0;
	assert_int_equal(nl_attr_type(a), IFLA_MTU);
	assert_int_equal(nl_attr_get_u32(a, &v), 0);
	assert_int_equal(v, 1500);
	a = nl_attr_next(&it);
	assert_non_null(a);
	assert_int_equal(nl_attr_type(a), IFLA_LINKINFO);
	assert_int_equal(nl_attr_get_u32(a, &v), -ERANGE);
	struct nl_attr_iter nit;
	nl_attr_iter_nested(&nit, a);
	const struct nlattr *k = nl_attr_next(&nit);
	assert_non_null(k);
	assert_true(nl_attr_is_strz(k));
	assert_string_equal(nl_attr_payload(k), "veth");
	assert_null(nl_attr_next(&nit));
	assert_false(nit.bad);
	assert_null(nl_attr_next(&it));
	assert_false(it.bad);
	/* the last message of a datagram: nothing after it */
	size_t left = len;
	nl_msg_next(h, &left);
	assert_int_equal(left, 0);
	free(h);
}

/* The message is cut short and its length says so: the attribute that
 * claims more than is there stops the walk. */
static void parse_truncated_attr_stops(void **state)
{
	(void)state;
	NL_MSG_BUF(buf, 128);
	size_t len = build_link(buf, sizeof(buf));
	/* keep IFLA_MTU whole and the nest's header plus 4 bytes */
	size_t cut = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)) +
		     8 + NLA_HDRLEN + 4;
	assert_true(cut < len);
	((struct nlmsghdr *)(void *)buf)->nlmsg_len = (uint32_t)cut;
	struct nlmsghdr *h = exact(buf, cut);
	assert_true(nl_msg_ok(h, cut));
	struct nl_attr_iter it;
	nl_attr_iter_msg(&it, h, sizeof(struct ifinfomsg));
	assert_non_null(nl_attr_next(&it));          /* IFLA_MTU */
	assert_null(nl_attr_next(&it));              /* the nest: cut */
	assert_true(it.bad);
	assert_null(nl_attr_next(&it));
	free(h);
}

/* Inside a whole nest, an attribute whose length runs past the nest. */
static void parse_truncated_nested_stops(void **state)
{
	(void)state;
	NL_MSG_BUF(buf, 128);
	size_t len = build_link(buf, sizeof(buf));
	struct nlmsghdr *h = exact(buf, len);
	struct nl_attr_iter it;
	nl_attr_iter_msg(&it, h, sizeof(struct ifinfomsg));
	nl_attr_next(&it);
	const struct nlattr *n = nl_attr_next(&it);
	assert_non_null(n);
	/* IFLA_INFO_KIND claims 200 bytes */
	struct nlattr *k = (struct nlattr *)((char *)n + NLA_HDRLEN);
	k->nla_len = 200;
	struct nl_attr_iter nit;
	nl_attr_iter_nested(&nit, n);
	assert_null(nl_attr_next(&nit));
	assert_true(nit.bad);
	/* and one that claims less than its own header */
	k->nla_len = 2;
	nl_attr_iter_nested(&nit, n);
	assert_null(nl_attr_next(&nit));
	assert_true(nit.bad);
	free(h);
}

/* Fewer bytes left than an attribute header: stops, reads none of it. */
static void parse_short_tail_stops(void **state)
{
	(void)state;
	NL_MSG_BUF(buf, 128);
	struct nl_msg m;
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, 0);
	nl_attr_put_u32(&m, IFLA_MTU, 1);
	size_t len = m.nlh->nlmsg_len + 2;    /* 2 stray bytes */
	m.nlh->nlmsg_len = (uint32_t)len;
	struct nlmsghdr *h = exact(buf, len);
	struct nl_attr_iter it;
	nl_attr_iter_msg(&it, h, 0);
	assert_non_null(nl_attr_next(&it));
	assert_null(nl_attr_next(&it));
	assert_true(it.bad);
	free(h);
}

/* A message shorter than its family header has no payload and no
 * attributes; a message whose length runs past the datagram is not
 * whole. */
static void parse_short_message(void **state)
{
	(void)state;
	NL_MSG_BUF(buf, 128);
	size_t len = build_link(buf, sizeof(buf));
	struct nlmsghdr *full = (struct nlmsghdr *)(void *)buf;
	full->nlmsg_len = NLMSG_HDRLEN + 8;
	struct nlmsghdr *h = exact(buf, NLMSG_HDRLEN + 8);
	assert_true(nl_msg_ok(h, NLMSG_HDRLEN + 8));
	assert_null(nl_msg_payload(h, sizeof(struct ifinfomsg)));
	struct nl_attr_iter it;
	nl_attr_iter_msg(&it, h, sizeof(struct ifinfomsg));
	assert_null(nl_attr_next(&it));
	assert_false(it.bad);
	free(h);

	full->nlmsg_len = (uint32_t)len;
	h = exact(buf, len - 1);
	assert_false(nl_msg_ok(h, len - 1));
	assert_false(nl_msg_ok(h, NLMSG_HDRLEN - 1));
	full->nlmsg_len = 3;              /* below its own header */
	assert_false(nl_msg_ok(full, len));
	free(h);
}

/* Two messages; the walk visits both and ends with nothing left. */
static void walk_two_messages(void **state)
{
	(void)state;
	NL_MSG_BUF(buf, 256);
	size_t l1 = build_link(buf, 128);
	size_t l2 = build_link(buf + l1, 128);
	unsigned char *d = exact(buf, l1 + l2);
	size_t left = l1 + l2;
	int n = 0;
	for (const struct nlmsghdr *h = (void *)d; nl_msg_ok(h, left);
	     h = nl_msg_next(h, &left))
		n++;
	assert_int_equal(n, 2);
	assert_int_equal(left, 0);
	free(d);
}

static void attr_kinds(void **state)
{
	(void)state;
	_Alignas(struct nlattr) unsigned char b[16] = { 0 };
	struct nlattr *a = (struct nlattr *)(void *)b;
	a->nla_len = NLA_HDRLEN;
	a->nla_type = 3 | NLA_F_NESTED;
	assert_int_equal(nl_attr_type(a), 3);
	assert_false(nl_attr_is_string(a));
	assert_false(nl_attr_is_strz(a));
	a->nla_len = NLA_HDRLEN + 2;
	memcpy(b + NLA_HDRLEN, "ab", 2);
	assert_true(nl_attr_is_string(a));
	assert_false(nl_attr_is_strz(a));
	uint32_t v;
	assert_int_equal(nl_attr_get_u32(a, &v), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_exactly_fills),
		cmocka_unit_test(put_past_the_end_fails),
		cmocka_unit_test(put_padding_past_the_end_fails),
		cmocka_unit_test(nest_past_the_end_fails),
		cmocka_unit_test(put_too_large_for_nla_len),
		cmocka_unit_test(put_near_4g_fails),
		cmocka_unit_test(init_refuses_small_or_misaligned),
		cmocka_unit_test(padding_is_zeroed),
		cmocka_unit_test(talk_refuses_marked),
		cmocka_unit_test(parse_whole),
		cmocka_unit_test(parse_truncated_attr_stops),
		cmocka_unit_test(parse_truncated_nested_stops),
		cmocka_unit_test(parse_short_tail_stops),
		cmocka_unit_test(parse_short_message),
		cmocka_unit_test(walk_two_messages),
		cmocka_unit_test(attr_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
