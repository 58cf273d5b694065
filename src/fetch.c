/* fetch: verified downloads over libcurl into place, with a SHA-256 keyed cache */
#include "fetch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "util.h"

#ifndef VDIST_VERSION
#define VDIST_VERSION "dev"
#endif

/* fixed limits of the transfer; the timeouts and retries are in struct opts */
enum {
	MAX_REDIRS = 10,         /* redirects followed before giving up */
	LOW_SPEED_LIMIT = 1024,  /* bytes/s under which a transfer counts as stalled */
	BACKOFF_CAP = 30,        /* longest wait between two attempts, seconds */
	BAR_WIDTH = 30,          /* characters of the progress bar */
	PATH_CAP = 4096,         /* longest temp path the signal handler can remove */
};

/* which temp file a signal handler slot guards */
enum { SLOT_OUT, SLOT_CACHE, NSLOTS };

/* the synopsis, in usage errors and --help */
static const char usage_line[] =
	"usage: vdist-gen fetch URL -o FILE [--sha256 HEX] [--quiet] [--no-cache | --cache-only]";

/* the rest of --help, after usage_line */
static const char help_text[] =
	"\n"
	"Download URL (http://, https:// or file://) to FILE. The body streams to a\n"
	"temp file next to FILE, is hashed on the way, and is renamed to FILE only\n"
	"once it is complete and matches --sha256; on any failure nothing is left.\n"
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
	const char *url;       /* the URL, borrowed from argv */
	const char *out;       /* -o FILE, borrowed from argv */
	char sha256[65];       /* expected digest in lowercase hex; "" when not pinned */
	int quiet;             /* --quiet */
	int no_cache;          /* --no-cache */
	int cache_only;        /* --cache-only */
	long connect_timeout;  /* seconds, VDIST_FETCH_CONNECT_TIMEOUT */
	long low_speed_time;   /* seconds, VDIST_FETCH_LOW_SPEED_TIME; 0 = no stall check */
	long retries;          /* retries after the first attempt, VDIST_FETCH_RETRIES */
};

/* a temp file that either becomes a final file by rename or disappears */
struct tmpfile {
	char *path;  /* owned; NULL once renamed or removed */
	int fd;      /* open read/write; -1 when closed */
	int slot;    /* the signal handler slot that removes it on SIGINT/SIGTERM/SIGHUP */
};

/* the progress bar drawn on a terminal */
struct bar {
	int on;                /* draw at all: stderr is a terminal and not --quiet */
	int drawn;             /* a bar occupies the current line */
	struct timespec last;  /* when it was last drawn */
	char name[28];         /* the file name shown, shortened */
};

/* one download: the curl handle and what its callbacks collect */
struct xfer {
	CURL *curl;                    /* owned */
	EVP_MD_CTX *md;                /* running SHA-256 of the body, owned */
	int fd;                        /* the temp file the body goes to, borrowed */
	curl_off_t bytes;              /* body bytes written in this attempt */
	int write_errno;               /* errno of a failed write, 0 if none */
	int hash_failed;               /* OpenSSL refused to hash */
	char reason[64];               /* reason phrase of the last HTTP status line */
	char errbuf[CURL_ERROR_SIZE];  /* curl's own message for the last failure */
	struct bar bar;                /* progress display */
};

/* temp paths the signal handler removes; copies, so the handler touches no heap */
static char sig_paths[NSLOTS][PATH_CAP];
/* 1 while sig_paths[i] names a live temp file */
static volatile sig_atomic_t sig_armed[NSLOTS];
/* the signals that remove the temp files before ending the run */
static const int sig_list[] = {SIGHUP, SIGINT, SIGTERM};
/* dispositions replaced by on_signal, restored at the end of fetch_main */
static struct sigaction sig_old[sizeof sig_list / sizeof sig_list[0]];
/* 1 for each sig_list entry whose handler fetch_main installed */
static int sig_installed[sizeof sig_list / sizeof sig_list[0]];

