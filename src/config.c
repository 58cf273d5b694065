/* config: the table of vdist.json keys, validation and merging */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "json.h"
#include "util.h"
#include "words.h"

#define UNSET ((size_t)-1)

/* the JSON type a key takes */
enum ktype {
	T_STR,     /* string */
	T_LIST,    /* array of strings */
	T_BOOL,    /* true or false */
	T_SOURCE,  /* {"directory"|"git"|"git_directory": ..., "branch": ...} */
	T_MAP,     /* object of string values, kept as pairs in a strlist */
	T_INT,     /* a whole number, kept as its text */
	T_ARGS,    /* array of strings, or one string split into shell words (never run) */
};

/* what a value must look like beyond its type */
enum kcheck {
	C_TEXT,      /* anything without NUL */
	C_NONEMPTY,  /* any text but "" */
	C_APP,       /* a package name and folder: [A-Za-z0-9][A-Za-z0-9._+-]* */
	C_VERSION,   /* matches CONFIG_VERSION_RE */
	C_ITERATION, /* matches CONFIG_ITERATION_RE */
	C_PKGNAMES,  /* OS package names for the installer, maybe pinned with = */
	C_PKGS,      /* OS package names, maybe with version constraints */
	C_ABSPATH,   /* /[A-Za-z0-9._/+-]* */
	C_FILENAME,  /* no slash, not . or ..; {NAME} references (config_filename_refs) */
	C_PACKAGER,  /* native or fpm */
	C_SHA256,    /* 64 hex digits or "" */
	C_FILE,      /* a file that exists, relative to vdist.json's folder */
	C_PYVERSION, /* 3.X or 3.X.Y */
	C_WORD,      /* [a-z0-9][a-z0-9+./-]*: a Debian section or priority */
	C_USER,      /* a system user or group name: [a-z_][a-z0-9_-]*, at most 32 */
	C_DIRS,      /* map: absolute folder -> "owner:group:mode" */
	C_CONFIGS,   /* map: absolute path under /etc -> file relative to vdist.json */
	C_LINKS,     /* map: absolute link -> absolute target */
	C_COMPRESSION, /* zstd, xz, gzip or none */
	C_ARCH,      /* amd64 or arm64 */
	C_ENGINE,    /* a DOCKER_HOST URL or a docker context name */
	C_LEVEL,     /* 0 to 22 (the format's range is checked by resolve) */
	C_KEYID,     /* a gpg key: one line, not empty, not starting with - */
};

/* how values from the top level, "defaults" and the build combine */
enum kmerge {
	M_SET,     /* the innermost wins */
	M_UNION,   /* united, first seen first */
	M_CONCAT,  /* concatenated, outer first */
};

/* one known key */
struct keydef {
	const char *name;   /* as written in vdist.json */
	enum ktype type;    /* its JSON type */
	enum kcheck check;  /* its value's form */
	enum kmerge merge;  /* how levels combine */
	size_t field;       /* offset in struct build */
	const char *def;    /* default for strings, "1"/"0" for booleans, NULL: none */
	const char *help;   /* one line for --help-config and the man page */
};

#define F(x) offsetof(struct build, x)

