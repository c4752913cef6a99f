/* agent.c - UCCERT-MIB over AgentX.
 *
 * Tables are served by Net-SNMP's table_container over a binary array that
 * holds the snapshot's rows: GETNEXT is a binary search, GET a copy of a
 * value prepared at scan time. */
#include <config.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include <errno.h>
#include <string.h>
#include <sys/select.h>

#include "agent.h"
#include "alerts.h"
#include "log.h"
#include "snapshot.h"

/* The one place the code names UCCERT-MIB's root (netSnmpPlaypen.7 until the
 * project has an enterprise number); keep it equal to the MIB's. */
#define UCCERT_MIB_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7

static const oid scalars_oid[] = { UCCERT_MIB_ROOT, 1, 1 };
static const oid cert_table_oid[] = { UCCERT_MIB_ROOT, 1, 2 };
static const oid source_table_oid[] = { UCCERT_MIB_ROOT, 1, 3 };

enum {
	COL_CLUSTER = 2, COL_NODE, COL_UNIT, COL_STORE, COL_IMPACT, COL_SUBJECT,
	COL_ISSUER, COL_SERIAL, COL_NOT_BEFORE, COL_NOT_AFTER, COL_DAYS_LEFT,
	COL_STATE, COL_FINGERPRINT, COL_SOURCE, COL_REGEN,
};
enum {
	SCOL_CLUSTER = 2, SCOL_NODE, SCOL_KIND, SCOL_LOCATION, SCOL_STATUS,
	SCOL_LAST_ERROR, SCOL_LAST_SUCCESS, SCOL_CERT_COUNT,
};

static const oid notifications_oid[] = { UCCERT_MIB_ROOT, 0 };
static const oid cert_entry_oid[] = { UCCERT_MIB_ROOT, 1, 2, 1 };
static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

static struct snapshot *current;
static netsnmp_container *cert_rows, *source_rows;
/* table helpers keep pointing at these but never free them */
static netsnmp_table_registration_info *table_infos[2];
static size_t ntable_infos;
static bool connected, reconnected;

static void set_str(netsnmp_variable_list *vb, struct str s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, snap_str(current, s), s.len);
}

static void set_octets(netsnmp_variable_list *vb, const unsigned char *p, size_t n)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, p, n);
}

static void set_int(netsnmp_variable_list *vb, u_char type, long v)
{
	snmp_set_var_typed_value(vb, type, &v, sizeof v);
}

static void cert_column(netsnmp_variable_list *vb, const void *r, unsigned col,
			netsnmp_agent_request_info *reqinfo, netsnmp_request_info *req)
{
	const struct cert_row *row = r;
	switch (col) {
	case COL_CLUSTER: set_str(vb, row->cluster); break;
	case COL_NODE: set_str(vb, row->node); break;
	case COL_UNIT: set_str(vb, row->unit); break;
	case COL_STORE: set_int(vb, ASN_INTEGER, row->store); break;
	case COL_IMPACT: set_int(vb, ASN_INTEGER, row->impact); break;
	case COL_SUBJECT: set_str(vb, row->subject); break;
	case COL_ISSUER: set_str(vb, row->issuer); break;
	case COL_SERIAL: set_str(vb, row->serial); break;
	case COL_NOT_BEFORE: set_octets(vb, row->not_before, DATEANDTIME_LEN); break;
	case COL_NOT_AFTER: set_octets(vb, row->not_after, DATEANDTIME_LEN); break;
	case COL_DAYS_LEFT: set_int(vb, ASN_INTEGER, row->days_left); break;
	case COL_STATE: set_int(vb, ASN_INTEGER, row->state); break;
	case COL_FINGERPRINT: set_octets(vb, row->fingerprint, sizeof row->fingerprint); break;
	case COL_SOURCE: set_str(vb, row->source); break;
	case COL_REGEN: set_str(vb, row->regen); break;
	default: netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHOBJECT);
	}
}

static void source_column(netsnmp_variable_list *vb, const void *r, unsigned col,
			  netsnmp_agent_request_info *reqinfo, netsnmp_request_info *req)
{
	const struct source_row *row = r;
	switch (col) {
	case SCOL_CLUSTER: set_str(vb, row->cluster); break;
	case SCOL_NODE: set_str(vb, row->node); break;
	case SCOL_KIND: set_int(vb, ASN_INTEGER, row->kind); break;
	case SCOL_LOCATION: set_str(vb, row->location); break;
	case SCOL_STATUS: set_int(vb, ASN_INTEGER, row->status); break;
	case SCOL_LAST_ERROR: set_str(vb, row->error); break;
	case SCOL_LAST_SUCCESS: set_octets(vb, row->last_success, DATEANDTIME_LEN); break;
	case SCOL_CERT_COUNT: set_int(vb, ASN_GAUGE, (long)row->ncerts); break;
	default: netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHOBJECT);
	}
}

