/* fuzz_config: vdist.json and the profiles (build_machines.json) from any
 * bytes, loaded and resolved as vdist-gen does before it expands templates.
 *
 * FUZZ_SOURCES: src/config.c src/profile.c src/resolve.c src/words.c src/ids.c src/json.c src/diag.c src/util.c
 * FUZZ_NOCOV: src/json.c src/diag.c
 * FUZZ_FLAGS: -max_len=8192
 *
 * The input is vdist.json, then optionally a NUL byte and the built-in
 * build_machines.json, then optionally a NUL byte and the project's
 * templates/build_machines.json (JSON cannot hold a NUL, so nothing is
 * lost). Without a built-in part (or with an empty one) the built-in
 * profiles are the real templates/build_machines.json, which costs more
 * to read than most inputs; without a project part (or with an empty one)
 * the project has none. The real built-in profiles with no project part
 * are the same bytes in every such input, so they are loaded (and
 * checked) once, on the first of them, and reused: the config and
 * resolve code still runs on each input. The JSON parser and the
 * diagnostics run without coverage hooks (FUZZ_NOCOV): the json target
 * fuzzes them, and here half the time went to their comparison hooks,
 * which steered the fuzzer towards JSON syntax rather than configs.
 * vdist.json is named as if in tests/golden/every-parameter/input, so the
 * files it names (scripts, units, config files) can exist. Checked besides the sanitizers: a
 * failure always says why, a success says no error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "profile.h"
#include "resolve.h"
#include "util.h"

/* a folder made once, with the built-in profiles (builtin/) and the
 * project's templates folder (user/) of each run */
static char dir[] = "/tmp/vdist-fuzz-config.XXXXXX";
static char *builtin_dir, *builtin_file, *user_dir, *user_file;
/* the real built-in profiles alone, loaded on first use; owned here */
static struct profiles *real_ps;

/* remove the folders at exit */
static void
cleanup(void)
{
	unlink(builtin_file);
	unlink(user_file);
	rmdir(builtin_dir);
	rmdir(user_dir);
	rmdir(dir);
	free(builtin_file);
	free(user_file);
	free(builtin_dir);
	free(user_dir);
	profiles_free(real_ps);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir)) {
		perror("fuzz_config: mkdtemp");
		exit(1);
	}
	builtin_dir = util_path_join(dir, "builtin");
	user_dir = util_path_join(dir, "user");
	if (mkdir(builtin_dir, 0700) < 0 || mkdir(user_dir, 0700) < 0) {
		perror("fuzz_config: setup");
		exit(1);
	}
	builtin_file = util_path_join(builtin_dir, "build_machines.json");
	user_file = util_path_join(user_dir, "build_machines.json");
	atexit(cleanup);
	return 0;
}

/* write n bytes to path (remove it when n is 0), or abort: the harness
 * itself failed */
static void
write_file(const char *path, const char *p, size_t n)
{
	if (n == 0) {
		unlink(path);
		return;
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
	fuzz_split(data, size, part, 3);
	struct diags d = {0};
	struct profiles *ps = NULL;
	struct config *c = NULL;
	struct resolved *rs = NULL;

	const struct profiles *use = NULL;
	if (part[1].n == 0 && part[2].n == 0 && real_ps) {
		use = real_ps;
	} else {
		write_file(builtin_file, part[1].p, part[1].n);
		write_file(user_file, part[2].p, part[2].n);
		int pr = profiles_load(part[1].n ? builtin_dir : FUZZ_SRCDIR "/templates", user_dir, &ps, &d);
		if ((pr < 0) != (d.errors > 0) || (pr < 0) != (ps == NULL))
			fuzz_fail("profiles_load returned %d with %d errors", pr, d.errors);
		use = ps;
		if (part[1].n == 0 && part[2].n == 0) {
			/* kept for the next inputs, with a clean slate of
			 * diagnostics, as those inputs will have */
			if (!ps)
				fuzz_fail("the real built-in profiles do not load");
			real_ps = ps;
			ps = NULL;
			diags_free(&d);
			d = (struct diags){0};
		}
	}

	/* as main.c hands it over: util_read_file's NUL-terminated copy */
	char *text = xstrndup(part[0].p, part[0].n);
	int before = d.errors;
	int cr = config_load(FUZZ_SRCDIR "/tests/golden/every-parameter/input/vdist.json", text, part[0].n, &c, &d);
	if ((cr < 0) != (d.errors > before) || (cr < 0) != (c == NULL))
		fuzz_fail("config_load returned %d with %d new errors", cr, d.errors - before);
	if (cr == 0 && c->nbuilds == 0)
		fuzz_fail("a config that loads has builds");

	if (use && c) {
		/* a fixed day, so that end-of-life warnings come and go with the input only */
		int rr = resolve_builds(c, use, "2026-06-15", &rs, &d);
		if ((rr < 0) != (d.errors > 0) || (rr < 0) != (rs == NULL))
			fuzz_fail("resolve_builds returned %d with %d errors", rr, d.errors);
		resolved_free(rs, c->nbuilds);
	}
	config_free(c);
	profiles_free(ps);
	diags_free(&d);
	return 0;
}
