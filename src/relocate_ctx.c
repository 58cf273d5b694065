/* relocate_ctx: the state of one run, its errors, path and folder helpers */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "relocate_ctx.h"
#include "util.h"

/* release what a run holds */
void
rctx_free(struct rctx *c)
{
	diags_free(&c->d);
	free(c->root);
	free(c->xy);
	free(c->old);
	free(c->new);
	free(c->oldfrom);
	memset(c, 0, sizeof *c);
}

/* raise the exit status */
void
rctx_raise(struct rctx *c, enum exitcode status)
{
	if (status > c->status)
		c->status = status;
}

/* add an error and raise the exit status; always -1 */
int
rctx_fail(struct rctx *c, enum exitcode status, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(&c->d, DIAG_ERROR, file, 0, 0, fmt, ap);
	va_end(ap);
	rctx_raise(c, status);
	return -1;
}

/* add a note about the message before it */
void
rctx_note(struct rctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(&c->d, DIAG_NOTE, NULL, 0, 0, fmt, ap);
	va_end(ap);
}

/* drop trailing slashes, keeping a lone "/" */
void
rctx_strip_slashes(char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
}

/* 1 if s (n bytes) is p or lies under p */
int
rctx_path_under(const char *s, size_t n, const char *p, size_t plen)
{
	return n >= plen && memcmp(s, p, plen) == 0 && (n == plen || s[plen] == '/');
}

/* 1 if path s must move: it lies under old, and not already under new
 * when new lies under old (so a retried run does not move it twice) */
int
rctx_needs_move(const struct rctx *c, const char *s, size_t n)
{
	if (!rctx_path_under(s, n, c->old, c->oldlen))
		return 0;
	if (c->newlen > c->oldlen && rctx_path_under(s, n, c->new, c->newlen))
		return 0;
	return 1;
}

/* compare names for qsort */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the sorted names in a folder (without . and ..), NULL on error with errno */
char **
rctx_list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[(*n)++] = xstrdup(de->d_name);
		errno = 0;
	}
	if (errno) {
		int e = errno;
		for (size_t i = 0; i < *n; i++)
			free(v[i]);
		free(v);
		closedir(d);
		errno = e;
		*n = 0;
		return NULL;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	else
		v = xreallocarray(v, 1, sizeof *v);
	return v;
}

/* free an rctx_list_dir result */
void
rctx_free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
