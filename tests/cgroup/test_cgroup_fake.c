/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the cgroup layer's v2 code against a FAKE v2 tree: a tmpdir
 * opened with CELL_CGROUP_FAKE_V2, where cell_cgroup_create writes the
 * interface files the kernel would. This host is hybrid (v1 controllers),
 * so the v2 controller files are only ever exercised here, never on a real
 * cgroup2 with controllers. No root needed; nothing outside the tmpdir.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <stdbool.h>

#include "cgroup/cgroup.h"
#include "util.h"

struct fx {
	char root[256];
	struct cell_cgroup_host *h;
	struct cell_cgroup *cg;
};

static void put(const char *root, const char *rel, const char *val)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs(val, f);
	assert_int_equal(fclose(f), 0);
}

/* file contents, trailing newline removed; static buffer */
static const char *get(const char *root, const char *rel)
{
	static char buf[4096];
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	char *s = NULL;
	size_t len = 0;
	if (cell_read_file(p, sizeof(buf) - 1, &s, &len) < 0)
		return NULL;
	while (len && s[len - 1] == '\n')
		s[--len] = '\0';
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static bool exists(const char *root, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

static int setup_ctl(void **state, const char *controllers)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->root, sizeof(f->root), "%s/cell-cg-fake-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->root));
	put(f->root, "cgroup.controllers", controllers);
	put(f->root, "cgroup.subtree_control", "");
	put(f->root, "cgroup.procs", "1\n");
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_host_open_mode(f->root,
			 CELL_CGROUP_FAKE_V2, &f->h, &err), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_ctl(state, "cpuset cpu io memory hugetlb pids rdma\n");
}

static int setup_memonly(void **state)
{
	return setup_ctl(state, "memory\n");
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->cg) {
		cell_cgroup_destroy(f->cg, NULL);
		cell_cgroup_free(f->cg);
	}
	cell_cgroup_host_free(f->h);
	/* what the library left (it should be just the root files) */
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", f->root);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void test_host_mode(void **state)
{
	struct fx *f = *state;
	assert_int_equal(cell_cgroup_host_mode(f->h), CELL_CGROUP_V2);
	/* detection proper does not take a plain directory for cgroupfs */
	struct cell_cgroup_host *h = NULL;
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_host_open(f->root, &h, &err), -ENOENT);
	assert_null(h);
	assert_int_equal(cell_cgroup_host_open("relative", &h, &err),
			 -EINVAL);
	assert_int_equal(cell_cgroup_host_open_mode(f->root, CELL_CGROUP_V2,
						    &h, &err), -EINVAL);
}

static void test_create_enables_controllers(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_create(f->h, "cell/web", &f->cg, &err),
			 0);
	/* cell uses cpu io memory pids: enabled in the root and in "cell",
	 * the others (cpuset hugetlb rdma) left alone */
	assert_string_equal(get(f->root, "cgroup.subtree_control"),
			    "+cpu +io +memory +pids");
	assert_string_equal(get(f->root, "cell/cgroup.subtree_control"),
			    "+cpu +io +memory +pids");
	assert_string_equal(get(f->root, "cell/web/cgroup.controllers"),
			    "cpu io memory pids");
	assert_string_equal(get(f->root, "cell/web/cgroup.subtree_control"),
			    "");
	assert_string_equal(get(f->root, "cell/web/memory.max"), "max");
	assert_string_equal(get(f->root, "cell/web/cpu.max"), "max 100000");
	assert_true(exists(f->root, "cell/web/io.max"));
	assert_true(cell_cgroup_unified_fd(f->cg) >= 0);
	assert_non_null(cell_cgroup_unified_path(f->cg));
	int fl = fcntl(cell_cgroup_unified_fd(f->cg), F_GETFD);
	assert_true(fl & FD_CLOEXEC);

	/* a second create is a name clash, unless REUSE */
	struct cell_cgroup *again = NULL;
	assert_int_equal(cell_cgroup_create(f->h, "cell/web", &again, &err),
			 -EEXIST);
	assert_null(again);
	assert_non_null(strstr(err.msg, "cell/web"));
	assert_int_equal(cell_cgroup_create_flags(f->h, "cell/web",
			 CELL_CGROUP_REUSE, &again, &err), 0);
	cell_cgroup_free(again);
	/* a sibling: controllers are not enabled twice */
	assert_int_equal(cell_cgroup_create(f->h, "cell/db", &again, &err), 0);
	assert_string_equal(get(f->root, "cell/cgroup.subtree_control"),
			    "+cpu +io +memory +pids");
	assert_int_equal(cell_cgroup_destroy(again, &err), 0);
	cell_cgroup_free(again);
	assert_false(exists(f->root, "cell/db"));
	assert_true(exists(f->root, "cell/web"));
}

