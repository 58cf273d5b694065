/* fuzz_relocate: vdist-relocate's text rewriting on any file contents.
 *
 * FUZZ_SOURCES: src/relocate_text.c src/relocate_ctx.c src/pyc.c src/diag.c src/util.c
 * FUZZ_FLAGS: -max_len=4096
 *
 * The input is one selector byte, then either "OLD\0NEW\0TEXT" (when both
 * are paths vdist-relocate would accept: absolute, not '/', no newline,
 * no trailing '/') or TEXT alone, with the old and new locations taken
 * from a table by the selector's top 3 bits. The text is rewritten in the
 * flavour its low 5 bits pick (enum rtext_flavour, modulo their number)
 * with rtext_rewrite, as a script in bin/
 * (rtext_rewrite_script), and read word by word as a shell script.
 * Checked besides the sanitizers: a '#!' header that vdist-relocate
 * writes reads back as the interpreter and arguments it meant, with the
 * body unchanged; a failed rewrite says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "relocate_ctx.h"
#include "relocate_text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* old and new locations for inputs that give none */
static const char *const pairs[][2] = {
	{"/vdist-old/venv", "/vdist-new/place"},
	{"/vdist-old/venv", "/new place/it's \"q\" $x `y` !z \\w"},
	{"/vdist-old/venv", "/vdist-old/venv/sub"},
	{"/vdist-old/venv", "/vdist"},
	{"/vdist-old/venv", "/n\xc3\xa9w/b\xff" "d"},
	{"/o'ld $v", "/vdist-new/place"},
	{"/vdist-old/venv", "/a-new-location-long-enough-to-need-the-sh-trampoline-of-pip/"
	                    "because-a-shebang-line-holds-at-most-127-bytes/and-this-is-longer"},
	{"/vdist-old/venv", "/vdist-new/place"},
};

/* 1 if p (n bytes) is a location vdist-relocate accepts */
static int
good_path(const char *p, size_t n)
{
	return n >= 2 && p[0] == '/' && p[n - 1] != '/' && !memchr(p, '\n', n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned sel = data[0];
	struct fuzz_part part[3];
	size_t n = fuzz_split(data + 1, size - 1, part, 3);
	struct rctx c = {0};
	const char *text;
	size_t len;

	if (n == 3 && good_path(part[0].p, part[0].n) && good_path(part[1].p, part[1].n)) {
		c.old = xstrndup(part[0].p, part[0].n);
		c.new = xstrndup(part[1].p, part[1].n);
		text = part[2].p;
		len = part[2].n;
	} else {
		c.old = xstrdup(pairs[sel >> 5][0]);
		c.new = xstrdup(pairs[sel >> 5][1]);
		text = (const char *)data + 1;
		len = size - 1;
	}
	c.oldlen = strlen(c.old);
	c.newlen = strlen(c.new);

	/* a text file of the flavour the selector picks */
	struct strbuf out = {0};
	enum rtext_flavour fl = (enum rtext_flavour)((sel & 31) % (RTEXT_URL + 1));
	if (rtext_rewrite(&c, "fuzz.txt", fl, text, len, &out) < 0 && c.d.errors == 0)
		fuzz_fail("rtext_rewrite failed without an error");
	strbuf_free(&out);

	/* a script in bin/: what is written must read back as meant */
	struct rtext_header h, back;
	if (rtext_rewrite_script(&c, text, len, &out)) {
		if (!rtext_parse_header(text, len, &h))
			fuzz_fail("a script was rewritten whose header does not parse");
		if (!rtext_parse_header(out.data, out.len, &back))
			fuzz_fail("the rewritten header does not parse: %.200s", out.data);
		struct strbuf want = {0};
		strbuf_addn(&want, c.new, c.newlen);
		strbuf_adds(&want, h.interp + c.oldlen);
		if (strcmp(back.interp, want.data))
			fuzz_fail("the rewritten header starts '%s', not '%s'", back.interp, want.data);
		if (strcmp(back.args, h.args))
			fuzz_fail("the rewritten header's arguments are '%s', not '%s'", back.args, h.args);
		if (out.len - back.bodyoff != len - h.bodyoff ||
		    memcmp(out.data + back.bodyoff, text + h.bodyoff, len - h.bodyoff))
			fuzz_fail("the script's body changed");
		strbuf_free(&want);
		rtext_header_free(&back);
		rtext_header_free(&h);
	}
	strbuf_free(&out);

	/* shell words, line by line, as activate scripts are read for the old location */
	for (size_t line = 0; line < len;) {
		const char *nl = memchr(text + line, '\n', len - line);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t pos = rtext_skip_blanks(text, end, line), q;
		if ((q = rtext_after_word(text, end, pos, "export")))
			pos = rtext_skip_blanks(text, end, q);
		while (pos < end) {
			struct strbuf w = {0};
			size_t at = pos;
			int r = rtext_shell_word(text, end, &at, &w, fl == RTEXT_FISH);
			strbuf_free(&w);
			if (at > end)
				fuzz_fail("rtext_shell_word read past the end of the line");
			if (r < 0 || at == pos)
				break;
			pos = rtext_skip_blanks(text, end, at);
		}
		line = end + 1;
	}
	rctx_free(&c);
	return 0;
}
