/* SPDX-License-Identifier: BSD-2-Clause */
/* Errors: every one names file:line:column and what was expected. */
#include "helpers.h"

static void syntax_positions(void **state)
{
	assert_bad("a {\n  path = /x\n  persist;\n}",
		   "t.conf:3:3: expected ';' or ',' after value, found "
		   "'persist'");
	assert_bad("path = /x", "t.conf:1:10: expected ';' or ',' after "
				"value, found end of file");
	assert_bad("a {\n  x = 1;\n", "t.conf:3:1: expected '}' to close the "
				       "block opened at 1:1, found end of file");
	assert_bad("a { }\n}", "t.conf:2:1: unexpected '}': no block is open");
	assert_bad("x = ;", "t.conf:1:5: expected a value after '=', found "
			    "';'");
	assert_bad("x += ;", "t.conf:1:6: expected a value after '+='");
	assert_bad("x = a, ;", "t.conf:1:8: expected a value after ','");
	assert_bad("x = a,\n}", "t.conf:2:1: expected a value after ','");
	assert_bad("= 1;", "t.conf:1:1: expected a parameter, a jail name or "
			   "'}', found '='");
	assert_bad("a { , }", "t.conf:1:5: expected a parameter");
	assert_bad("x }", "t.conf:1:3: expected '=', '+=', ';' or '{' after "
			  "'x', found '}'");
	assert_bad("x = a b;", "t.conf:1:7: expected ';' or ',' after value, "
			       "found 'b'");
	assert_bad("a { b = { }; }", "t.conf:1:9: expected a value after '='");
	/* what was found is shown, variables as ${...}, long words cut */
	assert_bad("x = a \"b$c\";", "t.conf:1:7: expected ';' or ',' after "
				     "value, found 'b${c}'");
	assert_bad("x = a bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		   "bbbb;",
		   "t.conf:1:7: expected ';' or ',' after value, found "
		   "'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...'");
	assert_bad("\t\tx = 1 ;\n\n  y = 2\t}",
		   "t.conf:3:9: expected ';' or ',' after value, found '}'");
}

static void unterminated(void **state)
{
	assert_bad("x = \"abc;\ny = 1;", "t.conf:1:5: unterminated string: "
					 "expected a closing \"");
	assert_bad("a {\n  x = 'abc;", "t.conf:2:7: unterminated string: "
				      "expected a closing '");
	assert_bad("a { }\n  /* open\n", "t.conf:2:3: unterminated comment: "
					 "expected '*/'");
	assert_bad("x = \"${abc\";", "t.conf:1:6: unterminated variable: "
				     "expected '}'");
	assert_bad("x = ${abc\n};", "t.conf:1:5: unterminated variable");
	assert_bad("x = ${a{b}};", "t.conf:1:5: '{' inside ${...}");
	assert_bad("x = ${};", "t.conf:1:5: empty variable name");
	assert_bad("x = ${a\\x};", "t.conf:1:8: bad escape: expected one or "
				    "two hex digits");
	assert_bad("x = \"a\\", "t.conf:1:7: backslash at end of file");
	assert_bad("x = a\\", "t.conf:1:6: backslash at end of file");
}

static void bad_escapes(void **state)
{
	assert_bad("x = \"\\xg\";", "t.conf:1:6: bad escape: expected one or "
				    "two hex digits after \\x");
	assert_bad("x = '\\x';", "t.conf:1:6: bad escape: expected one or two");
	assert_bad("x = \"a\\0\";", "t.conf:1:7: bad escape: a NUL byte");
	assert_bad("x = \\x00;", "t.conf:1:5: bad escape: a NUL byte");
	assert_bad("x = \"\\400\";", "t.conf:1:6: bad escape: octal value 400 "
				     "is larger than \\377");
	assert_bad("x = \"ok\";\ny = \"\\777\";", "t.conf:2:6: bad escape");
}

