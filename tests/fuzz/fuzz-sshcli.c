/* fuzz-sshcli - what the platform CLI answers over SSH: a store list
 * ("show cert list own|trust") read for its <unit>/<file> tokens, and a
 * certificate answer ("show cert own|trust <unit>/<file>") read for its PEM
 * blocks. A node's answers are outside input like any other. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "fuzz.h"
#include "sshcli.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* A token the scan will use as a unit directory or a file name. */
static void check_name(const char *s)
{
	FUZZ_ASSERT(s && *s);
	FUZZ_ASSERT(!strchr(s, '/'));
	FUZZ_ASSERT(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		FUZZ_ASSERT(*p > 0x20 && *p != 0x7f && *p != ':');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an answer reaches the parsers as a string, as uc_ssh_command() returns it */
	char *answer = malloc(size + 1);
	memcpy(answer, data, size);
	answer[size] = '\0';

	struct uc_ssh_entry *entries = NULL;
	char **unplaced = NULL;
	size_t n = 0, nunplaced = 0;
	uc_ssh_parse_list(answer, &entries, &n, &unplaced, &nunplaced);
	for (size_t i = 0; i < n; i++) {
		check_name(entries[i].unit);
		check_name(entries[i].filename);
		free(entries[i].unit);
		free(entries[i].filename);
	}
	/* the lines that hold no token are logged: escaped, never raw */
	for (size_t i = 0; i < nunplaced; i++) {
		fuzz_log(LOG_DEBUG, unplaced[i]);
		free(unplaced[i]);
	}
	free(entries);
	free(unplaced);

	size_t len = 0;
	char *pem = uc_ssh_pem_blocks(answer, &len);
	if (pem) {
		FUZZ_ASSERT(len > 0 && strlen(pem) == len && len <= size + size / 20 + 1);
		FUZZ_ASSERT(strncmp(pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
		/* and what the scan does with them next */
		uc_certfile_unref(uc_certfile_parse((const unsigned char *)pem, len));
		free(pem);
	} else {
		FUZZ_ASSERT(len == 0);
	}
	free(answer);
	return 0;
}
