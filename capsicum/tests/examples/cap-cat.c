/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cat, sandboxed in FreeBSD's style: open every argument first, limit
 * each descriptor to what cat needs, limit stdio, enter capability mode,
 * then copy.  With CAP_EXAMPLE_PROBE set it also reports what a path
 * open does after cap_enter (it must fail with ECAPMODE).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <capsicum_helpers.h>

static void copy(int fd, const char *name)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, (size_t)n) != n)
			err(1, "stdout");
	if (n < 0)
		errx(1, "%s: %s", name, capsicum_strerror(errno));
}

int main(int argc, char **argv)
{
	cap_rights_t rights;
	int *fds = calloc((size_t)argc, sizeof(int));

	if (!fds)
		err(1, "calloc");
	cap_rights_init(&rights, CAP_READ, CAP_FSTAT, CAP_FCNTL);
	for (int i = 1; i < argc; i++) {
		fds[i] = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			err(1, "%s", argv[i]);
		if (caph_rights_limit(fds[i], &rights) < 0)
			err(1, "cap_rights_limit %s", argv[i]);
	}
	if (caph_limit_stdio() < 0)
		err(1, "caph_limit_stdio");
	caph_cache_catpages();
	if (caph_enter() < 0)
		err(1, "cap_enter");

	if (getenv("CAP_EXAMPLE_PROBE")) {
		int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		fprintf(stderr, "probe: open: %s\n",
			fd < 0 ? capsicum_strerror(errno) : "allowed");
		fprintf(stderr, "probe: write to %s: %s\n", argc > 1 ? argv[1] : "-",
			argc > 1 && write(fds[1], "x", 1) < 0 ?
			capsicum_strerror(errno) : "allowed");
	}
	if (argc == 1)
		copy(STDIN_FILENO, "stdin");
	for (int i = 1; i < argc; i++)
		copy(fds[i], argv[i]);
	free(fds);
	return 0;
}
