/* resolve: effective values of each build, computed once */
#include "resolve.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "util.h"

char *
resolve_deb_name(const char *app)
{
	char *s = xstrdup(app);
	for (char *c = s; *c; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
		else if (*c == '_')
			*c = '-';
	}
	return s;
}

/* the bytes of s from b to e without blanks at either end, appended to out */
static void
add_trimmed(struct strbuf *out, const char *b, const char *e)
{
	while (b < e && *b == ' ')
		b++;
	while (e > b && e[-1] == ' ')
		e--;
	strbuf_addn(out, b, (size_t)(e - b));
}

/* one alternative "name (OP VER)" as "name OP' VER" into out, where OP' is
 * op itself, or rpm's < and > for Debian's << and >> when strict is set */
static void
add_relation(struct strbuf *out, const char *b, const char *e, int strict)
{
	const char *open = memchr(b, '(', (size_t)(e - b));
	const char *close = open ? memchr(open, ')', (size_t)(e - open)) : NULL;
	if (!open || !close) {
		add_trimmed(out, b, e);
		return;
	}
	add_trimmed(out, b, open);
	const char *op = open + 1;
	while (op < close && *op == ' ')
		op++;
	const char *ope = op;
	while (ope < close && strchr("<>=", *ope))
		ope++;
	strbuf_addc(out, ' ');
	if (strict && ope - op == 2 && !strncmp(op, "<<", 2))
		strbuf_adds(out, "<");
	else if (strict && ope - op == 2 && !strncmp(op, ">>", 2))
		strbuf_adds(out, ">");
	else
		strbuf_addn(out, op, (size_t)(ope - op));
	strbuf_addc(out, ' ');
	add_trimmed(out, ope, close);
}

/* dep's alternatives, each converted, joined by sep; wrapped in (...)
 * when paren is set and there is more than one */
static char *
convert_dep(const char *dep, const char *sep, int paren, int strict)
{
	struct strbuf out = {0};
	int alts = strchr(dep, '|') != NULL;
	if (paren && alts)
		strbuf_addc(&out, '(');
	for (const char *b = dep;;) {
		const char *e = strchr(b, '|');
		add_relation(&out, b, e ? e : b + strlen(b), strict);
		if (!e)
			break;
		strbuf_adds(&out, sep);
		b = e + 1;
	}
	if (paren && alts)
		strbuf_addc(&out, ')');
	return strbuf_take(&out);
}

char *
resolve_rpm_dep(const char *dep)
{
	return convert_dep(dep, " or ", 1, 1);
}

char *
resolve_fpm_dep(const char *dep)
{
	return convert_dep(dep, " | ", 0, 0);
}

/* s as a printf format that prints s: every % and \ doubled; caller frees */
static char *
format_literal(const char *s)
{
	struct strbuf out = {0};
	strbuf_adds(&out, "");  /* "" for "" (a buffer never added to holds no NUL) */
	for (; *s; s++) {
		if (*s == '%' || *s == '\\')
			strbuf_addc(&out, *s);
		strbuf_addc(&out, *s);
	}
	return strbuf_take(&out);
}

/* custom_filename s (config checked it) as a printf format with one %s
 * per {NAME} reference, whose names go into vars */
static char *
custom_format(const char *s, struct strlist *vars)
{
	struct strlist text = {0};
	struct strbuf out = {0};
	size_t errat;
	const char *why;

	strbuf_adds(&out, "");
	if (config_filename_refs(s, &text, vars, &errat, &why) < 0)
		return strbuf_take(&out);  /* not reached: config checked s */
	for (size_t i = 0; i < text.n; i++) {
		char *lit = format_literal(text.v[i]);
		strbuf_adds(&out, lit);
		free(lit);
		if (i < vars->n)
			strbuf_adds(&out, "%s");
	}
	strlist_free(&text);
	return strbuf_take(&out);
}

