/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the small formats cell reads back from files and
 * parameters, each parsed, printed and parsed again:
 *   - a jail's state record (lib/state.c: its first line of runtime facts,
 *     then the parameters), whole input; what parses formats to a text
 *     that parses to the same text again;
 *   - and, line by line, an fstab(5) entry (mount.fstab, lib/conf/jail8.c),
 *     a vnet.rdr rule (lib/net/nat.c) and a device rule (OCI
 *     linux.resources.devices and devfs rulesets, lib/cgroup/devices.c):
 *     what parses prints (fstab lines through cell_fstab_escape, the
 *     writer's own) and parses back to the same fields.
 * Any difference aborts, with both forms on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "conf/jail8.h"
#include "net/net.h"
#include "param.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same list items, item by item (the texts alone would not see two
 * items printed as one "a,b" that reads back as one) */
static void same_lists(const struct cell_jail *a, const struct cell_jail *b)
{
	for (size_t i = 0; i < cell_params_count; i++) {
		const struct cell_param *p = &cell_params[i];
		if (p->type != CELL_PT_LIST)
			continue;
		const struct cell_strv *x =
			(const void *)((const char *)a + p->offset);
		const struct cell_strv *y =
			(const void *)((const char *)b + p->offset);
		bool same = x->n == y->n;
		for (size_t k = 0; same && k < x->n; k++)
			same = !strcmp(x->v[k], y->v[k]);
		if (!same) {
			fprintf(stderr, "record round trip: %s has %zu items, "
					"then %zu\n", p->name, x->n, y->n);
			abort();
		}
	}
}

static void check_record(const char *text)
{
	struct cell_record a, b;
	struct cell_error e;
	if (cell_record_parse(text, &a, &e) < 0)
		return;
	char *ta = NULL, *tb = NULL;
	size_t la = 0, lb = 0;
	if (cell_record_format(&a, &ta, &la) < 0) {
		cell_record_free(&a);
		return;
	}
	if (cell_record_parse(ta, &b, &e) < 0) {
		fprintf(stderr, "formatted record does not parse (%s):\n%s",
			e.msg, ta);
		abort();
	}
	same_lists(&a.jail, &b.jail);
	if (cell_record_format(&b, &tb, &lb) < 0 || la != lb ||
	    memcmp(ta, tb, la)) {
		fprintf(stderr, "record round trip differs:\n%s---\n%s", ta,
			tb ? tb : "(none)");
		abort();
	}
	free(ta);
	free(tb);
	cell_record_free(&a);
	cell_record_free(&b);
}


static void check_fstab(const char *line)
{
	static struct cell_fstab_ent a, b;
	struct cell_error e;
	if (cell_fstab_parse_line(line, &a, &e) != 1)
		return;
	char *t = NULL;
	size_t tl = 0;
	FILE *f = open_memstream(&t, &tl);
	if (!f)
		return;
	cell_fstab_escape(f, a.spec);
	fputc(' ', f);
	cell_fstab_escape(f, a.file);
	fputc(' ', f);
	cell_fstab_escape(f, a.vfstype);
	fputc(' ', f);
	cell_fstab_escape(f, a.mntops);
	fprintf(f, " %d %d", a.freq, a.passno);
	fclose(f);
	if (cell_fstab_parse_line(t, &b, &e) != 1 || strcmp(a.spec, b.spec) ||
	    strcmp(a.file, b.file) || strcmp(a.vfstype, b.vfstype) ||
	    strcmp(a.mntops, b.mntops) || a.freq != b.freq ||
	    a.passno != b.passno) {
		fprintf(stderr, "fstab round trip differs: '%s' -> '%s' (%s)\n",
			line, t, e.msg);
		abort();
	}
	free(t);
}

static void check_rdr(const char *line)
{
	struct cell_rdr a, b;
	struct cell_error e;
	if (cell_rdr_parse(line, &a, &e) < 0)
		return;
	char t[64];
	snprintf(t, sizeof(t), "%s %u %u",
		 a.proto == IPPROTO_TCP ? "tcp" : "udp", a.host_port,
		 a.jail_port);
	if (cell_rdr_parse(t, &b, &e) < 0 || a.proto != b.proto ||
	    a.host_port != b.host_port || a.jail_port != b.jail_port ||
	    !a.host_port || !a.jail_port) {
		fprintf(stderr, "rdr round trip differs: '%s' -> '%s'\n", line,
			t);
		abort();
	}
}

static void num(char *out, size_t len, int64_t v)
{
	if (v == CELL_DEV_WILDCARD)
		snprintf(out, len, "*");
	else
		snprintf(out, len, "%lld", (long long)v);
}

static void check_dev_rule(const char *line)
{
	struct cell_dev_rule a, b;
	if (cell_dev_rule_parse(line, &a) < 0)
		return;
	char maj[24], min[24], t[80];
	num(maj, sizeof(maj), a.major);
	num(min, sizeof(min), a.minor);
	snprintf(t, sizeof(t), "%c %s:%s %s%s%s", a.type, maj, min,
		 a.access & CELL_DEV_READ ? "r" : "",
		 a.access & CELL_DEV_WRITE ? "w" : "",
		 a.access & CELL_DEV_MKNOD ? "m" : "");
	if (!a.access || cell_dev_rule_parse(t, &b) < 0 || a.type != b.type ||
	    a.major != b.major || a.minor != b.minor || a.access != b.access) {
		fprintf(stderr, "device rule round trip differs: '%s' -> "
				"'%s'\n", line, t);
		abort();
	}
	/* and it makes a program (the evaluator is test_cgroup_fake's) */
	struct bpf_insn *p = NULL;
	size_t cnt = 0;
	if (cell_dev_prog_build(&a, 1, &p, &cnt) < 0 || !cnt) {
		fprintf(stderr, "device rule '%s': no program\n", line);
		abort();
	}
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_record(text);
	/* a NUL ends the text for every parser here, as reading a file
	 * into a C string does */
	int lines = 0;
	for (char *p = text; *p && lines < 64; lines++) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		check_fstab(p);
		check_rdr(p);
		check_dev_rule(p);
		if (!nl)
			break;
		p = nl + 1;
	}
	free(text);
	return 0;
}
