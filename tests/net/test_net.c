/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Integration tests of lib/net, as root. The process first unshares its
 * network namespace: that namespace is the stand-in host, and every jail
 * is a further netns made here. Nothing reaches the real host's network
 * objects, and traffic goes only to addresses of jails made here. The
 * BPF test makes cgroup /sys/fs/cgroup/unified/cell-nettest-<pid> and
 * removes it. Each test's teardown (which also runs when an assertion
 * fails) removes, by name, what the test made.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "net/net.h"
#include "param.h"
#include "nettest.h"
#include "util.h"
#include "cleanup.h"

/* ---- what a test made, for the teardown -------------------------------- */

#define MAXJ 8
static struct cell_jail jails[MAXJ];
static int jfd[MAXJ];
static bool jset[MAXJ];
static pid_t kids[16];
static int nkids;
static const char *bridges[8];
static int nbridges;
static char cgpath[128];
static int cgfd = -1;
static char tmpfile_[64];
/* bare epairs (no jail struct) tests make, and the stand-in host's own
 * nft table: removed by name in the teardown whatever happened */
static const char *const epairs[] = { "out", "mv", "k", "z", "nob",
				      "clash" };

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < nkids; i++)
		nt_kill(kids[i]);
	nkids = 0;
	for (int i = 0; i < MAXJ; i++) {
		if (jset[i]) {
			cell_vnet_teardown(&jails[i], jfd[i], NULL);
			nt_jail_free(&jails[i]);
			jset[i] = false;
		}
		if (jfd[i] >= 0)
			close(jfd[i]);
		jfd[i] = -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(epairs); i++)
		cell_epair_destroy(epairs[i], 0, NULL);
	/* test_nat_concurrent's chains (after its child is killed above) */
	cell_nat_remove(-1, "ncx", NULL);
	cell_nat_remove(-1, "ncy", NULL);
	if (system("nft list table inet standin >/dev/null 2>&1 && "
		   "nft delete table inet standin") < 0)
		print_message("could not run nft\n");
	for (int i = 0; i < nbridges; i++)
		cell_bridge_remove_if_unused(bridges[i], NULL);
	nbridges = 0;
	if (cgfd >= 0) {
		cell_sa_detach_all(cgfd, NULL);
		close(cgfd);
		cgfd = -1;
	}
	if (cgpath[0]) {
		rmdir(cgpath);
		cgpath[0] = '\0';
	}
	if (tmpfile_[0]) {
		unlink(tmpfile_);
		tmpfile_[0] = '\0';
	}
	return 0;
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < MAXJ; i++)
		jfd[i] = -1;
	return 0;
}

static void kid(pid_t p)
{
	assert_true(p > 0);
	kids[nkids++] = p;
}

/* Make jail i: netns, then cell_vnet_setup. */
static void jail_up(int i, const char *name, const char *bridge,
		    const char *ip4, const char *ip6)
{
	jfd[i] = nt_new_netns();
	assert_true(jfd[i] >= 0);
	nt_jail(&jails[i], name, bridge, ip4, ip6);
	jset[i] = true;
	struct cell_error err = { 0 };
	int r = cell_vnet_setup(&jails[i], jfd[i], NULL, &err);
	if (r < 0)
		print_message("setup %s: %s\n", name, err.msg);
	assert_int_equal(r, 0);
}

static void jail_down(int i)
{
	struct cell_error err = { 0 };
	int r = cell_vnet_teardown(&jails[i], jfd[i], &err);
	if (r < 0)
		print_message("teardown %s: %s\n", jails[i].name, err.msg);
	assert_int_equal(r, 0);
	nt_jail_free(&jails[i]);
	jset[i] = false;
}

static bool contains(const char *cmd, const char *what)
{
	char *o = nt_capture(cmd);
	bool r = o && strstr(o, what);
	free(o);
	return r;
}

/* Nothing of cell left in the stand-in host. */
static void assert_clean(void)
{
	char *l = nt_capture("ip -o link show");
	assert_non_null(l);
	if (strstr(l, "e0a_") || strstr(l, "cbr"))
		print_message("left over links:\n%s", l);
	assert_null(strstr(l, "e0a_"));
	assert_null(strstr(l, "cbr"));
	free(l);
	char *a = nt_capture("ip -o addr show | grep -v ' lo '");
	assert_non_null(a);
	assert_string_equal(a, "");
	free(a);
	assert_false(contains("nft list ruleset", "table inet cell"));
}

/* ---- tests -------------------------------------------------------------- */