/* append glob pattern g (one part of source exclude) to out as an ERE */
static void
glob_to_ere(struct strbuf *out, const char *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = g[i];
		if (c == '*' && i + 1 < n && g[i + 1] == '*') {
			/* ** crosses folders; **\/ also matches no folder at all */
			if (i + 2 < n && g[i + 2] == '/') {
				strbuf_adds(out, "(.*/)?");
				i += 2;
			} else {
				strbuf_adds(out, ".*");
				i++;
			}
		} else if (c == '*') {
			strbuf_adds(out, "[^/]*");
		} else if (c == '?') {
			strbuf_adds(out, "[^/]");
		} else if (c == '[') {
			/* config checked that a ] closes it within the part */
			size_t j = i + 1;
			strbuf_addc(out, '[');
			if (g[j] == '!' || g[j] == '^') {
				strbuf_addc(out, '^');
				j++;
			}
			if (g[j] == ']')
				strbuf_addc(out, g[j++]);
			for (; g[j] != ']'; j++)
				if (g[j] != '\\')
					strbuf_addc(out, g[j]);
			strbuf_addc(out, ']');
			i = j;
		} else {
			if (c == '\\' && i + 1 < n)
				c = g[++i];
			if (strchr(".[]()*+?{}|^$\\", c))
				strbuf_addc(out, '\\');
			strbuf_addc(out, c);
		}
	}
}

char *
resolve_exclude_re(const struct strlist *patterns)
{
	struct strbuf out = {0};
	strbuf_adds(&out, "");
	for (size_t i = 0; i < patterns->n; i++) {
		const char *g = patterns->v[i];
		size_t n = strlen(g);
		int dir = n > 1 && g[n - 1] == '/';
		if (dir)
			n--;
		int anchored = memchr(g, '/', n) != NULL;
		if (i)
			strbuf_addc(&out, '|');
		strbuf_adds(&out, anchored ? "(^" : "((^|/)");
		glob_to_ere(&out, g, n);
		/* a folder leaves out all it holds; a pattern that may be a
		 * file matches the whole name */
		strbuf_adds(&out, dir ? "/)" : "(/|$))");
	}
	return strbuf_take(&out);
}

/* Docker Hub's namespace of the images of one architecture (arm64v8/debian)
 * for Debian's name of it */
static const char *
hub_namespace(const char *arch)
{
	return !strcmp(arch, "arm64") ? "arm64v8" : "amd64";
}

/* the image of arch for a profile image of another architecture: a Docker
 * library image (no '/' in its name, or one already in a per-architecture
 * namespace) in arch's namespace; NULL for any other image, which has no
 * name per architecture vdist could know */
static char *
image_for_arch(const char *image, const char *from, const char *arch)
{
	const char *slash = strchr(image, '/');
	if (!slash)
		return xasprintf("%s/%s", hub_namespace(arch), image);
	size_t n = (size_t)(slash - image);
	if (strlen(hub_namespace(from)) == n && !strncmp(image, hub_namespace(from), n) && !strchr(slash + 1, '/'))
		return xasprintf("%s%s", hub_namespace(arch), slash);
	return NULL;
}

