/* json: jsmn tokens checked and turned into a typed tree */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "util.h"

/* the state of one parse */
struct parser {
	const char *file;   /* for messages */
	const char *text;   /* the document */
	size_t len;         /* its length */
	jsmntok_t *tok;     /* jsmn's tokens */
	int ntok;           /* how many */
	int next;           /* index of the next token to convert */
	struct diags *d;    /* where errors go */
};

const char *
json_type_name(enum json_type t)
{
	static const char *const names[] = {
		[JSON_NULL] = "null", [JSON_BOOL] = "boolean", [JSON_NUMBER] = "number",
		[JSON_STRING] = "string", [JSON_ARRAY] = "array", [JSON_OBJECT] = "object",
	};
	return names[t];
}

/* add an error at byte offset off */
static int
fail_at(struct parser *p, size_t off, const char *msg)
{
	diag_at(p->d, DIAG_ERROR, p->file, p->text, p->len, off, "%s", msg);
	return -1;
}

/* the first byte of token t (the quote for strings) */
static size_t
tok_begin(const struct parser *p, int t)
{
	return (size_t)p->tok[t].start - (p->tok[t].type == JSMN_STRING);
}

/* one past the last byte of token t (past the quote for strings) */
static size_t
tok_end(const struct parser *p, int t)
{
	return (size_t)p->tok[t].end + (p->tok[t].type == JSMN_STRING);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* check that text[from, to) is white space around exactly one sep (or none when sep is 0) */
static int
check_gap(struct parser *p, size_t from, size_t to, char sep, const char *what)
{
	int seen = 0;
	for (size_t i = from; i < to; i++) {
		char c = p->text[i];
		if (is_space(c))
			continue;
		if (c == sep && !seen) {
			seen = 1;
			continue;
		}
		if (c == ',' && (!sep || seen))
			return fail_at(p, i, to >= p->len || p->text[to] == '}' || p->text[to] == ']'
			                      ? "trailing comma: remove it"
			                      : "unexpected ','");
		if ((sep && !seen) || (!sep && what))
			return fail_at(p, i, what);
		return fail_at(p, i, "unexpected character");
	}
	if (sep && !seen)
		return fail_at(p, to, what);
	return 0;
}

/* 1 if s[0..n) is a JSON number */
static int
is_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		size_t k = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t k = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
	}
	return i == n;
}

/* value of hex digit c, or -1 */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* read 4 hex digits at s; -1 if they are not */
static long
hex4(const char *s)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* append code point cp as UTF-8 */
static void
put_utf8(struct strbuf *b, unsigned long cp)
{
	if (cp < 0x80) {
		strbuf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		strbuf_addc(b, (char)(0xC0 | (cp >> 6)));
		strbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		strbuf_addc(b, (char)(0xE0 | (cp >> 12)));
		strbuf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		strbuf_addc(b, (char)(0xF0 | (cp >> 18)));
		strbuf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		strbuf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

/* unescape the string token t into a fresh string; NULL after an error */
static char *
unescape(struct parser *p, int t)
{
	const char *s = p->text;
	size_t i = (size_t)p->tok[t].start, end = (size_t)p->tok[t].end;
	struct strbuf b = {0};

	strbuf_adds(&b, "");
	while (i < end) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20) {
			fail_at(p, i, "control character in string: write it as an escape such as \\n");
			goto bad;
		}
		if (c != '\\') {
			strbuf_addc(&b, (char)c);
			i++;
			continue;
		}
		if (i + 1 >= end)
			goto badesc;
		char e = s[i + 1];
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e && simple) {
			static const char out[] = "\"\\/\b\f\n\r\t";
			strbuf_addc(&b, out[simple - "\"\\/bfnrt"]);
			i += 2;
			continue;
		}
		if (e != 'u' || i + 6 > end)
			goto badesc;
		long cp = hex4(s + i + 2);
		if (cp < 0)
			goto badesc;
		size_t at = i;
		i += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			long lo = (i + 6 <= end && s[i] == '\\' && s[i + 1] == 'u') ? hex4(s + i + 2) : -1;
			if (lo < 0xDC00 || lo > 0xDFFF) {
				fail_at(p, at, "unpaired UTF-16 surrogate in \\u escape");
				goto bad;
			}
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 6;
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			fail_at(p, at, "unpaired UTF-16 surrogate in \\u escape");
			goto bad;
		} else if (cp == 0) {
			fail_at(p, at, "\\u0000 is not allowed: values cannot hold NUL bytes");
			goto bad;
		}
		put_utf8(&b, (unsigned long)cp);
		continue;
