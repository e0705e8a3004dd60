/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vnet.firewall: the jail's own nftables ruleset, as PF in a VNET jail.
 * libnftables runs in a thread that entered the jail's netns, so the rules
 * land in the jail's own nftables instance; the host's tables are in
 * another netns and out of its reach. The file is read once (at most
 * 1 MiB, no "include" of other files, since the host's root reads what the
 * jail's root may write), checked with a dry run, then committed as one
 * transaction.
 */
#include "net/net.h"
#include "net/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#define CELL_FIREWALL_MAX (1 << 20)

int cell_firewall_load(int netns_fd, const char *path,
		       struct cell_error *err)
{
	if (!path || !*path)
		return cell_error_set(err, -EINVAL, "empty vnet.firewall");
	if (strlen(path) >= 4096)
		return cell_error_set(err, -ENAMETOOLONG,
				      "vnet.firewall path too long");
	if (netns_fd < 0)
		return cell_error_set(err, -EBADF,
				      "vnet.firewall %s: no jail netns; "
				      "refusing to load into the host", path);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_error_errno(err, -errno, "vnet.firewall %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cell_error_errno(err, -errno, "vnet.firewall %s", path);
	if (!S_ISREG(st.st_mode))
		return cell_error_set(err, -EINVAL,
				      "vnet.firewall %s: not a regular file",
				      path);
	if (st.st_size > CELL_FIREWALL_MAX)
		return cell_error_set(err, -EFBIG,
				      "vnet.firewall %s: larger than %d bytes",
				      path, CELL_FIREWALL_MAX);
	/* read once, check and load that very text (no second open) */
	_cleanup_free_ char *text = malloc((size_t)st.st_size + 1);
	if (!text)
		return cell_error_set(err, -ENOMEM, "out of memory");
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cell_error_errno(err, -errno,
						"vnet.firewall %s: reading",
						path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	text[got] = '\0';
	if (strlen(text) != got)
		return cell_error_set(err, -EINVAL,
				      "vnet.firewall %s: contains a NUL byte",
				      path);
	/* the host's root reads what the jail's root may have written:
	 * no include of other (host) files */
	unsigned int line = 1;
	for (const char *p = text; *p; line++) {
		p += strspn(p, " \t");
		if (!strncmp(p, "include", 7) &&
		    (p[7] == ' ' || p[7] == '\t' || p[7] == '"'))
			return cell_error_set(err, -EPERM,
					      "vnet.firewall %s:%u: include is "
					      "not allowed", path, line);
		p = strchrnul(p, '\n');
		if (*p)
			p++;
	}
	/* the dry run reads the file by name, for messages with its line
	 * numbers; what is loaded is the text checked above */
	char *e = NULL;
	int r = cell_nft_run(netns_fd, path, true, true, NULL, &e);
	if (r < 0) {
		r = cell_error_set(err, r == -ENOENT ? -EINVAL : r,
				   "vnet.firewall %s does not parse: %s", path,
				   e ? e : strerror(-r));
		free(e);
		return r;
	}
	r = cell_nft_run(netns_fd, text, false, false, NULL, &e);
	if (r < 0) {
		r = cell_error_set(err, r, "vnet.firewall %s: loading: %s",
				   path, e ? e : strerror(-r));
		free(e);
		return r;
	}
	return 0;
}
