/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One cleanup style for all of cell: variables that own a resource carry
 * an __attribute__((cleanup)) helper; ownership leaves a scope only through
 * TAKE_PTR / TAKE_FD, so every early return releases what it must.
 */
#ifndef CELL_CLEANUP_H
#define CELL_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void cell_freep(void *p)
{
	free(*(void **)p);
}

static inline void cell_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cell_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cell_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_(f)       __attribute__((cleanup(f)))
#define _cleanup_free_     _cleanup_(cell_freep)
#define _cleanup_close_    _cleanup_(cell_closep)
#define _cleanup_fclose_   _cleanup_(cell_fclosep)
#define _cleanup_closedir_ _cleanup_(cell_closedirp)

/* Hand ownership to the caller; the cleanup then sees NULL / -1. */
#define TAKE_PTR(p)                                   \
	({                                            \
		__typeof__(p) _take_tmp = (p);        \
		(p) = NULL;                           \
		_take_tmp;                            \
	})
#define TAKE_FD(fd)                                   \
	({                                            \
		int _take_fd = (fd);                  \
		(fd) = -1;                            \
		_take_fd;                             \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
