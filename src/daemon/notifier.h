/* notifier.h - expiry notifications: what is due (alerts), what leaves now
 * (outbox), what the master acknowledged (recorded, journaled). Runs on the
 * SNMP thread, where notifications can be sent; never waits for the master:
 * notifier_pump() sends at most what the in-flight limit and the rate allow
 * and returns, acknowledgements come back through notifier_ack(). */
#ifndef UCCERTD_NOTIFIER_H
#define UCCERTD_NOTIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snapshot;

void notifier_open(const char *state_dir);
/* Evaluate snap against what was acknowledged; what is due replaces the
 * queue (what is in flight stays in flight). */
void notifier_run(const struct snapshot *snap);
/* Send what may leave now. Returns the monotonic time (microseconds) at
 * which to call again even if nothing else happens, or -1. */
int64_t notifier_pump(void);
#include "agent.h"

/* The master's answer to token (agent_ack_fn). */
void notifier_ack(uint64_t token, enum agent_outcome outcome);
/* The session to the master dropped: what was in flight goes out again. */
void notifier_requeue(void);
/* Append what was acknowledged since the last call to the journal (one
 * write), then log each as sent; fold the journal into the state file
 * (atomic, fsync) once nothing is queued. Call after each poll. */
void notifier_flush(void);
/* Due but not yet acknowledged. */
size_t notifier_backlog(void);
/* Failed writes of the notification state since the last good one. */
unsigned long notifier_state_errors(void);
/* Nothing in flight. */
bool notifier_idle(void);
void notifier_close(void);

#endif
