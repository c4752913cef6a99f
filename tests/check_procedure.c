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
	/* Security Guide 14SU2: the OAuth signing key */
	ck_assert_str_eq(uc_regen_command("authz"), "set key regen authz signing");
	/* IM and Presence */
	ck_assert_str_eq(uc_regen_command("cup-xmpp-s2s-ecdsa"), "set cert regen cup-xmpp-s2s-ECDSA");
	ck_assert_str_eq(uc_regen_command("cup"), "set cert regen cup");
	ck_assert_ptr_null(uc_regen_command("cup-xmpp-trust"));
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
		if (strcmp(uc_units[i].name, "authz") == 0)
			continue;	/* a key: below */
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

/* A CA-signed certificate starts its renewal with a CSR, never a
 * regeneration (which would make it self-signed). */
START_TEST(renew_ca_signed)
{
	struct uc_cert self = { .subject = "CN=cucm-pub", .issuer = "CN=cucm-pub" };
	struct uc_cert ca = { .subject = "CN=cucm-pub", .issuer = "CN=Example CA" };

	ck_assert(!uc_cert_ca_signed(&self));
	ck_assert(uc_cert_ca_signed(&ca));
	ck_assert_str_eq(uc_renew_command("tomcat", &self), "set cert regen tomcat");
	ck_assert_str_eq(uc_renew_command("tomcat", &ca), "set csr gen tomcat");
	ck_assert_str_eq(uc_renew_command("callmanager", &ca), "set csr gen CallManager");
	ck_assert_str_eq(uc_renew_command("tomcat", NULL), "set cert regen tomcat");
	ck_assert_ptr_null(uc_renew_command("tomcat-trust", &ca));
	/* every unit with a CSR procedure: first the CSR, then getting it
	 * signed, then the upload of the certificate and its chain */
	for (size_t i = 0; i < uc_nunits; i++) {
		const struct uc_action_def *a = uc_csr_actions(uc_units[i].name);
		if (!a)
			continue;
		ck_assert_str_eq(a[0].command + strlen("set csr gen "), uc_units[i].name);
		ck_assert_ptr_null(a[1].command);
		ck_assert_ptr_nonnull(strstr(a[2].note, "root and intermediate"));
		ck_assert_int_eq(a[3].target, 0);
	}
	ck_assert_ptr_null(uc_csr_actions("ITLRecovery"));
	ck_assert_ptr_null(uc_csr_actions("authz"));
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

/* ---- the rows Cisco's documents correct, one test each ---- */

/* The actions of a step that apply to a release and mode, as
 * "target:command" ("target:-" for a manual action), joined by " | ". */
static char *actions_for(const struct uc_action_def *a, unsigned release,
			 enum uc_security_mode mode)
{
	static char buf[4096];
	static const char *const tgt[] = { "?", "node", "pub", "all", "pc", "phones" };

	buf[0] = '\0';
	for (; a->target; a++) {
		bool on;
		switch (a->when) {
		case UC_WHEN_ALWAYS:
		case UC_WHEN_CUCM:
			on = true;
			break;
		case UC_WHEN_MIXED:
			on = mode != UC_SECURITY_NON_SECURE;
			break;
		case UC_WHEN_NON_SECURE:
			on = mode == UC_SECURITY_NON_SECURE;
			break;
		default:
			on = false;
			ck_abort_msg("unexpected condition %d on an action", (int)a->when);
		}
		if (!on || !uc_release_applies(a->from, a->until, release))
			continue;
		const char *c = a->command ? a->command : "-";
		if (strncmp(c, "utils service restart ", 22) == 0)
			c += 22;
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s:%s",
			 buf[0] ? " | " : "", tgt[a->target], c);
	}
	return buf;
}

static bool any_note(const struct uc_note_def *n, enum uc_note_kind kind, const char *text)
{
	for (; n->kind; n++)
		if (n->kind == kind && strstr(n->text, text))
			return true;
	return false;
}

#define R(a, b, c) UC_RELEASE(a, b, c)
#define NS UC_SECURITY_NON_SECURE
#define TL UC_SECURITY_MIXED_TOKENLESS
#define USB UC_SECURITY_MIXED_USB

