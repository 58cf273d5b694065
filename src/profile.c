/* profile: build_machines.json files, merged by id */
#include "profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/* the type of a profile field */
enum ptype { P_STR, P_LIST };

/* one known profile field */
struct pfield {
	const char *name;   /* as written in build_machines.json */
	enum ptype type;    /* string or list of strings */
	size_t field;       /* offset in struct profile */
	int required;       /* 1 if it must be given */
	const char *def;    /* default for optional strings */
};

#define PF(x) offsetof(struct profile, x)

static const struct pfield pfields[] = {
	{"docker_image", P_STR, PF(docker_image), 1, NULL},
	{"script", P_STR, PF(script), 1, NULL},
	{"package_type", P_STR, PF(package_type), 1, NULL},
	{"packager", P_STR, PF(packager), 0, "native"},
	{"pkg_install", P_STR, PF(pkg_install), 0, ""},
	{"build_deps", P_LIST, PF(build_deps), 0, NULL},
	{"runtime_deps", P_LIST, PF(runtime_deps), 0, NULL},
	{"system_build_deps", P_LIST, PF(system_build_deps), 0, NULL},
	{"system_runtime_deps", P_LIST, PF(system_runtime_deps), 0, NULL},
	{"compile_build_deps", P_LIST, PF(compile_build_deps), 0, NULL},
	{"compile_runtime_deps", P_LIST, PF(compile_runtime_deps), 0, NULL},
	{"bootstrap_suite", P_STR, PF(bootstrap_suite), 0, ""},
	{"bootstrap_mirror", P_STR, PF(bootstrap_mirror), 0, ""},
	{"compression", P_STR, PF(compression), 0, "gzip"},
	{"arch", P_STR, PF(arch), 0, "amd64"},
	{"eol", P_STR, PF(eol), 0, ""},
	{"docker_host", P_STR, PF(docker_host), 0, ""},
};
#define NPFIELDS (sizeof pfields / sizeof *pfields)

/* release the strings of one profile */
static void
profile_clear(struct profile *p)
{
	free(p->id);
	free(p->origin);
	for (size_t i = 0; i < NPFIELDS; i++) {
		void *f = (char *)p + pfields[i].field;
		if (pfields[i].type == P_STR)
			free(*(char **)f);
		else
			strlist_free(f);
	}
	memset(p, 0, sizeof *p);
}

