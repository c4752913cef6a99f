/* plan.c - build the renewal plan from an inventory.
 *
 * Every due own certificate selects the step of its unit (procedure.c); a
 * step covers all nodes where its unit is due. The CTL update follows the
 * units that change the CTL, in the variant of the cluster's security mode.
 * Remarks and warnings are the table's, filtered by their condition. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "plan.h"
#include "util.h"

/* What the conditions of notes are evaluated against. */
struct ctx {
	const struct uc_cluster *cluster;
	enum uc_security_mode mode;	/* whose CTL procedure: after migration */
	bool has_callmanager;
	bool has_ctl_step;
	bool has_itlrecovery;
	const struct uc_plan_cert *certs;
	size_t ncerts;
};

struct group {
	struct uc_plan_cert *certs;
	size_t n;
};

static bool applies(enum uc_when when, const struct ctx *x)
{
	bool any = false;

	switch (when) {
	case UC_WHEN_ALWAYS:
		return true;
	case UC_WHEN_CA_SIGNED:
		for (size_t i = 0; i < x->ncerts; i++)
			any |= uc_cert_ca_signed(x->certs[i].record->cert);
		return any;
	case UC_WHEN_PUBLISHER_UNAFFECTED:
		for (size_t i = 0; i < x->ncerts; i++)
			any |= x->certs[i].role == UC_ROLE_PUBLISHER;
		return !any;
	case UC_WHEN_OFF_PUBLISHER:
		for (size_t i = 0; i < x->ncerts; i++)
			any |= x->certs[i].role != UC_ROLE_PUBLISHER;
		return any;
	case UC_WHEN_WITH_CALLMANAGER:
		return x->has_callmanager;
	case UC_WHEN_AFTER_CTL_STEP:
		return x->has_ctl_step;
	case UC_WHEN_NO_CTL_STEP:
		return !x->has_ctl_step;
	case UC_WHEN_MIXED:
		return x->mode != UC_SECURITY_NON_SECURE;
	case UC_WHEN_NOT_MIXED_USB:
		return x->mode != UC_SECURITY_MIXED_USB;
	case UC_WHEN_MIXED_USB:
		return x->mode == UC_SECURITY_MIXED_USB;
	case UC_WHEN_NON_SECURE:
		return x->mode == UC_SECURITY_NON_SECURE;
	case UC_WHEN_AFTER_ITLRECOVERY:
		return x->has_itlrecovery;
	case UC_WHEN_CUCM:
		return x->cluster->product == UC_PRODUCT_CUCM;
	}
	return false;
}

/* A row's text, marked with the releases it applies to when the cluster's
 * release is not configured (every variant is shown then). The string is
 * the table's, or one kept in `owned` until the plan is freed. */
static const char *release_marked(const char *text, unsigned from, unsigned until,
				  const struct ctx *x, struct uc_plan_cluster *pc)
{
	char range[64];

	if (x->cluster->release || (!from && !until))
		return text;
	char *t = xasprintf("[%s] %s", uc_release_range(from, until, range, sizeof range),
			    text);
	pc->owned = xreallocarray(pc->owned, pc->nowned + 1, sizeof *pc->owned);
	pc->owned[pc->nowned++] = t;
	return t;
}

/* Keep a text built for this plan until the plan is freed. */
static const char *own_text(struct uc_plan_cluster *pc, char *t)
{
	pc->owned = xreallocarray(pc->owned, pc->nowned + 1, sizeof *pc->owned);
	pc->owned[pc->nowned++] = t;
	return t;
}

static void push_str(const char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

static void add_notes(const struct uc_note_def *notes, const struct ctx *x,
		      struct uc_plan_cluster *pc,
		      const char ***pre, size_t *npre, const char ***rem,
		      size_t *nrem, const char ***warn, size_t *nwarn)
{
	for (const struct uc_note_def *n = notes; n && n->kind; n++) {
		if (!applies(n->when, x) ||
		    !uc_release_applies(n->from, n->until, x->cluster->release))
			continue;
		const char *text = release_marked(n->text, n->from, n->until, x, pc);
		switch (n->kind) {
		case UC_NOTE_PRECONDITION:
			if (pre)
				push_str(pre, npre, text);
			break;
		case UC_NOTE_WARNING:
			push_str(warn, nwarn, text);
			break;
		default:
			push_str(rem, nrem, text);
			break;
		}
	}
}

static int cmp_cert(const void *pa, const void *pb)
{
	const struct uc_record *a = ((const struct uc_plan_cert *)pa)->record;
	const struct uc_record *b = ((const struct uc_plan_cert *)pb)->record;

	if (a->node_idx != b->node_idx)
		return a->node_idx < b->node_idx ? -1 : 1;
	if (a->days_left != b->days_left)
		return a->days_left < b->days_left ? -1 : 1;
	return strcmp(a->source, b->source);
}

static void push_cert(struct uc_plan_cert **v, size_t *n, const struct uc_record *r,
		      enum uc_role role)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].record = r;
	(*v)[*n].reason = NULL;
	(*v)[(*n)++].role = role;
}

