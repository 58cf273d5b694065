/* importvdist: vdist batch files into vdist.json */
#include "importvdist.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "convert.h"
#include "ids.h"
#include "ini.h"
#include "jsonw.h"
#include "util.h"
#include "words.h"

/* how a vdist key's value becomes vdist.json's */
enum ikind {
	I_STR,      /* a string, as it is */
	I_BOOL,     /* configparser's boolean */
	I_LIST,     /* items separated by commas (or lines) */
	I_WORDS,    /* shell words */
	I_FPM,      /* shell words; fpm's package metadata options become keys */
	I_SOURCE,   /* "PATH_OR_URL[, BRANCH]" into "source" */
	I_PROFILE,  /* a profile id, vdist's mapped to the nearest built-in one */
	I_OUTPUT,   /* output_folder: make's DIST */
	I_IGNORED,  /* nothing like it in vdist-gen: dropped, with a warning */
};

/* one key vdist reads from a batch file */
struct ikey {
	const char *name;   /* as vdist spells it */
	enum ikind kind;    /* how it converts */
	int slot;           /* the vdist.json key it sets (enum configkey), or -1 */
	const char *extra;  /* I_SOURCE: the member of "source"; I_IGNORED: why it goes */
};

/* output_folder has no vdist.json key; it is kept in this slot of a row */
#define SLOT_OUTPUT CONFIG_NKEYS

/* the keys of vdist 2.x's batch mode ("Required" and "Optional arguments"
 * of its documentation), in that order */
static const struct ikey ikeys[] = {
	{"app", I_STR, K_APP, NULL},
	{"version", I_STR, K_VERSION, NULL},
	{"profile", I_PROFILE, K_PROFILE, NULL},
	{"build_machine_id", I_PROFILE, K_PROFILE, NULL},  /* vdist 1's name for profile */
	{"source_git", I_SOURCE, K_SOURCE, "git"},
	{"source_directory", I_SOURCE, K_SOURCE, "directory"},
	{"source_git_directory", I_SOURCE, K_SOURCE, "git_directory"},
	{"build_deps", I_LIST, K_BUILD_DEPS, NULL},
	{"runtime_deps", I_LIST, K_RUNTIME_DEPS, NULL},
	{"custom_filename", I_STR, K_CUSTOM_FILENAME, NULL},
	{"fpm_args", I_FPM, K_FPM_ARGS, NULL},
	{"pip_args", I_WORDS, K_PIP_ARGS, NULL},
	{"package_install_root", I_STR, K_PACKAGE_INSTALL_ROOT, NULL},
	{"working_dir", I_STR, K_WORKING_DIR, NULL},
	{"python_basedir", I_STR, K_PYTHON_BASEDIR, NULL},
	{"compile_python", I_BOOL, K_COMPILE_PYTHON, NULL},
	{"python_version", I_STR, K_PYTHON_VERSION, NULL},
	{"requirements_path", I_STR, K_REQUIREMENTS_PATH, NULL},
	{"before_install", I_STR, K_BEFORE_INSTALL, NULL},
	{"after_install", I_STR, K_AFTER_INSTALL, NULL},
	{"before_remove", I_STR, K_BEFORE_REMOVE, NULL},
	{"after_remove", I_STR, K_AFTER_REMOVE, NULL},
	{"before_upgrade", I_STR, K_BEFORE_UPGRADE, NULL},
	{"after_upgrade", I_STR, K_AFTER_UPGRADE, NULL},
	{"output_folder", I_OUTPUT, SLOT_OUTPUT, NULL},
	{"name", I_IGNORED, -1, "vdist names each build after its section, and so does vdist-gen"},
	{"package_tmp_root", I_IGNORED, -1, "vdist-gen builds in a fresh container, in its own /build folder"},
};
#define NIKEYS (sizeof ikeys / sizeof *ikeys)

