/* procedure.c - the renewal knowledge of uccert, as tables.
 *
 * Source: sections 2-4 of the CUCM / Unity Connection certificate reference
 * (phone families, impact matrix, renewal procedures) and the Cisco Security
 * Guide remarks it quotes. Text marked UNCONFIRMED or "assumed" is uccert's
 * own reading where the reference is silent; keep it labelled. */
#include <config.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "procedure.h"

/* ---- regen commands, one per own unit of the catalog ---- */

static const char *const regen_commands[] = {
	"set cert regen tomcat",
	"set cert regen tomcat-ECDSA",
	"set cert regen ipsec",
	"set cert regen CallManager",
	"set cert regen CallManager-ECDSA",
	"set cert regen CAPF",
	"set cert regen TVS",
	"set cert regen ITLRecovery",
};

#define REGEN_PREFIX "set cert regen "

const char *uc_regen_command(const char *unit)
{
	const struct uc_unit *u = unit ? uc_unit_find(unit) : NULL;

	if (!u || u->store != UC_STORE_OWN)
		return NULL;
	for (size_t i = 0; i < sizeof regen_commands / sizeof regen_commands[0]; i++)
		if (strcmp(regen_commands[i] + strlen(REGEN_PREFIX), u->name) == 0)
			return regen_commands[i];
	return NULL;
}

/* ---- steps ---- */

#define NODE UC_TARGET_NODE
#define PUB UC_TARGET_PUBLISHER
#define ALL UC_TARGET_ALL_NODES
#define PC UC_TARGET_WORKSTATION
#define PHONES UC_TARGET_PHONES
#define REMARK UC_NOTE_REMARK
#define WARNING UC_NOTE_WARNING
#define PRECOND UC_NOTE_PRECONDITION

#define WEB_DOWN "Web pages (administration, OS administration, user pages) are down for up to 30 minutes after the Tomcat restart."
#define CA_SIGNED_TOMCAT "A CA-signed tomcat certificate is not regenerated: it is renewed with a CSR (separate procedure)."
#define CA_SIGNED_FOUND "This certificate is CA-signed (issuer differs from subject): do not regenerate it; generate a CSR, have it signed and upload it instead."

static const struct uc_action_def tomcat_actions[] = {
	{ NODE, "set cert regen tomcat", NULL },
	{ NODE, "utils service restart Cisco Tomcat", "web pages down for up to 30 minutes" },
	{ 0 },
};
static const struct uc_note_def tomcat_notes[] = {
	{ REMARK, UC_WHEN_ALWAYS, WEB_DOWN },
	{ REMARK, UC_WHEN_ALWAYS, CA_SIGNED_TOMCAT },
	{ WARNING, UC_WHEN_CA_SIGNED, CA_SIGNED_FOUND },
	{ 0 },
};

static const struct uc_action_def tomcat_ecdsa_actions[] = {
	{ NODE, "set cert regen tomcat-ECDSA", NULL },
	{ NODE, "utils service restart Cisco Tomcat", "web pages down for up to 30 minutes" },
	{ 0 },
};

static const struct uc_action_def ipsec_actions[] = {
	{ NODE, "set cert regen ipsec", NULL },
	{ PUB, "utils service restart Cisco DRF Master", NULL },
	{ ALL, "utils service restart Cisco DRF Local", NULL },
	{ 0 },
};
static const struct uc_note_def ipsec_notes[] = {
	{ REMARK, UC_WHEN_ALWAYS, "Only the publisher's ipsec certificate is used by DRF; regenerating it on other nodes only silences the expiry alert." },
	{ REMARK, UC_WHEN_PUBLISHER_UNAFFECTED, "The publisher's ipsec certificate is not in this step: DRF is not affected, the renewal only silences the expiry alert." },
	{ 0 },
};

static const struct uc_action_def callmanager_actions[] = {
	{ NODE, "set cert regen CallManager", "one node after the other" },
	{ 0 },
};
static const struct uc_action_def callmanager_ecdsa_actions[] = {
	{ NODE, "set cert regen CallManager-ECDSA", "one node after the other" },
	{ 0 },
};
#define NO_RESTART_NAMED "UNCONFIRMED: the documented procedure restarts Cisco TFTP and Cisco CallManager only as part of the USB-token CTL update and names no restart for this security mode; check Cisco's Security Guide for your release whether they must be restarted for the new certificate to be used (phones may then fall back to SRST for up to 5 minutes)."
static const struct uc_note_def callmanager_notes[] = {
	{ REMARK, UC_WHEN_ALWAYS, "CTL/ITL change: phones trust this certificate through their CTL and ITL files." },
	{ WARNING, UC_WHEN_NOT_MIXED_USB, NO_RESTART_NAMED },
	{ 0 },
};

