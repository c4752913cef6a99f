/* uccert plan - the renewal plan as a change-request runbook or as JSON.
 *
 * The plan itself (which steps, nodes, commands, impact) comes from
 * src/lib/plan.c; this file only lays it out. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "jsonw.h"
#include "plan.h"
#include "scan.h"
#include "util.h"

#define WIDTH 78

/* 1234567 -> "1,234,567" */
static const char *grouped(long n, char buf[32])
{
	char tmp[32];
	int len = snprintf(tmp, sizeof tmp, "%ld", n < 0 ? -n : n);
	char *o = buf;

	if (n < 0)
		*o++ = '-';
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			*o++ = ',';
		*o++ = tmp[i];
	}
	*o = '\0';
	return buf;
}

/* Print text after `first` (the first line's prefix), wrapped at WIDTH with
 * continuation lines indented by `indent` spaces. */
static void wrap(const char *first, int indent, const char *text)
{
	int col = printf("%s", esc(first));
	char *safe = uc_escape(text);	/* names and paths from the stores and the configuration */
	const char *p = safe;
	bool line_start = true;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " ");
		if (!line_start && col + 1 + (int)n > WIDTH) {
			printf("\n%*s", indent, "");
			col = indent;
			line_start = true;
		}
		if (!line_start) {
			putchar(' ');
			col++;
		}
		col += printf("%.*s", (int)n, p);
		line_start = false;
		p += n;
	}
	putchar('\n');
	free(safe);
}

/* "8845/7821" - the configured models of a family, or the family's
 * reference models when the fleet names none. */
static char *models_of(const struct uc_plan_cluster *pc, enum uc_family f)
{
	struct sbuf b = { 0 };
	for (size_t i = 0; i < pc->nmodels; i++) {
		if (pc->models[i].family != f)
			continue;
		if (b.len)
			sbuf_putc(&b, '/');
		sbuf_puts(&b, pc->models[i].model);
	}
	if (!b.len)
		sbuf_puts(&b, uc_family_models(f));
	return sbuf_take(&b);
}

static bool fleet_configured(const struct uc_plan_cluster *pc)
{
	return pc->nmodels > 0;
}

/* "540 CTL-only phones (7960/Jabber) need a reset ..." */
static char *impact_sentence(const struct uc_plan_cluster *pc,
			     const struct uc_plan_impact *im)
{
	char num[32];
	char *models = models_of(pc, im->family);
	char *s;

	if (fleet_configured(pc))
		s = xasprintf("%s %s phones (%s) %s", grouped(im->phones, num),
			      uc_family_label(im->family), models, im->cell->text);
	else
		s = xasprintf("%s phones (%s) %s", uc_family_label(im->family), models,
			      im->cell->text);
	free(models);
	return s;
}

static bool impact_assumed(const struct uc_plan_cluster *pc, const struct uc_plan_impact *im)
{
	return im->cell->assumed || (pc->basis && pc->basis->assumed);
}

/* Whether to show a family's line: with a fleet, the families it has; without
 * one, the three known families. */
static bool impact_shown(const struct uc_plan_cluster *pc, const struct uc_plan_impact *im)
{
	if (fleet_configured(pc))
		return im->phones > 0 || (im->family == UC_FAMILY_UNKNOWN &&
					  pc->phones[UC_FAMILY_UNKNOWN] > 0);
	return im->family != UC_FAMILY_UNKNOWN;
}

static void days_text(const struct uc_record *r, char *buf, size_t len)
{
	if (r->days_left < 0 || r->state == UC_STATE_EXPIRED)
		snprintf(buf, len, "EXPIRED %lld day%s ago", (long long)-r->days_left,
			 r->days_left == -1 ? "" : "s");
	else
		snprintf(buf, len, "%lld day%s left", (long long)r->days_left,
			 r->days_left == 1 ? "" : "s");
}

/* ---- the summary: what to schedule, before the runbook ---- */

/* The certificate of a phase that expires first (the CTL update and the
 * migration list those of other steps: skipped); NULL for none. */
static const struct uc_record *phase_first(const struct uc_plan_phase *ph)
{
	const struct uc_record *first = NULL;

	for (size_t i = 0; i < ph->nsteps; i++) {
		if (!ph->steps[i].def->unit)
			continue;
		for (size_t k = 0; k < ph->steps[i].ncerts; k++) {
			const struct uc_record *r = ph->steps[i].certs[k].record;
			if (!first || r->cert->not_after < first->cert->not_after)
				first = r;
		}
	}
	return first;
}

