/* deliver: a finished package moved into dist/ whole or not at all, for
 * "make packages" (vdist-gen deliver FILE DEST).
 *
 * On one file system it is a rename. Across file systems (dist/ on
 * another disk, a tmpfs, a mount) the data is copied into an unnamed file
 * of DEST's folder (O_TMPFILE), synced, and only then given a hidden name
 * and renamed over DEST, with signals blocked between the two. A run
 * killed at any moment, SIGKILL included, so leaves DEST as it was or
 * whole, and nothing half-copied: the kernel frees an unnamed file with
 * its last descriptor (SIGKILL in the instant between naming and
 * renaming leaves a whole copy under the hidden name). Where the file
 * system has no unnamed files, the copy goes to a hidden part file beside
 * DEST (util_tmp), which SIGHUP, SIGINT and SIGTERM remove and only
 * SIGKILL can leave. FILE is removed once DEST holds it. */
#ifndef VDIST_DELIVER_H
#define VDIST_DELIVER_H

#include "diag.h"

/* move file to dest as above; 0, or -1 with an error in d (dest as it
 * was, file still there) */
int deliver_file(const char *file, const char *dest, struct diags *d);

#endif