/* fill r from its build and profile */
static void
resolve_one(struct resolved *r)
{
	const struct build *b = r->b;
	const struct profile *p = r->p;
	int deb = !strcmp(p->package_type, "deb");

	r->packager = xstrdup(b->packager[0] ? b->packager : p->packager);
	r->arch = xstrdup(b->arch[0] ? b->arch : p->arch);
	r->docker_image = strcmp(r->arch, p->arch) ? image_for_arch(p->docker_image, p->arch, r->arch)
	                                           : xstrdup(p->docker_image);
	r->docker_host = xstrdup(b->docker_host[0] ? b->docker_host : p->docker_host);
	r->profile_var = xstrdup(p->id);
	for (char *c = r->profile_var; *c; c++)
		if (*c == '-' || *c == '.')
			*c = '_';
	r->compression = xstrdup(b->compression[0] ? b->compression : p->compression);
	/* fast defaults: zstd 3 packs better than gzip 9 in a fraction of xz's time */
	r->compression_level = xstrdup(b->compression_level[0] ? b->compression_level
	                               : !strcmp(r->compression, "zstd") ? "3"
	                               : !strcmp(r->compression, "none") ? "" : "6");
	r->exclude_re = resolve_exclude_re(&b->source_exclude);
	r->package_name = deb ? resolve_deb_name(b->app) : xstrdup(b->app);
	/* version, iteration, arch: the names each format's own tools give */
	r->custom_filename_format = custom_format(b->custom_filename, &r->custom_filename_vars);
	if (b->custom_filename[0])
		r->file_format = xstrdup(r->custom_filename_vars.n ? "" : r->custom_filename_format);
	else if (deb)
		r->file_format = xasprintf("%s_%%s-%%s_%%s.deb", r->package_name);
	else
		r->file_format = xasprintf("%s-%%s-%%s.%%s.rpm", r->package_name);
	r->venv = util_path_join(b->install_root, b->app);
	if (b->python_basedir[0])
		r->python_prefix = xstrdup(b->python_basedir);
	else if (b->compile_python)
		r->python_prefix = util_path_join(r->venv, "python");
	else
		r->python_prefix = xstrdup("/usr");
	r->python_build_prefix = b->compile_python
	                         ? xasprintf("%s/%s", RESOLVE_PYTHON_BUILD_ROOT, b->python_version)
	                         : xstrdup("");
	/* the profile's command, or the one a python-builder-concept base image provides */
	r->pkg_install = p->pkg_install[0] ? xstrdup(p->pkg_install)
	                                   : xstrdup("test -n \"$PKG_INSTALL\" && $PKG_INSTALL");

	/* profile deps first, then the python mode's, then the build's own */
	const struct strlist *mb = b->compile_python ? &p->compile_build_deps : &p->system_build_deps;
	const struct strlist *mr = b->compile_python ? &p->compile_runtime_deps : &p->system_runtime_deps;
	strlist_add_all_unique(&r->build_deps, &p->build_deps);
	strlist_add_all_unique(&r->build_deps, mb);
	strlist_add_all_unique(&r->build_deps, &b->build_deps);
	for (size_t i = 0; i < r->build_deps.n; i++) {
		const char *dep = r->build_deps.v[i];
		int own = !strlist_has(&p->build_deps, dep) && !strlist_has(mb, dep);
		strlist_add(own ? &r->own_build_deps : &r->profile_build_deps, dep);
	}
	strlist_add_all_unique(&r->runtime_deps, &p->runtime_deps);
	strlist_add_all_unique(&r->runtime_deps, mr);
	strlist_add_all_unique(&r->runtime_deps, &b->runtime_deps);
	for (size_t i = 0; i < r->runtime_deps.n; i++) {
		const char *dep = r->runtime_deps.v[i];
		char *spelled = !deb ? resolve_rpm_dep(dep)
		                : !strcmp(r->packager, "fpm") ? resolve_fpm_dep(dep) : xstrdup(dep);
		strlist_add(&r->package_deps, spelled);
		free(spelled);
	}
	for (int i = 0; i < CONFIG_NSCRIPTS; i++)
		if (b->scripts[i])
			strlist_add(&r->script_keys, config_script_keys[i]);

	r->user_home = b->user[0] ? (b->user_home[0] ? xstrdup(b->user_home) : xasprintf("/var/lib/%s", b->user))
	                          : xstrdup("");
	/* the package owns the user's home, so rpm can give it its owner from
	 * the start (%attr) as adduser --system does for deb */
	strlist_add_all_unique(&r->dirs, &b->dirs);
	int have_home = 0;
	for (size_t i = 0; i < b->dirs.n; i += 2)
		have_home |= !strcmp(b->dirs.v[i], r->user_home);
	if (b->user[0] && !have_home) {
		char *spec = xasprintf("%s:%s:0750", b->user, b->user);
		strlist_add(&r->dirs, r->user_home);
		strlist_add(&r->dirs, spec);
		free(spec);
	}
	for (size_t i = 0; i < b->systemd_units.n; i++) {
		const char *slash = strrchr(b->systemd_units.v[i], '/');
		strlist_add(&r->unit_names, slash ? slash + 1 : b->systemd_units.v[i]);
	}
	r->unit_dir = xstrdup(deb ? "/lib/systemd/system" : "/usr/lib/systemd/system");
	if (deb && b->user[0])
		strlist_add(&r->pre_depends, "adduser");
	const struct strlist *from[] = {&b->conflicts, &b->provides, &b->replaces, &b->breaks, &b->recommends, &b->suggests};
	struct strlist *to[] = {&r->conflicts, &r->provides, &r->replaces, &r->breaks, &r->recommends, &r->suggests};
	for (size_t k = 0; k < sizeof from / sizeof *from; k++) {
		if (!deb && to[k] == &r->breaks)
			continue;  /* rpm has no Breaks (warned about in resolve_builds) */
		for (size_t i = 0; i < from[k]->n; i++) {
			const char *dep = from[k]->v[i];
			char *spelled = !deb ? resolve_rpm_dep(dep)
			                : !strcmp(r->packager, "fpm") ? resolve_fpm_dep(dep) : xstrdup(dep);
			strlist_add(to[k], spelled);
			free(spelled);
		}
	}
	/* rpm: what a package obsoletes, it provides too (at its own
	 * version, which the shell knows), so that whatever required the old
	 * name is still satisfied */
	for (size_t i = 0; !deb && i < b->replaces.n; i++) {
		char *name = xstrndup(b->replaces.v[i], strcspn(b->replaces.v[i], " (|"));
		strlist_add_unique(&r->obsoleted, name);
		free(name);
	}
}

