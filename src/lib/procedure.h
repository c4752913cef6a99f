/* procedure.h - how each certificate unit is renewed, as data.
 *
 * The tables in procedure.c restate Cisco's documents (section 7 of the
 * certificate reference names them): the renewal step of every own unit
 * (commands, service restarts, remarks, what the operator sees, how to
 * verify), the CTL update per security mode, the phone families and the
 * impact matrix. Every action and note says from/until which release it
 * applies. plan.c picks rows from them; nothing here prints. */
#ifndef UCCERT_PROCEDURE_H
#define UCCERT_PROCEDURE_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "cert.h"
#include "settings.h"

/* "set cert regen <unit>" in the catalog's spelling for an own unit of the
 * catalog (name matched case-insensitively); NULL for a trust unit, an
 * unknown unit or NULL. The string is static. */
const char *uc_regen_command(const char *unit);

/* A CA-signed certificate (issuer differs from subject) is never
 * regenerated: "set cert regen" would replace it with a self-signed one. */
bool uc_cert_ca_signed(const struct uc_cert *c);
/* The first command that renews certificate c of unit: "set csr gen <unit>"
 * when c is CA-signed, else uc_regen_command(unit); NULL when neither
 * applies. The string is static. */
const char *uc_renew_command(const char *unit, const struct uc_cert *c);
/* The same for a node of role in a cluster of release (0: not set): a
 * subscriber's ITLRecovery (from 12.5, or when the release is not set) is
 * renewed on the publisher, and says so. */
const char *uc_renew_command_on(const char *unit, const struct uc_cert *c, enum uc_role role,
				unsigned release);

/* ---- phases and steps ---- */

enum uc_phase {
	UC_PHASE_NO_PHONE_IMPACT = 1,	/* any time, node by node */
	UC_PHASE_CTL_ITL = 2,		/* change window, strictly ordered */
};
#define UC_PHASE_MAX UC_PHASE_CTL_ITL

/* Step kinds, in plan order (phase 1 first). ITLRecovery comes before
 * CallManager: a CallManager certificate regenerated before the CTL carries
 * the new ITLRecovery certificate leaves the phones without a trust anchor
 * (Field Notice 70613). */
enum uc_step_kind {
	UC_STEP_TOMCAT = 1,
	UC_STEP_TOMCAT_ECDSA,
	UC_STEP_IPSEC,
	UC_STEP_AUTHZ,
	UC_STEP_CUP,
	UC_STEP_CUP_ECDSA,
	UC_STEP_CUP_XMPP,
	UC_STEP_CUP_XMPP_ECDSA,
	UC_STEP_CUP_XMPP_S2S,
	UC_STEP_CUP_XMPP_S2S_ECDSA,
	UC_STEP_CTL_MIGRATE,	/* USB tokens to tokenless, release 14 and later */
	UC_STEP_ITLRECOVERY,
	UC_STEP_CALLMANAGER,
	UC_STEP_CALLMANAGER_ECDSA,
	UC_STEP_CAPF,
	UC_STEP_CTL_UPDATE,
	UC_STEP_TVS,
};
#define UC_STEP_MAX UC_STEP_TVS

/* Where an action runs. */
enum uc_target {
	UC_TARGET_NODE = 1,	/* each node with an expiring certificate */
	UC_TARGET_PUBLISHER,	/* the cluster's publisher */
	UC_TARGET_ALL_NODES,	/* every node of the cluster */
	UC_TARGET_WORKSTATION,	/* the Windows PC that runs the CTL client */
	UC_TARGET_PHONES,	/* the phones, from the administration pages */
};

