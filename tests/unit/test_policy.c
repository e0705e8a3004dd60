/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The policy table: derived capabilities, rows, devices, intersection with
 * a parent, the seccomp filter's real effect in a forked child, and its
 * tree layout against the plain chain (a BPF evaluator, every syscall).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"
#include "param.h"
#include "policy.h"
#include "cleanup.h"

#define BIT(c) (1ULL << (c))

static void derive(struct cell_jail *j, const char *const *args,
		   struct cell_policy *pol, const struct cell_policy *parent)
{
	struct cell_error e;
	cell_jail_init(j);
	for (; args && *args; args++)
		assert_int_equal(cell_param_set_arg(j, *args, &e), 0);
	assert_int_equal(cell_policy_derive(j, parent, pol, &e), 0);
}

static bool row_granted(const struct cell_policy *pol, const char *param)
{
	for (size_t i = 0; i < cell_policy_rows(); i++)
		if (!strcmp(cell_policy_row(i)->param, param))
			return cell_policy_row_granted(pol, i);
	fail_msg("no row for %s", param);
	return false;
}

static void default_jail(void **state)
{
	(void)state;
	struct cell_jail j;
	struct cell_policy p;
	derive(&j, NULL, &p, NULL);
	/* jailed root keeps file and credential privileges */
	assert_true(p.caps & BIT(CAP_CHOWN));
	assert_true(p.caps & BIT(CAP_SETUID));
	assert_true(p.caps & BIT(CAP_NET_BIND_SERVICE)); /* reserved_ports */
	/* and nothing global */
	const int never[] = { CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO,
			      CAP_SYS_PTRACE, CAP_SYS_TIME, CAP_NET_ADMIN,
			      CAP_NET_RAW, CAP_MKNOD, CAP_SYS_BOOT,
			      CAP_DAC_READ_SEARCH, CAP_LINUX_IMMUTABLE,
			      CAP_SYSLOG, CAP_IPC_LOCK, CAP_BPF,
			      CAP_PERFMON, CAP_SYS_RESOURCE, CAP_SYS_NICE,
			      CAP_AUDIT_CONTROL, CAP_MAC_ADMIN };
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		assert_false(p.caps & BIT(never[i]));
	assert_false(row_granted(&p, "allow.raw_sockets"));
	assert_true(row_granted(&p, "allow.set_hostname"));
	assert_false(row_granted(&p, "allow.mount"));
	/* ruleset 4: null zero full random urandom tty fuse + pts */
	assert_int_equal(p.dev_n, 7);
	assert_true(p.dev_pts);
	cell_jail_free(&j);
}

static void allow_flags_grant(void **state)
{
	(void)state;
	struct cell_jail j;
	struct cell_policy p;
	const char *a[] = { "allow.raw_sockets", "allow.chflags",
			    "allow.mlock", "allow.read_msgbuf",
			    "allow.settime", "vnet", "allow.noreserved_ports",
			    NULL };
	derive(&j, a, &p, NULL);
	assert_true(p.caps & BIT(CAP_NET_RAW));
	assert_true(p.caps & BIT(CAP_LINUX_IMMUTABLE));
	assert_true(p.caps & BIT(CAP_IPC_LOCK));
	assert_true(p.caps & BIT(CAP_SYSLOG));
	assert_true(p.caps & BIT(CAP_SYS_TIME));
	/* vnet alone: no CAP_NET_ADMIN (it would reach the host's stack
	 * through a netns id); with its own user namespace, or said */
	assert_false(p.caps & BIT(CAP_NET_ADMIN));
	assert_false(p.caps & BIT(CAP_NET_BIND_SERVICE));
	cell_jail_free(&j);
	static const char *const admin[] = { "name=t", "vnet",
					     "cell.vnet_admin", NULL };
	derive(&j, admin, &p, NULL);
	assert_true(p.caps & BIT(CAP_NET_ADMIN));
	cell_jail_free(&j);
	static const char *const userns[] = { "name=t", "vnet",
					      "cell.uidmap=0:100000:65536",
					      "cell.gidmap=0:100000:65536",
					      NULL };
	derive(&j, userns, &p, NULL);
	assert_true(p.caps & BIT(CAP_NET_ADMIN));
	cell_jail_free(&j);
}

