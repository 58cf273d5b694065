/* util: allocation wrappers, string buffers, atomic file writes, temp files with
 * signal cleanup, streaming SHA-256 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

const char *util_progname = "vdist";

static void
oom(void)
{
	fprintf(stderr, "%s: error: out of memory\n", util_progname);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom();
	size_t total = n * size;
	p = realloc(p, total ? total : 1);
	if (!p)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void
strbuf_grow(struct strbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

void
strbuf_addn(struct strbuf *b, const char *s, size_t n)
{
	strbuf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
strbuf_adds(struct strbuf *b, const char *s)
{
	strbuf_addn(b, s, strlen(s));
}

void
strbuf_addc(struct strbuf *b, char c)
{
	strbuf_addn(b, &c, 1);
}

void
strbuf_add_utf8(struct strbuf *b, unsigned long cp)
{
	if (cp < 0x80) {
		strbuf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		strbuf_addc(b, (char)(0xC0 | (cp >> 6)));
		strbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		strbuf_addc(b, (char)(0xE0 | (cp >> 12)));
		strbuf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		strbuf_addc(b, (char)(0xF0 | (cp >> 18)));
		strbuf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		strbuf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

void
strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_adds(b, s);
	free(s);
}

const char *
strbuf_str(struct strbuf *b)
{
	strbuf_grow(b, 0);
	b->data[b->len] = '\0';  /* a buffer nothing was added to is "" too */
	return b->data;
}

char *
strbuf_take(struct strbuf *b)
{
	strbuf_grow(b, 0);
	b->data[b->len] = '\0';
	char *s = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void
strbuf_free(struct strbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
util_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf b = {0};
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		strbuf_addn(&b, chunk, n);
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		fclose(f);
		strbuf_free(&b);
		errno = e;
		return NULL;
	}
	fclose(f);
	if (len)
		*len = b.len;
	return strbuf_take(&b);
}

int
util_write_atomic(const char *path, const char *data, size_t len, int mode)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		goto fail;
	if (util_write_all(fd, data, len) < 0)
		goto fail_fd;
	if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0)
		goto fail_fd;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_fd;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail_fd;
	}
	free(tmp);
	return 0;
fail_fd: {
		int e = errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		errno = e;
	}
fail:
	free(tmp);
	return -1;
}

int
util_mkdirs(const char *path, int mode)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int r = mkdir(p, (mode_t)mode);
	free(p);
	if (r < 0 && errno != EEXIST)
		return -1;
	return 0;
}

char *
util_path_join(const char *a, const char *b)
{
	if (b[0] == '/' || !a || !a[0])
		return xstrdup(b);
	size_t la = strlen(a);
	if (a[la - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

int
util_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
util_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
util_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void
util_sanitize(char *s, int ascii_only)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || (ascii_only && c > 0x7f))
			*s = '?';
	}
}

char *
util_printable(const char *s)
{
	char *p = xstrdup(s);
	util_sanitize(p, 0);
	return p;
}

int
util_is_date(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9'))
			return 0;
	if (s[10] != '\0')
		return 0;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
		return 0;
	return 1;
}

void
util_today(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		strcpy(out, "1970-01-01");
}

/* limits of the signal cleanup */
enum {
	TMP_SLOTS = 4,        /* temp files guarded at once */
	TMP_PATH_CAP = 4096,  /* longest temp path the signal handler can remove */
};

/* temp paths the signal handler removes; copies, so the handler touches no heap */
static char tmp_paths[TMP_SLOTS][TMP_PATH_CAP];
/* 1 while tmp_paths[i] names a live temp file; 0 marks a free slot */
static volatile sig_atomic_t tmp_armed[TMP_SLOTS];
/* the signals that remove the temp files before ending the run */
static const int tmp_signals[] = {SIGHUP, SIGINT, SIGTERM};
/* how many tmp_signals there are */
#define TMP_NSIGNALS (sizeof tmp_signals / sizeof tmp_signals[0])
/* dispositions replaced by tmp_on_signal, restored by util_tmp_signals_restore */
static struct sigaction tmp_old[TMP_NSIGNALS];
/* 1 for each tmp_signals entry whose handler util_tmp_signals_install installed */
static int tmp_installed[TMP_NSIGNALS];

