/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netlink message building and reading with bounds checks; see nlmsg.h.
 * Sizes are compared before any pointer is advanced, so no pointer beyond
 * the buffer is ever formed.
 */
#include "net/nlmsg.h"

#include <errno.h>
#include <string.h>

int nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type,
		uint16_t flags)
{
	m->nlh = buf;
	m->cap = cap;
	m->err = 0;
	/* nlmsg_len is 32 bits: a larger buffer could not be described */
	if (cap < NLMSG_HDRLEN || cap > UINT32_MAX)
		return m->err = -EMSGSIZE;
	if ((uintptr_t)buf % NLMSG_ALIGNTO)
		return m->err = -EINVAL;
	memset(buf, 0, NLMSG_HDRLEN);
	m->nlh->nlmsg_len = NLMSG_HDRLEN;
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = flags;
	return 0;
}

/* Reserve len bytes, padded, at the message's tail and zero them (the
 * padding goes to the kernel too). */
static void *room(struct nl_msg *m, size_t len)
{
	if (m->err)
		return NULL;
	size_t used = m->nlh->nlmsg_len;   /* always aligned */
	/* len <= cap - used first: NLMSG_ALIGN computes in 32 bits, and a
	 * length near 4 GiB would align to 0 */
	if (used > m->cap || len > m->cap - used ||
	    NLMSG_ALIGN(len) > m->cap - used || NLMSG_ALIGN(len) < len) {
		m->err = -EMSGSIZE;
		return NULL;
	}
	void *p = (char *)m->nlh + used;
	memset(p, 0, NLMSG_ALIGN(len));
	m->nlh->nlmsg_len = (uint32_t)(used + NLMSG_ALIGN(len));
	return p;
}

void *nl_msg_put_extra(struct nl_msg *m, size_t len)
{
	return room(m, len);
}

int nl_attr_put(struct nl_msg *m, uint16_t type, size_t len,
		const void *data)
{
	if (m->err)
		return m->err;
	/* nla_len is 16 bits */
	if (len > UINT16_MAX - NLA_HDRLEN)
		return m->err = -EMSGSIZE;
	struct nlattr *a = room(m, NLA_HDRLEN + len);
	if (!a)
		return m->err;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	return 0;
}

int nl_attr_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	return nl_attr_put(m, type, sizeof(v), &v);
}

int nl_attr_put_u16(struct nl_msg *m, uint16_t type, uint16_t v)
{
	return nl_attr_put(m, type, sizeof(v), &v);
}

int nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	return nl_attr_put(m, type, sizeof(v), &v);
}

int nl_attr_put_strz(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_attr_put(m, type, strlen(s) + 1, s);
}

struct nlattr *nl_attr_nest_start(struct nl_msg *m, uint16_t type)
{
	struct nlattr *a = room(m, NLA_HDRLEN);
	if (!a)
		return NULL;
	/* NLA_F_NESTED: the kernel's strict validation wants it on nests */
	a->nla_type = (uint16_t)(type | NLA_F_NESTED);
	a->nla_len = NLA_HDRLEN;
	return a;
}

void nl_attr_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	if (!nest || m->err)
		return;
	size_t len = m->nlh->nlmsg_len -
		     (size_t)((char *)nest - (char *)m->nlh);
	if (len > UINT16_MAX) {
		m->err = -EMSGSIZE;
		return;
	}
	nest->nla_len = (uint16_t)len;
}

bool nl_msg_ok(const struct nlmsghdr *nlh, size_t len)
{
	return len >= NLMSG_HDRLEN && nlh->nlmsg_len >= NLMSG_HDRLEN &&
	       nlh->nlmsg_len <= len;
}

const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nlh, size_t *len)
{
	size_t step = NLMSG_ALIGN((size_t)nlh->nlmsg_len);
	/* the last message of a datagram need not be padded */
	if (step > *len)
		step = *len;
	*len -= step;
	return (const struct nlmsghdr *)((const char *)nlh + step);
}

const void *nl_msg_payload(const struct nlmsghdr *nlh, size_t len)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN ||
	    nlh->nlmsg_len - NLMSG_HDRLEN < len)
		return NULL;
	return (const char *)nlh + NLMSG_HDRLEN;
}

static void iter_init(struct nl_attr_iter *it, const void *p, size_t len)
{
	it->pos = p;
	it->left = len;
	it->bad = false;
}

void nl_attr_iter_msg(struct nl_attr_iter *it, const struct nlmsghdr *nlh,
		      size_t hdrlen)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	if (hdrlen > nlh->nlmsg_len || nlh->nlmsg_len < off)
		iter_init(it, nlh, 0);
	else
		iter_init(it, (const char *)nlh + off, nlh->nlmsg_len - off);
}

void nl_attr_iter_nested(struct nl_attr_iter *it, const struct nlattr *nest)
{
	iter_init(it, (const char *)nest + NLA_HDRLEN,
		  nl_attr_payload_len(nest));
}

const struct nlattr *nl_attr_next(struct nl_attr_iter *it)
{
	if (it->left == 0)
		return NULL;
	const struct nlattr *a = (const struct nlattr *)it->pos;
	if (it->left < NLA_HDRLEN || a->nla_len < NLA_HDRLEN ||
	    a->nla_len > it->left) {
		it->bad = true;
		it->left = 0;
		return NULL;
	}
	size_t step = NLA_ALIGN((size_t)a->nla_len);
	if (step > it->left)
		step = it->left;
	it->pos += step;
	it->left -= step;
	return a;
}

uint16_t nl_attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

const void *nl_attr_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

size_t nl_attr_payload_len(const struct nlattr *a)
{
	/* a nest read through nl_attr_next() has nla_len >= NLA_HDRLEN */
	return a->nla_len >= NLA_HDRLEN ? a->nla_len - NLA_HDRLEN : 0;
}

int nl_attr_get_u32(const struct nlattr *a, uint32_t *v)
{
	if (nl_attr_payload_len(a) != sizeof(*v))
		return -ERANGE;
	memcpy(v, nl_attr_payload(a), sizeof(*v));
	return 0;
}

bool nl_attr_is_string(const struct nlattr *a)
{
	return nl_attr_payload_len(a) > 0;
}

bool nl_attr_is_strz(const struct nlattr *a)
{
	size_t l = nl_attr_payload_len(a);
	return l > 0 && ((const char *)nl_attr_payload(a))[l - 1] == '\0';
}
