/* pyc: a marshal walker that rewrites co_filename in CPython .pyc files */
#include "pyc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FLAG_REF 0x80    /* set on a type byte: the object joins the reference table */
#define MAX_DEPTH 2000   /* CPython's own marshal nesting limit */
#define HEADER_LEN 16    /* magic, flags, and mtime+size or source hash (3.7+) */

/* which fields a marshalled code object has */
enum layout {
	LAYOUT_37,   /* 3.7: 5 ints, code .. cellvars, filename, name, line, lnotab */
	LAYOUT_38,   /* 3.8-3.10: as 3.7 with posonlyargcount */
	LAYOUT_311,  /* 3.11+: localsplus, qualname, exception table */
};

/* one supported release of CPython */
struct known {
	long magic;            /* MAGIC_NUMBER of the final release */
	const char *version;   /* "3.11" */
	enum layout layout;    /* shape of its code objects */
};

static const struct known known[] = {
	{3394, "3.7", LAYOUT_37},
	{3413, "3.8", LAYOUT_38},
	{3425, "3.9", LAYOUT_38},
	{3439, "3.10", LAYOUT_38},
	{3495, "3.11", LAYOUT_311},
	{3531, "3.12", LAYOUT_311},
	{3571, "3.13", LAYOUT_311},
};

/* where an object sits: only co_filename is rewritten */
enum role {
	ROLE_OTHER,     /* anything but a co_filename */
	ROLE_FILENAME,  /* the co_filename field of a code object */
};

/* one slot of the marshal reference table */
struct ref {
	size_t start, end;   /* bytes of the defining object, type byte included */
	size_t pay, paylen;  /* payload of a str object */
	unsigned char type;  /* type byte without FLAG_REF */
	char isstr;          /* a str (not bytes) with its payload recorded */
	char done;           /* may be referred to (code objects and frozensets only when read) */
	char rewritten;      /* defined as a co_filename and rewritten */
};

/* a place the rewrite may touch: a str in a co_filename, or a back reference */
struct site {
	size_t start, end;   /* bytes of the object, type byte included */
	size_t pay, paylen;  /* payload of a str */
	long ref;            /* slot defined here (-1 if none), or slot referred to */
	unsigned char type;  /* type byte without FLAG_REF */
	char isref;          /* a TYPE_REF back reference */
	char role;           /* enum role */
	char flagged;        /* FLAG_REF was set on the type byte */
	char rewrite;        /* this str gets the new prefix */
};

/* the state of one walk over a marshal stream */
struct reader {
	const unsigned char *p;  /* the stream */
	size_t len, pos;         /* its size and the read position */
	enum layout layout;      /* code object shape */
	struct ref *refs;        /* reference table, owned */
	size_t nrefs, caprefs;
	struct site *sites;      /* sites in stream order, owned */
	size_t nsites, capsites;
	char *err;               /* first error, owned */
};

/* the magic number from the first four bytes */
long
pyc_magic(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	if (len < 4 || p[2] != '\r' || p[3] != '\n')
		return -1;
	return (long)(p[0] | (unsigned)p[1] << 8);
}

/* the table entry of a magic number, or NULL */
static const struct known *
find_known(long magic)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i].magic == magic)
			return &known[i];
	return NULL;
}

/* the version of a supported magic number */
const char *
pyc_version(long magic)
{
	const struct known *k = find_known(magic);
	return k ? k->version : NULL;
}

/* the supported magic numbers, in words */
const char *
pyc_supported(void)
{
	return "3394 (3.7), 3413 (3.8), 3425 (3.9), 3439 (3.10), 3495 (3.11), "
	       "3531 (3.12) and 3571 (3.13)";
}

