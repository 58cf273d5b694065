/* relocate_text: how each kind of file in a virtualenv spells a path, and
 * the rewrites of text files that hold the old location: '#!' lines (and
 * pip's '#!/bin/sh' trampoline), activate scripts, pyvenv.cfg, .pth and
 * .egg-link files, __editable__ finders and direct_url.json. Also the small
 * scanners (shell words, blanks, keywords) the other parts read scripts with.
 *
 * Ownership: rewrites append to a strbuf the caller owns; a struct
 * rtext_header owns its strings, released by rtext_header_free(). Errors go
 * into the run's diagnostics (struct rctx); nothing here prints or exits. */
#ifndef VDIST_RELOCATE_TEXT_H
#define VDIST_RELOCATE_TEXT_H

#include <stddef.h>

#include "relocate_ctx.h"
#include "util.h"

/* how a file quotes the paths written into it */
enum rtext_flavour {
	RTEXT_RAW,   /* bytes as they are */
	RTEXT_CFG,   /* UTF-8, other bytes as \xNN: pyvenv.cfg (Python reads it strictly as UTF-8) */
	RTEXT_SH,    /* POSIX sh: bin/activate */
	RTEXT_CSH,   /* csh: bin/activate.csh */
	RTEXT_FISH,  /* fish: bin/activate.fish */
	RTEXT_PS1,   /* PowerShell: bin/Activate.ps1 */
	RTEXT_NU,    /* nushell: bin/activate.nu */
	RTEXT_PY,    /* Python literals, raw outside quotes: .pth, finders, activate.xsh */
	RTEXT_URL,   /* file:// URLs: direct_url.json */
};

/* the interpreter a script starts, and where its header ends */
struct rtext_header {
	char *interp;      /* interpreter path, owned */
	char *args;        /* bytes after it on the '#!' line, or before "$0" in a trampoline, owned */
	size_t lead;       /* blanks between '#!' and the interpreter */
	size_t bodyoff;    /* where the script proper starts */
	int newline;       /* the header ended with a newline */
	int trampoline;    /* the '#!/bin/sh' + '''exec' form pip uses for long or spaced paths */
};

/* 1 if s starts with prefix, else 0 */
int rtext_starts_with(const char *s, const char *prefix);
/* the first place of needle (m bytes) in hay (n bytes), or NULL */
const char *rtext_find(const char *hay, size_t n, const char *needle, size_t m);
/* 1 if s (n bytes) is valid UTF-8, else 0 */
int rtext_utf8_ok(const char *s, size_t n);
/* the index of the first byte at or after i that is not a space or tab */
size_t rtext_skip_blanks(const char *s, size_t len, size_t i);
/* if s[i..len) starts with word followed by a blank or '=', the index
 * after the word; else 0 */
size_t rtext_after_word(const char *s, size_t len, size_t i, const char *word);
/* read one shell word at *pos into w, removing quotes, and move *pos past
 * it; 0, or -1 if it is computed ($, backquotes) or a quote is not closed.
 * fish (non-zero) allows \' and \\ in '...' */
int rtext_shell_word(const char *s, size_t len, size_t *pos, struct strbuf *w, int fish);

/* parse the '#!' header of a script into h; 1 if it is one we know, else 0
 * (h then holds nothing to free) */
int rtext_parse_header(const char *in, size_t len, struct rtext_header *h);
/* release what a header holds and zero it */
void rtext_header_free(struct rtext_header *h);

/* rewrite every old path (c->old) in the text file in (len bytes, named
 * file for messages) of flavour fl into out, as c->new; 0, or -1 with an
 * error when the new path cannot be written where the old one stands */
int rtext_rewrite(struct rctx *c, const char *file, enum rtext_flavour fl, const char *in, size_t len,
                  struct strbuf *out);
/* rewrite the '#!' header of a script in bin/ into out (header and body);
 * 1 if it changes, 0 if it does not (out is then untouched) */
int rtext_rewrite_script(const struct rctx *c, const char *in, size_t len, struct strbuf *out);

#endif
