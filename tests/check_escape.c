/* check_escape.c - text on its way to a terminal or a log: control bytes
 * escaped, UTF-8 kept, and every log message through the same function. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "log.h"
#include "util.h"

static void assert_escaped(const char *in, const char *want)
{
	char *got = uc_escape(in);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_c0_and_del)
{
	assert_escaped("x\x1b[31m.pem", "x\\x1b[31m.pem");
	assert_escaped("a\nb\rc\td\x01\x1f", "a\\x0ab\\x0dc\\x09d\\x01\\x1f");
	assert_escaped("d\x7f.pem", "d\\x7f.pem");
	assert_escaped("", "");
	assert_escaped(NULL, "");
}
END_TEST

START_TEST(test_c1_and_invalid_bytes)
{
	assert_escaped("r\x9b" "2J", "r\\x9b2J");		/* raw CSI: not UTF-8 */
	assert_escaped("c\xc2\x9b" "2J", "c\\xc2\\x9b2J");	/* U+009B as UTF-8 */
	assert_escaped("caf\xe9.pem", "caf\\xe9.pem");		/* Latin-1 */
	assert_escaped("cut\xe4\xb8", "cut\\xe4\\xb8");		/* truncated sequence */
	assert_escaped("\xc0\xaf", "\\xc0\\xaf");		/* overlong '/' */
}
END_TEST

START_TEST(test_text_kept)
{
	const char *text = "CN=Gr\xc3\xbc\xc3\x9f" "e \xe4\xb8\xbb\\,O=a b|c \xf0\x9f\x94\x92 \xc2\xa0";
	assert_escaped(text, text);
}
END_TEST

static char *logged;

static void capture(int priority, const char *msg)
{
	(void)priority;
	free(logged);
	logged = strdup(msg);
}

/* The daemon's syslog and the CLI's stderr both get messages from here. */
START_TEST(test_log_messages_escaped)
{
	uc_log_set_handler(capture);
	uc_log(LOG_ERR, "%s: refused", "/srv/pub/tomcat-trust/x\x1b[31m.pem");
	uc_log_set_handler(NULL);
	ck_assert_str_eq(logged, "/srv/pub/tomcat-trust/x\\x1b[31m.pem: refused");
	free(logged);
	logged = NULL;
}
END_TEST

Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, test_c0_and_del);
	tcase_add_test(tc, test_c1_and_invalid_bytes);
	tcase_add_test(tc, test_text_kept);
	tcase_add_test(tc, test_log_messages_escaped);
	suite_add_tcase(s, tc);
	return s;
}