static void variables(void **state)
{
	assert_bad("a {\n  path = \"/j/$nope\";\n}",
		   "t.conf:2:14: undefined variable $nope: expected a "
		   "parameter or $variable defined for this jail");
	assert_bad("path = \"/j/${host.hostname}\";\nweb { }",
		   "t.conf:1:12: undefined variable $host.hostname");
	assert_bad("$a = \"$b\"; $b = \"x$a\";\nj { x = $a; }",
		   "t.conf:1:19: variable loop: $a refers back to itself");
	assert_bad("j { x = $x; }", "t.conf:1:9: variable loop: $x");
	assert_bad("j { persist; x = $persist; }",
		   "t.conf:1:18: variable $persist has no value");
	assert_bad("$v;", "t.conf:1:1: variable needs a value");
	assert_bad("a$b = 1;", "t.conf:1:1: a parameter name cannot contain "
			       "a variable");
	assert_bad("\"$b\"c = 1;", "t.conf:1:1: a parameter name cannot");
	/* the error names the jail too */
	struct cell_conf *c = (void *)1;
	struct cell_error e = { 0 };
	const char *t = "x = $y;\nweb { }";
	assert_int_equal(cell_conf_parse_string(t, strlen(t), "t.conf", &c,
						&e), -ENOENT);
	assert_null(c);
	assert_string_equal(e.jail, "web");
	assert_string_equal(e.path, "");
	char f[700];
	assert_string_equal(cell_error_format(&e, f, sizeof(f)),
			    "jail web: t.conf:1:5: undefined variable $y: "
			    "expected a parameter or $variable defined for "
			    "this jail");
	/* an unused wildcard needs no variables: no jail, no error */
	c = parse_ok("x = $y;");
	cell_conf_free(c);
	/* variable nesting depth */
	char buf[4096];
	size_t off = 0;
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "$v0 = x;\n");
	for (int i = 1; i <= 40; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
					"$v%d = $v%d;\n", i, i - 1);
	snprintf(buf + off, sizeof(buf) - off, "j { p = $v40; }");
	char m[600];
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -ELOOP);
	assert_non_null(strstr(m, "variables nested deeper than 32"));
}

static void bad_names(void **state)
{
	assert_bad("$x { }", "t.conf:1:1: a jail name cannot contain a "
			     "variable");
	assert_bad("a..b { }", "t.conf:1:1: bad jail name 'a..b': expected a "
			       "name without empty components");
	assert_bad(".a { }", "t.conf:1:1: bad jail name");
	assert_bad("f*o { }", "t.conf:1:1: bad jail name 'f*o': '*' must be "
			      "a whole name component");
	assert_bad("'' { }", "t.conf:1:1: bad jail name");
	assert_bad("'' = 1;", "t.conf:1:1: empty parameter name");
	char buf[300];
	memset(buf, 'n', 200);
	snprintf(buf + 200, sizeof(buf) - 200, " { }");
	assert_bad(buf, "t.conf:1:1: jail name longer than 127 bytes");
}

/* name is the block's (FreeBSD: immutable); restating it is allowed */
static void name_is_immutable(void **state)
{
	assert_bad("a {\n  path = /x;\n  name = b;\n}",
		   "t.conf:3:3: cannot redefine parameter \"name\": the jail "
		   "is \"a\", named by its block");
	assert_bad("* { name = b; }\na { }", "t.conf:1:5: cannot redefine "
					     "parameter \"name\"");
	assert_bad("a.* { name = b; }\na { }\na.b { }", "t.conf:1:7: cannot "
		   "redefine parameter \"name\": the jail is \"a.b\"");
	assert_bad("a { name += b; }", "t.conf:1:5: cannot redefine");
	assert_bad("a { name; }", "t.conf:1:5: cannot redefine");
	assert_bad("a { $n = b; name = $n; }", "t.conf:1:13: cannot redefine");
	struct cell_conf *c = parse_ok("a { name = a; $n = b; }\n"
				       "b { x = 1; $n = b; name = $n; }");
	/* a restated name stays first, where the implicit one is */
	assert_string_equal(c->jails[1].params[0].name, "name");
	cell_conf_free(c);
}

static void includes(void **state)
{
	assert_bad(".include;", "t.conf:1:1: expected a quoted file name "
				"after .include");
	assert_bad(".include = \"x\";", "t.conf:1:1: expected a quoted file "
					"name");
	assert_bad("$d = /etc;\n.include \"$d/jail.conf\";",
		   "t.conf:2:10: variables are not allowed in an .include");
	assert_bad(".include \"/nonexistent/cell-test/x.conf\";",
		   "t.conf:1:10: cannot include "
		   "/nonexistent/cell-test/x.conf: no such file");
	assert_bad(".include '';", "t.conf:1:10: empty .include file name");
	/* includes can be switched off */
	struct cell_conf *n = (void *)1;
	struct cell_error e = { 0 };
	const char *t = "a { }\n  .include \"/etc/*.conf\";";
	assert_int_equal(cell_conf_parse_string_flags(t, strlen(t), "t.conf",
						      CELL_CONF_NOINCLUDE, &n,
						      &e), -EPERM);
	assert_null(n);
	assert_string_equal(e.msg, "t.conf:2:12: .include is not allowed "
				   "here");
	/* a pattern with wildcards that matches nothing is fine */
	struct cell_conf *c = parse_ok(
		".include \"/nonexistent/cell-test/*.conf\";");
	cell_conf_free(c);
}

