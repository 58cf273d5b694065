/* toml: the TOML of pyproject.toml into a json.h tree */
#include "toml.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"

/* while parsing, an object's boolean field says how it was made */
#define T_HEADER 1  /* by a [header]: no second header for it */
#define T_SEALED 2  /* by an inline table: nothing may be added to it */

/* the state of one parse */
struct parser {
	const char *file, *s;
	size_t len, i;
	struct diags *d;
};

/* a located error at byte off; always -1 */
static int __attribute__((format(printf, 3, 4)))
fail(struct parser *P, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(P->d, DIAG_ERROR, P->file, P->s, P->len, off, fmt, ap);
	va_end(ap);
	return -1;
}

/* the byte at i, or NUL at the end */
static char
peek(const struct parser *P, size_t k)
{
	return P->i + k < P->len ? P->s[P->i + k] : '\0';
}

/* skip spaces and tabs */
static void
skip_ws(struct parser *P)
{
	while (peek(P, 0) == ' ' || peek(P, 0) == '\t')
		P->i++;
}

/* skip a comment, if one starts here */
static void
skip_comment(struct parser *P)
{
	if (peek(P, 0) == '#')
		while (P->i < P->len && P->s[P->i] != '\n')
			P->i++;
}

/* 1 if a newline starts here (LF or CRLF) */
static int
at_newline(const struct parser *P)
{
	return peek(P, 0) == '\n' || (peek(P, 0) == '\r' && peek(P, 1) == '\n');
}

/* skip one newline */
static void
skip_newline(struct parser *P)
{
	P->i += peek(P, 0) == '\r' ? 2 : 1;
}

/* skip blanks, comments and newlines (inside arrays and inline tables) */
static void
skip_all(struct parser *P)
{
	for (;;) {
		skip_ws(P);
		skip_comment(P);
		if (!at_newline(P))
			return;
		skip_newline(P);
	}
}

/* the rest of the line must be blank or a comment; -1 after an error */
static int
end_of_line(struct parser *P, const char *after)
{
	skip_ws(P);
	skip_comment(P);
	if (P->i < P->len && !at_newline(P))
		return fail(P, P->i, "unexpected text after %s: one key = value or [table] per line", after);
	if (P->i < P->len)
		skip_newline(P);
	return 0;
}

