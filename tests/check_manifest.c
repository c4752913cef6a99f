/* check_manifest.c - reading a quarantine run's manifest: what each journal
 * line does to the run, and bytes that must not be trusted. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"

#define SHA_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static struct uc_run *parse(const char *text)
{
	return uc_manifest_parse(text, strlen(text));
}

START_TEST(test_entries_folded)
{
	struct uc_run *r = parse(
		"uccert-manifest 1\n"
		"run at=2026-01-01T10:00:00Z by=0 user=root\n"
		"intent seq=1 cluster=hq node=pub unit=tomcat-trust cert_dir=/srv/pub unit_dir=tomcat-trust"
		" file=old%20ca.pem path=/srv/pub/tomcat-trust/old%20ca.pem qfile=1-old%20ca.pem"
		" sha256=" SHA_A " size=12 mode=0644 uid=0 gid=0 mtime=1767225600.5\n"
		"done seq=1\n"
		"restore seq=1\n"
		"restored seq=1 how=renamed\n"
		"end\n");

	ck_assert(r->has_manifest && r->ended);
	ck_assert_str_eq(r->user, "root");
	ck_assert_int_eq(r->nentries, 1);
	ck_assert_int_eq(r->bad_lines, 0);
	ck_assert_str_eq(r->entries[0].file, "old ca.pem");
	ck_assert_str_eq(r->entries[0].qfile, "1-old ca.pem");
	ck_assert_int_eq(r->entries[0].sha256[0], 0x9f);
	ck_assert_int_eq(r->entries[0].sha256[31], 0x08);
	ck_assert_int_eq(r->entries[0].mode, 0644);
	ck_assert_int_eq(r->entries[0].state, UC_ENTRY_RESTORED);
	ck_assert_str_eq(r->entries[0].note, "renamed");
	ck_assert_int_eq(r->moved, 1);
	ck_assert_int_eq(r->restored, 1);
	uc_runs_free(r, 1);
}
END_TEST

/* A SHA-256 is 64 hex digits, nothing else: scanf's "%2x" took "+f" or
 * " f" for a byte. */
START_TEST(test_sha256_strict)
{
	static const char *const bad[] = {
		"+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f+f",
		"-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1",
		"0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x",
		"%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f%20f",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *text = tk_printf("uccert-manifest 1\nrun by=0\n"
				       "intent seq=1 cert_dir=/d unit_dir=u file=f qfile=q path=/d/u/f sha256=%s\n",
				       bad[i]);
		struct uc_run *r = parse(text);
		ck_assert_msg(r->nentries == 0, "sha256=%s taken", bad[i]);
		ck_assert_int_eq(r->bad_lines, 1);
		uc_runs_free(r, 1);
		free(text);
	}
	struct uc_run *r = parse("uccert-manifest 1\nrun by=0\n"
				 "intent seq=1 cert_dir=/d unit_dir=u file=f qfile=q path=/d/u/f sha256="
				 "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n");
	ck_assert_int_eq(r->nentries, 1);
	ck_assert_int_eq(r->entries[0].sha256[0], 0x9f);
	uc_runs_free(r, 1);
}
END_TEST

/* A manifest is read into a buffer with no NUL after it: a percent escape
 * near its end was decoded with sscanf, which reads up to a NUL (past the
 * buffer). The bytes here end right before an inaccessible page. */
START_TEST(test_escape_at_end_of_buffer)
{
	static const char text[] = "uccert-manifest 1\nrun by=0 user=a%41\n";
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = sizeof text - 1;
	unsigned char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(m != MAP_FAILED);
	ck_assert_int_eq(mprotect(m + page, page, PROT_NONE), 0);
	memcpy(m + page - len, text, len);

	struct uc_run *r = uc_manifest_parse((const char *)m + page - len, len);
	ck_assert(r->has_manifest);
	ck_assert_str_eq(r->user, "aA");
	uc_runs_free(r, 1);
	munmap(m, 2 * page);
}
END_TEST

/* What is not a manifest yields nothing; a last line without its newline
 * was being written and does not count. */
START_TEST(test_not_a_manifest)
{
	struct uc_run *r = parse("uccert-manifest 2\nrun by=0\n");
	ck_assert(!r->has_manifest);
	uc_runs_free(r, 1);
	r = parse("uccert-manifest 1\nintent seq=1\n");
	ck_assert(!r->has_manifest);
	ck_assert_int_eq(r->nentries, 0);
	uc_runs_free(r, 1);
	r = parse("uccert-manifest 1\nrun by=0\nend");
	ck_assert(r->has_manifest && !r->ended);
	uc_runs_free(r, 1);
	r = uc_manifest_parse("", 0);
	ck_assert(!r->has_manifest);
	uc_runs_free(r, 1);
}
END_TEST

Suite *manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("manifest");

	tcase_add_test(tc, test_entries_folded);
	tcase_add_test(tc, test_sha256_strict);
	tcase_add_test(tc, test_escape_at_end_of_buffer);
	tcase_add_test(tc, test_not_a_manifest);
	suite_add_tcase(s, tc);
	return s;
}
