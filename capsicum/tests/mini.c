/* SPDX-License-Identifier: BSD-2-Clause */
/* Static helper exec'd by the exec-inheritance test (like capsicum-test's
 * mini-me): reports whether it runs in capability mode. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/capsicum.h>

int main(void)
{
	unsigned int mode = 0;
	int fd;

	cap_getmode(&mode);
	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	printf("capmode=%u open=%s\n", mode,
	       fd < 0 && errno == ECAPMODE ? "ECAPMODE" :
	       fd < 0 ? "other" : "allowed");
	return 0;
}
