/* SPDX-License-Identifier: BSD-2-Clause */
/* jail.conf(5) grammar rules, one test each, on the data model only. */
#include "helpers.h"

static void set_and_name_first(void **state)
{
	struct cell_conf *c = parse_ok("foo { path = /jails/foo; }");
	assert_int_equal(c->njails, 1);
	const struct cell_conf_jail *j = jail(c, "foo");
	assert_string_equal(names(j), "name path");
	assert_string_equal(vals(j, "name"), "foo");
	assert_int_equal(param(j, "path")->op, CELL_CONF_SET);
	assert_string_equal(vals(j, "path"), "/jails/foo");
	assert_int_equal(param(j, "path")->pos.line, 1);
	assert_int_equal(param(j, "path")->pos.col, 7);
	assert_string_equal(param(j, "path")->pos.file, "t.conf");
	assert_int_equal(j->pos.line, 1);
	assert_int_equal(j->pos.col, 1);
	cell_conf_free(c);
}

static void append_folds(void **state)
{
	struct cell_conf *c = parse_ok(
		"a { ip4.addr = 10.0.0.1; ip4.addr += 10.0.0.2; }\n"
		"b { exec.prestart += \"one\"; exec.prestart += \"two\"; }\n"
		"c{x+=y;}\n");
	const struct cell_conf_jail *a = jail(c, "a");
	assert_int_equal(param(a, "ip4.addr")->op, CELL_CONF_SET);
	assert_string_equal(vals(a, "ip4.addr"), "10.0.0.1|10.0.0.2");
	assert_int_equal(param(a, "ip4.addr")->pos.col, 26);
	const struct cell_conf_jail *b = jail(c, "b");
	assert_int_equal(param(b, "exec.prestart")->op, CELL_CONF_APPEND);
	assert_string_equal(vals(b, "exec.prestart"), "one|two");
	assert_int_equal(param(jail(c, "c"), "x")->op, CELL_CONF_APPEND);
	assert_string_equal(vals(jail(c, "c"), "x"), "y");
	/* "=" after "+=" replaces */
	cell_conf_free(c);
	c = parse_ok("a { l += 1; l += 2; l = 3; }");
	assert_int_equal(param(jail(c, "a"), "l")->op, CELL_CONF_SET);
	assert_string_equal(vals(jail(c, "a"), "l"), "3");
	cell_conf_free(c);
}

static void bare_boolean_and_no_prefix(void **state)
{
	struct cell_conf *c = parse_ok(
		"a { persist; allow.nomount; mount.devfs; mount.nodevfs; }");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_string_equal(names(j),
			    "name persist allow.nomount mount.devfs "
			    "mount.nodevfs");
	assert_int_equal(param(j, "persist")->op, CELL_CONF_BOOL);
	assert_int_equal(param(j, "persist")->nvalues, 0);
	assert_null(param(j, "persist")->values);
	assert_int_equal(param(j, "allow.nomount")->op, CELL_CONF_BOOL);
	assert_true(cell_conf_bool(j, "persist", false));
	assert_false(cell_conf_bool(j, "allow.mount", true));
	assert_false(cell_conf_bool(j, "mount.devfs", true));
	assert_false(cell_conf_bool(j, "exec.clean", false));
	assert_true(cell_conf_bool(j, "exec.clean", true));
	cell_conf_free(c);

	/* the last definition wins, whichever spelling */
	c = parse_ok("a { allow.mount = true; allow.nomount; "
		     "allow.mount = 1; vnet = false; }");
	j = jail(c, "a");
	assert_string_equal(names(j), "name allow.nomount allow.mount vnet");
	assert_true(cell_conf_bool(j, "allow.mount", false));
	assert_false(cell_conf_bool(j, "vnet", true));
	cell_conf_free(c);
}

static void comma_lists(void **state)
{
	struct cell_conf *c = parse_ok(
		"foo { ip4.addr = 10.1.1.1, 10.1.1.2 ,10.1.1.3; "
		"depend = a,\n b; }");
	const struct cell_conf_jail *j = jail(c, "foo");
	assert_int_equal(param(j, "ip4.addr")->nvalues, 3);
	assert_string_equal(vals(j, "ip4.addr"), "10.1.1.1|10.1.1.2|10.1.1.3");
	assert_string_equal(vals(j, "depend"), "a|b");
	cell_conf_free(c);
}

