/* fetch: "vdist-gen fetch URL -o FILE [--sha256 HEX]", a verified download.
 *
 * The body goes to a temp file next to FILE, is hashed while it streams,
 * checked against --sha256, then renamed into place; a shared cache keyed
 * by SHA-256 serves pinned files without the network. See
 * vdist-gen(1), FETCH, for the options, environment, retry and cache rules.
 * It is its own program, vdist-fetch, which vdist-gen runs for
 * "vdist-gen fetch" (so the generator does not load libcurl).
 * src/fetch.c is the command line and the progress display; the download is
 * fetch_transfer.h, the cache fetch_cache.h, temp files and hashing util.h.
 *
 * Ownership: fetch_main borrows argv and d; every message it adds to d is
 * owned by d (release with diags_free). It keeps no state after it returns. */
#ifndef VDIST_FETCH_H
#define VDIST_FETCH_H

#include "diag.h"

/* run "vdist-gen fetch ARGS"; argv[0] is "fetch"; returns an enum exitcode
 * (see src/diag.h); errors and warnings are added to d, progress goes to stderr */
int fetch_main(int argc, char **argv, struct diags *d);

#endif
