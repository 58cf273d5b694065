/* emit: the runtime copied, and each build's values expanded into its files */
#include "emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dict.h"
#include "ids.h"
#include "resolve.h"
#include "tpl.h"
#include "util.h"

/* the runtime: copied verbatim, once per project, into .vdist/runtime/
 * (a file of the same name in the project's templates folder replaces
 * the built-in one), with its mode */
static const struct {
	const char *name;
	int mode;
} runtime_files[] = {
	{"host.sh", 0755}, {"lib.sh", 0644}, {"bootstrap.sh", 0644},
	{"entrypoint.sh", 0755}, {"rules.mk", 0644}, {"lint.Dockerfile", 0644},
	{"rpmlint.toml", 0644}, {"summary.sh", 0644},
};

/* add a planned file, taking path and data */
static void
plan(struct outfiles *f, char *path, char *data, size_t len, int mode, int touch)
{
	f->v = xreallocarray(f->v, f->n + 1, sizeof *f->v);
	f->v[f->n++] = (struct outfile){path, data, len, mode, touch};
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

/* where file name comes from: the project's templates folder, else the
 * built-in templates, else the built-in make files; NULL if nowhere */
static char *
find_file(const struct profiles *p, const struct emit_opts *o, const char *name)
{
	char *path = profiles_template_path(p, name);
	if (!path) {
		path = util_path_join(o->builtin_mk, name);
		if (!util_is_file(path)) {
			free(path);
			path = NULL;
		}
	}
	return path;
}

/* expand template name with d; NULL after an error (added to diags,
 * located at wanted_by:line:col when the template is missing) */
static char *
expand(const struct profiles *p, const struct emit_opts *o, const char *name, struct tpl_dict *d,
       struct diags *diags, const char *wanted_by, int line, int col, struct strlist *used)
{
	char *path = find_file(p, o, name);
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

/* the values of one resolved build, as the dictionary table reads them */
static void
build_values(struct dict_build *v, const struct resolved *r)
{
	static const char *const srckinds[] = {"directory", "git", "git_directory"};
	const struct build *b = r->b;
	const struct profile *p = r->p;

	*v = (struct dict_build){
		.name = b->name, .id = b->id, .app = b->app, .version = b->version,
		.iteration = b->iteration, .maintainer = b->maintainer, .description = b->description,
		.license = b->license, .url = b->url, .source_kind = srckinds[b->srckind],
		.source = b->source, .branch = b->branch, .profile = p->id, .docker_image = r->docker_image,
		.arch = r->arch, .docker_host = r->docker_host, .profile_var = r->profile_var,
		.sign_key = b->sign_key,
		.image_tag = NULL, .package_type = p->package_type, .packager = r->packager,
		.package_name = r->package_name, .file_format = r->file_format, .venv = r->venv,
		.pkg_install = r->pkg_install, .build_deps = &r->build_deps,
		.profile_build_deps = &r->profile_build_deps, .own_build_deps = &r->own_build_deps,
		.runtime_deps = &r->runtime_deps, .package_deps = &r->package_deps,
		.custom_filename = b->custom_filename, .custom_filename_format = r->custom_filename_format,
		.custom_filename_vars = &r->custom_filename_vars, .fpm_args = &b->fpm_args, .pip_args = &b->pip_args,
		.install_root = b->install_root, .compile_python = b->compile_python,
		.python_version = b->python_version, .python_prefix = r->python_prefix,
		.python_build_prefix = r->python_build_prefix, .python_url = b->python_url,
		.python_sha256 = b->python_sha256, .python_configure_flags = &b->python_configure_flags,
		.requirements_path = b->requirements_path, .requirements_explicit = b->requirements_explicit,
		.working_dir = b->working_dir, .offline = b->offline,
		.keep_pip = b->keep_pip, .strip = b->strip,
		.compression = r->compression, .compression_level = r->compression_level, .exclude_re = r->exclude_re, .section = b->section, .priority = b->priority,
		.changelog = b->changelog ? b->changelog : "",
		.systemd_units = &b->systemd_units, .unit_names = &r->unit_names, .dirs = &r->dirs,
		.config_files = &b->config_files, .links = &b->links, .pre_depends = &r->pre_depends,
		.conflicts = &r->conflicts, .provides = &r->provides, .replaces = &r->replaces,
		.breaks = &r->breaks, .recommends = &r->recommends, .suggests = &r->suggests, .obsoleted = &r->obsoleted,
		.systemd_enable = b->systemd_enable, .systemd_start = b->systemd_start,
		.unit_dir = r->unit_dir, .user = b->user, .user_home = r->user_home,
		.bootstrap_suite = p->bootstrap_suite, .bootstrap_mirror = p->bootstrap_mirror,
		.script_keys = &r->script_keys,
		.version_re = CONFIG_VERSION_RE, .version_rule = CONFIG_VERSION_RULE,
		.iteration_re = CONFIG_ITERATION_RE, .iteration_rule = CONFIG_ITERATION_RULE,
	};
	for (int i = 0; i < CONFIG_NSCRIPTS; i++)
		v->scripts[i] = b->scripts[i] ? b->scripts[i] : "";
}

/* plan the files of build r into out/.vdist/ID/; -1 after an error */
static int
plan_build(const struct resolved *r, const struct profiles *ps, const struct emit_opts *o,
           const struct dict_project *pv, struct outfiles *out, struct diags *d, struct strlist *used)
{
	static const char *const per_build[] = {"values.sh", "release.Dockerfile", "build.mk"};
	const struct profile *p = r->p;
	struct dict_build bv;
	int bad = 0;

	build_values(&bv, r);
	struct tpl_dict *bd = dict_build_new(&bv, pv);
	/* the builder image is named by a hash of its Dockerfile, so builds
	 * with the same profile and build deps share one image */
	char *dockerfile = expand(ps, o, "Dockerfile", bd, d, p->origin, 0, 0, used);
	if (!dockerfile) {
		tpl_dict_free(bd);
		return -1;
	}
	char hash[65], *pid = ids_from_name(p->id);
	util_sha256_hex(dockerfile, strlen(dockerfile), hash);
	hash[16] = '\0';
	/* an image of another architecture than amd64 says so in its name
	 * (docker import labels every image amd64) */
	int amd64 = !strcmp(r->arch, "amd64");
	char *tag = xasprintf("vdist/builder-%s%s%s:%s", pid[0] ? pid : "profile", amd64 ? "" : "-", amd64 ? "" : r->arch,
	                      hash);
	free(pid);
	dict_set_image_tag(bd, tag);
	free(tag);

	char *dir = xasprintf("%s/.vdist/%s", o->outdir, r->b->id);
	plan(out, xasprintf("%s/Dockerfile", dir), dockerfile, strlen(dockerfile), 0644, 0);
	for (size_t t = 0; t < sizeof per_build / sizeof *per_build; t++) {
		char *text = expand(ps, o, per_build[t], bd, d, p->origin, 0, 0, used);
		if (text)
			plan(out, xasprintf("%s/%s", dir, per_build[t]), text, strlen(text), 0644, 0);
		else
			bad = 1;
	}
	char *script = expand(ps, o, p->script, bd, d, p->origin, p->script_line, p->script_col, used);
	if (script)
		plan(out, xasprintf("%s/build.sh", dir), script, strlen(script), 0755, 0);
	else
		bad = 1;
	free(dir);
	tpl_dict_free(bd);
	return bad ? -1 : 0;
}

/* plan the runtime into out/.vdist/runtime/; -1 after an error */
static int
plan_runtime(const struct profiles *ps, const struct emit_opts *o, struct outfiles *out,
             struct diags *d, struct strlist *used)
{
	for (size_t i = 0; i < sizeof runtime_files / sizeof *runtime_files; i++) {
		const char *name = runtime_files[i].name;
		char *path = find_file(ps, o, name);
		if (!path) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "runtime file \"%s\" not found in %s, %s or %s: is vdist installed whole?",
			         name, ps->user_dir, ps->builtin_dir, o->builtin_mk);
			return -1;
		}
		size_t len;
		char *text = util_read_file(path, &len);
		if (!text) {
			diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
			free(path);
			return -1;
		}
		plan(out, xasprintf("%s/.vdist/runtime/%s", o->outdir, name), text, len, runtime_files[i].mode, 0);
		strlist_add_unique(used, path);
		free(path);
	}
	return 0;
}

