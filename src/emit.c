/* emit: dictionaries from builds and profiles, expanded into files */
#include "emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ids.h"
#include "tpl.h"
#include "util.h"

/* templates every build gets besides its profile's build script */
static const char *const build_templates[] = {"values.sh", "lib.sh", "host.sh", "release.Dockerfile", "entrypoint.sh"};

/* add a planned file, taking data */
static void
plan(struct outfiles *f, char *path, char *data, int mode, int touch)
{
	f->v = xreallocarray(f->v, f->n + 1, sizeof *f->v);
	f->v[f->n++] = (struct outfile){path, data, strlen(data), mode, touch};
}

/* set section name to one item per string, each with value name item */
static void
set_list(struct tpl_dict *d, const char *section, const char *item, const struct strlist *l)
{
	tpl_declare(d, section);
	tpl_declare(d, item);
	for (size_t i = 0; i < l->n; i++)
		tpl_set(tpl_add_section(d, section), item, l->v[i]);
}

/* set value name, and show section IF_name when the value is not empty */
static void
set_opt(struct tpl_dict *d, const char *name, const char *value)
{
	char *sec = xasprintf("IF_%s", name);
	tpl_set(d, name, value);
	tpl_declare(d, sec);
	if (value && *value)
		tpl_show_section(d, sec);
	free(sec);
}

/* path (relative to the project folder, or absolute) as seen from the
 * output folder, where make runs */
static char *
from_outdir(const struct emit_opts *o, const char *path)
{
	if (path[0] == '/' || !strcmp(o->project_rel, "."))
		return xstrdup(path);
	return util_path_join(o->project_rel, path);
}

/* the values every template sees: about vdist-gen itself */
static void
fill_common(struct tpl_dict *d, const struct emit_opts *o)
{
	tpl_set_raw(d, "VDIST_VERSION", VDIST_VERSION);
	tpl_set(d, "CONFIG_FILE", o->config_path);
	tpl_set(d, "PROJECT_DIR", o->project_rel);
	tpl_set(d, "VDIST_GEN", o->gen_path);
	tpl_declare(d, "OWN_FILES");
	tpl_declare(d, "FILE");
	tpl_set(tpl_add_section(d, "OWN_FILES"), "FILE", o->config_path);
	char *upf = util_path_join(o->user_templates, "build_machines.json");
	if (util_is_file(upf))
		tpl_set(tpl_add_section(d, "OWN_FILES"), "FILE", upf);
	free(upf);
	tpl_set(tpl_add_section(d, "OWN_FILES"), "FILE", "vdist.mk");
	char *ut = from_outdir(o, o->user_templates);
	tpl_set(d, "USER_TEMPLATES", ut);
	free(ut);
	tpl_declare(d, "REGEN_ARGS");
	tpl_declare(d, "ARG");
	for (const char *const *a = o->regen_args; *a; a++)
		tpl_set(tpl_add_section(d, "REGEN_ARGS"), "ARG", *a);
}

