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
/* SIGHUP: reload config_path and scan now, both on the scan thread (a
 * configuration with errors is logged and the previous one stays). */
void collector_reload(const char *config_path);
/* The newest finished snapshot, or NULL; the caller owns it. */
struct snapshot *collector_take(void);
/* Ask the thread to stop (returns at once). */
void collector_quit(void);
/* Stop it and free what it holds, waiting at most wait_ms for a scan in
 * progress; false if that scan is still running (nothing freed then). */
bool collector_stop(int wait_ms);

#endif
