/* util: allocation that never returns NULL, growable strings, small file helpers.
 *
 * Ownership: every x* function returns memory the caller owns and frees with
 * free(). A struct strbuf owns its data; strbuf_free() releases it and
 * strbuf_take() hands it to the caller. */
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
/* create a folder and its parents; 0 on success, -1 with errno set */
int util_mkdirs(const char *path, int mode);
/* join two path parts with one slash; an absolute b is returned as is */
char *util_path_join(const char *a, const char *b);
/* 1 if path names an existing regular file */
int util_is_file(const char *path);
/* 1 if path names an existing folder */
int util_is_dir(const char *path);
/* lowercase hex SHA-256 of data (65 bytes with the NUL) into out */
void util_sha256_hex(const void *data, size_t len, char out[65]);

#ifdef __cplusplus
}
#endif

#endif
