/* SPDX-License-Identifier: BSD-2-Clause */
/* The parameter table: parsing, validation, printing and round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jail.h"
#include "policy.h"
#include "param.h"

static int setup(void **state)
{
	struct cell_jail *j = malloc(sizeof(*j));
	cell_jail_init(j);
	*state = j;
	return 0;
}

static int teardown(void **state)
{
	cell_jail_free(*state);
	free(*state);
	return 0;
}

static void defaults_are_freebsds(void **state)
{
	struct cell_jail *j = *state;
	assert_true(j->allow.set_hostname);
	assert_true(j->allow.reserved_ports);
	assert_false(j->allow.raw_sockets);
	assert_false(j->allow.mount);
	assert_int_equal(j->enforce_statfs, 2);
	assert_int_equal(j->securelevel, -1);
	assert_int_equal(j->devfs_ruleset, 4);
	assert_int_equal(j->children_max, 0);
	assert_int_equal(j->stop_timeout, 10);
	assert_int_equal(j->sysvshm, CELL_JAILSYS_DISABLE);
	assert_false(j->persist);
}

static void set_basic_types(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	assert_int_equal(cell_param_set_arg(j, "name=web", &e), 0);
	assert_string_equal(j->name, "web");
	assert_int_equal(cell_param_set_arg(j, "path=/jails/web", &e), 0);
	assert_int_equal(cell_param_set_arg(j, "host.hostname=web.example",
					    &e), 0);
	assert_int_equal(cell_param_set_arg(j, "securelevel=2", &e), 0);
	assert_int_equal(j->securelevel, 2);
	assert_int_equal(cell_param_set_arg(j, "persist", &e), 0);
	assert_true(j->persist);
	assert_int_equal(cell_param_set_arg(j, "allow.raw_sockets=1", &e), 0);
	assert_true(j->allow.raw_sockets);
	assert_int_equal(cell_param_set_arg(j, "sysvshm=new", &e), 0);
	assert_int_equal(j->sysvshm, CELL_JAILSYS_NEW);
}

static void no_prefix(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	j->allow.set_hostname = true;
	assert_int_equal(cell_param_set_arg(j, "allow.noset_hostname", &e), 0);
	assert_false(j->allow.set_hostname);
	j->persist = true;
	assert_int_equal(cell_param_set_arg(j, "nopersist", &e), 0);
	assert_false(j->persist);
	/* the "no" form takes no value */
	assert_int_equal(cell_param_set_arg(j, "nopersist=1", &e), -EINVAL);
	/* "no" on a non-boolean is unknown */
	assert_int_equal(cell_param_set_arg(j, "nopath", &e), -ENOENT);
}

static void unknown_and_bad_values(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	assert_int_equal(cell_param_set_arg(j, "allow.frobnicate=1", &e),
			 -ENOENT);
	assert_non_null(strstr(e.msg, "allow.frobnicate"));
	assert_int_equal(cell_param_set_arg(j, "securelevel=7", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "securelevel"));
	assert_int_equal(cell_param_set_arg(j, "securelevel=x", &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "persist=maybe", &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "path=relative", &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "name=a..b", &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "name=123", &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "name=a/b", &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "host.hostname=a b", &e),
			 -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "ip4=sometimes", &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "parent=3", &e), -EPERM);
	/* cgroup paths: one word of a state record, and "-" there is none
	 * (a jail placed in "-" lost its cgroup on removal) */
	assert_int_equal(cell_param_set_arg(j, "cell.cgroup=-", &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "cell.cgroup=a b", &e),
			 -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "cell.cgroup=a/../b", &e),
			 -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "cell.cgroup=x/-/y", &e), 0);
	char big[CELL_VALUE_MAX + 10];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cell_param_set(j, "host.hostuuid", big, false, &e),
			 -E2BIG);
}

