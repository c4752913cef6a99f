/* fuzz-certapi - a certificate API response body (JSON) to the rows the
 * scanner makes of it: each element's unit, store and file name, and its
 * certificates decoded. */
#include <config.h>

#include "catalog.h"
#include "certapi.h"
#include "fuzz.h"
#include "scan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)fuzz_guarded(data, size);
	struct uc_api_result r;
	int rc = uc_api_parse(body, size, "application/json", "https://cucm.example:8443", &r);

	FUZZ_ASSERT((rc == 0) == (r.error == NULL));
	FUZZ_ASSERT(rc == 0 || r.ncerts == 0);
	if (r.error)
		FUZZ_ASSERT(fuzz_utf8_ok(r.error));
	for (size_t i = 0; i < r.ncerts; i++) {
		const struct uc_api_cert *a = &r.certs[i];
		/* the file name becomes one argument of `set cert delete`, the
		 * unit a row's unit: no path, no control byte, never empty */
		FUZZ_ASSERT(a->unit && *a->unit && a->filename && *a->filename);
		FUZZ_ASSERT(!strchr(a->filename, '/') && strcmp(a->filename, "..") != 0);
		for (const char *p = a->filename; *p; p++)
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
		FUZZ_ASSERT(a->file && (a->file->ncerts > 0 || a->file->error));
		/* what scan.c does with it: catalog lookup, store, record key */
		const struct uc_unit *u = uc_unit_find(a->unit);
		enum uc_store store = u ? u->store : a->trust ? UC_STORE_TRUST : UC_STORE_OWN;
		if (a->trust)	/* a trust store's file is never filed as an identity */
			FUZZ_ASSERT(store == UC_STORE_TRUST);
		const struct uc_cert *c = a->file->ncerts ? &a->file->certs[0] : NULL;
		char *key = uc_record_key("cluster", "node", u ? u->name : a->unit,
					  c ? c->sha256 : NULL, a->filename);
		FUZZ_ASSERT(key && !strchr(key, '\n'));
		free(key);
	}
	uc_api_result_clear(&r);
	return 0;
}
