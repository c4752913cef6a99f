/* fuzz-config - uccert.conf text, through the loader uc_settings_load() uses
 * for a file (libconfig, the token pass, every check). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "settings.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libconfig reads the file an @include names: whatever the fuzzer
	 * found there would make runs depend on the machine */
	if (memmem(data, size, "@include", 8))
		return 0;

	struct uc_diag diag = { 0 };
	struct uc_settings *s = uc_settings_load_buffer("fuzz.conf", (const char *)data, size, &diag);

	FUZZ_ASSERT((s == NULL) == (diag.nerrors > 0));
	if (s) {
		FUZZ_ASSERT(s->state_dir && s->quarantine_dir && s->agentx_socket);
		for (size_t i = 1; i < s->nreminders; i++)	/* sorted, largest first */
			FUZZ_ASSERT(s->reminder_days[i - 1] >= s->reminder_days[i]);
		for (size_t i = 0; i < s->nclusters; i++) {
			const struct uc_cluster *c = &s->clusters[i];
			FUZZ_ASSERT(c->name && c->nnodes > 0);
			for (size_t j = 0; j < c->nnodes; j++) {
				const struct uc_node *nd = &c->nodes[j];
				FUZZ_ASSERT(nd->name);
				FUZZ_ASSERT(nd->cert_dir || nd->host || nd->api);
				for (size_t k = 0; k < nd->nprobes; k++)
					FUZZ_ASSERT(nd->probes[k].port > 0 && nd->probes[k].port < 65536);
			}
		}
		uc_settings_free(s);
	}
	uc_diag_free(&diag);
	return 0;
}