/* Phones of family f that a phase-2 step of pc affects (not "none"). */
static bool family_affected(const struct uc_plan_cluster *pc, enum uc_family f)
{
	for (size_t i = 0; i < pc->nphases; i++)
		for (size_t j = 0; j < pc->phases[i].nsteps; j++) {
			const struct uc_plan_step *st = &pc->phases[i].steps[j];
			for (size_t k = 0; k < st->nimpact; k++)
				if (st->impact[k].family == f &&
				    st->impact[k].cell->effect != UC_EFFECT_NONE)
					return true;
		}
	return false;
}

/* Trust certificates of the cluster that are expiring or expired: not in
 * the plan (uccert cleanup, or the peer's renewal, handles them). */
static unsigned trust_due(const struct uc_plan_cluster *pc, const struct uc_inventory *inv)
{
	unsigned n = 0;

	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		n += r->store == UC_STORE_TRUST && strcmp(r->cluster, pc->cluster->name) == 0 &&
		     (r->state == UC_STATE_EXPIRING || r->state == UC_STATE_EXPIRED);
	}
	return n;
}

static void day_of(int64_t t, char buf[32])
{
	uc_format_rfc3339(t, buf);
	buf[10] = '\0';	/* YYYY-MM-DD */
}

static void text_summary(const struct uc_plan_cluster *pc, const struct uc_inventory *inv,
			 int64_t now)
{
	char d[32], num[32];
	size_t nsteps = uc_plan_cluster_nsteps(pc);
	unsigned trust = trust_due(pc, inv);

	if (!nsteps && !trust)
		return;
	printf("\nSummary\n");
	for (size_t i = 0; i < pc->nphases; i++) {
		const struct uc_plan_phase *ph = &pc->phases[i];
		const struct uc_record *r = phase_first(ph);
		if (!r)
			continue;
		day_of(r->cert->not_after, d);
		bool window = ph->def->phase == UC_PHASE_CTL_ITL;
		char *line;
		if (r->cert->not_after <= now)
			line = xasprintf("%s: EXPIRED on %s (%s on %s): %s now.", ph->def->title, d,
					 r->unit, r->node,
					 window ? "schedule the change window" : "renew");
		else if (window)
			line = xasprintf("%s: change window needed, before %s (%s on %s expires first).",
					 ph->def->title, d, r->unit, r->node);
		else
			line = xasprintf("%s: renew by %s (%s on %s expires first); no change window needed.",
					 ph->def->title, d, r->unit, r->node);
		wrap("  - ", 4, line);
		free(line);
	}
	if (pc->basis) {
		struct sbuf b = { 0 };
		for (int f = 0; f < UC_NFAMILIES; f++) {
			if (!family_affected(pc, (enum uc_family)f) ||
			    (fleet_configured(pc) && !pc->phones[f]))
				continue;
			if (fleet_configured(pc))
				sbuf_printf(&b, "%s%s %s", b.len ? ", " : "",
					    grouped(pc->phones[f], num),
					    uc_family_label((enum uc_family)f));
			else
				sbuf_printf(&b, "%s%s", b.len ? ", " : "",
					    uc_family_label((enum uc_family)f));
		}
		if (b.len) {
			char *fam = sbuf_take(&b);
			char *line = xasprintf("Phones affected: %s%s.", fam,
					       fleet_configured(pc) ? "" : " (counts not configured)");
			wrap("  - ", 4, line);
			free(line);
			free(fam);
		}
	}
	if (trust) {
		char *line = xasprintf("Not in this plan: %u expiring or expired trust certificate%s: see uccert cleanup.",
				       trust, trust == 1 ? "" : "s");
		wrap("  - ", 4, line);
		free(line);
	}
	printf("  - %zu step%s below.\n", nsteps, nsteps == 1 ? "" : "s");
}