static const struct keydef keys[CONFIG_NKEYS] = {
	[K_NAME] = {"name", T_STR, C_NONEMPTY, M_SET, F(name), NULL,
		"build name, shown on every log line; builds only; its id ([a-z0-9-]) names .vdist/ID; "
		"default APP-VERSION-PROFILE"},
	[K_APP] = {"app", T_STR, C_APP, M_SET, F(app), NULL,
		"application name: package name and install folder (required)"},
	[K_VERSION] = {"version", T_STR, C_VERSION, M_SET, F(version), NULL,
		"package version, starting with a digit (required)"},
	[K_ITERATION] = {"iteration", T_STR, C_ITERATION, M_SET, F(iteration), "1",
		"package release: Debian revision or RPM Release"},
	[K_MAINTAINER] = {"maintainer", T_STR, C_NONEMPTY, M_SET, F(maintainer), "root <root@localhost>",
		"package maintainer, \"Name <mail>\""},
	[K_DESCRIPTION] = {"description", T_STR, C_TEXT, M_SET, F(description), "",
		"package description; the first line is the summary"},
	[K_LICENSE] = {"license", T_STR, C_TEXT, M_SET, F(license), "",
		"license name for the package metadata"},
	[K_URL] = {"url", T_STR, C_TEXT, M_SET, F(url), "",
		"project home page for the package metadata"},
	[K_SOURCE] = {"source", T_SOURCE, C_TEXT, M_SET, F(source), ".",
		"{\"directory\": DIR} (default \".\"), {\"git\": URL} or {\"git_directory\": DIR}, with \"branch\""},
	[K_PROFILE] = {"profile", T_STR, C_NONEMPTY, M_SET, F(profile), NULL,
		"build machine id from build_machines.json (required)"},
	[K_BUILD_MACHINE_ID] = {"build_machine_id", T_STR, C_NONEMPTY, M_SET, F(profile), NULL,
		"vdist's name for profile"},
	[K_PACKAGER] = {"packager", T_STR, C_PACKAGER, M_SET, F(packager), "",
		"\"native\" (dpkg-deb/rpmbuild) or \"fpm\"; default: the profile's"},
	[K_ARCH] = {"arch", T_STR, C_ARCH, M_SET, F(arch), "",
		"the packages' architecture, amd64 or arm64; default: the profile's (another one runs by emulation or on docker_host)"},
	[K_DOCKER_HOST] = {"docker_host", T_STR, C_ENGINE, M_SET, F(docker_host), "",
		"the Docker engine of this build: a DOCKER_HOST URL (unix://, tcp://, ssh://) or a docker context; default: the profile's, else docker's own"},
	[K_SIGN_KEY] = {"sign_key", T_STR, C_KEYID, M_SET, F(sign_key), "",
		"the gpg key (fingerprint, key id or user id) the packages and dist/SHA256SUMS are signed with on the host; make SIGN_KEY=... wins; default: unsigned"},
	[K_BUILD_DEPS] = {"build_deps", T_LIST, C_PKGNAMES, M_UNION, F(build_deps), NULL,
		"OS packages installed in the builder image"},
	[K_RUNTIME_DEPS] = {"runtime_deps", T_LIST, C_PKGS, M_UNION, F(runtime_deps), NULL,
		"OS packages the package depends on"},
	[K_CUSTOM_FILENAME] = {"custom_filename", T_STR, C_FILENAME, M_SET, F(custom_filename), "",
		"file name of the package in dist/ instead of the packager's; {NAME} is environment variable NAME at build time"},
	[K_FPM_ARGS] = {"fpm_args", T_ARGS, C_TEXT, M_CONCAT, F(fpm_args), NULL,
		"extra fpm arguments (fpm packager): one per item, or one string split into words as a shell would, never run"},
	[K_PIP_ARGS] = {"pip_args", T_LIST, C_TEXT, M_CONCAT, F(pip_args), NULL,
		"extra arguments to every pip install, one per item"},
	[K_PACKAGE_INSTALL_ROOT] = {"package_install_root", T_STR, C_ABSPATH, M_SET, F(install_root), "/opt",
		"folder holding the app's folder; the venv is ROOT/APP"},
	[K_COMPILE_PYTHON] = {"compile_python", T_BOOL, C_TEXT, M_SET, F(compile_python), "1",
		"true: compile CPython and ship it; false: use the interpreter under python_basedir"},
	[K_PYTHON_VERSION] = {"python_version", T_STR, C_PYVERSION, M_SET, F(python_version), "3.11.2",
		"CPython version to compile"},
	[K_PYTHON_BASEDIR] = {"python_basedir", T_STR, C_ABSPATH, M_SET, F(python_basedir), "",
		"interpreter prefix; default /usr without compile_python, ROOT/APP/python with it"},
	[K_PYTHON_URL] = {"python_url", T_STR, C_NONEMPTY, M_SET, F(python_url), "",
		"CPython source tarball; default python.org's for python_version"},
	[K_PYTHON_SHA256] = {"python_sha256", T_STR, C_SHA256, M_SET, F(python_sha256), "",
		"SHA-256 of the tarball; strongly advised"},
	[K_PYTHON_CONFIGURE_FLAGS] = {"python_configure_flags", T_LIST, C_TEXT, M_CONCAT,
		F(python_configure_flags), NULL, "extra CPython ./configure flags"},
	[K_REQUIREMENTS_PATH] = {"requirements_path", T_STR, C_TEXT, M_SET, F(requirements_path),
		"requirements.txt", "requirements file inside the source tree (a leading / means its top)"},
	[K_WORKING_DIR] = {"working_dir", T_STR, C_TEXT, M_SET, F(working_dir), "",
		"folder inside the source tree that holds setup.py or pyproject.toml"},
	[K_OFFLINE] = {"offline", T_BOOL, C_TEXT, M_SET, F(offline), "0",
		"true: pip installs only from the project's wheelhouse/ (make wheels), containers get no network"},
	[K_KEEP_PIP] = {"keep_pip", T_BOOL, C_TEXT, M_SET, F(keep_pip), "0",
		"true: ship pip, setuptools and wheel in the venv (by default they are removed)"},
	[K_STRIP] = {"strip", T_BOOL, C_TEXT, M_SET, F(strip), "1",
		"false: do not strip the package's ELF files (strip --strip-unneeded)"},
	[K_COMPRESSION] = {"compression", T_STR, C_COMPRESSION, M_SET, F(compression), "",
		"package compression: zstd, xz, gzip or none; default: the profile's, the fastest its dpkg or rpm reads"},
	[K_COMPRESSION_LEVEL] = {"compression_level", T_INT, C_LEVEL, M_SET, F(compression_level), "",
		"compression level (zstd 1-19, xz 0-9, gzip 1-9); default zstd 3, xz 6, gzip 6"},
	[K_SECTION] = {"section", T_STR, C_WORD, M_SET, F(section), "misc",
		"Debian section of the .deb (rpm: unused)"},
	[K_PRIORITY] = {"priority", T_STR, C_WORD, M_SET, F(priority), "optional",
		"Debian priority of the .deb (rpm: unused)"},
	[K_CHANGELOG] = {"changelog", T_STR, C_FILE, M_SET, F(changelog), NULL,
		"a Debian-format changelog shipped as the .deb's changelog.Debian.gz; default: one entry for this version"},
	[K_SYSTEMD_UNITS] = {"systemd_units", T_LIST, C_FILE, M_UNION, F(systemd_units), NULL,
		"systemd unit files to install, enable and start (relative to vdist.json)"},
	[K_SYSTEMD_ENABLE] = {"systemd_enable", T_BOOL, C_TEXT, M_SET, F(systemd_enable), "1",
		"false: do not enable the units on install"},
	[K_SYSTEMD_START] = {"systemd_start", T_BOOL, C_TEXT, M_SET, F(systemd_start), "1",
		"false: do not start the units on install (an upgrade restarts only running ones)"},
	[K_USER] = {"user", T_STR, C_USER, M_SET, F(user), "",
		"system user and group created before the files are unpacked, if missing; never removed"},
	[K_USER_HOME] = {"user_home", T_STR, C_ABSPATH, M_SET, F(user_home), "",
		"the user's home folder; default /var/lib/USER"},
	[K_DIRS] = {"dirs", T_MAP, C_DIRS, M_SET, F(dirs), NULL,
		"folders the package owns: {\"/var/lib/APP\": \"owner:group:0750\"}"},
	[K_CONFIG_FILES] = {"config_files", T_MAP, C_CONFIGS, M_SET, F(config_files), NULL,
		"config files: {\"/etc/APP/APP.conf\": \"pkg/APP.conf\"}; an admin's edits survive upgrades"},
	[K_LINKS] = {"links", T_MAP, C_LINKS, M_SET, F(links), NULL,
		"symbolic links: {\"/usr/bin/APP\": \"/opt/APP/bin/APP\"}"},
	[K_CONFLICTS] = {"conflicts", T_LIST, C_PKGS, M_UNION, F(conflicts), NULL,
		"packages this one cannot be installed with, in runtime_deps' form"},
	[K_PROVIDES] = {"provides", T_LIST, C_PKGS, M_UNION, F(provides), NULL, "virtual packages this one provides"},
	[K_REPLACES] = {"replaces", T_LIST, C_PKGS, M_UNION, F(replaces), NULL,
		"packages whose files this one may overwrite (rpm: Obsoletes)"},
	[K_BREAKS] = {"breaks", T_LIST, C_PKGS, M_UNION, F(breaks), NULL, "packages this one breaks (deb only)"},
	[K_RECOMMENDS] = {"recommends", T_LIST, C_PKGS, M_UNION, F(recommends), NULL, "weak dependencies"},
	[K_SUGGESTS] = {"suggests", T_LIST, C_PKGS, M_UNION, F(suggests), NULL, "weaker dependencies"},
	[K_BEFORE_INSTALL] = {"before_install", T_STR, C_FILE, M_SET, F(scripts[0]), NULL,
		"script run before the package is installed (not on upgrade)"},
	[K_AFTER_INSTALL] = {"after_install", T_STR, C_FILE, M_SET, F(scripts[1]), NULL,
		"script run after the package is installed (not on upgrade)"},
	[K_BEFORE_REMOVE] = {"before_remove", T_STR, C_FILE, M_SET, F(scripts[2]), NULL,
		"script run before the package is removed (not on upgrade)"},
	[K_AFTER_REMOVE] = {"after_remove", T_STR, C_FILE, M_SET, F(scripts[3]), NULL,
		"script run after the package is removed (not on upgrade)"},
	[K_BEFORE_UPGRADE] = {"before_upgrade", T_STR, C_FILE, M_SET, F(scripts[4]), NULL,
		"script run before the package is upgraded"},
	[K_AFTER_UPGRADE] = {"after_upgrade", T_STR, C_FILE, M_SET, F(scripts[5]), NULL,
		"script run after the package is upgraded"},
};

