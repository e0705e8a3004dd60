/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net-bench: what VNET networking costs, measured in a stand-in host netns
 * this process makes (nothing touches the real host's network).
 *
 *   start   a jail netns with lo up ("nothing") vs the same plus an epair
 *           on a bridge and an address (cell_vnet_setup); teardown apart
 *   tput    iperf3 TCP jail-to-jail over the bridge vs over loopback in
 *           one netns
 *
 * Usage: net-bench [-n STARTS] [-t SECONDS] [-r RUNS] [-s] [-T] [-N] [-m MTU]
 *   -n  start iterations (default 50)   -t  iperf3 seconds (default 3)
 *   -r  iperf3 runs per case (default 3)
 *   -s  starts only                     -T  throughput only
 *   -N  bridge-nf-call-ip{,6}tables = 0 in the stand-in host (bridged
 *       traffic skips netfilter), to see what br_netfilter costs
 *   -m  MTU for the throughput jails' epairs (both ends), e.g. 9000
 * Prints one line per measure, medians, and the ratios; exit 77 when not
 * root or when iperf3 is missing (throughput part).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"
#include "nettest.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmpd);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Netns destruction is asynchronous and heavy (it runs in a kernel
 * worker); closing one inside the timed loop would bill it to the next
 * start. So each phase makes all its jails first, keeping them, and the
 * phases are separated by a pause.
 */