START_TEST(release_ranges)
{
	char buf[64];

	ck_assert(uc_release_applies(0, 0, R(12, 5, 0)));
	ck_assert(uc_release_applies(R(14, 0, 0), 0, 0));	/* not set: every row */
	ck_assert(uc_release_applies(R(14, 0, 0), R(14, 0, 1), R(14, 0, 0)));
	ck_assert(!uc_release_applies(R(14, 0, 0), R(14, 0, 1), R(14, 0, 1)));
	ck_assert(!uc_release_applies(R(14, 0, 0), 0, R(12, 5, 3)));
	ck_assert(uc_release_applies(0, R(14, 0, 0), R(12, 5, 3)));
	ck_assert_str_eq(uc_release_range(R(14, 0, 0), 0, buf, sizeof buf), "release 14 and later");
	ck_assert_str_eq(uc_release_range(0, R(12, 5, 0), buf, sizeof buf), "before release 12.5");
	ck_assert_str_eq(uc_release_range(R(14, 0, 0), R(14, 0, 1), buf, sizeof buf),
			 "release 14 to before 14SU1");
	ck_assert_str_eq(uc_release_range(0, 0, buf, sizeof buf), "");
}
END_TEST

/* Security Guide 14SU2 / CLI reference / Field Notice 70613. */
START_TEST(itlrecovery_secure)
{
	const struct uc_step_def *d = uc_step_for_unit("ITLRecovery");
	const char *want = "pub:set cert regen ITLRecovery | pub:utils ctl reset localkey | phones:- | "
			   "pub:utils ctl update CTLFile | phones:-";

	ck_assert_str_eq(actions_for(d->actions, R(12, 5, 0), TL), want);
	ck_assert_str_eq(actions_for(d->actions, R(14, 0, 2), TL), want);
	ck_assert_str_eq(actions_for(d->actions, R(15, 0, 0), USB), want);
	/* the step carries its own CTL update: no separate one is added */
	ck_assert(!d->needs_ctl_update);
	ck_assert_ptr_nonnull(strstr(d->actions[0].note, "Proceed with regeneration (yes|no)?"));
}
END_TEST

START_TEST(itlrecovery_non_secure)
{
	const struct uc_step_def *d = uc_step_for_unit("ITLRecovery");

	ck_assert_str_eq(actions_for(d->actions, R(14, 0, 0), NS),
			 "pub:set cert regen ITLRecovery | pub:utils itl reset localkey | phones:- | "
			 "all:Cisco Tftp | phones:-");
}
END_TEST

/* TAC 214231: from 12.5 the publisher's ITLRecovery is on the subscribers
 * too; Field Notice 70613: ITLRecovery before CallManager. */
START_TEST(itlrecovery_subscriber_and_order)
{
	const struct uc_step_def *d = uc_step_for_unit("ITLRecovery");
	const struct uc_step_def *cm = uc_step_for_unit("CallManager");

	ck_assert(!any_note(d->notes, UC_NOTE_WARNING, "unexpected"));
	ck_assert(any_note(d->notes, UC_NOTE_REMARK, "distributed to the subscribers"));
	ck_assert_int_lt(UC_STEP_ITLRECOVERY, UC_STEP_CALLMANAGER);
	ck_assert_int_lt(UC_STEP_ITLRECOVERY, UC_STEP_CALLMANAGER_ECDSA);
	ck_assert_int_lt(UC_STEP_ITLRECOVERY, UC_STEP_CTL_UPDATE);
	bool pre = false;
	for (const struct uc_note_def *n = cm->notes; n->kind; n++)
		pre |= n->kind == UC_NOTE_PRECONDITION && n->when == UC_WHEN_AFTER_ITLRECOVERY &&
		       strstr(n->text, "deleted on each phone by hand");
	ck_assert(pre);
	ck_assert(any_note(d->notes, UC_NOTE_WARNING, "Finish this step before any CallManager"));
}
END_TEST

