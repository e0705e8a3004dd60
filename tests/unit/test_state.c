/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The state directory's cache (bpf/): save, load, keys that may not name
 * a path, and the bound kept by pruning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "lifecycle.h"
#include "state.h"
#include "util.h"

static char dir[] = "/tmp/cell-unit-state.XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	return setenv("CELL_RUN_DIR", dir, 1);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void save_load(void **state)
{
	(void)state;
	assert_int_equal(cell_state_cache_save("oci-a", "hello", 5), 0);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(cell_state_cache_load("oci-a", 64, &buf, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	free(buf);
	/* bigger than the caller takes */
	assert_int_equal(cell_state_cache_load("oci-a", 4, &buf, &len),
			 -EFBIG);
	assert_int_equal(cell_state_cache_load("oci-none", 64, &buf, &len),
			 -ENOENT);
}

static void keys_are_names(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len;
	assert_int_equal(cell_state_cache_save("../escape", "x", 1), -EINVAL);
	assert_int_equal(cell_state_cache_save("a/b", "x", 1), -EINVAL);
	assert_int_equal(cell_state_cache_save(".hidden", "x", 1), -EINVAL);
	assert_int_equal(cell_state_cache_save("", "x", 1), -EINVAL);
	assert_int_equal(cell_state_cache_load("../escape", 8, &buf, &len),
			 -EINVAL);
}

static void prune_keeps_the_newest(void **state)
{
	(void)state;
	char key[32], path[256];
	/* 10 entries, mtimes 1000..1009; one of another prefix, oldest */
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "oci-p%d", i);
		assert_int_equal(cell_state_cache_save(key, "x", 1), 0);
		snprintf(path, sizeof(path), "%s/bpf/%s", dir, key);
		struct timespec t[2] = { { 1000 + i, 0 }, { 1000 + i, 0 } };
		assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
	}
	assert_int_equal(cell_state_cache_save("jail-k", "x", 1), 0);
	snprintf(path, sizeof(path), "%s/bpf/jail-k", dir);
	struct timespec t0[2] = { { 1, 0 }, { 1, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, path, t0, 0), 0);

	cell_state_cache_prune("oci-p", 6);
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s/bpf/oci-p%d", dir, i);
		/* the 4 oldest went, the 6 newest stay */
		assert_int_equal(access(path, F_OK) == 0, i >= 4);
	}
	snprintf(path, sizeof(path), "%s/bpf/jail-k", dir);
	assert_int_equal(access(path, F_OK), 0);
	/* at the bound: nothing goes */
	cell_state_cache_prune("oci-p", 6);
	snprintf(path, sizeof(path), "%s/bpf/oci-p4", dir);
	assert_int_equal(access(path, F_OK), 0);
}

/* cell_read_file starts with a small buffer and grows it up to max:
 * every size around the growth steps reads back whole, and one byte
 * over max is -EFBIG. */
static void read_file_sizes(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "%s/read-file", dir);
	const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 16383, 16384, 16385,
				 65536, 100000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		char *data = malloc(n + 1);
		assert_non_null(data);
		for (size_t k = 0; k < n; k++)
			data[k] = (char)('a' + k % 26);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(data, 1, n, f), n);
		fclose(f);
		char *out = NULL;
		size_t len = 0;
		assert_int_equal(cell_read_file(path, n, &out, &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(out, data, n);
		assert_int_equal(out[n], '\0');
		free(out);
		assert_int_equal(cell_read_file(path, 1 << 20, &out, &len), 0);
		assert_int_equal(len, n);
		free(out);
		if (n > 0) {
			out = NULL;
			assert_int_equal(cell_read_file(path, n - 1, &out, &len),
					 -EFBIG);
			assert_null(out);
		}
		free(data);
	}
	unlink(path);
}

/* cell_write_file_atomic replaces a file by exchanging names; a
 * directory in the way is refused as rename(2) refuses it, and stays */