static void securelevel_limits(void **state)
{
	(void)state;
	struct cell_jail j;
	struct cell_policy p;
	const char *a[] = { "allow.chflags", "allow.settime", "securelevel=2",
			    NULL };
	derive(&j, a, &p, NULL);
	assert_false(p.caps & BIT(CAP_LINUX_IMMUTABLE));
	assert_false(p.caps & BIT(CAP_SYS_TIME));
	cell_jail_free(&j);
	/* mount needs enforce_statfs < 2 as on FreeBSD */
	const char *m[] = { "allow.mount", NULL };
	derive(&j, m, &p, NULL);
	assert_false(row_granted(&p, "allow.mount"));
	cell_jail_free(&j);
	const char *m2[] = { "allow.mount", "enforce_statfs=1", NULL };
	derive(&j, m2, &p, NULL);
	assert_true(row_granted(&p, "allow.mount"));
	cell_jail_free(&j);
}

static void child_never_exceeds_parent(void **state)
{
	(void)state;
	struct cell_jail pj, cj;
	struct cell_policy pp, cp;
	const char *pa[] = { "allow.noraw_sockets", "securelevel=2",
			     "devfs_ruleset=2", NULL };
	derive(&pj, pa, &pp, NULL);
	const char *ca[] = { "allow.raw_sockets", "allow.mlock",
			     "securelevel=0", "devfs_ruleset=4", NULL };
	derive(&cj, ca, &cp, &pp);
	assert_false(cp.caps & BIT(CAP_NET_RAW));
	assert_false(cp.caps & BIT(CAP_IPC_LOCK));
	assert_int_equal(cp.securelevel, 2);
	assert_int_equal(cp.granted & ~pp.granted, 0);
	assert_int_equal(cp.caps & ~pp.caps, 0);
	assert_int_equal(cp.dev_n, 5); /* only the parent's nodes */
	assert_false(cp.dev_pts);
	cell_jail_free(&pj);
	cell_jail_free(&cj);

	/* a parent scoped from the host's abstract unix sockets: a child
	 * on its stack is scoped too (its processes come from the host,
	 * not from inside the parent's Landlock domain); one with a stack
	 * of its own has nothing of the host's to reach */
	const char *sa[] = { "cell.abstract_unix_scope", "children.max=2",
			     NULL };
	derive(&pj, sa, &pp, NULL);
	assert_true(pp.scope_abstract_unix);
	derive(&cj, NULL, &cp, &pp);
	assert_true(cp.scope_abstract_unix);
	cell_jail_free(&cj);
	derive(&cj, (const char *[]){ "vnet", NULL }, &cp, &pp);
	assert_false(cp.scope_abstract_unix);
	cell_jail_free(&pj);
	cell_jail_free(&cj);
}

/* Addresses on a shared stack: decided by the policy, narrowed by the
 * parent's (FreeBSD's prison_check_ip4/6). */
static void shared_stack_addresses(void **state)
{
	(void)state;
	struct cell_jail j, pj, cj, vj;
	struct cell_policy p, pp, cp, vp;
	const char *a[] = { "ip4.addr=192.0.2.5/24", NULL };
	derive(&j, a, &p, NULL);
	assert_true(p.addr_hooks);
	assert_true(p.ip4_restricted);
	assert_false(p.ip4_disable);
	assert_true(p.ip6_disable); /* ip4.addr only: no IPv6, as FreeBSD */
	const char *none[] = { NULL };
	derive(&pj, (const char *[]){ "ip4=disable", NULL }, &pp, NULL);
	assert_true(pp.ip4_disable);
	derive(&cj, none, &cp, &pp);
	assert_true(cp.ip4_disable); /* the parent's refusal holds */
	assert_true(cp.addr_hooks);
	derive(&vj, (const char *[]){ "vnet", "ip4.addr=192.0.2.5/24", NULL },
	       &vp, NULL);
	assert_false(vp.addr_hooks); /* its own stack: nothing to narrow */
	struct cell_jail ij;
	struct cell_policy ip;
	derive(&ij, none, &ip, NULL);
	assert_false(ip.addr_hooks); /* the host's stack, as ip4=inherit */
	cell_jail_free(&j);
	cell_jail_free(&pj);
	cell_jail_free(&cj);
	cell_jail_free(&vj);
	cell_jail_free(&ij);
}