static const struct uc_action_def capf_actions[] = {
	{ NODE, "set cert regen CAPF", NULL },
	{ 0 },
};
static const struct uc_note_def capf_notes[] = {
	{ REMARK, UC_WHEN_ALWAYS, "CAPF is renewed on the publisher (from release 14 it exists only there)." },
	{ WARNING, UC_WHEN_OFF_PUBLISHER, "A CAPF certificate is expiring on a node that is not the publisher: the documented procedure renews CAPF on the publisher; such a certificate exists only before release 14." },
	{ 0 },
};

static const struct uc_action_def itlrecovery_actions[] = {
	{ NODE, "set cert regen ITLRecovery", NULL },
	{ 0 },
};
static const struct uc_note_def itlrecovery_notes[] = {
	{ WARNING, UC_WHEN_ALWAYS, "ITLRecovery has the highest impact of all units: it signs the ITL (and, from 12.0, the CTL). If mishandled, phones may need their ITL deleted by hand." },
	{ WARNING, UC_WHEN_MIXED, "Mixed mode: the CTL must be updated afterwards (Cisco Security Guide: run utils ctl update CTLFile); the CTL update step follows." },
	{ WARNING, UC_WHEN_OFF_PUBLISHER, "ITLRecovery exists on the publisher only: an ITLRecovery certificate on another node is unexpected; check the inventory." },
	{ 0 },
};

static const struct uc_action_def tvs_actions[] = {
	{ NODE, "set cert regen TVS", "one node after the other" },
	{ PHONES, NULL, "Verify that the phones received the new ITL." },
	{ 0 },
};
static const struct uc_note_def tvs_notes[] = {
	{ PRECOND, UC_WHEN_AFTER_CTL_STEP, "Only after the CTL update above is verified and phones accept configuration changes again." },
	{ PRECOND, UC_WHEN_NO_CTL_STEP, "Only when the phones accept configuration changes (any earlier step of this phase has settled) and, in mixed mode, the CTL is valid." },
	{ WARNING, UC_WHEN_WITH_CALLMANAGER, "On releases 8.x to 11.5 never regenerate CallManager and TVS at the same time: finish and verify the CallManager steps first." },
	{ 0 },
};

