/* unit tests: json, config merging, profiles, ids, escaping modifiers, and the
 * readers of import-vdist and init (shell words, INI, TOML, setup.py) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "ids.h"
#include "ini.h"
#include "json.h"
#include "profile.h"
#include "resolve.h"
#include "setuppy.h"
#include "tap.h"
#include "toml.h"
#include "tpl.h"
#include "util.h"
#include "words.h"

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
		{"{\"app\": \"a\", \"version\": \"1\", \"builds\": [{\"name\": \"x\", \"profile\": \"p\", \"fpm_args\": \"a \\\"b\"}]}",
		 "1:86: fpm_args: this double quote is never closed; a string is split into words as a shell splits them, and "
		 "never run: balance the quotes, double a lone backslash, or give an array of strings"},
		{"{\"app\": \"a\", \"version\": \"1\", \"builds\": [{\"name\": \"x\", \"profile\": \"p\", \"custom_filename\": \"\\u00e9{{{1x}.deb\"}]}",
		 "1:99: custom_filename: a name between { and } holds only letters, digits and _, and does not start with a digit; "
		 "write {NAME} for environment variable NAME, {{ and }} for a literal brace"},
		{"{\"app\": \"a\", \"version\": \"1\", \"builds\": [{\"name\": \"\", \"profile\": \"p\"}]}",
		 "1:50: name must not be empty: leave it out for vdist's default, APP-VERSION-PROFILE"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		c = load(bad[i].doc, &err);
		TAP_STREQ(err, bad[i].want, "config error %zu", i + 1);
		TAP_OK(c == NULL, "config error %zu gives no config", i + 1);
		free(err);
	}

	/* a build without a name gets vdist's, APP-VERSION-PROFILE made safe,
	 * made unique in file order; the names given are kept first */
	c = load("{\"app\": \"my+app\", \"version\": \"1.0~rc1\", \"builds\": [{\"profile\": \"p\"},"
	         " {\"profile\": \"p\", \"iteration\": \"2\"}, {\"profile\": \"q\"},"
	         " {\"name\": \"my_app 1.0_rc1 q\", \"profile\": \"q\"}, {\"profile\": \"p\"}]}", &err);
	TAP_OK(c && c->nbuilds == 5, "builds without a name load (%s)", err ? err : "ok");
	if (c) {
		TAP_STREQ(c->builds[0].name, "my_app-1.0_rc1-p", "derived name: APP-VERSION-PROFILE, other bytes as _");
		TAP_STREQ(c->builds[0].id, "my-app-1-0-rc1-p", "its id");
		TAP_STREQ(c->builds[1].name, "my_app-1.0_rc1-p-2", "the second with the same derived name gets -2");
		TAP_STREQ(c->builds[2].name, "my_app-1.0_rc1-q-2", "a name given keeps its id; the derived one moves on");
		TAP_STREQ(c->builds[3].name, "my_app 1.0_rc1 q", "a name given wins");
		TAP_STREQ(c->builds[4].name, "my_app-1.0_rc1-p-3", "the third gets -3");
	}
	config_free(c);
	free(err);

	/* fpm_args as one string: shell words, never run, merged as a list */
	c = load("{\"app\": \"a\", \"version\": \"1\", \"fpm_args\": [\"--top\"],"
	         " \"defaults\": {\"fpm_args\": \"--license MIT --description \\\"a b\\\"\"},"
	         " \"builds\": [{\"name\": \"x\", \"profile\": \"p\", \"fpm_args\": \"'it''s' a\\\\ b \\\"\\\\$x\\\" \\u0024(id)\"}]}",
	         &err);
	TAP_OK(c != NULL, "fpm_args as a string loads");
	TAP_STREQ(err, "1:195: fpm_args: a shell would have read '$' here as syntax or an expansion; vdist-gen passes it on "
	               "as plain text (an array of strings says so without this warning)",
	          "a $ a shell would expand warns, located through the \\u0024 escape");
	if (c) {
		const struct strlist *f = &c->builds[0].fpm_args;
		static const char *const want[] = {"--top", "--license", "MIT", "--description", "a b", "its", "a b", "$x", "$(id)"};
		int same = f->n == sizeof want / sizeof *want;
		for (size_t i = 0; same && i < f->n; i++)
			same = !strcmp(f->v[i], want[i]);
		TAP_OK(same, "fpm_args: the top level's list, then the words of defaults' and the build's strings");
	}
	config_free(c);
	free(err);

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
	char *name = ids_default_name("web_app+x", "2.0+git~1", "rocky-9.1");
	TAP_STREQ(name, "web_app_x-2.0_git_1-rocky-9.1", "default name: as vdist's [^A-Za-z0-9.-] -> _");
	free(name);

	/* custom_filename: text around the {NAME} references, and the names */
	static const struct { const char *in, *text, *names; size_t at; } f[] = {
		{"plain.deb", "plain.deb|", "", 0},
		{"a-{B}-{_c9}.deb", "a-|-|.deb|", "B|_c9|", 0},
		{"{{x}}{Y}}}", "{x}|}|", "Y|", 0},
		{"{{{Y}}}", "{|}|", "Y|", 0},
		{"", "|", "", 0},
		{"a{9}", NULL, NULL, 1},
		{"a{}", NULL, NULL, 1},
		{"a{B", NULL, NULL, 1},
		{"a{B-C}", NULL, NULL, 1},
		{"a}b", NULL, NULL, 1},
		{"{{{", NULL, NULL, 2},
	};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		struct strlist text = {0}, names = {0};
		size_t at = 99;
		const char *why = NULL;
		int r = config_filename_refs(f[i].in, &text, &names, &at, &why);
		struct strbuf t = {0}, n = {0};
		strbuf_adds(&t, "");
		strbuf_adds(&n, "");
		for (size_t j = 0; j < text.n; j++)
			strbuf_addf(&t, "%s|", text.v[j]);
		for (size_t j = 0; j < names.n; j++)
			strbuf_addf(&n, "%s|", names.v[j]);
		if (f[i].text) {
			TAP_OK(r == 0 && !strcmp(strbuf_str(&t), f[i].text) && !strcmp(strbuf_str(&n), f[i].names),
			       "custom_filename \"%s\": text %s names %s", f[i].in, strbuf_str(&t), strbuf_str(&n));
		} else {
			TAP_OK(r < 0 && at == f[i].at && why && text.n == 0 && names.n == 0,
			       "custom_filename \"%s\" is an error at %zu (%s)", f[i].in, at, why ? why : "none");
		}
		strbuf_free(&t);
		strbuf_free(&n);
		strlist_free(&text);
		strlist_free(&names);
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

	/* end of life: dates, the mark, and what replaces a release past it */
	TAP_OK(util_is_date("2026-08-31") && util_is_date("2024-02-29") && util_is_date("2000-02-29"), "dates");
	TAP_OK(!util_is_date("2026-8-31") && !util_is_date("2026-13-01") && !util_is_date("2026-04-31")
	       && !util_is_date("2100-02-29") && !util_is_date("2026-08-31x") && !util_is_date("")
	       && !util_is_date("2026/08/31"), "not dates");
	char day[11];
	util_today(day);
	TAP_OK(util_is_date(day), "today is a date (%s)", day);
	put(uf, "{\"old\": {\"docker_image\": \"debian:old\", \"script\": \"deb.sh\", \"package_type\": \"deb\", \"eol\": \"2020-01-31\"},"
	        " \"new\": {\"docker_image\": \"debian:new\", \"script\": \"deb.sh\", \"package_type\": \"deb\", \"eol\": \"2028-06-30\"},"
	        " \"newer\": {\"docker_image\": \"debian:newer\", \"script\": \"deb.sh\", \"package_type\": \"deb\", \"eol\": \"2030-06-30\"},"
	        " \"unknown\": {\"docker_image\": \"debian@sha256:00\", \"script\": \"deb.sh\", \"package_type\": \"deb\"},"
	        " \"older\": {\"docker_image\": \"debian:older\", \"script\": \"deb.sh\", \"package_type\": \"deb\", \"eol\": \"2018-01-31\"},"
	        " \"mirror\": {\"docker_image\": \"mirror.example.com:5000/debian:new\", \"script\": \"deb.sh\", \"package_type\": \"deb\"},"
	        " \"rpm\": {\"docker_image\": \"debian:rpm\", \"script\": \"rpm.sh\", \"package_type\": \"rpm\"}}");
	ps = NULL;
	TAP_OK(profiles_load(b, u, &ps, &d) == 0, "profiles with eol load");
	if (ps) {
		const struct profile *old = profiles_find(ps, "old");
		TAP_STREQ(old->arch, "amd64", "arch defaults to amd64");
		TAP_STREQ(profiles_find(ps, "unknown")->eol, "", "eol defaults to none");
		TAP_OK(profile_past_eol(old, "2020-02-01") && !profile_past_eol(old, "2020-01-31")
		       && !profile_past_eol(profiles_find(ps, "unknown"), "9999-12-31"), "past its end of life the day after");
		const struct profile **next = profiles_successors(ps, old, "2029-01-01");
		TAP_OK(next[0] && !strcmp(next[0]->id, "newer") && next[1] && !strcmp(next[1]->id, "unknown") && !next[2],
		       "successors: same type and repository, supported, the longest supported first, an unknown end last");
		free(next);
		next = profiles_successors(ps, profiles_find(ps, "mirror"), "2029-01-01");
		TAP_OK(!next[0], "successors: another registry's image is another repository");
		free(next);
		FILE *f = tmpfile();
		profiles_print(ps, "2029-01-01", f);
		rewind(f);
		char line[512];
		int ended = 0, until = 0;
		while (fgets(line, sizeof line, f)) {
			ended += !strncmp(line, "old ", 4) && strstr(line, " amd64 ") && strstr(line, " ended 2020-01-31 ");
			until += !strncmp(line, "newer ", 6) && strstr(line, " until 2030-06-30 ");
		}
		fclose(f);
		TAP_OK(ended == 1 && until == 1, "the list marks an end of life as ended or until");
	}
	profiles_free(ps);
	diags_free(&d);
	put(uf, "{\"bad\": {\"docker_image\": \"a\", \"script\": \"s\", \"package_type\": \"deb\", \"eol\": \"2026-02-30\"}}");
	ps = NULL;
	TAP_OK(profiles_load(b, u, &ps, &d) < 0 && d.n == 1 && strstr(d.v[0].msg, "eol \"2026-02-30\" is not a date"),
	       "an eol that is not a date is an error");
	diags_free(&d);
	put(uf, "{\"bad\": {\"docker_image\": \"a\", \"script\": \"s\", \"package_type\": \"deb\", \"arch\": \"i386\"}}");
	ps = NULL;
	TAP_OK(profiles_load(b, u, &ps, &d) < 0 && d.n == 1 && strstr(d.v[0].msg, "arch \"i386\" must be \"amd64\" or \"arm64\""),
	       "an arch other than amd64 and arm64 is an error");
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
	TAP_OK(c && profiles_load(dir, dir, &ps, &d) == 0 && resolve_builds(c, ps, NULL, &r, &d) == 0, "three builds resolve (%s)",
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
	TAP_OK(c2 && resolve_builds(c2, ps, NULL, &r, &d) < 0 && r == NULL, "an unknown profile does not resolve");
	TAP_OK(d.errors == 1 && strstr(d.v[0].msg, "did you mean \"d\"?"), "and suggests the closest profile");
	diags_free(&d);
	config_free(c2);
	free(err);
	/* custom_filename with {NAME} references: host.sh expands a format */
	c2 = load("{\"app\": \"a\", \"version\": \"1\", \"description\": \"A\", \"builds\": [{\"name\": \"x\", \"profile\": \"r\","
	          " \"custom_filename\": \"a-{BUILD}%\\\\{{{SHA}}}.rpm\"}, {\"name\": \"y\", \"profile\": \"r\","
	          " \"custom_filename\": \"a-{{b}}%.rpm\"}]}", &err);
	r = NULL;
	TAP_OK(c2 && resolve_builds(c2, ps, NULL, &r, &d) == 0, "custom_filename with references resolves (%s)", err ? err : "ok");
	if (r) {
		TAP_STREQ(r[0].file_format, "", "no file format: the name is known at build time");
		TAP_STREQ(r[0].custom_filename_format, "a-%s%%\\\\{%s}.rpm", "one %%s per reference, %% and \\ doubled, {{ as {");
		TAP_OK(r[0].custom_filename_vars.n == 2 && !strcmp(r[0].custom_filename_vars.v[0], "BUILD")
		       && !strcmp(r[0].custom_filename_vars.v[1], "SHA"), "the references' names, in order");
		TAP_STREQ(r[1].file_format, "a-{b}%%.rpm", "without references: the file format, braces as written once");
		TAP_OK(r[1].custom_filename_vars.n == 0, "and no variables");
	}
	resolved_free(r, c2 ? c2->nbuilds : 0);
	diags_free(&d);
	free(err);
	config_free(c);
	config_free(c2);
	profiles_free(ps);
	unlink(bf);
	free(bf);
	rmdir(dir);
}

