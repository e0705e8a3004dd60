/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Integration tests of the cgroup layer on this host's real hierarchy, as
 * root (skipped otherwise). Written on a HYBRID host (v1 controllers plus a
 * controller-less /sys/fs/cgroup/unified); there the limits are v1 files and
 * the v2 paths used for real are cgroup.kill, cgroup.freeze,
 * CLONE_INTO_CGROUP and the BPF device program on the unified hierarchy. The
 * v2 controller files are covered by test_cgroup_fake.c only.
 *
 * Every test works in "cell-test-<pid>/x" (and siblings below
 * "cell-test-<pid>"), which it creates; the teardown, which also runs when
 * an assertion fails, kills what is left in it and removes exactly that
 * subtree in every hierarchy.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup/cgroup.h"
#include "cleanup.h"
#include "util.h"

static char base[64];       /* cell-test-<pid> */
static char rel[80];        /* cell-test-<pid>/x */

enum which { FULL, FORCE_V1, UNIFIED_ONLY, LAZY };

struct ifx {
	struct cell_cgroup_host *h;
	struct cell_cgroup *cg;
	pid_t kids[8];
	int nkids;
	int go[8];
	char tmp[64];
	bool skip;      /* set up for a layout this host does not have */
};

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void remove_ours(void)
{
	struct cell_cgroup_host *h = NULL;
	struct cell_cgroup *cg = NULL;
	if (cell_cgroup_host_open(NULL, &h, NULL) < 0)
		return;
	if (cell_cgroup_open(h, base, &cg, NULL) == 0) {
		cell_cgroup_kill(cg, NULL);
		/* children of base first: kill reads only base's procs */
		struct cell_cgroup *x = NULL;
		if (cell_cgroup_open(h, rel, &x, NULL) == 0) {
			cell_cgroup_kill(x, NULL);
			cell_cgroup_free(x);
		}
		cell_cgroup_destroy(cg, NULL);
		cell_cgroup_free(cg);
	}
	cell_cgroup_host_free(h);
}

static int setup_which(void **state, enum which w)
{
	struct ifx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	for (int i = 0; i < 8; i++)
		f->go[i] = -1;
	*state = f;
	struct cell_error err = { 0 };
	int r;
	if (w == UNIFIED_ONLY) {
		struct cell_cgroup_host *h = NULL;
		assert_int_equal(cell_cgroup_host_open(NULL, &h, &err), 0);
		enum cell_cgroup_mode m = cell_cgroup_host_mode(h);
		cell_cgroup_host_free(h);
		if (m == CELL_CGROUP_V1) {
			f->skip = true;
			return 0;
		}
		r = cell_cgroup_host_open(m == CELL_CGROUP_V2 ? NULL :
					  "/sys/fs/cgroup/unified", &f->h,
					  &err);
		assert_int_equal(r, 0);
		assert_int_equal(cell_cgroup_host_mode(f->h), CELL_CGROUP_V2);
	} else {
		r = cell_cgroup_host_open_mode(NULL, w == FORCE_V1 ?
					       CELL_CGROUP_V1 :
					       CELL_CGROUP_DETECT, &f->h, &err);
		assert_int_equal(r, 0);
		if (w == FORCE_V1 &&
		    cell_cgroup_host_mode(f->h) != CELL_CGROUP_V1) {
			f->skip = true;   /* a pure v2 host has no v1 to force */
			return 0;
		}
		if (w == LAZY &&
		    cell_cgroup_host_mode(f->h) != CELL_CGROUP_HYBRID) {
			f->skip = true;   /* lazy v1 directories: hybrid only */
			return 0;
		}
	}
	r = cell_cgroup_create_flags(f->h, rel,
				     w == LAZY ? CELL_CGROUP_LAZY : 0, &f->cg,
				     &err);
	if (r < 0)
		print_message("create %s: %s\n", rel, err.msg);
	assert_int_equal(r, 0);
	return 0;
}

static int setup(void **state) { return setup_which(state, FULL); }
static int setup_v1(void **state) { return setup_which(state, FORCE_V1); }
static int setup_unified(void **state)
{
	return setup_which(state, UNIFIED_ONLY);
}
static int setup_lazy(void **state) { return setup_which(state, LAZY); }

static int teardown(void **state)
{
	struct ifx *f = *state;
	if (!f)
		return 0;
	/* a v1-frozen child would not die of SIGKILL: thaw first */
	if (f->cg)
		cell_cgroup_freeze(f->cg, false, NULL);
	for (int i = 0; i < f->nkids; i++) {
		if (f->go[i] >= 0)
			close(f->go[i]);
		if (f->kids[i] > 0) {
			kill(f->kids[i], SIGKILL);
			waitpid(f->kids[i], NULL, 0);
		}
	}
	cell_cgroup_free(f->cg);
	cell_cgroup_host_free(f->h);
	remove_ours();
	if (f->tmp[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", f->tmp);
		if (system(cmd) != 0)
			return -1;
	}
	free(f);
	/* and nothing of ours is left in any hierarchy */
	struct cell_cgroup_host *h = NULL;
	struct cell_cgroup *cg = NULL;
	if (cell_cgroup_host_open(NULL, &h, NULL) == 0) {
		int r = cell_cgroup_open(h, base, &cg, NULL);
		cell_cgroup_free(cg);
		cell_cgroup_host_free(h);
		if (r != -ENOENT)
			return -1;
	}
	return 0;
}

/* fork a child that waits for go() and then returns fn(arg) as status */
static pid_t spawn(struct ifx *f, int (*fn)(void *), void *arg)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(120);
		_exit(fn(arg));
	}
	close(p[0]);
	f->kids[f->nkids] = pid;
	f->go[f->nkids++] = p[1];
	return pid;
}

/* cmocka takes skip() in a setup function for a failure: tests skip here */
static struct ifx *fx(void **state)
{
	struct ifx *f = *state;
	if (f->skip)
		skip();
	return f;
}

static void go(struct ifx *f, pid_t pid)
{
	for (int i = 0; i < f->nkids; i++)
		if (f->kids[i] == pid) {
			assert_int_equal(write(f->go[i], "g", 1), 1);
			close(f->go[i]);
			f->go[i] = -1;
		}
}