static void nul_and_odd_bytes(void **state)
{
	struct cell_conf *c = (void *)1;
	struct cell_error e = { 0 };
	const char t[] = "a {\n x = 1\0; }";
	assert_int_equal(cell_conf_parse_string(t, sizeof(t) - 1, "t.conf",
						&c, &e), -EINVAL);
	assert_null(c);
	assert_string_equal(e.msg, "t.conf:2:7: NUL byte in the file: "
				   "expected text");
	assert_bad("x = \x01;", "t.conf:1:5: unexpected byte 0x01");
	/* any byte but NUL is fine inside quotes */
	c = parse_ok("a { x = \"\x01\xff\xc3\xa9\"; }");
	assert_string_equal(vals(jail(c, "a"), "x"), "\x01\xff\xc3\xa9");
	cell_conf_free(c);
}

static void limits(void **state)
{
	static char buf[CELL_CONF_FILE_MAX + 64];
	char m[600];

	/* token length */
	size_t n = (size_t)sprintf(buf, "x = \"");
	memset(buf + n, 'a', CELL_CONF_TOKEN_MAX + 1);
	n += CELL_CONF_TOKEN_MAX + 1;
	strcpy(buf + n, "\";");
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -E2BIG);
	assert_string_equal(m, "t.conf:1:5: string longer than 4096 bytes");
	/* exactly at the limit is fine */
	n = (size_t)sprintf(buf, "a { x = ");
	memset(buf + n, 'a', CELL_CONF_TOKEN_MAX - 1);
	n += CELL_CONF_TOKEN_MAX - 1;
	strcpy(buf + n, "; }");
	struct cell_conf *c = parse_ok(buf);
	assert_int_equal(strlen(vals(jail(c, "a"), "x")),
			 CELL_CONF_TOKEN_MAX - 1);
	cell_conf_free(c);

	/* expansion length */
	n = (size_t)sprintf(buf, "$a = ");
	memset(buf + n, 'a', 3000);
	n += 3000;
	strcpy(buf + n, "; j { x = $a$a; }");
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -E2BIG);
	assert_non_null(strstr(m, "value of x longer than 4095 bytes after "
				  "expansion"));

	/* nesting */
	n = 0;
	for (int i = 0; i <= CELL_CONF_DEPTH_MAX; i++)
		n += (size_t)sprintf(buf + n, "j%d {\n", i);
	for (int i = 0; i <= CELL_CONF_DEPTH_MAX; i++)
		n += (size_t)sprintf(buf + n, "}\n");
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -E2BIG);
	assert_string_equal(m, "t.conf:17:1: blocks nested deeper than 16");

	/* values in one list */
	n = (size_t)sprintf(buf, "x = 0");
	for (int i = 1; i <= CELL_CONF_VALUES_MAX; i++)
		n += (size_t)sprintf(buf + n, ",%d", i);
	strcpy(buf + n, ";");
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -E2BIG);
	assert_non_null(strstr(m, "more than 255 values in one list"));
	/* ... and through a list variable */
	n = (size_t)sprintf(buf, "$l = 0");
	for (int i = 1; i < 200; i++)
		n += (size_t)sprintf(buf + n, ",%d", i);
	strcpy(buf + n, "; j { x = $l, $l; }");
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -E2BIG);
	assert_non_null(strstr(m, "more than 255 values in one list"));
	/* ... and through "+=" */
	n = (size_t)sprintf(buf, "x = 0");
	for (int i = 1; i < CELL_CONF_VALUES_MAX; i++)
		n += (size_t)sprintf(buf + n, ",%d", i);
	strcpy(buf + n, "; x += y; j { }");
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -E2BIG);
	assert_non_null(strstr(m, "more than 255 values for x"));

	/* jails */
	n = 0;
	for (int i = 0; i <= CELL_CONF_JAILS_MAX; i++)
		n += (size_t)sprintf(buf + n, "j%d{}", i);
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -E2BIG);
	assert_non_null(strstr(m, "more than 1024 jails"));

	/* memory for the resolved jails: 1000 jails x 1000 parameters */
	n = 0;
	for (int i = 0; i < 1000; i++)
		n += (size_t)sprintf(buf + n, "p%d;", i);
	for (int i = 0; i < 1000; i++)
		n += (size_t)sprintf(buf + n, "j%d{}", i);
	assert_int_equal(parse_bad(buf, m, sizeof(m)), -E2BIG);
	assert_non_null(strstr(m, "configuration too large once resolved: "
				  "more than 64 MiB"));

	/* file size */
	memset(buf, ' ', CELL_CONF_FILE_MAX + 1);
	struct cell_error e = { 0 };
	c = (void *)1;
	assert_int_equal(cell_conf_parse_string(buf, CELL_CONF_FILE_MAX + 1,
						"big", &c, &e), -EFBIG);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syntax_positions),
		cmocka_unit_test(unterminated),
		cmocka_unit_test(bad_escapes),
		cmocka_unit_test(variables),
		cmocka_unit_test(bad_names),
		cmocka_unit_test(name_is_immutable),
		cmocka_unit_test(includes),
		cmocka_unit_test(nul_and_odd_bytes),
		cmocka_unit_test(limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
