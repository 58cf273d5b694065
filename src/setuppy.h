/* setuppy: the keyword arguments of the setup(...) call in a setup.py,
 * read as Python tokens and never run.
 *
 * The call is the first "setup(" (or "X.setup(") that is not a def. A
 * keyword whose value is string literals only (implicitly concatenated,
 * maybe in parentheses; any prefix but b and f) gets the string; any
 * other value (a name, a call, an f-string, a number...) is not a
 * literal. Comments, continuation lines and all four kinds of quotes are
 * read as Python reads them; a string or a call never closed is a
 * located error.
 *
 * The result is a json.h object, keyword -> JSON_STRING (a literal) or
 * JSON_NULL (not one), each node's off the byte offset of its value; the
 * caller owns it and releases it with json_free(). */
#ifndef VDIST_SETUPPY_H
#define VDIST_SETUPPY_H

#include <stddef.h>

#include "diag.h"
#include "json.h"

/* read text (len bytes) from file: 0 with *out the keywords (NULL when
 * there is no setup call), or -1 after a located error in d */
int setuppy_read(const char *file, const char *text, size_t len, struct json **out, struct diags *d);

#endif
