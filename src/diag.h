/* diag: the diagnostics a run collects, printed as FILE:LINE:COL: LEVEL: MSG.
 *
 * Modules never print or exit; they add diagnostics here and return an
 * error. main prints them and picks the exit status. A struct diags owns
 * every string it holds; diags_free() releases them. */
#ifndef VDIST_DIAG_H
#define VDIST_DIAG_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* exit statuses of every vdist program */
enum exitcode {
	EXIT_OK = 0,      /* success */
	EXIT_INPUT = 1,   /* bad input: config, profile, template, venv */
	EXIT_USAGE = 2,   /* bad command line */
	EXIT_SYSTEM = 3,  /* system error: I/O, network, out of resources */
};

/* how bad one diagnostic is */
enum diaglevel {
	DIAG_NOTE,     /* extra help attached to the message before it */
	DIAG_WARNING,  /* suspicious, but output is still written */
	DIAG_ERROR,    /* bad input: no output is written */
};

/* one message with its location; line and col are 0 when unknown */
struct diag {
	enum diaglevel level;  /* severity */
	char *file;            /* file the message is about, or NULL */
	int line, col;         /* 1-based position, 0 if none */
	char *msg;             /* the text, without a trailing newline */
};

/* all messages of one run, in the order they were added */
struct diags {
	struct diag *v;   /* messages, owned */
	size_t n, cap;    /* used and allocated */
	int errors;       /* how many are DIAG_ERROR */
	int warnings;     /* how many are DIAG_WARNING */
};

/* add a message; file may be NULL, line/col 0 when unknown */
void diag_add(struct diags *d, enum diaglevel level, const char *file, int line, int col,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* diag_add with a va_list */
void diag_vadd(struct diags *d, enum diaglevel level, const char *file, int line, int col,
               const char *fmt, va_list ap);
/* add a message located at byte offset off of text (the contents of
 * file); off (size_t)-1 means no position */
void diag_at(struct diags *d, enum diaglevel level, const char *file, const char *text,
             size_t len, size_t off, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* diag_at with a va_list */
void diag_vat(struct diags *d, enum diaglevel level, const char *file, const char *text, size_t len,
              size_t off, const char *fmt, va_list ap);
/* the name in names[0..n) closest to s, for "did you mean"; NULL when
 * none is close (at most 3 edits and a third of the word) */
const char *diag_suggest(const char *s, const char *const *names, size_t n);
/* "; did you mean \"NAME\"?" for the name closest to s, or otherwise
 * (which may be ""); the caller frees it */
char *diag_did_you_mean(const char *s, const char *const *names, size_t n, const char *otherwise);
/* print every message to f, one per line, prefixed with prog when no file */
void diag_print(const struct diags *d, const char *prog, FILE *f);
/* release every message */
void diags_free(struct diags *d);
/* 1-based line and column of byte offset off in text */
void diag_linecol(const char *text, size_t len, size_t off, int *line, int *col);

#ifdef __cplusplus
}
#endif

#endif
