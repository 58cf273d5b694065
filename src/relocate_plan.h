/* relocate_plan: --update-path. Find the old location, walk the
 * virtualenv (links are listed, never followed), plan what each file and
 * link becomes, then write the changes: activate scripts last and
 * bin/activate the very last, so an interrupted run can be run again.
 *
 * Ownership: the run (struct rctx) owns the old and new paths set here;
 * everything else is freed before returning. Progress goes to stdout,
 * errors into the run's diagnostics; nothing here exits. */
#ifndef VDIST_RELOCATE_PLAN_H
#define VDIST_RELOCATE_PLAN_H

#include "relocate_ctx.h"

/* rewrite every place in c->root that holds the old location so that it
 * names target (absolute, or "auto" for where c->root is now); sets
 * c->new and c->old. With c->dryrun only reports. 0, or -1 when any error
 * was added */
int rplan_run(struct rctx *c, const char *target);

#endif
