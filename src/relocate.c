/* relocate: vdist-relocate, rewrite what pins a virtualenv to the folder it was made in */
#define _XOPEN_SOURCE 700  /* realpath */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "pyc.h"
#include "util.h"

#ifndef VDIST_VERSION
#define VDIST_VERSION "unknown"
#endif

#define SHEBANG_MAX 127  /* longest '#!' line (newline included) written plain, as pip does */

/* how a file quotes the paths written into it */
enum flavour {
	FL_RAW,   /* bytes as they are */
	FL_CFG,   /* UTF-8, other bytes as \xNN: pyvenv.cfg (Python reads it strictly as UTF-8) */
	FL_SH,    /* POSIX sh: bin/activate */
	FL_CSH,   /* csh: bin/activate.csh */
	FL_FISH,  /* fish: bin/activate.fish */
	FL_PS1,   /* PowerShell: bin/Activate.ps1 */
	FL_NU,    /* nushell: bin/activate.nu */
	FL_PY,    /* Python literals, raw outside quotes: .pth, finders, activate.xsh */
	FL_URL,   /* file:// URLs: direct_url.json */
};

/* what a file of the virtualenv is, for the rewrite */
enum kind {
	K_LINK,      /* a symbolic link */
	K_PYC,       /* compiled bytecode */
	K_PTH,       /* a .pth or .egg-link file */
	K_FINDER,    /* a setuptools __editable___*_finder.py module */
	K_URL,       /* a .dist-info/direct_url.json */
	K_CFG,       /* pyvenv.cfg */
	K_SCRIPT,    /* another file in bin/: its '#!' header */
	K_ACTIVATE,  /* an activate script in bin/ */
};

/* what the plan decided for one entry */
enum action {
	ACT_NONE,    /* nothing to change */
	ACT_UPDATE,  /* rewrite the file or repoint the link */
	ACT_DELETE,  /* remove (bytecode of a rewritten source) */
};

/* one file or link of the virtualenv that the run may change */
struct entry {
	char *path;          /* the root joined with its place in the tree, owned */
	enum kind kind;      /* what it is */
	enum flavour fl;     /* how paths are quoted in it */
	int stage;           /* write order: 0 first, 1 activate scripts, 2 bin/activate */
	enum action action;  /* the plan for it */
};

/* the entries of one walk */
struct entries {
	struct entry *v;  /* entries, owned */
	size_t n, cap;    /* used and allocated */
};

/* the state of one run */
struct ctx {
	char *root;           /* the virtualenv folder as given, no trailing slash, owned */
	char *xy;             /* its Python version, "3.11", owned */
	char *old, *new;      /* the old and the new location, owned */
	size_t oldlen, newlen;
	char *oldfrom;        /* where old was read from, owned */
	int dryrun;           /* plan and report, write nothing */
	int verbose;          /* report each file */
	struct diags d;       /* messages for main to print */
	int status;           /* worst exit status so far */
};

/* release what a run holds */
static void
ctx_free(struct ctx *c)
{
	diags_free(&c->d);
	free(c->root);
	free(c->xy);
	free(c->old);
	free(c->new);
	free(c->oldfrom);
	memset(c, 0, sizeof *c);
}

/* add an error at a line and column of file (0 when unknown) and raise
 * the exit status; always returns -1 */
static int __attribute__((format(printf, 6, 7)))
fail_line(struct ctx *c, int status, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_add(&c->d, DIAG_ERROR, file, line, col, "%s", msg);
	free(msg);
	if (status > c->status)
		c->status = status;
	return -1;
}

/* add an error about file (or the run, when NULL) and raise the exit
 * status; always returns -1 */
static int __attribute__((format(printf, 4, 5)))
fail_at(struct ctx *c, int status, const char *file, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_add(&c->d, DIAG_ERROR, file, 0, 0, "%s", msg);
	free(msg);
	if (status > c->status)
		c->status = status;
	return -1;
}

/* add a note that tells what to do about the message before it */
static void __attribute__((format(printf, 2, 3)))
note(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_add(&c->d, DIAG_NOTE, NULL, 0, 0, "%s", msg);
	free(msg);
}

/* 1 if s ends with suffix */
static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* 1 if s starts with prefix */
static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* first place of needle in hay, or NULL */
static const char *
find_bytes(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0 || m > n)
		return NULL;
	for (const char *p = hay; (p = memchr(p, needle[0], n - (size_t)(p - hay) - m + 1)); p++)
		if (memcmp(p, needle, m) == 0)
			return p;
	return NULL;
}

/* 1 if s is valid UTF-8 */
static int
utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = pyc_utf8_len(u + i, n - i)))
			return 0;
	return 1;
}

/* drop trailing slashes, keeping a lone "/" */
static void
strip_slashes(char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
}

/* 1 if s (n bytes) is p or lies under p */
static int
path_under(const char *s, size_t n, const char *p, size_t plen)
{
	return n >= plen && memcmp(s, p, plen) == 0 && (n == plen || s[plen] == '/');
}

/* 1 if path s must move: it lies under old, and not already under new
 * when new lies under old (so a retried run does not move it twice) */
