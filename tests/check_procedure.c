/* check_procedure.c - the renewal tables against the domain reference.
 *
 * Expected values are written here from sections 1-4 of the CUCM
 * certificate reference, not copied from procedure.c. */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "catalog.h"
#include "procedure.h"

START_TEST(regen_own_units)
{
	static const char *const own[] = { "tomcat", "tomcat-ECDSA", "ipsec",
		"CallManager", "CallManager-ECDSA", "CAPF", "TVS", "ITLRecovery" };
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
		char want[64];
		snprintf(want, sizeof want, "set cert regen %s", own[i]);
		ck_assert_ptr_nonnull(uc_regen_command(own[i]));
		ck_assert_str_eq(uc_regen_command(own[i]), want);
	}
	/* any case in, the platform's spelling out */
	ck_assert_str_eq(uc_regen_command("callmanager-ecdsa"), "set cert regen CallManager-ECDSA");
	ck_assert_str_eq(uc_regen_command("ITLRECOVERY"), "set cert regen ITLRecovery");
}
END_TEST

START_TEST(regen_every_catalog_unit)
{
	for (size_t i = 0; i < uc_nunits; i++) {
		const char *cmd = uc_regen_command(uc_units[i].name);
		if (uc_units[i].store == UC_STORE_TRUST) {
			ck_assert_ptr_null(cmd);
			continue;
		}
		ck_assert_msg(cmd != NULL, "no regen command for %s", uc_units[i].name);
		ck_assert_str_eq(cmd + strlen("set cert regen "), uc_units[i].name);
	}
}
END_TEST

START_TEST(regen_trust_and_unknown)
{
	ck_assert_ptr_null(uc_regen_command("tomcat-trust"));
	ck_assert_ptr_null(uc_regen_command("CallManager-trust"));
	ck_assert_ptr_null(uc_regen_command("Phone-SAST-trust"));
	ck_assert_ptr_null(uc_regen_command("vendor-widget"));
	ck_assert_ptr_null(uc_regen_command("vendor-trust"));
	ck_assert_ptr_null(uc_regen_command(""));
	ck_assert_ptr_null(uc_regen_command(NULL));
}
END_TEST

/* Each own unit has a step, in the phase its impact class implies, whose
 * first command is the unit's regen command. */
START_TEST(steps_match_catalog)
{
	for (size_t i = 0; i < uc_nunits; i++) {
		const struct uc_unit *u = &uc_units[i];
		const struct uc_step_def *d = uc_step_for_unit(u->name);
		if (u->store == UC_STORE_TRUST) {
			ck_assert_ptr_null(d);
			continue;
		}
		ck_assert_msg(d != NULL, "no step for %s", u->name);
		ck_assert_str_eq(d->unit, u->name);
		ck_assert_int_eq(d->phase, u->impact == UC_IMPACT_CTL_ITL ? UC_PHASE_CTL_ITL
									   : UC_PHASE_NO_PHONE_IMPACT);
		ck_assert_ptr_nonnull(d->actions[0].command);
		ck_assert_str_eq(d->actions[0].command, uc_regen_command(u->name));
		ck_assert_ptr_nonnull(d->see);
		ck_assert_ptr_nonnull(d->verify);
	}
	ck_assert_ptr_null(uc_step_for_unit("vendor-widget"));
}
END_TEST

START_TEST(ctl_update_per_mode)
{
	const struct uc_step_def *usb = uc_ctl_update_step(UC_SECURITY_MIXED_USB);
	const struct uc_step_def *tl = uc_ctl_update_step(UC_SECURITY_MIXED_TOKENLESS);

	ck_assert_ptr_null(uc_ctl_update_step(UC_SECURITY_NON_SECURE));
	ck_assert_ptr_nonnull(usb);
	ck_assert_ptr_nonnull(tl);
	ck_assert_int_eq(tl->actions[0].target, UC_TARGET_PUBLISHER);
	ck_assert_str_eq(tl->actions[0].command, "utils ctl update CTLFile");
	ck_assert_int_eq(tl->actions[1].target, 0);
	ck_assert_int_eq(usb->actions[0].target, UC_TARGET_WORKSTATION);
	bool tftp = false, ccm = false, token = false;
	for (const struct uc_action_def *a = usb->actions; a->target; a++) {
		if (a->command && strcmp(a->command, "utils service restart Cisco Tftp") == 0)
			tftp = a->target == UC_TARGET_ALL_NODES;
		if (a->command && strcmp(a->command, "utils service restart Cisco CallManager") == 0)
			ccm = a->target == UC_TARGET_ALL_NODES;
	}
	for (const struct uc_note_def *n = usb->notes; n->kind; n++)
		token |= n->kind == UC_NOTE_WARNING && strstr(n->text, "15 wrong") != NULL;
	ck_assert(tftp && ccm && token);
}
END_TEST