static const struct uc_step_def steps[] = {
	{ UC_STEP_TOMCAT, "tomcat", "tomcat", UC_PHASE_NO_PHONE_IMPACT,
	  "Regenerate tomcat", true, false, tomcat_actions, tomcat_notes,
	  "The node's web pages are unavailable for up to 30 minutes after the Tomcat restart, then present the new certificate (browsers may ask to trust it).",
	  "show cert own tomcat shows the new notAfter; the administration pages load again over HTTPS." },
	{ UC_STEP_TOMCAT_ECDSA, "tomcat-ECDSA", "tomcat-ECDSA", UC_PHASE_NO_PHONE_IMPACT,
	  "Regenerate tomcat-ECDSA", true, false, tomcat_ecdsa_actions, tomcat_notes,
	  "The node's web pages are unavailable for up to 30 minutes after the Tomcat restart, then present the new ECDSA certificate to ECDSA clients.",
	  "show cert own tomcat-ECDSA shows the new notAfter; the administration pages load again over HTTPS." },
	{ UC_STEP_IPSEC, "ipsec", "ipsec", UC_PHASE_NO_PHONE_IMPACT,
	  "Regenerate ipsec", false, false, ipsec_actions, ipsec_notes,
	  "No phone impact; the DRF services restart.",
	  "show cert own ipsec shows the new notAfter on each node; the next DRF backup succeeds." },
	{ UC_STEP_CALLMANAGER, "CallManager", "CallManager", UC_PHASE_CTL_ITL,
	  "Regenerate CallManager", false, true, callmanager_actions, callmanager_notes,
	  "ITL-capable phones soft-reset, show \"Trust List Updated\" and re-register to their original node; CTL-only phones reject configuration changes until the CTL is updated.",
	  "show cert own CallManager shows the new notAfter on each node; phones are registered again." },
	{ UC_STEP_CALLMANAGER_ECDSA, "CallManager-ECDSA", "CallManager-ECDSA", UC_PHASE_CTL_ITL,
	  "Regenerate CallManager-ECDSA", false, true, callmanager_ecdsa_actions, callmanager_notes,
	  "As for CallManager: ITL-capable phones soft-reset, show \"Trust List Updated\" and re-register; CTL-only phones reject configuration changes until the CTL is updated.",
	  "show cert own CallManager-ECDSA shows the new notAfter on each node; phones are registered again." },
	{ UC_STEP_CAPF, "CAPF", "CAPF", UC_PHASE_CTL_ITL,
	  "Regenerate CAPF", false, true, capf_actions, capf_notes,
	  "Phones keep registering and accept configuration updates; ITL-capable phones soft-reset and show \"Trust List Updated\".",
	  "show cert own CAPF on the publisher shows the new notAfter." },
	{ UC_STEP_ITLRECOVERY, "ITLRecovery", "ITLRecovery", UC_PHASE_CTL_ITL,
	  "Regenerate ITLRecovery", false, true, itlrecovery_actions, itlrecovery_notes,
	  "Phones receive trust files signed by the new ITLRecovery certificate.",
	  "show cert own ITLRecovery on the publisher shows the new notAfter; show itl shows the ITL signed by it; phones accept configuration changes." },
	{ UC_STEP_TVS, "TVS", "TVS", UC_PHASE_CTL_ITL,
	  "Regenerate TVS", false, false, tvs_actions, tvs_notes,
	  "No phone impact, provided the CTL is valid; ITL-capable phones fetch an ITL with the new TVS certificate.",
	  "show itl on each node lists the new TVS certificate; phones show the updated ITL and accept configuration changes." },
};

/* CTL update, per security mode (reference section 4, step 3). */
static const struct uc_action_def ctl_usb_actions[] = {
	{ PC, NULL, "Run the CTL client on a Windows PC and choose \"CTL Update\"." },
	{ PC, NULL, "Insert the USB eToken and enter its password (15 wrong entries destroy the token)." },
	{ PC, NULL, "Finish on the screen that lists all CallManager and TFTP nodes; check that every node is listed." },
	{ ALL, "utils service restart Cisco Tftp", "on every node that runs TFTP" },
	{ ALL, "utils service restart Cisco CallManager", "phones may fall back to SRST for up to 5 minutes" },
	{ ALL, "utils service restart Cisco CTIManager", "only if secure CTI is used" },
	{ PHONES, NULL, "Reset the phones in groups (by device pool or with the bulk tool); needed for 7940/7960 and the other CTL-only phones." },
	{ PHONES, NULL, "On a phone, check the CTL: the \"CAPF server id\" changed (when CAPF was regenerated)." },
	{ 0 },
};
static const struct uc_note_def ctl_usb_notes[] = {
	{ WARNING, UC_WHEN_ALWAYS, "USB eToken: 15 wrong password entries destroy the token. Have the password at hand before you start." },
	{ WARNING, UC_WHEN_ALWAYS, "Restarting Cisco CallManager: phones may fall back to SRST for up to 5 minutes." },
	{ 0 },
};

static const struct uc_action_def ctl_tokenless_actions[] = {
	{ PUB, "utils ctl update CTLFile", NULL },
	{ 0 },
};
static const struct uc_note_def ctl_tokenless_notes[] = {
	{ REMARK, UC_WHEN_ALWAYS, "Tokenless mixed mode: the CTL is re-signed on the publisher; no CTL client and no USB eToken." },
	{ WARNING, UC_WHEN_ALWAYS, "UNCONFIRMED: the documented procedure names no service restart or phone reset for tokenless clusters; check Cisco's Security Guide for your release (restarts of Cisco TFTP and Cisco CallManager, reset of CTL-only phones)." },
	{ 0 },
};