static int
needs_move(const struct ctx *c, const char *s, size_t n)
{
	if (!path_under(s, n, c->old, c->oldlen))
		return 0;
	if (c->newlen > c->oldlen && path_under(s, n, c->new, c->newlen))
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
shell_quote(struct strbuf *b, enum flavour fl, int q, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		switch (fl) {
		case FL_SH:
			if (q == '\'' && ch == '\'') {
				strbuf_adds(b, "'\\''");
				continue;
			}
			if (q == '"' && strchr("\\\"$`", ch))
				strbuf_addc(b, '\\');
			break;
		case FL_CSH:
			if (q == '\'' && ch == '\'') {
				strbuf_adds(b, "'\\''");
				continue;
			}
			if (ch == '!')
				strbuf_addc(b, '\\');
			if (q == '"' && strchr("\"$`", ch))
				return -1;
			break;
		case FL_FISH:
			if (q == '\'' && (ch == '\'' || ch == '\\'))
				strbuf_addc(b, '\\');
			if (q == '"' && strchr("\\\"$", ch))
				strbuf_addc(b, '\\');
			break;
		case FL_PS1:
			if (q == '\'' && ch == '\'')
				strbuf_addc(b, '\'');
			if (q == '"' && strchr("`$\"", ch))
				strbuf_addc(b, '`');
			break;
		case FL_NU:
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
spell(enum flavour fl, int q, const char *s, size_t n, size_t *outlen)
{
	struct strbuf b = {0};
	const unsigned char *u = (const unsigned char *)s;

	switch (fl) {
	case FL_RAW:
		strbuf_addn(&b, s, n);
		break;
	case FL_CFG:
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
	case FL_URL:
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
	case FL_PY:
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
path_starts(enum flavour fl, const char *text, size_t i)
{
	if (fl == FL_URL)
		return i >= 7 && memcmp(text + i - 7, "file://", 7) == 0;
	if (i == 0)
		return 1;
	unsigned char prev = (unsigned char)text[i - 1];
	return prev != '/' && !name_byte(prev);
}

/* rewrite every old path in a text file of flavour fl into out */
static int
rewrite_text(struct ctx *c, const char *file, enum flavour fl, const char *in, size_t len,
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
	if (fl >= FL_SH && fl <= FL_NU) {
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
					int line, col;
					diag_linecol(in, len, i, &line, &col);
					fail_line(c, 1, file, line, col,
					          "the new path cannot be written inside %s string here", quote_names[k]);
					note(c, "choose a new path without quotes, '$', '`', '!' or backslashes");
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

/* ---- reading paths back out of scripts ---- */

/* read one shell word at *pos into w, removing quotes; -1 if it is computed
 * ($, backquotes) or a quote is not closed. fish allows \' and \\ in '...' */
static int
shell_word(const char *s, size_t len, size_t *pos, struct strbuf *w, int fish)
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
static size_t
skip_blanks(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* if s[i..] starts with word followed by a blank or '=', the index after
 * the word; else 0 */
static size_t
after_word(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);
	if (len - i < n + 1 || memcmp(s + i, word, n) != 0)
		return 0;
	if (s[i + n] != ' ' && s[i + n] != '\t' && s[i + n] != '=')
		return 0;
	return i + n;
}

/* the absolute path an activate script of flavour fl assigns to
 * VIRTUAL_ENV (the first literal one), or NULL */
static char *
activate_path(const char *s, size_t len, enum flavour fl)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - s) : len;
		size_t p = skip_blanks(s, end, i), q;
		int ok = 0;

		switch (fl) {
		case FL_SH:
			if ((q = after_word(s, end, p, "export")) && s[q] != '=')
				p = skip_blanks(s, end, q);
			if (end - p > 12 && memcmp(s + p, "VIRTUAL_ENV=", 12) == 0) {
				p += 12;
				ok = 1;
			}
			break;
		case FL_CSH:
			if ((q = after_word(s, end, p, "setenv"))) {
				p = skip_blanks(s, end, q);
				if ((q = after_word(s, end, p, "VIRTUAL_ENV"))) {
					p = skip_blanks(s, end, q);
					ok = 1;
				}
			}
			break;
		case FL_FISH:
			if ((q = after_word(s, end, p, "set"))) {
				p = skip_blanks(s, end, q);
				while (p < end && s[p] == '-') {
					while (p < end && s[p] != ' ' && s[p] != '\t')
						p++;
					p = skip_blanks(s, end, p);
				}
				if ((q = after_word(s, end, p, "VIRTUAL_ENV"))) {
					p = skip_blanks(s, end, q);
					ok = 1;
				}
			}
			break;
		case FL_NU:
			if ((q = after_word(s, end, p, "let"))) {
				p = skip_blanks(s, end, q);
				if ((q = after_word(s, end, p, "virtual_env"))) {
					p = skip_blanks(s, end, q);
					if (p < end && s[p] == '=') {
						p = skip_blanks(s, end, p + 1);
						if (end - p > 2 && s[p] == 'r' && s[p + 1] == '#')
							p += 2;
						ok = p < end && (s[p] == '\'' || s[p] == '"');
					}
				}
			}
			break;
		default:
			break;
		}
		if (ok) {
			struct strbuf w = {0};
			size_t at = p;
			if (fl == FL_NU) {
				char qc = s[p];
				const char *close = memchr(s + p + 1, qc, end - p - 1);
				if (close)
					strbuf_addn(&w, s + p + 1, (size_t)(close - s) - p - 1);
				else
					ok = 0;
			} else if (shell_word(s, end, &at, &w, fl == FL_FISH) < 0) {
				ok = 0;
			}
			if (ok && w.len > 1 && w.data[0] == '/') {
				char *path = strbuf_take(&w);
				strip_slashes(path);
				return path;
			}
			strbuf_free(&w);
		}
		i = end + 1;
	}
	return NULL;
}

/* the interpreter a script starts, and where its header ends */
struct header {
	char *interp;      /* interpreter path, owned */
	char *args;        /* bytes after it on the '#!' line, or before "$0" in a trampoline, owned */
	size_t lead;       /* blanks between '#!' and the interpreter */
	size_t bodyoff;    /* where the script proper starts */
	int newline;       /* the header ended with a newline */
	int trampoline;    /* the '#!/bin/sh' + '''exec' form pip uses for long or spaced paths */
};

/* release a header */
static void
header_free(struct header *h)
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
static int
parse_header(const char *in, size_t len, struct header *h)
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
		                   : shell_word(l2, l2len, &pos, &w, 0);
		if (word < 0 || w.len == 0 || l2len - pos < taillen ||
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
	size_t p = skip_blanks(in, l1, 2), s = p;
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

/* the virtualenv a '#!' interpreter lies in (PREFIX of PREFIX/bin/python*),
 * or NULL if it is not one */
static char *
interp_venv(const char *interp)
{
	const char *slash = strrchr(interp, '/');
	if (interp[0] != '/' || !slash || !(starts_with(slash + 1, "python") || starts_with(slash + 1, "pypy")))
		return NULL;
	size_t n = (size_t)(slash - interp);
	if (n < 4 || memcmp(interp + n - 4, "/bin", 4) != 0)
		return NULL;
	char *v = xstrndup(interp, n - 4);
	/* a system Python is no virtualenv */
	if (!v[0] || !strcmp(v, "/usr") || !strcmp(v, "/usr/local")) {
		free(v);
		return NULL;
	}
	return v;
}

/* compare names for qsort */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the sorted names in a folder (without . and ..), NULL on error with errno */
static char **
list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[(*n)++] = xstrdup(de->d_name);
		errno = 0;
	}
	if (errno) {
		int e = errno;
		for (size_t i = 0; i < *n; i++)
			free(v[i]);
		free(v);
		closedir(d);
		errno = e;
		*n = 0;
		return NULL;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	else
		v = xreallocarray(v, 1, sizeof *v);
	return v;
}

/* free a list_dir result */
static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* rank of a script name when looking for the old location: pip first */
static int
script_rank(const char *name)
{
	if (!strcmp(name, "pip"))
		return 0;
	if (starts_with(name, "pip"))
		return 1;
	return 2;
}

/* the old location from the '#!' line of a script in bin/, or NULL; *from
 * tells which script (owned by the caller) */
static char *
old_from_scripts(struct ctx *c, char **from)
{
	char *bin = util_path_join(c->root, "bin");
	size_t n;
	char **names = list_dir(bin, &n);
	char *found = NULL;

	for (int rank = 0; rank < 3 && !found; rank++) {
		for (size_t i = 0; i < n && !found; i++) {
			if (script_rank(names[i]) != rank || starts_with(names[i], "activate") ||
			    starts_with(names[i], "Activate"))
				continue;
			char *path = util_path_join(bin, names[i]);
			struct stat st;
			size_t len;
			char *text = NULL;
			struct header h;
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (text = util_read_file(path, &len)) &&
			    parse_header(text, len, &h)) {
				found = interp_venv(h.interp);
				header_free(&h);
			}
			free(text);
			if (found)
				*from = xasprintf("the '#!' line of bin/%s", names[i]);
			free(path);
		}
	}
	free_names(names, n);
	free(bin);
	return found;
}

/* the old location from pyvenv.cfg's "command = ... -m venv ... PATH", or NULL */
static char *
old_from_cfg(struct ctx *c)
{
	char *path = util_path_join(c->root, "pyvenv.cfg");
	size_t len;
	char *text = util_read_file(path, &len);
	char *found = NULL;

	free(path);
	if (!text)
		return NULL;
	for (size_t i = 0; i < len && !found;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t p = skip_blanks(text, end, i), q;
		if ((q = after_word(text, end, p, "command"))) {
			const char *m = find_bytes(text + q, end - q, " -m venv ", 9);
			const char *last = NULL;
			for (const char *s = m; s && (s = find_bytes(s, end - (size_t)(s - text), " /", 2)); s++)
				last = s;
			if (m && last) {
				found = xstrndup(last + 1, end - (size_t)(last + 1 - text));
				strip_slashes(found);
			}
		}
		i = end + 1;
	}
	free(text);
	return found;
}

/* the location the virtualenv was made for, read from the virtualenv
 * itself: bin/activate, the other activate scripts, the '#!' lines in bin/,
 * then pyvenv.cfg; NULL with an error if none tells */
static char *
find_old(struct ctx *c)
{
	static const struct {
		const char *name;
		enum flavour fl;
	} acts[] = {
		{"bin/activate", FL_SH},
		{"bin/activate.fish", FL_FISH},
		{"bin/activate.csh", FL_CSH},
		{"bin/activate.nu", FL_NU},
	};
	char *found = NULL;

	for (size_t i = 0; i < sizeof acts / sizeof acts[0] && !found; i++) {
		char *path = util_path_join(c->root, acts[i].name);
		size_t len;
		char *text = util_read_file(path, &len);
		if (!text && i == 0) {
			fail_at(c, 1, path, "cannot read: %s", strerror(errno));
			free(path);
			return NULL;
		}
		if (text && (found = activate_path(text, len, acts[i].fl)))
			c->oldfrom = xstrdup(acts[i].name);
		free(text);
		free(path);
	}
	if (!found)
		found = old_from_scripts(c, &c->oldfrom);
	if (!found && (found = old_from_cfg(c)))
		c->oldfrom = xstrdup("the command line in pyvenv.cfg");
	if (!found) {
		fail_at(c, 1, c->root,
		        "cannot tell where this virtualenv was made: bin/activate assigns no literal "
		        "VIRTUAL_ENV path and no script in bin/ starts with '#!.../bin/python'");
		note(c, "recreate the virtualenv, or restore its bin/activate");
		return NULL;
	}
	if (!strcmp(found, "/")) {
		fail_at(c, 1, c->root, "%s says the virtualenv was at '/', which cannot be", c->oldfrom);
		free(found);
		return NULL;
	}
	return found;
}

/* ---- the rewrites ---- */

/* rewrite the '#!' header of a script in bin/ into out; 1 if it changes */
static int
rewrite_script(const struct ctx *c, const char *in, size_t len, struct strbuf *out)
{
	struct header h;
	struct strbuf interp = {0};
	int rc = 0;

	if (!parse_header(in, len, &h))
		return 0;
	size_t il = strlen(h.interp), al = strlen(h.args);
	if (!needs_move(c, h.interp, il))
		goto done;
	strbuf_addn(&interp, c->new, c->newlen);
	strbuf_addn(&interp, h.interp + c->oldlen, il - c->oldlen);
	/* Python reads a script as UTF-8, its first two lines included */
	int utf8 = utf8_ok(interp.data, interp.len);
	int spaced = strpbrk(interp.data, " \t") != NULL;
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
	header_free(&h);
	return rc;
}

/* rewrite a .pyc into out; 1 if it changes */
static int
rewrite_pyc(struct ctx *c, const char *file, const char *in, size_t len, struct strbuf *out)
{
	char *why = NULL;
	long magic = pyc_magic(in, len);

	switch (pyc_rewrite(in, len, c->old, c->new, out, &why)) {
	case PYC_SAME:
		return 0;
	case PYC_CHANGED:
		return 1;
	case PYC_BADMAGIC: {
		size_t n;
		char *spelled = pyc_fs_to_utf8(c->old, c->oldlen, &n);
		int mentions = find_bytes(in, len, spelled, n) != NULL;
		free(spelled);
		if (!mentions)
			return 0;  /* nothing of ours in it: leave it be */
		fail_at(c, 1, file,
		        "bytecode of an unsupported Python (magic number %ld) names the old path; "
		        "vdist-relocate reads magic numbers %s",
		        magic, pyc_supported());
		note(c, "delete it (Python recompiles it from its .py file), or recompile it with its own Python "
		        "after the move");
		return -1;
	}
	case PYC_CORRUPT:
		break;
	}
	fail_at(c, 1, file, "corrupt .pyc: %s", why);
	note(c, "delete it (Python recompiles it from its .py file) or reinstall the package that owns it");
	free(why);
	return -1;
}

/* compute what an entry becomes: new contents, or a link's new target, in
 * out; 1 if it changes, 0 if not, -1 on error */
static int
compute(struct ctx *c, const struct entry *e, struct strbuf *out)
{
	size_t len;
	char *in;
	int rc;

	if (e->kind == K_LINK) {
		struct stat st;
		if (lstat(e->path, &st) < 0)
			return fail_at(c, 1, e->path, "cannot read the link: %s", strerror(errno));
		size_t cap = (size_t)(st.st_size > 0 ? st.st_size : PATH_MAX) + 1;
		char *t = xmalloc(cap);
		ssize_t n = readlink(e->path, t, cap);
		if (n < 0 || (size_t)n >= cap) {
			free(t);
			return fail_at(c, 1, e->path, "cannot read the link: %s", n < 0 ? strerror(errno) : "it changed");
		}
		rc = 0;
		if (needs_move(c, t, (size_t)n)) {
			strbuf_addn(out, c->new, c->newlen);
			strbuf_addn(out, t + c->oldlen, (size_t)n - c->oldlen);
			rc = out->len != (size_t)n || memcmp(out->data, t, out->len) != 0;
		}
		free(t);
		return rc;
	}
	if (!(in = util_read_file(e->path, &len)))
		return fail_at(c, 1, e->path, "cannot read: %s", strerror(errno));
	switch (e->kind) {
	case K_PYC:
		rc = rewrite_pyc(c, e->path, in, len, out);
		break;
	case K_SCRIPT:
		rc = rewrite_script(c, in, len, out);
		break;
	default:
		rc = rewrite_text(c, e->path, e->fl, in, len, out) < 0 ? -1 : 1;
		break;
	}
	/* a rewrite to the same bytes is no change */
	if (rc > 0 && out->len == len && (len == 0 || memcmp(out->data, in, len) == 0))
		rc = 0;
	free(in);
	return rc;
}

/* ---- walking the tree ---- */

/* append an entry */
static void
add_entry(struct entries *es, char *path, enum kind kind, enum flavour fl, int stage)
{
	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 256;
		es->v = xreallocarray(es->v, es->cap, sizeof *es->v);
	}
	es->v[es->n++] = (struct entry){path, kind, fl, stage, ACT_NONE};
}

/* release the entries */
static void
entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->v[i].path);
	free(es->v);
	memset(es, 0, sizeof *es);
}