/* the words of s joined as [w1][w2]..., or "error at N" */
static char *
words_of(const char *s)
{
	struct words w;
	size_t at;
	const char *why;
	if (words_split(s, strlen(s), &w, &at, &why) < 0)
		return xasprintf("error at %zu", at);
	struct strbuf b = {0};
	for (size_t i = 0; i < w.n; i++)
		strbuf_addf(&b, "[%s]", w.v[i]);
	if (w.special != (size_t)-1)
		strbuf_addf(&b, " special at %zu", w.special);
	words_free(&w);
	return strbuf_take(&b);
}

/* the first message of d as "LINE:COL: MSG" */
static char *
first_msg(struct diags *d)
{
	char *r = xasprintf("%d:%d: %s", d->v[0].line, d->v[0].col, d->v[0].msg);
	diags_free(d);
	return r;
}

/* the value of key as section sec of INI text reads it, or the first error */
static char *
ini_value(const char *text, const char *sec, const char *key)
{
	struct diags d = {0};
	struct ini *ini;
	char *r, *v;
	size_t *at;
	if (ini_parse("t.ini", text, strlen(text), &ini, &d) < 0)
		return first_msg(&d);
	const struct ini_section *s = ini_section(ini, sec);
	const struct ini_entry *e = s ? ini_lookup(ini, s, key) : NULL;
	if (!e) {
		r = xstrdup("(none)");
	} else if (ini_expand(ini, s, e, &v, &at, &d) < 0) {
		r = first_msg(&d);
	} else {
		r = v;
		free(at);
	}
	ini_free(ini);
	diags_free(&d);
	return r;
}

