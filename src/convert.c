/* convert: write a converted vdist.json and check it with config */
#include "convert.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jsonw.h"
#include "util.h"

/* the byte offset of 1-based line and column (in characters) of text */
static size_t
offset_of(const char *text, size_t len, int line, int col)
{
	size_t i = 0;
	for (int l = 1; l < line && i < len; i++)
		if (text[i] == '\n')
			l++;
	for (int c = 1; i < len && text[i] != '\n'; i++) {
		if (((unsigned char)text[i] & 0xC0) == 0x80)
			continue;
		if (c++ == col)
			break;
	}
	return i;
}

int
convert_finish(const struct json *tree, const char *outpath, const char *srcfile, const char *srctext,
               size_t srclen, char **out, size_t *outlen, struct diags *d)
{
	struct strbuf b = {0};
	struct jsonw_spans spans = {0};
	struct diags cd = {0};
	struct config *cfg = NULL;
	const char *as = strcmp(outpath, "-") ? outpath : "vdist.json";

	jsonw_write(&b, tree, &spans);
	/* config owns the copy it is given */
	int r = config_load(as, xstrndup(b.data, b.len), b.len, &cfg, &cd);
	for (size_t i = 0; i < cd.n; i++) {
		const struct diag *g = &cd.v[i];
		const struct jsonw_span *sp = NULL;
		if (g->line > 0)
			sp = jsonw_span_at(&spans, offset_of(b.data, b.len, g->line, g->col));
		if (sp && sp->node->off != JSONW_NOWHERE && srcfile)
			diag_at(d, g->level, srcfile, srctext, srclen, sp->node->off, "%s", g->msg);
		else
			diag_add(d, g->level, srcfile, 0, 0, "%s", g->msg);
	}
	diags_free(&cd);
	jsonw_spans_free(&spans);
	config_free(cfg);
	if (r < 0) {
		strbuf_free(&b);
		return -1;
	}
	*outlen = b.len;
	*out = strbuf_take(&b);
	return 0;
}
