/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cell audit: prove a running jail's boundary from inside.
 *
 * cell_audit_run() copies the static probe (src/audit/probe.c) into a
 * sealed memfd and runs it in the jail through cell_exec() with exec_fd,
 * so no host file is ever reachable from the jail (runc's CVE-2019-5736
 * fix). The probe tries each escape and reports what it observed;
 * cell_audit_judge() compares every observation with what the jail's
 * policy (cell_policy_derive(), within its parents) says must happen.
 * A disagreement is a FAIL. Nothing here prints: the caller formats the
 * report with cell_audit_format() or cell_audit_json().
 */
#ifndef CELL_AUDIT_H
#define CELL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "jail.h"
#include "policy.h"
#include "state.h"

enum cell_audit_verdict {
	CELL_AUDIT_OK,      /* observed what the policy says */
	CELL_AUDIT_FAIL,    /* observed something else */
	CELL_AUDIT_INFO,    /* a fact, no verdict */
};

struct cell_audit_line {
	char boundary[64];       /* "raw sockets" */
	char key[32];            /* the probe's key, "net.raw" */
	char observed[16];       /* allowed, denied, absent, value */
	char expected[16];       /* allowed, denied, any, "" for info */
	char param[160];         /* "allow.raw_sockets=false" */
	char detail[512];        /* the probe's words */
	enum cell_audit_verdict verdict;
};

struct cell_audit_report {
	char jail[CELL_NAME_MAX];
	int jid;
	struct cell_audit_line *lines;
	size_t n;
	size_t fails;
	int probe_status;        /* the probe's wait status */
};

struct cell_audit_opts {
	const char *probe_path;      /* the static probe on the host */
	const char *const *reach;    /* ADDR:PORT a test made; may be NULL */
	size_t nreach;
};

/*
 * The jail's effective policy: its own, intersected with every running
 * ancestor's, as cell_exec() derives it.
 */
int cell_audit_policy(const struct cell_jail *j, struct cell_policy *pol,
		      struct cell_error *err);

/*
 * Judge a probe's output (text, as the probe prints it) for jail j with
 * policy pol. Fills rep (free with cell_audit_report_free()).
 */
int cell_audit_judge(const struct cell_jail *j, const struct cell_policy *pol,
		     const char *output, struct cell_audit_report *rep,
		     struct cell_error *err);

/* Run the battery in the running jail of rec and judge it. */
int cell_audit_run(const struct cell_record *rec,
		   const struct cell_audit_opts *o,
		   struct cell_audit_report *rep, struct cell_error *err);

/* "boundary: observed (param)" lines; FAIL lines say what was expected. */
void cell_audit_format(FILE *out, const struct cell_audit_report *rep,
		       bool verbose);
/* The report as a JSON document (malloc'd; NULL on allocation failure). */
char *cell_audit_json(const struct cell_audit_report *rep);

void cell_audit_report_free(struct cell_audit_report *rep);

#endif