/* what is at path of TOML text ("a.b.1.c": members and array items), or the error */
static char *
toml_value(const char *text, const char *path)
{
	struct diags d = {0};
	struct json *root;
	if (toml_parse("t.toml", text, strlen(text), &root, &d) < 0)
		return first_msg(&d);
	const struct json *j = root;
	char *p = xstrdup(path), *save = NULL;
	for (char *part = strtok_r(p, ".", &save); part && j; part = strtok_r(NULL, ".", &save))
		j = j->type == JSON_ARRAY ? ((size_t)atoi(part) < j->n ? &j->items[atoi(part)] : NULL) : json_get(j, part);
	char *r = !j                      ? xstrdup("(none)")
	          : j->str                ? xstrdup(j->str)
	          : j->type == JSON_BOOL  ? xstrdup(j->boolean ? "true" : "false")
	                                  : xasprintf("(%s of %zu)", json_type_name(j->type), j->n);
	free(p);
	json_free(root);
	return r;
}

/* keyword key of setup.py text: its string, "(not literal)", "(none)", "(no call)" or the error */
static char *
setup_value(const char *text, const char *key)
{
	struct diags d = {0};
	struct json *kw;
	if (setuppy_read("setup.py", text, strlen(text), &kw, &d) < 0)
		return first_msg(&d);
	const struct json *j = json_get(kw, key);
	char *r = !kw ? xstrdup("(no call)") : !j ? xstrdup("(none)") : j->str ? xstrdup(j->str) : xstrdup("(not literal)");
	json_free(kw);
	return r;
}

