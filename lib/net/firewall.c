/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vnet.firewall: the jail's own nftables ruleset, as PF in a VNET jail.
 * libnftables runs in a thread that entered the jail's netns, so the rules
 * land in the jail's own nftables instance; the host's tables are in
 * another netns and out of its reach. The file is checked with a dry run
 * first and then committed as one transaction.
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
	char *e = NULL;
	int r = cell_nft_run(netns_fd, path, true, true, NULL, &e);
	if (r < 0) {
		r = cell_error_set(err, r == -ENOENT ? -EINVAL : r,
				   "vnet.firewall %s does not parse: %s", path,
				   e ? e : strerror(-r));
		free(e);
		return r;
	}
	r = cell_nft_run(netns_fd, path, true, false, NULL, &e);
	if (r < 0) {
		r = cell_error_set(err, r, "vnet.firewall %s: loading: %s",
				   path, e ? e : strerror(-r));
		free(e);
		return r;
	}
	return 0;
}
