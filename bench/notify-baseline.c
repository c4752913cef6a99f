/* notify-baseline - the simplest correct way to send notifications from an
 * AgentX subagent, as a baseline for bench/notify.
 *
 *   notify-baseline AGENTX_SOCKET COUNT
 *
 * Connects to the master as a subagent, registering one object at the OID of
 * uccertCertCount.0 (so that a poller asks it what it asks uccertd), then sends
 * COUNT notifications stop-and-wait: each Notify-PDU waits for the master's
 * Response before the next leaves. Each carries the varbinds uccertd's
 * uccertExpired carries (UCCERT-MIB's OIDs, values of the same sizes), with
 * its number as the index. Prints "sent=N acked=N seconds=S" and exits. */
#include <config.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AGENTX_V1 0xc1		/* RFC 2741: Net-SNMP's AgentX version byte */
#define AGENTX_PDU_NOTIFY 12

static netsnmp_session *master;
static int answered, acked;

static int on_start(int major, int minor, void *server, void *client)
{
	(void)major, (void)minor, (void)client;
	master = server;
	return 0;
}

static int on_answer(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
	(void)s, (void)reqid, (void)magic;
	answered = 1;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->errstat == 0)
		acked++;
	return 1;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void add(netsnmp_pdu *pdu, oid col, oid index, u_char type, const void *v, size_t len)
{
	oid name[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7, 1, 2, 1, col, index };
	snmp_pdu_add_variable(pdu, name, OID_LENGTH(name), type, v, len);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: notify-baseline AGENTX_SOCKET COUNT\n");
		return 64;
	}
	long count = strtol(argv[2], NULL, 10);
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, argv[1]);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START, on_start, NULL);
	if (init_agent("notify-baseline") != 0)
		return 1;
	static const oid certcount[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7, 1, 1, 2, 0 };
	static long ncerts = 10000;
	netsnmp_register_read_only_long_instance("certCount", (oid *)certcount,
						 OID_LENGTH(certcount), &ncerts, NULL);
	init_snmp("notify-baseline");
	if (!master) {
		fprintf(stderr, "notify-baseline: no master at %s\n", argv[1]);
		return 1;
	}

	static const oid sysuptime[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
	static const oid trapoid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	static const oid expired[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7, 0, 2 };
	static const unsigned char when[11] = { 0x07, 0xea, 11, 21, 0, 0, 0, 0, '+', 0, 0 };
	const char *cluster = "big", *node = "n07", *unit = "tomcat-trust";
	const char *subject = "CN=n07-exp-12", *serial = "4f:0a:1b:2c:3d:4e:5f:60";
	long store = 2, impact = 1, days = -10, sent = 0;
	double t0 = now_s();
	for (long i = 1; i <= count; i++) {
		netsnmp_pdu *pdu = snmp_pdu_create(AGENTX_PDU_NOTIFY);
		long up = (long)netsnmp_get_agent_uptime();
		pdu->version = AGENTX_V1;
		pdu->sessid = master->sessid;
		snmp_pdu_add_variable(pdu, sysuptime, OID_LENGTH(sysuptime), ASN_TIMETICKS, &up, sizeof up);
		snmp_pdu_add_variable(pdu, trapoid, OID_LENGTH(trapoid), ASN_OBJECT_ID, expired, sizeof expired);
		add(pdu, 2, (oid)i, ASN_OCTET_STR, cluster, strlen(cluster));
		add(pdu, 3, (oid)i, ASN_OCTET_STR, node, strlen(node));
		add(pdu, 4, (oid)i, ASN_OCTET_STR, unit, strlen(unit));
		add(pdu, 5, (oid)i, ASN_INTEGER, &store, sizeof store);
		add(pdu, 6, (oid)i, ASN_INTEGER, &impact, sizeof impact);
		add(pdu, 7, (oid)i, ASN_OCTET_STR, subject, strlen(subject));
		add(pdu, 9, (oid)i, ASN_OCTET_STR, serial, strlen(serial));
		add(pdu, 11, (oid)i, ASN_OCTET_STR, when, sizeof when);
		add(pdu, 12, (oid)i, ASN_INTEGER, &days, sizeof days);
		answered = 0;
		if (!snmp_async_send(master, pdu, on_answer, NULL)) {
			snmp_free_pdu(pdu);
			break;
		}
		sent++;
		while (!answered)
			agent_check_and_process(1);	/* stop and wait */
	}
	double t1 = now_s();
	/* keep serving a moment: a poller still asking is not answered
	 * noSuchObject because the burst is over */
	while (now_s() - t1 < 1.0)
		if (agent_check_and_process(0) == 0)
			usleep(10000);
	printf("sent=%ld acked=%d seconds=%.3f\n", sent, acked, t1 - t0);
	snmp_shutdown("notify-baseline");
	return acked == count ? 0 : 1;
}