static void adjacent_strings_concatenate(void **state)
{
	struct cell_conf *c = parse_ok(
		"$x = X;\n"
		"a { p = \"/a\"'/b'/c$x\"d\"${x}e; q = ''\"\"; r = a''b; }");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_string_equal(vals(j, "p"), "/a/b/cXdXe");
	assert_string_equal(vals(j, "q"), "");
	assert_int_equal(param(j, "q")->nvalues, 1);
	assert_string_equal(vals(j, "r"), "ab");
	cell_conf_free(c);
}

static void single_quotes_take_no_variables(void **state)
{
	struct cell_conf *c = parse_ok(
		"a { s = '$name ${name} \"x\" # not a comment'; "
		"t = 'it\\'s'; u = 'a\\tb'; }");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_string_equal(vals(j, "s"),
			    "$name ${name} \"x\" # not a comment");
	assert_string_equal(vals(j, "t"), "it's");
	assert_string_equal(vals(j, "u"), "a\tb");
	cell_conf_free(c);
}

static void double_quote_escapes(void **state)
{
	struct cell_conf *c = parse_ok(
		"a { e = \"\\a\\b\\f\\n\\r\\t\\v\"; o = \"\\101\\60\\0101\"; "
		"x = \"\\x41\\x4g\\x7E\"; q = \"\\\"\\\\\\$name\\q\"; "
		"u = \\x41\\102c; }");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_string_equal(vals(j, "e"), "\a\b\f\n\r\t\v");
	/* \0101 is octal 010 then '1' */
	assert_string_equal(vals(j, "o"), "A0\b1");
	assert_string_equal(vals(j, "x"), "A\004g~");
	assert_string_equal(vals(j, "q"), "\"\\$nameq");
	assert_string_equal(vals(j, "u"), "ABc");
	cell_conf_free(c);
	/* escapes inside ${...} name the variable */
	c = parse_ok("${a.b} = 1; j { x = ${a\\x2eb}; }");
	assert_string_equal(vals(jail(c, "j"), "x"), "1");
	cell_conf_free(c);
}

static void backslash_newline_continues(void **state)
{
	struct cell_conf *c = parse_ok(
		"a {\n"
		"  p = \"/usr/\\\n"
		"local\";\n"
		"  q = /usr/\\\n"
		"lib;\n"
		"  r = 'x\\\ny';\n"
		"  s = \\\n"
		"    \"v\";\n"
		"  m = \"two\n"
		"lines\";\n"
		"  after = 1;\n"
		"}\n");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_string_equal(vals(j, "p"), "/usr/local");
	assert_string_equal(vals(j, "q"), "/usr/lib");
	assert_string_equal(vals(j, "r"), "xy");
	assert_string_equal(vals(j, "s"), "v");
	assert_string_equal(vals(j, "m"), "two\nlines");
	/* line numbers keep counting through continuations */
	assert_int_equal(param(j, "after")->pos.line, 12);
	cell_conf_free(c);
}

static void unquoted_token_characters(void **state)
{
	struct cell_conf *c = parse_ok(
		"a { t = Az09_!%&()-.:<>?@[]^`|~*+/\\q; "
		"d = $; e = $5; f = a$; g = a+b; h = /a/b; i = 1+; }");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_string_equal(vals(j, "t"), "Az09_!%&()-.:<>?@[]^`|~*+/q");
	assert_string_equal(vals(j, "d"), "$");
	assert_string_equal(vals(j, "e"), "$5");
	assert_string_equal(vals(j, "f"), "a$");
	assert_string_equal(vals(j, "g"), "a+b");
	assert_string_equal(vals(j, "h"), "/a/b");
	assert_string_equal(vals(j, "i"), "1+");
	cell_conf_free(c);

	/* "+=" needs no spaces; "//" and "#" start comments */
	c = parse_ok("a { x+=y; p = /a//comment;\n; q = b#c\n; }");
	j = jail(c, "a");
	assert_int_equal(param(j, "x")->op, CELL_CONF_APPEND);
	assert_string_equal(vals(j, "p"), "/a");
	assert_string_equal(vals(j, "q"), "b");
	cell_conf_free(c);

	/* characters outside the set end a token, and are errors */
	assert_bad("a { x = a\"b c\"; y = é; }", "t.conf:1:21: unexpected byte");
	assert_bad("a { x = a'; }", "t.conf:1:10: unterminated string");
	assert_bad("a { x = a=b; }", "t.conf:1:10: expected ';' or ',' after "
				     "value, found '='");
	assert_bad("a { x = \"\\\"\"\"; }", "t.conf:1:13: unterminated string");
	assert_bad("x = a\rb;", "t.conf:1:7: expected ';' or ','");
}