/* When an action, remark or warning of a step applies. */
enum uc_when {
	UC_WHEN_ALWAYS = 0,
	UC_WHEN_CA_SIGNED,		/* a certificate of the step is not self-signed */
	UC_WHEN_PUBLISHER_UNAFFECTED,	/* no certificate of the step is on the publisher */
	UC_WHEN_OFF_PUBLISHER,		/* a certificate of the step is on another node */
	UC_WHEN_WITH_CALLMANAGER,	/* the plan also regenerates CallManager */
	UC_WHEN_AFTER_CTL_STEP,		/* the plan has a CTL update before this step */
	UC_WHEN_NO_CTL_STEP,		/* ... and when it has none */
	UC_WHEN_MIXED,			/* the cluster is in mixed mode */
	UC_WHEN_NOT_MIXED_USB,		/* tokenless or non-secure cluster */
	UC_WHEN_MIXED_USB,		/* mixed mode with USB eTokens */
	UC_WHEN_NON_SECURE,		/* the cluster is not in mixed mode */
	UC_WHEN_AFTER_ITLRECOVERY,	/* the plan regenerates ITLRecovery first */
	UC_WHEN_CUCM,			/* the cluster is a CUCM cluster */
};

/* Releases as UC_RELEASE() codes: an action or note applies from `from`
 * (0: any earlier release) until before `until` (0: any later release). */
struct uc_action_def {
	enum uc_target target;
	const char *command;	/* platform CLI command; NULL for a manual action */
	const char *note;	/* what to do (manual) or a note on the command */
	enum uc_when when;
	unsigned from, until;
};

enum uc_note_kind { UC_NOTE_REMARK = 1, UC_NOTE_WARNING, UC_NOTE_PRECONDITION };

struct uc_note_def {
	enum uc_note_kind kind;
	enum uc_when when;
	const char *text;
	unsigned from, until;
};

/* Whether a row bounded by from/until applies to a cluster's release
 * (0: not configured, so every row applies). */
bool uc_release_applies(unsigned from, unsigned until, unsigned release);
/* "release 14 and later", "before release 14", "release 14 to before
 * 14SU1"; "" when unbounded. */
const char *uc_release_range(unsigned from, unsigned until, char *buf, size_t len);

struct uc_step_def {
	enum uc_step_kind kind;
	const char *id;		/* stable name in JSON: "tomcat", "ctl-update", ... */
	const char *unit;	/* the unit regenerated; NULL for the CTL update */
	enum uc_phase phase;
	const char *title;
	bool node_by_node;	/* repeat the actions on one node after the other */
	bool needs_ctl_update;	/* in mixed mode, a CTL update must follow */
	const struct uc_action_def *actions;	/* ends with target 0 */
	const struct uc_note_def *notes;	/* ends with kind 0 */
	const char *see;	/* what the operator will see */
	const char *verify;	/* how to check it worked */
};

/* The step that regenerates an own unit (canonical or any case); NULL for a
 * unit without a renewal step. */
const struct uc_step_def *uc_step_for_unit(const char *unit);
/* The step of a kind; for UC_STEP_CTL_UPDATE use uc_ctl_update_step. */
const struct uc_step_def *uc_step_def(enum uc_step_kind kind);
/* The CTL update for a security mode; NULL when the mode has no CTL
 * (non-secure). */
const struct uc_step_def *uc_ctl_update_step(enum uc_security_mode mode);
/* The security mode whose CTL procedure a cluster follows: a USB-token
 * cluster on release 14 or later first migrates to tokenless. */
enum uc_security_mode uc_effective_mode(enum uc_security_mode mode, unsigned release);
/* The migration from USB tokens to tokenless mixed mode. */
const struct uc_step_def *uc_ctl_migrate_step(void);

/* Remarks and warnings that belong to a whole phase. */
struct uc_phase_def {
	enum uc_phase phase;
	const char *id;		/* "no-phone-impact", "ctl-itl" */
	const char *title;
	const struct uc_note_def *notes;	/* conditions as for steps */
	const struct uc_action_def *before;	/* before its first step (a
						 * backup, prechecks); NULL or
						 * ends with target 0 */
};
const struct uc_phase_def *uc_phase_def(enum uc_phase phase);
/* Phase-2 warning for a security mode whose steps differ from the USB-token
 * procedure the reference is written for; NULL for mixed-usb. */