static int reap(struct ifx *f, pid_t pid)
{
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	for (int i = 0; i < f->nkids; i++)
		if (f->kids[i] == pid)
			f->kids[i] = 0;
	return st;
}

/* spawn, attach, release, wait: the wait status */
static int run_in(struct ifx *f, struct cell_cgroup *cg, int (*fn)(void *),
		  void *arg)
{
	struct cell_error err = { 0 };
	pid_t pid = spawn(f, fn, arg);
	int r = cell_cgroup_attach(cg, pid, &err);
	if (r < 0)
		print_message("attach: %s\n", err.msg);
	assert_int_equal(r, 0);
	go(f, pid);
	return reap(f, pid);
}

static bool in_pids(struct cell_cgroup *cg, pid_t pid)
{
	pid_t *p = NULL;
	size_t n = 0;
	bool found = false;
	assert_int_equal(cell_cgroup_pids(cg, &p, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		found |= p[i] == pid;
	free(p);
	return found;
}

/* --- tests ---------------------------------------------------------------- */

static void test_layout(void **state)
{
	struct ifx *f = fx(state);
	enum cell_cgroup_mode m = cell_cgroup_host_mode(f->h);
	print_message("host mode: %s\n", m == CELL_CGROUP_V1 ? "v1" :
		      m == CELL_CGROUP_HYBRID ? "hybrid" : "v2");
	assert_true(m == CELL_CGROUP_V1 || m == CELL_CGROUP_HYBRID ||
		    m == CELL_CGROUP_V2);
	if (m != CELL_CGROUP_V1) {
		assert_true(cell_cgroup_unified_fd(f->cg) >= 0);
		assert_non_null(cell_cgroup_unified_path(f->cg));
	}
	/* a name clash; reuse; open */
	struct cell_cgroup *cg = NULL;
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_create(f->h, rel, &cg, &err), -EEXIST);
	assert_int_equal(cell_cgroup_create_flags(f->h, rel,
			 CELL_CGROUP_REUSE, &cg, &err), 0);
	cell_cgroup_free(cg);
	assert_int_equal(cell_cgroup_open(f->h, rel, &cg, &err), 0);
	cell_cgroup_free(cg);
	assert_true(cell_cgroup_is_empty(f->cg));
}

/* a name taken in just one hierarchy: -EEXIST, and nothing made in the
 * others */
static void test_clash(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	const char *u = cell_cgroup_unified_path(f->cg);
	if (!u)
		skip();
	char p[PATH_MAX], clash[128];
	snprintf(clash, sizeof(clash), "%s/clash", rel);
	snprintf(p, sizeof(p), "%s/clash", u);
	assert_int_equal(mkdir(p, 0755), 0);
	struct cell_cgroup *cg = NULL;
	assert_int_equal(cell_cgroup_create(f->h, clash, &cg, &err), -EEXIST);
	assert_null(cg);
	assert_non_null(strstr(err.msg, p));
	assert_int_equal(rmdir(p), 0);
	/* now nowhere: open finds none */
	assert_int_equal(cell_cgroup_open(f->h, clash, &cg, &err), -ENOENT);
}

static int pause_forever(void *arg)
{
	for (;;)
		pause();
	return 0;
}

static void test_attach(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	pid_t pid = spawn(f, pause_forever, NULL);
	assert_int_equal(cell_cgroup_attach(f->cg, pid, &err), 0);
	assert_true(in_pids(f->cg, pid));
	assert_false(cell_cgroup_is_empty(f->cg));
	/* every hierarchy says so: /proc/PID/cgroup */
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	char *s = NULL;
	assert_int_equal(cell_read_file(p, 1 << 16, &s, NULL), 0);
	char want[128];
	snprintf(want, sizeof(want), ":/%s\n", rel);
	int hits = 0;
	for (char *q = s; (q = strstr(q, want)); q++)
		hits++;
	print_message("%d hierarchies hold the child\n", hits);
	assert_true(hits >= 1);
	free(s);
	uint64_t n = 0;
	if (cell_cgroup_usage(f->cg, CELL_CG_PIDS, &n, &err) == 0)
		assert_true(n == 1);
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
	int st = reap(f, pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_true(cell_cgroup_is_empty(f->cg));
}

static int fork_many(void *arg)
{
	pid_t kids[8];
	int n = 0, eagain = 0;
	for (int i = 0; i < 6; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			eagain |= errno == EAGAIN;
			continue;
		}
		kids[n++] = p;
	}
	for (int i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return n | (eagain ? 0x40 : 0);
}

static void test_pids_limit(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	int r = cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "3", &err);
	if (r == -EOPNOTSUPP)
		skip();
	assert_int_equal(r, 0);
	char buf[64];
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_PIDS, buf,
					       sizeof(buf), &err), 0);
	assert_string_equal(buf, "3");
	/* the child is one of the 3: two forks work, the third fails */
	int st = run_in(f, f->cg, fork_many, NULL);
	assert_true(WIFEXITED(st));
	print_message("forks that worked: %d, EAGAIN seen: %d\n",
		      WEXITSTATUS(st) & 0x3f, !!(WEXITSTATUS(st) & 0x40));
	assert_int_equal(WEXITSTATUS(st), 2 | 0x40);
	/* lifted, all six work */
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "max",
					       &err), 0);
	st = run_in(f, f->cg, fork_many, NULL);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 6);
}

static int hog(void *arg)
{
	/* 512 MiB in 1 MiB pieces, every page touched */
	for (int i = 0; i < 512; i++) {
		char *p = malloc(1 << 20);
		if (!p)
			return 3;
		memset(p, i, 1 << 20);
	}
	return 0;
}

static void test_memory_oom(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	int r = cell_cgroup_limit_set(f->cg, CELL_CG_MEMORY, "32M", &err);
	if (r == -EOPNOTSUPP)
		skip();
	if (r < 0)
		print_message("memory: %s\n", err.msg);
	assert_int_equal(r, 0);
	char buf[64];
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_MEMORY, buf,
					       sizeof(buf), &err), 0);
	assert_string_equal(buf, "33554432");
	int st = run_in(f, f->cg, hog, NULL);
	print_message("hog: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
		      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	uint64_t use = 0;
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_MEMORY, &use, &err),
			 0);
	assert_true(use <= 32u << 20);
	/* lifted: the same hog finishes */
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_MEMORY,
					       "unlimited", &err), 0);
	st = run_in(f, f->cg, hog, NULL);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int spin(void *arg)
{
	volatile unsigned long *ctr = arg;
	for (;;)
		(*ctr)++;
	return 0;
}

