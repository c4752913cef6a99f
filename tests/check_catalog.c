/* check_catalog.c - the unit catalog against the domain reference.
 *
 * The expected table is written here from docs section 1 ("Certificate
 * units") of the CUCM certificate reference, not copied from catalog.c. */
#include <config.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "catalog.h"

#define CUCM UC_PRODUCT_CUCM
#define CUC UC_PRODUCT_CUC
#define IMP UC_PRODUCT_IMP

static const struct {
	const char *name;
	unsigned products;
	enum uc_store store;
	enum uc_impact impact;
} expected[] = {
	/* identity units */
	{ "tomcat", CUCM | CUC | IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "tomcat-ECDSA", CUCM | CUC | IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "ipsec", CUCM | CUC | IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "CallManager", CUCM, UC_STORE_OWN, UC_IMPACT_CTL_ITL },
	{ "CallManager-ECDSA", CUCM, UC_STORE_OWN, UC_IMPACT_CTL_ITL },
	{ "CAPF", CUCM, UC_STORE_OWN, UC_IMPACT_CTL_ITL },
	{ "TVS", CUCM, UC_STORE_OWN, UC_IMPACT_CTL_ITL },
	{ "ITLRecovery", CUCM, UC_STORE_OWN, UC_IMPACT_CTL_ITL },
	/* section 7: the OAuth signing key and the IM and Presence units */
	{ "authz", CUCM, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "cup", IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "cup-ECDSA", IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "cup-xmpp", IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "cup-xmpp-ECDSA", IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "cup-xmpp-s2s", IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "cup-xmpp-s2s-ECDSA", IMP, UC_STORE_OWN, UC_IMPACT_NONE },
	{ "cup-trust", IMP, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "cup-xmpp-trust", IMP, UC_STORE_TRUST, UC_IMPACT_NONE },
	/* trust stores: deleting a trust certificate touches no phone */
	{ "tomcat-trust", CUCM | CUC | IMP, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "ipsec-trust", CUCM | CUC | IMP, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "CallManager-trust", CUCM | CUC, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "CAPF-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "TVS-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "Phone-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "Phone-VPN-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "Phone-SAST-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "Phone-CTL-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "Phone-CTL-ASA-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "Phone-Edge-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "directory-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
	{ "userlicensing-trust", CUCM, UC_STORE_TRUST, UC_IMPACT_NONE },
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

START_TEST(test_unit)
{
	const struct uc_unit *u = uc_unit_find(expected[_i].name);

	ck_assert_msg(u != NULL, "unit %s missing from the catalog", expected[_i].name);
	ck_assert_str_eq(u->name, expected[_i].name);	/* exact platform spelling */
	ck_assert_uint_eq(u->products, expected[_i].products);
	ck_assert_int_eq(u->store, expected[_i].store);
	ck_assert_int_eq(u->impact, expected[_i].impact);
	ck_assert_ptr_nonnull(u->function);
	ck_assert_uint_gt(strlen(u->function), 10);
	/* what deleting a trust certificate affects is said for every store */
	if (u->store == UC_STORE_TRUST)
		ck_assert_ptr_nonnull(u->removal);
	else
		ck_assert_ptr_null(u->removal);
}
END_TEST

/* TAC 214231 / Administration Guide / Security Guide: deleting from these
 * stores is not free of consequences. */
START_TEST(test_trust_removal)
{
	static const struct { const char *unit, *says; } cases[] = {
		{ "tomcat-trust", "restart Cisco Tomcat" },
		{ "CAPF-trust", "restart Cisco Certificate Authority Proxy Function" },
		{ "CAPF-trust", "endpoints" },
		{ "ipsec-trust", "before release 14" },
		{ "ipsec-trust", "DRF Local" },
		{ "Phone-Edge-trust", "delivered to the phones" },
		{ "Phone-VPN-trust", "delivered to the phones" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct uc_unit *u = uc_unit_find(cases[i].unit);
		ck_assert_msg(strstr(u->removal, cases[i].says) != NULL, "%s: \"%s\" does not say \"%s\"",
			      cases[i].unit, u->removal, cases[i].says);
	}
	ck_assert_ptr_null(strstr(uc_unit_find("CAPF-trust")->removal, "no phone"));
}
END_TEST

/* Nothing in the catalog that the reference does not list, and no two units
 * that differ only in case (lookup could not tell them apart). */
START_TEST(test_no_extra_units)
{
	ck_assert_uint_eq(uc_nunits, NEXPECTED);
	for (size_t i = 0; i < uc_nunits; i++) {
		bool listed = false;
		for (size_t j = 0; j < NEXPECTED; j++)
			listed |= strcmp(uc_units[i].name, expected[j].name) == 0;
		ck_assert_msg(listed, "catalog unit %s is not in the reference", uc_units[i].name);
		for (size_t j = i + 1; j < uc_nunits; j++)
			ck_assert_msg(strcasecmp(uc_units[i].name, uc_units[j].name) != 0,
				      "%s twice", uc_units[i].name);
	}
}
END_TEST

START_TEST(test_lookup_case_insensitive)
{
	for (size_t i = 0; i < NEXPECTED; i++) {
		char up[64], low[64];
		size_t n = strlen(expected[i].name);
		for (size_t k = 0; k <= n; k++) {
			up[k] = (char)toupper((unsigned char)expected[i].name[k]);
			low[k] = (char)tolower((unsigned char)expected[i].name[k]);
		}
		const struct uc_unit *u = uc_unit_find(up), *l = uc_unit_find(low);
		ck_assert_msg(u && l, "%s not found by case", expected[i].name);
		ck_assert_str_eq(u->name, expected[i].name);
		ck_assert_ptr_eq(u, l);
	}
	ck_assert_str_eq(uc_unit_find("callMANAGER-trust")->name, "CallManager-trust");
}
END_TEST

START_TEST(test_lookup_unknown)
{
	static const char *const unknown[] = { "", "tomcat2", "tomcat-", "tomca",
		"trust", "-trust", "tomcat-trust ", " tomcat", "CallManager_trust",
		"Phone", "tomcat/../ipsec" };

	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		ck_assert_msg(uc_unit_find(unknown[i]) == NULL, "\"%s\" found", unknown[i]);
}
END_TEST

START_TEST(test_store_guess)
{
	ck_assert_int_eq(uc_store_guess("widget-trust"), UC_STORE_TRUST);
	ck_assert_int_eq(uc_store_guess("Widget-TRUST"), UC_STORE_TRUST);
	ck_assert_int_eq(uc_store_guess("widget"), UC_STORE_OWN);
	ck_assert_int_eq(uc_store_guess("trust"), UC_STORE_OWN);
	ck_assert_int_eq(uc_store_guess("widget-trusted"), UC_STORE_OWN);
	ck_assert_int_eq(uc_store_guess(""), UC_STORE_OWN);
}
END_TEST

/* The words of the JSON output, the man page and the MIB. */
START_TEST(test_names)
{
	ck_assert_str_eq(uc_store_name(UC_STORE_OWN), "own");
	ck_assert_str_eq(uc_store_name(UC_STORE_TRUST), "trust");
	ck_assert_str_eq(uc_impact_name(UC_IMPACT_NONE), "none");
	ck_assert_str_eq(uc_impact_name(UC_IMPACT_CTL_ITL), "ctl-itl");
	ck_assert_str_eq(uc_impact_name(UC_IMPACT_UNKNOWN), "unknown");
	ck_assert_str_eq(uc_state_name(UC_STATE_VALID), "valid");
	ck_assert_str_eq(uc_state_name(UC_STATE_EXPIRING), "expiring");
	ck_assert_str_eq(uc_state_name(UC_STATE_EXPIRED), "expired");
	ck_assert_str_eq(uc_state_name(UC_STATE_UNREADABLE), "unreadable");
	ck_assert_str_eq(uc_product_name(UC_PRODUCT_CUCM), "cucm");
	ck_assert_str_eq(uc_product_name(UC_PRODUCT_CUC), "cuc");
	ck_assert_str_eq(uc_product_name(UC_PRODUCT_IMP), "imp");
	/* the MIB publishes these numbers */
	ck_assert_int_eq(UC_STORE_OWN, 1);
	ck_assert_int_eq(UC_STORE_TRUST, 2);
	ck_assert_int_eq(UC_IMPACT_NONE, 1);
	ck_assert_int_eq(UC_IMPACT_CTL_ITL, 2);
	ck_assert_int_eq(UC_IMPACT_UNKNOWN, 3);
	ck_assert_int_eq(UC_STATE_VALID, 1);
	ck_assert_int_eq(UC_STATE_EXPIRING, 2);
	ck_assert_int_eq(UC_STATE_EXPIRED, 3);
	ck_assert_int_eq(UC_STATE_UNREADABLE, 4);
}
END_TEST

Suite *catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("catalog");

	tcase_add_loop_test(tc, test_unit, 0, NEXPECTED);
	tcase_add_test(tc, test_no_extra_units);
	tcase_add_test(tc, test_trust_removal);
	tcase_add_test(tc, test_lookup_case_insensitive);
	tcase_add_test(tc, test_lookup_unknown);
	tcase_add_test(tc, test_store_guess);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}