/* vdist's built-in profiles (and the Ubuntu and Debian releases people
 * named their own after) with the nearest built-in profile here: the
 * oldest release of the same family that vdist-gen has, whose package
 * names are closest to the old ones; ubuntu-lts was vdist's ubuntu:latest
 * image, the newest LTS. archlinux has no counterpart: vdist-gen makes
 * .deb and .rpm only. */
static const struct {
	const char *vdist, *what, *ours, *ours_what;
} profile_map[] = {
	{"ubuntu-trusty", "Ubuntu 14.04", "ubuntu-jammy", "Ubuntu 22.04"},
	{"ubuntu-xenial", "Ubuntu 16.04", "ubuntu-jammy", "Ubuntu 22.04"},
	{"ubuntu-bionic", "Ubuntu 18.04", "ubuntu-jammy", "Ubuntu 22.04"},
	{"ubuntu-focal", "Ubuntu 20.04", "ubuntu-jammy", "Ubuntu 22.04"},
	{"ubuntu-lts", "the newest Ubuntu LTS", "ubuntu-noble", "Ubuntu 24.04"},
	{"debian-wheezy", "Debian 7", "debian-bullseye", "Debian 11"},
	{"debian-jessie", "Debian 8", "debian-bullseye", "Debian 11"},
	{"debian-stretch", "Debian 9", "debian-bullseye", "Debian 11"},
	{"debian-buster", "Debian 10", "debian-bullseye", "Debian 11"},
	{"centos6", "CentOS 6", "almalinux-8", "AlmaLinux 8, a RHEL 8 rebuild"},
	{"centos7", "CentOS 7", "almalinux-8", "AlmaLinux 8, a RHEL 8 rebuild"},
	{"centos", "CentOS 8", "almalinux-8", "AlmaLinux 8, a RHEL 8 rebuild"},
	{"centos8", "CentOS 8", "almalinux-8", "AlmaLinux 8, a RHEL 8 rebuild"},
};

/* fpm options whose value vdist.json has a key for */
static const struct {
	const char *opt, *shortopt;
	int slot;  /* enum configkey, or -1: dropped */
} fpm_meta[] = {
	{"--maintainer", "-m", K_MAINTAINER},
	{"--description", NULL, K_DESCRIPTION},
	{"--license", NULL, K_LICENSE},
	{"--url", NULL, K_URL},
	{"--category", NULL, K_SECTION},
	{"--architecture", "-a", -1},
};

/* the vdist.json values of one section, each a standalone node (owned) */
struct row {
	struct json *v[CONFIG_NKEYS + 1];
	int skip;  /* the build is left out: vdist-gen cannot make its package */
};

/* the state of one conversion */
struct importer {
	struct ini *ini;
	const struct profiles *ps;
	struct diags *d;
	struct strlist seen;  /* messages already given, so DEFAULT's are said once */
	int bad;
};

/* add a message at byte off of the file, unless the same one was given */
static void __attribute__((format(printf, 4, 5)))
say(struct importer *I, enum diaglevel lv, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *key = xasprintf("%zu %d %s", off, (int)lv, msg);
	if (!strlist_has(&I->seen, key)) {
		strlist_add(&I->seen, key);
		diag_at(I->d, lv, I->ini->file, I->ini->text, I->ini->len, off, "%s", msg);
		if (lv == DIAG_ERROR)
			I->bad = 1;
	}
	free(key);
	free(msg);
}

/* the known key called name, or NULL */
static const struct ikey *
find_ikey(const char *name)
{
	for (size_t i = 0; i < NIKEYS; i++)
		if (!strcmp(ikeys[i].name, name))
			return &ikeys[i];
	return NULL;
}

/* a standalone node from offset off */
static struct json *
node(size_t off)
{
	struct json *j = xcalloc(1, sizeof *j);
	j->type = JSON_NULL;
	j->off = off;
	return j;
}

/* put node j into slot of row r, replacing what was there */
static void
set(struct row *r, int slot, struct json *j)
{
	json_free(r->v[slot]);
	r->v[slot] = j;
}

