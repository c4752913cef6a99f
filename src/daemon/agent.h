/* agent.h - the AgentX subagent: registers UCCERT-MIB and serves the
 * current snapshot. Every function here runs on the SNMP (main) thread. */
#ifndef UCCERTD_AGENT_H
#define UCCERTD_AGENT_H

#include <stdbool.h>
#include <stdint.h>

struct snapshot;

/* What became of a notification sent with agent_notify(). */
enum agent_outcome {
	AGENT_ACKED,		/* the master's Response said no error */
	AGENT_REJECTED,		/* the master answered with an error */
	AGENT_LOST,		/* no answer: the session dropped, or silence */
};
typedef void (*agent_ack_fn)(uint64_t token, enum agent_outcome outcome);

/* Connect to the master at socket; ping_interval seconds between pings
 * (also the reconnect delay). on_ack learns the outcome of each
 * notification. Returns false if Net-SNMP failed to start. */
bool agent_init(const char *socket, int ping_interval, const char *persist_dir,
		agent_ack_fn on_ack);
/* Serve snap from now on; the agent owns it and frees the one it replaces. */
void agent_publish(struct snapshot *snap);
/* Wait for SNMP traffic, timers or fd, or until wake (monotonic
 * microseconds; -1 none); handle what arrived. Returns true if fd is
 * readable (the caller reads it). */
bool agent_poll(int fd, int64_t wake);
bool agent_connected(void);
/* True once after each loss of the master. */
bool agent_take_disconnect(void);
/* Values of uccertNotifyBacklog and uccertStateErrors. */
void agent_set_status(unsigned long notify_backlog, unsigned long state_write_errors);
struct uc_notice;
/* Send one Notify-PDU to the master without waiting; its outcome reaches
 * on_ack with token. False (nothing sent, no outcome) without a master. */
bool agent_notify(const struct uc_notice *n, uint64_t token);
/* Disconnect and free the snapshot served. */
void agent_shutdown(void);

#endif
