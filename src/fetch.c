/* fetch: the "vdist-gen fetch" command line, its progress display, and the
 * fetch itself: cache, else network, then verify and rename into place */
#include "fetch.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch_cache.h"
#include "fetch_transfer.h"
#include "util.h"

/* the progress bar's width in characters */
enum { BAR_WIDTH = 30 };

/* the synopsis, in usage errors and --help */
static const char usage_line[] =
	"usage: vdist-gen fetch URL -o FILE [--sha256 HEX] [--quiet] [--no-cache | --cache-only]";

/* the rest of --help, after usage_line */
static const char help_text[] =
	"\n"
	"Download URL (http://, https:// or file://) to FILE. The body streams to a\n"
	"temp file next to FILE, is hashed on the way, and is renamed to FILE only\n"
	"once it is complete and matches --sha256; on any failure nothing is left.\n"
	"A URL of - is read from the first line of standard input, so that one with\n"
	"credentials is on no command line (where ps shows it).\n"
	"\n"
	"  -o, --output FILE  where to write the file (required)\n"
	"  --sha256 HEX       the expected SHA-256, 64 hex digits; without it the file\n"
	"                     is not verified, and a warning prints its checksum to pin\n"
	"  -q, --quiet        no progress bar, no summary line, no retry notices\n"
	"  --no-cache         neither read nor fill the cache\n"
	"  --cache-only       never use the network: copy from the cache or fail\n"
	"                     (needs --sha256)\n"
	"  -h, --help         show this help\n"
	"\n"
	"Cache: $VDIST_CACHE, else $XDG_CACHE_HOME/vdist, else $HOME/.cache/vdist.\n"
	"Entries are sha256/HEX, keyed only by content: a pinned file is copied from\n"
	"the cache without the network; every download is stored for later pins.\n"
	"\n"
	"Environment: VDIST_FETCH_CONNECT_TIMEOUT (seconds, default 30),\n"
	"VDIST_FETCH_LOW_SPEED_TIME (seconds under 1024 bytes/s before a transfer\n"
	"counts as stalled, default 30, 0 turns it off), VDIST_FETCH_RETRIES (retries\n"
	"of timeouts, truncated transfers and HTTP 408/429/500/502/503/504, with\n"
	"waits of 1, 2, 4... seconds; default 3).\n"
	"\n"
	"Exit status: 0 done, 2 bad usage, 3 the download or a file operation failed.\n";
/* what the command line and the environment asked for */
struct opts {
	const char *url;       /* the URL, borrowed from argv, or stdin_url */
	char *stdin_url;       /* the URL read from standard input for "-", owned */
	const char *out;       /* -o FILE, borrowed from argv */
	char sha256[65];       /* expected digest in lowercase hex; "" when not pinned */
	int quiet;             /* --quiet */
	int no_cache;          /* --no-cache */
	int cache_only;        /* --cache-only */
	long connect_timeout;  /* seconds, VDIST_FETCH_CONNECT_TIMEOUT */
	long low_speed_time;   /* seconds, VDIST_FETCH_LOW_SPEED_TIME; 0 = no stall check */
	long retries;          /* retries after the first attempt, VDIST_FETCH_RETRIES */
};

/* the progress bar drawn on a terminal */
struct bar {
	int on;                /* draw at all: stderr is a terminal and not --quiet */
	int drawn;             /* a bar occupies the current line */
	struct timespec last;  /* when it was last drawn */
	char name[28];         /* the file name shown, shortened */
};

/* elapsed milliseconds from a to b */
static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* a byte count for humans, like "12.3 MiB", into buf */
static void
human_size(long long n, char buf[24])
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, 24, "%lld B", n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 24, "%.1f %s", v, unit[u]);
}

/* set up the bar for writing outname: its shortened name, and whether to draw */
static void
bar_init(struct bar *b, const char *outname, int quiet)
{
	const char *base = strrchr(outname, '/');

	memset(b, 0, sizeof *b);
	base = base ? base + 1 : outname;
	size_t k = strlen(base);
	if (k >= sizeof b->name) {  /* shorten, but not inside a UTF-8 character */
		k = sizeof b->name - 1;
		while (k > 0 && ((unsigned char)base[k] & 0xC0) == 0x80)
			k--;
	}
	memcpy(b->name, base, k);
	b->name[k] = '\0';
	util_sanitize(b->name, 0);
	b->on = !quiet && isatty(STDERR_FILENO);
}