const char *const config_script_keys[CONFIG_NSCRIPTS] = {
	"before_install", "after_install", "before_remove",
	"after_remove", "before_upgrade", "after_upgrade",
};

/* keys only the top level knows */
static const char *const toponly[] = {"builds", "defaults"};

/* the state of one load */
struct loader {
	struct config *c;   /* being built */
	struct diags *d;    /* where errors go */
	char *dir;          /* folder of vdist.json, for script paths */
};

const char *
config_arch_why(const char *v)
{
	if (!*v || !strcmp(v, "amd64") || !strcmp(v, "arm64"))
		return NULL;
	return "must be \"amd64\" or \"arm64\" (Debian's names; rpm's x86_64 and aarch64 follow from them)";
}

const char *
config_engine_why(const char *v)
{
	static const char *const schemes[] = {"unix://", "tcp://", "ssh://"};
	const char *sep = strstr(v, "://");
	if (!*v)
		return NULL;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("\"'`$\\", *p))
			return "must be a DOCKER_HOST URL or a docker context name, without blanks, quotes, $ or \\";
	if (sep) {
		for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++)
			if (!strncmp(v, schemes[i], strlen(schemes[i])))
				return v[strlen(schemes[i])] ? NULL : "names no socket or host after its scheme";
		return "must be a unix://, tcp:// or ssh:// URL (as DOCKER_HOST takes), or a docker context name";
	}
	if (!isalnum((unsigned char)*v))
		return "must start with a letter or digit, as a docker context name does (or be a unix://, tcp:// or ssh:// URL)";
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.+-", *p))
			return "must hold only letters, digits and _ . + -, as a docker context name does (or be a unix://, tcp:// or ssh:// URL)";
	return NULL;
}

const char *
config_key_name(enum configkey k)
{
	return keys[k].name;
}

void
config_diag(const struct config *c, struct diags *d, enum diaglevel lv, size_t off,
            const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vat(d, lv, c->file, c->text, c->len, off, fmt, ap);
	va_end(ap);
}

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

int
strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

void
strlist_add_unique(struct strlist *l, const char *s)
{
	if (!strlist_has(l, s))
		strlist_add(l, s);
}

void
strlist_add_all_unique(struct strlist *dst, const struct strlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		strlist_add_unique(dst, src->v[i]);
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* the length of the environment variable name at the start of s,
 * [A-Za-z_][A-Za-z0-9_]*, or 0 */
static size_t
var_name_len(const char *s)
{
	size_t n = 0;
	while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') || s[n] == '_'
	       || (n && s[n] >= '0' && s[n] <= '9'))
		n++;
	return n;
}

int
config_filename_refs(const char *s, struct strlist *text, struct strlist *names, size_t *errat,
                     const char **why)
{
	struct strbuf lit = {0};
	size_t i = 0;

	while (s[i]) {
		if ((s[i] == '{' || s[i] == '}') && s[i + 1] == s[i]) {
			strbuf_addc(&lit, s[i]);
			i += 2;
		} else if (s[i] == '}') {
			*errat = i;
			*why = "this } closes no {";
			goto fail;
		} else if (s[i] == '{') {
			size_t n = var_name_len(s + i + 1);
			if (n == 0 || s[i + 1 + n] != '}') {
				*errat = i;
				*why = !strchr(s + i + 1, '}') ? "this { is never closed"
				       : n == 0 && s[i + 1] == '}' ? "{} names no variable"
				       : "a name between { and } holds only letters, digits and _, and does not start with a digit";
				goto fail;
			}
			strbuf_adds(&lit, "");  /* (a buffer never added to holds no NUL) */
			strlist_add(text, strbuf_str(&lit));
			strbuf_free(&lit);
			char *name = xstrndup(s + i + 1, n);
			strlist_add(names, name);
			free(name);
			i += n + 2;
		} else {
			strbuf_addc(&lit, s[i++]);
		}
	}
	strbuf_adds(&lit, "");
	strlist_add(text, strbuf_str(&lit));
	strbuf_free(&lit);
	return 0;
fail:
	strbuf_free(&lit);
	strlist_free(text);
	strlist_free(names);
	return -1;
}

/* the byte offset in the file of byte i of the string value whose
 * opening quote is at off: an escape counts as the bytes it stands for,
 * each of which is at its backslash (json checked the escapes) */
static size_t
string_offset(const struct config *c, size_t off, size_t i)
{
	const char *s = c->text;
	size_t p = off + 1, n = 0;  /* n: the value's bytes before p */

	while (p < c->len && s[p] != '"') {
		size_t raw = 1, bytes = 1;
		if (s[p] == '\\' && p + 5 < c->len && s[p + 1] == 'u') {
			unsigned long cp = strtoul((char[]){s[p + 2], s[p + 3], s[p + 4], s[p + 5], 0}, NULL, 16);
			raw = 6;
			bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				raw = 12;  /* a surrogate pair: one 4-byte character */
				bytes = 4;
			}
		} else if (s[p] == '\\') {
			raw = 2;
		}
		if (n + bytes > i)
			return p;
		n += bytes;
		p += raw;
	}
	return p;
}

