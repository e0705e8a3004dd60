/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The policy table: derived capabilities, rows, devices, intersection with
 * a parent, and the seccomp filter's real effect in a forked child.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
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
	assert_true(p.caps & BIT(CAP_NET_ADMIN));
	assert_false(p.caps & BIT(CAP_NET_BIND_SERVICE));
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
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