/* draw the bar for now of total bytes (total 0 when unknown) over the current line */
static void
bar_draw(struct bar *b, long long now, long long total)
{
	char hn[24], ht[24];
	static const char full[] = "##############################";
	static const char empty[] = "------------------------------";

	human_size(now, hn);
	if (total > 0) {
		int pct = now >= total ? 100 : (int)(now * 100 / total);
		int fill = pct * BAR_WIDTH / 100;
		human_size(total, ht);
		fprintf(stderr, "\r\033[Kfetch: %s [%.*s%.*s] %3d%% %s / %s", b->name, fill, full,
		        BAR_WIDTH - fill, empty, pct, hn, ht);
	} else {
		fprintf(stderr, "\r\033[Kfetch: %s %s", b->name, hn);
	}
	fflush(stderr);
	b->drawn = 1;
	clock_gettime(CLOCK_MONOTONIC, &b->last);
}

/* erase the bar so a message can take its line */
static void
bar_clear(struct bar *b)
{
	if (!b->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	b->drawn = 0;
}

/* the transfer's progress callback (not under --quiet): redraw the bar at most
 * ten times a second, print retry notices */
static void
on_progress(void *arg, const struct fetch_transfer_progress *p)
{
	struct bar *b = arg;
	struct timespec now;
	char *eff;

	switch (p->event) {
	case FETCH_TRANSFER_BYTES:
		if (!b->on)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!b->drawn || ms_between(&b->last, &now) >= 100)
			bar_draw(b, p->now, p->total);
		break;
	case FETCH_TRANSFER_COMPLETE:
		if (b->on)
			bar_draw(b, p->now, p->total);
		break;
	case FETCH_TRANSFER_RETRY:
		bar_clear(b);
		eff = p->redirect ? xasprintf(" (redirected to %s)", p->redirect) : NULL;
		fprintf(stderr, "fetch: %s%s: %s; retrying in %ld s (attempt %ld of %ld)\n", p->url,
		        eff ? eff : "", p->why, p->delay, p->attempt, p->attempts);
		free(eff);
		break;
	case FETCH_TRANSFER_FAILED:
		bar_clear(b);
		break;
	}
}

/* parse a --sha256 value into 64 lowercase hex digits; 0, or -1 when malformed */
static int
parse_sha256(const char *s, char out[65])
{
	if (strlen(s) != 64)
		return -1;
	for (int i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[64] = '\0';
	return 0;
}

/* read environment variable name as a whole number in [lo, hi] into *v, which keeps
 * its default when the variable is unset or empty; 0, or -1 with a diag */
static int
env_long(const char *name, long lo, long hi, long *v, struct diags *d)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	long x = strtol(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || errno || *end || x < lo || x > hi) {
		char *p = util_printable(s);
		diag_add(d, DIAG_ERROR, NULL, 0, 0,
		         "fetch: %s='%s': expected a whole number from %ld to %ld", name, p, lo, hi);
		free(p);
		return -1;
	}
	*v = x;
	return 0;
}

/* add a usage error (printf-style, control characters masked) and the usage line to d;
 * returns EXIT_USAGE */
static int __attribute__((format(printf, 2, 3)))
usage_error(struct diags *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, NULL, 0, 0, fmt, ap);
	va_end(ap);
	util_sanitize(d->v[d->n - 1].msg, 0);  /* the message just added: argv may hold anything */
	diag_add(d, DIAG_NOTE, NULL, 0, 0, "%s", usage_line);
	return EXIT_USAGE;
}

/* getopt_long codes of the long options without a short form */
enum { OPT_SHA256 = 256, OPT_NO_CACHE, OPT_CACHE_ONLY };

/* fetch's options; their argument names are in parse_args' messages */
static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"sha256", required_argument, NULL, OPT_SHA256},
	{"quiet", no_argument, NULL, 'q'},
	{"no-cache", no_argument, NULL, OPT_NO_CACHE},
	{"cache-only", no_argument, NULL, OPT_CACHE_ONLY},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* 1 if the "--NAME" or "--NAME=VALUE" argument a names a long option in full,
 * 0 for an abbreviation (which getopt_long takes, and fetch never did) */
static int
long_opt_exact(const char *a)
{
	size_t n = strcspn(a + 2, "=");

	for (const struct option *p = long_opts; p->name; p++)
		if (strlen(p->name) == n && strncmp(p->name, a + 2, n) == 0)
			return 1;
	return 0;
}

/* take the positional argument a as the URL; EXIT_OK, or EXIT_USAGE with a diag */
static int
set_url(struct opts *o, const char *a, struct diags *d)
{
	if (o->url)
		return usage_error(d, "fetch: unexpected argument '%s'; give exactly one URL", a);
	o->url = a;
	return EXIT_OK;
}