badesc:
		fail_at(p, i, "invalid escape: use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX");
		goto bad;
	}
	return strbuf_take(&b);
bad:
	strbuf_free(&b);
	return NULL;
}

/* deepest nesting of arrays and objects accepted */
#define MAX_DEPTH 100

/* convert token p->next and its children into *j at nesting depth; -1
 * after an error */
static int
convert(struct parser *p, struct json *j, int depth)
{
	int t = p->next++;
	jsmntok_t *k = &p->tok[t];

	memset(j, 0, sizeof *j);
	j->off = tok_begin(p, t);
	switch (k->type) {
	case JSMN_STRING:
		j->type = JSON_STRING;
		j->str = unescape(p, t);
		return j->str ? 0 : -1;
	case JSMN_PRIMITIVE: {
		const char *s = p->text + k->start;
		size_t n = (size_t)(k->end - k->start);
		if (n == 4 && !memcmp(s, "true", 4)) {
			j->type = JSON_BOOL;
			j->boolean = 1;
		} else if (n == 5 && !memcmp(s, "false", 5)) {
			j->type = JSON_BOOL;
		} else if (n == 4 && !memcmp(s, "null", 4)) {
			j->type = JSON_NULL;
		} else if (is_number(s, n)) {
			j->type = JSON_NUMBER;
			j->str = xstrndup(s, n);
		} else {
			return fail_at(p, j->off, "invalid literal: expected a string in quotes, a number, true, false or null");
		}
		return 0;
	}
	case JSMN_ARRAY:
	case JSMN_OBJECT: {
		int obj = k->type == JSMN_OBJECT;
		size_t pos = j->off + 1;
		if (depth >= MAX_DEPTH)
			return fail_at(p, j->off, "too deeply nested: at most 100 levels of arrays and objects");
		j->type = obj ? JSON_OBJECT : JSON_ARRAY;
		j->n = (size_t)k->size;
		j->items = xcalloc(j->n, sizeof *j->items);
		if (obj) {
			j->keys = xcalloc(j->n, sizeof *j->keys);
			j->keyoffs = xcalloc(j->n, sizeof *j->keyoffs);
		}
		for (size_t i = 0; i < j->n; i++) {
			int c = p->next;
			if (check_gap(p, pos, tok_begin(p, c), i ? ',' : 0, "expected ','") < 0)
				return -1;
			if (obj) {
				if (p->tok[c].type != JSMN_STRING)
					return fail_at(p, tok_begin(p, c), "object member names must be strings in double quotes");
				j->keyoffs[i] = tok_begin(p, c);
				j->keys[i] = unescape(p, c);
				if (!j->keys[i])
					return -1;
				p->next++;
				if (p->next >= p->ntok || (size_t)p->tok[p->next].start >= (size_t)k->end) {
					size_t at = tok_end(p, c);
					while (at < p->len && (is_space(p->text[at]) || p->text[at] == ':'))
						at++;
					return fail_at(p, at, "expected a value");
				}
				if (check_gap(p, tok_end(p, c), tok_begin(p, p->next), ':', "expected ':'") < 0)
					return -1;
				c = p->next;
			}
			if (convert(p, &j->items[i], depth + 1) < 0)
				return -1;
			pos = tok_end(p, c);
		}
		/* anything before the closing bracket is a value missing its comma */
		return check_gap(p, pos, (size_t)k->end - 1, 0, "expected ','");
	}
	default:
		return fail_at(p, j->off, "invalid JSON");
	}
}

/* check that text is valid UTF-8; -1 after an error */
static int
check_utf8(struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->text;
	size_t i = 0;
	while (i < p->len) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		unsigned long cp = n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
		if (n == 0 || i + n > p->len)
			return fail_at(p, i, "invalid UTF-8: save the file as UTF-8");
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return fail_at(p, i, "invalid UTF-8: save the file as UTF-8");
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))
		    || (cp >= 0xD800 && cp <= 0xDFFF))
			return fail_at(p, i, "invalid UTF-8: save the file as UTF-8");
		if (c == 0)
			return fail_at(p, i, "NUL byte in file");
		i += n;
	}
	return 0;
}