static void ip_lists(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	assert_int_equal(cell_param_set_arg(j, "ip4.addr=10.0.0.1,10.0.0.2/24",
					    &e), 0);
	assert_int_equal(j->ip4_addr_n, 2);
	assert_int_equal(j->ip4_addr[1].prefix, 24);
	assert_int_equal(cell_param_set_arg(j, "ip4.addr+=em0|10.0.0.3/255.255.0.0",
					    &e), 0);
	assert_int_equal(j->ip4_addr_n, 3);
	assert_string_equal(j->ip4_addr[2].ifname, "em0");
	assert_int_equal(j->ip4_addr[2].prefix, 16);
	assert_int_equal(cell_param_set_arg(j, "ip4.addr=10.0.0.300", &e),
			 -EINVAL);
	assert_int_equal(j->ip4_addr_n, 3); /* a bad value changes nothing */
	assert_int_equal(cell_param_set_arg(j, "ip4.addr=10.0.0.1/33", &e),
			 -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "ip4.addr=10.0.0.1/255.0.255.0",
					    &e), -EINVAL);
	assert_int_equal(cell_param_set_arg(j, "ip4.addr=10.0.0.1,,10.0.0.2",
					    &e), -EINVAL);
	/* addresses of one family only: the other is "new" with none */
	assert_int_equal(j->ip4, CELL_JAILSYS_NEW);
	assert_int_equal(j->ip6, CELL_JAILSYS_NEW);
	assert_int_equal(j->ip6_addr_n, 0);
	assert_int_equal(cell_param_set_arg(j, "ip6.addr=fd00::1/64,::1", &e),
			 0);
	assert_int_equal(j->ip6_addr_n, 2);
	assert_int_equal(j->ip6_addr[0].prefix, 64);
	assert_int_equal(cell_param_set_arg(j, "ip6.addr=fd00::g", &e),
			 -EINVAL);
	char buf[256];
	const struct cell_param *p = cell_param_lookup("ip4.addr");
	assert_true(cell_param_format(j, p, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "10.0.0.1,10.0.0.2/24,em0|10.0.0.3/16");
}

static void lists_and_kv(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	assert_int_equal(cell_param_set_arg(j, "depend=a,b", &e), 0);
	assert_int_equal(j->depend.n, 2);
	assert_int_equal(cell_param_set_arg(j, "depend+=c", &e), 0);
	assert_int_equal(j->depend.n, 3);
	assert_int_equal(cell_param_set_arg(j, "exec.start=/bin/sh /etc/rc, x",
					    &e), 0);
	assert_int_equal(j->exec_start.n, 1); /* commands keep commas */
	assert_int_equal(cell_param_set_arg(j, "meta.owner=alice", &e), 0);
	assert_int_equal(cell_param_set_arg(j, "meta.owner=bob", &e), 0);
	assert_int_equal(j->meta_n, 1);
	assert_string_equal(j->meta[0].value, "bob");
	assert_int_equal(cell_param_set_arg(j, "env.LANG=C", &e), 0);
	assert_int_equal(cell_param_set_arg(j, "meta.=x", &e), -EINVAL);
	/* accepted without Linux meaning, reported back as set */
	assert_int_equal(cell_param_set_arg(j, "osrelease=14.2-RELEASE", &e),
			 0);
	char buf[64];
	assert_true(cell_param_format(j, cell_param_lookup("osrelease"), buf,
				      sizeof(buf)) > 0);
	assert_string_equal(buf, "14.2-RELEASE");
}

static void validate_combinations(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	cell_param_set_arg(j, "name=x", &e);
	assert_int_equal(cell_jail_validate(j, &e), 0);
	cell_param_set_arg(j, "vnet.bridge=br0", &e);
	assert_int_equal(cell_jail_validate(j, &e), -EINVAL);
	cell_param_set_arg(j, "vnet", &e);
	assert_int_equal(cell_jail_validate(j, &e), 0);
	cell_param_set_arg(j, "ip4=disable", &e);
	cell_param_set_arg(j, "ip4.addr=10.1.1.1", &e);
	assert_int_equal(cell_jail_validate(j, &e), -EINVAL);
}

