/* words: shell-style word splitting, without evaluation */
#include "words.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* note that the character at i would mean something to a shell */
static void
mark(struct words *w, size_t i)
{
	if (w->special == (size_t)-1)
		w->special = i;
}

/* end the word in b (started at start) and add it to w */
static void
add_word(struct words *w, struct strbuf *b, size_t start)
{
	w->v = xreallocarray(w->v, w->n + 1, sizeof *w->v);
	w->at = xreallocarray(w->at, w->n + 1, sizeof *w->at);
	w->v[w->n] = strbuf_take(b);
	w->at[w->n++] = start;
}

/* 1 if c separates words */
static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int
words_split(const char *s, size_t len, struct words *w, size_t *errat, const char **why)
{
	struct strbuf b = {0};
	size_t i = 0, start = 0;
	int inword = 0;

	memset(w, 0, sizeof *w);
	w->special = (size_t)-1;
	while (i < len) {
		char c = s[i];
		if (blank(c)) {
			if (inword)
				add_word(w, &b, start);
			inword = 0;
			i++;
			continue;
		}
		if (!inword) {
			inword = 1;
			start = i;
			if (c == '#')
				mark(w, i);  /* a shell's comment */
		}
		if (c == '\\') {
			if (i + 1 == len) {
				*errat = i;
				*why = "a backslash at the end escapes nothing";
				goto fail;
			}
			if (s[i + 1] != '\n')
				strbuf_addc(&b, s[i + 1]);
			else if (b.len == 0 && start == i)
				inword = 0;  /* a line continuation between words */
			i += 2;
		} else if (c == '\'') {
			const char *end = memchr(s + i + 1, '\'', len - i - 1);
			if (!end) {
				*errat = i;
				*why = "this single quote is never closed";
				goto fail;
			}
			strbuf_addn(&b, s + i + 1, (size_t)(end - s) - i - 1);
			i = (size_t)(end - s) + 1;
		} else if (c == '"') {
			size_t q = i++;
			for (;;) {
				if (i == len) {
					*errat = q;
					*why = "this double quote is never closed";
					goto fail;
				}
				if (s[i] == '"')
					break;
				if (s[i] == '\\' && i + 1 < len && strchr("$`\"\\\n", s[i + 1])) {
					if (s[i + 1] != '\n')
						strbuf_addc(&b, s[i + 1]);
					i += 2;
					continue;
				}
				if (s[i] == '$' || s[i] == '`')
					mark(w, i);
				strbuf_addc(&b, s[i++]);
			}
			i++;
		} else {
			if (strchr("$`*?[;&|<>()", c))
				mark(w, i);
			strbuf_addc(&b, c);
			i++;
		}
	}
	if (inword)
		add_word(w, &b, start);
	strbuf_free(&b);
	return 0;
fail:
	strbuf_free(&b);
	words_free(w);
	return -1;
}

void
words_free(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	free(w->at);
	memset(w, 0, sizeof *w);
	w->special = (size_t)-1;
}
