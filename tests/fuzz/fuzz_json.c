/* fuzz_json: json_parse() on any bytes, as vdist.json or build_machines.json.
 *
 * FUZZ_SOURCES: src/json.c src/diag.c src/util.c
 * FUZZ_FLAGS: -max_len=8192
 *
 * Besides the sanitizers, it checks json.h's promises: a failure adds
 * exactly one located error and no tree; a tree has its byte offsets on
 * the right characters and UTF-8 strings without NUL; and the tree,
 * written out again as JSON, parses into the same tree. The input buffer
 * is exactly the fuzzer's bytes, not NUL-terminated, so reading past len
 * is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "util.h"

/* fail unless j and its children sit where the text says they do */
static void
check_tree(const struct json *j, const char *text, size_t len, int depth)
{
	if (depth > 100)
		fuzz_fail("tree deeper than the 100 levels json.c allows");
	if (j->off >= len)
		fuzz_fail("offset %zu past the end (%zu bytes)", j->off, len);
	char c = text[j->off];
	switch (j->type) {
	case JSON_NULL:
		if (c != 'n')
			fuzz_fail("null at %zu starts with '%c'", j->off, c);
		break;
	case JSON_BOOL:
		if (c != (j->boolean ? 't' : 'f'))
			fuzz_fail("boolean at %zu starts with '%c'", j->off, c);
		break;
	case JSON_NUMBER:
		if (!j->str || (c != '-' && (c < '0' || c > '9')) || strncmp(text + j->off, j->str, strlen(j->str)))
			fuzz_fail("number at %zu is not its text", j->off);
		break;
	case JSON_STRING:
		if (c != '"' || !j->str || !fuzz_utf8_ok((const unsigned char *)j->str, strlen(j->str)))
			fuzz_fail("string at %zu: not quoted or not UTF-8", j->off);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (c != (j->type == JSON_ARRAY ? '[' : '{'))
			fuzz_fail("container at %zu starts with '%c'", j->off, c);
		for (size_t i = 0; i < j->n; i++) {
			if (j->type == JSON_OBJECT) {
				if (!j->keys[i] || j->keyoffs[i] >= len || text[j->keyoffs[i]] != '"' ||
				    !fuzz_utf8_ok((const unsigned char *)j->keys[i], strlen(j->keys[i])))
					fuzz_fail("member name %zu of the object at %zu", i, j->off);
			}
			check_tree(&j->items[i], text, len, depth + 1);
		}
		break;
	default:
		fuzz_fail("unknown type %d at %zu", (int)j->type, j->off);
	}
}

/* append s as a JSON string */
static void
put_string(struct strbuf *b, const char *s)
{
	strbuf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			strbuf_addc(b, '\\');
			strbuf_addc(b, (char)c);
		} else if (c < 0x20) {
			strbuf_addf(b, "\\u%04x", c);
		} else {
			strbuf_addc(b, (char)c);
		}
	}
	strbuf_addc(b, '"');
}

/* append j written as JSON */
static void
put_value(struct strbuf *b, const struct json *j)
{
	switch (j->type) {
	case JSON_NULL: strbuf_adds(b, "null"); break;
	case JSON_BOOL: strbuf_adds(b, j->boolean ? "true" : "false"); break;
	case JSON_NUMBER: strbuf_adds(b, j->str); break;
	case JSON_STRING: put_string(b, j->str); break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		strbuf_addc(b, j->type == JSON_ARRAY ? '[' : '{');
		for (size_t i = 0; i < j->n; i++) {
			if (i)
				strbuf_addc(b, ',');
			if (j->type == JSON_OBJECT) {
				put_string(b, j->keys[i]);
				strbuf_addc(b, ':');
			}
			put_value(b, &j->items[i]);
		}
		strbuf_addc(b, j->type == JSON_ARRAY ? ']' : '}');
		break;
	}
}

/* 1 if the two trees hold the same values (offsets aside) */
static int
same_tree(const struct json *a, const struct json *b)
{
	if (a->type != b->type || a->n != b->n || a->boolean != b->boolean)
		return 0;
	if ((a->str || b->str) && (!a->str || !b->str || strcmp(a->str, b->str)))
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->type == JSON_OBJECT && strcmp(a->keys[i], b->keys[i]))
			return 0;
		if (!same_tree(&a->items[i], &b->items[i]))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct diags d = {0};
	struct json *j = NULL;

	if (json_parse("fuzz.json", text, size, &j, &d) < 0) {
		if (j || d.n != 1 || d.errors != 1 || d.v[0].line < 1 || d.v[0].col < 1)
			fuzz_fail("a failed parse must give one located error and no tree (%zu messages)", d.n);
		diags_free(&d);
		return 0;
	}
	if (!j || d.n)
		fuzz_fail("a parse that succeeds must give a tree and no message");
	check_tree(j, text, size, 0);

	struct strbuf again = {0};
	struct json *k = NULL;
	put_value(&again, j);
	if (json_parse("again.json", again.data, again.len, &k, &d) < 0)
		fuzz_fail("the tree written out does not parse again: %s", d.v[0].msg);
	if (!same_tree(j, k))
		fuzz_fail("the tree written out parses into another tree: %s", again.data);
	json_free(k);
	strbuf_free(&again);
	json_free(j);
	diags_free(&d);
	return 0;
}
