/* config: vdist.json validated against one table of known keys, merged
 * into one struct build per entry of "builds".
 *
 * Top-level keys are project-wide values; "defaults" may hold the same
 * keys; each build's own keys win. Scalars are overridden; dependency
 * lists are united (first seen first) and argument lists concatenated.
 * A struct config owns its builds and every string in them; config_free()
 * releases it all. */
#ifndef VDIST_CONFIG_H
#define VDIST_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"

/* a list of strings, owned */
struct strlist {
	char **v;   /* the strings */
	size_t n;   /* how many */
};

/* where a build's source comes from */
enum srckind {
	SRC_DIRECTORY,      /* a folder on the host, copied into the container */
	SRC_GIT,            /* a git URL, cloned on the host by make */
	SRC_GIT_DIRECTORY,  /* a local git repository, cloned on the host by make */
};

/* the keys of a build, in table order; CONFIG_NKEYS counts them */
enum configkey {
	K_NAME, K_APP, K_VERSION, K_ITERATION, K_MAINTAINER, K_DESCRIPTION,
	K_LICENSE, K_URL, K_SOURCE, K_PROFILE, K_BUILD_MACHINE_ID, K_PACKAGER, K_ARCH, K_DOCKER_HOST, K_SIGN_KEY,
	K_BUILD_DEPS, K_RUNTIME_DEPS, K_CUSTOM_FILENAME, K_FPM_ARGS, K_PIP_ARGS,
	K_PACKAGE_INSTALL_ROOT, K_COMPILE_PYTHON, K_PYTHON_VERSION, K_PYTHON_BASEDIR,
	K_PYTHON_URL, K_PYTHON_SHA256, K_PYTHON_CONFIGURE_FLAGS, K_REQUIREMENTS_PATH,
	K_WORKING_DIR, K_OFFLINE, K_KEEP_PIP, K_STRIP, K_COMPRESSION, K_COMPRESSION_LEVEL, K_SECTION, K_PRIORITY, K_CHANGELOG,
	K_SYSTEMD_UNITS, K_SYSTEMD_ENABLE, K_SYSTEMD_START, K_USER, K_USER_HOME, K_DIRS,
	K_CONFIG_FILES, K_LINKS, K_CONFLICTS, K_PROVIDES, K_REPLACES, K_BREAKS, K_RECOMMENDS,
	K_SUGGESTS,
	K_BEFORE_INSTALL, K_AFTER_INSTALL, K_BEFORE_REMOVE,
	K_AFTER_REMOVE, K_BEFORE_UPGRADE, K_AFTER_UPGRADE,
	CONFIG_NKEYS
};

/* the form of a version and of an iteration: an extended regular
 * expression (config checks vdist.json's values with it, and the
 * generated shell make's VERSION and ITERATION) and its meaning */
#define CONFIG_VERSION_RE "^[0-9][A-Za-z0-9.+~]*$"
#define CONFIG_VERSION_RULE "must start with a digit and hold only letters, digits and . + ~"
#define CONFIG_ITERATION_RE "^[A-Za-z0-9.+~]+$"
#define CONFIG_ITERATION_RULE "must hold only letters, digits and . + ~"

/* the six package scripts, in the order of the keys above */
#define CONFIG_NSCRIPTS 6