static void freeze_thaw_kill(struct ifx *f)
{
	struct cell_error err = { 0 };
	volatile unsigned long *ctr = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(ctr != MAP_FAILED);
	pid_t pid = spawn(f, spin, (void *)ctr);
	assert_int_equal(cell_cgroup_attach(f->cg, pid, &err), 0);
	go(f, pid);
	for (int i = 0; i < 1000 && *ctr == 0; i++)
		msleep(1);
	assert_true(*ctr > 0);
	int r = cell_cgroup_freeze(f->cg, true, &err);
	if (r < 0)
		print_message("freeze: %s\n", err.msg);
	assert_int_equal(r, 0);
	unsigned long c1 = *ctr;
	msleep(150);
	assert_true(*ctr == c1);
	assert_int_equal(cell_cgroup_freeze(f->cg, false, &err), 0);
	msleep(50);
	assert_true(*ctr > c1);
	/* kill also works on a frozen cgroup */
	assert_int_equal(cell_cgroup_freeze(f->cg, true, &err), 0);
	r = cell_cgroup_kill(f->cg, &err);
	if (r < 0)
		print_message("kill: %s\n", err.msg);
	assert_int_equal(r, 0);
	int st = reap(f, pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_true(cell_cgroup_is_empty(f->cg));
	munmap((void *)ctr, 4096);
	/* leave it thawed for whoever comes next */
	cell_cgroup_freeze(f->cg, false, NULL);
}

static void test_freeze(void **state)
{
	freeze_thaw_kill(fx(state));
}

static int family(void *arg)
{
	/* three children that ignore SIGTERM, and a grandchild */
	signal(SIGTERM, SIG_IGN);
	for (int i = 0; i < 3; i++)
		if (fork() == 0) {
			if (i == 0 && fork() == 0)
				for (;;)
					pause();
			for (;;)
				pause();
		}
	for (;;)
		pause();
	return 0;
}

static void test_kill(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	pid_t pid = spawn(f, family, NULL);
	assert_int_equal(cell_cgroup_attach(f->cg, pid, &err), 0);
	go(f, pid);
	size_t n = 0;
	for (int i = 0; i < 2000 && n < 5; i++) {
		pid_t *p = NULL;
		assert_int_equal(cell_cgroup_pids(f->cg, &p, &n, &err), 0);
		free(p);
		msleep(1);
	}
	assert_int_equal(n, 5);
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
	assert_true(cell_cgroup_is_empty(f->cg));
	int st = reap(f, pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* an empty one is killed at once */
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
}

/* killing x kills what is in x/sub too, on every layout */
static void test_kill_tree(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/sub", rel);
	struct cell_cgroup *c = NULL;
	assert_int_equal(cell_cgroup_create(f->h, sub, &c, &err), 0);
	pid_t pid = spawn(f, pause_forever, NULL);
	int r = cell_cgroup_attach(c, pid, &err);
	cell_cgroup_free(c);
	assert_int_equal(r, 0);
	assert_true(cell_cgroup_is_empty(f->cg));   /* x itself holds none */
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
	int st = reap(f, pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(cell_cgroup_destroy(f->cg, &err), 0);
}

static int burn(void *arg)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000
	       < 200);
	return 0;
}

static void test_cpu_limits(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	char buf[64];
	int r = cell_cgroup_limit_set(f->cg, CELL_CG_CPU_QUOTA, "50000/100000",
				      &err);
	if (r == -EOPNOTSUPP)
		skip();
	assert_int_equal(r, 0);
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_CPU_QUOTA, buf,
					       sizeof(buf), &err), 0);
	assert_string_equal(buf, "50000 100000");
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_CPU_QUOTA, "max",
					       &err), 0);
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_CPU_QUOTA, buf,
					       sizeof(buf), &err), 0);
	assert_string_equal(buf, "max 100000");
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_CPU_SHARES, "512",
					       &err), 0);
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_CPU_SHARES, buf,
					       sizeof(buf), &err), 0);
	assert_string_equal(buf, cell_cgroup_host_mode(f->h) == CELL_CGROUP_V2
			    ? "20" : "512");
	/* cleared: the kernel defaults, weight 100 / shares 1024 */
	for (int k = 0; k < 2; k++) {
		assert_int_equal(cell_cgroup_limit_set(f->cg, k ?
				 CELL_CG_CPU_SHARES : CELL_CG_CPU_WEIGHT,
				 "max", &err), 0);
		assert_int_equal(cell_cgroup_limit_get(f->cg,
				 CELL_CG_CPU_SHARES, buf, sizeof(buf), &err),
				 0);
		assert_string_equal(buf, cell_cgroup_host_mode(f->h) ==
				    CELL_CGROUP_V2 ? "100" : "1024");
	}
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_CPU_WEIGHT, "100",
					       &err), 0);
	/* the kernel refuses what it refuses: an error, named */
	r = cell_cgroup_limit_set(f->cg, CELL_CG_CPU_QUOTA, "1000/1000000000",
				  &err);
	assert_int_equal(r, -EINVAL);
	int st = run_in(f, f->cg, burn, NULL);
	assert_true(WIFEXITED(st));
	uint64_t ns = 0;
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_CPU_TIME, &ns, &err),
			 0);
	print_message("cpu time: %llu ms\n", (unsigned long long)(ns / 1000000));
	assert_true(ns >= 50ull * 1000000);
}

static void test_io_limits(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	char *dev = NULL, buf[256], val[64];
	if (cell_read_file("/sys/block/loop0/dev", 64, &dev, NULL) < 0)
		skip();
	dev[strcspn(dev, "\n")] = '\0';
	snprintf(val, sizeof(val), "%s 1M", dev);
	int r = cell_cgroup_limit_set(f->cg, CELL_CG_IO_READ_BPS, val, &err);
	if (r == -EOPNOTSUPP) {
		free(dev);
		skip();
	}
	if (r < 0)
		print_message("io: %s\n", err.msg);
	assert_int_equal(r, 0);
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_IO_READ_BPS, buf,
					       sizeof(buf), &err), 0);
	print_message("read_bps: %s\n", buf);
	assert_non_null(strstr(buf, "1048576"));
	snprintf(val, sizeof(val), "%s max", dev);
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_IO_READ_BPS, val,
					       &err), 0);
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_IO_READ_BPS, buf,
					       sizeof(buf), &err), 0);
	assert_null(strstr(buf, "1048576"));
	free(dev);
}

