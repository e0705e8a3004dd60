/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libnftables, run in a chosen network namespace: a short-lived thread
 * enters the netns, makes a context (so its netlink socket lives there),
 * runs one command buffer or file as one transaction, and returns the
 * buffered output or the first line of the error.
 */
#include "net/net.h"
#include "net/internal.h"

#include <errno.h>
#include <nftables/libnftables.h>
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

static int nft_thread(void *p)
{
	struct nft_job *j = p;
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		nft_ctx_free(ctx);
		return -ENOMEM;
	}
	nft_ctx_set_dry_run(ctx, j->dry_run);
	int rc = j->is_file ? nft_run_cmd_from_filename(ctx, j->cmd)
			    : nft_run_cmd_from_buffer(ctx, j->cmd);
	int r = 0;
	if (rc != 0) {
		j->errtext = first_line(nft_ctx_get_error_buffer(ctx));
		r = -EINVAL;
		if (j->errtext && strstr(j->errtext, "No such file"))
			r = -ENOENT;
		else if (j->errtext && strstr(j->errtext,
					      "Operation not permitted"))
			r = -EPERM;
	} else {
		const char *o = nft_ctx_get_output_buffer(ctx);
		j->out = strdup(o ? o : "");
		if (!j->out)
			r = -ENOMEM;
	}
	nft_ctx_free(ctx);
	return r;
}

int cell_nft_run(int netns_fd, const char *cmd, bool is_file, bool dry_run,
		 char **out, char **errtext)
{
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
