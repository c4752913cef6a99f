/* notifier.c - expiry notifications: evaluate, queue, send paced, record
 * what the master acknowledged. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "alerts.h"
#include "clock.h"
#include "log.h"
#include "notifier.h"
#include "outbox.h"
#include "scan.h"
#include "snapshot.h"
#include "util.h"

/* a notification the master refused waits this long before it is retried */
#define REJECT_RETRY_US (10 * 1000000LL)
/* the journal is folded into the state file past this many lines, even in
 * the middle of a long backlog */
#define JOURNAL_FOLD_LINES 4096

static struct uc_alerts *alerts;
static struct uc_outbox *outbox;
static bool waiting_logged;
/* acknowledged since the last flush: journaled, then reported */
static struct uc_outbox_item **acked;
static size_t nacked, capacked;

void notifier_open(const char *state_dir)
{
	char *path = xasprintf("%s/alerts", state_dir);
	alerts = uc_alerts_open(path);
	free(path);
	outbox = uc_outbox_new();
}

void notifier_close(void)
{
	notifier_flush();
	free(acked);
	acked = NULL;
	nacked = capacked = 0;
	if (alerts) {
		uc_alerts_save(alerts);
		uc_alerts_free(alerts);
	}
	uc_outbox_free(outbox);
	alerts = NULL;
	outbox = NULL;
}

static bool source_failed(const char *cluster, const char *node, void *ctx)
{
	const struct snapshot *snap = ctx;
	for (size_t i = 0; i < snap->nsources; i++) {
		const struct source_row *r = &snap->sources[i];
		if (r->status != SOURCE_OK && strcmp(snap_str(snap, r->cluster), cluster) == 0 &&
		    strcmp(snap_str(snap, r->node), node) == 0)
			return true;
	}
	return false;
}

static const char *kind_name(enum uc_notice_kind k)
{
	switch (k) {	/* every member: -Wswitch names a new one */
	case UC_NOTICE_EXPIRING: return "uccertExpiring";
	case UC_NOTICE_EXPIRED: return "uccertExpired";
	case UC_NOTICE_CLEARED: return "uccertCleared";
	}
	return "?";
}

void notifier_run(const struct snapshot *snap)
{
	const struct uc_notice *due;
	struct uc_alert_obs *obs;
	size_t n;
	int64_t now = uc_now();

	if (!alerts || !snap)
		return;
	uc_outbox_configure(outbox, snap->notify_inflight, snap->notify_rate);
	/* Only certificates inside the window are observed: one that left it
	 * (or the store) is absent either way, and the alerts clear it with the
	 * last values they sent. */
	obs = xcalloc(snap->ncerts ? snap->ncerts : 1, sizeof *obs);
	size_t nobs = 0;
	for (size_t i = 0; i < snap->ncerts; i++) {
		const struct cert_row *r = &snap->certs[i];
		if (r->band == UC_BAND_NONE)
			continue;
		const char *cluster = snap_str(snap, r->cluster), *node = snap_str(snap, r->node),
			   *unit = snap_str(snap, r->unit);
		obs[nobs].key = snapshot_key(cluster, node, unit, r->fingerprint,
					     snap_str(snap, r->source), r->copy);
		obs[nobs].band = r->band;
		obs[nobs].facts = (struct uc_alert_facts){
			.index = (uint32_t)r->idx_oid, .cluster = cluster, .node = node,
			.unit = unit, .subject = snap_str(snap, r->subject),
			.serial = snap_str(snap, r->serial), .store = (enum uc_store)r->store,
			.impact = (enum uc_impact)r->impact, .not_after = r->not_after_t,
			.days_left = r->days_left,
		};
		nobs++;
	}
	n = uc_alerts_due(alerts, obs, nobs, source_failed, (void *)snap, now,
			  snap->expired_repeat_days, &due);
	uc_outbox_set_due(outbox, due, n);
	if (n > 0)
		uc_log(LOG_INFO, "%zu notification(s) due, %zu waiting to be sent", n,
		       uc_outbox_waiting(outbox));
	for (size_t i = 0; i < nobs; i++)
		free((char *)obs[i].key);
	free(obs);
}

int64_t notifier_pump(void)
{
	int64_t wake = -1;

	if (!outbox)
		return -1;
	if (!agent_connected()) {
		size_t backlog = notifier_backlog();
		if (backlog > 0 && !waiting_logged)
			uc_log(LOG_WARNING, "%zu notification(s) due, held until the AgentX master is back",
			       backlog);
		waiting_logged = backlog > 0;
		return -1;
	}
	waiting_logged = false;
	for (;;) {
		int64_t now = uc_monotonic_us();
		const struct uc_outbox_item *it = uc_outbox_next(outbox, now, &wake);
		if (!it)
			break;
		uint64_t token = uc_outbox_sent(outbox, now);
		if (!agent_notify(&it->notice, token)) {
			uc_outbox_lost(outbox, token);	/* waits for the next session */
			break;
		}
	}
	return wake;
}

void notifier_ack(uint64_t token, enum agent_outcome outcome)
{
	if (!outbox)
		return;
	if (outcome == AGENT_REJECTED) {
		uc_outbox_rejected(outbox, token, uc_monotonic_us() + REJECT_RETRY_US);
		return;
	}
	if (outcome == AGENT_LOST) {
		uc_outbox_lost(outbox, token);
		return;
	}
	struct uc_outbox_item *it = uc_outbox_acked(outbox, token);
	if (!it)
		return;	/* requeued already: the session dropped */
	uc_alerts_ack(alerts, &it->notice, uc_now());
	if (nacked == capacked) {
		capacked = capacked ? capacked * 2 : 16;
		acked = xreallocarray(acked, capacked, sizeof *acked);
	}
	acked[nacked++] = it;
}

void notifier_requeue(void)
{
	if (outbox && uc_outbox_inflight(outbox) > 0) {
		uc_log(LOG_WARNING, "%zu notification(s) unacknowledged when the master went away: "
		       "sent again after it is back", uc_outbox_inflight(outbox));
		uc_outbox_requeue(outbox);
	}
}

void notifier_flush(void)
{
	if (!alerts)
		return;
	/* on disk (the kernel's) before it is reported as sent: from the log
	 * line on, a killed process does not send it again */
	uc_alerts_flush(alerts);
	for (size_t i = 0; i < nacked; i++) {
		const struct uc_notice *n = &acked[i]->notice;
		uc_log(LOG_NOTICE, "sent %s: %s/%s %s \"%s\", %lld days left (uccertIndex %u)",
		       kind_name(n->kind), n->facts.cluster, n->facts.node, n->facts.unit,
		       n->facts.subject, (long long)n->facts.days_left, (unsigned)n->facts.index);
		uc_outbox_item_free(acked[i]);
	}
	nacked = 0;
	/* fold the journal into the file when the queue has drained (or the
	 * journal has grown long) */
	size_t j = uc_alerts_journaled(alerts);
	if (j > 0 && (notifier_backlog() == 0 || j >= JOURNAL_FOLD_LINES))
		uc_alerts_save(alerts);
}

size_t notifier_backlog(void)
{
	return outbox ? uc_outbox_waiting(outbox) + uc_outbox_inflight(outbox) : 0;
}

unsigned long notifier_state_errors(void)
{
	return alerts ? uc_alerts_state_errors(alerts) : 0;
}

bool notifier_idle(void)
{
	return !outbox || uc_outbox_inflight(outbox) == 0;
}
