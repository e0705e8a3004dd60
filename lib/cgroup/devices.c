/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Device access control: the v1 devices controller, and on v2 a
 * BPF_PROG_TYPE_CGROUP_DEVICE program assembled here from raw instructions.
 *
 * The program reads struct bpf_cgroup_dev_ctx { access_type = access << 16 |
 * type, major, minor } and returns 1 (allow) when a rule matches, else 0.
 * Every rule allows, so their order does not matter, and they are grouped
 * by (type, access): a group checks those once, then each of its rules is
 * one compare that jumps to "allow":
 *
 *	r2 = ctx->access_type & 0xffff      type
 *	r3 = ctx->access_type >> 16         requested access
 *	r4 = ctx->major; r5 = ctx->minor; w6 = major << 20 | minor
 *	per group: if r2 != TYPE goto next            (unless type 'a')
 *	           w1 = r3 & ~ACCESS; if w1 goto next (access not granted)
 *	           if w6 == MAJOR:MINOR goto allow    (a rule naming both)
 *	           if w4 == MAJOR goto allow          (minor '*')
 *	           if w5 == MINOR goto allow          (major '*')
 *	           goto allow                         (both '*')
 *	next: ...  return 0
 *	allow:     return 1
 *
 * Why this shape: the kernel verifies the program at every load, walking
 * each path, and loading is on the critical path of every jail's create.
 * The first layout (a block of up to five compares per rule) cost the
 * verifier 150-230 us for the eight rules of devfs ruleset 4 on this
 * machine's 6.18 kernel; this one about 50 us (test_cgroup_fake replays
 * every layout through an evaluator against the rules' meaning).
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })
#define LDX_W(d, s, o)      INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_K(op, d, i)   INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_X(d, s)       INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_K(d, i)       INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JNE_K(d, i, o)      INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT()              INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define DEV_ALL (CELL_DEV_MKNOD | CELL_DEV_READ | CELL_DEV_WRITE)

static int parse_num(const char *s, size_t len, int64_t *out)
{
	if (len == 1 && s[0] == '*') {
		*out = CELL_DEV_WILDCARD;
		return 0;
	}
	if (len == 0 || len > 7)
		return -EINVAL;
	int64_t v = 0;
	for (size_t k = 0; k < len; k++) {
		if (!isdigit((unsigned char)s[k]))
			return -EINVAL;
		v = v * 10 + (s[k] - '0');
	}
	*out = v;
	return 0;
}

int cell_dev_rule_parse(const char *s, struct cell_dev_rule *rule)
{
	if (!s || !rule)
		return -EINVAL;
	struct cell_dev_rule r = { 0, CELL_DEV_WILDCARD, CELL_DEV_WILDCARD,
				   DEV_ALL };
	if (s[0] != 'a' && s[0] != 'b' && s[0] != 'c')
		return -EINVAL;
	r.type = s[0];
	s++;
	if (*s) {
		if (*s != ' ')
			return -EINVAL;
		s++;
		const char *colon = strchr(s, ':');
		if (!colon)
			return -EINVAL;
		size_t ml = strcspn(colon + 1, " ");
		if (parse_num(s, (size_t)(colon - s), &r.major) < 0 ||
		    parse_num(colon + 1, ml, &r.minor) < 0)
			return -EINVAL;
		s = colon + 1 + ml;
		if (*s) {
			if (*s != ' ' || !s[1])
				return -EINVAL;
			r.access = 0;
			for (s++; *s; s++) {
				unsigned bit = *s == 'r' ? CELL_DEV_READ :
					       *s == 'w' ? CELL_DEV_WRITE :
					       *s == 'm' ? CELL_DEV_MKNOD : 0;
				if (!bit || (r.access & bit))
					return -EINVAL;
				r.access |= bit;
			}
		}
	}
	if (r.major > 0xfff || r.minor > 0xfffff)
		return -ERANGE;
	*rule = r;
	return 0;
}