static void variables(void **state)
{
	struct cell_conf *c = parse_ok(
		"web {\n"
		"  host.hostname = web.example.org;\n"
		"  path = \"/jails/$name\";\n"
		"  a = \"${name}-${host.hostname}\";\n"
		"  b = $host.hostname;\n"
		"  host = new;\n"
		"  c = $name$name;\n"
		"}\n");
	const struct cell_conf_jail *j = jail(c, "web");
	assert_string_equal(vals(j, "path"), "/jails/web");
	assert_string_equal(vals(j, "a"), "web-web.example.org");
	/* $host.hostname is $host followed by ".hostname" */
	assert_string_equal(vals(j, "b"), "new.hostname");
	assert_string_equal(vals(j, "c"), "webweb");
	cell_conf_free(c);
}

static void user_variables_are_not_parameters(void **state)
{
	struct cell_conf *c = parse_ok(
		"$parentdir = \"/jails\";\n"
		"${other} = x;\n"
		"foo { path = \"$parentdir/$name\"; $local = 1; l = $local$other; }");
	const struct cell_conf_jail *j = jail(c, "foo");
	assert_string_equal(names(j), "name path l");
	assert_string_equal(vals(j, "path"), "/jails/foo");
	assert_string_equal(vals(j, "l"), "1x");
	assert_null(cell_conf_param_find(j, "parentdir"));
	assert_null(cell_conf_param_find(j, "$parentdir"));
	cell_conf_free(c);
}

static void expansion_is_per_jail(void **state)
{
	struct cell_conf *c = parse_ok(
		"path = \"/var/jail/$name\";\n"
		"exec.consolelog = \"/var/log/jail_${name}.log\";\n"
		"a { } b { host.hostname = b.example; } c.d { }\n");
	assert_int_equal(c->njails, 3);
	assert_string_equal(vals(jail(c, "a"), "path"), "/var/jail/a");
	assert_string_equal(vals(jail(c, "b"), "path"), "/var/jail/b");
	assert_string_equal(vals(jail(c, "c.d"), "exec.consolelog"),
			    "/var/log/jail_c.d.log");
	cell_conf_free(c);
}

static void later_definitions_win(void **state)
{
	struct cell_conf *c = parse_ok(
		"* { path = /default; securelevel = 1; }\n"
		"a { path = /a; securelevel = 2; }\n"
		"b { }\n"
		"* { securelevel = 3; }\n");
	const struct cell_conf_jail *a = jail(c, "a"), *b = jail(c, "b");
	assert_string_equal(vals(a, "path"), "/a");
	assert_string_equal(vals(b, "path"), "/default");
	/* a "*" below every jail forces its value */
	assert_string_equal(vals(a, "securelevel"), "3");
	assert_string_equal(vals(b, "securelevel"), "3");
	assert_string_equal(names(a), "name path securelevel");
	assert_int_equal(param(a, "securelevel")->pos.line, 4);
	cell_conf_free(c);

	/* variables take their final value, wherever it is defined */
	c = parse_ok("$v = 1; a { x = $v; y = $p; p = 1; p = 2; } $v = 2;");
	assert_string_equal(vals(jail(c, "a"), "x"), "2");
	assert_string_equal(vals(jail(c, "a"), "y"), "2");
	cell_conf_free(c);

	/* a variable and a parameter of one name: the later one */
	c = parse_ok("a { path = /p; $path = /v; x = $path; "
		     "host = new; y = $host; $host = h; z = $host; }");
	assert_string_equal(vals(jail(c, "a"), "x"), "/v");
	assert_string_equal(vals(jail(c, "a"), "y"), "h");
	assert_string_equal(vals(jail(c, "a"), "path"), "/p");
	assert_string_equal(vals(jail(c, "a"), "host"), "new");
	cell_conf_free(c);
}

