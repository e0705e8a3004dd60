/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci run [--bundle DIR] [--pid-file F] [--console-socket S]
 *              [--detach] [--keep] [--preserve-fds N] ID
 *
 * create + start. Without --detach the container's process is this
 * command's child (cell_create_proc clones it from here): run waits for
 * it, deletes the container (unless --keep) and exits with its status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "cli.h"
#include "util.h"

static const struct option run_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "console-socket", required_argument, NULL, 'c' },
	{ "detach", no_argument, NULL, 'd' },
	{ "keep", no_argument, NULL, 'k' },
	{ "no-pivot", no_argument, NULL, 'P' },
	{ "no-new-keyring", no_argument, NULL, 'K' },
	{ "preserve-fds", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int delete_stopped(const char *id)
{
	struct cell_oci_dir d;
	struct cell_oci_state s;
	if (oci_open(id, true, &d, &s))
		return 1;
	int r = oci_destroy(&d, &s);
	cell_oci_state_free(&s);
	cell_oci_dir_close(&d);
	return r;
}

int cmd_run(int argc, char **argv)
{
	struct oci_create_args a = { .bundle = "." };
	bool detach = false, keep = false;
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+b:dh", run_opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'b': a.bundle = optarg; break;
		case 'p': a.pid_file = optarg; break;
		case 'c': a.console_socket = optarg; break;
		case 'd': detach = true; break;
		case 'k': keep = true; break;
		case 'P': case 'K': break;
		case 'f': a.preserve_fds = atoi(optarg); break;
		case 'h': return oci_usage("run", false);
		default: return oci_usage("run", true);
		}
	}
	if (optind + 1 != argc)
		return oci_usage("run", true);
	a.id = argv[optind];
	/* signals for the container go to it, not to us, while we wait */
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGCHLD);
	if (!detach)
		sigprocmask(SIG_BLOCK, &mask, &old);
	pid_t pid = 0;
	struct oci_created k;
	if (oci_do_create(&a, &pid, &k))
		return 1;
	cell_test_pause_point("oci-run-start");
	if (oci_start_created(&k)) {
		if (!detach)
			delete_stopped(a.id);
		return 1;
	}
	if (detach)
		return 0;
	/* SIGCHLD was blocked before create: its exit cannot be missed */
	int st = 0;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			st = 0;
			break;
		}
		siginfo_t si;
		int sig = sigwaitinfo(&mask, &si);
		if (sig > 0 && sig != SIGCHLD)
			kill(pid, sig);
	}
	if (!keep)
		delete_stopped(a.id);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
