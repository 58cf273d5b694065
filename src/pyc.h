/* pyc: rewrite the co_filename of every code object in a CPython .pyc file.
 *
 * The marshal stream is walked, never loaded or executed, and every byte
 * that is not a rewritten file name is copied as it is. Supported are the
 * release magic numbers of CPython 3.7 to 3.13 (see pyc_supported()).
 *
 * Ownership: pyc_rewrite appends to a strbuf the caller owns, and on
 * failure hands the caller an error text to free(). Paths are given as file
 * system bytes; names that are not UTF-8 are matched the way Python spells
 * them (surrogateescape). */
#ifndef VDIST_PYC_H
#define VDIST_PYC_H

#include <stddef.h>

#include "util.h"

/* what pyc_rewrite made of a file */
enum pyc_result {
	PYC_SAME,      /* parsed, nothing to change; out is untouched */
	PYC_CHANGED,   /* out holds the whole rewritten file */
	PYC_BADMAGIC,  /* a magic number this module does not read */
	PYC_CORRUPT,   /* the header or the marshal data does not parse */
};

/* the magic number of a .pyc (its first two bytes, little endian), or -1
 * if data is shorter than 4 bytes or bytes 2-3 are not "\r\n" */
long pyc_magic(const char *data, size_t len);
/* the Python version ("3.11") a magic number belongs to, NULL if unsupported */
const char *pyc_version(long magic);
/* the supported magic numbers with their versions, for messages */
const char *pyc_supported(void);
/* rewrite every co_filename of a .pyc that starts with old (followed by
 * '/' or its end) so that it starts with new; a name that already starts
 * with new is left alone when new is the longer. On PYC_CORRUPT *err is set
 * (owned by the caller); out is only appended to on PYC_CHANGED */
enum pyc_result pyc_rewrite(const char *data, size_t len, const char *old, const char *new,
                            struct strbuf *out, char **err);
/* length of the valid UTF-8 sequence starting at s (at most n bytes), or 0
 * if none starts there (as Python's strict decoder sees it) */
size_t pyc_utf8_len(const unsigned char *s, size_t n);
/* file system bytes as Python's str spells them in UTF-8: bytes that are
 * not valid UTF-8 become surrogates U+DC80..U+DCFF (surrogateescape) */
char *pyc_fs_to_utf8(const char *s, size_t n, size_t *outlen);

#endif