/* parse -> print -> parse gives the same print */
static void round_trip(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	const char *args[] = {
		"name=rt", "path=/jails/rt", "host.hostname=rt.example",
		"ip4.addr=10.0.0.1,10.0.0.2/24", "ip6.addr=fd00::5/64",
		"allow.raw_sockets", "allow.noset_hostname", "securelevel=1",
		"exec.start=/bin/sh /etc/rc", "exec.start+=echo a,b",
		"meta.note=two words",
		"env.X=a\"b", "persist", "depend=db,cache", "osrelease=14.0",
	};
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		assert_int_equal(cell_param_set_arg(j, args[i], &e), 0);
	assert_int_equal(cell_param_set(j, "command", "/bin/echo", false, &e), 0);
	assert_int_equal(cell_param_set(j, "command", "hello world", true, &e),
			 0);
	char *a = NULL, *b = NULL;
	size_t al, bl;
	FILE *f = open_memstream(&a, &al);
	assert_int_equal(cell_params_print(f, j, CELL_PRINT_QUOTE), 0);
	fclose(f);
	struct cell_jail k;
	cell_jail_init(&k);
	assert_int_equal(cell_params_parse_line(&k, a, &e), 0);
	f = open_memstream(&b, &bl);
	assert_int_equal(cell_params_print(f, &k, CELL_PRINT_QUOTE), 0);
	fclose(f);
	assert_string_equal(a, b);
	assert_int_equal(k.command.n, 2);
	assert_string_equal(k.command.v[1], "hello world");
	/* two commands stay two (printed "a,b" they read back as one) */
	assert_int_equal(k.exec_start.n, 2);
	assert_string_equal(k.exec_start.v[1], "echo a,b");
	assert_string_equal(k.env[0].value, "a\"b");
	cell_jail_free(&k);
	free(a);
	free(b);
}

/* jls -s form: settable only, booleans as name / noname */
static void settable_form(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	cell_param_set_arg(j, "name=s", &e);
	cell_param_set_arg(j, "allow.nomount", &e);
	char *a = NULL;
	size_t al;
	FILE *f = open_memstream(&a, &al);
	cell_params_print(f, j, CELL_PRINT_QUOTE | CELL_PRINT_SETTABLE |
					CELL_PRINT_ALL | CELL_PRINT_KERNEL);
	fclose(f);
	assert_non_null(strstr(a, "allow.nomount"));
	assert_non_null(strstr(a, "allow.set_hostname"));
	assert_null(strstr(a, "parent="));
	assert_null(strstr(a, "jid="));
	assert_null(strstr(a, "exec.start"));
	/* and it is accepted back */
	struct cell_jail k;
	cell_jail_init(&k);
	assert_int_equal(cell_params_parse_line(&k, a, &e), 0);
	assert_false(k.allow.mount);
	cell_jail_free(&k);
	free(a);
}

static void table_is_complete(void **state)
{
	(void)state;
	/* every row has a name, a meaning, and a lookup that finds it */
	for (size_t i = 0; i < cell_params_count; i++) {
		const struct cell_param *p = &cell_params[i];
		assert_non_null(p->name);
		assert_true(strlen(p->desc) > 3);
		assert_ptr_equal(cell_param_lookup(p->name), p);
	}
	/* FreeBSD 14's allow.* with a Linux meaning are all there */
	const char *must[] = { "allow.set_hostname", "allow.raw_sockets",
			       "allow.chflags", "allow.mount",
			       "allow.mount.tmpfs", "allow.mlock",
			       "allow.reserved_ports", "allow.read_msgbuf",
			       "allow.socket_af", "allow.sysvipc",
			       "allow.quotas",
			       "allow.unprivileged_proc_debug",
			       "allow.adjtime", "allow.settime",
			       "host.hostuuid", "children.max",
			       "enforce_statfs", "devfs_ruleset", "sysvmsg" };
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		assert_non_null(cell_param_lookup(must[i]));
}

static void copy_is_deep(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	cell_param_set_arg(j, "ip4.addr=10.0.0.1", &e);
	cell_param_set_arg(j, "depend=x", &e);
	cell_param_set_arg(j, "meta.k=v", &e);
	struct cell_jail k;
	assert_int_equal(cell_jail_copy(&k, j, &e), 0);
	cell_jail_free(j);
	cell_jail_init(j);
	assert_int_equal(k.ip4_addr_n, 1);
	assert_string_equal(k.depend.v[0], "x");
	assert_string_equal(k.meta[0].value, "v");
	cell_jail_free(&k);
}

/* FreeBSD's vnet takes "new" and "inherit" (jail(8)), as in the common
 * "vnet = new;" of jail.conf */
static void vnet_jailsys_values(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	assert_int_equal(cell_param_set_arg(j, "vnet=new", &e), 0);
	assert_true(j->vnet);
	assert_int_equal(cell_param_set_arg(j, "vnet=inherit", &e), 0);
	assert_false(j->vnet);
	assert_int_equal(cell_param_set_arg(j, "vnet", &e), 0);
	assert_true(j->vnet);
	assert_int_equal(cell_param_set_arg(j, "vnet=disable", &e), -EINVAL);
}

