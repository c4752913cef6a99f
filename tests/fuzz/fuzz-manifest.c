/* fuzz-manifest - a quarantine run's manifest, as uc_quarantine_runs() reads
 * it for cleanup --list, restore and recovery. A manifest is a record, not
 * an instruction: whatever it says, reading it must be safe, and the names
 * restore would act on are checked the way restore checks them. */
#include <config.h>

#include "cleanup.h"
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
	const char *buf = (const char *)fuzz_guarded(data, size);
	struct uc_run *run = uc_manifest_parse(buf, size), r = *run;
	const char *why;

	FUZZ_ASSERT(r.restored + r.pending + r.failed <= r.nentries);
	FUZZ_ASSERT(r.moved <= size);
	for (size_t i = 0; i < r.nentries; i++) {
		const struct uc_qentry *e = &r.entries[i];
		/* an entry is kept only with what restore needs to find it */
		FUZZ_ASSERT(e->seq && e->cert_dir && e->unit_dir && e->file && e->qfile && e->path);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(r.entries[j].seq != e->seq);
		if (uc_cleanup_name_ok(e->file, &why))
			FUZZ_ASSERT(*e->file && !strchr(e->file, '/') && strcmp(e->file, "..") != 0);
		else
			FUZZ_ASSERT(why);
		uc_cleanup_name_ok(e->unit_dir, &why);
		uc_cleanup_name_ok(e->qfile, &why);
	}
	uc_runs_free(run, 1);
	return 0;
}
