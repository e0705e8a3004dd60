/* SPDX-License-Identifier: BSD-2-Clause */
/* Files: parse_file, .include globs, loops, depth, the default file set. */
#include "helpers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *f)
{
	return remove(p);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/cell-conf-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static const char *pathf(const char *rel)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, rel);
	return buf[k];
}

static void put(const char *rel, const char *text)
{
	const char *p = pathf(rel);
	char d[512];
	snprintf(d, sizeof(d), "%s", p);
	for (char *s = d + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(d, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static struct cell_conf *file_ok(const char *rel)
{
	struct cell_conf *c = NULL;
	struct cell_error e = { 0 };
	int r = cell_conf_parse_file(pathf(rel), &c, &e);
	if (r < 0)
		fail_msg("unexpected error %d: %s", r, e.msg);
	return c;
}

static int file_bad(const char *rel, char *m, size_t len)
{
	struct cell_conf *c = (void *)1;
	struct cell_error e = { 0 };
	int r = cell_conf_parse_file(pathf(rel), &c, &e);
	assert_true(r < 0);
	assert_null(c);
	snprintf(m, len, "%s", e.msg);
	return r;
}

static void parse_file_basic(void **state)
{
	put("jail.conf", "# test\nweb {\n  path = /srv/web;\n}\n");
	int fds = count_fds();
	struct cell_conf *c = file_ok("jail.conf");
	assert_int_equal(count_fds(), fds);
	const struct cell_conf_param *p = param(jail(c, "web"), "path");
	assert_string_equal(p->pos.file, pathf("jail.conf"));
	assert_int_equal(p->pos.line, 3);
	assert_int_equal(p->pos.col, 3);
	cell_conf_free(c);

	char m[600];
	assert_int_equal(file_bad("missing.conf", m, sizeof(m)), -ENOENT);
	assert_non_null(strstr(m, "missing.conf: No such file"));
	mkdir(pathf("adir"), 0755);
	assert_int_equal(file_bad("adir", m, sizeof(m)), -EISDIR);

	put("bad.conf", "a {\n  x = \"open\n");
	assert_int_equal(file_bad("bad.conf", m, sizeof(m)), -EINVAL);
	char want[600];
	snprintf(want, sizeof(want), "%s:2:7: unterminated string",
		 pathf("bad.conf"));
	assert_true(!strncmp(m, want, strlen(want)));
	assert_int_equal(count_fds(), fds);

	/* a file larger than the first read buffer */
	FILE *f = fopen(pathf("mid.conf"), "w");
	assert_non_null(f);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "jail%04d { path = \"/srv/jail/$name\"; }\n", i);
	fclose(f);
	c = file_ok("mid.conf");
	assert_int_equal(c->njails, 1000);
	assert_string_equal(vals(jail(c, "jail0999"), "path"),
			    "/srv/jail/jail0999");
	assert_int_equal(param(jail(c, "jail0999"), "path")->pos.line, 1000);
	cell_conf_free(c);
	put("inc-mid.conf", ".include \"mid.conf\";");
	c = file_ok("inc-mid.conf");
	assert_int_equal(c->njails, 1000);
	cell_conf_free(c);

	/* too large */
	f = fopen(pathf("big.conf"), "w");
	assert_non_null(f);
	for (int i = 0; i < CELL_CONF_FILE_MAX / 64 + 1; i++)
		fprintf(f, "%063d\n", 0);
	fclose(f);
	assert_int_equal(file_bad("big.conf", m, sizeof(m)), -EFBIG);
	assert_non_null(strstr(m, "larger than 1 MiB"));
}

static void include_globs(void **state)
{
	put("main.conf",
	    "path = \"/j/$name\";\n"
	    ".include \"conf.d/*.conf\";\n"
	    ".include \"extra.inc\";\n"
	    "web { x += main; }\n");
	put("conf.d/b.conf", "b { }\nweb { x += b; }\n");
	put("conf.d/a.conf", "a { }\nweb { x += a; }\n");
	put("conf.d/ignored.txt", "this is not ( parsed");
	mkdir(pathf("conf.d/sub.conf"), 0755);
	put("extra.inc", "web { y = 1; }");
	struct cell_conf *c = file_ok("main.conf");
	assert_int_equal(c->njails, 3);
	/* sorted glob order, in place of the .include */
	assert_string_equal(c->jails[0].name, "a");
	assert_string_equal(c->jails[1].name, "web");
	assert_string_equal(c->jails[2].name, "b");
	assert_string_equal(vals(jail(c, "web"), "x"), "a|b|main");
	assert_string_equal(vals(jail(c, "b"), "path"), "/j/b");
	assert_string_equal(param(jail(c, "web"), "y")->pos.file,
			    pathf("extra.inc"));
	cell_conf_free(c);

	/* from a string, relative patterns are relative to the working
	 * directory */
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	c = parse_ok(".include \"conf.d/a.conf\";");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(c->njails, 2);
	cell_conf_free(c);

	/* absolute patterns, and a plain missing file with position */
	char text[1024];
	snprintf(text, sizeof(text), "\n  .include \"%s\";\n",
		 pathf("conf.d/a.conf"));
	c = parse_ok(text);
	assert_int_equal(c->njails, 2);
	cell_conf_free(c);
	put("miss.conf", "a { }\n.include \"nothere.conf\";\n");
	char m[600], want[600];
	assert_int_equal(file_bad("miss.conf", m, sizeof(m)), -ENOENT);
	snprintf(want, sizeof(want), "%s:2:10: cannot include %s: no such "
		 "file", pathf("miss.conf"), pathf("nothere.conf"));
	assert_string_equal(m, want);

	/* an error inside an included file names that file */
	put("inc-bad.conf", ".include \"inc-bad.d/*.conf\";\n");
	put("inc-bad.d/x.conf", "a {\n\n   oops\n}\n");
	assert_int_equal(file_bad("inc-bad.conf", m, sizeof(m)), -EINVAL);
	snprintf(want, sizeof(want), "%s:4:1: expected '=', '+=', ';' or "
		 "'{' after 'oops'", pathf("inc-bad.d/x.conf"));
	assert_true(!strncmp(m, want, strlen(want)));
}

static void include_inside_block(void **state)
{
	put("blk.conf", "web {\n  .include \"blk.inc\";\n  z = 1;\n}\n");
	put("blk.inc", "path = /w; persist;\nsub { x = 1; }\n");
	struct cell_conf *c = file_ok("blk.conf");
	assert_int_equal(c->njails, 2);
	assert_string_equal(names(jail(c, "web")), "name path persist z");
	assert_string_equal(vals(jail(c, "web.sub"), "x"), "1");
	cell_conf_free(c);
	/* an included file must be balanced */
	put("unbal.conf", "web {\n  .include \"unbal.inc\";\n");
	put("unbal.inc", "}\n");
	char m[600];
	assert_int_equal(file_bad("unbal.conf", m, sizeof(m)), -EINVAL);
	assert_non_null(strstr(m, "unbal.inc:1:1: unexpected '}'"));
}

static void include_loops(void **state)
{
	put("self.conf", "a { }\n.include \"self.conf\";\n");
	char m[600], want[600];
	int fds = count_fds();
	assert_int_equal(file_bad("self.conf", m, sizeof(m)), -ELOOP);
	snprintf(want, sizeof(want), "%s:2:10: %s: include loop",
		 pathf("self.conf"), pathf("self.conf"));
	assert_true(!strncmp(m, want, strlen(want)));

	put("l1.conf", ".include \"l2.conf\";\n");
	put("l2.conf", "\n.include \"l*.conf\";\n");
	assert_int_equal(file_bad("l1.conf", m, sizeof(m)), -ELOOP);
	snprintf(want, sizeof(want), "%s:2:10: %s: include loop",
		 pathf("l2.conf"), pathf("l1.conf"));
	assert_true(!strncmp(m, want, strlen(want)));
	assert_int_equal(count_fds(), fds);

	/* included files must be regular files: a FIFO is refused, not
	 * opened (which would block) */
	assert_int_equal(mkfifo(pathf("fifo.conf"), 0600), 0);
	put("usefifo.conf", ".include \"fifo.conf\";\n");
	assert_int_equal(file_bad("usefifo.conf", m, sizeof(m)), -EINVAL);
	assert_non_null(strstr(m, "fifo.conf: not a regular file"));
	put("usedev.conf", ".include \"/dev/null\";\n");
	assert_int_equal(file_bad("usedev.conf", m, sizeof(m)), -EINVAL);
	/* the top-level file may be a device (jail -f /dev/stdin) */
	struct cell_conf *d = NULL;
	struct cell_error de = { 0 };
	assert_int_equal(cell_conf_parse_file("/dev/null", &d, &de), 0);
	assert_int_equal(d->njails, 0);
	cell_conf_free(d);

	/* the same file twice, side by side, is not a loop */
	put("twice.conf", ".include \"once.inc\";\n.include \"once.inc\";\n");
	put("once.inc", "a { x += 1; }\n");
	struct cell_conf *c = file_ok("twice.conf");
	assert_string_equal(vals(jail(c, "a"), "x"), "1|1");
	cell_conf_free(c);
}

static void include_depth(void **state)
{
	char name[64], text[128];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "d%d.conf", i);
		snprintf(text, sizeof(text), "j%d { }\n.include \"d%d.conf\";\n",
			 i, i + 1);
		put(name, text);
	}
	put("d20.conf", "last { }\n");
	char m[600];
	assert_int_equal(file_bad("d0.conf", m, sizeof(m)), -ELOOP);
	assert_non_null(strstr(m, "includes nested too deep"));
	/* 16 levels are fine */
	struct cell_conf *c = file_ok("d4.conf");
	assert_int_equal(c->njails, 17);
	cell_conf_free(c);
}