static bool rule_ok(const struct cell_dev_rule *r)
{
	return (r->type == 'a' || r->type == 'b' || r->type == 'c') &&
	       !(r->access & ~DEV_ALL) &&
	       (r->major == CELL_DEV_WILDCARD ||
		(r->major >= 0 && r->major <= 0xfff)) &&
	       (r->minor == CELL_DEV_WILDCARD ||
		(r->minor >= 0 && r->minor <= 0xfffff));
}

/* --- v1 ------------------------------------------------------------------- */

static void access_str(unsigned a, char out[4])
{
	size_t k = 0;
	if (a & CELL_DEV_READ)
		out[k++] = 'r';
	if (a & CELL_DEV_WRITE)
		out[k++] = 'w';
	if (a & CELL_DEV_MKNOD)
		out[k++] = 'm';
	out[k] = '\0';
}

static void num_str(int64_t v, char out[16])
{
	if (v == CELL_DEV_WILDCARD)
		snprintf(out, 16, "*");
	else
		snprintf(out, 16, "%lld", (long long)v);
}

static int v1_devices(struct cell_cgroup *cg, int i,
		      const struct cell_dev_rule *rules, size_t n,
		      struct cell_error *err)
{
	char deny[PATH_MAX], allow[PATH_MAX];
	if (cg_path(cg, (size_t)i, "devices.deny", deny, sizeof(deny)) < 0 ||
	    cg_path(cg, (size_t)i, "devices.allow", allow, sizeof(allow)) < 0)
		return cell_error_set(err, -ENAMETOOLONG, "cgroup %s", cg->rel);
	int r = cg_write(deny, "a");
	if (r < 0)
		return cell_error_errno(err, r, "writing \"a\" to %s", deny);
	for (size_t k = 0; k < n; k++) {
		if (!rules[k].access)
			continue;
		char acc[4], maj[16], min[16], line[64];
		access_str(rules[k].access, acc);
		num_str(rules[k].major, maj);
		num_str(rules[k].minor, min);
		/* v1 reads a bare "a" as everything: spell out c and b */
		for (const char *t = rules[k].type == 'a' ? "cb" :
		     (rules[k].type == 'c' ? "c" : "b"); *t; t++) {
			snprintf(line, sizeof(line), "%c %s:%s %s", *t, maj,
				 min, acc);
			r = cg_write(allow, line);
			if (r < 0)
				return cell_error_errno(err, r,
							"writing \"%s\" to %s",
							line, allow);
		}
	}
	return 0;
}

/* --- v2 ------------------------------------------------------------------- */