static ssize_t publisher_of(const struct uc_cluster *c)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (c->nodes[i].role == UC_ROLE_PUBLISHER)
			return (ssize_t)i;
	return -1;
}

/* One action on the nodes its target names; `only` >= 0 restricts the
 * per-node target to that node (node-by-node steps). */
static void add_action(struct uc_plan_step *st, const struct uc_cluster *c,
		       const struct uc_action_def *a, const bool *affected,
		       ssize_t only, bool *touched)
{
	struct uc_plan_action *pa;
	ssize_t pub = publisher_of(c);

	st->actions = xreallocarray(st->actions, st->nactions + 1, sizeof *st->actions);
	pa = &st->actions[st->nactions++];
	pa->def = a;
	pa->nodes = NULL;
	pa->nnodes = 0;
	for (size_t i = 0; i < c->nnodes; i++) {
		bool on;
		switch (a->target) {
		case UC_TARGET_NODE:
			on = only >= 0 ? (size_t)only == i : affected[i];
			break;
		case UC_TARGET_PUBLISHER:
			on = pub >= 0 && (size_t)pub == i;
			break;
		case UC_TARGET_ALL_NODES:
			on = true;
			break;
		default:
			on = false;
			break;
		}
		if (on) {
			push_str(&pa->nodes, &pa->nnodes, c->nodes[i].name);
			touched[i] = true;
		}
	}
}

static bool action_applies(const struct uc_action_def *a, const struct ctx *x)
{
	return applies(a->when, x) &&
	       uc_release_applies(a->from, a->until, x->cluster->release);
}

/* Whether a is the step's "set cert regen <unit>" on the nodes themselves:
 * a CA-signed certificate gets the CSR procedure in its place. */
static bool is_node_regen(const struct uc_step_def *def, const struct uc_action_def *a)
{
	const char *regen = uc_regen_command(def->unit);

	return a->target == UC_TARGET_NODE && regen && a->command &&
	       strcmp(a->command, regen) == 0 && uc_csr_actions(def->unit);
}

/* The step's actions on the nodes marked in `affected` (all of them, or
 * `only`); the regeneration goes to the self-signed ones, the CSR
 * procedure to the CA-signed ones. */
static void add_actions(struct uc_plan_step *st, const struct uc_cluster *c,
			const struct uc_step_def *def, const struct uc_action_def *a,
			const bool *affected, const bool *self, const bool *ca,
			ssize_t only, bool *touched)
{
	bool any_self = false, any_ca = false;

	for (size_t i = 0; i < c->nnodes; i++)
		if (only < 0 || (size_t)only == i) {
			any_self |= self[i];
			any_ca |= ca[i];
		}
	if (!is_node_regen(def, a)) {
		add_action(st, c, a, affected, only, touched);
		return;
	}
	if (any_self)
		add_action(st, c, a, self, only, touched);
	if (any_ca)
		for (const struct uc_action_def *k = uc_csr_actions(def->unit); k->target; k++)
			add_action(st, c, k, ca, only, touched);
}