static void
test_import_readers(void)
{
	static const struct { const char *in, *want; } words[] = {
		{"a \"b c\" 'd e' f\\ g", "[a][b c][d e][f g]"},
		{"\"x\\\"y\\\\z\\$w\" 'it''s'", "[x\"y\\z$w][its]"},
		{"--a=\"\" ''", "[--a=][]"},
		{"a\\\nb  \\\n c", "[ab][c]"},
		{"\"no end", "error at 0"},
		{"ok 'no end", "error at 3"},
		{"trailing\\", "error at 8"},
		{"a $HOME", "[a][$HOME] special at 2"},
		{"'$HOME' \"\\$x\"", "[$HOME][$x]"},
		{"a \"$x\"", "[a][$x] special at 3"},
		{"#c d;e", "[#c][d;e] special at 0"},
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		char *got = words_of(words[i].in);
		TAP_STREQ(got, words[i].want, "words: %s", words[i].in);
		free(got);
	}

	static const struct { const char *text, *sec, *key, *want; } ini[] = {
		/* configparser's lines: continuation, empty lines kept inside, comments dropped */
		{"[s]\nk = a\n\n  b\n\nj: c\n", "s", "k", "a\n\nb"},
		{"[s]\nk = a\n  # not part of it\n  ; nor this\n  b\n", "s", "k", "a\nb"},
		{"[s]\n  k = a\n  j = b\n", "s", "k", "a"},
		{"[s]\nk =\n  a\n", "s", "k", "\na"},
		{"[s]\nKey : Value = x\n", "s", "key", "Value = x"},
		{"[s]\r\nk = a\r\n  b\r\n", "s", "k", "a\nb"},
		{"[s]\nk = a", "s", "k", "a"},
		/* ExtendedInterpolation: a DEFAULT value read in the section's context */
		{"[DEFAULT]\napp = x\nurl = u/${app}\n[s]\napp = y\n", "s", "url", "u/y"},
		{"[DEFAULT]\napp = x\nurl = u/${app}\n[s]\napp = y\n", "DEFAULT", "url", "u/x"},
		{"[DEFAULT]\nurl = ${t:APP}/$$\n[s]\n[t]\napp = z\n", "s", "url", "z/$"},
		{"[DEFAULT]\nv = ${DEFAULT:w}\nw = 1\n[s]\nw = 2\n", "s", "v", "1"},
		{"[s]\nk = ${t:j}\n[t]\nj = ${i}\ni = t's\n", "s", "k", "t's"},
		{"[s]\nk = a$\n", "s", "k",
		 "2:6: a '$' must be followed by '{' or '$': write ${KEY} or ${SECTION:KEY}, or $$ for a '$' (reading \"k\" of [s])"},
		{"[s]\nk = ${}\n", "s", "k",
		 "2:5: an empty reference ${}: write ${KEY} or ${SECTION:KEY}, or $$ for a '$' (reading \"k\" of [s])"},
		/* ten values deep is allowed, eleven is not */
		{"[s]\nk0=${k1}\nk1=${k2}\nk2=${k3}\nk3=${k4}\nk4=${k5}\nk5=${k6}\nk6=${k7}\nk7=${k8}\nk8=${k9}\nk9=${k10}\nk10=end\n",
		 "s", "k0", "end"},
		{"[s]\nk0=${k1}\nk1=${k2}\nk2=${k3}\nk3=${k4}\nk4=${k5}\nk5=${k6}\nk6=${k7}\nk7=${k8}\nk8=${k9}\nk9=${k10}\nk10=$$\n",
		 "s", "k0",
		 "11:4: references nested more than 10 deep, which configparser refuses: a value that refers to itself, "
		 "directly or through others? (reading \"k0\" of [s])"},
		{"[s]\n[]\n", "s", "k",
		 "2:1: this line is not [SECTION], KEY = VALUE or KEY: VALUE; to continue the value above, indent it deeper than its key"},
		{"\xEF\xBB\xBF[s]\nk = bom\n", "s", "k", "bom"},
		{"[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[s]\n", "s", "b", "2"},
		{"[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n[s]\n", "s", "a",
		 "4:1: key \"a\" is given again in [DEFAULT] (first at line 2): keep one"},
	};
	for (size_t i = 0; i < sizeof ini / sizeof *ini; i++) {
		char *got = ini_value(ini[i].text, ini[i].sec, ini[i].key);
		TAP_STREQ(got, ini[i].want, "ini %zu: [%s] %s", i, ini[i].sec, ini[i].key);
		free(got);
	}
	TAP_OK(ini_boolean("On") == 1 && ini_boolean("YES") == 1 && ini_boolean("1") == 1 && ini_boolean("true") == 1
	       && ini_boolean("off") == 0 && ini_boolean("No") == 0 && ini_boolean("0") == 0 && ini_boolean("FALSE") == 0
	       && ini_boolean("2") == -1 && ini_boolean("") == -1 && ini_boolean("y") == -1,
	       "ini: configparser's booleans");

	static const char toml[] =
		"top = 1\n"
		"[t]\n"
		"multi = \"\"\"\nfirst \\\n   second \\u00e9\\t\"\"\"\n"
		"lit = 'C:\\path'\n"
		"mlit = '''\nraw \\n'''\n"
		"quotes = \"\"\"a\"\"\"\"\"\n"
		"dotted . key = \"d\"\n"
		"\"quoted key\" = [ 1, # comment\n  'two' , ]\n"
		"inline = { a = \"b\", c = { d = true } }\n"
		"when = 1979-05-27 07:32:00Z\n"
		"[[arr]]\nx = \"1\"\n[[arr]]\nx = \"2\"\n[arr.sub]\ny = \"z\"\n";
	static const struct { const char *path, *want; } tv[] = {
		{"t.multi", "first second \xc3\xa9\t"},
		{"t.lit", "C:\\path"},
		{"t.mlit", "raw \\n"},
		{"t.quotes", "a\"\""},
		{"t.dotted.key", "d"},
		{"t.quoted key.1", "two"},
		{"t.quoted key", "(array of 2)"},
		{"t.inline.c.d", "true"},
		{"t.when", "1979-05-27 07:32:00Z"},
		{"arr.1.x", "2"},
		{"arr.1.sub.y", "z"},
		{"arr", "(array of 2)"},
		{"top", "1"},
	};
	for (size_t i = 0; i < sizeof tv / sizeof *tv; i++) {
		char *got = toml_value(toml, tv[i].path);
		TAP_STREQ(got, tv[i].want, "toml: %s", tv[i].path);
		free(got);
	}
	static const struct { const char *text, *want; } terr[] = {
		{"a = 1\na = 2\n", "2:1: key \"a\" is given twice: keep one"},
		{"[t]\n[t]\n", "2:1: table [t] is given twice, or is already a value: keep one"},
		{"t = {a = 1}\n[t]\n", "2:1: table [t] is given twice, or is already a value: keep one"},
		{"t = {a = 1}\nt.b = 2\n", "2:1: \"t\" is already a value, not a table that more can go into"},
		{"a = \"x\" b\n", "1:9: unexpected text after the value: one key = value or [table] per line"},
		{"a = \"\\q\"\n", "1:6: unknown escape \\q: write \\\\ for a backslash"},
		{"a = [1 2]\n", "1:8: ',' or ']' expected in this array"},
	};
	for (size_t i = 0; i < sizeof terr / sizeof *terr; i++) {
		char *got = toml_value(terr[i].text, "a");
		TAP_STREQ(got, terr[i].want, "toml error %zu", i);
		free(got);
	}

	static const char setup[] =
		"import setuptools\n"
		"def setup(x):  # a def is not the call\n    pass\n"
		"setuptools.setup(\n"
		"    name = 'n' \"m\",  # concatenated\n"
		"    version=(\"1.\"\n             \"2\"),\n"
		"    description=r'a\\tb', license=u'\\u00e9\\x41\\101\\q',\n"
		"    url=f'{x}', author=NAME, author_email=b'x',\n"
		"    maintainer='''tri\nple''', keywords=['a', 'b'],\n"
		"    **extra)\n";
	static const struct { const char *key, *want; } sv[] = {
		{"name", "nm"}, {"version", "1.2"}, {"description", "a\\tb"}, {"license", "\xc3\xa9" "AA\\q"},
		{"url", "(not literal)"}, {"author", "(not literal)"}, {"author_email", "(not literal)"},
		{"maintainer", "tri\nple"}, {"keywords", "(not literal)"}, {"extra", "(none)"},
	};
	for (size_t i = 0; i < sizeof sv / sizeof *sv; i++) {
		char *got = setup_value(setup, sv[i].key);
		TAP_STREQ(got, sv[i].want, "setup.py: %s", sv[i].key);
		free(got);
	}
	char *got = setup_value("print('no call')\n", "name");
	TAP_STREQ(got, "(no call)", "setup.py without a setup() call");
	free(got);
	got = setup_value("setup(name='x\\N{BULLET}')\n", "name");
	TAP_STREQ(got, "(not literal)", "setup.py: a \\N{} escape is not read");
	free(got);
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
	test_import_readers();
	return tap_done();
}
