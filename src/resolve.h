/* resolve: every effective value of a build, computed once from its
 * validated config and its profile, between config/profile and emit.
 *
 * What depends only on vdist.json and the profile is computed here and
 * handed to the generated shell and make as ready values: the package
 * name and file name, the venv and Python paths, the effective packager,
 * the merged and split dependency lists in the spelling each packager
 * reads, the package scripts that are set. The shell keeps only what
 * exists at build time (make and environment overrides, the arch, the
 * staged files).
 *
 * A struct resolved owns its strings and lists and points at (does not
 * own) the build and profile it came from; resolved_free() releases one
 * array from resolve_builds(). */
#ifndef VDIST_RESOLVE_H
#define VDIST_RESOLVE_H

#include <stddef.h>

#include "config.h"
#include "diag.h"
#include "profile.h"

/* where the builder image compiles CPython: PREFIX/VERSION, shared by
 * every build of a profile, copied into each package */
#define RESOLVE_PYTHON_BUILD_ROOT "/opt/vdist-python"

/* one build, resolved */
struct resolved {
	const struct build *b;          /* the validated build (owned by the config) */
	const struct profile *p;        /* its profile (owned by the profiles) */
	char *packager;                 /* "native" or "fpm": the build's, else the profile's */
	char *package_name;             /* app, lowercased with _ as - for deb */
	char *file_format;              /* package file name as a printf format of
	                                   version, iteration and arch (%% and \\ for literal % and \);
	                                   "" when custom_filename has {NAME} references */
	char *custom_filename_format;   /* custom_filename as a printf format of the values
	                                   of custom_filename_vars, "" when unset */
	struct strlist custom_filename_vars; /* the environment variables of its {NAME}
	                                   references, in order: host.sh expands them */
	char *venv;                     /* install_root/app: where the venv lives */
	char *python_prefix;            /* python_basedir, defaulted: compiled copy in the venv, or /usr */
	char *python_build_prefix;      /* RESOLVE_PYTHON_BUILD_ROOT/version, or "" for system Python */
	char *pkg_install;              /* shell command that installs OS packages in the images */
	struct strlist build_deps;      /* profile's, python mode's, then the build's own */
	struct strlist profile_build_deps; /* the part of build_deps the profile brings */
	struct strlist own_build_deps;  /* the rest: the build's own */
	struct strlist runtime_deps;    /* merged, in Debian's spelling as written */
	struct strlist package_deps;    /* runtime_deps spelled for this packager and format */
	struct strlist script_keys;     /* keys of the package scripts that are set */
	char *user_home;                /* the system user's home, "" without a user */
	struct strlist dirs;            /* pairs: folder, owner:group:mode; the user's home is one */
	struct strlist unit_names;      /* the systemd units' file names */
	char *unit_dir;                 /* where units go: /lib/systemd/system or %{_unitdir} */
	struct strlist pre_depends;     /* deb: what the maintainer scripts need first (adduser) */
	/* the relations, spelled for this packager and package type (rpm:
	 * replaces as Obsoletes, no breaks) */
	struct strlist conflicts, provides, replaces, breaks, recommends, suggests;
	struct strlist obsoleted;       /* rpm: the names replaces obsoletes, to provide too */
	char *compression;              /* zstd, xz, gzip or none: the build's, else the profile's */
	char *compression_level;        /* the build's, else the format's default ("" for none) */
	char *arch;                     /* amd64 or arm64: the build's, else the profile's */
	char *docker_image;             /* the base image for arch: the profile's, or for another
	                                   arch Docker's per-architecture name of it (arm64v8/...),
	                                   NULL when there is none (an error) */
	char *docker_host;              /* the engine: the build's, else the profile's, "" for docker's own */
	char *profile_var;              /* the profile's id with - and . as _: DOCKER_HOST_<this> in make */
	char *exclude_re;               /* source exclude as one extended regular expression
	                                   over paths relative to the source ("" for none) */
};

/* resolve every build of c against ps; 0 with *out (c->nbuilds entries),
 * or -1 with located errors (an unknown profile) in d and *out NULL.
 * Warnings (fpm on a profile not made for it, a profile past its end of
 * life on today, YYYY-MM-DD, unless today is NULL) go to d as well. */
int resolve_builds(const struct config *c, const struct profiles *ps, const char *today,
                   struct resolved **out, struct diags *d);
/* release an array of n resolved builds (NULL is fine) */
void resolved_free(struct resolved *r, size_t n);

/* the patterns of source "exclude" (checked by config) as one POSIX
 * extended regular expression matching the relative paths they leave
 * out, "" for none; caller frees. A pattern without a slash matches a
 * file or folder name at any depth, one with a slash a path from the
 * source's top; a trailing slash matches folders only; * and ? do not
 * cross a slash, ** does; [...] is a bracket expression ([!...] negated);
 * a backslash makes the next character literal. */
char *resolve_exclude_re(const struct strlist *patterns);
/* the Debian package name of app: lowercase, '_' as '-'; caller frees */
char *resolve_deb_name(const char *app);
/* a Debian-spelled dependency ("a (>= 1)", "a | b") in rpm's spelling
 * ("a >= 1", "(a or b)"); caller frees */
char *resolve_rpm_dep(const char *dep);
/* a Debian-spelled dependency in fpm's deb spelling ("a >= 1", "a | b"); caller frees */
char *resolve_fpm_dep(const char *dep);

#endif
