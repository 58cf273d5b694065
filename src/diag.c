/* diag: collected diagnostics and byte-offset to line/column mapping */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util.h"

static const char *const levelname[] = {
	[DIAG_NOTE] = "note",
	[DIAG_WARNING] = "warning",
	[DIAG_ERROR] = "error",
};

void
diag_add(struct diags *d, enum diaglevel level, const char *file, int line, int col,
         const char *fmt, ...)
{
	va_list ap;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xreallocarray(d->v, d->cap, sizeof *d->v);
	}
	struct diag *g = &d->v[d->n++];
	g->level = level;
	g->file = xstrdup(file);
	g->line = line;
	g->col = col;
	va_start(ap, fmt);
	g->msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
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
