/* procedure.c - the renewal knowledge of uccert, as tables.
 *
 * Source: Cisco's documents as section 7 of the CUCM / Unity Connection
 * certificate reference names them (cited beside each row, see "steps"
 * below), and sections 2-4 of that reference (phone families, impact
 * matrix, the USB-token CTL client procedure). Text marked UNCONFIRMED or
 * "assumed" is uccert's own reading where the sources are silent; keep it
 * labelled. */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "procedure.h"

/* ---- regen commands, one per own unit of the catalog ---- */

/* [CLI] "set cert regen <unit>"; the OAuth signing key is a key, not a
 * certificate: [SEC14] "set key regen authz signing". */
static const struct {
	const char *unit, *command;
} regen_commands[] = {
	{ "tomcat", "set cert regen tomcat" },
	{ "tomcat-ECDSA", "set cert regen tomcat-ECDSA" },
	{ "ipsec", "set cert regen ipsec" },
	{ "CallManager", "set cert regen CallManager" },
	{ "CallManager-ECDSA", "set cert regen CallManager-ECDSA" },
	{ "CAPF", "set cert regen CAPF" },
	{ "TVS", "set cert regen TVS" },
	{ "ITLRecovery", "set cert regen ITLRecovery" },
	{ "authz", "set key regen authz signing" },
	{ "cup", "set cert regen cup" },
	{ "cup-ECDSA", "set cert regen cup-ECDSA" },
	{ "cup-xmpp", "set cert regen cup-xmpp" },
	{ "cup-xmpp-ECDSA", "set cert regen cup-xmpp-ECDSA" },
	{ "cup-xmpp-s2s", "set cert regen cup-xmpp-s2s" },
	{ "cup-xmpp-s2s-ECDSA", "set cert regen cup-xmpp-s2s-ECDSA" },
};

const char *uc_regen_command(const char *unit)
{
	const struct uc_unit *u = unit ? uc_unit_find(unit) : NULL;

	if (!u || u->store != UC_STORE_OWN)
		return NULL;
	for (size_t i = 0; i < sizeof regen_commands / sizeof regen_commands[0]; i++)
		if (strcmp(regen_commands[i].unit, u->name) == 0)
			return regen_commands[i].command;
	return NULL;
}

/* ---- CA-signed own certificates: renewed through a CSR ----
 *
 * [CLI] "set csr gen <unit>" generates a new key pair and a certificate
 * signing request for a unit; [ADM125] "Manage Certificates" (Generate CSR,
 * Download CSR, Upload Certificate/Certificate chain): the CA's root and
 * intermediate certificates go to the unit's trust store first, then the
 * signed certificate to the unit, then the services that use it restart.
 * Regenerating instead would replace the CA-signed certificate with a
 * self-signed one. ITLRecovery and the authz key are never CA-signed. */
#define CSR_GET "Download the CSR (OS Administration > Security > Certificate Management > Download CSR) and have your CA sign it; keep the subject alternative names of the current certificate."
#define CSR_ACTIONS(name, unit, trust) \
	static const struct uc_action_def name[] = { \
		{ UC_TARGET_NODE, "set csr gen " unit, "creates a new key pair and CSR; the current certificate stays in use until the signed one is uploaded", UC_WHEN_ALWAYS, 0, 0 }, \
		{ UC_TARGET_NODE, NULL, CSR_GET, UC_WHEN_ALWAYS, 0, 0 }, \
		{ UC_TARGET_NODE, NULL, "Upload the CA's root and intermediate certificates to " trust " first, then the signed certificate to " unit " (OS Administration > Security > Certificate Management > Upload Certificate/Certificate chain).", UC_WHEN_ALWAYS, 0, 0 }, \
		{ 0 }, \
	}
CSR_ACTIONS(csr_tomcat, "tomcat", "tomcat-trust");
CSR_ACTIONS(csr_tomcat_ecdsa, "tomcat-ECDSA", "tomcat-trust");
CSR_ACTIONS(csr_ipsec, "ipsec", "ipsec-trust");
CSR_ACTIONS(csr_callmanager, "CallManager", "CallManager-trust");
CSR_ACTIONS(csr_callmanager_ecdsa, "CallManager-ECDSA", "CallManager-trust");
CSR_ACTIONS(csr_capf, "CAPF", "CAPF-trust");
CSR_ACTIONS(csr_tvs, "TVS", "TVS-trust");
CSR_ACTIONS(csr_cup, "cup", "cup-trust");
CSR_ACTIONS(csr_cup_ecdsa, "cup-ECDSA", "cup-trust");
CSR_ACTIONS(csr_cup_xmpp, "cup-xmpp", "cup-xmpp-trust");
CSR_ACTIONS(csr_cup_xmpp_ecdsa, "cup-xmpp-ECDSA", "cup-xmpp-trust");
CSR_ACTIONS(csr_cup_xmpp_s2s, "cup-xmpp-s2s", "cup-xmpp-trust");
CSR_ACTIONS(csr_cup_xmpp_s2s_ecdsa, "cup-xmpp-s2s-ECDSA", "cup-xmpp-trust");

