/* emit: the generated files of a project, planned in memory and then
 * written, so that bad input or a template error leaves every file as it
 * was: the runtime (the same for every build, copied verbatim into
 * .vdist/runtime/), each build's values and files from templates
 * (.vdist/ID/), and vdist.mk, which includes them.
 *
 * A struct outfiles owns its paths and contents; outfiles_free()
 * releases them. */
#ifndef VDIST_EMIT_H
#define VDIST_EMIT_H

#include <stddef.h>

#include "config.h"
#include "diag.h"
#include "profile.h"

/* what the caller tells emit about this run */
struct emit_opts {
	const char *config_path;    /* vdist.json as given, relative to the project folder */
	const char *project_rel;    /* the project folder as seen from outdir ("." when the same) */
	const char *outdir;         /* where vdist.mk and .vdist/ go */
	const char *gen_path;       /* absolute path of this vdist-gen, for the regeneration rule */
	const char *const *regen_args; /* arguments that regenerate, NULL-terminated */
	const char *user_templates; /* the project's templates folder (maybe missing) */
	const char *builtin_mk;     /* the built-in make files (vdist.mk, build.mk, rules.mk) */
	const char *today;          /* YYYY-MM-DD: builds on a profile past its end of life are warned about */
};

/* one file to write */
struct outfile {
	char *path;   /* relative to the current folder */
	char *data;   /* contents */
	size_t len;   /* their length */
	int mode;     /* permission bits */
	int touch;    /* 1: write even when unchanged (vdist.mk, so make sees it remade) */
};

/* the files of one run */
struct outfiles {
	struct outfile *v;  /* files in writing order */
	size_t n;           /* how many */
};

/* expand every template for config c; 0 with *out filled, or -1 with
 * errors in d and nothing planned */
int emit_plan(const struct config *c, const struct profiles *p, const struct emit_opts *o,
              struct outfiles *out, struct diags *d);
/* write the planned files (unchanged ones are left alone unless touch);
 * 0 on success, -1 with an error in d; *written counts files written */
int emit_write(const struct outfiles *f, struct diags *d, int *written);
/* release the plan */
void outfiles_free(struct outfiles *f);

#endif