static void test_bad_paths(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	const char *bad[] = { "", "/x", "x/", "a//b", "..", "a/../b", "a/./b",
			      "a b", "a\nb", "$x",
			      "1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cell_cgroup *cg = NULL;
		assert_int_equal(cell_cgroup_create(f->h, bad[i], &cg, &err),
				 -EINVAL);
		assert_int_equal(cell_cgroup_open(f->h, bad[i], &cg, &err),
				 -EINVAL);
	}
	struct cell_cgroup *cg = NULL;
	assert_int_equal(cell_cgroup_open(f->h, "cell/none", &cg, &err),
			 -ENOENT);
	assert_int_equal(cell_cgroup_create(f->h, NULL, &cg, &err), -EINVAL);
}

/* a cgroup whose processes are all below it (a slice: its services) is
 * busy as a tree though its own cgroup.procs is empty: create must not
 * adopt it, its removal would kill them */
static void test_tree_busy(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	struct cell_cgroup *sub = NULL;
	assert_int_equal(cell_cgroup_create(f->h, "slice", &f->cg, &err), 0);
	assert_false(cell_cgroup_tree_busy(f->cg));
	assert_int_equal(cell_cgroup_create(f->h, "slice/svc", &sub, &err), 0);
	assert_false(cell_cgroup_tree_busy(f->cg));
	put(f->root, "slice/svc/cgroup.procs", "4242\n");
	assert_true(cell_cgroup_is_empty(f->cg));
	assert_true(cell_cgroup_tree_busy(f->cg));
	assert_true(cell_cgroup_tree_busy(sub));
	put(f->root, "slice/svc/cgroup.procs", "");
	assert_false(cell_cgroup_tree_busy(f->cg));
	/* unreadable: busy (the caller would otherwise take it) */
	put(f->root, "slice/svc/cgroup.procs", "junk\n");
	assert_true(cell_cgroup_tree_busy(f->cg));
	put(f->root, "slice/svc/cgroup.procs", "");
	cell_cgroup_free(sub);
}

