/*
 * api-driver - fetch one certificate snapshot through the CUCM certificate
 * REST API client (src/lib/certapi.c) and print what it returned.
 *
 *   api-driver [--ca-file F] [--insecure] [--timeout S] [--credentials-group G]
 *              URL CREDENTIALS_FILE
 *
 * On success, one line per certificate (tab-separated):
 *   unit  own|trust  filename  subject  sha256
 * or, for a file that does not decode:
 *   unit  own|trust  filename  ERROR: why
 * then "skipped: N" when elements were skipped; exit status 0.
 * On failure: "error: <reason>" and exit status 1. Warnings the library logs
 * go to stderr as "api-driver: ...". Usage errors: exit status 2.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cert.h"
#include "certapi.h"
#include "log.h"

static void usage(void)
{
	fputs("usage: api-driver [--ca-file F] [--insecure] [--timeout S] [--credentials-group G] URL CREDENTIALS_FILE\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca-file", required_argument, NULL, 'c' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "credentials-group", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct uc_api_source src = { 0 };
	struct uc_api_result res;
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': src.ca_file = optarg; break;
		case 'k': src.insecure = true; break;
		case 't': src.timeout_s = atoi(optarg); break;
		case 'g': src.credentials_group = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	src.url = argv[optind];
	src.credentials_file = argv[optind + 1];

	uc_log_set_ident("api-driver");
	if (uc_api_global_init() < 0)
		return 1;
	int rc = uc_api_fetch(&src, &res);
	if (rc < 0) {
		printf("error: %s\n", res.error);
	} else {
		for (size_t i = 0; i < res.ncerts; i++) {
			const struct uc_api_cert *c = &res.certs[i];
			const char *store = c->trust ? "trust" : "own";
			if (c->file->ncerts == 0)
				printf("%s\t%s\t%s\tERROR: %s\n", c->unit, store, c->filename,
				       c->file->error);
			for (size_t j = 0; j < c->file->ncerts; j++) {
				char hex[2 * UC_SHA256_LEN + 1];
				uc_sha256_hex(c->file->certs[j].sha256, hex);
				printf("%s\t%s\t%s\t%s\t%s\n", c->unit, store, c->filename,
				       c->file->certs[j].subject, hex);
			}
		}
		if (res.nskipped)
			printf("skipped: %zu\n", res.nskipped);
	}
	uc_api_result_clear(&res);
	uc_api_global_cleanup();
	return rc < 0 ? 1 : 0;
}
