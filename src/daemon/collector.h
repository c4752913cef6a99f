/* collector.h - the scan thread: scans on schedule or on demand, turns each
 * inventory into a snapshot and hands it to the SNMP thread. It never calls
 * Net-SNMP. */
#ifndef UCCERTD_COLLECTOR_H
#define UCCERTD_COLLECTOR_H

#include <stdbool.h>

struct uc_settings;
struct snapshot;

/* Start the thread; it owns s from now on. wake_fd gets one byte written
 * each time a snapshot is ready. */
bool collector_start(struct uc_settings *s, int wake_fd);
/* Scan now (SIGHUP); with new settings if s is not NULL (ownership moves). */
void collector_rescan(struct uc_settings *s);
/* The newest finished snapshot, or NULL; the caller owns it. */
struct snapshot *collector_take(void);
void collector_stop(void);

#endif