static void test_two_jails_one_bridge(void **state)
{
	(void)state;
	jail_up(0, "ja", "cbr0", "10.9.0.2/24", "fd00:9::2/64");
	jail_up(1, "jb", "cbr0", "10.9.0.3/24", "fd00:9::3/64");
	bridges[nbridges++] = "cbr0";
	assert_true(contains("ip -o link show master cbr0", "e0a_ja"));
	assert_true(contains("ip -o link show master cbr0", "e0a_jb"));
	/* stable MAC on the host end */
	uint8_t h[6], jm[6];
	cell_epair_macs("ja", 0, h, jm);
	char mac[32];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h[0],
		 h[1], h[2], h[3], h[4], h[5]);
	assert_true(contains("ip -o link show e0a_ja", mac));

	kid(nt_server(jfd[0], SOCK_STREAM, "10.9.0.2", 5000, "tcp-a"));
	kid(nt_server(jfd[0], SOCK_DGRAM, "10.9.0.2", 5001, "udp-a"));
	kid(nt_server(jfd[0], SOCK_STREAM, "fd00:9::2", 5002, "tcp6-a"));
	char buf[64];
	assert_int_equal(nt_client(jfd[1], SOCK_STREAM, "10.9.0.2", 5000,
				   buf, sizeof(buf), 3000), 0);
	assert_string_equal(buf, "tcp-a");
	assert_int_equal(nt_client(jfd[1], SOCK_DGRAM, "10.9.0.2", 5001, buf,
				   sizeof(buf), 1000), 0);
	assert_string_equal(buf, "udp-a");
	assert_int_equal(nt_client(jfd[1], SOCK_STREAM, "fd00:9::2", 5002,
				   buf, sizeof(buf), 3000), 0);
	assert_string_equal(buf, "tcp6-a");
	assert_int_equal(nt_ping(jfd[1], "10.9.0.2", 2000), 0);
	assert_int_equal(nt_ping(jfd[1], "fd00:9::2", 2000), 0);
	/* lo is up inside, and IPv6 link-local exists on the jail end */
	assert_int_equal(nt_ping(jfd[0], "127.0.0.1", 1000), 0);
	/* IPv6 link-local between the jails: the kernel's EUI-64 address
	 * from the stable MAC, once DAD is done */
	const char *dad[] = { "sh", "-c",
			      "for i in $(seq 50); do ip -6 addr show dev "
			      "e0b_ja | grep -q tentative || exit 0; "
			      "sleep 0.1; done; exit 1", NULL };
	assert_int_equal(nt_run(jfd[0], dad), 0);
	uint8_t hm[6], jmac[6];
	cell_epair_macs("ja", 0, hm, jmac);
	char lla[64];
	snprintf(lla, sizeof(lla), "fe80::%02x%02x:%02xff:fe%02x:%02x%02x"
		 "%%e0b_jb", jmac[0] ^ 2, jmac[1], jmac[2], jmac[3], jmac[4],
		 jmac[5]);
	int pr = nt_ping(jfd[1], lla, 2000);
	if (pr)
		print_message("ping %s: %d\n", lla, pr);
	assert_int_equal(pr, 0);
	const char *ll[] = { "sh", "-c",
			     "ip -6 addr show dev e0b_ja | grep -q 'inet6 fe80'",
			     NULL };
	assert_int_equal(nt_run(jfd[0], ll), 0);
	const char *v6on[] = { "sh", "-c",
			       "test $(cat /proc/sys/net/ipv6/conf/e0b_ja/"
			       "disable_ipv6) = 0", NULL };
	assert_int_equal(nt_run(jfd[0], v6on), 0);

	for (int i = 0; i < nkids; i++)
		nt_kill(kids[i]);
	nkids = 0;
	jail_down(0);
	assert_true(contains("ip -o link show", "cbr0"));  /* jb still on */
	jail_down(1);
	assert_clean();
}

static void test_overlapping_bridges(void **state)
{
	(void)state;
	jail_up(0, "a1", "cbrA", "10.50.0.2/24", NULL);
	jail_up(1, "a2", "cbrA", "10.50.0.3/24", NULL);
	jail_up(2, "b1", "cbrB", "10.50.0.2/24", NULL);
	jail_up(3, "b2", "cbrB", "10.50.0.3/24", NULL);
	bridges[nbridges++] = "cbrA";
	bridges[nbridges++] = "cbrB";
	kid(nt_server(jfd[0], SOCK_STREAM, "10.50.0.2", 80, "A"));
	kid(nt_server(jfd[2], SOCK_STREAM, "10.50.0.2", 80, "B"));
	char buf[16];
	assert_int_equal(nt_client(jfd[1], SOCK_STREAM, "10.50.0.2", 80, buf,
				   sizeof(buf), 3000), 0);
	assert_string_equal(buf, "A");
	assert_int_equal(nt_client(jfd[3], SOCK_STREAM, "10.50.0.2", 80, buf,
				   sizeof(buf), 3000), 0);
	assert_string_equal(buf, "B");
	for (int i = 0; i < nkids; i++)
		nt_kill(kids[i]);
	nkids = 0;
	for (int i = 0; i < 4; i++)
		jail_down(i);
	assert_clean();
}

