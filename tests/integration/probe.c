/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-probe: tries one escape or privileged operation from inside a jail
 * and prints "allowed" or "denied <errno name>". Linked statically so it
 * runs in a bare busybox root. The boundary tests read its verdicts.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <netinet/in.h>
#include <unistd.h>

static int verdict(long r)
{
	if (r >= 0) {
		printf("allowed\n");
		return 0;
	}
	printf("denied %s\n", strerrorname_np(errno) ? strerrorname_np(errno)
						       : "?");
	return 0;
}

/* an AF_UNIX stream socket bound (listening) to, or to connect to, the
 * abstract name @name */
static int abstract_socket(const char *name, bool listening)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	if (n + 1 >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path + 1, name, n);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				    1 + n);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (listening ? bind(fd, (struct sockaddr *)&sun, len) < 0 ||
				listen(fd, 4) < 0
		      : connect(fd, (struct sockaddr *)&sun, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int abstract_connect(const char *name)
{
	return abstract_socket(name, false);
}

static int open_mode(const char *path, const char *mode)
{
	/* r: read, w: write, c: create (in a directory) */
	int flags = !strcmp(mode, "w")	 ? O_WRONLY
		    : !strcmp(mode, "c") ? O_WRONLY | O_CREAT | O_EXCL
					 : O_RDONLY;
	int fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd >= 0 && flags == O_RDONLY) {
		char c;
		/* a masked file opens (an empty read-only file) but reads
		 * nothing */
		if (read(fd, &c, 1) <= 0) {
			printf("empty\n");
			return 0;
		}
	}
	return verdict(fd);
}

/* Try every way up and out of the root; print what "/" leads to. */
static int escape(const char *marker)
{
	const char *tries[] = { "/../../../..", "/proc/1/root/../..",
				"/proc/self/root/..", "/proc/1/cwd/../.." };
	int found = 0;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", tries[i], marker);
		if (access(p, F_OK) == 0) {
			printf("escaped via %s\n", tries[i]);
			found = 1;
		}
	}
	/* the chroot-in-chroot trick */
	mkdir("/tmp/.probe", 0700);
	if (chroot("/tmp/.probe") == 0) {
		for (int k = 0; k < 32; k++)
			if (chdir("..") < 0)
				break;
		if (chroot(".") == 0) {
			char p[512];
			snprintf(p, sizeof(p), "/%s", marker);
			if (access(p, F_OK) == 0) {
				printf("escaped via chroot\n");
				found = 1;
			}
		}
	}
	if (!found)
		printf("contained\n");
	return 0;
}

/*
 * The agent's mount/umount TOCTOU: a tmpfs mounted at DIR/d/NAME while
 * another process swaps DIR/d (a directory) with DIR/s (a symlink to the
 * directory holding the mask /PARENT/NAME). Whatever the agent resolves
 * the target to after the mount, the mount it records must be the one it
 * made: if it ever records the mask's, the jail may unmount the mask.
 * Prints "unmasked" when an umount2(mask) takes the mask away within
 * secs, else
 * "held N" (N: mounts the agent made and this undid).
 */