/* --- devices -------------------------------------------------------------- */

static const struct cell_dev_rule dev_rules[] = {
	{ 'c', 1, 3, CELL_DEV_READ | CELL_DEV_WRITE | CELL_DEV_MKNOD },
	{ 'c', 1, 5, CELL_DEV_READ | CELL_DEV_WRITE | CELL_DEV_MKNOD },
	{ 'c', CELL_DEV_WILDCARD, CELL_DEV_WILDCARD, CELL_DEV_MKNOD },
};

/* bits for the checks that came out as expected */
static int dev_probe(void *arg)
{
	const char *dir = arg;
	int ok = 0, fd;
	char p[128];
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		ok |= 1;
		close(fd);
	}
	if ((fd = open("/dev/zero", O_RDONLY | O_CLOEXEC)) >= 0) {
		ok |= 2;
		close(fd);
	}
	fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == EPERM)
		ok |= 4;
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof(p), "%s/kmsg", dir);
	if (mknod(p, S_IFCHR | 0600, makedev(1, 11)) == 0) {
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == EPERM)
			ok |= 8;
		if (fd >= 0)
			close(fd);
	}
	snprintf(p, sizeof(p), "%s/loop", dir);
	if (mknod(p, S_IFBLK | 0600, makedev(7, 0)) < 0 && errno == EPERM)
		ok |= 16;
	return ok;
}

static void devices_check(struct ifx *f, struct cell_cgroup *cg)
{
	struct cell_error err = { 0 };
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/cell-cg-dev-XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	/* outside the cgroup all of it works (so the test means something) */
	int fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	int r = cell_cgroup_devices_set(cg, dev_rules, 3, &err);
	if (r < 0)
		print_message("devices: %s\n", err.msg);
	assert_int_equal(r, 0);
	int st = run_in(f, cg, dev_probe, f->tmp);
	assert_true(WIFEXITED(st));
	print_message("device checks passed: %#x of 0x1f\n", WEXITSTATUS(st));
	assert_int_equal(WEXITSTATUS(st), 0x1f);
	fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
}

static unsigned bpf_dev_progs(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)dfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	long r = syscall(__NR_bpf, BPF_PROG_QUERY, &a, sizeof(a));
	close(dfd);
	assert_int_equal(r, 0);
	return a.query.prog_cnt;
}

/* v2 only (the unified hierarchy on its own): the BPF program alone */
static void test_devices_bpf(void **state)
{
	struct ifx *f = fx(state);
	devices_check(f, f->cg);
	const char *u = cell_cgroup_unified_path(f->cg);
	assert_int_equal(bpf_dev_progs(u), 1);
	/* a second set replaces the program: still one */
	struct cell_error err = { 0 };
	assert_int_equal(cell_cgroup_devices_set(f->cg, dev_rules, 2, &err), 0);
	assert_int_equal(bpf_dev_progs(u), 1);
	/* nothing allowed at all */
	assert_int_equal(cell_cgroup_devices_set(f->cg, NULL, 0, &err), 0);
	int st = run_in(f, f->cg, dev_probe, f->tmp);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st) & 3, 0);
	/* "a": everything, /dev/kmsg included */
	struct cell_dev_rule all;
	assert_int_equal(cell_dev_rule_parse("a", &all), 0);
	assert_int_equal(cell_cgroup_devices_set(f->cg, &all, 1, &err), 0);
	st = run_in(f, f->cg, dev_probe, f->tmp);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st) & 7, 3);
	assert_int_equal(bpf_dev_progs(u), 1);
}

/* v1 devices controller only */
static void test_devices_v1(void **state)
{
	struct ifx *f = fx(state);
	devices_check(f, f->cg);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "/sys/fs/cgroup/devices/%s/devices.list", rel);
	char *s = NULL;
	assert_int_equal(cell_read_file(p, 1 << 16, &s, NULL), 0);
	assert_non_null(strstr(s, "c 1:3 rwm"));
	assert_non_null(strstr(s, "c *:* m"));
	assert_null(strstr(s, "a *:*"));
	free(s);
}

/* hybrid: both */
static void test_devices_both(void **state)
{
	struct ifx *f = fx(state);
	devices_check(f, f->cg);
}

static int in_own_cgroup(void *arg)
{
	char *s = NULL;
	if (cell_read_file("/proc/self/cgroup", 1 << 16, &s, NULL) < 0)
		return 1;
	char want[128];
	snprintf(want, sizeof(want), "0::/%s\n", rel);
	return strstr(s, want) ? 0 : 2;
}

static void test_clone_into_cgroup(void **state)
{
	struct ifx *f = fx(state);
	int cfd = cell_cgroup_unified_fd(f->cg);
	if (cfd < 0)
		skip();
	struct clone_args a;
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_INTO_CGROUP;
	a.exit_signal = SIGCHLD;
	a.cgroup = (uint64_t)cfd;
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		_exit(in_own_cgroup(NULL));
	assert_true(pid > 0);
	f->kids[f->nkids++] = (pid_t)pid;
	int st = reap(f, (pid_t)pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* the unified hierarchy alone is a real (controller-less) v2: freeze,
 * kill and cpu.stat work, limits are -EOPNOTSUPP, never a silent no-op */
static void test_unified_v2(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/cgroup.controllers",
		 cell_cgroup_unified_path(f->cg));
	char *s = NULL;
	assert_int_equal(cell_read_file(p, 4096, &s, NULL), 0);
	bool bare = s[0] == '\0' || s[0] == '\n';
	free(s);
	if (!bare)
		skip();   /* a real v2 host with controllers */
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "10",
					       &err), -EOPNOTSUPP);
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_MEMORY, "1G",
					       &err), -EOPNOTSUPP);
	freeze_thaw_kill(f);
	uint64_t ns = 0;
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_CPU_TIME, &ns, &err),
			 0);
	assert_true(ns > 0);
}