/* the activate scripts and the flavour of each */
static const struct {
	const char *name;
	enum flavour fl;
} activates[] = {
	{"activate", FL_SH},
	{"activate.csh", FL_CSH},
	{"activate.fish", FL_FISH},
	{"Activate.ps1", FL_PS1},
	{"activate.ps1", FL_PS1},
	{"activate.nu", FL_NU},
	{"activate.xsh", FL_PY},
};

/* decide what a regular file is; 0 if the rewrite leaves it alone */
static int
classify(const char *rel, const char *dirrel, const char *name, enum kind *kind, enum flavour *fl, int *stage)
{
	*stage = 0;
	*fl = FL_RAW;
	if (!strcmp(rel, "pyvenv.cfg")) {
		*kind = K_CFG;
		*fl = FL_CFG;
		return 1;
	}
	if (!strcmp(dirrel, "bin")) {
		for (size_t i = 0; i < sizeof activates / sizeof activates[0]; i++) {
			if (!strcmp(name, activates[i].name)) {
				*kind = K_ACTIVATE;
				*fl = activates[i].fl;
				*stage = i == 0 ? 2 : 1;
				return 1;
			}
		}
		*kind = K_SCRIPT;
		return 1;
	}
	if (ends_with(name, ".pyc")) {
		*kind = K_PYC;
		return 1;
	}
	if (ends_with(name, ".pth") || ends_with(name, ".egg-link")) {
		*kind = K_PTH;
		*fl = FL_PY;
		return 1;
	}
	if (starts_with(name, "__editable___") && ends_with(name, "_finder.py")) {
		*kind = K_FINDER;
		*fl = FL_PY;
		return 1;
	}
	if (!strcmp(name, "direct_url.json") && ends_with(dirrel, ".dist-info")) {
		*kind = K_URL;
		*fl = FL_URL;
		return 1;
	}
	return 0;
}