static void test_attach_pids(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_create(f->h, "web", &f->cg, &err), 0);
	assert_true(cell_cgroup_is_empty(f->cg));
	assert_int_equal(cell_cgroup_attach(f->cg, 4242, &err), 0);
	assert_string_equal(get(f->root, "web/cgroup.procs"), "4242");
	assert_false(cell_cgroup_is_empty(f->cg));
	put(f->root, "web/cgroup.procs", "7\n3\n7\n");
	pid_t *p = NULL;
	size_t n = 0;
	assert_int_equal(cell_cgroup_pids(f->cg, &p, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(p[0], 3);
	assert_int_equal(p[1], 7);
	free(p);
	put(f->root, "web/cgroup.procs", "7\nnot-a-pid\n");
	assert_int_equal(cell_cgroup_pids(f->cg, &p, &n, &err), -EBADMSG);
	assert_int_equal(cell_cgroup_attach(f->cg, 0, &err), -EINVAL);
	assert_int_equal(cell_cgroup_attach(f->cg, -5, &err), -EINVAL);
}

static void test_parse_size(void **state)
{
	static const struct { const char *s; int r; uint64_t v; } t[] = {
		{ "0", 0, 0 }, { "4096", 0, 4096 }, { "64K", 0, 65536 },
		{ "64k", 0, 65536 }, { "512M", 0, 512ULL << 20 },
		{ "2G", 0, 2ULL << 30 }, { "1T", 0, 1ULL << 40 },
		{ "3KiB", 0, 3072 }, { "3kb", 0, 3072 }, { "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 }, { "1Q", -EINVAL, 0 },
		{ "1 G", -EINVAL, 0 }, { "G", -EINVAL, 0 },
		{ "1GG", -EINVAL, 0 }, { "99999999999999999999", -ERANGE, 0 },
		{ "16777216T", -ERANGE, 0 }, { " 1", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = 12345;
		assert_int_equal(cell_cgroup_parse_size(t[i].s, &v), t[i].r);
		if (t[i].r == 0)
			assert_true(v == t[i].v);
	}
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	char buf[128];
	assert_int_equal(cell_cgroup_create(f->h, "cell/lim", &f->cg, &err),
			 0);
	struct cell_cgroup *cg = f->cg;
	static const struct {
		enum cell_cgroup_res res;
		const char *in, *file, *want;
	} ok[] = {
		{ CELL_CG_MEMORY, "512M", "memory.max", "536870912" },
		{ CELL_CG_MEMORY, "max", "memory.max", "max" },
		{ CELL_CG_MEMORY, "1G", "memory.max", "1073741824" },
		{ CELL_CG_MEMORY, "unlimited", "memory.max", "max" },
		{ CELL_CG_PIDS, "100", "pids.max", "100" },
		{ CELL_CG_PIDS, "max", "pids.max", "max" },
		{ CELL_CG_CPU_WEIGHT, "500", "cpu.weight", "500" },
		{ CELL_CG_CPU_SHARES, "1024", "cpu.weight", "39" },
		{ CELL_CG_CPU_SHARES, "2", "cpu.weight", "1" },
		{ CELL_CG_CPU_SHARES, "262144", "cpu.weight", "10000" },
		{ CELL_CG_CPU_WEIGHT, "max", "cpu.weight", "100" },
		{ CELL_CG_CPU_SHARES, "4096", "cpu.weight", "157" },
		{ CELL_CG_CPU_SHARES, "max", "cpu.weight", "100" },
		{ CELL_CG_CPU_QUOTA, "50000/100000", "cpu.max",
		  "50000 100000" },
		{ CELL_CG_CPU_QUOTA, "20000 50000", "cpu.max", "20000 50000" },
		{ CELL_CG_CPU_QUOTA, "150000", "cpu.max", "150000 100000" },
		{ CELL_CG_CPU_QUOTA, "max", "cpu.max", "max" },
		{ CELL_CG_IO_READ_BPS, "8:0 10M", "io.max", "8:0 rbps=10485760" },
		{ CELL_CG_IO_WRITE_BPS, "8:16 1K", "io.max", "8:16 wbps=1024" },
		{ CELL_CG_IO_READ_IOPS, "253:1 300", "io.max",
		  "253:1 riops=300" },
		{ CELL_CG_IO_WRITE_IOPS, "8:0 max", "io.max", "8:0 wiops=max" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cell_cgroup_limit_set(cg, ok[i].res, ok[i].in,
						       &err), 0);
		char rel[128];
		snprintf(rel, sizeof(rel), "cell/lim/%s", ok[i].file);
		assert_string_equal(get(f->root, rel), ok[i].want);
		if (strcmp(ok[i].file, "io.max")) {
			assert_int_equal(cell_cgroup_limit_get(cg, ok[i].res,
					 buf, sizeof(buf), &err), 0);
			assert_string_equal(buf, ok[i].want);
		}
	}
	static const struct {
		enum cell_cgroup_res res;
		const char *in;
	} bad[] = {
		{ CELL_CG_MEMORY, "" }, { CELL_CG_MEMORY, "-1" },
		{ CELL_CG_MEMORY, "12Q" }, { CELL_CG_MEMORY, "100" },
		{ CELL_CG_MEMORY, "16777215T" },
		{ CELL_CG_PIDS, "0" }, { CELL_CG_PIDS, "4194305" },
		{ CELL_CG_PIDS, "ten" }, { CELL_CG_PIDS, "1K" },
		{ CELL_CG_CPU_WEIGHT, "0" }, { CELL_CG_CPU_WEIGHT, "10001" },
		{ CELL_CG_CPU_SHARES, "1" }, { CELL_CG_CPU_SHARES, "262145" },
		{ CELL_CG_CPU_QUOTA, "999" }, { CELL_CG_CPU_QUOTA, "5000/999" },
		{ CELL_CG_CPU_QUOTA, "5000/2000000" },
		{ CELL_CG_CPU_QUOTA, "5000/" }, { CELL_CG_CPU_QUOTA, "a/b" },
		{ CELL_CG_IO_READ_BPS, "10M" }, { CELL_CG_IO_READ_BPS, "8:0" },
		{ CELL_CG_IO_READ_BPS, "8:0 0" },
		{ CELL_CG_IO_READ_BPS, "8:0 10M; 9:0 1" },
		{ CELL_CG_IO_READ_IOPS, "8:0 1K" },
		{ CELL_CG_IO_READ_BPS, "4096:0 1" },
		{ CELL_CG_CPU_TIME, "1" }, { CELL_CG_RES_COUNT, "1" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cell_cgroup_limit_set(cg, bad[i].res,
						       bad[i].in, &err),
				 -EINVAL);
	assert_int_equal(cell_cgroup_limit_set(cg, CELL_CG_PIDS, NULL, &err),
			 -EINVAL);
	/* the bad ones changed nothing */
	assert_string_equal(get(f->root, "cell/lim/pids.max"), "max");

	uint64_t u = 99;
	put(f->root, "cell/lim/memory.current", "123456\n");
	assert_int_equal(cell_cgroup_usage(cg, CELL_CG_MEMORY, &u, &err), 0);
	assert_true(u == 123456);
	put(f->root, "cell/lim/pids.current", "3\n");
	assert_int_equal(cell_cgroup_usage(cg, CELL_CG_PIDS, &u, &err), 0);
	assert_true(u == 3);
	put(f->root, "cell/lim/cpu.stat",
	    "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
	assert_int_equal(cell_cgroup_usage(cg, CELL_CG_CPU_TIME, &u, &err), 0);
	assert_true(u == 1500000);
	assert_int_equal(cell_cgroup_usage(cg, CELL_CG_CPU_QUOTA, &u, &err),
			 -EINVAL);
	assert_string_equal(cell_cgroup_res_name(CELL_CG_MEMORY), "memory");
	assert_null(cell_cgroup_res_name(CELL_CG_RES_COUNT));
}

static void test_missing_controller(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_create(f->h, "m", &f->cg, &err), 0);
	assert_string_equal(get(f->root, "cgroup.subtree_control"),
			    "+memory");
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_MEMORY, "1M",
					       &err), 0);
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "10",
					       &err), -EOPNOTSUPP);
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_CPU_QUOTA,
					       "max", &err), -EOPNOTSUPP);
	assert_false(exists(f->root, "m/pids.max"));
}

