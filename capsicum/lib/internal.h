/* SPDX-License-Identifier: BSD-2-Clause */
/* libcapsicum internals: a tiny BPF assembler and shared entry points. */
#ifndef CAPSICUM_INTERNAL_H
#define CAPSICUM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/audit.h>
#include <sys/capsicum.h>

#if defined(__x86_64__)
#define CAPSICUM_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CAPSICUM_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "libcapsicum: unsupported architecture"
#endif

/* The probe cap_getmode() issues: the capability-mode filter answers it
 * with ECAPMODE, a kernel without the filter with EINVAL.  The runner's
 * filters answer with their own numbers, so that a program's own
 * cap_enter() under the runner still installs the strict filter (the
 * newest filter's errno wins, so the strictest installed answers). */
#define CAPSICUM_PROBE_PRCTL 0x43415053 /* "CAPS" */
#define CAPSICUM_PROBE_RELAXED 4001     /* CAPSICUM_ENTER_PATHS */
#define CAPSICUM_PROBE_FLOOR   4002     /* CAPSICUM_ENTER_FLOOR */

/* x32 system calls carry this bit in nr; every filter refuses them. */
#define CAPSICUM_X32_BIT 0x40000000U

struct bpf_fixup {
	size_t at;
	int label;
};

struct bpf_prog {
	struct sock_filter *insn;
	size_t len, cap;
	long *labels;        /* instruction index, or -1 while unplaced */
	size_t nlabels, lcap;
	struct bpf_fixup *fix;
	size_t nfix, fcap;
	bool oom;
};

void bpf_init(struct bpf_prog *p);
void bpf_free(struct bpf_prog *p);
int bpf_label(struct bpf_prog *p);
void bpf_place(struct bpf_prog *p, int label);
void bpf_stmt(struct bpf_prog *p, uint16_t code, uint32_t k);
void bpf_ret(struct bpf_prog *p, uint32_t action);
/* A raw short conditional jump (jt/jf count instructions). */
void bpf_jump(struct bpf_prog *p, uint16_t code, uint32_t k, uint8_t jt,
	      uint8_t jf);
void bpf_ld(struct bpf_prog *p, uint32_t offset);
void bpf_ld_nr(struct bpf_prog *p);
void bpf_ld_arg(struct bpf_prog *p, unsigned int arg, bool high);
void bpf_goto(struct bpf_prog *p, int label);
/* if (A == k) goto label; */
void bpf_jeq(struct bpf_prog *p, uint32_t k, int label);
/* if (A != k) goto label; */
void bpf_jne(struct bpf_prog *p, uint32_t k, int label);
/* if (A & k) goto label; */
void bpf_jset(struct bpf_prog *p, uint32_t k, int label);
/* if (!(A & k)) goto label; */
void bpf_jclear(struct bpf_prog *p, uint32_t k, int label);
/* if (A >= k) goto label; (unsigned) */
void bpf_jge(struct bpf_prog *p, uint32_t k, int label);
/* Resolve labels; 0 or -errno. */
int bpf_finish(struct bpf_prog *p);
/* Arch and x32 check, answering foreign calls with ERRNO|err. */
void bpf_check_arch(struct bpf_prog *p, uint32_t err);

/* Install with SECCOMP_FILTER_FLAG_TSYNC (all threads); sets NNP.
 * 0 or -1/errno. */
int capsicum_install_filter(struct bpf_prog *p);

/* Landlock, all threads (landlock.c). */
int capsicum_landlock_abi(void);
/* Ruleset from held directory descriptors; 0 or -1/errno. */
int capsicum_landlock_enter(void);
/* Did cap_enter() build this process's Landlock domain? */
bool capsicum_landlock_entered(void);
/* The Landlock access a held directory with these rights gets. */
uint64_t capsicum_landlock_access(const cap_rights_t *r);
/* One more layer from the held directories, fd counted with rights (a
 * directory limited in capability mode); 0 or -1/errno (ENOMEM: no
 * layer left). */
int capsicum_landlock_narrow(int fd, const cap_rights_t *rights);

/* Rights of fd as recorded by cap_rights_limit (limit.c). */
void capsicum_fd_rights(int fd, cap_rights_t *rights);
/* File type and file system magic of a limited fd, recorded when it was
 * first limited; 0, or -1 when unknown (limit.c). */
int capsicum_fd_kind(int fd, mode_t *mode, long *fstype);

/* cap_enter() variants for capsicumize (capmode.c). */
#define CAPSICUM_ENTER_PATHS   0x1  /* allow path lookups; runner's Landlock confines them */
#define CAPSICUM_ENTER_TRAP    0x2  /* default action SIGSYS instead of ERRNO */
#define CAPSICUM_ENTER_CONNECT 0x4  /* allow connect(2) (runner -c) */
#define CAPSICUM_ENTER_EXEC    0x8  /* allow execve (static programs) */
#define CAPSICUM_ENTER_NO_LANDLOCK 0x10
/* with PATHS: the runner's filter before exec, so a program whose ELF
 * interpreter ignores LD_PRELOAD is in capability mode too; the
 * preload's filter (PATHS) and the program's cap_enter() stack on it */
#define CAPSICUM_ENTER_FLOOR  0x20
int capsicum_enter_flags(unsigned int flags);

#endif