/* Security Guide 14SU2: 14 restarts CallManager, CTIManager, HAProxy;
 * 14SU1 and later HAProxy (CallManager-ECDSA: CallManager + HAProxy);
 * TAC 214231 adds TVS, TFTP and the phone reset. */
START_TEST(callmanager_restarts)
{
	const struct uc_action_def *cm = uc_step_for_unit("CallManager")->actions;
	const struct uc_action_def *ec = uc_step_for_unit("CallManager-ECDSA")->actions;

	ck_assert_str_eq(actions_for(cm, R(14, 0, 0), TL),
			 "node:set cert regen CallManager | node:Cisco CallManager | node:Cisco CTIManager | "
			 "node:Cisco HAProxy | node:Cisco TVS | node:Cisco Tftp | node:utils service list | phones:-");
	ck_assert_str_eq(actions_for(cm, R(14, 0, 1), TL),
			 "node:set cert regen CallManager | node:Cisco HAProxy | node:Cisco TVS | "
			 "node:Cisco Tftp | node:utils service list | phones:-");
	ck_assert_str_eq(actions_for(cm, R(12, 5, 0), NS),
			 "node:set cert regen CallManager | node:Cisco TVS | node:Cisco Tftp | node:utils service list | phones:-");
	ck_assert_str_eq(actions_for(ec, R(14, 0, 2), NS),
			 "node:set cert regen CallManager-ECDSA | node:Cisco CallManager | node:Cisco HAProxy | "
			 "node:Cisco TVS | node:Cisco Tftp | node:utils service list | phones:-");
	ck_assert(uc_step_for_unit("CallManager")->node_by_node);
}
END_TEST

/* Security Guide 14SU2 (14: the tomcat services), TAC 214231 (TFTP's
 * cached certificate), Administration Guide (SSO), TAC 215572 (SIP OAuth). */
START_TEST(tomcat_restarts)
{
	const struct uc_action_def *t = uc_step_for_unit("tomcat")->actions;
	const struct uc_action_def *e = uc_step_for_unit("tomcat-ECDSA")->actions;

	ck_assert_str_eq(actions_for(t, R(12, 5, 0), NS),
			 "node:set cert regen tomcat | node:Cisco Tomcat | node:Cisco Tftp | "
			 "node:Cisco SSOSP Tomcat | node:Cisco CallManager");
	ck_assert_str_eq(actions_for(t, R(14, 0, 0), NS),
			 "node:set cert regen tomcat | node:Cisco Tomcat | node:Cisco Intercluster Lookup Service | "
			 "node:Cisco Location Bandwidth Manager | node:Cisco DRF Local | "
			 "node:Cisco Extension Mobility | node:Cisco AXL Tomcat | node:Cisco Tftp | "
			 "node:Cisco SSOSP Tomcat | node:Cisco CallManager | pub:Cisco DRF Master");
	ck_assert_str_eq(actions_for(e, R(15, 0, 0), NS),
			 "node:set cert regen tomcat-ECDSA | node:Cisco Tomcat | node:Cisco DRF Local | "
			 "node:Cisco UDS Tomcat | node:Cisco AXL Tomcat | node:Cisco SSOSP Tomcat | "
			 "pub:Cisco DRF Master");
	for (const struct uc_action_def *a = t; a->target; a++) {
		if (a->command && strstr(a->command, "SSOSP"))
			ck_assert_ptr_nonnull(strstr(a->note, "SSO"));
		if (a->command && strstr(a->command, "Cisco CallManager"))
			ck_assert_ptr_nonnull(strstr(a->note, "SIP OAuth"));
		if (a->command && strstr(a->command, "Cisco Tftp"))
			ck_assert_ptr_nonnull(strstr(a->note, "cached tomcat certificate"));
	}
}
END_TEST

/* Security Guide 14SU2: from 14 DRF uses tomcat; utils ipsec restart. */
START_TEST(ipsec_per_release)
{
	const struct uc_step_def *d = uc_step_for_unit("ipsec");

	ck_assert_str_eq(actions_for(d->actions, R(12, 5, 0), NS),
			 "node:set cert regen ipsec | pub:Cisco DRF Master | all:Cisco DRF Local");
	ck_assert_str_eq(actions_for(d->actions, R(14, 0, 0), NS),
			 "node:set cert regen ipsec | node:utils ipsec restart");
	for (const struct uc_note_def *n = d->notes; n->kind; n++)
		if (strstr(n->text, "Only the publisher's ipsec"))
			ck_assert_uint_eq(n->until, R(14, 0, 0));
}
END_TEST

