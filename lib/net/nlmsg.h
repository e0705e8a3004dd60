/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netlink messages built in, and read from, caller-owned buffers: the few
 * pieces of libmnl that lib/net used, kept in-house so that no front end
 * maps a shared object for them at every exec.
 *
 * Building never writes past the buffer: a put that does not fit writes
 * nothing, returns -EMSGSIZE (or NULL) and marks the message, and every
 * later put fails too, so a half-built message cannot go out looking
 * whole; cell_nl_send() refuses a marked message. Reading never reads past
 * the bytes given: messages and attributes whose length fields claim more
 * than is there end the walk.
 */
#ifndef CELL_NET_NLMSG_H
#define CELL_NET_NLMSG_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- building ---------------------------------------------------------- */

struct nl_msg {
	struct nlmsghdr *nlh;    /* at the start of the caller's buffer */
	size_t cap;              /* the buffer's size in bytes */
	int err;                 /* 0, or the first failed put's errno */
};

/* The buffer a request is built in: aligned for struct nlmsghdr. */
#define NL_MSG_BUF(name, size) _Alignas(struct nlmsghdr) char name[size]

/* Start a message (header only, nlmsg_len = NLMSG_HDRLEN) in buf. A
 * buffer too small for the header (-EMSGSIZE) or misaligned (-EINVAL)
 * leaves the message marked with that error. */
int nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type,
		uint16_t flags);
/* Append len zeroed bytes (padded to NLMSG_ALIGNTO): the family header
 * (ifinfomsg, ifaddrmsg, rtmsg), or one inside a nest (veth's peer).
 * NULL when it does not fit. */
void *nl_msg_put_extra(struct nl_msg *m, size_t len);

int nl_attr_put(struct nl_msg *m, uint16_t type, size_t len,
		const void *data);
int nl_attr_put_u8(struct nl_msg *m, uint16_t type, uint8_t v);
int nl_attr_put_u16(struct nl_msg *m, uint16_t type, uint16_t v);
int nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
/* The string and its NUL, as the kernel's NLA_NUL_STRING / NLA_STRING
 * policies expect of names. */
int nl_attr_put_strz(struct nl_msg *m, uint16_t type, const char *s);
/* Open a nested attribute (type | NLA_F_NESTED); NULL when it does not
 * fit. nl_attr_nest_end() sets its length to cover what was put since;
 * a NULL nest is ignored (the message is marked already). */
struct nlattr *nl_attr_nest_start(struct nl_msg *m, uint16_t type);
void nl_attr_nest_end(struct nl_msg *m, struct nlattr *nest);

/* ---- reading ----------------------------------------------------------- */

/* Whether a whole message starts at nlh within len bytes. */
bool nl_msg_ok(const struct nlmsghdr *nlh, size_t len);
/* The message after nlh; *len is what is left after it (0 at the end). */
const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nlh, size_t *len);
/* nlh's payload when it holds at least len bytes, else NULL. */
const void *nl_msg_payload(const struct nlmsghdr *nlh, size_t len);

/* A walk over the attributes of one message, or of one nest. */
struct nl_attr_iter {
	const unsigned char *pos;
	size_t left;             /* bytes from pos to the end */
	bool bad;                /* stopped at a malformed attribute */
};

/* The attributes after the message's family header of hdrlen bytes (none
 * when the message is shorter than that header). */
void nl_attr_iter_msg(struct nl_attr_iter *it, const struct nlmsghdr *nlh,
		      size_t hdrlen);
/* The attributes inside a nest. */
void nl_attr_iter_nested(struct nl_attr_iter *it, const struct nlattr *nest);
/* The next attribute, or NULL at the end or at the first attribute whose
 * length is below its header or beyond the bytes left (it->bad then). */
const struct nlattr *nl_attr_next(struct nl_attr_iter *it);

/* Type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
uint16_t nl_attr_type(const struct nlattr *a);
const void *nl_attr_payload(const struct nlattr *a);
size_t nl_attr_payload_len(const struct nlattr *a);
/* Payload of exactly 4 bytes into *v: 0, else -ERANGE. */
int nl_attr_get_u32(const struct nlattr *a, uint32_t *v);
/* A non-empty payload (libmnl's MNL_TYPE_STRING). */
bool nl_attr_is_string(const struct nlattr *a);
/* A non-empty payload ending in NUL (MNL_TYPE_NUL_STRING). */
bool nl_attr_is_strz(const struct nlattr *a);

/* What a cell_nl_dump() callback returns. */
enum { NL_CB_ERROR = -1, NL_CB_STOP = 0, NL_CB_OK = 1 };

#endif
