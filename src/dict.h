/* dict: the names templates see, in one table.
 *
 * The table drives three things: filling a build's and the project's
 * ctemplate dictionaries from the flat structs below, the list that
 * vdist-gen --help-templates prints, and the test that vdist-gen(1)
 * documents every name. A name is a value (raw: its form was validated,
 * so a template may use it bare; otherwise a template must escape it), a
 * list (a section with one item per string), or a flag (IF_ sections).
 *
 * The structs hold borrowed pointers; the caller keeps what they point at
 * alive while filling. Dictionaries are owned as tpl.h says. */
#ifndef VDIST_DICT_H
#define VDIST_DICT_H

#include <stdio.h>

#include "config.h"
#include "tpl.h"

/* the values of the project: vdist.mk and Makefile, and shared by every build */
struct dict_project {
	const char *vdist_version;     /* this vdist-gen's version */
	const char *config_file;       /* vdist.json as given */
	const char *project_dir;       /* the project folder as seen from the output folder */
	const char *vdist_gen;         /* absolute path of vdist-gen */
	const char *user_templates;    /* the project's templates folder, from the output folder */
	const char *app;               /* the first build's app */
	const char *first_id;          /* the first build's id */
	struct strlist own_files;      /* vdist's own files in the project */
	struct strlist regen_args;     /* arguments that regenerate */
	struct strlist inputs;         /* the project's files vdist.mk is remade from */
	struct strlist builtin_inputs; /* vdist's own, checked to need no escaping */
	struct strlist build_ids;      /* every build's id, in file order */
	struct strlist profile_ids;    /* each profile used, once */
	struct strlist profile_builds; /* for each of those, the id of its first build */
};

/* the values of one build: values.sh, Dockerfiles, build.sh, build.mk */
struct dict_build {
	const char *name, *id, *app, *version, *iteration, *maintainer;
	const char *description, *license, *url;
	const char *source_kind, *source, *branch;
	const char *profile, *docker_image, *image_tag, *package_type, *packager;
	const char *arch, *docker_host, *profile_var, *sign_key;
	const char *package_name, *file_format, *venv, *pkg_install;
	const struct strlist *build_deps, *profile_build_deps, *own_build_deps;
	const struct strlist *runtime_deps, *package_deps;
	const char *custom_filename, *custom_filename_format;
	const struct strlist *custom_filename_vars;
	const struct strlist *fpm_args, *pip_args;
	const char *install_root;
	int compile_python;
	const char *python_version, *python_prefix, *python_build_prefix, *python_url, *python_sha256;
	const struct strlist *python_configure_flags;
	const char *requirements_path;
	int requirements_explicit;
	const char *working_dir;
	int offline;
	int keep_pip, strip;
	const char *compression, *compression_level, *exclude_re;
	const char *section, *priority, *changelog;
	const struct strlist *systemd_units, *unit_names, *dirs, *config_files, *links, *pre_depends;
	const struct strlist *conflicts, *provides, *replaces, *breaks, *recommends, *suggests, *obsoleted;
	int systemd_enable, systemd_start;
	const char *unit_dir, *user, *user_home;
	const char *bootstrap_suite, *bootstrap_mirror;
	const char *scripts[CONFIG_NSCRIPTS];  /* "" when unset */
	const struct strlist *script_keys;     /* the keys of the scripts that are set */
	const char *version_re, *version_rule, *iteration_re, *iteration_rule;
};

/* a new dictionary with every project name set from v */
struct tpl_dict *dict_project_new(const struct dict_project *v);
/* a new dictionary with every build name set from b, and the project's
 * shared names from v */
struct tpl_dict *dict_build_new(const struct dict_build *b, const struct dict_project *v);
/* set the image tag of a build's dictionary (known once its Dockerfile is expanded) */
void dict_set_image_tag(struct tpl_dict *d, const char *tag);
/* print every name with its scope and meaning, for --help-templates */
void dict_print(FILE *f);
/* the number of names, and the i-th (with its items' names after it) */
size_t dict_count(void);
/* name i of the table; *item gets its item name for lists (else NULL) */
const char *dict_name(size_t i, const char **item);

#endif
