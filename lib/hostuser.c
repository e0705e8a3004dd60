/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host users (jexec -u, exec.system_user, the owner cell-oci reports),
 * safe in a static program.
 *
 * glibc resolves users through the NSS services nsswitch.conf names and
 * loads each service but "files" with dlopen. In a static program that
 * load gives the module a second libc whose thread-local storage is not
 * set up: libnss_systemd (Debian's default "passwd: files systemd")
 * crashes on the first user "files" does not know. So a static program
 * here asks glibc's built-in files service only, and asks getent(1), a
 * dynamic program with the host's whole NSS, for anyone else.
 */
#include "hostuser.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <link.h>
#include <nss.h>
#include <pwd.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GETENT "/usr/bin/getent"

static int has_interp(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	bool *interp = data;
	for (size_t i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_INTERP)
			*interp = true;
	return 1;   /* the first object is the program itself */
}

/* no ELF interpreter in the program: a static one (also when a dynamic
 * program is started as "ld.so PROGRAM", which AT_BASE would miss) */
static bool static_program(void)
{
	bool interp = false;
	dl_iterate_phdr(has_interp, &interp);
	return !interp;
}

static void files_only(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	(void)__nss_configure_lookup("passwd", "files");
	(void)__nss_configure_lookup("group", "files");
	(void)__nss_configure_lookup("initgroups", "files");
}

static int fill(struct cell_user *u, const char *name, uid_t uid,
		gid_t gid, const char *home, const char *shell)
{
	if (strlen(name) >= sizeof(u->name))
		return -ENAMETOOLONG;
	memset(u, 0, sizeof(*u));
	u->uid = uid;
	u->gid = gid;
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->home, sizeof(u->home), "%s", home);
	snprintf(u->shell, sizeof(u->shell), "%s", shell);
	u->groups[0] = gid;
	u->ngroups = 1;
	return 0;
}

/* getent DB -- KEY: its output in buf. 0, -ENOENT when getent knows no
 * such key (its exit status 2), -E2BIG when it does not fit, -errno. */
static int getent(const char *db, const char *key, char *buf, size_t len)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	char *const argv[] = { "getent", (char *)db, "--", (char *)key, NULL };
	static char *const envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	pid_t pid;
	int r = posix_spawn(&pid, GETENT, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return -r;
	}
	/* read to the end, so getent never blocks on a full pipe */
	size_t n = 0;
	bool cut = false;
	for (;;) {
		char scratch[512];
		bool room = n + 1 < len;
		ssize_t k = room ? read(p[0], buf + n, len - 1 - n)
				 : read(p[0], scratch, sizeof(scratch));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (room)
			n += (size_t)k;
		else
			cut = true;
	}
	close(p[0]);
	buf[n] = '\0';
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st))
		return -EIO;
	if (WEXITSTATUS(st) == 2)
		return -ENOENT;
	if (WEXITSTATUS(st))
		return -EIO;
	return cut || n + 1 >= len ? -E2BIG : 0;
}

static bool parse_id(const char *s, unsigned long *v)
{
	char *end;
	if (!s || !*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && !*end && *v < (unsigned long)(uid_t)-1;
}

/* the groups getent initgroups gives name ("NAME gid gid ...", the name
 * padded: skipped by its length, since a name may hold blanks), added
 * to u's */
static void groups_from_getent(struct cell_user *u)
{
	char gl[8192];
	size_t nl = strlen(u->name);
	if (getent("initgroups", u->name, gl, sizeof(gl)) < 0 ||
	    strncmp(gl, u->name, nl))
		return;
	char *save = NULL;
	for (char *tok = strtok_r(gl + nl, " \t\n", &save);
	     tok && u->ngroups < CELL_USER_GROUPS_MAX;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		unsigned long g;
		if (!parse_id(tok, &g))
			continue;
		bool have = false;
		for (int k = 0; k < u->ngroups; k++)
			have |= u->groups[k] == (gid_t)g;
		if (!have)
			u->groups[u->ngroups++] = (gid_t)g;
	}
}

/* "name:passwd:uid:gid:gecos:home:shell" (getent passwd's line), only
 * when it is the user asked for: getent takes any key strtoul reads
 * whole as a uid (" 0", "+0", "4294967296" are root to it) */
static int from_getent(const char *key, unsigned flags,
		       struct cell_user *u)
{
	char line[8192];
	int r = getent("passwd", key, line, sizeof(line));
	if (r < 0)
		return r == -E2BIG ? -EIO : r;
	line[strcspn(line, "\n")] = '\0';
	char *f[7], *s = line;
	for (int i = 0; i < 7; i++)
		f[i] = strsep(&s, ":");
	unsigned long uid, gid, want;
	if (!f[6] || !f[0][0] || !parse_id(f[2], &uid) || !parse_id(f[3], &gid))
		return -EIO;
	bool by_name = (flags & CELL_HOST_USER_NAME) && !strcmp(f[0], key);
	bool by_uid = (flags & CELL_HOST_USER_UID) && parse_id(key, &want) &&
		      want == uid;
	if (!by_name && !by_uid)
		return -ENOENT;
	r = fill(u, f[0], (uid_t)uid, (gid_t)gid, f[5], f[6]);
	if (r < 0)
		return r;
	u->from_getent = true;
	if (flags & CELL_HOST_USER_GROUPS)
		groups_from_getent(u);
	return 0;
}

/* whether nsswitch.conf gives group or initgroups a service beyond
 * files: the groups of a user files knows may come from there too */
static bool groups_beyond_files(void)
{
	FILE *f = fopen("/etc/nsswitch.conf", "re");
	if (!f)
		return false;
	char line[512];
	bool more = false;
	while (!more && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, "group:", 6) && strncmp(p, "initgroups:", 11))
			continue;
		char *save = NULL;
		strtok_r(p, ":", &save);
		for (char *t = strtok_r(NULL, " \t\n", &save); t;
		     t = strtok_r(NULL, " \t\n", &save))
			if (t[0] != '[' && t[0] != '#' && strcmp(t, "files"))
				more = true;
			else if (t[0] == '#')
				break;
	}
	fclose(f);
	return more;
}

int cell_host_user(const char *key, unsigned flags, struct cell_user *u)
{
	if (!key || !*key)
		return -ENOENT;
	bool stat_prog = static_program();
	if (stat_prog)
		files_only();
	struct passwd *pw = (flags & CELL_HOST_USER_NAME) ? getpwnam(key)
							 : NULL;
	unsigned long id;
	if (!pw && (flags & CELL_HOST_USER_UID) && parse_id(key, &id))
		pw = getpwuid((uid_t)id);
	if (!pw)
		return stat_prog ? from_getent(key, flags, u) : -ENOENT;
	int r = fill(u, pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir,
		     pw->pw_shell);
	if (r < 0 || !(flags & CELL_HOST_USER_GROUPS))
		return r;
	u->ngroups = CELL_USER_GROUPS_MAX;
	if (getgrouplist(u->name, u->gid, u->groups, &u->ngroups) < 0)
		u->ngroups = CELL_USER_GROUPS_MAX;
	/* files answered for the user; its groups may also come from
	 * elsewhere (sss, ldap), which a static program asks getent for */
	if (stat_prog && groups_beyond_files())
		groups_from_getent(u);
	return 0;
}

bool cell_host_nss_ok(void)
{
	return !static_program();
}