/* cell.timens.* offsets: [-]SECONDS[.FRACTION] as the kernel wants them
 * (whole seconds, and nanoseconds in [0, 1e9) added); cell.devices items;
 * meta.KEY without "=" removes the key (FreeBSD) */
static void offsets_devices_kv(void **state)
{
	struct cell_jail *j = *state;
	struct cell_error e;
	long long s;
	long ns;
	assert_int_equal(cell_time_offset_parse("-1.5", &s, &ns), 0);
	assert_true(s == -2 && ns == 500000000);
	assert_int_equal(cell_time_offset_parse("2.000000001", &s, &ns), 0);
	assert_true(s == 2 && ns == 1);
	assert_int_equal(cell_time_offset_parse("-0", &s, &ns), 0);
	assert_true(s == 0 && ns == 0);
	assert_int_equal(cell_time_offset_parse("", &s, &ns), 0);
	assert_true(cell_time_offset_parse("1.", &s, &ns) < 0);
	assert_true(cell_time_offset_parse(".5", &s, &ns) < 0);
	assert_true(cell_time_offset_parse("1.0000000001", &s, &ns) < 0);
	assert_true(cell_time_offset_parse("1e5", &s, &ns) < 0);
	assert_int_equal(cell_time_offset_parse("-9223372036", &s, &ns), 0);
	assert_int_equal(cell_time_offset_parse("-9223372036.5", &s, &ns),
			 -ERANGE);
	assert_int_equal(cell_time_offset_parse("9223372037", &s, &ns),
			 -ERANGE);

	struct cell_devnode d;
	char why[160];
	assert_int_equal(cell_devnode_parse("/dev/dri/card0 c 226:0 0660 0:44",
					    &d, why, sizeof(why)), 0);
	assert_string_equal(d.name, "dri/card0");
	assert_true(d.type == 'c' && d.major == 226 && d.minor == 0 &&
		    d.mode == 0660 && d.uid == 0 && d.gid == 44);
	assert_int_equal(cell_devnode_parse("/dev/b b 7:0", &d, why,
					    sizeof(why)), 0);
	assert_true(d.type == 'b' && d.mode == 0600);
	static const char *const bad[] = {
		"/dev/../etc c 1:3", "/dev/a//b c 1:3", "/dev/./a c 1:3",
		"/dev/ c 1:3", "/dev/a/ c 1:3", "/etc/x c 1:3",
		"/dev/pts/0 c 136:0", "/dev/ptmx c 5:2", "/dev/shm c 1:3",
		"/dev/fd c 1:3", "/dev/stdin c 1:3", "/dev/x p 1:3",
		"/dev/x c 4096:0", "/dev/x c 1:1048576", "/dev/x c 1:3 01000",
		"/dev/x c 1:3 0600 1:2 junk", "/dev/x c 1", "/dev/x y 1:3",
		"/dev/a$b c 1:3",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cell_devnode_parse(bad[i], &d, why,
						    sizeof(why)), -EINVAL);

	assert_int_equal(cell_param_set_arg(j, "meta.a=1", &e), 0);
	assert_int_equal(cell_param_set_arg(j, "meta.b=", &e), 0);
	const char *v;
	assert_int_equal(cell_param_kv_get(j, "meta.b", &v), 0);
	assert_string_equal(v, "");
	assert_int_equal(cell_param_set_arg(j, "meta.a", &e), 0);
	assert_int_equal(cell_param_kv_get(j, "meta.a", &v), 0);
	assert_null(v);
	assert_int_equal((int)j->kv_unset.n, 1);
	assert_string_equal(j->kv_unset.v[0], "meta.a");
	assert_int_equal(cell_param_kv_get(j, "cell.devices", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(defaults_are_freebsds, setup, teardown),
		cmocka_unit_test_setup_teardown(set_basic_types, setup, teardown),
		cmocka_unit_test_setup_teardown(no_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_and_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(ip_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(lists_and_kv, setup, teardown),
		cmocka_unit_test_setup_teardown(validate_combinations, setup, teardown),
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(settable_form, setup, teardown),
		cmocka_unit_test_setup_teardown(table_is_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(copy_is_deep, setup, teardown),
		cmocka_unit_test_setup_teardown(vnet_jailsys_values, setup, teardown),
		cmocka_unit_test_setup_teardown(offsets_devices_kv, setup, teardown),
	};
	return cmocka_run_group_tests_name("param", tests, NULL, NULL);
}
