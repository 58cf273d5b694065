/* dict: one table of template names, and the dictionaries it fills */
#include "dict.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* which dictionaries a name is in */
enum dscope {
	DS_PROJECT,  /* vdist.mk and Makefile */
	DS_BUILD,    /* a build's templates */
	DS_SHARED,   /* both: a project value every build sees too */
};

/* what a name holds */
enum dkind {
	DK_STR,    /* const char *: a value */
	DK_BOOL,   /* int: "true" or "false", and IF_ sections */
	DK_LIST,   /* const struct strlist *: a section with one item per string */
	DK_LISTV,  /* struct strlist (project): the same */
	DK_PAIRS,  /* two struct strlist (project): a section with two items */
};

enum {
	DF_RAW = 1,  /* its form was validated: templates may use it without a modifier */
	DF_IF = 2,   /* section IF_NAME is shown when it is not empty (or true) */
};

/* one name */
struct dname {
	const char *name;   /* as templates write it */
	enum dscope scope;  /* where it is */
	enum dkind kind;    /* what it holds */
	int flags;          /* DF_* */
	size_t off;         /* offset in struct dict_project (DS_PROJECT, DS_SHARED) or dict_build */
	const char *item;   /* lists: the name of each item's value */
	size_t off2;        /* DK_PAIRS: the second list */
	const char *item2;  /* DK_PAIRS: its item name; DK_BOOL: the section shown when false */
	const char *help;   /* one line for --help-templates and vdist-gen(1) */
};

#define P(x) offsetof(struct dict_project, x)
#define B(x) offsetof(struct dict_build, x)

