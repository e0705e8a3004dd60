/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wc, sandboxed as FreeBSD's wc is: one descriptor per argument, limited
 * to CAP_READ|CAP_FSTAT, caph_limit_stdio(), then capability mode.
 * Prints lines, words and bytes per file and a total for several files.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <capsicum_helpers.h>

struct counts {
	unsigned long lines, words, bytes;
};

static int count(int fd, struct counts *c)
{
	char buf[8192];
	ssize_t n;
	bool inword = false;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		c->bytes += (unsigned long)n;
		for (ssize_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)buf[i];
			if (ch == '\n')
				c->lines++;
			if (isspace(ch)) {
				inword = false;
			} else if (!inword) {
				inword = true;
				c->words++;
			}
		}
	}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	cap_rights_t rights;
	struct counts total = { 0 };
	int *fds = calloc((size_t)argc, sizeof(int));
	int rc = 0;

	if (!fds)
		err(1, "calloc");
	cap_rights_init(&rights, CAP_READ, CAP_FSTAT);
	for (int i = 1; i < argc; i++) {
		fds[i] = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			warn("%s", argv[i]);
			rc = 1;
			continue;
		}
		if (caph_rights_limit(fds[i], &rights) < 0)
			err(1, "unable to limit rights for %s", argv[i]);
	}
	if (caph_limit_stdio() < 0)
		err(1, "unable to limit stdio");
	if (caph_enter() < 0)
		err(1, "unable to enter capability mode");

	if (argc == 1) {
		struct counts c = { 0 };
		if (count(STDIN_FILENO, &c) < 0)
			err(1, "stdin");
		printf(" %7lu %7lu %7lu\n", c.lines, c.words, c.bytes);
	}
	for (int i = 1; i < argc; i++) {
		struct counts c = { 0 };
		if (fds[i] < 0)
			continue;
		if (count(fds[i], &c) < 0) {
			warnx("%s: %s", argv[i], capsicum_strerror(errno));
			rc = 1;
			continue;
		}
		/* a write through a read-only descriptor is refused */
		if (write(fds[i], "", 0) != -1 || errno != ENOTCAPABLE)
			errx(2, "%s: descriptor not limited", argv[i]);
		printf(" %7lu %7lu %7lu %s\n", c.lines, c.words, c.bytes, argv[i]);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc > 2)
		printf(" %7lu %7lu %7lu total\n", total.lines, total.words,
		       total.bytes);
	if (getenv("CAP_EXAMPLE_PROBE")) {
		int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		fprintf(stderr, "probe: open: %s\n",
			fd < 0 ? capsicum_strerror(errno) : "allowed");
	}
	free(fds);
	return rc;
}