/* the suffixes of systemd unit files vdist installs */
static int
unit_name_ok(const char *name)
{
	static const char *const sfx[] = {".service", ".socket", ".timer", ".path", ".target", ".mount"};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
		size_t m = strlen(sfx[i]);
		if (n > m && !strcmp(name + n - m, sfx[i]))
			return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:_.@-") == n;
	}
	return 0;
}

/* the warning for build b, whose profile p is past its end of life on
 * today: when it ended, and the profiles of the same distribution that
 * are still supported */
static void
warn_past_eol(const struct config *c, const struct build *b, const struct profiles *ps, const struct profile *p,
              const char *today, struct diags *d)
{
	const struct profile **next = profiles_successors(ps, p, today);
	struct strbuf hint = {0};
	if (!next[0]) {
		strbuf_addf(&hint, "define a profile of a supported release in %s/build_machines.json", ps->user_dir);
	} else {
		strbuf_addf(&hint, "build on %s", next[0]->id);
		if (next[0]->eol[0])
			strbuf_addf(&hint, " (supported until %s)", next[0]->eol);
		for (size_t k = 1; next[k]; k++)
			strbuf_addf(&hint, "%s%s", next[k + 1] ? ", " : " or ", next[k]->id);
		strbuf_adds(&hint, " instead");
	}
	config_diag(c, d, DIAG_WARNING, b->off[K_PROFILE],
	            "profile \"%s\" is past its end of life (%s): the release gets no security updates any more; %s",
	            p->id, p->eol, strbuf_str(&hint));
	strbuf_free(&hint);
	free(next);
}

int
resolve_builds(const struct config *c, const struct profiles *ps, const char *today,
               struct resolved **out, struct diags *d)
{
	struct resolved *r = xcalloc(c->nbuilds ? c->nbuilds : 1, sizeof *r);
	int bad = 0;