static void implicit_star_block(void **state)
{
	struct cell_conf *c = parse_ok(
		"exec.clean;\n"
		"a { x = 1; }\n"
		"mount.devfs;\n"
		"b { }\n");
	/* top-level statements apply to every jail, in file order */
	assert_string_equal(names(jail(c, "a")), "name exec.clean x mount.devfs");
	assert_string_equal(names(jail(c, "b")), "name exec.clean mount.devfs");
	cell_conf_free(c);

	/* wildcards alone make no jail, but a name can still be resolved */
	c = parse_ok("path = \"/j/$name\"; persist;");
	assert_int_equal(c->njails, 0);
	assert_null(cell_conf_find(c, "x"));
	struct cell_conf_jail *r = NULL;
	struct cell_error e = { 0 };
	assert_false(cell_conf_bool(NULL, "persist", false));
	assert_int_equal(cell_conf_resolve(c, "x", &r, &e), 0);
	assert_string_equal(vals(r, "path"), "/j/x");
	assert_string_equal(names(r), "name path persist");
	cell_conf_jail_free(r);
	assert_int_equal(cell_conf_resolve(c, "a..b", &r, &e), -EINVAL);
	assert_null(r);
	cell_conf_free(c);

	/* resolving a jail that is in the file gives the same jail */
	c = parse_ok("persist; a { x = $name; }");
	assert_int_equal(cell_conf_resolve(c, "a", &r, &e), 0);
	assert_string_equal(names(r), "name persist x");
	assert_int_equal(r->pos.line, 1);
	assert_int_equal(r->pos.col, 10);
	cell_conf_jail_free(r);
	cell_conf_free(c);
}

static void partial_wildcards(void **state)
{
	struct cell_conf *c = parse_ok(
		"foo.* { w = 1; }\n"
		"*.bar { s = 1; }\n"
		"foo { } foo.bar { } foo.bar.baz { } foox.bar { } a.b.bar { }\n"
		"* { all = 1; }\n");
	assert_int_equal(c->njails, 5);
	assert_null(cell_conf_param_find(jail(c, "foo"), "w"));
	assert_string_equal(vals(jail(c, "foo.bar"), "w"), "1");
	assert_string_equal(vals(jail(c, "foo.bar.baz"), "w"), "1");
	assert_null(cell_conf_param_find(jail(c, "foox.bar"), "w"));
	/* a non-final "*" matches exactly one component */
	assert_non_null(cell_conf_param_find(jail(c, "foo.bar"), "s"));
	assert_non_null(cell_conf_param_find(jail(c, "foox.bar"), "s"));
	assert_null(cell_conf_param_find(jail(c, "a.b.bar"), "s"));
	assert_null(cell_conf_param_find(jail(c, "foo.bar.baz"), "s"));
	for (size_t i = 0; i < c->njails; i++)
		assert_non_null(cell_conf_param_find(&c->jails[i], "all"));
	cell_conf_free(c);
}

static void nested_blocks(void **state)
{
	struct cell_conf *c = parse_ok(
		"foo {\n"
		"  host.hostname = foo;\n"
		"  bar {\n"
		"    path = /b;\n"
		"    baz { x = $name; }\n"
		"  }\n"
		"  * { child = yes; }\n"
		"  after = 1;\n"
		"}\n");
	assert_int_equal(c->njails, 3);
	assert_string_equal(c->jails[0].name, "foo");
	assert_string_equal(c->jails[1].name, "foo.bar");
	assert_string_equal(c->jails[2].name, "foo.bar.baz");
	const struct cell_conf_jail *foo = jail(c, "foo");
	assert_string_equal(names(foo), "name host.hostname after");
	/* a parent's parameters do not flow into its children */
	const struct cell_conf_jail *bar = jail(c, "foo.bar");
	assert_null(cell_conf_param_find(bar, "host.hostname"));
	assert_string_equal(vals(bar, "name"), "foo.bar");
	assert_string_equal(vals(bar, "child"), "yes");
	assert_string_equal(vals(jail(c, "foo.bar.baz"), "x"), "foo.bar.baz");
	assert_string_equal(vals(jail(c, "foo.bar.baz"), "child"), "yes");
	cell_conf_free(c);
}

static void comments(void **state)
{
	struct cell_conf *c = parse_ok(
		"# shell\n"
		"// c++\n"
		"/* c\n * multi-line\n */\n"
		"a { /* inline */ x /**/ = /* here */ 1 /* and */ ; # end\n"
		"  y = \"# not /* a comment\"; // trailing\n"
		"  z = '// nor this'; /***/ w = 2;/* * / */}\n");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_string_equal(names(j), "name x y z w");
	assert_string_equal(vals(j, "x"), "1");
	assert_string_equal(vals(j, "y"), "# not /* a comment");
	assert_string_equal(vals(j, "z"), "// nor this");
	assert_int_equal(param(j, "y")->pos.line, 7);
	cell_conf_free(c);
}

