/* relocate_find: the location a virtualenv was made for, read from the
 * virtualenv itself: the VIRTUAL_ENV of bin/activate, else of
 * activate.fish, activate.csh, activate.nu, else the '#!' line of bin/pip
 * or another script, else pyvenv.cfg's command line.
 *
 * Ownership: the path returned is the caller's to free(); the text that
 * tells where it was read from goes into c->oldfrom, owned by the run.
 * Errors go into the run's diagnostics; nothing here prints or exits. */
#ifndef VDIST_RELOCATE_FIND_H
#define VDIST_RELOCATE_FIND_H

#include "relocate_ctx.h"

/* the old location of the virtualenv at c->root, without a trailing slash,
 * and set c->oldfrom; NULL with an error if nothing tells, or it is "/" */
char *rfind_old(struct rctx *c);

#endif