static void test_freeze(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_create(f->h, "fz", &f->cg, &err), 0);
	/* the fake kernel reports frozen at once */
	put(f->root, "fz/cgroup.events", "populated 1\nfrozen 1\n");
	assert_int_equal(cell_cgroup_freeze(f->cg, true, &err), 0);
	assert_string_equal(get(f->root, "fz/cgroup.freeze"), "1");
	put(f->root, "fz/cgroup.events", "populated 1\nfrozen 0\n");
	assert_int_equal(cell_cgroup_freeze(f->cg, false, &err), 0);
	assert_string_equal(get(f->root, "fz/cgroup.freeze"), "0");
	/* and never: a timeout, not a hang */
	assert_int_equal(cell_cgroup_freeze(f->cg, true, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "cgroup.events"));
}

static void test_kill(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_create(f->h, "k", &f->cg, &err), 0);
	assert_int_equal(cell_cgroup_attach(f->cg, 4242, &err), 0);
	put(f->root, "k/cgroup.procs", "");   /* the fake kernel killed it */
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
	assert_string_equal(get(f->root, "k/cgroup.kill"), "1");
}

static void test_destroy(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	struct cell_cgroup *top = NULL, *leaf = NULL, *child = NULL;
	assert_int_equal(mkdir(strcat(strcpy((char[PATH_MAX]){ 0 }, f->root),
				      "/keep"), 0755), 0);
	put(f->root, "keep/cgroup.controllers", "memory pids");
	put(f->root, "keep/cgroup.subtree_control", "");
	/* a, a/b made by this handle; keep existed before */
	assert_int_equal(cell_cgroup_create(f->h, "a/b", &leaf, &err), 0);
	assert_int_equal(cell_cgroup_create(f->h, "a/b/c", &child, &err), 0);
	assert_int_equal(cell_cgroup_create(f->h, "keep/x", &top, &err), 0);
	/* children first, then the parents it made */
	assert_int_equal(cell_cgroup_destroy(leaf, &err), 0);
	assert_false(exists(f->root, "a/b/c"));
	assert_false(exists(f->root, "a"));
	/* destroying again: ENOENT is fine */
	assert_int_equal(cell_cgroup_destroy(child, &err), 0);
	assert_int_equal(cell_cgroup_destroy(top, &err), 0);
	assert_false(exists(f->root, "keep/x"));
	assert_true(exists(f->root, "keep/cgroup.controllers"));
	assert_true(exists(f->root, "cgroup.procs"));
	cell_cgroup_free(leaf);
	cell_cgroup_free(child);
	cell_cgroup_free(top);
}