/* one build with every value resolved */
struct build {
	char *name;                 /* as the user wrote it, else APP-VERSION-PROFILE
	                               (ids_default_name, -2, -3... if taken); tags log lines */
	char *id;                   /* derived from name: [a-z0-9-], unique */
	char *app;                  /* application name: package name and install folder */
	char *version;              /* package version */
	char *iteration;            /* package release / Debian revision */
	char *maintainer;           /* "Name <mail>" */
	char *description;          /* first line is the summary */
	char *license;              /* may be "" */
	char *url;                  /* may be "" */
	enum srckind srckind;       /* where the source comes from */
	char *source;               /* folder, URL or repository path */
	char *branch;               /* git branch or "" for the default */
	struct strlist source_exclude; /* source "exclude": patterns of files left out */
	char *profile;              /* id in build_machines.json */
	char *packager;             /* "native", "fpm" or "" for the profile's choice */
	char *arch;                 /* amd64, arm64, or "" for the profile's */
	char *docker_host;          /* the engine (DOCKER_HOST URL or docker context), "" for the profile's */
	char *sign_key;             /* the gpg key the packages are signed with, "" for none */
	struct strlist build_deps;  /* OS packages for building */
	struct strlist runtime_deps;/* OS packages the package depends on */
	char *custom_filename;      /* package file name with {NAME} references (see
	                               config_filename_refs), or "" for the packager's */
	struct strlist fpm_args;    /* extra fpm arguments (a string value split into words) */
	struct strlist pip_args;    /* extra arguments to every pip install */
	char *install_root;         /* package_install_root: the venv is install_root/app */
	int compile_python;         /* 1: ship a compiled CPython; 0: use python_basedir's */
	char *python_version;       /* CPython version to compile */
	char *python_basedir;       /* prefix of the interpreter as set, "" for the default (resolve) */
	char *python_url;           /* CPython source tarball URL */
	char *python_sha256;        /* its checksum, or "" */
	struct strlist python_configure_flags; /* extra ./configure flags */
	char *requirements_path;    /* inside the source tree; "" for none */
	int requirements_explicit;  /* 1 if the user set requirements_path */
	char *working_dir;          /* folder of setup.py inside the source, "" for the top */
	int offline;                /* 1: pip only from wheelhouse/, containers without network */
	int keep_pip;               /* 1: ship pip, setuptools and wheel in the venv */
	int strip;                  /* 1: strip the ELF files of the package */
	char *compression;          /* zstd, xz, gzip, none, or "" for the profile's */
	char *compression_level;    /* a whole number as written, "" for the format's default */
	char *section;              /* Debian section */
	char *priority;             /* Debian priority */
	char *changelog;            /* project's Debian-format changelog, NULL: generated */
	struct strlist systemd_units; /* unit files (paths from the current folder) */
	int systemd_enable;         /* 1: enable the units on first install */
	int systemd_start;          /* 1: start them on first install (restart on upgrade) */
	char *user;                 /* system user (and group) to create, "" for none */
	char *user_home;            /* its home, "" for the default (resolve) */
	struct strlist dirs;        /* pairs: folder, "owner:group:mode" */
	struct strlist config_files;/* pairs: path under /etc, source file (from the current folder) */
	struct strlist links;       /* pairs: link, target */
	struct strlist conflicts, provides, replaces, breaks, recommends, suggests; /* relations */
	char *scripts[CONFIG_NSCRIPTS]; /* host paths of the six scripts, NULL when unset */
	size_t off[CONFIG_NKEYS];   /* byte offset of each key's value, (size_t)-1 if unset */
	size_t entry_off;           /* byte offset of the build's object */
};

/* a whole vdist.json */
struct config {
	char *file;            /* path, for messages */
	char *text;            /* the file's bytes, for locating messages */
	size_t len;            /* their length */
	struct build *builds;  /* the builds, in file order */
	size_t nbuilds;        /* how many */
};

/* the six script keys' names, in package-script order */
extern const char *const config_script_keys[CONFIG_NSCRIPTS];

/* read and validate file (text already loaded, ownership of text passes to
 * *out); 0 on success, -1 with errors added to d and *out NULL */
int config_load(const char *file, char *text, size_t len, struct config **out, struct diags *d);
/* split custom_filename template s into the text around its {NAME}
 * references, {{ and }} standing for single braces (names->n + 1 pieces
 * into text), and the names, [A-Za-z_][A-Za-z0-9_]*, in order (into
 * names); 0, or -1 with *errat the index in s of the offending brace and
 * *why what is wrong (a constant) */
int config_filename_refs(const char *s, struct strlist *text, struct strlist *names, size_t *errat,
                         const char **why);
/* add a diagnostic located at byte offset off of the config file */
void config_diag(const struct config *c, struct diags *d, enum diaglevel lv, size_t off,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* release a config (NULL is fine) */
void config_free(struct config *c);
/* print the table of keys, as --help-config shows it */
void config_print_keys(FILE *f);
/* the name of a key */
const char *config_key_name(enum configkey k);
/* why v is not an architecture vdist builds for (amd64, arm64), or NULL
 * when it is one; "" is fine (the profile's) */
const char *config_arch_why(const char *v);
/* why v is not a Docker engine: a DOCKER_HOST URL (unix://PATH,
 * tcp://HOST:PORT, ssh://[USER@]HOST) or a docker context name; NULL when
 * it is one, or "" (docker's own choice) */
const char *config_engine_why(const char *v);
/* 1 if l holds s */
int strlist_has(const struct strlist *l, const char *s);
/* append s to l unless it is already there */
void strlist_add_unique(struct strlist *l, const char *s);
/* append every string of src to dst that dst does not hold yet */
void strlist_add_all_unique(struct strlist *dst, const struct strlist *src);
/* append s to l */
void strlist_add(struct strlist *l, const char *s);
/* release the strings of l */
void strlist_free(struct strlist *l);

#endif
