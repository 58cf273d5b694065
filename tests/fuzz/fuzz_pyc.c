/* fuzz_pyc: the marshal walker of vdist-relocate on any bytes as a .pyc.
 *
 * FUZZ_SOURCES: src/pyc.c src/util.c
 * FUZZ_FLAGS: -max_len=8192
 *
 * The old location is /vdist-old/venv, as in tests/relocate/pyc/; the last
 * input byte picks the new one (shorter, under the old one, not UTF-8,
 * too long for a short str). Checked besides the sanitizers: an error
 * comes with its text and only then; a rewritten file keeps its 16-byte
 * header, parses again, needs no second rewrite (vdist-relocate run twice
 * changes nothing), and can be moved back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pyc.h"
#include "util.h"

#define OLD "/vdist-old/venv"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fail unless an error text comes with PYC_CORRUPT and only with it */
static void
check_err(enum pyc_result r, char *err, const char *what)
{
	if ((r == PYC_CORRUPT) != (err != NULL))
		fuzz_fail("%s: result %d with error text %s", what, (int)r, err ? err : "(none)");
	free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char longer[400];
	const char *news[] = {"/vdist-new/place", OLD "/moved", "/n\xc3\xa9w/v\xff" "env", longer};
	const char *in = (const char *)data;
	struct strbuf out = {0};
	char *err = NULL;

	if (!longer[0]) {
		memset(longer, 'x', sizeof longer - 1);
		longer[0] = '/';
	}
	const char *new = news[size ? data[size - 1] % 4 : 0];
	enum pyc_result r = pyc_rewrite(in, size, OLD, new, &out, &err);
	check_err(r, err, "first rewrite");
	if (r != PYC_CHANGED) {
		if (out.len)
			fuzz_fail("result %d, yet something was written", (int)r);
		return 0;
	}
	if (out.len < 16 || memcmp(out.data, in, 16))
		fuzz_fail("the rewritten file does not keep its header");

	struct strbuf again = {0};
	r = pyc_rewrite(out.data, out.len, OLD, new, &again, &err);
	if (r != PYC_SAME)
		fuzz_fail("a second rewrite gives %d (%s), not PYC_SAME", (int)r, err ? err : "no error");
	check_err(r, err, "second rewrite");
	r = pyc_rewrite(out.data, out.len, new, OLD, &again, &err);
	if (r != PYC_CHANGED && r != PYC_SAME)
		fuzz_fail("moving back gives %d (%s)", (int)r, err ? err : "no error");
	check_err(r, err, "moving back");
	strbuf_free(&again);
	strbuf_free(&out);
	return 0;
}
