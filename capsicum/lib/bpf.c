/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small classic-BPF assembler for seccomp filters.  Conditional jumps
 * are always "skip one / fall into an unconditional JA", so targets may
 * be any distance away; labels are resolved in bpf_finish().
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

void bpf_init(struct bpf_prog *p)
{
	memset(p, 0, sizeof(*p));
}

void bpf_free(struct bpf_prog *p)
{
	free(p->insn);
	free(p->labels);
	free(p->fix);
	memset(p, 0, sizeof(*p));
}

static void *grow(void *ptr, size_t *cap, size_t need, size_t elem, bool *oom)
{
	if (need <= *cap)
		return ptr;
	size_t ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(ptr, ncap * elem);
	if (!n) {
		*oom = true;
		return ptr;
	}
	*cap = ncap;
	return n;
}

int bpf_label(struct bpf_prog *p)
{
	p->labels = grow(p->labels, &p->lcap, p->nlabels + 1,
			 sizeof(*p->labels), &p->oom);
	if (p->oom)
		return 0;
	p->labels[p->nlabels] = -1;
	return (int)p->nlabels++;
}

void bpf_place(struct bpf_prog *p, int label)
{
	if (p->oom || (size_t)label >= p->nlabels)
		return;
	p->labels[label] = (long)p->len;
}

static void emit(struct bpf_prog *p, struct sock_filter f)
{
	p->insn = grow(p->insn, &p->cap, p->len + 1, sizeof(*p->insn), &p->oom);
	if (p->oom)
		return;
	p->insn[p->len++] = f;
}

void bpf_stmt(struct bpf_prog *p, uint16_t code, uint32_t k)
{
	emit(p, (struct sock_filter)BPF_STMT(code, k));
}

void bpf_jump(struct bpf_prog *p, uint16_t code, uint32_t k, uint8_t jt,
	      uint8_t jf)
{
	emit(p, (struct sock_filter)BPF_JUMP(code, k, jt, jf));
}

void bpf_ret(struct bpf_prog *p, uint32_t action)
{
	bpf_stmt(p, BPF_RET | BPF_K, action);
}

void bpf_ld(struct bpf_prog *p, uint32_t offset)
{
	bpf_stmt(p, BPF_LD | BPF_W | BPF_ABS, offset);
}

void bpf_ld_nr(struct bpf_prog *p)
{
	bpf_ld(p, offsetof(struct seccomp_data, nr));
}

void bpf_ld_arg(struct bpf_prog *p, unsigned int arg, bool high)
{
	uint32_t off = offsetof(struct seccomp_data, args) + 8 * arg;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	off += high ? 4 : 0;
#else
	off += high ? 0 : 4;
#endif
	bpf_ld(p, off);
}

void bpf_goto(struct bpf_prog *p, int label)
{
	p->fix = grow(p->fix, &p->fcap, p->nfix + 1, sizeof(*p->fix), &p->oom);
	if (p->oom)
		return;
	p->fix[p->nfix].at = p->len;
	p->fix[p->nfix].label = label;
	p->nfix++;
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0));
}

static void jcond(struct bpf_prog *p, uint16_t op, uint32_t k, bool when,
		  int label)
{
	/* when true: jump if condition holds */
	if (when)
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 1));
	else
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | op | BPF_K, k, 1, 0));
	bpf_goto(p, label);
}

void bpf_jeq(struct bpf_prog *p, uint32_t k, int label)
{
	jcond(p, BPF_JEQ, k, true, label);
}

void bpf_jne(struct bpf_prog *p, uint32_t k, int label)
{
	jcond(p, BPF_JEQ, k, false, label);
}

void bpf_jset(struct bpf_prog *p, uint32_t k, int label)
{
	jcond(p, BPF_JSET, k, true, label);
}

void bpf_jclear(struct bpf_prog *p, uint32_t k, int label)
{
	jcond(p, BPF_JSET, k, false, label);
}

void bpf_jge(struct bpf_prog *p, uint32_t k, int label)
{
	jcond(p, BPF_JGE, k, true, label);
}

void bpf_check_arch(struct bpf_prog *p, uint32_t err)
{
	bpf_ld(p, offsetof(struct seccomp_data, arch));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					     CAPSICUM_AUDIT_ARCH, 1, 0));
	bpf_ret(p, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA));
	bpf_ld_nr(p);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
					     CAPSICUM_X32_BIT, 0, 1));
	bpf_ret(p, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA));
}

int bpf_finish(struct bpf_prog *p)
{
	if (p->oom)
		return -ENOMEM;
	for (size_t i = 0; i < p->nfix; i++) {
		size_t at = p->fix[i].at;
		long target = p->labels[p->fix[i].label];
		if (target < 0 || (size_t)target <= at)
			return -EINVAL;
		p->insn[at].k = (uint32_t)(target - (long)at - 1);
	}
	if (p->len > BPF_MAXINSNS)
		return -E2BIG;
	return 0;
}
