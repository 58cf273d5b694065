/* main: the vdist-gen command line; the only place that exits */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "deliver.h"
#include "diag.h"
#include "dict.h"
#include "emit.h"
#include "importvdist.h"
#include "init.h"
#include "profile.h"
#include "tpl.h"
#include "util.h"

static const char usage_text[] =
	"Usage: vdist-gen [OPTION]...\n"
	"       vdist-gen fetch URL -o FILE [--sha256 HEX] [--quiet] [--no-cache|--cache-only]\n"
	"       vdist-gen import-vdist FILE [-o OUT] [-C DIR] [--templates DIR]\n"
	"       vdist-gen init [-o OUT] [-C DIR]\n"
	"       vdist-gen deliver FILE DEST\n"
	"Generate vdist.mk and per-build scripts from vdist.json; then run\n"
	"'make packages' to build the OS packages in Docker.\n"
	"import-vdist writes vdist.json from a vdist 2.x batch (INI) file; init\n"
	"writes a first vdist.json from pyproject.toml, setup.cfg or setup.py.\n"
	"Neither overwrites a file; -o - writes to standard output.\n"
	"deliver moves FILE to DEST whole or not at all, even across file systems\n"
	"and when killed (make packages uses it for dist/).\n"
	"\n"
	"  -f, --file FILE        read FILE instead of vdist.json\n"
	"  -C, --directory DIR    change to DIR first (the project folder)\n"
	"  -o, --output DIR       write vdist.mk and .vdist/ into DIR (default .)\n"
	"      --templates DIR    the project's profiles and templates (default templates)\n"
	"      --list-profiles    list the known profiles: type, arch, image, end of life,\n"
	"                         where each is defined\n"
	"      --dry-run          check everything and list the files, write nothing\n"
	"      --help-config      list the keys of vdist.json\n"
	"      --help-templates   list the names templates can use\n"
	"  -h, --help             show this help\n"
	"  -V, --version          show the version\n"
	"\n"
	"Exit status: 0 ok, 1 bad input, 2 bad usage, 3 system error.\n"
	"Built-in profiles and templates: $VDIST_DATADIR/templates, else " VDIST_DATADIR "/templates;\n"
	"built-in make files: the same with mk.\n";

/* print the diagnostics of a run and exit with status */
static void __attribute__((noreturn))
finish(struct diags *d, int status)
{
	diag_print(d, "vdist-gen", stderr);
	diags_free(d);
	exit(status);
}

/* print a usage error and exit 2 */
static void __attribute__((noreturn))
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "vdist-gen: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vdist-gen --help'.\n");
	exit(EXIT_USAGE);
}

/* vdist-gen fetch: run vdist-fetch, next to this program (a build tree)
 * or in VDIST_LIBEXECDIR (an install), with the arguments from "fetch" on */
static void __attribute__((noreturn))
run_fetch(char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		char *near = xasprintf("%.*s/vdist-fetch", (int)(slash - self), self);
		execv(near, argv + 1);
		free(near);
	}
	execv(VDIST_LIBEXECDIR "/vdist-fetch", argv + 1);
	fprintf(stderr, "vdist-gen: error: cannot run %s/vdist-fetch: %s (is vdist installed whole?)\n",
	        VDIST_LIBEXECDIR, strerror(errno));
	exit(EXIT_SYSTEM);
}

/* the options of import-vdist and init */
struct subopts {
	const char *out;        /* -o: the file to write */
	const char *dir;        /* -C: the project folder */
	const char *templates;  /* --templates (import-vdist) */
	const char *file;       /* the one operand (import-vdist) */
};

