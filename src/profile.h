/* profile: build machines from build_machines.json, the built-in file
 * merged by id with the project's ./templates/build_machines.json (a
 * project profile replaces a built-in one of the same id whole).
 *
 * A struct profiles owns its profiles and their strings; profiles_free()
 * releases them. Template lookup: the project's folder first, then the
 * built-in one. */
#ifndef VDIST_PROFILE_H
#define VDIST_PROFILE_H

#include <stdio.h>

#include "config.h"
#include "diag.h"

/* one build machine */
struct profile {
	char *id;                      /* key in build_machines.json */
	char *origin;                  /* path of the file that defined it */
	size_t off;                    /* byte offset of its definition there */
	char *docker_image;            /* base image of the builder */
	char *script;                  /* build script template name */
	int script_line, script_col;   /* where its value is in origin */
	char *package_type;            /* "deb" or "rpm" */
	char *packager;                /* "native" or "fpm" */
	char *pkg_install;             /* command that installs OS packages, "" to use $PKG_INSTALL */
	struct strlist build_deps;     /* always in the builder image */
	struct strlist runtime_deps;   /* always in the package's dependencies */
	struct strlist system_build_deps;    /* with compile_python false */
	struct strlist system_runtime_deps;  /* with compile_python false */
	struct strlist compile_build_deps;   /* with compile_python true */
	struct strlist compile_runtime_deps; /* with compile_python true */
	char *bootstrap_suite;         /* mmdebstrap suite for make base-image-ID, or "" */
	char *bootstrap_mirror;        /* mirror for it, or "" */
	char *compression;             /* zstd, xz, gzip or none: the fastest the target reads */
	char *arch;                    /* the image's architecture, Debian's name: amd64 or arm64 */
	char *docker_host;             /* the engine its builds use (DOCKER_HOST URL or context), "" for docker's own */
	char *eol;                     /* the release's end of life, YYYY-MM-DD, or "" when not known */
};

/* all known profiles */
struct profiles {
	struct profile *v;   /* in id order */
	size_t n;            /* how many */
	char *builtin_dir;   /* folder of built-in templates */
	char *user_dir;      /* the project's templates folder */
};

/* load the built-in profiles from builtin_dir and the project's from
 * user_dir (which may lack the file); 0 on success, -1 with errors in d */
int profiles_load(const char *builtin_dir, const char *user_dir, struct profiles **out,
                  struct diags *d);
/* the profile with this id, or NULL */
const struct profile *profiles_find(const struct profiles *p, const char *id);
/* path of template name: user_dir's if it exists, else builtin_dir's, else
 * NULL; the caller frees it */
char *profiles_template_path(const struct profiles *p, const char *name);
/* print every profile with where it came from, for --list-profiles;
 * an end of life before today (YYYY-MM-DD) is shown as ended */
void profiles_print(const struct profiles *p, const char *today, FILE *f);
/* 1 if p's release is past its end of life on today (YYYY-MM-DD), else 0 */
int profile_past_eol(const struct profile *p, const char *today);
/* the profiles that could replace p, past its end of life on today: the
 * same package type and image repository (the image without its tag), not
 * past theirs, the longest supported first; NULL-terminated array for the
 * caller to free, the profiles owned by ps */
const struct profile **profiles_successors(const struct profiles *ps, const struct profile *p,
                                           const char *today);
/* the ids of all profiles, for "did you mean" (array owned by p's caller, strings by p) */
const char **profiles_ids(const struct profiles *p);
/* release everything (NULL is fine) */
void profiles_free(struct profiles *p);

#endif