/* the values of one build and its profile */
static void
fill_build(struct tpl_dict *d, const struct build *b, const struct profile *p)
{
	static const char *const srckinds[] = {"directory", "git", "git_directory"};
	struct strlist bdeps = {0}, rdeps = {0};

	tpl_set(d, "NAME", b->name);
	tpl_set_raw(d, "ID", b->id);
	tpl_set_raw(d, "APP", b->app);
	tpl_set_raw(d, "VERSION", b->version);
	tpl_set_raw(d, "ITERATION", b->iteration);
	tpl_set(d, "MAINTAINER", b->maintainer);
	set_opt(d, "DESCRIPTION", b->description);
	set_opt(d, "LICENSE", b->license);
	set_opt(d, "URL", b->url);
	tpl_set(d, "SOURCE_KIND", srckinds[b->srckind]);
	tpl_set(d, "SOURCE", b->source);
	set_opt(d, "BRANCH", b->branch);
	tpl_set_raw(d, "PROFILE", p->id);
	tpl_set_raw(d, "DOCKER_IMAGE", p->docker_image);
	tpl_set_raw(d, "PACKAGE_TYPE", p->package_type);
	tpl_set_raw(d, "PACKAGER", b->packager[0] ? b->packager : p->packager);
	/* the profile's own shell command: code by design, one line (checked) */
	tpl_set_raw(d, "PKG_INSTALL", p->pkg_install);
	tpl_declare(d, "IF_PKG_INSTALL");
	if (p->pkg_install[0])
		tpl_show_section(d, "IF_PKG_INSTALL");
	tpl_declare(d, "IF_NO_PKG_INSTALL");
	if (!p->pkg_install[0])
		tpl_show_section(d, "IF_NO_PKG_INSTALL");

	/* profile deps first, then the python mode's, then the build's own */
	const struct strlist *mb = b->compile_python ? &p->compile_build_deps : &p->system_build_deps;
	const struct strlist *mr = b->compile_python ? &p->compile_runtime_deps : &p->system_runtime_deps;
	strlist_add_all_unique(&bdeps, &p->build_deps);
	strlist_add_all_unique(&bdeps, mb);
	strlist_add_all_unique(&bdeps, &b->build_deps);
	strlist_add_all_unique(&rdeps, &p->runtime_deps);
	strlist_add_all_unique(&rdeps, mr);
	strlist_add_all_unique(&rdeps, &b->runtime_deps);
	set_list(d, "BUILD_DEPS", "DEP", &bdeps);
	tpl_declare(d, "IF_BUILD_DEPS");
	if (bdeps.n)
		tpl_show_section(d, "IF_BUILD_DEPS");
	/* the profile's share of the build deps, and the build's own on top:
	 * the Dockerfile installs them in two layers, so images of builds on
	 * one profile share the first (and the compiled CPython after it) */
	struct strlist base = {0}, extra = {0};
	for (size_t i = 0; i < bdeps.n; i++) {
		int own = !strlist_has(&p->build_deps, bdeps.v[i]) && !strlist_has(mb, bdeps.v[i]);
		strlist_add(own ? &extra : &base, bdeps.v[i]);
	}
	set_list(d, "PROFILE_BUILD_DEPS", "DEP", &base);
	set_list(d, "OWN_BUILD_DEPS", "DEP", &extra);
	tpl_declare(d, "IF_PROFILE_BUILD_DEPS");
	tpl_declare(d, "IF_OWN_BUILD_DEPS");
	if (base.n)
		tpl_show_section(d, "IF_PROFILE_BUILD_DEPS");
	if (extra.n)
		tpl_show_section(d, "IF_OWN_BUILD_DEPS");
	strlist_free(&base);
	strlist_free(&extra);
	set_list(d, "RUNTIME_DEPS", "DEP", &rdeps);
	strlist_free(&bdeps);
	strlist_free(&rdeps);

	set_opt(d, "CUSTOM_FILENAME", b->custom_filename);
	set_list(d, "FPM_ARGS", "ARG", &b->fpm_args);
	set_list(d, "PIP_ARGS", "ARG", &b->pip_args);
	tpl_set_raw(d, "INSTALL_ROOT", b->install_root);
	tpl_set_raw(d, "COMPILE_PYTHON", b->compile_python ? "true" : "false");
	tpl_declare(d, "IF_COMPILE_PYTHON");
	tpl_declare(d, "IF_SYSTEM_PYTHON");
	tpl_show_section(d, b->compile_python ? "IF_COMPILE_PYTHON" : "IF_SYSTEM_PYTHON");
	tpl_set_raw(d, "PYTHON_VERSION", b->python_version);
	tpl_set(d, "PYTHON_BASEDIR", b->python_basedir);
	tpl_set(d, "PYTHON_URL", b->python_url);
	set_opt(d, "PYTHON_SHA256", b->python_sha256);
	set_list(d, "PYTHON_CONFIGURE_FLAGS", "FLAG", &b->python_configure_flags);
	tpl_set(d, "REQUIREMENTS_PATH", b->requirements_path);
	tpl_set(d, "REQUIREMENTS_EXPLICIT", b->requirements_explicit ? "true" : "false");
	tpl_set(d, "WORKING_DIR", b->working_dir);
	tpl_set_raw(d, "OFFLINE", b->offline ? "true" : "false");
	tpl_set(d, "BOOTSTRAP_SUITE", p->bootstrap_suite);
	tpl_set(d, "BOOTSTRAP_MIRROR", p->bootstrap_mirror);
	/* each script as its key in capitals; the keys themselves as a list */
	tpl_declare(d, "SCRIPT_KEYS");
	tpl_declare(d, "KEY");
	for (int i = 0; i < CONFIG_NSCRIPTS; i++) {
		char *var = xstrdup(config_script_keys[i]);
		for (char *c = var; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		set_opt(d, var, b->scripts[i] ? b->scripts[i] : "");
		free(var);
		tpl_set_raw(tpl_add_section(d, "SCRIPT_KEYS"), "KEY", config_script_keys[i]);
	}
}

/* expand template name (looked up in the project's folder, then the
 * built-in one) with d; NULL after an error */
static char *
expand(const struct profiles *p, const char *name, struct tpl_dict *d, struct diags *diags,
       const char *wanted_by, int line, int col, struct strlist *used)
{
	char *path = profiles_template_path(p, name);
	char *out = NULL;
	if (!path) {
		diag_add(diags, DIAG_ERROR, wanted_by, line, col,
		         "template \"%s\" not found in %s or %s: create it there or fix the profile's \"script\"",
		         name, p->user_dir, p->builtin_dir);
		return NULL;
	}
	if (tpl_expand(path, d, &out, diags) == 0)
		strlist_add_unique(used, path);
	free(path);
	return out;
}

/* 1 if a makefile's text has a line that includes vdist.mk (comments do not count) */
static int
includes_vdist_mk(const char *text)
{
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '-' || *p == 's')
			p++;  /* -include, sinclude */
		if (strncmp(p, "include", 7) || (p[7] != ' ' && p[7] != '\t'))
			continue;
		const char *end = strchr(p, '\n');
		const char *hash = strchr(p, '#');
		const char *hit = strstr(p, "vdist.mk");
		if (hit && (!end || hit < end) && (!hash || hit < hash))
			return 1;
	}
	return 0;
}

