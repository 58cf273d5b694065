/* jsonw: building trees of json.h's struct json by hand, and writing them
 * as readable JSON (2-space indent, members in the order they were added).
 *
 * A converter builds its output as a tree, with each node's off holding
 * where the value came from in the converter's input (JSONW_NOWHERE when
 * it came from nowhere), so that errors about the output can be located
 * in the input. Ownership is json.h's: the tree owns every node and
 * string, json_free() releases it. A slot returned by jsonw_add() or
 * jsonw_push() is valid until the next add or push on the same container.
 * A struct jsonw_spans owns its array; jsonw_spans_free() releases it. */
#ifndef VDIST_JSONW_H
#define VDIST_JSONW_H

#include <stddef.h>

#include "json.h"
#include "util.h"

/* the off of a node that comes from no place in the input */
#define JSONW_NOWHERE ((size_t)-1)

/* where one value went in the written text */
struct jsonw_span {
	size_t start, end;         /* bytes [start, end): the value, with its key for a member */
	const struct json *node;   /* the value written there */
};

/* the spans of every value written, outermost first */
struct jsonw_spans {
	struct jsonw_span *v;  /* owned */
	size_t n, cap;         /* used and allocated */
};

/* a new empty object (caller owns it; json_free releases it) */
struct json *jsonw_object(size_t off);
/* a new slot for member key of object obj, typed JSON_NULL until set */
struct json *jsonw_add(struct json *obj, const char *key, size_t off);
/* a new slot at the end of array arr, typed JSON_NULL until set */
struct json *jsonw_push(struct json *arr, size_t off);
/* make slot j a string (a copy of s) */
void jsonw_set_string(struct json *j, const char *s);
/* make slot j true or false */
void jsonw_set_bool(struct json *j, int b);
/* make slot j an empty array */
void jsonw_set_array(struct json *j);
/* make slot j an empty object */
void jsonw_set_object(struct json *j);
/* make slot j a deep copy of src, offsets included */
void jsonw_copy(struct json *j, const struct json *src);
/* 1 if a and b hold the same value (offsets aside) */
int jsonw_equal(const struct json *a, const struct json *b);
/* the member key of obj, or NULL (json_get without const) */
struct json *jsonw_member(struct json *obj, const char *key);

/* append j to b as JSON, ending with a newline: objects and arrays one
 * member per line, but those holding only scalars on one line when it
 * fits in 80 columns; spans (may be NULL) gets where each value went */
void jsonw_write(struct strbuf *b, const struct json *j, struct jsonw_spans *spans);
/* the innermost span holding byte off, or NULL */
const struct jsonw_span *jsonw_span_at(const struct jsonw_spans *s, size_t off);
/* release the spans */
void jsonw_spans_free(struct jsonw_spans *s);

#endif
