/* SPDX-License-Identifier: BSD-2-Clause */
/* The three example files, and parse -> print -> parse round trips. */
#include "helpers.h"
#include "examples.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *f)
{
	return remove(p);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void example_a_manpage(void **state)
{
	/* as /etc/jail.conf under a root, with one file in jail.conf.d */
	char root[] = "/tmp/cell-conf-ex.XXXXXX", p[512];
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/etc", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/jail.conf.d", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/jail.conf", root);
	put(p, example_a);
	snprintf(p, sizeof(p), "%s/etc/jail.conf.d/baz.conf", root);
	put(p, "baz { host.hostname = baz.example; }\n");

	struct cell_conf *c = NULL;
	struct cell_error e = { 0 };
	int r = cell_conf_load_default(root, &c, &e);
	nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	if (r < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(c->njails, 3);

	const struct cell_conf_jail *foo = jail(c, "foo");
	assert_string_equal(names(foo),
			    "name exec.start exec.stop exec.clean mount.devfs "
			    "path host.hostname ip4.addr");
	assert_string_equal(vals(foo, "exec.start"), "/bin/sh /etc/init.d/rc 2");
	assert_string_equal(vals(foo, "path"), "/srv/jail/foo");
	assert_string_equal(vals(foo, "host.hostname"), "foo.com");
	assert_string_equal(vals(foo, "ip4.addr"), "10.1.1.1|10.1.1.2|10.1.1.3");
	assert_true(cell_conf_bool(foo, "mount.devfs", false));
	assert_false(cell_conf_bool(foo, "persist", false));

	const struct cell_conf_jail *bar = jail(c, "bar");
	assert_string_equal(names(bar),
			    "name exec.clean mount.devfs exec.start exec.stop "
			    "path mount.nodevfs persist");
	assert_string_equal(vals(bar, "exec.start"), "");
	assert_string_equal(vals(bar, "exec.stop"), "");
	assert_string_equal(vals(bar, "path"), "/");
	assert_false(cell_conf_bool(bar, "mount.devfs", true));
	assert_true(cell_conf_bool(bar, "persist", false));
	assert_int_equal(param(bar, "persist")->pos.line, 24);

	const struct cell_conf_jail *baz = jail(c, "baz");
	assert_string_equal(vals(baz, "path"), "/srv/jail/baz");
	assert_string_equal(vals(baz, "host.hostname"), "baz.example");
	assert_round_trip(c);
	cell_conf_free(c);
}

static void example_b_jail_xxx(void **state)
{
	struct cell_conf *c = parse_ok(example_b);
	assert_int_equal(c->njails, 1);
	const struct cell_conf_jail *j = jail(c, "xxx");
	assert_int_equal(j->nparams, 14);
	assert_true(cell_conf_bool(j, "vnet", false));
	assert_string_equal(vals(j, "vnet.interface"), "e0b_xxx");
	assert_int_equal(param(j, "exec.prestart")->op, CELL_CONF_APPEND);
	assert_string_equal(vals(j, "exec.prestart"), "jib addm xxx eth0");
	assert_int_equal(param(j, "exec.start")->op, CELL_CONF_APPEND);
	assert_int_equal(param(j, "exec.stop")->op, CELL_CONF_SET);
	assert_string_equal(vals(j, "exec.consolelog"),
			    "/var/log/jail_xxx_console.log");
	assert_round_trip(c);
	cell_conf_free(c);
}

static void example_c_bastille(void **state)
{
	struct cell_conf *c = parse_ok(example_c);
	const struct cell_conf_jail *j = jail(c, "web");
	assert_string_equal(vals(j, "exec.consolelog"),
			    "/var/log/bastille/web/console.log");
	assert_string_equal(vals(j, "exec.start"), "/bin/sh /etc/init.d/rc 2");
	assert_string_equal(vals(j, "mount.fstab"),
			    "/var/lib/bastille/jails/web/fstab");
	assert_string_equal(vals(j, "exec.prestart"),
			    "jib addm web eth0|ip link set e0a_web alias "
			    "\"vnet0 host interface for Bastille jail web\"");
	assert_string_equal(vals(j, "securelevel"), "2");
	assert_round_trip(c);
	cell_conf_free(c);
}

static void round_trip_odd_values(void **state)
{
	struct cell_conf *c = parse_ok(
		"$v = \"x\";\n"
		"* { common = $v; }\n"
		"a {\n"
		"  q = \"quote \\\" back \\\\ dollar \\$v ${v}\";\n"
		"  ctl = \"\\a\\b\\f\\n\\r\\t\\v\\001\\177 end\";\n"
		"  utf = \"caf\\xc3\\xa9 \xe2\x9c\x93\";\n"
		"  empty = '';\n"
		"  list = a, 'b c', \"\", \"d,e\";\n"
		"  'odd name' = 1;\n"
		"  \"semi;colon\" = 2;\n"
		"  app += one; app += two;\n"
		"  flag; allow.nomount;\n"
		"  sub { x = \"$name\"; }\n"
		"}\n"
		"'b c' { }\n"
		"\"$\"'x' { }\n"
		"d { name = d; }\n");
	assert_int_equal(c->njails, 5);
	const struct cell_conf_jail *a = jail(c, "a");
	assert_string_equal(vals(a, "q"), "quote \" back \\ dollar $v x");
	assert_string_equal(vals(a, "ctl"), "\a\b\f\n\r\t\v\001\177 end");
	assert_string_equal(vals(a, "utf"), "caf\xc3\xa9 \xe2\x9c\x93");
	assert_string_equal(vals(a, "list"), "a|b c||d,e");
	assert_non_null(cell_conf_find(c, "$x"));
	assert_string_equal(vals(jail(c, "d"), "name"), "d");
	assert_round_trip(c);

	char *t = print_conf(c);
	/* values come out double-quoted, "$" escaped, names bare if plain */
	assert_non_null(strstr(t, "a {\n\tcommon = \"x\";\n"));
	assert_non_null(strstr(t, "\tq = \"quote \\\" back \\\\ dollar "
				  "\\$v x\";\n"));
	assert_non_null(strstr(t, "\t'odd name' = \"1\";\n"));
	assert_non_null(strstr(t, "\tapp += \"one\", \"two\";\n"));
	assert_non_null(strstr(t, "\tflag;\n\tallow.nomount;\n"));
	assert_non_null(strstr(t, "a.sub {\n"));
	assert_non_null(strstr(t, "'b c' {\n"));
	free(t);
	cell_conf_free(c);
}

static void print_to_file(void **state)
{
	struct cell_conf *c = parse_ok("a { x = 1; }");
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(cell_conf_print(c, f), 0);
	assert_int_equal(cell_conf_print_jail(&c->jails[0], f), 0);
	fclose(f);
	cell_conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_a_manpage),
		cmocka_unit_test(example_b_jail_xxx),
		cmocka_unit_test(example_c_bastille),
		cmocka_unit_test(round_trip_odd_values),
		cmocka_unit_test(print_to_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