const char *uc_mode_adjustment(enum uc_security_mode mode);

/* The CSR procedure that takes the place of "set cert regen <unit>" for a
 * CA-signed certificate of unit (ends with target 0); NULL for a unit that
 * is never CA-signed (ITLRecovery, authz) or not an own unit. */
const struct uc_action_def *uc_csr_actions(const char *unit);

/* ---- after deleting trust certificates ---- */

/* What to do on a node after deleting certificates from a trust store
 * (once per store and node). target is UC_TARGET_NODE (the node itself) or
 * UC_TARGET_PUBLISHER (where the publisher runs it); command NULL for a
 * note only. */
struct uc_trust_followup {
	const char *unit;
	enum uc_target target;
	const char *command;
	const char *note;
	unsigned from, until;
};
/* The follow-ups of a trust store (catalog spelling or any case), n set to
 * their number; NULL and 0 for a store without any. */
const struct uc_trust_followup *uc_trust_followups(const char *unit, size_t *n);

/* ---- phones ---- */

enum uc_family {
	UC_FAMILY_NONE = 0,	/* no CTL, no ITL: 793X, IP Communicator */
	UC_FAMILY_CTL,		/* CTL only: 7940, 7960, Jabber */
	UC_FAMILY_CTL_ITL,	/* CTL and ITL: 7941, 7945, 7961, 7965, 797X, 78XX, 88XX */
	UC_FAMILY_UNKNOWN,	/* a model the table does not know */
};
#define UC_NFAMILIES (UC_FAMILY_UNKNOWN + 1)

/* The family of a model as written in uccert.conf ("8845", "CP-7965G",
 * "Cisco 7960", "Jabber for Windows", "IP Communicator"). */
enum uc_family uc_phone_family(const char *model);
const char *uc_family_id(enum uc_family f);	/* "no-ctl-itl", "ctl-only", "ctl-itl", "unknown" */
const char *uc_family_label(enum uc_family f);	/* "no-CTL/ITL", "CTL-only", "CTL+ITL", "unknown-model" */
const char *uc_family_models(enum uc_family f);	/* "793X, IP Communicator", ... */

/* What a step does to the phones of a family. */
enum uc_effect {
	UC_EFFECT_NONE = 1,		/* not affected */
	UC_EFFECT_SOFT_RESET,		/* reset themselves; nothing to do */
	UC_EFFECT_RESET_NEEDED,		/* the operator must reset them */
	UC_EFFECT_CONFIG_REJECTED,	/* reject configuration changes for a while */
	UC_EFFECT_ITL_AT_RISK,		/* may need the ITL deleted by hand */
	UC_EFFECT_UNKNOWN,		/* unknown model */
};
const char *uc_effect_name(enum uc_effect e);	/* "none", "soft-reset", ... */

struct uc_impact_cell {
	enum uc_effect effect;
	bool assumed;		/* not in the reference matrix: uccert's assumption */
	const char *text;	/* follows "<count> <family> phones (<models>) " */
};

/* Which version of the matrix a cluster's phones follow. */
struct uc_impact_basis {
	const char *id;		/* "mixed-usb", "mixed-tokenless", "non-secure" */
	bool assumed;		/* the reference matrix does not cover this mode */
	const char *text;
};
const struct uc_impact_basis *uc_impact_basis(enum uc_security_mode mode);

/* The effect of a phase-2 step kind on a family in a cluster of a mode;
 * NULL for a phase-1 step. */
const struct uc_impact_cell *uc_impact(enum uc_step_kind kind,
				       enum uc_security_mode mode,
				       enum uc_family family);

const char *uc_target_name(enum uc_target t);	/* "node", "publisher", ... */

#endif
