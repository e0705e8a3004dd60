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
 * the creator reserves the name, writes the record and makes the cgroup;
 * init, cloned without CLONE_NEWNET, joins it (setns) before it builds
 * anything, at the step where a namespace named by path (cell.netns) is
 * joined. Both ways init is in the same kind of namespace: new, empty but
 * for lo (up), owned by the creator's user namespace.
 *
 * Only where that ownership is the one a clone would give: not for a
 * jail with its own user namespace (cell.uidmap: its network namespace
 * must belong to that user namespace, or the jail's root could not
 * configure it), and not for a child jail (cloned from inside its
 * parent). Any failure here (no thread, unshare refused) leaves the
 * stack to the clone, as before: the result differs only in time.
 */
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"

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

/* The thread: its own network namespace (unshare changes only the
 * calling thread's), kept by a descriptor that outlives the thread, lo
 * up in it. The process's other threads never change namespace. */
static void *make_stack(void *p)
{
	struct cell_netns_ahead *a = p;
	if (unshare(CLONE_NEWNET) < 0) {
		a->ret = -errno;
		return NULL;
	}
	_cleanup_close_ int fd = open("/proc/thread-self/ns/net",
				      O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		a->ret = -errno;
		return NULL;
	}
	a->ret = cell_loopback_up();
	if (a->ret == 0)
		a->fd = TAKE_FD(fd);
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
	if (!cell_netns_ahead_wanted(j))
		return;
	/* a small stack: the thread makes two calls and a socket */
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
	a->started = pthread_create(&a->thread, &at, make_stack, a) == 0;
	pthread_attr_destroy(&at);
}

int cell_netns_ahead_take(struct cell_netns_ahead *a)
{
	if (a->started) {
		pthread_join(a->thread, NULL);
		a->started = false;
	}
	int fd = a->fd;
	a->fd = -1;
	return fd >= 0 ? fd : a->ret;
}

void cell_netns_ahead_drop(struct cell_netns_ahead *a)
{
	int fd = cell_netns_ahead_take(a);
	if (fd >= 0)
		close(fd);
}