/* 1 if file is missing or older than one of inputs (paths from the current folder) */
static int
older_than(const char *file, const struct strlist *inputs)
{
	struct stat st, in;
	if (stat(file, &st) < 0)
		return 1;
	for (size_t i = 0; i < inputs->n; i++)
		if (stat(inputs->v[i], &in) == 0
		    && (in.st_mtim.tv_sec > st.st_mtim.tv_sec
		        || (in.st_mtim.tv_sec == st.st_mtim.tv_sec && in.st_mtim.tv_nsec > st.st_mtim.tv_nsec)))
			return 1;
	return 0;
}

/* 1 if path is one of vdist's installed files whose name make's
 * $(wildcard) takes as it is (it would not keep x-mkpath's escapes) */
static int
builtin_input(const struct profiles *ps, const struct emit_opts *o, const char *path)
{
	size_t lt = strlen(ps->builtin_dir), lm = strlen(o->builtin_mk);
	if (!(strncmp(path, ps->builtin_dir, lt) == 0 && path[lt] == '/')
	    && !(strncmp(path, o->builtin_mk, lm) == 0 && path[lm] == '/'))
		return 0;
	return strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/+-") == strlen(path);
}

/* the project's values that do not depend on any build */
static void
project_values(struct dict_project *v, const struct config *c, const struct emit_opts *o)
{
	memset(v, 0, sizeof *v);
	v->vdist_version = VDIST_VERSION;
	v->config_file = o->config_path;
	v->project_dir = o->project_rel;
	v->vdist_gen = o->gen_path;
	v->app = c->builds[0].app;
	v->first_id = c->builds[0].id;
	strlist_add(&v->own_files, o->config_path);
	char *upf = util_path_join(o->user_templates, "build_machines.json");
	if (util_is_file(upf))
		strlist_add(&v->own_files, upf);
	free(upf);
	strlist_add(&v->own_files, "vdist.mk");
	for (const char *const *a = o->regen_args; *a; a++)
		strlist_add(&v->regen_args, *a);
	for (size_t i = 0; i < c->nbuilds; i++) {
		const struct build *b = &c->builds[i];
		strlist_add(&v->build_ids, b->id);
		if (!strlist_has(&v->profile_ids, b->profile)) {
			strlist_add(&v->profile_ids, b->profile);
			strlist_add(&v->profile_builds, b->id);
		}
	}
}

