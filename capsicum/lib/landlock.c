/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Landlock half of cap_enter(): one PATH_BENEATH rule per directory
 * descriptor the process holds, with access derived from that
 * descriptor's Capsicum rights, so lookups relative to a held directory
 * stay beneath the held directories (absolute paths and ".." included).
 * Landlock ABI 7 has no thread synchronisation, so every other thread is
 * asked, by signal, to restrict itself too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/magic.h>
#include "cleanup.h"
#include "internal.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

/* Our own copies: the installed <linux/landlock.h> may predate ABI 7. */
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE     (1ULL << 0)
#define LL_FS_WRITE_FILE  (1ULL << 1)
#define LL_FS_READ_FILE   (1ULL << 2)
#define LL_FS_READ_DIR    (1ULL << 3)
#define LL_FS_REMOVE_DIR  (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR   (1ULL << 6)
#define LL_FS_MAKE_DIR    (1ULL << 7)
#define LL_FS_MAKE_REG    (1ULL << 8)
#define LL_FS_MAKE_SOCK   (1ULL << 9)
#define LL_FS_MAKE_FIFO   (1ULL << 10)
#define LL_FS_MAKE_BLOCK  (1ULL << 11)
#define LL_FS_MAKE_SYM    (1ULL << 12)
#define LL_FS_REFER       (1ULL << 13)
#define LL_FS_TRUNCATE    (1ULL << 14)
#define LL_FS_IOCTL_DEV   (1ULL << 15)
#define LL_NET_BIND_TCP    (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define LL_SCOPE_SIGNAL        (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

int capsicum_landlock_abi(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
			   LL_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

static uint64_t fs_handled(int abi)
{
	uint64_t fs = (LL_FS_MAKE_SYM << 1) - 1;
	if (abi >= 2)
		fs |= LL_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	return fs;
}

/* What a directory descriptor with these rights may reach beneath it. */
static uint64_t rights_to_access(const cap_rights_t *r)
{
	uint64_t a = 0;

	if (!cap_rights_is_set(r, CAP_LOOKUP))
		return 0;
	if (cap_rights_is_set(r, CAP_READ))
		a |= LL_FS_READ_FILE | LL_FS_READ_DIR;
	if (cap_rights_is_set(r, CAP_WRITE))
		a |= LL_FS_WRITE_FILE;
	if (cap_rights_is_set(r, CAP_FTRUNCATE))
		a |= LL_FS_TRUNCATE;
	if (cap_rights_is_set(r, CAP_CREATE))
		a |= LL_FS_MAKE_REG;
	if (cap_rights_is_set(r, CAP_MKDIRAT))
		a |= LL_FS_MAKE_DIR;
	if (cap_rights_is_set(r, CAP_MKFIFOAT))
		a |= LL_FS_MAKE_FIFO;
	if (cap_rights_is_set(r, CAP_MKNODAT))
		a |= LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK;
	if (cap_rights_is_set(r, CAP_SYMLINKAT))
		a |= LL_FS_MAKE_SYM;
	if (cap_rights_is_set(r, CAP_BINDAT))
		a |= LL_FS_MAKE_SOCK;
	if (cap_rights_is_set(r, CAP_UNLINKAT))
		a |= LL_FS_REMOVE_FILE | LL_FS_REMOVE_DIR;
	/*
	 * Link and rename, per end, as FreeBSD checks them: a link source
	 * only lends a name (REFER, for another directory); a link or
	 * rename target makes a name (MAKE_REG; replacing an existing one
	 * needs CAP_UNLINKAT, as on FreeBSD); a rename source loses one
	 * (REMOVE_*).  Landlock grants these to any path beneath the
	 * directory, so LINKAT_SOURCE must not bring deletion.  Linking or
	 * renaming a directory, symlink or FIFO into a target also needs
	 * the right that makes one (MKDIRAT, SYMLINKAT, MKFIFOAT).
	 */
	if (cap_rights_is_set(r, CAP_LINKAT_SOURCE))
		a |= LL_FS_REFER;
	if (cap_rights_is_set(r, CAP_LINKAT_TARGET) ||
	    cap_rights_is_set(r, CAP_RENAMEAT_TARGET))
		a |= LL_FS_REFER | LL_FS_MAKE_REG;
	if (cap_rights_is_set(r, CAP_RENAMEAT_SOURCE))
		a |= LL_FS_REFER | LL_FS_REMOVE_FILE | LL_FS_REMOVE_DIR;
	if (cap_rights_is_set(r, CAP_FEXECVE))
		a |= LL_FS_EXECUTE;
	if (cap_rights_is_set(r, CAP_IOCTL))
		a |= LL_FS_IOCTL_DEV;
	return a;
}

/* Set once this process built its own domain at cap_enter() (not the
 * runner's NO_LANDLOCK mode); fork keeps it, exec loses it. */
static bool entered;

uint64_t capsicum_landlock_access(const cap_rights_t *r)
{
	int abi = capsicum_landlock_abi();
	return abi < 1 ? 0 : rights_to_access(r) & fs_handled(abi);
}

bool capsicum_landlock_entered(void)
{
	return entered;
}

/* One rule per held directory; over_fd, when >= 0, counts with over's
 * rights instead of its recorded ones (a limit about to be applied). */
static int add_dir_rules(int ruleset, uint64_t handled, int over_fd,
			 const cap_rights_t *over)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	int maxfd = 0;

	if (!d) {
		/* no procfs: probe every number below the limit */
		long lim = sysconf(_SC_OPEN_MAX);
		maxfd = lim > 0 && lim < 65536 ? (int)lim : 65536;
	}
	for (int fd = 0;; fd++) {
		if (d) {
			struct dirent *de = readdir(d);
			if (!de)
				break;
			if (de->d_name[0] == '.')
				continue;
			fd = atoi(de->d_name);
			if (fd == dirfd(d))
				continue;
		} else if (fd >= maxfd) {
			break;
		}
		struct stat st;
		struct statfs sf;
		int sr;
		/* Through /proc: a limited fd may lack CAP_FSTAT itself. */
		if (d) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			sr = stat(path, &st) < 0 ? -1 : statfs(path, &sf);
		} else {
			sr = fstat(fd, &st) < 0 ? -1 : fstatfs(fd, &sf);
			/* our own limit may refuse them: what the fd was
			 * when first limited */
			if (sr < 0 && capsicum_fd_kind(fd, &st.st_mode,
						       &sf.f_type) == 0)
				sr = 0;
		}
		if (sr < 0 || !S_ISDIR(st.st_mode))
			continue;
		/*
		 * No rule for a held procfs or sysfs directory.  This does not
		 * keep procfs out of reach: a rule is not needed to open a
		 * pipe, socket, memfd or other anonymous object (Landlock
		 * allows those), and any held directory plus an absolute
		 * path reaches /proc/self/fd/N, so a limited pipe or memfd
		 * can be reopened with all rights while a procfs is mounted.
		 * A sandbox that cares unmounts /proc first (capsicum-linux(7)
		 * gap_proc_reopen).
		 */
		if (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC)
			continue;
		cap_rights_t r;
		if (fd == over_fd)
			r = *over;
		else
			capsicum_fd_rights(fd, &r);
		struct ll_path_beneath_attr pb = {
			.allowed_access = rights_to_access(&r) & handled,
			.parent_fd = fd,
		};
		if (!pb.allowed_access)
			continue;
		if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH,
			    &pb, 0) < 0)
			return -1;
	}
	return 0;
}

