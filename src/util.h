/* util: allocation that never returns NULL, growable strings, small file helpers,
 * temp files removed on SIGHUP/SIGINT/SIGTERM, streaming SHA-256 (libcrypto).
 *
 * Ownership: every x* function returns memory the caller owns and frees with
 * free(). A struct strbuf owns its data; strbuf_free() releases it and
 * strbuf_take() hands it to the caller. A struct util_tmp owns its path and
 * descriptor until util_tmp_discard(); a struct util_sha256 owns its OpenSSL
 * context until util_sha256_free(). The signal cleanup keeps its own copies of
 * the temp paths in static storage, so its handler touches no heap. */
#ifndef VDIST_UTIL_H
#define VDIST_UTIL_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* name of the running program, for messages; set once by main */
extern const char *util_progname;

/* malloc that aborts the program with a message when memory runs out */
void *xmalloc(size_t n);
/* calloc that aborts on failure */
void *xcalloc(size_t n, size_t size);
/* realloc of n*size bytes that aborts on failure or overflow */
void *xreallocarray(void *p, size_t n, size_t size);
/* strdup that aborts on failure; xstrdup(NULL) is NULL */
char *xstrdup(const char *s);
/* copy of the first n bytes of s, NUL-terminated */
char *xstrndup(const char *s, size_t n);
/* printf into a fresh string */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* vprintf into a fresh string */
char *xvasprintf(const char *fmt, va_list ap);

/* a growable byte string, always NUL-terminated when len > 0 or after any add */
struct strbuf {
	char *data;  /* bytes, owned */
	size_t len;  /* bytes used, without the NUL */
	size_t cap;  /* bytes allocated */
};

/* append n bytes */
void strbuf_addn(struct strbuf *b, const char *s, size_t n);
/* append a C string */
void strbuf_adds(struct strbuf *b, const char *s);
/* append one byte */
void strbuf_addc(struct strbuf *b, char c);
/* append code point cp (at most 0x10FFFF, no surrogate) as UTF-8 */
void strbuf_add_utf8(struct strbuf *b, unsigned long cp);
/* append printf output */
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* the contents as a C string (never NULL); stays owned by b */
const char *strbuf_str(struct strbuf *b);
/* hand the contents to the caller (never NULL) and reset b */
char *strbuf_take(struct strbuf *b);
/* release the contents and reset b */
void strbuf_free(struct strbuf *b);

/* read a whole file; NULL with errno set on failure; *len gets the size */
char *util_read_file(const char *path, size_t *len);
/* write data to path atomically (temp file in the same folder, then rename);
 * 0 on success, -1 with errno set */
int util_write_atomic(const char *path, const char *data, size_t len, int mode);
/* write data to path, which must not exist yet: complete or not at all,
 * never replacing a file; 0, or -1 with errno set (EEXIST: path exists) */
int util_write_new(const char *path, const char *data, size_t len);
/* create a folder and its parents; 0 on success, -1 with errno set */
int util_mkdirs(const char *path, int mode);
/* join two path parts with one slash; an absolute b is returned as is */
char *util_path_join(const char *a, const char *b);
/* 1 if path names an existing regular file */
int util_is_file(const char *path);
/* 1 if path names an existing folder */
int util_is_dir(const char *path);
/* write all n bytes of p to fd, resuming after EINTR; 0, or -1 with errno set */
int util_write_all(int fd, const void *p, size_t n);
/* index of the first byte of text that is not UTF-8 (or is NUL), or len if none */
size_t util_utf8_bad(const char *text, size_t len);
/* replace bytes that could drive a terminal with '?': control characters, and
 * with ascii_only every byte outside printable ASCII (for text a server sent) */
void util_sanitize(char *s, int ascii_only);
/* a copy of s with control characters masked as '?', for messages; caller frees */
char *util_printable(const char *s);
/* 1 if s is a calendar date written YYYY-MM-DD (as ISO 8601), else 0 */
int util_is_date(const char *s);
/* today's date (UTC) as YYYY-MM-DD into out */
void util_today(char out[11]);

/* a temp file next to its final path: renamed into place or removed, also
 * when SIGHUP, SIGINT or SIGTERM ends the run (see util_tmp_signals_install) */
struct util_tmp {
	char *path;  /* owned; NULL once renamed or removed */
	int fd;      /* open read/write; -1 when closed */
	int slot;    /* signal cleanup slot guarding path; -1 when unguarded */
};
/* the value of a struct util_tmp that holds nothing yet */
#define UTIL_TMP_INIT {NULL, -1, -1}

/* create DIR/.BASE.TAG-XXXXXX next to final (DIR/BASE) and guard it for the
 * signal cleanup; 0, or -1 with errno set and t holding nothing */
int util_tmp_open(struct util_tmp *t, const char *final, const char *tag);
/* empty the temp file for a fresh start; 0, or -1 with errno set */
int util_tmp_reset(struct util_tmp *t);
/* make the temp file final: mode 0666 minus the umask, fsync, rename to final;
 * fd stays open for reading; 0, or -1 with errno set and the temp file still there */
int util_tmp_commit(struct util_tmp *t, const char *final);
/* remove the temp file if it still exists and close it, errno unchanged; safe to repeat */
void util_tmp_discard(struct util_tmp *t);
/* from now on SIGHUP, SIGINT and SIGTERM (those not ignored) remove the guarded
 * temp files, then end the run by the same signal */
void util_tmp_signals_install(void);
/* put back the dispositions util_tmp_signals_install replaced */
void util_tmp_signals_restore(void);

/* OpenSSL's EVP_MD_CTX */
struct evp_md_ctx_st;
/* a SHA-256 computed as the data streams by */
struct util_sha256 {
	struct evp_md_ctx_st *md;  /* OpenSSL's EVP_MD_CTX, owned; NULL when none */
};
/* start a digest; 0, or -1 when OpenSSL cannot provide one (h->md is then NULL) */
int util_sha256_init(struct util_sha256 *h);
/* start an initialised digest over, dropping what it has seen; 0, or -1 when OpenSSL fails */
int util_sha256_reset(struct util_sha256 *h);
/* hash n more bytes of p; 0, or -1 when OpenSSL fails */
int util_sha256_update(struct util_sha256 *h, const void *p, size_t n);
/* finish into 64 lowercase hex digits and a NUL; 0, or -1 when OpenSSL fails */
int util_sha256_final_hex(struct util_sha256 *h, char out[65]);
/* release the OpenSSL context; safe on a failed init and to repeat */
void util_sha256_free(struct util_sha256 *h);
/* lowercase hex SHA-256 of data (65 bytes with the NUL) into out */
void util_sha256_hex(const void *data, size_t len, char out[65]);

#ifdef __cplusplus
}
#endif

#endif