static const struct dname names[] = {
	/* the project */
	{"VDIST_VERSION", DS_SHARED, DK_STR, DF_RAW, P(vdist_version), NULL, 0, NULL,
	 "version of the vdist-gen that wrote the file"},
	{"CONFIG_FILE", DS_SHARED, DK_STR, 0, P(config_file), NULL, 0, NULL,
	 "vdist.json as given with -f"},
	{"PROJECT_DIR", DS_SHARED, DK_STR, 0, P(project_dir), NULL, 0, NULL,
	 "the project folder as seen from the folder of vdist.mk"},
	{"OWN_FILES", DS_SHARED, DK_LISTV, 0, P(own_files), "FILE", 0, NULL,
	 "vdist's own files in the project (config, profiles, vdist.mk): never application source"},
	{"VDIST_GEN", DS_PROJECT, DK_STR, 0, P(vdist_gen), NULL, 0, NULL,
	 "absolute path of vdist-gen, for the rule that regenerates"},
	{"USER_TEMPLATES", DS_PROJECT, DK_STR, 0, P(user_templates), NULL, 0, NULL,
	 "the project's templates folder, as seen from the folder of vdist.mk"},
	{"FIRST_APP", DS_PROJECT, DK_STR, DF_RAW, P(app), NULL, 0, NULL,
	 "app of the first build"},
	{"FIRST_ID", DS_PROJECT, DK_STR, DF_RAW, P(first_id), NULL, 0, NULL,
	 "id of the first build: the default RELEASE_BUILD"},
	{"REGEN_ARGS", DS_PROJECT, DK_LISTV, 0, P(regen_args), "ARG", 0, NULL,
	 "the arguments that run vdist-gen again as this run"},
	{"INPUTS", DS_PROJECT, DK_LISTV, 0, P(inputs), "PATH", 0, NULL,
	 "the project's files vdist.mk is made from: config, profiles, templates"},
	{"BUILTIN_INPUTS", DS_PROJECT, DK_LISTV, 0, P(builtin_inputs), "PATH", 0, NULL,
	 "vdist's own files vdist.mk is made from (only letters, digits and . _ / + -: x-mkpath keeps them as they are, as $(wildcard) needs)"},
	{"BUILDS", DS_PROJECT, DK_LISTV, DF_RAW, P(build_ids), "ID", 0, NULL,
	 "the id of every build, in file order"},
	{"PROFILES", DS_PROJECT, DK_PAIRS, DF_RAW, P(profile_ids), "PROFILE", P(profile_builds), "ID",
	 "each profile in use, once, with the id of its first build"},

	/* one build: as written in vdist.json, merged with defaults */
	{"NAME", DS_BUILD, DK_STR, 0, B(name), NULL, 0, NULL,
	 "the build's name, as written, else APP-VERSION-PROFILE (see vdist.json(5))"},
	{"ID", DS_BUILD, DK_STR, DF_RAW, B(id), NULL, 0, NULL, "the build's id ([a-z0-9-]), its folder .vdist/ID"},
	{"APP", DS_BUILD, DK_STR, DF_RAW, B(app), NULL, 0, NULL, "app"},
	{"VERSION", DS_BUILD, DK_STR, DF_RAW, B(version), NULL, 0, NULL, "version (make's VERSION may override it)"},
	{"ITERATION", DS_BUILD, DK_STR, DF_RAW, B(iteration), NULL, 0, NULL, "iteration (make's ITERATION may override it)"},
	{"MAINTAINER", DS_BUILD, DK_STR, 0, B(maintainer), NULL, 0, NULL, "maintainer"},
	{"DESCRIPTION", DS_BUILD, DK_STR, DF_IF, B(description), NULL, 0, NULL, "description; its first line is the summary"},
	{"LICENSE", DS_BUILD, DK_STR, DF_IF, B(license), NULL, 0, NULL, "license"},
	{"URL", DS_BUILD, DK_STR, DF_IF, B(url), NULL, 0, NULL, "url"},
	{"SOURCE_KIND", DS_BUILD, DK_STR, DF_RAW, B(source_kind), NULL, 0, NULL, "directory, git or git_directory"},
	{"SOURCE", DS_BUILD, DK_STR, 0, B(source), NULL, 0, NULL, "the source's folder, URL or repository"},
	{"BRANCH", DS_BUILD, DK_STR, DF_IF, B(branch), NULL, 0, NULL, "the git branch, or empty for the default"},
	{"PROFILE", DS_BUILD, DK_STR, DF_RAW, B(profile), NULL, 0, NULL, "the profile's id"},
	{"DOCKER_IMAGE", DS_BUILD, DK_STR, DF_RAW, B(docker_image), NULL, 0, NULL,
	 "the base image: the profile's, or Docker's per-architecture name of it (arm64v8/IMAGE) for another arch"},
	{"ARCH", DS_BUILD, DK_STR, DF_RAW, B(arch), NULL, 0, NULL, "the packages' architecture, amd64 or arm64"},
	{"DOCKER_HOST", DS_BUILD, DK_STR, DF_IF, B(docker_host), NULL, 0, NULL,
	 "the build's engine (docker_host of the build, else of the profile), empty for docker's own"},
	{"SIGN_KEY", DS_BUILD, DK_STR, DF_IF, B(sign_key), NULL, 0, NULL,
	 "sign_key: the gpg key the packages are signed with, empty for none"},
	{"PROFILE_VAR", DS_BUILD, DK_STR, DF_RAW, B(profile_var), NULL, 0, NULL,
	 "the profile's id with - and . as _, for make variable names (DOCKER_HOST_PROFILE_VAR)"},
	{"PACKAGE_TYPE", DS_BUILD, DK_STR, DF_RAW, B(package_type), NULL, 0, NULL, "deb or rpm"},
	{"CUSTOM_FILENAME", DS_BUILD, DK_STR, DF_IF, B(custom_filename), NULL, 0, NULL, "custom_filename"},
	{"FPM_ARGS", DS_BUILD, DK_LIST, 0, B(fpm_args), "ARG", 0, NULL, "fpm_args"},
	{"PIP_ARGS", DS_BUILD, DK_LIST, 0, B(pip_args), "ARG", 0, NULL, "pip_args"},
	{"INSTALL_ROOT", DS_BUILD, DK_STR, DF_RAW, B(install_root), NULL, 0, NULL, "package_install_root"},
	{"COMPILE_PYTHON", DS_BUILD, DK_BOOL, DF_IF, B(compile_python), NULL, 0, "IF_SYSTEM_PYTHON",
	 "compile_python; IF_SYSTEM_PYTHON is shown when it is false"},
	{"PYTHON_VERSION", DS_BUILD, DK_STR, DF_RAW, B(python_version), NULL, 0, NULL, "python_version"},
	{"PYTHON_URL", DS_BUILD, DK_STR, 0, B(python_url), NULL, 0, NULL, "python_url (defaulted from python_version)"},
	{"PYTHON_SHA256", DS_BUILD, DK_STR, DF_IF, B(python_sha256), NULL, 0, NULL, "python_sha256"},
	{"PYTHON_CONFIGURE_FLAGS", DS_BUILD, DK_LIST, 0, B(python_configure_flags), "FLAG", 0, NULL,
	 "python_configure_flags"},
	{"REQUIREMENTS_PATH", DS_BUILD, DK_STR, 0, B(requirements_path), NULL, 0, NULL, "requirements_path"},
	{"REQUIREMENTS_EXPLICIT", DS_BUILD, DK_BOOL, 0, B(requirements_explicit), NULL, 0, NULL,
	 "true when vdist.json sets requirements_path (a missing file is then an error)"},
	{"WORKING_DIR", DS_BUILD, DK_STR, 0, B(working_dir), NULL, 0, NULL, "working_dir"},
	{"OFFLINE", DS_BUILD, DK_BOOL, 0, B(offline), NULL, 0, NULL, "offline (make's OFFLINE may override it)"},
	{"KEEP_PIP", DS_BUILD, DK_BOOL, 0, B(keep_pip), NULL, 0, NULL, "keep_pip"},
	{"STRIP", DS_BUILD, DK_BOOL, 0, B(strip), NULL, 0, NULL, "strip"},
	{"COMPRESSION", DS_BUILD, DK_STR, DF_RAW, B(compression), NULL, 0, NULL,
	 "the package's compression, zstd, xz, gzip or none: the build's, else the profile's"},
	{"COMPRESSION_LEVEL", DS_BUILD, DK_STR, DF_RAW, B(compression_level), NULL, 0, NULL,
	 "its level: the build's, else the format's default; empty for none"},
	{"EXCLUDE_RE", DS_BUILD, DK_STR, 0, B(exclude_re), NULL, 0, NULL,
	 "source exclude as one extended regular expression over relative paths; empty for none"},
	{"SECTION", DS_BUILD, DK_STR, DF_RAW, B(section), NULL, 0, NULL, "section"},
	{"PRIORITY", DS_BUILD, DK_STR, DF_RAW, B(priority), NULL, 0, NULL, "priority"},
	{"CHANGELOG", DS_BUILD, DK_STR, DF_IF, B(changelog), NULL, 0, NULL, "changelog, relative to the project"},
	{"SYSTEMD_UNITS", DS_BUILD, DK_LIST, DF_IF, B(systemd_units), "FILE", 0, NULL,
	 "systemd_units, relative to the project"},
	{"UNIT_NAMES", DS_BUILD, DK_LIST, 0, B(unit_names), "UNIT", 0, NULL, "the units' file names"},
	{"UNIT_DIR", DS_BUILD, DK_STR, DF_RAW, B(unit_dir), NULL, 0, NULL,
	 "where the units go: /lib/systemd/system (deb) or /usr/lib/systemd/system (rpm)"},
	{"SYSTEMD_ENABLE", DS_BUILD, DK_BOOL, 0, B(systemd_enable), NULL, 0, NULL, "systemd_enable"},
	{"SYSTEMD_START", DS_BUILD, DK_BOOL, 0, B(systemd_start), NULL, 0, NULL, "systemd_start"},
	{"USER", DS_BUILD, DK_STR, DF_RAW | DF_IF, B(user), NULL, 0, NULL, "user"},
	{"USER_HOME", DS_BUILD, DK_STR, DF_RAW, B(user_home), NULL, 0, NULL, "user_home, defaulted"},
	{"DIRS", DS_BUILD, DK_LIST, 0, B(dirs), "ITEM", 0, NULL, "dirs, as pairs: folder, owner:group:mode"},
	{"CONFIG_FILES", DS_BUILD, DK_LIST, 0, B(config_files), "ITEM", 0, NULL,
	 "config_files, as pairs: path, source relative to the project"},
	{"LINKS", DS_BUILD, DK_LIST, 0, B(links), "ITEM", 0, NULL, "links, as pairs: link, target"},
	{"PRE_DEPENDS", DS_BUILD, DK_LIST, 0, B(pre_depends), "DEP", 0, NULL,
	 "what the .deb's maintainer scripts need unpacked first (adduser with a user)"},
	{"CONFLICTS", DS_BUILD, DK_LIST, 0, B(conflicts), "DEP", 0, NULL, "conflicts, spelled for the packager"},
	{"PROVIDES", DS_BUILD, DK_LIST, 0, B(provides), "DEP", 0, NULL, "provides, spelled for the packager"},
	{"REPLACES", DS_BUILD, DK_LIST, 0, B(replaces), "DEP", 0, NULL, "replaces (rpm: Obsoletes), spelled for the packager"},
	{"BREAKS", DS_BUILD, DK_LIST, 0, B(breaks), "DEP", 0, NULL, "breaks (deb only)"},
	{"RECOMMENDS", DS_BUILD, DK_LIST, 0, B(recommends), "DEP", 0, NULL, "recommends, spelled for the packager"},
	{"OBSOLETED", DS_BUILD, DK_LIST, 0, B(obsoleted), "NAME", 0, NULL,
	 "rpm: the names replaces obsoletes, which the package provides at its own version"},
	{"SUGGESTS", DS_BUILD, DK_LIST, 0, B(suggests), "DEP", 0, NULL, "suggests, spelled for the packager"},
	{"BOOTSTRAP_SUITE", DS_BUILD, DK_STR, 0, B(bootstrap_suite), NULL, 0, NULL, "the profile's bootstrap_suite"},
	{"BOOTSTRAP_MIRROR", DS_BUILD, DK_STR, 0, B(bootstrap_mirror), NULL, 0, NULL, "the profile's bootstrap_mirror"},
	{"BEFORE_INSTALL", DS_BUILD, DK_STR, DF_IF, B(scripts[0]), NULL, 0, NULL, "before_install, relative to the project"},
	{"AFTER_INSTALL", DS_BUILD, DK_STR, DF_IF, B(scripts[1]), NULL, 0, NULL, "after_install"},
	{"BEFORE_REMOVE", DS_BUILD, DK_STR, DF_IF, B(scripts[2]), NULL, 0, NULL, "before_remove"},
	{"AFTER_REMOVE", DS_BUILD, DK_STR, DF_IF, B(scripts[3]), NULL, 0, NULL, "after_remove"},
	{"BEFORE_UPGRADE", DS_BUILD, DK_STR, DF_IF, B(scripts[4]), NULL, 0, NULL, "before_upgrade"},
	{"AFTER_UPGRADE", DS_BUILD, DK_STR, DF_IF, B(scripts[5]), NULL, 0, NULL, "after_upgrade"},

	/* one build: resolved by vdist-gen */
	{"PACKAGER", DS_BUILD, DK_STR, DF_RAW, B(packager), NULL, 0, NULL, "native or fpm: the build's, else the profile's"},
	{"PACKAGE_NAME", DS_BUILD, DK_STR, DF_RAW, B(package_name), NULL, 0, NULL,
	 "the package's name (for deb, app lowercased with _ as -)"},
	{"FILE_FORMAT", DS_BUILD, DK_STR, 0, B(file_format), NULL, 0, NULL,
	 "the package file's name as a printf format of version, iteration and arch; "
	 "empty when custom_filename has {NAME} references"},
	{"CUSTOM_FILENAME_VARS", DS_BUILD, DK_LIST, DF_RAW | DF_IF, B(custom_filename_vars), "VAR", 0, NULL,
	 "the environment variables custom_filename's {NAME} references name, in order; host.sh expands them at build time"},
	{"CUSTOM_FILENAME_FORMAT", DS_BUILD, DK_STR, 0, B(custom_filename_format), NULL, 0, NULL,
	 "custom_filename as a printf format of those variables' values: a %s for each reference, {{ and }} as braces"},
	{"VENV", DS_BUILD, DK_STR, DF_RAW, B(venv), NULL, 0, NULL, "the venv's path: INSTALL_ROOT/APP"},
	{"PYTHON_PREFIX", DS_BUILD, DK_STR, DF_RAW, B(python_prefix), NULL, 0, NULL,
	 "the interpreter's prefix in the package (python_basedir, defaulted)"},
	{"PYTHON_BUILD_PREFIX", DS_BUILD, DK_STR, DF_RAW | DF_IF, B(python_build_prefix), NULL, 0, NULL,
	 "where the builder image compiles CPython; empty for system Python"},
	{"PKG_INSTALL", DS_BUILD, DK_STR, DF_RAW, B(pkg_install), NULL, 0, NULL,
	 "the shell command that installs OS packages: the profile's, else $PKG_INSTALL of the image"},
	{"IMAGE_TAG", DS_BUILD, DK_STR, DF_RAW, B(image_tag), NULL, 0, NULL,
	 "the builder image's tag (not in the Dockerfile, whose hash it holds)"},
	{"BUILD_DEPS", DS_BUILD, DK_LIST, DF_IF, B(build_deps), "DEP", 0, NULL,
	 "every build dependency: the profile's, its Python mode's, the build's"},
	{"PROFILE_BUILD_DEPS", DS_BUILD, DK_LIST, DF_IF, B(profile_build_deps), "DEP", 0, NULL,
	 "the part of BUILD_DEPS the profile brings (a layer shared by its builds)"},
	{"OWN_BUILD_DEPS", DS_BUILD, DK_LIST, DF_IF, B(own_build_deps), "DEP", 0, NULL,
	 "the rest of BUILD_DEPS: the build's own"},
	{"RUNTIME_DEPS", DS_BUILD, DK_LIST, 0, B(runtime_deps), "DEP", 0, NULL,
	 "every runtime dependency, in Debian's spelling"},
	{"PACKAGE_DEPS", DS_BUILD, DK_LIST, 0, B(package_deps), "DEP", 0, NULL,
	 "RUNTIME_DEPS spelled for this packager and package type"},
	{"SCRIPT_KEYS", DS_BUILD, DK_LIST, 0, B(script_keys), "KEY", 0, NULL,
	 "the keys of the package scripts that are set"},
	{"VERSION_RE", DS_BUILD, DK_STR, 0, B(version_re), NULL, 0, NULL,
	 "the form of a version, as an extended regular expression"},
	{"VERSION_RULE", DS_BUILD, DK_STR, 0, B(version_rule), NULL, 0, NULL, "that form in words"},
	{"ITERATION_RE", DS_BUILD, DK_STR, 0, B(iteration_re), NULL, 0, NULL, "the form of an iteration"},
	{"ITERATION_RULE", DS_BUILD, DK_STR, 0, B(iteration_rule), NULL, 0, NULL, "that form in words"},
};
#define NNAMES (sizeof names / sizeof *names)

