/* fetch_cache: the download cache shared by every fetch, keyed only by content:
 * ROOT/sha256/HEX holds the file whose SHA-256 is HEX. Entries are checked on
 * every read (a corrupt one is removed) and written through a temp file and a
 * rename, so a reader never sees a partial entry.
 *
 * It never prints and never exits: a broken cache is a warning in d, never a
 * failed fetch. Ownership: every function borrows its arguments; fetch_cache_root
 * returns a string the caller frees; messages it adds are owned by d. */
#ifndef VDIST_FETCH_CACHE_H
#define VDIST_FETCH_CACHE_H

#include "diag.h"
#include "util.h"

/* the cache folder: $VDIST_CACHE, else $XDG_CACHE_HOME/vdist (if absolute), else
 * $HOME/.cache/vdist; NULL when none of them is set; caller frees */
char *fetch_cache_root(void);
/* copy the entry for hex into out (open and empty), checking its SHA-256; 1 on a
 * hit with the size in *n, 0 on a miss (maybe with a warning; out may hold part
 * of a file and needs a reset), -1 when writing out failed (error added) */
int fetch_cache_get(const char *root, const char *hex, struct util_tmp *out, long long *n,
                    struct diags *d);
/* store the verified file open at fd (read from its start) as the entry for hex,
 * unless there is one; a warning, never an error, when that fails */
void fetch_cache_put(const char *root, const char *hex, int fd, struct diags *d);

#endif