static void empty_statements_and_files(void **state)
{
	struct cell_conf *c = parse_ok(";;\na { ; x = 1;; ; }\n;");
	assert_string_equal(names(jail(c, "a")), "name x");
	cell_conf_free(c);
	c = parse_ok("");
	assert_int_equal(c->njails, 0);
	cell_conf_free(c);
	c = parse_ok("# only a comment\n/* and this */");
	assert_int_equal(c->njails, 0);
	cell_conf_free(c);
	c = parse_ok("a { } b {}");
	assert_int_equal(c->njails, 2);
	assert_string_equal(names(jail(c, "b")), "name");
	cell_conf_free(c);
}

static void name_value_without_equals(void **state)
{
	struct cell_conf *c = parse_ok("a { path \"/x\"; l 1, 2; }");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_int_equal(param(j, "path")->op, CELL_CONF_SET);
	assert_string_equal(vals(j, "path"), "/x");
	assert_string_equal(vals(j, "l"), "1|2");
	cell_conf_free(c);
}

static void list_variables(void **state)
{
	struct cell_conf *c = parse_ok(
		"$addrs = 10.0.0.1, 10.0.0.2;\n"
		"a { ip4.addr = $addrs, 10.0.0.3; ip6.addr = \"$addrs\"; }");
	const struct cell_conf_jail *j = jail(c, "a");
	assert_string_equal(vals(j, "ip4.addr"), "10.0.0.1|10.0.0.2|10.0.0.3");
	assert_string_equal(vals(j, "ip6.addr"), "10.0.0.1|10.0.0.2");
	cell_conf_free(c);
	assert_bad("$l = a, b;\nx { p = \"/$l\"; }",
		   "t.conf:2:11: $l is a list of 2 values and cannot be part");
}

static void same_name_blocks_merge(void **state)
{
	struct cell_conf *c = parse_ok(
		"a { x = 1; } b { } a { y = 2; x += 3; }");
	assert_int_equal(c->njails, 2);
	assert_string_equal(c->jails[0].name, "a");
	assert_string_equal(names(jail(c, "a")), "name y x");
	assert_string_equal(vals(jail(c, "a"), "x"), "1|3");
	cell_conf_free(c);
}

static void quoted_names(void **state)
{
	struct cell_conf *c = parse_ok(
		"\"web\" { 'exec.start' = x; \"a\".b = 1; }\n"
		"'odd name' { }\n"
		"\"p.\"q { }");
	assert_non_null(cell_conf_find(c, "web"));
	assert_non_null(cell_conf_find(c, "odd name"));
	assert_non_null(cell_conf_find(c, "p.q"));
	assert_string_equal(vals(jail(c, "web"), "exec.start"), "x");
	assert_string_equal(vals(jail(c, "web"), "a.b"), "1");
	cell_conf_free(c);
}

static void wildcard_names_in_find(void **state)
{
	struct cell_conf *c = parse_ok("* { x = 1; } a.* { } a { }");
	assert_int_equal(c->njails, 1);
	assert_null(cell_conf_find(c, "*"));
	assert_null(cell_conf_find(c, "a.*"));
	assert_null(cell_conf_find(c, NULL));
	assert_null(cell_conf_find(NULL, "a"));
	cell_conf_free(c);
	cell_conf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_and_name_first),
		cmocka_unit_test(append_folds),
		cmocka_unit_test(bare_boolean_and_no_prefix),
		cmocka_unit_test(comma_lists),
		cmocka_unit_test(adjacent_strings_concatenate),
		cmocka_unit_test(single_quotes_take_no_variables),
		cmocka_unit_test(double_quote_escapes),
		cmocka_unit_test(backslash_newline_continues),
		cmocka_unit_test(unquoted_token_characters),
		cmocka_unit_test(variables),
		cmocka_unit_test(user_variables_are_not_parameters),
		cmocka_unit_test(expansion_is_per_jail),
		cmocka_unit_test(later_definitions_win),
		cmocka_unit_test(implicit_star_block),
		cmocka_unit_test(partial_wildcards),
		cmocka_unit_test(nested_blocks),
		cmocka_unit_test(comments),
		cmocka_unit_test(empty_statements_and_files),
		cmocka_unit_test(name_value_without_equals),
		cmocka_unit_test(list_variables),
		cmocka_unit_test(same_name_blocks_merge),
		cmocka_unit_test(quoted_names),
		cmocka_unit_test(wildcard_names_in_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
