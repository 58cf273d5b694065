/* init: a first vdist.json from pyproject.toml, setup.cfg or setup.py */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "convert.h"
#include "ini.h"
#include "jsonw.h"
#include "setuppy.h"
#include "toml.h"
#include "util.h"

/* the profile of the one build init writes: Debian's current stable
 * release among the built-in profiles. A .deb made there with the native
 * tools needs nothing outside the image (no fpm), Debian's archive is the
 * base Ubuntu builds on, and its python3 (3.11) is the series
 * compile_python builds by default, so both Python modes work as they are */
#define INIT_PROFILE "debian-bookworm"

/* the version written when the project gives none that fits */
#define INIT_VERSION "0.1.0"

/* the keys init writes, in the order of config's table */
static const enum configkey wanted[] = {K_APP, K_VERSION, K_MAINTAINER, K_DESCRIPTION, K_LICENSE, K_URL};
#define NWANTED (sizeof wanted / sizeof *wanted)

/* what the project's metadata says */
struct meta {
	const char *file;        /* the file read, or NULL */
	const char *where;       /* its part that was read, for messages */
	char *text;              /* its contents, owned */
	size_t len;              /* bytes of text */
	char *v[NWANTED];        /* each wanted key's value, owned, or NULL */
	size_t off[NWANTED];     /* where each came from in text */
	int said[NWANTED];       /* a message was given about the key */
	struct diags *d;
};

/* the index in wanted of key k */
static size_t
slot(enum configkey k)
{
	size_t i = 0;
	while (wanted[i] != k)
		i++;
	return i;
}

/* set key k to s from byte off */
static void
put(struct meta *m, enum configkey k, const char *s, size_t off)
{
	size_t i = slot(k);
	free(m->v[i]);
	m->v[i] = xstrdup(s);
	m->off[i] = off;
}

/* a message about the metadata file, located at off (JSONW_NOWHERE: the file) */
static void __attribute__((format(printf, 4, 5)))
say(struct meta *m, enum diaglevel lv, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (off == JSONW_NOWHERE)
		diag_vadd(m->d, lv, m->file, 0, 0, fmt, ap);
	else
		diag_vat(m->d, lv, m->file, m->text, m->len, off, fmt, ap);
	va_end(ap);
}

/* the folder's name as an app name, or "app" */
static char *folder_app(void);

/* give key k (app or version) a placeholder, with a warning at off
 * (JSONW_NOWHERE: the file) that says why: the message of fmt */
static void __attribute__((format(printf, 4, 5)))
stand_in(struct meta *m, enum configkey k, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *why = xvasprintf(fmt, ap);
	va_end(ap);
	char *v = k == K_APP ? folder_app() : xstrdup(INIT_VERSION);
	say(m, DIAG_WARNING, off, "%s: vdist.json gets %s \"%s\" in its place%s; set it", why, config_key_name(k), v,
	    k == K_APP ? " (the folder's name)" : "");
	put(m, k, v, JSONW_NOWHERE);
	m->said[slot(k)] = 1;
	free(v);
	free(why);
}

/* the string member key of obj, or NULL */
static const struct json *
str_member(const struct json *obj, const char *key)
{
	const struct json *j = json_get(obj, key);
	return j && j->type == JSON_STRING ? j : NULL;
}

/* "Name <mail>" from the first of the tables in arr with both; 0 if none */
static int
person(struct meta *m, const struct json *arr)
{
	for (size_t i = 0; arr && arr->type == JSON_ARRAY && i < arr->n; i++) {
		const struct json *n = str_member(&arr->items[i], "name"), *e = str_member(&arr->items[i], "email");
		if (n && e && *n->str && *e->str) {
			char *s = xasprintf("%s <%s>", n->str, e->str);
			put(m, K_MAINTAINER, s, arr->items[i].off);
			free(s);
			return 1;
		}
	}
	return 0;
}