static void build_step(struct uc_plan_step *st, const struct uc_step_def *def,
		       struct uc_plan_cluster *pc, struct group *g,
		       const struct ctx *cx)
{
	const struct uc_cluster *c = pc->cluster;
	bool *affected = xcalloc(c->nnodes, sizeof *affected);
	bool *ca = xcalloc(c->nnodes, sizeof *ca);
	bool *self = xcalloc(c->nnodes, sizeof *self);
	bool *touched = xcalloc(c->nnodes, sizeof *touched);
	struct ctx x = *cx;

	memset(st, 0, sizeof *st);
	st->def = def;
	st->certs = g->certs;	/* ownership moves to the step */
	st->ncerts = g->n;
	g->certs = NULL;
	g->n = 0;
	for (size_t i = 0; i < st->ncerts; i++) {
		size_t n = st->certs[i].record->node_idx;
		affected[n] = true;
		if (def->unit && uc_csr_actions(def->unit) &&
		    uc_cert_ca_signed(st->certs[i].record->cert)) {
			ca[n] = true;
			st->nca++;
		}
	}
	for (size_t i = 0; i < c->nnodes; i++)
		self[i] = affected[i] && !ca[i];

	/* node by node: the per-node actions on one node after the other,
	 * then those on the publisher, every node or the phones, once */
	if (def->node_by_node) {
		for (size_t i = 0; i < c->nnodes; i++) {
			if (!affected[i])
				continue;
			for (const struct uc_action_def *a = def->actions; a->target; a++)
				if (a->target == UC_TARGET_NODE && action_applies(a, cx))
					add_actions(st, c, def, a, affected, self, ca,
						    (ssize_t)i, touched);
		}
	}
	for (const struct uc_action_def *a = def->actions; a->target; a++)
		if ((!def->node_by_node || a->target != UC_TARGET_NODE) && action_applies(a, cx))
			add_actions(st, c, def, a, affected, self, ca, -1, touched);
	for (size_t i = 0; i < c->nnodes; i++) {
		if (!touched[i] && !affected[i])
			continue;
		st->nodes = xreallocarray(st->nodes, st->nnodes + 1, sizeof *st->nodes);
		st->nodes[st->nnodes++] = i;
	}
	free(ca);
	free(self);

	x.certs = st->certs;
	x.ncerts = st->ncerts;
	add_notes(def->notes, &x, pc, &st->preconditions, &st->npreconditions,
		  &st->remarks, &st->nremarks, &st->warnings, &st->nwarnings);
	for (size_t i = 0; st->nca && i < st->ncerts; i++) {
		const struct uc_record *r = st->certs[i].record;
		if (!uc_cert_ca_signed(r->cert))
			continue;
		push_str(&st->warnings, &st->nwarnings,
			 own_text(pc, xasprintf("On %s the %s certificate is CA-signed (issuer %s): renew it through a CSR as listed, never with %s, which would replace it with a self-signed certificate.",
						r->node, def->unit, r->cert->issuer,
						uc_regen_command(def->unit))));
	}
	if (st->nca)
		/* TAC 118731 (CA-signed multi-server SAN): one CSR, generated on
		 * the publisher, covers every node listed in it */
		push_str(&st->remarks, &st->nremarks,
			 "A multi-server (SAN) certificate needs one CSR only: generate it on the publisher (Distribution: Multi-server) and upload the signed certificate there; it reaches the other nodes it names.");

	if (def->phase == UC_PHASE_CTL_ITL) {
		for (int f = 0; f < UC_NFAMILIES; f++) {
			const struct uc_impact_cell *cell =
				uc_impact(def->kind, c->security_mode, (enum uc_family)f);
			if (!cell)
				continue;
			st->impact[st->nimpact].family = (enum uc_family)f;
			st->impact[st->nimpact].phones = pc->phones[f];
			st->impact[st->nimpact++].cell = cell;
		}
	}
	free(affected);
	free(touched);
}

static struct uc_plan_phase *phase_for(struct uc_plan_cluster *pc, enum uc_phase ph)
{
	for (size_t i = 0; i < pc->nphases; i++)
		if (pc->phases[i].def->phase == ph)
			return &pc->phases[i];
	pc->phases = xreallocarray(pc->phases, pc->nphases + 1, sizeof *pc->phases);
	struct uc_plan_phase *p = &pc->phases[pc->nphases++];
	memset(p, 0, sizeof *p);
	p->def = uc_phase_def(ph);
	return p;
}

static void free_step(struct uc_plan_step *st)
{
	for (size_t i = 0; i < st->nactions; i++)
		free(st->actions[i].nodes);
	free(st->actions);
	free(st->nodes);
	free(st->preconditions);
	free(st->remarks);
	free(st->warnings);
	free(st->certs);
}

static void free_cluster(struct uc_plan_cluster *pc)
{
	for (size_t i = 0; i < pc->nphases; i++) {
		struct uc_plan_phase *ph = &pc->phases[i];
		for (size_t j = 0; j < ph->nsteps; j++)
			free_step(&ph->steps[j]);
		for (size_t j = 0; j < ph->nbefore; j++)
			free(ph->before[j].nodes);
		free(ph->before);
		free(ph->steps);
		free(ph->remarks);
		free(ph->warnings);
	}
	free(pc->phases);
	for (size_t i = 0; i < pc->nowned; i++)
		free(pc->owned[i]);
	free(pc->owned);
	free(pc->models);
	free(pc->unplanned);
	free(pc->failed_sources);
}

static bool phase_expired(const struct uc_plan_phase *ph)
{
	for (size_t i = 0; i < ph->nsteps; i++)
		for (size_t k = 0; k < ph->steps[i].ncerts; k++) {
			const struct uc_record *r = ph->steps[i].certs[k].record;
			if (r->state == UC_STATE_EXPIRED || r->days_left < 0)
				return true;
		}
	return false;
}

