/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capsicumize: run an unmodified program so that it can read only the
 * named trees and its libraries, write only the named trees, connect only
 * to the named TCP ports, and runs in capability mode once its libraries
 * are loaded.  See capsicumize(1).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "cleanup.h"
#include "../lib/internal.h"

#ifndef CAPSICUMIZE_PRELOAD_DIR
#define CAPSICUMIZE_PRELOAD_DIR "/usr/local/lib/cell"
#endif
#define PRELOAD_NAME "libcapsicumize-preload.so"

#define LL_FS_EXECUTE     (1ULL << 0)
#define LL_FS_WRITE_FILE  (1ULL << 1)
#define LL_FS_READ_FILE   (1ULL << 2)
#define LL_FS_READ_DIR    (1ULL << 3)
#define LL_FS_TRUNCATE    (1ULL << 14)
#define LL_FS_IOCTL_DEV   (1ULL << 15)
#define LL_NET_BIND_TCP    (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

struct ll_attr {
	uint64_t fs, net, scoped;
};
struct ll_path {
	uint64_t access;
	int32_t fd;
} __attribute__((packed));
struct ll_port {
	uint64_t access;
	uint64_t port;
};

#define MAXDIRS 64

static const char *rdirs[MAXDIRS], *wdirs[MAXDIRS];
static size_t nr, nw;
static unsigned int ports[MAXDIRS];
static size_t np;
static bool verbose;

static void usage(FILE *f)
{
	fprintf(f,
"usage: capsicumize [-r DIR]... [-w DIR]... [-c HOST:PORT]... [-v] -- PROG [ARGS]\n"
"\n"
"Run PROG, unmodified, in capability mode (Capsicum on Landlock + seccomp).\n"
"\n"
"  -r, --read DIR          PROG may read files and list directories beneath DIR\n"
"  -w, --write DIR         PROG may read, write, create and remove beneath DIR\n"
"  -c, --connect HOST:PORT PROG may connect to TCP PORT (HOST is not enforced,\n"
"                          see capsicum-linux(7))\n"
"  -v, --log-denials       report every denied system call, not only the first\n"
"                          of each kind\n"
"  -h, --help              show this text\n"
"\n"
"PROG's own file, its ELF interpreter and the system library directories are\n"
"readable; nothing else is.  A dynamically linked PROG enters capability mode\n"
"from an LD_PRELOAD constructor once its libraries are loaded; a statically\n"
"linked PROG is confined before exec (execve stays allowed, limited by Landlock).\n"
"Denied calls fail with ECAPMODE (134) and are reported on stderr; file access\n"
"outside the named trees fails with EACCES.\n");
}

static int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
	return abi < 0 ? 0 : (int)abi;
}

static int add_path(int ruleset, const char *path, uint64_t access,
		    uint64_t handled, bool required)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		if (!required)
			return 0;
		fprintf(stderr, "capsicumize: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE |
			  LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
	struct ll_path pb = { .access = access & handled, .fd = fd };
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) < 0) {
		fprintf(stderr, "capsicumize: landlock rule for %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (verbose)
		fprintf(stderr, "capsicumize: allow %s%s%s\n", path,
			access & LL_FS_WRITE_FILE ? " (read-write)" : " (read)",
			access & LL_FS_EXECUTE ? " (execute)" : "");
	return 0;
}

/* Interpreter path of a dynamic ELF program, "" for a static one. */
static int elf_interp(const char *path, char *interp, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;

	interp[0] = '\0';
	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		return 0; /* a script or something else: exec decides */
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		off_t off = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;
		if (pread(fd, &ph, sizeof(ph), off) != (ssize_t)sizeof(ph))
			return -1;
		if (ph.p_type == PT_INTERP && ph.p_filesz < size) {
			if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) !=
			    (ssize_t)ph.p_filesz)
				return -1;
			interp[ph.p_filesz] = '\0';
			return 0;
		}
	}
	return 0;
}

static int find_program(const char *name, char *out, size_t size)
{
	if (strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		return access(out, X_OK);
	}
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path ? path : "/usr/bin:/bin");
	if (!copy)
		return -1;
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, size, "%s/%s", d, name);
		if (access(out, X_OK) == 0)
			return 0;
	}
	errno = ENOENT;
	return -1;
}

