/* minimal-table - the smallest AgentX subagent that serves a table the way
 * uccertd does: table_container over a binary array of rows that begin with
 * a netsnmp_index, one Unsigned32 index, one Unsigned32 column (column 2).
 * It is bench/walk's baseline for what Net-SNMP and AgentX cost per varbind
 * with no work of our own.
 *
 *   minimal-table AGENTX_SOCKET ROWS [PIDFILE]
 *
 * Serves .1.3.6.1.4.1.8072.9999.9999.8.1.1.2.<i> = i for i in 1..ROWS (table
 * .8.1, entry .8.1.1, column 2) until SIGTERM or SIGINT. */
#include <config.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct row {
	netsnmp_index idx;	/* first: the container compares these */
	oid idx_oid;
	u_long value;
};

static const oid table_oid[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 8, 1 };	/* the table: entry .1 below it */
static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
		   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)h, (void)reg;
	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		const struct row *row = netsnmp_container_table_row_extract(r);
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(r);
		if (r->processed || !row || !ti)
			continue;
		if (ti->colnum == 2)
			snmp_set_var_typed_value(r->requestvb, ASN_UNSIGNED, &row->value,
						 sizeof row->value);
		else
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: minimal-table AGENTX_SOCKET ROWS [PIDFILE]\n");
		return 64;
	}
	long n = strtol(argv[2], NULL, 10);
	if (n < 1) {
		fprintf(stderr, "minimal-table: ROWS must be positive\n");
		return 64;
	}
	struct row *rows = calloc((size_t)n, sizeof *rows);
	if (!rows)
		return 1;

	setenv("MIBS", "", 1);
	snmp_enable_stderrlog();
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, argv[1]);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	if (init_agent("minimal-table") != 0)
		return 1;

	netsnmp_handler_registration *reg = netsnmp_create_handler_registration(
		"minimalTable", handler, table_oid, OID_LENGTH(table_oid), HANDLER_CAN_RONLY);
	netsnmp_table_registration_info *ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	netsnmp_container *c = netsnmp_container_find("table_container");
	if (!reg || !ti || !c)
		return 1;
	netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
	ti->min_column = 2;
	ti->max_column = 2;
	if (netsnmp_container_table_register(reg, ti, c, TABLE_CONTAINER_KEY_NETSNMP_INDEX) !=
	    MIB_REGISTERED_OK)
		return 1;
	for (long i = 0; i < n; i++) {
		rows[i].idx_oid = (oid)(i + 1);
		rows[i].idx.oids = &rows[i].idx_oid;
		rows[i].idx.len = 1;
		rows[i].value = (u_long)(i + 1);
		CONTAINER_INSERT(c, &rows[i]);
	}
	init_snmp("minimal-table");

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc == 4) {
		FILE *f = fopen(argv[3], "w");
		if (f) {
			fprintf(f, "%ld\n", (long)getpid());
			fclose(f);
		}
	}
	while (!quit)
		agent_check_and_process(1);

	CONTAINER_CLEAR(c, NULL, NULL);
	snmp_shutdown("minimal-table");
	shutdown_agent();
	free(rows);
	return 0;
}
