/* ini: INI files read as Python's configparser reads them with its
 * defaults (strict, '=' and ':' delimiters, '#' and ';' comments, empty
 * lines kept in values), and its ExtendedInterpolation.
 *
 * Syntax: "[NAME]" starts a section (the name is everything up to the
 * last ']'); "KEY = VALUE" or "KEY: VALUE" (the first '=' or ':' ends the
 * key; keys are lowercased, names of sections are not); a line whose
 * first non-blank is '#' or ';' is a comment, also inside a value; a line
 * indented deeper than its key's line continues the value (each line
 * stripped, joined with '\n'; empty lines inside are kept, trailing ones
 * dropped). A section given twice, or a key given twice in one section,
 * is an error; [DEFAULT] may be given more than once. Text must be UTF-8
 * without NUL; a leading BOM is skipped.
 *
 * Ownership: a struct ini owns its sections, entries and strings and
 * borrows the text, which must outlive it; ini_free() releases it. The
 * strings and arrays ini_expand() returns are the caller's. */
#ifndef VDIST_INI_H
#define VDIST_INI_H

#include <stddef.h>

#include "diag.h"

/* the most references ini_expand follows inside each other, as configparser */
#define INI_MAX_DEPTH 10

/* one KEY = VALUE */
struct ini_entry {
	char *key;      /* lowercased, owned */
	size_t keyoff;  /* byte offset of the key in the text */
	char *value;    /* raw value, lines joined with '\n', owned */
	size_t len;     /* strlen(value) */
	size_t *at;     /* at[i]: byte offset in the text of value[i]; at[len]: where it ends */
};

/* one [NAME] and its entries in file order */
struct ini_section {
	char *name;            /* owned */
	size_t off;            /* byte offset of its header's '['; (size_t)-1 for a DEFAULT never given */
	struct ini_entry *v;   /* owned */
	size_t n;              /* how many */
};

/* a whole file */
struct ini {
	char *file;               /* its name, owned */
	const char *text;         /* its contents, borrowed */
	size_t len;               /* bytes of text */
	struct ini_section def;   /* [DEFAULT], maybe empty */
	struct ini_section *v;    /* the other sections, in file order, owned */
	size_t n;                 /* how many */
};

/* parse text (len bytes) read from file; 0 with *out the file, or -1
 * after located errors in d (*out NULL) */
int ini_parse(const char *file, const char *text, size_t len, struct ini **out, struct diags *d);
/* the section called name (DEFAULT included), or NULL */
const struct ini_section *ini_section(const struct ini *ini, const char *name);
/* the entry for key of s itself, or NULL */
const struct ini_entry *ini_own(const struct ini_section *s, const char *key);
/* the entry for key as section s sees it: its own, else DEFAULT's; or NULL */
const struct ini_entry *ini_lookup(const struct ini *ini, const struct ini_section *s, const char *key);
/* the value of e as section s reads it, with ${KEY}, ${SECTION:KEY} and
 * $$ expanded: 0 with *out the text (caller frees) and *at (caller frees)
 * the byte offset in the file each byte of it came from (strlen(*out) + 1
 * of them); -1 after a located error in d */
int ini_expand(const struct ini *ini, const struct ini_section *s, const struct ini_entry *e, char **out,
               size_t **at, struct diags *d);
/* configparser's boolean: 1 for 1/yes/true/on, 0 for 0/no/false/off
 * (any case), -1 for anything else */
int ini_boolean(const char *s);
/* release everything (NULL is fine) */
void ini_free(struct ini *ini);

#endif