/* collect the entries under dir (rel is its place in the tree, "" for the
 * root); links are listed, never followed */
static int
walk(struct ctx *c, const char *dir, const char *rel, struct entries *es)
{
	size_t n;
	char **names = list_dir(dir, &n);
	int rc = 0;

	if (!names)
		return fail_at(c, 1, dir, "cannot read the folder: %s", strerror(errno));
	for (size_t i = 0; i < n; i++) {
		char *path = util_path_join(dir, names[i]);
		char *sub = rel[0] ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		struct stat st;
		enum kind kind;
		enum flavour fl;
		int stage;

		if (lstat(path, &st) < 0) {
			rc = fail_at(c, 1, path, "cannot read: %s", strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			add_entry(es, path, K_LINK, FL_RAW, 0);
			path = NULL;
		} else if (S_ISDIR(st.st_mode)) {
			if (walk(c, path, sub, es) < 0)
				rc = -1;
		} else if (S_ISREG(st.st_mode) && classify(sub, rel, names[i], &kind, &fl, &stage)) {
			add_entry(es, path, kind, fl, stage);
			path = NULL;
		}
		free(path);
		free(sub);
	}
	free_names(names, n);
	return rc;
}

/* mark the cached bytecode of a rewritten source for removal: it holds the
 * old paths as constants, and Python recompiles it from the new source */
static void
drop_stale_bytecode(struct entries *es, const char *src)
{
	const char *slash = strrchr(src, '/');
	size_t dirlen = slash ? (size_t)(slash - src) : 0;
	const char *name = slash ? slash + 1 : src;
	size_t stemlen = strlen(name) - 3;  /* without ".py" */
	char *prefix = xasprintf("%.*s%s__pycache__/%.*s.", (int)dirlen, src, slash ? "/" : "",
	                         (int)stemlen, name);

	for (size_t i = 0; i < es->n; i++)
		if (es->v[i].kind == K_PYC && starts_with(es->v[i].path, prefix) &&
		    !strchr(es->v[i].path + strlen(prefix), '/'))
			es->v[i].action = ACT_DELETE;
	free(prefix);
}

/* write one planned change */
static int
apply(struct ctx *c, struct entry *e)
{
	struct strbuf out = {0};
	struct stat st;
	int rc = 0;

	if (e->action == ACT_DELETE) {
		if (unlink(e->path) < 0 && errno != ENOENT)
			return fail_at(c, 3, e->path, "cannot remove: %s", strerror(errno));
		if (c->verbose)
			printf("removed %s (bytecode of a rewritten source)\n", e->path);
		return 0;
	}
	if (lstat(e->path, &st) < 0)
		return fail_at(c, 3, e->path, "cannot read: %s", strerror(errno));
	rc = compute(c, e, &out);
	if (rc <= 0) {
		strbuf_free(&out);
		return rc;
	}
	if (e->kind == K_LINK) {
		char *tmp = xasprintf("%s.vdist-relocate-tmp", e->path);
		unlink(tmp);
		if (symlink(strbuf_str(&out), tmp) < 0 || rename(tmp, e->path) < 0) {
			rc = fail_at(c, 3, e->path, "cannot repoint the link: %s", strerror(errno));
			unlink(tmp);
		} else if (lchown(e->path, st.st_uid, st.st_gid) < 0) {
			/* not allowed to give it away: it stays ours */
		}
		free(tmp);
	} else if (util_write_atomic(e->path, out.data, out.len, (int)(st.st_mode & 07777)) < 0) {
		rc = fail_at(c, 3, e->path, "cannot write: %s", strerror(errno));
	} else if (chown(e->path, st.st_uid, st.st_gid) < 0) {
		/* not allowed to give it away: it stays ours */
	}
	strbuf_free(&out);
	if (rc < 0)
		return rc;
	if (c->verbose)
		printf("updated %s\n", e->path);
	return 0;
}

/* rewrite every place that holds the old location */
static int
update_path(struct ctx *c, const char *target)
{
	struct entries es = {0};
	size_t changes = 0;
	int rc = 0;

	if (!strcmp(target, "auto")) {
		c->new = realpath(c->root, NULL);
		if (!c->new)
			return fail_at(c, 3, c->root, "cannot find the absolute path: %s", strerror(errno));
	} else {
		if (target[0] != '/') {
			fail_at(c, 1, NULL, "the new path '%s' is relative", target);
			note(c, "give an absolute path, or 'auto' for the folder the virtualenv is in now");
			return -1;
		}
		c->new = xstrdup(target);
		strip_slashes(c->new);
	}
	if (strchr(c->new, '\n') || !strcmp(c->new, "/")) {
		fail_at(c, 1, NULL, "the new path '%s' cannot hold a virtualenv (%s)", c->new,
		        strchr(c->new, '\n') ? "it has a newline" : "it is the root folder");
		return -1;
	}
	c->newlen = strlen(c->new);
	if (!(c->old = find_old(c)))
		return -1;
	c->oldlen = strlen(c->old);
	if (c->verbose || c->dryrun)
		printf("old location: %s (from %s)\nnew location: %s\n", c->old, c->oldfrom, c->new);

	if (walk(c, c->root, "", &es) < 0)
		rc = -1;  /* plan the rest anyway, to report every problem at once */
	/* plan: every source first, so bytecode of rewritten sources is dropped, not rewritten */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < es.n; i++) {
			struct entry *e = &es.v[i];
			struct strbuf out = {0};
			if ((e->kind == K_PYC) != pass || e->action == ACT_DELETE)
				continue;
			int r = compute(c, e, &out);
			strbuf_free(&out);
			if (r < 0)
				rc = -1;
			if (r > 0) {
				e->action = ACT_UPDATE;
				if (e->kind == K_PTH && !utf8_ok(c->new, c->newlen))
					diag_add(&c->d, DIAG_WARNING, e->path, 0, 0,
					         "the new path is not UTF-8: Python cannot read it in a .pth file");
				if (e->kind == K_FINDER)
					drop_stale_bytecode(&es, e->path);
			}
		}
	}
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < es.n; i++)
		if (es.v[i].action != ACT_NONE) {
			changes++;
			if (c->dryrun)
				printf("would %s %s\n", es.v[i].action == ACT_DELETE ? "remove" : "update", es.v[i].path);
		}
	if (changes == 0) {
		if (!strcmp(c->old, c->new))
			printf("%s: already up to date for %s\n", c->root, c->new);
		else
			printf("%s: nothing to change: no file holds %s in a form it can rewrite\n", c->root, c->old);
		goto done;
	}
	if (c->dryrun) {
		printf("%s: would relocate from %s to %s (%zu files)\n", c->root, c->old, c->new, changes);
		goto done;
	}
	/* activate scripts last, bin/activate the very last: an interrupted run
	 * still finds the old location there and can simply be run again */
	for (int stage = 0; stage < 3 && rc == 0; stage++)
		for (size_t i = 0; i < es.n && rc == 0; i++)
			if (es.v[i].stage == stage && es.v[i].action != ACT_NONE)
				rc = apply(c, &es.v[i]);
	if (rc == 0)
		printf("%s: relocated from %s to %s (%zu files)\n", c->root, c->old, c->new, changes);
