/* notifier.h - send the expiry notifications a snapshot makes due. Runs on
 * the SNMP thread, where notifications can be sent. */
#ifndef UCCERTD_NOTIFIER_H
#define UCCERTD_NOTIFIER_H

struct snapshot;

void notifier_open(const char *state_dir);
/* Evaluate snap against what was sent; send what is due if the master is
 * connected (otherwise it stays due until it is). */
void notifier_run(const struct snapshot *snap);
void notifier_close(void);

#endif
