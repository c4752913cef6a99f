/* check_jsonw.c - the JSON writer behind "uccert scan --json". */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "jsonw.h"

struct out {
	char *buf;
	size_t len;
	FILE *f;
	struct jsonw w;
};

static void out_open(struct out *o, bool pretty)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	ck_assert_ptr_nonnull(o->f);
	jw_init(&o->w, o->f, pretty);
}

/* Closes the stream; the caller frees o->buf. */
static const char *out_text(struct out *o)
{
	ck_assert_int_eq(fclose(o->f), 0);
	return o->buf;
}

START_TEST(test_compact)
{
	struct out o;

	out_open(&o, false);
	jw_begin_array(&o.w);
	jw_begin_object(&o.w);
	jw_kstring(&o.w, "unit", "tomcat");
	jw_kint(&o.w, "days_left", -5);
	jw_kbool(&o.w, "ok", true);
	jw_kbool(&o.w, "bad", false);
	jw_kstring(&o.w, "subject", NULL);
	jw_key(&o.w, "list");
	jw_begin_array(&o.w);
	jw_int(&o.w, INT64_MIN);
	jw_int(&o.w, INT64_MAX);
	jw_null(&o.w);
	jw_end_array(&o.w);
	jw_end_object(&o.w);
	jw_begin_object(&o.w);
	jw_end_object(&o.w);
	jw_end_array(&o.w);
	jw_finish(&o.w);
	ck_assert_str_eq(out_text(&o),
			 "[{\"unit\":\"tomcat\",\"days_left\":-5,\"ok\":true,\"bad\":false,"
			 "\"subject\":null,\"list\":[-9223372036854775808,9223372036854775807,null]},"
			 "{}]\n");
	free(o.buf);
}
END_TEST

START_TEST(test_pretty)
{
	struct out o;

	out_open(&o, true);
	jw_begin_array(&o.w);
	jw_begin_object(&o.w);
	jw_kstring(&o.w, "cluster", "hq");
	jw_kint(&o.w, "days_left", 30);
	jw_end_object(&o.w);
	jw_end_array(&o.w);
	jw_finish(&o.w);
	ck_assert_str_eq(out_text(&o),
			 "[\n  {\n    \"cluster\": \"hq\",\n    \"days_left\": 30\n  }\n]\n");
	free(o.buf);

	out_open(&o, true);	/* an empty inventory */
	jw_begin_array(&o.w);
	jw_end_array(&o.w);
	jw_finish(&o.w);
	ck_assert_str_eq(out_text(&o), "[]\n");
	free(o.buf);
}
END_TEST

/* RFC 4514 subjects are full of backslashes and quotes. */
START_TEST(test_escaping)
{
	struct out o;

	out_open(&o, false);
	jw_string(&o.w, "CN=a\\,b\\\"c\n\r\t\x01\x1f\x7f Gr\xc3\xbc\xc3\x9f" "e \xe4\xb8\xbb");
	ck_assert_str_eq(out_text(&o),
			 "\"CN=a\\\\,b\\\\\\\"c\\n\\r\\t\\u0001\\u001f\\u007f "
			 "Gr\xc3\xbc\xc3\x9f" "e \xe4\xb8\xbb\"");
	free(o.buf);
}
END_TEST

/* File and directory names come from the file system, which allows any
 * bytes: a trust file named in Latin-1 must not make the whole output
 * invalid JSON (RFC 8259 requires UTF-8). */
START_TEST(test_non_utf8_bytes)
{
	struct out o;
	const char *text;

	out_open(&o, false);
	jw_begin_object(&o.w);
	jw_kstring(&o.w, "source", "/srv/hq/pub/tomcat-trust/caf\xe9.pem");
	jw_kstring(&o.w, "unit", "\xff\xfe");
	jw_end_object(&o.w);
	text = out_text(&o);
	ck_assert_msg(tk_utf8_valid(text), "not UTF-8: %s", text);
	ck_assert(strstr(text, "tomcat-trust/caf") != NULL);
	free(o.buf);
}
END_TEST

Suite *jsonw_suite(void)
{
	Suite *s = suite_create("jsonw");
	TCase *tc = tcase_create("jsonw");

	tcase_add_test(tc, test_compact);
	tcase_add_test(tc, test_pretty);
	tcase_add_test(tc, test_escaping);
	suite_add_tcase(s, tc);

	tc = tcase_create("known-bugs");
	tcase_set_tags(tc, "known-bug");
	tcase_add_test(tc, test_non_utf8_bytes);
	suite_add_tcase(s, tc);
	return s;
}
