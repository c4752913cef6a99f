/* get-latency - latency of sequential SNMPv2c GETs.
 *
 *   get-latency [-w] HOST:PORT COMMUNITY OID[,OID...] COUNT [GAP_MS]
 *
 * -w: wait (polling every GAP_MS) for the first complete answer before
 * counting anything: start it before a subagent registers, and it measures
 * from the moment the objects exist.
 * Sends COUNT GETs one after the other (each asks for every OID given, waits
 * for its response; GAP_MS milliseconds of idle between them, default 0),
 * timing each request from send to response with CLOCK_MONOTONIC. SIGTERM
 * or SIGINT ends the run early (the figures cover what was sent). Prints
 * one line:
 *   n=<ok> errors=<failed> seconds=<total> p50_us=.. p90_us=.. p99_us=.. max_us=.. mean_us=..
 * A GET counts as an error if it timed out or any answer is not a value
 * (noSuchObject, noSuchInstance, an error status). Exit 1 if any failed. */
#include <config.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <signal.h>
#include <stdbool.h>
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

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	bool wait_first = argc > 1 && strcmp(argv[1], "-w") == 0;
	if (wait_first) {
		argv++;
		argc--;
	}
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: get-latency [-w] HOST:PORT COMMUNITY OID[,OID...] COUNT [GAP_MS]\n");
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

	enum { MAXOIDS = 16 };
	oid name[MAXOIDS][MAX_OID_LEN];
	size_t name_len[MAXOIDS], noids = 0;
	for (char *save = NULL, *tok = strtok_r(argv[3], ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		name_len[noids] = MAX_OID_LEN;
		if (noids == MAXOIDS || !read_objid(tok, name[noids], &name_len[noids])) {
			fprintf(stderr, "get-latency: %s: not a numeric OID (or more than %d)\n", tok, MAXOIDS);
			return 64;
		}
		noids++;
	}
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

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
	double t_start = now_us();	/* with -w, the wait is included */
	for (long i = 0; i < count && !stop; i++) {
		netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
		for (size_t k = 0; k < noids; k++)
			snmp_add_null_var(pdu, name[k], name_len[k]);
		double t0 = now_us();
		int st = snmp_sess_synch_response(ss, pdu, &resp);
		double t1 = now_us();
		bool good = st == STAT_SUCCESS && resp && resp->errstat == SNMP_ERR_NOERROR &&
			    resp->variables;
		for (netsnmp_variable_list *v = good ? resp->variables : NULL; v; v = v->next_variable)
			good = good && v->type != SNMP_NOSUCHOBJECT &&
			       v->type != SNMP_NOSUCHINSTANCE && v->type != SNMP_ENDOFMIBVIEW;
		if (good) {
			if (wait_first)
				i--;	/* the first complete answer: count from the next */
			else
				lat[ok++] = t1 - t0;
			wait_first = false;
		} else if (wait_first) {
			i--;
		} else {
			errors++;
		}
		if (resp)
			snmp_free_pdu(resp);
		if (gap_ms > 0 && !stop) {
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
