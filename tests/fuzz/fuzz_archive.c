/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the manager's archive extractor (lib/mgr/extract.c), fed
 * whatever bytes as an import or a bootstrap tarball (and, every other
 * input, as an OCI layer with whiteouts). Whatever the input, nothing may
 * appear outside the directory it extracts into: the target directory
 * sits inside a sentinel directory, and after each input the sentinel
 * must hold only the target. (The manager runs this code in a
 * capability-mode child; here it runs in-process so the fuzzer sees it.)
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgr/internal.h"
#include "mgr/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int rm_rf(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					  O_CLOEXEC);
	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				rm_rf(fd, e->d_name);
		if (d)
			closedir(d);
		else
			close(fd);
		return unlinkat(dfd, name, AT_REMOVEDIR);
	}
	return unlinkat(dfd, name, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned n;
	if (size > (1 << 20))
		return 0;
	char sentinel[] = "/tmp/cell-fuzz-archive.XXXXXX";
	if (!mkdtemp(sentinel))
		abort();
	int sfd = open(sentinel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || mkdirat(sfd, "root", 0755) < 0)
		abort();
	int root = openat(sfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int afd = memfd_create("archive", MFD_CLOEXEC);
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (root < 0 || afd < 0 || out < 0 ||
	    write(afd, data, size) != (ssize_t)size)
		abort();
	struct cell_sbx s = { .out = out };
	struct cell_mgr_xopts o = { .oci = (n++ & 1) != 0 };
	cell_mgr_extract_here(&s, afd, root, &o);
	/* the only thing beside the target is the target */
	DIR *d = fdopendir(dup(sfd));
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "root")) {
			fprintf(stderr, "escaped the target: %s\n", e->d_name);
			abort();
		}
	if (d)
		closedir(d);
	close(afd);
	close(out);
	close(root);
	rm_rf(sfd, "root");
	close(sfd);
	rmdir(sentinel);
	return 0;
}