/* parse the command line (argv[0] is "fetch") into o; EXIT_OK with *help 1 after
 * --help, or EXIT_USAGE with a diag. Arguments are taken in order, as they come:
 * options, the URL, and after "--" only the URL. Clustered short options (-qh)
 * and abbreviated long ones (--out) are unknown options. */
static int
parse_args(int argc, char **argv, struct opts *o, int *help, struct diags *d)
{
	const char *sha = NULL;

	*help = 0;
	opterr = 0;  /* getopt's messages carry the full path; ours say vdist-gen */
	optind = 0;  /* start over at argv[1]; 0, unlike 1, also makes GNU getopt forget
	              * an earlier scan and read this optstring's leading "-" */
	for (;;) {
		int at = optind ? optind : 1;  /* the argument getopt_long looks at next */
		/* "-": the URL comes back as 1, in order; ":": a missing value is ':' */
		int c = getopt_long(argc, argv, "-:o:qh", long_opts, NULL);
		if (c == -1)
			break;
		const char *a = argv[at];  /* the whole argument, for messages */

		/* getopt_long stays on an argument (optind == at) while it holds more short
		 * options: a cluster like -qh, which is one unknown option to fetch */
		if (c != 1 && (optind == at || (a[1] == '-' && !long_opt_exact(a))))
			c = '?';
		switch (c) {
		case 1:
			if (set_url(o, optarg, d) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'o':
			o->out = optarg;
			break;
		case OPT_SHA256:
			sha = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_NO_CACHE:
			o->no_cache = 1;
			break;
		case OPT_CACHE_ONLY:
			o->cache_only = 1;
			break;
		case 'h':
			*help = 1;
			return EXIT_OK;
		case ':':
			return usage_error(d, "fetch: %s needs a %s argument", a,
			                   optopt == 'o' ? "FILE" : "HEX");
		default:
			return usage_error(d, "fetch: unknown option '%s'; see vdist-gen fetch --help", a);
		}
	}
	for (; optind < argc; optind++)  /* after "--" */
		if (set_url(o, argv[optind], d) != EXIT_OK)
			return EXIT_USAGE;
	if (!o->url)
		return usage_error(d, "fetch: missing URL");
	if (!o->out || !o->out[0])
		return usage_error(d, "fetch: missing -o FILE: say where to write the download");
	size_t n = strlen(o->out);
	if (o->out[n - 1] == '/' || util_is_dir(o->out))
		return usage_error(d, "fetch: -o '%s' is a folder; give the path of the file to write", o->out);
	if (sha && parse_sha256(sha, o->sha256) < 0)
		return usage_error(d, "fetch: --sha256 '%s': expected 64 hexadecimal digits", sha);
	if (o->cache_only && o->no_cache)
		return usage_error(d, "fetch: --cache-only and --no-cache contradict each other");
	if (o->cache_only && !o->sha256[0])
		return usage_error(d, "fetch: --cache-only needs --sha256: the cache is keyed by checksum");
	return EXIT_OK;
}

/* the URL "-": the first line of standard input, without its newline, into
 * o->stdin_url and o->url; EXIT_OK, or EXIT_USAGE with a diag */
static int
read_stdin_url(struct opts *o, struct diags *d)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n <= 0) {
		free(line);
		return usage_error(d, "fetch: URL '-', but standard input holds no URL; write it there, one line");
	}
	o->stdin_url = line;
	o->url = line;
	return EXIT_OK;
}

/* print the one-line result unless --quiet */
static void
summary(const struct opts *o, struct bar *b, long long n, const char *hex, int from_cache)
{
	char *url;

	if (o->quiet)
		return;
	bar_clear(b);
	url = fetch_transfer_display_url(o->url);
	if (o->sha256[0])
		fprintf(stderr, "fetch: %s: %lld bytes%s, sha256 ok\n", url, n,
		        from_cache ? " from the cache" : "");
	else
		fprintf(stderr, "fetch: %s: %lld bytes, sha256 %s (not verified)\n", url, n, hex);
	free(url);
}

/* the fetch itself once the arguments are checked: cache, network, verify, rename;
 * returns an enum exitcode */
