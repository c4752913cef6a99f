/* check_idmap.c - stable row indexes: kept, never reused, survive restarts. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "idmap.h"

START_TEST(test_stable_and_never_reused)
{
	char *dir = tk_tmpdir();
	char *path = tk_printf("%s/indexes", dir);
	struct uc_idmap *m = uc_idmap_open(path);

	uint32_t a = uc_idmap_get(m, "hq/pub/tomcat/aa", 0);
	uint32_t b = uc_idmap_get(m, "hq/pub/tomcat/bb", 0);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(uc_idmap_get(m, "hq/pub/tomcat/aa", 0), a);
	ck_assert(uc_idmap_save(m));
	uc_idmap_free(m);

	m = uc_idmap_open(path);	/* a restart */
	ck_assert_uint_eq(uc_idmap_get(m, "hq/pub/tomcat/bb", 86400), b);
	uc_idmap_expire(m, 86400);	/* forgets aa (last seen day 0) */
	uint32_t c = uc_idmap_get(m, "hq/pub/tomcat/aa", 86400);
	ck_assert_uint_ne(c, a);	/* a number is never given again */
	ck_assert_uint_gt(c, b);
	ck_assert(uc_idmap_save(m));
	uc_idmap_free(m);

	FILE *f = fopen(path, "w");
	fputs("uccert-idmap 1\nnext 7\n3 0 x\nnot a line\n", f);
	fclose(f);
	m = uc_idmap_open(path);	/* corrupt: moved aside, start afresh */
	char *aside = tk_printf("%s.corrupt", path);
	ck_assert_int_eq(access(aside, F_OK), 0);
	ck_assert_uint_eq(uc_idmap_get(m, "x", 0), 1);
	uc_idmap_free(m);
	free(aside);
	free(path);
	free(dir);
}
END_TEST

Suite *idmap_suite(void)
{
	Suite *s = suite_create("idmap");
	TCase *tc = tcase_create("idmap");
	tcase_add_test(tc, test_stable_and_never_reused);
	suite_add_tcase(s, tc);
	return s;
}
