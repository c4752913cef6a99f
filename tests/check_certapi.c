/* check_certapi.c - a certificate API response body to certificate rows,
 * without a server: what uc_api_fetch() does after a 200. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "certapi.h"
#include "check.h"
#include "util.h"

/* The PEM of a fresh certificate as a JSON string (newlines escaped). */
static char *pem_json(void)
{
	X509 *x = tk_mint(&(struct tk_spec){ 0 });
	char *pem = tk_pem(x);
	struct sbuf b = { 0 };
	sbuf_putc(&b, '"');
	for (const char *p = pem; *p; p++)
		if (*p == '\n')
			sbuf_puts(&b, "\\n");
		else
			sbuf_putc(&b, *p);
	sbuf_putc(&b, '"');
	free(pem);
	X509_free(x);
	return sbuf_take(&b);
}

START_TEST(test_rows)
{
	char *pem = pem_json();
	char *body = tk_printf("{\"identities\":[{\"service\":\"tomcat\",\"certificate\":%s},"
			       "{\"service\":\"../x\",\"certificate\":%s}],"
			       "\"trusts\":[{\"service\":\"CallManager\",\"certificate_data\":"
			       "[{\"filename\":\"a b.pem\",\"certificate\":%s},"
			       "{\"filename\":\"bad.pem\",\"certificate\":\"x\"}]}]}",
			       pem, pem, pem);
	struct uc_api_result r;

	ck_assert_int_eq(uc_api_parse(body, strlen(body), "application/json", "https://h", &r), 0);
	ck_assert_ptr_null(r.error);
	ck_assert_uint_eq(r.nskipped, 1);
	ck_assert_uint_eq(r.ncerts, 3);
	ck_assert_str_eq(r.certs[0].unit, "tomcat");
	ck_assert(!r.certs[0].trust);
	ck_assert_str_eq(r.certs[0].filename, "tomcat.pem");
	ck_assert_uint_eq(r.certs[0].file->ncerts, 1);
	ck_assert_str_eq(r.certs[1].unit, "CallManager-trust");
	ck_assert(r.certs[1].trust);
	ck_assert_str_eq(r.certs[1].filename, "a b.pem");
	ck_assert_uint_eq(r.certs[2].file->ncerts, 0);
	ck_assert_ptr_nonnull(strstr(r.certs[2].file->error, "PEM does not parse"));
	uc_api_result_clear(&r);
	free(body);
	free(pem);
}
END_TEST

START_TEST(test_bad_bodies)
{
	struct uc_api_result r;

	/* len bytes are read: what follows is not part of the document */
	ck_assert_int_eq(uc_api_parse("{\"trusts\":[]}xyz", 13, NULL, "https://h", &r), 0);
	ck_assert_uint_eq(r.ncerts, 0);
	uc_api_result_clear(&r);
	ck_assert_int_eq(uc_api_parse("{\"trusts\":[]} x", 15, NULL, "https://h", &r), -1);
	ck_assert_str_eq(r.error, "malformed JSON at offset 14: unexpected character");
	uc_api_result_clear(&r);
	ck_assert_int_eq(uc_api_parse("<html>", 6, "text/html", "https://h", &r), -1);
	ck_assert_ptr_nonnull(strstr(r.error, "(Content-Type text/html, not JSON)"));
	uc_api_result_clear(&r);
	ck_assert_int_eq(uc_api_parse("", 0, NULL, "https://h", &r), -1);
	ck_assert_str_eq(r.error, "empty response body (HTTP 200)");
	uc_api_result_clear(&r);
	ck_assert_int_eq(uc_api_parse("[]", 2, NULL, "https://h", &r), -1);
	ck_assert_str_eq(r.error, "unexpected JSON: the top level is an array, expected an object");
	uc_api_result_clear(&r);
}
END_TEST

Suite *certapi_suite(void)
{
	Suite *s = suite_create("certapi");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_rows);
	tcase_add_test(tc, test_bad_bodies);
	suite_add_tcase(s, tc);
	return s;
}