/* length of the strictly valid UTF-8 sequence at s */
size_t
pyc_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;

	if (n == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;  /* no encoded surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < need + 1)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i <= need; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return need + 1;
}

/* surrogateescape-decode file system bytes, then encode as marshal does */
char *
pyc_fs_to_utf8(const char *s, size_t n, size_t *outlen)
{
	struct strbuf b = {0};
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = pyc_utf8_len(u + i, n - i);
		if (k) {
			strbuf_addn(&b, s + i, k);
			i += k;
			continue;
		}
		/* U+DC00+byte in UTF-8, as marshal writes it (surrogatepass) */
		unsigned cp = 0xDC00u + u[i];
		strbuf_addc(&b, (char)(0xE0 | (cp >> 12)));
		strbuf_addc(&b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addc(&b, (char)(0x80 | (cp & 0x3F)));
		i++;
	}
	*outlen = b.len;
	return strbuf_take(&b);
}

/* record the first error of a walk; always returns -1 */
static int __attribute__((format(printf, 2, 3)))
fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	if (r->err)
		return -1;
	va_start(ap, fmt);
	r->err = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

/* fail unless n more bytes can be read */
static int
need(struct reader *r, size_t n)
{
	if (r->len - r->pos < n)
		return fail(r, "truncated marshal data at byte %zu", r->pos + HEADER_LEN);
	return 0;
}

/* read one byte */
static int
read_u8(struct reader *r, unsigned *v)
{
	if (need(r, 1) < 0)
		return -1;
	*v = r->p[r->pos++];
	return 0;
}

/* read a little-endian signed 32-bit integer */
static int
read_i32(struct reader *r, int32_t *v)
{
	if (need(r, 4) < 0)
		return -1;
	const unsigned char *q = r->p + r->pos;
	uint32_t u = q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
	r->pos += 4;
	*v = (int32_t)u;
	return 0;
}

/* read a 32-bit size that must not be negative */
static int
read_size(struct reader *r, size_t *n)
{
	int32_t v;
	size_t at = r->pos + HEADER_LEN;
	if (read_i32(r, &v) < 0)
		return -1;
	if (v < 0)
		return fail(r, "negative size %ld at byte %zu", (long)v, at);
	*n = (size_t)v;
	return 0;
}

/* skip n bytes of payload */
static int
skip(struct reader *r, size_t n)
{
	if (need(r, n) < 0)
		return -1;
	r->pos += n;
	return 0;
}

/* take the next slot of the reference table for an object at start */
static long
add_ref(struct reader *r, size_t start, unsigned char type, int done)
{
	if (r->nrefs == r->caprefs) {
		r->caprefs = r->caprefs ? r->caprefs * 2 : 64;
		r->refs = xreallocarray(r->refs, r->caprefs, sizeof *r->refs);
	}
	struct ref *f = &r->refs[r->nrefs];
	memset(f, 0, sizeof *f);
	f->start = start;
	f->type = type;
	f->done = (char)done;
	return (long)r->nrefs++;
}

/* append a site and return it */
static struct site *
add_site(struct reader *r)
{
	if (r->nsites == r->capsites) {
		r->capsites = r->capsites ? r->capsites * 2 : 64;
		r->sites = xreallocarray(r->sites, r->capsites, sizeof *r->sites);
	}
	struct site *s = &r->sites[r->nsites++];
	memset(s, 0, sizeof *s);
	return s;
}

static int read_object(struct reader *r, enum role role, int depth);

/* read n objects in a row (items of a tuple, list or set) */
static int
read_items(struct reader *r, size_t n, int depth)
{
	for (size_t i = 0; i < n; i++)
		if (read_object(r, ROLE_OTHER, depth + 1) < 0)
			return -1;
	return 0;
}

/* read the fields of a code object after its type byte */
static int
read_code(struct reader *r, int depth)
{
	int32_t v;
	int nints = r->layout == LAYOUT_37 ? 5 : r->layout == LAYOUT_38 ? 6 : 5;
	/* objects before co_filename: code, consts, names, then
	 * varnames, freevars, cellvars (3.7-3.10) or localsplusnames, localspluskinds (3.11+) */
	int before = r->layout == LAYOUT_311 ? 5 : 6;
	/* objects after it up to firstlineno: name (, qualname for 3.11+) */
	int between = r->layout == LAYOUT_311 ? 2 : 1;
	/* objects after firstlineno: lnotab, or linetable and exceptiontable */
	int after = r->layout == LAYOUT_311 ? 2 : 1;

	for (int i = 0; i < nints; i++)
		if (read_i32(r, &v) < 0)
			return -1;
	for (int i = 0; i < before; i++)
		if (read_object(r, ROLE_OTHER, depth + 1) < 0)
			return -1;
	if (read_object(r, ROLE_FILENAME, depth + 1) < 0)
		return -1;
	for (int i = 0; i < between; i++)
		if (read_object(r, ROLE_OTHER, depth + 1) < 0)
			return -1;
	if (read_i32(r, &v) < 0)
		return -1;
	for (int i = 0; i < after; i++)
		if (read_object(r, ROLE_OTHER, depth + 1) < 0)
			return -1;
	return 0;
}

/* read a long integer: a signed digit count, then 15-bit digits */
static int
read_long(struct reader *r)
{
	int32_t v;
	size_t at = r->pos + HEADER_LEN;
	if (read_i32(r, &v) < 0)
		return -1;
	uint64_t n = v < 0 ? (uint64_t)(-(int64_t)v) : (uint64_t)v;
	if (n > (r->len - r->pos) / 2)
		return fail(r, "truncated marshal data at byte %zu", r->len + HEADER_LEN);
	for (uint64_t i = 0; i < n; i++) {
		unsigned d = r->p[r->pos] | (unsigned)r->p[r->pos + 1] << 8;
		r->pos += 2;
		if (d > 0x7FFF || (i == n - 1 && d == 0))
			return fail(r, "bad digit in the long integer at byte %zu", at);
	}
	return 0;
}

/* read one object and everything inside it */
static int
read_object(struct reader *r, enum role role, int depth)
{
	size_t start = r->pos;
	size_t n = 0;
	unsigned u;
	int32_t v;
	long idx = -1;

	if (depth > MAX_DEPTH)
		return fail(r, "marshal data nested too deeply at byte %zu", start + HEADER_LEN);
	if (read_u8(r, &u) < 0)
		return -1;
	int flag = (u & FLAG_REF) != 0;
	unsigned char type = (unsigned char)(u & ~FLAG_REF);

	switch (type) {
	case 'N': case 'F': case 'T': case 'S': case '.':
		return 0;  /* singletons never join the reference table */
	case 'r': {
		if (read_i32(r, &v) < 0)
			return -1;
		if (v < 0 || (size_t)v >= r->nrefs || !r->refs[v].done)
			return fail(r, "invalid back reference %ld at byte %zu", (long)v, start + HEADER_LEN);
		struct site *s = add_site(r);
		s->start = start;
		s->end = r->pos;
		s->ref = v;
		s->isref = 1;
		s->role = (char)role;
		return 0;
	}
	case 'i': case 'I': case 'g': case 'y': case 'f': case 'x': case 'l':
	case 's': case 't': case 'u': case 'a': case 'A': case 'z': case 'Z':
		if (flag)
			idx = add_ref(r, start, type, 1);
		break;
	case '(': case ')': case '[': case '{': case '<':
		if (flag)
			idx = add_ref(r, start, type, 1);
		break;
	case '>': case 'c':
		if (flag)
			idx = add_ref(r, start, type, 0);  /* usable once read, as in CPython */
		break;
	case '0':
		return fail(r, "unexpected NULL object at byte %zu", start + HEADER_LEN);
	default:
		return fail(r, "unknown marshal type 0x%02x at byte %zu", u, start + HEADER_LEN);
	}

	int isstr = 0;
	size_t pay = 0;
	switch (type) {
	case 'i':
		if (skip(r, 4) < 0)
			return -1;
		break;
	case 'I': case 'g':
		if (skip(r, 8) < 0)
			return -1;
		break;
	case 'y':
		if (skip(r, 16) < 0)
			return -1;
		break;
	case 'f':
		if (read_u8(r, &u) < 0 || skip(r, u) < 0)
			return -1;
		break;
	case 'x':
		for (int i = 0; i < 2; i++)
			if (read_u8(r, &u) < 0 || skip(r, u) < 0)
				return -1;
		break;
	case 'l':
		if (read_long(r) < 0)
			return -1;
		break;
	case 's': case 't': case 'u': case 'a': case 'A':
		if (read_size(r, &n) < 0)
			return -1;
		pay = r->pos;
		if (skip(r, n) < 0)
			return -1;
		isstr = type != 's';
		break;
	case 'z': case 'Z':
		if (read_u8(r, &u) < 0)
			return -1;
		n = u;
		pay = r->pos;
		if (skip(r, n) < 0)
			return -1;
		isstr = 1;
		break;
	case '(': case '[': case '<': case '>':
		if (read_size(r, &n) < 0 || read_items(r, n, depth) < 0)
			return -1;
		break;
	case ')':
		if (read_u8(r, &u) < 0 || read_items(r, u, depth) < 0)
			return -1;
		break;
	case '{':
		for (;;) {
			if (need(r, 1) < 0)
				return -1;
			if (r->p[r->pos] == '0') {
				r->pos++;
				break;
			}
			if (read_object(r, ROLE_OTHER, depth + 1) < 0 ||
			    read_object(r, ROLE_OTHER, depth + 1) < 0)
				return -1;
		}
		break;
	case 'c':
		if (read_code(r, depth) < 0)
			return -1;
		break;
	}

	if (idx >= 0) {
		struct ref *f = &r->refs[idx];
		f->end = r->pos;
		f->done = 1;
		if (isstr) {
			f->isstr = 1;
			f->pay = pay;
			f->paylen = n;
		}
	}
	if (isstr && role == ROLE_FILENAME) {
		struct site *s = add_site(r);
		s->start = start;
		s->end = r->pos;
		s->pay = pay;
		s->paylen = n;
		s->ref = idx;
		s->type = type;
		s->flagged = (char)flag;
	}
	return 0;
}

/* release what a walk holds */
static void
reader_free(struct reader *r)
{
	free(r->refs);
	free(r->sites);
	free(r->err);
	memset(r, 0, sizeof *r);
}

/* 1 if s starts with prefix p followed by '/' or its end */
static int
has_prefix(const unsigned char *s, size_t n, const char *p, size_t plen)
{
	return n >= plen && memcmp(s, p, plen) == 0 && (n == plen || s[plen] == '/');
}

/* the old and new prefix, spelled as marshal stores str */
struct prefixes {
	char *old, *new;       /* UTF-8 with surrogates, owned */
	size_t oldlen, newlen;
};

/* release both prefixes */
static void
prefixes_free(struct prefixes *x)
{
	free(x->old);
	free(x->new);
	memset(x, 0, sizeof *x);
}

/* 1 if a file name starting with the old prefix must be rewritten */
static int
wants_rewrite(const struct prefixes *x, const unsigned char *s, size_t n)
{
	if (!has_prefix(s, n, x->old, x->oldlen))
		return 0;
	/* when new extends old, a name under new is already done */
	if (x->newlen > x->oldlen && has_prefix(s, n, x->new, x->newlen))
		return 0;
	return 1;
}

/* 1 if the n bytes are all ASCII */
static int
all_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* marshal a str of the same kind (interned or not) as type, with the new
 * prefix in place of the old one */
static int
put_new_str(struct strbuf *o, const struct prefixes *x, const unsigned char *pay, size_t n,
            unsigned char type, int flag, char **err)
{
	struct strbuf val = {0};
	int interned = type == 'Z' || type == 'A' || type == 't';
	unsigned char t;

	strbuf_addn(&val, x->new, x->newlen);
	strbuf_addn(&val, (const char *)pay + x->oldlen, n - x->oldlen);
	if (val.len > INT32_MAX) {
		strbuf_free(&val);
		*err = xstrdup("file name too long for marshal data");
		return -1;
	}
	if (all_ascii(val.data, val.len))
		t = val.len < 256 ? (interned ? 'Z' : 'z') : (interned ? 'A' : 'a');
	else
		t = interned ? 't' : 'u';
	strbuf_addc(o, (char)(t | (flag ? FLAG_REF : 0)));
	if (t == 'z' || t == 'Z') {
		strbuf_addc(o, (char)val.len);
	} else {
		uint32_t l = (uint32_t)val.len;
		for (int i = 0; i < 4; i++)
			strbuf_addc(o, (char)((l >> (8 * i)) & 0xFF));
	}
	strbuf_addn(o, val.data, val.len);
	strbuf_free(&val);
	return 0;
}

/* decide what each site becomes and write the new stream after the header */
static int
emit(struct reader *r, const struct prefixes *x, struct strbuf *o, int *changed, char **err)
{
	size_t at = 0;

	/* strings that are a co_filename themselves */
	for (size_t i = 0; i < r->nsites; i++) {
		struct site *s = &r->sites[i];
		if (s->isref || !wants_rewrite(x, r->p + s->pay, s->paylen))
			continue;
		s->rewrite = 1;
		if (s->ref >= 0)
			r->refs[s->ref].rewritten = 1;
	}
	*changed = 0;
	for (size_t i = 0; i < r->nsites; i++) {
		struct site *s = &r->sites[i];
		const struct ref *t = s->isref ? &r->refs[s->ref] : NULL;
		if (s->rewrite) {
			strbuf_addn(o, (const char *)r->p + at, s->start - at);
			if (put_new_str(o, x, r->p + s->pay, s->paylen, s->type, s->flagged, err) < 0)
				return -1;
		} else if (t && s->role == ROLE_FILENAME && !t->rewritten && t->isstr &&
		           wants_rewrite(x, r->p + t->pay, t->paylen)) {
			/* a co_filename that refers to the same str used elsewhere:
			 * give this code object its own, unflagged copy */
			strbuf_addn(o, (const char *)r->p + at, s->start - at);
			if (put_new_str(o, x, r->p + t->pay, t->paylen, t->type, 0, err) < 0)
				return -1;
		} else if (t && s->role == ROLE_OTHER && t->rewritten) {
			/* a use elsewhere of a str that was a co_filename keeps
			 * the old value: an unflagged copy of the original */
			strbuf_addn(o, (const char *)r->p + at, s->start - at);
			strbuf_addc(o, (char)(r->p[t->start] & ~FLAG_REF));
			strbuf_addn(o, (const char *)r->p + t->start + 1, t->end - t->start - 1);
		} else {
			continue;
		}
		at = s->end;
		*changed = 1;
	}
	strbuf_addn(o, (const char *)r->p + at, r->len - at);
	return 0;
}

/* parse the whole stream, then write it again with the new file names */
enum pyc_result
pyc_rewrite(const char *data, size_t len, const char *old, const char *new,
            struct strbuf *out, char **err)
{
	struct reader r = {0};
	struct prefixes x = {0};
	struct strbuf body = {0};
	enum pyc_result res = PYC_CORRUPT;
	int changed = 0;

	*err = NULL;
	long magic = pyc_magic(data, len);
	if (magic < 0) {
		*err = xstrdup(len < 4 ? "too short for a .pyc header" : "no .pyc magic number");
		return PYC_CORRUPT;
	}
	const struct known *k = find_known(magic);
	if (!k)
		return PYC_BADMAGIC;
	if (len < HEADER_LEN) {
		*err = xasprintf("truncated header (%zu bytes, a .pyc has %d)", len, HEADER_LEN);
		return PYC_CORRUPT;
	}
	r.p = (const unsigned char *)data + HEADER_LEN;
	r.len = len - HEADER_LEN;
	r.layout = k->layout;
	if (r.len == 0 || (r.p[0] & ~FLAG_REF) != 'c') {
		*err = xstrdup("the marshal data is not a code object");
		goto done;
	}
	if (read_object(&r, ROLE_OTHER, 0) < 0) {
		*err = r.err;
		r.err = NULL;
		goto done;
	}
	x.old = pyc_fs_to_utf8(old, strlen(old), &x.oldlen);
	x.new = pyc_fs_to_utf8(new, strlen(new), &x.newlen);
	res = PYC_SAME;
	if (x.oldlen == x.newlen && memcmp(x.old, x.new, x.oldlen) == 0)
		goto done;
	if (emit(&r, &x, &body, &changed, err) < 0) {
		res = PYC_CORRUPT;
		goto done;
	}
	if (changed) {
		strbuf_addn(out, data, HEADER_LEN);
		strbuf_addn(out, body.data, body.len);
		res = PYC_CHANGED;
	}
done:
	strbuf_free(&body);
	prefixes_free(&x);
	reader_free(&r);
	return res;
}
