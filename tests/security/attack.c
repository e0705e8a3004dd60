/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-attack: the attacker's half of the CVE regression tests. Static,
 * run inside a jail. Each subcommand re-creates one known container
 * escape and prints what it got; tests/security/test_cve.sh decides.
 *
 *   exe-watch SECS COMM [GO] CVE-2019-5736: catch every process named COMM
 *                         (or any new one), SIGSTOP it, keep an O_PATH
 *                         fd on /proc/PID/exe; when it is gone, try to
 *                         reopen each for writing (after file GO
 *                         exists, when given). Prints "seen DEV:INO"
 *                         and "writable DEV:INO" / "refused DEV:INO ERR".
 *                         Never writes a byte.
 *   exe-self              /proc/self/exe opened for writing.
 *   fd-cwd                CVE-2024-21626: every /proc/self/fd/N as cwd;
 *                         prints "leak N TARGET" or "none".
 *   mem PID               /proc/PID/mem opened read-write.
 *   ptrace PID            PTRACE_ATTACH.
 *   exchange A B SECS     swap directory A and symlink B with
 *                         RENAME_EXCHANGE as fast as possible (mount
 *                         target races, CVE-2021-30465).
 *   cgroup-v1             CVE-2022-0492: unshare user+cgroup+mount
 *                         namespaces and mount cgroup v1 with a
 *                         release_agent.
 *   tiocsti FD            ioctl(FD, TIOCSTI).
 *   caps                  CapInh/CapAmb/CapEff of this process.
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "?";
}

static int verdict(long r)
{
	if (r >= 0)
		printf("allowed\n");
	else
		printf("denied %s\n", ename(errno));
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define MAXFD 256

static int exe_watch(double secs, const char *comm, const char *gofile)
{
	int fds[MAXFD];
	pid_t pids[MAXFD];
	dev_t devs[MAXFD];
	ino_t inos[MAXFD];
	int n = 0;
	pid_t me = getpid();
	/* "+COMM": only watch (no SIGSTOP, ptrace or mem) */
	bool passive = comm[0] == '+';
	comm += passive;
	double end = now() + secs;
	while (now() < end && n < MAXFD) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d)) && n < MAXFD) {
			pid_t pid = (pid_t)atoi(e->d_name);
			if (pid <= 1 || pid == me)
				continue;
			char p[64], c[64] = "";
			snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
			int cf = open(p, O_RDONLY | O_CLOEXEC);
			if (cf >= 0) {
				ssize_t k = read(cf, c, sizeof(c) - 1);
				c[k > 0 ? k : 0] = '\0';
				c[strcspn(c, "\n")] = '\0';
				close(cf);
			}
			bool known = false;
			for (int i = 0; i < n; i++)
				if (pids[i] == pid)
					known = true;
			if (known || strcmp(c, comm))
				continue;
			if (!passive)
				kill(pid, SIGSTOP);
			snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
			int fd = open(p, O_PATH | O_CLOEXEC);
			struct stat st;
			if (fd < 0 || fstat(fd, &st) < 0) {
				if (fd >= 0)
					close(fd);
				kill(pid, SIGCONT);
				continue;
			}
			/* CVE-2016-9962: its memory and ptrace, printed with
			 * the binary it runs (a process past its exec runs
			 * the jail's own) */
			snprintf(p, sizeof(p), "/proc/%d/mem", (int)pid);
			int mfd = passive ? -1 : open(p, O_RDWR | O_CLOEXEC);
			if (mfd >= 0) {
				printf("mem-open %lu:%lu pid %d\n",
				       (unsigned long)st.st_dev,
				       (unsigned long)st.st_ino, (int)pid);
				close(mfd);
			}
			if (!passive && ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
				printf("ptrace-seized %lu:%lu pid %d\n",
				       (unsigned long)st.st_dev,
				       (unsigned long)st.st_ino, (int)pid);
				ptrace(PTRACE_DETACH, pid, 0, 0);
			}
			fds[n] = fd;
			pids[n] = pid;
			devs[n] = st.st_dev;
			inos[n] = st.st_ino;
			printf("seen %lu:%lu pid %d\n", (unsigned long)st.st_dev,
			       (unsigned long)st.st_ino, (int)pid);
			fflush(stdout);
			n++;
			/* let it finish: the binary is then no longer busy */
			kill(pid, SIGCONT);
		}
		if (d)
			closedir(d);
	}
	/* the caller says when the host is done running the binary */
	for (int k = 0; gofile && gofile[0] && k < 6000 && access(gofile, F_OK);
	     k++)
		usleep(10000);
	/* wait for each to be gone, then try to reopen for writing */
	for (int i = 0; i < n; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d", (int)pids[i]);
		for (int k = 0; k < 200 && access(p, F_OK) == 0; k++)
			usleep(10000);
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fds[i]);
		int w = open(p, O_WRONLY | O_CLOEXEC);
		if (w >= 0) {
			printf("writable %lu:%lu\n", (unsigned long)devs[i],
			       (unsigned long)inos[i]);
			close(w);
		} else {
			printf("refused %lu:%lu %s\n", (unsigned long)devs[i],
			       (unsigned long)inos[i], ename(errno));
		}
	}
	printf("done %d\n", n);
	return 0;
}

