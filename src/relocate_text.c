/* relocate_text: how each kind of file spells a path, and the rewrites of
 * text files: '#!' lines, activate scripts, pyvenv.cfg, .pth and the rest */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyc.h"
#include "relocate_text.h"
#include "util.h"

#define SHEBANG_MAX 127  /* longest '#!' line (newline included) written plain, as pip does */

/* ---- scanning ---- */

/* 1 if s starts with prefix */
int
rtext_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* first place of needle in hay, or NULL */
const char *
rtext_find(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0 || m > n)
		return NULL;
	for (const char *p = hay; (p = memchr(p, needle[0], n - (size_t)(p - hay) - m + 1)); p++)
		if (memcmp(p, needle, m) == 0)
			return p;
	return NULL;
}

/* 1 if s is valid UTF-8 */
int
rtext_utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = pyc_utf8_len(u + i, n - i)))
			return 0;
	return 1;
}

/* ---- quoting: how each flavour spells a path ---- */

/* 1 if a shell needs no quotes around these bytes (shlex's safe set) */
static int
shell_safe(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      (ch && strchr("_@%+=:,./-", ch))))
			return 0;
	}
	return 1;
}

/* append s as the inside of a Python str literal quoted with q */
static void
py_quote(struct strbuf *b, const char *s, size_t n, int q)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char ch = u[i];
		if (ch == '\\' || ch == q) {
			strbuf_addc(b, '\\');
			strbuf_addc(b, (char)ch);
		} else if (ch < 0x20 || ch == 0x7F) {
			strbuf_addf(b, "\\x%02x", ch);
		} else if (ch >= 0x80) {
			size_t k = pyc_utf8_len(u + i, n - i);
			if (k) {
				strbuf_addn(b, s + i, k);
				i += k;
				continue;
			}
			strbuf_addf(b, "\\udc%02x", ch);  /* surrogateescape, as repr() shows it */
		} else {
			strbuf_addc(b, (char)ch);
		}
		i++;
	}
}

/* append s as the inside of a shell string quoted with q; -1 if q cannot hold it */
static int
shell_quote(struct strbuf *b, enum rtext_flavour fl, int q, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		switch (fl) {
		case RTEXT_SH:
			if (q == '\'' && ch == '\'') {
				strbuf_adds(b, "'\\''");
				continue;
			}
			if (q == '"' && strchr("\\\"$`", ch))
				strbuf_addc(b, '\\');
			break;
		case RTEXT_CSH:
			if (q == '\'' && ch == '\'') {
				strbuf_adds(b, "'\\''");
				continue;
			}
			if (ch == '!')
				strbuf_addc(b, '\\');
			if (q == '"' && strchr("\"$`", ch))
				return -1;
			break;
		case RTEXT_FISH:
			if (q == '\'' && (ch == '\'' || ch == '\\'))
				strbuf_addc(b, '\\');
			if (q == '"' && strchr("\\\"$", ch))
				strbuf_addc(b, '\\');
			break;
		case RTEXT_PS1:
			if (q == '\'' && ch == '\'')
				strbuf_addc(b, '\'');
			if (q == '"' && strchr("`$\"", ch))
				strbuf_addc(b, '`');
			break;
		case RTEXT_NU:
			if (q == '\'' && ch == '\'')
				return -1;
			if (q == '"' && strchr("\\\"", ch))
				strbuf_addc(b, '\\');
			break;
		default:
			break;
		}
		strbuf_addc(b, ch);
	}
	return 0;
}

/* how flavour fl spells path s right after the byte q (a quote, or 0 for
 * none); NULL if it cannot be written there */