/* What a table's handler knows: how to fill one column of its rows. */
struct table {
	void (*column)(netsnmp_variable_list *vb, const void *row, unsigned col,
		       netsnmp_agent_request_info *reqinfo, netsnmp_request_info *req);
};
static const struct table cert_table = { cert_column };
static const struct table source_table = { source_column };

/* table_container has found each request's row (GETNEXT included): copy the
 * prepared value of the requested column. */
static int table_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
			 netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	const struct table *t = reg->my_reg_void;
	(void)h;
	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		const void *row = netsnmp_container_table_row_extract(r);
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(r);
		if (r->processed || !row || !ti)
			continue;
		t->column(r->requestvb, row, ti->colnum, reqinfo, r);
	}
	return SNMP_ERR_NOERROR;
}

static int scalar_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
			  netsnmp_agent_request_info *reqinfo,
			  netsnmp_request_info *requests)
{
	static const struct snapshot empty;
	const struct snapshot *s = current ? current : &empty;
	const unsigned char epoch[DATEANDTIME_LEN] = { 0x07, 0xb2, 1, 1, 0, 0, 0, 0, '+', 0, 0 };
	(void)h, (void)reg;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		/* name = scalars.N.0; the helpers have moved reg->rootoid on */
		oid which = vb->name_length > OID_LENGTH(scalars_oid)
				? vb->name[OID_LENGTH(scalars_oid)] : 0;
		switch (which) {
		case 1: set_int(vb, ASN_UNSIGNED, (long)s->threshold_days); break;
		case 2: set_int(vb, ASN_GAUGE, (long)s->count); break;
		case 3: set_int(vb, ASN_GAUGE, (long)s->expiring); break;
		case 4: set_int(vb, ASN_GAUGE, (long)s->expired); break;
		case 5: set_int(vb, ASN_GAUGE, (long)s->unreadable); break;
		case 6: set_octets(vb, current ? s->last_scan : epoch, DATEANDTIME_LEN); break;
		case 7: set_int(vb, ASN_COUNTER, (long)(s->scan_errors & 0xffffffffu)); break;
		default: netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
		}
	}
	return SNMP_ERR_NOERROR;
}

static netsnmp_container *register_table(const char *name, const oid *o, size_t len,
					 const struct table *t, int maxcol)
{
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;
	netsnmp_container *c;

	reg = netsnmp_create_handler_registration(name, table_handler, o, len, HANDLER_CAN_RONLY);
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (reg)
		reg->my_reg_void = (void *)t;
	c = netsnmp_container_find("table_container");
	if (!reg || !ti || !c)
		return NULL;
	table_infos[ntable_infos++] = ti;
	netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
	ti->min_column = 2;
	ti->max_column = (unsigned)maxcol;
	if (netsnmp_container_table_register(reg, ti, c, TABLE_CONTAINER_KEY_NETSNMP_INDEX) !=
	    MIB_REGISTERED_OK)
		return NULL;
	return c;
}

static int on_connect(int major, int minor, void *server, void *client)
{
	(void)major, (void)server, (void)client;
	connected = minor == SNMPD_CALLBACK_INDEX_START;
	if (connected)
		reconnected = true;
	uc_log(connected ? LOG_NOTICE : LOG_WARNING, "%s the AgentX master",
	       connected ? "connected to" : "lost the connection to");
	return SNMPERR_SUCCESS;
}

bool agent_init(const char *socket, int ping_interval, const char *persist_dir,
		bool log_stderr)
{
	netsnmp_handler_registration *reg;

	/* the subagent resolves no names: loading MIB files is wasted work */
	setenv("MIBS", "", 1);
	if (log_stderr)
		snmp_enable_stderrlog();
	else
		snmp_enable_syslog_ident("uccertd", LOG_DAEMON);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, socket);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	if (persist_dir)
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, persist_dir);
	if (init_agent("uccertd") != 0)
		return false;
	/* init_agent() resets the ping interval to its default: set it after */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   ping_interval);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
			       on_connect, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP,
			       on_connect, NULL);

	reg = netsnmp_create_handler_registration("uccertScalars", scalar_handler,
						  scalars_oid, OID_LENGTH(scalars_oid),
						  HANDLER_CAN_RONLY);
	if (!reg || netsnmp_register_scalar_group(reg, 1, 7) != MIB_REGISTERED_OK)
		return false;
	cert_rows = register_table("uccertTable", cert_table_oid,
				   OID_LENGTH(cert_table_oid), &cert_table, COL_REGEN);
	source_rows = register_table("uccertSourceTable", source_table_oid,
				     OID_LENGTH(source_table_oid), &source_table,
				     SCOL_CERT_COUNT);
	if (!cert_rows || !source_rows)
		return false;
	init_snmp("uccertd");
	return true;
}

