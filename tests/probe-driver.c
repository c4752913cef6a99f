/*
 * probe-driver - run uc_probe_run() on the command line's targets.
 *
 *   probe-driver [--timeout S] [--concurrency N] TARGET...
 *
 * TARGET: host:port, or [IPv6]:port, optionally followed by ":ecdsa", or by
 * ":xmpp" / ":xmpp-server" (XMPP STARTTLS, client or server stream).
 * Prints one tab-separated line per target, in the order given:
 *   target status reason seconds subject key_alg sha256
 * ("-" for the last three when no certificate was received), then
 *   total <wall seconds of the whole run>
 * Exit status 0 after a run (whatever the results), 2 on bad usage.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cert.h"
#include "probe.h"

static void usage(void)
{
	fputs("usage: probe-driver [--timeout S] [--concurrency N] HOST:PORT[:ecdsa]...\n", stderr);
	exit(2);
}

static bool parse_target(char *arg, struct uc_probe_target *t)
{
	char *rest;
	if (arg[0] == '[') {
		char *close = strchr(arg, ']');
		if (!close || close[1] != ':')
			return false;
		*close = '\0';
		t->host = arg + 1;
		rest = close + 2;
	} else {
		char *colon = strchr(arg, ':');
		if (!colon)
			return false;
		*colon = '\0';
		t->host = arg;
		rest = colon + 1;
	}
	char *end;
	long port = strtol(rest, &end, 10);
	if (end == rest || port < 0 || port > 99999)
		return false;
	t->port = (int)port;
	if (*end == '\0')
		return true;
	if (strcmp(end, ":ecdsa") == 0) {
		t->ecdsa_only = true;
		return true;
	}
	if (strcmp(end, ":xmpp") == 0) {
		t->starttls = UC_STARTTLS_XMPP_CLIENT;
		return true;
	}
	if (strcmp(end, ":xmpp-server") == 0) {
		t->starttls = UC_STARTTLS_XMPP_SERVER;
		return true;
	}
	return false;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int timeout = 5, concurrency = 16, i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--timeout") == 0)
			timeout = atoi(argv[++i]);
		else if (strcmp(argv[i], "--concurrency") == 0)
			concurrency = atoi(argv[++i]);
		else
			usage();
	}
	size_t n = (size_t)(argc - i);
	if (n == 0)
		usage();
	struct uc_probe_target *t = calloc(n, sizeof *t);
	struct uc_probe_result *r = calloc(n, sizeof *r);
	char **label = calloc(n, sizeof *label), **copy = calloc(n, sizeof *copy);
	if (!t || !r || !label || !copy)
		return 1;
	for (size_t k = 0; k < n; k++) {
		label[k] = argv[i + (int)k];
		copy[k] = strdup(label[k]);
		if (!copy[k] || !parse_target(copy[k], &t[k])) {
			fprintf(stderr, "probe-driver: bad target %s\n", label[k]);
			return 2;
		}
	}

	double t0 = wall();
	uc_probe_run(t, n, timeout, concurrency, r);
	double total = wall() - t0;

	for (size_t k = 0; k < n; k++) {
		char hex[2 * UC_SHA256_LEN + 1] = "-";
		const struct uc_cert *c = r[k].file && r[k].file->ncerts ? &r[k].file->certs[0] : NULL;
		if (c)
			uc_sha256_hex(c->sha256, hex);
		printf("%s\t%s\t%s\t%.3f\t%s\t%s\t%s\n", label[k], uc_probe_status_name(r[k].status),
		       r[k].reason ? r[k].reason : "-", r[k].seconds, c ? c->subject : "-",
		       c ? c->key_alg : "-", hex);
		uc_probe_result_clear(&r[k]);
		free(copy[k]);
	}
	printf("total\t%.3f\n", total);
	free(copy);
	free(label);
	free(r);
	free(t);
	return 0;
}
