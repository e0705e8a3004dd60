/* SPDX-License-Identifier: BSD-2-Clause */
/* cell_conf_apply(): resolved jails through the core's cell_param_set(). */
#include "helpers.h"
#include "examples.h"

#include <arpa/inet.h>

#include "jail.h"
#include "param.h"

static int apply(const char *text, const char *name, struct cell_jail *j,
		 struct cell_error *e)
{
	struct cell_conf *c = parse_ok(text);
	cell_jail_init(j);
	memset(e, 0, sizeof(*e));
	int r = cell_conf_apply(jail(c, name), j, e);
	cell_conf_free(c);
	return r;
}

static void example_a_applies(void **state)
{
	struct cell_jail j;
	struct cell_error e;
	/* without the .include line (no /etc/jail.conf.d here) */
	char *text = strdup(example_a);
	*strstr(text, ".include") = '\0';
	if (apply(text, "foo", &j, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(j.name, "foo");
	assert_string_equal(j.path, "/srv/jail/foo");
	assert_string_equal(j.hostname, "foo.com");
	assert_int_equal(j.ip4_addr_n, 3);
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &j.ip4_addr[2].addr, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.1.3");
	assert_true(j.exec_clean);
	assert_true(j.mount_devfs);
	assert_int_equal(j.exec_start.n, 1);
	assert_string_equal(j.exec_start.v[0], "/bin/sh /etc/init.d/rc 2");
	cell_jail_free(&j);

	if (apply(text, "bar", &j, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(j.path, "/");
	assert_false(j.mount_devfs);     /* mount.nodevfs */
	assert_true(j.persist);
	assert_int_equal(j.exec_start.n, 0); /* exec.start = '' */
	cell_jail_free(&j);
	free(text);
}

static void examples_b_and_c_apply(void **state)
{
	struct cell_jail j;
	struct cell_error e;
	if (apply(example_b, "xxx", &j, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(j.vnet);
	assert_int_equal(j.vnet_interface.n, 1);
	assert_string_equal(j.vnet_interface.v[0], "e0b_xxx");
	assert_string_equal(j.exec_prestart.v[0], "jib addm xxx eth0");
	assert_string_equal(j.exec_consolelog,
			    "/var/log/jail_xxx_console.log");
	cell_jail_free(&j);

	if (apply(example_c, "web", &j, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(j.securelevel, 2);
	assert_int_equal(j.devfs_ruleset, 13);
	assert_int_equal(j.exec_prestart.n, 2);
	assert_string_equal(j.exec_prestart.v[1],
			    "ip link set e0a_web alias \"vnet0 host interface "
			    "for Bastille jail web\"");
	cell_jail_free(&j);
}

static void lists_and_commas(void **state)
{
	struct cell_jail j;
	struct cell_error e;
	/* a value holding a comma stays one command */
	if (apply("a { exec.start = \"echo a,b\", \"echo c\"; "
		  "exec.prestart = one; exec.prestart += two, three; "
		  "ip4.addr = 10.0.0.1; ip4.addr += \"10.0.0.2,10.0.0.3\"; }",
		  "a", &j, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(j.exec_start.n, 2);
	assert_string_equal(j.exec_start.v[0], "echo a,b");
	assert_string_equal(j.exec_start.v[1], "echo c");
	assert_int_equal(j.exec_prestart.n, 3);
	assert_string_equal(j.exec_prestart.v[2], "three");
	assert_int_equal(j.ip4_addr_n, 3);
	cell_jail_free(&j);
}

static void later_wins_through_the_setter(void **state)
{
	struct cell_jail j;
	struct cell_error e;
	if (apply("allow.mount; a { allow.nomount; persist; } "
		  "* { nopersist; allow.raw_sockets = true; }", "a", &j, &e) < 0)
		fail_msg("%s", e.msg);
	assert_false(j.allow.mount);
	assert_false(j.persist);
	assert_true(j.allow.raw_sockets);
	cell_jail_free(&j);
}

/* exec.system_jail_user is a boolean, as FreeBSD's (PF_BOOL): a bare
 * name, a "no" prefix and "= false" all work, and "false" means false */
static bool sys_jail_user(const char *text)
{
	struct cell_jail j;
	struct cell_error e;
	if (apply(text, "a", &j, &e) < 0)
		fail_msg("%s: %s", text, e.msg);
	char buf[16];
	assert_true(cell_param_format(&j, cell_param_lookup(
					      "exec.system_jail_user"),
				      buf, sizeof(buf)) > 0);
	cell_jail_free(&j);
	return !strcmp(buf, "true");
}

static void system_jail_user_is_a_boolean(void **state)
{
	assert_false(sys_jail_user("a { persist; }"));
	assert_true(sys_jail_user("a { exec.system_jail_user; }"));
	assert_true(sys_jail_user("a { exec.system_jail_user = true; }"));
	assert_false(sys_jail_user("a { exec.system_jail_user = false; }"));
	assert_false(sys_jail_user("exec.system_jail_user; "
				   "a { exec.nosystem_jail_user; }"));
	struct cell_jail j;
	struct cell_error e;
	assert_true(apply("a {\n exec.system_jail_user = nobody;\n}", "a", &j,
			  &e) < 0);
	assert_true(!strncmp(e.msg, "t.conf:2:2: ", 12));
	assert_non_null(strstr(e.msg, "expected a boolean"));
	cell_jail_free(&j);
}

static void errors_carry_the_position(void **state)
{
	struct cell_jail j;
	struct cell_error e;
	assert_true(apply("a {\n  persist;\n  no.such.param = 1;\n}", "a", &j,
			  &e) < 0);
	assert_true(!strncmp(e.msg, "t.conf:3:3: ", 12));
	assert_non_null(strstr(e.msg, "no.such.param"));
	assert_string_equal(e.jail, "a");
	cell_jail_free(&j);

	assert_true(apply("a { path = /a, /b; }", "a", &j, &e) < 0);
	assert_string_equal(e.msg, "t.conf:1:5: path takes one value, not a "
				   "list of 2");
	cell_jail_free(&j);

	assert_true(apply("a {\n\tsecurelevel = 9;\n}", "a", &j, &e) < 0);
	assert_true(!strncmp(e.msg, "t.conf:2:2: ", 12));
	cell_jail_free(&j);
	assert_int_equal(cell_conf_apply(NULL, &j, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_a_applies),
		cmocka_unit_test(examples_b_and_c_apply),
		cmocka_unit_test(lists_and_commas),
		cmocka_unit_test(later_wins_through_the_setter),
		cmocka_unit_test(system_jail_user_is_a_boolean),
		cmocka_unit_test(errors_carry_the_position),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