static int bpf_sys(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

/* Build the program; *out is malloc'd. */
#define JMP32_K(op, d, i, o) INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define ALU32_X(op, d, s)   INSN(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define JA(o)               INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)

/* a jump whose target is known later: its index, to patch .off */
struct dev_fixups {
	size_t at[CELL_DEV_RULES_MAX + 2];
	size_t n;
};

static void dev_patch(struct bpf_insn *p, struct dev_fixups *f, size_t to)
{
	for (size_t i = 0; i < f->n; i++)
		p[f->at[i]].off = (int16_t)(to - f->at[i] - 1);
	f->n = 0;
}

int cell_dev_prog_build(const struct cell_dev_rule *rules, size_t n,
			struct bpf_insn **out, size_t *cnt)
{
	if (n > CELL_DEV_RULES_MAX)
		return -E2BIG;
	/* 9 loads and the two exits, per group 4 checks, per rule 1 */
	size_t cap = 13 + n * 5;
	_cleanup_free_ struct bpf_insn *p = calloc(cap, sizeof(*p));
	_cleanup_free_ struct dev_fixups *allow = calloc(1, sizeof(*allow));
	_cleanup_free_ struct dev_fixups *next = calloc(1, sizeof(*next));
	_cleanup_free_ bool *done = calloc(n ? n : 1, sizeof(*done));
	if (!p || !allow || !next || !done)
		return -ENOMEM;
	size_t k = 0;
	p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);
	p[k++] = ALU32_K(BPF_AND, BPF_REG_2, 0xffff);
	p[k++] = LDX_W(BPF_REG_3, BPF_REG_1, 0);
	p[k++] = ALU32_K(BPF_RSH, BPF_REG_3, 16);
	p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);
	p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);
	p[k++] = MOV32_X(BPF_REG_6, BPF_REG_4);
	p[k++] = ALU32_K(BPF_LSH, BPF_REG_6, 20);
	p[k++] = ALU32_X(BPF_OR, BPF_REG_6, BPF_REG_5);
	for (size_t g = 0; g < n; g++) {
		if (done[g] || !rules[g].access)
			continue;
		/* the group of rule g: every later rule of its type and
		 * access joins it */
		char type = rules[g].type;
		unsigned acc = rules[g].access;
		dev_patch(p, next, k);
		if (type != 'a') {
			next->at[next->n++] = k;
			p[k++] = JNE_K(BPF_REG_2, type == 'c' ?
				       BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
				       0);
		}
		if (acc != DEV_ALL) {
			unsigned bits = 0;
			if (acc & CELL_DEV_MKNOD)
				bits |= BPF_DEVCG_ACC_MKNOD;
			if (acc & CELL_DEV_READ)
				bits |= BPF_DEVCG_ACC_READ;
			if (acc & CELL_DEV_WRITE)
				bits |= BPF_DEVCG_ACC_WRITE;
			p[k++] = MOV32_X(BPF_REG_1, BPF_REG_3);
			p[k++] = ALU32_K(BPF_AND, BPF_REG_1, (int32_t)~bits);
			next->at[next->n++] = k;
			p[k++] = JNE_K(BPF_REG_1, 0, 0);
		}
		bool checked = next->n > 0;
		for (size_t i = g; i < n; i++) {
			const struct cell_dev_rule *r = &rules[i];
			if (done[i] || r->type != type || r->access != acc)
				continue;
			done[i] = true;
			bool ma = r->major != CELL_DEV_WILDCARD;
			bool mi = r->minor != CELL_DEV_WILDCARD;
			if (!ma && !mi) {
				/* the whole group matches: its other rules
				 * would be unreachable, which the verifier
				 * refuses */
				for (size_t j = i + 1; j < n; j++)
					if (rules[j].type == type &&
					    rules[j].access == acc)
						done[j] = true;
				if (!checked) {
					/* everything is allowed: the rest of
					 * the program is unreachable too */
					p[k++] = MOV64_K(BPF_REG_0, 1);
					p[k++] = EXIT();
					dev_patch(p, allow, k - 2);
					*out = TAKE_PTR(p);
					*cnt = k;
					return 0;
				}
				allow->at[allow->n++] = k;
				p[k++] = JA(0);
				break;
			}
			allow->at[allow->n++] = k;
			if (ma && mi)
				p[k++] = JMP32_K(BPF_JEQ, BPF_REG_6,
						 (int32_t)((uint32_t)r->major << 20 |
							   (uint32_t)r->minor),
						 0);
			else if (ma)
				p[k++] = JMP32_K(BPF_JEQ, BPF_REG_4,
						 (int32_t)r->major, 0);
			else
				p[k++] = JMP32_K(BPF_JEQ, BPF_REG_5,
						 (int32_t)r->minor, 0);
		}
	}
	dev_patch(p, next, k);
	p[k++] = MOV64_K(BPF_REG_0, 0);
	p[k++] = EXIT();
	if (allow->n) {
		/* only when something jumps here: unreachable code is
		 * refused */
		dev_patch(p, allow, k);
		p[k++] = MOV64_K(BPF_REG_0, 1);
		p[k++] = EXIT();
	}
	*out = TAKE_PTR(p);
	*cnt = k;
	return 0;
}

static int dev_prog_load(const struct bpf_insn *insns, size_t cnt,
			 char *log, size_t loglen)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.expected_attach_type = BPF_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	snprintf(attr.prog_name, sizeof(attr.prog_name), "cell_devices");
	int fd = bpf_sys(BPF_PROG_LOAD, &attr);
	if (fd < 0 && fd != -EPERM && log && loglen) {
		/* once more with the verifier's log, for the message */
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)loglen;
		attr.log_level = 1;
		log[0] = '\0';
		int fd2 = bpf_sys(BPF_PROG_LOAD, &attr);
		if (fd2 >= 0)
			return fd2;
	}
	if (fd >= 0) {
		/* the kernel sets O_CLOEXEC on bpf fds; make sure */
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
	}
	return fd;
}

