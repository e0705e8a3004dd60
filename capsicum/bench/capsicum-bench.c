/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capsicum-bench: what libcapsicum's seccomp enforcement costs.
 *
 *   read()/write() of 4 KiB blocks on a plain process (baseline), with 10
 *   other descriptors limited, on a limited descriptor among 10, among
 *   100, and in capability mode; plus cap_enter() latency.  Every
 *   scenario runs in a fresh child (filters cannot be removed), repeats
 *   REPS times and reports the median; overhead is against the baseline.
 *
 * usage: capsicum-bench [-n OPS] [-r REPS] [-d DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/capsicum.h>

#define BLOCK 4096
#define WRAP  256 /* blocks per 1 MiB file, then seek back */
#define MAXREPS 101

static long ops = 20000;
static int reps = 15;
static const char *dir = "/tmp";
static char path[256];

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ns per read and per write of one 4 KiB block on fd */
static void measure(int fd, double *rd, double *wr)
{
	static char buf[BLOCK];
	double r[MAXREPS], w[MAXREPS];

	for (int k = 0; k < reps; k++) {
		double t0 = now_ns();
		for (long i = 0; i < ops; i++) {
			if (i % WRAP == 0)
				lseek(fd, 0, SEEK_SET);
			if (write(fd, buf, BLOCK) != BLOCK)
				_exit(3);
		}
		double t1 = now_ns();
		for (long i = 0; i < ops; i++) {
			if (i % WRAP == 0)
				lseek(fd, 0, SEEK_SET);
			if (read(fd, buf, BLOCK) != BLOCK)
				_exit(4);
		}
		double t2 = now_ns();
		w[k] = (t1 - t0) / (double)ops;
		r[k] = (t2 - t1) / (double)ops;
	}
	*rd = median(r, reps);
	*wr = median(w, reps);
}

enum scenario { S_BASE, S_CAPMODE0, S_OTHERS10, S_LIMITED10, S_LIMITED100, S_CAPMODE10, S_COUNT };

static const char *names[] = {
	"baseline (no filters)",
	"capability mode, no limits",
	"unlimited fd, 10 other fds limited",
	"limited fd, 10 fds limited",
	"limited fd, 100 fds limited",
	"limited fd, 10 limited, capability mode",
};

static int limit_many(int n, int *measured)
{
	cap_rights_t r;
	cap_rights_init(&r, CAP_READ, CAP_WRITE, CAP_SEEK, CAP_FSTAT);
	for (int i = 0; i < n; i++) {
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 || cap_rights_limit(fd, &r) < 0)
			return -1;
		if (i == 0 && measured)
			*measured = fd;
	}
	return 0;
}

static void run_child(enum scenario s, int out)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	double res[2];

	if (fd < 0)
		_exit(2);
	switch (s) {
	case S_BASE:
	case S_COUNT:
		break;
	case S_CAPMODE0:
		if (cap_enter() < 0)
			_exit(5);
		break;
	case S_OTHERS10:
		if (limit_many(10, NULL) < 0)
			_exit(5);
		break;
	case S_LIMITED10:
		if (limit_many(10, &fd) < 0)
			_exit(5);
		break;
	case S_LIMITED100:
		if (limit_many(100, &fd) < 0)
			_exit(5);
		break;
	case S_CAPMODE10:
		if (limit_many(10, &fd) < 0 || cap_enter() < 0)
			_exit(5);
		break;
	}
	measure(fd, &res[0], &res[1]);
	if (write(out, res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(6);
	_exit(0);
}

static int run(enum scenario s, double *rd, double *wr)
{
	int p[2];
	double res[2];
	int st;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		run_child(s, p[1]);
	}
	close(p[1]);
	ssize_t n = read(p[0], res, sizeof(res));
	close(p[0]);
	waitpid(pid, &st, 0);
	if (n != (ssize_t)sizeof(res) || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "capsicum-bench: scenario '%s' failed (status %d)\n",
			names[s], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	*rd = res[0];
	*wr = res[1];
	return 0;
}

static double enter_latency_us(void)
{
	double v[MAXREPS];
	for (int k = 0; k < reps; k++) {
		int p[2];
		double t;
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		pid_t pid = fork();
		if (pid == 0) {
			double t0 = now_ns();
			int r = cap_enter();
			double d = now_ns() - t0;
			_exit(r == 0 && write(p[1], &d, sizeof(d)) == sizeof(d) ? 0 : 1);
		}
		close(p[1]);
		if (read(p[0], &t, sizeof(t)) != sizeof(t))
			t = -1;
		close(p[0]);
		waitpid(pid, NULL, 0);
		v[k] = t / 1000.0;
	}
	return median(v, reps);
}

int main(int argc, char **argv)
{
	int c;
	double rd[S_COUNT], wr[S_COUNT];

	while ((c = getopt(argc, argv, "n:r:d:h")) != -1) {
		switch (c) {
		case 'n':
			ops = atol(optarg);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: capsicum-bench [-n OPS] [-r REPS] [-d DIR]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (ops < WRAP || reps < 1 || reps > MAXREPS) {
		fprintf(stderr, "capsicum-bench: need OPS >= %d and 1 <= REPS <= %d\n",
			WRAP, MAXREPS);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/capsicum-bench-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("capsicum-bench: mkstemp");
		return 1;
	}
	static char block[BLOCK];
	for (int i = 0; i < WRAP; i++)
		if (write(fd, block, BLOCK) != BLOCK)
			return 1;
	close(fd);

	printf("capsicum-bench: %ld x 4 KiB read() and write() per run, median of %d runs, file in %s\n\n",
	       ops, reps, dir);
	printf("%-42s %10s %10s %9s %9s\n", "scenario", "read ns", "write ns",
	       "read %", "write %");
	int rc = 0;
	for (int s = S_BASE; s < S_COUNT; s++) {
		if (run((enum scenario)s, &rd[s], &wr[s]) < 0) {
			rc = 1;
			continue;
		}
		printf("%-42s %10.1f %10.1f %+8.1f%% %+8.1f%%\n", names[s], rd[s], wr[s],
		       (rd[s] / rd[0] - 1) * 100, (wr[s] / wr[0] - 1) * 100);
	}
	printf("\ncap_enter() latency: %.1f us (median)\n", enter_latency_us());
	if (!rc) {
		/* the target, read two ways */
		double same_r = rd[S_LIMITED10] / rd[S_OTHERS10];
		double same_w = wr[S_LIMITED10] / wr[S_OTHERS10];
		double worst_same = same_r > same_w ? same_r : same_w;
		double base_r = rd[S_LIMITED10] / rd[S_BASE];
		double base_w = wr[S_LIMITED10] / wr[S_BASE];
		double worst_base = base_r > base_w ? base_r : base_w;
		printf("limited vs unlimited fd, same process with 10 limited fds: "
		       "read %+.1f%%, write %+.1f%% (target <= 5%%: %s)\n",
		       (same_r - 1) * 100, (same_w - 1) * 100,
		       worst_same <= 1.05 ? "met" : "NOT met");
		printf("limited fd among 10 vs a process without any filter:      "
		       "read %+.1f%%, write %+.1f%% (target <= 5%%: %s)\n",
		       (base_r - 1) * 100, (base_w - 1) * 100,
		       worst_base <= 1.05 ? "met" : "NOT met");
	}
	unlink(path);
	return rc;
}
