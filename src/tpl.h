/* tpl: the plain C face of ctemplate (the only C++ in vdist).
 *
 * tpl_init() registers the escaping modifiers before any template is
 * loaded:  x-sh  quotes a value as one shell word ('...' with '\'' for ');
 *          x-mk  escapes a value for a make variable or recipe ($$ and
 *                $(vdist_hash), $(vdist_bs), $(vdist_nl), $(vdist_empty)
 *                for #, \, newline and leading blanks; vdist.mk defines them);
 *          x-mkpath escapes a file name for a make target or prerequisite
 *                (backslash before space # % : \ * ? [, and $$ for $).
 * Templates are expanded with no whitespace stripping (tabs matter in make).
 * A template that uses a modifier other than these (or ctemplate's own), a
 * name the dictionary does not declare, a value without a modifier (other
 * than those set with tpl_set_raw), or bad syntax is an error located at
 * its FILE:LINE:COL.
 *
 * A dictionary from tpl_dict_new() owns its sections; tpl_dict_free() on
 * the root releases them all. */
#ifndef VDIST_TPL_H
#define VDIST_TPL_H

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* a ctemplate dictionary and the set of names it declares */
struct tpl_dict;

/* register the modifiers; call once before any other tpl function */
void tpl_init(void);
/* a new empty root dictionary */
struct tpl_dict *tpl_dict_new(void);
/* release a root dictionary and its sections (NULL is fine) */
void tpl_dict_free(struct tpl_dict *d);
/* set a value (and declare its name) */
void tpl_set(struct tpl_dict *d, const char *name, const char *value);
/* set a value that templates may use without a modifier: only for values
 * whose form vdist-gen has checked (ids, versions, image names...) */
void tpl_set_raw(struct tpl_dict *d, const char *name, const char *value);
/* declare a name that templates may use even when it is not set here,
 * such as a section with no items */
void tpl_declare(struct tpl_dict *d, const char *name);
/* add one item of section name and return its dictionary (owned by d's root) */
struct tpl_dict *tpl_add_section(struct tpl_dict *d, const char *name);
/* show section name once, with d's own values */
void tpl_show_section(struct tpl_dict *d, const char *name);
/* expand the template at path with d; 0 and *out (caller frees) on
 * success, -1 with located errors in diags */
int tpl_expand(const char *path, struct tpl_dict *d, char **out, struct diags *diags);
/* s quoted as one shell word; the caller frees it */
char *tpl_shell_quote(const char *s);
/* s escaped for make as x-mk does; the caller frees it */
char *tpl_make_escape(const char *s);

#ifdef __cplusplus
}
#endif

#endif
