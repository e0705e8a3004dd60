/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capsicum for Linux: FreeBSD's <sys/capsicum.h> API, emulated with
 * Landlock and seccomp-BPF by libcapsicum.  See capsicum(3) and
 * capsicum-linux(7) for what differs from FreeBSD.
 *
 * Nothing here collides with libcap's <sys/capability.h>: every function
 * is cap_enter / cap_getmode / cap_sandboxed / cap_rights_* /
 * cap_ioctls_* / cap_fcntls_* or a double-underscore helper.
 */
#ifndef _SYS_CAPSICUM_H_
#define _SYS_CAPSICUM_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/caprights.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAPRIGHT(idx, bit) ((1ULL << (57 + (idx))) | (bit))

/* Word 0. */
#define CAP_READ              CAPRIGHT(0, 0x0000000000000001ULL)
#define CAP_WRITE             CAPRIGHT(0, 0x0000000000000002ULL)
#define CAP_SEEK_TELL         CAPRIGHT(0, 0x0000000000000004ULL)
#define CAP_SEEK              (CAP_SEEK_TELL | 0x0000000000000008ULL)
#define CAP_PREAD             (CAP_SEEK | CAP_READ)
#define CAP_PWRITE            (CAP_SEEK | CAP_WRITE)
#define CAP_MMAP              CAPRIGHT(0, 0x0000000000000010ULL)
#define CAP_MMAP_R            (CAP_MMAP | CAP_SEEK | CAP_READ)
#define CAP_MMAP_W            (CAP_MMAP | CAP_SEEK | CAP_WRITE)
#define CAP_MMAP_X            (CAP_MMAP | CAP_SEEK | 0x0000000000000020ULL)
#define CAP_MMAP_RW           (CAP_MMAP_R | CAP_MMAP_W)
#define CAP_MMAP_RX           (CAP_MMAP_R | CAP_MMAP_X)
#define CAP_MMAP_WX           (CAP_MMAP_W | CAP_MMAP_X)
#define CAP_MMAP_RWX          (CAP_MMAP_R | CAP_MMAP_W | CAP_MMAP_X)
#define CAP_CREATE            CAPRIGHT(0, 0x0000000000000040ULL)
#define CAP_FEXECVE           CAPRIGHT(0, 0x0000000000000080ULL)
#define CAP_FSYNC             CAPRIGHT(0, 0x0000000000000100ULL)
#define CAP_FTRUNCATE         CAPRIGHT(0, 0x0000000000000200ULL)
#define CAP_LOOKUP            CAPRIGHT(0, 0x0000000000000400ULL)
#define CAP_FCHDIR            CAPRIGHT(0, 0x0000000000000800ULL)
#define CAP_FCHFLAGS          CAPRIGHT(0, 0x0000000000001000ULL)
#define CAP_CHFLAGSAT         (CAP_FCHFLAGS | CAP_LOOKUP)
#define CAP_FCHMOD            CAPRIGHT(0, 0x0000000000002000ULL)
#define CAP_FCHMODAT          (CAP_FCHMOD | CAP_LOOKUP)
#define CAP_FCHOWN            CAPRIGHT(0, 0x0000000000004000ULL)
#define CAP_FCHOWNAT          (CAP_FCHOWN | CAP_LOOKUP)
#define CAP_FCNTL             CAPRIGHT(0, 0x0000000000008000ULL)
#define CAP_FLOCK             CAPRIGHT(0, 0x0000000000010000ULL)
#define CAP_FPATHCONF         CAPRIGHT(0, 0x0000000000020000ULL)
#define CAP_FSCK              CAPRIGHT(0, 0x0000000000040000ULL)
#define CAP_FSTAT             CAPRIGHT(0, 0x0000000000080000ULL)
#define CAP_FSTATAT           (CAP_FSTAT | CAP_LOOKUP)
#define CAP_FSTATFS           CAPRIGHT(0, 0x0000000000100000ULL)
#define CAP_FUTIMES           CAPRIGHT(0, 0x0000000000200000ULL)
#define CAP_FUTIMESAT         (CAP_FUTIMES | CAP_LOOKUP)
#define CAP_LINKAT_TARGET     (CAP_LOOKUP | 0x0000000000400000ULL)
#define CAP_MKDIRAT           (CAP_LOOKUP | 0x0000000000800000ULL)
#define CAP_MKFIFOAT          (CAP_LOOKUP | 0x0000000001000000ULL)
#define CAP_MKNODAT           (CAP_LOOKUP | 0x0000000002000000ULL)
#define CAP_RENAMEAT_SOURCE   (CAP_LOOKUP | 0x0000000004000000ULL)
#define CAP_SYMLINKAT         (CAP_LOOKUP | 0x0000000008000000ULL)
#define CAP_UNLINKAT          (CAP_LOOKUP | 0x0000000010000000ULL)
#define CAP_ACCEPT            CAPRIGHT(0, 0x0000000020000000ULL)
#define CAP_BIND              CAPRIGHT(0, 0x0000000040000000ULL)
#define CAP_CONNECT           CAPRIGHT(0, 0x0000000080000000ULL)
#define CAP_GETPEERNAME       CAPRIGHT(0, 0x0000000100000000ULL)
#define CAP_GETSOCKNAME       CAPRIGHT(0, 0x0000000200000000ULL)
#define CAP_GETSOCKOPT        CAPRIGHT(0, 0x0000000400000000ULL)
#define CAP_LISTEN            CAPRIGHT(0, 0x0000000800000000ULL)
#define CAP_PEELOFF           CAPRIGHT(0, 0x0000001000000000ULL)
#define CAP_RECV              CAP_READ
#define CAP_SEND              CAP_WRITE
#define CAP_SETSOCKOPT        CAPRIGHT(0, 0x0000002000000000ULL)
#define CAP_SHUTDOWN          CAPRIGHT(0, 0x0000004000000000ULL)
#define CAP_BINDAT            (CAP_LOOKUP | 0x0000008000000000ULL)
#define CAP_CONNECTAT         (CAP_LOOKUP | 0x0000010000000000ULL)
#define CAP_LINKAT_SOURCE     (CAP_LOOKUP | 0x0000020000000000ULL)
#define CAP_RENAMEAT_TARGET   (CAP_LOOKUP | 0x0000040000000000ULL)
#define CAP_SOCK_CLIENT \
	(CAP_CONNECT | CAP_GETPEERNAME | CAP_GETSOCKNAME | CAP_GETSOCKOPT | \
	 CAP_PEELOFF | CAP_RECV | CAP_SEND | CAP_SETSOCKOPT | CAP_SHUTDOWN)
