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
#include <net-snmp/agent/agent_sysORTable.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "agent.h"
#include "alerts.h"
#include "clock.h"
#include "log.h"
#include "snapshot.h"
#include "util.h"

/* The one place the code names UCCERT-MIB's root (netSnmpPlaypen.7 until the
 * project has an enterprise number); keep it equal to the MIB's. */
#define UCCERT_MIB_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7

static const oid mib_oid[] = { UCCERT_MIB_ROOT };
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

/* uccertScalars: the last arc of each scalar (UCCERT-MIB) */
enum {
	SC_THRESHOLD_DAYS = 1, SC_CERT_COUNT, SC_EXPIRING_COUNT, SC_EXPIRED_COUNT,
	SC_UNREADABLE_COUNT, SC_LAST_SCAN_TIME, SC_SCAN_ERRORS, SC_NOTIFY_BACKLOG,
	SC_STATE_ERRORS,
	SC_LAST = SC_STATE_ERRORS
};

static const oid notifications_oid[] = { UCCERT_MIB_ROOT, 0 };

/* The notification of each kind: its last arc under { uccertMIB 0 }. */
static oid notification_arc(enum uc_notice_kind k)
{
	switch (k) {
	case UC_NOTICE_EXPIRING: return 1;	/* uccertExpiring */
	case UC_NOTICE_EXPIRED: return 2;	/* uccertExpired */
	case UC_NOTICE_CLEARED: return 3;	/* uccertCleared */
	}
	return 0;
}
static const oid cert_entry_oid[] = { UCCERT_MIB_ROOT, 1, 2, 1 };
static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

/* RFC 2741 section 6.1: AgentX PDU types and the version byte Net-SNMP
 * gives AgentX sessions (its agentx headers are not installed). */
#define AGENTX_V1 0xc1
#define AGENTX_PDU_NOTIFY 12
#define AGENTX_PDU_PING 13
/* Net-SNMP's subagent code; declared in a header Debian does not ship. */
void agentx_check_session(unsigned int clientreg, void *clientarg);

static struct snapshot *current;
static netsnmp_container *cert_rows, *source_rows;
/* table helpers keep pointing at these but never free them */
static netsnmp_table_registration_info *table_infos[2];
static size_t ntable_infos;
static bool connected, disconnected;
static unsigned long backlog, state_errors;	/* uccertNotifyBacklog, uccertStateErrors */

/* The session registered with the master (NULL while there is none), and a
 * number that changes with each session, so that an answer to a request
 * of an earlier session is recognised as such. */
static netsnmp_session *master;
static uintptr_t master_gen;
static agent_ack_fn ack_handler;
/* Liveness: our own ping, sent without waiting for its answer. */
static int ping_interval;
static bool ping_outstanding, master_silent;

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
		case SC_THRESHOLD_DAYS: set_int(vb, ASN_UNSIGNED, (long)s->threshold_days); break;
		case SC_CERT_COUNT: set_int(vb, ASN_GAUGE, (long)s->count); break;
		case SC_EXPIRING_COUNT: set_int(vb, ASN_GAUGE, (long)s->expiring); break;
		case SC_EXPIRED_COUNT: set_int(vb, ASN_GAUGE, (long)s->expired); break;
		case SC_UNREADABLE_COUNT: set_int(vb, ASN_GAUGE, (long)s->unreadable); break;
		case SC_LAST_SCAN_TIME: set_octets(vb, current ? s->last_scan : epoch, DATEANDTIME_LEN); break;
		case SC_SCAN_ERRORS: set_int(vb, ASN_COUNTER, (long)(s->scan_errors & 0xffffffffu)); break;
		case SC_NOTIFY_BACKLOG: set_int(vb, ASN_GAUGE, (long)(backlog > 0xffffffffu ? 0xffffffffu : backlog)); break;
		case SC_STATE_ERRORS: set_int(vb, ASN_GAUGE, (long)(state_errors > 0xffffffffu ? 0xffffffffu : state_errors)); break;
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
	(void)major, (void)client;
	connected = minor == SNMPD_CALLBACK_INDEX_START;
	master_gen++;
	ping_outstanding = master_silent = false;
	if (connected) {
		master = server;
		/* a request is sent once: a Notify sent twice is a duplicate trap */
		if (master)
			master->retries = 0;
	} else {
		master = NULL;
		disconnected = true;
	}
	uc_log(connected ? LOG_NOTICE : LOG_WARNING, "%s the AgentX master",
	       connected ? "connected to" : "lost the connection to");
	return SNMPERR_SUCCESS;
}