/* 1 if s matches the extended regular expression re (a constant of config.h) */
static int
matches(const char *re, const char *s)
{
	regex_t rx;
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	int ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

/* 1 if dep is alternatives "NAME [(OP VERSION)]" joined by "|", OP one of
 * Debian's << <= = >= >> (or < >) */
static int
relation_ok(const char *dep)
{
	static const char *const re =
		"^ *[A-Za-z0-9][A-Za-z0-9._+:~-]*( *\\( *(<<|<=|=|>=|>>|<|>) *[A-Za-z0-9.+~:-]+ *\\))? *"
		"(\\| *[A-Za-z0-9][A-Za-z0-9._+:~-]*( *\\( *(<<|<=|=|>=|>>|<|>) *[A-Za-z0-9.+~:-]+ *\\))? *)*$";
	return matches(re, dep);
}

/* 1 if every byte of s is in the set of allowed bytes ok (plus alnum) */
static int
only(const char *s, const char *ok)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		      || strchr(ok, c)))
			return 0;
	}
	return 1;
}

/* 1 if c is a digit */
static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* check a string value against its key's form; -1 after an error */
static int
check_value(struct loader *L, const struct keydef *k, const char *v, size_t off)
{
	const char *why = NULL;
	switch (k->check) {
	case C_TEXT:
		return 0;
	case C_NONEMPTY:
		if (!*v)
			why = k == &keys[K_NAME] ? "must not be empty: leave it out for vdist's default, APP-VERSION-PROFILE"
			                         : "must not be empty";
		break;
	case C_APP:
		if (!only((char[]){*v, 0}, "") || !only(v, "._+-"))
			why = "must start with a letter or digit and hold only letters, digits and . _ + -";
		break;
	case C_VERSION:
		if (!matches(CONFIG_VERSION_RE, v))
			why = CONFIG_VERSION_RULE " (the iteration goes in \"iteration\")";
		break;
	case C_ITERATION:
		if (!matches(CONFIG_ITERATION_RE, v))
			why = CONFIG_ITERATION_RULE;
		break;
	case C_PKGNAMES:
		if (!only((char[]){*v, 0}, "") || !only(v, "._+-:~="))
			why = "must be OS package names such as \"libffi-dev\" (a version only as pkg=1.2; "
			      "constraints belong in runtime_deps)";
		break;
	case C_PKGS:
		if (!*v || !only((char[]){*v, 0}, "") || !only(v, "._+-:~=<>() |,") || !relation_ok(v))
			why = "must be an OS package name, optionally with a version constraint "
			      "such as \"libfoo (>= 1.2)\"";
		break;
	case C_ABSPATH:
		if (*v && (v[0] != '/' || !only(v, "._/+-") || strstr(v, "..")))
			why = "must be an absolute path of letters, digits and . _ / + -";
		break;
	case C_FILENAME: {
		struct strlist text = {0}, names = {0};
		size_t at;
		const char *what;
		if (strchr(v, '/') || !strcmp(v, ".") || !strcmp(v, "..")) {
			why = "must be a file name without '/'";
			break;
		}
		if (config_filename_refs(v, &text, &names, &at, &what) < 0) {
			config_diag(L->c, L->d, DIAG_ERROR, string_offset(L->c, off, at),
			            "%s: %s; write {NAME} for environment variable NAME, {{ and }} for a literal brace",
			            k->name, what);
			return -1;
		}
		strlist_free(&text);
		strlist_free(&names);
		break;
	}
	case C_PACKAGER:
		if (*v && strcmp(v, "native") && strcmp(v, "fpm"))
			why = "must be \"native\" or \"fpm\"";
		break;
	case C_SHA256:
		if (*v && (strlen(v) != 64 || !only(v, "") || strpbrk(v, "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ")))
			why = "must be 64 hexadecimal digits";
		break;
	case C_WORD:
		if (!(*v >= 'a' && *v <= 'z') && !(*v >= '0' && *v <= '9'))
			why = "must start with a lowercase letter or digit";
		for (const char *p = v; !why && *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("+./-", *p)))
				why = "must hold only lowercase letters, digits and + . / -";
		break;
	case C_USER:
		if (*v && (strlen(v) > 32 || !((*v >= 'a' && *v <= 'z') || *v == '_')))
			why = "must start with a lowercase letter or _ and be at most 32 bytes";
		for (const char *p = v; !why && *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
				why = "must hold only lowercase letters, digits, _ and -";
		break;
	case C_DIRS:
	case C_CONFIGS:
	case C_LINKS:
		break;  /* maps: check_map */
	case C_COMPRESSION:
		if (strcmp(v, "zstd") && strcmp(v, "xz") && strcmp(v, "gzip") && strcmp(v, "none"))
			why = "must be \"zstd\", \"xz\", \"gzip\" or \"none\"";
		break;
	case C_ARCH:
		why = config_arch_why(v);
		break;
	case C_ENGINE:
		why = config_engine_why(v);
		break;
	case C_KEYID:
		if (!*v || *v == '-' || strpbrk(v, "\n\r"))
			why = "must name one gpg key on one line (a fingerprint, key id or user id), not starting with -";
		break;
	case C_LEVEL:
		if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 2 || atoi(v) > 22)
			why = "must be a whole number from 0 to 22";
		break;
	case C_PYVERSION: {
		const char *p = v;
		int parts = 0;
		while (isdig(*p)) {
			while (isdig(*p))
				p++;
			parts++;
			if (*p != '.')
				break;
			p++;
		}
		if (*p || parts < 2 || parts > 3 || v[0] != '3')
			why = "must be a CPython 3 version such as \"3.11\" or \"3.11.2\"";
		break;
	}
	case C_FILE: {
		if (!*v) {
			why = "must name a file";
			break;
		}
		char *p = util_path_join(L->dir, v);
		int okf = util_is_file(p);
		free(p);
		if (!okf) {
			config_diag(L->c, L->d, DIAG_ERROR, off, "%s: no such file \"%s\" (paths are relative to the folder of %s)",
			            k->name, v, L->c->file);
			return -1;
		}
		return 0;
	}
	}
	if (why) {
		config_diag(L->c, L->d, DIAG_ERROR, off, "%s %s", k->name, why);
		return -1;
	}
	return 0;
}