/* parse the options of subcommand argv[0]; with_file: it takes FILE */
static void
sub_options(int argc, char **argv, int with_file, struct subopts *o)
{
	enum { OPT_TEMPLATES = 256 };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"directory", required_argument, NULL, 'C'},
		{"templates", required_argument, NULL, OPT_TEMPLATES},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	o->out = "vdist.json";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:C:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'C': o->dir = optarg; break;
		case OPT_TEMPLATES:
			if (!with_file)
				usage_error("unrecognized option '%s'", argv[optind - 1]);
			o->templates = optarg;
			break;
		case 'h': fputs(usage_text, stdout); exit(EXIT_OK);
		case ':':
			if (optopt)
				usage_error("option requires an argument -- '%s'", (char[]){(char)optopt, 0});
			usage_error("option '%s' requires an argument", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("invalid option -- '%s'", (char[]){(char)optopt, 0});
			usage_error("unrecognized option '%s'", argv[optind - 1]);
		}
	}
	if (with_file && optind == argc)
		usage_error("%s needs the vdist batch file to read", argv[0]);
	if (with_file)
		o->file = argv[optind++];
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!*o->out)
		usage_error("%s", "-o needs a file name, or - for standard output");
	if (o->dir && chdir(o->dir) < 0) {
		fprintf(stderr, "vdist-gen: error: cannot change to %s: %s\n", o->dir, strerror(errno));
		exit(EXIT_INPUT);
	}
}

/* refuse to go on when out exists (exit 1), for cmd */
static void
refuse_existing(const char *out, const char *cmd, struct diags *d)
{
	struct stat st;
	if (strcmp(out, "-") && lstat(out, &st) == 0) {
		diag_add(d, DIAG_ERROR, out, 0, 0,
		         "already exists, and vdist-gen %s never overwrites a file: move it away, or write "
		         "another with -o FILE (-o - for standard output)", cmd);
		finish(d, EXIT_INPUT);
	}
}

/* write the text of a new vdist.json to out ("-": standard output); exits on failure */
static void
write_out(const char *out, const char *text, size_t len, struct diags *d)
{
	if (!strcmp(out, "-")) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "cannot write to standard output: %s", strerror(errno));
			finish(d, EXIT_SYSTEM);
		}
		return;
	}
	if (util_write_new(out, text, len) < 0) {
		int e = errno;
		diag_add(d, DIAG_ERROR, out, 0, 0, "cannot write: %s", strerror(e));
		finish(d, e == EEXIST ? EXIT_INPUT : EXIT_SYSTEM);
	}
}

/* vdist-gen import-vdist FILE [-o OUT] [-C DIR] [--templates DIR] */
static void __attribute__((noreturn))
run_import(int argc, char **argv)
{
	struct subopts o = {0};
	struct diags d = {0};
	struct profiles *ps = NULL;
	size_t len, outlen, nbuilds = 0;
	char *json;

	sub_options(argc, argv, 1, &o);
	refuse_existing(o.out, "import-vdist", &d);
	const char *datadir = getenv("VDIST_DATADIR");
	char *builtin = util_path_join(datadir && *datadir ? datadir : VDIST_DATADIR, "templates");
	int r = profiles_load(builtin, o.templates ? o.templates : "templates", &ps, &d);
	free(builtin);
	if (r < 0)
		finish(&d, EXIT_INPUT);
	char *text = util_read_file(o.file, &len);
	if (!text) {
		diag_add(&d, DIAG_ERROR, o.file, 0, 0, "cannot read: %s", strerror(errno));
		profiles_free(ps);
		finish(&d, EXIT_INPUT);
	}
	r = importvdist(o.file, text, len, o.out, ps, &json, &outlen, &nbuilds, &d);
	free(text);
	profiles_free(ps);
	if (r < 0)
		finish(&d, EXIT_INPUT);
	write_out(o.out, json, outlen, &d);
	free(json);
	if (strcmp(o.out, "-"))
		printf("vdist-gen: %s written from %s, %zu build%s; check it with: vdist-gen%s%s --dry-run\n", o.out,
		       o.file, nbuilds, nbuilds == 1 ? "" : "s", strcmp(o.out, "vdist.json") ? " -f " : "",
		       strcmp(o.out, "vdist.json") ? o.out : "");
	finish(&d, EXIT_OK);
}

