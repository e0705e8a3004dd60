/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The last program the host runs on the way into a jail.
 *
 * Every process that enters a jail is a copy of a host binary (jail,
 * jexec, cell, cell-oci) until its final execve. Were that execve to
 * start a script whose interpreter is /proc/self/exe, the kernel would
 * run the host binary again inside the jail, dumpable this time, and the
 * jail's root could reopen it for writing through /proc/PID/exe once it
 * stops running: runc's CVE-2019-5736. So the tail (enter.c) does not
 * execve the jail's program itself: it executes this stub from a sealed
 * memfd (execveat), and the stub executes the program. From then on
 * /proc/self/exe is the sealed memfd: nothing of the host's, and not
 * writable by anyone.
 *
 * No libc: the stub is a few hundred bytes embedded in libcell
 * (exec_stub.h, generated at build time), so it needs nothing from the
 * jail's root. It runs only when its argv[0] is the marker enter.c gives
 * it; run as an interpreter (argv[0] "/proc/self/exe") it exits 126 at
 * once instead of running the script again.
 *
 *   argv: MARKER PATH ARGV0 ARGS...   envp: the program's
 */
#include <asm/unistd.h>

#define MARKER "\001cell-exec"

static long sys3(long n, long a, long b, long c)
{
#if defined(__x86_64__)
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2)
			 : "memory");
	return x0;
#else
#error "exec_stub: no system call sequence for this architecture"
#endif
}

static unsigned long len(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys3(__NR_write, 2, (long)s, (long)len(s));
}

__attribute__((used, noreturn)) static void stub_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	const char *m = MARKER;
	unsigned long i = 0;
	if (argc >= 3)
		for (; m[i] && argv[0][i] == m[i]; i++)
			;
	if (argc < 3 || m[i] || argv[0][i])
		for (;;)
			sys3(__NR_exit, 126, 0, 0);
	long r = sys3(__NR_execve, (long)argv[1], (long)(argv + 2),
		      (long)envp);
	say("cell: ");
	say(argv[1]);
	say(r == -2 ? ": not found (or its interpreter)\n"
	    : r == -13 ? ": permission denied\n"
	    : r == -8 ? ": exec format error\n"
		      : ": cannot execute\n");
	for (;;)
		sys3(__NR_exit, r == -2 ? 127 : 126, 0, 0);
}

#if defined(__x86_64__)
__asm__(".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call stub_main\n");
#elif defined(__aarch64__)
__asm__(".globl _start\n"
	"_start:\n"
	"	mov x0, sp\n"
	"	bl stub_main\n");
#endif
