/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Life-cycle step tables.
 *
 * create: reserve (name, jid, "creating" record) -> cgroup -> init (the
 *         boundary, enter.c) -> network (lib/net) -> active record.
 * remove: dying record -> SIGTERM to everything but init, stop.timeout ->
 *         SIGKILL init (the whole pid namespace dies with it; a netns fd
 *         taken before keeps vnet.interface inside) -> network state
 *         removed -> cgroup emptied and removed -> record deleted.
 *
 * Each create step has an undo; a failure at step N runs the undos of
 * N-1 .. 1. A command killed in the middle leaves a "creating" record
 * with a dead creator, and cell_repair() runs the undos for it. The
 * record's step field says how far creation got (steps completed), so
 * repair removes only what may have been made.
 *
 * Network state of a jail, and where each part goes:
 *   vnet jail:     lo, moved vnet.interface, the epair, addresses, routes
 *                  and the jail's own firewall live in its netns; the host
 *                  end of the epair, a bridge cell made and the nft chains
 *                  in table "inet cell" are host-side and named after the
 *                  jail, so teardown (and repair) removes them by name.
 *   non-vnet jail: cgroup BPF address hooks on the jail's unified cgroup
 *                  directory (they die with the cgroup; removal detaches
 *                  them first) and "interface" aliases on the host.
 */
#include "lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cleanup.h"
#include "net/net.h"
#include "param.h"
#include "policy.h"
#include "util.h"

static void cgroup_relpath(const struct cell_jail *j, char *buf, size_t len)
{
	if (j->cgroup_path[0]) {
		/* cell.cgroup (OCI cgroupsPath): as given, below the root */
		const char *p = j->cgroup_path;
		while (*p == '/')
			p++;
		snprintf(buf, len, "%s", p);
		return;
	}
	/* dots are the hierarchy: a.b lives below a's cgroup */
	snprintf(buf, len, "cell/%s", j->name);
	for (char *p = buf + 5; *p; p++)
		if (*p == '.')
			*p = '/';
}

static void crash_point(const char *step)
{
	cell_test_crash_point(step);
	cell_test_pause_point(step);
}

/* --- cgroups ------------------------------------------------------------- */

struct cg_ctx {
	struct cell_cgroup_host *host;
	struct cell_cgroup *cg;
};

static void cg_ctx_free(struct cg_ctx *c)
{
	if (c->cg)
		cell_cgroup_free(c->cg);
	if (c->host)
		cell_cgroup_host_free(c->host);
	c->cg = NULL;
	c->host = NULL;
}

static int cg_open(const char *relpath, struct cg_ctx *c, bool create,
		   struct cell_error *err)
{
	memset(c, 0, sizeof(*c));
	int r = cell_cgroup_host_open(NULL, &c->host, err);
	if (r < 0)
		return r;
	/* lazy: on a hybrid host only the unified hierarchy at first; a v1
	 * controller's directory comes with the first limit that needs it
	 * (cell_cgroup_limit_set moves the processes there) */
	r = create ? cell_cgroup_create_flags(c->host, relpath,
					      CELL_CGROUP_LAZY, &c->cg, err)
		   : cell_cgroup_open(c->host, relpath, &c->cg, err);
	if (r < 0)
		cg_ctx_free(c);
	return r;
}

static int place_in_cgroup(void *arg, pid_t pid, bool cloned_into,
			   struct cell_error *err)
{
	struct cg_ctx *c = arg;
	return cloned_into ? cell_cgroup_attach_v1(c->cg, pid, err)
			   : cell_cgroup_attach(c->cg, pid, err);
}

/* Kill what is left in an open cgroup and remove it; frees c. */
static int cg_teardown_ctx(struct cg_ctx *c, struct cell_error *err)
{
	int r = cell_cgroup_kill(c->cg, err);
	if (r == 0)
		r = cell_cgroup_destroy(c->cg, err);
	/* a path below cell's own top (OCI's cgroupsPath): its unified
	 * parents cell made on a hybrid host go when empty */
	if (r == 0)
		cell_cgroup_prune_parents(c->host, cell_cgroup_relpath(c->cg));
	/* the shared "cell" directory goes with the last jail (we hold the
	 * state lock, and creation makes cgroups under it too), from the
	 * hierarchies where this jail had a directory */
	if (r == 0)
		cell_cgroup_prune_top(c->cg, "cell");
	cg_ctx_free(c);
	return r;
}

