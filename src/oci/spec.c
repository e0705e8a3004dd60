/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci spec [--bundle DIR]: write a config.json to start from, as
 * runc spec does, with what a jail needs (pid, mount, ipc, uts, network
 * namespaces) and a rootfs/ next to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char template_json[] =
"{\n"
"  \"ociVersion\": \"" CELL_OCI_VERSION "\",\n"
"  \"process\": {\n"
"    \"terminal\": true,\n"
"    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
"    \"args\": [ \"sh\" ],\n"
"    \"env\": [\n"
"      \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
"      \"TERM=xterm\"\n"
"    ],\n"
"    \"cwd\": \"/\",\n"
"    \"capabilities\": {\n"
"      \"bounding\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
"      \"effective\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
"      \"permitted\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ]\n"
"    },\n"
"    \"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
"    \"noNewPrivileges\": true\n"
"  },\n"
"  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
"  \"hostname\": \"cell\",\n"
"  \"mounts\": [\n"
"    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
"    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
"      \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
"    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
"      \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\" ] },\n"
"    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
"      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
"    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
"      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] }\n"
"  ],\n"
"  \"linux\": {\n"
"    \"namespaces\": [\n"
"      { \"type\": \"pid\" }, { \"type\": \"network\" }, { \"type\": \"ipc\" },\n"
"      { \"type\": \"uts\" }, { \"type\": \"mount\" }, { \"type\": \"cgroup\" }\n"
"    ],\n"
"    \"maskedPaths\": [ \"/proc/kcore\", \"/sys/firmware\" ],\n"
"    \"readonlyPaths\": [ \"/proc/sys\", \"/proc/sysrq-trigger\" ]\n"
"  }\n"
"}\n";

static const struct option spec_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "rootless", no_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int cmd_spec(int argc, char **argv)
{
	const char *bundle = ".";
	int ch;
	while ((ch = getopt_long_only(argc, argv, "+b:h", spec_opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'b': bundle = optarg; break;
		case 'r':
			return oci_fail("spec --rootless: user namespaces are "
					"not supported yet");
		case 'h': return oci_usage("spec", false);
		default: return oci_usage("spec", true);
		}
	}
	if (optind != argc)
		return oci_usage("spec", true);
	char path[4200];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return oci_fail("spec: %s: %s", path, errno == EEXIST
				? "already exists" : strerror(errno));
	size_t len = strlen(template_json);
	ssize_t w = write(fd, template_json, len);
	close(fd);
	if (w != (ssize_t)len) {
		unlink(path);
		return oci_fail("spec: %s: write failed", path);
	}
	return 0;
}