/* read one profile object into p; -1 after errors */
static int
read_profile(const char *file, const char *text, size_t len, const char *id, size_t keyoff,
             const struct json *o, struct profile *p, struct diags *d)
{
	int bad = 0;
	memset(p, 0, sizeof *p);
	p->id = xstrdup(id);
	/* ids land in Dockerfile comments, image tags and make targets */
	int okid = *id != '\0';
	for (const char *c = id; *c; c++)
		okid &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
	if (!okid) {
		diag_at(d, DIAG_ERROR, file, text, len, keyoff,
		     "a profile id must hold only letters, digits and . _ - (it names images and appears in Dockerfile and vdist.mk lines)%s%s",
		     "", "");
		return -1;
	}
	p->origin = xstrdup(file);
	p->off = o->off;
	if (o->type != JSON_OBJECT) {
		diag_at(d, DIAG_ERROR, file, text, len, o->off, "profile \"%s\" must be an object", id);
		return -1;
	}
	for (size_t i = 0; i < o->n; i++) {
		size_t k;
		for (k = 0; k < NPFIELDS && strcmp(o->keys[i], pfields[k].name); k++)
			;
		if (k == NPFIELDS) {
			const char *names[NPFIELDS];
			for (size_t j = 0; j < NPFIELDS; j++)
				names[j] = pfields[j].name;
			char *hint = diag_did_you_mean(o->keys[i], names, NPFIELDS, "");
			diag_at(d, DIAG_ERROR, file, text, len, o->keyoffs[i], "unknown key \"%s\" in profile \"%s\"%s",
			        o->keys[i], id, hint);
			free(hint);
			bad = 1;
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(o->keys[j], o->keys[i])) {
				diag_at(d, DIAG_ERROR, file, text, len, o->keyoffs[i], "duplicate key \"%s\" in profile \"%s\": keep one",
				     o->keys[i], id);
				bad = 1;
			}
		const struct json *v = &o->items[i];
		void *f = (char *)p + pfields[k].field;
		if (pfields[k].type == P_STR) {
			if (v->type != JSON_STRING) {
				diag_at(d, DIAG_ERROR, file, text, len, v->off, "%s must be a string, not a %s", o->keys[i], json_type_name(v->type));
				bad = 1;
				continue;
			}
			free(*(char **)f);
			*(char **)f = xstrdup(v->str);
		} else {
			if (v->type != JSON_ARRAY) {
				diag_at(d, DIAG_ERROR, file, text, len, v->off, "%s must be an array of strings, not a %s", o->keys[i],
				     json_type_name(v->type));
				bad = 1;
				continue;
			}
			for (size_t j = 0; j < v->n; j++) {
				if (v->items[j].type != JSON_STRING) {
					diag_at(d, DIAG_ERROR, file, text, len, v->items[j].off, "%s must be an array of strings, not of %ss",
					     o->keys[i], json_type_name(v->items[j].type));
					bad = 1;
					continue;
				}
				strlist_add_unique(f, v->items[j].str);
			}
		}
	}
	for (size_t k = 0; k < NPFIELDS; k++) {
		char **f = (char **)((char *)p + pfields[k].field);
		if (pfields[k].type != P_STR || *f)
			continue;
		if (pfields[k].required) {
			diag_at(d, DIAG_ERROR, file, text, len, o->off, "profile \"%s\" has no \"%s\"", id, pfields[k].name);
			bad = 1;
		} else {
			*f = xstrdup(pfields[k].def);
		}
	}
	if (bad)
		return -1;
	if (strcmp(p->package_type, "deb") && strcmp(p->package_type, "rpm")) {
		size_t off = json_get(o, "package_type")->off;
		diag_at(d, DIAG_ERROR, file, text, len, off, "profile \"%s\": package_type must be \"deb\" or \"rpm\", not \"%s\"", id,
		     p->package_type);
		return -1;
	}
	if (strcmp(p->packager, "native") && strcmp(p->packager, "fpm")) {
		size_t off = json_get(o, "packager")->off;
		diag_at(d, DIAG_ERROR, file, text, len, off, "profile \"%s\": packager must be \"native\" or \"fpm\", not \"%s\"", id,
		     p->packager);
		return -1;
	}
	if (strcmp(p->compression, "zstd") && strcmp(p->compression, "xz") && strcmp(p->compression, "gzip")
	    && strcmp(p->compression, "none")) {
		diag_at(d, DIAG_ERROR, file, text, len, json_get(o, "compression")->off,
		        "profile \"%s\": compression must be \"zstd\", \"xz\", \"gzip\" or \"none\", not \"%s\"", id,
		        p->compression);
		return -1;
	}
	/* the architecture of the profile's image (and so of its packages,
	 * unless a build names another) */
	const char *why = config_arch_why(p->arch);
	if (why || !p->arch[0]) {
		diag_at(d, DIAG_ERROR, file, text, len, json_get(o, "arch")->off, "profile \"%s\": arch \"%s\" %s", id,
		        p->arch, why ? why : "must not be empty: remove the key for amd64");
		return -1;
	}
	if ((why = config_engine_why(p->docker_host))) {
		diag_at(d, DIAG_ERROR, file, text, len, json_get(o, "docker_host")->off, "profile \"%s\": docker_host \"%s\" %s",
		        id, p->docker_host, why);
		return -1;
	}
	if (p->eol[0] && !util_is_date(p->eol)) {
		diag_at(d, DIAG_ERROR, file, text, len, json_get(o, "eol")->off,
		        "profile \"%s\": eol \"%s\" is not a date: write the release's end of life as YYYY-MM-DD, "
		        "e.g. 2026-08-31", id, p->eol);
		return -1;
	}
	if (strchr(p->pkg_install, '\n')) {
		diag_at(d, DIAG_ERROR, file, text, len, json_get(o, "pkg_install")->off, "profile \"%s\": pkg_install must be one line%s", id, "");
		return -1;
	}
	diag_linecol(text, len, json_get(o, "script")->off, &p->script_line, &p->script_col);
	if (strchr(p->script, '/') || !p->script[0]) {
		size_t off = json_get(o, "script")->off;
		diag_at(d, DIAG_ERROR, file, text, len, off, "profile \"%s\": script must be a template file name without '/', not \"%s\"",
		     id, p->script);
		return -1;
	}
	/* the image name lands in a Dockerfile FROM line: no spaces or control bytes */
	for (const char *s = p->docker_image; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '"' || *s == '\'' || *s == '$' || *s == '\\') {
			size_t off = json_get(o, "docker_image")->off;
			diag_at(d, DIAG_ERROR, file, text, len, off, "profile \"%s\": docker_image \"%s\" is not an image name", id,
			     p->docker_image);
			return -1;
		}
	if (!p->docker_image[0]) {
		diag_at(d, DIAG_ERROR, file, text, len, json_get(o, "docker_image")->off, "profile \"%s\": docker_image is empty%s", id, "");
		return -1;
	}
	return 0;
}

/* load one file into p, replacing profiles of the same id; missing is ok
 * when optional; -1 after errors */
static int
load_file(struct profiles *ps, const char *path, int optional, struct diags *d)
{
	size_t len;
	char *text = util_read_file(path, &len);
	struct json *root = NULL;
	int bad = 0;

	if (!text) {
		if (optional && errno == ENOENT)
			return 0;
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read profiles: %s", strerror(errno));
		return -1;
	}
	if (json_parse(path, text, len, &root, d) < 0) {
		free(text);
		return -1;
	}
	if (root->type != JSON_OBJECT) {
		diag_at(d, DIAG_ERROR, path, text, len, root->off, "the top level must be an object of profiles by id%s%s", "", "");
		bad = 1;
	}
	for (size_t i = 0; !bad && i < root->n; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(root->keys[i], root->keys[j])) {
				diag_at(d, DIAG_ERROR, path, text, len, root->keyoffs[i], "duplicate profile \"%s\": keep one%s", root->keys[i], "");
				bad = 1;
			}
		struct profile p;
		if (read_profile(path, text, len, root->keys[i], root->keyoffs[i], &root->items[i], &p, d) < 0) {
			profile_clear(&p);
			bad = 1;
			continue;
		}
		size_t k;
		for (k = 0; k < ps->n && strcmp(ps->v[k].id, p.id); k++)
			;
		if (k < ps->n) {
			profile_clear(&ps->v[k]);
		} else {
			ps->v = xreallocarray(ps->v, ps->n + 1, sizeof *ps->v);
			ps->n++;
		}
		ps->v[k] = p;
	}
	json_free(root);
	free(text);
	return bad ? -1 : 0;
}