/* a label of [project.urls] folded for comparing: lowercase letters and digits */
static char *
fold(const char *s)
{
	char *f = xstrdup(s), *o = f;
	for (; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			*o++ = *s;
		else if (*s >= 'A' && *s <= 'Z')
			*o++ = (char)(*s - 'A' + 'a');
	*o = '\0';
	return f;
}

/* the url: the home page, else the source's, else the first */
static void
project_url(struct meta *m, const struct json *urls)
{
	static const char *const prefer[] = {"homepage", "home", "source", "sourcecode", "repository", "github"};
	const struct json *best = NULL;
	size_t rank = sizeof prefer / sizeof *prefer;
	for (size_t i = 0; urls && urls->type == JSON_OBJECT && i < urls->n; i++) {
		if (urls->items[i].type != JSON_STRING)
			continue;
		char *f = fold(urls->keys[i]);
		for (size_t r = 0; r < rank; r++)
			if (!strcmp(f, prefer[r])) {
				rank = r;
				best = &urls->items[i];
			}
		if (!best)
			best = &urls->items[i];
		free(f);
	}
	if (best)
		put(m, K_URL, best->str, best->off);
}

/* pyproject.toml's [project] (PEP 621) */
static void
read_project(struct meta *m, const struct json *p)
{
	static const struct { const char *key; enum configkey k; } plain[] = {
		{"name", K_APP}, {"version", K_VERSION}, {"description", K_DESCRIPTION},
	};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
		const struct json *j = str_member(p, plain[i].key);
		if (j)
			put(m, plain[i].k, j->str, j->off);
	}
	const struct json *lic = json_get(p, "license");
	if (lic && lic->type == JSON_STRING)
		put(m, K_LICENSE, lic->str, lic->off);
	else if (lic && str_member(lic, "text"))
		put(m, K_LICENSE, str_member(lic, "text")->str, str_member(lic, "text")->off);
	else if (lic && str_member(lic, "file")) {
		say(m, DIAG_NOTE, lic->off, "license names a file; vdist.json's license is its name, such as \"MIT\": set it");
		m->said[slot(K_LICENSE)] = 1;
	}
	project_url(m, json_get(p, "urls"));
	if (!person(m, json_get(p, "maintainers")) && !person(m, json_get(p, "authors"))
	    && (json_get(p, "maintainers") || json_get(p, "authors"))) {
		say(m, DIAG_NOTE, (json_get(p, "maintainers") ? json_get(p, "maintainers") : json_get(p, "authors"))->off,
		    "no author or maintainer here has both a name and an email: set maintainer as \"Name <mail>\"");
		m->said[slot(K_MAINTAINER)] = 1;
	}
	const struct json *dyn = json_get(p, "dynamic");
	for (size_t i = 0; dyn && dyn->type == JSON_ARRAY && i < dyn->n; i++) {
		const struct json *f = &dyn->items[i];
		if (f->type == JSON_STRING && !strcmp(f->str, "version")) {
			stand_in(m, K_VERSION, f->off, "version is dynamic (the build backend computes it)");
		} else if (f->type == JSON_STRING && !strcmp(f->str, "description")) {
			say(m, DIAG_NOTE, f->off, "description is dynamic (the build backend computes it): set it in vdist.json");
			m->said[slot(K_DESCRIPTION)] = 1;
		}
	}
}

/* pyproject.toml's [tool.poetry] */
static void
read_poetry(struct meta *m, const struct json *p)
{
	static const struct { const char *key; enum configkey k; } plain[] = {
		{"name", K_APP}, {"version", K_VERSION}, {"description", K_DESCRIPTION}, {"license", K_LICENSE},
		{"repository", K_URL}, {"homepage", K_URL},
	};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
		const struct json *j = str_member(p, plain[i].key);
		if (j)
			put(m, plain[i].k, j->str, j->off);
	}
	/* authors are "Name <mail>" already */
	const struct json *a = json_get(p, "maintainers");
	if (!a || a->type != JSON_ARRAY || !a->n)
		a = json_get(p, "authors");
	if (a && a->type == JSON_ARRAY && a->n && a->items[0].type == JSON_STRING)
		put(m, K_MAINTAINER, a->items[0].str, a->items[0].off);
}