int
emit_plan(const struct config *c, const struct profiles *ps, const struct emit_opts *o,
          struct outfiles *out, struct diags *d)
{
	struct strlist used = {0};
	struct tpl_dict *mk = tpl_dict_new();
	int bad = 0;

	memset(out, 0, sizeof *out);
	fill_common(mk, o);
	tpl_set_raw(mk, "APP", c->builds[0].app);
	tpl_set_raw(mk, "FIRST_ID", c->builds[0].id);
	tpl_declare(mk, "BUILDS");
	tpl_declare(mk, "PROFILES");

	for (size_t i = 0; i < c->nbuilds; i++) {
		const struct build *b = &c->builds[i];
		const struct profile *p = profiles_find(ps, b->profile);
		if (!p) {
			const char **ids = profiles_ids(ps);
			char *hint = diag_did_you_mean(b->profile, ids, ps->n, "");
			config_diag(c, d, DIAG_ERROR, b->off[K_PROFILE],
			            "unknown profile \"%s\"%s (vdist-gen --list-profiles shows them; add your own in %s/build_machines.json)",
			            b->profile, hint, ps->user_dir);
			free(hint);
			free(ids);
			bad = 1;
			continue;
		}
		if (!strcmp(b->packager, "fpm") && strcmp(p->packager, "fpm"))
			config_diag(c, d, DIAG_WARNING, b->off[K_PACKAGER],
			            "packager fpm on profile \"%s\", whose image is not made for fpm: it must have fpm installed",
			            p->id);
		struct tpl_dict *bd = tpl_dict_new();
		fill_common(bd, o);
		fill_build(bd, b, p);

		/* the builder image is named by a hash of its Dockerfile, so builds
		 * with the same profile and build deps share one image */
		char *dockerfile = expand(ps, "Dockerfile", bd, d, p->origin, 0, 0, &used);
		if (!dockerfile) {
			tpl_dict_free(bd);
			bad = 1;
			continue;
		}
		char hash[65], *pid = ids_from_name(p->id);
		util_sha256_hex(dockerfile, strlen(dockerfile), hash);
		hash[16] = '\0';
		char *tag = xasprintf("vdist/builder-%s:%s", pid[0] ? pid : "profile", hash);
		free(pid);
		tpl_set_raw(bd, "IMAGE_TAG", tag);
		free(tag);

		char *dir = xasprintf("%s/.vdist/%s", o->outdir, b->id);
		plan(out, xasprintf("%s/Dockerfile", dir), dockerfile, 0644, 0);
		for (size_t t = 0; t < sizeof build_templates / sizeof *build_templates; t++) {
			char *text = expand(ps, build_templates[t], bd, d, p->origin, 0, 0, &used);
			if (!text) {
				bad = 1;
				continue;
			}
			plan(out, xasprintf("%s/%s", dir, build_templates[t]), text, 0755, 0);
		}
		char *script = expand(ps, p->script, bd, d, p->origin, p->script_line, p->script_col, &used);
		if (script)
			plan(out, xasprintf("%s/build.sh", dir), script, 0755, 0);
		else
			bad = 1;
		free(dir);
		tpl_dict_free(bd);

		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(c->builds[j].profile, b->profile);
		if (!seen) {
			struct tpl_dict *ps_ = tpl_add_section(mk, "PROFILES");
			tpl_set_raw(ps_, "PROFILE", p->id);
			tpl_set_raw(ps_, "ID", b->id);
		}
		struct tpl_dict *s = tpl_add_section(mk, "BUILDS");
		tpl_set_raw(s, "ID", b->id);
		tpl_set(s, "NAME", b->name);
		tpl_set_raw(s, "PROFILE", p->id);
		tpl_set_raw(s, "PACKAGE_TYPE", p->package_type);
	}
	if (bad)
		goto fail;