/* 1 if c is a blank inside a value */
static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* the text of val[s, e) with blanks trimmed; *off gets its first byte's origin */
static char *
trimmed(const char *val, const size_t *at, size_t s, size_t e, size_t *off)
{
	while (s < e && blank(val[s]))
		s++;
	while (e > s && blank(val[e - 1]))
		e--;
	*off = at[s];
	return xstrndup(val + s, e - s);
}

/* check every key of every section, DEFAULT included: known, each slot once */
static void
check_keys(struct importer *I, const struct ini_section *s)
{
	const char *names[NIKEYS];
	for (size_t i = 0; i < NIKEYS; i++)
		names[i] = ikeys[i].name;
	for (size_t i = 0; i < s->n; i++) {
		const struct ini_entry *e = &s->v[i];
		const struct ikey *k = find_ikey(e->key);
		if (!k) {
			int ours = 0;
			for (int c = 0; c < CONFIG_NKEYS; c++)
				ours |= !strcmp(config_key_name((enum configkey)c), e->key);
			char *hint = diag_did_you_mean(e->key, names, NIKEYS,
			                               ours ? ": it is a vdist.json key, not one of vdist's; add it to "
			                                      "vdist.json after the import"
			                                    : " (vdist-gen(1) lists the keys of vdist batch files)");
			say(I, DIAG_ERROR, e->keyoff, "unknown key \"%s\" in [%s]%s", e->key, s->name, hint);
			free(hint);
			continue;
		}
		if (k->kind == I_IGNORED) {
			say(I, DIAG_WARNING, e->keyoff, "%s is left out: %s", e->key, k->extra);
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const struct ikey *o = find_ikey(s->v[j].key);
			if (o && o->slot == k->slot) {
				int line, col;
				diag_linecol(I->ini->text, I->ini->len, s->v[j].keyoff, &line, &col);
				say(I, DIAG_ERROR, e->keyoff, "[%s] gives both %s (line %d) and %s: they set the same thing, keep one",
				    s->name, s->v[j].key, line, e->key);
				break;
			}
		}
	}
}

/* a comma- or line-separated list into an array */
static struct json *
convert_list(const char *val, const size_t *at, size_t off)
{
	struct json *arr = node(off);
	jsonw_set_array(arr);
	size_t len = strlen(val);
	for (size_t s = 0; s <= len;) {
		size_t e = s;
		while (e < len && val[e] != ',' && val[e] != '\n')
			e++;
		size_t ioff;
		char *item = trimmed(val, at, s, e, &ioff);
		if (*item)
			jsonw_set_string(jsonw_push(arr, ioff), item);
		free(item);
		s = e + 1;
	}
	return arr;
}

/* split val into shell words; NULL after an error */
static struct words *
split(struct importer *I, const char *key, const char *val, const size_t *at)
{
	/* vdist turned the value's newlines into spaces before a shell read it */
	char *flat = xstrdup(val);
	for (char *p = flat; *p; p++)
		if (*p == '\n')
			*p = ' ';
	struct words *w = xmalloc(sizeof *w);
	size_t errat;
	const char *why;
	if (words_split(flat, strlen(flat), w, &errat, &why) < 0) {
		say(I, DIAG_ERROR, at[errat], "%s: %s: vdist handed the value to a shell, so close the quote, or "
		                              "escape it with a backslash", key, why);
		free(w);
		free(flat);
		return NULL;
	}
	if (w->special != (size_t)-1)
		say(I, DIAG_WARNING, at[w->special], "%s: a shell would have read '%c' here as syntax or an expansion; "
		                                     "vdist-gen passes it on as plain text",
		    key, flat[w->special]);
	free(flat);
	return w;
}

