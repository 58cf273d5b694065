/* relocate_plan: walk the virtualenv, plan every change, then apply them */
#define _XOPEN_SOURCE 700  /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyc.h"
#include "relocate_find.h"
#include "relocate_plan.h"
#include "relocate_text.h"
#include "util.h"

/* what a file of the virtualenv is, for the rewrite */
enum kind {
	K_LINK,      /* a symbolic link */
	K_PYC,       /* compiled bytecode */
	K_PTH,       /* a .pth or .egg-link file */
	K_FINDER,    /* a setuptools __editable___*_finder.py module */
	K_URL,       /* a .dist-info/direct_url.json */
	K_CFG,       /* pyvenv.cfg */
	K_SCRIPT,    /* another file in bin/: its '#!' header */
	K_ACTIVATE,  /* an activate script in bin/ */
};

/* what the plan decided for one entry */
enum action {
	ACT_NONE,    /* nothing to change */
	ACT_UPDATE,  /* rewrite the file or repoint the link */
	ACT_DELETE,  /* remove (bytecode of a rewritten source) */
};

/* one file or link of the virtualenv that the run may change */
struct entry {
	char *path;             /* the root joined with its place in the tree, owned */
	enum kind kind;         /* what it is */
	enum rtext_flavour fl;  /* how paths are quoted in it */
	int stage;              /* write order: 0 first, 1 activate scripts, 2 bin/activate */
	enum action action;     /* the plan for it */
};

/* the entries of one walk */
struct entries {
	struct entry *v;  /* entries, owned */
	size_t n, cap;    /* used and allocated */
};

/* 1 if s ends with suffix */
static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* ---- the rewrites ---- */

/* rewrite a .pyc into out; 1 if it changes */
static int
rewrite_pyc(struct rctx *c, const char *file, const char *in, size_t len, struct strbuf *out)
{
	char *why = NULL;
	long magic = pyc_magic(in, len);

	switch (pyc_rewrite(in, len, c->old, c->new, out, &why)) {
	case PYC_SAME:
		return 0;
	case PYC_CHANGED:
		return 1;
	case PYC_BADMAGIC: {
		size_t n;
		char *spelled = pyc_fs_to_utf8(c->old, c->oldlen, &n);
		int mentions = rtext_find(in, len, spelled, n) != NULL;
		free(spelled);
		if (!mentions)
			return 0;  /* nothing of ours in it: leave it be */
		rctx_fail(c, EXIT_INPUT, file,
		          "bytecode of an unsupported Python (magic number %ld) names the old path; "
		          "vdist-relocate reads magic numbers %s",
		          magic, pyc_supported());
		rctx_note(c, "delete it (Python recompiles it from its .py file), or recompile it with its own "
		             "Python after the move");
		return -1;
	}
	case PYC_CORRUPT:
		break;
	}
	rctx_fail(c, EXIT_INPUT, file, "corrupt .pyc: %s", why);
	rctx_note(c, "delete it (Python recompiles it from its .py file) or reinstall the package that owns it");
	free(why);
	return -1;
}

/* compute what an entry becomes: new contents, or a link's new target, in
 * out; 1 if it changes, 0 if not, -1 on error */
static int
compute(struct rctx *c, const struct entry *e, struct strbuf *out)
{
	size_t len;
	char *in;
	int rc;

	if (e->kind == K_LINK) {
		struct stat st;
		if (lstat(e->path, &st) < 0)
			return rctx_fail(c, EXIT_INPUT, e->path, "cannot read the link: %s", strerror(errno));
		size_t cap = (size_t)(st.st_size > 0 ? st.st_size : PATH_MAX) + 1;
		char *t = xmalloc(cap);
		ssize_t n = readlink(e->path, t, cap);
		if (n < 0 || (size_t)n >= cap) {
			free(t);
			return rctx_fail(c, EXIT_INPUT, e->path, "cannot read the link: %s",
			                 n < 0 ? strerror(errno) : "it changed");
		}
		rc = 0;
		if (rctx_needs_move(c, t, (size_t)n)) {
			strbuf_addn(out, c->new, c->newlen);
			strbuf_addn(out, t + c->oldlen, (size_t)n - c->oldlen);
			rc = out->len != (size_t)n || memcmp(out->data, t, out->len) != 0;
		}
		free(t);
		return rc;
	}
	if (!(in = util_read_file(e->path, &len)))
		return rctx_fail(c, EXIT_INPUT, e->path, "cannot read: %s", strerror(errno));
	switch (e->kind) {
	case K_PYC:
		rc = rewrite_pyc(c, e->path, in, len, out);
		break;
	case K_SCRIPT:
		rc = rtext_rewrite_script(c, in, len, out);
		break;
	default:
		rc = rtext_rewrite(c, e->path, e->fl, in, len, out) < 0 ? -1 : 1;
		break;
	}
	/* a rewrite to the same bytes is no change */
	if (rc > 0 && out->len == len && (len == 0 || memcmp(out->data, in, len) == 0))
		rc = 0;
	free(in);
	return rc;
}

/* ---- walking the tree ---- */