/* release what project_values made */
static void
project_values_free(struct dict_project *v)
{
	strlist_free(&v->own_files);
	strlist_free(&v->regen_args);
	strlist_free(&v->inputs);
	strlist_free(&v->builtin_inputs);
	strlist_free(&v->build_ids);
	strlist_free(&v->profile_ids);
	strlist_free(&v->profile_builds);
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
	struct resolved *rs = NULL;
	struct dict_project pv;
	struct tpl_dict *mk = NULL;
	int bad = 0;

	memset(out, 0, sizeof *out);
	if (resolve_builds(c, ps, o->today, &rs, d) < 0)
		return -1;
	project_values(&pv, c, o);
	char *user_templates = from_outdir(o, o->user_templates);
	pv.user_templates = user_templates;
	if (plan_runtime(ps, o, out, d, &used) < 0)
		goto fail;
	for (size_t i = 0; i < c->nbuilds; i++)
		if (plan_build(&rs[i], ps, o, &pv, out, d, &used) < 0)
			bad = 1;
	if (bad)
		goto fail;

	/* vdist.mk is remade whenever its inputs change */
	for (size_t i = 0; i < ps->n; i++)
		strlist_add_unique(&used, ps->v[i].origin);
	char *mktpl = find_file(ps, o, "vdist.mk");
	if (mktpl)
		strlist_add_unique(&used, mktpl);
	free(mktpl);
	strlist_add_unique(&used, o->config_path);
	for (size_t i = 0; i < used.n; i++) {
		char *in = from_outdir(o, used.v[i]);
		strlist_add_unique(builtin_input(ps, o, in) ? &pv.builtin_inputs : &pv.inputs, in);
		free(in);
	}
	mk = dict_project_new(&pv);
	char *mktext = expand(ps, o, "vdist.mk", mk, d, "vdist-gen", 0, 0, &used);
	if (!mktext)
		goto fail;
	/* rewritten when it changed, and touched when an input is newer, so
	 * that make sees it remade and does not run vdist-gen every time */
	char *mkpath = xasprintf("%s/vdist.mk", o->outdir);
	plan(out, mkpath, mktext, strlen(mktext), 0644, older_than(mkpath, &used));

	/* a Makefile only where the project has none */
	char *mf = xasprintf("%s/Makefile", o->outdir);
	if (!util_is_file(mf)) {
		char *text = expand(ps, o, "Makefile", mk, d, "vdist-gen", 0, 0, &used);
		if (!text) {
			free(mf);
			goto fail;
		}
		plan(out, mf, text, strlen(text), 0644, 0);
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
	project_values_free(&pv);
	free(user_templates);
	resolved_free(rs, c->nbuilds);
	strlist_free(&used);
	return 0;
fail:
	tpl_dict_free(mk);
	project_values_free(&pv);
	free(user_templates);
	resolved_free(rs, c->nbuilds);
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