static char *
spell(enum rtext_flavour fl, int q, const char *s, size_t n, size_t *outlen)
{
	struct strbuf b = {0};
	const unsigned char *u = (const unsigned char *)s;

	switch (fl) {
	case RTEXT_RAW:
		strbuf_addn(&b, s, n);
		break;
	case RTEXT_CFG:
		for (size_t i = 0; i < n;) {
			size_t k = pyc_utf8_len(u + i, n - i);
			if (k) {
				strbuf_addn(&b, s + i, k);
				i += k;
			} else {
				strbuf_addf(&b, "\\x%02x", u[i++]);
			}
		}
		break;
	case RTEXT_URL:
		/* urllib.parse.quote, as pip writes direct_url.json */
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = u[i];
			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			    (ch && strchr("_.~/-", ch)))
				strbuf_addc(&b, (char)ch);
			else
				strbuf_addf(&b, "%%%02X", ch);
		}
		break;
	case RTEXT_PY:
		if (q)
			py_quote(&b, s, n, q);
		else
			strbuf_addn(&b, s, n);
		break;
	default:
		if (q == 0 && shell_safe(s, n)) {
			strbuf_addn(&b, s, n);
		} else if (q == 0) {
			strbuf_addc(&b, '\'');
			if (shell_quote(&b, fl, '\'', s, n) < 0)
				goto fail;
			strbuf_addc(&b, '\'');
		} else if (shell_quote(&b, fl, q, s, n) < 0) {
			goto fail;
		}
		break;
	}
	*outlen = b.len;
	return strbuf_take(&b);
fail:
	strbuf_free(&b);
	*outlen = 0;
	return NULL;
}

/* the quoting a path occurrence is in, by the byte before it */
static const char *const quote_names[] = {"an unquoted", "a single-quoted", "a double-quoted"};

/* a byte that can go on a file name without ending it */
static int
name_byte(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch >= 0x80 || (ch && strchr("._-+~@%", ch));
}

/* length of p if text continues with it at i and a name does not go on past it */
static size_t
match_at(const char *text, size_t len, size_t i, const char *p, size_t plen)
{
	if (!p || plen == 0 || len - i < plen || memcmp(text + i, p, plen) != 0)
		return 0;
	if (i + plen < len && name_byte((unsigned char)text[i + plen]))
		return 0;
	return plen;
}

/* 1 if a path may start at i (it does not continue another name) */
static int
path_starts(enum rtext_flavour fl, const char *text, size_t i)
{
	if (fl == RTEXT_URL)
		return i >= 7 && memcmp(text + i - 7, "file://", 7) == 0;
	if (i == 0)
		return 1;
	unsigned char prev = (unsigned char)text[i - 1];
	return prev != '/' && !name_byte(prev);
}

/* rewrite every old path in a text file of flavour fl into out */
int
rtext_rewrite(struct rctx *c, const char *file, enum rtext_flavour fl, const char *in, size_t len,
             struct strbuf *out)
{
	static const int quotes[3] = {0, '\'', '"'};
	char *olds[3], *news[3];
	size_t oldn[3], newn[3];
	int rc = 0;

	for (int k = 0; k < 3; k++) {
		olds[k] = spell(fl, quotes[k], c->old, c->oldlen, &oldn[k]);
		news[k] = spell(fl, quotes[k], c->new, c->newlen, &newn[k]);
	}
	if (fl >= RTEXT_SH && fl <= RTEXT_NU) {
		/* quotes already around the old path stay (the path is then
		 * matched inside them); quotes are only added where the new
		 * path needs them and stood bare */
		free(olds[0]);
		olds[0] = xstrndup(c->old, c->oldlen);
		oldn[0] = c->oldlen;
	}
	size_t i = 0;
	while (i < len) {
		if (path_starts(fl, in, i)) {
			int k = i == 0 ? 0 : in[i - 1] == '\'' ? 1 : in[i - 1] == '"' ? 2 : 0;
			size_t mo = match_at(in, len, i, olds[k], oldn[k]);
			size_t mn = match_at(in, len, i, news[k], newn[k]);
			if (mn && (!mo || newn[k] >= oldn[k])) {
				strbuf_addn(out, in + i, mn);  /* already the new path */
				i += mn;
				continue;
			}
			if (mo) {
				if (!news[k]) {
					diag_at(&c->d, DIAG_ERROR, file, in, len, i,
					        "the new path cannot be written inside %s string here", quote_names[k]);
					rctx_raise(c, EXIT_INPUT);
					rctx_note(c, "choose a new path without quotes, '$', '`', '!' or backslashes");
					rc = -1;
					break;
				}
				strbuf_addn(out, news[k], newn[k]);
				i += mo;
				continue;
			}
		}
		strbuf_addc(out, in[i]);
		i++;
	}
	for (int k = 0; k < 3; k++) {
		free(olds[k]);
		free(news[k]);
	}
	return rc;
}

/* ---- reading words and headers of scripts ---- */