/* Fill pc for cluster ci; false when nothing is due there and every
 * cert_dir could be read. */
static bool build_cluster(struct uc_plan_cluster *pc, const struct uc_plan *p,
			  const struct uc_inventory *inv,
			  const struct uc_settings *s, size_t ci)
{
	const struct uc_cluster *c = &s->clusters[ci];
	struct group groups[UC_STEP_MAX + 1] = { { 0 } };
	struct group ctl = { 0 };
	struct ctx x = { .cluster = c,
			 .mode = uc_effective_mode(c->security_mode, c->release) };
	bool migrate = x.mode != c->security_mode;
	unsigned number = 0;

	memset(pc, 0, sizeof *pc);
	pc->cluster = c;
	/* only CUCM has phones: no fleet, no impact basis elsewhere */
	pc->basis = c->product == UC_PRODUCT_CUCM ? uc_impact_basis(c->security_mode) : NULL;
	if (!c->release)
		pc->release_note = "not set (version in uccert.conf): uccert assumed no particular release and shows the actions and warnings of every release, each marked with the releases it applies to; set version to see only those of yours.";
	pc->models = xcalloc(c->nphones, sizeof *pc->models);
	for (size_t i = 0; i < c->nphones; i++) {
		enum uc_family f = uc_phone_family(c->phones[i].model);
		pc->models[i] = (struct uc_plan_model){ c->phones[i].model,
							c->phones[i].count, f };
		pc->phones[f] += c->phones[i].count;
	}
	pc->nmodels = c->nphones;
	for (size_t i = 0; i < inv->nsources; i++)
		pc->nsources += strcmp(inv->sources[i].cluster, c->name) == 0;
	for (size_t i = 0; i < inv->nsources; i++)
		if (!inv->sources[i].ok && strcmp(inv->sources[i].cluster, c->name) == 0) {
			pc->failed_sources = xreallocarray(pc->failed_sources, pc->nfailed + 1,
							   sizeof *pc->failed_sources);
			pc->failed_sources[pc->nfailed++] = &inv->sources[i];
		}

	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		if (r->cluster_idx != ci || r->store != UC_STORE_OWN)
			continue;
		if (r->state == UC_STATE_UNREADABLE || !r->cert) {
			pc->unreadable++;
			continue;
		}
		if (r->days_left > p->thresholds[r->impact])
			continue;
		enum uc_role role = c->nodes[r->node_idx].role;
		const struct uc_step_def *def = uc_step_for_unit(r->unit);
		if (!def) {
			push_cert(&pc->unplanned, &pc->nunplanned, r, role);
			pc->unplanned[pc->nunplanned - 1].reason = "unknown unit: no renewal procedure";
			continue;
		}
		if (!uc_unit_on_product(r->catalog, c->product)) {
			push_cert(&pc->unplanned, &pc->nunplanned, r, role);
			pc->unplanned[pc->nunplanned - 1].reason = c->product == UC_PRODUCT_CUC
				? "not a Unity Connection unit: no renewal procedure there"
				: "not a unit of this product: no renewal procedure there";
			continue;
		}
		push_cert(&groups[def->kind].certs, &groups[def->kind].n, r, role);
	}

	for (int k = 1; k <= UC_STEP_MAX; k++) {
		const struct uc_step_def *def = uc_step_def((enum uc_step_kind)k);
		if (!def || !groups[k].n)
			continue;
		qsort(groups[k].certs, groups[k].n, sizeof *groups[k].certs, cmp_cert);
		if (def->kind == UC_STEP_CALLMANAGER || def->kind == UC_STEP_CALLMANAGER_ECDSA)
			x.has_callmanager = true;
		if (def->kind == UC_STEP_ITLRECOVERY)
			x.has_itlrecovery = true;
		if (def->needs_ctl_update)
			for (size_t j = 0; j < groups[k].n; j++)
				push_cert(&ctl.certs, &ctl.n, groups[k].certs[j].record,
					  groups[k].certs[j].role);
		/* USB tokens on 14+: the migration comes before every CTL/ITL step */
		if (migrate && def->phase == UC_PHASE_CTL_ITL)
			for (size_t j = 0; j < groups[k].n; j++)
				push_cert(&groups[UC_STEP_CTL_MIGRATE].certs,
					  &groups[UC_STEP_CTL_MIGRATE].n,
					  groups[k].certs[j].record, groups[k].certs[j].role);
	}
	if (groups[UC_STEP_CTL_MIGRATE].n)
		qsort(groups[UC_STEP_CTL_MIGRATE].certs, groups[UC_STEP_CTL_MIGRATE].n,
		      sizeof *groups[UC_STEP_CTL_MIGRATE].certs, cmp_cert);
	const struct uc_step_def *ctl_def = ctl.n ? uc_ctl_update_step(x.mode) : NULL;
	x.has_ctl_step = ctl_def != NULL;
	if (ctl_def) {
		groups[UC_STEP_CTL_UPDATE] = ctl;
		ctl.certs = NULL;
		ctl.n = 0;
	}
	free(ctl.certs);

	for (int k = 1; k <= UC_STEP_MAX; k++) {
		const struct uc_step_def *def = k == UC_STEP_CTL_UPDATE ? ctl_def
			: k == UC_STEP_CTL_MIGRATE ? uc_ctl_migrate_step()
			: uc_step_def((enum uc_step_kind)k);
		if (!def || !groups[k].n)
			continue;
		struct uc_plan_phase *ph = phase_for(pc, def->phase);
		ph->steps = xreallocarray(ph->steps, ph->nsteps + 1, sizeof *ph->steps);
		build_step(&ph->steps[ph->nsteps], def, pc, &groups[k], &x);
		ph->steps[ph->nsteps++].number = ++number;
	}
	for (int k = 0; k <= UC_STEP_MAX; k++)
		free(groups[k].certs);

	for (size_t i = 0; i < pc->nphases; i++) {
		struct uc_plan_phase *ph = &pc->phases[i];
		/* "any time" never sits above an expired certificate */
		if (phase_expired(ph)) {
			push_str(&ph->warnings, &ph->nwarnings, ph->def->phase == UC_PHASE_CTL_ITL
				 ? "A certificate of this phase has EXPIRED: schedule the change window now."
				 : "A certificate of this phase has EXPIRED: run these steps now, one node at a time.");
			add_notes(ph->def->notes, &x, pc, NULL, NULL, &ph->remarks, &ph->nremarks,
				  &ph->warnings, &ph->nwarnings);
			if (ph->def->phase == UC_PHASE_NO_PHONE_IMPACT)
				ph->nremarks = 0;	/* the "any time" remark */
		} else {
			add_notes(ph->def->notes, &x, pc, NULL, NULL, &ph->remarks, &ph->nremarks,
				  &ph->warnings, &ph->nwarnings);
		}
		if (ph->def->before) {
			struct uc_plan_step tmp = { 0 };
			bool *none = xcalloc(c->nnodes ? c->nnodes : 1, sizeof *none);
			bool *touched = xcalloc(c->nnodes ? c->nnodes : 1, sizeof *touched);
			for (const struct uc_action_def *a = ph->def->before; a->target; a++)
				if (action_applies(a, &x))
					add_action(&tmp, c, a, none, -1, touched);
			ph->before = tmp.actions;
			ph->nbefore = tmp.nactions;
			free(none);
			free(touched);
		}
		const char *adj = uc_mode_adjustment(c->security_mode);
		if (ph->def->phase == UC_PHASE_CTL_ITL && adj)
			push_str(&ph->warnings, &ph->nwarnings, adj);
	}
	if (pc->nunplanned)
		qsort(pc->unplanned, pc->nunplanned, sizeof *pc->unplanned, cmp_cert);
	return number > 0 || pc->nunplanned > 0 || pc->nfailed > 0;
}

