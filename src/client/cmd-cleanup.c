/* uccert cleanup / uccert restore - retire expired trust certificates into
 * a quarantine, print the platform commands that silence RTMT, undo. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "cleanup.h"
#include "client.h"
#include "clock.h"
#include "jsonw.h"
#include "log.h"
#include "procedure.h"
#include "replacement.h"
#include "scan.h"
#include "util.h"

/* ---- logging: every action to syslog, problems also to stderr ---------- */

static int stderr_max = LOG_WARNING;
static bool level_probed;

static void probe_handler(int priority, const char *msg)
{
	(void)priority;
	(void)msg;
	level_probed = true;
}

static void audit_handler(int priority, const char *msg)
{
	syslog(priority, "%s", msg);
	if (priority <= stderr_max)
		fprintf(stderr, "uccert: %s\n", msg);
}

/* The library's level reflects -q (warnings off). The audit trail must not
 * depend on it: learn the level, then let everything through to syslog and
 * keep -q's effect for stderr only. */
static void audit_open(void)
{
	uc_log_set_handler(probe_handler);
	level_probed = false;
	uc_log(LOG_WARNING, "-");
	stderr_max = level_probed ? LOG_WARNING : LOG_ERR;
	uc_log_set_level(LOG_INFO);
	openlog("uccert", LOG_PID, LOG_USER);
	uc_log_set_handler(audit_handler);
}

static void audit_close(void)
{
	uc_log_set_handler(NULL);
	closelog();
}

/* ---- cleanup output ---------------------------------------------------- */

struct report {
	const struct uc_settings *settings;
	const struct uc_cleanup_plan *plan;
	const struct uc_inventory *inv;
	const struct uc_cleanup_filter *filter;
	bool apply;
	const char *run_id;
	const char *quarantine;
	const struct uc_recovery *rec;
	unsigned moved, failed;
};

/* A node whose cert_dir could not be read: its files were not considered. */
static bool source_missed(const struct report *r, const struct uc_source *src)
{
	/* TLS ports show identity certificates only: nothing to clean there */
	return !src->ok && source_in_scope(src, r->filter->cluster, r->filter->node, false);
}

static unsigned sources_missed(const struct report *r)
{
	unsigned n = 0;
	for (size_t i = 0; i < r->inv->nsources; i++)
		n += source_missed(r, &r->inv->sources[i]);
	return n;
}

/* A candidate whose platform command belongs in the output. */
static bool has_command(const struct report *r, const struct uc_cleanup_item *it)
{
	if (it->verdict == UC_CLEANUP_ON_NODE)
		return true;
	if (it->verdict != UC_CLEANUP_CANDIDATE)
		return false;
	return !r->apply || it->status == UC_CLEANUP_MOVED;
}

/* The replacement of an item that goes, or would go if it had one: the
 * renewed certificate beside it, or why deleting it may be premature. */
static void json_replacement(struct jsonw *w, const struct uc_inventory *inv,
			     const struct uc_cleanup_item *it)
{
	const struct uc_record *r = uc_cleanup_replacement(inv, it);
	char t[32];

	jw_key(w, "replacement");
	if (!r) {
		jw_null(w);
	} else {
		jw_begin_object(w);
		jw_kstring(w, "file", r->file);
		jw_kstring(w, "path", r->source);
		uc_format_rfc3339(r->cert->not_after, t);
		jw_kstring(w, "not_after", t);
		jw_end_object(w);
	}
	jw_kstring(w, "dependents", uc_cleanup_dependents(it->unit));
}

static bool may_go(const struct uc_cleanup_item *it)
{
	return it->verdict == UC_CLEANUP_CANDIDATE || it->verdict == UC_CLEANUP_ON_NODE ||
	       it->verdict == UC_CLEANUP_KEEP_NO_REPLACEMENT;
}

