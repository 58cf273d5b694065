/* json: strict JSON into a small typed tree with byte offsets.
 *
 * The only file that compiles jsmn's implementation. jsmn finds the
 * tokens; this layer adds what jsmn leaves out (separators, literals,
 * number grammar, string escapes, UTF-8) so bad input is always reported
 * with its position. A tree from json_parse() is owned by the caller and
 * released with json_free(); every string in it is owned by the tree. */
#ifndef VDIST_JSON_H
#define VDIST_JSON_H

#include <stddef.h>

#include "diag.h"

/* the type of a JSON value */
enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* one JSON value and, for containers, its children */
struct json {
	enum json_type type;  /* what it is */
	size_t off;           /* byte offset of its first character in the text */
	char *str;            /* STRING: unescaped UTF-8; NUMBER: its text; else NULL */
	int boolean;          /* BOOL: 0 or 1 */
	size_t n;             /* ARRAY/OBJECT: number of items or members */
	struct json *items;   /* ARRAY items, OBJECT member values (n of them) */
	char **keys;          /* OBJECT member names, unescaped (n of them) */
	size_t *keyoffs;      /* OBJECT byte offsets of the member names */
};

/* parse text (len bytes) read from file; on success *out is the tree and 0
 * is returned; on failure -1 with one error located in file added to d */
int json_parse(const char *file, const char *text, size_t len, struct json **out,
               struct diags *d);
/* release a tree from json_parse (NULL is fine) */
void json_free(struct json *j);
/* the value of member key of an object, or NULL */
const struct json *json_get(const struct json *obj, const char *key);
/* the name of a type as users know it ("string", "array", ...) */
const char *json_type_name(enum json_type t);

#endif
