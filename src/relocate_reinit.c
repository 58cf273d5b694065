/* relocate_reinit: point a virtualenv at this system's Python of the same X.Y */
#define _XOPEN_SOURCE 700  /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relocate_reinit.h"
#include "relocate_text.h"
#include "util.h"

/* set "key = value" in pyvenv.cfg text; add it at the end if add and it is
 * missing. Returns the new text */
static char *
cfg_set(const char *in, size_t len, const char *key, const char *value, int add, size_t *outlen)
{
	struct strbuf b = {0};
	int found = 0;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - in) : len;
		const char *eq = memchr(in + i, '=', end - i);
		int match = 0;
		if (eq) {
			size_t a = rtext_skip_blanks(in, end, i), z = (size_t)(eq - in);
			while (z > a && (in[z - 1] == ' ' || in[z - 1] == '\t'))
				z--;
			match = z - a == strlen(key) && memcmp(in + a, key, z - a) == 0;
		}
		if (match) {
			strbuf_addf(&b, "%s = %s", key, value);
			found = 1;
		} else {
			strbuf_addn(&b, in + i, end - i);
		}
		if (nl)
			strbuf_addc(&b, '\n');
		i = end + 1;
	}
	if (!found && add) {
		if (b.len && b.data[b.len - 1] != '\n')
			strbuf_addc(&b, '\n');
		strbuf_addf(&b, "%s = %s\n", key, value);
	}
	*outlen = b.len;
	return strbuf_take(&b);
}

/* the value of key in pyvenv.cfg text, or NULL */
static char *
cfg_get(const char *in, size_t len, const char *key)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - in) : len;
		const char *eq = memchr(in + i, '=', end - i);
		if (eq) {
			size_t a = rtext_skip_blanks(in, end, i), z = (size_t)(eq - in);
			while (z > a && (in[z - 1] == ' ' || in[z - 1] == '\t'))
				z--;
			if (z - a == strlen(key) && memcmp(in + a, key, z - a) == 0) {
				size_t v = rtext_skip_blanks(in, end, (size_t)(eq - in) + 1), w = end;
				while (w > v && strchr(" \t\r", in[w - 1]))
					w--;
				return xstrndup(in + v, w - v);
			}
		}
		i = end + 1;
	}
	return NULL;
}

/* 1 if path is an executable file outside the virtualenv */
static int
usable_python(const char *path, const char *venvreal)
{
	struct stat st;
	char *real;
	int ok;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return 0;
	if (!(real = realpath(path, NULL)))
		return 0;
	ok = !venvreal || !rctx_path_under(real, strlen(real), venvreal, strlen(venvreal));
	free(real);
	return ok;
}

/* 1 if a and b are the same path, or both resolve to the same file */
static int
same_file(const char *a, const char *b)
{
	char *ra, *rb;
	int same;

	if (!strcmp(a, b))
		return 1;
	ra = realpath(a, NULL);
	rb = realpath(b, NULL);
	same = ra && rb && !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

/* the system's pythonX.Y: the folder pyvenv.cfg calls home, /usr/bin,
 * /usr/local/bin, then $PATH; NULL if there is none */
static char *
find_python(struct rctx *c, const char *home, const char *venvreal, struct strbuf *looked)
{
	char *name = xasprintf("python%s", c->xy);
	const char *path = getenv("PATH");
	char *dirs = xasprintf("%s:/usr/bin:/usr/local/bin:%s", home ? home : "", path ? path : "");
	char *found = NULL;

	for (char *tok = dirs, *next; tok && !found; tok = next) {
		if ((next = strchr(tok, ':')))
			*next++ = '\0';
		if (tok[0] != '/')
			continue;
		char *cand = util_path_join(tok, name);
		if (usable_python(cand, venvreal))
			found = cand;
		else
			free(cand);
		if (!found) {
			if (looked->len)
				strbuf_adds(looked, ", ");
			strbuf_adds(looked, tok);
		}
	}
	free(dirs);
	free(name);
	return found;
}

/* point one interpreter link of bin/ at python; 1 if it changes */
static int
fix_interp_link(struct rctx *c, const char *bin, const char *name, const char *python,
                const char *const *names, size_t nnames, int *missing)
{
	char *path = util_path_join(bin, name);
	char target[PATH_MAX];
	struct stat st;
	int change = 0, rc = 0;

	if (lstat(path, &st) < 0) {
		*missing = 1;
		free(path);
		return 0;
	}
	*missing = 0;
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n < 0) {
			rc = rctx_fail(c, EXIT_INPUT, path, "cannot read the link: %s", strerror(errno));
			goto done;
		}
		target[n] = '\0';
		int sibling = 0;
		for (size_t i = 0; i < nnames; i++)
			if (!strcmp(target, names[i]) && strcmp(target, name)) {
				char *sp = util_path_join(bin, target);
				struct stat ss;
				sibling = lstat(sp, &ss) == 0;
				free(sp);
			}
		change = !sibling && !same_file(path, python);
	} else if (S_ISREG(st.st_mode)) {
		change = 1;  /* a copied interpreter: replace it with a link */
	} else {
		rc = rctx_fail(c, EXIT_INPUT, path, "is neither a link nor a file");
		goto done;
	}
	if (!change)
		goto done;
	if (c->dryrun || c->verbose)
		printf("%s %s -> %s\n", c->dryrun ? "would link" : "linked", path, python);
	if (!c->dryrun) {
		char *tmp = xasprintf("%s.vdist-relocate-tmp", path);
		unlink(tmp);
		if (symlink(python, tmp) < 0 || rename(tmp, path) < 0) {
			rc = rctx_fail(c, EXIT_SYSTEM, path, "cannot link to %s: %s", python, strerror(errno));
			unlink(tmp);
		}
		free(tmp);
	}
	rc = rc < 0 ? rc : 1;