static int mount_race(const char *mask, int secs)
{
	char parent[256], name[128], dir[32], d[64], s[64];
	const char *slash = strrchr(mask, '/');
	if (!slash || slash == mask || strlen(mask) >= sizeof(parent))
		return 2;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - mask), mask);
	snprintf(name, sizeof(name), "%s", slash + 1);
	snprintf(dir, sizeof(dir), "/tmp/.race.XXXXXX");
	if (!mkdtemp(dir))
		return verdict(-1);
	snprintf(d, sizeof(d), "%s/d", dir);
	snprintf(s, sizeof(s), "%s/s", dir);
	char target[256];
	snprintf(target, sizeof(target), "%s/%s", d, name);
	if (mkdir(d, 0700) < 0 ||
	    mkdir(target, 0700) < 0 || symlink(parent, s) < 0)
		return verdict(-1);
	/* the swapper pauses (and says so) while we undo our own mounts */
	volatile int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return verdict(-1);
	pid_t sw = fork();
	if (sw == 0) {
		for (;;) {
			if (sh[0]) {
				struct stat st;
				if (lstat(d, &st) == 0 && !S_ISDIR(st.st_mode))
					syscall(SYS_renameat2, AT_FDCWD, d,
						AT_FDCWD, s, RENAME_EXCHANGE);
				__atomic_store_n(&sh[1], 1, __ATOMIC_SEQ_CST);
				while (sh[0])
					;
				__atomic_store_n(&sh[1], 0, __ATOMIC_SEQ_CST);
			}
			syscall(SYS_renameat2, AT_FDCWD, d, AT_FDCWD, s,
				RENAME_EXCHANGE);
		}
	}
	time_t end = time(NULL) + secs;
	int held = 0, rc = 0;
	while (time(NULL) < end) {
		if (mount("t", target, "tmpfs", 0, NULL) < 0)
			continue;
		/* a mount of ours that went over the mask itself (through
		 * the symlink) is ours to take off: the mask is gone when
		 * the path is no longer a mount's root */
		struct statx sx;
		if (umount2(mask, 0) == 0 &&
		    statx(AT_FDCWD, mask, 0, STATX_BASIC_STATS, &sx) == 0 &&
		    !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
			rc = 1;
			break;
		}
		/* ours, undone with the swapper paused on the directory */
		sh[0] = 1;
		while (!__atomic_load_n(&sh[1], __ATOMIC_SEQ_CST))
			;
		while (umount2(target, 0) == 0)
			held++;
		sh[0] = 0;
		while (__atomic_load_n(&sh[1], __ATOMIC_SEQ_CST))
			;
	}
	kill(sw, SIGKILL);
	waitpid(sw, NULL, 0);
	if (rc)
		printf("unmasked\n");
	else
		printf("held %d\n", held);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cell-probe TEST [ARGS]\n");
		return 2;
	}
	const char *t = argv[1];
	const char *a = argc > 2 ? argv[2] : "";
	if (!strcmp(t, "mount"))
		return verdict(mount("none", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(t, "umount"))
		return verdict(umount2("/proc", MNT_DETACH));
	if (!strcmp(t, "pivot_root"))
		return verdict(syscall(SYS_pivot_root, "/tmp", "/tmp"));
	if (!strcmp(t, "bpf")) {
		union bpf_attr attr;
		memset(&attr, 0, sizeof(attr));
		return verdict(syscall(SYS_bpf, BPF_MAP_CREATE, &attr,
				       sizeof(attr)));
	}
	if (!strcmp(t, "module"))
		return verdict(syscall(SYS_finit_module, 0, "", 0));
	if (!strcmp(t, "kexec"))
		return verdict(syscall(SYS_kexec_load, 0, 0, NULL, 0));
	if (!strcmp(t, "perf"))
		return verdict(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	if (!strcmp(t, "keyctl"))
		return verdict(syscall(SYS_add_key, "user", "x", "y", 1, -3));
	if (!strcmp(t, "userfaultfd"))
		return verdict(syscall(SYS_userfaultfd, 0));
	if (!strcmp(t, "open_by_handle"))
		return verdict(syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0));
	if (!strcmp(t, "sethostname"))
		return verdict(sethostname(a, strlen(a)));
	if (!strcmp(t, "settime")) {
		struct timespec ts = { 0, 0 };
		clock_gettime(CLOCK_REALTIME, &ts);
		return verdict(clock_settime(CLOCK_REALTIME, &ts));
	}
	if (!strcmp(t, "raw"))
		return verdict(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	if (!strcmp(t, "packet"))
		return verdict(socket(AF_PACKET, SOCK_RAW, 0));
	if (!strcmp(t, "socketpair")) {
		/* a pair of sockets of family a (a number): the family
		 * filter applies to socketpair() as to socket() */
		int sv[2];
		return verdict(socketpair(atoi(a), SOCK_STREAM, 0, sv));
	}
	if (!strcmp(t, "tcp"))
		return verdict(socket(AF_INET, SOCK_STREAM, 0));
	if (!strcmp(t, "bind80")) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons(80) };
		return verdict(fd < 0 ? -1
				      : bind(fd, (struct sockaddr *)&sin,
					     sizeof(sin)));
	}
	if (!strcmp(t, "mknod"))
		return verdict(mknod("/tmp/.probe-mem", S_IFCHR | 0600,
				     makedev(1, 1)));
	if (!strcmp(t, "unshare"))
		return verdict(unshare(CLONE_NEWNS));
	if (!strcmp(t, "userns"))
		return verdict(unshare(CLONE_NEWUSER));
	if (!strcmp(t, "setns")) {
		int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		return verdict(fd < 0 ? -1 : setns(fd, 0));
	}
	if (!strcmp(t, "ptrace")) {
		pid_t pid = (pid_t)atoi(a);
		return verdict(ptrace(PTRACE_ATTACH, pid, 0, 0));
	}
	if (!strcmp(t, "sigqueue")) {
		/* a queued signal that claims to come from outside (pid 0) */
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		si.si_signo = atoi(argc > 3 ? argv[3] : "10");
		si.si_code = SI_QUEUE;
		si.si_pid = 0;
		return verdict(syscall(SYS_rt_sigqueueinfo, atoi(a),
				       si.si_signo, &si));
	}
	if (!strcmp(t, "open"))
		return open_mode(a, argc > 3 ? argv[3] : "r");
	if (!strcmp(t, "readlink")) {
		char buf[512];
		ssize_t n = readlink(a, buf, sizeof(buf) - 1);
		if (n < 0)
			return verdict(-1);
		buf[n] = '\0';
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(t, "landlock-abi")) {
		long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
		printf("%ld\n", abi < 0 ? 0 : abi);
		return 0;
	}
	if (!strcmp(t, "abstract"))
		return verdict(abstract_connect(a));
	if (!strcmp(t, "abstract-listen")) {
		/* listen on @a, accepting for argv[3] seconds (SIGALRM
		 * ends us) */
		int ls = abstract_socket(a, true);
		if (ls < 0)
			return verdict(-1);
		printf("listening\n");
		fflush(stdout);
		alarm(argc > 3 ? (unsigned)atoi(argv[3]) : 5);
		for (;;) {
			int c = accept(ls, NULL, NULL);
			if (c >= 0) {
				printf("accepted\n");
				fflush(stdout);
				close(c);
			}
		}
	}
	if (!strcmp(t, "abstract-pair")) {
		/* one process tree: a child connects to its parent's @a */
		int ls = abstract_socket(a, true);
		if (ls < 0)
			return verdict(-1);
		pid_t c = fork();
		if (c == 0)
			_exit(abstract_connect(a) < 0 ? 1 : 0);
		int st = 1;
		waitpid(c, &st, 0);
		printf(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "allowed\n"
							      : "denied\n");
		return 0;
	}
	if (!strcmp(t, "escape"))
		return escape(a);
	if (!strcmp(t, "mount-race"))
		return mount_race(a, argc > 3 ? atoi(argv[3]) : 10);
	if (!strcmp(t, "fds")) {
		/* descriptors beyond stdio that the jailed process holds */
		int n = 0;
		for (int fd = 3; fd < 1024; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				n++;
		printf("%d\n", n);
		return 0;
	}
	fprintf(stderr, "cell-probe: unknown test %s\n", t);
	return 2;
}