static const struct {
	const char *unit;
	const struct uc_action_def *actions;
} csr_units[] = {
	{ "tomcat", csr_tomcat },
	{ "tomcat-ECDSA", csr_tomcat_ecdsa },
	{ "ipsec", csr_ipsec },
	{ "CallManager", csr_callmanager },
	{ "CallManager-ECDSA", csr_callmanager_ecdsa },
	{ "CAPF", csr_capf },
	{ "TVS", csr_tvs },
	{ "cup", csr_cup },
	{ "cup-ECDSA", csr_cup_ecdsa },
	{ "cup-xmpp", csr_cup_xmpp },
	{ "cup-xmpp-ECDSA", csr_cup_xmpp_ecdsa },
	{ "cup-xmpp-s2s", csr_cup_xmpp_s2s },
	{ "cup-xmpp-s2s-ECDSA", csr_cup_xmpp_s2s_ecdsa },
};

const struct uc_action_def *uc_csr_actions(const char *unit)
{
	const struct uc_unit *u = unit ? uc_unit_find(unit) : NULL;

	if (!u || u->store != UC_STORE_OWN)
		return NULL;
	for (size_t i = 0; i < sizeof csr_units / sizeof csr_units[0]; i++)
		if (strcmp(csr_units[i].unit, u->name) == 0)
			return csr_units[i].actions;
	return NULL;
}

bool uc_cert_ca_signed(const struct uc_cert *c)
{
	return c && strcmp(c->subject, c->issuer) != 0;
}

const char *uc_renew_command(const char *unit, const struct uc_cert *c)
{
	if (uc_cert_ca_signed(c)) {
		const struct uc_action_def *a = uc_csr_actions(unit);
		return a ? a->command : NULL;
	}
	return uc_regen_command(unit);
}

/* [TAC] 214231, "ITLRecovery Certificate": from 12.5 one ITLRecovery
 * certificate is generated on the publisher and distributed to the
 * subscribers, so a subscriber's copy is renewed on the publisher. */
#define ITLRECOVERY_ON_PUBLISHER "on the publisher: set cert regen ITLRecovery"

const char *uc_renew_command_on(const char *unit, const struct uc_cert *c, enum uc_role role,
				unsigned release)
{
	const char *cmd = uc_renew_command(unit, c);
	const struct uc_unit *u = unit ? uc_unit_find(unit) : NULL;

	if (cmd && u && strcmp(u->name, "ITLRecovery") == 0 && role == UC_ROLE_SUBSCRIBER &&
	    (!release || release >= UC_RELEASE(12, 5, 0)))
		return ITLRECOVERY_ON_PUBLISHER;
	return cmd;
}

/* ---- releases ---- */

bool uc_release_applies(unsigned from, unsigned until, unsigned release)
{
	if (!release)
		return true;
	return (!from || release >= from) && (!until || release < until);
}

const char *uc_release_range(unsigned from, unsigned until, char *buf, size_t len)
{
	char a[24], b[24];

	if (from && until)
		snprintf(buf, len, "release %s to before %s", uc_release_text(from, a, sizeof a),
			 uc_release_text(until, b, sizeof b));
	else if (from)
		snprintf(buf, len, "release %s and later", uc_release_text(from, a, sizeof a));
	else if (until)
		snprintf(buf, len, "before release %s", uc_release_text(until, b, sizeof b));
	else
		snprintf(buf, len, "%s", "");
	return buf;
}

/* ---- steps ----
 *
 * Sources, cited beside each row by these short names:
 *   [SEC14]   Security Guide for Cisco Unified Communications Manager 14SU2,
 *             chapter "Certificates"
 *   [TAC]     TAC tech note 214231 "Regenerate Certificates in UCM"
 *   [FN70613] Field Notice 70613 (ITLRecovery)
 *   [CLI]     Command Line Interface Reference Guide 12.5(1)SU2, "Set Commands"
 *             ("set cert regen", "set cert delete"), "Utils Commands"
 *   [ADM125]  Administration Guide 12.5(1)SU3, "Manage Certificates"
 *   [TAC215572] TAC tech note 215572 (Jabber SIP OAuth: 5090/5091 use tomcat)
 * Where two of them disagree, the row's note or a warning says so and names
 * both. */

#define NODE UC_TARGET_NODE
#define PUB UC_TARGET_PUBLISHER
#define ALL UC_TARGET_ALL_NODES
#define PC UC_TARGET_WORKSTATION
#define PHONES UC_TARGET_PHONES
#define REMARK UC_NOTE_REMARK
#define WARNING UC_NOTE_WARNING
#define PRECOND UC_NOTE_PRECONDITION
#define ANY UC_WHEN_ALWAYS
#define CUCM_ONLY UC_WHEN_CUCM

#define R12 UC_RELEASE(12, 0, 0)
#define R125 UC_RELEASE(12, 5, 0)
#define R14 UC_RELEASE(14, 0, 0)
#define R14SU1 UC_RELEASE(14, 0, 1)

#define RESTART "utils service restart "
#define WEB_DOWN "Web pages (administration, OS administration, user pages) are down for up to 30 minutes after the Tomcat restart."
#define TFTP_NODES "on the nodes that run TFTP"