/* read one shell word at *pos into w, removing quotes; -1 if it is computed
 * ($, backquotes) or a quote is not closed. fish allows \' and \\ in '...' */
int
rtext_shell_word(const char *s, size_t len, size_t *pos, struct strbuf *w, int fish)
{
	size_t i = *pos;

	while (i < len) {
		char ch = s[i];
		if (ch == '\'') {
			for (i++; i < len && s[i] != '\''; i++) {
				if (fish && s[i] == '\\' && i + 1 < len && (s[i + 1] == '\'' || s[i + 1] == '\\'))
					i++;
				strbuf_addc(w, s[i]);
			}
			if (i >= len)
				return -1;
			i++;
		} else if (ch == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '$' || s[i] == '`')
					return -1;
				if (s[i] == '\\' && i + 1 < len && s[i + 1] && strchr("\\\"$`", s[i + 1]))
					i++;
				strbuf_addc(w, s[i]);
			}
			if (i >= len)
				return -1;
			i++;
		} else if (ch == '\\' && i + 1 < len) {
			strbuf_addc(w, s[i + 1]);
			i += 2;
		} else if (ch == '$' || ch == '`') {
			return -1;
		} else if (strchr(" \t\r\n;&|()<>", ch)) {
			break;
		} else {
			strbuf_addc(w, ch);
			i++;
		}
	}
	*pos = i;
	return 0;
}

/* skip spaces and tabs */
size_t
rtext_skip_blanks(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* if s[i..] starts with word followed by a blank or '=', the index after
 * the word; else 0 */
size_t
rtext_after_word(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);
	if (len - i < n + 1 || memcmp(s + i, word, n) != 0)
		return 0;
	if (s[i + n] != ' ' && s[i + n] != '\t' && s[i + n] != '=')
		return 0;
	return i + n;
}

/* release a header */
void
rtext_header_free(struct rtext_header *h)
{
	free(h->interp);
	free(h->args);
	memset(h, 0, sizeof *h);
}

/* how a '#!/bin/sh' header spells an interpreter path that Python could
 * not read as UTF-8 or that sh would expand: printf turns \0NNN back into bytes */
#define PRINTF_OPEN "\"$(printf '%b' '"
#define PRINTF_OPEN_LEN (sizeof PRINTF_OPEN - 1)
#define PRINTF_CLOSE "')\""

/* read the path of a PRINTF_OPEN ... PRINTF_CLOSE word at *pos into w; -1
 * if it is not one */
static int
printf_word(const char *s, size_t len, size_t *pos, struct strbuf *w)
{
	size_t i = *pos + PRINTF_OPEN_LEN;

	while (i < len && s[i] != '\'') {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == '0') {
			unsigned v = 0;
			size_t k = i + 2;
			for (; k < len && k < i + 5 && s[k] >= '0' && s[k] <= '7'; k++)
				v = v * 8 + (unsigned)(s[k] - '0');
			if (v == 0 || v > 255)
				return -1;
			strbuf_addc(w, (char)v);
			i = k;
		} else if (s[i] == '\\') {
			return -1;
		} else {
			strbuf_addc(w, s[i++]);
		}
	}
	if (len - i < 3 || memcmp(s + i, PRINTF_CLOSE, 3) != 0)
		return -1;
	*pos = i + 3;
	return 0;
}

/* append path as a PRINTF_OPEN ... PRINTF_CLOSE word: printable ASCII
 * that sh and Python take as it is stays, every other byte becomes \0NNN */
static void
put_printf_word(struct strbuf *b, const char *path, size_t n)
{
	strbuf_adds(b, PRINTF_OPEN);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)path[i];
		if (ch >= 0x20 && ch < 0x7F && !strchr("\\'\"$`", ch))
			strbuf_addc(b, (char)ch);
		else
			strbuf_addf(b, "\\0%03o", ch);
	}
	strbuf_adds(b, PRINTF_CLOSE);
}

