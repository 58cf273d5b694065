/* jsonw: hand-built JSON trees and their readable text */
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

/* the width a container on one line must fit in */
#define JSONW_WIDTH 80

struct json *
jsonw_object(size_t off)
{
	struct json *j = xcalloc(1, sizeof *j);
	j->type = JSON_OBJECT;
	j->off = off;
	return j;
}

/* clear the value a slot holds, keeping its offset */
static void
reset(struct json *j)
{
	size_t off = j->off;
	for (size_t i = 0; i < j->n; i++) {
		struct json tmp = j->items[i];
		reset(&tmp);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->keyoffs);
	free(j->str);
	memset(j, 0, sizeof *j);
	j->off = off;
}

struct json *
jsonw_add(struct json *obj, const char *key, size_t off)
{
	obj->items = xreallocarray(obj->items, obj->n + 1, sizeof *obj->items);
	obj->keys = xreallocarray(obj->keys, obj->n + 1, sizeof *obj->keys);
	obj->keyoffs = xreallocarray(obj->keyoffs, obj->n + 1, sizeof *obj->keyoffs);
	obj->keys[obj->n] = xstrdup(key);
	obj->keyoffs[obj->n] = off;
	struct json *j = &obj->items[obj->n++];
	memset(j, 0, sizeof *j);
	j->type = JSON_NULL;
	j->off = off;
	return j;
}

struct json *
jsonw_push(struct json *arr, size_t off)
{
	arr->items = xreallocarray(arr->items, arr->n + 1, sizeof *arr->items);
	struct json *j = &arr->items[arr->n++];
	memset(j, 0, sizeof *j);
	j->type = JSON_NULL;
	j->off = off;
	return j;
}

void
jsonw_set_string(struct json *j, const char *s)
{
	char *copy = xstrdup(s);
	reset(j);
	j->type = JSON_STRING;
	j->str = copy;
}

void
jsonw_set_bool(struct json *j, int b)
{
	reset(j);
	j->type = JSON_BOOL;
	j->boolean = b != 0;
}

void
jsonw_set_array(struct json *j)
{
	reset(j);
	j->type = JSON_ARRAY;
}

void
jsonw_set_object(struct json *j)
{
	reset(j);
	j->type = JSON_OBJECT;
}

void
jsonw_copy(struct json *j, const struct json *src)
{
	reset(j);
	j->type = src->type;
	j->off = src->off;
	j->boolean = src->boolean;
	j->str = xstrdup(src->str);
	for (size_t i = 0; i < src->n; i++) {
		struct json *slot = src->keys ? jsonw_add(j, src->keys[i], src->keyoffs[i]) : jsonw_push(j, 0);
		jsonw_copy(slot, &src->items[i]);
	}
}

int
jsonw_equal(const struct json *a, const struct json *b)
{
	if (a->type != b->type || a->n != b->n || a->boolean != b->boolean)
		return 0;
	if ((a->str || b->str) && (!a->str || !b->str || strcmp(a->str, b->str)))
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->keys && strcmp(a->keys[i], b->keys[i]))
			return 0;
		if (!jsonw_equal(&a->items[i], &b->items[i]))
			return 0;
	}
	return 1;
}

struct json *
jsonw_member(struct json *obj, const char *key)
{
	return (struct json *)json_get(obj, key);
}

/* append s as a JSON string */
static void
put_string(struct strbuf *b, const char *s)
{
	strbuf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': strbuf_adds(b, "\\\""); break;
		case '\\': strbuf_adds(b, "\\\\"); break;
		case '\b': strbuf_adds(b, "\\b"); break;
		case '\f': strbuf_adds(b, "\\f"); break;
		case '\n': strbuf_adds(b, "\\n"); break;
		case '\r': strbuf_adds(b, "\\r"); break;
		case '\t': strbuf_adds(b, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				strbuf_addf(b, "\\u%04x", c);
			else
				strbuf_addc(b, (char)c);
		}
	}
	strbuf_addc(b, '"');
}

/* 1 if j is a container holding only scalars */
static int
flat(const struct json *j)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->items[i].type == JSON_ARRAY || j->items[i].type == JSON_OBJECT)
			return 0;
	return 1;
}

/* record that node starts at start; its index, to be closed by span_end */
static size_t
span_begin(struct jsonw_spans *s, size_t start, const struct json *node)
{
	if (!s)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n] = (struct jsonw_span){start, start, node};
	return s->n++;
}

/* append j at indentation depth; inline: all on this line */
static void
put_value(struct strbuf *b, const struct json *j, int depth, int isinline, struct jsonw_spans *spans);

/* append the members of container j, each at depth + 1 */
static void
put_members(struct strbuf *b, const struct json *j, int depth, int isinline, struct jsonw_spans *spans)
{
	int obj = j->type == JSON_OBJECT;
	strbuf_addc(b, obj ? '{' : '[');
	for (size_t i = 0; i < j->n; i++) {
		if (isinline)
			strbuf_adds(b, i ? ", " : "");
		else
			strbuf_addf(b, "%s\n%*s", i ? "," : "", 2 * (depth + 1), "");
		size_t sp = span_begin(spans, b->len, &j->items[i]);
		if (obj) {
			put_string(b, j->keys[i]);
			strbuf_adds(b, ": ");
		}
		put_value(b, &j->items[i], depth + 1, isinline, spans);
		if (spans)
			spans->v[sp].end = b->len;
	}
	if (!isinline && j->n)
		strbuf_addf(b, "\n%*s", 2 * depth, "");
	strbuf_addc(b, obj ? '}' : ']');
}

static void
put_value(struct strbuf *b, const struct json *j, int depth, int isinline, struct jsonw_spans *spans)
{
	switch (j->type) {
	case JSON_NULL: strbuf_adds(b, "null"); break;
	case JSON_BOOL: strbuf_adds(b, j->boolean ? "true" : "false"); break;
	case JSON_NUMBER: strbuf_adds(b, j->str); break;
	case JSON_STRING: put_string(b, j->str); break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (!isinline && depth > 0 && flat(j)) {
			/* one line if it fits after what this line already holds */
			struct strbuf one = {0};
			put_members(&one, j, depth, 1, NULL);
			const char *nl = b->len ? strrchr(strbuf_str(b), '\n') : NULL;
			size_t col = nl ? b->len - (size_t)(nl + 1 - b->data) : b->len;
			isinline = col + one.len + 1 <= JSONW_WIDTH;
			strbuf_free(&one);
		}
		put_members(b, j, depth, isinline, spans);
		break;
	}
}

void
jsonw_write(struct strbuf *b, const struct json *j, struct jsonw_spans *spans)
{
	size_t sp = span_begin(spans, b->len, j);
	put_value(b, j, 0, 0, spans);
	if (spans)
		spans->v[sp].end = b->len;
	strbuf_addc(b, '\n');
}

const struct jsonw_span *
jsonw_span_at(const struct jsonw_spans *s, size_t off)
{
	const struct jsonw_span *best = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct jsonw_span *p = &s->v[i];
		if (p->start <= off && off < p->end && (!best || p->end - p->start < best->end - best->start))
			best = p;
	}
	return best;
}

void
jsonw_spans_free(struct jsonw_spans *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