/* remove the armed temp files, then die of the same signal (async-signal-safe) */
static void
tmp_on_signal(int sig)
{
	for (int i = 0; i < TMP_SLOTS; i++)
		if (tmp_armed[i])
			unlink(tmp_paths[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
util_tmp_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tmp_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < TMP_NSIGNALS; i++) {
		tmp_installed[i] = 0;
		if (sigaction(tmp_signals[i], NULL, &tmp_old[i]) < 0 ||
		    tmp_old[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(tmp_signals[i], &sa, NULL) == 0)
			tmp_installed[i] = 1;
	}
}

void
util_tmp_signals_restore(void)
{
	for (size_t i = 0; i < TMP_NSIGNALS; i++)
		if (tmp_installed[i])
			sigaction(tmp_signals[i], &tmp_old[i], NULL);
}

/* block the cleanup signals, saving the previous mask in old */
static void
tmp_block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < TMP_NSIGNALS; i++)
		sigaddset(&set, tmp_signals[i]);
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

int
util_tmp_open(struct util_tmp *t, const char *final, const char *tag)
{
	const char *slash = strrchr(final, '/');
	char *dir = slash ? xstrndup(final, (size_t)(slash - final) + 1) : xstrdup("");
	const char *base = slash ? slash + 1 : final;
	sigset_t old;

	t->path = xasprintf("%s.%s.%s-XXXXXX", dir, base, tag);
	t->slot = -1;
	free(dir);
	tmp_block_signals(&old);  /* so no signal comes between creating and arming */
	t->fd = mkstemp(t->path);
	int e = errno;
	size_t len = strlen(t->path);
	for (int i = 0; t->fd >= 0 && len < TMP_PATH_CAP && i < TMP_SLOTS; i++) {
		if (!tmp_armed[i]) {
			memcpy(tmp_paths[i], t->path, len + 1);
			tmp_armed[i] = 1;
			t->slot = i;
			break;
		}
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

int
util_tmp_reset(struct util_tmp *t)
{
	if (ftruncate(t->fd, 0) < 0 || lseek(t->fd, 0, SEEK_SET) < 0)
		return -1;
	return 0;
}

/* stop guarding t's path (it was removed or renamed) and forget it */
static void
tmp_release(struct util_tmp *t)
{
	if (t->slot >= 0)
		tmp_armed[t->slot] = 0;
	t->slot = -1;
	free(t->path);
	t->path = NULL;
}

void
util_tmp_discard(struct util_tmp *t)
{
	int e = errno;  /* kept: callers discard on the way out of a failure */
	if (t->path) {
		unlink(t->path);
		tmp_release(t);
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	errno = e;
}

int
util_tmp_commit(struct util_tmp *t, const char *final)
{
	if (fchmod(t->fd, file_mode()) < 0 || fsync(t->fd) < 0 || rename(t->path, final) < 0)
		return -1;
	tmp_release(t);
	return 0;
}

size_t
util_utf8_bad(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		if (c == 0 || n == 0 || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4) || i + n > len)
			return i;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
		if ((n == 3 && c == 0xE0 && s[i + 1] < 0xA0) || (n == 3 && c == 0xED && s[i + 1] >= 0xA0)
		    || (n == 4 && c == 0xF0 && s[i + 1] < 0x90) || (n == 4 && c == 0xF4 && s[i + 1] >= 0x90))
			return i;
		i += n;
	}
	return len;
}

int
util_write_new(const char *path, const char *data, size_t len)
{
	struct util_tmp t = UTIL_TMP_INIT;
	if (util_tmp_open(&t, path, "new") < 0)
		return -1;
	/* complete and synced under a temporary name, then linked: link()
	 * fails with EEXIST rather than replace a file that appeared meanwhile */
	if (util_write_all(t.fd, data, len) < 0 || fchmod(t.fd, file_mode()) < 0 || fsync(t.fd) < 0
	    || link(t.path, path) < 0) {
		util_tmp_discard(&t);
		return -1;
	}
	util_tmp_discard(&t);
	return 0;
}

int
util_sha256_init(struct util_sha256 *h)
{
	h->md = EVP_MD_CTX_new();
	if (h->md && !EVP_DigestInit_ex(h->md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(h->md);
		h->md = NULL;
	}
	return h->md ? 0 : -1;
}

int
util_sha256_reset(struct util_sha256 *h)
{
	return h->md && EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) ? 0 : -1;
}

int
util_sha256_update(struct util_sha256 *h, const void *p, size_t n)
{
	return EVP_DigestUpdate(h->md, p, n) ? 0 : -1;
}

int
util_sha256_final_hex(struct util_sha256 *h, char out[65])
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_DigestFinal_ex(h->md, md, &n) || n != 32)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

void
util_sha256_free(struct util_sha256 *h)
{
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

void
util_sha256_hex(const void *data, size_t len, char out[65])
{
	struct util_sha256 h;

	if (util_sha256_init(&h) < 0 || util_sha256_update(&h, data, len) < 0 ||
	    util_sha256_final_hex(&h, out) < 0)
		oom();
	util_sha256_free(&h);
}
