/* relocate_reinit: --reinitialize. Point bin/python, bin/python3 and
 * bin/pythonX.Y and pyvenv.cfg's home (and the executable and base-prefix
 * keys, where present) at this system's pythonX.Y, found in the folder
 * pyvenv.cfg calls home, /usr/bin, /usr/local/bin, then $PATH.
 *
 * Ownership: nothing is kept; the run (struct rctx) only gains messages.
 * Progress goes to stdout, errors into the run's diagnostics; nothing here
 * exits. */
#ifndef VDIST_RELOCATE_REINIT_H
#define VDIST_RELOCATE_REINIT_H

#include "relocate_ctx.h"

/* relink the interpreters of the virtualenv at c->root (of Python c->xy)
 * and update its pyvenv.cfg; with c->dryrun only reports. 0, or -1 with an
 * error */
int rreinit_run(struct rctx *c);

#endif
