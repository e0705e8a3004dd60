/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The jail's seccomp filter, shorter: the system calls it allows whatever
 * their arguments, as ranges of numbers in front of libseccomp's filter.
 *
 * libseccomp lays an allowlist out as one compare per system call: about
 * 300 here, 425 instructions with the argument rules. The kernel checks,
 * converts and JIT-compiles every instruction at each load (a jail's
 * init and every process jexec starts), and that cost grows with the
 * length: about 0.14 ms for those 425. The allowed numbers form a few
 * dozen ranges (36 for the default policy), so a binary search over the
 * ranges' bounds says "allowed" in some 80 instructions, and libseccomp's
 * filter, built from the rest of the rules only (those with argument
 * conditions, other actions, the default, other architectures), follows
 * for every call the head does not allow.
 *
 * The head allows a call only on the native architecture (x86_64), below
 * the x32 bit, and only when its number is in a range; anything else
 * falls through to libseccomp's filter unchanged. unit-policy runs this
 * layout and libseccomp's plain one over every system call number, on
 * every architecture's entry points and the x32 ones, with the argument
 * values the rules look at: the verdicts are the same.
 */
#include "policy.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define X32_SYSCALL_BIT 0x40000000u
#define T_ALLOW (-1)
#define T_FALL (-2)

struct interval {
	uint32_t start;          /* first number; the next one's start ends it */
	bool allow;
};

struct gen {
	struct sock_filter *f;
	unsigned n;
	struct fixup {
		unsigned at;
		int jt, jf;      /* targets: an instruction, T_ALLOW, T_FALL */
	} *fix;
	unsigned nfix;
};

/* The subtree deciding among intervals lo..hi: its first instruction, or
 * T_ALLOW / T_FALL when one interval is left (no instruction). */
static int emit(struct gen *g, const struct interval *iv, int lo, int hi)
{
	if (lo == hi)
		return iv[lo].allow ? T_ALLOW : T_FALL;
	int mid = (lo + hi + 1) / 2;
	unsigned at = g->n++;
	g->f[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
						iv[mid].start, 0, 0);
	int left = emit(g, iv, lo, mid - 1);
	int right = emit(g, iv, mid, hi);
	g->fix[g->nfix++] = (struct fixup){ at, right, left };
	return (int)at;
}

static int offset(unsigned at, int target, unsigned allow_at)
{
	unsigned to = target == T_ALLOW ? allow_at
		      : target == T_FALL ? allow_at + 1
					 : (unsigned)target;
	return (int)to - (int)at - 1;
}

int cell_bpf_prepend_ranges(const uint8_t *allowed, unsigned nbits,
			    struct sock_fprog *prog)
{
#if defined(__x86_64__) && !defined(__ILP32__) /* not an x32 build */
	/* the intervals over [0, X32_SYSCALL_BIT): allowed runs and gaps */
	struct interval *iv = calloc(nbits + 2, sizeof(*iv));
	if (!iv)
		return -ENOMEM;
	int niv = 0;
	for (unsigned nr = 0; nr < nbits; nr++) {
		bool a = allowed[nr / 8] & (1u << (nr % 8));
		if (niv == 0 || iv[niv - 1].allow != a)
			iv[niv++] = (struct interval){ nr, a };
	}
	if (niv == 0 || iv[niv - 1].allow)
		iv[niv++] = (struct interval){ nbits, false };
	/* head: arch, x32, the search (one node per interval but one), the
	 * allow; then the tail, libseccomp's filter */
	unsigned head_max = 4 + (unsigned)niv + 1;
	unsigned total = head_max + prog->len;
	if (total > BPF_MAXINSNS) {
		free(iv);
		return -E2BIG;
	}
	struct gen g = { calloc(total, sizeof(*g.f)), 0,
			 calloc((size_t)niv + 1, sizeof(*g.fix)), 0 };
	if (!g.f || !g.fix) {
		free(g.f);
		free(g.fix);
		free(iv);
		return -ENOMEM;
	}
	g.f[g.n++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	unsigned arch_at = g.n++;
	g.f[g.n++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	unsigned x32_at = g.n++;
	int root = emit(&g, iv, 0, niv - 1);
	unsigned allow_at = g.n++;
	g.f[allow_at] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						     SECCOMP_RET_ALLOW);
	g.f[arch_at] = (struct sock_filter)BPF_JUMP(
		BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0,
		(unsigned char)offset(arch_at, T_FALL, allow_at));
	/* x32 entry points: never the head's; a root that is a leaf needs
	 * its target from here */
	int first = root >= 0 ? (int)x32_at + 1 : root;
	g.f[x32_at] = (struct sock_filter)BPF_JUMP(
		BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT,
		(unsigned char)offset(x32_at, T_FALL, allow_at),
		(unsigned char)offset(x32_at, first, allow_at));
	int bad = 0;
	for (unsigned i = 0; i < g.nfix; i++) {
		int jt = offset(g.fix[i].at, g.fix[i].jt, allow_at);
		int jf = offset(g.fix[i].at, g.fix[i].jf, allow_at);
		if (jt < 0 || jt > 255 || jf < 0 || jf > 255)
			bad = 1;
		g.f[g.fix[i].at].jt = (unsigned char)jt;
		g.f[g.fix[i].at].jf = (unsigned char)jf;
	}
	if (offset(arch_at, T_FALL, allow_at) > 255)
		bad = 1;
	free(g.fix);
	free(iv);
	if (bad) {
		/* a search too wide for 8-bit jumps: keep libseccomp's */
		free(g.f);
		return -E2BIG;
	}
	memcpy(g.f + g.n, prog->filter, prog->len * sizeof(*g.f));
	free(prog->filter);
	prog->filter = g.f;
	prog->len = (unsigned short)(g.n + prog->len);
	return 0;
#else
	(void)allowed;
	(void)nbits;
	(void)prog;
	return -EOPNOTSUPP;
#endif
}
