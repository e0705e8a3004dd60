/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * caph_*: FreeBSD's helpers from <capsicum_helpers.h>.  On Linux the
 * terminal ioctl TIOCGETA is TCGETS and there is no FIODTYPE.
 */
#include <errno.h>
#include <locale.h>
#include <nl_types.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <capsicum_helpers.h>

int caph_limit_stream(int fd, int flags)
{
	cap_rights_t rights;
	unsigned long cmds[] = { TCGETS, TIOCGWINSZ };

	cap_rights_init(&rights, CAP_EVENT, CAP_FCNTL, CAP_FSTAT, CAP_IOCTL,
			CAP_SEEK);
	if (flags & CAPH_READ)
		cap_rights_set(&rights, CAP_READ);
	if (flags & CAPH_WRITE)
		cap_rights_set(&rights, CAP_WRITE);
	if (flags & CAPH_LOOKUP)
		cap_rights_set(&rights, CAP_LOOKUP);

	if (cap_rights_limit(fd, &rights) < 0 && errno != ENOSYS) {
		if (errno == EBADF && (flags & CAPH_IGNORE_EBADF))
			return 0;
		return -1;
	}
	if (cap_ioctls_limit(fd, cmds, sizeof(cmds) / sizeof(cmds[0])) < 0 &&
	    errno != ENOSYS)
		return -1;
	if (cap_fcntls_limit(fd, CAP_FCNTL_GETFL) < 0 && errno != ENOSYS)
		return -1;
	return 0;
}

int caph_limit_stdin(void)
{
	return caph_limit_stream(STDIN_FILENO, CAPH_READ);
}

int caph_limit_stdout(void)
{
	return caph_limit_stream(STDOUT_FILENO, CAPH_WRITE);
}

int caph_limit_stderr(void)
{
	return caph_limit_stream(STDERR_FILENO, CAPH_WRITE);
}

int caph_limit_stdio(void)
{
	const int iebadf = CAPH_IGNORE_EBADF;

	if (caph_limit_stream(STDIN_FILENO, CAPH_READ | iebadf) < 0 ||
	    caph_limit_stream(STDOUT_FILENO, CAPH_WRITE | iebadf) < 0 ||
	    caph_limit_stream(STDERR_FILENO, CAPH_WRITE | iebadf) < 0)
		return -1;
	return 0;
}

void caph_cache_tzdata(void)
{
	tzset();
}

void caph_cache_catpages(void)
{
	(void)catopen("libc", NL_CAT_LOCALE);
}

int caph_enter(void)
{
	if (cap_enter() < 0 && errno != ENOSYS)
		return -1;
	return 0;
}

int caph_enter_casper(void)
{
	/* No Casper here: the same as caph_enter(). */
	return caph_enter();
}

int caph_rights_limit(int fd, const cap_rights_t *rights)
{
	if (cap_rights_limit(fd, rights) < 0 && errno != ENOSYS)
		return -1;
	return 0;
}

int caph_ioctls_limit(int fd, const unsigned long *cmds, size_t ncmds)
{
	if (cap_ioctls_limit(fd, cmds, ncmds) < 0 && errno != ENOSYS)
		return -1;
	return 0;
}

int caph_fcntls_limit(int fd, uint32_t fcntlrights)
{
	if (cap_fcntls_limit(fd, fcntlrights) < 0 && errno != ENOSYS)
		return -1;
	return 0;
}
