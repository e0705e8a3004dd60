/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jail(8)'s orchestration over the core (see jail8.h for the order of
 * actions and what is undone when a step fails).
 */
#include "jail8.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hostuser.h"
#include "internal.h"
#include "lifecycle.h"
#include "param.h"
#include "util.h"

/* --- loading and showing ------------------------------------------------ */

int cell_jail8_load(const char *file, struct cell_conf **out,
		    struct cell_error *err)
{
	*out = NULL;
	if (!file)
		return cell_conf_load_default("/", out, err);
	if (strcmp(file, "-"))
		return cell_conf_parse_file(file, out, err);
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return cell_error_set(err, -ENOMEM, "out of memory");
	for (;;) {
		if (len == cap) {
			if (cap > CELL_CONF_FILE_MAX) {
				free(buf);
				return cell_error_set(err, -EFBIG,
						      "<stdin>: larger than "
						      "%d bytes",
						      CELL_CONF_FILE_MAX);
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return cell_error_set(err, -ENOMEM,
						      "out of memory");
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(0, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			free(buf);
			return cell_error_errno(err, e, "reading <stdin>");
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	int r = cell_conf_parse_string(buf, len, "<stdin>", out, err);
	free(buf);
	return r;
}

int cell_jail8_show(const struct cell_conf *conf, const char *sep, FILE *out)
{
	for (size_t i = 0; i < conf->njails; i++) {
		int r = cell_conf_print_params(&conf->jails[i], sep, out);
		if (r < 0)
			return r;
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

/* --- fstab ----------------------------------------------------------------- */

/*
 * Next whitespace-separated field, fstab(5) style ("\040" is a space).
 * "\000" is refused (-EILSEQ): the field would end there, shorter than
 * it reads.
 */
static int fstab_field(const char **p, char *buf, size_t len)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '\n' || *s == '#')
		return 0;
	size_t n = 0;
	while (*s && *s != ' ' && *s != '\t' && *s != '\n') {
		char c = *s++;
		if (c == '\\' && s[0] >= '0' && s[0] <= '3' && s[1] >= '0' &&
		    s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
			c = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 +
				   (s[2] - '0'));
			s += 3;
			if (!c)
				return -EILSEQ;
		}
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		buf[n++] = c;
	}
	buf[n] = '\0';
	*p = s;
	return 1;
}

void cell_fstab_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\' ||
		    *s == '#')
			fprintf(f, "\\%03o", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

int cell_fstab_parse_line(const char *line, struct cell_fstab_ent *e,
			  struct cell_error *err)
{
	static const char *const what[] = { "fs_spec", "fs_file", "fs_vfstype",
					    "fs_mntops", "fs_freq",
					    "fs_passno" };
	char num[2][32];
	char *bufs[] = { e->spec, e->file, e->vfstype, e->mntops, num[0],
			 num[1] };
	size_t lens[] = { sizeof(e->spec), sizeof(e->file),
			  sizeof(e->vfstype), sizeof(e->mntops), 32, 32 };
	memset(e, 0, sizeof(*e));
	const char *p = line;
	int nf = 0;
	for (; nf < 6; nf++) {
		int r = fstab_field(&p, bufs[nf], lens[nf]);
		if (r == -EILSEQ)
			return cell_error_set(err, -EINVAL, "%s: \\000 (a NUL "
					      "byte) is not allowed", what[nf]);
		if (r < 0)
			return cell_error_set(err, r, "%s too long", what[nf]);
		if (r == 0)
			break;
	}
	if (nf == 0)
		return 0;
	if (nf < 4)
		return cell_error_set(err, -EINVAL, "expected %s after %s",
				      what[nf], what[nf - 1]);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p && *p != '\n' && *p != '#')
		return cell_error_set(err, -EINVAL, "more than 6 fields");
	for (int i = 4; i < nf; i++) {
		long v;
		if (cell_parse_int(num[i - 4], 0, 65535, &v) < 0)
			return cell_error_set(err, -EINVAL,
					      "%s: expected a number, got "
					      "'%s'", what[i], num[i - 4]);
		*(i == 4 ? &e->freq : &e->passno) = (int)v;
	}
	return 1;
}

/* The mount point: absolute, below root, no "." / ".." / "//" parts. */
static int check_mountpoint(const char *root, const char *file,
			    struct cell_error *err)
{
	if (file[0] != '/')
		return cell_error_set(err, -EINVAL,
				      "fs_file '%s' is not an absolute path",
				      file);
	for (const char *c = file; *c;) {
		while (*c == '/')
			c++;
		size_t n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && !strncmp(c, "..", 2)))
			return cell_error_set(err, -EINVAL,
					      "fs_file '%s' has a '%.*s' "
					      "component", file, (int)n, c);
		c += n;
	}
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl > 1 && (strncmp(file, root, rl) || (file[rl] && file[rl] != '/')))
		return cell_error_set(err, -EINVAL,
				      "fs_file '%s' is not below the jail's "
				      "path %s", file, root);
	return 0;
}

int cell_jail8_check_mounts(const struct cell_jail *j,
			    const struct cell_conf_jail *cj,
			    struct cell_error *err)
{
	int count = 0;
	struct cell_fstab_ent e;
	const struct cell_conf_param *mp =
		cj ? cell_conf_param_find(cj, "mount") : NULL;
	const struct cell_conf_param *fp =
		cj ? cell_conf_param_find(cj, "mount.fstab") : NULL;
	for (size_t i = 0; i < j->mount.n; i++) {
		struct cell_error le;
		cell_error_clear(&le);
		int r = cell_fstab_parse_line(j->mount.v[i], &e, &le);
		if (r == 0)
			r = cell_error_set(&le, -EINVAL, "empty mount line");
		if (r > 0)
			r = check_mountpoint(j->path, e.file, &le);
		if (r < 0) {
			if (mp && mp->pos.file)
				return cell_error_set(err, r, "%s:%u:%u: mount "
						      "line %zu: %s",
						      mp->pos.file, mp->pos.line,
						      mp->pos.col, i + 1,
						      le.msg);
			return cell_error_set(err, r, "mount line %zu: %s",
					      i + 1, le.msg);
		}
		count++;
	}
	for (size_t i = 0; i < j->mount_fstab.n; i++) {
		const char *f = j->mount_fstab.v[i];
		char *text = NULL;
		size_t len = 0;
		int r = cell_read_file(f, 1024 * 1024, &text, &len);
		if (r < 0 && fp && fp->pos.file)
			return conf_error(err, r, &fp->pos, "mount.fstab %s: "
					  "%s", f, strerror(-r));
		if (r < 0)
			return cell_error_errno(err, r, "mount.fstab %s", f);
		unsigned lineno = 0;
		for (char *line = text; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			lineno++;
			struct cell_error le;
			cell_error_clear(&le);
			r = cell_fstab_parse_line(line, &e, &le);
			if (r > 0)
				r = check_mountpoint(j->path, e.file, &le);
			if (r < 0) {
				free(text);
				return cell_error_set(err, r, "%s:%u: %s", f,
						      lineno, le.msg);
			}
			count += r;
			line = nl ? nl + 1 : NULL;
		}
		free(text);
	}
	return count;
}