/* CAPF and TVS: TAC 214231's restarts, the conflicts with the Security
 * Guide named. */
START_TEST(capf_tvs_restarts)
{
	const struct uc_step_def *capf = uc_step_for_unit("CAPF");
	const struct uc_step_def *tvs = uc_step_for_unit("TVS");

	ck_assert_str_eq(actions_for(capf->actions, R(14, 0, 0), TL),
			 "node:set cert regen CAPF | node:Cisco HAProxy | all:Cisco TVS | all:Cisco Tftp | phones:-");
	ck_assert_str_eq(actions_for(capf->actions, R(12, 5, 0), TL),
			 "node:set cert regen CAPF | all:Cisco TVS | all:Cisco Tftp | phones:-");
	ck_assert_str_eq(actions_for(tvs->actions, R(15, 0, 0), TL),
			 "node:set cert regen TVS | node:Cisco TVS | node:Cisco Tftp | node:utils service list | phones:- | phones:-");
	ck_assert(any_note(capf->notes, UC_NOTE_REMARK, "the documents differ"));
	ck_assert(any_note(tvs->notes, UC_NOTE_WARNING, "TAC 214231 regenerates TVS last"));
	ck_assert(any_note(tvs->notes, UC_NOTE_WARNING, "Security Guide 14SU2 says to regenerate"));
}
END_TEST

/* Field Notice 70613 / TAC 214231: after utils ctl update CTLFile restart
 * CallManager and CTIManager everywhere, then the phones. */
START_TEST(ctl_tokenless_restarts)
{
	const struct uc_step_def *tl = uc_ctl_update_step(TL);

	ck_assert_str_eq(actions_for(tl->actions, R(14, 0, 0), TL),
			 "pub:utils ctl update CTLFile | all:Cisco CallManager | all:Cisco CTIManager | phones:-");
	ck_assert(any_note(tl->notes, UC_NOTE_REMARK, "reaches the phones automatically"));
	for (const struct uc_note_def *n = tl->notes; n->kind; n++)
		ck_assert_ptr_null(strstr(n->text, "UNCONFIRMED"));
}
END_TEST

/* Security Guide 14SU2 / TAC 214231: no CTL client from 14; migrate. */
START_TEST(usb_tokens_from_14)
{
	const struct uc_step_def *m = uc_ctl_migrate_step();
	const struct uc_step_def *usb = uc_ctl_update_step(USB);

	ck_assert_int_eq(uc_effective_mode(USB, R(12, 5, 3)), USB);
	ck_assert_int_eq(uc_effective_mode(USB, 0), USB);
	ck_assert_int_eq(uc_effective_mode(USB, R(14, 0, 0)), TL);
	ck_assert_int_eq(uc_effective_mode(NS, R(15, 0, 0)), NS);
	ck_assert_int_eq(m->kind, UC_STEP_CTL_MIGRATE);
	ck_assert_int_lt(UC_STEP_CTL_MIGRATE, UC_STEP_ITLRECOVERY);
	ck_assert_str_eq(actions_for(m->actions, R(14, 0, 0), USB), "pub:utils ctl set-cluster mixed-mode");
	bool warned = false;
	for (const struct uc_note_def *n = usb->notes; n->kind; n++)
		warned |= n->from == R(14, 0, 0) && strstr(n->text, "utils ctl set-cluster mixed-mode");
	ck_assert(warned);
}
END_TEST

/* TAC 214231 / Administration Guide 12.5(1)SU3 / Security Guide 14SU2:
 * what follows deleting trust certificates. */