static void write_atomic_replaces(void **state)
{
	(void)state;
	char path[64], sub[80];
	snprintf(path, sizeof(path), "%s/atomic", dir);
	assert_int_equal(cell_write_file_atomic(path, "one", 3), 0);
	assert_int_equal(cell_write_file_atomic(path, "two!", 4), 0);
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(cell_read_file(path, 64, &out, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "two!", 4);
	free(out);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/keep", path);
	assert_int_equal(cell_write_file_atomic(sub, "x", 1), 0);
	assert_int_equal(cell_write_file_atomic(path, "three", 5), -EISDIR);
	struct stat st;
	assert_int_equal(stat(sub, &st), 0); /* the directory is whole */
	/* and no temporary is left beside it */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q tmp", dir);
	assert_int_not_equal(system(cmd), 0);
	unlink(sub);
	rmdir(path);
}

/* a killed writer's temporary record (NAME.tmp.PID, PID dead) goes with
 * the next listing; a live writer's stays */
static void list_sweeps_dead_writers(void **state)
{
	(void)state;
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	assert_true(dead > 0);
	waitpid(dead, NULL, 0);
	char a[96], b[96];
	snprintf(a, sizeof(a), "%s/jails/7.tmp.%d", dir, (int)dead);
	snprintf(b, sizeof(b), "%s/jails/7.tmp.%d", dir, (int)getpid());
	char jails[80];
	snprintf(jails, sizeof(jails), "%s/jails", dir);
	mkdir(jails, 0700);
	FILE *f = fopen(a, "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(b, "w");
	assert_non_null(f);
	fclose(f);
	int *jids = NULL;
	size_t n = 0;
	assert_int_equal(cell_state_list(&jids, &n, NULL), 0);
	free(jids);
	struct stat st;
	assert_int_equal(stat(a, &st), -1);
	assert_int_equal(stat(b, &st), 0);
	unlink(b);
}

/* an empty record (only a crash of the system leaves one: records are
 * replaced whole) is removed by repair, with what lies beside it */
static void repair_removes_empty_records(void **state)
{
	(void)state;
	char jails[80], rec[96], bpf[100];
	snprintf(jails, sizeof(jails), "%s/jails", dir);
	mkdir(jails, 0700);
	snprintf(rec, sizeof(rec), "%s/9", jails);
	snprintf(bpf, sizeof(bpf), "%s/9.bpf", jails);
	FILE *f = fopen(rec, "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(bpf, "w");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
	struct cell_record r;
	assert_int_equal(cell_state_peek(9, &r), -ENODATA);
	assert_true(cell_repair(-1, NULL) >= 1);
	struct stat st;
	assert_int_equal(stat(rec, &st), -1);
	assert_int_equal(stat(bpf, &st), -1);
}

/* A FIFO (or any file that is not a regular one) in the state directory
 * reads as a damaged record, kept: it blocked every command's scan in
 * open(2), holding the lock. SIGALRM ends a hang as a failure. */
static void fifo_records_do_not_block(void **state)
{
	(void)state;
	char jails[80], rec[96], bpf[100];
	snprintf(jails, sizeof(jails), "%s/jails", dir);
	mkdir(jails, 0700);
	snprintf(rec, sizeof(rec), "%s/7", jails);
	snprintf(bpf, sizeof(bpf), "%s/7.bpf", jails);
	assert_int_equal(mkfifo(rec, 0600), 0);
	assert_int_equal(mkfifo(bpf, 0600), 0);
	alarm(5);
	struct cell_record r;
	assert_int_equal(cell_state_peek(7, &r), -EINVAL);
	assert_true(cell_state_load(7, &r, NULL) < 0);
	assert_int_equal(cell_state_find("7", &r, NULL), -EINVAL);
	assert_int_equal(cell_state_find("web", &r, NULL), -ENOENT);
	struct sock_fprog prog;
	assert_int_equal(cell_state_load_bpf(7, false, &prog), -EINVAL);
	assert_true(cell_repair(-1, NULL) >= 0);
	/* kept (not ours to delete), and its jid is not handed out */
	struct stat st;
	assert_int_equal(stat(rec, &st), 0);
	assert_int_equal(cell_state_next_jid(NULL), 8);
	alarm(0);
	unlink(rec);
	unlink(bpf);
}

/* cell_rfc3339_utc against glibc's gmtime_r over dates from 1970 to past
 * 2500, leap days and the nanoseconds included */
static void rfc3339_matches_gmtime(void **state)
{
	(void)state;
	struct timespec ts = { 0, 0 };
	char got[64], want[64];
	cell_rfc3339_utc(&ts, got, sizeof(got));
	assert_string_equal(got, "1970-01-01T00:00:00.000000000Z");
	ts.tv_sec = 951782400;   /* 2000-02-29 */
	ts.tv_nsec = 5;
	cell_rfc3339_utc(&ts, got, sizeof(got));
	assert_string_equal(got, "2000-02-29T00:00:00.000000005Z");
	unsigned seed = 3339;
	for (int i = 0; i < 20000; i++) {
		ts.tv_sec = (time_t)(((unsigned long long)rand_r(&seed) << 16 ^
				      (unsigned)rand_r(&seed)) %
				     17000000000ULL);
		ts.tv_nsec = rand_r(&seed) % 1000000000;
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		size_t n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S",
				    &tm);
		snprintf(want + n, sizeof(want) - n, ".%09ldZ", ts.tv_nsec);
		cell_rfc3339_utc(&ts, got, sizeof(got));
		assert_string_equal(got, want);
	}
	/* a short buffer is cut, and terminated */
	cell_rfc3339_utc(&ts, got, 5);
	assert_int_equal(strlen(got), 4);
}

/* a process's start time and state letter from /proc: itself running, a
 * child that has exited and is not reaped a zombie ('Z': ended), a pid
 * that does not exist 0 */
static void proc_start_and_state(void **state)
{
	(void)state;
	char st = '?';
	unsigned long long me = cell_proc_starttime_state(getpid(), &st);
	assert_true(me > 0);
	assert_int_equal(st, 'R');
	assert_true(cell_proc_starttime(getpid()) == me);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0)
		_exit(0);
	unsigned long long ks = 0;
	for (int i = 0; i < 500; i++) {
		ks = cell_proc_starttime_state(kid, &st);
		if (st == 'Z')
			break;
		usleep(2000);
	}
	assert_int_equal(st, 'Z');
	assert_true(ks > 0);
	assert_int_equal(waitpid(kid, NULL, 0), kid);
	assert_true(cell_proc_starttime_state(kid, &st) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(save_load),
		cmocka_unit_test(keys_are_names),
		cmocka_unit_test(prune_keeps_the_newest),
		cmocka_unit_test(read_file_sizes),
		cmocka_unit_test(write_atomic_replaces),
		cmocka_unit_test(list_sweeps_dead_writers),
		cmocka_unit_test(repair_removes_empty_records),
		cmocka_unit_test(fifo_records_do_not_block),
		cmocka_unit_test(rfc3339_matches_gmtime),
		cmocka_unit_test(proc_start_and_state),
	};
	return cmocka_run_group_tests_name("state", tests, setup, teardown);
}