/* remove the armed temp files, then die of the same signal */
static void
on_signal(int sig)
{
	for (int i = 0; i < NSLOTS; i++)
		if (sig_armed[i])
			unlink(sig_paths[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* install on_signal for the signals not ignored by the caller */
static void
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sig_list / sizeof sig_list[0]; i++) {
		sig_installed[i] = 0;
		if (sigaction(sig_list[i], NULL, &sig_old[i]) < 0 || sig_old[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(sig_list[i], &sa, NULL) == 0)
			sig_installed[i] = 1;
	}
}

/* put back the dispositions signals_install replaced */
static void
signals_restore(void)
{
	for (size_t i = 0; i < sizeof sig_list / sizeof sig_list[0]; i++)
		if (sig_installed[i])
			sigaction(sig_list[i], &sig_old[i], NULL);
}

/* block the cleanup signals, saving the previous mask in old */
static void
signals_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof sig_list / sizeof sig_list[0]; i++)
		sigaddset(&set, sig_list[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* the permission bits a new file gets: 0666 minus the umask */
static mode_t
file_mode(void)
{
	mode_t m = umask(0);
	umask(m);
	return 0666 & ~m;
}

/* write all of p to fd; 0, or -1 with errno set */
static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* create a temp file next to final, named .BASE.fetch-XXXXXX, guarded by signal slot;
 * 0, or -1 with errno set */
static int
tmp_open(struct tmpfile *t, const char *final, int slot)
{
	const char *slash = strrchr(final, '/');
	char *dir = slash ? xstrndup(final, (size_t)(slash - final) + 1) : xstrdup("");
	const char *base = slash ? slash + 1 : final;
	sigset_t old;

	t->path = xasprintf("%s.%s.fetch-XXXXXX", dir, base);
	t->slot = slot;
	free(dir);
	signals_block(&old);  /* so no signal comes between creating and arming */
	t->fd = mkstemp(t->path);
	int e = errno;
	if (t->fd >= 0 && strlen(t->path) < PATH_CAP) {
		memcpy(sig_paths[slot], t->path, strlen(t->path) + 1);
		sig_armed[slot] = 1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (t->fd < 0) {
		free(t->path);
		t->path = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

/* empty the temp file for a fresh attempt; 0, or -1 with errno set */
static int
tmp_reset(struct tmpfile *t)
{
	if (ftruncate(t->fd, 0) < 0 || lseek(t->fd, 0, SEEK_SET) < 0)
		return -1;
	return 0;
}

/* remove the temp file if it still exists and close it */
static void
tmp_discard(struct tmpfile *t)
{
	if (t->path) {
		unlink(t->path);
		sig_armed[t->slot] = 0;
		free(t->path);
		t->path = NULL;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* make the temp file final: mode, fsync, rename; fd stays open for reading;
 * 0, or -1 with errno set and the temp file still there */
static int
tmp_commit(struct tmpfile *t, const char *final)
{
	if (fchmod(t->fd, file_mode()) < 0 || fsync(t->fd) < 0 || rename(t->path, final) < 0)
		return -1;
	sig_armed[t->slot] = 0;
	free(t->path);
	t->path = NULL;
	return 0;
}

/* a fresh SHA-256 context; NULL when OpenSSL cannot provide one */
static EVP_MD_CTX *
hash_new(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* finish ctx into 64 lowercase hex digits and a NUL; 0, or -1 when OpenSSL fails */
static int
hash_hex(EVP_MD_CTX *ctx, char out[65])
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_DigestFinal_ex(ctx, md, &n) || n != 32)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

/* copy src (from its start, whatever its offset) to the end of dst, hashing on the way;
 * 0 with the digest in hex and the size in *n; -1 with errno set, *wfail 1 when
 * writing dst failed rather than reading src */
static int
copy_hashed(int src, int dst, char hex[65], off_t *n, int *wfail)
{
	char buf[65536];
	off_t off = 0;
	EVP_MD_CTX *ctx = hash_new();

	*wfail = 0;
	if (!ctx) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t r = pread(src, buf, sizeof buf, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		if (write_all(dst, buf, (size_t)r) < 0) {
			*wfail = 1;
			goto fail;
		}
		if (!EVP_DigestUpdate(ctx, buf, (size_t)r)) {
			errno = ENOMEM;
			goto fail;
		}
		off += r;
	}
	if (hash_hex(ctx, hex) < 0) {
		errno = ENOMEM;
		goto fail;
	}
	EVP_MD_CTX_free(ctx);
	*n = off;
	return 0;
fail: {
		int e = errno;
		EVP_MD_CTX_free(ctx);
		errno = e;
		return -1;
	}
}

/* replace bytes that could drive a terminal with '?': control characters, and
 * with ascii_only every byte outside printable ASCII (for text a server sent) */
static void
sanitize(char *s, int ascii_only)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || (ascii_only && c > 0x7f))
			*s = '?';
	}
}

/* a copy of s with control characters masked, for messages; caller frees */
static char *
printable(const char *s)
{
	char *p = xstrdup(s);
	sanitize(p, 0);
	return p;
}

/* a copy of url for messages: control characters masked and any credentials
 * (user:password@) shown as ***@, so tokens in URLs stay out of logs; caller frees */
static char *
display_url(const char *url)
{
	const char *p = strstr(url, "://");
	const char *auth, *at = NULL;
	struct strbuf b = {0};
	char *s;

	if (!p)
		return printable(url);
	auth = p + 3;
	for (size_t i = 0, n = strcspn(auth, "/?#"); i < n; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (!at)
		return printable(url);
	strbuf_addn(&b, url, (size_t)(auth - url));
	strbuf_adds(&b, "***");
	strbuf_adds(&b, at);
	s = strbuf_take(&b);
	sanitize(s, 0);
	return s;
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
		char *p = printable(s);
		diag_add(d, DIAG_ERROR, NULL, 0, 0,
		         "fetch: %s='%s': expected a whole number from %ld to %ld", name, p, lo, hi);
		free(p);
		return -1;
	}
	*v = x;
	return 0;
}

/* match argv[*i] against an option with a value (-c V, -cV, --long V, --long=V);
 * 1 with *val set (and *i advanced past a separate value), 0 when it is another
 * option, -1 when the value is missing */
static int
opt_value(int argc, char **argv, int *i, char shortname, const char *longname, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(longname);
	int is_short = shortname && a[0] == '-' && a[1] == shortname;

	if (strncmp(a, longname, n) == 0 && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (is_short && a[2]) {
		*val = a + 2;
		return 1;
	}
	if (!is_short && strcmp(a, longname) != 0)
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* add a usage error (printf-style, control characters masked) and the usage line to d;
 * returns EXIT_USAGE */
static int __attribute__((format(printf, 2, 3)))
usage_error(struct diags *d, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	sanitize(msg, 0);
	diag_add(d, DIAG_ERROR, NULL, 0, 0, "%s", msg);
	diag_add(d, DIAG_NOTE, NULL, 0, 0, "%s", usage_line);
	free(msg);
	return EXIT_USAGE;
}

/* parse the command line into o; 0 to go on, 1 after --help, or EXIT_USAGE with a diag */
static int
parse_args(int argc, char **argv, struct opts *o, struct diags *d)
{
	const char *sha = NULL;
	int only_args = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		int r;

		if (only_args || a[0] != '-' || a[1] == '\0') {
			if (o->url)
				return usage_error(d, "fetch: unexpected argument '%s'; give exactly one URL", a);
			o->url = a;
		} else if (strcmp(a, "--") == 0) {
			only_args = 1;
		} else if ((r = opt_value(argc, argv, &i, 'o', "--output", &val)) != 0) {
			if (r < 0)
				return usage_error(d, "fetch: %s needs a FILE argument", a);
			o->out = val;
		} else if ((r = opt_value(argc, argv, &i, 0, "--sha256", &val)) != 0) {
			if (r < 0)
				return usage_error(d, "fetch: %s needs a HEX argument", a);
			sha = val;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = 1;
		} else if (strcmp(a, "--no-cache") == 0) {
			o->no_cache = 1;
		} else if (strcmp(a, "--cache-only") == 0) {
			o->cache_only = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			return 1;
		} else {
			return usage_error(d, "fetch: unknown option '%s'; see vdist-gen fetch --help", a);
		}
	}
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
	return 0;
}

/* check that url parses and is http, https or file; the host (maybe "") into *host,
 * caller frees; 0, or EXIT_USAGE with a diag */
static int
check_url(const char *url, char **host, struct diags *d)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *shown;
	CURLUcode uc;
	int ok;

	if (!u) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: out of memory parsing the URL");
		return EXIT_SYSTEM;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	ok = uc == CURLUE_OK;
	if (!ok || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0 &&
	            strcmp(scheme, "file") != 0)) {
		curl_free(scheme);
		curl_url_cleanup(u);
		shown = display_url(url);
		if (ok)
			usage_error(d, "fetch: '%s': unsupported URL scheme; use http://, https:// or "
			            "file://", shown);
		else
			usage_error(d, "fetch: '%s' is not a valid URL (%s); give an absolute http://, "
			            "https:// or file:// URL, with spaces written as %%20", shown,
#if LIBCURL_VERSION_NUM >= 0x075000
			            curl_url_strerror(uc)
#else
			            "curl_url_set failed"
#endif
			);
		free(shown);
		return EXIT_USAGE;
	}
	curl_free(scheme);
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		*host = printable(h);
		curl_free(h);
	} else {
		*host = xstrdup("");
	}
	curl_url_cleanup(u);
	return 0;
}

/* the cache folder from VDIST_CACHE, XDG_CACHE_HOME or HOME; NULL when none is set;
 * caller frees */
static char *
cache_root(void)
{
	const char *s = getenv("VDIST_CACHE");

	if (s && *s)
		return xstrdup(s);
	s = getenv("XDG_CACHE_HOME");
	if (s && s[0] == '/')  /* the XDG spec says to ignore relative values */
		return util_path_join(s, "vdist");
	s = getenv("HOME");
	if (s && *s) {
		char *c = util_path_join(s, ".cache");
		char *r = util_path_join(c, "vdist");
		free(c);
		return r;
	}
	return NULL;
}

/* the cache entry path for a digest; caller frees */
static char *
cache_entry(const char *root, const char *hex)
{
	char *dir = util_path_join(root, "sha256");
	char *p = util_path_join(dir, hex);
	free(dir);
	return p;
}

/* copy the cache entry for o->sha256 into out (already open and empty);
 * 1 on a verified hit with the size in *n, 0 on a miss (out may need a reset),
 * -1 when writing out failed (diag added) */
static int
cache_fetch(const struct opts *o, const char *root, struct tmpfile *out, off_t *n,
            struct diags *d)
{
	char *entry = cache_entry(root, o->sha256);
	char got[65];
	int wfail, res = 0;
	int fd = open(entry, O_RDONLY);

	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)  /* a broken cache is reported on store */
			diag_add(d, DIAG_WARNING, NULL, 0, 0,
			         "fetch: cannot read the cache entry %s: %s; ignoring it", entry,
			         strerror(errno));
		free(entry);
		return 0;
	}
	if (copy_hashed(fd, out->fd, got, n, &wfail) < 0) {
		if (wfail) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0,
			         "fetch: cannot write %s: %s; check the free space and permissions there",
			         out->path, strerror(errno));
			res = -1;
		} else {
			diag_add(d, DIAG_WARNING, NULL, 0, 0,
			         "fetch: cannot read the cache entry %s: %s; ignoring it", entry,
			         strerror(errno));
		}
	} else if (strcmp(got, o->sha256) != 0) {
		if (unlink(entry) == 0)
			diag_add(d, DIAG_WARNING, NULL, 0, 0,
			         "fetch: cache entry %s is corrupt (its sha256 is %s); removed it",
			         entry, got);
		else
			diag_add(d, DIAG_WARNING, NULL, 0, 0,
			         "fetch: cache entry %s is corrupt (its sha256 is %s) and cannot be "
			         "removed: %s; delete it by hand", entry, got, strerror(errno));
	} else {
		res = 1;
	}
	close(fd);
	free(entry);
	return res;
}