static void test_destroy(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	/* a child below x; destroy takes it first; base (made by this
	 * handle) goes too */
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/child", rel);
	struct cell_cgroup *c = NULL;
	assert_int_equal(cell_cgroup_create(f->h, sub, &c, &err), 0);
	cell_cgroup_free(c);
	/* busy: a process in the child keeps it */
	pid_t pid = spawn(f, pause_forever, NULL);
	assert_int_equal(cell_cgroup_open(f->h, sub, &c, &err), 0);
	assert_int_equal(cell_cgroup_attach(c, pid, &err), 0);
	assert_int_equal(cell_cgroup_destroy(f->cg, &err), -EBUSY);
	print_message("busy: %s\n", err.msg);
	assert_int_equal(cell_cgroup_kill(c, &err), 0);
	reap(f, pid);
	cell_cgroup_free(c);
	assert_int_equal(cell_cgroup_destroy(f->cg, &err), 0);
	struct cell_cgroup *gone = NULL;
	assert_int_equal(cell_cgroup_open(f->h, base, &gone, &err), -ENOENT);
	/* and again: ENOENT is fine */
	assert_int_equal(cell_cgroup_destroy(f->cg, &err), 0);
}

/* --- lazy v1 directories (hybrid) ---------------------------------------- */

/* the v1 hierarchies cell uses on this host, as their mount points */
static const char *const v1_mounts[] = {
	"/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu",
	"/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/blkio",
	"/sys/fs/cgroup/freezer", "/sys/fs/cgroup/devices",
	"/sys/fs/cgroup/cpuset",
};

static bool is_dir(const char *mnt, const char *path)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", mnt, path);
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* a v1 mount of this host, not a symlink to another (cpu -> cpu,cpuacct) */
static bool v1_mounted(const char *mnt)
{
	struct stat st;
	return lstat(mnt, &st) == 0 && S_ISDIR(st.st_mode);
}

/* pid's path in the hierarchy whose controller list holds ctl ("" for the
 * unified one: the "0::" line), into out; false when there is none */
static bool proc_cg(pid_t pid, const char *ctl, char *out, size_t len)
{
	char p[64];
	char *s = NULL;
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	if (cell_read_file(p, 1 << 16, &s, NULL) < 0)
		return false;
	bool found = false;
	for (char *save = NULL, *l = strtok_r(s, "\n", &save); l && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctls = c1 + 1;
		if (!ctl[0]) {
			found = !ctls[0];
		} else {
			size_t n = strlen(ctl);
			for (const char *q = ctls; *q; q += strcspn(q, ",")) {
				q += *q == ',';
				if (!strncmp(q, ctl, n) &&
				    (q[n] == ',' || !q[n]))
					found = true;
			}
		}
		if (found)
			snprintf(out, len, "%s", c2 + 1);
	}
	free(s);
	return found;
}

static void expect_cg(pid_t pid, const char *ctl, const char *want)
{
	char got[PATH_MAX] = "";
	assert_true(proc_cg(pid, ctl, got, sizeof(got)));
	if (strcmp(got, want))
		print_message("pid %d in %s: %s, want %s\n", (int)pid,
			      ctl[0] ? ctl : "unified", got, want);
	assert_string_equal(got, want);
}

static const char *unified_file(struct ifx *f, struct cell_cgroup *cg,
				const char *file)
{
	static char buf[256];
	char p[PATH_MAX];
	char *s = NULL;
	snprintf(p, sizeof(p), "%s/%s", cell_cgroup_unified_path(cg), file);
	assert_int_equal(cell_read_file(p, sizeof(buf) - 1, &s, NULL), 0);
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	(void)f;
	return buf;
}

static pid_t clone_into(struct ifx *f, struct cell_cgroup *cg,
			int (*fn)(void *), void *arg)
{
	struct clone_args a;
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_INTO_CGROUP;
	a.exit_signal = SIGCHLD;
	a.cgroup = (uint64_t)cell_cgroup_unified_fd(cg);
	assert_true(cell_cgroup_unified_fd(cg) >= 0);
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		_exit(fn(arg));
	assert_true(pid > 0);
	f->kids[f->nkids++] = (pid_t)pid;
	return (pid_t)pid;
}

/* LAZY on a hybrid host: the unified directory and no v1 one; nothing to
 * read from the absent controllers (-ENODATA), cpu time from the unified
 * cpu.stat; clearing a limit makes nothing */
static void test_lazy_layout(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	assert_true(is_dir("/sys/fs/cgroup/unified", rel));
	for (size_t k = 0; k < ARRAY_SIZE(v1_mounts); k++) {
		if (is_dir(v1_mounts[k], base))
			print_message("%s/%s exists\n", v1_mounts[k], base);
		assert_false(is_dir(v1_mounts[k], base));
	}
	char buf[64];
	uint64_t n = 0;
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_PIDS, buf,
					       sizeof(buf), &err), -ENODATA);
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_MEMORY, buf,
					       sizeof(buf), &err), -ENODATA);
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_CPU_QUOTA, buf,
					       sizeof(buf), &err), -ENODATA);
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_PIDS, &n, &err),
			 -ENODATA);
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_MEMORY, &n, &err),
			 -ENODATA);
	print_message("ENODATA: %s\n", err.msg);
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_CPU_TIME, &n, &err),
			 0);
	/* "max" where there is no limit: nothing made */
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "max",
					       &err), 0);
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_MEMORY,
					       "unlimited", &err), 0);
	assert_false(is_dir("/sys/fs/cgroup/pids", base));
	assert_false(is_dir("/sys/fs/cgroup/memory", base));
	/* a bad value makes nothing either */
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "0",
					       &err), -EINVAL);
	assert_false(is_dir("/sys/fs/cgroup/pids", base));
	/* open finds it (unified only), and the same holds there */
	struct cell_cgroup *cg = NULL;
	assert_int_equal(cell_cgroup_open(f->h, rel, &cg, &err), 0);
	assert_true(cell_cgroup_unified_fd(cg) >= 0);
	assert_int_equal(cell_cgroup_limit_get(cg, CELL_CG_PIDS, buf,
					       sizeof(buf), &err), -ENODATA);
	assert_true(cell_cgroup_is_empty(cg));
	assert_int_equal(cell_cgroup_kill(cg, &err), 0);
	cell_cgroup_free(cg);
	/* REUSE of a lazy one stays lazy */
	assert_int_equal(cell_cgroup_create_flags(f->h, rel,
			 CELL_CGROUP_REUSE | CELL_CGROUP_LAZY, &cg, &err), 0);
	cell_cgroup_free(cg);
	assert_false(is_dir("/sys/fs/cgroup/pids", base));
}