static void preload_path(char *out, size_t size)
{
	const char *env = getenv("CAPSICUMIZE_PRELOAD");
	char self[PATH_MAX];
	ssize_t n;

	if (env) {
		snprintf(out, size, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(out, size, "%s/%s", dirname(self), PRELOAD_NAME);
		if (access(out, R_OK) == 0)
			return;
	}
	snprintf(out, size, "%s/%s", CAPSICUMIZE_PRELOAD_DIR, PRELOAD_NAME);
}

static int parse_port(const char *arg)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	long port;

	if (!colon || colon == arg) {
		fprintf(stderr, "capsicumize: -c wants HOST:PORT, not '%s'\n", arg);
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535) {
		fprintf(stderr, "capsicumize: bad port in '%s'\n", arg);
		return -1;
	}
	if (np == MAXDIRS)
		return -1;
	ports[np++] = (unsigned int)port;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "write", required_argument, NULL, 'w' },
		{ "connect", required_argument, NULL, 'c' },
		{ "log-denials", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char prog[PATH_MAX], interp[PATH_MAX], preload[PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "+r:w:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (nr == MAXDIRS)
				return 2;
			rdirs[nr++] = optarg;
			break;
		case 'w':
			if (nw == MAXDIRS)
				return 2;
			wdirs[nw++] = optarg;
			break;
		case 'c':
			if (parse_port(optarg) < 0)
				return 2;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (find_program(argv[optind], prog, sizeof(prog)) < 0) {
		fprintf(stderr, "capsicumize: %s: %s\n", argv[optind], strerror(errno));
		return 127;
	}
	if (elf_interp(prog, interp, sizeof(interp)) < 0) {
		fprintf(stderr, "capsicumize: %s: cannot read: %s\n", prog, strerror(errno));
		return 126;
	}
	bool dynamic = interp[0] != '\0';
	preload_path(preload, sizeof(preload));
	if (dynamic && access(preload, R_OK) != 0) {
		fprintf(stderr, "capsicumize: %s: %s (set CAPSICUMIZE_PRELOAD)\n",
			preload, strerror(errno));
		return 126;
	}

	int abi = landlock_abi();
	if (abi < 1) {
		fprintf(stderr, "capsicumize: Landlock is not available on this kernel\n");
		return 126;
	}
	struct ll_attr attr = { .fs = (1ULL << 13) - 1 };
	size_t asz = sizeof(uint64_t);
	if (abi >= 2)
		attr.fs |= 1ULL << 13;
	if (abi >= 3)
		attr.fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		attr.fs |= LL_FS_IOCTL_DEV;
	if (abi >= 4) {
		attr.net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		asz = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		attr.scoped = 3; /* abstract unix sockets, signals */
		asz = 3 * sizeof(uint64_t);
	}
	_cleanup_close_ int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, asz, 0);
	if (rs < 0) {
		fprintf(stderr, "capsicumize: landlock: %s\n", strerror(errno));
		return 126;
	}
	const uint64_t ro = LL_FS_READ_FILE | LL_FS_READ_DIR;
	const uint64_t rx = LL_FS_READ_FILE | LL_FS_EXECUTE;
	for (size_t i = 0; i < nr; i++)
		if (add_path(rs, rdirs[i], ro, attr.fs, true) < 0)
			return 126;
	for (size_t i = 0; i < nw; i++)
		if (add_path(rs, wdirs[i], attr.fs, attr.fs, true) < 0)
			return 126;
	if (add_path(rs, prog, rx, attr.fs, true) < 0)
		return 126;
	if (dynamic) {
		static const char *libdirs[] = {
			"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib",
			"/etc/ld.so.cache", "/etc/ld.so.preload",
		};
		if (add_path(rs, interp, rx, attr.fs, true) < 0 ||
		    add_path(rs, preload, LL_FS_READ_FILE, attr.fs, true) < 0)
			return 126;
		for (size_t i = 0; i < sizeof(libdirs) / sizeof(libdirs[0]); i++)
			if (add_path(rs, libdirs[i], LL_FS_READ_FILE, attr.fs, false) < 0)
				return 126;
	}
	static const char *devs[] = { "/dev/null", "/dev/zero", "/dev/urandom",
				      "/dev/random", "/etc/localtime" };
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (add_path(rs, devs[i], LL_FS_READ_FILE |
			     (i == 0 ? LL_FS_WRITE_FILE : 0), attr.fs, false) < 0)
			return 126;
	if (np && abi < 4) {
		fprintf(stderr, "capsicumize: -c needs Landlock ABI 4 (TCP rules)\n");
		return 126;
	}
	for (size_t i = 0; i < np; i++) {
		struct ll_port pr = { .access = LL_NET_CONNECT_TCP, .port = ports[i] };
		if (syscall(SYS_landlock_add_rule, rs, LL_RULE_NET_PORT, &pr, 0) < 0) {
			fprintf(stderr, "capsicumize: landlock port %u: %s\n", ports[i],
				strerror(errno));
			return 126;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) < 0) {
		fprintf(stderr, "capsicumize: landlock: %s\n", strerror(errno));
		return 126;
	}

	if (dynamic) {
		char flags[4] = { 0 };
		size_t fl = 0;
		flags[fl++] = '-';
		if (verbose)
			flags[fl++] = 'v';
		if (np)
			flags[fl++] = 'c';
		setenv("CAPSICUMIZE_FLAGS", flags, 1);
		setenv("CAPSICUMIZE_PROG", argv[optind], 1);
		setenv("LD_PRELOAD", preload, 1);
		/*
		 * A floor before exec: should the program's ELF interpreter
		 * ignore LD_PRELOAD (or the preload fail to run), it is in
		 * the relaxed capability mode all the same, with execve
		 * (Landlock lets only the program and its interpreter be
		 * executed) and denials unreported.  The preload's own
		 * filter stacks on it and takes execve away.
		 */
		unsigned int f = CAPSICUM_ENTER_PATHS | CAPSICUM_ENTER_EXEC |
				 CAPSICUM_ENTER_NO_LANDLOCK | CAPSICUM_ENTER_FLOOR |
				 (np ? CAPSICUM_ENTER_CONNECT : 0);
		if (capsicum_enter_flags(f) < 0) {
			fprintf(stderr, "capsicumize: cap_enter: %s\n",
				capsicum_strerror(errno));
			return 126;
		}
	} else {
		unsigned int f = CAPSICUM_ENTER_PATHS | CAPSICUM_ENTER_EXEC |
				 CAPSICUM_ENTER_NO_LANDLOCK |
				 (np ? CAPSICUM_ENTER_CONNECT : 0);
		if (verbose)
			fprintf(stderr, "capsicumize: %s is static: capability mode "
				"before exec, denials fail with ECAPMODE unreported\n",
				prog);
		if (capsicum_enter_flags(f) < 0) {
			fprintf(stderr, "capsicumize: cap_enter: %s\n",
				capsicum_strerror(errno));
			return 126;
		}
	}
	execv(prog, argv + optind);
	fprintf(stderr, "capsicumize: %s: %s\n", prog, strerror(errno));
	return 126;
}
