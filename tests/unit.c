/* unit tests: json, config merging, profiles, ids, escaping modifiers */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "ids.h"
#include "json.h"
#include "profile.h"
#include "resolve.h"
#include "tap.h"
#include "tpl.h"
#include "util.h"

/* parse s; the tree or NULL, with the first message (if any) in *msg */
static struct json *
parse(const char *s, char **msg)
{
	struct diags d = {0};
	struct json *j = NULL;
	json_parse("t.json", s, strlen(s), &j, &d);
	*msg = NULL;
	if (d.n) {
		struct diag *g = &d.v[0];
		*msg = xasprintf("%d:%d: %s", g->line, g->col, g->msg);
	}
	diags_free(&d);
	return j;
}

/* the unescaped value of a one-string document */
static char *
str_of(const char *doc)
{
	char *msg;
	struct json *j = parse(doc, &msg);
	char *r = j && j->type == JSON_STRING ? xstrdup(j->str) : msg ? xstrdup(msg) : xstrdup("?");
	json_free(j);
	free(msg);
	return r;
}

/* the error of a malformed document, or "(parsed)" */
static char *
err_of(const char *doc)
{
	char *msg;
	struct json *j = parse(doc, &msg);
	json_free(j);
	return msg ? msg : xstrdup("(parsed)");
}

static void
test_json(void)
{
	static const struct { const char *doc, *want; } strs[] = {
		{"\"plain\"", "plain"},
		{"\"q\\\"b\\\\s\\/\"", "q\"b\\s/"},
		{"\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t"},
		{"\"\\u0041\\u00e9\\u20ac\"", "A\xc3\xa9\xe2\x82\xac"},
		{"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"},
		{"\"caf\xc3\xa9\"", "caf\xc3\xa9"},
		{"\"\\ud83d\"", "1:2: unpaired UTF-16 surrogate in \\u escape"},
		{"\"\\ude00\"", "1:2: unpaired UTF-16 surrogate in \\u escape"},
		{"\"\\u0000\"", "1:2: \\u0000 is not allowed: values cannot hold NUL bytes"},
		{"\"\\x\"", "1:2: invalid escape: use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX"},
		{"\"\\u12g4\"", "1:2: invalid escape: use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX"},
		{"\"a\tb\"", "1:3: control character in string: write it as an escape such as \\n"},
	};
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
		char *got = str_of(strs[i].doc);
		TAP_STREQ(got, strs[i].want, "json string %s", strs[i].doc);
		free(got);
	}
	static const struct { const char *doc, *want; } bad[] = {
		{"", "1:1: empty file: expected a JSON object"},
		{"{", "1:2: unexpected end of file: a string, array or object is not closed"},
		{"{\"a\": 1,}", "1:8: trailing comma: remove it"},
		{"[1, 2,]", "1:6: trailing comma: remove it"},
		{"[1 2]", "1:4: expected ','"},
		{"{\"a\" 1}", "1:6: invalid JSON here"},
		{"{\"a\": tru}", "1:7: invalid literal: expected a string in quotes, a number, true, false or null"},
		{"{\"a\": 01}", "1:7: invalid literal: expected a string in quotes, a number, true, false or null"},
		{"{\"a\": 1.}", "1:7: invalid literal: expected a string in quotes, a number, true, false or null"},
		{"{} {}", "1:4: extra value after the end of the document"},
		{"{\n  \"a\": 'x'\n}", "2:8: single quote: JSON strings and member names need double quotes"},
		{"\"\xff\"", "1:2: invalid UTF-8: save the file as UTF-8"},
		{"\"\xc0\xaf\"", "1:2: invalid UTF-8: save the file as UTF-8"},
		{"{\"a\":1,,\"b\":2}", "1:8: unexpected ','"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *got = err_of(bad[i].doc);
		TAP_STREQ(got, bad[i].want, "json error %zu", i + 1);
		free(got);
	}
	char *msg;
	struct json *j = parse("{\"n\": -1.5e3, \"t\": true, \"f\": false, \"z\": null, \"l\": [1, \"x\"]}", &msg);
	TAP_OK(j && j->type == JSON_OBJECT && j->n == 5, "json object with five members");
	TAP_STREQ(json_get(j, "n")->str, "-1.5e3", "json number keeps its text");
	TAP_OK(json_get(j, "t")->boolean == 1 && json_get(j, "f")->type == JSON_BOOL && !json_get(j, "f")->boolean,
	       "json booleans");
	TAP_OK(json_get(j, "z")->type == JSON_NULL, "json null");
	TAP_OK(json_get(j, "l")->n == 2 && json_get(j, "l")->items[1].type == JSON_STRING, "json array items");
	TAP_OK(json_get(j, "l")->off == 53, "json offsets point at the value");
	json_free(j);
	free(msg);
}