#define CAP_SOCK_SERVER \
	(CAP_ACCEPT | CAP_BIND | CAP_GETPEERNAME | CAP_GETSOCKNAME | \
	 CAP_GETSOCKOPT | CAP_LISTEN | CAP_PEELOFF | CAP_RECV | CAP_SEND | \
	 CAP_SETSOCKOPT | CAP_SHUTDOWN)
#define CAP_ALL0              CAPRIGHT(0, 0x000007FFFFFFFFFFULL)
#define CAP_UNUSED0_44        CAPRIGHT(0, 0x0000080000000000ULL)
#define CAP_UNUSED0_57        CAPRIGHT(0, 0x0100000000000000ULL)

/* Word 1. */
#define CAP_MAC_GET           CAPRIGHT(1, 0x0000000000000001ULL)
#define CAP_MAC_SET           CAPRIGHT(1, 0x0000000000000002ULL)
#define CAP_SEM_GETVALUE      CAPRIGHT(1, 0x0000000000000004ULL)
#define CAP_SEM_POST          CAPRIGHT(1, 0x0000000000000008ULL)
#define CAP_SEM_WAIT          CAPRIGHT(1, 0x0000000000000010ULL)
#define CAP_EVENT             CAPRIGHT(1, 0x0000000000000020ULL)
#define CAP_KQUEUE_EVENT      CAPRIGHT(1, 0x0000000000000040ULL)
#define CAP_IOCTL             CAPRIGHT(1, 0x0000000000000080ULL)
#define CAP_TTYHOOK           CAPRIGHT(1, 0x0000000000000100ULL)
#define CAP_PDGETPID          CAPRIGHT(1, 0x0000000000000200ULL)
#define CAP_PDWAIT            CAPRIGHT(1, 0x0000000000000400ULL)
#define CAP_PDKILL            CAPRIGHT(1, 0x0000000000000800ULL)
#define CAP_EXTATTR_DELETE    CAPRIGHT(1, 0x0000000000001000ULL)
#define CAP_EXTATTR_GET       CAPRIGHT(1, 0x0000000000002000ULL)
#define CAP_EXTATTR_LIST      CAPRIGHT(1, 0x0000000000004000ULL)
#define CAP_EXTATTR_SET       CAPRIGHT(1, 0x0000000000008000ULL)
#define CAP_ACL_CHECK         CAPRIGHT(1, 0x0000000000010000ULL)
#define CAP_ACL_DELETE        CAPRIGHT(1, 0x0000000000020000ULL)
#define CAP_ACL_GET           CAPRIGHT(1, 0x0000000000040000ULL)
#define CAP_ACL_SET           CAPRIGHT(1, 0x0000000000080000ULL)
#define CAP_KQUEUE_CHANGE     CAPRIGHT(1, 0x0000000000100000ULL)
#define CAP_KQUEUE            (CAP_KQUEUE_EVENT | CAP_KQUEUE_CHANGE)
#define CAP_ALL1              CAPRIGHT(1, 0x00000000001FFFFFULL)
#define CAP_UNUSED1_22        CAPRIGHT(1, 0x0000000000200000ULL)
#define CAP_UNUSED1_57        CAPRIGHT(1, 0x0100000000000000ULL)

