/* ini: configparser's INI syntax and ExtendedInterpolation */
#define _GNU_SOURCE
#include "ini.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define NOWHERE ((size_t)-1)

/* one line of a value while it is read: text[start, start+len) */
struct piece {
	size_t start, len;
};

/* an entry being read; found by index, as its section's arrays may move */
struct pending {
	int active;             /* lines go to an entry */
	int def;                /* it is in DEFAULT */
	size_t sec, ent;        /* else section index; entry index */
	struct piece *p;        /* its lines */
	size_t n;               /* how many */
};

/* the state of one parse */
struct parser {
	struct ini *ini;
	struct diags *d;
	int bad;
};

/* add a located error at byte off */
static void __attribute__((format(printf, 3, 4)))
err(struct parser *P, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(P->d, DIAG_ERROR, P->ini->file, P->ini->text, P->ini->len, off, fmt, ap);
	va_end(ap);
	P->bad = 1;
}

/* 1 if c is whitespace to Python's str.strip() (the ASCII part of it) */
static int
space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || (c >= 0x1c && c <= 0x1f);
}

/* line number of byte off, for "first given at line N" */
static int
line_of(const struct ini *ini, size_t off)
{
	int line, col;
	diag_linecol(ini->text, ini->len, off, &line, &col);
	return line;
}

/* join the lines of a pending entry into its value */
static void
finish_entry(struct parser *P, struct pending *pe)
{
	if (!pe->active) {
		free(pe->p);
		memset(pe, 0, sizeof *pe);
		return;
	}
	struct ini_entry *ent = &(pe->def ? &P->ini->def : &P->ini->v[pe->sec])->v[pe->ent];
	struct strbuf b = {0};
	size_t n = pe->n, total = 0;
	/* trailing empty lines go, as configparser's rstrip() drops them */
	while (n > 1 && pe->p[n - 1].len == 0)
		n--;
	for (size_t i = 0; i < n; i++)
		total += pe->p[i].len + 1;
	size_t *at = xreallocarray(NULL, total + 1, sizeof *at);
	for (size_t i = 0; i < n; i++) {
		if (i) {
			at[b.len] = pe->p[i - 1].start + pe->p[i - 1].len;
			strbuf_addc(&b, '\n');
		}
		for (size_t k = 0; k < pe->p[i].len; k++)
			at[b.len + k] = pe->p[i].start + k;
		strbuf_addn(&b, P->ini->text + pe->p[i].start, pe->p[i].len);
	}
	at[b.len] = pe->p[n - 1].start + pe->p[n - 1].len;
	ent->len = b.len;
	ent->value = strbuf_take(&b);
	ent->at = at;
	free(pe->p);
	memset(pe, 0, sizeof *pe);
}

/* add a line to the pending entry */
static void
add_piece(struct pending *pe, size_t start, size_t len)
{
	pe->p = xreallocarray(pe->p, pe->n + 1, sizeof *pe->p);
	pe->p[pe->n++] = (struct piece){start, len};
}

/* the section named name among the non-DEFAULT ones, or NULL */
static struct ini_section *
find_section(struct ini *ini, const char *name)
{
	for (size_t i = 0; i < ini->n; i++)
		if (!strcmp(ini->v[i].name, name))
			return &ini->v[i];
	return NULL;
}

/* handle a section header line: the name is text[s+1, close) */
static struct ini_section *
header(struct parser *P, size_t s, size_t close)
{
	struct ini *ini = P->ini;
	char *name = xstrndup(ini->text + s + 1, close - s - 1);
	if (!strcmp(name, "DEFAULT")) {
		if (ini->def.off == NOWHERE)
			ini->def.off = s;
		free(name);
		return &ini->def;
	}
	struct ini_section *old = find_section(ini, name);
	if (old) {
		err(P, s, "section [%s] is given again (first at line %d): keep one, or give them different names",
		    name, line_of(ini, old->off));
		free(name);
		return old;
	}
	ini->v = xreallocarray(ini->v, ini->n + 1, sizeof *ini->v);
	struct ini_section *sec = &ini->v[ini->n++];
	memset(sec, 0, sizeof *sec);
	sec->name = name;
	sec->off = s;
	return sec;
}

