/* outbox.h - notifications on their way: waiting, in flight, acknowledged.
 *
 * The alerts decide what is due; the outbox decides what leaves now. It
 * keeps the due notifications in priority order (expired first, then the
 * fewest days left, CTL/ITL impact before none at equal days, clearing ones
 * last), lets at most max_inflight be unacknowledged at once, paces them to
 * rate per second, and keeps a notification until the receiver has
 * acknowledged it: a rejected one is retried after a delay, a lost one (the
 * connection dropped, no answer) goes back to the front of the queue.
 * Nothing here knows how notifications travel; times are microseconds on
 * the caller's monotonic clock. */
#ifndef UCCERT_OUTBOX_H
#define UCCERT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "alerts.h"

struct uc_outbox;

/* One notification; its notice (key and facts) is owned by the outbox. */
struct uc_outbox_item {
	struct uc_notice notice;
	uint64_t token;		/* in flight: the token it left with; 0 waiting */
	int64_t not_before;	/* waiting: not sent before this time */
};

struct uc_outbox *uc_outbox_new(void);
void uc_outbox_free(struct uc_outbox *o);
/* max_inflight >= 1; rate 0 = as fast as acknowledgements allow. */
void uc_outbox_configure(struct uc_outbox *o, unsigned max_inflight, unsigned rate);

/* This evaluation's due notifications replace the waiting ones (copied);
 * one that is in flight with the same key, kind and band is not queued
 * again. */
void uc_outbox_set_due(struct uc_outbox *o, const struct uc_notice *due, size_t n);

/* The notification to send now, or NULL. With NULL, *wake is the time to
 * ask again (rate or retry delay), or -1 when only an acknowledgement or new
 * due notifications can change the answer. */
const struct uc_outbox_item *uc_outbox_next(struct uc_outbox *o, int64_t now, int64_t *wake);
/* The item uc_outbox_next() returned has left: it is in flight now.
 * Returns its token (never 0). */
uint64_t uc_outbox_sent(struct uc_outbox *o, int64_t now);

/* The receiver acknowledged token: the item leaves the outbox and is the
 * caller's (uc_outbox_item_free). NULL for a token not in flight. */
struct uc_outbox_item *uc_outbox_acked(struct uc_outbox *o, uint64_t token);
/* token was rejected: retry it at retry_at. */
void uc_outbox_rejected(struct uc_outbox *o, uint64_t token, int64_t retry_at);
/* token got no answer: it waits again, first in its priority. */
void uc_outbox_lost(struct uc_outbox *o, uint64_t token);
/* The connection dropped: everything in flight waits again. */
void uc_outbox_requeue(struct uc_outbox *o);

size_t uc_outbox_waiting(const struct uc_outbox *o);
size_t uc_outbox_inflight(const struct uc_outbox *o);
void uc_outbox_item_free(struct uc_outbox_item *it);

/* Priority order: negative when a goes out before b. */
int uc_notice_priority_cmp(const struct uc_notice *a, const struct uc_notice *b);

#endif
