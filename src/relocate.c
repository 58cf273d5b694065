/* relocate: vdist-relocate, rewrite what pins a virtualenv to the folder it was made in
 *
 * The command line: parse it, check that the folder is a virtualenv, run
 * --reinitialize (relocate_reinit) and --update-path (relocate_plan), then
 * print the messages and pick the exit status. Only main() exits. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "relocate_ctx.h"
#include "relocate_plan.h"
#include "relocate_reinit.h"
#include "util.h"

#ifndef VDIST_VERSION
#define VDIST_VERSION "unknown"
#endif

/* 1 if name is "pythonX.Y" */
static int
python_dir_name(const char *name, const char **xy)
{
	const char *p = name + 6;
	if (strncmp(name, "python", 6) != 0 || !(*p >= '0' && *p <= '9'))
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '.' || !(*p >= '0' && *p <= '9'))
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	*xy = name + 6;
	return *p == '\0';
}

/* fail unless root looks like a virtualenv; sets c->xy */
static int
check_venv(struct rctx *c)
{
	static const char what[] = "give the folder that 'python3 -m venv' or 'virtualenv' made "
	                           "(it holds bin/activate and lib/pythonX.Y/site-packages)";
	struct stat st;
	char *bin = util_path_join(c->root, "bin");
	char *lib = util_path_join(c->root, "lib");
	char *act = util_path_join(c->root, "bin/activate");
	char **names = NULL;
	size_t n = 0;
	int rc = -1;
	const char *xy = NULL, *seen = NULL;

	if (stat(c->root, &st) < 0) {
		rctx_fail(c, EXIT_INPUT, c->root, "cannot use it as a virtualenv: %s", strerror(errno));
		goto done;
	}
	if (!S_ISDIR(st.st_mode)) {
		rctx_fail(c, EXIT_INPUT, c->root, "not a virtualenv: it is not a folder");
		rctx_note(c, "%s", what);
		goto done;
	}
	if (!util_is_dir(bin)) {
		rctx_fail(c, EXIT_INPUT, c->root, "not a virtualenv: it has no bin/ folder");
		rctx_note(c, "%s", what);
		goto done;
	}
	if (util_is_dir(lib) && (names = rctx_list_dir(lib, &n))) {
		for (size_t i = 0; i < n && !xy; i++) {
			const char *cand;
			if (!python_dir_name(names[i], &cand))
				continue;
			char *sp = xasprintf("%s/%s/site-packages", lib, names[i]);
			if (util_is_dir(sp))
				xy = cand;
			else if (!seen)
				seen = cand;
			free(sp);
		}
	}
	if (!xy && !seen) {
		rctx_fail(c, EXIT_INPUT, c->root, "not a virtualenv: it has no lib/pythonX.Y folder");
		rctx_note(c, "%s", what);
		goto done;
	}
	if (!xy) {
		rctx_fail(c, EXIT_INPUT, c->root, "not a virtualenv: lib/python%s/site-packages is missing", seen);
		rctx_note(c, "%s", what);
		goto done;
	}
	c->xy = xstrdup(xy);
	if (!util_is_file(act)) {
		rctx_fail(c, EXIT_INPUT, c->root, "not a virtualenv: bin/activate is missing");
		rctx_note(c, "%s", what);
		goto done;
	}
	rc = 0;
done:
	rctx_free_names(names, n);
	free(bin);
	free(lib);
	free(act);
	return rc;
}

/* print the help */
static void
usage(FILE *f)
{
	fputs("Usage: vdist-relocate [OPTION]... [VENV]\n"
	      "Make a virtualenv that was moved work where it is (VENV, default '.').\n"
	      "\n"
	      "  -u, --update-path=NEWPATH  rewrite every place that pins the old location\n"
	      "                             to NEWPATH (absolute), or 'auto' for where VENV\n"
	      "                             is now\n"
	      "  -r, --reinitialize         point bin/python* and pyvenv.cfg's home at this\n"
	      "                             system's pythonX.Y (X.Y of lib/pythonX.Y)\n"
	      "  -n, --dry-run              report what would change, change nothing\n"
	      "  -v, --verbose              report each file changed\n"
	      "  -h, --help                 print this help and exit\n"
	      "  -V, --version              print the version and exit\n"
	      "\n"
	      "The old location is read from the virtualenv: the VIRTUAL_ENV of\n"
	      "bin/activate, else of activate.fish, activate.csh, activate.nu, else the\n"
	      "'#!' line of bin/pip or another script, else pyvenv.cfg's command line.\n"
	      "Rewritten: '#!' lines in bin/ (and pip's '#!/bin/sh' form), activate\n"
	      "scripts (last, bin/activate the very last, so an interrupted run can be\n"
	      "run again), pyvenv.cfg, .pth and .egg-link files, __editable__ finders,\n"
	      "direct_url.json, links to the old location, and co_filename in .pyc files.\n"
	      "\n"
	      ".pyc files of CPython 3.7 to 3.13 are rewritten (magic numbers 3394, 3413,\n"
	      "3425, 3439, 3495, 3531, 3571). One with another magic number is left alone,\n"
	      "unless it names the old location: then that is an error (delete it).\n"
	      "\n"
	      "Exit status: 0 done or already up to date, 1 bad input (not a virtualenv,\n"
	      "relative path, unreadable file, corrupt .pyc), 2 usage, 3 system error.\n"
	      "See vdist-relocate(1) for the details.\n",
	      f);
}

/* report a usage error; returns the exit status for it */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", util_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", util_progname);
	return EXIT_USAGE;
}

/* parse the command line, check the virtualenv, run, print the messages */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"update-path", required_argument, NULL, 'u'},
		{"reinitialize", no_argument, NULL, 'r'},
		{"dry-run", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct rctx c = {0};
	const char *target = NULL;
	int reinit = 0, ch;
	enum exitcode status;

	util_progname = "vdist-relocate";
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":u:rnvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			target = optarg;
			break;
		case 'r':
			reinit = 1;
			break;
		case 'n':
			c.dryrun = 1;
			break;
		case 'v':
			c.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("vdist-relocate (vdist) %s\n", VDIST_VERSION);
			return EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return usage_error("too many operands: give one virtualenv folder");
	if (!target && !reinit)
		return usage_error("nothing to do: give --update-path=NEWPATH (or 'auto') or --reinitialize");
	if (target && !target[0])
		return usage_error("--update-path needs a path, not an empty string");

	c.root = xstrdup(optind < argc ? argv[optind] : ".");
	if (!c.root[0]) {
		free(c.root);
		return usage_error("the virtualenv folder is an empty string");
	}
	rctx_strip_slashes(c.root);
	if (check_venv(&c) == 0) {
		if (reinit)
			rreinit_run(&c);
		if (target && c.status == EXIT_OK)
			rplan_run(&c, target);
	}
	fflush(stdout);
	diag_print(&c.d, util_progname, stderr);
	status = c.status;
	rctx_free(&c);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = status != EXIT_OK ? status : EXIT_SYSTEM;
	return status;
}