/* order profiles by id */
static int
byid(const void *a, const void *b)
{
	return strcmp(((const struct profile *)a)->id, ((const struct profile *)b)->id);
}

int
profiles_load(const char *builtin_dir, const char *user_dir, struct profiles **out, struct diags *d)
{
	struct profiles *ps = xcalloc(1, sizeof *ps);
	char *bpath = util_path_join(builtin_dir, "build_machines.json");
	char *upath = util_path_join(user_dir, "build_machines.json");
	int r;

	ps->builtin_dir = xstrdup(builtin_dir);
	ps->user_dir = xstrdup(user_dir);
	r = load_file(ps, bpath, 0, d);
	if (r == 0 && strcmp(bpath, upath))
		r = load_file(ps, upath, 1, d);
	free(bpath);
	free(upath);
	if (r < 0) {
		profiles_free(ps);
		*out = NULL;
		return -1;
	}
	if (ps->n)  /* with no profile ps->v is NULL, which qsort must not get */
		qsort(ps->v, ps->n, sizeof *ps->v, byid);
	*out = ps;
	return 0;
}

const struct profile *
profiles_find(const struct profiles *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].id, id))
			return &p->v[i];
	return NULL;
}

char *
profiles_template_path(const struct profiles *p, const char *name)
{
	char *u = util_path_join(p->user_dir, name);
	if (util_is_file(u))
		return u;
	free(u);
	char *b = util_path_join(p->builtin_dir, name);
	if (util_is_file(b))
		return b;
	free(b);
	return NULL;
}

const char **
profiles_ids(const struct profiles *p)
{
	const char **v = xcalloc(p->n + 1, sizeof *v);
	for (size_t i = 0; i < p->n; i++)
		v[i] = p->v[i].id;
	return v;
}

int
profile_past_eol(const struct profile *p, const char *today)
{
	return p->eol[0] && strcmp(p->eol, today) < 0;
}

/* the length of image's repository: the name without its :tag or @digest */
static size_t
image_repo_len(const char *image)
{
	const char *slash = strrchr(image, '/');
	const char *name = slash ? slash + 1 : image;
	return (size_t)(name - image) + strcspn(name, ":@");
}

/* successors first by the latest end of life, one not known last, then by id */
static int
by_eol_desc(const void *a, const void *b)
{
	const struct profile *p = *(const struct profile *const *)a, *q = *(const struct profile *const *)b;
	if (!p->eol[0] != !q->eol[0])
		return p->eol[0] ? -1 : 1;
	int c = strcmp(q->eol, p->eol);
	return c ? c : strcmp(p->id, q->id);
}

const struct profile **
profiles_successors(const struct profiles *ps, const struct profile *p, const char *today)
{
	const struct profile **v = xcalloc(ps->n + 1, sizeof *v);
	size_t n = 0, len = image_repo_len(p->docker_image);
	for (size_t i = 0; i < ps->n; i++) {
		const struct profile *q = &ps->v[i];
		if (q != p && !strcmp(q->package_type, p->package_type) && !strcmp(q->arch, p->arch) && image_repo_len(q->docker_image) == len
		    && !strncmp(q->docker_image, p->docker_image, len) && !profile_past_eol(q, today))
			v[n++] = q;
	}
	qsort(v, n, sizeof *v, by_eol_desc);
	return v;
}

void
profiles_print(const struct profiles *p, const char *today, FILE *f)
{
	fprintf(f, "%-20s %-4s %-8s %-5s %-28s %-6s %-16s %s\n", "ID", "TYPE", "PACKAGER", "ARCH", "IMAGE", "SCRIPT",
	        "END OF LIFE", "DEFINED IN");
	for (size_t i = 0; i < p->n; i++) {
		const struct profile *q = &p->v[i];
		char eol[32];
		if (!q->eol[0])
			snprintf(eol, sizeof eol, "-");
		else
			snprintf(eol, sizeof eol, "%s %s", profile_past_eol(q, today) ? "ended" : "until", q->eol);
		fprintf(f, "%-20s %-4s %-8s %-5s %-28s %-6s %-16s (%s)\n", q->id, q->package_type, q->packager, q->arch,
		        q->docker_image, q->script, eol, q->origin);
	}
}

void
profiles_free(struct profiles *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		profile_clear(&p->v[i]);
	free(p->v);
	free(p->builtin_dir);
	free(p->user_dir);
	free(p);
}
