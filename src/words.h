/* words: text split into words by the shell's quoting rules, and never
 * evaluated: blanks and newlines separate words; 'single quotes' keep
 * everything; "double quotes" keep everything but \$ \` \" \\ and
 * backslash-newline; outside quotes a backslash keeps the next character
 * (backslash-newline joins lines). Nothing is expanded: a $, `, glob,
 * operator or # stays text, and the first such character is reported so
 * the caller can say that a shell would have read it otherwise.
 *
 * A struct words owns its strings and arrays; words_free() releases them. */
#ifndef VDIST_WORDS_H
#define VDIST_WORDS_H

#include <stddef.h>

/* the words of one text */
struct words {
	char **v;        /* the words, owned */
	size_t *at;      /* index in the text of each word's first character */
	size_t n;        /* how many */
	size_t special;  /* index of the first character a shell would have
	                  * expanded or treated as syntax, or (size_t)-1 */
};

/* split the len bytes of s into w; 0, or -1 with *errat the index of the
 * offending character and *why what is wrong (a constant), w empty */
int words_split(const char *s, size_t len, struct words *w, size_t *errat, const char **why);
/* release the words */
void words_free(struct words *w);

#endif
