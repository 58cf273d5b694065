/* fuzz: what the libFuzzer targets share (header only, no state).
 *
 * Each tests/fuzz/fuzz_*.c names what it links in its first comment, on a
 * line "FUZZ_SOURCES: ..." (files under src/) and, when it needs more than
 * libcrypto (util.c's SHA-256), "FUZZ_PKGS: ..." (pkg-config modules);
 * tests/fuzz/build reads those lines. A broken property is reported with
 * fuzz_fail(), which aborts, so libFuzzer saves the input as a crash. */
#ifndef VDIST_FUZZ_H
#define VDIST_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the tree the targets read fixtures from (set by tests/fuzz/build) */
#ifndef FUZZ_SRCDIR
#error "build with -DFUZZ_SRCDIR='\"/path/to/vdist\"' (tests/fuzz/build does)"
#endif

/* one piece of the fuzzer's input: n bytes at p (not NUL-terminated) */
struct fuzz_part {
	const char *p;
	size_t n;
};

/* report a broken property and abort; never returns */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz: property broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* split data at NUL bytes into at most max parts (the last one keeps the
 * rest, NULs included); the number of parts, at least 1 */
static inline size_t
fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *v, size_t max)
{
	const char *s = (const char *)data, *end = s + size;
	size_t n = 0;
	while (n + 1 < max) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		if (!nul)
			break;
		v[n++] = (struct fuzz_part){s, (size_t)(nul - s)};
		s = nul + 1;
	}
	v[n++] = (struct fuzz_part){s, (size_t)(end - s)};
	return n;
}

/* 1 if the n bytes at s are UTF-8 (no surrogates, no overlongs), else 0;
 * written here again, not taken from src/, so it checks src/ */
static inline int
fuzz_utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (k == 0 || n - i < k)
			return 0;
		unsigned long cp = k == 1 ? c : c & (0x7F >> k);
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		i += k;
	}
	return 1;
}

#endif