/* After the library has read its configuration and before it opens the
 * session to the master: no request is ever retried (a retried Open or
 * Register blocks the loop for another timeout each). */
static int before_connect(int major, int minor, void *server, void *client)
{
	(void)major, (void)minor, (void)server, (void)client;
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_RETRIES, 0);
	return SNMPERR_SUCCESS;
}

/* The library pings the master with a request it waits for, blocking
 * everything else for the session timeout; a stopped master would then look
 * dead after one second, and a reconnection would send the unacknowledged
 * notifications a second time. Its ping alarm (kept in the session's
 * securityModel field, see Net-SNMP's agentx/subagent.c) is replaced by
 * ping_alarm(). */
static void adopt_session(void)
{
	if (master && master->securityModel != SNMP_DEFAULT_SECMODEL) {
		snmp_alarm_unregister((unsigned)master->securityModel);
		master->securityModel = SNMP_DEFAULT_SECMODEL;
	}
}

/* How long the master may leave a ping or a notification unanswered before
 * it counts as gone: three ping intervals, at least 30 s, so that a master
 * that is only busy or briefly stopped keeps its session (and nothing is
 * sent twice). */
static long silence_limit(void)
{
	long t = 3L * ping_interval;
	return t < 30 ? 30 : t;
}

static int on_ping_answer(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu,
			  void *magic)
{
	(void)sess, (void)reqid, (void)pdu;
	if ((uintptr_t)magic != master_gen)
		return 1;	/* an earlier session's */
	ping_outstanding = false;
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && master) {
		uc_log(LOG_WARNING, "the AgentX master has not answered a ping for %ld s", silence_limit());
		master_silent = true;
	}
	return 1;
}

static void ping_alarm(unsigned int reg, void *arg)
{
	(void)reg, (void)arg;
	if (!master || ping_outstanding)
		return;
	netsnmp_pdu *pdu = snmp_pdu_create(AGENTX_PDU_PING);
	if (!pdu)
		return;
	pdu->version = AGENTX_V1;
	pdu->sessid = master->sessid;
	pdu->flags |= UCD_MSG_FLAG_PDU_TIMEOUT;
	pdu->time = silence_limit();
	if (snmp_async_send(master, pdu, on_ping_answer, (void *)master_gen))
		ping_outstanding = true;
	else
		snmp_free_pdu(pdu);
}

/* One message of Net-SNMP's: it may come in pieces (a line without its
 * newline, continued by the next call); whole lines are passed on. */
static struct sbuf snmp_line;
static int snmp_line_priority = LOG_DEBUG;

static int on_snmp_log(int major, int minor, void *server, void *client)
{
	const struct snmp_log_message *m = server;
	(void)major, (void)minor, (void)client;
	if (!m || !m->msg)
		return 0;
	if (snmp_line.len == 0)
		snmp_line_priority = m->priority;
	sbuf_puts(&snmp_line, m->msg);
	char *start = snmp_line.s, *nl;
	while ((nl = memchr(start, '\n', snmp_line.len - (size_t)(start - snmp_line.s)))) {
		*nl = '\0';
		if (nl > start)
			uc_log(snmp_line_priority, "net-snmp: %s", start);
		start = nl + 1;
	}
	size_t rest = snmp_line.len - (size_t)(start - snmp_line.s);
	memmove(snmp_line.s, start, rest);
	snmp_line.len = rest;
	snmp_line.s[rest] = '\0';
	return 0;
}