static const struct uc_action_def tomcat_actions[] = {
	/* [CLI] set cert regen; [SEC14] regenerate tomcat, restart Cisco Tomcat */
	{ NODE, "set cert regen tomcat", NULL, ANY, 0, 0 },
	{ NODE, RESTART "Cisco Tomcat", "web pages down for up to 30 minutes", ANY, 0, 0 },
	/* [SEC14] "Certificates", regenerate tomcat (14 and later): the
	 * services that use the tomcat certificate are restarted too */
	{ NODE, RESTART "Cisco Intercluster Lookup Service", NULL, CUCM_ONLY, R14, 0 },
	{ NODE, RESTART "Cisco Location Bandwidth Manager", NULL, CUCM_ONLY, R14, 0 },
	{ NODE, RESTART "Cisco DRF Local", "DRF uses tomcat from release 14", ANY, R14, 0 },
	{ NODE, RESTART "Cisco Extension Mobility", NULL, CUCM_ONLY, R14, 0 },
	{ NODE, RESTART "Cisco AXL Tomcat", NULL, CUCM_ONLY, R14, 0 },
	/* [TAC] "Tomcat Certificate": TFTP over HTTPS keeps serving the cached
	 * tomcat certificate until Cisco Tftp restarts */
	{ NODE, RESTART "Cisco Tftp", TFTP_NODES ": TFTP serves a cached tomcat certificate until restarted", CUCM_ONLY, 0, 0 },
	/* [ADM125] "Manage Certificates", [SEC14]: with SAML SSO */
	{ NODE, RESTART "Cisco SSOSP Tomcat", "only if SAML SSO is enabled", ANY, 0, 0 },
	/* [TAC215572]: SIP OAuth (12.5 and later) listens on 5090/5091 with the
	 * tomcat certificate */
	{ NODE, RESTART "Cisco CallManager", "only if SIP OAuth is enabled (ports 5090/5091 present tomcat); phones may fall back to SRST for up to 5 minutes", CUCM_ONLY, R125, 0 },
	/* [SEC14]: the DRF master runs on the publisher only */
	{ PUB, RESTART "Cisco DRF Master", "DRF uses tomcat from release 14", ANY, R14, 0 },
	{ 0 },
};
static const struct uc_note_def tomcat_notes[] = {
	{ REMARK, ANY, WEB_DOWN, 0, 0 },
	/* [TAC215572] */
	{ WARNING, CUCM_ONLY, "With SIP OAuth the Cisco CallManager restart drops the registrations of the node's phones for a moment: run it in a quiet hour.", R125, 0 },
	{ 0 },
};

static const struct uc_action_def tomcat_ecdsa_actions[] = {
	{ NODE, "set cert regen tomcat-ECDSA", NULL, ANY, 0, 0 },
	{ NODE, RESTART "Cisco Tomcat", "web pages down for up to 30 minutes", ANY, 0, 0 },
	/* [SEC14] "Certificates", regenerate tomcat-ECDSA (14 and later) */
	{ NODE, RESTART "Cisco DRF Local", "DRF uses tomcat from release 14", ANY, R14, 0 },
	{ NODE, RESTART "Cisco UDS Tomcat", NULL, CUCM_ONLY, R14, 0 },
	{ NODE, RESTART "Cisco AXL Tomcat", NULL, CUCM_ONLY, R14, 0 },
	{ NODE, RESTART "Cisco SSOSP Tomcat", "only if SAML SSO is enabled", ANY, 0, 0 },
	{ PUB, RESTART "Cisco DRF Master", "DRF uses tomcat from release 14", ANY, R14, 0 },
	{ 0 },
};

static const struct uc_action_def ipsec_actions[] = {
	{ NODE, "set cert regen ipsec", NULL, ANY, 0, 0 },
	/* before 14 the DRS master and local agents use ipsec */
	{ PUB, RESTART "Cisco DRF Master", NULL, ANY, 0, R14 },
	{ ALL, RESTART "Cisco DRF Local", NULL, ANY, 0, R14 },
	/* [SEC14] "Certificates", regenerate ipsec: from 14 DRF uses tomcat */
	{ NODE, "utils ipsec restart", NULL, ANY, R14, 0 },
	{ 0 },
};
static const struct uc_note_def ipsec_notes[] = {
	{ REMARK, ANY, "Only the publisher's ipsec certificate is used by DRF; regenerating it on other nodes only silences the expiry alert.", 0, R14 },
	{ REMARK, UC_WHEN_PUBLISHER_UNAFFECTED, "The publisher's ipsec certificate is not in this step: DRF is not affected, the renewal only silences the expiry alert.", 0, R14 },
	/* [SEC14] */
	{ REMARK, ANY, "From release 14 DRF uses the tomcat certificate, not ipsec: ipsec secures IPsec and SRTP towards gateways.", R14, 0 },
	{ 0 },
};

/* [SEC14] "Certificates": the OAuth signing key is regenerated with
 * "set key regen authz signing". Which services must restart afterwards,
 * and what Jabber and mobile clients notice, uccert's sources do not say. */
static const struct uc_action_def authz_actions[] = {
	{ NODE, "set key regen authz signing", NULL, ANY, 0, 0 },
	{ 0 },
};
static const struct uc_note_def authz_notes[] = {
	{ REMARK, ANY, "authz is a signing key, not a certificate: it signs OAuth access and refresh tokens (SIP OAuth, Jabber, mobile and remote access).", 0, 0 },
	{ WARNING, ANY, "UNCONFIRMED: uccert's sources name no service restart after regenerating the OAuth signing key, nor whether clients must sign in again; check the Security Guide of your release.", 0, 0 },
	{ 0 },
};