/* append an entry */
static void
add_entry(struct entries *es, char *path, enum kind kind, enum rtext_flavour fl, int stage)
{
	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 256;
		es->v = xreallocarray(es->v, es->cap, sizeof *es->v);
	}
	es->v[es->n++] = (struct entry){path, kind, fl, stage, ACT_NONE};
}

/* release the entries */
static void
entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->v[i].path);
	free(es->v);
	memset(es, 0, sizeof *es);
}

/* the activate scripts and the flavour of each */
static const struct {
	const char *name;
	enum rtext_flavour fl;
} activates[] = {
	{"activate", RTEXT_SH},
	{"activate.csh", RTEXT_CSH},
	{"activate.fish", RTEXT_FISH},
	{"Activate.ps1", RTEXT_PS1},
	{"activate.ps1", RTEXT_PS1},
	{"activate.nu", RTEXT_NU},
	{"activate.xsh", RTEXT_PY},
};

/* decide what a regular file is; 0 if the rewrite leaves it alone */
static int
classify(const char *rel, const char *dirrel, const char *name, enum kind *kind, enum rtext_flavour *fl,
         int *stage)
{
	*stage = 0;
	*fl = RTEXT_RAW;
	if (!strcmp(rel, "pyvenv.cfg")) {
		*kind = K_CFG;
		*fl = RTEXT_CFG;
		return 1;
	}
	if (!strcmp(dirrel, "bin")) {
		for (size_t i = 0; i < sizeof activates / sizeof activates[0]; i++) {
			if (!strcmp(name, activates[i].name)) {
				*kind = K_ACTIVATE;
				*fl = activates[i].fl;
				*stage = i == 0 ? 2 : 1;
				return 1;
			}
		}
		*kind = K_SCRIPT;
		return 1;
	}
	if (ends_with(name, ".pyc")) {
		*kind = K_PYC;
		return 1;
	}
	if (ends_with(name, ".pth") || ends_with(name, ".egg-link")) {
		*kind = K_PTH;
		*fl = RTEXT_PY;
		return 1;
	}
	if (rtext_starts_with(name, "__editable___") && ends_with(name, "_finder.py")) {
		*kind = K_FINDER;
		*fl = RTEXT_PY;
		return 1;
	}
	if (!strcmp(name, "direct_url.json") && ends_with(dirrel, ".dist-info")) {
		*kind = K_URL;
		*fl = RTEXT_URL;
		return 1;
	}
	return 0;
}

/* collect the entries under dir (rel is its place in the tree, "" for the
 * root); links are listed, never followed */