static void test_open_destroy_keeps_parents(void **state)
{
	struct fx *f = *state;
	struct cell_error err = { 0 };
	struct cell_cgroup *cg = NULL;
	assert_int_equal(cell_cgroup_create(f->h, "p/q", &cg, &err), 0);
	cell_cgroup_free(cg);
	assert_int_equal(cell_cgroup_open(f->h, "p/q", &cg, &err), 0);
	assert_int_equal(cell_cgroup_destroy(cg, &err), 0);
	cell_cgroup_free(cg);
	assert_false(exists(f->root, "p/q"));
	assert_true(exists(f->root, "p"));   /* an opened handle made none */
	assert_int_equal(cell_cgroup_open(f->h, "p", &cg, &err), 0);
	assert_int_equal(cell_cgroup_destroy(cg, &err), 0);
	cell_cgroup_free(cg);
	assert_false(exists(f->root, "p"));
}

static void test_dev_rule_parse(void **state)
{
	struct cell_dev_rule r;
	assert_int_equal(cell_dev_rule_parse("c 1:3 rwm", &r), 0);
	assert_int_equal(r.type, 'c');
	assert_true(r.major == 1 && r.minor == 3);
	assert_int_equal(r.access, CELL_DEV_READ | CELL_DEV_WRITE |
			 CELL_DEV_MKNOD);
	assert_int_equal(cell_dev_rule_parse("b *:* m", &r), 0);
	assert_true(r.major == CELL_DEV_WILDCARD && r.minor == CELL_DEV_WILDCARD);
	assert_int_equal(r.access, CELL_DEV_MKNOD);
	assert_int_equal(cell_dev_rule_parse("a", &r), 0);
	assert_int_equal(r.type, 'a');
	assert_int_equal(cell_dev_rule_parse("c", &r), 0);
	assert_true(r.type == 'c' && r.major == CELL_DEV_WILDCARD);
	assert_int_equal(cell_dev_rule_parse("c 136:* rw", &r), 0);
	assert_true(r.major == 136 && r.minor == CELL_DEV_WILDCARD);
	const char *bad[] = { "", "x 1:3 r", "cc", "c 1:3 rr", "c 1:3 q",
			      "c 1 r", "c 1:3 ", "c a:b r", "c 4096:0 r",
			      "c 1:1048576 r", "c  1:3 r", "c1:3" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(cell_dev_rule_parse(bad[i], &r) < 0);
	/* an invalid rule reaches no file */
	struct cell_dev_rule inv = { 'x', 1, 3, CELL_DEV_READ };
	struct fx *f = *state;
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_create(f->h, "d", &f->cg, &err), 0);
	assert_int_equal(cell_cgroup_devices_set(f->cg, &inv, 1, &err),
			 -EINVAL);
	assert_int_equal(cell_cgroup_devices_set(f->cg, NULL,
			 CELL_DEV_RULES_MAX + 1, &err), -E2BIG);
	if (geteuid() != 0)
		return;
	/* as root the program is loaded, so the verifier checks it (a fake
	 * tree cannot have it attached); the largest one too */
	static struct cell_dev_rule many[CELL_DEV_RULES_MAX];
	const char *kinds[] = { "c 1:3 rwm", "b *:* m", "a", "c 136:* rw",
				"b 8:0 r", "a 10:200 w", "c *:5 m" };
	for (size_t i = 0; i < CELL_DEV_RULES_MAX; i++)
		assert_int_equal(cell_dev_rule_parse(kinds[i % 7], &many[i]),
				 0);
	int rc = cell_cgroup_devices_set(f->cg, many, 7, &err);
	if (rc < 0)
		print_message("devices: %s\n", err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(cell_cgroup_devices_set(f->cg, many,
			 CELL_DEV_RULES_MAX, &err), 0);
	assert_int_equal(cell_cgroup_devices_set(f->cg, NULL, 0, &err), 0);
}

/*
 * The device program against the rules' meaning: a small interpreter for
 * the instructions cell_dev_prog_build emits (anything else fails), run
 * over random rule sets and every request in a domain that hits each
 * rule's edges; as root each program is also loaded, so the kernel's
 * verifier accepts every shape (unreachable code is refused there).
 */
static int dev_eval(const struct bpf_insn *p, size_t cnt, uint32_t type,
		    uint32_t access, uint32_t major, uint32_t minor)
{
	uint32_t ctx[3] = { access << 16 | type, major, minor };
	uint64_t r[11] = { 0 };
	for (size_t pc = 0, steps = 0; pc < cnt && steps < 10000; pc++, steps++) {
		const struct bpf_insn *i = &p[pc];
		uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);
		uint64_t src = BPF_SRC(i->code) == BPF_X ? r[i->src_reg]
							 : (uint64_t)(int64_t)i->imm;
		switch (cls) {
		case BPF_LDX:
			assert_int_equal(i->code, BPF_LDX | BPF_MEM | BPF_W);
			assert_int_equal(i->src_reg, BPF_REG_1);
			assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU: {
			uint32_t d = (uint32_t)r[i->dst_reg], v = (uint32_t)src;
			switch (op) {
			case BPF_AND: d &= v; break;
			case BPF_OR:  d |= v; break;
			case BPF_LSH: d <<= v; break;
			case BPF_RSH: d >>= v; break;
			case BPF_MOV: d = v; break;
			default: fail_msg("alu op %#x", op);
			}
			r[i->dst_reg] = d;
			break;
		}
		case BPF_ALU64:
			assert_int_equal(op, BPF_MOV);
			r[i->dst_reg] = src;
			break;
		case BPF_JMP:
		case BPF_JMP32: {
			if (op == BPF_EXIT)
				return (int)r[0];
			bool taken = false;
			uint64_t d = r[i->dst_reg];
			if (cls == BPF_JMP32) {
				d = (uint32_t)d;
				src = (uint32_t)src;
			}
			switch (op) {
			case BPF_JA:  taken = true; break;
			case BPF_JEQ: taken = d == src; break;
			case BPF_JNE: taken = d != src; break;
			default: fail_msg("jump op %#x", op);
			}
			if (taken)
				pc += (size_t)(ssize_t)i->off;
			break;
		}
		default:
			fail_msg("instruction class %#x", cls);
		}
	}
	fail_msg("ran off the program");
	return -1;
}