/* IM and Presence units: "set cert regen <unit>" [CLI]. The services to
 * restart afterwards are not in uccert's sources: say so. */
#define IMP_UNCONFIRMED "UNCONFIRMED: uccert's sources name no IM and Presence service restart after this regeneration; check the IM and Presence configuration guide of your release for the services that use this certificate."
static const struct uc_note_def imp_notes[] = {
	{ REMARK, ANY, "IM and Presence certificate: no phone impact; renew it on each IM and Presence node where it is due.", 0, 0 },
	{ WARNING, ANY, IMP_UNCONFIRMED, 0, 0 },
	{ 0 },
};
#define IMP_ACTIONS(name, unit) \
	static const struct uc_action_def name[] = { \
		{ NODE, "set cert regen " unit, NULL, ANY, 0, 0 }, \
		{ 0 }, \
	}
IMP_ACTIONS(cup_actions, "cup");
IMP_ACTIONS(cup_ecdsa_actions, "cup-ECDSA");
IMP_ACTIONS(cup_xmpp_actions, "cup-xmpp");
IMP_ACTIONS(cup_xmpp_ecdsa_actions, "cup-xmpp-ECDSA");
IMP_ACTIONS(cup_xmpp_s2s_actions, "cup-xmpp-s2s");
IMP_ACTIONS(cup_xmpp_s2s_ecdsa_actions, "cup-xmpp-s2s-ECDSA");

/* [SEC14] "Certificates", regenerate CallManager: 14 restarts CallManager,
 * CTIManager and HAProxy; 14SU1 and later HAProxy only (CallManager-ECDSA:
 * CallManager and HAProxy). [TAC] "CallManager Certificate" adds TVS and
 * TFTP restarts and phone resets, which the Security Guide does not list. */
#define TAC_TVS "TAC 214231 restarts it; the Security Guide 14SU2 lists no TVS restart"
#define WAIT_NODE "before the next node: every service of this node shows STARTED again, and its phones have registered again (RTMT: Voice/Video > Device > Device Search, status Registered)"
#define TAC_TFTP TFTP_NODES "; TAC 214231 restarts it, the Security Guide 14SU2 does not"
#define TAC_RESET "Reset the phones (TAC 214231; the Security Guide 14SU2 names no reset)."
static const struct uc_action_def callmanager_actions[] = {
	{ NODE, "set cert regen CallManager", "one node after the other", ANY, 0, 0 },
	{ NODE, RESTART "Cisco CallManager", "phones may fall back to SRST for up to 5 minutes", ANY, R14, R14SU1 },
	{ NODE, RESTART "Cisco CTIManager", NULL, ANY, R14, R14SU1 },
	{ NODE, RESTART "Cisco HAProxy", NULL, ANY, R14, 0 },
	{ NODE, RESTART "Cisco TVS", TAC_TVS, ANY, 0, 0 },
	{ NODE, RESTART "Cisco Tftp", TAC_TFTP, ANY, 0, 0 },
	/* [CLI] utils service list; RTMT Administration Guide, "Device
	 * Search": what "one node after the other" waits for */
	{ NODE, "utils service list", WAIT_NODE, ANY, 0, 0 },
	{ PHONES, NULL, TAC_RESET, ANY, 0, 0 },
	{ 0 },
};
static const struct uc_action_def callmanager_ecdsa_actions[] = {
	{ NODE, "set cert regen CallManager-ECDSA", "one node after the other", ANY, 0, 0 },
	{ NODE, RESTART "Cisco CallManager", "phones may fall back to SRST for up to 5 minutes", ANY, R14, 0 },
	{ NODE, RESTART "Cisco CTIManager", NULL, ANY, R14, R14SU1 },
	{ NODE, RESTART "Cisco HAProxy", NULL, ANY, R14, 0 },
	{ NODE, RESTART "Cisco TVS", TAC_TVS, ANY, 0, 0 },
	{ NODE, RESTART "Cisco Tftp", TAC_TFTP, ANY, 0, 0 },
	/* [CLI] utils service list; RTMT Administration Guide, "Device
	 * Search": what "one node after the other" waits for */
	{ NODE, "utils service list", WAIT_NODE, ANY, 0, 0 },
	{ PHONES, NULL, TAC_RESET, ANY, 0, 0 },
	{ 0 },
};
#define AFTER_ITLRECOVERY "Only after the ITLRecovery step above is complete: show ctl lists the new ITLRecovery certificate and the phones were reset. A CallManager certificate regenerated before the CTL carries the new ITLRecovery certificate leaves the phones without a trust anchor, and the CTL must then be deleted on each phone by hand."
static const struct uc_note_def callmanager_notes[] = {
	/* [FN70613] */
	{ PRECOND, UC_WHEN_AFTER_ITLRECOVERY, AFTER_ITLRECOVERY, 0, 0 },
	{ REMARK, ANY, "CTL/ITL change: phones trust this certificate through their CTL and ITL files.", 0, 0 },
	{ WARNING, ANY, "Before release 14 uccert's sources name no restart of Cisco CallManager or Cisco CTIManager after this regeneration (the Security Guide 14SU2 names them for 14); check the Security Guide of your release.", 0, R14 },
	{ 0 },
};