	/* vdist.mk is remade whenever its inputs change */
	tpl_declare(mk, "INPUTS");
	tpl_declare(mk, "PATH");
	for (size_t i = 0; i < ps->n; i++)
		strlist_add_unique(&used, ps->v[i].origin);
	char *mktpl = profiles_template_path(ps, "vdist.mk");
	if (mktpl)
		strlist_add_unique(&used, mktpl);
	free(mktpl);
	char *cfg = from_outdir(o, o->config_path);
	tpl_set(tpl_add_section(mk, "INPUTS"), "PATH", cfg);
	free(cfg);
	for (size_t i = 0; i < used.n; i++) {
		char *in = from_outdir(o, used.v[i]);
		tpl_set(tpl_add_section(mk, "INPUTS"), "PATH", in);
		free(in);
	}
	char *mkpath = xasprintf("%s/vdist.mk", o->outdir);
	char *mktext = NULL;
	mktext = expand(ps, "vdist.mk", mk, d, "vdist-gen", 0, 0, &used);
	if (!mktext) {
		free(mkpath);
		goto fail;
	}
	plan(out, mkpath, mktext, 0644, 1);

	/* a Makefile only where the project has none */
	char *mf = xasprintf("%s/Makefile", o->outdir);
	if (!util_is_file(mf)) {
		char *text = expand(ps, "Makefile", mk, d, "vdist-gen", 0, 0, &used);
		if (!text) {
			free(mf);
			goto fail;
		}
		plan(out, mf, text, 0644, 0);
	} else {
		size_t len;
		char *have = util_read_file(mf, &len);
		if (have && !includes_vdist_mk(have))
			diag_add(d, DIAG_WARNING, mf, 0, 0,
			         "does not include vdist.mk: add the line \"include vdist.mk\" to use its targets");
		free(have);
		free(mf);
	}
	tpl_dict_free(mk);
	strlist_free(&used);
	return 0;
fail:
	tpl_dict_free(mk);
	strlist_free(&used);
	outfiles_free(out);
	return -1;
}

/* 1 if path already holds exactly data */
static int
same_content(const char *path, const char *data, size_t len, int mode)
{
	size_t have_len;
	struct stat st;
	char *have = util_read_file(path, &have_len);
	int same = have && have_len == len && memcmp(have, data, len) == 0 && stat(path, &st) == 0
	           && (int)(st.st_mode & 07777) == mode;
	free(have);
	return same;
}

int
emit_write(const struct outfiles *f, struct diags *d, int *written)
{
	*written = 0;
	for (size_t i = 0; i < f->n; i++) {
		const struct outfile *o = &f->v[i];
		if (!o->touch && same_content(o->path, o->data, o->len, o->mode))
			continue;
		char *dir = xstrdup(o->path);
		char *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			if (util_mkdirs(dir, 0755) < 0) {
				diag_add(d, DIAG_ERROR, dir, 0, 0, "cannot create folder: %s", strerror(errno));
				free(dir);
				return -1;
			}
		}
		free(dir);
		if (util_write_atomic(o->path, o->data, o->len, o->mode) < 0) {
			diag_add(d, DIAG_ERROR, o->path, 0, 0, "cannot write: %s", strerror(errno));
			return -1;
		}
		(*written)++;
	}
	return 0;
}

void
outfiles_free(struct outfiles *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].data);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