/* read file into m->text; 1 if read, 0 if absent, -1 after an error */
static int
slurp(struct meta *m, const char *file)
{
	if (!util_is_file(file))
		return 0;
	m->text = util_read_file(file, &m->len);
	if (!m->text) {
		diag_add(m->d, DIAG_ERROR, file, 0, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	m->file = file;
	return 1;
}

/* pyproject.toml; 1 if it names the project, 0 if not, -1 after an error */
static int
from_pyproject(struct meta *m)
{
	int r = slurp(m, "pyproject.toml");
	if (r <= 0)
		return r;
	struct json *root;
	if (toml_parse(m->file, m->text, m->len, &root, m->d) < 0)
		return -1;
	const struct json *p = json_get(root, "project");
	const struct json *poetry = json_get(json_get(root, "tool"), "poetry");
	r = 1;
	if (p && p->type == JSON_OBJECT && str_member(p, "name")) {
		m->where = "[project]";
		read_project(m, p);
	} else if (poetry && poetry->type == JSON_OBJECT && str_member(poetry, "name")) {
		m->where = "[tool.poetry]";
		read_poetry(m, poetry);
	} else {
		r = 0;
	}
	json_free(root);
	return r;
}

/* the entry of s for setuptools' key name, also spelt with - for _ */
static const struct ini_entry *
entry(const struct ini_section *s, const char *name)
{
	const struct ini_entry *e = ini_own(s, name);
	if (e)
		return e;
	char *dashed = xstrdup(name);
	for (char *p = dashed; *p; p++)
		if (*p == '_')
			*p = '-';
	e = ini_own(s, dashed);
	free(dashed);
	return e;
}

/* setup.cfg's [metadata]; 1 if it names the project, 0 if not, -1 after an error */
static int
from_setup_cfg(struct meta *m)
{
	/* setuptools' names; the first found wins */
	static const struct { const char *key; enum configkey k; } keys[] = {
		{"name", K_APP}, {"version", K_VERSION}, {"description", K_DESCRIPTION}, {"summary", K_DESCRIPTION},
		{"license", K_LICENSE}, {"url", K_URL}, {"home_page", K_URL},
	};
	int r = slurp(m, "setup.cfg");
	if (r <= 0)
		return r;
	struct ini *ini;
	if (ini_parse(m->file, m->text, m->len, &ini, m->d) < 0)
		return -1;
	const struct ini_section *s = ini_section(ini, "metadata");
	const struct ini_entry *e;
	if (!s || !ini_own(s, "name")) {
		ini_free(ini);
		return 0;
	}
	m->where = "[metadata]";
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		size_t sl = slot(keys[i].k);
		if (m->v[sl] || m->said[sl] || !(e = entry(s, keys[i].key)))
			continue;
		if (!strncmp(e->value, "attr:", 5) || !strncmp(e->value, "file:", 5)) {
			if (keys[i].k == K_APP || keys[i].k == K_VERSION)
				stand_in(m, keys[i].k, e->at[0], "%s is \"%.5s ...\", which only setuptools reads", e->key, e->value);
			else
				say(m, DIAG_NOTE, e->at[0], "%s is \"%.5s ...\", which only setuptools reads: set %s in vdist.json",
				    e->key, e->value, config_key_name(keys[i].k));
			m->said[sl] = 1;
		} else
			put(m, keys[i].k, e->value, e->at[0]);
	}
	const struct ini_entry *n = entry(s, "maintainer"), *ml = entry(s, "maintainer_email");
	if (!n || !ml) {
		n = entry(s, "author");
		ml = entry(s, "author_email");
	}
	if (n && ml) {
		char *p = xasprintf("%s <%s>", n->value, ml->value);
		put(m, K_MAINTAINER, p, n->at[0]);
		free(p);
	}
	ini_free(ini);
	return 1;
}

/* setup.py's setup() keywords; 1 if it has the call, 0 if not, -1 after an error */
static int
from_setup_py(struct meta *m)
{
	static const struct { const char *key; enum configkey k; } keys[] = {
		{"name", K_APP}, {"version", K_VERSION}, {"description", K_DESCRIPTION},
		{"license", K_LICENSE}, {"url", K_URL},
	};
	int r = slurp(m, "setup.py");
	if (r <= 0)
		return r;
	struct json *kw;
	if (setuppy_read(m->file, m->text, m->len, &kw, m->d) < 0)
		return -1;
	if (!kw)
		return 0;
	m->where = "setup()";
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		const struct json *j = json_get(kw, keys[i].key);
		if (j && j->type == JSON_STRING)
			put(m, keys[i].k, j->str, j->off);
		else if (j && (keys[i].k == K_APP || keys[i].k == K_VERSION))
			stand_in(m, keys[i].k, j->off, "%s is not a string literal, and vdist-gen never runs setup.py", keys[i].key);
		else if (j) {
			say(m, DIAG_NOTE, j->off, "%s is not a string literal, and vdist-gen never runs setup.py: set %s in "
			                          "vdist.json",
			    keys[i].key, config_key_name(keys[i].k));
			m->said[slot(keys[i].k)] = 1;
		}
	}
	const struct json *n = json_get(kw, "maintainer"), *ml = json_get(kw, "maintainer_email");
	if (!n || !ml) {
		n = json_get(kw, "author");
		ml = json_get(kw, "author_email");
	}
	if (n && ml && n->type == JSON_STRING && ml->type == JSON_STRING) {
		char *p = xasprintf("%s <%s>", n->str, ml->str);
		put(m, K_MAINTAINER, p, n->off);
		free(p);
	}
	json_free(kw);
	return 1;
}