/* devices on a lazy cgroup: the BPF program alone carries the policy */
static void test_lazy_devices(void **state)
{
	struct ifx *f = fx(state);
	devices_check(f, f->cg);
	assert_false(is_dir("/sys/fs/cgroup/devices", base));
	assert_int_equal(bpf_dev_progs(cell_cgroup_unified_path(f->cg)), 1);
}

/* CLONE_INTO_CGROUP places the child in the unified cgroup, and
 * attach_v1 writes nowhere while there is no v1 directory */
static void test_lazy_clone_attach_v1(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	char want[128];
	snprintf(want, sizeof(want), "/%s", rel);
	pid_t pid = clone_into(f, f->cg, pause_forever, NULL);
	expect_cg(pid, "", want);
	static const char *const ctls[] = { "pids", "memory", "cpu",
					    "cpuacct", "blkio", "freezer",
					    "devices", "cpuset" };
	char mine[ARRAY_SIZE(ctls)][PATH_MAX];
	for (size_t k = 0; k < ARRAY_SIZE(ctls); k++) {
		assert_true(proc_cg(getpid(), ctls[k], mine[k],
				    sizeof(mine[k])));
		expect_cg(pid, ctls[k], mine[k]);
	}
	assert_int_equal(cell_cgroup_attach_v1(f->cg, pid, &err), 0);
	expect_cg(pid, "", want);
	for (size_t k = 0; k < ARRAY_SIZE(ctls); k++)
		expect_cg(pid, ctls[k], mine[k]);
	for (size_t k = 0; k < ARRAY_SIZE(v1_mounts); k++)
		assert_false(is_dir(v1_mounts[k], base));
	assert_true(in_pids(f->cg, pid));
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
	int st = reap(f, pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* inotify on the unified cgroup.events: the kernel notifies each change
 * of "populated" and "frozen" (changes closer than 20 ms coalesced) */
static int events_watch(struct cell_cgroup *cg)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/cgroup.events",
		 cell_cgroup_unified_path(cg));
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, p, IN_MODIFY) >= 0);
	return fd;
}

/* notifications so far, after the kernel's deferred one had its time */
static int events_count(int fd)
{
	msleep(60);
	int n = 0;
	char buf[4096] __attribute__((aligned(8)));
	ssize_t len;
	while ((len = read(fd, buf, sizeof(buf))) > 0)
		for (char *q = buf; q < buf + len;
		     q += sizeof(struct inotify_event) +
			  ((struct inotify_event *)q)->len)
			n++;
	return n;
}

struct fam {
	volatile unsigned long ctr[2];
	volatile pid_t grandchild;
};

/* a child and a grandchild, both spinning on their counter */
static int spin_family(void *arg)
{
	struct fam *fm = arg;
	pid_t g = fork();
	if (g == 0)
		for (;;)
			fm->ctr[1]++;
	fm->grandchild = g;
	for (;;)
		fm->ctr[0]++;
	return 0;
}

static void wait_counting(struct fam *fm)
{
	unsigned long c0 = fm->ctr[0], c1 = fm->ctr[1];
	for (int i = 0; i < 2000 && (fm->ctr[0] == c0 || fm->ctr[1] == c1);
	     i++)
		msleep(1);
	assert_true(fm->ctr[0] != c0);
	assert_true(fm->ctr[1] != c1);
}

/* pids.max on a lazy cgroup with a running child and grandchild: the pids
 * directory is made, both are moved into it, counted and limited, and the
 * cgroup runs again afterwards */
static void test_lazy_pids_migrate(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	struct fam *fm = mmap(NULL, sizeof(*fm), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(fm != MAP_FAILED);
	pid_t pid = clone_into(f, f->cg, spin_family, fm);
	for (int i = 0; i < 2000 && fm->grandchild <= 0; i++)
		msleep(1);
	pid_t gpid = fm->grandchild;
	assert_true(gpid > 0);
	wait_counting(fm);
	char want[128], p[PATH_MAX];
	snprintf(want, sizeof(want), "/%s", rel);
	expect_cg(gpid, "", want);
	assert_false(is_dir("/sys/fs/cgroup/pids", rel));

	int ev = events_watch(f->cg);
	assert_int_equal(events_count(ev), 0);
	int r = cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "5", &err);
	if (r < 0)
		print_message("limit: %s\n", err.msg);
	assert_int_equal(r, 0);
	/* frozen and thawed for the move */
	int nev = events_count(ev);
	print_message("cgroup.events changed %d times\n", nev);
	assert_true(nev >= 1);
	assert_true(is_dir("/sys/fs/cgroup/pids", rel));
	assert_false(is_dir("/sys/fs/cgroup/memory", base));
	expect_cg(pid, "pids", want);
	expect_cg(gpid, "pids", want);
	expect_cg(pid, "", want);
	char *s = NULL;
	snprintf(p, sizeof(p), "/sys/fs/cgroup/pids/%s/pids.max", rel);
	assert_int_equal(cell_read_file(p, 64, &s, NULL), 0);
	assert_string_equal(s, "5\n");
	free(s);
	/* thawed, and both run */
	assert_non_null(strstr(unified_file(f, f->cg, "cgroup.events"),
			       "frozen 0"));
	assert_string_equal(unified_file(f, f->cg, "cgroup.freeze"), "0\n");
	wait_counting(fm);
	char buf[64];
	uint64_t n = 0;
	assert_int_equal(cell_cgroup_limit_get(f->cg, CELL_CG_PIDS, buf,
					       sizeof(buf), &err), 0);
	assert_string_equal(buf, "5");
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_PIDS, &n, &err), 0);
	assert_int_equal(n, 2);
	/* memory was not touched: still nothing there */
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_MEMORY, &n, &err),
			 -ENODATA);
	/* a newcomer (attach: unified + pids) is the third of the five: it
	 * forks two, the third fork fails */
	int st = run_in(f, f->cg, fork_many, NULL);
	assert_true(WIFEXITED(st));
	print_message("forks that worked: %d, EAGAIN seen: %d\n",
		      WEXITSTATUS(st) & 0x3f, !!(WEXITSTATUS(st) & 0x40));
	assert_int_equal(WEXITSTATUS(st), 2 | 0x40);
	/* a second limit on the same controller moves nothing again: no
	 * freeze */
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "6", &err),
			 0);
	assert_int_equal(events_count(ev), 0);
	close(ev);
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
	st = reap(f, pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	munmap(fm, sizeof(*fm));
	/* the handle that made them removes the pids directories, its
	 * parent cell-test-PID too */
	assert_int_equal(cell_cgroup_destroy(f->cg, &err), 0);
	assert_false(is_dir("/sys/fs/cgroup/pids", base));
	assert_false(is_dir("/sys/fs/cgroup/unified", base));
}