static const char *write_tmp(const char *text)
{
	snprintf(tmpfile_, sizeof(tmpfile_), "/tmp/cell-nettest-%d.nft",
		 (int)getpid());
	FILE *f = fopen(tmpfile_, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return tmpfile_;
}

static int nft_here(void *cmd)
{
	/* libnftables in the jail's netns, as the jail's root would */
	char b[512];
	snprintf(b, sizeof(b), "nft -f - <<'E'\n%s\nE", (const char *)cmd);
	return system(b) == 0 ? 0 : -EIO;
}

static void test_firewall_inside(void **state)
{
	(void)state;
	/* a host table that must survive everything */
	assert_int_equal(system("nft add table inet standin && nft add chain "
				"inet standin keep '{ type filter hook input "
				"priority 0; policy accept; }'"), 0);
	const char *fw = write_tmp(
		"table inet jailfw {\n"
		"  chain input {\n"
		"    type filter hook input priority 0; policy accept;\n"
		"    tcp dport 6001 drop\n"
		"  }\n"
		"}\n");
	jfd[0] = nt_new_netns();
	assert_true(jfd[0] >= 0);
	nt_jail(&jails[0], "fw", "cbrF", "10.61.0.2/24", NULL);
	snprintf(jails[0].vnet_firewall, sizeof(jails[0].vnet_firewall), "%s",
		 fw);
	jset[0] = true;
	struct cell_error err = { 0 };
	int r = cell_vnet_setup(&jails[0], jfd[0], NULL, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	jail_up(1, "fwc", "cbrF", "10.61.0.3/24", NULL);
	bridges[nbridges++] = "cbrF";
	kid(nt_server(jfd[0], SOCK_STREAM, "10.61.0.2", 6000, "open"));
	kid(nt_server(jfd[0], SOCK_STREAM, "10.61.0.2", 6001, "closed"));
	char buf[16];
	assert_int_equal(nt_client(jfd[1], SOCK_STREAM, "10.61.0.2", 6000,
				   buf, sizeof(buf), 2000), 0);
	assert_string_equal(buf, "open");
	assert_int_equal(nt_client(jfd[1], SOCK_STREAM, "10.61.0.2", 6001,
				   buf, sizeof(buf), 1000), -1);
	/* the rules are in the jail's nftables, not the host's */
	assert_false(contains("nft list ruleset", "jailfw"));
	const char *lst[] = { "sh", "-c", "nft list ruleset | grep -q jailfw",
			      NULL };
	assert_int_equal(nt_run(jfd[0], lst), 0);
	/* the jail's root flushing "everything" flushes only its own */
	assert_int_equal(cell_netns_run(jfd[0], nft_here,
					"flush ruleset\nadd table ip evil"),
			 0);
	assert_true(contains("nft list ruleset", "table inet standin"));
	assert_false(contains("nft list ruleset", "evil"));
	assert_int_equal(nt_client(jfd[1], SOCK_STREAM, "10.61.0.2", 6001,
				   buf, sizeof(buf), 2000), 0);
	for (int i = 0; i < nkids; i++)
		nt_kill(kids[i]);
	nkids = 0;
	jail_down(0);
	jail_down(1);
	assert_true(contains("nft list ruleset", "chain keep"));
	assert_int_equal(system("nft delete table inet standin"), 0);
	assert_clean();
}

static void test_rdr_and_nat(void **state)
{
	(void)state;
	jfd[0] = nt_new_netns();
	assert_true(jfd[0] >= 0);
	nt_jail(&jails[0], "1.web", "cbrR", "10.62.0.2/24", NULL);
	jails[0].vnet_nat = true;
	cell_strv_push(&jails[0].vnet_rdr, "tcp 8080 80");
	cell_strv_push(&jails[0].vnet_rdr, "udp 8053 53");
	jset[0] = true;
	bridges[nbridges++] = "cbrR";
	struct cell_vnet_opts o = { .bridge_autocreate = true,
				    .has_gw4 = true };
	inet_pton(AF_INET, "10.62.0.1", &o.gw4);
	/* the gateway address on the stand-in host's bridge */
	struct cell_error err = { 0 };
	int r = cell_bridge_ensure("cbrR", true, NULL, &err);
	assert_int_equal(r, 0);
	r = cell_addr_add4(-1, "cbrR", &o.gw4, 24, &err);
	assert_int_equal(r, 0);
	r = cell_vnet_setup(&jails[0], jfd[0], &o, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	assert_true(contains("nft list table inet cell", "masq_1.web"));
	kid(nt_server(jfd[0], SOCK_STREAM, "10.62.0.2", 80, "http"));
	kid(nt_server(jfd[0], SOCK_DGRAM, "10.62.0.2", 53, "dns"));
	char buf[16];
	assert_int_equal(nt_client(-1, SOCK_STREAM, "10.62.0.1", 8080, buf,
				   sizeof(buf), 3000), 0);
	assert_string_equal(buf, "http");
	assert_int_equal(nt_client(-1, SOCK_DGRAM, "10.62.0.1", 8053, buf,
				   sizeof(buf), 1000), 0);
	assert_string_equal(buf, "dns");
	/* egress: an "outside" netns behind the stand-in host, on
	 * 192.0.2.0/24 (TEST-NET-1); the jail's connections arrive from the
	 * host's address (masquerade), and the outside reaches the jail
	 * through the host's port (prerouting rdr) */
	jfd[1] = nt_new_netns();
	assert_true(jfd[1] >= 0);
	assert_int_equal(cell_epair_create("out", 0, NULL, false, 0, jfd[1],
					   NULL, NULL, &err), 0);
	struct in_addr h4, x4;
	inet_pton(AF_INET, "192.0.2.1", &h4);
	inet_pton(AF_INET, "192.0.2.2", &x4);
	assert_int_equal(cell_addr_add4(-1, "e0a_out", &h4, 24, &err), 0);
	assert_int_equal(cell_addr_add4(jfd[1], "e0b_out", &x4, 24, &err), 0);
	assert_int_equal(system("echo 1 > /proc/sys/net/ipv4/ip_forward"), 0);
	kid(nt_server(jfd[1], SOCK_STREAM, "192.0.2.2", 9000, "=peer"));
	assert_int_equal(nt_client(jfd[0], SOCK_STREAM, "192.0.2.2", 9000, buf,
				   sizeof(buf), 3000), 0);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(nt_client(jfd[1], SOCK_STREAM, "192.0.2.1", 8080, buf,
				   sizeof(buf), 3000), 0);
	assert_string_equal(buf, "http");
	assert_int_equal(cell_epair_destroy("out", 0, &err), 0);

	/* list, duplicate, clear */
	struct cell_rdr *l = NULL;
	size_t n = 0;
	assert_int_equal(cell_nat_rdr_list(-1, "1.web", &l, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].proto, IPPROTO_TCP);
	assert_int_equal(l[0].host_port, 8080);
	assert_int_equal(l[0].jail_port, 80);
	assert_int_equal(l[1].proto, IPPROTO_UDP);
	free(l);
	struct cell_rdr dup;
	assert_int_equal(cell_rdr_parse("tcp 8080 81", &dup, &err), 0);
	dup.jail_addr = jails[0].ip4_addr[0].addr;
	assert_int_equal(cell_nat_rdr_add(-1, "other", &dup, &err),
			 -EADDRINUSE);
	assert_int_equal(cell_nat_rdr_clear(-1, "1.web", &err), 0);
	assert_int_equal(cell_nat_rdr_list(-1, "1.web", &l, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_true(contains("nft list table inet cell", "masq_1.web"));
	assert_int_equal(nt_client(-1, SOCK_STREAM, "10.62.0.1", 8080, buf,
				   sizeof(buf), 1000), -1);
	for (int i = 0; i < nkids; i++)
		nt_kill(kids[i]);
	nkids = 0;
	assert_int_equal(cell_addr_del4(-1, "cbrR", &o.gw4, 24, &err), 0);
	jail_down(0);
	assert_clean();
}

static char *link_line(const char *ifname)
{
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "ip -o link show %s | sed 's/^[0-9]*: //'",
		 ifname);
	return nt_capture(cmd);
}

/* Restart re-creates the same names and MACs; long names use the hash. */
static void test_restart(void **state)
{
	(void)state;
	const char *longname = "a-rather-long-jail-name";
	struct cell_epair_names nm;
	assert_int_equal(cell_epair_names(longname, 0, &nm, NULL), 0);
	jail_up(0, longname, "cbrRS", "10.67.0.2/24", NULL);
	bridges[nbridges++] = "cbrRS";
	char *first = link_line(nm.host);
	assert_non_null(strstr(first, nm.host));
	jail_down(0);
	close(jfd[0]);
	jfd[0] = -1;
	assert_clean();
	jail_up(0, longname, "cbrRS", "10.67.0.2/24", NULL);
	char *second = link_line(nm.host);
	/* same name, same MAC, same bridge (ifindex prefix stripped) */
	char *a = strstr(first, "link/ether"), *b = strstr(second,
							   "link/ether");
	assert_non_null(a);
	assert_non_null(b);
	assert_memory_equal(a, b, 28);
	assert_non_null(strstr(second, "master cbrRS"));
	free(first);
	free(second);
	jail_down(0);
	assert_clean();
}

/* A removal's "no chain left: delete the table" must not take the chains
 * a concurrent create has just added (nat.c under cell_net_lock): a
 * child adds and removes jail "ncx"'s masquerade over and over while
 * this process adds a forward for "ncy" and looks for it at once. */
static void test_nat_concurrent(void **state)
{
	(void)state;
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		struct in_addr n;
		inet_pton(AF_INET, "10.71.0.0", &n);
		for (;;) {
			cell_nat_masq_add(-1, "ncx", &n, 24, NULL, NULL);
			cell_nat_remove(-1, "ncx", NULL);
		}
	}
	kid(p);
	struct cell_rdr rd = { .proto = IPPROTO_TCP, .host_port = 18990,
			       .jail_port = 80 };
	inet_pton(AF_INET, "10.71.0.2", &rd.jail_addr);
	int lost = 0;
	for (int i = 0; i < 150; i++) {
		struct cell_error err = { 0 };
		int r = cell_nat_rdr_add(-1, "ncy", &rd, &err);
		if (r < 0)
			print_message("rdr add: %s\n", err.msg);
		assert_int_equal(r, 0);
		struct cell_rdr *got = NULL;
		size_t n = 0;
		assert_int_equal(cell_nat_rdr_list(-1, "ncy", &got, &n, &err),
				 0);
		free(got);
		if (n != 1)
			lost++;
		assert_int_equal(cell_nat_remove(-1, "ncy", &err), 0);
	}
	nt_kill(p);
	nkids--;
	cell_nat_remove(-1, "ncx", NULL);
	if (lost)
		print_message("ncy's forward lost %d times in 150\n", lost);
	assert_int_equal(lost, 0);
	assert_false(contains("nft list ruleset", "table inet cell"));
}

static void test_vnet_interface(void **state)
{
	(void)state;
	struct cell_error err = { 0 };
	jfd[0] = nt_new_netns();
	jfd[1] = nt_new_netns();
	assert_true(jfd[0] >= 0 && jfd[1] >= 0);
	/* an epair without bridge gives a host interface e0a_mv to move */
	assert_int_equal(cell_epair_create("mv", 0, NULL, false, 0, jfd[0],
					   NULL, NULL, &err), 0);
	nt_jail(&jails[1], "mvj", NULL, "10.63.0.2/24", NULL);
	cell_strv_push(&jails[1].vnet_interface, "e0a_mv");
	jset[1] = true;
	int r = cell_vnet_setup(&jails[1], jfd[1], NULL, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	assert_false(contains("ip -o link show", "e0a_mv"));
	const char *in[] = { "sh", "-c",
			     "ip -o addr show dev e0a_mv | grep -q 10.63.0.2",
			     NULL };
	assert_int_equal(nt_run(jfd[1], in), 0);
	jail_down(1);
	assert_true(contains("ip -o link show", "e0a_mv"));
	assert_int_equal(cell_epair_destroy("mv", 0, &err), 0);
	assert_clean();
}

static void test_bad_input(void **state)
{
	(void)state;
	struct cell_error err = { 0 };
	struct in_addr a4;
	struct in6_addr a6;
	inet_pton(AF_INET, "10.1.2.3", &a4);
	inet_pton(AF_INET6, "fd00::1", &a6);
	assert_int_equal(cell_ip4_check(&a4, 33, &err), -ERANGE);
	assert_non_null(strstr(err.msg, "10.1.2.3/33"));
	assert_int_equal(cell_ip6_check(&a6, 129, &err), -ERANGE);
	assert_non_null(strstr(err.msg, "fd00::1/129"));
	inet_pton(AF_INET, "0.0.0.0", &a4);
	assert_int_equal(cell_ip4_check(&a4, 24, &err), -EINVAL);
	inet_pton(AF_INET, "10.1.2.0", &a4);
	assert_int_equal(cell_ip4_check(&a4, 24, &err), -EINVAL);
	struct cell_rdr rd;
	assert_int_equal(cell_rdr_parse("sctp 1 2", &rd, &err), -EINVAL);
	assert_int_equal(cell_rdr_parse("tcp 0 2", &rd, &err), -ERANGE);
	assert_int_equal(cell_rdr_parse("tcp 1 65536", &rd, &err), -ERANGE);
	assert_int_equal(cell_rdr_parse("tcp 1 2 3", &rd, &err), -EINVAL);
	assert_int_equal(cell_ifname_check("0123456789abcdef", &err),
			 -ENAMETOOLONG);
	assert_int_equal(cell_ifname_check("a/b", &err), -EINVAL);
	assert_int_equal(cell_link_set_mtu(-1, "lo", 67, &err), -ERANGE);
	assert_int_equal(cell_link_set_mtu(-1, "lo", 65536, &err), -ERANGE);
	assert_int_equal(cell_link_set_mtu(-1, "nosuch0", 1500, &err),
			 -ENODEV);
	assert_non_null(strstr(err.msg, "nosuch0"));
	assert_int_equal(cell_nat_name_check("a b", &err), -EINVAL);
	assert_int_equal(cell_nat_name_check("1.web-x", &err), 0);

	/* long names fall back to a hash, deterministically */
	struct cell_epair_names n1, n2;
	assert_int_equal(cell_epair_names("averyveryverylongjail", 0, &n1,
					  &err), 0);
	assert_int_equal(cell_epair_names("averyveryverylongjail", 0, &n2,
					  &err), 0);
	assert_string_equal(n1.host, n2.host);
	assert_int_equal(strlen(n1.host), 12);
	assert_memory_equal(n1.host, "e0a_", 4);
	assert_memory_equal(n1.jail, "e0b_", 4);

	jfd[0] = nt_new_netns();
	assert_true(jfd[0] >= 0);
	/* missing bridge, auto-create off: error naming it, nothing made */
	int r = cell_epair_create("nob", 0, "cbrnone", false, 0, jfd[0],
				  NULL, NULL, &err);
	assert_int_equal(r, -ENODEV);
	assert_non_null(strstr(err.msg, "cbrnone"));
	assert_false(contains("ip -o link show", "e0a_nob"));
	assert_false(contains("ip -o link show", "cbrnone"));

	/* name clash with a host interface: nothing made */
	bridges[nbridges++] = "e0a_clash";
	assert_int_equal(cell_bridge_ensure("e0a_clash", true, NULL, &err),
			 0);
	r = cell_epair_create("clash", 0, "cbrclash", true, 0, jfd[0], NULL,
			      NULL, &err);
	assert_int_equal(r, -EEXIST);
	assert_non_null(strstr(err.msg, "e0a_clash"));
	assert_false(contains("ip -o link show", "cbrclash"));
	const char *none[] = { "sh", "-c", "ip -o link | grep -q e0b_clash",
			       NULL };
	assert_int_equal(nt_run(jfd[0], none), 1);
	assert_int_equal(cell_bridge_remove_if_unused("e0a_clash", &err), 0);
	nbridges = 0;

	/* vnet.bridge naming an interface that is not a bridge */
	assert_int_equal(cell_epair_create("k", 0, NULL, false, 0, jfd[0],
					   NULL, NULL, &err), 0);
	r = cell_epair_create("z", 0, "e0a_k", true, 0, jfd[0], NULL, NULL, &err);
	assert_int_equal(r, -EEXIST);
	assert_non_null(strstr(err.msg, "not a bridge"));
	assert_false(contains("ip -o link show", "e0a_z"));
	assert_int_equal(cell_epair_destroy("k", 0, &err), 0);

	/* a host veth that has the epair's name but is not cell's (another
	 * MAC): a clash, and neither a failed setup nor a destroy by name
	 * takes it */
	assert_int_equal(system("ip link add e0a_fv type veth peer name "
				"fvpeer"), 0);
	struct cell_jail fj;
	nt_jail(&fj, "fv", "cbrfv", "10.67.0.2/24", NULL);
	r = cell_vnet_setup(&fj, jfd[0], NULL, &err);
	assert_int_equal(r, -EEXIST);
	assert_true(contains("ip -o link show", "e0a_fv"));
	r = cell_epair_destroy("fv", 0, &err);
	assert_int_equal(r, -EEXIST);
	assert_non_null(strstr(err.msg, "not cell's"));
	assert_true(contains("ip -o link show", "e0a_fv"));
	assert_false(contains("ip -o link show", "cbrfv"));
	nt_jail_free(&fj);
	assert_int_equal(system("ip link del e0a_fv"), 0);

	/* the jail's policy for the BPF hooks */
	struct cell_jail pj;
	nt_jail(&pj, "pol", NULL, "10.66.0.2/24", NULL);
	pj.vnet = false;
	pj.ip6 = CELL_JAILSYS_DISABLE;
	struct cell_sa_policy pol;
	struct in_addr *p4 = NULL;
	struct in6_addr *p6 = NULL;
	assert_int_equal(cell_vnet_sa_policy(&pj, NULL, &pol, &p4, &p6, &err), 0);
	assert_int_equal(pol.ip4_n, 1);
	assert_false(pol.ip4_disable);
	assert_true(pol.ip6_disable);
	assert_int_equal(pol.ip4[0].s_addr, pj.ip4_addr[0].addr.s_addr);
	free(p4);
	free(p6);
	nt_jail_free(&pj);

	/* a firewall file that does not parse: error naming it, and the
	 * whole setup undone */
	const char *bad = write_tmp("table inet x { chain y { bogus } }\n");
	nt_jail(&jails[0], "badfw", "cbrX", "10.64.0.2/24", NULL);
	snprintf(jails[0].vnet_firewall, sizeof(jails[0].vnet_firewall), "%s",
		 bad);
	jails[0].vnet_nat = true;
	jset[0] = true;
	r = cell_vnet_setup(&jails[0], jfd[0], NULL, &err);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err.msg, bad));
	assert_non_null(strstr(err.msg, "does not parse"));
	assert_int_equal(cell_firewall_load(jfd[0], "/nonexistent/fw.nft",
					    &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/fw.nft"));
	assert_int_equal(cell_firewall_load(-1, bad, &err), -EBADF);
	const char *inc = write_tmp("table inet x {}\n  include \"/etc/passwd\"\n");
	assert_int_equal(cell_firewall_load(jfd[0], inc, &err), -EPERM);
	assert_non_null(strstr(err.msg, ":2: include"));
	nt_jail_free(&jails[0]);
	jset[0] = false;

	/* a bad prefix in a jail: refused before anything is built */
	nt_jail(&jails[0], "badp", "cbrP", "10.65.0.2/24", NULL);
	jails[0].ip4_addr[0].prefix = 40;
	jset[0] = true;
	r = cell_vnet_setup(&jails[0], jfd[0], NULL, &err);
	assert_int_equal(r, -ERANGE);
	assert_non_null(strstr(err.msg, "10.65.0.2/40"));
	nt_jail_free(&jails[0]);
	jset[0] = false;
	assert_clean();
}

/* ---- BPF address hooks for a non-vnet jail ------------------------------ */

static int cg_enter(void)
{
	char p[200];
	snprintf(p, sizeof(p), "%s/cgroup.procs", cgpath);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = write(fd, "0", 1) == 1 ? 0 : -1;
	close(fd);
	return r;
}

static int local_of(int s, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(s, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	const void *a = ss.ss_family == AF_INET
		? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
		: (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	return inet_ntop(ss.ss_family, a, buf, (socklen_t)len) ? 0 : -1;
}

static int try_bind(int fam, int type, const char *addr)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t sl;
	if (fam == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s->sin_addr);
		sl = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s->sin6_addr);
		sl = sizeof(*s);
	}
	int s = socket(fam, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&ss, sl) < 0) {
		int e = -errno;
		close(s);
		return e;
	}
	return s;
}

/* The child's checks; the exit code says which failed. */
static int sa_child(int lst, int udp)
{
	char a[64];
	if (cg_enter() < 0)
		return 1;
	if (try_bind(AF_INET, SOCK_STREAM, "10.70.0.6") != -EPERM)
		return 2;
	int s = try_bind(AF_INET, SOCK_STREAM, "0.0.0.0");
	if (s < 0 || local_of(s, a, sizeof(a)) || strcmp(a, "10.70.0.5"))
		return 3;
	close(s);
	if ((s = try_bind(AF_INET, SOCK_DGRAM, "10.70.0.5")) < 0)
		return 4;
	close(s);
	/* connect: the source is the jail's address */
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(7000) };
	inet_pton(AF_INET, "10.70.0.6", &to.sin_addr);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(s, (struct sockaddr *)&to, sizeof(to)) < 0)
		return 5;
	if (local_of(s, a, sizeof(a)) || strcmp(a, "10.70.0.5"))
		return 6;
	int c = accept(lst, NULL, NULL);
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	if (c < 0 || getpeername(c, (struct sockaddr *)&peer, &pl) < 0)
		return 7;
	inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
	if (strcmp(a, "10.70.0.5"))
		return 8;
	close(c);
	close(s);
	/* unconnected UDP: the source is the jail's address */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	to.sin_port = htons(7001);
	if (sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) != 1)
		return 9;
	char b[4];
	pl = sizeof(peer);
	if (recvfrom(udp, b, sizeof(b), 0, (struct sockaddr *)&peer, &pl) != 1)
		return 10;
	inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
	if (strcmp(a, "10.70.0.5"))
		return 11;
	close(s);
	/* an explicit foreign source is refused */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	{
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		memset(cbuf, 0, sizeof(cbuf));
		struct iovec iov = { .iov_base = "y", .iov_len = 1 };
		struct msghdr mh = { .msg_name = &to,
				     .msg_namelen = sizeof(to),
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(cm);
		inet_pton(AF_INET, "10.70.0.6", &pi->ipi_spec_dst);
		if (sendmsg(s, &mh, 0) != -1 || errno != EPERM)
			return 15;
		inet_pton(AF_INET, "10.70.0.5", &pi->ipi_spec_dst);
		if (sendmsg(s, &mh, 0) != 1)
			return 16;
		pl = sizeof(peer);
		if (recvfrom(udp, b, sizeof(b), 0, (struct sockaddr *)&peer,
			     &pl) != 1)
			return 17;
	}
	close(s);
	/* connect6: the source is the jail's IPv6 address */
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(7002) };
	inet_pton(AF_INET6, "fd00:70::6", &to6.sin6_addr);
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (connect(s, (struct sockaddr *)&to6, sizeof(to6)) < 0)
		return 18;
	if (local_of(s, a, sizeof(a)) || strcmp(a, "fd00:70::5"))
		return 19;
	close(s);
	/* IPv6 */
	if (try_bind(AF_INET6, SOCK_STREAM, "fd00:70::6") != -EPERM)
		return 12;
	s = try_bind(AF_INET6, SOCK_STREAM, "::");
	if (s < 0 || local_of(s, a, sizeof(a)) || strcmp(a, "fd00:70::5"))
		return 13;
	close(s);
	if (try_bind(AF_INET6, SOCK_DGRAM, "::ffff:10.70.0.6") != -EPERM)
		return 14;
	return 0;
}