/* Thread broadcast: each thread restricts itself from a signal handler. */
static int bcast_ruleset = -1;
static atomic_int bcast_done;
static atomic_int bcast_err;

static void restrict_handler(int sig)
{
	int saved = errno;
	(void)sig;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(__NR_landlock_restrict_self, bcast_ruleset, 0) < 0)
		atomic_store(&bcast_err, errno);
	atomic_fetch_add(&bcast_done, 1);
	errno = saved;
}

static bool tid_in(const pid_t *v, size_t n, pid_t t)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == t)
			return true;
	return false;
}

static int restrict_other_threads(int ruleset)
{
	struct sigaction sa = { .sa_handler = restrict_handler }, old;
	pid_t self = (pid_t)syscall(SYS_gettid), pid = getpid();
	_cleanup_free_ pid_t *done = NULL;
	size_t ndone = 0, cap = 0;
	int sig = SIGRTMAX;
	bool again = true;

	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	bcast_ruleset = ruleset;
	if (sigaction(sig, &sa, &old) < 0)
		return -1;
	while (again) {
		_cleanup_closedir_ DIR *d = opendir("/proc/self/task");
		struct dirent *de;
		again = false;
		if (!d)
			break; /* single-threaded assumption without procfs */
		while ((de = readdir(d))) {
			pid_t t = (pid_t)atoi(de->d_name);
			if (t <= 0 || t == self || tid_in(done, ndone, t))
				continue;
			if (ndone == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				pid_t *n = realloc(done, ncap * sizeof(*n));
				if (!n)
					goto out;
				done = n;
				cap = ncap;
			}
			done[ndone++] = t;
			again = true;
			int before = atomic_load(&bcast_done);
			if (syscall(SYS_tgkill, pid, t, sig) < 0)
				continue; /* exited */
			/* wait up to 1 s for the thread to answer */
			for (int i = 0; i < 1000 && atomic_load(&bcast_done) == before; i++)
				nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		}
	}
out:
	sigaction(sig, &old, NULL);
	if (atomic_load(&bcast_err)) {
		errno = atomic_load(&bcast_err);
		return -1;
	}
	return 0;
}

static int landlock_layer(int over_fd, const cap_rights_t *over)
{
	int abi = capsicum_landlock_abi();
	struct ll_ruleset_attr attr = { 0 };
	size_t size = sizeof(uint64_t);
	_cleanup_close_ int ruleset = -1;

	if (abi < 1) {
		errno = ENOSYS;
		return -1;
	}
	attr.handled_access_fs = fs_handled(abi);
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = 3 * sizeof(uint64_t);
	}
	ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0)
		return -1;
	if (add_dir_rules(ruleset, attr.handled_access_fs, over_fd, over) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	/* the others first: once this thread is restricted it can no
	 * longer list /proc/self/task.  In capability mode it cannot list
	 * it at all, so a later layer (capsicum_landlock_narrow) reaches
	 * only the calling thread (capsicum-linux(7) gap_limit_dir_threads) */
	if (restrict_other_threads(ruleset) < 0)
		return -1;
	if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0)
		return -1;
	return 0;
}

int capsicum_landlock_enter(void)
{
	if (landlock_layer(-1, NULL) < 0)
		return -1;
	entered = true;
	return 0;
}

int capsicum_landlock_narrow(int fd, const cap_rights_t *rights)
{
	if (landlock_layer(fd, rights) < 0) {
		/* Landlock's 16 layers are used up */
		if (errno == E2BIG)
			errno = ENOMEM;
		return -1;
	}
	return 0;
}