/* handles opened before the limit, and one opened after, see the lazily
 * made directory: each of them is used for one thing only, so that no
 * earlier call has looked again on its behalf. Destroy from an old one
 * removes it, prune_top the top directory the lazy creation made. */
static void test_lazy_other_handle(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	struct cell_cgroup *old_rm = NULL, *old_at = NULL, *old_get = NULL;
	struct cell_cgroup *late = NULL;
	assert_int_equal(cell_cgroup_open(f->h, rel, &old_rm, &err), 0);
	assert_int_equal(cell_cgroup_open(f->h, rel, &old_at, &err), 0);
	assert_int_equal(cell_cgroup_open(f->h, rel, &old_get, &err), 0);
	pid_t pid = clone_into(f, f->cg, pause_forever, NULL);
	int r = cell_cgroup_limit_set(f->cg, CELL_CG_MEMORY, "64M", &err);
	if (r < 0)
		print_message("limit: %s\n", err.msg);
	assert_int_equal(r, 0);
	char want[128], buf[64];
	snprintf(want, sizeof(want), "/%s", rel);
	expect_cg(pid, "memory", want);
	/* old and new handles read it */
	assert_int_equal(cell_cgroup_open(f->h, rel, &late, &err), 0);
	assert_int_equal(cell_cgroup_limit_get(late, CELL_CG_MEMORY, buf,
					       sizeof(buf), &err), 0);
	assert_string_equal(buf, "67108864");
	cell_cgroup_free(late);
	assert_int_equal(cell_cgroup_limit_get(old_get, CELL_CG_MEMORY, buf,
					       sizeof(buf), &err), 0);
	assert_string_equal(buf, "67108864");
	cell_cgroup_free(old_get);
	/* an old handle attaches a newcomer into the memory directory too */
	pid_t pid2 = spawn(f, pause_forever, NULL);
	assert_int_equal(cell_cgroup_attach(old_at, pid2, &err), 0);
	expect_cg(pid2, "memory", want);
	expect_cg(pid2, "", want);
	pid_t pid3 = clone_into(f, old_at, pause_forever, NULL);
	assert_int_equal(cell_cgroup_attach_v1(old_at, pid3, &err), 0);
	expect_cg(pid3, "memory", want);
	cell_cgroup_free(old_at);
	/* jail -r: kill and destroy through the third old handle */
	assert_int_equal(cell_cgroup_kill(old_rm, &err), 0);
	reap(f, pid);
	reap(f, pid2);
	reap(f, pid3);
	r = cell_cgroup_destroy(old_rm, &err);
	if (r < 0)
		print_message("destroy: %s\n", err.msg);
	assert_int_equal(r, 0);
	assert_false(is_dir("/sys/fs/cgroup/memory", rel));
	assert_false(is_dir("/sys/fs/cgroup/unified", rel));
	/* the parent the lazy creation made stays until prune_top, which
	 * finds it through the handle's refreshed directories */
	assert_true(is_dir("/sys/fs/cgroup/memory", base));
	cell_cgroup_prune_top(old_rm, base);
	cell_cgroup_free(old_rm);
	assert_false(is_dir("/sys/fs/cgroup/memory", base));
	assert_false(is_dir("/sys/fs/cgroup/unified", base));
}

/* a cgroup frozen by someone else stays frozen across the move, and an
 * empty one is not frozen at all */
static void test_lazy_frozen_stays(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	int ev = events_watch(f->cg);
	assert_int_equal(cell_cgroup_limit_set(f->cg, CELL_CG_CPU_SHARES, "512",
					       &err), 0);
	assert_int_equal(events_count(ev), 0);
	assert_true(is_dir("/sys/fs/cgroup/cpu", rel));
	pid_t pid = clone_into(f, f->cg, pause_forever, NULL);
	assert_int_equal(cell_cgroup_freeze(f->cg, true, &err), 0);
	events_count(ev);
	int r = cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "7", &err);
	if (r < 0)
		print_message("limit: %s\n", err.msg);
	assert_int_equal(r, 0);
	char want[128];
	snprintf(want, sizeof(want), "/%s", rel);
	expect_cg(pid, "pids", want);
	assert_string_equal(unified_file(f, f->cg, "cgroup.freeze"), "1\n");
	assert_non_null(strstr(unified_file(f, f->cg, "cgroup.events"),
			       "frozen 1"));
	assert_int_equal(events_count(ev), 0);
	close(ev);
	assert_int_equal(cell_cgroup_freeze(f->cg, false, &err), 0);
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
	reap(f, pid);
}

/* a v1 directory of the jail's path that someone else made and uses: the
 * first limit refuses it (EBUSY) instead of binding and, at removal,
 * killing a process that is not the jail's */
static void test_lazy_foreign_v1(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	if (!is_dir("/sys/fs/cgroup/pids", ""))
		skip();
	char top[PATH_MAX], dir[PATH_MAX], procs[PATH_MAX + 16], buf[32];
	snprintf(top, sizeof(top), "/sys/fs/cgroup/pids/%s", base);
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/pids/%s", rel);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	bool made_top = mkdir(top, 0755) == 0;
	assert_int_equal(mkdir(dir, 0755), 0);
	pid_t other = spawn(f, pause_forever, NULL);
	snprintf(buf, sizeof(buf), "%d", (int)other);
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, strlen(buf)), (ssize_t)strlen(buf));
	close(fd);
	pid_t mine = clone_into(f, f->cg, pause_forever, NULL);
	int r = cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "7", &err);
	assert_int_equal(r, -EBUSY);
	assert_non_null(strstr(err.msg, "not of this cgroup"));
	char want[128];
	snprintf(want, sizeof(want), "/%s", rel);
	expect_cg(mine, "", want);
	kill(other, SIGKILL);
	kill(mine, SIGKILL);
	reap(f, other);
	reap(f, mine);
	/* emptied, the directory is the jail's to use */
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(5000);
	if (made_top)
		rmdir(top);
}