/* handle a KEY = VALUE line, text[s, e) stripped; the pending entry gets it */
static void
option(struct parser *P, struct ini_section *sec, size_t s, size_t e, struct pending *pe)
{
	const char *t = P->ini->text;
	size_t delim = s;
	while (delim < e && t[delim] != '=' && t[delim] != ':')
		delim++;
	memset(pe, 0, sizeof *pe);
	if (delim == e) {
		err(P, s, "this line is not [SECTION], KEY = VALUE or KEY: VALUE; "
		          "to continue the value above, indent it deeper than its key");
		return;
	}
	size_t kend = delim;
	while (kend > s && space(t[kend - 1]))
		kend--;
	if (kend == s) {
		err(P, s, "a key is missing before '%c': write KEY %c VALUE", t[delim], t[delim]);
		return;
	}
	char *key = xstrndup(t + s, kend - s);
	for (char *k = key; *k; k++)
		if (*k >= 'A' && *k <= 'Z')
			*k = (char)(*k - 'A' + 'a');
	const struct ini_entry *old = ini_own(sec, key);
	if (old) {
		err(P, s, "key \"%s\" is given again in [%s] (first at line %d): keep one", key, sec->name,
		    line_of(P->ini, old->keyoff));
		free(key);
		return;
	}
	size_t v = delim + 1;
	while (v < e && space(t[v]))
		v++;
	sec->v = xreallocarray(sec->v, sec->n + 1, sizeof *sec->v);
	struct ini_entry *ent = &sec->v[sec->n++];
	memset(ent, 0, sizeof *ent);
	ent->key = key;
	ent->keyoff = s;
	pe->active = 1;
	pe->def = sec == &P->ini->def;
	pe->sec = pe->def ? 0 : (size_t)(sec - P->ini->v);
	pe->ent = sec->n - 1;
	add_piece(pe, v, e - v);
}

int
ini_parse(const char *file, const char *text, size_t len, struct ini **out, struct diags *d)
{
	struct ini *ini = xcalloc(1, sizeof *ini);
	struct parser P = {ini, d, 0};
	struct ini_section *cur = NULL;
	struct pending pe = {0};
	int inopt = 0;          /* an option was read since the last header */
	size_t indent = 0;      /* indentation of the last key or header line */
	size_t i = 0;

	ini->file = xstrdup(file);
	ini->text = text;
	ini->len = len;
	ini->def.name = xstrdup("DEFAULT");
	ini->def.off = NOWHERE;
	*out = NULL;

	size_t bad = util_utf8_bad(text, len);
	if (bad < len) {
		err(&P, bad, "%s here: the file must be UTF-8 text", text[bad] ? "a byte that is not UTF-8" : "a NUL byte");
		ini_free(ini);
		return -1;
	}
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		i = 3;
	/* the current section, by index: ini->v moves when a section is added */
	int have = 0, cur_def = 0, orphans = 0;
	size_t cur_idx = 0;
	while (i < len) {
		size_t ls = i, le = i;
		while (le < len && text[le] != '\n' && text[le] != '\r')
			le++;
		i = le;
		if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			i += 2;
		else if (i < len)
			i++;
		cur = !have ? NULL : cur_def ? &ini->def : &ini->v[cur_idx];

		size_t s = ls, e = le;
		while (s < e && space(text[s]))
			s++;
		while (e > s && space(text[e - 1]))
			e--;
		if (s < e && (text[s] == '#' || text[s] == ';'))
			continue;  /* a comment, also inside a value */
		if (s == e) {
			if (inopt && pe.active)
				add_piece(&pe, ls, 0);  /* kept if more of the value follows */
			continue;
		}
		if (cur && inopt && s - ls > indent) {
			if (pe.active)
				add_piece(&pe, s, e - s);
			continue;
		}
		/* a key or header line ends the value before it */
		finish_entry(&P, &pe);
		indent = s - ls;
		/* [NAME]: the name runs to the last ']', and is not empty */
		size_t close = e;
		while (close > s + 2 && text[close - 1] != ']')
			close--;
		if (text[s] == '[' && close > s + 2) {
			close--;
			cur = header(&P, s, close);
			have = 1;
			cur_def = cur == &ini->def;
			cur_idx = cur_def ? 0 : (size_t)(cur - ini->v);
			inopt = 0;
			if (close + 1 < e)
				diag_at(d, DIAG_WARNING, file, text, len, close + 1,
				        "text after the section header is ignored, as configparser ignores it");
			continue;
		}
		if (!cur) {
			if (!orphans++)
				err(&P, s, "a line before any section header: start the file with [DEFAULT] or [SECTION]");
			continue;
		}
		option(&P, cur, s, e, &pe);
		inopt = 1;
	}
	finish_entry(&P, &pe);
	if (P.bad) {
		ini_free(ini);
		return -1;
	}
	*out = ini;
	return 0;
}