/* fpm_args: words, with fpm's package metadata taken out into its keys */
static int
convert_fpm(struct importer *I, struct row *r, const char *val, const size_t *at, size_t off)
{
	struct words *w = split(I, "fpm_args", val, at);
	if (!w)
		return -1;
	struct json *arr = node(off);
	jsonw_set_array(arr);
	for (size_t i = 0; i < w->n; i++) {
		const char *word = w->v[i], *value = NULL;
		size_t m, flagoff = at[w->at[i]], voff = flagoff;
		for (m = 0; m < sizeof fpm_meta / sizeof *fpm_meta; m++) {
			size_t n = strlen(fpm_meta[m].opt);
			if (!strncmp(word, fpm_meta[m].opt, n) && word[n] == '=') {
				value = word + n + 1;
				break;
			}
			if (!strcmp(word, fpm_meta[m].opt) || (fpm_meta[m].shortopt && !strcmp(word, fpm_meta[m].shortopt))) {
				if (i + 1 == w->n) {
					say(I, DIAG_ERROR, at[w->at[i]], "fpm_args: %s needs a value after it", word);
					words_free(w);
					free(w);
					json_free(arr);
					return -1;
				}
				value = w->v[++i];
				voff = at[w->at[i]];
				break;
			}
		}
		if (!value) {
			jsonw_set_string(jsonw_push(arr, at[w->at[i]]), word);
			continue;
		}
		int slot = fpm_meta[m].slot;
		if (slot == K_SECTION && (!*value || strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789+./-") != strlen(value))) {
			/* not a Debian section: left to fpm */
			jsonw_set_string(jsonw_push(arr, flagoff), fpm_meta[m].opt);
			jsonw_set_string(jsonw_push(arr, voff), value);
			continue;
		}
		if (slot < 0) {
			say(I, DIAG_NOTE, flagoff, "fpm_args: %s%s%s is left out: vdist-gen sets each package's architecture",
			    word, value == w->v[i] ? " " : "", value == w->v[i] ? value : "");
			continue;
		}
		struct json *j = node(voff);
		jsonw_set_string(j, value);
		set(r, slot, j);
	}
	words_free(w);
	free(w);
	if (arr->n)
		set(r, K_FPM_ARGS, arr);
	else
		json_free(arr);
	return 0;
}

/* source_*: "WHERE[, BRANCH]" into a source object */
static int
convert_source(struct importer *I, struct row *r, const struct ikey *k, const char *val, const size_t *at,
               size_t off)
{
	size_t len = strlen(val), comma = strcspn(val, ",");
	int branchy = strcmp(k->extra, "directory") != 0;
	if (branchy && comma < len && strchr(val + comma + 1, ',')) {
		say(I, DIAG_ERROR, at[comma + 1 + strcspn(val + comma + 1, ",")],
		    "%s has more than one comma: write %s, BRANCH", k->name, !strcmp(k->extra, "git") ? "URL" : "FOLDER");
		return -1;
	}
	size_t woff, boff;
	char *where = trimmed(val, at, 0, branchy ? comma : len, &woff);
	char *branch = branchy && comma < len ? trimmed(val, at, comma + 1, len, &boff) : xstrdup("");
	if (!*where) {
		say(I, DIAG_ERROR, woff, "%s is empty: write %s", k->name,
		    !strcmp(k->extra, "git") ? "URL, BRANCH" : !strcmp(k->extra, "directory") ? "a folder" : "FOLDER, BRANCH");
		free(where);
		free(branch);
		return -1;
	}
	struct json *src = node(off);
	jsonw_set_object(src);
	jsonw_set_string(jsonw_add(src, k->extra, woff), where);
	if (*branch)
		jsonw_set_string(jsonw_add(src, "branch", boff), branch);
	set(r, K_SOURCE, src);
	free(where);
	free(branch);
	return 0;
}

/* profile: the project's or a built-in id as it is, vdist's mapped;
 * a profile of a package type vdist-gen does not make marks the row skipped */
static int
convert_profile(struct importer *I, struct row *r, const struct ini_section *s, const char *val, size_t off)
{
	const char *id = val;
	if (!profiles_find(I->ps, val)) {
		size_t m;
		for (m = 0; m < sizeof profile_map / sizeof *profile_map && strcmp(profile_map[m].vdist, val); m++)
			;
		if (m < sizeof profile_map / sizeof *profile_map && profiles_find(I->ps, profile_map[m].ours)) {
			id = profile_map[m].ours;
			say(I, DIAG_WARNING, off,
			    "vdist profile \"%s\" (%s) becomes \"%s\" (%s), the nearest built-in profile: check that "
			    "build_deps and runtime_deps name packages it has",
			    val, profile_map[m].what, id, profile_map[m].ours_what);
		} else if (!strcmp(val, "archlinux")) {
			say(I, DIAG_WARNING, off, "[%s] is left out: vdist profile \"archlinux\" made Arch Linux packages, and "
			                          "vdist-gen makes only .deb and .rpm",
			    s->name);
			r->skip = 1;
			return 0;
		} else {
			const char **ids = profiles_ids(I->ps);
			char *other = xasprintf(": choose one from vdist-gen --list-profiles, or define it in %s/build_machines.json",
			                        I->ps->user_dir);
			char *hint = diag_did_you_mean(val, ids, I->ps->n, other);
			say(I, DIAG_ERROR, off, "unknown profile \"%s\"%s", val, hint);
			free(other);
			free(hint);
			free(ids);
			return -1;
		}
	}
	struct json *j = node(off);
	jsonw_set_string(j, id);
	set(r, K_PROFILE, j);
	return 0;
}

/* convert entry e as section s reads it into row r */
static int
convert_entry(struct importer *I, struct row *r, const struct ini_section *s, const struct ini_entry *e)
{
	const struct ikey *k = find_ikey(e->key);
	char *val;
	size_t *at;
	int rc = 0;

	if (ini_expand(I->ini, s, e, &val, &at, I->d) < 0) {
		I->bad = 1;
		return -1;
	}
	size_t off = at[0];
	struct json *j;
	switch (k->kind) {
	case I_STR:
	case I_OUTPUT:
		j = node(off);
		jsonw_set_string(j, val);
		set(r, k->slot, j);
		break;
	case I_BOOL: {
		int b = ini_boolean(val);
		if (b < 0) {
			say(I, DIAG_ERROR, off, "%s must be a boolean: true, yes, on or 1, or false, no, off or 0 (any case), "
			                        "not \"%s\"", e->key, val);
			rc = -1;
			break;
		}
		j = node(off);
		jsonw_set_bool(j, b);
		set(r, k->slot, j);
		break;
	}
	case I_LIST:
		set(r, k->slot, convert_list(val, at, off));
		break;
	case I_WORDS: {
		struct words *w = split(I, e->key, val, at);
		if (!w) {
			rc = -1;
			break;
		}
		j = node(off);
		jsonw_set_array(j);
		for (size_t i = 0; i < w->n; i++)
			jsonw_set_string(jsonw_push(j, at[w->at[i]]), w->v[i]);
		set(r, k->slot, j);
		words_free(w);
		free(w);
		break;
	}
	case I_FPM:
		rc = convert_fpm(I, r, val, at, off);
		break;
	case I_SOURCE:
		rc = convert_source(I, r, k, val, at, off);
		break;
	case I_PROFILE:
		rc = convert_profile(I, r, s, val, off);
		break;
	case I_IGNORED:
		break;
	}
	free(val);
	free(at);
	return rc;
}

/* 1 if section s gives, itself, a key for slot */
static int
gives(const struct ini_section *s, int slot)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct ikey *k = find_ikey(s->v[i].key);
		if (k && k->slot == slot)
			return 1;
	}
	return 0;
}