static int
walk(struct rctx *c, const char *dir, const char *rel, struct entries *es)
{
	size_t n;
	char **names = rctx_list_dir(dir, &n);
	int rc = 0;

	if (!names)
		return rctx_fail(c, EXIT_INPUT, dir, "cannot read the folder: %s", strerror(errno));
	for (size_t i = 0; i < n; i++) {
		char *path = util_path_join(dir, names[i]);
		char *sub = rel[0] ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		struct stat st;
		enum kind kind;
		enum rtext_flavour fl;
		int stage;

		if (lstat(path, &st) < 0) {
			rc = rctx_fail(c, EXIT_INPUT, path, "cannot read: %s", strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			add_entry(es, path, K_LINK, RTEXT_RAW, 0);
			path = NULL;
		} else if (S_ISDIR(st.st_mode)) {
			if (walk(c, path, sub, es) < 0)
				rc = -1;
		} else if (S_ISREG(st.st_mode) && classify(sub, rel, names[i], &kind, &fl, &stage)) {
			add_entry(es, path, kind, fl, stage);
			path = NULL;
		}
		free(path);
		free(sub);
	}
	rctx_free_names(names, n);
	return rc;
}

/* mark the cached bytecode of a rewritten source for removal: it holds the
 * old paths as constants, and Python recompiles it from the new source */
static void
drop_stale_bytecode(struct entries *es, const char *src)
{
	const char *slash = strrchr(src, '/');
	size_t dirlen = slash ? (size_t)(slash - src) : 0;
	const char *name = slash ? slash + 1 : src;
	size_t stemlen = strlen(name) - 3;  /* without ".py" */
	char *prefix = xasprintf("%.*s%s__pycache__/%.*s.", (int)dirlen, src, slash ? "/" : "",
	                         (int)stemlen, name);

	for (size_t i = 0; i < es->n; i++)
		if (es->v[i].kind == K_PYC && rtext_starts_with(es->v[i].path, prefix) &&
		    !strchr(es->v[i].path + strlen(prefix), '/'))
			es->v[i].action = ACT_DELETE;
	free(prefix);
}

/* write one planned change */
static int
apply(struct rctx *c, struct entry *e)
{
	struct strbuf out = {0};
	struct stat st;
	int rc = 0;

	if (e->action == ACT_DELETE) {
		if (unlink(e->path) < 0 && errno != ENOENT)
			return rctx_fail(c, EXIT_SYSTEM, e->path, "cannot remove: %s", strerror(errno));
		if (c->verbose)
			printf("removed %s (bytecode of a rewritten source)\n", e->path);
		return 0;
	}
	if (lstat(e->path, &st) < 0)
		return rctx_fail(c, EXIT_SYSTEM, e->path, "cannot read: %s", strerror(errno));
	rc = compute(c, e, &out);
	if (rc <= 0) {
		strbuf_free(&out);
		return rc;
	}
	if (e->kind == K_LINK) {
		char *tmp = xasprintf("%s.vdist-relocate-tmp", e->path);
		unlink(tmp);
		if (symlink(strbuf_str(&out), tmp) < 0 || rename(tmp, e->path) < 0) {
			rc = rctx_fail(c, EXIT_SYSTEM, e->path, "cannot repoint the link: %s", strerror(errno));
			unlink(tmp);
		} else if (lchown(e->path, st.st_uid, st.st_gid) < 0) {
			/* not allowed to give it away: it stays ours */
		}
		free(tmp);
	} else if (util_write_atomic(e->path, out.data, out.len, (int)(st.st_mode & 07777)) < 0) {
		rc = rctx_fail(c, EXIT_SYSTEM, e->path, "cannot write: %s", strerror(errno));
	} else if (chown(e->path, st.st_uid, st.st_gid) < 0) {
		/* not allowed to give it away: it stays ours */
	}
	strbuf_free(&out);
	if (rc < 0)
		return rc;
	if (c->verbose)
		printf("updated %s\n", e->path);
	return 0;
}

/* rewrite every place that holds the old location */
int
rplan_run(struct rctx *c, const char *target)
{
	struct entries es = {0};
	size_t changes = 0;
	int rc = 0;

	if (!strcmp(target, "auto")) {
		c->new = realpath(c->root, NULL);
		if (!c->new)
			return rctx_fail(c, EXIT_SYSTEM, c->root, "cannot find the absolute path: %s", strerror(errno));
	} else {
		if (target[0] != '/') {
			rctx_fail(c, EXIT_INPUT, NULL, "the new path '%s' is relative", target);
			rctx_note(c, "give an absolute path, or 'auto' for the folder the virtualenv is in now");
			return -1;
		}
		c->new = xstrdup(target);
		rctx_strip_slashes(c->new);
	}
	if (strchr(c->new, '\n') || !strcmp(c->new, "/")) {
		rctx_fail(c, EXIT_INPUT, NULL, "the new path '%s' cannot hold a virtualenv (%s)", c->new,
		          strchr(c->new, '\n') ? "it has a newline" : "it is the root folder");
		return -1;
	}
	c->newlen = strlen(c->new);
	if (!(c->old = rfind_old(c)))
		return -1;
	c->oldlen = strlen(c->old);
	if (c->verbose || c->dryrun)
		printf("old location: %s (from %s)\nnew location: %s\n", c->old, c->oldfrom, c->new);

	if (walk(c, c->root, "", &es) < 0)
		rc = -1;  /* plan the rest anyway, to report every problem at once */
	/* plan: every source first, so bytecode of rewritten sources is dropped, not rewritten */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < es.n; i++) {
			struct entry *e = &es.v[i];
			struct strbuf out = {0};
			if ((e->kind == K_PYC) != pass || e->action == ACT_DELETE)
				continue;
			int r = compute(c, e, &out);
			strbuf_free(&out);
			if (r < 0)
				rc = -1;
			if (r > 0) {
				e->action = ACT_UPDATE;
				if (e->kind == K_PTH && !rtext_utf8_ok(c->new, c->newlen))
					diag_add(&c->d, DIAG_WARNING, e->path, 0, 0,
					         "the new path is not UTF-8: Python cannot read it in a .pth file");
				if (e->kind == K_FINDER)
					drop_stale_bytecode(&es, e->path);
			}
		}
	}
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < es.n; i++)
		if (es.v[i].action != ACT_NONE) {
			changes++;
			if (c->dryrun)
				printf("would %s %s\n", es.v[i].action == ACT_DELETE ? "remove" : "update", es.v[i].path);
		}
	if (changes == 0) {
		if (!strcmp(c->old, c->new))
			printf("%s: already up to date for %s\n", c->root, c->new);
		else
			printf("%s: nothing to change: no file holds %s in a form it can rewrite\n", c->root, c->old);
		goto done;
	}
	if (c->dryrun) {
		printf("%s: would relocate from %s to %s (%zu files)\n", c->root, c->old, c->new, changes);
		goto done;
	}
	/* activate scripts last, bin/activate the very last: an interrupted run
	 * still finds the old location there and can simply be run again */
	for (int stage = 0; stage < 3 && rc == 0; stage++)
		for (size_t i = 0; i < es.n && rc == 0; i++)
			if (es.v[i].stage == stage && es.v[i].action != ACT_NONE)
				rc = apply(c, &es.v[i]);
	if (rc == 0)
		printf("%s: relocated from %s to %s (%zu files)\n", c->root, c->old, c->new, changes);
done:
	entries_free(&es);
	return c->status != EXIT_OK ? -1 : rc;
}