/* find the key named name; -1 if unknown */
static int
find_key(const char *name)
{
	for (int i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return i;
	return -1;
}

/* report an unknown member name, with a hint */
static void
unknown_key(struct loader *L, const char *name, size_t off, int top, const char *where)
{
	const char *names[CONFIG_NKEYS + 2];
	size_t n = 0;
	for (int i = 0; i < CONFIG_NKEYS; i++)
		names[n++] = keys[i].name;
	if (top)
		for (size_t i = 0; i < sizeof toponly / sizeof *toponly; i++)
			names[n++] = toponly[i];
	char *hint = diag_did_you_mean(name, names, n, " (vdist-gen --help-config lists the keys)");
	config_diag(L->c, L->d, DIAG_ERROR, off, "unknown key \"%s\" in %s%s", name, where, hint);
	free(hint);
}

/* report duplicate member names of obj; -1 if there was one */
static int
check_duplicates(struct loader *L, const struct json *obj)
{
	int bad = 0;
	for (size_t i = 1; i < obj->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(obj->keys[i], obj->keys[j]) == 0) {
				int line, col;
				diag_linecol(L->c->text, L->c->len, obj->keyoffs[j], &line, &col);
				config_diag(L->c, L->d, DIAG_ERROR, obj->keyoffs[i],
				            "duplicate key \"%s\" (first given at line %d): keep one", obj->keys[i], line);
				bad = 1;
				break;
			}
	return bad ? -1 : 0;
}

/* report a value of the wrong type */
static int
wrong_type(struct loader *L, const char *name, const struct json *v, const char *want)
{
	const char *hint = "";
	if (v->type == JSON_STRING && (!strcmp(v->str, "true") || !strcmp(v->str, "false")
	                               || !strcmp(v->str, "True") || !strcmp(v->str, "False")))
		hint = " (write true or false without quotes)";
	else if (v->type == JSON_STRING && !strcmp(want, "an array of strings"))
		hint = " (write [\"a\", \"b\"], one item per element)";
	config_diag(L->c, L->d, DIAG_ERROR, v->off, "%s must be %s, not %s %s%s", name, want,
	            v->type == JSON_ARRAY || v->type == JSON_OBJECT ? "an" : "a", json_type_name(v->type), hint);
	return -1;
}

/* one level's values (top, defaults or build) before merging */
struct level {
	const struct json *v[CONFIG_NKEYS];  /* value of each key, or NULL */
	struct strlist words[CONFIG_NKEYS];  /* T_ARGS given as a string: its words, owned */
};

/* release the words of a level */
static void
level_clear(struct level *lv)
{
	for (int k = 0; k < CONFIG_NKEYS; k++)
		strlist_free(&lv->words[k]);
}

/* split string value v of key kd into shell words, never run, into out;
 * -1 after a located error */
static int
split_words(struct loader *L, const struct keydef *kd, const struct json *v, struct strlist *out)
{
	struct words w;
	size_t errat;
	const char *why;

	if (words_split(v->str, strlen(v->str), &w, &errat, &why) < 0) {
		config_diag(L->c, L->d, DIAG_ERROR, string_offset(L->c, v->off, errat),
		            "%s: %s; a string is split into words as a shell splits them, and never run: "
		            "balance the quotes, double a lone backslash, or give an array of strings",
		            kd->name, why);
		return -1;
	}
	if (w.special != (size_t)-1)
		config_diag(L->c, L->d, DIAG_WARNING, string_offset(L->c, v->off, w.special),
		            "%s: a shell would have read '%c' here as syntax or an expansion; vdist-gen passes it on "
		            "as plain text (an array of strings says so without this warning)",
		            kd->name, v->str[w.special]);
	for (size_t i = 0; i < w.n; i++)
		strlist_add(out, w.v[i]);
	words_free(&w);
	return 0;
}

/* 1 if pattern p of source "exclude" is one vdist can apply: relative,
 * no "." or ".." part, no empty part (but a trailing / for folders), no
 * control characters, and a well-formed bracket expression */
static int
exclude_ok(const char *p)
{
	if (!*p || *p == '/')
		return 0;
	for (const char *s = p; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	for (const char *s = p; *s;) {
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		if (n == 0 && s[0] == '/')
			return 0;  /* an empty part: a//b */
		s += n;
		if (*s == '/')
			s++;
	}
	for (const char *s = p; *s; s++) {
		if (*s == '\\' && !*++s)
			return 0;  /* a trailing backslash escapes nothing */
		if (*s == '[') {
			const char *e = s + 1;
			if (*e == '!' || *e == '^')
				e++;
			if (*e == ']')
				e++;
			while (*e && *e != ']' && *e != '/')
				e++;
			if (*e != ']')
				return 0;
			s = e;
		}
	}
	return 1;
}

/* read source "exclude", a list of patterns, into b; -1 after an error */
static int
read_excludes(struct loader *L, const struct json *m, struct build *b)
{
	if (m->type != JSON_ARRAY)
		return wrong_type(L, "exclude", m, "an array of strings");
	for (size_t j = 0; j < m->n; j++) {
		const struct json *it = &m->items[j];
		if (it->type != JSON_STRING)
			return wrong_type(L, "exclude item", it, "a string");
		if (!exclude_ok(it->str)) {
			config_diag(L->c, L->d, DIAG_ERROR, it->off,
			            "source exclude \"%s\" is not a pattern vdist can apply: a relative path of the "
			            "source, without . or .. parts, with * ? [...] as wildcards and a trailing / for a folder",
			            it->str);
			return -1;
		}
		strlist_add_unique(&b->source_exclude, it->str);
	}
	return 0;
}

/* read the source object into b; -1 after an error */
static int
read_source(struct loader *L, const struct json *v, struct build *b)
{
	static const char *const names[] = {"directory", "git", "git_directory", "branch", "exclude"};
	const struct json *loc = NULL;
	int kinds = 0;

	if (v->type != JSON_OBJECT)
		return wrong_type(L, "source", v, "an object such as {\"directory\": \".\"}");
	if (check_duplicates(L, v) < 0)
		return -1;
	free(b->branch);
	b->branch = xstrdup("");
	strlist_free(&b->source_exclude);
	for (size_t i = 0; i < v->n; i++) {
		const struct json *m = &v->items[i];
		size_t k;
		for (k = 0; k < 5 && strcmp(v->keys[i], names[k]); k++)
			;
		if (k == 5) {
			char *hint = diag_did_you_mean(v->keys[i], names, 5, ": use directory, git, git_directory, branch or exclude");
			config_diag(L->c, L->d, DIAG_ERROR, v->keyoffs[i], "unknown key \"%s\" in source%s", v->keys[i], hint);
			free(hint);
			return -1;
		}
		if (k == 4) {
			if (read_excludes(L, m, b) < 0)
				return -1;
			continue;
		}
		if (m->type != JSON_STRING)
			return wrong_type(L, v->keys[i], m, "a string");
		if (!m->str[0]) {
			config_diag(L->c, L->d, DIAG_ERROR, m->off, "source %s must not be empty", v->keys[i]);
			return -1;
		}
		if (k == 3) {
			free(b->branch);
			b->branch = xstrdup(m->str);
			continue;
		}
		kinds++;
		loc = m;
		b->srckind = k == 0 ? SRC_DIRECTORY : k == 1 ? SRC_GIT : SRC_GIT_DIRECTORY;
	}
	if (kinds != 1) {
		config_diag(L->c, L->d, DIAG_ERROR, v->off,
		            "source must have exactly one of \"directory\", \"git\" or \"git_directory\"");
		return -1;
	}
	if (b->branch[0] && b->srckind == SRC_DIRECTORY) {
		config_diag(L->c, L->d, DIAG_ERROR, json_get(v, "branch")->off,
		            "source branch needs \"git\" or \"git_directory\"; a directory has no branch");
		return -1;
	}
	free(b->source);
	b->source = xstrdup(loc->str);
	return 0;
}

/* 1 if s is an absolute path of letters, digits and . _ / + - without .. */
static int
abspath_ok(const char *s)
{
	return s[0] == '/' && s[1] && only(s, "._/+-") && !strstr(s, "..") && s[strlen(s) - 1] != '/';
}

/* check the members of map v of key kd: each name a path, each value of
 * the form the key takes; -1 after errors (all of them reported) */
static int
check_map(struct loader *L, const struct keydef *kd, const struct json *v)
{
	int bad = 0;
	for (size_t i = 0; i < v->n; i++) {
		const char *k = v->keys[i];
		const struct json *m = &v->items[i];
		if (m->type != JSON_STRING) {
			bad |= wrong_type(L, k, m, "a string") < 0;
			continue;
		}
		if (!abspath_ok(k) || (kd->check == C_CONFIGS && strncmp(k, "/etc/", 5))) {
			config_diag(L->c, L->d, DIAG_ERROR, v->keyoffs[i], "%s: \"%s\" must be an absolute path%s of letters, digits and . _ / + -",
			            kd->name, k, kd->check == C_CONFIGS ? " under /etc/" : "");
			bad = 1;
			continue;
		}
		const char *s = m->str;
		if (kd->check == C_LINKS && !abspath_ok(s)) {
			config_diag(L->c, L->d, DIAG_ERROR, m->off, "links: the target of %s must be an absolute path of letters, digits and . _ / + -", k);
			bad = 1;
		} else if (kd->check == C_CONFIGS) {
			char *p = util_path_join(L->dir, s);
			if (!*s || !util_is_file(p)) {
				config_diag(L->c, L->d, DIAG_ERROR, m->off, "config_files: no such file \"%s\" for %s (paths are relative to the folder of %s)",
				            s, k, L->c->file);
				bad = 1;
			}
			free(p);
		} else if (kd->check == C_DIRS) {
			/* owner:group:mode */
			const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			int okd = c1 && c2 && c1 > s && c2 > c1 + 1 && c2[1];
			for (const char *p = s; okd && *p; p++) {
				if (p == c1 || p == c2)
					continue;
				if (p > c2)
					okd = *p >= '0' && *p <= '7';
				else
					okd = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
			}
			if (okd)
				okd = strlen(c2 + 1) >= 3 && strlen(c2 + 1) <= 4 && c2 - c1 - 1 <= 32 && c1 - s <= 32;
			if (!okd) {
				config_diag(L->c, L->d, DIAG_ERROR, m->off,
				            "dirs: \"%s\" for %s must be OWNER:GROUP:MODE, such as \"hello:hello:0750\" (names of lowercase letters, digits, _ and -; an octal mode)",
				            s, k);
				bad = 1;
			}
		}
	}
	return bad ? -1 : 0;
}

/* collect the members of obj into lv, checking names and types; -1 after errors */
static int
read_level(struct loader *L, const struct json *obj, struct level *lv, int top, int isbuild,
           const char *where)
{
	int bad = check_duplicates(L, obj) < 0;
	memset(lv, 0, sizeof *lv);
	for (size_t i = 0; i < obj->n; i++) {
		const char *name = obj->keys[i];
		const struct json *v = &obj->items[i];
		int k = find_key(name);
		if (k < 0) {
			if (top && (!strcmp(name, "builds") || !strcmp(name, "defaults")))
				continue;
			unknown_key(L, name, obj->keyoffs[i], top, where);
			bad = 1;
			continue;
		}
		if (k == K_NAME && !isbuild) {
			config_diag(L->c, L->d, DIAG_ERROR, obj->keyoffs[i],
			            "\"name\" belongs in each entry of \"builds\", not in %s", where);
			bad = 1;
			continue;
		}
		/* the alias marks its own slot too, so a repeated "profile" is only a duplicate */
		if ((k == K_PROFILE && lv->v[K_BUILD_MACHINE_ID])
		    || (k == K_BUILD_MACHINE_ID && lv->v[K_PROFILE] && !lv->v[K_BUILD_MACHINE_ID])) {
			config_diag(L->c, L->d, DIAG_ERROR, obj->keyoffs[i],
			            "both \"profile\" and \"build_machine_id\" given in %s: they are the same key, keep one",
			            where);
			bad = 1;
			continue;
		}
		const struct keydef *kd = &keys[k];
		if (kd->type == T_STR && v->type != JSON_STRING) {
			bad |= wrong_type(L, name, v, "a string") < 0;
			continue;
		}
		if (kd->type == T_BOOL && v->type != JSON_BOOL) {
			bad |= wrong_type(L, name, v, "true or false") < 0;
			continue;
		}
		if (kd->type == T_INT && (v->type != JSON_NUMBER || check_value(L, kd, v->str, v->off) < 0)) {
			if (v->type != JSON_NUMBER)
				wrong_type(L, name, v, "a whole number");
			bad = 1;
			continue;
		}
		if (kd->type == T_ARGS && v->type == JSON_STRING) {
			strlist_free(&lv->words[k]);  /* a duplicate key was reported */
			if (split_words(L, kd, v, &lv->words[k]) < 0) {
				bad = 1;
				continue;
			}
		} else if (kd->type == T_LIST || kd->type == T_ARGS) {
			if (v->type != JSON_ARRAY) {
				bad |= wrong_type(L, name, v, kd->type == T_ARGS ? "an array of strings or a string of shell words"
				                                                 : "an array of strings") < 0;
				continue;
			}
			int itembad = 0;
			for (size_t j = 0; j < v->n; j++) {
				const struct json *it = &v->items[j];
				if (it->type != JSON_STRING) {
					config_diag(L->c, L->d, DIAG_ERROR, it->off, "%s must be an array of strings; this item is %s %s",
					            name, it->type == JSON_ARRAY || it->type == JSON_OBJECT ? "an" : "a",
					            json_type_name(it->type));
					itembad = 1;
					continue;
				}
				itembad |= check_value(L, kd, v->items[j].str, v->items[j].off) < 0;
			}
			bad |= itembad;
			if (itembad)
				continue;
		} else if (kd->type == T_STR && check_value(L, kd, v->str, v->off) < 0) {
			bad = 1;
			continue;
		} else if (kd->type == T_MAP) {
			if (v->type != JSON_OBJECT) {
				bad |= wrong_type(L, name, v, "an object of strings") < 0;
				continue;
			}
			if (check_duplicates(L, v) < 0 || check_map(L, kd, v) < 0) {
				bad = 1;
				continue;
			}
		} else if (kd->type == T_SOURCE) {
			/* checked here, once per level, not once per build */
			struct build scratch = {0};
			int r = read_source(L, v, &scratch);
			free(scratch.source);
			free(scratch.branch);
			strlist_free(&scratch.source_exclude);
			if (r < 0) {
				bad = 1;
				continue;
			}
		}
		lv->v[k == K_BUILD_MACHINE_ID ? K_PROFILE : k] = v;
		if (k == K_BUILD_MACHINE_ID)
			lv->v[K_BUILD_MACHINE_ID] = v;
	}
	return bad ? -1 : 0;
}

/* apply one level's values onto b; -1 after an error */
static int
apply_level(struct loader *L, const struct level *lv, struct build *b)
{
	for (int k = 0; k < CONFIG_NKEYS; k++) {
		const struct json *v = lv->v[k];
		const struct keydef *kd = &keys[k];
		void *field = (char *)b + kd->field;
		if (!v || k == K_BUILD_MACHINE_ID)  /* applied as profile */
			continue;
		b->off[k] = v->off;
		switch (kd->type) {
		case T_STR:
			free(*(char **)field);
			/* script files are named from the folder of vdist.json */
			*(char **)field = kd->check == C_FILE ? util_path_join(L->dir, v->str) : xstrdup(v->str);
			if (k == K_REQUIREMENTS_PATH)
				b->requirements_explicit = 1;
			break;
		case T_INT:
			free(*(char **)field);
			*(char **)field = xstrdup(v->str);
			break;
		case T_BOOL:
			*(int *)field = v->boolean;
			break;
		case T_LIST:
		case T_ARGS: {
			struct strlist *l = field;
			int words = v->type == JSON_STRING;  /* T_ARGS as a string: its words */
			size_t n = words ? lv->words[k].n : v->n;
			for (size_t j = 0; j < n; j++) {
				const char *item = words ? lv->words[k].v[j] : v->items[j].str;
				char *s = kd->check == C_FILE ? util_path_join(L->dir, item) : xstrdup(item);
				if (kd->merge == M_UNION)
					strlist_add_unique(l, s);
				else
					strlist_add(l, s);
				free(s);
			}
			break;
		}
		case T_MAP: {
			/* the innermost map wins whole */
			struct strlist *l = field;
			strlist_free(l);
			for (size_t j = 0; j < v->n; j++) {
				strlist_add(l, v->keys[j]);
				char *s = kd->check == C_CONFIGS ? util_path_join(L->dir, v->items[j].str) : xstrdup(v->items[j].str);
				strlist_add(l, s);
				free(s);
			}
			break;
		}
		case T_SOURCE:
			if (read_source(L, v, b) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* give b the defaults of the table */
static void
set_defaults(struct build *b)
{
	for (int k = 0; k < CONFIG_NKEYS; k++) {
		const struct keydef *kd = &keys[k];
		void *field = (char *)b + kd->field;
		b->off[k] = UNSET;
		if (!kd->def || k == K_BUILD_MACHINE_ID)
			continue;
		if (kd->type == T_STR || kd->type == T_INT)
			*(char **)field = xstrdup(kd->def);
		else if (kd->type == T_BOOL)
			*(int *)field = kd->def[0] == '1';
	}
	b->srckind = SRC_DIRECTORY;
	b->source = xstrdup(".");
	b->branch = xstrdup("");
}

/* release the strings of one build */
static void
build_clear(struct build *b)
{
	for (int k = 0; k < CONFIG_NKEYS; k++) {
		const struct keydef *kd = &keys[k];
		void *field = (char *)b + kd->field;
		if (k == K_BUILD_MACHINE_ID)
			continue;
		if (kd->type == T_STR || kd->type == T_INT) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (kd->type == T_LIST || kd->type == T_ARGS || kd->type == T_MAP) {
			strlist_free(field);
		}
	}
	free(b->id);
	free(b->source);
	free(b->branch);
	strlist_free(&b->source_exclude);
}

/* fill in values that depend on others */
static void
finish_build(struct build *b)
{
	if (!b->python_url[0]) {
		free(b->python_url);
		b->python_url = xasprintf("https://www.python.org/ftp/python/%s/Python-%s.tgz",
		                          b->python_version, b->python_version);
	}
}

/* 1 if a build of c has the id id */
static int
id_taken(const struct config *c, const char *id)
{
	for (size_t i = 0; i < c->nbuilds; i++)
		if (c->builds[i].id && !strcmp(c->builds[i].id, id))
			return 1;
	return 0;
}

/* give b, which has no name, vdist's: APP-VERSION-PROFILE, or the first
 * of APP-VERSION-PROFILE-2, -3, ... whose id no build has yet */
static void
derive_name(const struct config *c, struct build *b)
{
	char *base = ids_default_name(b->app, b->version, b->profile);
	for (unsigned n = 1; !b->name; n++) {
		char *name = n == 1 ? xstrdup(base) : xasprintf("%s-%u", base, n);
		char *id = ids_from_name(name);
		if (id_taken(c, id)) {
			free(name);
			free(id);
			continue;
		}
		b->name = name;
		b->id = id;
	}
	free(base);
}

int
config_load(const char *file, char *text, size_t len, struct config **out, struct diags *d)
{
	struct config *c = xcalloc(1, sizeof *c);
	struct json *root = NULL;
	struct loader L = {.c = c, .d = d};
	struct level top = {0}, defs = {0};
	const struct json *builds, *dj;
	int bad = 0;

	*out = NULL;
	c->file = xstrdup(file);
	c->text = text;
	c->len = len;
	const char *slash = strrchr(file, '/');
	L.dir = slash ? xstrndup(file, (size_t)(slash - file) + 1) : xstrdup("");

	if (json_parse(file, text, len, &root, d) < 0)
		goto fail;
	if (root->type != JSON_OBJECT) {
		config_diag(c, d, DIAG_ERROR, root->off, "the top level must be an object, not %s %s",
		            root->type == JSON_ARRAY ? "an" : "a", json_type_name(root->type));
		goto fail;
	}
	bad |= read_level(&L, root, &top, 1, 0, "the top level") < 0;
	dj = json_get(root, "defaults");
	if (dj && dj->type != JSON_OBJECT)
		bad |= wrong_type(&L, "defaults", dj, "an object") < 0;
	else if (dj)
		bad |= read_level(&L, dj, &defs, 0, 0, "\"defaults\"") < 0;
	builds = json_get(root, "builds");
	if (!builds) {
		config_diag(c, d, DIAG_ERROR, root->off,
		            "missing key \"builds\": add \"builds\": [{\"profile\": ...}]");
		goto fail;
	}
	if (builds->type != JSON_ARRAY) {
		wrong_type(&L, "builds", builds, "an array of objects");
		goto fail;
	}
	if (builds->n == 0) {
		config_diag(c, d, DIAG_ERROR, builds->off, "\"builds\" is empty: add at least one build");
		goto fail;
	}
	if (bad)
		goto fail;

	c->builds = xcalloc(builds->n, sizeof *c->builds);
	for (size_t i = 0; i < builds->n; i++) {
		const struct json *bj = &builds->items[i];
		struct build *b = &c->builds[c->nbuilds++];
		struct level own = {0};
		char *where = xasprintf("build %zu", i + 1);

		set_defaults(b);
		b->entry_off = bj->off;
		if (bj->type != JSON_OBJECT) {
			wrong_type(&L, where, bj, "an object");
			bad = 1;
		} else if (read_level(&L, bj, &own, 0, 1, where) < 0) {
			bad = 1;
		} else if (apply_level(&L, &top, b) < 0 || apply_level(&L, &defs, b) < 0
		           || apply_level(&L, &own, b) < 0) {
			bad = 1;
		} else {
			static const enum configkey required[] = {K_APP, K_VERSION, K_PROFILE};
			for (size_t r = 0; r < sizeof required / sizeof *required; r++) {
				void *field = (char *)b + keys[required[r]].field;
				if (*(char **)field)
					continue;
				config_diag(c, d, DIAG_ERROR, bj->off, "%s has no \"%s\": %s", where,
				            keys[required[r]].name, keys[required[r]].help);
				bad = 1;
			}
		}
		free(where);
		level_clear(&own);
		if (!bad)
			finish_build(b);
	}
	if (bad)
		goto fail;

	/* ids come from names and must not collide; first those of the
	 * names given, then those of the names derived */
	for (size_t i = 0; i < c->nbuilds; i++) {
		struct build *b = &c->builds[i];
		if (!b->name)
			continue;
		b->id = ids_from_name(b->name);
		if (!b->id[0]) {
			config_diag(c, d, DIAG_ERROR, b->off[K_NAME],
			            "build name \"%s\" gives an empty id: use some letters or digits", b->name);
			bad = 1;
			continue;
		}
		if (!strcmp(b->id, "logs")) {
			config_diag(c, d, DIAG_ERROR, b->off[K_NAME],
			            "build name \"%s\" gives the id \"logs\", which names the log folder .vdist/logs: choose another name",
			            b->name);
			bad = 1;
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			if (!c->builds[j].id || strcmp(c->builds[j].id, b->id))
				continue;
			int line, col;
			diag_linecol(c->text, c->len, c->builds[j].off[K_NAME], &line, &col);
			config_diag(c, d, DIAG_ERROR, b->off[K_NAME],
			            "build name \"%s\" gives the id \"%s\", like \"%s\" at line %d: build names must differ in their letters or digits",
			            b->name, b->id, c->builds[j].name, line);
			bad = 1;
			break;
		}
	}
	if (bad)
		goto fail;
	for (size_t i = 0; i < c->nbuilds; i++)
		if (!c->builds[i].name)
			derive_name(c, &c->builds[i]);
	level_clear(&top);
	level_clear(&defs);
	json_free(root);
	free(L.dir);
	*out = c;
	return 0;
fail:
	level_clear(&top);
	level_clear(&defs);
	json_free(root);
	free(L.dir);
	config_free(c);
	return -1;
}

void
config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbuilds; i++)
		build_clear(&c->builds[i]);
	free(c->builds);
	free(c->file);
	free(c->text);
	free(c);
}

void
config_print_keys(FILE *f)
{
	static const char *const tname[] = {"string", "list", "boolean", "object", "object", "number", "list"};
	fprintf(f, "Keys of vdist.json (top level, \"defaults\" and each entry of \"builds\"):\n");
	for (int k = 0; k < CONFIG_NKEYS; k++) {
		const struct keydef *kd = &keys[k];
		fprintf(f, "  %-24s %-8s %s", kd->name, tname[kd->type], kd->help);
		if (kd->def && kd->def[0] && kd->type == T_STR)
			fprintf(f, " [default: %s]", kd->def);
		else if (kd->type == T_BOOL)
			fprintf(f, " [default: %s]", kd->def[0] == '1' ? "true" : "false");
		fputc('\n', f);
	}
	fprintf(f, "  %-24s %-8s %s\n", "builds", "list", "the builds, each an object with at least a profile (required)");
	fprintf(f, "  %-24s %-8s %s\n", "defaults", "object", "values for every build, between the top level and the build's own");
}
