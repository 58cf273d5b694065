/* toml: TOML as pyproject.toml uses it, read into json.h's tree.
 *
 * Read: comments; [table] and [[array.of.tables]] headers; bare, quoted
 * and dotted keys; the four kinds of strings with their escapes; arrays
 * and inline tables, over several lines too; booleans. Numbers, dates
 * and times are kept as JSON_NUMBER with their text, not checked further.
 * A key given twice, a table header given twice, and anything else it
 * cannot read are located errors.
 *
 * Tables become JSON_OBJECT, arrays JSON_ARRAY; each node's off is the
 * byte offset of its value (of its header, for a table) in the text. The
 * tree is the caller's, released with json_free(). */
#ifndef VDIST_TOML_H
#define VDIST_TOML_H

#include <stddef.h>

#include "diag.h"
#include "json.h"

/* parse text (len bytes) read from file; 0 with *out the root table, or
 * -1 after one located error in d */
int toml_parse(const char *file, const char *text, size_t len, struct json **out, struct diags *d);

#endif