static int sa_child_disabled(void)
{
	if (cg_enter() < 0)
		return 1;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0 || errno != EPERM)
		return 2;
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 3;
	close(s);
	return 0;
}

static int run_child(int (*fn)(int, int), int a, int b)
{
	pid_t p = fork();
	if (p == 0)
		_exit(fn(a, b));
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static int disabled_adapter(int a, int b)
{
	(void)a;
	(void)b;
	return sa_child_disabled();
}

/* cell_vnet_host_side: a bare vnet has nothing on the host (init brings
 * lo up); each parameter that cell_vnet_setup acts on makes it true */
/* the rtnetlink socket is connected to the kernel: another socket of the
 * namespace (a vnet jail's root has CAP_NET_ADMIN in its own) can send it
 * nothing, not a flood, not a datagram too large for its buffer */
static void test_nl_strangers_refused(void **state)
{
	(void)state;
	struct cell_nl nl;
	struct cell_error err = { 0 };
	assert_int_equal(cell_nl_open(&nl, -1, &err), 0);
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	assert_true(s >= 0);
	struct sockaddr_nl to = { .nl_family = AF_NETLINK,
				  .nl_pid = nl.portid };
	static char big[40000];
	struct nlmsghdr *h = (struct nlmsghdr *)big;
	h->nlmsg_len = sizeof(big);
	h->nlmsg_type = NLMSG_NOOP;
	assert_int_equal(sendto(s, big, sizeof(big), MSG_DONTWAIT,
				(struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(s);
	struct cell_link_info li;
	assert_int_equal(cell_link_get(&nl, "lo", &li, &err), 0);
	assert_true(li.index > 0);
	cell_nl_close(&nl);
}

/* a link whose attributes a jail's root grew past 32 KiB (alternative
 * names) is still read whole: the host looks its interfaces up at
 * teardown */
static void test_nl_large_link(void **state)
{
	(void)state;
	char batch[] = "/tmp/cell-nettest-batch-XXXXXX";
	int fd = mkstemp(batch);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "link add nlbig0 type veth peer name nlbig1\n");
	for (int i = 0; i < 300; i++)
		fprintf(f, "link property add dev nlbig0 altname a%03d%0120d\n",
			i, 0);
	fclose(f);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip -batch %s >/dev/null 2>&1", batch);
	int rc = system(cmd);
	unlink(batch);
	assert_int_equal(rc, 0);
	struct cell_nl nl;
	struct cell_error err = { 0 };
	assert_int_equal(cell_nl_open(&nl, -1, &err), 0);
	struct cell_link_info li;
	int r = cell_link_get(&nl, "nlbig0", &li, &err);
	if (r < 0)
		print_message("cell_link_get: %s\n", err.msg);
	cell_nl_close(&nl);
	assert_int_equal(system("ip link del nlbig0 >/dev/null 2>&1"), 0);
	assert_int_equal(r, 0);
	assert_true(li.index > 0);
}

static void test_host_side(void **state)
{
	(void)state;
	static const char *const one[] = {
		"vnet.interface=ethx", "vnet.bridge=brx",
		"ip4.addr=10.9.0.2/24", "ip6.addr=fd09::2/64",
		"vnet.defaultrouter=10.9.0.1", "vnet.ipv6_defaultrouter=fd09::1",
		"vnet.nat", "vnet.rdr=tcp 8080 80", "vnet.firewall=/x.nft",
	};
	struct cell_error e;
	struct cell_jail j;
	cell_jail_init(&j);
	assert_int_equal(cell_param_set_arg(&j, "vnet", &e), 0);
	assert_false(cell_vnet_host_side(&j, NULL));
	struct cell_vnet_opts o = { .has_gw4 = true };
	assert_true(cell_vnet_host_side(&j, &o));
	cell_jail_free(&j);
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		cell_jail_init(&j);
		assert_int_equal(cell_param_set_arg(&j, "vnet", &e), 0);
		if (cell_param_set_arg(&j, one[i], &e) < 0)
			fail_msg("%s: %s", one[i], e.msg);
		if (!cell_vnet_host_side(&j, NULL))
			fail_msg("%s: not seen as host side", one[i]);
		cell_jail_free(&j);
	}
}

static void test_sockaddr_bpf(void **state)
{
	(void)state;
	struct cell_error err = { 0 };
	if (access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) < 0 &&
	    access("/sys/fs/cgroup/cgroup.subtree_control", F_OK) < 0)
		skip();
	const char *root = access("/sys/fs/cgroup/unified/cgroup.procs",
				  F_OK) == 0 ? "/sys/fs/cgroup/unified"
					     : "/sys/fs/cgroup";
	snprintf(cgpath, sizeof(cgpath), "%s/cell-nettest-%d", root,
		 (int)getpid());
	assert_int_equal(mkdir(cgpath, 0755), 0);
	cgfd = open(cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cgfd >= 0);

	/* the shared stack: a local interface with the jail's address and
	 * another one (cell_bridge_ensure makes a portless bridge) */
	bridges[nbridges++] = "cbrS";
	assert_int_equal(cell_bridge_ensure("cbrS", true, NULL, &err), 0);
	struct in_addr o4;
	struct in6_addr o6;
	inet_pton(AF_INET, "10.70.0.6", &o4);
	inet_pton(AF_INET6, "fd00:70::6", &o6);
	assert_int_equal(cell_addr_add4(-1, "cbrS", &o4, 24, &err), 0);
	assert_int_equal(cell_ipv6_enable(-1, "cbrS", &err), 0);
	assert_int_equal(cell_addr_add6(-1, "cbrS", &o6, 64, &err), 0);

	/* the jail: interface = cbrS, its aliases added there */
	struct cell_jail *nj = &jails[0];
	nt_jail(nj, "sa", NULL, "10.70.0.5/24", "fd00:70::5/64");
	nj->vnet = false;
	snprintf(nj->interface, sizeof(nj->interface), "cbrS");
	assert_int_equal(cell_ipalias_setup(nj, &err), 0);
	assert_true(contains("ip -o addr show dev cbrS", "10.70.0.5/24"));
	struct cell_sa_policy pol;
	struct in_addr *p4 = NULL;
	struct in6_addr *p6 = NULL;
	assert_int_equal(cell_vnet_sa_policy(nj, NULL, &pol, &p4, &p6, &err), 0);
	struct cell_sa_progs progs;
	int r = cell_sa_attach(cgfd, &pol, &progs, &err);
	free(p4);
	free(p6);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "bpftool cgroup show %s", cgpath);
	assert_true(contains(cmd, "cell_sa_bind4"));
	assert_true(contains(cmd, "cell_sa_conn6"));
	/* the packet filters behind the hooks */
	assert_true(contains(cmd, "cell_sa_egress"));
	assert_true(contains(cmd, "cell_sa_ingress"));

	/* listeners made outside the cgroup, inherited by the child */
	int lst = try_bind(AF_INET, SOCK_STREAM, "10.70.0.6");
	assert_true(lst >= 0);
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(7000) };
	sin.sin_addr = o4;
	close(lst);
	lst = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lst, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lst, 4), 0);
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sin.sin_port = htons(7001);
	assert_int_equal(bind(udp, (struct sockaddr *)&sin, sizeof(sin)), 0);
	int rc = run_child(sa_child, lst, udp);
	if (rc)
		print_message("sockaddr child failed check %d\n", rc);
	assert_int_equal(rc, 0);
	close(lst);
	close(udp);
	/* the test process itself (not in the cgroup) is unaffected */
	int s = try_bind(AF_INET, SOCK_DGRAM, "10.70.0.6");
	assert_true(s >= 0);
	close(s);
	assert_int_equal(cell_sa_detach(cgfd, &progs, &err), 0);
	assert_false(contains(cmd, "cell_sa_"));

	/* ip4 = disable */
	struct cell_sa_policy off = { .ip4_disable = true };
	assert_int_equal(cell_sa_attach(cgfd, &off, &progs, &err), 0);
	for (int h = 0; h < CELL_SA_NHOOKS; h++)
		if (progs.fd[h] >= 0)
			close(progs.fd[h]);   /* stays attached */
	assert_true(contains(cmd, "cell_sa_sock"));
	assert_int_equal(run_child(disabled_adapter, 0, 0), 0);
	assert_int_equal(cell_sa_detach_all(cgfd, &err), 0);
	assert_false(contains("bpftool cgroup tree", "cell_sa_"));

	/* bad policy */
	struct in_addr zero = { 0 };
	struct cell_sa_policy bad = { .ip4 = &zero, .ip4_n = 1 };
	assert_int_equal(cell_sa_attach(cgfd, &bad, &progs, &err), -EINVAL);

	close(cgfd);
	cgfd = -1;
	assert_int_equal(rmdir(cgpath), 0);
	cgpath[0] = '\0';
	assert_int_equal(cell_ipalias_teardown(nj, &err), 0);
	assert_false(contains("ip -o addr show dev cbrS", "10.70.0.5"));
	assert_false(contains("ip -o addr show dev cbrS", "fd00:70::5"));
	nt_jail_free(nj);
	/* a failing alias takes back those added before it */
	nt_jail(nj, "sa2", NULL, "10.70.0.7/24", "fd00:70::7/64");
	nj->vnet = false;
	snprintf(nj->interface, sizeof(nj->interface), "cbrS");
	snprintf(nj->ip6_addr[0].ifname, sizeof(nj->ip6_addr[0].ifname),
		 "nosuch0");
	assert_int_equal(cell_ipalias_setup(nj, &err), -ENODEV);
	assert_non_null(strstr(err.msg, "nosuch0"));
	assert_false(contains("ip -o addr show dev cbrS", "10.70.0.7"));
	nt_jail_free(nj);
	assert_int_equal(cell_addr_del4(-1, "cbrS", &o4, 24, &err), 0);
	assert_int_equal(cell_addr_del6(-1, "cbrS", &o6, 64, &err), 0);
	/* a link dump interrupted by a change (NLM_F_DUMP_INTR; injected)
	 * is asked again, not an error that leaves the bridge behind */
	setenv("CELL_TEST_FAIL_AT", "netlink-dump-intr", 1);
	r = cell_bridge_remove_if_unused("cbrS", &err);
	unsetenv("CELL_TEST_FAIL_AT");
	assert_int_equal(r, 0);
	assert_false(contains("ip -o link show", "cbrS"));
	nbridges = 0;
	assert_clean();
}

