/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FreeBSD's <capsicum_helpers.h>: small wrappers that base programs use to
 * limit their standard streams and enter capability mode.  The caph_*
 * wrappers treat ENOSYS (no Capsicum) as success, as FreeBSD's do.
 */
#ifndef _CAPSICUM_HELPERS_H_
#define _CAPSICUM_HELPERS_H_

#include <sys/capsicum.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAPH_IGNORE_EBADF 0x0001
#define CAPH_READ         0x0002
#define CAPH_WRITE        0x0004
#define CAPH_LOOKUP       0x0008

int caph_limit_stream(int fd, int flags);
int caph_limit_stdin(void);
int caph_limit_stdout(void);
int caph_limit_stderr(void);
int caph_limit_stdio(void);
void caph_cache_tzdata(void);
void caph_cache_catpages(void);
int caph_enter(void);
int caph_enter_casper(void);
int caph_rights_limit(int fd, const cap_rights_t *rights);
int caph_ioctls_limit(int fd, const unsigned long *cmds, size_t ncmds);
int caph_fcntls_limit(int fd, uint32_t fcntlrights);

#ifdef __cplusplus
}
#endif

#endif