/* vdist-gen init [-o OUT] [-C DIR] */
static void __attribute__((noreturn))
run_init(int argc, char **argv)
{
	struct subopts o = {0};
	struct diags d = {0};
	size_t outlen;
	char *json;
	const char *from = NULL;

	sub_options(argc, argv, 0, &o);
	refuse_existing(o.out, "init", &d);
	if (init_project(o.out, &json, &outlen, &from, &d) < 0)
		finish(&d, EXIT_INPUT);
	write_out(o.out, json, outlen, &d);
	free(json);
	if (strcmp(o.out, "-"))
		printf("vdist-gen: %s written%s%s; check it with: vdist-gen%s%s --dry-run\n", o.out, from ? " from " : "",
		       from ? from : " with placeholders", strcmp(o.out, "vdist.json") ? " -f " : "",
		       strcmp(o.out, "vdist.json") ? o.out : "");
	finish(&d, EXIT_OK);
}

/* vdist-gen deliver FILE DEST: make packages' delivery into dist/ */
static void __attribute__((noreturn))
run_deliver(int argc, char **argv)
{
	struct diags d = {0};
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_text, stdout);
		exit(EXIT_OK);
	}
	if (argc != 3)
		usage_error("%s needs two arguments: the FILE to move and its DEST", argv[0]);
	util_tmp_signals_install();  /* a part file goes with SIGHUP, SIGINT, SIGTERM */
	finish(&d, deliver_file(argv[1], argv[2], &d) < 0 ? EXIT_SYSTEM : EXIT_OK);
}

/* today's date into out, YYYY-MM-DD: $VDIST_TODAY when set (tests, or a
 * look at the warnings to come), else the clock's (UTC); -1 with an
 * error in d when VDIST_TODAY is not a date */
static int
today(char out[11], struct diags *d)
{
	const char *s = getenv("VDIST_TODAY");
	if (!s || !*s) {
		util_today(out);
		return 0;
	}
	if (!util_is_date(s)) {
		char *p = util_printable(s);
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "VDIST_TODAY='%s' is not a date: write it as YYYY-MM-DD, or unset it", p);
		free(p);
		return -1;
	}
	memcpy(out, s, 11);
	return 0;
}

/* the absolute path of this program, for the regeneration rule */
static char *
self_path(const char *argv0)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		return xstrdup(buf);
	}
	return xstrdup(argv0);
}

