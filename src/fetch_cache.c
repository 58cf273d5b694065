/* fetch_cache: a SHA-256 keyed file store, read and written with verification */
#include "fetch_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* copy src (from its start, whatever its offset) to the end of dst, hashing on the way;
 * 0 with the digest in hex and the size in *n; -1 with errno set, *wfail 1 when
 * writing dst failed rather than reading src */
static int
copy_hashed(int src, int dst, char hex[65], long long *n, int *wfail)
{
	char buf[65536];
	off_t off = 0;
	struct util_sha256 h;

	*wfail = 0;
	if (util_sha256_init(&h) < 0) {
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
		if (util_write_all(dst, buf, (size_t)r) < 0) {
			*wfail = 1;
			goto fail;
		}
		if (util_sha256_update(&h, buf, (size_t)r) < 0) {
			errno = ENOMEM;
			goto fail;
		}
		off += r;
	}
	if (util_sha256_final_hex(&h, hex) < 0) {
		errno = ENOMEM;
		goto fail;
	}
	util_sha256_free(&h);
	*n = (long long)off;
	return 0;
fail: {
		int e = errno;
		util_sha256_free(&h);
		errno = e;
		return -1;
	}
}

char *
fetch_cache_root(void)
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

int
fetch_cache_get(const char *root, const char *hex, struct util_tmp *out, long long *n,
                struct diags *d)
{
	char *entry = cache_entry(root, hex);
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
	} else if (strcmp(got, hex) != 0) {
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

void
fetch_cache_put(const char *root, const char *hex, int fd, struct diags *d)
{
	char *dir = util_path_join(root, "sha256");
	char *entry = util_path_join(dir, hex);
	struct util_tmp t = UTIL_TMP_INIT;
	char got[65];
	long long n;
	int wfail;
	const char *what = NULL, *why = NULL;

	if (util_is_file(entry))
		goto out;
	if (util_mkdirs(dir, 0777) < 0)
		what = "cannot create the folder";
	else if (util_tmp_open(&t, entry, "fetch") < 0)
		what = "cannot create a file in it";
	else if (copy_hashed(fd, t.fd, got, &n, &wfail) < 0)
		what = wfail ? "cannot write to it" : "cannot read the download back";
	else if (strcmp(got, hex) != 0)
		what = "the download changed while it was copied", why = "sha256 differs";
	else if (util_tmp_commit(&t, entry) < 0)
		what = "cannot rename into it";
	if (what)
		diag_add(d, DIAG_WARNING, NULL, 0, 0,
		         "fetch: not cached in %s: %s (%s); the next fetch will download it again",
		         root, what, why ? why : strerror(errno));
out:
	util_tmp_discard(&t);
	free(entry);
	free(dir);
}