/* the row of section s: DEFAULT's keys it does not give itself, then its own */
static int
convert_section(struct importer *I, const struct ini_section *s, struct row *r)
{
	int bad = 0;
	for (size_t i = 0; i < I->ini->def.n; i++) {
		const struct ini_entry *e = &I->ini->def.v[i];
		const struct ikey *k = find_ikey(e->key);
		if (k && k->kind != I_IGNORED && !gives(s, k->slot))
			bad |= convert_entry(I, r, s, e) < 0;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct ikey *k = find_ikey(s->v[i].key);
		if (k && k->kind != I_IGNORED)
			bad |= convert_entry(I, r, s, &s->v[i]) < 0;
	}
	/* without compile_python, vdist read only python_version's major
	 * number; vdist-gen then uses the interpreter under python_basedir */
	struct json *cp = r->v[K_COMPILE_PYTHON], *pv = r->v[K_PYTHON_VERSION];
	if (cp && !cp->boolean && pv && strspn(pv->str, "0123456789") == strlen(pv->str)) {
		say(I, DIAG_NOTE, pv->off, "python_version %s is left out: without compile_python vdist-gen uses python3 "
		                           "under python_basedir",
		    pv->str);
		set(r, K_PYTHON_VERSION, NULL);
	}
	return bad ? -1 : 0;
}