START_TEST(trust_followups)
{
	const struct uc_trust_followup *f;
	size_t n;

	f = uc_trust_followups("tomcat-trust", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(f[0].target, UC_TARGET_NODE);
	ck_assert_str_eq(f[0].command, "utils service restart Cisco Tomcat");
	f = uc_trust_followups("capf-trust", &n);	/* any case */
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(f[0].command, "utils service restart Cisco Certificate Authority Proxy Function");
	ck_assert_ptr_nonnull(strstr(f[0].note, "endpoints"));
	f = uc_trust_followups("ipsec-trust", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(f[0].target, UC_TARGET_PUBLISHER);
	ck_assert_str_eq(f[0].command, "utils service restart Cisco DRF Master");
	ck_assert_str_eq(f[1].command, "utils service restart Cisco DRF Local");
	ck_assert(!uc_release_applies(f[0].from, f[0].until, R(14, 0, 0)));
	ck_assert(uc_release_applies(f[1].from, f[1].until, R(12, 5, 0)));
	for (int i = 0; i < 2; i++) {
		const char *u = i ? "Phone-VPN-trust" : "Phone-Edge-trust";
		f = uc_trust_followups(u, &n);
		ck_assert_uint_eq(n, 1);
		ck_assert_ptr_null(f[0].command);
		ck_assert_ptr_nonnull(strstr(f[0].note, "delivered to the phones"));
	}
	ck_assert_ptr_null(uc_trust_followups("CallManager-trust", &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(uc_trust_followups("vendor-trust", &n));
	ck_assert_ptr_null(uc_trust_followups("tomcat", &n));
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

/* [TAC] 214231 "ITLRecovery Certificate": from 12.5 a subscriber's
 * ITLRecovery is the publisher's, renewed there */
START_TEST(renew_itlrecovery_on_subscriber)
{
	ck_assert_str_eq(uc_renew_command_on("ITLRecovery", NULL, UC_ROLE_PUBLISHER, 0),
			 "set cert regen ITLRecovery");
	ck_assert_str_eq(uc_renew_command_on("ITLRecovery", NULL, UC_ROLE_SUBSCRIBER, 0),
			 "on the publisher: set cert regen ITLRecovery");
	ck_assert_str_eq(uc_renew_command_on("ITLRecovery", NULL, UC_ROLE_SUBSCRIBER,
					     UC_RELEASE(12, 5, 0)),
			 "on the publisher: set cert regen ITLRecovery");
	ck_assert_str_eq(uc_renew_command_on("ITLRecovery", NULL, UC_ROLE_SUBSCRIBER,
					     UC_RELEASE(12, 0, 1)),
			 "set cert regen ITLRecovery");
	ck_assert_str_eq(uc_renew_command_on("tomcat", NULL, UC_ROLE_SUBSCRIBER, 0),
			 "set cert regen tomcat");
	ck_assert_ptr_null(uc_renew_command_on("tomcat-trust", NULL, UC_ROLE_SUBSCRIBER, 0));
}
END_TEST

static Suite *procedure_suite(void)
{
	Suite *s = suite_create("procedure");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, regen_own_units);
	tcase_add_test(tc, regen_every_catalog_unit);
	tcase_add_test(tc, regen_trust_and_unknown);
	tcase_add_test(tc, renew_ca_signed);
	tcase_add_test(tc, renew_itlrecovery_on_subscriber);
	tcase_add_test(tc, steps_match_catalog);
	tcase_add_test(tc, ctl_update_per_mode);
	tcase_add_test(tc, families);
	tcase_add_test(tc, impact_matrix);
	suite_add_tcase(s, tc);

	tc = tcase_create("cisco-documents");
	tcase_add_test(tc, release_ranges);
	tcase_add_test(tc, itlrecovery_secure);
	tcase_add_test(tc, itlrecovery_non_secure);
	tcase_add_test(tc, itlrecovery_subscriber_and_order);
	tcase_add_test(tc, callmanager_restarts);
	tcase_add_test(tc, tomcat_restarts);
	tcase_add_test(tc, ipsec_per_release);
	tcase_add_test(tc, capf_tvs_restarts);
	tcase_add_test(tc, ctl_tokenless_restarts);
	tcase_add_test(tc, usb_tokens_from_14);
	tcase_add_test(tc, trust_followups);
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