static bool dev_allowed(const struct cell_dev_rule *rules, size_t n,
			uint32_t type, uint32_t access, uint32_t major,
			uint32_t minor)
{
	unsigned want = (access & BPF_DEVCG_ACC_MKNOD ? CELL_DEV_MKNOD : 0) |
			(access & BPF_DEVCG_ACC_READ ? CELL_DEV_READ : 0) |
			(access & BPF_DEVCG_ACC_WRITE ? CELL_DEV_WRITE : 0);
	char t = type == BPF_DEVCG_DEV_CHAR ? 'c' : 'b';
	for (size_t i = 0; i < n; i++) {
		const struct cell_dev_rule *x = &rules[i];
		if (x->access && (x->type == 'a' || x->type == t) &&
		    !(want & ~x->access) &&
		    (x->major == CELL_DEV_WILDCARD || x->major == major) &&
		    (x->minor == CELL_DEV_WILDCARD || x->minor == minor))
			return true;
	}
	return false;
}

static int dev_load(const struct bpf_insn *p, size_t cnt)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.expected_attach_type = BPF_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uint64_t)(uintptr_t)"GPL";
	int fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void test_dev_prog(void **state)
{
	static const int64_t majors[] = { 0, 1, 5, 136, 0xfff,
					  CELL_DEV_WILDCARD };
	static const int64_t minors[] = { 0, 2, 3, 0xfffff,
					  CELL_DEV_WILDCARD };
	static const char types[] = { 'a', 'b', 'c' };
	static const uint32_t probe_maj[] = { 0, 1, 5, 136, 0xfff, 7 };
	static const uint32_t probe_min[] = { 0, 2, 3, 0xfffff, 9 };
	static struct cell_dev_rule rules[CELL_DEV_RULES_MAX];
	unsigned seed = 20261129;
	bool root = geteuid() == 0;
	for (int set = 0; set < 400; set++) {
		size_t n = set == 0 ? 0 : set == 1 ? CELL_DEV_RULES_MAX
						 : (size_t)(rand_r(&seed) % 12);
		for (size_t i = 0; i < n; i++) {
			rules[i].type = types[rand_r(&seed) % 3];
			/* wildcards rarer, so most sets deny something */
			rules[i].major = majors[rand_r(&seed) % 6];
			rules[i].minor = minors[rand_r(&seed) % 5];
			rules[i].access = (unsigned)(rand_r(&seed) % 8);
		}
		struct bpf_insn *p = NULL;
		size_t cnt = 0;
		assert_int_equal(cell_dev_prog_build(rules, n, &p, &cnt), 0);
		for (uint32_t type = 1; type <= 2; type++)
			for (uint32_t acc = 1; acc <= 7; acc++)
				for (size_t a = 0; a < 6; a++)
					for (size_t b = 0; b < 5; b++) {
						bool want = dev_allowed(
							rules, n, type, acc,
							probe_maj[a],
							probe_min[b]);
						int got = dev_eval(
							p, cnt, type, acc,
							probe_maj[a],
							probe_min[b]);
						if (got != (int)want)
							fail_msg("set %d: %u %u "
								 "%u:%u gave %d",
								 set, type, acc,
								 probe_maj[a],
								 probe_min[b],
								 got);
					}
		if (root && set < 100) {
			int r = dev_load(p, cnt);
			if (r < 0)
				fail_msg("set %d (%zu rules, %zu insns): the "
					 "verifier refused it: %s", set, n, cnt,
					 strerror(-r));
		}
		free(p);
	}
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_enables_controllers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_attach_pids, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree_busy, setup,
						teardown),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_controller,
						setup_memonly, teardown),
		cmocka_unit_test_setup_teardown(test_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_destroy_keeps_parents,
						setup, teardown),
		cmocka_unit_test(test_dev_prog),
		cmocka_unit_test_setup_teardown(test_dev_rule_parse, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("cgroup-fake (v2 on a fake tree)",
					   tests, NULL, NULL);
}
