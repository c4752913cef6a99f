/* outbox.c - due notifications, paced and acknowledged. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "util.h"

struct uc_outbox {
	/* waiting, in priority order; the next to consider is wait[0] */
	struct uc_outbox_item **wait;
	size_t nwait, capwait;
	struct uc_outbox_item **fly;	/* at most max_inflight */
	size_t nfly, capfly;
	unsigned max_inflight, rate;
	int64_t next_slot;	/* the rate allows the next send from then */
	uint64_t last_token;
	struct uc_outbox_item *chosen;	/* returned by next(), not yet sent */
};

static int kind_rank(enum uc_notice_kind k)
{
	return k == UC_NOTICE_EXPIRED ? 0 : k == UC_NOTICE_EXPIRING ? 1 : 2;
}

int uc_notice_priority_cmp(const struct uc_notice *a, const struct uc_notice *b)
{
	int ra = kind_rank(a->kind), rb = kind_rank(b->kind);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->facts.days_left != b->facts.days_left)
		return a->facts.days_left < b->facts.days_left ? -1 : 1;
	bool ca = a->facts.impact == UC_IMPACT_CTL_ITL, cb = b->facts.impact == UC_IMPACT_CTL_ITL;
	if (ca != cb)
		return ca ? -1 : 1;
	if (a->facts.index != b->facts.index)
		return a->facts.index < b->facts.index ? -1 : 1;
	return strcmp(a->key ? a->key : "", b->key ? b->key : "");
}

static int item_cmp(const void *pa, const void *pb)
{
	const struct uc_outbox_item *a = *(const struct uc_outbox_item *const *)pa;
	const struct uc_outbox_item *b = *(const struct uc_outbox_item *const *)pb;
	return uc_notice_priority_cmp(&a->notice, &b->notice);
}

struct uc_outbox *uc_outbox_new(void)
{
	struct uc_outbox *o = xcalloc(1, sizeof *o);
	o->max_inflight = 8;
	return o;
}

void uc_outbox_item_free(struct uc_outbox_item *it)
{
	if (!it)
		return;
	const struct uc_alert_facts *f = &it->notice.facts;
	free((char *)it->notice.key);
	free((char *)f->cluster);
	free((char *)f->node);
	free((char *)f->unit);
	free((char *)f->subject);
	free((char *)f->serial);
	free(it);
}

static void clear_wait(struct uc_outbox *o)
{
	for (size_t i = 0; i < o->nwait; i++)
		uc_outbox_item_free(o->wait[i]);
	o->nwait = 0;
	o->chosen = NULL;
}

void uc_outbox_free(struct uc_outbox *o)
{
	if (!o)
		return;
	clear_wait(o);
	for (size_t i = 0; i < o->nfly; i++)
		uc_outbox_item_free(o->fly[i]);
	free(o->wait);
	free(o->fly);
	free(o);
}

void uc_outbox_configure(struct uc_outbox *o, unsigned max_inflight, unsigned rate)
{
	o->max_inflight = max_inflight ? max_inflight : 1;
	o->rate = rate;
}

static struct uc_outbox_item *item_copy(const struct uc_notice *n)
{
	struct uc_outbox_item *it = xcalloc(1, sizeof *it);
	it->notice = *n;
	it->notice.key = xstrdup(n->key ? n->key : "");
	struct uc_alert_facts *f = &it->notice.facts;
	f->cluster = xstrdup(n->facts.cluster ? n->facts.cluster : "");
	f->node = xstrdup(n->facts.node ? n->facts.node : "");
	f->unit = xstrdup(n->facts.unit ? n->facts.unit : "");
	f->subject = xstrdup(n->facts.subject ? n->facts.subject : "");
	f->serial = xstrdup(n->facts.serial ? n->facts.serial : "");
	return it;
}

static void push_wait(struct uc_outbox *o, struct uc_outbox_item *it)
{
	if (o->nwait == o->capwait) {
		o->capwait = o->capwait ? o->capwait * 2 : 64;
		o->wait = xreallocarray(o->wait, o->capwait, sizeof *o->wait);
	}
	o->wait[o->nwait++] = it;
}

