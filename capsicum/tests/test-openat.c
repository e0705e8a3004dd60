/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Lookups beneath a held directory descriptor in capability mode:
 * relative paths, "..", absolute paths and symlinks (capsicum-test's
 * openat.cc).  Where Linux answers differently from FreeBSD only the
 * outcome (denied or not) is checked here; test-gaps checks the errno.
 */
#include <sys/socket.h>
#include "common.h"

#define DENIED(expr) do {                                               \
	errno = 0;                                                      \
	long ct_r2 = (long)(expr);                                      \
	if (ct_r2 != -1) {                                              \
		fprintf(stderr, "  %s:%d: %s was allowed\n", __FILE__,  \
			__LINE__, #expr);                               \
		ct_failed_checks++;                                     \
	}                                                               \
} while (0)

static void relative(void)
{
	int t = open_tree();
	enter_or_die();
	CHECK_OK(openat(t, "f", O_RDONLY | O_CLOEXEC));
	CHECK_OK(openat(t, "d/g", O_RDONLY | O_CLOEXEC));
	CHECK_OK(openat(t, "./d/../f", O_RDONLY | O_CLOEXEC));
	CHECK_OK(openat(t, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	CHECK_OK(openat(t, "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	CHECK_OK(mkdirat(t, "nd", 0700));
	CHECK_OK(unlinkat(t, "nd", AT_REMOVEDIR));
	CHECK_OK(unlinkat(t, "new", 0));
	struct stat st;
	CHECK_OK(fstatat(t, "d/g", &st, 0));
}

static void dotdot_escape(void)
{
	int t = open_tree();
	enter_or_die();
	DENIED(openat(t, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	DENIED(openat(t, "../../etc/passwd", O_RDONLY | O_CLOEXEC));
	DENIED(openat(t, "d/../../../etc/passwd", O_RDONLY | O_CLOEXEC));
	DENIED(mkdirat(t, "../capsicum-escape", 0700));
	DENIED(openat(t, "../capsicum-escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

static void absolute(void)
{
	int t = open_tree();
	enter_or_die();
	DENIED(openat(t, "/etc/passwd", O_RDONLY | O_CLOEXEC));
	DENIED(openat(t, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	DENIED(openat(t, "/tmp/capsicum-escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

static void symlinks(void)
{
	int t = open_tree();
	enter_or_die();
	CHECK_OK(openat(t, "lin", O_RDONLY | O_CLOEXEC));      /* -> f */
	CHECK_OK(openat(t, "d/lback", O_RDONLY | O_CLOEXEC));  /* -> ../f */
	DENIED(openat(t, "lout", O_RDONLY | O_CLOEXEC));        /* -> /etc/passwd */
	DENIED(openat(t, "lup/etc/passwd", O_RDONLY | O_CLOEXEC)); /* -> ../.. */
}

static void subdir_descriptor(void)
{
	int t = open_tree();
	enter_or_die();
	int d = openat(t, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(d >= 0);
	CHECK_OK(openat(d, "g", O_RDONLY | O_CLOEXEC));
	DENIED(openat(d, "../../etc/passwd", O_RDONLY | O_CLOEXEC));
	CHECK_CAPMODE(openat(AT_FDCWD, "g", O_RDONLY | O_CLOEXEC));
}

static void limited_dirfd(void)
{
	int t = open_tree();
	cap_rights_t r;
	cap_rights_init(&r, CAP_LOOKUP, CAP_READ, CAP_FSTATAT);
	CHECK_OK(cap_rights_limit(t, &r));
	enter_or_die();
	CHECK_OK(openat(t, "f", O_RDONLY | O_CLOEXEC));
	CHECK_NOTCAPABLE(openat(t, "f", O_RDWR | O_CLOEXEC));
	CHECK_NOTCAPABLE(openat(t, "x", O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
	CHECK_NOTCAPABLE(unlinkat(t, "f", 0));
	CHECK_NOTCAPABLE(mkdirat(t, "x", 0700));
	/* Landlock got only read rights for this tree */
	int d = openat(t, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(d >= 0);
	DENIED(openat(d, "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

static void no_lookup_right(void)
{
	int t = open_tree();
	cap_rights_t r;
	cap_rights_init(&r, CAP_READ, CAP_FSTAT);
	CHECK_OK(cap_rights_limit(t, &r));
	CHECK_NOTCAPABLE(openat(t, "f", O_RDONLY | O_CLOEXEC));
	enter_or_die();
	CHECK_NOTCAPABLE(openat(t, "f", O_RDONLY | O_CLOEXEC));
	CHECK_NOTCAPABLE(fstatat(t, "f", &(struct stat){ 0 }, 0));
	CHECK_OK(fstat(t, &(struct stat){ 0 }));
}

/* Link and rename rights give Landlock only their own end's access: a
 * link source lends names, it does not delete or create (through any
 * number and an absolute path, which reach the held tree). */
static void link_rename_rights(void)
{
	int t = open_tree(), d = openat(t, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char abs[128], absg[128];
	cap_rights_t r;
	snprintf(abs, sizeof(abs), "%s/f", tree);
	snprintf(absg, sizeof(absg), "%s/d/g", tree);
	cap_rights_init(&r, CAP_LOOKUP, CAP_READ, CAP_LINKAT_SOURCE);
	CHECK_OK(cap_rights_limit(t, &r));
	cap_rights_init(&r, CAP_LOOKUP, CAP_READ, CAP_RENAMEAT_TARGET,
			CAP_LINKAT_TARGET);
	CHECK_OK(cap_rights_limit(d, &r));
	enter_or_die();
	DENIED(unlinkat(999, abs, 0));
	DENIED(openat(999, abs, O_WRONLY | O_CLOEXEC));
	DENIED(unlinkat(999, absg, 0)); /* a rename target does not delete */
	/* what the rights are for still works */
	CHECK_OK(linkat(t, "f", d, "h", 0));
}

/* Limiting a directory in capability mode: openat(d, ".") gives a new,
 * unlimited number on the same tree, so Landlock must be narrowed too
 * (one more layer).  At Landlock's 16 layers the limit fails, ENOMEM,
 * and changes nothing. */
static void limit_after_enter(void)
{
	int t = open_tree(), d[20];
	cap_rights_t r, got, all;
	for (int i = 0; i < 20; i++)
		d[i] = openat(t, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	enter_or_die();
	cap_rights_init(&r, CAP_LOOKUP, CAP_READ);
	CHECK_OK(cap_rights_limit(t, &r));
	CHECK_NOTCAPABLE(openat(t, "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	int again = openat(t, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(again >= 0);
	DENIED(openat(again, "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	DENIED(openat(again, "f", O_WRONLY | O_CLOEXEC));
	CHECK_OK(openat(again, "f", O_RDONLY | O_CLOEXEC));
	/* "d" is held twenty times with all rights: still writable */
	int w = openat(d[0], "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(w >= 0);
	int ok = 0, e = 0;
	for (int i = 0; i < 20 && !e; i++) {
		if (cap_rights_limit(d[i], &r) == 0)
			ok++;
		else
			e = errno;
	}
	CHECK(ok >= 1 && ok <= 14);
	CHECK(e == ENOMEM);
	CAP_ALL(&all);
	CHECK_OK(cap_rights_get(d[ok], &got));
	CHECK(memcmp(&got, &all, sizeof(got)) == 0);
	unlinkat(d[0], "new", 0);
}

static const struct ctest tests[] = {
	{ "openat_relative", relative },
	{ "openat_dotdot_escape", dotdot_escape },
	{ "openat_absolute", absolute },
	{ "openat_symlinks", symlinks },
	{ "openat_subdir_descriptor", subdir_descriptor },
	{ "openat_limited_dirfd", limited_dirfd },
	{ "openat_no_lookup_right", no_lookup_right },
	{ "openat_link_rename_rights", link_rename_rights },
	{ "openat_limit_after_enter", limit_after_enter },
};

CT_MAIN_TREE(tests)
