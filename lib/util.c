/* SPDX-License-Identifier: BSD-2-Clause */
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

int cell_strv_push(struct cell_strv *l, const char *s)
{
	if (l->n >= CELL_ARGV_MAX)
		return -E2BIG;
	char **nv = realloc(l->v, (l->n + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	char *dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	l->v[l->n++] = dup;
	l->v[l->n] = NULL;
	return 0;
}

void cell_strv_free(struct cell_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int cell_strv_copy(struct cell_strv *dst, const struct cell_strv *src)
{
	dst->v = NULL;
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++) {
		int r = cell_strv_push(dst, src->v[i]);
		if (r < 0) {
			cell_strv_free(dst);
			return r;
		}
	}
	return 0;
}

int cell_strv_split(struct cell_strv *l, const char *s, size_t max)
{
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	/* strtok_r would merge empty items; walk by hand to reject them. */
	char *p = copy;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		/* trim blanks around items, as jail(8) does */
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strlen(p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			p[--len] = '\0';
		if (!*p)
			return -EINVAL;
		if (l->n >= max)
			return -E2BIG;
		int r = cell_strv_push(l, p);
		if (r < 0)
			return r;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

int cell_parse_int(const char *s, long min, long max, long *out)
{
	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	char *end = NULL;
	long v = strtol(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cell_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	return -EINVAL;
}

void cell_octal_unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p;) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
		    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 +
				      (p[3] - '0'));
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

int cell_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len + 1);
	return 0;
}

int cell_write_file_atomic(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	_cleanup_close_ int fd =
		open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		     0600);
	if (fd < 0)
		return -errno;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = -errno;
			unlink(tmp);
			return r;
		}
		off += (size_t)n;
	}
	/* no fsync: state lives on /run, a tmpfs, and is rebuilt by repair.
	 * An existing file is replaced by exchanging the two names, not by
	 * rename(2) over it: on ext4 (a /run that is not a tmpfs) that
	 * rename forces the new file's blocks to be allocated at once
	 * (auto_da_alloc), a tenth of a millisecond per record save, and
	 * the old file's removal then frees real blocks. The exchange is as
	 * atomic for readers (the name holds the whole old file or the
	 * whole new one); the old contents end under tmp and go. */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
		if (unlink(tmp) == 0)
			return 0;
		/* what was at path cannot be unlinked (a directory):
		 * exchange back, and fail as rename(2) would have */
		int r = errno == EISDIR ? -EISDIR : -errno;
		renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE);
		unlink(tmp);
		return r;
	}
	if (rename(tmp, path) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

int cell_read_file(const char *path, size_t max, char **out, size_t *lenp)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return cell_read_fd(fd, max, out, lenp);
}

int cell_read_fd(int fd, size_t max, char **out, size_t *lenp)
{
	/* Most files read here are small and max is a bound (a 16 MiB
	 * cgroup.procs): start small and grow, rather than have malloc
	 * map and unmap max bytes for every read. */
	size_t cap = max < 4096 ? max + 1 : 4096;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	for (;;) {
		if (len == cap) {
			if (cap > max)
				return -EFBIG;
			size_t ncap = cap > max / 4 ? max + 1 : cap * 4;
			char *nb = realloc(buf, ncap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	/* len < cap here: a full buffer grows before the next read */
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	*out = TAKE_PTR(buf);
	return 0;
}

int cell_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (cell_strlcpy(buf, path, sizeof(buf)) < 0)
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

unsigned long long cell_proc_starttime(pid_t pid)
{
	return cell_proc_starttime_state(pid, NULL);
}

unsigned long long cell_proc_starttime_state(pid_t pid, char *state)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	/* one read into the stack: a stat line is a few hundred bytes and
	 * procfs gives it whole (repair reads one per jail on the host);
	 * a full buffer could be cut, and is read again whole */
	char small[2048];
	_cleanup_free_ char *big = NULL;
	char *buf = small;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, small, sizeof(small) - 1);
	if (n <= 0)
		return 0;
	small[n] = '\0';
	if ((size_t)n == sizeof(small) - 1) {
		if (cell_read_file(path, 4096, &big, NULL) < 0)
			return 0;
		buf = big;
	}
	/* comm may hold spaces and parentheses: start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	if (state)
		*state = p[0] == ' ' ? p[1] : '?';
	/* p is the blank before field 3; step to the blank before 22. */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	return strtoull(p + 1, NULL, 10);
}

void cell_test_crash_point(const char *step)
{
	const char *at = getenv("CELL_TEST_CRASH_AT");
	if (at && !strcmp(at, step))
		raise(SIGKILL);
}

bool cell_test_fail_point(const char *step)
{
	const char *at = getenv("CELL_TEST_FAIL_AT");
	return at && !strcmp(at, step);
}

long cell_test_pause_ms(const char *step)
{
	const char *at = getenv("CELL_TEST_PAUSE_AT");
	size_t l = strlen(step);
	long ms;
	if (!at || strncmp(at, step, l) || at[l] != ':' ||
	    cell_parse_int(at + l + 1, 0, 10000, &ms) < 0)
		return 0;
	return ms;
}

void cell_test_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void cell_test_pause_point(const char *step)
{
	cell_test_sleep_ms(cell_test_pause_ms(step));
}

void cell_rfc3339_utc(const struct timespec *ts, char *buf, size_t len)
{
	/* days since 1970-01-01 to a civil date (proleptic Gregorian, eras
	 * of 400 years: Howard Hinnant's civil_from_days) */
	long long secs = ts->tv_sec;
	long long days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	long long z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long y = (long long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u.%09uZ",
		 (unsigned)(y % 10000), m % 100, d % 100,
		 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
		 (unsigned)(rem % 60), (unsigned)(ts->tv_nsec % 1000000000L));
}