static int v2_devices(struct cell_cgroup *cg, const char *dir,
		      const struct cell_dev_rule *rules, size_t n,
		      struct cell_error *err)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	int r = cell_dev_prog_build(rules, n, &insns, &cnt);
	if (r < 0)
		return cell_error_set(err, r, r == -E2BIG ?
				      "%zu device rules (max %d)" :
				      "building the device program: %zu rules "
				      "(max %d), out of memory",
				      n, CELL_DEV_RULES_MAX);
	_cleanup_free_ char *log = malloc(4096);
	_cleanup_close_ int prog = dev_prog_load(insns, cnt, log,
						 log ? 4096 : 0);
	if (prog < 0) {
		if (log && log[0]) {
			/* the last line says what the verifier disliked */
			size_t l = strlen(log);
			while (l && log[l - 1] == '\n')
				log[--l] = '\0';
			/* the verifier's complaint is the line before its
			 * "processed N insns" statistics */
			char *last = strrchr(log, '\n');
			if (last && !strncmp(last + 1, "processed ", 10)) {
				*last = '\0';
				last = strrchr(log, '\n');
			}
			return cell_error_set(err, prog,
					      "loading device program: %s",
					      last ? last + 1 : log);
		}
		return cell_error_errno(err, prog, "loading device program");
	}
	if (cg->host->fake)
		return 0;   /* a fake tree: loaded (verified), not attached */
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY |
				       O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cell_error_errno(err, -errno, "opening %s", dir);
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dfd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	r = bpf_sys(BPF_PROG_ATTACH, &attr);
	if (r < 0)
		return cell_error_errno(err, r, "attaching device program to %s",
					dir);
	/* the new one is in force: now drop the one attached before (with
	 * ALLOW_MULTI both run, so there is no moment of less control) */
	if (cg->dev_prog_fd >= 0) {
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)dfd;
		attr.attach_bpf_fd = (uint32_t)cg->dev_prog_fd;
		attr.attach_type = BPF_CGROUP_DEVICE;
		r = bpf_sys(BPF_PROG_DETACH, &attr);
		close(cg->dev_prog_fd);
		cg->dev_prog_fd = -1;
		if (r < 0 && r != -ENOENT) {
			cg->dev_prog_fd = TAKE_FD(prog);
			return cell_error_errno(err, r,
						"detaching the old device "
						"program from %s", dir);
		}
	}
	cg->dev_prog_fd = TAKE_FD(prog);
	return 0;
}

int cell_cgroup_devices_set(struct cell_cgroup *cg,
			    const struct cell_dev_rule *rules, size_t n,
			    struct cell_error *err)
{
	if (n > CELL_DEV_RULES_MAX || (n && !rules))
		return cell_error_set(err, -E2BIG, "%zu device rules (max %d)",
				      n, CELL_DEV_RULES_MAX);
	for (size_t k = 0; k < n; k++)
		if (!rule_ok(&rules[k]))
			return cell_error_set(err, -EINVAL,
					      "device rule %zu is invalid", k);
	bool done = false;
	int v1 = cg->host->mode == CELL_CGROUP_V2 ? -1 :
		 cg_find(cg, CG_DEVICES);
	if (v1 >= 0) {
		int r = v1_devices(cg, v1, rules, n, err);
		if (r < 0)
			return r;
		done = true;
	}
	const char *u = cell_cgroup_unified_path(cg);
	if (u) {
		int r = v2_devices(cg, u, rules, n, err);
		/* hybrid: the v1 controller already holds the line when
		 * the kernel has no cgroup BPF */
		if (r < 0 && !(done && r == -ENOSYS))
			return r;
		done = true;
	}
	if (!done)
		return cell_error_set(err, -EOPNOTSUPP,
				      "cgroup %s: no device control", cg->rel);
	return 0;
}