/* Put it back among the waiting ones, at its place in priority order. */
static void insert_wait(struct uc_outbox *o, struct uc_outbox_item *it)
{
	size_t lo = 0, hi = o->nwait;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (item_cmp(&o->wait[mid], &it) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	push_wait(o, it);
	memmove(&o->wait[lo + 1], &o->wait[lo], (o->nwait - 1 - lo) * sizeof *o->wait);
	o->wait[lo] = it;
}

static struct uc_outbox_item *flying_key(const struct uc_outbox *o, const char *key)
{
	for (size_t i = 0; i < o->nfly; i++)
		if (strcmp(o->fly[i]->notice.key, key) == 0)
			return o->fly[i];
	return NULL;
}

void uc_outbox_set_due(struct uc_outbox *o, const struct uc_notice *due, size_t n)
{
	clear_wait(o);
	for (size_t i = 0; i < n; i++) {
		const struct uc_outbox_item *f = flying_key(o, due[i].key ? due[i].key : "");
		if (f && f->notice.kind == due[i].kind && f->notice.band == due[i].band)
			continue;	/* already on its way */
		push_wait(o, item_copy(&due[i]));
	}
	if (o->nwait > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(o->wait, o->nwait, sizeof *o->wait, item_cmp);
}

const struct uc_outbox_item *uc_outbox_next(struct uc_outbox *o, int64_t now, int64_t *wake)
{
	int64_t soonest = -1;

	o->chosen = NULL;
	*wake = -1;
	if (o->nfly >= o->max_inflight || o->nwait == 0)
		return NULL;
	if (o->rate && now < o->next_slot) {
		*wake = o->next_slot;
		return NULL;
	}
	for (size_t i = 0; i < o->nwait; i++) {
		struct uc_outbox_item *it = o->wait[i];
		if (flying_key(o, it->notice.key))
			continue;	/* one notification per certificate at a time */
		if (it->not_before > now) {
			if (soonest < 0 || it->not_before < soonest)
				soonest = it->not_before;
			continue;
		}
		o->chosen = it;
		return it;
	}
	*wake = soonest;
	return NULL;
}

uint64_t uc_outbox_sent(struct uc_outbox *o, int64_t now)
{
	struct uc_outbox_item *it = o->chosen;
	size_t i;

	if (!it)
		return 0;
	for (i = 0; i < o->nwait && o->wait[i] != it; i++)
		;
	memmove(&o->wait[i], &o->wait[i + 1], (o->nwait - i - 1) * sizeof *o->wait);
	o->nwait--;
	o->chosen = NULL;
	if (o->nfly == o->capfly) {
		o->capfly = o->capfly ? o->capfly * 2 : 8;
		o->fly = xreallocarray(o->fly, o->capfly, sizeof *o->fly);
	}
	it->token = ++o->last_token;
	o->fly[o->nfly++] = it;
	if (o->rate) {
		int64_t slot = o->next_slot > now ? o->next_slot : now;
		o->next_slot = slot + 1000000 / o->rate;
	}
	return it->token;
}

static struct uc_outbox_item *take_flying(struct uc_outbox *o, uint64_t token)
{
	for (size_t i = 0; i < o->nfly; i++) {
		if (o->fly[i]->token == token) {
			struct uc_outbox_item *it = o->fly[i];
			o->fly[i] = o->fly[--o->nfly];
			it->token = 0;
			return it;
		}
	}
	return NULL;
}

struct uc_outbox_item *uc_outbox_acked(struct uc_outbox *o, uint64_t token)
{
	o->chosen = NULL;
	return take_flying(o, token);
}

void uc_outbox_rejected(struct uc_outbox *o, uint64_t token, int64_t retry_at)
{
	o->chosen = NULL;
	struct uc_outbox_item *it = take_flying(o, token);
	if (it) {
		it->not_before = retry_at;
		insert_wait(o, it);
	}
}

void uc_outbox_lost(struct uc_outbox *o, uint64_t token)
{
	uc_outbox_rejected(o, token, 0);
}

void uc_outbox_requeue(struct uc_outbox *o)
{
	o->chosen = NULL;
	while (o->nfly > 0) {
		struct uc_outbox_item *it = o->fly[--o->nfly];
		it->token = 0;
		it->not_before = 0;
		insert_wait(o, it);
	}
}

size_t uc_outbox_waiting(const struct uc_outbox *o)
{
	return o->nwait;
}

size_t uc_outbox_inflight(const struct uc_outbox *o)
{
	return o->nfly;
}