/* nested lazy cgroups: a limit on the inner one first makes the outer
 * v1 directory as a parent, without the outer's processes; a limit on the
 * outer then moves those, and leaves the inner's where they are */
static void test_lazy_nested(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	char sub[128], want_x[128], want_sub[160], mine[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/sub", rel);
	snprintf(want_x, sizeof(want_x), "/%s", rel);
	snprintf(want_sub, sizeof(want_sub), "/%s", sub);
	struct cell_cgroup *in = NULL;
	assert_int_equal(cell_cgroup_create_flags(f->h, sub, CELL_CGROUP_LAZY,
						  &in, &err), 0);
	pid_t outer = clone_into(f, f->cg, pause_forever, NULL);
	pid_t inner = clone_into(f, in, pause_forever, NULL);
	assert_true(proc_cg(getpid(), "pids", mine, sizeof(mine)));
	int r = cell_cgroup_limit_set(in, CELL_CG_PIDS, "10", &err);
	if (r < 0)
		print_message("limit: %s\n", err.msg);
	assert_int_equal(r, 0);
	expect_cg(inner, "pids", want_sub);
	expect_cg(outer, "pids", mine);
	assert_true(is_dir("/sys/fs/cgroup/pids", rel));
	/* the outer one's directory exists now, but holds no limit of its
	 * own yet: setting one moves the outer process only */
	r = cell_cgroup_limit_set(f->cg, CELL_CG_PIDS, "20", &err);
	if (r < 0)
		print_message("limit: %s\n", err.msg);
	assert_int_equal(r, 0);
	expect_cg(outer, "pids", want_x);
	expect_cg(inner, "pids", want_sub);
	uint64_t n = 0;
	assert_int_equal(cell_cgroup_usage(f->cg, CELL_CG_PIDS, &n, &err), 0);
	assert_int_equal(n, 2);   /* pids.current counts the subtree */
	assert_int_equal(cell_cgroup_usage(in, CELL_CG_PIDS, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cell_cgroup_kill(f->cg, &err), 0);
	reap(f, outer);
	reap(f, inner);
	assert_int_equal(cell_cgroup_destroy(in, &err), 0);
	cell_cgroup_free(in);
	assert_false(is_dir("/sys/fs/cgroup/pids", sub));
	assert_int_equal(cell_cgroup_destroy(f->cg, &err), 0);
	assert_false(is_dir("/sys/fs/cgroup/pids", base));
}

/* a host forced to V1 has no unified hierarchy: LAZY changes nothing,
 * every hierarchy gets the directory; on the unified hierarchy alone (a
 * V2 root) it is made as always */
static void test_lazy_ignored(void **state)
{
	struct ifx *f = fx(state);
	struct cell_error err = { 0 };
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/lazy", rel);
	struct cell_cgroup *cg = NULL;
	assert_int_equal(cell_cgroup_create_flags(f->h, sub, CELL_CGROUP_LAZY,
						  &cg, &err), 0);
	int seen = 0;
	if (cell_cgroup_host_mode(f->h) == CELL_CGROUP_V1) {
		for (size_t k = 0; k < ARRAY_SIZE(v1_mounts); k++) {
			if (!v1_mounted(v1_mounts[k]))
				continue;
			assert_true(is_dir(v1_mounts[k], sub));
			seen++;
		}
		assert_false(is_dir("/sys/fs/cgroup/unified", sub));
		char buf[64];
		assert_int_equal(cell_cgroup_limit_get(cg, CELL_CG_PIDS, buf,
						       sizeof(buf), &err), 0);
		assert_string_equal(buf, "max");
	} else {
		assert_true(is_dir(cell_cgroup_unified_path(f->cg), "lazy"));
		seen++;
	}
	print_message("%d hierarchies hold it\n", seen);
	assert_true(seen >= 1);
	assert_int_equal(cell_cgroup_destroy(cg, &err), 0);
	cell_cgroup_free(cg);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("not root: cgroup integration tests skipped\n");
		return 77;
	}
	struct cell_cgroup_host *h = NULL;
	if (cell_cgroup_host_open(NULL, &h, NULL) < 0) {
		printf("no cgroup hierarchy: cgroup integration tests skipped\n");
		return 77;
	}
	cell_cgroup_host_free(h);
	snprintf(base, sizeof(base), "cell-test-%d", (int)getpid());
	snprintf(rel, sizeof(rel), "%s/x", base);
#define T(fn, s) cmocka_unit_test_setup_teardown(fn, s, teardown)
	const struct CMUnitTest tests[] = {
		T(test_layout, setup),
		T(test_attach, setup),
		T(test_clash, setup),
		T(test_pids_limit, setup),
		T(test_memory_oom, setup),
		T(test_freeze, setup),
		T(test_freeze, setup_v1),
		T(test_kill, setup),
		T(test_kill, setup_v1),
		T(test_kill_tree, setup),
		T(test_kill_tree, setup_v1),
		T(test_cpu_limits, setup),
		T(test_io_limits, setup),
		T(test_devices_bpf, setup_unified),
		T(test_devices_v1, setup_v1),
		T(test_devices_both, setup),
		T(test_clone_into_cgroup, setup),
		T(test_unified_v2, setup_unified),
		T(test_destroy, setup),
		T(test_destroy, setup_v1),
		T(test_lazy_layout, setup_lazy),
		T(test_lazy_devices, setup_lazy),
		T(test_lazy_clone_attach_v1, setup_lazy),
		T(test_lazy_pids_migrate, setup_lazy),
		T(test_lazy_other_handle, setup_lazy),
		T(test_lazy_nested, setup_lazy),
		T(test_lazy_frozen_stays, setup_lazy),
		T(test_lazy_foreign_v1, setup_lazy),
		T(test_lazy_ignored, setup_v1),
		T(test_lazy_ignored, setup_unified),
	};
	return cmocka_run_group_tests_name("cgroup-host (real hierarchy)",
					   tests, NULL, NULL);
}