/* --- depend order ------------------------------------------------------ */

struct order_ctx {
	char *const *names;
	const size_t *const *deps;
	const size_t *ndeps;
	int *mark;        /* 0 new, 1 on the path, 2 done */
	size_t *path;
	size_t depth;
	size_t *order;
	size_t nout;
};

static int visit(struct order_ctx *c, size_t i, struct cell_error *err)
{
	if (c->mark[i] == 2)
		return 0;
	if (c->mark[i] == 1) {
		char msg[CELL_ERR_MSG_MAX];
		size_t at = 0, len = 0;
		while (c->path[at] != i)
			at++;
		len += (size_t)snprintf(msg, sizeof(msg), "depend cycle:");
		for (size_t k = at; k < c->depth && len < sizeof(msg); k++)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						" %s ->", c->names[c->path[k]]);
		if (len < sizeof(msg))
			snprintf(msg + len, sizeof(msg) - len, " %s",
				 c->names[i]);
		return cell_error_set(err, -ELOOP, "%s", msg);
	}
	c->mark[i] = 1;
	c->path[c->depth++] = i;
	for (size_t k = 0; k < c->ndeps[i]; k++) {
		int r = visit(c, c->deps[i][k], err);
		if (r < 0)
			return r;
	}
	c->depth--;
	c->mark[i] = 2;
	c->order[c->nout++] = i;
	return 0;
}

int cell_jail8_order(char *const *names, size_t n, const size_t *const *deps,
		     const size_t *ndeps, size_t *order, struct cell_error *err)
{
	struct order_ctx c = { names, deps, ndeps, calloc(n + 1, sizeof(int)),
			       calloc(n + 1, sizeof(size_t)), 0, order, 0 };
	int r = 0;
	if (!c.mark || !c.path)
		r = cell_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n && r == 0; i++)
		r = visit(&c, i, err);
	free(c.mark);
	free(c.path);
	return r;
}

/* --- running commands -------------------------------------------------- */

struct job {
	char name[CELL_NAME_MAX];
	const struct cell_conf_jail *cj; /* NULL: from the command line */
	struct cell_conf_jail *owned;
	struct cell_jail j;
	bool named;                      /* asked for, not only a dependency */
	/* asked for only as one of all the configured jails (no name, "*",
	 * "foo.*"): FreeBSD's JF_WILD, under which a jail already running
	 * is skipped silently by -c, and one not running by -r and -C */
	bool wild;
	bool byname;                     /* asked for by its own name */
	bool dependant;                  /* stopped: it depends on one that is */
	size_t *deps;
	size_t ndeps;
	bool failed;
};

static void fail(const struct cell_jail8 *o, struct cell_error *err,
		 const char *jail)
{
	if (jail && err && !err->jail[0])
		cell_error_context(err, jail, NULL, NULL);
	if (o->error)
		o->error(o->arg, err);
}

static void event(const struct cell_jail8 *o, const char *what,
		  const struct cell_jail *j)
{
	if (o->event)
		o->event(o->arg, what, j);
}

static int open_log(const struct cell_jail *j, struct cell_error *err)
{
	if (!j->exec_consolelog[0])
		return -1;
	int fd = open(j->exec_consolelog,
		      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		      0644);
	if (fd < 0)
		return cell_error_errno(err, -errno, "exec.consolelog %s",
					j->exec_consolelog);
	return fd;
}

/* Wait for pid (our child) for at most timeout seconds (0: forever). */
static int wait_child(pid_t pid, int timeout, bool group, int *status)
{
	if (timeout > 0) {
		int pfd = pidfd_open(pid, 0);
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			int r;
			do
				r = poll(&p, 1, timeout * 1000);
			while (r < 0 && errno == EINTR);
			close(pfd);
			if (r == 0) {
				kill(group ? -pid : pid, SIGKILL);
				while (waitpid(pid, status, 0) < 0 &&
				       errno == EINTR)
					;
				return -ETIMEDOUT;
			}
		}
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int status_error(struct cell_error *err, const char *param,
			const char *cmd, int r, int st, int timeout)
{
	if (r == -ETIMEDOUT)
		return cell_error_set(err, -ETIMEDOUT,
				      "%s \"%s\": exec.timeout (%d s) expired",
				      param, cmd, timeout);
	if (r < 0)
		return cell_error_errno(err, r, "%s \"%s\"", param, cmd);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st))
		return cell_error_set(err, -ECANCELED,
				      "%s \"%s\": killed by signal %d", param,
				      cmd, WTERMSIG(st));
	return cell_error_set(err, -ECANCELED, "%s \"%s\" failed (exit %d)",
			      param, cmd, WEXITSTATUS(st));
}

