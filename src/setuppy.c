/* setuppy: setup.py's literal keyword arguments, from its tokens */
#include "setuppy.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"

/* the kinds of Python tokens this reader tells apart */
enum tkind {
	TK_NAME,    /* an identifier or keyword */
	TK_STRING,  /* a string literal */
	TK_OP,      /* an operator or bracket, one or two characters */
	TK_OTHER,   /* a number */
	TK_END,     /* the end of the file */
};

/* one token */
struct tok {
	enum tkind kind;
	size_t start, end;  /* bytes of the text */
	char *str;          /* TK_STRING: its value, NULL when it is no plain literal (b, f, \N{}) */
};

/* the tokens of a file */
struct toks {
	struct tok *v;
	size_t n;
	const char *s;
};

/* the value of hex digits s[0..n), or -1 */
static long
hexval(const char *s, size_t n)
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

/* the value of the body s[0..n) of a non-raw string; NULL if it has a
 * \N{...} escape; *bad the index of a malformed escape, else (size_t)-1 */
static char *
unescape(const char *s, size_t n, size_t *bad)
{
	struct strbuf b = {0};
	*bad = (size_t)-1;
	for (size_t i = 0; i < n;) {
		if (s[i] != '\\' || i + 1 == n) {
			strbuf_addc(&b, s[i++]);
			continue;
		}
		char e = s[i + 1];
		const char *simple = strchr("\n\\'\"abfnrtv", e);
		if (e && simple) {
			static const char val[] = "\0\\'\"\a\b\f\n\r\t\v";
			if (e != '\n')
				strbuf_addc(&b, val[simple - "\n\\'\"abfnrtv"]);
			i += 2;
		} else if (e >= '0' && e <= '7') {
			unsigned long cp = 0;
			size_t k = i + 1;
			for (; k < n && k < i + 4 && s[k] >= '0' && s[k] <= '7'; k++)
				cp = cp * 8 + (unsigned long)(s[k] - '0');
			strbuf_add_utf8(&b, cp);
			i = k;
		} else if (e == 'x' || e == 'u' || e == 'U') {
			size_t len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
			long cp = i + 2 + len <= n ? hexval(s + i + 2, len) : -1;
			if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
				*bad = i;
				strbuf_free(&b);
				return NULL;
			}
			strbuf_add_utf8(&b, (unsigned long)cp);
			i += 2 + len;
		} else if (e == 'N') {
			strbuf_free(&b);
			return NULL;  /* a character by name: not worth a name table */
		} else {
			/* Python keeps an unknown escape as it is */
			strbuf_addc(&b, '\\');
			strbuf_addc(&b, e);
			i += 2;
		}
	}
	return strbuf_take(&b);
}

/* add a token */
static struct tok *
push(struct toks *t, enum tkind kind, size_t start, size_t end)
{
	t->v = xreallocarray(t->v, t->n + 1, sizeof *t->v);
	struct tok *k = &t->v[t->n++];
	*k = (struct tok){kind, start, end, NULL};
	return k;
}

/* 1 if c may be in a Python identifier (every non-ASCII byte may) */
static int
namechar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
	       || (unsigned char)c >= 0x80;
}

/* release the tokens */
static void
toks_free(struct toks *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].str);
	free(t->v);
}

/* the tokens of text; -1 after a located error */
static int
tokenize(const char *file, const char *s, size_t len, struct toks *t, struct diags *d)
{
	size_t i = 0;
	t->s = s;
	while (i < len) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < len && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
			i += 2;
			continue;
		}
		if (c == '#') {
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		size_t start = i;
		if (namechar(c) && !(c >= '0' && c <= '9')) {
			while (i < len && namechar(s[i]))
				i++;
			size_t plen = i - start;
			int prefix = plen <= 2 && strspn(s + start, "rRbBuUfF") >= plen && i < len && (s[i] == '"' || s[i] == '\'');
			if (!prefix) {
				push(t, TK_NAME, start, i);
				continue;
			}
			c = s[i];
		}
		if (c == '"' || c == '\'') {
			size_t plen = i - start;
			int raw = memchr(s + start, 'r', plen) || memchr(s + start, 'R', plen);
			int plain = !memchr(s + start, 'b', plen) && !memchr(s + start, 'B', plen)
			            && !memchr(s + start, 'f', plen) && !memchr(s + start, 'F', plen);
			int triple = i + 2 < len && s[i + 1] == c && s[i + 2] == c;
			size_t q = triple ? 3 : 1, body = i + q, k = body;
			for (;;) {
				if (k >= len || (!triple && (s[k] == '\n' || s[k] == '\r'))) {
					diag_at(d, DIAG_ERROR, file, s, len, start, "this string is never closed: end it with %.*s",
					        (int)q, s + i);
					return -1;
				}
				if (s[k] == '\\') {
					k += 2;
					continue;
				}
				if (s[k] == c && (!triple || (k + 2 < len && s[k + 1] == c && s[k + 2] == c)))
					break;
				k++;
			}
			struct tok *tk = push(t, TK_STRING, start, k + q);
			if (plain && raw) {
				tk->str = xstrndup(s + body, k - body);
			} else if (plain) {
				size_t bad;
				tk->str = unescape(s + body, k - body, &bad);
				if (bad != (size_t)-1) {
					diag_at(d, DIAG_ERROR, file, s, len, body + bad,
					        "a malformed \\%c escape: Python itself would refuse this string", s[body + bad + 1]);
					return -1;
				}
			}
			i = k + q;
			continue;
		}
		if (c >= '0' && c <= '9') {
			while (i < len && (namechar(s[i]) || s[i] == '.'))
				i++;
			push(t, TK_OTHER, start, i);
			continue;
		}
		static const char *const two[] = {"==", "!=", "<=", ">=", "**", "->", ":=", "//", "<<", ">>"};
		size_t n = 1;
		for (size_t k = 0; k < sizeof two / sizeof *two; k++)
			if (i + 1 < len && s[i] == two[k][0] && s[i + 1] == two[k][1])
				n = 2;
		push(t, TK_OP, start, start + n);
		i += n;
	}
	push(t, TK_END, len, len);
	return 0;
}