/* the value of hex digits s[0..n), or -1 */
static long
hex(const char *s, size_t n)
{
	long v = 0;
	for (size_t k = 0; k < n; k++) {
		char c = s[k];
		int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* a string of any of the four kinds, starting at its quote; *out is the caller's */
static int
string(struct parser *P, char **out)
{
	size_t start = P->i;
	char q = peek(P, 0);
	int multi = peek(P, 1) == q && peek(P, 2) == q;
	int basic = q == '"';
	struct strbuf b = {0};

	P->i += multi ? 3 : 1;
	if (multi && at_newline(P))
		skip_newline(P);  /* a newline right after the opening quotes is not part of it */
	for (;;) {
		if (P->i >= P->len || (!multi && at_newline(P))) {
			strbuf_free(&b);
			return fail(P, start, "this string is never closed: end it with %s on the same %s",
			            multi ? (basic ? "\"\"\"" : "'''") : (basic ? "\"" : "'"), multi ? "file" : "line");
		}
		char c = P->s[P->i];
		if (c == q && (!multi || (peek(P, 1) == q && peek(P, 2) == q))) {
			size_t n = 1;
			if (multi) {
				/* up to two more quotes belong to the string */
				for (n = 3; n < 5 && peek(P, n) == q; n++)
					;
				strbuf_addn(&b, P->s + P->i, n - 3);
			}
			P->i += n;
			break;
		}
		if ((unsigned char)c < 0x20 && c != '\t' && !(multi && (c == '\n' || c == '\r'))) {
			strbuf_free(&b);
			return fail(P, P->i, "a control character in a string: write it as an escape such as \\n");
		}
		if (!basic || c != '\\') {
			strbuf_addc(&b, c);
			P->i++;
			continue;
		}
		char e = peek(P, 1);
		size_t at = P->i;
		P->i += 2;
		switch (e) {
		case 'b': strbuf_addc(&b, '\b'); break;
		case 't': strbuf_addc(&b, '\t'); break;
		case 'n': strbuf_addc(&b, '\n'); break;
		case 'f': strbuf_addc(&b, '\f'); break;
		case 'r': strbuf_addc(&b, '\r'); break;
		case 'e': strbuf_addc(&b, '\x1b'); break;
		case '"': strbuf_addc(&b, '"'); break;
		case '\\': strbuf_addc(&b, '\\'); break;
		case 'u':
		case 'U': {
			size_t n = e == 'u' ? 4 : 8;
			long cp = P->i + n <= P->len ? hex(P->s + P->i, n) : -1;
			if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
				strbuf_free(&b);
				return fail(P, at, "\\%c needs %zu hex digits of a Unicode scalar value", e, n);
			}
			strbuf_add_utf8(&b, (unsigned long)cp);
			P->i += n;
			break;
		}
		default: {
			/* in """...""", a backslash at the end of a line joins it to the next */
			size_t k = P->i - 1;
			while (multi && k < P->len && (P->s[k] == ' ' || P->s[k] == '\t'))
				k++;
			if (multi && k < P->len && (P->s[k] == '\n' || P->s[k] == '\r')) {
				P->i = k;
				while (P->i < P->len && strchr(" \t\r\n", P->s[P->i]))
					P->i++;
				break;
			}
			strbuf_free(&b);
			return fail(P, at, "unknown escape \\%c: write \\\\ for a backslash", e ? e : ' ');
		}
		}
	}
	*out = strbuf_take(&b);
	return 0;
}

/* 1 if c may be in a bare key */
static int
bare(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* a dotted key: its parts (caller frees) and the offset of each */
struct key {
	char **part;
	size_t *off;
	size_t n;
};

/* release a key */
static void
key_free(struct key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->part[i]);
	free(k->part);
	free(k->off);
	memset(k, 0, sizeof *k);
}

/* a dotted key at i; -1 after an error */
static int
read_key(struct parser *P, struct key *k)
{
	memset(k, 0, sizeof *k);
	for (;;) {
		skip_ws(P);
		size_t at = P->i;
		char *part;
		if (peek(P, 0) == '"' || peek(P, 0) == '\'') {
			if (peek(P, 1) == peek(P, 0) && peek(P, 2) == peek(P, 0)) {
				key_free(k);
				return fail(P, at, "a key cannot be a multi-line string");
			}
			if (string(P, &part) < 0) {
				key_free(k);
				return -1;
			}
		} else {
			while (bare(peek(P, 0)))
				P->i++;
			if (P->i == at) {
				key_free(k);
				return fail(P, at, "a key is missing here: keys are letters, digits, _ and -, or quoted");
			}
			part = xstrndup(P->s + at, P->i - at);
		}
		k->part = xreallocarray(k->part, k->n + 1, sizeof *k->part);
		k->off = xreallocarray(k->off, k->n + 1, sizeof *k->off);
		k->part[k->n] = part;
		k->off[k->n++] = at;
		skip_ws(P);
		if (peek(P, 0) != '.')
			return 0;
		P->i++;
	}
}

static int value(struct parser *P, struct json *slot);

/* the table that part names inside t, made if missing (dotted keys and
 * headers go through tables; an array of tables means its last one) */
static struct json *
descend(struct parser *P, struct json *t, const char *part, size_t off, int *err)
{
	struct json *m = jsonw_member(t, part);
	if (!m) {
		if (t->boolean & T_SEALED) {
			*err = fail(P, off, "\"%s\" cannot be added to an inline table: write all of it in its braces", part);
			return NULL;
		}
		m = jsonw_add(t, part, off);
		jsonw_set_object(m);
		m->off = off;
		return m;
	}
	if (m->type == JSON_ARRAY && m->n && m->items[m->n - 1].type == JSON_OBJECT && m->boolean == T_HEADER)
		return &m->items[m->n - 1];
	if (m->type != JSON_OBJECT || (m->boolean & T_SEALED)) {
		*err = fail(P, off, "\"%s\" is already a value, not a table that more can go into", part);
		return NULL;
	}
	return m;
}

/* key = value into table t */
static int
key_value(struct parser *P, struct json *t)
{
	struct key k;
	if (read_key(P, &k) < 0)
		return -1;
	int err = 0;
	for (size_t i = 0; i + 1 < k.n && t; i++)
		t = descend(P, t, k.part[i], k.off[i], &err);
	if (!t) {
		key_free(&k);
		return -1;
	}
	const char *last = k.part[k.n - 1];
	if (jsonw_member(t, last) || (t->boolean & T_SEALED)) {
		int r = fail(P, k.off[k.n - 1], "key \"%s\" is given twice: keep one", last);
		key_free(&k);
		return r;
	}
	if (peek(P, 0) != '=') {
		int r = fail(P, P->i, "'=' expected after the key \"%s\"", last);
		key_free(&k);
		return r;
	}
	P->i++;
	skip_ws(P);
	struct json *slot = jsonw_add(t, last, k.off[k.n - 1]);
	key_free(&k);
	return value(P, slot);
}

/* an array, at its '[' */
static int
array(struct parser *P, struct json *slot)
{
	jsonw_set_array(slot);
	P->i++;
	for (;;) {
		skip_all(P);
		if (peek(P, 0) == ']') {
			P->i++;
			return 0;
		}
		if (value(P, jsonw_push(slot, P->i)) < 0)
			return -1;
		skip_all(P);
		if (peek(P, 0) == ',') {
			P->i++;
			continue;
		}
		if (peek(P, 0) != ']')
			return fail(P, P->i, "',' or ']' expected in this array");
	}
}

/* an inline table, at its '{' */
static int
inline_table(struct parser *P, struct json *slot)
{
	jsonw_set_object(slot);
	P->i++;
	skip_all(P);
	if (peek(P, 0) == '}') {
		P->i++;
		slot->boolean = T_SEALED;
		return 0;
	}
	for (;;) {
		skip_all(P);
		if (key_value(P, slot) < 0)
			return -1;
		skip_all(P);
		if (peek(P, 0) == ',') {
			P->i++;
			continue;
		}
		if (peek(P, 0) == '}') {
			P->i++;
			slot->boolean = T_SEALED;
			return 0;
		}
		return fail(P, P->i, "',' or '}' expected in this inline table");
	}
}

/* a value into slot */
static int
value(struct parser *P, struct json *slot)
{
	size_t at = P->i;
	char c = peek(P, 0);
	slot->off = at;
	if (c == '"' || c == '\'') {
		char *s;
		if (string(P, &s) < 0)
			return -1;
		jsonw_set_string(slot, s);
		free(s);
		slot->off = at;
		return 0;
	}
	if (c == '[')
		return array(P, slot);
	if (c == '{')
		return inline_table(P, slot);
	/* booleans, numbers, dates and times: one word (a date may have a space before its time) */
	while (P->i < P->len && (bare(P->s[P->i]) || strchr("+.:", P->s[P->i])
	                         || (P->s[P->i] == ' ' && P->i - at == 10 && P->s[at + 4] == '-' && peek(P, 1) >= '0' && peek(P, 1) <= '9')))
		P->i++;
	char *w = xstrndup(P->s + at, P->i - at);
	int ok = 1;
	if (!strcmp(w, "true") || !strcmp(w, "false")) {
		jsonw_set_bool(slot, w[0] == 't');
	} else if (*w && (strchr("+-0123456789", *w) || !strcmp(w, "inf") || !strcmp(w, "nan"))) {
		slot->type = JSON_NUMBER;
		slot->str = xstrdup(w);
	} else {
		ok = 0;
	}
	free(w);
	if (!ok)
		return fail(P, at, "a value is expected here: a \"string\", a number, true, false, [an array] or {a table}");
	slot->off = at;
	return 0;
}

/* [header] or [[header]] at i; *cur gets the table it opens */
static int
header(struct parser *P, struct json *root, struct json **cur)
{
	size_t at = P->i;
	int aot = peek(P, 1) == '[';
	P->i += aot ? 2 : 1;
	struct key k;
	if (read_key(P, &k) < 0)
		return -1;
	if (peek(P, 0) != ']' || (aot && peek(P, 1) != ']')) {
		key_free(&k);
		return fail(P, P->i, "'%s' expected to close the table header", aot ? "]]" : "]");
	}
	P->i += aot ? 2 : 1;
	int err = 0;
	struct json *t = root;
	for (size_t i = 0; i + 1 < k.n && t; i++)
		t = descend(P, t, k.part[i], k.off[i], &err);
	if (!t) {
		key_free(&k);
		return -1;
	}
	const char *last = k.part[k.n - 1];
	struct json *m = jsonw_member(t, last);
	if (aot) {
		if (!m) {
			m = jsonw_add(t, last, at);
			jsonw_set_array(m);
			m->boolean = T_HEADER;  /* an array of tables, which [[...]] may extend */
		} else if (m->type != JSON_ARRAY || m->boolean != T_HEADER) {
			int r = fail(P, at, "[[%s]] names a value that is not an array of tables", last);
			key_free(&k);
			return r;
		}
		m = jsonw_push(m, at);
		jsonw_set_object(m);
	} else if (!m) {
		m = jsonw_add(t, last, at);
		jsonw_set_object(m);
	} else if (m->type != JSON_OBJECT || (m->boolean & (T_HEADER | T_SEALED))) {
		int r = fail(P, at, "table [%s] is given twice, or is already a value: keep one", last);
		key_free(&k);
		return r;
	}
	m->off = at;
	m->boolean |= T_HEADER;
	*cur = m;
	key_free(&k);
	return end_of_line(P, "the table header");
}

/* put the boolean fields of tables and arrays back to 0 */
static void
clear_marks(struct json *j)
{
	if (j->type != JSON_OBJECT && j->type != JSON_ARRAY)
		return;
	j->boolean = 0;
	for (size_t i = 0; i < j->n; i++)
		clear_marks(&j->items[i]);
}

int
toml_parse(const char *file, const char *text, size_t len, struct json **out, struct diags *d)
{
	struct parser P = {file, text, len, 0, d};
	struct json *root = jsonw_object(0), *cur = root;
	*out = NULL;

	size_t bad = util_utf8_bad(text, len);
	if (bad < len) {
		fail(&P, bad, "%s here: TOML files are UTF-8 text", text[bad] ? "a byte that is not UTF-8" : "a NUL byte");
		json_free(root);
		return -1;
	}
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		P.i = 3;
	while (P.i < P.len) {
		skip_ws(&P);
		skip_comment(&P);
		if (P.i >= P.len)
			break;
		if (at_newline(&P)) {
			skip_newline(&P);
			continue;
		}
		int r = peek(&P, 0) == '[' ? header(&P, root, &cur)
		                           : key_value(&P, cur) < 0 ? -1 : end_of_line(&P, "the value");
		if (r < 0) {
			json_free(root);
			return -1;
		}
	}
	clear_marks(root);
	*out = root;
	return 0;
}
