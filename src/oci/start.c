/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci start ID: open the start gate of a created container. The
 * byte written to start.fifo lets the waiting process exec the user's
 * program; ENXIO on open means no process waits there (not "created").
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"

static int run_hooks(const struct cell_oci_dir *d,
		     const struct cell_oci_state *s, enum cell_oci_hook_kind k,
		     bool warn_only, struct cell_error *err)
{
	struct cell_oci_config c;
	int r = oci_saved_config(d, &c, err);
	if (r == 0 && c.nhooks[k]) {
		_cleanup_free_ char *js = cell_oci_state_json(
			s, cell_oci_state_status(d, s), false);
		r = js ? cell_oci_hooks_run(c.hooks[k], c.nhooks[k], k, js,
					    warn_only, &oci_logger, err)
		       : cell_error_set(err, -ENOMEM, "out of memory");
	}
	cell_oci_config_free(&c);
	return r;
}

int oci_do_start(const char *id)
{
	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(id, true, &d, &s))
		return 1;
	struct cell_error err;
	cell_error_clear(&err);
	int ret = 1;
	_cleanup_close_ int fd = -1;
	enum cell_oci_status now = cell_oci_state_status(&d, &s);
	if (now != CELL_OCI_CREATED) {
		oci_fail("cannot start a container that is %s (only a "
			 "created one)", cell_oci_status_name(now));
		goto out;
	}
	char fifo[4200];
	snprintf(fifo, sizeof(fifo), "%s/start.fifo", d.path);
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		oci_fail("cannot start container %s: %s", id,
			 errno == ENXIO ? "its process is not waiting"
					: strerror(errno));
		goto out;
	}
	if (run_hooks(&d, &s, CELL_OCI_HOOK_START_CONTAINER, false, &err) < 0) {
		/* the spec: stop the container; delete runs poststop */
		oci_signal_pid(&s, SIGKILL, NULL);
		oci_fail_err(NULL, &err);
		goto out;
	}
	if (write(fd, "s", 1) != 1) {
		oci_fail("cannot start container %s: %s", id,
			 strerror(errno));
		goto out;
	}
	unlink(fifo);
	s.status = CELL_OCI_RUNNING;
	if (cell_oci_state_save(&d, &s, &err) < 0) {
		oci_fail_err(NULL, &err);
		goto out;
	}
	run_hooks(&d, &s, CELL_OCI_HOOK_POSTSTART, true, NULL);
	ret = 0;
out:
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return ret;
}

int cmd_start(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return oci_usage("start", false);
	if (argc != 2)
		return oci_usage("start", true);
	return oci_do_start(argv[1]);
}