/* 1 if token k is the operator op */
static int
is_op(const struct toks *t, size_t k, const char *op)
{
	const struct tok *tk = &t->v[k];
	return tk->kind == TK_OP && tk->end - tk->start == strlen(op) && !memcmp(t->s + tk->start, op, tk->end - tk->start);
}

/* 1 if token k is the name nm */
static int
is_name(const struct toks *t, size_t k, const char *nm)
{
	const struct tok *tk = &t->v[k];
	return tk->kind == TK_NAME && tk->end - tk->start == strlen(nm) && !memcmp(t->s + tk->start, nm, tk->end - tk->start);
}

int
setuppy_read(const char *file, const char *text, size_t len, struct json **out, struct diags *d)
{
	struct toks t = {0};
	*out = NULL;

	size_t bad = util_utf8_bad(text, len);
	if (bad < len) {
		diag_at(d, DIAG_ERROR, file, text, len, bad, "%s here: Python reads setup.py as UTF-8",
		        text[bad] ? "a byte that is not UTF-8" : "a NUL byte");
		return -1;
	}
	if (tokenize(file, text, len, &t, d) < 0) {
		toks_free(&t);
		return -1;
	}
	size_t call;
	for (call = 0; call + 1 < t.n; call++)
		if (is_name(&t, call, "setup") && is_op(&t, call + 1, "(") && !(call > 0 && is_name(&t, call - 1, "def")))
			break;
	if (call + 1 >= t.n) {
		toks_free(&t);
		return 0;
	}
	struct json *kw = jsonw_object(t.v[call].start);
	size_t j = call + 2;
	while (!is_op(&t, j, ")")) {
		size_t name = (size_t)-1, v = j, k;
		if (t.v[j].kind == TK_NAME && is_op(&t, j + 1, "=")) {
			name = j;
			v = j + 2;
		}
		int depth = 0;
		for (k = v; t.v[k].kind != TK_END; k++) {
			if (depth == 0 && (is_op(&t, k, ",") || is_op(&t, k, ")")))
				break;
			if (is_op(&t, k, "(") || is_op(&t, k, "[") || is_op(&t, k, "{"))
				depth++;
			else if (is_op(&t, k, ")") || is_op(&t, k, "]") || is_op(&t, k, "}"))
				depth--;
		}
		if (t.v[k].kind == TK_END) {
			diag_at(d, DIAG_ERROR, file, text, len, t.v[call].start,
			        "this setup( call is never closed: its brackets do not pair");
			json_free(kw);
			toks_free(&t);
			return -1;
		}
		if (name != (size_t)-1) {
			char *key = xstrndup(text + t.v[name].start, t.v[name].end - t.v[name].start);
			size_t a = v, b = k;
			while (b > a + 1 && is_op(&t, a, "(") && is_op(&t, b - 1, ")"))
				a++, b--;
			struct strbuf val = {0};
			int literal = a < b;
			for (size_t m = a; m < b && literal; m++)
				if (t.v[m].kind != TK_STRING || !t.v[m].str)
					literal = 0;
				else
					strbuf_adds(&val, t.v[m].str);
			if (jsonw_member(kw, key)) {
				diag_at(d, DIAG_ERROR, file, text, len, t.v[name].start,
				        "keyword %s is given twice in setup(): Python itself would refuse this", key);
				free(key);
				strbuf_free(&val);
				json_free(kw);
				toks_free(&t);
				return -1;
			}
			struct json *slot = jsonw_add(kw, key, t.v[v].start);
			if (literal) {
				char *s = strbuf_take(&val);
				jsonw_set_string(slot, s);
				free(s);
			}
			strbuf_free(&val);
			free(key);
		}
		j = k;
		if (is_op(&t, j, ","))
			j++;
	}
	toks_free(&t);
	*out = kw;
	return 0;
}