/* set one name of the table in d from the struct at base */
static void
fill(struct tpl_dict *d, const struct dname *n, const char *base)
{
	const void *at = base + n->off;
	void (*set)(struct tpl_dict *, const char *, const char *) = n->flags & DF_RAW ? tpl_set_raw : tpl_set;
	char *ifname = n->flags & DF_IF ? xasprintf("IF_%s", n->name) : NULL;
	int shown = 0;

	switch (n->kind) {
	case DK_STR: {
		const char *s = *(const char *const *)at;
		if (s)
			set(d, n->name, s);
		else
			tpl_declare(d, n->name);
		shown = s && *s;
		break;
	}
	case DK_BOOL: {
		int v = *(const int *)at;
		tpl_set_raw(d, n->name, v ? "true" : "false");
		shown = v;
		if (n->item2) {
			tpl_declare(d, n->item2);
			if (!v)
				tpl_show_section(d, n->item2);
		}
		break;
	}
	case DK_LIST:
	case DK_LISTV: {
		const struct strlist *l = n->kind == DK_LIST ? *(const struct strlist *const *)at : at;
		tpl_declare(d, n->name);
		tpl_declare(d, n->item);
		for (size_t i = 0; i < l->n; i++)
			set(tpl_add_section(d, n->name), n->item, l->v[i]);
		shown = l->n > 0;
		break;
	}
	case DK_PAIRS: {
		const struct strlist *a = at, *b = (const void *)(base + n->off2);
		tpl_declare(d, n->name);
		tpl_declare(d, n->item);
		tpl_declare(d, n->item2);
		for (size_t i = 0; i < a->n && i < b->n; i++) {
			struct tpl_dict *s = tpl_add_section(d, n->name);
			set(s, n->item, a->v[i]);
			set(s, n->item2, b->v[i]);
		}
		shown = a->n > 0;
		break;
	}
	}
	if (ifname) {
		tpl_declare(d, ifname);
		if (shown)
			tpl_show_section(d, ifname);
		free(ifname);
	}
}