static const struct uc_step_def ctl_steps[] = {
	{ UC_STEP_CTL_UPDATE, "ctl-update", NULL, UC_PHASE_CTL_ITL,
	  "Update the CTL (CTL client, USB eTokens)", false, false,
	  ctl_usb_actions, ctl_usb_notes,
	  "The CTL client's last screen lists all CallManager and TFTP nodes. During the CallManager restarts phones may fall back to SRST for up to 5 minutes; 78xx/88xx phones soft-reset and fetch the new CTL; 79xx phones need a reset.",
	  "On a phone the CTL is the new one (the \"CAPF server id\" changed when CAPF was regenerated); phones accept configuration changes again." },
	{ UC_STEP_CTL_UPDATE, "ctl-update", NULL, UC_PHASE_CTL_ITL,
	  "Update the CTL (tokenless)", false, false,
	  ctl_tokenless_actions, ctl_tokenless_notes,
	  "Phones download the new CTL; ITL-capable phones soft-reset.",
	  "show ctl on the publisher lists the new certificates; on a phone the \"CAPF server id\" changed when CAPF was regenerated; phones accept configuration changes." },
};

const struct uc_step_def *uc_step_def(enum uc_step_kind kind)
{
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i].kind == kind)
			return &steps[i];
	return NULL;
}

const struct uc_step_def *uc_step_for_unit(const char *unit)
{
	const struct uc_unit *u = unit ? uc_unit_find(unit) : NULL;

	if (!u || u->store != UC_STORE_OWN)
		return NULL;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i].unit && strcmp(steps[i].unit, u->name) == 0)
			return &steps[i];
	return NULL;
}

const struct uc_step_def *uc_ctl_update_step(enum uc_security_mode mode)
{
	switch (mode) {
	case UC_SECURITY_MIXED_USB:
		return &ctl_steps[0];
	case UC_SECURITY_MIXED_TOKENLESS:
		return &ctl_steps[1];
	default:
		return NULL;
	}
}

/* ---- phases ---- */

static const struct uc_note_def phase1_notes[] = {
	{ REMARK, UC_WHEN_ALWAYS, "No phone impact: run these steps any time, one node at a time." },
	{ 0 },
};
static const struct uc_note_def phase2_notes[] = {
	{ REMARK, UC_WHEN_ALWAYS, "Medium phone impact: plan a change window and run the steps strictly in this order." },
	{ WARNING, UC_WHEN_ALWAYS, "From release 14 the \"Phone Interaction on Certificate Update\" parameter resets phones automatically when TVS, CAPF or CallManager change." },
	{ 0 },
};

static const struct uc_phase_def phases[] = {
	{ UC_PHASE_NO_PHONE_IMPACT, "no-phone-impact", "No phone impact", phase1_notes },
	{ UC_PHASE_CTL_ITL, "ctl-itl", "CTL/ITL impact", phase2_notes },
};

const struct uc_phase_def *uc_phase_def(enum uc_phase phase)
{
	return phase == UC_PHASE_CTL_ITL ? &phases[1] : &phases[0];
}

const char *uc_mode_adjustment(enum uc_security_mode mode)
{
	switch (mode) {
	case UC_SECURITY_MIXED_TOKENLESS:
		return "Cisco's documented procedure is written for mixed mode with USB eTokens; this cluster is tokenless: the CTL update is the adjusted step utils ctl update CTLFile on the publisher.";
	case UC_SECURITY_NON_SECURE:
		return "Cisco's documented procedure is written for mixed mode with USB eTokens; this cluster is non-secure: there is no CTL and no CTL update step.";
	default:
		return NULL;
	}
}

/* ---- phone families (reference section 2) ---- */

/* 'X' stands for any digit; a trailing '*' for any rest after a space. */
static const struct model_pattern {
	const char *pattern;
	enum uc_family family;
} model_patterns[] = {
	{ "793X", UC_FAMILY_NONE },
	{ "IP Communicator", UC_FAMILY_NONE },
	{ "7940", UC_FAMILY_CTL },
	{ "7960", UC_FAMILY_CTL },
	{ "Jabber*", UC_FAMILY_CTL },
	{ "7941", UC_FAMILY_CTL_ITL },
	{ "7945", UC_FAMILY_CTL_ITL },
	{ "7961", UC_FAMILY_CTL_ITL },
	{ "7965", UC_FAMILY_CTL_ITL },
	{ "797X", UC_FAMILY_CTL_ITL },
	{ "78XX", UC_FAMILY_CTL_ITL },
	{ "88XX", UC_FAMILY_CTL_ITL },
};

