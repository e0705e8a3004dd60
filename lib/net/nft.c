/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libnftables, run in a chosen network namespace: a short-lived thread
 * enters the netns, makes a context (so its netlink socket lives there),
 * runs one command buffer or file as one transaction, and returns the
 * buffered output or the first line of the error.
 *
 * libnftables (and libnftnl, libxtables, libgmp behind it) is loaded
 * with dlopen the first time a jail needs it: most commands (jexec, jls,
 * a jail without NAT or a firewall) never do, and every program linked
 * against it pays for its relocations at each start.
 */
#include "net/net.h"
#include "net/internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nft_job {
	const char *cmd;
	bool is_file;
	bool dry_run;
	char *out;
	char *errtext;
};

/* nftables' complaint in one line: its first line, plus the offending
 * input line that follows it (the caret line after that is dropped). */
static char *first_line(const char *s)
{
	if (!s)
		return NULL;
	while (*s == '\n')
		s++;
	size_t l = strcspn(s, "\n");
	if (l > 300)
		l = 300;
	const char *src = s[l] == '\n' ? s + l + 1 : NULL;
	size_t sl = 0;
	if (src) {
		src += strspn(src, " \t");
		sl = strcspn(src, "\n");
		if (sl > 160)
			sl = 160;
		if (!sl || src[0] == '^')
			src = NULL;
	}
	char *out = NULL;
	if (src) {
		if (asprintf(&out, "%.*s (in: %.*s)", (int)l, s, (int)sl,
			     src) < 0)
			out = NULL;
		return out;
	}
	return strndup(s, l);
}

static struct {
	struct nft_ctx *(*ctx_new)(uint32_t);
	void (*ctx_free)(struct nft_ctx *);
	int (*buffer_output)(struct nft_ctx *);
	int (*buffer_error)(struct nft_ctx *);
	void (*set_dry_run)(struct nft_ctx *, bool);
	int (*run_file)(struct nft_ctx *, const char *);
	int (*run_buffer)(struct nft_ctx *, const char *);
	const char *(*get_error)(struct nft_ctx *);
	const char *(*get_output)(struct nft_ctx *);
	bool ok;
} nft;

static pthread_once_t nft_once = PTHREAD_ONCE_INIT;

static void nft_load(void)
{
	void *h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return;
#define SYM(field, name) \
	if (!(*(void **)&nft.field = dlsym(h, name))) \
		return;
	SYM(ctx_new, "nft_ctx_new");
	SYM(ctx_free, "nft_ctx_free");
	SYM(buffer_output, "nft_ctx_buffer_output");
	SYM(buffer_error, "nft_ctx_buffer_error");
	SYM(set_dry_run, "nft_ctx_set_dry_run");
	SYM(run_file, "nft_run_cmd_from_filename");
	SYM(run_buffer, "nft_run_cmd_from_buffer");
	SYM(get_error, "nft_ctx_get_error_buffer");
	SYM(get_output, "nft_ctx_get_output_buffer");
#undef SYM
	nft.ok = true;
}

static int nft_thread(void *p)
{
	struct nft_job *j = p;
	struct nft_ctx *ctx = nft.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	if (nft.buffer_output(ctx) || nft.buffer_error(ctx)) {
		nft.ctx_free(ctx);
		return -ENOMEM;
	}
	nft.set_dry_run(ctx, j->dry_run);
	int rc = j->is_file ? nft.run_file(ctx, j->cmd)
			    : nft.run_buffer(ctx, j->cmd);
	int r = 0;
	if (rc != 0) {
		j->errtext = first_line(nft.get_error(ctx));
		r = -EINVAL;
		if (j->errtext && strstr(j->errtext, "No such file"))
			r = -ENOENT;
		else if (j->errtext && strstr(j->errtext,
					      "Operation not permitted"))
			r = -EPERM;
	} else {
		const char *o = nft.get_output(ctx);
		j->out = strdup(o ? o : "");
		if (!j->out)
			r = -ENOMEM;
	}
	nft.ctx_free(ctx);
	return r;
}

int cell_nft_run(int netns_fd, const char *cmd, bool is_file, bool dry_run,
		 char **out, char **errtext)
{
	/* loaded here, in our namespace, before a thread enters another */
	pthread_once(&nft_once, nft_load);
	if (!nft.ok) {
		if (errtext)
			*errtext = strdup("libnftables.so.1 could not be "
					  "loaded");
		if (out)
			*out = NULL;
		return -ENOSYS;
	}
	struct nft_job j = { cmd, is_file, dry_run, NULL, NULL };
	int r = cell_netns_run(netns_fd, nft_thread, &j);
	if (out)
		*out = j.out;
	else
		free(j.out);
	if (errtext)
		*errtext = j.errtext;
	else
		free(j.errtext);
	return r;
}
