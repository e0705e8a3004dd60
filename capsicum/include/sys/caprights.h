/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Capsicum rights type, laid out as FreeBSD lays it out: an array of
 * CAP_RIGHTS_VERSION + 2 64-bit words.  Bits 63..62 of word 0 carry the
 * version; bits 58..57 of every word carry that word's index bit.
 */
#ifndef _SYS_CAPRIGHTS_H_
#define _SYS_CAPRIGHTS_H_

#include <stdint.h>

#define CAP_RIGHTS_VERSION_00 0
#define CAP_RIGHTS_VERSION    CAP_RIGHTS_VERSION_00

struct cap_rights {
	uint64_t cr_rights[CAP_RIGHTS_VERSION + 2];
};

#ifndef _CAP_RIGHTS_T_DECLARED
#define _CAP_RIGHTS_T_DECLARED
typedef struct cap_rights cap_rights_t;
#endif

#endif