const struct ini_section *
ini_section(const struct ini *ini, const char *name)
{
	if (!strcmp(name, "DEFAULT"))
		return &ini->def;
	return find_section((struct ini *)ini, name);
}

const struct ini_entry *
ini_own(const struct ini_section *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, key))
			return &s->v[i];
	return NULL;
}

const struct ini_entry *
ini_lookup(const struct ini *ini, const struct ini_section *s, const char *key)
{
	const struct ini_entry *e = ini_own(s, key);
	return e ? e : ini_own(&ini->def, key);
}

/* the state of one expansion */
struct expander {
	const struct ini *ini;
	struct diags *d;
	const struct ini_section *top;  /* the section whose value is asked for */
	const char *key;                /* the key asked for */
	struct strbuf out;
	size_t *at;                     /* origin of each byte of out */
	size_t cap;
};

/* append byte c from offset off */
static void
put(struct expander *x, char c, size_t off)
{
	if (x->out.len + 2 > x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->at = xreallocarray(x->at, x->cap, sizeof *x->at);
	}
	x->at[x->out.len] = off;
	strbuf_addc(&x->out, c);
}

/* a located error about the expansion, naming what was being read */
static void __attribute__((format(printf, 3, 4)))
xerr(struct expander *x, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_at(x->d, DIAG_ERROR, x->ini->file, x->ini->text, x->ini->len, off, "%s (reading \"%s\" of [%s])", msg,
	        x->key, x->top->name);
	free(msg);
}

/* the names of every section, DEFAULT included, for "did you mean" */
static const char **
section_names(const struct ini *ini, size_t *n)
{
	const char **names = xreallocarray(NULL, ini->n + 1, sizeof *names);
	names[0] = "DEFAULT";
	for (size_t i = 0; i < ini->n; i++)
		names[i + 1] = ini->v[i].name;
	*n = ini->n + 1;
	return names;
}

