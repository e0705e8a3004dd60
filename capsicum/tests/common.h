/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared fixtures: a scratch tree and capability-mode entry. */
#ifndef CAPSICUM_TEST_COMMON_H
#define CAPSICUM_TEST_COMMON_H

#include <fcntl.h>
#include <sys/stat.h>
#include "harness.h"

/* tree/f, tree/d/g, tree/lin -> f, tree/lout -> /etc/passwd,
 * tree/lup -> ../.., tree/d/lback -> ../f */
static char tree[64];

static inline void make_tree(void)
{
	snprintf(tree, sizeof(tree), "/tmp/capsicum-tree-XXXXXX");
	if (!mkdtemp(tree)) {
		perror("mkdtemp");
		_exit(1);
	}
	int t = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(openat(t, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	mkdirat(t, "d", 0700);
	close(openat(t, "d/g", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	if (symlinkat("f", t, "lin") || symlinkat("/etc/passwd", t, "lout") ||
	    symlinkat("../..", t, "lup") || symlinkat("../f", t, "d/lback"))
		perror("symlinkat");
	close(t);
}

static inline void remove_tree(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tree);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", tree);
}

static inline int open_tree(void)
{
	return open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static inline void enter_or_die(void)
{
	if (cap_enter() != 0) {
		fprintf(stderr, "  cap_enter: %s\n", capsicum_strerror(errno));
		_exit(1);
	}
}

#define CT_MAIN_TREE(tests)                                             \
	int main(int argc, char **argv)                                 \
	{                                                               \
		make_tree();                                            \
		int r = ct_run(tests, sizeof(tests) / sizeof(tests[0]), \
			       argc, argv);                             \
		remove_tree();                                          \
		return r;                                               \
	}

#endif
