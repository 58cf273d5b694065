/* importvdist: a vdist 2.x batch file (the INI file of `vdist batch FILE`)
 * converted into vdist.json.
 *
 * Each section but [DEFAULT] is one build named after the section; a
 * section reads its own keys, then DEFAULT's, with configparser's
 * ExtendedInterpolation (see ini.h). Values that every build has alike go
 * to the top level, the others into each build, keys in the order of
 * config's table. vdist profile ids without a profile of that id are
 * mapped to the nearest built-in one, with a warning (a section for Arch
 * Linux, which vdist-gen cannot package, is left out); fpm_args' package
 * metadata (--maintainer, --description, --license, --url, --category)
 * becomes vdist.json's keys; output_folder becomes make's DIST, in a
 * note. The result is checked as config will load it.
 *
 * The text returned is the caller's; nothing else is kept. */
#ifndef VDIST_IMPORTVDIST_H
#define VDIST_IMPORTVDIST_H

#include <stddef.h>

#include "diag.h"
#include "profile.h"

/* convert text (len bytes, read from file) for writing at outpath ("-":
 * standard output, checked as vdist.json here), with the profiles ps
 * known; 0 with *out, *outlen and *nbuilds, or -1 after located errors in d */
int importvdist(const char *file, const char *text, size_t len, const char *outpath,
                const struct profiles *ps, char **out, size_t *outlen, size_t *nbuilds, struct diags *d);

#endif
