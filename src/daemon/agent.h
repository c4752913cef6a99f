/* agent.h - the AgentX subagent: registers UCCERT-MIB and serves the
 * current snapshot. Every function here runs on the SNMP (main) thread. */
#ifndef UCCERTD_AGENT_H
#define UCCERTD_AGENT_H

#include <stdbool.h>

struct snapshot;

/* Connect to the master at socket; ping_interval seconds between pings
 * (also the reconnect delay). Returns false if Net-SNMP failed to start. */
bool agent_init(const char *socket, int ping_interval, const char *persist_dir,
		bool log_stderr);
/* Serve snap from now on; returns the snapshot it replaces (caller frees). */
struct snapshot *agent_publish(struct snapshot *snap);
/* Wait for SNMP traffic, timers or fd; handle what arrived. Returns true if
 * fd is readable (the caller reads it). */
bool agent_poll(int fd);
bool agent_connected(void);
/* True once after each (re)connection to the master. */
bool agent_take_reconnect(void);
struct uc_notice;
/* Send one notification through the master; false (nothing sent) while no
 * master is connected. */
bool agent_notify(const struct uc_notice *n);
/* Disconnect; returns the snapshot that was served (caller frees). */
struct snapshot *agent_shutdown(void);

#endif