/* store the verified file open at fd (from its start) in the cache as sha256/hex;
 * a warning, never an error, when that fails */
static void
cache_store(const char *root, const char *hex, int fd, struct diags *d)
{
	char *dir = util_path_join(root, "sha256");
	char *entry = util_path_join(dir, hex);
	struct tmpfile t = {NULL, -1, SLOT_CACHE};
	char got[65];
	off_t n;
	int wfail;
	const char *what = NULL, *why = NULL;

	if (util_is_file(entry))
		goto out;
	if (util_mkdirs(dir, 0777) < 0)
		what = "cannot create the folder";
	else if (tmp_open(&t, entry, SLOT_CACHE) < 0)
		what = "cannot create a file in it";
	else if (copy_hashed(fd, t.fd, got, &n, &wfail) < 0)
		what = wfail ? "cannot write to it" : "cannot read the download back";
	else if (strcmp(got, hex) != 0)
		what = "the download changed while it was copied", why = "sha256 differs";
	else if (tmp_commit(&t, entry) < 0)
		what = "cannot rename into it";
	if (what)
		diag_add(d, DIAG_WARNING, NULL, 0, 0,
		         "fetch: not cached in %s: %s (%s); the next fetch will download it again",
		         root, what, why ? why : strerror(errno));
out:
	tmp_discard(&t);
	free(entry);
	free(dir);
}