done:
	entries_free(&es);
	return c->status ? -1 : rc;
}

/* ---- reinitialize ---- */

/* set "key = value" in pyvenv.cfg text; add it at the end if add and it is
 * missing. Returns the new text */
static char *
cfg_set(const char *in, size_t len, const char *key, const char *value, int add, size_t *outlen)
{
	struct strbuf b = {0};
	int found = 0;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - in) : len;
		const char *eq = memchr(in + i, '=', end - i);
		int match = 0;
		if (eq) {
			size_t a = skip_blanks(in, end, i), z = (size_t)(eq - in);
			while (z > a && (in[z - 1] == ' ' || in[z - 1] == '\t'))
				z--;
			match = z - a == strlen(key) && memcmp(in + a, key, z - a) == 0;
		}
		if (match) {
			strbuf_addf(&b, "%s = %s", key, value);
			found = 1;
		} else {
			strbuf_addn(&b, in + i, end - i);
		}
		if (nl)
			strbuf_addc(&b, '\n');
		i = end + 1;
	}
	if (!found && add) {
		if (b.len && b.data[b.len - 1] != '\n')
			strbuf_addc(&b, '\n');
		strbuf_addf(&b, "%s = %s\n", key, value);
	}
	*outlen = b.len;
	return strbuf_take(&b);
}