static const struct family_def {
	const char *id, *label, *models;
} families[UC_NFAMILIES] = {
	[UC_FAMILY_NONE] = { "no-ctl-itl", "no-CTL/ITL", "793X, IP Communicator" },
	[UC_FAMILY_CTL] = { "ctl-only", "CTL-only", "7940, 7960, Jabber" },
	[UC_FAMILY_CTL_ITL] = { "ctl-itl", "CTL+ITL", "7941, 7945, 7961, 7965, 797X, 78XX, 88XX" },
	[UC_FAMILY_UNKNOWN] = { "unknown", "unknown-model", "models not in the family table" },
};

static bool match_pattern(const char *pat, const char *s, size_t n)
{
	size_t plen = strlen(pat);

	if (pat[plen - 1] == '*') {
		plen--;
		if (n < plen || strncasecmp(pat, s, plen) != 0)
			return false;
		return n == plen || s[plen] == ' ';
	}
	if (n != plen)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (pat[i] == 'X') {
			if (!isdigit((unsigned char)s[i]))
				return false;
		} else if (tolower((unsigned char)pat[i]) != tolower((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

enum uc_family uc_phone_family(const char *model)
{
	const char *s = model;
	size_t n;

	if (!s)
		return UC_FAMILY_UNKNOWN;
	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "Cisco ", 6) == 0)
		s += 6;
	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "CP-", 3) == 0)
		s += 3;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	/* a model number: four digits, then an optional suffix such as G,
	 * G-GE or NR that does not change the family */
	if (n >= 4 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) &&
	    (n == 4 || isalpha((unsigned char)s[4])))
		n = 4;
	for (size_t i = 0; i < sizeof model_patterns / sizeof model_patterns[0]; i++)
		if (match_pattern(model_patterns[i].pattern, s, n))
			return model_patterns[i].family;
	return UC_FAMILY_UNKNOWN;
}

const char *uc_family_id(enum uc_family f)
{
	return families[f < UC_NFAMILIES ? f : UC_FAMILY_UNKNOWN].id;
}

const char *uc_family_label(enum uc_family f)
{
	return families[f < UC_NFAMILIES ? f : UC_FAMILY_UNKNOWN].label;
}

const char *uc_family_models(enum uc_family f)
{
	return families[f < UC_NFAMILIES ? f : UC_FAMILY_UNKNOWN].models;
}

const char *uc_effect_name(enum uc_effect e)
{
	switch (e) {
	case UC_EFFECT_NONE:
		return "none";
	case UC_EFFECT_SOFT_RESET:
		return "soft-reset";
	case UC_EFFECT_RESET_NEEDED:
		return "reset-needed";
	case UC_EFFECT_CONFIG_REJECTED:
		return "config-rejected";
	case UC_EFFECT_ITL_AT_RISK:
		return "itl-at-risk";
	default:
		return "unknown";
	}
}

const char *uc_target_name(enum uc_target t)
{
	switch (t) {
	case UC_TARGET_PUBLISHER:
		return "publisher";
	case UC_TARGET_ALL_NODES:
		return "all-nodes";
	case UC_TARGET_WORKSTATION:
		return "workstation";
	case UC_TARGET_PHONES:
		return "phones";
	default:
		return "node";
	}
}

/* ---- impact matrix (reference section 3) ---- */

static const struct uc_impact_basis bases[] = {
	{ "mixed-usb", false,
	  "Phone impact from the documented impact matrix (mixed mode with USB eTokens)." },
	{ "mixed-tokenless", true,
	  "ASSUMED: the documented impact matrix is written for mixed mode with USB eTokens; it is applied unchanged to this tokenless cluster (phones still hold a CTL, ITL-capable phones an ITL)." },
	{ "non-secure", true,
	  "ASSUMED: the documented impact matrix is written for mixed mode with USB eTokens; in this non-secure cluster no phone holds a CTL, only ITL-capable (CTL+ITL family) phones hold an ITL and are affected." },
};

const struct uc_impact_basis *uc_impact_basis(enum uc_security_mode mode)
{
	switch (mode) {
	case UC_SECURITY_MIXED_USB:
		return &bases[0];
	case UC_SECURITY_MIXED_TOKENLESS:
		return &bases[1];
	default:
		return &bases[2];
	}
}

#define C(effect, text) { UC_EFFECT_##effect, false, text }
#define A(effect, text) { UC_EFFECT_##effect, true, text }
#define NOT_AFFECTED C(NONE, "are not affected")