/* text for a make command line: as it is when plain, else single-quoted */
static char *
make_word(const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/+-") == strlen(s))
		return xstrdup(s);
	struct strbuf b = {0};
	strbuf_addc(&b, '\'');
	for (; *s; s++)
		if (*s == '\'')
			strbuf_adds(&b, "'\\''");
		else
			strbuf_addc(&b, *s);
	strbuf_addc(&b, '\'');
	return strbuf_take(&b);
}

/* output_folder: a note on make's DIST, one for all builds when they agree */
static void
output_notes(struct importer *I, struct row *rows)
{
	struct json *first = NULL;
	int same = 1, any = 0;
	for (size_t i = 0; i < I->ini->n; i++) {
		if (rows[i].skip)
			continue;
		struct json *o = rows[i].v[SLOT_OUTPUT];
		any |= o != NULL;
		if (!first && o)
			first = o;
		if (!o || (first && strcmp(o->str, first->str)))
			same = 0;
	}
	if (!any)
		return;
	if (same) {
		char *w = make_word(first->str);
		say(I, DIAG_NOTE, first->off, "output_folder has no vdist.json key: make puts packages in DIST; run "
		                              "make packages DIST=%s",
		    w);
		free(w);
		return;
	}
	for (size_t i = 0; i < I->ini->n; i++) {
		struct json *o = rows[i].v[SLOT_OUTPUT];
		if (!o || rows[i].skip)
			continue;
		char *id = ids_from_name(I->ini->v[i].name), *w = make_word(o->str);
		say(I, DIAG_NOTE, o->off, "output_folder has no vdist.json key, and make has one DIST for all builds: "
		                          "for [%s] run make package-%s DIST=%s",
		    I->ini->v[i].name, id, w);
		free(id);
		free(w);
	}
}

/* fpm_args only reach fpm: say so, once per value, for the profiles that package natively */
static void
fpm_warnings(struct importer *I, struct row *rows)
{
	for (size_t i = 0; i < I->ini->n; i++) {
		struct json *fa = rows[i].v[K_FPM_ARGS];
		int first = !rows[i].skip;
		for (size_t j = 0; fa && j < i; j++)
			if (!rows[j].skip && rows[j].v[K_FPM_ARGS] && rows[j].v[K_FPM_ARGS]->off == fa->off)
				first = 0;
		if (!first)
			continue;
		/* the native profiles of every build with this same value */
		struct strlist native = {0};
		for (size_t j = i; j < I->ini->n; j++) {
			struct json *o = rows[j].v[K_FPM_ARGS], *pr = rows[j].v[K_PROFILE];
			const struct profile *p = pr ? profiles_find(I->ps, pr->str) : NULL;
			if (!rows[j].skip && o && o->off == fa->off && p && strcmp(p->packager, "fpm"))
				strlist_add_unique(&native, p->id);
		}
		struct strbuf names = {0};
		for (size_t k = 0; k < native.n; k++)
			strbuf_addf(&names, "%s\"%s\"", !k ? "" : k + 1 == native.n ? " and " : ", ", native.v[k]);
		if (native.n)
			say(I, DIAG_WARNING, fa->off, "fpm_args reach only the fpm packager, and profile%s %s package%s with "
			                              "native tools: set \"packager\": \"fpm\" (with an image that has fpm), or "
			                              "move these arguments into vdist.json's keys",
			    native.n == 1 ? "" : "s", strbuf_str(&names), native.n == 1 ? "s" : "");
		strbuf_free(&names);
		strlist_free(&native);
	}
}