/* the value of key in pyvenv.cfg text, or NULL */
static char *
cfg_get(const char *in, size_t len, const char *key)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - in) : len;
		const char *eq = memchr(in + i, '=', end - i);
		if (eq) {
			size_t a = skip_blanks(in, end, i), z = (size_t)(eq - in);
			while (z > a && (in[z - 1] == ' ' || in[z - 1] == '\t'))
				z--;
			if (z - a == strlen(key) && memcmp(in + a, key, z - a) == 0) {
				size_t v = skip_blanks(in, end, (size_t)(eq - in) + 1), w = end;
				while (w > v && strchr(" \t\r", in[w - 1]))
					w--;
				return xstrndup(in + v, w - v);
			}
		}
		i = end + 1;
	}
	return NULL;
}

/* 1 if path is an executable file outside the virtualenv */
static int
usable_python(const char *path, const char *venvreal)
{
	struct stat st;
	char *real;
	int ok;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return 0;
	if (!(real = realpath(path, NULL)))
		return 0;
	ok = !venvreal || !path_under(real, strlen(real), venvreal, strlen(venvreal));
	free(real);
	return ok;
}

/* 1 if a and b are the same path, or both resolve to the same file */
static int
same_file(const char *a, const char *b)
{
	char *ra, *rb;
	int same;

	if (!strcmp(a, b))
		return 1;
	ra = realpath(a, NULL);
	rb = realpath(b, NULL);
	same = ra && rb && !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

/* the system's pythonX.Y: the folder pyvenv.cfg calls home, /usr/bin,
 * /usr/local/bin, then $PATH; NULL if there is none */
static char *
find_python(struct ctx *c, const char *home, const char *venvreal, struct strbuf *looked)
{
	char *name = xasprintf("python%s", c->xy);
	const char *path = getenv("PATH");
	char *dirs = xasprintf("%s:/usr/bin:/usr/local/bin:%s", home ? home : "", path ? path : "");
	char *found = NULL;

	for (char *tok = dirs, *next; tok && !found; tok = next) {
		if ((next = strchr(tok, ':')))
			*next++ = '\0';
		if (tok[0] != '/')
			continue;
		char *cand = util_path_join(tok, name);
		if (usable_python(cand, venvreal))
			found = cand;
		else
			free(cand);
		if (!found) {
			if (looked->len)
				strbuf_adds(looked, ", ");
			strbuf_adds(looked, tok);
		}
	}
	free(dirs);
	free(name);
	return found;
}

/* point one interpreter link of bin/ at python; 1 if it changes */
static int
fix_interp_link(struct ctx *c, const char *bin, const char *name, const char *python,
                const char *const *names, size_t nnames, int *missing)
{
	char *path = util_path_join(bin, name);
	char target[PATH_MAX];
	struct stat st;
	int change = 0, rc = 0;

	if (lstat(path, &st) < 0) {
		*missing = 1;
		free(path);
		return 0;
	}
	*missing = 0;
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n < 0) {
			rc = fail_at(c, 1, path, "cannot read the link: %s", strerror(errno));
			goto done;
		}
		target[n] = '\0';
		int sibling = 0;
		for (size_t i = 0; i < nnames; i++)
			if (!strcmp(target, names[i]) && strcmp(target, name)) {
				char *sp = util_path_join(bin, target);
				struct stat ss;
				sibling = lstat(sp, &ss) == 0;
				free(sp);
			}
		change = !sibling && !same_file(path, python);
	} else if (S_ISREG(st.st_mode)) {
		change = 1;  /* a copied interpreter: replace it with a link */
	} else {
		rc = fail_at(c, 1, path, "is neither a link nor a file");
		goto done;
	}
	if (!change)
		goto done;
	if (c->dryrun || c->verbose)
		printf("%s %s -> %s\n", c->dryrun ? "would link" : "linked", path, python);
	if (!c->dryrun) {
		char *tmp = xasprintf("%s.vdist-relocate-tmp", path);
		unlink(tmp);
		if (symlink(python, tmp) < 0 || rename(tmp, path) < 0) {
			rc = fail_at(c, 3, path, "cannot link to %s: %s", python, strerror(errno));
			unlink(tmp);
		}
		free(tmp);
	}
	rc = rc < 0 ? rc : 1;
