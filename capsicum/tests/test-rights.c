/* SPDX-License-Identifier: BSD-2-Clause */
/* cap_rights_t layout and arithmetic, errno values, libcap coexistence. */
#include <sys/capability.h>   /* libcap: must not clash */
#include <sys/capsicum.h>
#include <sys/procdesc.h>
#include <capsicum_helpers.h>
#include "harness.h"

static void layout(void)
{
	cap_rights_t r;

	CHECK(sizeof(r) == 16);
	CHECK(CAP_READ == 0x0200000000000001ULL);
	CHECK(CAP_PDKILL == 0x0400000000000800ULL);
	CHECK(CAP_SEEK == 0x020000000000000cULL);
	CHECK(CAP_RENAMEAT_TARGET == 0x0200040000000400ULL);
	CHECK(CAP_ALL0 == 0x020007ffffffffffULL);
	CHECK(CAP_ALL1 == 0x04000000001fffffULL);
	CHECK(CAP_FCNTL_GETFL == 8 && CAP_FCNTL_SETFL == 16 &&
	      CAP_FCNTL_GETOWN == 32 && CAP_FCNTL_SETOWN == 64);
	CHECK(CAP_FCNTL_ALL == 0x78);
	CHECK(ECAPMODE == 134 && ENOTCAPABLE == 135);
	cap_rights_init(&r);
	CHECK(r.cr_rights[0] == CAPRIGHT(0, 0) && r.cr_rights[1] == CAPRIGHT(1, 0));
	CHECK(CAPVER(&r) == CAP_RIGHTS_VERSION_00);
	CHECK(CAPARSIZE(&r) == 2);
}

static void arithmetic(void)
{
	cap_rights_t a, b, all, none;

	CAP_ALL(&all);
	CAP_NONE(&none);
	CHECK(cap_rights_is_valid(&all) && cap_rights_is_valid(&none));
	CHECK(cap_rights_is_empty(&none) && !cap_rights_is_empty(&all));
	CHECK(cap_rights_init(&a, CAP_READ, CAP_WRITE, CAP_EVENT) == &a);
	CHECK(cap_rights_is_set(&a, CAP_READ));
	CHECK(cap_rights_is_set(&a, CAP_READ, CAP_EVENT));
	CHECK(!cap_rights_is_set(&a, CAP_READ, CAP_SEEK));
	CHECK(cap_rights_clear(&a, CAP_READ) == &a);
	CHECK(!cap_rights_is_set(&a, CAP_READ) && cap_rights_is_set(&a, CAP_WRITE));
	/* clearing keeps index bits, so the set stays valid */
	cap_rights_clear(&a, CAP_WRITE, CAP_EVENT);
	CHECK(cap_rights_is_valid(&a) && cap_rights_is_empty(&a));
	/* CAP_SEEK includes CAP_SEEK_TELL; clearing SEEK_TELL breaks SEEK */
	cap_rights_init(&a, CAP_SEEK);
	CHECK(cap_rights_is_set(&a, CAP_SEEK_TELL));
	cap_rights_clear(&a, CAP_SEEK_TELL);
	CHECK(!cap_rights_is_set(&a, CAP_SEEK));
	/* merge, remove, contains, intersect */
	cap_rights_init(&a, CAP_READ, CAP_FSTAT);
	cap_rights_init(&b, CAP_WRITE, CAP_FSTAT, CAP_IOCTL);
	CHECK(cap_rights_merge(&a, &b) == &a);
	CHECK(cap_rights_is_set(&a, CAP_READ, CAP_WRITE, CAP_FSTAT, CAP_IOCTL));
	CHECK(cap_rights_contains(&a, &b) && !cap_rights_contains(&b, &a));
	CHECK(cap_rights_contains(&all, &a) && cap_rights_contains(&a, &none));
	CHECK(cap_rights_remove(&a, &b) == &a);
	CHECK(cap_rights_is_set(&a, CAP_READ) && !cap_rights_is_set(&a, CAP_FSTAT));
	CHECK(cap_rights_is_valid(&a));
	cap_rights_init(&a, CAP_READ, CAP_FSTAT, CAP_PDKILL);
	cap_rights_init(&b, CAP_FSTAT, CAP_PDKILL, CAP_WRITE);
	CHECK(cap_rights_intersect(&a, &b) == &a);
	CHECK(cap_rights_is_set(&a, CAP_FSTAT, CAP_PDKILL) &&
	      !cap_rights_is_set(&a, CAP_READ) && !cap_rights_is_set(&a, CAP_WRITE));
	CHECK(cap_rights_is_valid(&a));
}

static void validity(void)
{
	cap_rights_t r;

	cap_rights_init(&r, CAP_READ);
	r.cr_rights[0] |= 3ULL << 62; /* version 3 */
	CHECK(!cap_rights_is_valid(&r));
	cap_rights_init(&r, CAP_READ);
	r.cr_rights[1] = CAPRIGHT(0, 1); /* word 1 with word 0's index bit */
	CHECK(!cap_rights_is_valid(&r));
	cap_rights_init(&r, CAP_READ);
	r.cr_rights[0] |= 1ULL << 50; /* an undefined right */
	CHECK(!cap_rights_is_valid(&r));
}

static void assert_on_bad_right(void)
{
	/* FreeBSD: an invalid right is a programming error (assert). */
	pid_t pid = fork();
	if (pid == 0) {
		cap_rights_t r;
		fclose(stderr);
		cap_rights_init(&r, 0x0600000000000001ULL); /* both index bits */
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
#ifdef NDEBUG
	(void)st;
#else
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
#endif
}

static void strerror_text(void)
{
	CHECK(strcmp(capsicum_strerror(ECAPMODE), "Not permitted in capability mode") == 0);
	CHECK(strcmp(capsicum_strerror(ENOTCAPABLE), "Capabilities insufficient") == 0);
	CHECK(strcmp(capsicum_strerror(ENOENT), strerror(ENOENT)) == 0);
}

static void libcap_coexists(void)
{
	/* libcap's cap_* API still links and works beside ours */
	cap_t c = cap_get_proc();
	CHECK(c != NULL);
	cap_free(c);
	unsigned int mode = 7;
	CHECK(cap_getmode(&mode) == 0 && mode == 0);
	CHECK(!cap_sandboxed());
	CHECK_ERR(cap_getmode(NULL), EFAULT);
}

static const struct ctest tests[] = {
	{ "rights_layout", layout },
	{ "rights_arithmetic", arithmetic },
	{ "rights_validity", validity },
	{ "rights_assert_on_bad_right", assert_on_bad_right },
	{ "errno_strerror", strerror_text },
	{ "libcap_coexists", libcap_coexists },
};

CT_MAIN(tests)
