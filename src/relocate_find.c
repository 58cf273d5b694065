/* relocate_find: where a virtualenv was made, read from the virtualenv itself */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "relocate_find.h"
#include "relocate_text.h"
#include "util.h"

/* the absolute path an activate script of flavour fl assigns to
 * VIRTUAL_ENV (the first literal one), or NULL */
static char *
activate_path(const char *s, size_t len, enum rtext_flavour fl)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - s) : len;
		size_t p = rtext_skip_blanks(s, end, i), q;
		int ok = 0;

		switch (fl) {
		case RTEXT_SH:
			if ((q = rtext_after_word(s, end, p, "export")) && s[q] != '=')
				p = rtext_skip_blanks(s, end, q);
			if (end - p > 12 && memcmp(s + p, "VIRTUAL_ENV=", 12) == 0) {
				p += 12;
				ok = 1;
			}
			break;
		case RTEXT_CSH:
			if ((q = rtext_after_word(s, end, p, "setenv"))) {
				p = rtext_skip_blanks(s, end, q);
				if ((q = rtext_after_word(s, end, p, "VIRTUAL_ENV"))) {
					p = rtext_skip_blanks(s, end, q);
					ok = 1;
				}
			}
			break;
		case RTEXT_FISH:
			if ((q = rtext_after_word(s, end, p, "set"))) {
				p = rtext_skip_blanks(s, end, q);
				while (p < end && s[p] == '-') {
					while (p < end && s[p] != ' ' && s[p] != '\t')
						p++;
					p = rtext_skip_blanks(s, end, p);
				}
				if ((q = rtext_after_word(s, end, p, "VIRTUAL_ENV"))) {
					p = rtext_skip_blanks(s, end, q);
					ok = 1;
				}
			}
			break;
		case RTEXT_NU:
			if ((q = rtext_after_word(s, end, p, "let"))) {
				p = rtext_skip_blanks(s, end, q);
				if ((q = rtext_after_word(s, end, p, "virtual_env"))) {
					p = rtext_skip_blanks(s, end, q);
					if (p < end && s[p] == '=') {
						p = rtext_skip_blanks(s, end, p + 1);
						if (end - p > 2 && s[p] == 'r' && s[p + 1] == '#')
							p += 2;
						ok = p < end && (s[p] == '\'' || s[p] == '"');
					}
				}
			}
			break;
		default:
			break;
		}
		if (ok) {
			struct strbuf w = {0};
			size_t at = p;
			if (fl == RTEXT_NU) {
				char qc = s[p];
				const char *close = memchr(s + p + 1, qc, end - p - 1);
				if (close)
					strbuf_addn(&w, s + p + 1, (size_t)(close - s) - p - 1);
				else
					ok = 0;
			} else if (rtext_shell_word(s, end, &at, &w, fl == RTEXT_FISH) < 0) {
				ok = 0;
			}
			if (ok && w.len > 1 && w.data[0] == '/') {
				char *path = strbuf_take(&w);
				rctx_strip_slashes(path);
				return path;
			}
			strbuf_free(&w);
		}
		i = end + 1;
	}
	return NULL;
}

/* the virtualenv a '#!' interpreter lies in (PREFIX of PREFIX/bin/python*),
 * or NULL if it is not one */
static char *
interp_venv(const char *interp)
{
	const char *slash = strrchr(interp, '/');
	if (interp[0] != '/' || !slash ||
	    !(rtext_starts_with(slash + 1, "python") || rtext_starts_with(slash + 1, "pypy")))
		return NULL;
	size_t n = (size_t)(slash - interp);
	if (n < 4 || memcmp(interp + n - 4, "/bin", 4) != 0)
		return NULL;
	char *v = xstrndup(interp, n - 4);
	/* a system Python is no virtualenv */
	if (!v[0] || !strcmp(v, "/usr") || !strcmp(v, "/usr/local")) {
		free(v);
		return NULL;
	}
	return v;
}

/* rank of a script name when looking for the old location: pip first */
static int
script_rank(const char *name)
{
	if (!strcmp(name, "pip"))
		return 0;
	if (rtext_starts_with(name, "pip"))
		return 1;
	return 2;
}