	for (size_t i = 0; i < c->nbuilds; i++) {
		const struct build *b = &c->builds[i];
		const struct profile *p = profiles_find(ps, b->profile);
		r[i].b = b;
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
		r[i].p = p;
		resolve_one(&r[i]);
		if (!r[i].docker_image) {
			config_diag(c, d, DIAG_ERROR, b->off[K_ARCH],
			            "arch %s: profile \"%s\" is for %s, and its image %s is not a Docker library image, so it has "
			            "no %s name vdist could know; add a profile with \"arch\": \"%s\" and an %s image as its docker_image to "
			            "%s/build_machines.json",
			            r[i].arch, p->id, p->arch, p->docker_image, r[i].arch, r[i].arch, r[i].arch, ps->user_dir);
			bad = 1;
			continue;
		}
		/* once per place: builds that take it from "defaults" share one */
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= r[j].p == p && c->builds[j].off[K_PROFILE] == b->off[K_PROFILE];
		if (today && !seen && profile_past_eol(p, today))
			warn_past_eol(c, b, ps, p, today, d);
		for (size_t u = 0; u < r[i].unit_names.n; u++) {
			if (!unit_name_ok(r[i].unit_names.v[u])) {
				config_diag(c, d, DIAG_ERROR, b->off[K_SYSTEMD_UNITS],
				            "systemd_units: \"%s\" is not a unit file name: letters, digits and :_.@- ending in "
				            ".service, .socket, .timer, .path, .target or .mount",
				            r[i].unit_names.v[u]);
				bad = 1;
			}
		}
		if (b->breaks.n && strcmp(p->package_type, "deb"))
			config_diag(c, d, DIAG_WARNING, b->off[K_BREAKS],
			            "breaks: rpm has no such relation; the .rpm of profile \"%s\" leaves it out", p->id);
		if (!b->description[0])
			config_diag(c, d, DIAG_WARNING, b->off[K_DESCRIPTION] != (size_t)-1 ? b->off[K_DESCRIPTION] : b->entry_off,
			            "build \"%s\" has no description: its summary would be the bare app name, which lintian "
			            "and rpmlint reject; set \"description\"",
			            b->name);
		/* lintian refuses a summary that starts with the package's name */
		const char *pkg = r[i].package_name;
		size_t n = strlen(pkg);
		if (!strcmp(p->package_type, "deb") && !strncasecmp(b->description, pkg, n)
		    && !isalnum((unsigned char)b->description[n]))
			config_diag(c, d, DIAG_WARNING, b->off[K_DESCRIPTION],
			            "the description's first line starts with the package name \"%s\": "
			            "Debian's tools (lintian) reject that; say what it is instead",
			            pkg);
		/* each format's own range, as dpkg-deb -z and rpm's payload take it */
		const char *cz = r[i].compression;
		int lo = !strcmp(cz, "xz") ? 0 : 1, hi = !strcmp(cz, "zstd") ? 19 : 9;
		if (b->compression_level[0] && (!strcmp(cz, "none") || atoi(b->compression_level) < lo
		                               || atoi(b->compression_level) > hi)) {
			if (!strcmp(cz, "none"))
				config_diag(c, d, DIAG_ERROR, b->off[K_COMPRESSION_LEVEL],
				            "compression_level %s with compression none: remove it, or choose zstd, xz or gzip",
				            b->compression_level);
			else
				config_diag(c, d, DIAG_ERROR, b->off[K_COMPRESSION_LEVEL],
				            "compression_level %s is out of %s's range %d-%d", b->compression_level, cz, lo, hi);
			bad = 1;
		}
		if (!strcmp(b->packager, "fpm") && strcmp(p->packager, "fpm"))
			config_diag(c, d, DIAG_WARNING, b->off[K_PACKAGER],
			            "packager fpm on profile \"%s\", whose image is not made for fpm: it must have fpm installed",
			            p->id);
	}
	if (bad) {
		resolved_free(r, c->nbuilds);
		*out = NULL;
		return -1;
	}
	*out = r;
	return 0;
}

void
resolved_free(struct resolved *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++) {
		free(r[i].packager);
		free(r[i].arch);
		free(r[i].docker_image);
		free(r[i].docker_host);
		free(r[i].profile_var);
		free(r[i].compression);
		free(r[i].compression_level);
		free(r[i].exclude_re);
		free(r[i].package_name);
		free(r[i].file_format);
		free(r[i].custom_filename_format);
		strlist_free(&r[i].custom_filename_vars);
		free(r[i].venv);
		free(r[i].python_prefix);
		free(r[i].python_build_prefix);
		free(r[i].pkg_install);
		strlist_free(&r[i].build_deps);
		strlist_free(&r[i].profile_build_deps);
		strlist_free(&r[i].own_build_deps);
		strlist_free(&r[i].runtime_deps);
		strlist_free(&r[i].package_deps);
		strlist_free(&r[i].script_keys);
		free(r[i].user_home);
		strlist_free(&r[i].dirs);
		strlist_free(&r[i].unit_names);
		free(r[i].unit_dir);
		strlist_free(&r[i].pre_depends);
		strlist_free(&r[i].conflicts);
		strlist_free(&r[i].provides);
		strlist_free(&r[i].replaces);
		strlist_free(&r[i].breaks);
		strlist_free(&r[i].recommends);
		strlist_free(&r[i].suggests);
		strlist_free(&r[i].obsoleted);
	}
	free(r);
}