static void rulesets(void **state)
{
	(void)state;
	struct cell_jail j;
	struct cell_policy p;
	struct cell_error e;
	const char *a1[] = { "devfs_ruleset=1", NULL };
	derive(&j, a1, &p, NULL);
	assert_int_equal(p.dev_n, 0);
	cell_jail_free(&j);
	const char *a5[] = { "devfs_ruleset=5", NULL };
	derive(&j, a5, &p, NULL);
	assert_int_equal(p.dev_n, 8);
	cell_jail_free(&j);
	cell_jail_init(&j);
	cell_param_set_arg(&j, "devfs_ruleset=0", &e);
	assert_int_equal(cell_policy_derive(&j, NULL, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "devfs_ruleset"));
	cell_jail_free(&j);
}

/* Run fn in a child under the policy's filter; return its exit code. */
static int under_filter(const char *const *args, int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		struct cell_jail j;
		struct cell_policy p;
		struct cell_error e;
		cell_jail_init(&j);
		for (; args && *args; args++)
			cell_param_set_arg(&j, *args, &e);
		if (cell_policy_derive(&j, NULL, &p, &e) < 0)
			_exit(100);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (cell_policy_apply_seccomp(&p, &e) < 0)
			_exit(101);
		_exit(fn());
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

static int try_packet(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	return fd < 0 && errno == EPERM ? 0 : 1;
}
static int try_raw_inet(void)
{
	int fd = socket(AF_INET, SOCK_RAW, 1);
	return fd < 0 && errno == EPERM ? 0 : 1;
}
static int try_tcp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return fd >= 0 ? 0 : 1;
}
static int try_netlink_audit(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW, 9 /* NETLINK_AUDIT */);
	return fd < 0 ? 0 : 1;
}
static int try_bpf(void)
{
	return syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == EPERM ? 0 : 1;
}
static int try_unshare(void)
{
	return unshare(CLONE_NEWNS) < 0 && errno == EPERM ? 0 : 1;
}
static int try_clone3(void)
{
	return syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS ? 0 : 1;
}
static int try_keyctl(void)
{
	return syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM ? 0 : 1;
}
static int try_fork(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	int st;
	return p > 0 && waitpid(p, &st, 0) == p ? 0 : 1;
}
static int try_shmget(void)
{
	return syscall(SYS_shmget, 0, 4096, 0) < 0 && errno == EPERM ? 0 : 1;
}

/* socketpair() makes its family's sockets (and loads its module) before
 * the family can refuse a pair: the filter must judge the family as it
 * does for socket() */
static int try_socketpair_unix(void)
{
	int sv[2];
	return socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? 0 : 1;
}
static int try_socketpair_vsock(void)
{
	int sv[2];
	return socketpair(AF_VSOCK, SOCK_STREAM, 0, sv) < 0 && errno == EPERM
		       ? 0
		       : 1;
}
static int try_socketpair_netlink(void)
{
	int sv[2];
	return socketpair(AF_NETLINK, SOCK_RAW, 15 /* KOBJECT_UEVENT */,
			  sv) < 0 && errno == EPERM
		       ? 0
		       : 1;
}

static void seccomp_default_denies(void **state)
{
	(void)state;
	assert_int_equal(under_filter(NULL, try_packet), 0);
	assert_int_equal(under_filter(NULL, try_raw_inet), 0);
	assert_int_equal(under_filter(NULL, try_tcp), 0);
	assert_int_equal(under_filter(NULL, try_netlink_audit), 0);
	assert_int_equal(under_filter(NULL, try_bpf), 0);
	assert_int_equal(under_filter(NULL, try_unshare), 0);
	assert_int_equal(under_filter(NULL, try_clone3), 0);
	assert_int_equal(under_filter(NULL, try_keyctl), 0);
	assert_int_equal(under_filter(NULL, try_fork), 0);
	assert_int_equal(under_filter(NULL, try_shmget), 0);
	assert_int_equal(under_filter(NULL, try_socketpair_unix), 0);
	assert_int_equal(under_filter(NULL, try_socketpair_vsock), 0);
	assert_int_equal(under_filter(NULL, try_socketpair_netlink), 0);
}