static void json_summary(struct jsonw *w, const struct uc_plan_cluster *pc,
			 const struct uc_inventory *inv, int64_t now)
{
	char t[32];
	const struct uc_record *window = NULL;

	jw_key(w, "summary");
	jw_begin_object(w);
	jw_key(w, "phases");
	jw_begin_array(w);
	for (size_t i = 0; i < pc->nphases; i++) {
		const struct uc_plan_phase *ph = &pc->phases[i];
		const struct uc_record *r = phase_first(ph);
		if (!r)
			continue;
		if (ph->def->phase == UC_PHASE_CTL_ITL)
			window = r;
		jw_begin_object(w);
		jw_kint(w, "phase", ph->def->phase);
		jw_kstring(w, "id", ph->def->id);
		day_of(r->cert->not_after, t);
		jw_kstring(w, "renew_by", t);
		jw_kbool(w, "expired", r->cert->not_after <= now);
		jw_kstring(w, "node", r->node);
		jw_kstring(w, "unit", r->unit);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_kbool(w, "change_window", window != NULL);
	if (window)
		day_of(window->cert->not_after, t);
	jw_kstring(w, "change_window_before", window ? t : NULL);
	jw_key(w, "phones_affected");
	jw_begin_array(w);
	for (int f = 0; pc->basis && f < UC_NFAMILIES; f++) {
		if (!family_affected(pc, (enum uc_family)f) ||
		    (fleet_configured(pc) && !pc->phones[f]))
			continue;
		jw_begin_object(w);
		jw_kstring(w, "family", uc_family_id((enum uc_family)f));
		jw_key(w, "phones");
		if (fleet_configured(pc))
			jw_int(w, pc->phones[f]);
		else
			jw_null(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_kint(w, "trust_due", trust_due(pc, inv));
	jw_kint(w, "steps", (int64_t)uc_plan_cluster_nsteps(pc));
	jw_end_object(w);
}

/* ---- text ---- */

static void text_list(const char *title, const char *const *v, size_t n, int indent)
{
	if (!n)
		return;
	printf("%*s%s\n", indent, "", title);
	for (size_t i = 0; i < n; i++) {
		char *first = xasprintf("%*s- ", indent + 2, "");
		wrap(first, indent + 4, v[i]);
		free(first);
	}
}

static void text_warnings(const char *const *v, size_t n, int indent)
{
	for (size_t i = 0; i < n; i++) {
		char *first = xasprintf("%*sWARNING: ", indent, "");
		wrap(first, indent + 9, v[i]);
		free(first);
	}
}

static char *node_list(const char *const *nodes, size_t n)
{
	struct sbuf b = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_puts(&b, ", ");
		sbuf_puts(&b, nodes[i]);
	}
	return sbuf_take(&b);
}

/* "14 and later" for an action bounded by release when the cluster's
 * release is not configured (both variants are shown then); NULL otherwise. */
static const char *action_releases(const struct uc_plan_cluster *pc,
				   const struct uc_action_def *d, char *buf, size_t len)
{
	if (pc->cluster->release || (!d->from && !d->until))
		return NULL;
	return uc_release_range(d->from, d->until, buf, len);
}

static void text_action_at(const struct uc_plan_cluster *pc, const struct uc_plan_action *a,
			   const char *label);

static void text_action(const struct uc_plan_cluster *pc, const struct uc_plan_step *st,
			size_t i)
{
	char label[32];

	snprintf(label, sizeof label, "%u.%zu", st->number, i + 1);
	text_action_at(pc, &st->actions[i], label);
}

/* One action, numbered `label` ("2.3", "B.1"). */
static void text_action_at(const struct uc_plan_cluster *pc, const struct uc_plan_action *a,
			   const char *label)
{
	char *nodes = node_list(a->nodes, a->nnodes);
	char *where, *what, *first, range[64];
	const char *rel = action_releases(pc, a->def, range, sizeof range);

	switch (a->def->target) {
	case UC_TARGET_PUBLISHER:
		where = a->nnodes ? xasprintf("on the publisher %s", nodes)
				  : xstrdup("on the publisher (none configured in uccert.conf)");
		break;
	case UC_TARGET_ALL_NODES:
		where = xasprintf("on every node (%s)", nodes);
		break;
	case UC_TARGET_WORKSTATION:
		where = xstrdup("on the CTL client PC");
		break;
	case UC_TARGET_PHONES:
		where = xstrdup("phones");
		break;
	default:
		where = xasprintf("on %s", nodes);
		break;
	}
	if (a->def->command && a->def->note)
		what = xasprintf("%s   (%s)", a->def->command, a->def->note);
	else
		what = xstrdup(a->def->command ? a->def->command : a->def->note);
	if (rel) {
		char *marked = xasprintf("[%s] %s", rel, what);
		free(what);
		what = marked;
	}
	int indent = snprintf(NULL, 0, "      %s  ", label);
	first = xasprintf("      %s  %s: ", label, where);
	wrap(first, indent + 2, what);
	free(first);
	free(what);
	free(where);
	free(nodes);
}

/* The step's title; a CA-signed certificate is renewed through a CSR, and
 * the title says so rather than "Regenerate". malloc'd. */
static char *step_title(const struct uc_plan_step *st)
{
	if (!st->nca)
		return xstrdup(st->def->title);
	if (st->nca == st->ncerts)
		return xasprintf("Renew %s through a CSR (CA-signed)", st->def->unit);
	return xasprintf("%s; renew the CA-signed ones through a CSR", st->def->title);
}

static void text_step(const struct uc_plan_cluster *pc, const struct uc_plan_step *st)
{
	const struct uc_cluster *c = pc->cluster;
	struct sbuf b = { 0 };
	char t[32], days[48];

	char *title = step_title(st);
	printf("\n  Step %u. %s\n", st->number, esc(title));
	free(title);
	for (size_t i = 0; i < st->nnodes; i++)
		sbuf_printf(&b, "%s%s (%s)", i ? ", " : "", c->nodes[st->nodes[i]].name,
			    uc_role_name(c->nodes[st->nodes[i]].role));
	char *s = sbuf_take(&b);
	wrap("    Nodes:        ", 18, s);
	free(s);
	if (!st->def->unit) {
		/* the CTL update and the migration serve the certificates of
		 * other steps: name those steps, list each certificate once */
		struct sbuf nb = { 0 };
		for (size_t i = 0; i < pc->nphases; i++)
			for (size_t j = 0; j < pc->phases[i].nsteps; j++) {
				const struct uc_plan_step *o = &pc->phases[i].steps[j];
				bool shares = false;
				for (size_t a = 0; o->def->unit && a < o->ncerts && !shares; a++)
					for (size_t k = 0; k < st->ncerts && !shares; k++)
						shares = o->certs[a].record == st->certs[k].record;
				if (shares)
					sbuf_printf(&nb, "%s%u", nb.len ? ", " : "", o->number);
			}
		char *list = sbuf_take(&nb);
		char *line = xasprintf("the certificates of step%s %s", strchr(list, ',') ? "s" : "",
				       list);
		wrap("    For:          ", 18, line);
		free(line);
		free(list);
	}
	for (size_t i = 0; st->def->unit && i < st->ncerts; i++) {
		const struct uc_record *r = st->certs[i].record;
		uc_format_rfc3339(r->cert->not_after, t);
		days_text(r, days, sizeof days);
		printf("    %-14s%s %s: %s, notAfter %s\n", i ? "" : "Certificates:",
		       esc(r->node), esc(r->unit), days, t);
	}
	for (size_t i = 0; i < st->npreconditions; i++)
		wrap("    Only when:    ", 18, st->preconditions[i]);
	printf("    Do:\n");
	for (size_t i = 0; i < st->nactions; i++)
		text_action(pc, st, i);
	wrap("    You will see: ", 18, st->def->see);
	wrap("    Verify:       ", 18, st->def->verify);
	if (st->nimpact) {
		printf("    Phone impact%s:\n", pc->basis && pc->basis->assumed ? " (ASSUMED, see impact basis)" : "");
		for (size_t i = 0; i < st->nimpact; i++) {
			if (!impact_shown(pc, &st->impact[i]))
				continue;
			char *sentence = impact_sentence(pc, &st->impact[i]);
			wrap(st->impact[i].cell->assumed ? "      - [assumed] " : "      - ",
			     8, sentence);
			free(sentence);
		}
	}
	text_list("Remarks:", st->remarks, st->nremarks, 4);
	text_warnings(st->warnings, st->nwarnings, 4);
}

static void text_fleet(const struct uc_plan_cluster *pc)
{
	struct sbuf b = { 0 };
	char num[32];

	if (!fleet_configured(pc)) {
		wrap("Phones:       ", 14, "not configured (phones in uccert.conf): impact is shown per family, without counts.");
		return;
	}
	for (int f = 0; f < UC_NFAMILIES; f++) {
		if (!pc->phones[f])
			continue;
		sbuf_printf(&b, "%s%s %s (", b.len ? "; " : "",
			    grouped(pc->phones[f], num), uc_family_label((enum uc_family)f));
		bool first = true;
		for (size_t i = 0; i < pc->nmodels; i++) {
			if (pc->models[i].family != (enum uc_family)f)
				continue;
			sbuf_printf(&b, "%s%s: %s", first ? "" : ", ", pc->models[i].model,
				    grouped(pc->models[i].count, num));
			first = false;
		}
		sbuf_putc(&b, ')');
	}
	if (!b.len)
		sbuf_puts(&b, "0 phones configured");
	char *s = sbuf_take(&b);
	wrap("Phones:       ", 14, s);
	free(s);
}

static void scope_text(const struct uc_plan *p, char *buf, size_t len)
{
	const int *t = p->thresholds;

	if (p->within >= 0 || (t[UC_IMPACT_NONE] == t[UC_IMPACT_CTL_ITL] &&
			       t[UC_IMPACT_NONE] == t[UC_IMPACT_UNKNOWN])) {
		int d = p->within >= 0 ? p->within : t[UC_IMPACT_NONE];
		snprintf(buf, len, "within %d day%s", d, d == 1 ? "" : "s");
	}
	else
		snprintf(buf, len, "within the thresholds (none: %d, ctl-itl: %d, unknown: %d days)",
			 t[UC_IMPACT_NONE], t[UC_IMPACT_CTL_ITL], t[UC_IMPACT_UNKNOWN]);
}

/* At the top, before anything that could read as an all-clear: the
 * sources that could not be read. */
static void text_unseen(const struct uc_inventory *inv, const char *only)
{
	size_t n = 0, bad = 0;

	for (size_t i = 0; i < inv->nsources; i++)
		if (source_in_scope(&inv->sources[i], only, NULL, true)) {
			n++;
			bad += !inv->sources[i].ok;
		}
	if (!bad)
		return;
	if (bad == n)
		printf("NOTHING COULD BE READ: none of the %zu source%s answered. This is not an all-clear:\n"
		       "uccert cannot tell whether any certificate needs renewing.\n", n, n == 1 ? "" : "s");
	else
		printf("INCOMPLETE: %zu of %zu sources could not be read; certificates they hold are not in this plan.\n",
		       bad, n);
	for (size_t i = 0; i < inv->nsources; i++) {
		const struct uc_source *src = &inv->sources[i];
		if (src->ok || !source_in_scope(src, only, NULL, true))
			continue;
		char *line = xasprintf("%s/%s: %s %s: %s", src->cluster, src->node,
				       uc_source_kind_name(src->kind), src->location,
				       src->error ? src->error : "error");
		wrap("  not seen: ", 14, line);
		free(line);
	}
	printf("\n");
}

static void print_text(const struct uc_plan *p, const struct uc_inventory *inv,
		       const char *only)
{
	char t[32], scope[128], days[48];

	uc_format_rfc3339(p->now, t);
	scope_text(p, scope, sizeof scope);
	text_unseen(inv, only);
	if (!p->nclusters) {
		if (only)
			printf("Cluster %s: nothing needs renewing %s (as of %s).\n", esc(only), scope, t);
		else
			printf("Nothing needs renewing %s (as of %s).\n", scope, t);
		return;
	}
	printf("Certificate renewal plan, as of %s\n", t);
	printf("Scope: own certificates due %s, expired ones included.\n", scope);
	for (size_t ci = 0; ci < p->nclusters; ci++) {
		const struct uc_plan_cluster *pc = &p->clusters[ci];
		const struct uc_cluster *c = pc->cluster;
		struct sbuf b = { 0 };

		printf("\n==============================================================================\n");
		char rel[24];
		/* the security mode is about phones: CUCM only */
		printf("Cluster %s (%s%s%s%s%s)\n", esc(c->name), uc_product_name(c->product),
		       c->release ? " " : "",
		       c->release ? uc_release_text(c->release, rel, sizeof rel) : "",
		       pc->basis ? ", " : "",
		       pc->basis ? uc_security_mode_name(c->security_mode) : "");
		printf("==============================================================================\n");
		for (size_t i = 0; i < c->nnodes; i++)
			sbuf_printf(&b, "%s%s (%s)", i ? ", " : "", c->nodes[i].name,
				    uc_role_name(c->nodes[i].role));
		char *s = sbuf_take(&b);
		wrap("Nodes:        ", 14, s);
		free(s);
		if (pc->basis) {	/* a product with phones */
			text_fleet(pc);
			wrap("Impact basis: ", 14, pc->basis->text);
		}
		if (pc->release_note)
			wrap("Release:      ", 14, pc->release_note);
		for (size_t i = 0; i < pc->nfailed; i++) {
			const struct uc_source *src = pc->failed_sources[i];
			s = xasprintf("%s: %s %s could not be read (%s): this plan may be incomplete.",
				      src->node, uc_source_kind_name(src->kind), src->location,
				      src->error ? src->error : "error");
			wrap("WARNING: ", 9, s);
			free(s);
		}
		if (pc->unreadable)
			printf("Note: %u unreadable own certificate file%s excluded (see uccert scan).\n",
			       pc->unreadable, pc->unreadable == 1 ? "" : "s");
		text_summary(pc, inv, p->now);
		if (!uc_plan_cluster_nsteps(pc) && pc->nfailed == pc->nsources)
			printf("\nNo step, but no source of this cluster could be read: whether anything needs renewing is unknown.\n");
		else if (!uc_plan_cluster_nsteps(pc))
			printf("\nNo step: nothing needs renewing %s on the nodes that could be read.\n",
			       scope);
		for (size_t i = 0; i < pc->nphases; i++) {
			const struct uc_plan_phase *ph = &pc->phases[i];
			printf("\nPHASE %d - %s\n", (int)ph->def->phase, ph->def->title);
			for (size_t j = 0; j < ph->nremarks; j++)
				wrap("  ", 2, ph->remarks[j]);
			text_warnings(ph->warnings, ph->nwarnings, 2);
			if (ph->nbefore && ph->nsteps) {
				printf("\n  Before step %u (nothing of this phase is changed yet):\n",
				       ph->steps[0].number);
				for (size_t j = 0; j < ph->nbefore; j++) {
					char label[32];
					snprintf(label, sizeof label, "B.%zu", j + 1);
					text_action_at(pc, &ph->before[j], label);
				}
			}
			for (size_t j = 0; j < ph->nsteps; j++)
				text_step(pc, &ph->steps[j]);
		}
		if (pc->nunplanned) {
			printf("\nNOT PLANNED - own certificates of units without a renewal procedure:\n");
			for (size_t i = 0; i < pc->nunplanned; i++) {
				const struct uc_record *r = pc->unplanned[i].record;
				uc_format_rfc3339(r->cert->not_after, t);
				days_text(r, days, sizeof days);
				printf("  %s %s: %s, notAfter %s (%s)\n", esc(r->node),
				       esc(r->unit), days, t, pc->unplanned[i].reason);
			}
		}
	}
}

/* ---- JSON ---- */

static void json_strings(struct jsonw *w, const char *key, const char *const *v, size_t n)
{
	jw_key(w, key);
	jw_begin_array(w);
	for (size_t i = 0; i < n; i++)
		jw_string(w, v[i]);
	jw_end_array(w);
}

static void json_cert(struct jsonw *w, const struct uc_plan_cert *pc, const char *reason)
{
	const struct uc_record *r = pc->record;
	char t[32];

	jw_begin_object(w);
	jw_kstring(w, "node", r->node);
	jw_kstring(w, "role", uc_role_name(pc->role));
	jw_kstring(w, "unit", r->unit);
	jw_kint(w, "days_left", r->days_left);
	uc_format_rfc3339(r->cert->not_after, t);
	jw_kstring(w, "not_after", t);
	jw_kstring(w, "state", uc_state_name(r->state));
	jw_kstring(w, "subject", r->cert->subject);
	jw_kstring(w, "issuer", r->cert->issuer);
	jw_kstring(w, "serial", r->cert->serial);
	jw_kstring(w, "source", r->source);
	if (r->store == UC_STORE_OWN)
		jw_kstring(w, "renewal", uc_cert_ca_signed(r->cert) ? "csr" : "regenerate");
	if (reason)
		jw_kstring(w, "reason", reason);
	jw_end_object(w);
}

static void json_models(struct jsonw *w, const struct uc_plan_cluster *pc, enum uc_family f,
			bool with_counts)
{
	jw_key(w, "models");
	jw_begin_array(w);
	for (size_t i = 0; i < pc->nmodels; i++) {
		if (pc->models[i].family != f)
			continue;
		if (with_counts) {
			jw_begin_object(w);
			jw_kstring(w, "model", pc->models[i].model);
			jw_kint(w, "count", pc->models[i].count);
			jw_end_object(w);
		} else {
			jw_string(w, pc->models[i].model);
		}
	}
	jw_end_array(w);
}

static void json_actions(struct jsonw *w, const char *key, const struct uc_plan_action *v,
			 size_t n)
{
	jw_key(w, key);
	jw_begin_array(w);
	for (size_t i = 0; i < n; i++) {
		const struct uc_plan_action *a = &v[i];
		char range[64], rel[24];
		jw_begin_object(w);
		jw_kstring(w, "target", uc_target_name(a->def->target));
		json_strings(w, "nodes", a->nodes, a->nnodes);
		jw_kstring(w, "command", a->def->command);
		jw_kstring(w, "note", a->def->note);
		jw_key(w, "releases");
		jw_begin_object(w);
		jw_kstring(w, "from", a->def->from ? uc_release_text(a->def->from, rel, sizeof rel) : NULL);
		jw_kstring(w, "until", a->def->until ? uc_release_text(a->def->until, rel, sizeof rel) : NULL);
		jw_kstring(w, "text", a->def->from || a->def->until
			   ? uc_release_range(a->def->from, a->def->until, range, sizeof range) : NULL);
		jw_end_object(w);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void json_step(struct jsonw *w, const struct uc_plan_cluster *pc,
		      const struct uc_plan_step *st)
{
	const struct uc_cluster *c = pc->cluster;

	jw_begin_object(w);
	jw_kint(w, "number", st->number);
	jw_kstring(w, "id", st->def->id);
	jw_kstring(w, "unit", st->def->unit);
	char *title = step_title(st);
	jw_kstring(w, "title", title);
	free(title);
	jw_kbool(w, "node_by_node", st->def->node_by_node);
	jw_key(w, "nodes");
	jw_begin_array(w);
	for (size_t i = 0; i < st->nnodes; i++) {
		jw_begin_object(w);
		jw_kstring(w, "name", c->nodes[st->nodes[i]].name);
		jw_kstring(w, "role", uc_role_name(c->nodes[st->nodes[i]].role));
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_key(w, "certificates");
	jw_begin_array(w);
	for (size_t i = 0; i < st->ncerts; i++)
		json_cert(w, &st->certs[i], NULL);
	jw_end_array(w);
	json_strings(w, "preconditions", st->preconditions, st->npreconditions);
	json_actions(w, "actions", st->actions, st->nactions);
	jw_kstring(w, "see", st->def->see);
	jw_kstring(w, "verify", st->def->verify);
	json_strings(w, "remarks", st->remarks, st->nremarks);
	json_strings(w, "warnings", st->warnings, st->nwarnings);
	jw_key(w, "impact");
	jw_begin_array(w);
	for (size_t i = 0; i < st->nimpact; i++) {
		const struct uc_plan_impact *im = &st->impact[i];
		char *sentence = impact_sentence(pc, im);
		jw_begin_object(w);
		jw_kstring(w, "family", uc_family_id(im->family));
		jw_kstring(w, "label", uc_family_label(im->family));
		jw_kint(w, "phones", im->phones);
		json_models(w, pc, im->family, false);
		jw_kstring(w, "effect", uc_effect_name(im->cell->effect));
		jw_kbool(w, "assumed", impact_assumed(pc, im));
		jw_kstring(w, "text", im->cell->text);
		jw_kstring(w, "summary", sentence);
		jw_end_object(w);
		free(sentence);
	}
	jw_end_array(w);
	jw_end_object(w);
}

static void json_fleet(struct jsonw *w, const struct uc_plan_cluster *pc)
{
	jw_begin_object(w);
	jw_kbool(w, "configured", fleet_configured(pc));
	jw_key(w, "families");
	jw_begin_array(w);
	for (int f = 0; f < UC_NFAMILIES; f++) {
		jw_begin_object(w);
		jw_kstring(w, "family", uc_family_id((enum uc_family)f));
		jw_kstring(w, "label", uc_family_label((enum uc_family)f));
		jw_kint(w, "count", pc->phones[f]);
		json_models(w, pc, (enum uc_family)f, true);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
}

static void json_cluster(struct jsonw *w, const struct uc_plan_cluster *pc,
			 const struct uc_inventory *inv, int64_t now)
{
	const struct uc_cluster *c = pc->cluster;

	jw_begin_object(w);
	jw_kstring(w, "name", c->name);
	jw_kstring(w, "product", uc_product_name(c->product));
	jw_kstring(w, "security_mode", pc->basis ? uc_security_mode_name(c->security_mode) : NULL);
	char rel[24];
	jw_kstring(w, "version", c->release ? uc_release_text(c->release, rel, sizeof rel) : NULL);
	jw_kstring(w, "release_note", pc->release_note);
	jw_key(w, "nodes");
	jw_begin_array(w);
	for (size_t i = 0; i < c->nnodes; i++) {
		jw_begin_object(w);
		jw_kstring(w, "name", c->nodes[i].name);
		jw_kstring(w, "role", uc_role_name(c->nodes[i].role));
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_key(w, "phones");
	if (pc->basis)
		json_fleet(w, pc);
	else			/* Unity Connection, IM and Presence: no phones */
		jw_null(w);
	jw_key(w, "impact_basis");
	if (pc->basis) {
		jw_begin_object(w);
		jw_kstring(w, "id", pc->basis->id);
		jw_kbool(w, "assumed", pc->basis->assumed);
		jw_kstring(w, "text", pc->basis->text);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	json_summary(w, pc, inv, now);
	jw_key(w, "source_errors");
	jw_begin_array(w);
	for (size_t i = 0; i < pc->nfailed; i++) {
		jw_begin_object(w);
		jw_kstring(w, "node", pc->failed_sources[i]->node);
		jw_kstring(w, "kind", uc_source_kind_name(pc->failed_sources[i]->kind));
		jw_kstring(w, "location", pc->failed_sources[i]->location);
		jw_kstring(w, "error", pc->failed_sources[i]->error);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_kint(w, "unreadable_files", pc->unreadable);
	jw_key(w, "phases");
	jw_begin_array(w);
	for (size_t i = 0; i < pc->nphases; i++) {
		const struct uc_plan_phase *ph = &pc->phases[i];
		jw_begin_object(w);
		jw_kint(w, "phase", ph->def->phase);
		jw_kstring(w, "id", ph->def->id);
		jw_kstring(w, "title", ph->def->title);
		json_strings(w, "remarks", ph->remarks, ph->nremarks);
		json_strings(w, "warnings", ph->warnings, ph->nwarnings);
		json_actions(w, "before", ph->before, ph->nbefore);
		jw_key(w, "steps");
		jw_begin_array(w);
		for (size_t j = 0; j < ph->nsteps; j++)
			json_step(w, pc, &ph->steps[j]);
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_key(w, "unplanned");
	jw_begin_array(w);
	for (size_t i = 0; i < pc->nunplanned; i++)
		json_cert(w, &pc->unplanned[i], pc->unplanned[i].reason);
	jw_end_array(w);
	jw_end_object(w);
}

static void print_json(const struct uc_plan *p, const struct uc_inventory *inv,
		       const char *only)
{
	struct jsonw w;
	char t[32];
	long n = 0, bad = 0;

	for (size_t i = 0; i < inv->nsources; i++)
		if (source_in_scope(&inv->sources[i], only, NULL, true)) {
			n++;
			bad += !inv->sources[i].ok;
		}
	jw_init(&w, stdout, true);
	jw_begin_object(&w);
	uc_format_rfc3339(p->now, t);
	jw_kstring(&w, "now", t);
	/* false: some sources were not read, the plan may miss certificates */
	jw_kbool(&w, "complete", bad == 0);
	jw_key(&w, "sources");
	jw_begin_object(&w);
	jw_kint(&w, "total", n);
	jw_kint(&w, "unreadable", bad);
	jw_end_object(&w);
	jw_key(&w, "within_days");
	if (p->within >= 0)
		jw_int(&w, p->within);
	else
		jw_null(&w);
	jw_key(&w, "thresholds");
	jw_begin_object(&w);
	for (int k = 1; k <= UC_IMPACT_MAX; k++)
		jw_kint(&w, uc_impact_name((enum uc_impact)k), p->thresholds[k]);
	jw_end_object(&w);
	jw_key(&w, "clusters");
	jw_begin_array(&w);
	for (size_t i = 0; i < p->nclusters; i++)
		json_cluster(&w, &p->clusters[i], inv, p->now);
	jw_end_array(&w);
	jw_end_object(&w);
	jw_finish(&w);
}

#define PLAN_USAGE "plan: usage: uccert plan [--within DAYS] [--cluster NAME] [--json]"

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "within", required_argument, NULL, 'w' },
		{ "cluster", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cluster = NULL;
	bool json = false;
	int within = -1, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'w': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > 36500)
				return usage_error("plan: --within %s: expected a number of days, 0-36500",
						   optarg);
			within = (int)v;
			break;
		}
		case 'C':
			cluster = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			return usage_error(PLAN_USAGE);
		}
	}
	if (optind < argc)
		return usage_error("plan: unexpected argument '%s'", argv[optind]);
	if (cluster) {
		bool known = false;
		for (size_t i = 0; i < cli->settings->nclusters; i++)
			known |= strcmp(cli->settings->clusters[i].name, cluster) == 0;
		if (!known) {
			char *names = cluster_names(cli->settings);
			int rc = usage_error("plan: --cluster %s: no such cluster in %s (clusters: %s)",
					     cluster, cli->config_path, names);
			free(names);
			return rc;
		}
	}

	struct uc_scanner *sc = uc_scanner_new();
	struct uc_inventory *inv = scan_for_report(sc, cli->settings, cli->now);
	struct uc_plan *p = uc_plan_build(inv, cli->settings, within, cluster);
	if (json)
		print_json(p, inv, cluster);
	else
		print_text(p, inv, cluster);
	int rc = sources_exit(inv, cluster, NULL, true);
	uc_plan_free(p);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	return rc;
}
