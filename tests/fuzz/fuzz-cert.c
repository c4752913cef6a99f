/* fuzz-cert - a certificate file's bytes: PEM, DER, PKCS#7 (DER or PEM)
 * detection and decoding, as uc_certfile_load() reads every file. */
#include <config.h>

#include "cert.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *buf = fuzz_guarded(data, size);
	struct uc_certfile *f = uc_certfile_parse(buf, size);
	char hex[2 * UC_SHA256_LEN + 1];

	FUZZ_ASSERT(f);
	FUZZ_ASSERT((f->ncerts == 0) == (f->error != NULL));
	FUZZ_ASSERT(uc_format_name(f->format) != NULL);
	/* errors reach logs, JSON and SnmpAdminString objects: printable ASCII */
	for (const char *p = f->error; p && *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
	for (size_t i = 0; i < f->ncerts; i++) {
		const struct uc_cert *c = &f->certs[i];
		/* what the inventory, the MIB and JSON output are promised */
		FUZZ_ASSERT(c->subject && fuzz_utf8_ok(c->subject));
		FUZZ_ASSERT(c->issuer && fuzz_utf8_ok(c->issuer));
		FUZZ_ASSERT(c->serial && strspn(c->serial, "-0123456789ABCDEF") == strlen(c->serial));
		FUZZ_ASSERT(memchr(c->key_alg, '\0', sizeof c->key_alg));
		FUZZ_ASSERT(c->key_bits >= 0);
		uc_sha256_hex(c->sha256, hex);
		for (size_t j = 0; j < i; j++)	/* duplicates are kept once */
			FUZZ_ASSERT(memcmp(f->certs[j].sha256, c->sha256, UC_SHA256_LEN) != 0);
	}
	uc_certfile_unref(f);
	return 0;
}