static int
run(const struct opts *o, const char *host, struct diags *d)
{
	struct util_tmp out = UTIL_TMP_INIT;
	struct bar bar;
	char *root = o->no_cache ? NULL : fetch_cache_root();
	char *url = fetch_transfer_display_url(o->url);
	char hex[65];
	long long n = 0;
	int rc = EXIT_SYSTEM, hit = 0;

	bar_init(&bar, o->out, o->quiet);
	if (o->cache_only && !root) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0,
		         "fetch: --cache-only, but there is no cache folder: set VDIST_CACHE or HOME");
		rc = EXIT_USAGE;
		goto out;
	}
	if (util_tmp_open(&out, o->out, "fetch") < 0) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0,
		         "fetch: cannot create a temp file next to %s: %s; check that its folder "
		         "exists and is writable", o->out, strerror(errno));
		goto out;
	}
	if (root && o->sha256[0]) {
		hit = fetch_cache_get(root, o->sha256, &out, &n, d);
		if (hit < 0)
			goto out;
	}
	if (hit) {
		memcpy(hex, o->sha256, sizeof hex);
	} else if (o->cache_only) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0,
		         "fetch: %s: sha256 %s is not in the cache %s; fetch it once without "
		         "--cache-only", url, o->sha256, root);
		goto out;
	} else {
		struct fetch_transfer_opts t = {
			.url = o->url,
			.host = host,
			.connect_timeout = o->connect_timeout,
			.low_speed_time = o->low_speed_time,
			.retries = o->retries,
			.progress = o->quiet ? NULL : on_progress,
			.progress_arg = &bar,
		};
		if (fetch_transfer_get(&t, &out, hex, &n, d) < 0)
			goto out;
		if (o->sha256[0] && strcmp(hex, o->sha256) != 0) {
			bar_clear(&bar);
			diag_add(d, DIAG_ERROR, NULL, 0, 0,
			         "fetch: %s: sha256 mismatch: expected %s, got %s (%lld bytes); the "
			         "download is corrupt or was tampered with, or the pinned checksum is "
			         "out of date", url, o->sha256, hex, n);
			goto out;
		}
	}
	if (util_tmp_commit(&out, o->out) < 0) {
		bar_clear(&bar);
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: cannot rename %s to %s: %s", out.path,
		         o->out, strerror(errno));
		goto out;
	}
	if (root && !hit)
		fetch_cache_put(root, hex, out.fd, d);
	summary(o, &bar, n, hex, hit);
	if (!o->sha256[0])
		diag_add(d, DIAG_WARNING, NULL, 0, 0,
		         "fetch: %s: no --sha256 given, so the file is not verified: a tampered or "
		         "truncated download would go unnoticed; pin it with --sha256 %s", url, hex);
	rc = EXIT_OK;
out:
	util_tmp_discard(&out);
	free(root);
	free(url);
	return rc;
}

/* vdist-gen fetch: check the arguments and environment, then fetch with cleanup on signals */
int
fetch_main(int argc, char **argv, struct diags *d)
{
	struct opts o;
	char *host = NULL;
	int rc, help;

	memset(&o, 0, sizeof o);
	o.connect_timeout = 30;
	o.low_speed_time = 30;
	o.retries = 3;
	rc = parse_args(argc, argv, &o, &help, d);
	if (rc != EXIT_OK)
		return rc;
	if (!help && strcmp(o.url, "-") == 0) {
		rc = read_stdin_url(&o, d);
		if (rc != EXIT_OK)
			return rc;
	}
	if (help) {
		fputs(usage_line, stdout);
		fputs("\n", stdout);
		fputs(help_text, stdout);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_SYSTEM;
	}
	if (env_long("VDIST_FETCH_CONNECT_TIMEOUT", 1, 3600, &o.connect_timeout, d) < 0 ||
	    env_long("VDIST_FETCH_LOW_SPEED_TIME", 0, 3600, &o.low_speed_time, d) < 0 ||
	    env_long("VDIST_FETCH_RETRIES", 0, 10, &o.retries, d) < 0)
		return EXIT_USAGE;
	if (fetch_transfer_global_init(d) < 0)
		return EXIT_SYSTEM;
	switch (fetch_transfer_check_url(o.url, &host, d)) {
	case 0:
		util_tmp_signals_install();
		rc = run(&o, host, d);
		util_tmp_signals_restore();
		break;
	case -1:
		diag_add(d, DIAG_NOTE, NULL, 0, 0, "%s", usage_line);
		rc = EXIT_USAGE;
		break;
	default:
		rc = EXIT_SYSTEM;
		break;
	}
	free(host);
	free(o.stdin_url);
	fetch_transfer_global_cleanup();
	return rc;
}

/* vdist-fetch, which vdist-gen runs for "vdist-gen fetch": a program of
 * its own so that the generator never loads libcurl and its libraries.
 * argv[0] is "fetch"; messages carry vdist-gen's name, as users call it. */
int
main(int argc, char **argv)
{
	struct diags d = {0};
	util_progname = "vdist-gen";
	int status = fetch_main(argc, argv, &d);
	diag_print(&d, "vdist-gen", stderr);
	diags_free(&d);
	return status;
}