done:
	free(path);
	return rc;
}

/* point the virtualenv at this system's Python of the same X.Y */
static int
reinitialize(struct ctx *c)
{
	char *cfgpath = util_path_join(c->root, "pyvenv.cfg");
	char *bin = util_path_join(c->root, "bin");
	char *venvreal = realpath(c->root, NULL);
	char *name_xy = xasprintf("python%s", c->xy);
	const char *names[] = {"python", "python3", name_xy};
	struct strbuf looked = {0};
	char *cfg = NULL, *home = NULL, *python = NULL;
	size_t cfglen = 0, changes = 0;
	int rc = -1, missing = 0, nmissing = 0;

	if (!(cfg = util_read_file(cfgpath, &cfglen))) {
		fail_at(c, 1, cfgpath, "cannot read: %s", strerror(errno));
		note(c, "--reinitialize needs the pyvenv.cfg that 'python3 -m venv' and 'virtualenv' write");
		goto done;
	}
	home = cfg_get(cfg, cfglen, "home");
	if (!(python = find_python(c, home, venvreal, &looked))) {
		fail_at(c, 1, c->root, "this system has no python%s (looked in %s)", c->xy, looked.data);
		note(c, "install Python %s (Debian: apt-get install python%s), or rebuild the virtualenv "
		        "for this system's Python",
		     c->xy, c->xy);
		goto done;
	}
	for (size_t i = 0; i < 3; i++) {
		int r = fix_interp_link(c, bin, names[i], python, names, 3, &missing);
		if (r < 0)
			goto done;
		changes += (size_t)r;
		nmissing += missing;
	}
	if (nmissing == 3) {
		/* no interpreter at all: python -> the system's, the others -> python */
		for (size_t i = 0; i < 3; i++) {
			char *path = util_path_join(bin, names[i]);
			const char *t = i == 0 ? python : "python";
			if (c->dryrun || c->verbose)
				printf("%s %s -> %s\n", c->dryrun ? "would link" : "linked", path, t);
			if (!c->dryrun && symlink(t, path) < 0) {
				fail_at(c, 3, path, "cannot link to %s: %s", t, strerror(errno));
				free(path);
				goto done;
			}
			free(path);
			changes++;
		}
	}
	/* pyvenv.cfg: home, and the keys virtualenv and venv add when present */
	char *dir = xstrdup(python);
	*strrchr(dir, '/') = '\0';
	if (!dir[0])
		strcpy(dir, "/");  /* python was /pythonX.Y: dir has room for "/" */
	char *prefix = xstrdup(dir);
	char *ps = strrchr(prefix, '/');
	if (ps && ps != prefix)
		*ps = '\0';
	else
		strcpy(prefix, "/");
	const struct {
		const char *key, *value;
		int add;
	} sets[] = {
		{"home", dir, 1},
		{"executable", python, 0},
		{"base-executable", python, 0},
		{"base-prefix", prefix, 0},
		{"base-exec-prefix", prefix, 0},
	};
	char *text = xstrndup(cfg, cfglen);
	size_t textlen = cfglen;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		size_t n;
		char *cur = cfg_get(text, textlen, sets[i].key);
		int keep = cur ? same_file(cur, sets[i].value) : !sets[i].add;
		free(cur);
		if (keep)
			continue;
		char *next = cfg_set(text, textlen, sets[i].key, sets[i].value, sets[i].add, &n);
		free(text);
		text = next;
		textlen = n;
	}
	rc = 0;
	if (textlen != cfglen || memcmp(text, cfg, cfglen) != 0) {
		struct stat st;
		changes++;
		if (c->dryrun || c->verbose)
			printf("%s %s: home = %s\n", c->dryrun ? "would set in" : "set in", cfgpath, dir);
		if (!c->dryrun && (stat(cfgpath, &st) < 0 ||
		                   util_write_atomic(cfgpath, text, textlen, (int)(st.st_mode & 07777)) < 0))
			rc = fail_at(c, 3, cfgpath, "cannot write: %s", strerror(errno));
	}
	free(text);
	free(dir);
	free(prefix);
	if (rc == 0) {
		if (changes == 0)
			printf("%s: already up to date for %s\n", c->root, python);
		else
			printf("%s: %s Python %s at %s\n", c->root, c->dryrun ? "would use" : "now uses", c->xy, python);
	}
done:
	strbuf_free(&looked);
	free(cfg);
	free(home);
	free(python);
	free(name_xy);
	free(venvreal);
	free(bin);
	free(cfgpath);
	return rc;
}

/* ---- the command line ---- */

/* 1 if name is "pythonX.Y" */
static int
python_dir_name(const char *name, const char **xy)
{
	const char *p = name + 6;
	if (strncmp(name, "python", 6) != 0 || !(*p >= '0' && *p <= '9'))
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '.' || !(*p >= '0' && *p <= '9'))
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	*xy = name + 6;
	return *p == '\0';
}

