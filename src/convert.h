/* convert: a vdist.json made from another file (a vdist INI, a project's
 * metadata), written out and then loaded by config exactly as vdist-gen
 * will load it, so that the file written always loads; config's messages
 * are located in the file each value came from.
 *
 * The tree is jsonw's: each node's off is a byte offset in the source
 * file, or JSONW_NOWHERE. The text returned is the caller's. */
#ifndef VDIST_CONVERT_H
#define VDIST_CONVERT_H

#include <stddef.h>

#include "diag.h"
#include "json.h"

/* write tree as vdist.json text and check it as config would read it at
 * outpath ("-": as vdist.json in the current folder); 0 with *out and
 * *outlen, or -1 after errors in d located in srcfile (srctext, srclen
 * bytes; srcfile NULL when the values come from no file) */
int convert_finish(const struct json *tree, const char *outpath, const char *srcfile, const char *srctext,
                   size_t srclen, char **out, size_t *outlen, struct diags *d);

#endif