/* Cells for the families none, CTL-only, CTL+ITL. `mixed` is the matrix as
 * written; `itl_only` is the non-secure reading (phones without ITL support
 * hold nothing to update). */
static const struct impact_row {
	enum uc_step_kind kind;
	struct uc_impact_cell mixed[3];
	struct uc_impact_cell itl_only[3];
} impact_rows[] = {
	{ UC_STEP_CALLMANAGER,
	  { NOT_AFFECTED,
	    C(CONFIG_REJECTED, "reject later configuration changes (\"File Auth Fail\") until the CTL is updated if the certificate changed on a TFTP node; otherwise they are not affected"),
	    C(SOFT_RESET, "soft-reset (\"Trust List Updated\"), re-register to their original node and get a new ITL; TVS validates their configuration updates") },
	  { NOT_AFFECTED,
	    A(NONE, "hold no CTL and no ITL here: not affected"),
	    A(SOFT_RESET, "soft-reset (\"Trust List Updated\"), re-register to their original node and get a new ITL") } },
	{ UC_STEP_CALLMANAGER_ECDSA,
	  { NOT_AFFECTED,
	    C(CONFIG_REJECTED, "reject later configuration changes (\"File Auth Fail\") until the CTL is updated if the certificate changed on a TFTP node; otherwise they are not affected"),
	    C(SOFT_RESET, "soft-reset (\"Trust List Updated\"), re-register to their original node and get a new ITL; TVS validates their configuration updates") },
	  { NOT_AFFECTED,
	    A(NONE, "hold no CTL and no ITL here: not affected"),
	    A(SOFT_RESET, "soft-reset (\"Trust List Updated\"), re-register to their original node and get a new ITL") } },
	{ UC_STEP_CAPF,
	  { NOT_AFFECTED,
	    C(NONE, "keep registering and accept configuration updates (nothing changes for them until the CTL update)"),
	    C(SOFT_RESET, "soft-reset (\"Trust List Updated\"), re-register and accept configuration updates") },
	  { NOT_AFFECTED,
	    A(NONE, "hold no CTL and no ITL here: not affected"),
	    A(SOFT_RESET, "soft-reset (\"Trust List Updated\"), re-register and get a new ITL") } },
	{ UC_STEP_ITLRECOVERY,
	  { NOT_AFFECTED,
	    A(RESET_NEEDED, "are not covered by the documented impact matrix for ITLRecovery: expect them to need the reset of the CTL update step"),
	    C(ITL_AT_RISK, "get trust files with a new signer; if mishandled they may need their ITL deleted by hand") },
	  { NOT_AFFECTED,
	    A(NONE, "hold no CTL and no ITL here: not affected"),
	    C(ITL_AT_RISK, "get an ITL with a new signer; if mishandled they may need their ITL deleted by hand") } },
	{ UC_STEP_CTL_UPDATE,
	  { C(NONE, "are not affected (no CTL)"),
	    C(RESET_NEEDED, "need a reset (in groups, by device pool or bulk tool); configuration updates work again afterwards"),
	    C(SOFT_RESET, "soft-reset automatically and fetch the new CTL") },
	  { { 0 }, { 0 }, { 0 } } },
	{ UC_STEP_TVS,
	  { NOT_AFFECTED,
	    C(NONE, "are not affected"),
	    C(NONE, "are not affected, provided the CTL is valid; they fetch the new ITL") },
	  { NOT_AFFECTED,
	    A(NONE, "hold no CTL and no ITL here: not affected"),
	    A(NONE, "fetch the new ITL; not affected, provided their current ITL is valid") } },
};

static const struct uc_impact_cell unknown_cell =
	C(UNKNOWN, "are of models uccert cannot place in a family: impact unknown, check whether they hold a CTL or an ITL");

const struct uc_impact_cell *uc_impact(enum uc_step_kind kind,
				       enum uc_security_mode mode,
				       enum uc_family family)
{
	for (size_t i = 0; i < sizeof impact_rows / sizeof impact_rows[0]; i++) {
		const struct impact_row *r = &impact_rows[i];
		if (r->kind != kind)
			continue;
		if (family >= UC_FAMILY_UNKNOWN)
			return &unknown_cell;
		const struct uc_impact_cell *c = mode == UC_SECURITY_NON_SECURE
			? &r->itl_only[family] : &r->mixed[family];
		return c->effect ? c : NULL;
	}
	return NULL;
}
