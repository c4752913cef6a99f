/* notifier.c - expiry notifications: evaluate, send, remember. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "alerts.h"
#include "clock.h"
#include "log.h"
#include "notifier.h"
#include "scan.h"
#include "snapshot.h"
#include "util.h"

static struct uc_alerts *alerts;
static bool waiting_logged;

void notifier_open(const char *state_dir)
{
	char *path = xasprintf("%s/alerts", state_dir);
	alerts = uc_alerts_open(path);
	free(path);
}

void notifier_close(void)
{
	uc_alerts_free(alerts);
	alerts = NULL;
}

static bool source_failed(const char *cluster, const char *node, void *ctx)
{
	const struct snapshot *snap = ctx;
	for (size_t i = 0; i < snap->nsources; i++) {
		const struct source_row *r = &snap->sources[i];
		if (r->status != 1 && strcmp(snap_str(snap, r->cluster), cluster) == 0 &&
		    strcmp(snap_str(snap, r->node), node) == 0)
			return true;
	}
	return false;
}

static const char *kind_name(enum uc_notice_kind k)
{
	return k == UC_NOTICE_EXPIRING ? "uccertExpiring"
	     : k == UC_NOTICE_EXPIRED ? "uccertExpired" : "uccertCleared";
}

void notifier_run(const struct snapshot *snap)
{
	const struct uc_notice *due;
	struct uc_alert_obs *obs;
	size_t n, sent = 0;
	int64_t now = uc_now();

	if (!alerts || !snap)
		return;
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
		obs[nobs].key = uc_record_key(cluster, node, unit, r->fingerprint, NULL);
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
	for (size_t i = 0; i < n; i++) {
		if (!agent_notify(&due[i]))
			break;
		uc_alerts_mark_sent(alerts, i, now);
		sent++;
		uc_log(LOG_NOTICE, "sent %s: %s/%s %s \"%s\", %lld days left (uccertIndex %u)",
		       kind_name(due[i].kind), due[i].facts.cluster, due[i].facts.node,
		       due[i].facts.unit, due[i].facts.subject,
		       (long long)due[i].facts.days_left, (unsigned)due[i].facts.index);
	}
	if (sent < n) {
		if (!waiting_logged)
			uc_log(LOG_WARNING, "%zu notification(s) due, held until the AgentX master is back",
			       n - sent);
		waiting_logged = true;
	} else {
		waiting_logged = false;
	}
	uc_alerts_save(alerts);
	for (size_t i = 0; i < nobs; i++)
		free((char *)obs[i].key);
	free(obs);
}