static void seccomp_allow_opens(void **state)
{
	(void)state;
	const char *raw[] = { "allow.raw_sockets", NULL };
	/* the filter lets it through: the kernel then decides by caps */
	assert_int_not_equal(under_filter(raw, try_packet), 0);
	const char *shm[] = { "sysvshm=new", NULL };
	assert_int_not_equal(under_filter(shm, try_shmget), 0);
	const char *af[] = { "allow.socket_af", NULL };
	assert_int_not_equal(under_filter(af, try_netlink_audit), 0);
	assert_int_not_equal(under_filter(af, try_socketpair_vsock), 0);
}

/*
 * A classic-BPF evaluator for what libseccomp emits (loads of seccomp_data
 * words, the scratch memory, ALU with constants, conditional jumps on
 * constants and X, returns). An instruction it does not know fails the
 * test: it can never agree by skipping something.
 */
static uint32_t bpf_eval(const struct sock_fprog *f,
			 const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	const uint32_t *words = (const uint32_t *)d;
	for (unsigned pc = 0; pc < f->len; pc++) {
		const struct sock_filter *i = &f->filter[pc];
		uint32_t k = i->k;
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k % 4 || k >= sizeof(*d))
				fail_msg("load at %u", k);
			a = words[k / 4];
			break;
		case BPF_LD | BPF_IMM: a = k; break;
		case BPF_LDX | BPF_IMM: x = k; break;
		case BPF_LD | BPF_MEM: a = mem[k % BPF_MEMWORDS]; break;
		case BPF_LDX | BPF_MEM: x = mem[k % BPF_MEMWORDS]; break;
		case BPF_ST: mem[k % BPF_MEMWORDS] = a; break;
		case BPF_STX: mem[k % BPF_MEMWORDS] = x; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_ALU | BPF_AND | BPF_K: a &= k; break;
		case BPF_ALU | BPF_OR | BPF_K: a |= k; break;
		case BPF_ALU | BPF_AND | BPF_X: a &= x; break;
		case BPF_JMP | BPF_JA: pc += k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += a & k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JEQ | BPF_X: pc += a == x ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGT | BPF_X: pc += a > x ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_X: pc += a >= x ? i->jt : i->jf; break;
		case BPF_RET | BPF_K: return k;
		case BPF_RET | BPF_A: return a;
		default:
			fail_msg("unknown BPF opcode 0x%x at %u", i->code, pc);
		}
	}
	fail_msg("ran off the end of the filter");
	return 0;
}

/* The filter is laid out as a binary tree of syscall numbers (fast to load
 * and to run); for every syscall number, on both architectures' entry
 * points, with argument values that the argument rules look at, its
 * verdict is the one of libseccomp's plain chain of the same rules. */