static int bench_start(int n)
{
	double *plain = calloc((size_t)n, sizeof(double));
	double *vnet = calloc((size_t)n, sizeof(double));
	double *down = calloc((size_t)n, sizeof(double));
	int *fds = calloc((size_t)n, sizeof(int));
	struct cell_jail *j = calloc((size_t)n, sizeof(*j));
	if (!plain || !vnet || !down || !fds || !j)
		return 1;
	struct cell_error err = { 0 };
	int rc = 1;
	for (int i = 0; i < n; i++) {
		double t0 = now();
		fds[i] = nt_new_netns();
		if (fds[i] < 0 ||
		    cell_link_set_up(fds[i], "lo", true, &err) < 0) {
			fprintf(stderr, "netns: %s\n", err.msg);
			return 1;
		}
		plain[i] = now() - t0;
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	sleep(1);
	int made = 0;
	for (int i = 0; i < n; i++) {
		char name[32], ip[32];
		snprintf(name, sizeof(name), "b%d", i);
		snprintf(ip, sizeof(ip), "10.99.%d.%d/16", i / 250,
			 i % 250 + 2);
		nt_jail(&j[i], name, "cbrbench", ip, NULL);
		double t0 = now();
		fds[i] = nt_new_netns();
		int r = fds[i] < 0 ? fds[i]
				   : cell_vnet_setup(&j[i], fds[i], NULL, &err);
		vnet[i] = now() - t0;
		if (r < 0) {
			fprintf(stderr, "setup: %s\n", err.msg);
			nt_jail_free(&j[i]);
			if (fds[i] >= 0)
				close(fds[i]);
			goto out;
		}
		made++;
	}
	rc = 0;
out:
	for (int i = 0; i < made; i++) {
		double t0 = now();
		int r = cell_vnet_teardown(&j[i], fds[i], &err);
		down[i] = now() - t0;
		close(fds[i]);
		nt_jail_free(&j[i]);
		if (r < 0) {
			fprintf(stderr, "teardown: %s\n", err.msg);
			rc = 1;
		}
	}
	if (!rc) {
		double mp = median(plain, n), mv = median(vnet, n),
		       md = median(down, n);
		printf("start netns+lo (nothing)         median %8.3f ms "
		       "(n=%d)\n", mp * 1e3, n);
		printf("start netns+epair+bridge+addr    median %8.3f ms "
		       "(n=%d)\n", mv * 1e3, n);
		printf("teardown epair(+bridge)          median %8.3f ms\n",
		       md * 1e3);
		printf("ratio vnet/nothing               %8.2fx\n", mv / mp);
		printf("added by epair+bridge+addr       %8.3f ms\n",
		       (mv - mp) * 1e3);
	}
	free(plain);
	free(vnet);
	free(down);
	free(fds);
	free(j);
	return rc;
}

static pid_t spawn(int nsfd, const char *const *argv, int outfd)
{
	pid_t p = fork();
	if (p != 0)
		return p;
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
		_exit(126);
	int dn = open("/dev/null", O_RDWR);
	dup2(outfd >= 0 ? outfd : dn, 1);
	dup2(dn, 2);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

/* One iperf3 run: server in sns on addr, client in cns. Gbit/s or -1. */
static double iperf(int sns, int cns, const char *addr, int secs)
{
	const char *sv[] = { "iperf3", "-s", "-1", "-B", addr, "-p", "5299",
			     NULL };
	pid_t s = spawn(sns, sv, -1);
	char t[16];
	snprintf(t, sizeof(t), "%d", secs);
	double gbps = -1;
	for (int attempt = 0; attempt < 20 && gbps < 0; attempt++) {
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			break;
		const char *cv[] = { "iperf3", "-c", addr, "-p", "5299", "-t",
				     t, "-J", NULL };
		pid_t c = spawn(cns, cv, p[1]);
		close(p[1]);
		char *buf = malloc(1 << 20);
		size_t got = 0;
		ssize_t n;
		while (buf && (n = read(p[0], buf + got,
					(1 << 20) - 1 - got)) > 0)
			got += (size_t)n;
		close(p[0]);
		int st;
		waitpid(c, &st, 0);
		if (buf) {
			buf[got] = '\0';
			char *q = strstr(buf, "\"sum_received\"");
			if (q && WIFEXITED(st) && WEXITSTATUS(st) == 0)
				q = strstr(q, "\"bits_per_second\"");
			else
				q = NULL;
			if (q)
				gbps = strtod(strchr(q, ':') + 1, NULL) / 1e9;
		}
		free(buf);
	}
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	return gbps;
}

static int bench_tput(int runs, int secs, unsigned int mtu)
{
	const char *chk[] = { "iperf3", "--version", NULL };
	if (nt_run(-1, chk) != 0) {
		printf("iperf3 missing: throughput skipped\n");
		return 77;
	}
	struct cell_jail a, b;
	nt_jail(&a, "bencha", "cbrbench", "10.98.0.2/24", NULL);
	nt_jail(&b, "benchb", "cbrbench", "10.98.0.3/24", NULL);
	int fa = nt_new_netns(), fb = nt_new_netns(), fl = nt_new_netns();
	struct cell_error err = { 0 };
	int rc = 1;
	if (fa < 0 || fb < 0 || fl < 0 ||
	    cell_vnet_setup(&a, fa, NULL, &err) < 0 ||
	    cell_vnet_setup(&b, fb, NULL, &err) < 0 ||
	    cell_link_set_up(fl, "lo", true, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		goto out;
	}
	if (mtu && (cell_link_set_mtu(-1, "e0a_bencha", mtu, &err) < 0 ||
		    cell_link_set_mtu(-1, "e0a_benchb", mtu, &err) < 0 ||
		    cell_link_set_mtu(fa, "e0b_bencha", mtu, &err) < 0 ||
		    cell_link_set_mtu(fb, "e0b_benchb", mtu, &err) < 0)) {
		fprintf(stderr, "mtu: %s\n", err.msg);
		goto out;
	}
	if (mtu)
		printf("epair MTU %u\n", mtu);
	double br[16], lo[16];
	if (runs > 16)
		runs = 16;
	for (int i = 0; i < runs; i++) {
		br[i] = iperf(fa, fb, "10.98.0.2", secs);
		lo[i] = iperf(fl, fl, "127.0.0.1", secs);
		if (br[i] < 0 || lo[i] < 0) {
			fprintf(stderr, "iperf3 run failed\n");
			goto out;
		}
	}
	double mb = median(br, runs), ml = median(lo, runs);
	printf("tcp jail->jail over bridge       median %8.2f Gbit/s "
	       "(runs=%d, %ds)\n", mb, runs, secs);
	printf("tcp over loopback (one netns)    median %8.2f Gbit/s\n", ml);
	printf("ratio bridge/loopback            %8.2fx\n", mb / ml);
	rc = 0;
out:
	cell_vnet_teardown(&a, fa, NULL);
	cell_vnet_teardown(&b, fb, NULL);
	nt_jail_free(&a);
	nt_jail_free(&b);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	if (fl >= 0)
		close(fl);
	return rc;
}

int main(int argc, char **argv)
{
	int n = 50, secs = 3, runs = 3, opt;
	unsigned int mtu = 0;
	bool starts = true, tput = true, nobrnf = false;
	while ((opt = getopt(argc, argv, "n:t:r:sTNm:")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 't': secs = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 's': tput = false; break;
		case 'T': starts = false; break;
		case 'N': nobrnf = true; break;
		case 'm': mtu = (unsigned int)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: net-bench [-n STARTS] "
				"[-t SECONDS] [-r RUNS] [-s] [-T] [-N] [-m MTU]\n");
			return 2;
		}
	}
	if (n < 1 || n > 100000 || secs < 1 || secs > 600 || runs < 1) {
		fprintf(stderr, "net-bench: bad argument\n");
		return 2;
	}
	if (geteuid() != 0) {
		printf("net-bench: needs root\n");
		return 77;
	}
	int r = nt_standin_host();
	if (r < 0) {
		fprintf(stderr, "net-bench: stand-in netns: %s\n",
			strerror(-r));
		return 1;
	}
	if (nobrnf) {
		/* per netns: this is the stand-in host's setting only */
		const char *f[] = { "/proc/sys/net/bridge/bridge-nf-call-iptables",
				    "/proc/sys/net/bridge/bridge-nf-call-ip6tables" };
		for (int i = 0; i < 2; i++) {
			FILE *fp = fopen(f[i], "we");
			if (fp) {
				fputs("0", fp);
				fclose(fp);
			}
		}
		printf("bridge-nf-call-ip*tables = 0 in the stand-in host\n");
	}
	int rc = 0;
	if (starts)
		rc = bench_start(n);
	if (!rc && tput)
		rc = bench_tput(runs, secs, mtu);
	return rc;
}
