/* plan.h - the renewal plan: which steps the expiring own certificates of
 * each cluster require, in which order, on which nodes, with what phone
 * impact. Built from an inventory and the settings; rendering is the
 * client's job.
 *
 * A plan points into the inventory (records) and the settings (names) it was
 * built from: free the plan before either of them. */
#ifndef UCCERT_PLAN_H
#define UCCERT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procedure.h"
#include "scan.h"
#include "settings.h"

/* A certificate that caused a step (or that no step covers). */
struct uc_plan_cert {
	const struct uc_record *record;	/* node, unit, days_left, cert, ... */
	enum uc_role role;		/* of the record's node */
	const char *reason;		/* unplanned: why there is no step */
};

/* One action of a step, on concrete nodes. */
struct uc_plan_action {
	const struct uc_action_def *def;	/* target, command, note */
	const char **nodes;	/* names (the settings' strings); none for
				 * workstation and phone actions, or when the
				 * cluster has no publisher configured */
	size_t nnodes;
};

struct uc_plan_impact {
	enum uc_family family;
	long phones;		/* phones of the family in the fleet */
	const struct uc_impact_cell *cell;
};

struct uc_plan_step {
	unsigned number;	/* 1, 2, ... through the cluster's phases */
	const struct uc_step_def *def;
	size_t *nodes;		/* every node the step touches, as indexes into
				 * the cluster's nodes, in configuration order */
	size_t nnodes;
	struct uc_plan_action *actions;
	size_t nactions;
	const char **preconditions, **remarks, **warnings;
	size_t npreconditions, nremarks, nwarnings;
	struct uc_plan_cert *certs;	/* for the CTL update: those of the
					 * steps that require it */
	size_t ncerts;
	size_t nca;		/* CA-signed certificates among them: renewed
				 * through a CSR instead of regenerated */
	struct uc_plan_impact impact[UC_NFAMILIES];	/* phase 2 only */
	size_t nimpact;
};

struct uc_plan_phase {
	const struct uc_phase_def *def;
	struct uc_plan_action *before;	/* before its first step */
	size_t nbefore;
	const char **remarks, **warnings;
	size_t nremarks, nwarnings;
	struct uc_plan_step *steps;
	size_t nsteps;
};

struct uc_plan_model {
	const char *model;	/* as configured */
	long count;
	enum uc_family family;
};

struct uc_plan_cluster {
	const struct uc_cluster *cluster;
	const struct uc_impact_basis *basis;	/* NULL: a product without
						 * phones (Unity Connection,
						 * IM and Presence) */
	long phones[UC_NFAMILIES];	/* fleet count per family */
	struct uc_plan_model *models;	/* the fleet, in configuration order */
	size_t nmodels;
	struct uc_plan_phase *phases;	/* only phases with steps */
	size_t nphases;
	struct uc_plan_cert *unplanned;	/* own, due, but no procedure (unknown
					 * unit, or a unit not of this product) */
	size_t nunplanned;
	const struct uc_source **failed_sources;	/* sources that could not be read */
	size_t nfailed;
	size_t nsources;	/* sources of the cluster, read or not */
	unsigned unreadable;	/* unreadable own files of the cluster (excluded) */
	const char *release_note;	/* the assumption made when version is
					 * not set; NULL when it is */
	char **owned;		/* texts built for this plan (release-marked notes) */
	size_t nowned;
};

struct uc_plan {
	int64_t now;
	int within;		/* days; -1: the threshold of each impact class */
	int thresholds[UC_IMPACT_MAX + 1];	/* effective, per impact class */
	struct uc_plan_cluster *clusters;	/* only clusters with something due
						 * or an unreadable cert_dir */
	size_t nclusters;
};

/* Plan every own certificate with days_left <= within (or the threshold of
 * its impact class when within < 0), expired ones included, unreadable ones
 * excluded; only in the cluster named `cluster` unless it is NULL. */
struct uc_plan *uc_plan_build(const struct uc_inventory *inv,
			      const struct uc_settings *s, int within,
			      const char *cluster);
void uc_plan_free(struct uc_plan *p);

/* The number of steps of a plan cluster. */
size_t uc_plan_cluster_nsteps(const struct uc_plan_cluster *pc);

#endif