done:
	free(path);
	return rc;
}

/* point the virtualenv at this system's Python of the same X.Y */
int
rreinit_run(struct rctx *c)
{
	char *cfgpath = util_path_join(c->root, "pyvenv.cfg");
	char *bin = util_path_join(c->root, "bin");
	char *venvreal = realpath(c->root, NULL);
	char *name_xy = xasprintf("python%s", c->xy);
	const char *names[] = {"python", "python3", name_xy};
	struct strbuf looked = {0};
	char *cfg = NULL, *home = NULL, *python = NULL;
	size_t cfglen = 0, changes = 0;
	int rc = -1, missing = 0, nmissing = 0;

	if (!(cfg = util_read_file(cfgpath, &cfglen))) {
		rctx_fail(c, EXIT_INPUT, cfgpath, "cannot read: %s", strerror(errno));
		rctx_note(c, "--reinitialize needs the pyvenv.cfg that 'python3 -m venv' and 'virtualenv' write");
		goto done;
	}
	home = cfg_get(cfg, cfglen, "home");
	if (!(python = find_python(c, home, venvreal, &looked))) {
		rctx_fail(c, EXIT_INPUT, c->root, "this system has no python%s (looked in %s)", c->xy, looked.data);
		rctx_note(c, "install Python %s (Debian: apt-get install python%s), or rebuild the virtualenv "
		             "for this system's Python",
		          c->xy, c->xy);
		goto done;
	}
	for (size_t i = 0; i < 3; i++) {
		int r = fix_interp_link(c, bin, names[i], python, names, 3, &missing);
		if (r < 0)
			goto done;
		changes += (size_t)r;
		nmissing += missing;
	}
	if (nmissing == 3) {
		/* no interpreter at all: python -> the system's, the others -> python */
		for (size_t i = 0; i < 3; i++) {
			char *path = util_path_join(bin, names[i]);
			const char *t = i == 0 ? python : "python";
			if (c->dryrun || c->verbose)
				printf("%s %s -> %s\n", c->dryrun ? "would link" : "linked", path, t);
			if (!c->dryrun && symlink(t, path) < 0) {
				rctx_fail(c, EXIT_SYSTEM, path, "cannot link to %s: %s", t, strerror(errno));
				free(path);
				goto done;
			}
			free(path);
			changes++;
		}
	}
	/* pyvenv.cfg: home, and the keys virtualenv and venv add when present */
	char *dir = xstrdup(python);
	*strrchr(dir, '/') = '\0';
	if (!dir[0])
		strcpy(dir, "/");  /* python was /pythonX.Y: dir has room for "/" */
	char *prefix = xstrdup(dir);
	char *ps = strrchr(prefix, '/');
	if (ps && ps != prefix)
		*ps = '\0';
	else
		strcpy(prefix, "/");
	const struct {
		const char *key, *value;
		int add;
	} sets[] = {
		{"home", dir, 1},
		{"executable", python, 0},
		{"base-executable", python, 0},
		{"base-prefix", prefix, 0},
		{"base-exec-prefix", prefix, 0},
	};
	char *text = xstrndup(cfg, cfglen);
	size_t textlen = cfglen;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		size_t n;
		char *cur = cfg_get(text, textlen, sets[i].key);
		int keep = cur ? same_file(cur, sets[i].value) : !sets[i].add;
		free(cur);
		if (keep)
			continue;
		char *next = cfg_set(text, textlen, sets[i].key, sets[i].value, sets[i].add, &n);
		free(text);
		text = next;
		textlen = n;
	}
	rc = 0;
	if (textlen != cfglen || memcmp(text, cfg, cfglen) != 0) {
		struct stat st;
		changes++;
		if (c->dryrun || c->verbose)
			printf("%s %s: home = %s\n", c->dryrun ? "would set in" : "set in", cfgpath, dir);
		if (!c->dryrun && (stat(cfgpath, &st) < 0 ||
		                   util_write_atomic(cfgpath, text, textlen, (int)(st.st_mode & 07777)) < 0))
			rc = rctx_fail(c, EXIT_SYSTEM, cfgpath, "cannot write: %s", strerror(errno));
	}
	free(text);
	free(dir);
	free(prefix);
	if (rc == 0) {
		if (changes == 0)
			printf("%s: already up to date for %s\n", c->root, python);
		else
			printf("%s: %s Python %s at %s\n", c->root, c->dryrun ? "would use" : "now uses", c->xy, python);
	}
done:
	strbuf_free(&looked);
	free(cfg);
	free(home);
	free(python);
	free(name_xy);
	free(venvreal);
	free(bin);
	free(cfgpath);
	return rc;
}