/* parse a script header; 1 if it is one we know, else 0 */
int
rtext_parse_header(const char *in, size_t len, struct rtext_header *h)
{
	static const char tail[] = " \"$0\" \"$@\"";
	const size_t taillen = sizeof tail - 1;

	memset(h, 0, sizeof *h);
	if (len < 3 || in[0] != '#' || in[1] != '!')
		return 0;
	const char *nl = memchr(in, '\n', len);
	size_t l1 = nl ? (size_t)(nl - in) : len;

	if (l1 == 9 && memcmp(in, "#!/bin/sh", 9) == 0 && nl && len - l1 - 1 > 9 &&
	    memcmp(nl + 1, "'''exec' ", 9) == 0) {
		const char *l2 = nl + 1;
		const char *nl2 = memchr(l2, '\n', len - (size_t)(l2 - in));
		if (!nl2)
			return 0;
		size_t l2len = (size_t)(nl2 - l2), pos = 9;
		struct strbuf w = {0};
		int word = l2len - pos > PRINTF_OPEN_LEN && !memcmp(l2 + pos, PRINTF_OPEN, PRINTF_OPEN_LEN)
		                   ? printf_word(l2, l2len, &pos, &w)
		                   : rtext_shell_word(l2, l2len, &pos, &w, 0);
		/* the word ends where a '#!' interpreter does: after ';' or '|' sh runs something else */
		if (word < 0 || w.len == 0 || l2len - pos < taillen ||
		    (l2[pos] != ' ' && l2[pos] != '\t' && l2[pos] != '\r') ||
		    memcmp(l2 + l2len - taillen, tail, taillen) != 0) {
			strbuf_free(&w);
			return 0;
		}
		const char *l3 = nl2 + 1;
		size_t off = (size_t)(l3 - in);
		if (len - off < 5 || memcmp(l3, "' '''", 5) != 0) {
			strbuf_free(&w);
			return 0;
		}
		off += 5;
		h->newline = off < len && in[off] == '\n';
		h->bodyoff = off + (size_t)h->newline;
		h->interp = strbuf_take(&w);
		h->args = xstrndup(l2 + pos, l2len - taillen - pos);
		h->trampoline = 1;
		return 1;
	}
	size_t p = rtext_skip_blanks(in, l1, 2), s = p;
	while (p < l1 && !strchr(" \t\r", in[p]))
		p++;
	if (p == s)
		return 0;
	h->lead = s - 2;
	h->interp = xstrndup(in + s, p - s);
	h->args = xstrndup(in + p, l1 - p);
	h->newline = nl != NULL;
	h->bodyoff = nl ? l1 + 1 : len;
	return 1;
}

/* ---- '#!' lines ---- */

/* rewrite the '#!' header of a script in bin/ into out; 1 if it changes */
int
rtext_rewrite_script(const struct rctx *c, const char *in, size_t len, struct strbuf *out)
{
	struct rtext_header h;
	struct strbuf interp = {0};
	int rc = 0;

	if (!rtext_parse_header(in, len, &h))
		return 0;
	size_t il = strlen(h.interp), al = strlen(h.args);
	if (!rctx_needs_move(c, h.interp, il))
		goto done;
	strbuf_addn(&interp, c->new, c->newlen);
	strbuf_addn(&interp, h.interp + c->oldlen, il - c->oldlen);
	/* Python reads a script as UTF-8, its first two lines included */
	int utf8 = rtext_utf8_ok(interp.data, interp.len);
	/* rtext_parse_header ends a '#!' interpreter at a blank or a '\r' */
	int spaced = strpbrk(interp.data, " \t\r") != NULL;
	if (utf8 && !spaced && 2 + h.lead + interp.len + al + 1 <= SHEBANG_MAX) {
		strbuf_adds(out, "#!");
		strbuf_addn(out, in + 2, h.lead);
		strbuf_addn(out, interp.data, interp.len);
		strbuf_addn(out, h.args, al);
		if (h.newline || h.trampoline)
			strbuf_addc(out, '\n');
	} else {
		/* pip's form when the path stands in double quotes as it is */
		strbuf_adds(out, "#!/bin/sh\n'''exec' ");
		if (utf8 && !strpbrk(interp.data, "\"$`\\'")) {
			strbuf_addc(out, '"');
			strbuf_addn(out, interp.data, interp.len);
			strbuf_addc(out, '"');
		} else {
			put_printf_word(out, interp.data, interp.len);
		}
		strbuf_addn(out, h.args, al);
		strbuf_adds(out, " \"$0\" \"$@\"\n' '''\n");
	}
	strbuf_addn(out, in + h.bodyoff, len - h.bodyoff);
	rc = 1;
done:
	strbuf_free(&interp);
	rtext_header_free(&h);
	return rc;
}
