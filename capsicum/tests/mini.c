/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Static helper exec'd from capability mode (like capsicum-test's
 * mini-me): reports whether it runs in capability mode, and with "fd"
 * what the inherited descriptor 3 allows and what cap_rights_get says.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/capsicum.h>

int main(int argc, char **argv)
{
	unsigned int mode = 0;
	int fd;

	cap_getmode(&mode);
	if (argc > 1 && strcmp(argv[1], "fd") == 0) {
		cap_rights_t r, all;
		char c;
		CAP_ALL(&all);
		int rr = (int)read(3, &c, 1);
		int e = errno;
		cap_rights_get(3, &r);
		printf("read=%s rights=%s\n",
		       rr < 0 && e == ENOTCAPABLE ? "ENOTCAPABLE" : "allowed",
		       memcmp(&r, &all, sizeof(r)) == 0 ? "all" : "limited");
		return 0;
	}
	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	printf("capmode=%u open=%s\n", mode,
	       fd < 0 && errno == ECAPMODE ? "ECAPMODE" :
	       fd < 0 ? "other" : "allowed");
	return 0;
}