/* load a config from text in a scratch folder; NULL with *err = first error */
static struct config *
load(const char *text, char **err)
{
	struct diags d = {0};
	struct config *c = NULL;
	config_load("vdist.json", xstrdup(text), strlen(text), &c, &d);
	*err = NULL;
	if (d.n)
		*err = xasprintf("%d:%d: %s", d.v[0].line, d.v[0].col, d.v[0].msg);
	diags_free(&d);
	return c;
}

static void
test_config(void)
{
	char *err;
	struct config *c = load("{\"app\": \"a\", \"version\": \"1.0\", \"runtime_deps\": [\"x\", \"y\"],"
	                        " \"pip_args\": [\"--top\"],"
	                        " \"defaults\": {\"runtime_deps\": [\"y\", \"z\"], \"iteration\": \"4\", \"pip_args\": [\"--def\"]},"
	                        " \"builds\": [{\"name\": \"A b\", \"profile\": \"p\", \"runtime_deps\": [\"w\", \"x\"],"
	                        " \"pip_args\": [\"--own\"], \"iteration\": \"7\"},"
	                        " {\"name\": \"C\", \"build_machine_id\": \"q\", \"compile_python\": false}]}",
	                        &err);
	TAP_OK(c && c->nbuilds == 2, "config with two builds loads (%s)", err ? err : "ok");
	if (c) {
		struct build *a = &c->builds[0], *b = &c->builds[1];
		TAP_OK(a->runtime_deps.n == 4 && !strcmp(a->runtime_deps.v[0], "x") && !strcmp(a->runtime_deps.v[2], "z")
		       && !strcmp(a->runtime_deps.v[3], "w"), "runtime deps are united, top level first");
		TAP_OK(a->pip_args.n == 3 && !strcmp(a->pip_args.v[0], "--top") && !strcmp(a->pip_args.v[2], "--own"),
		       "pip args are concatenated");
		TAP_STREQ(a->iteration, "7", "a build's own scalar wins");
		TAP_STREQ(b->iteration, "4", "defaults win over the built-in default");
		TAP_STREQ(b->profile, "q", "build_machine_id is profile");
		TAP_STREQ(a->id, "a-b", "id from name");
		TAP_OK(a->compile_python == 1 && b->compile_python == 0, "compile_python default and false");
		TAP_STREQ(b->python_basedir, "", "python_basedir unset is empty: resolve defaults it");
		TAP_STREQ(a->install_root, "/opt", "install root default");
		TAP_STREQ(a->source, ".", "source default");
		TAP_STREQ(a->python_url, "https://www.python.org/ftp/python/3.11.2/Python-3.11.2.tgz", "python url default");
	}
	config_free(c);
	free(err);

	static const struct { const char *doc, *want; } bad[] = {
		{"{\"app\": \"a\", \"version\": \"1\", \"compile_python\": \"False\", \"builds\": [{\"name\": \"x\", \"profile\": \"p\"}]}",
		 "1:48: compile_python must be true or false, not a string (write true or false without quotes)"},
		{"{\"app\": \"a\", \"version\": \"1\", \"build_deps\": \"gcc\", \"builds\": [{\"name\": \"x\", \"profile\": \"p\"}]}",
		 "1:44: build_deps must be an array of strings, not a string (write [\"a\", \"b\"], one item per element)"},
		{"{\"app\": \"a\", \"version\": \"1\", \"profle\": \"p\", \"builds\": [{\"name\": \"x\"}]}",
		 "1:30: unknown key \"profle\" in the top level; did you mean \"profile\"?"},
		{"{\"app\": \"a\", \"app\": \"b\", \"version\": \"1\", \"builds\": [{\"name\": \"x\", \"profile\": \"p\"}]}",
		 "1:14: duplicate key \"app\" (first given at line 1): keep one"},
		{"{\"app\": \"a\", \"builds\": [{\"name\": \"x\", \"profile\": \"p\"}]}",
		 "1:25: build 1 has no \"version\": package version, starting with a digit (required)"},
		{"{\"app\": \"a\", \"version\": \"1\", \"builds\": [{\"name\": \"x y\", \"profile\": \"p\"}, {\"name\": \"X-Y\", \"profile\": \"p\"}]}",
		 "1:83: build name \"X-Y\" gives the id \"x-y\", like \"x y\" at line 1: build names must differ in their letters or digits"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		c = load(bad[i].doc, &err);
		TAP_STREQ(err, bad[i].want, "config error %zu", i + 1);
		TAP_OK(c == NULL, "config error %zu gives no config", i + 1);
		free(err);
	}
	TAP_STREQ(diag_suggest("runtime_dep", (const char *[]){"build_deps", "runtime_deps"}, 2), "runtime_deps",
	          "suggestion for a near miss");
	TAP_OK(diag_suggest("zzzzzz", (const char *[]){"build_deps", "runtime_deps"}, 2) == NULL,
	       "no suggestion for a far miss");
}

static void
test_ids(void)
{
	static const struct { const char *name, *id; } v[] = {
		{"hello :: debian 12", "hello-debian-12"},
		{"  SciPy Central -- Rocky 9!  ", "scipy-central-rocky-9"},
		{"caf\xc3\xa9 b", "caf-b"},
		{"$(rm -rf /)", "rm-rf"},
		{"::", ""},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		char *id = ids_from_name(v[i].name);
		TAP_STREQ(id, v[i].id, "id of \"%s\"", v[i].name);
		free(id);
	}
}

static void
test_escaping(void)
{
	static const struct { const char *in, *sh, *mk; } v[] = {
		{"plain", "'plain'", "plain"},
		{"", "''", ""},
		{"it's", "'it'\\''s'", "it's"},
		{"$(touch /tmp/x) `id` $$", "'$(touch /tmp/x) `id` $$'", "$$(touch /tmp/x) `id` $$$$"},
		{"a#b\\c", "'a#b\\c'", "a$(vdist_hash)b$(vdist_bs)c"},
		{"two\nlines", "'two\nlines'", "two$(vdist_nl)lines"},
		{" lead", "' lead'", "$(vdist_empty) lead"},
		{"-n", "'-n'", "-n"},
		{"100%", "'100%'", "100%"},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		char *sh = tpl_shell_quote(v[i].in), *mk = tpl_make_escape(v[i].in);
		TAP_STREQ(sh, v[i].sh, "x-sh of case %zu", i + 1);
		TAP_STREQ(mk, v[i].mk, "x-mk of case %zu", i + 1);
		free(sh);
		free(mk);
	}
}

/* write text to path */
static void
put(const char *path, const char *text)
{
	util_write_atomic(path, text, strlen(text), 0644);
}

static void
test_profiles(void)
{
	char dir[] = "/tmp/vdist-unit.XXXXXX";
	if (!mkdtemp(dir)) {
		TAP_OK(0, "scratch folder");
		return;
	}
	char *b = xasprintf("%s/builtin", dir), *u = xasprintf("%s/user", dir);
	util_mkdirs(b, 0755);
	util_mkdirs(u, 0755);
	char *bf = util_path_join(b, "build_machines.json"), *uf = util_path_join(u, "build_machines.json");
	put(bf, "{\"one\": {\"docker_image\": \"a:1\", \"script\": \"deb.sh\", \"package_type\": \"deb\"},"
	        " \"two\": {\"docker_image\": \"b:2\", \"script\": \"rpm.sh\", \"package_type\": \"rpm\"}}");
	put(uf, "{\"two\": {\"docker_image\": \"mine:2\", \"script\": \"my.sh\", \"package_type\": \"rpm\", \"packager\": \"fpm\"},"
	        " \"three\": {\"docker_image\": \"c:3\", \"script\": \"deb.sh\", \"package_type\": \"deb\", \"build_deps\": [\"x\", \"x\", \"y\"]}}");
	struct diags d = {0};
	struct profiles *ps = NULL;
	TAP_OK(profiles_load(b, u, &ps, &d) == 0 && ps->n == 3, "three profiles after merging");
	if (ps) {
		const struct profile *two = profiles_find(ps, "two"), *three = profiles_find(ps, "three");
		TAP_STREQ(two->docker_image, "mine:2", "the project's profile replaces the built-in one");
		TAP_STREQ(two->packager, "fpm", "packager from the project's profile");
		TAP_STREQ(profiles_find(ps, "one")->packager, "native", "packager defaults to native");
		TAP_STREQ(two->origin, uf, "origin is the project's file");
		TAP_OK(three->build_deps.n == 2, "profile deps are a set");
		char *mine = util_path_join(u, "deb.sh");
		put(mine, "x");
		char *p1 = profiles_template_path(ps, "deb.sh"), *p2 = profiles_template_path(ps, "rpm.sh");
		TAP_STREQ(p1, mine, "template found in the project's folder first");
		TAP_OK(p2 == NULL, "missing template is NULL");
		free(p1);
		free(p2);
		unlink(mine);
		free(mine);
	}
	profiles_free(ps);
	diags_free(&d);
	put(uf, "{\"bad\": {\"docker_image\": \"a\", \"script\": \"s\", \"package_type\": \"zip\"}}");
	ps = NULL;
	TAP_OK(profiles_load(b, u, &ps, &d) < 0 && d.n == 1, "bad package_type is an error");
	TAP_OK(d.n && !strcmp(d.v[0].msg, "profile \"bad\": package_type must be \"deb\" or \"rpm\", not \"zip\""),
	       "bad package_type message");
	diags_free(&d);
	unlink(bf);
	unlink(uf);
	rmdir(b);
	rmdir(u);
	rmdir(dir);
	free(b);
	free(u);
	free(bf);
	free(uf);
}

/* resolve: the facts derived once, from a config and profiles */
static void
test_resolve(void)
{
	char *s;
	TAP_STREQ((s = resolve_deb_name("My_App2")), "my-app2", "deb name: lowercase, _ as -");
	free(s);
	TAP_STREQ((s = resolve_rpm_dep("libfoo (>= 1.2)")), "libfoo >= 1.2", "rpm spelling of a constraint");
	free(s);
	TAP_STREQ((s = resolve_rpm_dep("a (<< 2) | b")), "(a < 2 or b)", "rpm spelling: << and alternatives");
	free(s);
	TAP_STREQ((s = resolve_rpm_dep("a (>>3)")), "a > 3", "rpm spelling: >> without blanks");
	free(s);
	TAP_STREQ((s = resolve_fpm_dep("libfoo1 (>= 1.2) | libfoo2")), "libfoo1 >= 1.2 | libfoo2",
	          "fpm spelling keeps alternatives");
	free(s);
	TAP_STREQ((s = resolve_fpm_dep("plain")), "plain", "a bare name stays as it is");
	free(s);

	char dir[] = "/tmp/vdist-unit.XXXXXX";
	if (!mkdtemp(dir)) {
		TAP_OK(0, "scratch folder");
		return;
	}
	char *bf = util_path_join(dir, "build_machines.json");
	put(bf, "{\"d\": {\"docker_image\": \"a:1\", \"script\": \"deb.sh\", \"package_type\": \"deb\","
	        " \"pkg_install\": \"apt-get install -y\", \"build_deps\": [\"gcc\"],"
	        " \"compile_build_deps\": [\"libssl-dev\"], \"compile_runtime_deps\": [\"libssl3\"]},"
	        " \"r\": {\"docker_image\": \"b:2\", \"script\": \"rpm.sh\", \"package_type\": \"rpm\"}}");
	struct diags d = {0};
	struct profiles *ps = NULL;
	char *err;
	struct config *c = load("{\"app\": \"Web_App\", \"version\": \"1.0\", \"runtime_deps\": [\"x (>= 1) | y\"],"
	                        " \"builds\": [{\"name\": \"deb\", \"profile\": \"d\", \"build_deps\": [\"own-dev\", \"gcc\"]},"
	                        " {\"name\": \"rpm\", \"profile\": \"r\", \"compile_python\": false, \"custom_filename\": \"a%b\\\\c.rpm\"},"
	                        " {\"name\": \"fpm\", \"profile\": \"d\", \"packager\": \"fpm\", \"package_install_root\": \"/srv\"}]}",
	                        &err);
	struct resolved *r = NULL;
	TAP_OK(c && profiles_load(dir, dir, &ps, &d) == 0 && resolve_builds(c, ps, &r, &d) == 0, "three builds resolve (%s)",
	       err ? err : "ok");
	if (r) {
		TAP_STREQ(r[0].package_name, "web-app", "deb package name");
		TAP_STREQ(r[1].package_name, "Web_App", "rpm package name as app");
		TAP_STREQ(r[0].file_format, "web-app_%s-%s_%s.deb", "deb file name format");
		TAP_STREQ(r[1].file_format, "a%%b\\\\c.rpm", "custom_filename as a format: %% and \\\\ doubled");
		TAP_STREQ(r[0].venv, "/opt/Web_App", "venv under install_root");
		TAP_STREQ(r[2].venv, "/srv/Web_App", "venv under package_install_root");
		TAP_STREQ(r[0].python_prefix, "/opt/Web_App/python", "compiled Python inside the venv by default");
		TAP_STREQ(r[1].python_prefix, "/usr", "system Python from /usr by default");
		TAP_STREQ(r[0].python_build_prefix, "/opt/vdist-python/3.11.2", "compiled Python's build prefix");
		TAP_STREQ(r[1].python_build_prefix, "", "no build prefix for system Python");
		TAP_STREQ(r[1].pkg_install, "test -n \"$PKG_INSTALL\" && $PKG_INSTALL", "no pkg_install: the image's $PKG_INSTALL");
		TAP_STREQ(r[0].packager, "native", "the profile's packager");
		TAP_STREQ(r[2].packager, "fpm", "the build's packager wins");
		TAP_OK(r[0].build_deps.n == 3 && r[0].profile_build_deps.n == 2 && r[0].own_build_deps.n == 1
		       && !strcmp(r[0].own_build_deps.v[0], "own-dev"), "build deps split into the profile's and the build's own");
		TAP_OK(r[0].runtime_deps.n == 2 && !strcmp(r[0].runtime_deps.v[0], "libssl3"), "compiled Python's runtime deps first");
		TAP_STREQ(r[0].package_deps.v[1], "x (>= 1) | y", "native deb keeps Debian's spelling");
		TAP_STREQ(r[1].package_deps.v[0], "(x >= 1 or y)", "rpm gets rpm's spelling");
		TAP_STREQ(r[2].package_deps.v[1], "x >= 1 | y", "fpm gets fpm's spelling");
		int fpmwarn = 0;
		for (size_t i = 0; i < d.n; i++)
			fpmwarn += d.v[i].level == DIAG_WARNING && strstr(d.v[i].msg, "packager fpm on profile") != NULL;
		TAP_OK(fpmwarn == 1, "fpm on a profile not made for it warns");
	}
	resolved_free(r, c ? c->nbuilds : 0);
	diags_free(&d);
	struct config *c2 = load("{\"app\": \"a\", \"version\": \"1\", \"builds\": [{\"name\": \"x\", \"profile\": \"dd\"}]}", &err);
	r = NULL;
	TAP_OK(c2 && resolve_builds(c2, ps, &r, &d) < 0 && r == NULL, "an unknown profile does not resolve");
	TAP_OK(d.errors == 1 && strstr(d.v[0].msg, "did you mean \"d\"?"), "and suggests the closest profile");
	diags_free(&d);
	config_free(c);
	config_free(c2);
	profiles_free(ps);
	unlink(bf);
	free(bf);
	rmdir(dir);
}

int
main(void)
{
	tpl_init();
	test_json();
	test_config();
	test_ids();
	test_escaping();
	test_profiles();
	test_resolve();
	return tap_done();
}