/* Kill everything in the cgroup and remove it; tolerant of absence. */
static int cg_teardown(const char *relpath, struct cell_error *err)
{
	struct cg_ctx c;
	int r = cg_open(relpath, &c, false, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cell_error_set(err, r, "opening cgroup %s", relpath);
	return cg_teardown_ctx(&c, err);
}

/* --- helpers ------------------------------------------------------------- */

bool cell_running(const struct cell_record *rec)
{
	return rec->state == CELL_REC_ACTIVE && cell_record_alive(rec);
}

static void kill_init(const struct cell_record *rec)
{
	struct cell_running run;
	cell_record_running(rec, &run);
	int fd = cell_init_pidfd(&run);
	if (fd < 0)
		return;
	pidfd_send_signal(fd, SIGKILL, NULL, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	poll(&p, 1, 5000);
	/* reap it if it is our child (create's undo) */
	waitpid(rec->init_pid, NULL, WNOHANG);
	close(fd);
}

static int parent_policy(const struct cell_jail *j, struct cell_policy *pp,
			 struct cell_record *parent, bool *has,
			 struct cell_error *err)
{
	*has = false;
	const char *dot = strrchr(j->name, '.');
	if (!dot)
		return 0;
	char pname[CELL_NAME_MAX];
	snprintf(pname, sizeof(pname), "%.*s", (int)(dot - j->name), j->name);
	int r = cell_state_find(pname, parent, err);
	if (r < 0)
		return cell_error_set(err, -ENOENT,
				      "parent jail %s does not exist", pname);
	if (!cell_running(parent)) {
		cell_record_free(parent);
		return cell_error_set(err, -ENOENT,
				      "parent jail %s is not running", pname);
	}
	/* the parent's effective policy: its own, within its parent's,
	 * up to the host (a.b.c never gets more than a) */
	struct cell_policy gp;
	struct cell_record grand;
	bool has_grand = false;
	r = parent_policy(&parent->jail, &gp, &grand, &has_grand, err);
	if (r < 0) {
		cell_record_free(parent);
		return r;
	}
	if (has_grand)
		cell_record_free(&grand);
	r = cell_policy_derive(&parent->jail, has_grand ? &gp : NULL, pp, err);
	if (r < 0) {
		cell_record_free(parent);
		return r;
	}
	*has = true;
	return 0;
}

static int count_children(const char *name)
{
	_cleanup_free_ int *jids = NULL;
	size_t n = 0;
	int count = 0;
	size_t len = strlen(name);
	if (cell_state_list(&jids, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct cell_record r;
		if (cell_state_peek(jids[i], &r) < 0)
			continue;
		/* a child that ended holds no place (its record waits for
		 * a repair) */
		if (!strncmp(r.jail.name, name, len) && r.jail.name[len] == '.' &&
		    !strchr(r.jail.name + len + 1, '.') && cell_running(&r))
			count++;
	}
	return count;
}

/* --- network ------------------------------------------------------------- */

/* Steps completed before "network" (see create_steps): a "creating"
 * record with a smaller step never reached the network. */
#define NETWORK_STEP 3

/* Does the policy put address hooks on this jail (a non-vnet jail with
 * ip4.addr / ip6.addr or a family disabled)? Decided in policy.c. */
static bool sa_wanted(const struct cell_jail *j)
{
	struct cell_policy pol;
	return cell_policy_derive(j, NULL, &pol, NULL) == 0 && pol.addr_hooks;
}

/* A readable fd on the jail's cgroup v2 / unified directory (BPF needs
 * one that is not O_PATH). */
static int cg_bpf_fd(struct cell_cgroup *cg, struct cell_error *err)
{
	int u = cell_cgroup_unified_fd(cg);
	if (u < 0)
		return cell_error_set(err, -EOPNOTSUPP,
				      "ip4.addr / ip6.addr / ip4 / ip6 on a "
				      "non-vnet jail need the cgroup v2 "
				      "(unified) hierarchy");
	int fd = openat(u, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_error_errno(err, -errno, "opening %s",
					cell_cgroup_unified_path(cg));
	return fd;
}

static int sa_attach(struct cell_cgroup *cg, const struct cell_jail *j,
		     struct cell_error *err)
{
	_cleanup_close_ int fd = cg_bpf_fd(cg, err);
	if (fd < 0)
		return fd;
	struct cell_sa_policy pol;
	_cleanup_free_ struct in_addr *a4 = NULL;
	_cleanup_free_ struct in6_addr *a6 = NULL;
	int r = cell_vnet_sa_policy(j, NULL, &pol, &a4, &a6, err);
	if (r < 0)
		return r;
	struct cell_sa_progs progs;
	cell_sa_progs_init(&progs);
	r = cell_sa_attach(fd, &pol, &progs, err);
	if (r < 0)
		return r;
	/* the programs stay attached to the cgroup without our fds */
	for (int h = 0; h < CELL_SA_NHOOKS; h++)
		if (progs.fd[h] >= 0)
			close(progs.fd[h]);
	return 0;
}

/* Detach every cell_sa_* program from the jail's cgroup; absent is fine. */
static int sa_detach(const char *relpath, struct cell_error *err)
{
	struct cg_ctx c;
	if (cg_open(relpath, &c, false, NULL) < 0)
		return 0;
	int r = 0;
	if (cell_cgroup_unified_fd(c.cg) >= 0) {
		_cleanup_close_ int fd = cg_bpf_fd(c.cg, err);
		r = fd < 0 ? fd : cell_sa_detach_all(fd, err);
	}
	cg_ctx_free(&c);
	return r;
}

/* The netns of a record's init, checked against pid reuse (the pidfd
 * names the process; it must still run after the open); -1 when gone. */
static int init_netns(const struct cell_record *rec)
{
	struct cell_running run;
	cell_record_running(rec, &run);
	_cleanup_close_ int pfd = cell_init_pidfd(&run);
	if (pfd < 0)
		return -1;
	int ns = cell_netns_open_pid(rec->init_pid, NULL);
	if (ns < 0)
		return -1;
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	if (poll(&p, 1, 0) != 0) {
		close(ns);
		return -1;
	}
	return ns;
}

/* Build the jail's network, host side in the calling thread's netns;
 * all or nothing. */
static int net_setup_here(const struct cell_record *rec,
			  struct cell_cgroup *cg, struct cell_error *err)
{
	const struct cell_jail *j = &rec->jail;
	if (j->vnet) {
		_cleanup_close_ int ns = cell_netns_open_pid(rec->init_pid,
							     err);
		if (ns < 0)
			return ns;
		/* no gateway parameter: the jail gets no default route */
		struct cell_vnet_opts o = { .bridge_autocreate = true };
		return cell_vnet_setup(j, ns, &o, err);
	}
	int r = cell_ipalias_setup(j, err);
	if (r < 0)
		return r;
	if (sa_wanted(j) && (r = sa_attach(cg, j, err)) < 0) {
		cell_ipalias_teardown(j, NULL);
		return r;
	}
	return 0;
}

/*
 * Remove the jail's network state. Tolerant of absence: it runs for
 * removal, for create's undo and for repair, where any part may or may
 * not exist. ns: the vnet jail's netns (held open across the kill of
 * init, so that vnet.interface can still be given back), or -1: then the
 * host-side parts go by name and the kernel takes what was inside.
 * aliases: the "interface" aliases were (or may have been) added; they
 * are removed even if the host had them before, as jail(8) does, so only
 * when creation got that far. Goes on after an error, reports the first.
 */
static int net_teardown_here(const struct cell_record *rec, int ns,
			     bool aliases, struct cell_error *err)
{
	const struct cell_jail *j = &rec->jail;
	if (j->vnet)
		return cell_vnet_teardown(j, ns, err);
	int first = 0;
	if (sa_wanted(j) && rec->cgroup[0])
		first = sa_detach(rec->cgroup, err);
	if (aliases) {
		int r = cell_ipalias_teardown(j, first ? NULL : err);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}

/*
 * A child jail's "host" is its nearest vnet ancestor: the host end of its
 * epair, its bridge, its nft chains and its aliases belong in that
 * jail's netns, never in the real host's. Without a vnet ancestor it is
 * the host. *out: an fd on the ancestor's netns, or -1 for the host (the
 * caller's own). -ESRCH when that ancestor does not run: its netns, and
 * the child's host side in it, are gone.
 */
static int host_netns(const struct cell_jail *j, int *out)
{
	*out = -1;
	char name[CELL_NAME_MAX];
	snprintf(name, sizeof(name), "%s", j->name);
	for (;;) {
		char *dot = strrchr(name, '.');
		if (!dot)
			return 0;
		*dot = '\0';
		struct cell_record prec;
		if (cell_state_find(name, &prec, NULL) < 0)
			return -ESRCH;
		bool vnet = prec.jail.vnet;
		if (vnet)
			*out = init_netns(&prec);
		cell_record_free(&prec);
		if (vnet)
			return *out < 0 ? -ESRCH : 0;
	}
}

struct net_call {
	const struct cell_record *rec;
	struct cell_cgroup *cg;
	int ns;
	bool aliases;
	bool setup;
	struct cell_error *err;
};

static int net_call_fn(void *arg)
{
	struct net_call *c = arg;
	return c->setup ? net_setup_here(c->rec, c->cg, c->err)
			: net_teardown_here(c->rec, c->ns, c->aliases, c->err);
}

/* Build the jail's network, host side in its vnet ancestor's netns for
 * a child; all or nothing. */
static int net_setup(const struct cell_record *rec, struct cell_cgroup *cg,
		     struct cell_error *err)
{
	int hns;
	int r = host_netns(&rec->jail, &hns);
	if (r < 0)
		return cell_error_set(err, r, "the parent jail does not run");
	if (hns < 0)
		return net_setup_here(rec, cg, err);
	struct net_call c = { rec, cg, -1, false, true, err };
	r = cell_netns_run(hns, net_call_fn, &c);
	close(hns);
	return r;
}

/* Remove the jail's network state (see net_teardown_here), host side in
 * the vnet ancestor's netns for a child. A child whose vnet ancestor is
 * gone has only its cgroup's programs left. */
static int net_teardown(const struct cell_record *rec, int ns, bool aliases,
			struct cell_error *err)
{
	int hns;
	if (host_netns(&rec->jail, &hns) < 0) {
		if (!rec->jail.vnet && sa_wanted(&rec->jail) && rec->cgroup[0])
			return sa_detach(rec->cgroup, err);
		return 0;
	}
	if (hns < 0)
		return net_teardown_here(rec, ns, aliases, err);
	struct net_call c = { rec, NULL, ns, aliases, false, err };
	int r = cell_netns_run(hns, net_call_fn, &c);
	close(hns);
	return r;
}

/* --- repair -------------------------------------------------------------- */

static void teardown_record(const struct cell_record *rec)
{
	/* init's death ends every process of the jail (its pid namespace);
	 * the netns fd keeps vnet.interface inside until it is given back,
	 * and the programs on the cgroup hold until no process is left */
	_cleanup_close_ int ns = rec->jail.vnet ? init_netns(rec) : -1;
	kill_init(rec);
	/* the removal's crash points here too: a jail whose init has ended
	 * (its zombie unreaped, or gone) is torn down by this repair */
	crash_point("stop");
	net_teardown(rec, ns, rec->state != CELL_REC_CREATING ||
				      rec->step >= NETWORK_STEP,
		     NULL);
	crash_point("network-removed");
	if (rec->cgroup[0])
		cg_teardown(rec->cgroup, NULL);
	crash_point("cgroup-removed");
	cell_state_delete(rec->jail.jid);
}

/* name itself or a jail below it ("a" names "a" and "a.b") */
static bool names_it(const char *name, const char *other)
{
	if (!name)
		return false;
	size_t l = strlen(name);
	return !strncmp(other, name, l) && (!other[l] || other[l] == '.');
}

/* cgroup path a is b or one of its parents ("x" holds "x" and "x/y"):
 * the removal of a's cgroup (a kill of its subtree) would reach b's */
static bool cgroup_holds(const char *a, const char *b)
{
	if (!a[0] || !b)
		return false;
	size_t l = strlen(a);
	while (l > 1 && a[l - 1] == '/')   /* "x/" is "x" */
		l--;
	return !strncmp(b, a, l) && (!b[l] || b[l] == '/');
}

/*
 * One look at every record under the lock: tear down the stale ones (what
 * a killed command left), and keep the jids of the rest, ascending, in
 * *live. With a name, *named is the jid of the live record of that name,
 * or 0. Create asks all three questions (repair, name taken, next jid) of
 * this one scan. Not every_init: an active record's init is checked only
 * when the record is that name's or one below it, or its cgroup is the
 * cgroup path given or one of its parents; one whose init has ended
 * stays, with its jid and cgroup, until the next full scan
 * (partial_scan_ok says when a create may leave it).
 */
static int repair_scan(const char *name, const char *cgroup, int **live,
		       size_t *nlive, int *named, bool every_init,
		       struct cell_error *err)
{
	_cleanup_free_ int *jids = NULL;
	size_t n = 0, kept = 0;
	int repaired = 0;
	if (named)
		*named = 0;
	int r = cell_state_list(&jids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct cell_record rec;
		/* the first line tells whether it is stale; only a stale
		 * record is read whole, to be torn down */
		int pr = cell_state_peek(jids[i], &rec);
		if (pr == -ENODATA) {
			/* empty: a writer replaces a whole record by a name
			 * exchange, so only a crash of the system can leave
			 * one (its blocks never written, on a /run that is no
			 * tmpfs); its jail died with the system */
			cell_state_delete(jids[i]);
			repaired++;
			continue;
		}
		if (pr < 0) {
			jids[kept++] = jids[i];   /* foreign: still in use */
			continue;
		}
		cell_test_pause_point("repair-peeked");
		bool stale = false;
		if (rec.state == CELL_REC_CREATING)
			stale = !cell_record_creator_alive(&rec);
		else if (rec.state == CELL_REC_ACTIVE)
			stale = (every_init || names_it(name, rec.jail.name) ||
				 cgroup_holds(rec.cgroup, cgroup)) &&
				!cell_record_alive(&rec);
		else /* dying: its remover died, or it finished */
			stale = !cell_record_creator_alive(&rec);
		if (!stale) {
			jids[kept++] = jids[i];
			if (name && named && !*named &&
			    !strcmp(rec.jail.name, name))
				*named = jids[i];
			continue;
		}
		/* read again, after the owner was found dead: a creator
		 * releases the lock after its cgroup step, so the record we
		 * peeked may have been replaced (active, init alive) and its
		 * creator exited since. Unchanged now, it is final: the dead
		 * cannot write. */
		struct cell_record full;
		if (cell_state_load(jids[i], &full, NULL) < 0) {
			/* unreadable record: a torn write cannot happen
			 * (rename), so it is foreign or damaged; keep it */
			jids[kept++] = jids[i];
			continue;
		}
		if (full.state != rec.state || full.creator != rec.creator ||
		    full.init_pid != rec.init_pid ||
		    full.init_start != rec.init_start) {
			/* replaced since the peek: its writer lives (or
			 * did), so it is in use, and its name too */
			jids[kept++] = jids[i];
			if (name && named && !*named &&
			    !strcmp(full.jail.name, name))
				*named = jids[i];
			cell_record_free(&full);
			continue;
		}
		teardown_record(&full);
		cell_record_free(&full);
		repaired++;
	}
	if (live) {
		*live = TAKE_PTR(jids);
		*nlive = kept;
	}
	return repaired;
}

int cell_repair(int lockfd, struct cell_error *err)
{
	int r = repair_scan(NULL, NULL, NULL, NULL, NULL, true, err);
	if (r >= 0)
		cell_state_full_repair_done(lockfd);
	return r;
}

/* cell_repair, full only when due (removals) */
static void repair_if_due(int lockfd)
{
	bool full = cell_state_full_repair_due(lockfd);
	if (repair_scan(NULL, NULL, NULL, NULL, NULL, full, NULL) >= 0 &&
	    full)
		cell_state_full_repair_done(lockfd);
}

/* --- create -------------------------------------------------------------- */

struct create_ctx {
	struct cell_jail *j;
	struct cell_handle *h;
	struct cell_policy pol;
	struct cg_ctx cg;
	char cgpath[sizeof(((struct cell_record *)0)->cgroup)];
					 /* the jail's cgroup; in the record
					  * from reserve on when it is new,
					  * from the cgroup step on when it
					  * existed before */
	int lockfd;
	const struct cell_parent *parent;
	const struct cell_init_proc *proc;
	struct sock_fprog bpf[2];        /* the filter, the listener's */
	char bpf_key[2][128];            /* their names in bpf/, or "" */
	bool partial;                    /* step_reserve's scan left ended
					  * jails of other names */
	struct cell_netns_ahead net;     /* a vnet's stack, made meanwhile */
};

static bool has_network(const struct create_ctx *c);

/*
 * Whether this create may leave ended jails of other names for a later
 * full repair. Only when it takes nothing such a jail could still hold:
 * its jid is new, it has nothing on the host's network (addresses, rdr
 * ports, bridges, interfaces), nor a parent. Otherwise the later teardown
 * of the ended jail would remove by name or address what the new one
 * took. Its name and cgroup: the scan reclaims at once an ended jail of
 * that name (or below it) and one whose cgroup is its cgroup or a parent
 * of it (a kill of that subtree would take the new jail along).
 */
static bool partial_scan_ok(const struct create_ctx *c)
{
	const struct cell_jail *j = c->j;
	return !j->jid && !strchr(j->name, '.') && !c->parent &&
	       !has_network(c);
}

static int create_cg_open(struct create_ctx *c, bool create,
			  struct cell_error *err);

static int step_reserve(struct create_ctx *c, struct cell_error *err)
{
	struct cell_jail *j = c->j;
	_cleanup_free_ int *live = NULL;
	size_t nlive = 0;
	int named = 0;
	bool full = !partial_scan_ok(c) ||
		    cell_state_full_repair_due(c->lockfd);
	/* the cgroup it will have: an ended jail whose cgroup holds it
	 * goes now (an unnamed jail's, cell/JID, has only "cell" above) */
	char cg[sizeof(c->h->rec.cgroup)];
	cgroup_relpath(j, cg, sizeof(cg));
	if (!j->name[0] && !j->cgroup_path[0])
		snprintf(cg, sizeof(cg), "cell/");
	int r = repair_scan(j->name[0] ? j->name : NULL, cg, &live, &nlive,
			    &named, full, err);
	if (r < 0)
		return r;
	if (full)
		cell_state_full_repair_done(c->lockfd);
	c->partial = !full;
	if (named)
		return cell_error_set(err, -EEXIST,
				      "a jail named %s already exists",
				      j->name);
	struct cell_record other;
	if (j->jid) {
		if (cell_state_load(j->jid, &other, NULL) == 0) {
			cell_record_free(&other);
			return cell_error_set(err, -EEXIST,
					      "jid %d is in use", j->jid);
		}
	} else {
		int jid = cell_state_pick_jid(live, nlive, err);
		if (jid < 0)
			return jid;
		char buf[16];
		snprintf(buf, sizeof(buf), "%d", jid);
		r = cell_param_set(j, "jid", buf, false, err);
		if (r < 0)
			return r;
	}
	if (!j->name[0]) {
		/* FreeBSD names an unnamed jail by its jid */
		char buf[16];
		snprintf(buf, sizeof(buf), "%d", j->jid);
		memcpy(j->name, buf, strlen(buf) + 1);
		if (cell_state_find(j->name, &other, NULL) == 0) {
			cell_record_free(&other);
			return cell_error_set(err, -EEXIST,
					      "a jail named %s already exists",
					      j->name);
		}
	}
	struct cell_record *rec = &c->h->rec;
	r = cell_jail_copy(&rec->jail, j, err);
	if (r < 0)
		return r;
	rec->state = CELL_REC_CREATING;
	rec->creator = getpid();
	cgroup_relpath(j, c->cgpath, sizeof(c->cgpath));
	/* The repair of this record (should we die before "active") kills
	 * and removes the cgroup it names. A cgroup that exists already is
	 * not ours (cell.cgroup may name any; the repair above took an
	 * ended jail's): it goes into the record only once the cgroup step
	 * has found it free and taken it. */
	if (create_cg_open(c, false, NULL) < 0)
		memcpy(rec->cgroup, c->cgpath, sizeof(rec->cgroup));
	if (c->cg.cg) {
		cell_cgroup_free(c->cg.cg);
		c->cg.cg = NULL;
	}
	return cell_state_save(rec, err);
}

/*
 * cg_open for a create: the jail's cgroup (c->cgpath) on the host's
 * layout, found once (reserve's look and the cgroup step share it; the
 * create's end frees it).
 */
static int create_cg_open(struct create_ctx *c, bool create,
			  struct cell_error *err)
{
	if (!c->cg.host) {
		int r = cell_cgroup_host_open(NULL, &c->cg.host, err);
		if (r < 0)
			return r;
	}
	if (c->cg.cg) {
		cell_cgroup_free(c->cg.cg);
		c->cg.cg = NULL;
	}
	return create ? cell_cgroup_create_flags(c->cg.host, c->cgpath,
						 CELL_CGROUP_LAZY, &c->cg.cg,
						 err)
		      : cell_cgroup_open(c->cg.host, c->cgpath, &c->cg.cg,
					 err);
}

static void undo_reserve(struct create_ctx *c)
{
	cell_state_delete(c->h->rec.jail.jid);
}

/*
 * The device controller repeats the devfs ruleset (defense in depth: even
 * a node that appeared in the jail some other way cannot be opened): the
 * nodes of /dev, the pty devices with devpts, nothing else.
 */
static int devices_from_policy(const struct cell_policy *pol,
			       struct cell_dev_rule *rules, size_t max)
{
	size_t n = 0;
	const unsigned rwm = CELL_DEV_READ | CELL_DEV_WRITE | CELL_DEV_MKNOD;
	for (size_t i = 0; i < pol->dev_n && n < max; i++)
		rules[n++] = (struct cell_dev_rule){ pol->dev[i].type,
						     pol->dev[i].major,
						     pol->dev[i].minor, rwm };
	if (pol->dev_pts && n + 2 <= max) {
		rules[n++] = (struct cell_dev_rule){ 'c', 5, 2, rwm }; /* ptmx */
		rules[n++] = (struct cell_dev_rule){ 'c', 136,
						     CELL_DEV_WILDCARD,
						     CELL_DEV_READ |
							     CELL_DEV_WRITE };
	}
	return (int)n;
}

static void undo_cgroup(struct create_ctx *c);

/* The jid of another record that names cgroup path cg, or 0. */
static int cgroup_owner(const char *cg, int self)
{
	_cleanup_free_ int *jids = NULL;
	size_t n = 0;
	if (cell_state_list(&jids, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct cell_record rec;
		if (jids[i] != self && cell_state_peek(jids[i], &rec) == 0 &&
		    !strcmp(rec.cgroup, cg))
			return jids[i];
	}
	return 0;
}

static int step_cgroup(struct create_ctx *c, struct cell_error *err)
{
	int r = create_cg_open(c, true, err);
	if (r == -EEXIST && c->partial) {
		/* an ended jail's, perhaps (cell.cgroup): it goes first */
		cell_error_clear(err);
		if (repair_scan(NULL, NULL, NULL, NULL, NULL, true, NULL) >= 0)
			cell_state_full_repair_done(c->lockfd);
		c->partial = false;
		r = create_cg_open(c, true, err);
	}
	if (r == -EEXIST) {
		/* a leftover of a crashed jail of the same name: only when
		 * no other jail's record names it (its init may not be in
		 * it yet: a creator drops the lock after this step and
		 * places init later; every record is a live jail's here, a
		 * full repair ran above or as the reserve's scan), and
		 * neither it nor a cgroup below it holds a process (a
		 * slice's own cgroup.procs is empty, its services are
		 * below; the jail's removal kills the whole subtree) */
		int owner = cgroup_owner(c->cgpath, c->h->rec.jail.jid);
		if (owner)
			return cell_error_set(err, -EBUSY, "cgroup %s is the "
					      "cgroup of jail %d", c->cgpath,
					      owner);
		r = create_cg_open(c, false, err);
		if (r == 0 && cell_cgroup_tree_busy(c->cg.cg)) {
			cg_ctx_free(&c->cg);
			return cell_error_set(err, -EBUSY,
					      "cgroup %s is in use", c->cgpath);
		}
	}
	if (r < 0 || c->h->rec.cgroup[0])
		return r;
	/* it existed at reserve and is ours now: recorded for repair
	 * before anything is placed in it (undo_cgroup if this fails) */
	memcpy(c->h->rec.cgroup, c->cgpath, sizeof(c->h->rec.cgroup));
	r = cell_state_save(&c->h->rec, err);
	if (r < 0)
		undo_cgroup(c);   /* this step's own undo: it failed half-way */
	return r;
}

/* The filters beside the record, for later entries (jexec): a link to
 * the kept one (one system call), else a copy. */
static int keep_filters(struct create_ctx *c, struct cell_error *err)
{
	for (int l = 0; l < 2; l++) {
		if (!c->bpf[l].len)
			continue;
		if (c->bpf_key[l][0] &&
		    cell_state_link_bpf_cache(c->bpf_key[l], c->h->rec.jail.jid,
					      l) == 0)
			continue;
		int r = cell_state_save_bpf(c->h->rec.jail.jid, l, &c->bpf[l],
					    err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The creator's work while init mounts (the placement's after_go), done
 * before anything of the jail runs: the device rules, and the filters
 * kept beside the record (nothing reads them before the jail is active).
 * On ext4 (no tmpfs /run) the links alone cost some 50 us. */
static int while_init_mounts(void *arg, struct cell_error *err)
{
	struct create_ctx *c = arg;
	int r = keep_filters(c, err);
	if (r < 0)
		return r;
	struct cell_dev_rule rules[CELL_POLICY_DEV_MAX + 2];
	int n = devices_from_policy(&c->pol, rules, ARRAY_SIZE(rules));
	r = cell_cgroup_devices_set(c->cg.cg, rules, (size_t)n, err);
	if (r == -EOPNOTSUPP) {
		/* a host with neither a devices controller nor cgroup v2:
		 * /dev's contents and nodev remain the boundary */
		cell_error_clear(err);
		return 0;
	}
	if (r < 0)
		cell_error_context(err, NULL, "devices", NULL);
	return r;
}

/* place_in_cgroup for a new jail's init, whose arg is the create_ctx */
static int place_new_init(void *arg, pid_t pid, bool cloned_into,
			  struct cell_error *err)
{
	struct create_ctx *c = arg;
	return place_in_cgroup(&c->cg, pid, cloned_into, err);
}

static void undo_cgroup(struct create_ctx *c)
{
	if (c->cg.cg) {
		cell_cgroup_kill(c->cg.cg, NULL);
		cell_cgroup_destroy(c->cg.cg, NULL);
	}
	cg_ctx_free(&c->cg);
}

/* Whether the network step has anything to build: a vnet's host side
 * (init brought lo up), addresses (aliases on host interfaces), or the
 * address hooks on the cgroup. */
static bool has_network(const struct create_ctx *c)
{
	const struct cell_jail *j = c->j;
	if (j->vnet)
		return cell_vnet_host_side(j, NULL);
	return j->ip4_addr_n || j->ip6_addr_n || c->pol.addr_hooks;
}

static void undo_init(struct create_ctx *c);

static int step_init(struct create_ctx *c, struct cell_error *err)
{
	/* the filter is compiled here once: init and its processes
	 * inherit it, and later entries load it from beside the record
	 * (kept there by while_init_mounts) */
	for (int l = 0; l < 2; l++) {
		/* a policy seen before (same build, same rows) was compiled
		 * already: its filter is kept by name in the state dir */
		char *key = c->bpf_key[l];
		bool cached = cell_policy_filter_key(&c->pol, l, key,
						     sizeof(c->bpf_key[l])) == 0;
		if (!cached)
			key[0] = '\0';
		int r0 = -ENOENT;
		if (cached && cell_state_load_bpf_cache(key, &c->bpf[l]) == 0)
			r0 = 0;
		if (r0 < 0) {
			r0 = cell_policy_compile(&c->pol, l, &c->bpf[l], err);
			if (r0 == 0 && cached && c->bpf[l].len) {
				cell_state_cache_prune(CELL_FILTER_KEY_PREFIX,
						       CELL_FILTER_KEYS_MAX - 1);
				if (cell_state_save_bpf_cache(key,
							      &c->bpf[l]) < 0)
					key[0] = '\0'; /* not kept: copy it */
			}
		}
		if (r0 < 0)
			return r0;
	}
	c->pol.compiled = &c->bpf[0];
	c->pol.compiled_listener = c->bpf[1].len ? &c->bpf[1] : NULL;
	/* the stack being made since the create began
	 * (cell_netns_ahead_start); without one the clone makes it */
	struct cell_placement place = {
		place_new_init, c, cell_cgroup_unified_fd(c->cg.cg),
		while_init_mounts, !cell_cgroup_has_v1(c->cg.cg),
		c->net.started ? &c->net : NULL
	};
	int r = cell_enter_create(c->j, &c->pol, c->parent, &place, c->proc,
				  &c->h->run, err);
	if (r < 0)
		return r;
	c->h->rec.init_pid = c->h->run.init_pid;
	c->h->rec.init_start = c->h->run.init_start;
	if (c->pol.mount_fs) {
		c->h->run.agent_fd = cell_state_open_mounts(c->j->jid);
		c->h->run.mount_fs = c->pol.mount_fs;
	}
	/* A jail with a network: record init, and "network may exist",
	 * before building any of it, for repair (vnet.interface is given
	 * back through init's netns). Without one, nothing outside the
	 * cgroup is left to undo if we die now: repair kills the cgroup,
	 * init with it, and the next save is "active". */
	if (!has_network(c))
		return 0;
	c->h->rec.step = NETWORK_STEP;
	r = cell_state_save(&c->h->rec, err);
	if (r < 0)
		undo_init(c); /* this step's own undo: it failed half-way */
	return r;
}

/* The descriptors a create keeps for what follows it (the agent's mount
 * record, the early command's gate), closed. */
static void close_kept(struct cell_running *run)
{
	int *const fds[] = { &run->agent_fd, &run->gate_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static void undo_init(struct create_ctx *c)
{
	kill_init(&c->h->rec);
	if (c->h->run.init_sock >= 0)
		close(c->h->run.init_sock);
	c->h->run.init_sock = -1;
	close_kept(&c->h->run);
}

static int step_network(struct create_ctx *c, struct cell_error *err)
{
	/* step_init recorded "network may exist" */
	if (!has_network(c))
		return 0;
	int r = net_setup(&c->h->rec, c->cg.cg, err);
	/* init that could not start the command has ended: its network
	 * namespace with it; its own error is the one to tell */
	if (r < 0 && cell_init_failed(&c->h->run, err))
		r = err->code;
	return r;
}

static void undo_network(struct create_ctx *c)
{
	_cleanup_close_ int ns = c->j->vnet ? init_netns(&c->h->rec) : -1;
	net_teardown(&c->h->rec, ns, true, NULL);
}

static int step_active(struct create_ctx *c, struct cell_error *err)
{
	/* From here the jail is complete: if we die now, a persistent jail
	 * stands (init knows it is persistent) and any other is gone. */
	cell_init_persist(&c->h->run, c->j->persist);
	c->h->rec.state = CELL_REC_ACTIVE;
	return cell_state_save(&c->h->rec, err);
}

struct create_step {
	const char *name;
	int (*run)(struct create_ctx *c, struct cell_error *err);
	void (*undo)(struct create_ctx *c);
};

static const struct create_step create_steps[] = {
	{ "reserve", step_reserve, undo_reserve },
	{ "cgroup", step_cgroup, undo_cgroup },
	{ "init", step_init, undo_init },
	{ "network", step_network, undo_network },
	{ "active", step_active, NULL },
};

int cell_create(struct cell_jail *j, struct cell_handle *h,
		struct cell_error *err)
{
	return cell_create_proc(j, NULL, h, err);
}

int cell_create_proc(struct cell_jail *j, const struct cell_init_proc *proc,
		     struct cell_handle *h, struct cell_error *err)
{
	memset(h, 0, sizeof(*h));
	h->run.init_sock = -1;
	h->run.agent_fd = -1;
	h->run.gate_fd = -1;
	h->proc = proc != NULL && !proc->keep_init;
	cell_error_context(err, j->name, NULL, NULL);
	int r = cell_jail_validate(j, err);
	if (r < 0)
		return r;
	if (!j->path[0])
		return cell_error_set(err, -EINVAL, "path= is required");

	struct create_ctx c = { .j = j, .h = h, .lockfd = -1, .proc = proc };
	struct cell_record parent;
	struct cell_policy ppol;
	bool has_parent = false;
	/* a vnet's network stack, made on another CPU while the steps up to
	 * the clone and init's first mounts run (net/stack.c); handed to
	 * init by step_init, else dropped */
	cell_netns_ahead_start(&c.net, j);
	c.lockfd = cell_state_lock(err);
	if (c.lockfd < 0) {
		cell_netns_ahead_drop(&c.net);
		return c.lockfd;
	}
	r = parent_policy(j, &ppol, &parent, &has_parent, err);
	if (r < 0)
		goto out_unlock;
	if (has_parent) {
		if (count_children(parent.jail.name) >=
		    parent.jail.children_max) {
			r = cell_error_set(err, -EPERM,
					   "parent %s: children.max (%d) "
					   "reached", parent.jail.name,
					   parent.jail.children_max);
			cell_record_free(&parent);
			goto out_unlock;
		}
	}
	r = cell_policy_derive(j, has_parent ? &ppol : NULL, &c.pol, err);
	if (r < 0) {
		if (has_parent)
			cell_record_free(&parent);
		goto out_unlock;
	}
	struct cell_parent par;
	if (has_parent) {
		par.jail = &parent.jail;
		cell_record_running(&parent, &par.run);
		c.parent = &par;
	}

	size_t done = 0;
	for (; done < ARRAY_SIZE(create_steps); done++) {
		h->rec.step = (int)done;   /* saved by the steps that save */
		r = create_steps[done].run(&c, err);
		if (r < 0) {
			/* a more precise step a callee named comes first */
			cell_error_context(err, NULL, create_steps[done].name,
					   NULL);
			break;
		}
		/* the name is reserved and the cgroup made (under the lock,
		 * so no removal prunes "cell/" meanwhile): let others run */
		if (done == 1) {
			cell_state_unlock(c.lockfd);
			c.lockfd = -1;
		}
		crash_point(create_steps[done].name);
	}
	if (r < 0) {
		while (done-- > 0)
			if (create_steps[done].undo)
				create_steps[done].undo(&c);
		cell_record_free(&h->rec);
	}
	cg_ctx_free(&c.cg);
	free(c.bpf[0].filter);
	free(c.bpf[1].filter);
	if (has_parent)
		cell_record_free(&parent);
out_unlock:
	cell_netns_ahead_drop(&c.net);
	cell_state_unlock(c.lockfd);
	return r;
}

int cell_create_run(struct cell_handle *h, int *status,
		    struct cell_error *err)
{
	cell_error_context(err, h->rec.jail.name, "command", NULL);
	return cell_init_run(&h->run, status, err);
}

static void remove_ended(int jid, const struct cell_running *run,
			 bool ends);

void cell_create_finish(struct cell_handle *h)
{
	close_kept(&h->run);
	if (h->proc) {
		/* init is the jail's process: it lives on, waiting for its
		 * start byte or running; nothing to release but our hold */
		if (h->run.init_sock >= 0)
			close(h->run.init_sock);
		h->run.init_sock = -1;
		cell_record_free(&h->rec);
		return;
	}
	bool persist = h->rec.jail.persist;
	bool others_run = h->run.others_run;
	bool none_run = h->run.none_run;
	int jid = h->rec.jail.jid;
	struct cell_running run;
	cell_record_running(&h->rec, &run);
	cell_init_release(&h->run, persist);
	cell_record_free(&h->rec);
	/* other processes run on: the jail is not empty, init stays, and
	 * it ends with the last of them (the next full repair then
	 * removes it) */
	if (persist || others_run)
		return;
	/* A jail that is not persistent ends with its last process. When
	 * that was the start-up command, its init leaves at once: clean up
	 * after it now, so "jail -c ... command=..." leaves nothing behind.
	 * (Otherwise the next full repair does: design.md, Repair.) */
	remove_ended(jid, &run, none_run);
}

/* --- exec ---------------------------------------------------------------- */

int cell_exec(const struct cell_record *rec, const struct cell_exec *x,
	      bool detach, int *status, pid_t *pid, struct cell_error *err)
{
	cell_error_context(err, rec->jail.name, NULL, NULL);
	if (!cell_record_alive(rec))
		return cell_error_set(err, -ESRCH, "jail %s is not running",
				      rec->jail.name);
	/* init lives from the init step on, but the jail is whole (its
	 * network, its device rules) only once its creator says active */
	if (rec->state == CELL_REC_CREATING)
		return cell_error_set(err, -EBUSY, "jail %s is still being "
				      "created", rec->jail.name);
	struct cell_policy pol, ppol;
	struct cell_record parent;
	bool has_parent = false;
	int r = parent_policy(&rec->jail, &ppol, &parent, &has_parent, err);
	if (r < 0)
		return r;
	if (has_parent)
		cell_record_free(&parent);
	r = cell_policy_derive(&rec->jail, has_parent ? &ppol : NULL, &pol,
			       err);
	if (r < 0)
		return r;
	/* the filter the jail was created with (its record's neighbour) */
	struct sock_fprog bpf = { 0 }, lbpf = { 0 };
	if (cell_state_load_bpf(rec->jail.jid, false, &bpf) == 0)
		pol.compiled = &bpf;
	if (cell_state_load_bpf(rec->jail.jid, true, &lbpf) == 0)
		pol.compiled_listener = &lbpf;
	struct cg_ctx c;
	r = cg_open(rec->cgroup, &c, false, err);
	if (r < 0) {
		free(bpf.filter);
		free(lbpf.filter);
		return r;
	}
	struct cell_running run;
	cell_record_running(rec, &run);
	if (pol.mount_fs) {
		run.agent_fd = cell_state_open_mounts(rec->jail.jid);
		run.mount_fs = pol.mount_fs;
	}
	struct cell_placement place = { place_in_cgroup, &c,
					cell_cgroup_unified_fd(c.cg), NULL,
					false, NULL };
	r = cell_enter_attach(&rec->jail, &pol, &run, x, &place, detach,
			      status, pid, err);
	if (run.agent_fd >= 0)
		close(run.agent_fd);
	cg_ctx_free(&c);
	free(bpf.filter);
	free(lbpf.filter);
	return r;
}

/* --- remove -------------------------------------------------------------- */

static void stop_processes(const struct cell_record *rec,
			   struct cell_cgroup *cg)
{
	/* SIGTERM to everything but init, then stop.timeout to finish */
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	bool sent = false;
	for (;;) {
		pid_t *pids = NULL;
		size_t n = 0;
		if (cell_cgroup_pids(cg, &pids, &n, NULL) < 0)
			break;
		size_t others = 0;
		for (size_t i = 0; i < n; i++) {
			if (pids[i] == rec->init_pid)
				continue;
			others++;
			if (!sent)
				kill(pids[i], SIGTERM);
		}
		free(pids);
		sent = true;
		if (!others)
			break;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= rec->jail.stop_timeout)
			break;
		usleep(20 * 1000);
	}
}

/* pre: the jail's cgroup, opened already (taken), or NULL */
static int remove_one_cg(struct cell_record *rec, struct cg_ctx *pre,
			 struct cell_error *err)
{
	cell_error_context(err, rec->jail.name, "remove", NULL);
	/* "dying, by us" for repair should we die half-way; a jail whose
	 * init has ended (jail -c's own removal) reads as stale to repair
	 * already, and the lock keeps other commands out meanwhile */
	int r;
	struct cg_ctx c = { 0 };
	if (pre) {
		c = *pre;
		memset(pre, 0, sizeof(*pre));
	}
	bool alive = cell_record_alive(rec);
	if (alive) {
		rec->state = CELL_REC_DYING;
		rec->creator = getpid();
		r = cell_state_save(rec, err);
		if (r < 0) {
			cg_ctx_free(&c);
			return r;
		}
	}
	/* one look at the host's cgroups for the whole removal */
	if (!pre && rec->cgroup[0] && cg_open(rec->cgroup, &c, false, NULL) < 0)
		memset(&c, 0, sizeof(c));
	/* with init gone its pid namespace, every process of the jail, is
	 * gone too: nothing to stop */
	if (alive && c.cg)
		stop_processes(rec, c.cg);
	crash_point("stop");
	/* init's death ends every process of the jail, so none runs
	 * without its address hooks; the netns fd keeps vnet.interface
	 * inside until it is given back. A network error is reported, but
	 * the rest goes on so that nothing else outlives the command. */
	_cleanup_close_ int ns = rec->jail.vnet ? init_netns(rec) : -1;
	kill_init(rec);
	struct cell_error nerr;
	cell_error_clear(&nerr);
	int nr = net_teardown(rec, ns, true, &nerr);
	crash_point("network-removed");
	if (c.cg) {
		r = cg_teardown_ctx(&c, err);
		if (r < 0)
			return r;
	}
	crash_point("cgroup-removed");
	cell_state_delete(rec->jail.jid);
	if (nr < 0 && err)
		*err = nerr;
	return nr;
}

static int remove_one(struct cell_record *rec, struct cell_error *err)
{
	return remove_one_cg(rec, NULL, err);
}

/*
 * The jails below rec (names rec.*, up to 8 levels): one look at every
 * record; *below gets their jids with the depth in the high bits.
 */
static size_t subtree_find(const struct cell_record *rec, int **below)
{
	size_t n = 0, nch = 0;
	*below = NULL;
	/* children.max cannot change on a running jail: at 0 (the default)
	 * no jail was ever created below this one, and the read of every
	 * record (jail -c's removal and jail -r would pay it per jail on
	 * the host) is skipped */
	if (rec->jail.children_max == 0)
		return 0;
	if (cell_state_list(below, &n, NULL) < 0)
		return 0;
	int *jids = *below;
	size_t len = strlen(rec->jail.name);
	for (size_t i = 0; i < n; i++) {
		struct cell_record head;
		if (cell_state_peek(jids[i], &head) < 0 ||
		    strncmp(head.jail.name, rec->jail.name, len) ||
		    head.jail.name[len] != '.')
			continue;
		int d = 0;
		for (const char *p = head.jail.name + len; *p; p++)
			d += *p == '.';
		if (d > 8)
			continue;
		/* kept in place: jid, and its depth in the high bits */
		jids[nch++] = d << 24 | jids[i];
	}
	return nch;
}

/*
 * A record still being created by a live command: that command owns it
 * until it saves "active" or undoes it. The lock is dropped after the
 * cgroup step, so a removal can find it; taking it then would delete a
 * record whose creator goes on (it saves it again, or its undo deletes
 * the record of whichever jail took the jid since) and the cgroup its
 * init is being placed in.
 */
static bool being_created(const struct cell_record *rec)
{
	return rec->state == CELL_REC_CREATING &&
	       cell_record_creator_alive(rec);
}

/* those jails, deepest first; one being created is left to its creator
 * (its cgroup, below ours, dies with our kill: its create fails and
 * undoes itself) */
static void subtree_remove(const int *below, size_t n)
{
	for (int depth = 8; depth >= 1; depth--) {
		for (size_t i = 0; i < n; i++) {
			struct cell_record ch;
			if (below[i] >> 24 != depth ||
			    cell_state_load(below[i] & 0xffffff, &ch, NULL) < 0)
				continue;
			if (ch.state == CELL_REC_CREATING) {
				/* its creator died: what repair does */
				if (!being_created(&ch))
					teardown_record(&ch);
			} else {
				remove_one(&ch, NULL);
			}
			cell_record_free(&ch);
		}
	}
}

/* Remove rec's jail and the jails below it (children first, deepest
 * first), under the lock. */
static int remove_tree(struct cell_record *rec, struct cell_error *err)
{
	if (rec->state == CELL_REC_CREATING) {
		if (being_created(rec))
			return cell_error_set(err, -EBUSY,
					      "jail %s is being created (by "
					      "pid %d)", rec->jail.name,
					      (int)rec->creator);
		/* its creator died since the repair: repair it now */
		teardown_record(rec);
		return 0;
	}
	_cleanup_free_ int *below = NULL;
	size_t n = subtree_find(rec, &below);
	subtree_remove(below, n);
	return remove_one(rec, err);
}

/* The state lock for a removal, with the repair it owes (full when
 * due); an fd or -errno. */
static int lock_for_removal(struct cell_error *err)
{
	int lockfd = cell_state_lock(err);
	if (lockfd >= 0)
		repair_if_due(lockfd);
	return lockfd;
}

int cell_remove(const char *key, struct cell_error *err)
{
	int lockfd = lock_for_removal(err);
	if (lockfd < 0)
		return lockfd;
	struct cell_record rec;
	int r = cell_state_find(key, &rec, err);
	if (r < 0) {
		cell_state_unlock(lockfd);
		if (r == -ENOENT)
			return cell_error_set(err, -ENOENT,
					      "jail \"%s\" not found", key);
		return r;
	}
	r = remove_tree(&rec, err);
	cell_record_free(&rec);
	cell_state_unlock(lockfd);
	return r;
}

int cell_remove_instance(int jid, pid_t init_pid,
			 unsigned long long init_start,
			 struct cell_error *err)
{
	int lockfd = lock_for_removal(err);
	if (lockfd < 0)
		return lockfd;
	struct cell_record rec;
	int r = cell_state_load(jid, &rec, NULL);
	if (r == 0 && (rec.init_pid != init_pid ||
		       rec.init_start != init_start)) {
		cell_record_free(&rec);
		r = -ENOENT;
	}
	if (r < 0) {
		cell_state_unlock(lockfd);
		return cell_error_set(err, -ENOENT, "jail %d is gone", jid);
	}
	r = remove_tree(&rec, err);
	cell_record_free(&rec);
	cell_state_unlock(lockfd);
	return r;
}

/*
 * The end of a jail that was not persistent, by the command that made it,
 * as its init exits: the record by jid, if it is still the one of that
 * init (no other command removed it and no other jail took its jid
 * since), and no repair of the others (a later create, removal or listing
 * does that: design.md, Repair). What needs no wait for init is
 * done while the kernel tears init down (its mounts, its memory: about
 * 0.2 ms here): the lock, the record, the jails below, the cgroup handle.
 */
static void remove_ended(int jid, const struct cell_running *run,
			 bool ends)
{
	/* ends: init said no process of the jail runs on, so it is ending
	 * now and the preparation overlaps its teardown. Otherwise (init
	 * said nothing: the start took another path) wait for it first,
	 * without the lock: it may not end at all, and the lock would keep
	 * every other command out for the whole wait. */
	if (!ends) {
		int fd = cell_init_pidfd(run);
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			bool gone = poll(&p, 1, 500) == 1;
			close(fd);
			if (!gone)
				return;   /* the next full repair */
		}
	}
	cell_test_pause_point("ended-before-lock");
	int lockfd = cell_state_lock(NULL);
	if (lockfd < 0)
		return;
	struct cell_record rec;
	if (cell_state_load(jid, &rec, NULL) < 0) {
		cell_state_unlock(lockfd);
		return;
	}
	if (rec.init_pid != run->init_pid ||
	    rec.init_start != run->init_start) {
		cell_record_free(&rec);
		cell_state_unlock(lockfd);
		return;
	}
	_cleanup_free_ int *below = NULL;
	size_t nbelow = subtree_find(&rec, &below);
	struct cg_ctx c = { 0 };
	bool have_cg = rec.cgroup[0] &&
		       cg_open(rec.cgroup, &c, false, NULL) == 0;
	/* init is our child (unless a parent jail's init adopted it), not
	 * reaped yet: its pid is still its own */
	int fd = cell_init_pidfd(run);
	bool gone = fd < 0;
	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		gone = poll(&p, 1, 500) == 1;
		close(fd);
	}
	if (gone) {
		/* reaped, or as a zombie it still reads as alive and the
		 * removal takes the slow path for a running jail */
		waitpid(run->init_pid, NULL, WNOHANG);
		subtree_remove(below, nbelow);
		if (have_cg)
			remove_one_cg(&rec, &c, NULL);
		else
			remove_one(&rec, NULL);
	} else {
		/* still running after 500 ms: the next full repair */
		cg_ctx_free(&c);
	}
	cell_record_free(&rec);
	cell_state_unlock(lockfd);
}

/* --- modify -------------------------------------------------------------- */

static int set_names_in(const struct cell_record *rec, const char *host,
			const char *domain, struct cell_error *err)
{
	struct cell_running run;
	cell_record_running(rec, &run);
	_cleanup_close_ int pidfd = cell_init_pidfd(&run);
	if (pidfd < 0)
		return cell_error_set(err, pidfd, "jail is not running");
	pid_t pid = fork();
	if (pid < 0)
		return cell_error_errno(err, -errno, "fork");
	if (pid == 0) {
		if (setns(pidfd, CLONE_NEWUTS) < 0)
			_exit(1);
		if (host && sethostname(host, strlen(host)) < 0)
			_exit(2);
		if (domain && setdomainname(domain, strlen(domain)) < 0)
			_exit(3);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return cell_error_set(err, -EPERM, "setting the host name "
				      "inside the jail failed");
	return 0;
}

int cell_modify(const char *key, const struct cell_jail *changes,
		struct cell_error *err)
{
	int lockfd = cell_state_lock(err);
	if (lockfd < 0)
		return lockfd;
	struct cell_record rec;
	int r = cell_state_find(key, &rec, err);
	if (r < 0) {
		cell_state_unlock(lockfd);
		return r == -ENOENT ? cell_error_set(err, r,
						     "jail \"%s\" not found",
						     key)
				    : r;
	}
	cell_error_context(err, rec.jail.name, "modify", NULL);
	if (!cell_running(&rec)) {
		r = cell_error_set(err, -ESRCH, "jail is not running");
		goto out;
	}
	char buf[CELL_VALUE_MAX * 2];
	for (size_t i = 0; i < cell_params_count; i++) {
		const struct cell_param *p = &cell_params[i];
		if (!cell_param_is_set(changes, p) || !strcmp(p->name, "name") ||
		    !strcmp(p->name, "jid"))
			continue;
		if (!(p->flags & CELL_PF_RUNTIME)) {
			r = cell_error_set(err, -EPERM,
					   "%s cannot be changed on a running "
					   "jail", p->name);
			goto out;
		}
		if (!strcmp(p->name, "securelevel") &&
		    changes->securelevel < rec.jail.securelevel) {
			r = cell_error_set(err, -EPERM,
					   "securelevel may only be raised");
			goto out;
		}
		if (p->type == CELL_PT_KV)
			continue;
		if (cell_param_format(changes, p, buf, sizeof(buf)) < 0) {
			r = cell_error_set(err, -E2BIG, "%s too long", p->name);
			goto out;
		}
		r = cell_param_set(&rec.jail, p->name, buf, false, err);
		if (r < 0)
			goto out;
	}
	/* keys to remove first (meta.KEY without "="), then the values */
	for (size_t i = 0; i < changes->kv_unset.n; i++) {
		r = cell_param_set(&rec.jail, changes->kv_unset.v[i], NULL,
				   false, err);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < changes->meta_n; i++) {
		char name[300];
		snprintf(name, sizeof(name), "meta.%s", changes->meta[i].key);
		r = cell_param_set(&rec.jail, name, changes->meta[i].value,
				   false, err);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < changes->env_n; i++) {
		char name[300];
		snprintf(name, sizeof(name), "env.%s", changes->env[i].key);
		r = cell_param_set(&rec.jail, name, changes->env[i].value,
				   false, err);
		if (r < 0)
			goto out;
	}
	const struct cell_param *hn = cell_param_lookup("host.hostname");
	const struct cell_param *dn = cell_param_lookup("host.domainname");
	if (cell_param_is_set(changes, hn) || cell_param_is_set(changes, dn)) {
		r = set_names_in(&rec,
				 cell_param_is_set(changes, hn)
					 ? rec.jail.hostname : NULL,
				 cell_param_is_set(changes, dn)
					 ? rec.jail.domainname : NULL,
				 err);
		if (r < 0)
			goto out;
	}
	if (cell_param_is_set(changes, cell_param_lookup("persist")))
		kill(rec.init_pid, rec.jail.persist ? SIGUSR2 : SIGUSR1);
	r = cell_state_save(&rec, err);
	if (r == 0) {
		/* the policy may follow a changed parameter (securelevel):
		 * processes entering from now on get it compiled afresh */
		struct cell_policy pol, ppol;
		struct cell_record parent;
		bool has_parent = false;
		struct sock_fprog bpf = { 0 };
		if (parent_policy(&rec.jail, &ppol, &parent, &has_parent,
				  NULL) == 0) {
			if (has_parent)
				cell_record_free(&parent);
			if (cell_policy_derive(&rec.jail,
					       has_parent ? &ppol : NULL, &pol,
					       NULL) == 0 &&
			    cell_policy_compile(&pol, false, &bpf, NULL) == 0)
				cell_state_save_bpf(rec.jail.jid, false, &bpf,
						    NULL);
			free(bpf.filter);
		}
	}
out:
	cell_record_free(&rec);
	cell_state_unlock(lockfd);
	return r;
}