/* elapsed milliseconds from a to b */
static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* a byte count for humans, like "12.3 MiB", into buf */
static void
human_size(curl_off_t n, char buf[24])
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, 24, "%lld B", (long long)n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 24, "%.1f %s", v, unit[u]);
}

/* draw the bar for now of total bytes (total 0 when unknown) over the current line */
static void
bar_draw(struct bar *b, curl_off_t now, curl_off_t total)
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

/* curl progress callback: redraw the bar at most ten times a second */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
            curl_off_t ulnow)
{
	struct xfer *x = arg;
	struct timespec now;

	(void)ultotal;
	(void)ulnow;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!x->bar.drawn || ms_between(&x->bar.last, &now) >= 100)
		bar_draw(&x->bar, dlnow, dltotal);
	return 0;
}

/* curl write callback: body bytes to the temp file and the hash */
static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (write_all(x->fd, p, n) < 0) {
		x->write_errno = errno;
		return 0;
	}
	if (!EVP_DigestUpdate(x->md, p, n)) {
		x->hash_failed = 1;
		return 0;
	}
	x->bytes += (curl_off_t)n;
	return n;
}

/* curl header callback: keep the reason phrase of each status line ("HTTP/1.1 404 Not Found") */
static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, i = 0, k = 0;

	if (n < 5 || memcmp(p, "HTTP/", 5) != 0)
		return n;
	while (i < n && p[i] != ' ')  /* the version */
		i++;
	while (i < n && p[i] == ' ')
		i++;
	while (i < n && isdigit((unsigned char)p[i]))  /* the code, from CURLINFO_RESPONSE_CODE */
		i++;
	while (i < n && p[i] == ' ')
		i++;
	while (i < n && p[i] != '\r' && p[i] != '\n' && k + 1 < sizeof x->reason)
		x->reason[k++] = p[i++];
	x->reason[k] = '\0';
	sanitize(x->reason, 1);
	return n;
}