/* refuse nesting deeper than MAX_DEPTH before jsmn sees it: jsmn closes a
 * bracket by walking up from the last token to the open one, so its time
 * grows with the square of the depth (200 kB of '[' took 11 s); -1 after
 * an error */
static int
check_depth(struct parser *p)
{
	size_t depth = 0;
	int instr = 0;
	for (size_t i = 0; i < p->len; i++) {
		char c = p->text[i];
		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"')
				instr = 0;
		} else if (c == '"') {
			instr = 1;
		} else if (c == '[' || c == '{') {
			if (depth >= MAX_DEPTH)
				return fail_at(p, i, "too deeply nested: at most 100 levels of arrays and objects");
			depth++;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

int
json_parse(const char *file, const char *text, size_t len, struct json **out, struct diags *d)
{
	struct parser p = {.file = file, .text = text, .len = len, .d = d};
	jsmn_parser jp;
	int n;

	*out = NULL;
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		return fail_at(&p, 0, "byte order mark at the start of the file: save it as UTF-8 without a BOM");
	if (check_utf8(&p) < 0 || check_depth(&p) < 0)
		return -1;
	/* strict jsmn wants a delimiter after a literal, even at the end of
	 * the file: parse a copy that ends in a newline (offsets are the same) */
	char *copy = xmalloc(len + 2);
	memcpy(copy, text, len);
	copy[len] = '\n';
	copy[len + 1] = '\0';
	jsmn_init(&jp);
	n = jsmn_parse(&jp, copy, len + 1, NULL, 0);
	if (n >= 0) {
		p.tok = xcalloc((size_t)n + 1, sizeof *p.tok);
		p.ntok = n;
		jsmn_init(&jp);
		n = jsmn_parse(&jp, copy, len + 1, p.tok, (unsigned)p.ntok);
	}
	free(copy);
	if (n == JSMN_ERROR_PART) {
		free(p.tok);
		return fail_at(&p, len, "unexpected end of file: a string, array or object is not closed");
	}
	if (n < 0) {
		free(p.tok);
		/* jsmn stops at the start of a string with a bad escape: find it */
		if (jp.pos < len && text[jp.pos] == '"') {
			for (size_t i = jp.pos + 1; i < len && text[i] != '"'; i++) {
				if (text[i] != '\\')
					continue;
				if (i + 1 < len && strchr("\"\\/bfnrt", text[i + 1]) && text[i + 1]) {
					i++;
					continue;
				}
				if (i + 5 < len && text[i + 1] == 'u' && hex4(text + i + 2) >= 0) {
					i += 5;
					continue;
				}
				return fail_at(&p, i, "invalid escape: use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX");
			}
		}
		if (jp.pos < len && text[jp.pos] == '\'')
			return fail_at(&p, jp.pos, "single quote: JSON strings and member names need double quotes");
		if (jp.pos < len && ((text[jp.pos] >= 'a' && text[jp.pos] <= 'z') || (text[jp.pos] >= 'A' && text[jp.pos] <= 'Z')))
			return fail_at(&p, jp.pos, "invalid literal: expected a string in quotes, a number, true, false or null");
		return fail_at(&p, jp.pos, "invalid JSON here");
	}
	if (n == 0) {
		free(p.tok);
		return fail_at(&p, len, "empty file: expected a JSON object");
	}
	struct json *root = xcalloc(1, sizeof *root);
	int r = check_gap(&p, 0, tok_begin(&p, 0), 0, NULL);
	if (r == 0)
		r = convert(&p, root, 0);
	if (r == 0 && p.next < p.ntok)
		r = fail_at(&p, tok_begin(&p, p.next), "extra value after the end of the document");
	if (r == 0)
		r = check_gap(&p, tok_end(&p, 0), len, 0, NULL);
	free(p.tok);
	if (r < 0) {
		json_free(root);
		return -1;
	}
	*out = root;
	return 0;
}

/* release the children and strings of j, not j itself */
static void
json_clear(struct json *j)
{
	for (size_t i = 0; i < j->n; i++) {
		json_clear(&j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->keyoffs);
	free(j->str);
}

void
json_free(struct json *j)
{
	if (!j)
		return;
	json_clear(j);
	free(j);
}

const struct json *
json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}
