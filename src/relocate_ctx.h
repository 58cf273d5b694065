/* relocate_ctx: the state of one vdist-relocate run, the errors it
 * collects, and the path and folder helpers every part of it uses.
 *
 * Ownership: a struct rctx owns every string it points to and its
 * diagnostics; rctx_free() releases them. Errors and notes go into its
 * struct diags for main to print; nothing here prints or exits. A
 * rctx_list_dir() result is the caller's, freed with rctx_free_names(). */
#ifndef VDIST_RELOCATE_CTX_H
#define VDIST_RELOCATE_CTX_H

#include <stddef.h>

#include "diag.h"

/* the state of one run */
struct rctx {
	char *root;              /* the virtualenv folder as given, no trailing slash, owned */
	char *xy;                /* its Python version, "3.11", owned */
	char *old, *new;         /* the old and the new location, owned */
	size_t oldlen, newlen;
	char *oldfrom;           /* where old was read from, owned */
	int dryrun;              /* plan and report, write nothing */
	int verbose;             /* report each file */
	struct diags d;          /* messages for main to print */
	enum exitcode status;    /* worst exit status so far */
};

/* release what a run holds and zero it */
void rctx_free(struct rctx *c);
/* raise the run's exit status to status if it is worse */
void rctx_raise(struct rctx *c, enum exitcode status);
/* add an error about file (or the run, when NULL) and raise the exit
 * status to status; always returns -1 */
int rctx_fail(struct rctx *c, enum exitcode status, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* add a note that tells what to do about the message before it */
void rctx_note(struct rctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* drop trailing slashes in place, keeping a lone "/" */
void rctx_strip_slashes(char *s);
/* 1 if s (n bytes) is p or lies under p, else 0 */
int rctx_path_under(const char *s, size_t n, const char *p, size_t plen);
/* 1 if path s (n bytes) must move: it lies under old, and not already
 * under new when new lies under old (so a retried run does not move it
 * twice); else 0 */
int rctx_needs_move(const struct rctx *c, const char *s, size_t n);
/* the sorted names in a folder (without . and ..), *n of them; NULL on
 * error with errno set */
char **rctx_list_dir(const char *dir, size_t *n);
/* free an rctx_list_dir result of n names (v may be NULL) */
void rctx_free_names(char **v, size_t n);

#endif