/* [SEC14] regenerate CAPF: publisher only, the service restarts itself,
 * HAProxy with SIP OAuth, CTL update in mixed mode. [TAC] "CAPF
 * Certificate" restarts TVS and TFTP and resets the phones. */
static const struct uc_action_def capf_actions[] = {
	{ NODE, "set cert regen CAPF", NULL, ANY, 0, 0 },
	{ NODE, RESTART "Cisco HAProxy", "only if SIP OAuth is enabled", ANY, R14, 0 },
	{ ALL, RESTART "Cisco TVS", TAC_TVS, ANY, 0, 0 },
	{ ALL, RESTART "Cisco Tftp", TAC_TFTP, ANY, 0, 0 },
	{ PHONES, NULL, TAC_RESET, ANY, 0, 0 },
	{ 0 },
};
static const struct uc_note_def capf_notes[] = {
	{ REMARK, ANY, "CAPF is renewed on the publisher (from release 14 it exists only there).", 0, 0 },
	{ REMARK, ANY, "The Security Guide 14SU2 says the CAPF service restarts by itself and names no TVS or TFTP restart; TAC 214231 restarts TVS and TFTP and resets the phones: the documents differ, the TAC restarts are listed.", 0, 0 },
	{ WARNING, UC_WHEN_OFF_PUBLISHER, "A CAPF certificate is expiring on a node that is not the publisher: the documented procedure renews CAPF on the publisher; such a certificate exists only before release 14.", 0, 0 },
	{ 0 },
};

/* [SEC14] "Certificates", regenerate ITLRecovery; [CLI] set cert regen
 * ITLRecovery (asks for confirmation), utils ctl reset localkey, utils itl
 * reset localkey; [FN70613] the ordering against CallManager; [TAC]
 * "ITLRecovery Certificate": from 12.5 one certificate, generated on the
 * publisher and distributed to the subscribers. */
#define PROCEED "asks \"Proceed with regeneration (yes|no)?\": answer yes"
static const struct uc_action_def itlrecovery_actions[] = {
	{ PUB, "set cert regen ITLRecovery", PROCEED, ANY, R125, 0 },
	{ NODE, "set cert regen ITLRecovery", PROCEED, ANY, 0, R125 },
	/* secure (mixed-mode) cluster */
	{ PUB, "utils ctl reset localkey", "re-signs the CTL with the new ITLRecovery key", UC_WHEN_MIXED, 0, 0 },
	{ PHONES, NULL, "Reset the phones in batches (by device pool); wait until each batch has registered.", UC_WHEN_MIXED, 0, 0 },
	{ PUB, "utils ctl update CTLFile", NULL, UC_WHEN_MIXED, 0, 0 },
	{ PHONES, NULL, "Reset the phones again, in batches.", UC_WHEN_MIXED, 0, 0 },
	/* non-secure cluster */
	{ PUB, "utils itl reset localkey", "re-signs the ITL with the new ITLRecovery key", UC_WHEN_NON_SECURE, 0, 0 },
	{ PHONES, NULL, "Reset the phones in batches (by device pool); wait until each batch has registered.", UC_WHEN_NON_SECURE, 0, 0 },
	{ ALL, RESTART "Cisco Tftp", TFTP_NODES, UC_WHEN_NON_SECURE, 0, 0 },
	{ PHONES, NULL, "Reset the phones again, in batches.", UC_WHEN_NON_SECURE, 0, 0 },
	{ 0 },
};
static const struct uc_note_def itlrecovery_notes[] = {
	{ WARNING, ANY, "ITLRecovery has the highest impact of all units: it signs the ITL (and, from 12.0, the CTL). If mishandled, phones may need their CTL or ITL deleted by hand.", 0, 0 },
	/* [FN70613] */
	{ WARNING, UC_WHEN_MIXED, "Finish this step before any CallManager certificate is regenerated: the CTL must carry the new ITLRecovery certificate (show ctl) and the phones must have been reset. A CallManager certificate regenerated earlier leaves the phones without a trust anchor; the CTL must then be deleted on each phone by hand.", 0, 0 },
	{ WARNING, UC_WHEN_NON_SECURE, "Finish this step (show itl shows the ITL signed by the new ITLRecovery certificate, phones reset twice) before any CallManager certificate is regenerated.", 0, 0 },
	{ WARNING, UC_WHEN_MIXED_USB, "UNCONFIRMED for USB-token clusters: Cisco's ITLRecovery sequence uses the tokenless commands utils ctl reset localkey and utils ctl update CTLFile; check the Security Guide of your release whether a CTL client update takes their place.", 0, R14 },
	/* [TAC] "ITLRecovery Certificate" */
	{ REMARK, UC_WHEN_OFF_PUBLISHER, "From release 12.5 the publisher's ITLRecovery certificate is distributed to the subscribers: the copies on subscribers are renewed by regenerating it on the publisher.", R125, 0 },
	{ REMARK, ANY, "ITLRecovery certificates are valid for 20 years.", 0, 0 },
	{ 0 },
};