/* Backward compatibility. */
#define CAP_POLL_EVENT        CAP_EVENT

#define CAP_ALL(rights) do {                                    \
	(rights)->cr_rights[0] =                                \
	    ((uint64_t)CAP_RIGHTS_VERSION << 62) | CAP_ALL0;    \
	(rights)->cr_rights[1] = CAP_ALL1;                      \
} while (0)

#define CAP_NONE(rights) do {                                   \
	(rights)->cr_rights[0] =                                \
	    ((uint64_t)CAP_RIGHTS_VERSION << 62) | CAPRIGHT(0, 0ULL); \
	(rights)->cr_rights[1] = CAPRIGHT(1, 0ULL);             \
} while (0)

#define CAPRVER(right)    ((int)((right) >> 62))
#define CAPVER(rights)    CAPRVER((rights)->cr_rights[0])
#define CAPARSIZE(rights) (CAPVER(rights) + 2)
#define CAPIDXBIT(right)  ((int)(((right) >> 57) & 0x1F))

/* fcntl(2) sub-rights, with FreeBSD's F_ numbers (not Linux's). */
#define CAP_FCNTL_GETFL  (1 << 3)
#define CAP_FCNTL_SETFL  (1 << 4)
#define CAP_FCNTL_GETOWN (1 << 5)
#define CAP_FCNTL_SETOWN (1 << 6)
#define CAP_FCNTL_ALL \
	(CAP_FCNTL_GETFL | CAP_FCNTL_SETFL | CAP_FCNTL_GETOWN | CAP_FCNTL_SETOWN)

#define CAP_IOCTLS_ALL       SSIZE_MAX
#define CAP_IOCTLS_LIMIT_MAX 256

/* FreeBSD's errno numbers (93, 94) are taken on Linux; these are the
 * values capsicum-linux used, just past Linux's EHWPOISON (133). */
#ifndef ECAPMODE
#define ECAPMODE    134 /* Not permitted in capability mode */
#endif
#ifndef ENOTCAPABLE
#define ENOTCAPABLE 135 /* Capabilities insufficient */
#endif

/* strerror(3) that knows ECAPMODE and ENOTCAPABLE. */
const char *capsicum_strerror(int errnum);

#define cap_rights_init(...) \
	__cap_rights_init(CAP_RIGHTS_VERSION, __VA_ARGS__, 0ULL)
cap_rights_t *__cap_rights_init(int version, cap_rights_t *rights, ...);

#define cap_rights_set(...) __cap_rights_set(__VA_ARGS__, 0ULL)
cap_rights_t *__cap_rights_set(cap_rights_t *rights, ...);

#define cap_rights_clear(...) __cap_rights_clear(__VA_ARGS__, 0ULL)
cap_rights_t *__cap_rights_clear(cap_rights_t *rights, ...);

#define cap_rights_is_set(...) __cap_rights_is_set(__VA_ARGS__, 0ULL)
bool __cap_rights_is_set(const cap_rights_t *rights, ...);

bool cap_rights_is_valid(const cap_rights_t *rights);
bool cap_rights_is_empty(const cap_rights_t *rights);
cap_rights_t *cap_rights_merge(cap_rights_t *dst, const cap_rights_t *src);
cap_rights_t *cap_rights_remove(cap_rights_t *dst, const cap_rights_t *src);
cap_rights_t *cap_rights_intersect(cap_rights_t *dst,
				   const cap_rights_t *src);
bool cap_rights_contains(const cap_rights_t *big, const cap_rights_t *little);

/* Capability mode. */
int cap_enter(void);
int cap_getmode(unsigned int *modep);
bool cap_sandboxed(void);

/* Per-descriptor limits. */
int cap_rights_limit(int fd, const cap_rights_t *rights);
#define cap_rights_get(fd, rights) \
	__cap_rights_get(CAP_RIGHTS_VERSION, (fd), (rights))
int __cap_rights_get(int version, int fd, cap_rights_t *rights);

int cap_ioctls_limit(int fd, const unsigned long *cmds, size_t ncmds);
ssize_t cap_ioctls_get(int fd, unsigned long *cmds, size_t maxcmds);
int cap_fcntls_limit(int fd, uint32_t fcntlrights);
int cap_fcntls_get(int fd, uint32_t *fcntlrightsp);

#ifdef __cplusplus
}
#endif

#endif
