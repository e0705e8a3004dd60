/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell-oci features: the runtime-spec's features.md document, saying
 * only what cell does (e.g. no AppArmor, no systemd cgroups), so that
 * engines do not ask for the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <seccomp.h>
#include <sys/capability.h>

#include "cli.h"

static json_t *strs(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

int cmd_features(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return oci_usage("features", false);
	if (argc != 1)
		return oci_usage("features", true);
	static const char *const hooks[] = {
		"prestart", "createRuntime", "createContainer",
		"startContainer", "poststart", "poststop", NULL,
	};
	static const char *const mount_opts[] = {
		"bind", "rbind", "ro", "rro", "rw", "nosuid", "rnosuid",
		"nodev", "rnodev", "noexec", "rnoexec", "private", "rprivate",
		"relatime", "noatime", "strictatime", "mode", "size",
		"nr_inodes", NULL,
	};
	static const char *const ns[] = {
		"pid", "network", "mount", "ipc", "uts", "cgroup", "user", "time",
		NULL,
	};
	static const char *const actions[] = {
		"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
		"SCMP_ACT_TRAP", "SCMP_ACT_TRACE", NULL,
	};
	static const char *const ops[] = {
		"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
		"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL,
	};
	static const char *const archs[] = {
		"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
		"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL,
	};
	json_t *caps = json_array();
	for (int i = 0; i <= CAP_LAST_CAP; i++) {
		char *n = cap_to_name(i);
		if (n && !strncmp(n, "cap_", 4)) {
			char up[64];
			size_t k = 0;
			for (; n[k] && k + 1 < sizeof(up); k++)
				up[k] = (char)(n[k] >= 'a' && n[k] <= 'z'
					       ? n[k] - 32 : n[k]);
			up[k] = '\0';
			json_array_append_new(caps, json_string(up));
		}
		cap_free(n);
	}
	const struct scmp_version *v = seccomp_version();
	char lsv[32];
	snprintf(lsv, sizeof(lsv), "%u.%u.%u", v->major, v->minor, v->micro);
	json_t *o = json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b},"
		" s:{s:b, s:o, s:o, s:o, s:o, s:o}, s:{s:b}, s:{s:b},"
		" s:{s:b}, s:{s:{s:b}}}, s:{s:s, s:s, s:s}}",
		"ociVersionMin", "1.0.0", "ociVersionMax", CELL_OCI_VERSION,
		"hooks", strs(hooks), "mountOptions", strs(mount_opts),
		"linux", "namespaces", strs(ns), "capabilities", caps,
		"cgroup", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0,
		"seccomp", "enabled", 1, "actions", strs(actions),
		"operators", strs(ops), "archs", strs(archs),
		"knownFlags", json_array(), "supportedFlags", json_array(),
		"apparmor", "enabled", 0, "selinux", "enabled", 0,
		"intelRdt", "enabled", 0, "mountExtensions", "idmap", "enabled",
		0,
		"annotations", "io.github.cell.version", CELL_VERSION,
		"io.github.cell.libseccomp.version", lsv,
		"org.cell.jail.*", "a jail(8) parameter the operator "
				   "allows with --jail-annotations (default: "
				   "none), set through cell_param_set; lists "
				   "are added to");
	if (!o)
		return oci_fail("features: out of memory");
	char *t = json_dumps(o, JSON_INDENT(2));
	printf("%s\n", t ? t : "{}");
	free(t);
	json_decref(o);
	return 0;
}