/* the vdist.json tree: alike values at the top, the rest in each build */
static struct json *
assemble(struct importer *I, struct row *rows)
{
	struct json *root = jsonw_object(JSONW_NOWHERE);
	size_t n = I->ini->n, first = 0;
	int common[CONFIG_NKEYS] = {0};
	while (rows[first].skip)
		first++;
	for (int k = 0; k < CONFIG_NKEYS; k++) {
		int all = 1;
		for (size_t i = first; i < n && all; i++)
			all = rows[i].skip || (rows[i].v[k] && jsonw_equal(rows[i].v[k], rows[first].v[k]));
		if (!all)
			continue;
		common[k] = 1;
		jsonw_copy(jsonw_add(root, config_key_name((enum configkey)k), rows[first].v[k]->off), rows[first].v[k]);
	}
	struct json *builds = jsonw_add(root, "builds", JSONW_NOWHERE);
	jsonw_set_array(builds);
	for (size_t i = 0; i < n; i++) {
		const struct ini_section *s = &I->ini->v[i];
		if (rows[i].skip)
			continue;
		struct json *b = jsonw_push(builds, s->off);
		jsonw_set_object(b);
		jsonw_set_string(jsonw_add(b, "name", s->off + 1), s->name);
		for (int k = 0; k < CONFIG_NKEYS; k++)
			if (!common[k] && rows[i].v[k])
				jsonw_copy(jsonw_add(b, config_key_name((enum configkey)k), rows[i].v[k]->off), rows[i].v[k]);
	}
	return root;
}

int
importvdist(const char *file, const char *text, size_t len, const char *outpath, const struct profiles *ps,
            char **out, size_t *outlen, size_t *nbuilds, struct diags *d)
{
	struct importer I = {.ps = ps, .d = d};
	struct row *rows = NULL;
	int rc = -1;

	if (ini_parse(file, text, len, &I.ini, d) < 0)
		return -1;
	if (I.ini->n == 0) {
		say(&I, DIAG_ERROR, I.ini->def.off != (size_t)-1 ? I.ini->def.off : 0,
		    "no section but [DEFAULT]: vdist builds one package per section, so add one such as "
		    "[Ubuntu-package] with its profile");
		goto done;
	}
	check_keys(&I, &I.ini->def);
	for (size_t i = 0; i < I.ini->n; i++)
		check_keys(&I, &I.ini->v[i]);
	if (I.bad)
		goto done;
	rows = xcalloc(I.ini->n, sizeof *rows);
	/* a section's errors are said; later sections would mostly repeat them */
	for (size_t i = 0; i < I.ini->n && !I.bad; i++)
		if (convert_section(&I, &I.ini->v[i], &rows[i]) < 0)
			I.bad = 1;
	if (I.bad)
		goto done;
	size_t kept = 0;
	for (size_t i = 0; i < I.ini->n; i++)
		kept += !rows[i].skip;
	if (!kept) {
		say(&I, DIAG_ERROR, I.ini->v[0].off, "no build is left: vdist-gen makes .deb and .rpm packages, so give a "
		                                   "section a profile from vdist-gen --list-profiles");
		goto done;
	}
	output_notes(&I, rows);
	fpm_warnings(&I, rows);
	struct json *root = assemble(&I, rows);
	rc = convert_finish(root, outpath, file, text, len, out, outlen, d);
	json_free(root);
	*nbuilds = kept;
done:
	for (size_t i = 0; rows && i < I.ini->n; i++)
		for (size_t k = 0; k <= CONFIG_NKEYS; k++)
			json_free(rows[i].v[k]);
	free(rows);
	strlist_free(&I.seen);
	ini_free(I.ini);
	return rc;
}