/* [SEC14] regenerate TVS: the service restarts itself, no CTL update.
 * [TAC] "TVS Certificate": restart TVS and TFTP, reset the phones,
 * regenerate TVS last. */
static const struct uc_action_def tvs_actions[] = {
	{ NODE, "set cert regen TVS", "one node after the other", ANY, 0, 0 },
	{ NODE, RESTART "Cisco TVS", TAC_TVS, ANY, 0, 0 },
	{ NODE, RESTART "Cisco Tftp", TAC_TFTP, ANY, 0, 0 },
	/* [CLI] utils service list; RTMT Administration Guide, "Device
	 * Search": what "one node after the other" waits for */
	{ NODE, "utils service list", WAIT_NODE, ANY, 0, 0 },
	{ PHONES, NULL, TAC_RESET, ANY, 0, 0 },
	{ PHONES, NULL, "Verify that the phones received the new ITL.", ANY, 0, 0 },
	{ 0 },
};
static const struct uc_note_def tvs_notes[] = {
	{ PRECOND, UC_WHEN_AFTER_CTL_STEP, "Only after the CTL update above is verified and phones accept configuration changes again.", 0, 0 },
	{ PRECOND, UC_WHEN_NO_CTL_STEP, "Only when the phones accept configuration changes (any earlier step of this phase has settled) and, in mixed mode, the CTL is valid.", 0, 0 },
	{ WARNING, UC_WHEN_WITH_CALLMANAGER, "On releases 8.x to 11.5 never regenerate CallManager and TVS at the same time: finish and verify the CallManager steps first.", 0, R12 },
	{ WARNING, ANY, "The documents disagree on the order: TAC 214231 regenerates TVS last (as this plan does); the Security Guide 14SU2 says to regenerate the TFTP (CallManager) certificate last.", 0, 0 },
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
	  "No phone impact; the DRF services (before 14) or IPsec (14 and later) restart.",
	  "show cert own ipsec shows the new notAfter on each node; the next DRF backup succeeds." },
	{ UC_STEP_AUTHZ, "authz", "authz", UC_PHASE_NO_PHONE_IMPACT,
	  "Regenerate the OAuth signing key (authz)", false, false, authz_actions, authz_notes,
	  "OAuth tokens are signed with the new key.",
	  "show cert own authz (or the OS administration certificate list) shows the new key's date." },
#define IMP_STEP(kind, unit, actions) \
	{ kind, unit, unit, UC_PHASE_NO_PHONE_IMPACT, "Regenerate " unit, true, false, \
	  actions, imp_notes, \
	  "The IM and Presence node presents the new " unit " certificate once the services that use it have restarted.", \
	  "show cert own " unit " on the IM and Presence node shows the new notAfter." }
	IMP_STEP(UC_STEP_CUP, "cup", cup_actions),
	IMP_STEP(UC_STEP_CUP_ECDSA, "cup-ECDSA", cup_ecdsa_actions),
	IMP_STEP(UC_STEP_CUP_XMPP, "cup-xmpp", cup_xmpp_actions),
	IMP_STEP(UC_STEP_CUP_XMPP_ECDSA, "cup-xmpp-ECDSA", cup_xmpp_ecdsa_actions),
	IMP_STEP(UC_STEP_CUP_XMPP_S2S, "cup-xmpp-s2s", cup_xmpp_s2s_actions),
	IMP_STEP(UC_STEP_CUP_XMPP_S2S_ECDSA, "cup-xmpp-s2s-ECDSA", cup_xmpp_s2s_ecdsa_actions),
#undef IMP_STEP
	{ UC_STEP_ITLRECOVERY, "ITLRecovery", "ITLRecovery", UC_PHASE_CTL_ITL,
	  "Regenerate ITLRecovery", false, false, itlrecovery_actions, itlrecovery_notes,
	  "Phones are reset twice and receive trust files signed by the new ITLRecovery certificate.",
	  "show cert own ITLRecovery on the publisher shows the new notAfter; show ctl (mixed mode) or show itl lists the new ITLRecovery certificate; phones accept configuration changes." },
	{ UC_STEP_CALLMANAGER, "CallManager", "CallManager", UC_PHASE_CTL_ITL,
	  "Regenerate CallManager", true, true, callmanager_actions, callmanager_notes,
	  "ITL-capable phones soft-reset, show \"Trust List Updated\" and re-register to their original node; CTL-only phones reject configuration changes until the CTL is updated.",
	  "show cert own CallManager shows the new notAfter on each node; phones are registered again." },
	{ UC_STEP_CALLMANAGER_ECDSA, "CallManager-ECDSA", "CallManager-ECDSA", UC_PHASE_CTL_ITL,
	  "Regenerate CallManager-ECDSA", true, true, callmanager_ecdsa_actions, callmanager_notes,
	  "As for CallManager: ITL-capable phones soft-reset, show \"Trust List Updated\" and re-register; CTL-only phones reject configuration changes until the CTL is updated.",
	  "show cert own CallManager-ECDSA shows the new notAfter on each node; phones are registered again." },
	{ UC_STEP_CAPF, "CAPF", "CAPF", UC_PHASE_CTL_ITL,
	  "Regenerate CAPF", false, true, capf_actions, capf_notes,
	  "Phones keep registering and accept configuration updates; ITL-capable phones soft-reset and show \"Trust List Updated\".",
	  "show cert own CAPF on the publisher shows the new notAfter." },
	{ UC_STEP_TVS, "TVS", "TVS", UC_PHASE_CTL_ITL,
	  "Regenerate TVS", true, false, tvs_actions, tvs_notes,
	  "No phone impact, provided the CTL is valid; ITL-capable phones fetch an ITL with the new TVS certificate.",
	  "show itl on each node lists the new TVS certificate; phones show the updated ITL and accept configuration changes." },
};

