/* fuzz_tpl: template expansion with hostile dictionary values.
 *
 * FUZZ_SOURCES: src/tpl.cc src/dict.c src/config.c src/words.c src/ids.c src/json.c src/diag.c src/util.c
 * FUZZ_PKGS: libctemplate_nothreads
 * FUZZ_FLAGS: -max_len=4096
 *
 * The input is one selector byte, then the values, separated by NUL bytes
 * (a value from vdist.json cannot hold a NUL). The selector picks a
 * template (its remainder by NTEMPLATES) and the booleans (the quotient):
 *  - one value through one escaping modifier ({{V:x-sh}}, {{V:x-mk}},
 *    {{V:x-mkpath}}, {{V:x-sh:x-mk}}), for each value, and the output
 *    read back as a shell word or a make value must be the value again;
 *  - lists and IF_ sections of values;
 *  - the real per-build and project templates (templates/ and mk/) with
 *    every name of dict.c's table set from the values (raw ones too):
 *    their expansion must succeed.
 * With FUZZ_TPL_SH=1 in the environment (tests/fuzz.test sets it when it
 * replays the corpus) each x-sh word is also read back by /bin/sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "dict.h"
#include "diag.h"
#include "fuzz.h"
#include "tpl.h"
#include "util.h"

/* the templates, by selector */
enum which {
	T_SH, T_MK, T_MKPATH, T_SH_MK, T_SECTIONS,                       /* made here */
	T_DOCKERFILE, T_VALUES, T_RELEASE, T_BUILD_MK, T_VDIST_MK, T_MAKEFILE, /* the real ones */
	NTEMPLATES
};

/* the templates made here, by enum which */
static const char *const made[] = {
	[T_SH] = "{{V:x-sh}}",
	[T_MK] = "{{V:x-mk}}",
	[T_MKPATH] = "{{V:x-mkpath}}",
	[T_SH_MK] = "{{V:x-sh:x-mk}}",
	[T_SECTIONS] = ("{{#L}}[{{I:x-sh}}|{{I:x-mk}}|{{I:x-mkpath}}]\n{{/L}}"
	                "{{#IF_V}}{{V:x-mk}}{{/IF_V}}{{R}}\n"),
};

/* the real templates, by enum which, from the source tree */
static const char *const real[] = {
	[T_DOCKERFILE] = "templates/Dockerfile", [T_VALUES] = "templates/values.sh",
	[T_RELEASE] = "templates/release.Dockerfile", [T_BUILD_MK] = "mk/build.mk",
	[T_VDIST_MK] = "mk/vdist.mk", [T_MAKEFILE] = "mk/Makefile",
};

/* the path of each template */
static char *paths[NTEMPLATES];
/* the folder of the templates made here */
static char dir[] = "/tmp/vdist-fuzz-tpl.XXXXXX";
/* 1: check x-sh words with /bin/sh as well */
static int real_sh;

