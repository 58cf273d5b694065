/* init: a first vdist.json from the metadata of the project in the
 * current folder.
 *
 * The first of these that names the project is read: pyproject.toml's
 * [project] (PEP 621), else its [tool.poetry], else setup.cfg's
 * [metadata], else the literal keywords of setup.py's setup() call (read,
 * never run). app, version, description, license, url and maintainer
 * come from it; what it lacks is left empty or, for app and version, a
 * placeholder, with a message saying so; an empty folder gets
 * placeholders. One build for the profile debian-bookworm is added. The
 * result is checked as config will load it.
 *
 * The text returned is the caller's; *from is a constant. */
#ifndef VDIST_INIT_H
#define VDIST_INIT_H

#include <stddef.h>

#include "diag.h"

/* a vdist.json for writing at outpath ("-": standard output, checked as
 * vdist.json here): 0 with *out, *outlen and *from (the file read, or
 * NULL when none was found), or -1 after located errors in d */
int init_project(const char *outpath, char **out, size_t *outlen, const char **from, struct diags *d);

#endif
