/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A vnet jail's new network stack, made ahead.
 *
 * A new network namespace is the dearest thing a jail's birth asks of the
 * kernel: every subsystem's per-namespace set-up runs (lo's registration,
 * the ipv4/ipv6 sysctl tables, conntrack ...), about 0.55 ms here, where
 * all the other namespaces together take about 0.1. Made by clone3 with
 * CLONE_NEWNET, it is spent on the creator's critical path before init
 * exists. Made by a thread of the creator, it runs on a second CPU while
 * the creator reserves the name, writes the record, makes the cgroup and
 * clones init, and while init builds the jail's root, /proc and its
 * masks: init, cloned without CLONE_NEWNET, is handed the stack and joins
 * it (setns) before the first thing that depends on the network
 * namespace (sysfs, the jail's sysctls and mounts; lib/enter.c). Both
 * ways init is in the same kind of namespace: new, empty but for lo
 * (up), owned by the creator's user namespace.
 *
 * Only where that ownership is the one a clone would give: not for a
 * jail with its own user namespace (cell.uidmap: its network namespace
 * must belong to that user namespace, or the jail's root could not
 * configure it), and not for a child jail (cloned from inside its
 * parent). When the thread cannot start, the clone makes the stack; when
 * its unshare is refused, cell_netns_by_clone makes one the clone's way.
 *
 * init is cloned while the thread may still run. A clone copies only the
 * calling thread, and a lock another thread holds at that moment stays
 * held in the copy for ever: so the thread, once running, makes only
 * system calls (no allocation, no stdio), says so before the clone may
 * happen (cell_netns_ahead_ready_to_fork: glibc's and a sanitizer's
 * thread start take locks), and does not return (through their thread
 * exit, which takes locks too) until cell_netns_ahead_take releases it,
 * after the clone.
 */
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

int cell_loopback_up(void)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

/* The handshake is two words in memory and futexes: it cannot fail the
 * way a write can, and nothing of it is copied into init as a descriptor
 * would be. */
static void word_set(_Atomic int *w, int v)
{
	atomic_store(w, v);
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void word_wait(_Atomic int *w, int at_least)
{
	int v;
	while ((v = atomic_load(w)) < at_least)
		syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

/* The creator's wait for the thread's word: 0, or -ECHILD when the
 * thread ended without it (a filter that kills the thread at unshare,
 * SECCOMP_RET_KILL_THREAD): looked for every 10 ms, reaped then. */
static int thread_wait(struct cell_netns_ahead *a, int at_least)
{
	int v;
	while ((v = atomic_load(&a->state)) < at_least) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		if (syscall(SYS_futex, &a->state, FUTEX_WAIT_PRIVATE, v, &ts,
			    NULL, 0) < 0 && errno == ETIMEDOUT &&
		    pthread_tryjoin_np(a->thread, NULL) == 0) {
			a->started = false;
			if (a->fd >= 0)
				close(a->fd);
			a->fd = -1;
			a->ret = -ECHILD;
			return -ECHILD;
		}
	}
	return 0;
}

/* The thread: running, its own network namespace (unshare changes only
 * the calling thread's), kept by a descriptor that outlives the thread,
 * lo up in it, done, then wait to be released. System calls only, see
 * above. */
static void *make_stack(void *p)
{
	struct cell_netns_ahead *a = p;
	word_set(&a->state, CELL_AHEAD_RUNNING);
	int fd = -1, r = 0;
	if (unshare(CLONE_NEWNET) < 0)
		r = -errno;
	if (r == 0) {
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = -errno;
	}
	if (r == 0)
		r = cell_loopback_up();
	if (r < 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	a->fd = fd;
	a->ret = r;
	if (a->pause_ms)
		cell_test_sleep_ms(a->pause_ms);
	word_set(&a->state, CELL_AHEAD_DONE);
	word_wait(&a->release, 1);
	return NULL;
}

bool cell_netns_ahead_wanted(const struct cell_jail *j)
{
	return j->vnet && !j->netns_path[0] && !j->uid_map.n &&
	       !strchr(j->name, '.');
}

void cell_netns_ahead_start(struct cell_netns_ahead *a,
			    const struct cell_jail *j)
{
	a->started = false;
	a->fd = -1;
	a->ret = -ECHILD;
	a->pause_ms = 0;
	atomic_init(&a->state, CELL_AHEAD_STARTING);
	atomic_init(&a->release, 0);
	if (!cell_netns_ahead_wanted(j))
		return;
	a->pause_ms = cell_test_pause_ms("stack");
	/* a small stack: the thread makes a few system calls */
	pthread_attr_t at;
	if (pthread_attr_init(&at))
		return;
	(void)pthread_attr_setstacksize(&at, 64 * 1024);
	/* on a CPU other than ours: a new thread is queued where its
	 * creator runs and, woken with the lead, preempts it there, while
	 * another CPU idles until its next balance; that serialises what
	 * was to overlap (measured: the whole stack made before the creator
	 * went on) */
	cpu_set_t cpus;
	int here = sched_getcpu();
	if (here >= 0 && here < CPU_SETSIZE &&
	    sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
		CPU_CLR(here, &cpus);
		if (CPU_COUNT(&cpus) > 0)
			(void)pthread_attr_setaffinity_np(&at, sizeof(cpus),
							  &cpus);
	}
	/* every signal blocked in the thread (it inherits our mask): no
	 * handler of the caller's runs there, between its words or while
	 * we clone */
	sigset_t all, old;
	sigfillset(&all);
	bool masked = pthread_sigmask(SIG_SETMASK, &all, &old) == 0;
	a->started = pthread_create(&a->thread, &at, make_stack, a) == 0;
	if (masked)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
}

int cell_netns_ahead_ready_to_fork(struct cell_netns_ahead *a)
{
	if (!a->started)
		return -ECHILD;
	return thread_wait(a, CELL_AHEAD_RUNNING);
}

int cell_netns_ahead_take(struct cell_netns_ahead *a)
{
	if (a->started && thread_wait(a, CELL_AHEAD_DONE) == 0) {
		word_set(&a->release, 1);
		pthread_join(a->thread, NULL);
		a->started = false;
	}
	int fd = a->fd;
	a->fd = -1;
	if (fd >= 0) {
		a->ret = -EALREADY;  /* handed out once, never again */
		return fd;
	}
	return a->ret < 0 ? a->ret : -ENOENT;
}

void cell_netns_ahead_drop(struct cell_netns_ahead *a)
{
	int fd = cell_netns_ahead_take(a);
	if (fd >= 0)
		close(fd);
}

int cell_netns_by_clone(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* a child born in a new network namespace, which waits for the
	 * end of the pipe; no exit signal (reaped below, __WALL). A raw
	 * clone copies only this thread: the child makes system calls
	 * only. clone3 first, as the jail's own clone, clone(2) where it
	 * is refused. */
	struct clone_args ca = { .flags = CLONE_NEWNET };
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0 && (errno == ENOSYS || errno == EPERM))
		pid = (pid_t)syscall(SYS_clone, CLONE_NEWNET, NULL, NULL, NULL,
				     NULL);
	if (pid == 0) {
		char c;
		close(p[1]);
		(void)read(p[0], &c, 1);
		_exit(0);
	}
	int r = pid < 0 ? -errno : 0;
	close(p[0]);
	int fd = -1;
	if (pid > 0) {
		fd = cell_netns_open_pid(pid, NULL);
		if (fd < 0)
			r = fd;
	}
	close(p[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
			;
	return fd >= 0 ? fd : r;
}