/* remove the templates made here at exit */
static void
cleanup(void)
{
	for (int t = 0; t < NTEMPLATES; t++) {
		if (t < T_DOCKERFILE)
			unlink(paths[t]);
		free(paths[t]);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	tpl_init();
	if (!mkdtemp(dir)) {
		perror("fuzz_tpl: mkdtemp");
		exit(1);
	}
	for (int t = 0; t < NTEMPLATES; t++) {
		if (t >= T_DOCKERFILE) {
			paths[t] = xasprintf("%s/%s", FUZZ_SRCDIR, real[t]);
			continue;
		}
		paths[t] = xasprintf("%s/%d.tpl", dir, t);
		FILE *f = fopen(paths[t], "w");
		if (!f || fputs(made[t], f) < 0 || fclose(f) != 0) {
			perror(paths[t]);
			exit(1);
		}
	}
	atexit(cleanup);
	const char *e = getenv("FUZZ_TPL_SH");
	real_sh = e && !strcmp(e, "1");
	return 0;
}

/* expand template t with d; the output, or fail: no value may make it fail */
static char *
expand(enum which t, struct tpl_dict *d)
{
	struct diags diags = {0};
	char *out = NULL;
	if (tpl_expand(paths[t], d, &out, &diags) < 0) {
		diag_print(&diags, "fuzz_tpl", stderr);
		fuzz_fail("expanding %s failed", paths[t]);
	}
	diags_free(&diags);
	return out;
}

/* s as POSIX sh reads it as one word made of '...' and \X parts; -1 if it
 * holds anything else (which would split, expand or glob) */
static int
sh_read(const char *s, struct strbuf *w)
{
	if (!*s)
		return -1;
	while (*s) {
		if (*s == '\'') {
			const char *e = strchr(s + 1, '\'');
			if (!e)
				return -1;
			strbuf_addn(w, s + 1, (size_t)(e - s - 1));
			s = e + 1;
		} else if (*s == '\\' && s[1]) {
			if (s[1] != '\n')
				strbuf_addc(w, s[1]);  /* backslash-newline joins lines */
			s += 2;
		} else {
			return -1;
		}
	}
	strbuf_addc(w, '\0');  /* the empty word '' is a word too */
	w->len--;
	return 0;
}

/* s as make reads a variable's value with vdist.mk's helper variables
 * (vdist_hash, vdist_bs, vdist_nl, vdist_empty); -1 if make would read it
 * otherwise: a comment, a line break, a reference, a dropped leading blank */
static int
mk_read(const char *s, struct strbuf *w)
{
	static const struct { const char *ref; const char *is; } helpers[] = {
		{"$$", "$"}, {"$(vdist_hash)", "#"}, {"$(vdist_bs)", "\\"}, {"$(vdist_nl)", "\n"}, {"$(vdist_empty)", ""},
	};
	if (*s == ' ' || *s == '\t')
		return -1;
	strbuf_addc(w, '\0');
	w->len--;
	while (*s) {
		if (*s == '$') {
			size_t k;
			for (k = 0; k < sizeof helpers / sizeof *helpers; k++)
				if (!strncmp(s, helpers[k].ref, strlen(helpers[k].ref)))
					break;
			if (k == sizeof helpers / sizeof *helpers)
				return -1;
			strbuf_adds(w, helpers[k].is);
			s += strlen(helpers[k].ref);
		} else if (*s == '#' || *s == '\n' || *s == '\\') {
			return -1;
		} else {
			strbuf_addc(w, *s++);
		}
	}
	return 0;
}

/* s as make reads one file name of a rule: backslash before space # % : \
 * * ? [, $$ for $; -1 if any of those stands bare */
static int
mkpath_read(const char *s, struct strbuf *w)
{
	static const char special[] = " #%:\\*?[";
	strbuf_addc(w, '\0');
	w->len--;
	while (*s) {
		if (*s == '$') {
			if (s[1] != '$')
				return -1;
			strbuf_addc(w, '$');
			s += 2;
		} else if (*s == '\\') {
			if (!s[1] || !strchr(special, s[1]))
				return -1;
			strbuf_addc(w, s[1]);
			s += 2;
		} else if (strchr(special, *s)) {
			return -1;
		} else {
			strbuf_addc(w, *s++);
		}
	}
	return 0;
}

/* run "set -- WORD" in /bin/sh; 0 if it gives one argument equal to want */
static int
real_sh_read(const char *word, const char *want)
{
	char *script = xasprintf("set -- %s\nprintf '%%s:%%s' \"$#\" \"$1\"", word);
	int fd[2];
	struct strbuf got = {0};
	if (pipe(fd) < 0)
		fuzz_fail("pipe failed");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	char buf[4096];
	ssize_t n;
	while ((n = read(fd[0], buf, sizeof buf)) > 0)
		strbuf_addn(&got, buf, (size_t)n);
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	char *expect = xasprintf("1:%s", want);
	int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && got.len == strlen(expect) && !memcmp(got.data, expect, got.len);
	free(expect);
	free(script);
	strbuf_free(&got);
	return ok ? 0 : -1;
}

/* one value through one modifier, read back */
static void
check_one(enum which t, const char *v)
{
	struct tpl_dict *d = tpl_dict_new();
	tpl_set(d, "V", v);
	char *out = expand(t, d);
	struct strbuf w = {0}, m = {0};
	int r;
	switch (t) {
	case T_SH:
		r = sh_read(out, &w);
		if (r == 0 && real_sh && real_sh_read(out, v) < 0)
			fuzz_fail("/bin/sh does not read x-sh's %s as the one word %s", out, v);
		break;
	case T_MK:
		r = mk_read(out, &w);
		break;
	case T_MKPATH:
		/* make cannot hold a tab or newline in a file name at all */
		if (strpbrk(v, "\t\n"))
			goto done;
		r = mkpath_read(out, &w);
		break;
	default:
		r = mk_read(out, &m);
		if (r == 0)
			r = sh_read(m.data, &w);
		break;
	}
	if (r < 0 || strcmp(w.data, v))
		fuzz_fail("%s gives '%s', which reads back as '%s', not '%s'", made[t], out, r < 0 ? "(nothing)" : w.data, v);
done:
	strbuf_free(&w);
	strbuf_free(&m);
	free(out);
	tpl_dict_free(d);
}

/* the values of the input, by index modulo their number */
struct values {
	char **v;
	size_t n;
	struct strlist lists[8];  /* a few lists of values, at different starts */
};

/* value i */
static const char *
val(const struct values *vs, size_t i)
{
	return vs->v[i % vs->n];
}

/* the next value, by a counter */
static const char *
next_val(const struct values *vs, size_t *i)
{
	return val(vs, (*i)++);
}

/* the next boolean, by a counter */
static int
next_bool(unsigned bools, size_t *i)
{
	return (bools >> ((*i)++ % 5)) & 1;
}

/* the real per-build and project templates, every name hostile (a field
 * added to struct dict_build must be set here too: a list left NULL
 * crashes dict.c's fill(), a string left NULL is only declared) */
static void
check_real(enum which t, const struct values *vs, unsigned bools)
{
	size_t i = 0;
#define V next_val(vs, &i)
#define L(k) (&vs->lists[(k) % 8])
#define B next_bool(bools, &i)
	struct dict_project pv = {
		.vdist_version = V, .config_file = V, .project_dir = V, .vdist_gen = V,
		.user_templates = V, .app = V, .first_id = V,
		.own_files = *L(0), .regen_args = *L(1), .inputs = *L(2), .builtin_inputs = *L(3),
		.build_ids = *L(4), .profile_ids = *L(5), .profile_builds = *L(6),
	};
	struct dict_build bv = {
		.name = V, .id = V, .app = V, .version = V, .iteration = V, .maintainer = V,
		.description = V, .license = V, .url = V, .source_kind = V, .source = V, .branch = V,
		.profile = V, .docker_image = V, .image_tag = V, .package_type = V, .packager = V,
		.arch = V, .docker_host = V, .profile_var = V, .sign_key = V,
		.package_name = V, .file_format = V, .venv = V, .pkg_install = V,
		.build_deps = L(0), .profile_build_deps = L(1), .own_build_deps = L(2),
		.runtime_deps = L(3), .package_deps = L(4), .custom_filename = V,
		.custom_filename_format = V, .custom_filename_vars = L(7),
		.fpm_args = L(5), .pip_args = L(6), .install_root = V, .compile_python = B,
		.python_version = V, .python_prefix = V, .python_build_prefix = V, .python_url = V,
		.python_sha256 = V, .python_configure_flags = L(7), .requirements_path = V,
		.requirements_explicit = B, .working_dir = V, .offline = B, .keep_pip = B, .strip = B,
		.compression = V, .compression_level = V, .exclude_re = V,
		.section = V, .priority = V, .changelog = V,
		.systemd_units = L(1), .unit_names = L(2), .dirs = L(3), .config_files = L(4), .links = L(5),
		.pre_depends = L(6), .conflicts = L(7), .provides = L(0), .replaces = L(1), .breaks = L(2),
		.recommends = L(3), .suggests = L(4), .obsoleted = L(5),
		.systemd_enable = B, .systemd_start = B, .unit_dir = V, .user = V, .user_home = V,
		.bootstrap_suite = V, .bootstrap_mirror = V,
		.scripts = {V, V, V, V, V, V}, .script_keys = L(6),
		.version_re = V, .version_rule = V, .iteration_re = V, .iteration_rule = V,
	};
#undef V
#undef L
#undef B
	struct tpl_dict *d = t >= T_VDIST_MK ? dict_project_new(&pv) : dict_build_new(&bv, &pv);
	free(expand(t, d));
	tpl_dict_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum which t = (enum which)(data[0] % NTEMPLATES);
	unsigned bools = data[0] / NTEMPLATES;
	struct fuzz_part part[64];
	struct values vs = {0};

	vs.n = fuzz_split(data + 1, size - 1, part, 64);
	vs.v = xcalloc(vs.n, sizeof *vs.v);
	for (size_t i = 0; i < vs.n; i++)
		vs.v[i] = xstrndup(part[i].p, strnlen(part[i].p, part[i].n));
	for (size_t k = 0; k < 8; k++)
		for (size_t i = 0; i < k % 4 && i < vs.n; i++)
			strlist_add(&vs.lists[k], val(&vs, k + i));

	if (t <= T_SH_MK) {
		for (size_t i = 0; i < vs.n; i++)
			check_one(t, vs.v[i]);
	} else if (t == T_SECTIONS) {
		struct tpl_dict *d = tpl_dict_new();
		tpl_declare(d, "L");
		tpl_declare(d, "I");
		tpl_declare(d, "IF_V");
		for (size_t i = 1; i < vs.n; i++)
			tpl_set(tpl_add_section(d, "L"), "I", vs.v[i]);
		tpl_set(d, "V", vs.v[0]);
		if (bools & 1)
			tpl_show_section(d, "IF_V");
		tpl_set_raw(d, "R", val(&vs, 1));
		free(expand(t, d));
		tpl_dict_free(d);
	} else {
		check_real(t, &vs, bools);
	}

	for (size_t k = 0; k < 8; k++)
		strlist_free(&vs.lists[k]);
	for (size_t i = 0; i < vs.n; i++)
		free(vs.v[i]);
	free(vs.v);
	return 0;
}