/* the current folder's name as an app name, or "app" */
static char *
folder_app(void)
{
	char *cwd = getcwd(NULL, 0);
	const char *base = cwd ? strrchr(cwd, '/') : NULL;
	base = base ? base + 1 : "";
	struct strbuf b = {0};
	for (const char *p = base; *p; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (b.len && strchr("._+-", c));
		if (ok)
			strbuf_addc(&b, c);
		else if (b.len && b.data[b.len - 1] != '-')
			strbuf_addc(&b, '-');
	}
	free(cwd);
	while (b.len && b.data[b.len - 1] == '-')
		b.data[--b.len] = '\0';
	if (!b.len)
		strbuf_adds(&b, "app");
	return strbuf_take(&b);
}

/* 1 if v fits vdist.json's version */
static int
version_fits(const char *v)
{
	regex_t rx;
	if (regcomp(&rx, CONFIG_VERSION_RE, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	int ok = regexec(&rx, v, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

int
init_project(const char *outpath, char **out, size_t *outlen, const char **from, struct diags *d)
{
	struct meta m = {.d = d};
	int (*const readers[])(struct meta *) = {from_pyproject, from_setup_cfg, from_setup_py};
	int r = 0;

	for (size_t i = 0; i < NWANTED; i++)
		m.off[i] = JSONW_NOWHERE;
	for (size_t i = 0; i < sizeof readers / sizeof *readers && r == 0; i++) {
		free(m.text);
		m.text = NULL;
		m.file = NULL;
		r = readers[i](&m);
	}
	if (r < 0) {
		free(m.text);
		return -1;
	}
	if (r == 0) {
		char *app = folder_app();
		put(&m, K_APP, app, JSONW_NOWHERE);
		put(&m, K_VERSION, INIT_VERSION, JSONW_NOWHERE);
		diag_add(d, DIAG_NOTE, NULL, 0, 0,
		         "no pyproject.toml, setup.cfg or setup.py names the project here: vdist.json gets placeholders, "
		         "app \"%s\" (the folder's name) and version %s; set them, and maintainer, description, license "
		         "and url",
		         app, INIT_VERSION);
		free(app);
	} else {
		size_t vs = slot(K_VERSION);
		if (!m.v[slot(K_APP)])
			stand_in(&m, K_APP, JSONW_NOWHERE, "%s gives no name", m.where);
		if (!m.v[vs])
			stand_in(&m, K_VERSION, JSONW_NOWHERE, "%s gives no version", m.where);
		else if (!version_fits(m.v[vs]))
			stand_in(&m, K_VERSION, m.off[vs], "version \"%s\" does not fit vdist.json's version, which %s",
			         m.v[vs], CONFIG_VERSION_RULE);
		struct strbuf missing = {0};
		size_t nmissing = 0;
		for (size_t i = 0; i < NWANTED; i++)
			if (!m.v[i] && !m.said[i])
				nmissing++;
		for (size_t i = 0, k = 0; i < NWANTED; i++) {
			if (m.v[i] || m.said[i])
				continue;
			k++;
			strbuf_addf(&missing, "%s%s", k == 1 ? "" : k == nmissing ? " or " : ", ", config_key_name(wanted[i]));
		}
		if (nmissing)
			say(&m, DIAG_NOTE, JSONW_NOWHERE, "%s gives no %s: set %s in vdist.json", m.where, strbuf_str(&missing),
			    nmissing == 1 ? "it" : "them");
		strbuf_free(&missing);
	}

	struct json *root = jsonw_object(JSONW_NOWHERE);
	for (size_t i = 0; i < NWANTED; i++)
		if (m.v[i] || wanted[i] != K_MAINTAINER)
			jsonw_set_string(jsonw_add(root, config_key_name(wanted[i]), m.off[i]), m.v[i] ? m.v[i] : "");
	struct json *builds = jsonw_add(root, "builds", JSONW_NOWHERE);
	jsonw_set_array(builds);
	struct json *b = jsonw_push(builds, JSONW_NOWHERE);
	jsonw_set_object(b);
	jsonw_set_string(jsonw_add(b, "name", JSONW_NOWHERE), INIT_PROFILE);
	jsonw_set_string(jsonw_add(b, "profile", JSONW_NOWHERE), INIT_PROFILE);

	r = convert_finish(root, outpath, m.file, m.text, m.len, out, outlen, d);
	*from = m.file;
	json_free(root);
	for (size_t i = 0; i < NWANTED; i++)
		free(m.v[i]);
	free(m.text);
	return r;
}