/* set up the curl handle of x for o; 0, or -1 with a diag */
static int
xfer_setup(struct xfer *x, const struct opts *o, const char *outname, struct diags *d)
{
	const char *base = strrchr(outname, '/');
	CURL *c;

	base = base ? base + 1 : outname;
	size_t k = strlen(base);
	if (k >= sizeof x->bar.name) {  /* shorten, but not inside a UTF-8 character */
		k = sizeof x->bar.name - 1;
		while (k > 0 && ((unsigned char)base[k] & 0xC0) == 0x80)
			k--;
	}
	memcpy(x->bar.name, base, k);
	x->bar.name[k] = '\0';
	sanitize(x->bar.name, 0);
	x->bar.on = !o->quiet && isatty(STDERR_FILENO);
	x->md = hash_new();
	x->curl = c = curl_easy_init();
	if (!x->md || !c) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: cannot start %s",
		         c ? "a SHA-256 (OpenSSL)" : "a transfer (libcurl)");
		return -1;
	}
	if (curl_easy_setopt(c, CURLOPT_URL, o->url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, x) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, x) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)MAX_REDIRS) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE)) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
	                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_LIMIT) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "vdist-gen/" VDIST_VERSION) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, x->bar.on ? 0L : 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x) != CURLE_OK) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: libcurl rejected an option; is it too old?");
		return -1;
	}
	return 0;
}

