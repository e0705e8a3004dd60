/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cap_rights_t arithmetic, with FreeBSD's semantics: every right carries
 * its word's index bit, clear/remove never touch index or version bits,
 * and an invalid right is a programming error (assert).
 */
#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/capsicum.h>

#define CAP_RIGHT_BITS 0x01FFFFFFFFFFFFFFULL

/* Index bit 1 (bit 57) is word 0, index bit 2 (bit 58) is word 1. */
static int right_to_index(uint64_t right)
{
	switch (CAPIDXBIT(right)) {
	case 1:
		return 0;
	case 2:
		return 1;
	default:
		return -1;
	}
}

static void rights_vset(cap_rights_t *rights, va_list ap)
{
	uint64_t right;

	while ((right = va_arg(ap, uint64_t)) != 0) {
		int i = right_to_index(right);

		assert(CAPRVER(right) == 0);
		assert(i >= 0 && i < CAPARSIZE(rights));
		assert(CAPIDXBIT(rights->cr_rights[i]) == CAPIDXBIT(right));
		rights->cr_rights[i] |= right;
	}
}

static void rights_vclear(cap_rights_t *rights, va_list ap)
{
	uint64_t right;

	while ((right = va_arg(ap, uint64_t)) != 0) {
		int i = right_to_index(right);

		assert(CAPRVER(right) == 0);
		assert(i >= 0 && i < CAPARSIZE(rights));
		assert(CAPIDXBIT(rights->cr_rights[i]) == CAPIDXBIT(right));
		rights->cr_rights[i] &= ~(right & CAP_RIGHT_BITS);
	}
}

static bool rights_vis_set(const cap_rights_t *rights, va_list ap)
{
	uint64_t right;

	while ((right = va_arg(ap, uint64_t)) != 0) {
		int i = right_to_index(right);

		assert(CAPRVER(right) == 0);
		assert(i >= 0 && i < CAPARSIZE(rights));
		assert(CAPIDXBIT(rights->cr_rights[i]) == CAPIDXBIT(right));
		if ((rights->cr_rights[i] & right) != right)
			return false;
	}
	return true;
}

cap_rights_t *__cap_rights_init(int version, cap_rights_t *rights, ...)
{
	va_list ap;

	assert(version == CAP_RIGHTS_VERSION_00);
	rights->cr_rights[0] = ((uint64_t)version << 62) | CAPRIGHT(0, 0ULL);
	rights->cr_rights[1] = CAPRIGHT(1, 0ULL);
	va_start(ap, rights);
	rights_vset(rights, ap);
	va_end(ap);
	return rights;
}

cap_rights_t *__cap_rights_set(cap_rights_t *rights, ...)
{
	va_list ap;

	assert(CAPVER(rights) == CAP_RIGHTS_VERSION_00);
	va_start(ap, rights);
	rights_vset(rights, ap);
	va_end(ap);
	return rights;
}

cap_rights_t *__cap_rights_clear(cap_rights_t *rights, ...)
{
	va_list ap;

	assert(CAPVER(rights) == CAP_RIGHTS_VERSION_00);
	va_start(ap, rights);
	rights_vclear(rights, ap);
	va_end(ap);
	return rights;
}

bool __cap_rights_is_set(const cap_rights_t *rights, ...)
{
	va_list ap;
	bool ret;

	assert(CAPVER(rights) == CAP_RIGHTS_VERSION_00);
	va_start(ap, rights);
	ret = rights_vis_set(rights, ap);
	va_end(ap);
	return ret;
}

bool cap_rights_contains(const cap_rights_t *big, const cap_rights_t *little)
{
	assert(CAPVER(big) == CAP_RIGHTS_VERSION_00);
	assert(CAPVER(little) == CAP_RIGHTS_VERSION_00);
	for (int i = 0; i < CAPARSIZE(big); i++)
		if ((big->cr_rights[i] & little->cr_rights[i]) !=
		    little->cr_rights[i])
			return false;
	return true;
}

bool cap_rights_is_valid(const cap_rights_t *rights)
{
	cap_rights_t all;

	if (CAPVER(rights) != CAP_RIGHTS_VERSION_00)
		return false;
	if (CAPARSIZE(rights) != CAP_RIGHTS_VERSION_00 + 2)
		return false;
	CAP_ALL(&all);
	if (!cap_rights_contains(&all, rights))
		return false;
	for (int i = 0; i < CAPARSIZE(rights); i++) {
		if (right_to_index(rights->cr_rights[i]) != i)
			return false;
		if (i > 0 && CAPRVER(rights->cr_rights[i]) != 0)
			return false;
	}
	return true;
}

bool cap_rights_is_empty(const cap_rights_t *rights)
{
	assert(CAPVER(rights) == CAP_RIGHTS_VERSION_00);
	for (int i = 0; i < CAPARSIZE(rights); i++)
		if ((rights->cr_rights[i] & ~(0x3ULL << 57) &
		     ~(i == 0 ? 0x3ULL << 62 : 0)) != 0)
			return false;
	return true;
}

cap_rights_t *cap_rights_merge(cap_rights_t *dst, const cap_rights_t *src)
{
	assert(CAPVER(dst) == CAP_RIGHTS_VERSION_00);
	assert(CAPVER(src) == CAP_RIGHTS_VERSION_00);
	assert(cap_rights_is_valid(src));
	assert(cap_rights_is_valid(dst));
	for (int i = 0; i < CAPARSIZE(dst); i++)
		dst->cr_rights[i] |= src->cr_rights[i];
	assert(cap_rights_is_valid(dst));
	return dst;
}

cap_rights_t *cap_rights_remove(cap_rights_t *dst, const cap_rights_t *src)
{
	assert(CAPVER(dst) == CAP_RIGHTS_VERSION_00);
	assert(CAPVER(src) == CAP_RIGHTS_VERSION_00);
	assert(cap_rights_is_valid(src));
	assert(cap_rights_is_valid(dst));
	for (int i = 0; i < CAPARSIZE(dst); i++)
		dst->cr_rights[i] &= ~(src->cr_rights[i] & CAP_RIGHT_BITS);
	assert(cap_rights_is_valid(dst));
	return dst;
}

cap_rights_t *cap_rights_intersect(cap_rights_t *dst, const cap_rights_t *src)
{
	assert(CAPVER(dst) == CAP_RIGHTS_VERSION_00);
	assert(CAPVER(src) == CAP_RIGHTS_VERSION_00);
	assert(cap_rights_is_valid(src));
	assert(cap_rights_is_valid(dst));
	for (int i = 0; i < CAPARSIZE(dst); i++)
		dst->cr_rights[i] &= src->cr_rights[i];
	assert(cap_rights_is_valid(dst));
	return dst;
}