static void seccomp_tree_same_verdicts(void **state)
{
	(void)state;
	const char *const *configs[] = {
		NULL,
		(const char *[]){ "allow.raw_sockets", NULL },
		(const char *[]){ "allow.socket_af", "allow.set_hostname", NULL },
		(const char *[]){ "sysvshm=new", "sysvmsg=new", "sysvsem=new",
				  NULL },
		(const char *[]){ "children.max=2", "allow.mount",
				  "allow.mount.tmpfs", "enforce_statfs=1",
				  NULL },
		(const char *[]){ "allow.mlock", "allow.settime",
				  "allow.adjtime", "allow.chflags", NULL },
		(const char *[]){ "vnet", "allow.unprivileged_proc_debug",
				  NULL },
		NULL, /* then every row, the never-granted ones too */
	};
	const uint64_t args[] = { 0, 1, 2, 3, 10, 16, 17, TIOCSTI, 0x5401,
				  CLONE_NEWNS, CLONE_NEWUSER | SIGCHLD,
				  CLONE_NEWNET, SIGCHLD, 0x80000000u,
				  0xffffffffull, 0x100000000ull };
	const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 };
	for (size_t c = 0; c < ARRAY_SIZE(configs); c++) {
		struct cell_jail j;
		struct cell_policy p;
		struct cell_error e;
		derive(&j, configs[c], &p, NULL);
		/* every row granted: clone3 has its ENOSYS rule and an
		 * unconditional allow, which libseccomp resolves (the
		 * ranges' head must leave such a call to it) */
		if (c == ARRAY_SIZE(configs) - 1)
			p.granted = ~0ULL;
		struct sock_fprog tree, chain;
		assert_int_equal(cell_policy_compile(&p, false, &tree, &e), 0);
		assert_int_equal(cell_policy_compile_chain(&p, &chain, &e), 0);
		/* the ranges' head (bpf_ranges.c) in front of libseccomp's
		 * filter of the other rules: far shorter than the chain */
		if (c == 0)
			print_message("filter: %u instructions (chain %u)\n",
				      tree.len, chain.len);
#if defined(__x86_64__) && !defined(__ILP32__)
		assert_true(tree.len * 2 < chain.len);
#endif
		size_t checked = 0, allowed = 0;
		for (size_t ar = 0; ar < ARRAY_SIZE(arches); ar++)
			for (int n = 0; n < 2100 + 68; n++)
				for (size_t a = 0; a < ARRAY_SIZE(args); a++) {
					/* every number past the head's bitmap
					 * (1024), then x32's entry points (the
					 * x32 bit), the numbers just below it,
					 * and the top of the range */
					int nr = n < 2100 ? n
						 : n < 2132 ? 0x40000000 + (n - 2100) * 11
						 : n < 2164 ? (int)(0x3ffffff0u + (unsigned)(n - 2132))
							    : (int)(0xfffffffcu + (unsigned)(n - 2164));
					struct seccomp_data d = {
						.nr = nr, .arch = arches[ar],
					};
					for (int k = 0; k < 6; k++)
						d.args[k] = args[(a + (size_t)k) %
								 ARRAY_SIZE(args)];
					uint32_t t = bpf_eval(&tree, &d);
					uint32_t q = bpf_eval(&chain, &d);
					if (t != q)
						fail_msg("config %zu arch %x nr %d "
							 "args %zu: tree %#x chain "
							 "%#x", c, arches[ar], nr, a,
							 t, q);
					checked++;
					allowed += t == SECCOMP_RET_ALLOW;
				}
		/* the comparison saw both answers */
		assert_true(allowed > 1000 && allowed < checked);
		free(tree.filter);
		free(chain.filter);
	}
}

/* build_root mounts the standard masks beneath the /proc and /sys it has
 * just made (mask_fresh, readonly_fresh), and extra_paths skips what they
 * covered: an entry under any other prefix would be neither mounted nor
 * repeated. The tables may only name those two places. */
static void mask_tables_stay_in_proc_and_sys(void **state)
{
	(void)state;
	size_t n = 0;
	for (const char *const *p = cell_masked_paths; *p; p++, n++)
		if (strncmp(*p, "proc/", 5) && strncmp(*p, "sys/", 4))
			fail_msg("masked path %s is outside proc/ and sys/", *p);
	assert_true(n > 10);
	n = 0;
	for (const char *const *p = cell_readonly_paths; *p; p++, n++)
		if (strncmp(*p, "proc/", 5))
			fail_msg("read-only path %s is outside proc/", *p);
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_jail),
		cmocka_unit_test(allow_flags_grant),
		cmocka_unit_test(securelevel_limits),
		cmocka_unit_test(child_never_exceeds_parent),
		cmocka_unit_test(shared_stack_addresses),
		cmocka_unit_test(rulesets),
		cmocka_unit_test(seccomp_default_denies),
		cmocka_unit_test(seccomp_allow_opens),
		cmocka_unit_test(seccomp_tree_same_verdicts),
		cmocka_unit_test(mask_tables_stay_in_proc_and_sys),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
