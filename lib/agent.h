/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The jail's agent: what a jail's root may do that needs CAP_SYS_ADMIN,
 * which no jail gets, done on its behalf by a process of the host's that
 * joined the jail's namespaces (enter.c starts it beside every jailed
 * process whose policy grants any of it):
 *   - sethostname / setdomainname (allow.set_hostname), in the jail's
 *     UTS namespace;
 *   - mount of the file systems allow.mount.<fs> names (tmpfs, proc of
 *     the jail's own processes, sysfs read-only, binds of the jail's own
 *     files), always nosuid and nodev, on targets resolved beneath the
 *     caller's root (openat2 RESOLVE_IN_ROOT), and umount of the mounts
 *     the agent itself made, never of the boundary's own (the masks over
 *     /proc and /sys, /dev, the root).
 * The policy's agent filter (policy.c) turns those calls into seccomp
 * user notifications; the jail's main filter allows them, so the
 * notification wins. Only the jail's root (euid 0) is answered, as only
 * root in a FreeBSD jail may do these things.
 */
#ifndef CELL_AGENT_H
#define CELL_AGENT_H

#include <sys/types.h>

#include "policy.h"

/*
 * Answer lfd's notifications until child (> 0) exits, or, with child 0,
 * until no task uses the filter. The caller has joined the jail's mount,
 * UTS and pid namespaces (its children are in the jail's pid namespace).
 * hostproc: the host's /proc, opened before. mounts_fd: the jail's record
 * of agent-made mounts (state.c), or -1 (then nothing is mounted);
 * mount_fs: the policy's CELL_MOUNT_* bits.
 */
void cell_agent_run(int lfd, int hostproc, pid_t child, int mounts_fd,
		    unsigned mount_fs);

#endif