/* append e's value as section s reads it; depth counts nested values */
static int
expand(struct expander *x, const struct ini_section *s, const struct ini_entry *e, int depth, size_t from)
{
	if (depth > INI_MAX_DEPTH) {
		xerr(x, from, "references nested more than %d deep, which configparser refuses: "
		              "a value that refers to itself, directly or through others?", INI_MAX_DEPTH);
		return -1;
	}
	for (size_t i = 0; i < e->len;) {
		char c = e->value[i];
		if (c != '$') {
			put(x, c, e->at[i++]);
			continue;
		}
		char n = i + 1 < e->len ? e->value[i + 1] : '\0';
		if (n == '$') {
			put(x, '$', e->at[i]);
			i += 2;
			continue;
		}
		if (n != '{') {
			xerr(x, e->at[i], "a '$' must be followed by '{' or '$': write ${KEY} or ${SECTION:KEY}, or $$ for a '$'");
			return -1;
		}
		const char *close = memchr(e->value + i + 2, '}', e->len - i - 2);
		if (!close || close == e->value + i + 2) {
			xerr(x, e->at[i], "%s: write ${KEY} or ${SECTION:KEY}, or $$ for a '$'",
			     close ? "an empty reference ${}" : "this ${ is never closed with '}'");
			return -1;
		}
		char *ref = xstrndup(e->value + i + 2, (size_t)(close - e->value) - i - 2);
		char *colon = strchr(ref, ':');
		if (colon && strchr(colon + 1, ':')) {
			xerr(x, e->at[i], "${%s} has more than one ':': write ${KEY} or ${SECTION:KEY}", ref);
			free(ref);
			return -1;
		}
		const struct ini_section *t = s;
		char *key = xstrdup(colon ? colon + 1 : ref);
		for (char *k = key; *k; k++)
			if (*k >= 'A' && *k <= 'Z')
				*k = (char)(*k - 'A' + 'a');
		if (colon) {
			*colon = '\0';
			t = ini_section(x->ini, ref);
			if (!t) {
				size_t nn;
				const char **names = section_names(x->ini, &nn);
				char *hint = diag_did_you_mean(ref, names, nn, " (section names are case-sensitive)");
				xerr(x, e->at[i], "${%s:%s} names no section [%s]%s", ref, colon + 1, ref, hint);
				free(hint);
				free(names);
				free(ref);
				free(key);
				return -1;
			}
		}
		const struct ini_entry *v = ini_lookup(x->ini, t, key);
		if (!v) {
			if (t == &x->ini->def)
				xerr(x, e->at[i], "${%s%s%s}: [DEFAULT] has no key \"%s\"", colon ? ref : "", colon ? ":" : "",
				     colon ? colon + 1 : ref, key);
			else
				xerr(x, e->at[i], "${%s%s%s}: neither [%s] nor [DEFAULT] has a key \"%s\"", colon ? ref : "",
				     colon ? ":" : "", colon ? colon + 1 : ref, t->name, key);
			free(ref);
			free(key);
			return -1;
		}
		free(ref);
		free(key);
		size_t from_here = e->at[i];
		i = (size_t)(close - e->value) + 1;
		if (memchr(v->value, '$', v->len)) {
			if (expand(x, t, v, depth + 1, from_here) < 0)
				return -1;
		} else {
			for (size_t k = 0; k < v->len; k++)
				put(x, v->value[k], v->at[k]);
		}
	}
	return 0;
}

int
ini_expand(const struct ini *ini, const struct ini_section *s, const struct ini_entry *e, char **out,
           size_t **at, struct diags *d)
{
	struct expander x = {.ini = ini, .d = d, .top = s, .key = e->key};
	if (expand(&x, s, e, 1, e->keyoff) < 0) {
		strbuf_free(&x.out);
		free(x.at);
		return -1;
	}
	put(&x, '\0', e->at[e->len]);
	x.out.len--;
	*out = strbuf_take(&x.out);
	*at = x.at;
	return 0;
}

int
ini_boolean(const char *s)
{
	static const char *const yes[] = {"1", "yes", "true", "on"}, *const no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

/* release the entries and name of one section */
static void
section_clear(struct ini_section *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].value);
		free(s->v[i].at);
	}
	free(s->v);
	free(s->name);
}

void
ini_free(struct ini *ini)
{
	if (!ini)
		return;
	section_clear(&ini->def);
	for (size_t i = 0; i < ini->n; i++)
		section_clear(&ini->v[i]);
	free(ini->v);
	free(ini->file);
	free(ini);
}