struct snapshot *agent_publish(struct snapshot *snap)
{
	struct snapshot *old = current;

	/* rows arrive sorted by index: each insert appends after one search */
	CONTAINER_CLEAR(cert_rows, NULL, NULL);
	CONTAINER_CLEAR(source_rows, NULL, NULL);
	for (size_t i = 0; i < snap->ncerts; i++)
		CONTAINER_INSERT(cert_rows, &snap->certs[i]);
	for (size_t i = 0; i < snap->nsources; i++)
		CONTAINER_INSERT(source_rows, &snap->sources[i]);
	current = snap;
	return old;
}

bool agent_poll(int fd)
{
	fd_set fds;
	struct timeval tv;
	int nfds = 0, block = 1;

	FD_ZERO(&fds);
	snmp_select_info(&nfds, &fds, &tv, &block);
	FD_SET(fd, &fds);
	if (fd >= nfds)
		nfds = fd + 1;
	int n = select(nfds, &fds, NULL, NULL, block ? NULL : &tv);
	bool ready = false;
	if (n > 0) {
		ready = FD_ISSET(fd, &fds);
		FD_CLR(fd, &fds);
		snmp_read(&fds);
	} else if (n == 0) {
		snmp_timeout();
	} else if (errno != EINTR) {
		uc_log(LOG_ERR, "select: %s", strerror(errno));
	}
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
	return ready;
}

bool agent_connected(void)
{
	return connected;
}

bool agent_take_reconnect(void)
{
	bool r = reconnected;
	reconnected = false;
	return r;
}

/* column.index of uccertEntry */
static void add_column(netsnmp_variable_list **vars, oid column, oid index,
		       u_char type, const void *value, size_t len)
{
	oid name[OID_LENGTH(cert_entry_oid) + 2];
	memcpy(name, cert_entry_oid, sizeof cert_entry_oid);
	name[OID_LENGTH(cert_entry_oid)] = column;
	name[OID_LENGTH(cert_entry_oid) + 1] = index;
	snmp_varlist_add_variable(vars, name, OID_LENGTH(name), type, value, len);
}

bool agent_notify(const struct uc_notice *n)
{
	const struct uc_alert_facts *f = &n->facts;
	netsnmp_variable_list *vars = NULL;
	oid trap[OID_LENGTH(notifications_oid) + 1];
	unsigned char not_after[DATEANDTIME_LEN];
	long store = f->store, impact = f->impact;
	long days = f->days_left < INT32_MIN ? INT32_MIN
		: f->days_left > INT32_MAX ? INT32_MAX : (long)f->days_left;

	if (!connected)
		return false;	/* send_v2trap would drop it without a word */
	memcpy(trap, notifications_oid, sizeof notifications_oid);
	trap[OID_LENGTH(notifications_oid)] = (oid)n->kind;
	snmp_varlist_add_variable(&vars, snmptrap_oid, OID_LENGTH(snmptrap_oid),
				  ASN_OBJECT_ID, trap, sizeof trap);
	dateandtime(f->not_after, not_after);
	add_column(&vars, COL_CLUSTER, f->index, ASN_OCTET_STR, f->cluster, strlen(f->cluster));
	add_column(&vars, COL_NODE, f->index, ASN_OCTET_STR, f->node, strlen(f->node));
	add_column(&vars, COL_UNIT, f->index, ASN_OCTET_STR, f->unit, strlen(f->unit));
	add_column(&vars, COL_STORE, f->index, ASN_INTEGER, &store, sizeof store);
	add_column(&vars, COL_IMPACT, f->index, ASN_INTEGER, &impact, sizeof impact);
	add_column(&vars, COL_SUBJECT, f->index, ASN_OCTET_STR, f->subject, strlen(f->subject));
	add_column(&vars, COL_SERIAL, f->index, ASN_OCTET_STR, f->serial, strlen(f->serial));
	add_column(&vars, COL_NOT_AFTER, f->index, ASN_OCTET_STR, not_after, sizeof not_after);
	add_column(&vars, COL_DAYS_LEFT, f->index, ASN_INTEGER, &days, sizeof days);
	send_v2trap(vars);
	snmp_free_varbind(vars);
	return true;
}

struct snapshot *agent_shutdown(void)
{
	struct snapshot *old = current;
	if (cert_rows)
		CONTAINER_CLEAR(cert_rows, NULL, NULL);
	if (source_rows)
		CONTAINER_CLEAR(source_rows, NULL, NULL);
	current = NULL;
	snmp_shutdown("uccertd");
	shutdown_agent();
	while (ntable_infos > 0)
		netsnmp_table_registration_info_free(table_infos[--ntable_infos]);
	return old;
}