/* CTL update, per security mode. USB tokens: the CTL client procedure of
 * the renewal runbook (reference section 4, step 3). */
static const struct uc_action_def ctl_usb_actions[] = {
	{ PC, NULL, "Run the CTL client on a Windows PC and choose \"CTL Update\".", ANY, 0, 0 },
	{ PC, NULL, "Insert the USB eToken and enter its password (15 wrong entries destroy the token).", ANY, 0, 0 },
	{ PC, NULL, "Finish on the screen that lists all CallManager and TFTP nodes; check that every node is listed.", ANY, 0, 0 },
	{ ALL, RESTART "Cisco Tftp", "on every node that runs TFTP", ANY, 0, 0 },
	{ ALL, RESTART "Cisco CallManager", "phones may fall back to SRST for up to 5 minutes", ANY, 0, 0 },
	{ ALL, RESTART "Cisco CTIManager", "only if secure CTI is used", ANY, 0, 0 },
	{ PHONES, NULL, "Reset the phones in groups (by device pool or with the bulk tool); needed for 7940/7960 and the other CTL-only phones.", ANY, 0, 0 },
	{ PHONES, NULL, "On a phone, check the CTL: the \"CAPF server id\" changed (when CAPF was regenerated).", ANY, 0, 0 },
	{ 0 },
};
static const struct uc_note_def ctl_usb_notes[] = {
	{ WARNING, ANY, "USB eToken: 15 wrong password entries destroy the token. Have the password at hand before you start.", 0, 0 },
	{ WARNING, ANY, "Restarting Cisco CallManager: phones may fall back to SRST for up to 5 minutes.", 0, 0 },
	/* [SEC14] "Certificates" (CTL client); [TAC] */
	{ WARNING, ANY, "The CTL client is not supported from release 14 (USB tokens end at 14SU3): migrate first with utils ctl set-cluster mixed-mode on the publisher, then update the CTL with utils ctl update CTLFile.", R14, 0 },
	{ 0 },
};

/* [CLI] utils ctl update CTLFile; [FN70613]: restart CallManager and
 * CTIManager on all nodes, then the endpoints; [TAC] "CTL File": reset the
 * encrypted and authenticated phones. [SEC14] instead says the CTL file
 * reaches the phones automatically. */
static const struct uc_action_def ctl_tokenless_actions[] = {
	{ PUB, "utils ctl update CTLFile", NULL, ANY, 0, 0 },
	{ ALL, RESTART "Cisco CallManager", "Field Notice 70613; phones may fall back to SRST for up to 5 minutes", ANY, 0, 0 },
	{ ALL, RESTART "Cisco CTIManager", "Field Notice 70613", ANY, 0, 0 },
	{ PHONES, NULL, "Reset the encrypted and authenticated phones (TAC 214231), after the restarts (Field Notice 70613).", ANY, 0, 0 },
	{ 0 },
};
static const struct uc_note_def ctl_tokenless_notes[] = {
	{ REMARK, ANY, "Tokenless mixed mode: the CTL is re-signed on the publisher; no CTL client and no USB eToken.", 0, 0 },
	{ REMARK, ANY, "The documents differ: the Security Guide 14SU2 says the new CTL file reaches the phones automatically; Field Notice 70613 restarts Cisco CallManager and Cisco CTIManager on all nodes and then the endpoints, TAC 214231 resets the encrypted and authenticated phones. The restarts and resets are listed.", 0, 0 },
	{ 0 },
};

/* [SEC14] "Certificates", [TAC]: USB tokens are not supported from 14;
 * utils ctl set-cluster mixed-mode moves the cluster to tokenless. */