struct tpl_dict *
dict_project_new(const struct dict_project *v)
{
	struct tpl_dict *d = tpl_dict_new();
	for (size_t i = 0; i < NNAMES; i++)
		if (names[i].scope != DS_BUILD)
			fill(d, &names[i], (const char *)v);
	return d;
}

struct tpl_dict *
dict_build_new(const struct dict_build *b, const struct dict_project *v)
{
	struct tpl_dict *d = tpl_dict_new();
	for (size_t i = 0; i < NNAMES; i++) {
		if (names[i].scope == DS_BUILD)
			fill(d, &names[i], (const char *)b);
		else if (names[i].scope == DS_SHARED)
			fill(d, &names[i], (const char *)v);
	}
	return d;
}

void
dict_set_image_tag(struct tpl_dict *d, const char *tag)
{
	tpl_set_raw(d, "IMAGE_TAG", tag);
}

void
dict_print(FILE *f)
{
	static const char *const scopes[] = {"project", "build", "both"};
	fputs("Names templates can use (see vdist-gen(1), TEMPLATE NAMES). Scope project: vdist.mk\n"
	      "and Makefile; build: a build's templates; both: either. [escape it]: use it\n"
	      "through x-sh, x-mk or x-mkpath. [IF_ section]: IF_NAME is shown when it is set.\n", f);
	for (size_t i = 0; i < NNAMES; i++) {
		const struct dname *n = &names[i];
		struct strbuf s = {0};
		strbuf_adds(&s, n->name);
		if (n->kind == DK_PAIRS)
			strbuf_addf(&s, " {%s %s}", n->item, n->item2);
		else if (n->item)
			strbuf_addf(&s, " {%s}", n->item);
		fprintf(f, "  %-28s %-7s %s%s%s\n", strbuf_str(&s), scopes[n->scope], n->help,
		        n->flags & DF_RAW || n->kind == DK_BOOL ? "" : " [escape it]",
		        n->flags & DF_IF ? " [IF_ section]" : "");
		strbuf_free(&s);
	}
}

size_t
dict_count(void)
{
	return NNAMES;
}

const char *
dict_name(size_t i, const char **item)
{
	if (item)
		*item = names[i].item;
	return names[i].name;
}