int
main(int argc, char **argv)
{
	enum { OPT_TEMPLATES = 256, OPT_LIST, OPT_DRY, OPT_HELPCONF, OPT_HELPTPL };
	static const struct option opts[] = {
		{"file", required_argument, NULL, 'f'},
		{"directory", required_argument, NULL, 'C'},
		{"output", required_argument, NULL, 'o'},
		{"templates", required_argument, NULL, OPT_TEMPLATES},
		{"list-profiles", no_argument, NULL, OPT_LIST},
		{"dry-run", no_argument, NULL, OPT_DRY},
		{"help-config", no_argument, NULL, OPT_HELPCONF},
		{"help-templates", no_argument, NULL, OPT_HELPTPL},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0, 0, 0, 0},
	};
	const char *file = "vdist.json", *dir = NULL, *outdir = NULL, *templates = NULL;
	int list = 0, dry = 0, file_given = 0, c;
	struct diags d = {0};

	util_progname = "vdist-gen";
	if (argc > 1 && strcmp(argv[1], "fetch") == 0)
		run_fetch(argv);
	if (argc > 1 && strcmp(argv[1], "import-vdist") == 0)
		run_import(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "init") == 0)
		run_init(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "deliver") == 0)
		run_deliver(argc - 1, argv + 1);
	opterr = 0;  /* getopt's messages carry the full path; ours say vdist-gen */
	while ((c = getopt_long(argc, argv, ":f:C:o:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; file_given = 1; break;
		case 'C': dir = optarg; break;
		case 'o': outdir = optarg; break;
		case OPT_TEMPLATES: templates = optarg; break;
		case OPT_LIST: list = 1; break;
		case OPT_DRY: dry = 1; break;
		case OPT_HELPCONF: config_print_keys(stdout); return EXIT_OK;
		case OPT_HELPTPL: dict_print(stdout); return EXIT_OK;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		case 'V': printf("vdist-gen %s\n", VDIST_VERSION); return EXIT_OK;
		case ':':
			if (optopt)
				usage_error("option requires an argument -- '%s'", (char[]){(char)optopt, 0});
			usage_error("option '%s' requires an argument", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("invalid option -- '%s'", (char[]){(char)optopt, 0});
			usage_error("unrecognized option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (dir && chdir(dir) < 0) {
		fprintf(stderr, "vdist-gen: error: cannot change to %s: %s\n", dir, strerror(errno));
		return EXIT_INPUT;
	}

	char day[11];
	if (today(day, &d) < 0)
		finish(&d, EXIT_USAGE);
	tpl_init();
	const char *datadir = getenv("VDIST_DATADIR");
	if (!datadir || !*datadir)
		datadir = VDIST_DATADIR;
	char *builtin = util_path_join(datadir, "templates");
	char *builtin_mk = util_path_join(datadir, "mk");
	struct profiles *ps = NULL;
	if (profiles_load(builtin, templates ? templates : "templates", &ps, &d) < 0) {
		free(builtin);
		free(builtin_mk);
		finish(&d, EXIT_INPUT);
	}
	free(builtin);
	if (list) {
		profiles_print(ps, day, stdout);
		profiles_free(ps);
		finish(&d, EXIT_OK);
	}

	size_t len;
	char *text = util_read_file(file, &len);
	if (!text) {
		diag_add(&d, DIAG_ERROR, file, 0, 0, "cannot read: %s%s", strerror(errno),
		         errno == ENOENT && !file_given ? " (write a vdist.json, or name one with -f)" : "");
		profiles_free(ps);
		finish(&d, EXIT_INPUT);
	}
	struct config *cfg = NULL;
	if (config_load(file, text, len, &cfg, &d) < 0) {
		profiles_free(ps);
		finish(&d, EXIT_INPUT);
	}

	/* how make reruns this generator from the output folder */
	char *self = self_path(argv[0]);
	char *cwd = getcwd(NULL, 0);
	const char *regen[8];
	size_t nr = 0;
	if (outdir) {
		regen[nr++] = "-C";
		regen[nr++] = cwd;
		regen[nr++] = "-o";
		regen[nr++] = outdir;
	}
	regen[nr++] = "-f";
	regen[nr++] = file;
	if (templates) {
		regen[nr++] = "--templates";
		regen[nr++] = templates;
	}
	regen[nr] = NULL;
	struct emit_opts eo = {
		.config_path = file,
		.project_rel = outdir ? cwd : ".",
		.outdir = outdir ? outdir : ".",
		.gen_path = self,
		.regen_args = regen,
		.user_templates = templates ? templates : "templates",
		.builtin_mk = builtin_mk,
		.today = day,
	};
	struct outfiles out;
	int status = EXIT_OK;
	if (emit_plan(cfg, ps, &eo, &out, &d) < 0) {
		status = EXIT_INPUT;
	} else if (dry) {
		for (size_t i = 0; i < out.n; i++)
			printf("%s\n", out.v[i].path);
		outfiles_free(&out);
	} else {
		int written;
		if (emit_write(&out, &d, &written) < 0)
			status = EXIT_SYSTEM;
		else
			printf("vdist-gen: %zu build%s, %d file%s written; now run: make packages\n", cfg->nbuilds,
			       cfg->nbuilds == 1 ? "" : "s", written, written == 1 ? "" : "s");
		outfiles_free(&out);
	}
	free(self);
	free(cwd);
	free(builtin_mk);
	config_free(cfg);
	profiles_free(ps);
	finish(&d, status);
}