/* the old location from the '#!' line of a script in bin/, or NULL; *from
 * tells which script (owned by the caller) */
static char *
old_from_scripts(struct rctx *c, char **from)
{
	char *bin = util_path_join(c->root, "bin");
	size_t n;
	char **names = rctx_list_dir(bin, &n);
	char *found = NULL;

	for (int rank = 0; rank < 3 && !found; rank++) {
		for (size_t i = 0; i < n && !found; i++) {
			if (script_rank(names[i]) != rank || rtext_starts_with(names[i], "activate") ||
			    rtext_starts_with(names[i], "Activate"))
				continue;
			char *path = util_path_join(bin, names[i]);
			struct stat st;
			size_t len;
			char *text = NULL;
			struct rtext_header h;
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (text = util_read_file(path, &len)) &&
			    rtext_parse_header(text, len, &h)) {
				found = interp_venv(h.interp);
				rtext_header_free(&h);
			}
			free(text);
			if (found)
				*from = xasprintf("the '#!' line of bin/%s", names[i]);
			free(path);
		}
	}
	rctx_free_names(names, n);
	free(bin);
	return found;
}

/* the old location from pyvenv.cfg's "command = ... -m venv ... PATH", or NULL */
static char *
old_from_cfg(struct rctx *c)
{
	char *path = util_path_join(c->root, "pyvenv.cfg");
	size_t len;
	char *text = util_read_file(path, &len);
	char *found = NULL;

	free(path);
	if (!text)
		return NULL;
	for (size_t i = 0; i < len && !found;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t p = rtext_skip_blanks(text, end, i), q;
		if ((q = rtext_after_word(text, end, p, "command"))) {
			const char *m = rtext_find(text + q, end - q, " -m venv ", 9);
			const char *last = NULL;
			for (const char *s = m; s && (s = rtext_find(s, end - (size_t)(s - text), " /", 2)); s++)
				last = s;
			if (m && last) {
				found = xstrndup(last + 1, end - (size_t)(last + 1 - text));
				rctx_strip_slashes(found);
			}
		}
		i = end + 1;
	}
	free(text);
	return found;
}

/* the location the virtualenv was made for, read from the virtualenv
 * itself: bin/activate, the other activate scripts, the '#!' lines in bin/,
 * then pyvenv.cfg; NULL with an error if none tells */
char *
rfind_old(struct rctx *c)
{
	static const struct {
		const char *name;
		enum rtext_flavour fl;
	} acts[] = {
		{"bin/activate", RTEXT_SH},
		{"bin/activate.fish", RTEXT_FISH},
		{"bin/activate.csh", RTEXT_CSH},
		{"bin/activate.nu", RTEXT_NU},
	};
	char *found = NULL;

	for (size_t i = 0; i < sizeof acts / sizeof acts[0] && !found; i++) {
		char *path = util_path_join(c->root, acts[i].name);
		size_t len;
		char *text = util_read_file(path, &len);
		if (!text && i == 0) {
			rctx_fail(c, EXIT_INPUT, path, "cannot read: %s", strerror(errno));
			free(path);
			return NULL;
		}
		if (text && (found = activate_path(text, len, acts[i].fl)))
			c->oldfrom = xstrdup(acts[i].name);
		free(text);
		free(path);
	}
	if (!found)
		found = old_from_scripts(c, &c->oldfrom);
	if (!found && (found = old_from_cfg(c)))
		c->oldfrom = xstrdup("the command line in pyvenv.cfg");
	if (!found) {
		rctx_fail(c, EXIT_INPUT, c->root,
		          "cannot tell where this virtualenv was made: bin/activate assigns no literal "
		          "VIRTUAL_ENV path and no script in bin/ starts with '#!.../bin/python'");
		rctx_note(c, "recreate the virtualenv, or restore its bin/activate");
		return NULL;
	}
	if (!strcmp(found, "/")) {
		rctx_fail(c, EXIT_INPUT, c->root, "%s says the virtualenv was at '/', which cannot be", c->oldfrom);
		free(found);
		return NULL;
	}
	return found;
}
