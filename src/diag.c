/* diag: collected diagnostics and byte-offset to line/column mapping */
#include "diag.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const levelname[] = {
	[DIAG_NOTE] = "note",
	[DIAG_WARNING] = "warning",
	[DIAG_ERROR] = "error",
};

void
diag_vadd(struct diags *d, enum diaglevel level, const char *file, int line, int col,
          const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xreallocarray(d->v, d->cap, sizeof *d->v);
	}
	struct diag *g = &d->v[d->n++];
	g->level = level;
	g->file = xstrdup(file);
	g->line = line;
	g->col = col;
	g->msg = xvasprintf(fmt, ap);
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
}

void
diag_add(struct diags *d, enum diaglevel level, const char *file, int line, int col,
         const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, level, file, line, col, fmt, ap);
	va_end(ap);
}

void
diag_vat(struct diags *d, enum diaglevel level, const char *file, const char *text, size_t len,
         size_t off, const char *fmt, va_list ap)
{
	int line = 0, col = 0;

	if (off != (size_t)-1 && text)
		diag_linecol(text, len, off, &line, &col);
	diag_vadd(d, level, file, line, col, fmt, ap);
}

void
diag_at(struct diags *d, enum diaglevel level, const char *file, const char *text, size_t len,
        size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vat(d, level, file, text, len, off, fmt, ap);
	va_end(ap);
}

/* edit distance of a and b, capped for speed */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *
diag_suggest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(s);
	for (size_t i = 0; i < n; i++) {
		size_t dd = distance(s, names[i]);
		if (dd < bestd) {
			bestd = dd;
			best = names[i];
		}
	}
	/* close enough: at most a third of the word changed, and at most 3 edits */
	if (best && bestd <= 3 && bestd * 3 <= (len > 3 ? len : 3))
		return best;
	return NULL;
}

char *
diag_did_you_mean(const char *s, const char *const *names, size_t n, const char *otherwise)
{
	const char *best = diag_suggest(s, names, n);
	return best ? xasprintf("; did you mean \"%s\"?", best) : xstrdup(otherwise);
}

void
diag_print(const struct diags *d, const char *prog, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		if (!g->file)
			fprintf(f, "%s: ", prog);
		else if (g->line > 0)
			fprintf(f, "%s:%d:%d: ", g->file, g->line, g->col);
		else
			fprintf(f, "%s: ", g->file);
		fprintf(f, "%s: %s\n", levelname[g->level], g->msg);
	}
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
	d->errors = d->warnings = 0;
}

void
diag_linecol(const char *text, size_t len, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;  /* count characters, not UTF-8 continuation bytes */
		}
	}
	*line = l;
	*col = c;
}