static int fd_cwd(void)
{
	int leaks = 0;
	for (int fd = 3; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		char p[64], t[512] = "";
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		ssize_t k = readlink(p, t, sizeof(t) - 1);
		t[k > 0 ? k : 0] = '\0';
		printf("leak %d %s\n", fd, t);
		leaks++;
		if (chdir(p) == 0) {
			char cwd[512];
			if (getcwd(cwd, sizeof(cwd)))
				printf("cwd-ok %d %s\n", fd, cwd);
			else
				printf("cwd-outside %d %s\n", fd, ename(errno));
		}
	}
	/* the process's own cwd must be inside its root */
	char cwd[512];
	if (!getcwd(cwd, sizeof(cwd)))
		printf("cwd-outside self %s\n", ename(errno));
	if (!leaks)
		printf("none\n");
	return 0;
}

static int exchange(const char *a, const char *b, double secs)
{
	double end = now() + secs;
	long n = 0;
	while (now() < end) {
		if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b,
			    2 /* RENAME_EXCHANGE */) < 0) {
			printf("exchange failed %s\n", ename(errno));
			return 1;
		}
		n++;
	}
	printf("exchanged %ld\n", n);
	return 0;
}

static int cgroup_v1(void)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWNS) < 0) {
		printf("unshare denied %s\n", ename(errno));
	} else {
		printf("unshare allowed\n");
	}
	mkdir("/tmp/.cgv1", 0700);
	if (mount("cgroup", "/tmp/.cgv1", "cgroup", 0, "rdma") < 0) {
		printf("mount denied %s\n", ename(errno));
	} else {
		printf("mount allowed\n");
		int fd = open("/tmp/.cgv1/release_agent", O_WRONLY | O_CLOEXEC);
		printf("release_agent %s\n", fd >= 0 ? "writable" : "refused");
		if (fd >= 0)
			close(fd);
		umount2("/tmp/.cgv1", MNT_DETACH);
	}
	rmdir("/tmp/.cgv1");
	/* and any cgroupfs already there */
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char l[1024];
	int cg = 0;
	while (f && fgets(l, sizeof(l), f))
		cg += strstr(l, " - cgroup") != NULL;
	if (f)
		fclose(f);
	printf("cgroupfs mounts %d\n", cg);
	return 0;
}

static int caps(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char l[256];
	while (f && fgets(l, sizeof(l), f))
		if (!strncmp(l, "CapInh", 6) || !strncmp(l, "CapAmb", 6) ||
		    !strncmp(l, "CapEff", 6))
			fputs(l, stdout);
	if (f)
		fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cell-attack TEST [ARGS]\n");
		return 2;
	}
	const char *t = argv[1];
	const char *a = argc > 2 ? argv[2] : "";
	const char *b = argc > 3 ? argv[3] : "";
	alarm(120);
	if (!strcmp(t, "exe-watch"))
		return exe_watch(atof(a), b, argc > 4 ? argv[4] : NULL);
	if (!strcmp(t, "exe-self"))
		return verdict(open("/proc/self/exe", O_WRONLY | O_CLOEXEC));
	if (!strcmp(t, "fd-cwd"))
		return fd_cwd();
	if (!strcmp(t, "mem")) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%s/mem", a);
		return verdict(open(p, O_RDWR | O_CLOEXEC));
	}
	if (!strcmp(t, "ptrace"))
		return verdict(ptrace(PTRACE_ATTACH, (pid_t)atoi(a), 0, 0));
	if (!strcmp(t, "exchange"))
		return exchange(a, b, argc > 4 ? atof(argv[4]) : 1.0);
	if (!strcmp(t, "cgroup-v1"))
		return cgroup_v1();
	if (!strcmp(t, "tiocsti")) {
		char c = ' ';
		return verdict(ioctl(atoi(a), TIOCSTI, &c));
	}
	if (!strcmp(t, "caps"))
		return caps();
	fprintf(stderr, "cell-attack: unknown test %s\n", t);
	return 2;
}
