/* get-latency - latency of sequential SNMPv2c GETs of one object.
 *
 *   get-latency HOST:PORT COMMUNITY OID COUNT [GAP_MS]
 *
 * Sends COUNT GETs one after the other (each waits for its response; GAP_MS
 * milliseconds of idle between them, default 0), timing each request from
 * send to response with CLOCK_MONOTONIC.  Prints one line:
 *   n=<ok> errors=<failed> seconds=<total> p50_us=.. p90_us=.. p99_us=.. max_us=.. mean_us=..
 * A GET counts as an error if it timed out or the answer is not a value
 * (noSuchObject, noSuchInstance, an error status). Exit 1 if any failed. */
#include <config.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* nearest-rank percentile of sorted v[0..n-1] */
static double pct(const double *v, size_t n, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: get-latency HOST:PORT COMMUNITY OID COUNT [GAP_MS]\n");
		return 64;
	}
	long count = strtol(argv[4], NULL, 10);
	long gap_ms = argc == 6 ? strtol(argv[5], NULL, 10) : 0;
	if (count < 1 || gap_ms < 0) {
		fprintf(stderr, "get-latency: COUNT must be positive, GAP_MS not negative\n");
		return 64;
	}

	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	init_snmp("get-latency");

	oid name[MAX_OID_LEN];
	size_t name_len = MAX_OID_LEN;
	if (!read_objid(argv[3], name, &name_len)) {
		fprintf(stderr, "get-latency: %s: not a numeric OID\n", argv[3]);
		return 64;
	}

	netsnmp_session cfg;
	snmp_sess_init(&cfg);
	cfg.peername = argv[1];
	cfg.version = SNMP_VERSION_2c;
	cfg.community = (u_char *)argv[2];
	cfg.community_len = strlen(argv[2]);
	cfg.timeout = 2000000;	/* µs: a late answer is a figure, not an error */
	cfg.retries = 0;
	void *ss = snmp_sess_open(&cfg);
	if (!ss) {
		snmp_perror("get-latency: snmp_sess_open");
		return 1;
	}

	double *lat = calloc((size_t)count, sizeof *lat);
	if (!lat)
		return 1;
	size_t ok = 0;
	long errors = 0;
	double t_start = now_us();
	for (long i = 0; i < count; i++) {
		netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
		snmp_add_null_var(pdu, name, name_len);
		double t0 = now_us();
		int st = snmp_sess_synch_response(ss, pdu, &resp);
		double t1 = now_us();
		if (st == STAT_SUCCESS && resp && resp->errstat == SNMP_ERR_NOERROR &&
		    resp->variables && resp->variables->type != SNMP_NOSUCHOBJECT &&
		    resp->variables->type != SNMP_NOSUCHINSTANCE &&
		    resp->variables->type != SNMP_ENDOFMIBVIEW)
			lat[ok++] = t1 - t0;
		else
			errors++;
		if (resp)
			snmp_free_pdu(resp);
		if (gap_ms > 0) {
			struct timespec gap = { gap_ms / 1000, (gap_ms % 1000) * 1000000L };
			nanosleep(&gap, NULL);
		}
	}
	double total = (now_us() - t_start) / 1e6;
	snmp_sess_close(ss);

	qsort(lat, ok, sizeof *lat, cmp_double);
	double sum = 0;
	for (size_t i = 0; i < ok; i++)
		sum += lat[i];
	if (ok)
		printf("n=%zu errors=%ld seconds=%.3f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f mean_us=%.0f\n",
		       ok, errors, total, pct(lat, ok, 50), pct(lat, ok, 90), pct(lat, ok, 99),
		       lat[ok - 1], sum / (double)ok);
	else
		printf("n=0 errors=%ld seconds=%.3f\n", errors, total);
	free(lat);
	snmp_shutdown("get-latency");
	return errors ? 1 : 0;
}
