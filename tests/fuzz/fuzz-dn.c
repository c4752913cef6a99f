/* fuzz-dn - a distinguished name (the DER of a Name) to its RFC 4514 text. */
#include <config.h>

#include "der.h"
#include "dn.h"
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
	struct der d = { buf, buf + size };
	struct der_tlv name;

	if (!der_expect(&d, DER_SEQUENCE, &name))
		return 0;
	char *text = uc_dn_format(&name.content);
	/* dn.h: always valid UTF-8, never a NUL inside (it is a C string) */
	FUZZ_ASSERT(text && fuzz_utf8_ok(text));
	free(text);
	return 0;
}