bool agent_init(const char *socket, int ping_seconds, const char *persist_dir,
		agent_ack_fn on_ack)
{
	netsnmp_handler_registration *reg;

	ping_interval = ping_seconds;
	ack_handler = on_ack;

	/* the subagent resolves no names: loading MIB files is wasted work */
	setenv("MIBS", "", 1);
	/* Net-SNMP's own messages go through the daemon's logger: its prefix,
	 * its -d level, stderr or syslog as the daemon logs */
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, on_snmp_log, NULL);
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_CALLBACK, LOG_DEBUG);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, socket);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	if (persist_dir)
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, persist_dir);
	/* alarms run from our loop (agent_poll), never from SIGALRM */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	/* registered before init_agent(): runs before the subagent connects */
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_POST_READ_CONFIG,
			       before_connect, NULL);
	if (init_agent("uccertd") != 0)
		return false;
	/* init_agent() resets the ping interval to its default: set it after.
	 * The library uses it as the reconnection delay. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   ping_interval);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
			       on_connect, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP,
			       on_connect, NULL);

	reg = netsnmp_create_handler_registration("uccertScalars", scalar_handler,
						  scalars_oid, OID_LENGTH(scalars_oid),
						  HANDLER_CAN_RONLY);
	if (!reg || netsnmp_register_scalar_group(reg, SC_THRESHOLD_DAYS, SC_LAST) != MIB_REGISTERED_OK)
		return false;
	cert_rows = register_table("uccertTable", cert_table_oid,
				   OID_LENGTH(cert_table_oid), &cert_table, COL_REGEN);
	source_rows = register_table("uccertSourceTable", source_table_oid,
				     OID_LENGTH(source_table_oid), &source_table,
				     SCOL_CERT_COUNT);
	if (!cert_rows || !source_rows)
		return false;
	/* sysORTable: the master lists the module this subagent implements */
	register_sysORTable((oid *)mib_oid, OID_LENGTH(mib_oid),
			    "UCCERT-MIB: certificate expiry of Cisco UC clusters (uccertd)");
	init_snmp("uccertd");
	adopt_session();
	snmp_alarm_register((unsigned)ping_interval, SA_REPEAT, ping_alarm, NULL);
	return true;
}

void agent_publish(struct snapshot *snap)
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
	snapshot_free(old);
}

bool agent_poll(int fd, int64_t wake)
{
	fd_set fds;
	struct timeval tv;
	int nfds = 0, block = 1;

	FD_ZERO(&fds);
	snmp_select_info(&nfds, &fds, &tv, &block);
	FD_SET(fd, &fds);
	if (fd >= nfds)
		nfds = fd + 1;
	if (wake >= 0) {
		int64_t left = wake - uc_monotonic_us();
		if (left < 0)
			left = 0;
		if (block || left < (int64_t)tv.tv_sec * 1000000 + tv.tv_usec) {
			tv.tv_sec = (time_t)(left / 1000000);
			tv.tv_usec = (suseconds_t)(left % 1000000);
			block = 0;
		}
	}
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
	if (master_silent && master) {
		/* one last check the library's way (a bounded wait); it closes the
		 * session and starts reconnecting if the master does not answer */
		master_silent = false;
		agentx_check_session(0, master);
	}
	adopt_session();
	return ready;
}

bool agent_connected(void)
{
	return connected && master;
}

bool agent_take_disconnect(void)
{
	bool r = disconnected;
	disconnected = false;
	return r;
}

void agent_set_status(unsigned long notify_backlog, unsigned long state_write_errors)
{
	backlog = notify_backlog;
	state_errors = state_write_errors;
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

/* The master's answer to a Notify-PDU (RFC 2741 7.1.10: res.error 0 when it
 * accepted the notification), or its absence. */
static int on_notify_answer(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu,
			    void *magic)
{
	(void)sess, (void)reqid;
	uint64_t token = (uint64_t)(uintptr_t)magic;
	if (!ack_handler)
		return 1;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu) {
		if (pdu->errstat == SNMP_ERR_NOERROR) {
			ack_handler(token, AGENT_ACKED);
		} else {
			uc_log(LOG_WARNING, "the AgentX master refused a notification (error %ld): "
			       "retried later", pdu->errstat);
			ack_handler(token, AGENT_REJECTED);
		}
	} else {
		ack_handler(token, AGENT_LOST);
	}
	return 1;
}