START_TEST(families)
{
	static const struct { const char *model; enum uc_family f; } cases[] = {
		{ "7931", UC_FAMILY_NONE }, { "7937", UC_FAMILY_NONE },
		{ "7937G", UC_FAMILY_NONE }, { "IP Communicator", UC_FAMILY_NONE },
		{ "ip communicator", UC_FAMILY_NONE },
		{ "7940", UC_FAMILY_CTL }, { "7960", UC_FAMILY_CTL },
		{ "Cisco 7960", UC_FAMILY_CTL }, { "Jabber", UC_FAMILY_CTL },
		{ "Jabber for Windows", UC_FAMILY_CTL },
		{ "7941", UC_FAMILY_CTL_ITL }, { "7945", UC_FAMILY_CTL_ITL },
		{ "7961", UC_FAMILY_CTL_ITL }, { "7965", UC_FAMILY_CTL_ITL },
		{ "7970", UC_FAMILY_CTL_ITL }, { "7971", UC_FAMILY_CTL_ITL },
		{ "7975", UC_FAMILY_CTL_ITL }, { "7811", UC_FAMILY_CTL_ITL },
		{ "7821", UC_FAMILY_CTL_ITL }, { "7861", UC_FAMILY_CTL_ITL },
		{ "8811", UC_FAMILY_CTL_ITL }, { "8845", UC_FAMILY_CTL_ITL },
		{ "8865NR", UC_FAMILY_CTL_ITL }, { "CP-8845", UC_FAMILY_CTL_ITL },
		{ "7961G-GE", UC_FAMILY_CTL_ITL },
		{ "7925G", UC_FAMILY_UNKNOWN }, { "DX80", UC_FAMILY_UNKNOWN },
		{ "78", UC_FAMILY_UNKNOWN }, { "78123", UC_FAMILY_UNKNOWN },
		{ "Jabberwocky", UC_FAMILY_UNKNOWN }, { "", UC_FAMILY_UNKNOWN },
		{ "9971", UC_FAMILY_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(uc_phone_family(cases[i].model) == cases[i].f,
			      "model '%s': family %s, expected %s", cases[i].model,
			      uc_family_id(uc_phone_family(cases[i].model)),
			      uc_family_id(cases[i].f));
	ck_assert_int_eq(uc_phone_family(NULL), UC_FAMILY_UNKNOWN);
}
END_TEST

/* Reference section 3, mixed mode with USB eTokens. */
START_TEST(impact_matrix)
{
	const enum uc_security_mode usb = UC_SECURITY_MIXED_USB;
#define EFF(k, m, f) (uc_impact((k), (m), (f))->effect)
	/* phase-1 steps touch no phone: no row */
	ck_assert_ptr_null(uc_impact(UC_STEP_TOMCAT, usb, UC_FAMILY_CTL));
	ck_assert_ptr_null(uc_impact(UC_STEP_IPSEC, usb, UC_FAMILY_CTL_ITL));
	/* no CTL/ITL phones: never affected */
	for (int k = UC_STEP_CALLMANAGER; k <= UC_STEP_TVS; k++)
		ck_assert_int_eq(EFF(k, usb, UC_FAMILY_NONE), UC_EFFECT_NONE);
	ck_assert_int_eq(EFF(UC_STEP_CALLMANAGER, usb, UC_FAMILY_CTL), UC_EFFECT_CONFIG_REJECTED);
	ck_assert_int_eq(EFF(UC_STEP_CALLMANAGER, usb, UC_FAMILY_CTL_ITL), UC_EFFECT_SOFT_RESET);
	ck_assert_int_eq(EFF(UC_STEP_CAPF, usb, UC_FAMILY_CTL), UC_EFFECT_NONE);
	ck_assert_int_eq(EFF(UC_STEP_CTL_UPDATE, usb, UC_FAMILY_CTL), UC_EFFECT_RESET_NEEDED);
	ck_assert_int_eq(EFF(UC_STEP_CTL_UPDATE, usb, UC_FAMILY_CTL_ITL), UC_EFFECT_SOFT_RESET);
	ck_assert_int_eq(EFF(UC_STEP_TVS, usb, UC_FAMILY_CTL), UC_EFFECT_NONE);
	ck_assert_int_eq(EFF(UC_STEP_TVS, usb, UC_FAMILY_CTL_ITL), UC_EFFECT_NONE);
	ck_assert_int_eq(EFF(UC_STEP_ITLRECOVERY, usb, UC_FAMILY_CTL_ITL), UC_EFFECT_ITL_AT_RISK);
	ck_assert_int_eq(EFF(UC_STEP_CALLMANAGER, usb, UC_FAMILY_UNKNOWN), UC_EFFECT_UNKNOWN);
	/* the matrix as written is no assumption */
	ck_assert(!uc_impact(UC_STEP_CTL_UPDATE, usb, UC_FAMILY_CTL)->assumed);
	ck_assert(!uc_impact_basis(usb)->assumed);
	/* non-secure: no CTL update row, CTL-only phones unaffected, labelled */
	ck_assert_ptr_null(uc_impact(UC_STEP_CTL_UPDATE, UC_SECURITY_NON_SECURE, UC_FAMILY_CTL));
	ck_assert_int_eq(EFF(UC_STEP_CALLMANAGER, UC_SECURITY_NON_SECURE, UC_FAMILY_CTL), UC_EFFECT_NONE);
	ck_assert(uc_impact_basis(UC_SECURITY_NON_SECURE)->assumed);
	ck_assert(uc_impact_basis(UC_SECURITY_MIXED_TOKENLESS)->assumed);
#undef EFF
}
END_TEST

static Suite *procedure_suite(void)
{
	Suite *s = suite_create("procedure");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, regen_own_units);
	tcase_add_test(tc, regen_every_catalog_unit);
	tcase_add_test(tc, regen_trust_and_unknown);
	tcase_add_test(tc, steps_match_catalog);
	tcase_add_test(tc, ctl_update_per_mode);
	tcase_add_test(tc, families);
	tcase_add_test(tc, impact_matrix);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(procedure_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
