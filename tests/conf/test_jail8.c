/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jail(8)'s pure parts (lib/conf/jail8.c): fstab(5) lines and files, the
 * depend order and its cycles, and jail -e text that parses back.
 */
#include "helpers.h"

#include <unistd.h>

#include "conf/jail8.h"
#include "jail.h"
#include "param.h"

static void fstab_lines(void **state)
{
	struct cell_fstab_ent e;
	struct cell_error err = { 0 };
	assert_int_equal(cell_fstab_parse_line("", &e, &err), 0);
	assert_int_equal(cell_fstab_parse_line("   # comment", &e, &err), 0);
	assert_int_equal(cell_fstab_parse_line("tmpfs /j/tmp tmpfs rw,size=1m",
					       &e, &err), 1);
	assert_string_equal(e.spec, "tmpfs");
	assert_string_equal(e.file, "/j/tmp");
	assert_string_equal(e.vfstype, "tmpfs");
	assert_string_equal(e.mntops, "rw,size=1m");
	assert_int_equal(e.freq, 0);
	assert_int_equal(cell_fstab_parse_line("/a\\040b\t/j/x  nullfs ro 1 2 "
					       "# why", &e, &err), 1);
	assert_string_equal(e.spec, "/a b");
	assert_int_equal(e.freq, 1);
	assert_int_equal(e.passno, 2);

	assert_int_equal(cell_fstab_parse_line("proc /j/proc", &e, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "expected fs_vfstype after fs_file");
	assert_int_equal(cell_fstab_parse_line("a /b c d 0 0 7", &e, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "more than 6 fields");
	assert_int_equal(cell_fstab_parse_line("a /b c d x", &e, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "fs_freq: expected a number, got 'x'");
	/* an escaped NUL would end the field early ("/j/x" for "/j/x\000/y") */
	assert_int_equal(cell_fstab_parse_line("a /j/x\\000/y c d", &e, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "fs_file: \\000 (a NUL byte) is not "
				     "allowed");
}

static int mounts(const char *path, const char *line, const char *fstab,
		  struct cell_error *err)
{
	struct cell_jail j;
	cell_jail_init(&j);
	memset(err, 0, sizeof(*err));
	assert_int_equal(cell_param_set(&j, "path", path, false, NULL), 0);
	if (line)
		assert_int_equal(cell_param_set(&j, "mount", line, true, NULL),
				 0);
	if (fstab)
		assert_int_equal(cell_param_set(&j, "mount.fstab", fstab,
						false, NULL), 0);
	int r = cell_jail8_check_mounts(&j, NULL, err);
	cell_jail_free(&j);
	return r;
}

static void mount_points(void **state)
{
	struct cell_error err;
	assert_int_equal(mounts("/", "tmpfs /tmp tmpfs rw", NULL, &err), 1);
	assert_int_equal(mounts("/tmp", "tmpfs /tmp/x tmpfs rw", NULL, &err),
			 1);
	assert_int_equal(mounts("/tmp/", "tmpfs /tmp tmpfs rw", NULL, &err),
			 1);
	assert_int_equal(mounts("/tmp", "tmpfs /tmpx tmpfs rw", NULL, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "not below the jail's path"));
	assert_int_equal(mounts("/tmp", "tmpfs /tmp/../etc tmpfs rw", NULL,
				&err), -EINVAL);
	assert_non_null(strstr(err.msg, "'..' component"));
	assert_int_equal(mounts("/tmp", "tmpfs tmp/x tmpfs rw", NULL, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "not an absolute path"));
	assert_string_equal(strstr(err.msg, "mount line 1: ") ? "y" : "n", "y");

	char f[] = "/tmp/cell-fstab.XXXXXX";
	int fd = mkstemp(f);
	assert_true(fd >= 0);
	const char *text = "# jail fstab\n\ntmpfs /tmp/a tmpfs rw 0 0\n"
			   "proc /etc/proc proc rw\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(mounts("/tmp", NULL, f, &err), -EINVAL);
	char want[128];
	snprintf(want, sizeof(want), "%s:4: fs_file '/etc/proc'", f);
	assert_memory_equal(err.msg, want, strlen(want));
	unlink(f);
	assert_int_equal(mounts("/tmp", NULL, f, &err), -ENOENT);
}

static void depend_order(void **state)
{
	char *names[] = { "z", "y", "x", "w" };
	/* z -> y -> x, w -> x and z */
	size_t dz[] = { 1 }, dy[] = { 2 }, dw[] = { 2, 0 };
	const size_t *deps[] = { dz, dy, NULL, dw };
	size_t ndeps[] = { 1, 1, 0, 2 };
	size_t order[4];
	struct cell_error err = { 0 };
	assert_int_equal(cell_jail8_order(names, 4, deps, ndeps, order, &err),
			 0);
	assert_int_equal(order[0], 2); /* x */
	assert_int_equal(order[1], 1); /* y */
	assert_int_equal(order[2], 0); /* z */
	assert_int_equal(order[3], 3); /* w */

	size_t cx[] = { 0 };
	const size_t *cyc[] = { dz, dy, cx, NULL };
	size_t ncyc[] = { 1, 1, 1, 0 };
	assert_int_equal(cell_jail8_order(names, 4, cyc, ncyc, order, &err),
			 -ELOOP);
	assert_string_equal(err.msg, "depend cycle: z -> y -> x -> z");

	size_t self[] = { 3 };
	const size_t *sd[] = { NULL, NULL, NULL, self };
	size_t nsd[] = { 0, 0, 0, 1 };
	assert_int_equal(cell_jail8_order(names, 4, sd, nsd, order, &err),
			 -ELOOP);
	assert_string_equal(err.msg, "depend cycle: w -> w");
}

static char *show(const struct cell_conf *c, const char *sep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(cell_jail8_show(c, sep, f), 0);
	fclose(f);
	return text;
}

static void show_round_trip(void **state)
{
	struct cell_conf *c = parse_ok(
		"$v = \"x\";\n"
		"persist;\n"
		"exec.start = \"echo \\\"a;b\\\" \\$HOME ${v}\", 'tab\\there';\n"
		"exec.start += \"new\\nline\";\n"
		"web { host.hostname = web.example; allow.nomount; }\n"
		"db { ip4.addr = 10.0.0.1, 10.0.0.2; }\n");
	char *out = show(c, ";");
	/* one line per jail, "name" first, in FreeBSD's name=value form:
	 * bare where a value is one plain token, quoted where not */
	assert_int_equal(strncmp(out, "name=web;persist;", 17), 0);
	assert_non_null(strstr(out, "\nname=db;"));
	assert_non_null(strstr(out, "ip4.addr=10.0.0.1,10.0.0.2"));
	assert_non_null(strstr(out, "host.hostname=web.example"));
	/* a value with '"' and no '\'' in '\'' (FreeBSD's quoted_print): no
	 * $ expansion there either */
	assert_non_null(strstr(out, "exec.start='echo \"a;b\" $HOME x',"));
	/* "NAME { LINE; }" reads back to the same text */
	char *wrapped = NULL;
	size_t wlen = 0;
	FILE *f = open_memstream(&wrapped, &wlen);
	char *save = NULL;
	char *copy = strdup(out);
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* the name: "name=NAME;" starts the line */
		const char *q = line + 5;
		fprintf(f, "\"%.*s\" { %s; }\n", (int)strcspn(q, ";"), q, line);
	}
	fclose(f);
	struct cell_conf *c2 = parse_ok(wrapped);
	char *out2 = show(c2, ";");
	assert_string_equal(out, out2);
	free(out2);
	cell_conf_free(c2);
	free(wrapped);
	free(copy);
	free(out);
	cell_conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fstab_lines),
		cmocka_unit_test(mount_points),
		cmocka_unit_test(depend_order),
		cmocka_unit_test(show_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