bool agent_notify(const struct uc_notice *n, uint64_t token)
{
	const struct uc_alert_facts *f = &n->facts;
	static const oid sysuptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
	oid trap[OID_LENGTH(notifications_oid) + 1];
	unsigned char not_after[DATEANDTIME_LEN];
	long store = f->store, impact = f->impact;
	long days = f->days_left < INT32_MIN ? INT32_MIN
		: f->days_left > INT32_MAX ? INT32_MAX : (long)f->days_left;
	long uptime = (long)netsnmp_get_agent_uptime();

	if (!connected || !master)
		return false;
	netsnmp_pdu *pdu = snmp_pdu_create(AGENTX_PDU_NOTIFY);
	if (!pdu)
		return false;
	pdu->version = AGENTX_V1;
	pdu->sessid = master->sessid;
	/* the answer is awaited as long as a ping's (never resent) */
	pdu->flags |= UCD_MSG_FLAG_PDU_TIMEOUT;
	pdu->time = silence_limit();
	memcpy(trap, notifications_oid, sizeof notifications_oid);
	trap[OID_LENGTH(notifications_oid)] = notification_arc(n->kind);
	snmp_pdu_add_variable(pdu, sysuptime_oid, OID_LENGTH(sysuptime_oid), ASN_TIMETICKS,
			      &uptime, sizeof uptime);
	snmp_pdu_add_variable(pdu, snmptrap_oid, OID_LENGTH(snmptrap_oid), ASN_OBJECT_ID,
			      trap, sizeof trap);
	dateandtime(f->not_after, not_after);
	add_column(&pdu->variables, COL_CLUSTER, f->index, ASN_OCTET_STR, f->cluster, strlen(f->cluster));
	add_column(&pdu->variables, COL_NODE, f->index, ASN_OCTET_STR, f->node, strlen(f->node));
	add_column(&pdu->variables, COL_UNIT, f->index, ASN_OCTET_STR, f->unit, strlen(f->unit));
	add_column(&pdu->variables, COL_STORE, f->index, ASN_INTEGER, &store, sizeof store);
	add_column(&pdu->variables, COL_IMPACT, f->index, ASN_INTEGER, &impact, sizeof impact);
	add_column(&pdu->variables, COL_SUBJECT, f->index, ASN_OCTET_STR, f->subject, strlen(f->subject));
	add_column(&pdu->variables, COL_SERIAL, f->index, ASN_OCTET_STR, f->serial, strlen(f->serial));
	add_column(&pdu->variables, COL_NOT_AFTER, f->index, ASN_OCTET_STR, not_after, sizeof not_after);
	add_column(&pdu->variables, COL_DAYS_LEFT, f->index, ASN_INTEGER, &days, sizeof days);
	if (!snmp_async_send(master, pdu, on_notify_answer, (void *)(uintptr_t)token)) {
		snmp_free_pdu(pdu);
		return false;
	}
	return true;
}

void agent_shutdown(void)
{
	struct snapshot *old = current;
	if (cert_rows)
		CONTAINER_CLEAR(cert_rows, NULL, NULL);
	if (source_rows)
		CONTAINER_CLEAR(source_rows, NULL, NULL);
	current = NULL;
	/* no unregister_sysORTable(): it waits for the master's answer, and the
	 * master drops a closed session's entries by itself */
	snmp_shutdown("uccertd");
	shutdown_agent();
	while (ntable_infos > 0)
		netsnmp_table_registration_info_free(table_infos[--ntable_infos]);
	snapshot_free(old);
	free(snmp_line.s);
	snmp_line = (struct sbuf){ 0 };
}