struct uc_plan *uc_plan_build(const struct uc_inventory *inv,
			      const struct uc_settings *s, int within,
			      const char *cluster)
{
	struct uc_plan *p = xcalloc(1, sizeof *p);

	p->now = inv->now;
	p->within = within < 0 ? -1 : within;
	for (int k = 1; k <= UC_IMPACT_MAX; k++)
		p->thresholds[k] = within >= 0 ? within
					       : uc_settings_threshold(s, (enum uc_impact)k);
	p->clusters = xcalloc(s->nclusters, sizeof *p->clusters);
	for (size_t i = 0; i < s->nclusters; i++) {
		if (cluster && strcmp(s->clusters[i].name, cluster) != 0)
			continue;
		struct uc_plan_cluster *pc = &p->clusters[p->nclusters];
		if (build_cluster(pc, p, inv, s, i))
			p->nclusters++;
		else
			free_cluster(pc);
	}
	return p;
}

void uc_plan_free(struct uc_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nclusters; i++)
		free_cluster(&p->clusters[i]);
	free(p->clusters);
	free(p);
}

size_t uc_plan_cluster_nsteps(const struct uc_plan_cluster *pc)
{
	size_t n = 0;
	for (size_t i = 0; i < pc->nphases; i++)
		n += pc->phases[i].nsteps;
	return n;
}