/* 1 if a failure may go away by itself, so another attempt makes sense */
static int
is_transient(CURLcode rc, long code)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	case CURLE_HTTP_RETURNED_ERROR:
		return code == 408 || code == 429 || code == 500 || code == 502 || code == 503 ||
		       code == 504;
	default:
		return 0;
	}
}

/* describe the failure rc of x into what (what failed) and hint (what to do) */
static void
describe(const struct xfer *x, const struct opts *o, const char *host, CURLcode rc, long code,
         struct strbuf *what, const char **hint)
{
	const char *cmsg = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	char *msg = printable(cmsg);
	curl_off_t total = -1, pre = 0;
	long oserr = 0;

	curl_easy_getinfo(x->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
	curl_easy_getinfo(x->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(x->curl, CURLINFO_OS_ERRNO, &oserr);
	*hint = "check the URL and the network";
	switch (rc) {
	case CURLE_HTTP_RETURNED_ERROR:
		strbuf_addf(what, "HTTP %ld%s%s", code, x->reason[0] ? " " : "", x->reason);
		if (code == 401 || code == 403 || code == 407)
			*hint = "the server denies access, and vdist-gen sends no credentials";
		else if (code == 408 || code == 429 || code >= 500)
			*hint = "the server is overloaded or failing; try again later";
		else
			*hint = "check the URL";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		strbuf_addf(what, "unknown host '%s'", host);
		*hint = "check the host name in the URL and the DNS settings";
		break;
	case CURLE_COULDNT_RESOLVE_PROXY:
		strbuf_addf(what, "unknown proxy host (%s)", msg);
		*hint = "check the proxy variables (http_proxy, https_proxy, all_proxy)";
		break;
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED) {
			strbuf_adds(what, "connection refused");
			*hint = "is the server running, and is the port right?";
		} else {
			strbuf_addf(what, "cannot connect (%s)",
			            oserr ? strerror((int)oserr) : msg);
			*hint = "check the network and the host name";
		}
		break;
	case CURLE_OPERATION_TIMEDOUT:
		if (pre == 0) {
			strbuf_addf(what, "no connection within %ld s", o->connect_timeout);
			*hint = "check the network, or raise VDIST_FETCH_CONNECT_TIMEOUT";
		} else {
			strbuf_addf(what, "transfer stalled: under %d bytes/s for %ld s, %lld",
			            LOW_SPEED_LIMIT, o->low_speed_time, (long long)x->bytes);
			if (total >= 0)
				strbuf_addf(what, " of %lld", (long long)total);
			strbuf_adds(what, " bytes received");
			*hint = "check the network, or raise VDIST_FETCH_LOW_SPEED_TIME";
		}
		break;
	case CURLE_PARTIAL_FILE:
		strbuf_addf(what, "connection closed after %lld", (long long)x->bytes);
		if (total >= 0)
			strbuf_addf(what, " of %lld", (long long)total);
		strbuf_adds(what, " bytes (truncated download)");
		*hint = "try again later; if it persists, the server or a proxy cuts the transfer";
		break;
	case CURLE_WRITE_ERROR:
		if (x->hash_failed) {
			strbuf_adds(what, "SHA-256 failed in OpenSSL");
			*hint = "check the OpenSSL installation";
		} else {
			strbuf_addf(what, "cannot write the download: %s",
			            strerror(x->write_errno ? x->write_errno : EIO));
			*hint = "check the free space and permissions of the -o folder";
		}
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		strbuf_addf(what, "more than %d redirects", MAX_REDIRS);
		*hint = "check the URL; the server may redirect in a loop";
		break;
	case CURLE_FILE_COULDNT_READ_FILE:
		strbuf_addf(what, "cannot read the file (%s)", msg);
		*hint = "check the path in the URL";
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		strbuf_addf(what, "unsupported protocol (%s)", msg);
		*hint = "only http, https and file URLs are fetched, and redirects only to http and https";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		strbuf_addf(what, "TLS failed (%s)", msg);
		*hint = "check the URL, the system clock and the CA certificates (ca-certificates)";
		break;
	default:
		strbuf_adds(what, msg);
		break;
	}
	free(msg);
}

/* sleep s seconds, resuming after signals that do not end the run */
static void
sleep_s(long s)
{
	struct timespec t = {s, 0};

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* download o->url into x->fd with retries; 0 with the digest in hex, or -1 with a diag */
static int
download(struct xfer *x, const struct opts *o, struct tmpfile *out, const char *host,
         char hex[65], struct diags *d)
{
	char *url = display_url(o->url);

	for (long attempt = 1;; attempt++) {
		struct strbuf what = {0};
		const char *hint;
		char *eff = NULL, *effurl = NULL;
		long code = 0, redirects = 0;

		if (tmp_reset(out) < 0 || !EVP_DigestInit_ex(x->md, EVP_sha256(), NULL)) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: cannot reset %s: %s", out->path,
			         strerror(errno));
			free(url);
			return -1;
		}
		x->bytes = 0;
		x->write_errno = x->hash_failed = 0;
		x->reason[0] = x->errbuf[0] = '\0';
		CURLcode rc = curl_easy_perform(x->curl);
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && code >= 400)
			rc = CURLE_HTTP_RETURNED_ERROR;
		if (rc == CURLE_OK) {
			if (x->bar.on)
				bar_draw(&x->bar, x->bytes, x->bytes);
			free(url);
			if (hash_hex(x->md, hex) < 0) {
				diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: SHA-256 failed in OpenSSL");
				return -1;
			}
			return 0;
		}
		bar_clear(&x->bar);
		describe(x, o, host, rc, code, &what, &hint);
		if (curl_easy_getinfo(x->curl, CURLINFO_REDIRECT_COUNT, &redirects) == CURLE_OK &&
		    redirects > 0 &&
		    curl_easy_getinfo(x->curl, CURLINFO_EFFECTIVE_URL, &effurl) == CURLE_OK && effurl) {
			char *e = display_url(effurl);
			sanitize(e, 1);
			eff = xasprintf(" (redirected to %s)", e);
			free(e);
		}
		if (is_transient(rc, code) && attempt <= o->retries) {
			long delay = attempt - 1 < 5 ? 1L << (attempt - 1) : BACKOFF_CAP;
			if (delay > BACKOFF_CAP)
				delay = BACKOFF_CAP;
			if (!o->quiet)
				fprintf(stderr, "fetch: %s%s: %s; retrying in %ld s (attempt %ld of %ld)\n",
				        url, eff ? eff : "", strbuf_str(&what), delay, attempt + 1,
				        o->retries + 1);
			strbuf_free(&what);
			free(eff);
			sleep_s(delay);
			continue;
		}
		if (attempt > 1)
			strbuf_addf(&what, " (gave up after %ld attempts)", attempt);
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: %s%s: %s; %s", url, eff ? eff : "",
		         strbuf_str(&what), hint);
		strbuf_free(&what);
		free(eff);
		free(url);
		return -1;
	}
}

