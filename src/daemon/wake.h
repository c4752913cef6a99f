/* wake.h - the bytes written to the daemon's event pipe. Signal handlers and
 * the scan thread write one; the main (SNMP) thread reads them between two
 * turns of its loop and acts on each. */
#ifndef UCCERTD_WAKE_H
#define UCCERTD_WAKE_H

enum wake_byte {
	WAKE_STOP = 'T',	/* SIGTERM, SIGINT: leave the loop */
	WAKE_RELOAD = 'H',	/* SIGHUP: reload the configuration, rescan */
	WAKE_SNAPSHOT = 'S',	/* the scan thread has a snapshot ready */
};

#endif
