/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell(8): one name for cell's commands.
 *
 *   cell jail ARGS...    same as jail(8)
 *   cell jls ARGS...     same as jls(8)
 *   cell jexec ARGS...   same as jexec(8)
 *
 * On Debian, OpenJDK owns /usr/bin/jexec through alternatives; "cell jexec"
 * always reaches cell's own jexec, installed beside this binary.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: cell jail|jls|jexec [arguments ...]\n"
		     "       cell --version\n"
		     "Runs cell's jail(8), jls(8) or jexec(8), installed beside "
		     "cell.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("cell %s\n", CELL_VERSION);
		return 0;
	}
	static const char *const cmds[] = { "jail", "jls", "jexec" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i]))
			continue;
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0) {
			perror("cell: /proc/self/exe");
			return 1;
		}
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		char path[PATH_MAX + 16];
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - self),
			 self, cmds[i]);
		argv[1] = (char *)cmds[i];
		execv(path, argv + 1);
		fprintf(stderr, "cell: %s: %s\n", path, strerror(errno));
		return 127;
	}
	fprintf(stderr, "cell: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 1;
}