/* print the one-line result unless --quiet */
static void
summary(const struct opts *o, struct bar *b, off_t n, const char *hex, int from_cache)
{
	char *url;

	if (o->quiet)
		return;
	bar_clear(b);
	url = display_url(o->url);
	if (o->sha256[0])
		fprintf(stderr, "fetch: %s: %lld bytes%s, sha256 ok\n", url, (long long)n,
		        from_cache ? " from the cache" : "");
	else
		fprintf(stderr, "fetch: %s: %lld bytes, sha256 %s (not verified)\n", url,
		        (long long)n, hex);
	free(url);
}

/* the fetch itself once the arguments are checked: cache, network, verify, rename */
static int
run(const struct opts *o, const char *host, struct diags *d)
{
	struct tmpfile out = {NULL, -1, SLOT_OUT};
	struct xfer x;
	char *root = o->no_cache ? NULL : cache_root();
	char *url = display_url(o->url);
	char hex[65];
	off_t n = 0;
	int rc = EXIT_SYSTEM, hit = 0;

	memset(&x, 0, sizeof x);
	if (o->cache_only && !root) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0,
		         "fetch: --cache-only, but there is no cache folder: set VDIST_CACHE or HOME");
		rc = EXIT_USAGE;
		goto out;
	}
	if (tmp_open(&out, o->out, SLOT_OUT) < 0) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0,
		         "fetch: cannot create a temp file next to %s: %s; check that its folder "
		         "exists and is writable", o->out, strerror(errno));
		goto out;
	}
	if (root && o->sha256[0]) {
		hit = cache_fetch(o, root, &out, &n, d);
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
		if (xfer_setup(&x, o, o->out, d) < 0)
			goto out;
		x.fd = out.fd;
		if (download(&x, o, &out, host, hex, d) < 0)
			goto out;
		n = (off_t)x.bytes;
		if (o->sha256[0] && strcmp(hex, o->sha256) != 0) {
			bar_clear(&x.bar);
			diag_add(d, DIAG_ERROR, NULL, 0, 0,
			         "fetch: %s: sha256 mismatch: expected %s, got %s (%lld bytes); the "
			         "download is corrupt or was tampered with, or the pinned checksum is "
			         "out of date", url, o->sha256, hex, (long long)n);
			goto out;
		}
	}
	if (tmp_commit(&out, o->out) < 0) {
		bar_clear(&x.bar);
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: cannot rename %s to %s: %s", out.path,
		         o->out, strerror(errno));
		goto out;
	}
	if (root && !hit)
		cache_store(root, hex, out.fd, d);
	summary(o, &x.bar, n, hex, hit);
	if (!o->sha256[0])
		diag_add(d, DIAG_WARNING, NULL, 0, 0,
		         "fetch: %s: no --sha256 given, so the file is not verified: a tampered or "
		         "truncated download would go unnoticed; pin it with --sha256 %s", url, hex);
	rc = EXIT_OK;
out:
	tmp_discard(&out);
	if (x.curl)
		curl_easy_cleanup(x.curl);
	EVP_MD_CTX_free(x.md);
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
	int rc;

	memset(&o, 0, sizeof o);
	o.connect_timeout = 30;
	o.low_speed_time = 30;
	o.retries = 3;
	rc = parse_args(argc, argv, &o, d);
	if (rc == 1) {
		fputs(usage_line, stdout);
		fputs("\n", stdout);
		fputs(help_text, stdout);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_SYSTEM;
	}
	if (rc != 0)
		return rc;
	if (env_long("VDIST_FETCH_CONNECT_TIMEOUT", 1, 3600, &o.connect_timeout, d) < 0 ||
	    env_long("VDIST_FETCH_LOW_SPEED_TIME", 0, 3600, &o.low_speed_time, d) < 0 ||
	    env_long("VDIST_FETCH_RETRIES", 0, 10, &o.retries, d) < 0)
		return EXIT_USAGE;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: cannot initialise libcurl");
		return EXIT_SYSTEM;
	}
	rc = check_url(o.url, &host, d);
	if (rc == 0) {
		signals_install();
		rc = run(&o, host, d);
		signals_restore();
	}
	free(host);
	curl_global_cleanup();
	return rc;
}