static void json_item(struct jsonw *w, const struct uc_inventory *inv,
		      const struct uc_cleanup_item *it)
{
	char t[32];

	jw_begin_object(w);
	jw_kstring(w, "cluster", it->cluster);
	jw_kstring(w, "node", it->node);
	jw_kstring(w, "unit", it->unit);
	jw_kstring(w, "file", it->file);
	jw_kstring(w, "path", it->path);
	jw_kstring(w, "verdict", uc_cleanup_verdict_name(it->verdict));
	jw_kstring(w, "reason", it->reason);
	jw_kint(w, "expired_days", it->expired_days);
	jw_kstring(w, "command", it->command);
	if (it->verdict == UC_CLEANUP_CANDIDATE) {
		jw_kstring(w, "status", uc_cleanup_status_name(it->status));
		jw_kstring(w, "error", it->error);
		jw_kstring(w, "quarantine_path", it->quarantine_path);
	}
	if (may_go(it))
		json_replacement(w, inv, it);
	jw_key(w, "certificates");
	jw_begin_array(w);
	for (size_t i = 0; i < it->ncerts; i++) {
		const struct uc_cleanup_cert *c = &it->certs[i];
		jw_begin_object(w);
		jw_kstring(w, "subject", c->subject);
		jw_kstring(w, "serial", c->serial);
		uc_format_rfc3339(c->not_after, t);
		jw_kstring(w, "not_after", t);
		jw_kint(w, "days_left", c->days_left);
		jw_kstring(w, "state", uc_state_name(c->state));
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
}

static void json_items(struct jsonw *w, const char *key, const struct report *r,
		       bool (*want)(const struct uc_cleanup_item *))
{
	const struct uc_cleanup_plan *p = r->plan;

	jw_key(w, key);
	jw_begin_array(w);
	for (size_t i = 0; i < p->nitems; i++)
		if (want(&p->items[i]))
			json_item(w, r->inv, &p->items[i]);
	jw_end_array(w);
}

static bool is_candidate(const struct uc_cleanup_item *it)
{
	return it->verdict == UC_CLEANUP_CANDIDATE;
}

static bool is_kept(const struct uc_cleanup_item *it)
{
	return it->verdict != UC_CLEANUP_CANDIDATE && it->verdict != UC_CLEANUP_REFUSED &&
	    it->verdict != UC_CLEANUP_ON_NODE;
}

static bool is_on_node(const struct uc_cleanup_item *it)
{
	return it->verdict == UC_CLEANUP_ON_NODE;
}

static bool is_refused(const struct uc_cleanup_item *it)
{
	return it->verdict == UC_CLEANUP_REFUSED;
}

static bool same_node(const struct uc_cleanup_item *a, const struct uc_cleanup_item *b)
{
	return a->cluster_idx == b->cluster_idx && a->node_idx == b->node_idx;
}

/* Item i has a command and no earlier item of its node has one: the
 * commands are printed in one group per node, starting here. */
static bool first_command_of_node(const struct report *r, const struct uc_cleanup_plan *p,
				  size_t i)
{
	if (!has_command(r, &p->items[i]))
		return false;
	for (size_t j = 0; j < i; j++)
		if (same_node(&p->items[j], &p->items[i]) && has_command(r, &p->items[j]))
			return false;
	return true;
}

/* ---- what to do on a node after its deletes ---------------------------
 *
 * Once per trust store that lost a certificate on the node, the follow-ups
 * of procedure.c that apply to the cluster's release (all of them, marked,
 * when the release is not configured). */

struct followup {
	const struct uc_unit *store;
	const struct uc_trust_followup *f;
	const char *runs_on;	/* node name; NULL: publisher not configured */
	bool here;		/* runs on this node */
	char range[64];		/* the releases it applies to when version is
				 * not set; "" otherwise */
};

static size_t node_followups(const struct report *r, size_t i, struct followup **out)
{
	const struct uc_cleanup_plan *p = r->plan;
	const struct uc_cluster *c = &r->settings->clusters[p->items[i].cluster_idx];
	const struct uc_node *nd = &c->nodes[p->items[i].node_idx];
	const char *pub = NULL;
	struct followup *v = NULL;
	size_t n = 0;

	for (size_t k = 0; k < c->nnodes; k++)
		if (c->nodes[k].role == UC_ROLE_PUBLISHER)
			pub = c->nodes[k].name;
	for (size_t j = i; j < p->nitems; j++) {
		const struct uc_cleanup_item *it = &p->items[j];
		if (!same_node(it, &p->items[i]) || !has_command(r, it))
			continue;
		bool seen = false;
		for (size_t k = i; k < j && !seen; k++)
			seen = same_node(&p->items[k], it) && has_command(r, &p->items[k]) &&
			       strcasecmp(p->items[k].unit, it->unit) == 0;
		size_t nf;
		const struct uc_trust_followup *f = seen ? NULL : uc_trust_followups(it->unit, &nf);
		for (size_t k = 0; f && k < nf; k++) {
			if (!uc_release_applies(f[k].from, f[k].until, c->release))
				continue;
			v = xreallocarray(v, n + 1, sizeof *v);
			struct followup *fu = &v[n++];
			fu->store = uc_unit_find(it->unit);
			fu->f = &f[k];
			fu->runs_on = f[k].target == UC_TARGET_PUBLISHER ? pub : nd->name;
			fu->here = f[k].target != UC_TARGET_PUBLISHER || nd->role == UC_ROLE_PUBLISHER;
			fu->range[0] = '\0';
			if (!c->release && (f[k].from || f[k].until))
				uc_release_range(f[k].from, f[k].until, fu->range, sizeof fu->range);
		}
	}
	*out = v;
	return n;
}

static void json_followups(struct jsonw *w, const struct report *r, size_t i)
{
	struct followup *v;
	size_t n = node_followups(r, i, &v);

	jw_key(w, "follow_up");
	jw_begin_array(w);
	for (size_t k = 0; k < n; k++) {
		jw_begin_object(w);
		jw_kstring(w, "unit", v[k].store->name);
		jw_kstring(w, "effect", v[k].store->removal);
		jw_kstring(w, "command", v[k].f->command);
		jw_kstring(w, "runs_on", v[k].f->command ? v[k].runs_on : NULL);
		jw_kstring(w, "note", v[k].f->note);
		jw_kstring(w, "releases", v[k].range[0] ? v[k].range : NULL);
		jw_end_object(w);
	}
	jw_end_array(w);
	free(v);
}

static void text_followups(const struct report *r, size_t i)
{
	struct followup *v;
	size_t n = node_followups(r, i, &v);

	for (size_t k = 0; k < n; k++) {
		if (k == 0 || v[k].store != v[k - 1].store)
			printf("  # after deleting from %s: %s\n", v[k].store->name, v[k].store->removal);
		if (!v[k].f->command)
			continue;
		if (v[k].range[0])
			printf("  # only %s (version not set in uccert.conf):\n", v[k].range);
		if (v[k].here)
			printf("  %s\n", v[k].f->command);
		else
			printf("  # on the publisher %s: %s\n",
			       v[k].runs_on ? esc(v[k].runs_on) : "(none configured)", v[k].f->command);
	}
	free(v);
}

static void print_json(const struct report *r)
{
	const struct uc_cleanup_plan *p = r->plan;
	struct jsonw w;
	char t[32];

	jw_init(&w, stdout, true);
	jw_begin_object(&w);
	jw_kstring(&w, "mode", r->apply ? "apply" : "dry-run");
	uc_format_rfc3339(p->now, t);
	jw_kstring(&w, "now", t);
	jw_kint(&w, "grace_days", p->grace_days);
	jw_kstring(&w, "quarantine_dir", r->quarantine);
	jw_kstring(&w, "run_id", r->run_id);
	jw_key(&w, "recovery");
	jw_begin_array(&w);
	for (size_t i = 0; r->rec && i < r->rec->nmessages; i++)
		jw_string(&w, r->rec->messages[i]);
	jw_end_array(&w);
	json_items(&w, "candidates", r, is_candidate);
	json_items(&w, "on_node", r, is_on_node);
	json_items(&w, "kept", r, is_kept);
	json_items(&w, "refused", r, is_refused);
	jw_key(&w, "unread_cert_dirs");
	jw_begin_array(&w);
	for (size_t i = 0; i < r->inv->nsources; i++) {
		const struct uc_source *src = &r->inv->sources[i];
		if (!source_missed(r, src))
			continue;
		jw_begin_object(&w);
		jw_kstring(&w, "cluster", src->cluster);
		jw_kstring(&w, "node", src->node);
		jw_kstring(&w, "cert_dir", src->location);
		jw_kstring(&w, "error", src->error);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	/* the platform commands, one group per node, in configuration order */
	jw_key(&w, "commands");
	jw_begin_array(&w);
	for (size_t i = 0; i < p->nitems; i++) {
		const struct uc_cleanup_item *it = &p->items[i];
		if (!first_command_of_node(r, p, i))
			continue;
		jw_begin_object(&w);
		jw_kstring(&w, "cluster", it->cluster);
		jw_kstring(&w, "node", it->node);
		jw_key(&w, "commands");
		jw_begin_array(&w);
		for (size_t j = i; j < p->nitems; j++)
			if (same_node(&p->items[j], it) && has_command(r, &p->items[j]))
				jw_string(&w, p->items[j].command);
		jw_end_array(&w);
		json_followups(&w, r, i);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_key(&w, "summary");
	jw_begin_object(&w);
	jw_kint(&w, "candidates", p->counts[UC_CLEANUP_CANDIDATE]);
	jw_kint(&w, "moved", r->moved);
	jw_kint(&w, "failed", r->failed);
	jw_kint(&w, "kept", p->counts[UC_CLEANUP_KEEP_VALID] + p->counts[UC_CLEANUP_KEEP_GRACE] +
		p->counts[UC_CLEANUP_KEEP_OWN_HOST] + p->counts[UC_CLEANUP_KEEP_SYMLINK] +
		p->counts[UC_CLEANUP_KEEP_NO_REPLACEMENT]);
	jw_kint(&w, "refused", p->counts[UC_CLEANUP_REFUSED]);
	jw_kint(&w, "on_node", p->counts[UC_CLEANUP_ON_NODE]);
	jw_end_object(&w);
	jw_end_object(&w);
	jw_finish(&w);
}

static void print_where(const struct uc_cleanup_item *it)
{
	printf("  %s/%s  %s/%s", esc(it->cluster), esc(it->node), esc(it->unit), esc(it->file));
}

/* text, escaped, as lines of at most 78 columns indented by `indent`
 * (a word longer than a line stays whole) */
static void print_wrapped(int indent, const char *text)
{
	char *safe = uc_escape(text);
	const char *p = safe;
	int col = 0;

	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		if (col && col + 1 + (int)n > 78) {
			putchar('\n');
			col = 0;
		}
		col += col ? printf(" %.*s", (int)n, p) : printf("%*s%.*s", indent, "", (int)n, p);
		p += n;
	}
	putchar('\n');
	free(safe);
}

/* Under an item that goes: its replacement, or why deleting it may be
 * premature; what else depends on it. */
static void print_replacement(const struct report *r, const struct uc_cleanup_item *it)
{
	const struct uc_record *rep = uc_cleanup_replacement(r->inv, it);
	const char *dep = uc_cleanup_dependents(it->unit);
	char t[32], *s;

	if (rep) {
		uc_format_rfc3339(rep->cert->not_after, t);
		s = xasprintf("replaced by %s, valid until %s", rep->file, t);
	} else {
		s = xasprintf("no replacement in this store: the peer (%s) may still present the expired certificate; renew it there first",
			      it->ncerts ? it->certs[0].subject : "?");
	}
	print_wrapped(6, s);
	free(s);
	if (dep) {
		s = xasprintf("WARNING: %s", dep);
		print_wrapped(6, s);
		free(s);
	}
}

static void print_text(const struct report *r)
{
	const struct uc_cleanup_plan *p = r->plan;
	unsigned kept = 0;
	char t[32];

	uc_format_rfc3339(p->now, t);
	if (r->apply)
		printf("uccert cleanup --apply at %s, grace_days %d, quarantine %s\n", t,
		       p->grace_days, esc(r->quarantine));
	else
		printf("uccert cleanup: dry run at %s, grace_days %d: nothing was changed (--apply quarantines the candidates)\n",
		       t, p->grace_days);
	if (r->rec && r->rec->nmessages) {
		printf("\nInterrupted runs:\n");
		for (size_t i = 0; i < r->rec->nmessages; i++)
			printf("  %s\n", esc(r->rec->messages[i]));
	}
	printf("\n%s (%u):\n", r->apply ? "Candidates" : "Candidates, would be moved",
	       p->counts[UC_CLEANUP_CANDIDATE]);
	for (size_t i = 0; i < p->nitems; i++) {
		const struct uc_cleanup_item *it = &p->items[i];
		if (it->verdict != UC_CLEANUP_CANDIDATE)
			continue;
		print_where(it);
		if (!r->apply) {
			/* the why on its own lines: the first stays short */
			char *why = xasprintf("%s: %s", it->reason,
					      it->ncerts ? it->certs[0].subject : "");
			putchar('\n');
			print_wrapped(6, why);
			free(why);
		} else if (it->status == UC_CLEANUP_MOVED)
			printf("  moved to %s%s%s\n", esc(it->quarantine_path),
			       it->error ? ": " : "", esc(it->error ? it->error : ""));
		else
			printf("  FAILED: %s\n", esc(it->error ? it->error : "not moved"));
		print_replacement(r, it);
	}
	if (p->counts[UC_CLEANUP_ON_NODE]) {
		printf("\nOn the node only (%u), read through its certificate API; delete them there:\n",
		       p->counts[UC_CLEANUP_ON_NODE]);
		for (size_t i = 0; i < p->nitems; i++)
			if (p->items[i].verdict == UC_CLEANUP_ON_NODE) {
				print_where(&p->items[i]);
				printf("  %s\n", esc(p->items[i].reason));
				print_replacement(r, &p->items[i]);
			}
	}
	for (size_t i = 0; i < p->nitems; i++)
		kept += is_kept(&p->items[i]);
	if (kept) {
		printf("\nKept (%u):\n", kept);
		for (size_t i = 0; i < p->nitems; i++)
			if (is_kept(&p->items[i])) {
				print_where(&p->items[i]);
				printf("  kept: %s\n", esc(p->items[i].reason));
			}
	}
	if (p->counts[UC_CLEANUP_REFUSED]) {
		printf("\nRefused (%u):\n", p->counts[UC_CLEANUP_REFUSED]);
		for (size_t i = 0; i < p->nitems; i++)
			if (is_refused(&p->items[i])) {
				print_where(&p->items[i]);
				printf("  refused: %s\n", esc(p->items[i].reason));
			}
	}
	if (sources_missed(r)) {
		printf("\nNot read, so not cleaned (%u):\n", sources_missed(r));
		for (size_t i = 0; i < r->inv->nsources; i++)
			if (source_missed(r, &r->inv->sources[i]))
				printf("  %s/%s  %s %s: %s\n", esc(r->inv->sources[i].cluster),
				       esc(r->inv->sources[i].node),
				       uc_source_kind_name(r->inv->sources[i].kind),
				       esc(r->inv->sources[i].location), esc(r->inv->sources[i].error));
	}
	bool any = false;
	for (size_t i = 0; i < p->nitems && !any; i++)
		any = has_command(r, &p->items[i]);
	if (any) {
		printf("\nPlatform commands, per node (paste into that node's CLI to silence RTMT; the restarts after the deletes):\n");
		for (size_t i = 0; i < p->nitems; i++) {
			const struct uc_cleanup_item *it = &p->items[i];
			if (!first_command_of_node(r, p, i))
				continue;
			printf("  # %s/%s\n", esc(it->cluster), esc(it->node));
			for (size_t j = i; j < p->nitems; j++)
				if (same_node(&p->items[j], it) && has_command(r, &p->items[j]))
					printf("  %s\n", esc(p->items[j].command));
			text_followups(r, i);
		}
	}
	printf("\n");
	if (r->apply) {
		printf("%u moved, %u failed, %u kept, %u refused.", r->moved, r->failed, kept,
		       p->counts[UC_CLEANUP_REFUSED]);
		if (r->run_id)
			printf(" Run %s; undo with: uccert restore %s", esc(r->run_id), esc(r->run_id));
		printf("\n");
	} else {
		printf("%u candidates, %u kept, %u refused.\n", p->counts[UC_CLEANUP_CANDIDATE], kept,
		       p->counts[UC_CLEANUP_REFUSED]);
	}
}

/* ---- list-runs ---------------------------------------------------------- */

static const char *entry_state_name(enum uc_entry_state s)
{
	switch (s) {
	case UC_ENTRY_PENDING:
		return "pending";
	case UC_ENTRY_MOVED:
		return "moved";
	case UC_ENTRY_FAILED:
		return "failed";
	case UC_ENTRY_RESTORING:
		return "restoring";
	default:
		return "restored";
	}
}

static const char *run_state(const struct uc_run *r)
{
	if (!r->has_manifest)
		return "no-manifest";
	return r->pending || !r->ended ? "incomplete" : "complete";
}

static int list_runs(struct uc_quarantine *q, const char *dir, bool json,
		     const struct uc_recovery *rec)
{
	size_t n = 0;
	struct uc_run *runs = q ? uc_quarantine_runs(q, &n) : NULL;
	char hex[2 * UC_SHA256_LEN + 1];

	if (json) {
		struct jsonw w;
		jw_init(&w, stdout, true);
		jw_begin_object(&w);
		jw_kstring(&w, "quarantine_dir", dir);
		jw_key(&w, "recovery");
		jw_begin_array(&w);
		for (size_t i = 0; rec && i < rec->nmessages; i++)
			jw_string(&w, rec->messages[i]);
		jw_end_array(&w);
		jw_key(&w, "runs");
		jw_begin_array(&w);
		for (size_t i = 0; i < n; i++) {
			const struct uc_run *r = &runs[i];
			jw_begin_object(&w);
			jw_kstring(&w, "id", r->id);
			jw_kstring(&w, "dir", r->dir);
			jw_kstring(&w, "started", r->started);
			jw_kint(&w, "uid", r->uid);
			jw_kstring(&w, "user", r->user);
			jw_kstring(&w, "state", run_state(r));
			jw_kint(&w, "moved", r->moved);
			jw_kint(&w, "restored", r->restored);
			jw_kint(&w, "pending", r->pending);
			jw_kint(&w, "failed", r->failed);
			jw_kint(&w, "bad_lines", r->bad_lines);
			jw_key(&w, "entries");
			jw_begin_array(&w);
			for (size_t j = 0; j < r->nentries; j++) {
				const struct uc_qentry *e = &r->entries[j];
				jw_begin_object(&w);
				jw_kint(&w, "seq", e->seq);
				jw_kstring(&w, "state", entry_state_name(e->state));
				jw_kstring(&w, "cluster", e->cluster);
				jw_kstring(&w, "node", e->node);
				jw_kstring(&w, "unit", e->unit);
				jw_kstring(&w, "path", e->path);
				jw_kstring(&w, "quarantine_file", e->qfile);
				uc_sha256_hex(e->sha256, hex);
				jw_kstring(&w, "sha256", hex);
				jw_kstring(&w, "command", e->command);
				jw_kstring(&w, "note", e->note);
				jw_end_object(&w);
			}
			jw_end_array(&w);
			jw_end_object(&w);
		}
		jw_end_array(&w);
		jw_end_object(&w);
		jw_finish(&w);
	} else {
		for (size_t i = 0; rec && i < rec->nmessages; i++)
			printf("note: %s\n", esc(rec->messages[i]));
		if (n == 0) {
			printf("no cleanup runs in %s\n", esc(dir));
		} else {
			printf("%-28s  %-20s  %-10s  %5s  %8s  %7s  %6s  %s\n", "RUN", "STARTED", "BY",
			       "MOVED", "RESTORED", "PENDING", "FAILED", "STATE");
			for (size_t i = 0; i < n; i++) {
				const struct uc_run *r = &runs[i];
				char by[32];
				if (r->user && *r->user)
					snprintf(by, sizeof by, "%s", r->user);
				else
					snprintf(by, sizeof by, "uid %ld", r->uid);
				printf("%-28s  %-20s  %-10s  %5u  %8u  %7u  %6u  %s\n", esc(r->id),
				       esc(r->started ? r->started : "-"), esc(by), r->moved, r->restored,
				       r->pending, r->failed, run_state(r));
			}
			printf("(MOVED counts every file the run moved, RESTORED those put back since; restore with: uccert restore RUN)\n");
		}
	}
	uc_runs_free(runs, n);
	return 0;
}

/* ---- uccert cleanup ------------------------------------------------------ */

static bool node_exists(const struct uc_settings *s, const char *cluster, const char *node)
{
	for (size_t i = 0; i < s->nclusters; i++) {
		if (cluster && strcmp(cluster, s->clusters[i].name) != 0)
			continue;
		if (!node)
			return true;
		for (size_t j = 0; j < s->clusters[i].nnodes; j++)
			if (strcmp(node, s->clusters[i].nodes[j].name) == 0)
				return true;
	}
	return false;
}

#define CLEANUP_USAGE "usage: uccert cleanup [--apply] [--json] [--cluster NAME] [--node NAME] | uccert cleanup --list-runs [--json]"

int cmd_cleanup(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apply", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "cluster", required_argument, NULL, 'C' },
		{ "node", required_argument, NULL, 'n' },
		{ "list-runs", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct uc_cleanup_filter filter = { NULL, NULL };
	bool apply = false, json = false, list = false;
	struct uc_quarantine *q = NULL;
	struct uc_certdir_locks *locks = NULL;
	struct uc_recovery rec = { 0 };
	char *error = NULL, *run_id = NULL;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			apply = true;
			break;
		case 'j':
			json = true;
			break;
		case 'C':
			filter.cluster = optarg;
			break;
		case 'n':
			filter.node = optarg;
			break;
		case 'l':
			list = true;
			break;
		default:
			return usage_error("cleanup: " CLEANUP_USAGE);
		}
	}
	if (optind < argc)
		return usage_error("cleanup: unexpected argument '%s'", argv[optind]);
	if (list && (apply || filter.cluster || filter.node))
		return usage_error("cleanup: --list-runs takes no other option but --json");
	if (filter.cluster && !node_exists(cli->settings, filter.cluster, NULL)) {
		char *names = cluster_names(cli->settings);
		rc = usage_error("cleanup: no cluster '%s' in %s (clusters: %s)", filter.cluster,
				 cli->config_path, names);
		free(names);
		return rc;
	}
	if ((filter.cluster || filter.node) && !node_exists(cli->settings, filter.cluster, filter.node))
		return usage_error("cleanup: no node '%s'%s%s in %s", filter.node,
				   filter.cluster ? " in cluster " : "",
				   filter.cluster ? filter.cluster : "", cli->config_path);

	audit_open();
	const char *qdir = cli->settings->quarantine_dir;
	q = uc_quarantine_open(qdir, apply, &error);
	if (!q) {
		uc_log(LOG_ERR, "%s", error);
		free(error);
		error = NULL;
		if (apply || list) {
			audit_close();
			return 1;
		}
	}
	/* the cert_dirs too: another configuration may clean them into another
	 * quarantine */
	if (apply && !(locks = uc_certdir_lock(cli->settings, &error))) {
		uc_log(LOG_ERR, "%s", error);
		free(error);
		uc_quarantine_close(q);
		audit_close();
		return 1;
	}
	/* finish what an interrupted run left; a dry run and a listing only report */
	if (q)
		uc_quarantine_recover(q, cli->settings, apply, &rec);
	if (list) {
		rc = list_runs(q, qdir, json, &rec);
		goto out;
	}

	struct uc_scanner *sc = uc_scanner_new();
	struct uc_inventory *inv = uc_scan(sc, cli->settings, cli->now);
	struct uc_cleanup_plan *plan = uc_cleanup_plan_build(inv, cli->settings, &filter);
	struct report r = { .settings = cli->settings, .plan = plan, .inv = inv, .filter = &filter, .apply = apply,
			    .quarantine = qdir, .rec = &rec };
	unsigned bad = 0;

	uc_cleanup_plan_verify(plan);
	if (cli->settings->require_replacement)
		uc_cleanup_require_replacement(plan, inv);
	if (apply) {
		uc_log(LOG_NOTICE, "cleanup --apply by uid %ld: %u candidates, quarantine %s",
		       (long)getuid(), plan->counts[UC_CLEANUP_CANDIDATE], qdir);
		bad = uc_cleanup_apply(q, plan, cli->config_path, &run_id);
		r.run_id = run_id;
		for (size_t i = 0; i < plan->nitems; i++) {
			r.moved += plan->items[i].status == UC_CLEANUP_MOVED;
			r.failed += plan->items[i].status == UC_CLEANUP_FAILED;
		}
	}
	if (json)
		print_json(&r);
	else
		print_text(&r);
	for (size_t i = 0; i < plan->nitems; i++)
		if (plan->items[i].verdict == UC_CLEANUP_REFUSED)
			uc_log(LOG_ERR, "cleanup: %s/%s: %s: refused: %s", plan->items[i].cluster,
			       plan->items[i].node, plan->items[i].path, plan->items[i].reason);
	/* files not handled outweigh sources not read */
	if (bad || plan->counts[UC_CLEANUP_REFUSED] || rec.unresolved)
		rc = EXIT_FAILED;
	else
		rc = sources_exit(inv, filter.cluster, filter.node, false);
	free(run_id);
	uc_cleanup_plan_free(plan);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
out:
	uc_recovery_free(&rec);
	uc_certdir_unlock(locks);
	uc_quarantine_close(q);
	audit_close();
	return rc;
}

/* ---- uccert restore ------------------------------------------------------ */

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	struct uc_quarantine *q;
	struct uc_certdir_locks *locks;
	struct uc_recovery rec = { 0 };
	struct uc_restore_result *res = NULL;
	size_t nres = 0;
	char *error = NULL;
	int c, bad;
	unsigned counts[UC_RESTORE_FAILED + 1] = { 0 };

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f')
			return usage_error("restore: usage: uccert restore RUN_ID [--file PATH]");
		file = optarg;
	}
	if (optind + 1 != argc)
		return usage_error("restore: usage: uccert restore RUN_ID [--file PATH]");

	audit_open();
	q = uc_quarantine_open(cli->settings->quarantine_dir, true, &error);
	if (!q) {
		uc_log(LOG_ERR, "%s", error);
		free(error);
		audit_close();
		return 1;
	}
	if (!(locks = uc_certdir_lock(cli->settings, &error))) {
		uc_log(LOG_ERR, "%s", error);
		free(error);
		uc_quarantine_close(q);
		audit_close();
		return 1;
	}
	uc_quarantine_recover(q, cli->settings, true, &rec);
	for (size_t i = 0; i < rec.nmessages; i++)
		printf("recovered: %s\n", esc(rec.messages[i]));
	uc_log(LOG_NOTICE, "restore of run %s%s%s by uid %ld", argv[optind],
	       file ? " file " : "", file ? file : "", (long)getuid());
	bad = uc_cleanup_restore(q, cli->settings, argv[optind], file, &res, &nres, &error);
	if (bad < 0) {
		uc_log(LOG_ERR, "restore: %s", error);
		free(error);
	} else {
		printf("restore of run %s:\n", esc(argv[optind]));
		for (size_t i = 0; i < nres; i++) {
			printf("  %-16s %s\n", uc_restore_status_name(res[i].status), esc(res[i].message));
			counts[res[i].status]++;
		}
		printf("%u restored, %u identical already in place, %u already restored, %u skipped, %u refused, %u failed\n",
		       counts[UC_RESTORE_DONE], counts[UC_RESTORE_IDENTICAL], counts[UC_RESTORE_ALREADY],
		       counts[UC_RESTORE_SKIPPED], counts[UC_RESTORE_REFUSED], counts[UC_RESTORE_FAILED]);
	}
	unsigned unresolved = rec.unresolved;
	uc_restore_results_free(res, nres);
	uc_recovery_free(&rec);
	uc_certdir_unlock(locks);
	uc_quarantine_close(q);
	audit_close();
	return bad != 0 || unresolved ? 1 : 0;
}