/* fail unless root looks like a virtualenv; sets c->xy */
static int
check_venv(struct ctx *c)
{
	static const char what[] = "give the folder that 'python3 -m venv' or 'virtualenv' made "
	                           "(it holds bin/activate and lib/pythonX.Y/site-packages)";
	struct stat st;
	char *bin = util_path_join(c->root, "bin");
	char *lib = util_path_join(c->root, "lib");
	char *act = util_path_join(c->root, "bin/activate");
	char **names = NULL;
	size_t n = 0;
	int rc = -1;
	const char *xy = NULL, *seen = NULL;

	if (stat(c->root, &st) < 0) {
		fail_at(c, 1, c->root, "cannot use it as a virtualenv: %s", strerror(errno));
		goto done;
	}
	if (!S_ISDIR(st.st_mode)) {
		fail_at(c, 1, c->root, "not a virtualenv: it is not a folder");
		note(c, "%s", what);
		goto done;
	}
	if (!util_is_dir(bin)) {
		fail_at(c, 1, c->root, "not a virtualenv: it has no bin/ folder");
		note(c, "%s", what);
		goto done;
	}
	if (util_is_dir(lib) && (names = list_dir(lib, &n))) {
		for (size_t i = 0; i < n && !xy; i++) {
			const char *cand;
			if (!python_dir_name(names[i], &cand))
				continue;
			char *sp = xasprintf("%s/%s/site-packages", lib, names[i]);
			if (util_is_dir(sp))
				xy = cand;
			else if (!seen)
				seen = cand;
			free(sp);
		}
	}
	if (!xy && !seen) {
		fail_at(c, 1, c->root, "not a virtualenv: it has no lib/pythonX.Y folder");
		note(c, "%s", what);
		goto done;
	}
	if (!xy) {
		fail_at(c, 1, c->root, "not a virtualenv: lib/python%s/site-packages is missing", seen);
		note(c, "%s", what);
		goto done;
	}
	c->xy = xstrdup(xy);
	if (!util_is_file(act)) {
		fail_at(c, 1, c->root, "not a virtualenv: bin/activate is missing");
		note(c, "%s", what);
		goto done;
	}
	rc = 0;
done:
	free_names(names, n);
	free(bin);
	free(lib);
	free(act);
	return rc;
}

/* print the help */
static void
usage(FILE *f)
{
	fputs("Usage: vdist-relocate [OPTION]... [VENV]\n"
	      "Make a virtualenv that was moved work where it is (VENV, default '.').\n"
	      "\n"
	      "  -u, --update-path=NEWPATH  rewrite every place that pins the old location\n"
	      "                             to NEWPATH (absolute), or 'auto' for where VENV\n"
	      "                             is now\n"
	      "  -r, --reinitialize         point bin/python* and pyvenv.cfg's home at this\n"
	      "                             system's pythonX.Y (X.Y of lib/pythonX.Y)\n"
	      "  -n, --dry-run              report what would change, change nothing\n"
	      "  -v, --verbose              report each file changed\n"
	      "  -h, --help                 print this help and exit\n"
	      "  -V, --version              print the version and exit\n"
	      "\n"
	      "The old location is read from the virtualenv: the VIRTUAL_ENV of\n"
	      "bin/activate, else of activate.fish, activate.csh, activate.nu, else the\n"
	      "'#!' line of bin/pip or another script, else pyvenv.cfg's command line.\n"
	      "Rewritten: '#!' lines in bin/ (and pip's '#!/bin/sh' form), activate\n"
	      "scripts (last, bin/activate the very last, so an interrupted run can be\n"
	      "run again), pyvenv.cfg, .pth and .egg-link files, __editable__ finders,\n"
	      "direct_url.json, links to the old location, and co_filename in .pyc files.\n"
	      "\n"
	      ".pyc files of CPython 3.7 to 3.13 are rewritten (magic numbers 3394, 3413,\n"
	      "3425, 3439, 3495, 3531, 3571). One with another magic number is left alone,\n"
	      "unless it names the old location: then that is an error (delete it).\n"
	      "\n"
	      "Exit status: 0 done or already up to date, 1 bad input (not a virtualenv,\n"
	      "relative path, unreadable file, corrupt .pyc), 2 usage, 3 system error.\n"
	      "See vdist-relocate(1) for the details.\n",
	      f);
}

/* report a usage error; returns the exit status for it */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", util_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", util_progname);
	return EXIT_USAGE;
}

/* parse the command line, check the virtualenv, run, print the messages */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"update-path", required_argument, NULL, 'u'},
		{"reinitialize", no_argument, NULL, 'r'},
		{"dry-run", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct ctx c = {0};
	const char *target = NULL;
	int reinit = 0, ch, status;

	util_progname = "vdist-relocate";
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":u:rnvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			target = optarg;
			break;
		case 'r':
			reinit = 1;
			break;
		case 'n':
			c.dryrun = 1;
			break;
		case 'v':
			c.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("vdist-relocate (vdist) %s\n", VDIST_VERSION);
			return EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return usage_error("too many operands: give one virtualenv folder");
	if (!target && !reinit)
		return usage_error("nothing to do: give --update-path=NEWPATH (or 'auto') or --reinitialize");
	if (target && !target[0])
		return usage_error("--update-path needs a path, not an empty string");

	c.root = xstrdup(optind < argc ? argv[optind] : ".");
	if (!c.root[0]) {
		free(c.root);
		return usage_error("the virtualenv folder is an empty string");
	}
	strip_slashes(c.root);
	if (check_venv(&c) == 0) {
		if (reinit)
			reinitialize(&c);
		if (target && c.status == 0)
			update_path(&c, target);
	}
	fflush(stdout);
	diag_print(&c.d, util_progname, stderr);
	status = c.status;
	ctx_free(&c);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = status ? status : EXIT_SYSTEM;
	return status;
}