/* One host-side command: /bin/sh -c cmd, on the host. */
static int run_host(const struct cell_jail *j, int jid, const char *param,
		    const char *cmd, struct cell_error *err)
{
	struct cell_user hu;
	const struct cell_user *pw = NULL;
	if (j->exec_system_user[0]) {
		/* a name, as FreeBSD's jail(8) takes it */
		int r = cell_host_user(j->exec_system_user,
				       CELL_HOST_USER_NAME |
					       CELL_HOST_USER_GROUPS, &hu);
		if (r < 0)
			return r == -ENOENT
				? cell_error_set(err, r, "exec.system_user %s: "
						 "no such user on the host",
						 j->exec_system_user)
				: cell_error_errno(err, r, "exec.system_user "
						   "%s", j->exec_system_user);
		pw = &hu;
	}
	int logfd = open_log(j, err);
	if (logfd < -1)
		return logfd;
	char jidbuf[16] = "";
	if (jid > 0)
		snprintf(jidbuf, sizeof(jidbuf), "%d", jid);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		if (logfd >= 0)
			close(logfd);
		return cell_error_errno(err, e, "fork");
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (logfd >= 0 && (dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0))
			_exit(126);
		if (j->exec_clean) {
			const char *term = getenv("TERM");
			char tbuf[256] = "";
			if (term)
				snprintf(tbuf, sizeof(tbuf), "%s", term);
			clearenv();
			setenv("PATH", "/bin:/usr/bin:/sbin:/usr/sbin", 1);
			setenv("HOME", pw ? pw->home : "/root", 1);
			setenv("SHELL", pw && pw->shell[0] ? pw->shell
							   : "/bin/sh", 1);
			setenv("USER", pw ? pw->name : "root", 1);
			if (tbuf[0])
				setenv("TERM", tbuf, 1);
		} else {
			setenv("JID", jidbuf, 1);
			setenv("JNAME", j->name, 1);
			setenv("JPATH", j->path, 1);
		}
		if (pw) {
			/* every group of the user through NSS where that is
			 * safe; in a static program the groups
			 * cell_host_user found (at most 64) */
			int g = cell_host_nss_ok()
				? initgroups(pw->name, pw->gid)
				: setgroups((size_t)pw->ngroups, pw->groups);
			if (g < 0 || setgid(pw->gid) < 0 || setuid(pw->uid) < 0)
				_exit(126);
			if (!j->exec_clean) {
				setenv("HOME", pw->home, 1);
				setenv("USER", pw->name, 1);
			}
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (logfd >= 0)
		close(logfd);
	int st = 0;
	int r = wait_child(pid, j->exec_timeout, true, &st);
	return status_error(err, param, cmd, r, st, j->exec_timeout);
}

static int host_list(const struct cell_jail *j, int jid, const char *param,
		     const struct cell_strv *l, struct cell_error *err)
{
	for (size_t i = 0; i < l->n; i++) {
		int r = run_host(j, jid, param, l->v[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* Does a single command= word need a shell (FreeBSD splits or uses sh)? */
static bool needs_shell(const struct cell_strv *cmd)
{
	return cmd->n == 1 &&
	       strpbrk(cmd->v[0], " \t\n!\"$&'()*;<>?[\\]`{|}~") != NULL;
}

/*
 * One command inside the jail of rec. *code gets its exit code. With
 * exec.timeout the wait happens in a child of ours that is killed on
 * expiry (the process that joined the jail dies with it).
 */
static int run_inside(const struct cell_record *rec,
		      const struct cell_jail *j, const char *param,
		      const char *what, char *const *argv, bool shell,
		      int *code, struct cell_error *err)
{
	*code = 0;
	int logfd = open_log(j, err);
	if (logfd < -1)
		return logfd;
	struct cell_exec x;
	cell_exec_init(&x);
	x.argv = argv;
	x.shell_command = shell;
	x.clean_env = j->exec_clean;
	x.user = j->exec_jail_user[0] ? j->exec_jail_user : NULL;
	x.user_from_host = j->exec_system_jail_user;
	x.stdio[1] = x.stdio[2] = logfd;
	int st = 0, r;
	if (j->exec_timeout > 0) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			r = cell_error_errno(err, -errno, "fork");
			goto out;
		}
		if (pid == 0) {
			int cst = 0;
			if (cell_exec(rec, &x, false, &cst, NULL, NULL) < 0)
				_exit(255);
			_exit(exit_code(cst));
		}
		r = wait_child(pid, j->exec_timeout, false, &st);
		if (r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 255) {
			*code = 1;
			r = cell_error_set(err, -ECHILD, "%s \"%s\": could "
					   "not run it in the jail", param,
					   what);
			goto out;
		}
	} else {
		r = cell_exec(rec, &x, false, &st, NULL, err);
		if (r < 0) {
			*code = 1;
			goto out;
		}
	}
	*code = r == 0 ? exit_code(st) : 1;
	r = status_error(err, param, what, r, st, j->exec_timeout);
out:
	if (logfd >= 0)
		close(logfd);
	return r;
}

/*
 * exec.start, exec.stop: as FreeBSD's run_command, a command with no
 * shell metacharacter is split on blanks and run directly (a jail's root
 * need not have /bin/sh), any other through /bin/sh -c.
 */
#define INSIDE_WORDS_MAX 64

static int inside_list(const struct cell_record *rec,
		       const struct cell_jail *j, const char *param,
		       const struct cell_strv *l, struct cell_error *err)
{
	for (size_t i = 0; i < l->n; i++) {
		int code, r;
		if (strpbrk(l->v[i], "!\"$&'()*;<>?[\\]`{|}~")) {
			char *argv[] = { l->v[i], NULL };
			r = run_inside(rec, j, param, l->v[i], argv, true, &code,
				       err);
		} else {
			_cleanup_free_ char *copy = strdup(l->v[i]);
			if (!copy)
				return cell_error_set(err, -ENOMEM,
						      "out of memory");
			char *argv[INSIDE_WORDS_MAX + 1];
			size_t n = 0;
			char *save = NULL;
			for (char *w = strtok_r(copy, " \t\n", &save); w;
			     w = strtok_r(NULL, " \t\n", &save)) {
				if (n == INSIDE_WORDS_MAX)
					return cell_error_set(
						err, -E2BIG,
						"%s: more than %d words", param,
						INSIDE_WORDS_MAX);
				argv[n++] = w;
			}
			argv[n] = NULL;
			if (!n)
				continue; /* only blanks: nothing to run */
			r = run_inside(rec, j, param, l->v[i], argv, false,
				       &code, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- start and stop ------------------------------------------------------ */


/* The undo commands of a failed start: errors reported, not fatal. */
static void undo_hooks(const struct cell_jail8 *o, const struct cell_jail *j,
		       int jid, bool poststop, bool release)
{
	struct cell_error e;
	cell_error_clear(&e);
	if (poststop && host_list(j, jid, "exec.poststop", &j->exec_poststop,
				  &e) < 0)
		fail(o, &e, j->name);
	cell_error_clear(&e);
	if (release && host_list(j, jid, "exec.release", &j->exec_release,
				 &e) < 0)
		fail(o, &e, j->name);
}

/* Start j. Returns 0 or an exit status (1, or a failed command='s). */
static int start(const struct cell_jail8 *o, struct cell_jail *j)
{
	struct cell_error err;
	cell_error_clear(&err);
	int jid = j->jid;
	if (host_list(j, jid, "exec.prepare", &j->exec_prepare, &err) < 0) {
		fail(o, &err, j->name);
		return 1;
	}
	if (host_list(j, jid, "exec.prestart", &j->exec_prestart, &err) < 0) {
		fail(o, &err, j->name);
		undo_hooks(o, j, jid, false, true);
		return 1;
	}
	/*
	 * The common "jail -c ... command=..." with nothing to run in the
	 * jail before the command: the jail's init forks the command itself
	 * once the jail is complete (no helper, setns or second cgroup
	 * attach). Anything that needs the attach path (a log file opened
	 * per command, a timeout, a host user, commands before it) takes
	 * it.
	 */
	bool fast = j->command.n && !j->exec_start.n && !j->exec_created.n &&
		    j->exec_timeout == 0 && !j->exec_consolelog[0] &&
		    !j->exec_system_jail_user;
	struct cell_exec fx;
	cell_exec_init(&fx);
	fx.argv = j->command.v;
	fx.shell_command = needs_shell(&j->command);
	fx.clean_env = j->exec_clean;
	fx.user = j->exec_jail_user[0] ? j->exec_jail_user : NULL;
	struct cell_init_proc fp = { .x = &fx, .start_fd = -1,
				     .keep_init = true };
	struct cell_handle h;
	if (cell_create_proc(j, fast ? &fp : NULL, &h, &err) < 0) {
		fail(o, &err, j->name);
		undo_hooks(o, j, jid, true, true);
		return 1;
	}
	jid = h.rec.jail.jid;
	/* jail -i prints the jid here, before the commands, as FreeBSD does */
	event(o, "created", &h.rec.jail);
	int rc = 0;
	if (host_list(&h.rec.jail, jid, "exec.created", &j->exec_created,
		      &err) < 0 ||
	    inside_list(&h.rec, &h.rec.jail, "exec.start", &j->exec_start,
			&err) < 0)
		rc = 1;
	if (rc == 0 && fast) {
		int st = 0;
		int r = cell_create_run(&h, &st, &err);
		if (r < 0)
			rc = 1; /* err says why (the child's own report) */
		else if (status_error(&err, "command", j->command.v[0], r, st,
				      0) < 0)
			rc = exit_code(st) ? exit_code(st) : 1;
	} else if (rc == 0 && j->command.n) {
		int code = 0;
		if (run_inside(&h.rec, &h.rec.jail, "command", j->command.v[0],
			       j->command.v,
			       needs_shell(&j->command), &code, &err) < 0)
			rc = code ? code : 1;
	}
	if (rc == 0 && host_list(&h.rec.jail, jid, "exec.poststart",
				 &j->exec_poststart, &err) < 0)
		rc = 1;
	if (rc) {
		fail(o, &err, j->name);
		/* this start's jail only: once it ended (a command that is
		 * not persistent), another may have taken its jid */
		pid_t init_pid = h.rec.init_pid;
		unsigned long long init_start = h.rec.init_start;
		cell_create_finish(&h);
		cell_error_clear(&err);
		if (cell_remove_instance(jid, init_pid, init_start, &err) < 0 &&
		    err.code != -ENOENT)
			fail(o, &err, j->name);
		undo_hooks(o, j, jid, true, true);
		return rc;
	}
	cell_create_finish(&h);
	return 0;
}

/* Stop the running jail rec with j's hooks (j: the configuration). */
static int stop(const struct cell_jail8 *o, const struct cell_jail *j,
		struct cell_record *rec)
{
	struct cell_error err;
	cell_error_clear(&err);
	int jid = rec->jail.jid;
	/* hooks see the jail as it runs: its jid and path */
	struct cell_jail hj;
	if (cell_jail_copy(&hj, j, &err) < 0) {
		fail(o, &err, j->name);
		return 1;
	}
	memcpy(hj.path, rec->jail.path, sizeof(hj.path));
	int rc = 0;
	if (host_list(&hj, jid, "exec.prestop", &j->exec_prestop, &err) < 0 ||
	    inside_list(rec, &hj, "exec.stop", &j->exec_stop, &err) < 0) {
		rc = 1;
		goto out;
	}
	char key[16];
	snprintf(key, sizeof(key), "%d", jid);
	if (cell_remove(key, &err) < 0) {
		rc = 1;
		goto out;
	}
	event(o, "removed", &rec->jail);
	if (host_list(&hj, jid, "exec.poststop", &j->exec_poststop, &err) <
		    0 ||
	    host_list(&hj, jid, "exec.release", &j->exec_release, &err) < 0)
		rc = 1;
out:
	if (rc)
		fail(o, &err, j->name);
	cell_jail_free(&hj);
	return rc;
}

static int cleanup(const struct cell_jail8 *o, const struct cell_jail *j)
{
	struct cell_error err;
	cell_error_clear(&err);
	if (host_list(j, j->jid, "exec.poststop", &j->exec_poststop, &err) <
		    0 ||
	    host_list(j, j->jid, "exec.release", &j->exec_release, &err) < 0) {
		fail(o, &err, j->name);
		return 1;
	}
	event(o, "cleaned", j);
	return 0;
}

/*
 * The parameters of want that differ from the running jail's, without
 * jail(8)'s own (exec.*, mount*, depend ...), which are not the jail's.
 */
static int changes_of(const struct cell_jail *want,
		      const struct cell_record *rec, struct cell_jail *ch,
		      struct cell_error *err)
{
	cell_jail_init(ch);
	int r = cell_param_set(ch, "name", rec->jail.name, false, err);
	char a[CELL_VALUE_MAX * 2], b[CELL_VALUE_MAX * 2];
	for (size_t i = 0; i < cell_params_count && r == 0; i++) {
		const struct cell_param *p = &cell_params[i];
		if (!cell_param_is_set(want, p) || (p->flags & CELL_PF_JAIL8) ||
		    (p->flags & CELL_PF_RDONLY) || p->type == CELL_PT_KV ||
		    !strcmp(p->name, "name") || !strcmp(p->name, "jid"))
			continue;
		if (cell_param_format(want, p, a, sizeof(a)) < 0 ||
		    cell_param_format(&rec->jail, p, b, sizeof(b)) < 0)
			r = cell_error_set(err, -E2BIG, "%s: too long",
					   p->name);
		else if (strcmp(a, b))
			r = cell_param_copy(ch, want, p, err);
	}
	for (size_t i = 0; i < want->kv_unset.n && r == 0; i++)
		r = cell_param_set(ch, want->kv_unset.v[i], NULL, false, err);
	for (size_t i = 0; i < want->meta_n && r == 0; i++) {
		char n[300];
		snprintf(n, sizeof(n), "meta.%s", want->meta[i].key);
		r = cell_param_set(ch, n, want->meta[i].value, false, err);
	}
	for (size_t i = 0; i < want->env_n && r == 0; i++) {
		char n[300];
		snprintf(n, sizeof(n), "env.%s", want->env[i].key);
		r = cell_param_set(ch, n, want->env[i].value, false, err);
	}
	if (r < 0)
		cell_jail_free(ch);
	return r;
}

/* The running jail with the given parameters over it (-mr restart of a
 * jail given on the command line). */
static int merged(const struct cell_jail *want, const struct cell_record *rec,
		  struct cell_jail *out, struct cell_error *err)
{
	int r = cell_jail_copy(out, &rec->jail, err);
	for (size_t i = 0; i < cell_params_count && r == 0; i++) {
		const struct cell_param *p = &cell_params[i];
		if (!cell_param_is_set(want, p) || p->type == CELL_PT_KV ||
		    (p->flags & CELL_PF_RDONLY) || !strcmp(p->name, "jid"))
			continue;
		r = cell_param_copy(out, want, p, err);
	}
	return r;
}

static bool find_running(const char *name, struct cell_record *rec)
{
	if (cell_state_find(name, rec, NULL) < 0)
		return false;
	if (!cell_running(rec)) {
		cell_record_free(rec);
		return false;
	}
	return true;
}

/* -m, and -mr (restart when a parameter cannot change live) */
static int modify(const struct cell_jail8 *o, struct job *jb,
		  struct cell_record *rec)
{
	struct cell_error err;
	cell_error_clear(&err);
	struct cell_jail ch;
	if (changes_of(&jb->j, rec, &ch, &err) < 0) {
		fail(o, &err, jb->name);
		return 1;
	}
	int r = cell_modify(rec->jail.name, &ch, &err);
	cell_jail_free(&ch);
	if (r == 0) {
		event(o, "updated", &jb->j);
		return 0;
	}
	if (r != -EPERM || !(o->op & CELL_J8_REMOVE)) {
		fail(o, &err, jb->name);
		return 1;
	}
	struct cell_jail nj;
	cell_error_clear(&err);
	if (jb->cj ? cell_jail_copy(&nj, &jb->j, &err)
		   : merged(&jb->j, rec, &nj, &err)) {
		fail(o, &err, jb->name);
		return 1;
	}
	int rc = stop(o, &jb->j, rec);
	if (rc == 0)
		rc = start(o, &nj);
	cell_jail_free(&nj);
	return rc;
}

/* --- jobs ----------------------------------------------------------------- */

static void jobs_free(struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cell_jail_free(&jobs[i].j);
		cell_conf_jail_free(jobs[i].owned);
		free(jobs[i].deps);
	}
	free(jobs);
}

static ssize_t job_index(const struct job *jobs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(jobs[i].name, name))
			return (ssize_t)i;
	return -1;
}

/*
 * Add the jail name to jobs; its index. It is resolved through conf
 * (its own blocks and the wildcard blocks that match it) unless bare:
 * a running jail that the configuration does not have is removed as
 * FreeBSD's running_jail()/add_jail() makes it, with no parameters and
 * so no hooks; the "*" block's exec.prestop, exec.stop (run inside that
 * jail) and exec.poststop are not its own.
 */
static ssize_t job_add_as(const struct cell_conf *conf, struct job **jobs,
			  size_t *n, const char *name, bool named, bool bare,
			  struct cell_error *err)
{
	ssize_t at = job_index(*jobs, *n, name);
	if (at >= 0) {
		(*jobs)[at].named |= named;
		return at;
	}
	if (*n >= CELL_CONF_JAILS_MAX)
		return cell_error_set(err, -E2BIG, "too many jails");
	struct job *nj = realloc(*jobs, (*n + 1) * sizeof(**jobs));
	if (!nj)
		return cell_error_set(err, -ENOMEM, "out of memory");
	*jobs = nj;
	struct job *jb = &nj[*n];
	memset(jb, 0, sizeof(*jb));
	cell_jail_init(&jb->j);
	snprintf(jb->name, sizeof(jb->name), "%s", name);
	jb->named = named;
	(*n)++;
	jb->cj = cell_conf_find(conf, name);
	if (!jb->cj && bare) {
		int r = cell_param_set(&jb->j, "name", name, false, err);
		return r < 0 ? r : (ssize_t)(*n - 1);
	}
	if (!jb->cj) {
		int r = cell_conf_resolve(conf, name, &jb->owned, err);
		if (r < 0)
			return r;
		jb->cj = jb->owned;
	}
	int r = cell_conf_apply(jb->cj, &jb->j, err);
	if (r < 0)
		return r;
	return (ssize_t)(*n - 1);
}

static ssize_t job_add(const struct cell_conf *conf, struct job **jobs,
		       size_t *n, const char *name, bool named,
		       struct cell_error *err)
{
	return job_add_as(conf, jobs, n, name, named, false, err);
}

/* FreeBSD's wild_jail_match(): "*" alone matches every jail, a final
 * "*" one or more name components, any other "*" exactly one. */
static bool glob_name(const char *pat, const char *name)
{
	return !strcmp(pat, "*") || conf_wild_match(pat, name);
}

/* Names of running jails matching pat ("*", "foo.*", "*.bar"). */
static int running_matching(const struct cell_conf *conf, const char *pat,
			    struct job **jobs, size_t *n,
			    struct cell_error *err)
{
	int *jids = NULL;
	size_t nj = 0;
	int r = cell_state_list(&jids, &nj, err);
	for (size_t i = 0; i < nj && r >= 0; i++) {
		struct cell_record rec;
		if (cell_state_load(jids[i], &rec, NULL) < 0)
			continue;
		if (cell_running(&rec) && glob_name(pat, rec.jail.name)) {
			ssize_t k = job_add_as(conf, jobs, n, rec.jail.name,
					       true, true, err);
			if (k < 0)
				r = (int)k;
		}
		cell_record_free(&rec);
	}
	free(jids);
	return r < 0 ? r : 0;
}

/*
 * The configured jails matching pat ("*": all of them; "foo.*"), as
 * FreeBSD's start_state() takes a config-wide target: each is marked
 * wild (see struct job) unless it is also named on its own.
 */
static int configured_matching(const struct cell_conf *conf, const char *pat,
			       struct job **jobs, size_t *n,
			       struct cell_error *err)
{
	for (size_t i = 0; i < conf->njails; i++) {
		if (!conf_wild_match(pat, conf->jails[i].name))
			continue;
		ssize_t k = job_add(conf, jobs, n, conf->jails[i].name, true,
				    err);
		if (k < 0)
			return (int)k;
		if (!(*jobs)[k].byname)
			(*jobs)[k].wild = true;
	}
	return 0;
}

static int run_jobs(const struct cell_jail8 *o, struct job *jobs, size_t n,
		    const size_t *order)
{
	int rc = 0;
	unsigned op = o->op;
	if (op & CELL_J8_CLEANUP) {
		for (size_t i = n; i-- > 0;) {
			struct job *jb = &jobs[order[i]];
			struct cell_record rec;
			if (!jb->named)
				continue;
			if (find_running(jb->name, &rec)) {
				cell_record_free(&rec);
				if (jb->wild)
					continue;
				struct cell_error e;
				cell_error_set(&e, -EBUSY, "jail is still "
					       "running (use -r)");
				cell_error_context(&e, jb->name, NULL, NULL);
				fail(o, &e, jb->name);
				rc = 1;
				continue;
			}
			rc |= cleanup(o, &jb->j);
		}
		return rc;
	}
	if ((op & CELL_J8_MODIFY) && !(op & CELL_J8_CREATE)) {
		/* -m, -mr: each jail on its own */
		for (size_t i = 0; i < n; i++) {
			struct job *jb = &jobs[order[i]];
			struct cell_record rec;
			if (!jb->named)
				continue;
			if (!find_running(jb->name, &rec)) {
				struct cell_error e;
				cell_error_clear(&e);
				cell_error_set(&e, -ENOENT, "jail \"%s\" not "
					       "found", jb->name);
				fail(o, &e, jb->name);
				rc = 1;
				continue;
			}
			rc |= modify(o, jb, &rec);
			cell_record_free(&rec);
		}
		return rc;
	}
	if ((op & CELL_J8_REMOVE) && !(op & CELL_J8_MODIFY)) {
		/* -r, -rc: dependants first, in reverse order */
		for (size_t i = n; i-- > 0;) {
			struct job *jb = &jobs[order[i]];
			struct cell_record rec;
			/* its dependencies stay */
			if (!jb->named && !jb->dependant)
				continue;
			if (!find_running(jb->name, &rec)) {
				if (!jb->named || jb->wild ||
				    (op & CELL_J8_CREATE))
					continue;
				struct cell_error e;
				cell_error_clear(&e);
				cell_error_set(&e, -ENOENT, "jail \"%s\" not "
					       "found", jb->name);
				fail(o, &e, jb->name);
				jb->failed = true;
				rc = 1;
				continue;
			}
			/* a dependant that failed to stop keeps this one */
			bool held = false;
			for (size_t k = 0; k < n; k++)
				for (size_t d = 0; d < jobs[k].ndeps; d++)
					if (jobs[k].failed &&
					    &jobs[jobs[k].deps[d]] == jb)
						held = true;
			if (held) {
				struct cell_error e;
				cell_error_clear(&e);
				cell_error_set(&e, -EBUSY, "a jail that depends "
					       "on it was not stopped");
				fail(o, &e, jb->name);
				jb->failed = true;
				rc = 1;
				cell_record_free(&rec);
				continue;
			}
			int r = stop(o, &jb->j, &rec);
			cell_record_free(&rec);
			if (r) {
				jb->failed = true;
				rc = 1;
			}
		}
		if (!(op & CELL_J8_CREATE))
			return rc;
	}
	/* -c, -cm, -cmr, -rc: dependencies first */
	for (size_t i = 0; i < n; i++) {
		struct job *jb = &jobs[order[i]];
		if (jb->failed)
			continue;
		bool depfail = false;
		for (size_t d = 0; d < jb->ndeps; d++)
			if (jobs[jb->deps[d]].failed)
				depfail = true;
		struct cell_record rec;
		if (depfail) {
			struct cell_error e;
			cell_error_clear(&e);
			cell_error_set(&e, -ECANCELED,
				       "not started: a jail it depends on "
				       "failed");
			fail(o, &e, jb->name);
			jb->failed = true;
			rc = 1;
			continue;
		}
		/* a jail named on the command line for -c alone, without
		 * the host hooks a start runs before create or after a failed
		 * one (exec.prepare, exec.prestart, exec.poststop,
		 * exec.release): create refuses a name in use itself (under
		 * the lock) and nothing else runs, so no look at every record
		 * here first. With those hooks the refusal must come before
		 * any of them, as in FreeBSD's jail(8). */
		bool look = (op & CELL_J8_MODIFY) || !jb->named || jb->wild ||
			    jb->j.exec_prepare.n || jb->j.exec_prestart.n ||
			    jb->j.exec_poststop.n || jb->j.exec_release.n;
		if (look && find_running(jb->name, &rec)) {
			int r = 0;
			if (op & CELL_J8_MODIFY) {
				r = modify(o, jb, &rec);
			} else if (jb->named && !jb->wild) {
				struct cell_error e;
				cell_error_clear(&e);
				cell_error_set(&e, -EEXIST, "a jail named %s "
					       "already exists", jb->name);
				fail(o, &e, jb->name);
				r = 1;
			}
			cell_record_free(&rec);
			if (r) {
				jb->failed = true;
				rc = 1;
			}
			continue;
		}
		/* start from a copy: -rc keeps the configuration */
		struct cell_jail sj;
		struct cell_error e;
		cell_error_clear(&e);
		if (cell_jail_copy(&sj, &jb->j, &e) < 0) {
			fail(o, &e, jb->name);
			jb->failed = true;
			rc = 1;
			continue;
		}
		int r = start(o, &sj);
		cell_jail_free(&sj);
		if (r) {
			jb->failed = true;
			rc = rc ? rc : r;
		}
	}
	return rc;
}

/*
 * The parent of a.b is a, when a is a configured jail: FreeBSD's "implied
 * dependency on its parent" (a light edge: a parent already running when
 * its child starts, or a child already gone when its parent stops, holds
 * nothing up, as with depend). The parent starts first and stops last,
 * the child with its own hooks rather than killed with its parent.
 */
static bool conf_parent(const struct cell_conf *conf, const char *name,
			char *buf, size_t len)
{
	const char *dot = strrchr(name, '.');
	if (!dot || (size_t)(dot - name) >= len)
		return false;
	memcpy(buf, name, (size_t)(dot - name));
	buf[dot - name] = '\0';
	return cell_conf_find(conf, buf) != NULL;
}

/* Everything is read and checked before anything runs. */
static int prepare(const struct cell_jail8 *o, const struct cell_conf *conf,
		   struct job **jobsp, size_t *np, size_t **orderp,
		   struct cell_error *err)
{
	struct job *jobs = *jobsp;
	size_t n = *np;
	int r = 0;
	bool creating = o->op & CELL_J8_CREATE;
	/* dependencies (to start) and dependants (to stop) join the set */
	for (size_t i = 0; i < n && r == 0; i++) {
		for (size_t d = 0; d < jobs[i].j.depend.n && r == 0; d++) {
			const char *dn = jobs[i].j.depend.v[d];
			if (!cell_conf_find(conf, dn)) {
				/* at the depend statement that named it */
				const struct cell_conf_param *dp =
					jobs[i].cj ? cell_conf_param_find(
							     jobs[i].cj, "depend")
						   : NULL;
				r = conf_error(err, -ENOENT,
					       dp ? &dp->pos : NULL,
					       "depend: \"%s\" is not a "
					       "configured jail", dn);
				cell_error_context(err, jobs[i].name, NULL,
						   NULL);
				break;
			}
			ssize_t k = job_add(conf, &jobs, &n, dn, false, err);
			*jobsp = jobs;
			*np = n;
			if (k < 0)
				r = (int)k;
		}
		char pn[CELL_NAME_MAX];
		if (r == 0 && conf_parent(conf, jobs[i].name, pn, sizeof(pn))) {
			ssize_t k = job_add(conf, &jobs, &n, pn, false, err);
			*jobsp = jobs;
			*np = n;
			if (k < 0)
				r = (int)k;
		}
	}
	if (r == 0 && (o->op & CELL_J8_REMOVE) && !(o->op & CELL_J8_MODIFY)) {
		/* running jails that depend on one being stopped */
		bool more = true;
		while (more && r == 0) {
			more = false;
			for (size_t c = 0; c < conf->njails && r == 0; c++) {
				const struct cell_conf_jail *cj =
					&conf->jails[c];
				ssize_t at = job_index(jobs, n, cj->name);
				if (at >= 0 && (jobs[at].named ||
						jobs[at].dependant))
					continue;
				const struct cell_conf_param *dp =
					cell_conf_param_find(cj, "depend");
				bool hit = false;
				for (size_t v = 0; dp && v < dp->nvalues; v++) {
					ssize_t k = job_index(jobs, n,
							      dp->values[v]);
					if (k >= 0 && (jobs[k].named ||
						       jobs[k].dependant))
						hit = true;
				}
				/* a child of one being stopped */
				char pn[CELL_NAME_MAX];
				if (conf_parent(conf, cj->name, pn,
						sizeof(pn))) {
					ssize_t k = job_index(jobs, n, pn);
					if (k >= 0 && (jobs[k].named ||
						       jobs[k].dependant))
						hit = true;
				}
				struct cell_record rec;
				if (!hit || !find_running(cj->name, &rec))
					continue;
				cell_record_free(&rec);
				if (at < 0)
					at = job_add(conf, &jobs, &n, cj->name,
						     false, err);
				*jobsp = jobs;
				*np = n;
				if (at < 0) {
					r = (int)at;
					break;
				}
				jobs[at].dependant = true;
				more = true;
			}
		}
		/* their own dependencies (and parents), to order them */
		for (size_t i = 0; i < n && r == 0; i++) {
			for (size_t d = 0; d < jobs[i].j.depend.n && r == 0; d++)
				if (cell_conf_find(conf, jobs[i].j.depend.v[d])) {
					ssize_t k = job_add(conf, &jobs, &n,
							    jobs[i].j.depend.v[d],
							    false, err);
					*jobsp = jobs;
					*np = n;
					if (k < 0)
						r = (int)k;
				}
			char pn[CELL_NAME_MAX];
			if (r == 0 &&
			    conf_parent(conf, jobs[i].name, pn, sizeof(pn))) {
				ssize_t k = job_add(conf, &jobs, &n, pn, false,
						    err);
				*jobsp = jobs;
				*np = n;
				if (k < 0)
					r = (int)k;
			}
		}
	}
	if (r < 0)
		return r;
	char **names = calloc(n + 1, sizeof(char *));
	const size_t **deps = calloc(n + 1, sizeof(size_t *));
	size_t *ndeps = calloc(n + 1, sizeof(size_t));
	size_t *order = calloc(n + 1, sizeof(size_t));
	if (!names || !deps || !ndeps || !order)
		r = cell_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n && r == 0; i++) {
		names[i] = jobs[i].name;
		jobs[i].deps = calloc(jobs[i].j.depend.n + 2, sizeof(size_t));
		if (!jobs[i].deps) {
			r = cell_error_set(err, -ENOMEM, "out of memory");
			break;
		}
		for (size_t d = 0; d < jobs[i].j.depend.n; d++) {
			ssize_t k = job_index(jobs, n, jobs[i].j.depend.v[d]);
			if (k >= 0)
				jobs[i].deps[jobs[i].ndeps++] = (size_t)k;
		}
		/* the parent's edge whenever the parent is in the set, also
		 * a running jail no configuration has (jail -r a.b a: a.b
		 * goes first, with its hooks, as FreeBSD orders it) */
		const char *dot = strrchr(jobs[i].name, '.');
		char pn[CELL_NAME_MAX];
		if (dot && (size_t)(dot - jobs[i].name) < sizeof(pn)) {
			memcpy(pn, jobs[i].name, (size_t)(dot - jobs[i].name));
			pn[dot - jobs[i].name] = '\0';
			ssize_t k = job_index(jobs, n, pn);
			if (k >= 0)
				jobs[i].deps[jobs[i].ndeps++] = (size_t)k;
		}
		deps[i] = jobs[i].deps;
		ndeps[i] = jobs[i].ndeps;
	}
	if (r == 0)
		r = cell_jail8_order(names, n, deps, ndeps, order, err);
	/* what will be created must be complete */
	for (size_t i = 0; i < n && r == 0 && creating; i++) {
		struct job *jb = &jobs[order[i]];
		r = cell_jail_validate(&jb->j, err);
		/* at the jail's block: the statement is what is missing */
		if (r == 0 && !jb->j.path[0])
			r = conf_error(err, -EINVAL,
				       jb->cj ? &jb->cj->pos : NULL,
				       "path= is required");
		if (r == 0) {
			int m = cell_jail8_check_mounts(&jb->j, jb->cj, err);
			r = m < 0 ? m : 0;
		}
		if (r < 0 && !err->jail[0])
			cell_error_context(err, jb->name, NULL, NULL);
	}
	free(names);
	free(deps);
	free(ndeps);
	if (r < 0)
		free(order);
	else
		*orderp = order;
	return r;
}

int cell_jail8_run_conf(const struct cell_jail8 *o, const struct cell_conf *conf,
			char *const *names, size_t n)
{
	struct cell_error err;
	cell_error_clear(&err);
	struct job *jobs = NULL;
	size_t njobs = 0;
	size_t *order = NULL;
	int r = 0;
	int rc_remove = 0;   /* unnamed jails removed by jid, one failed */
	bool remove_only = (o->op & (CELL_J8_REMOVE | CELL_J8_CREATE |
				     CELL_J8_MODIFY)) == CELL_J8_REMOVE;
	/* FreeBSD: "jail -r" with no jail is a usage error (-rc is not) */
	if (n == 0 && remove_only)
		r = cell_error_set(&err, -EINVAL, "jail -r needs a jail name "
				   "(or '*')");
	else if (n == 0 && conf->njails == 0)
		r = cell_error_set(&err, -ENOENT, "no jail is configured");
	/* every configured jail: no name, as "*" */
	if (n == 0 && r == 0)
		r = configured_matching(conf, "*", &jobs, &njobs, &err);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (remove_only && strchr(names[i], '*')) {
			r = running_matching(conf, names[i], &jobs, &njobs,
					     &err);
			continue;
		}
		if (strchr(names[i], '*')) {
			r = configured_matching(conf, names[i], &jobs, &njobs,
						&err);
			continue;
		}
		const char *name = names[i];
		struct cell_record rec;
		bool byjid = !cell_conf_find(conf, name) &&
			     strspn(name, "0123456789") == strlen(name) &&
			     cell_state_find(name, &rec, NULL) == 0;
		char jn[CELL_NAME_MAX];
		if (byjid && !rec.jail.name[0]) {
			/* a jail made without a name (FreeBSD names it by its
			 * jid) is in no configuration and has no hooks there:
			 * "jail -r JID" removes it as it is */
			cell_record_free(&rec);
			if ((o->op & (CELL_J8_REMOVE | CELL_J8_CREATE |
				      CELL_J8_MODIFY)) == CELL_J8_REMOVE) {
				struct cell_error re;
				cell_error_clear(&re);
				if (cell_remove(name, &re) < 0) {
					fail(o, &re, name);
					rc_remove = 1;
				}
				continue;
			}
			r = cell_error_set(&err, -EINVAL, "jail %s has no name: "
					   "only jail -r JID acts on it", name);
			break;
		}
		if (byjid) {
			/* a jid names the running jail */
			snprintf(jn, sizeof(jn), "%s", rec.jail.name);
			cell_record_free(&rec);
			name = jn;
		} else if (!cell_conf_find(conf, name) &&
			   strspn(name, "0123456789") == strlen(name)) {
			/* a jid no jail has (a name is never all digits) */
			r = cell_error_set(&err, -ENOENT,
					   "jail \"%s\" not found", name);
			break;
		}
		/* -r of a jail not in the file: the running one, bare */
		ssize_t k = job_add_as(conf, &jobs, &njobs, name, true,
				       remove_only, &err);
		if (k >= 0) {
			jobs[k].byname = true;
			jobs[k].wild = false;
		}
		if (k < 0)
			r = (int)k;
		/* a running jail may be removed without being configured;
		 * one to create or modify must be in the file */
		else if ((o->op & (CELL_J8_CREATE | CELL_J8_MODIFY)) &&
			 !cell_conf_find(conf, name) &&
			 jobs[k].cj->nparams <= 1)
			r = cell_error_set(&err, -ENOENT, "jail \"%s\" is not "
					   "in the configuration", name);
	}
	if (r == 0)
		r = prepare(o, conf, &jobs, &njobs, &order, &err);
	if (r < 0) {
		fail(o, &err, NULL);
		jobs_free(jobs, njobs);
		return 1;
	}
	int rc = run_jobs(o, jobs, njobs, order);
	free(order);
	jobs_free(jobs, njobs);
	return rc ? rc : rc_remove;
}

int cell_jail8_run_jail(const struct cell_jail8 *o, const struct cell_jail *j)
{
	struct cell_error err;
	cell_error_clear(&err);
	struct job jb;
	memset(&jb, 0, sizeof(jb));
	jb.named = true;
	snprintf(jb.name, sizeof(jb.name), "%s", j->name);
	if (!jb.name[0] && j->jid && o->op != CELL_J8_CREATE)
		snprintf(jb.name, sizeof(jb.name), "%d", j->jid); /* jid=N */
	int r = cell_jail_copy(&jb.j, j, &err);
	/* FreeBSD's dep_setup() without a configuration: every jail named
	 * in depend must run, or this one fails ("depends on nonexistent
	 * jail"); there is no file to start it from */
	for (size_t d = 0; r == 0 && d < j->depend.n &&
			   (o->op & (CELL_J8_CREATE | CELL_J8_MODIFY));
	     d++) {
		struct cell_record rec;
		if (find_running(j->depend.v[d], &rec))
			cell_record_free(&rec);
		else
			r = cell_error_set(&err, -ENOENT, "depends on "
					   "nonexistent jail \"%s\"",
					   j->depend.v[d]);
	}
	if (r == 0 && (o->op & CELL_J8_CREATE)) {
		int m = cell_jail8_check_mounts(j, NULL, &err);
		r = m < 0 ? m : 0;
	}
	if (r < 0) {
		fail(o, &err, j->name);
		cell_jail_free(&jb.j);
		return 1;
	}
	size_t order = 0;
	int rc = run_jobs(o, &jb, 1, &order);
	cell_jail_free(&jb.j);
	return rc;
}