static void default_file_set(void **state)
{
	struct cell_conf *c = NULL;
	struct cell_error e = { 0 };
	/* nothing there: an empty configuration */
	assert_int_equal(cell_conf_load_default(dir, &c, &e), 0);
	assert_int_equal(c->njails, 0);
	cell_conf_free(c);

	put("etc/jail.conf",
	    "exec.clean;\n"
	    "main { x += main; }\n"
	    ".include \"/etc/jail.conf.d/*.conf\";\n");
	put("etc/jail.web.conf", "web { }\nmain { x += web; }\n");
	put("etc/jail.conf.d/a.conf", "a { }\nmain { x += a; }\n");
	put("etc/jail.conf.d/b.conf", "b { }\nmain { x += b; }\n");
	put("etc/jail.conf.d/c.txt", "not a conf (");
	put("etc/jail.conf.bak", "not a conf (");
	assert_int_equal(cell_conf_load_default(dir, &c, &e), 0);
	/* jail.conf, its include (rooted), jail.*.conf; conf.d not twice */
	assert_int_equal(c->njails, 4);
	assert_string_equal(c->jails[0].name, "main");
	assert_string_equal(c->jails[1].name, "a");
	assert_string_equal(c->jails[2].name, "b");
	assert_string_equal(c->jails[3].name, "web");
	assert_string_equal(vals(jail(c, "main"), "x"), "main|a|b|web");
	assert_non_null(cell_conf_param_find(jail(c, "web"), "exec.clean"));
	cell_conf_free(c);

	/* without jail.conf the others are still read */
	unlink(pathf("etc/jail.conf"));
	assert_int_equal(cell_conf_load_default(dir, &c, &e), 0);
	assert_int_equal(c->njails, 4);
	assert_string_equal(c->jails[0].name, "web");
	assert_string_equal(vals(jail(c, "main"), "x"), "web|a|b");
	cell_conf_free(c);

	/* a bad file fails the whole load */
	put("etc/jail.conf.d/z.conf", "z {");
	c = (void *)1;
	assert_true(cell_conf_load_default(dir, &c, &e) < 0);
	assert_null(c);
	assert_non_null(strstr(e.msg, "z.conf:1:4: expected '}'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(parse_file_basic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(include_globs, setup, teardown),
		cmocka_unit_test_setup_teardown(include_inside_block, setup,
						teardown),
		cmocka_unit_test_setup_teardown(include_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(include_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(default_file_set, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