static const struct uc_action_def ctl_migrate_actions[] = {
	{ PUB, "utils ctl set-cluster mixed-mode", "needs Smart Licensing with export-controlled functionality allowed", ANY, 0, 0 },
	{ 0 },
};
static const struct uc_note_def ctl_migrate_notes[] = {
	{ WARNING, ANY, "security_mode is mixed-usb but the cluster runs release 14 or later, where the CTL client and USB tokens are not supported: migrate to tokenless mixed mode before any other step of this phase; the CTL updates below are the tokenless ones.", 0, 0 },
	{ WARNING, ANY, "UNCONFIRMED: which restarts and phone resets the migration itself needs is not in uccert's sources; follow the Security Guide of your release.", 0, 0 },
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
	{ UC_STEP_CTL_MIGRATE, "ctl-migrate", NULL, UC_PHASE_CTL_ITL,
	  "Migrate from USB tokens to tokenless mixed mode", false, false,
	  ctl_migrate_actions, ctl_migrate_notes,
	  "The cluster stays in mixed mode; the CTL is now signed without USB tokens.",
	  "show ctl on the publisher shows a CTL signed by the ITLRecovery (tokenless) key." },
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

enum uc_security_mode uc_effective_mode(enum uc_security_mode mode, unsigned release)
{
	if (mode == UC_SECURITY_MIXED_USB && release >= R14)
		return UC_SECURITY_MIXED_TOKENLESS;
	return mode;
}

const struct uc_step_def *uc_ctl_migrate_step(void)
{
	return &ctl_steps[2];
}

/* ---- phases ---- */

static const struct uc_note_def phase1_notes[] = {
	{ REMARK, ANY, "No phone impact: run these steps any time, one node at a time.", 0, 0 },
	{ 0 },
};
static const struct uc_note_def phase2_notes[] = {
	{ REMARK, ANY, "Medium phone impact: plan a change window and run the steps strictly in this order.", 0, 0 },
	/* [SEC14] */
	{ WARNING, ANY, "From release 14 the \"Phone Interaction on Certificate Update\" parameter resets phones automatically when TVS, CAPF or CallManager change.", R14, 0 },
	{ 0 },
};

/* Before the first step of the CTL/ITL phase. TAC 117598 ("ITL
 * Enhancements in 10.0(1)"): restoring a DRS backup is a way back to trust
 * files the phones still accept, and the backup holds the ITLRecovery
 * key; "show itl" shows the current signer. [CLI] utils disaster_recovery
 * status backup; show cert own. */
static const struct uc_action_def phase2_before[] = {
	{ PUB, NULL, "Back up the cluster with the Disaster Recovery System (Backup > Manual Backup) and wait until it has completed: restoring it is the way back to trust files the phones still accept (TAC 117598).", ANY, 0, 0 },
	{ PUB, "utils disaster_recovery status backup", "the backup completed (SUCCESS) for every node", ANY, 0, 0 },
	{ PUB, "show cert own ITLRecovery", "not expired: phones fall back on it if CallManager or TVS changes go wrong; an expiring one has its own step above CallManager", CUCM_ONLY, 0, 0 },
	{ PUB, "show itl", "the ITL is signed by that ITLRecovery certificate", CUCM_ONLY, 0, 0 },
	{ 0 },
};

static const struct uc_phase_def phases[] = {
	{ UC_PHASE_NO_PHONE_IMPACT, "no-phone-impact", "No phone impact", phase1_notes, NULL },
	{ UC_PHASE_CTL_ITL, "ctl-itl", "CTL/ITL impact", phase2_notes, phase2_before },
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

/* ---- after deleting trust certificates ----
 * [TAC] "Delete expired trust certificates", [ADM125] "Manage
 * Certificates", [SEC14] "Certificates": tomcat-trust -> restart Cisco
 * Tomcat; CAPF-trust -> restart CAPF (endpoints affected); ipsec-trust ->
 * DRF Master and Local (DRF uses ipsec before 14 only); Phone-Edge-trust
 * and Phone-VPN-trust certificates are delivered to the phones. */

static const struct uc_trust_followup trust_followups[] = {
	{ "tomcat-trust", NODE, RESTART "Cisco Tomcat", "web pages down for up to 30 minutes", 0, 0 },
	{ "CAPF-trust", NODE, RESTART "Cisco Certificate Authority Proxy Function", "endpoints that authenticate through CAPF are affected while it restarts", 0, 0 },
	{ "ipsec-trust", PUB, RESTART "Cisco DRF Master", "DRF uses ipsec before release 14", 0, R14 },
	{ "ipsec-trust", NODE, RESTART "Cisco DRF Local", "DRF uses ipsec before release 14", 0, R14 },
	{ "Phone-Edge-trust", NODE, NULL, "Phone-Edge-trust certificates are delivered to the phones: check that no phone connecting through the edge (mobile and remote access) still relies on the deleted one.", 0, 0 },
	{ "Phone-VPN-trust", NODE, NULL, "Phone-VPN-trust certificates are delivered to the phones: check that no phone using the VPN still relies on the deleted one.", 0, 0 },
};

const struct uc_trust_followup *uc_trust_followups(const char *unit, size_t *n)
{
	const struct uc_unit *u = unit ? uc_unit_find(unit) : NULL;
	size_t first = 0, count = 0;

	for (size_t i = 0; u && i < sizeof trust_followups / sizeof trust_followups[0]; i++)
		if (strcmp(trust_followups[i].unit, u->name) == 0) {
			if (!count)
				first = i;
			count++;
		}
	*n = count;
	return count ? &trust_followups[first] : NULL;
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
	    C(RESET_NEEDED, "are reset in batches twice (after utils ctl reset localkey and after utils ctl update CTLFile) and get a CTL signed by the new ITLRecovery certificate"),
	    C(ITL_AT_RISK, "are reset in batches twice and get trust files signed by the new ITLRecovery certificate; if CallManager changes before the CTL carries it, the CTL must be deleted on each phone by hand") },
	  { NOT_AFFECTED,
	    A(NONE, "hold no CTL and no ITL here: not affected"),
	    C(ITL_AT_RISK, "are reset in batches twice (after utils itl reset localkey and after the TFTP restart) and get an ITL signed by the new ITLRecovery certificate; if mishandled they may need their ITL deleted by hand") } },
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