/* Two names whose 32-bit FNV-1a hashes are equal (768e6f0f) get
 * different MACs; every MAC is unicast and locally administered, and
 * the two ends differ. */
static void test_epair_macs(void **state)
{
	(void)state;
	uint8_t h1[6], j1[6], h2[6], j2[6];
	cell_epair_macs("rvnetroczfa", 0, h1, j1);
	cell_epair_macs("rvnethfbppa", 0, h2, j2);
	assert_memory_not_equal(h1, h2, 6);
	assert_memory_not_equal(j1, j2, 6);
	assert_memory_not_equal(h1, j1, 6);
	assert_int_equal(h1[0] & 0x03, 0x02);
	assert_int_equal(j1[0] & 0x03, 0x02);
}

static int run_all(void);

int main(void)
{
	if (geteuid() != 0) {
		printf("not root: net integration tests skipped\n");
		return 77;
	}
	/* from here on this process lives in its own stand-in host */
	int r = nt_standin_host();
	if (r < 0) {
		printf("cannot make a stand-in host netns: %s\n",
		       strerror(-r));
		return 77;
	}
	/* the run directory (net.lock, vnetif/) is this test's own */
	char rundir[] = "/tmp/cell-nettest.XXXXXX";
	if (!mkdtemp(rundir)) {
		printf("mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	setenv("CELL_RUN_DIR", rundir, 1);
	r = run_all();
	char path[64];
	snprintf(path, sizeof(path), "%s/net.lock", rundir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/vnetif", rundir);
	rmdir(path);
	if (rmdir(rundir) < 0) {
		printf("left in %s: %s\n", rundir, strerror(errno));
		return 1;
	}
	return r;
}

static int run_all(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_host_side),
		cmocka_unit_test(test_epair_macs),
		cmocka_unit_test(test_nl_strangers_refused),
		cmocka_unit_test(test_nl_large_link),
	};
	if (cmocka_run_group_tests_name("vnet-host-side", pure, NULL, NULL))
		return 1;
	const struct CMUnitTest tests[] = {
		T(test_bad_input),
		T(test_two_jails_one_bridge),
		T(test_overlapping_bridges),
		T(test_firewall_inside),
		T(test_rdr_and_nat),
		T(test_nat_concurrent),
		T(test_vnet_interface),
		T(test_restart),
		T(test_sockaddr_bpf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
