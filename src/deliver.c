/* deliver: a finished package into dist/, whole or not at all */
#define _GNU_SOURCE
#include "deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* copy all of in (from its start) to out; 0, or -1 with errno set and
 * *what naming the call that failed */
static int
copy_fd(int in, int out, const char **what)
{
	static char buf[1 << 17];
	*what = "read";
	if (lseek(in, 0, SEEK_SET) < 0)
		return -1;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		*what = "write";
		if (util_write_all(out, buf, (size_t)n) < 0)
			return -1;
		*what = "read";
	}
}

/* the copy in an unnamed file of dir, linked as hidden (after base, the
 * name in dest) and renamed to dest with the catchable signals blocked;
 * 0, 1 when this file system has no unnamed files (nothing was done), or
 * -1 with errno set and *what */
static int
deliver_unnamed(int in, const char *dir, const char *base, const char *dest, const char **what)
{
	*what = "open an unnamed file";
	int out = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (out < 0)
		return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ? 1 : -1;
	if (copy_fd(in, out, what) < 0 || (*what = "sync", fsync(out) < 0)) {
		int e = errno;
		close(out);
		errno = e;
		return -1;
	}
	char *hidden = xasprintf("%s/.%s.vdist-part-%ld", dir, base, (long)getpid());
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", out);
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	*what = "link";
	int r = linkat(AT_FDCWD, proc, AT_FDCWD, hidden, AT_SYMLINK_FOLLOW);
	if (r < 0 && errno == EEXIST && unlink(hidden) == 0)  /* a killed run's, of the same pid */
		r = linkat(AT_FDCWD, proc, AT_FDCWD, hidden, AT_SYMLINK_FOLLOW);
	int e = errno;
	if (r < 0 && e == ENOENT) {
		r = 1;  /* no /proc: a named part file instead */
	} else if (r == 0 && (*what = "rename", rename(hidden, dest) < 0)) {
		e = errno;
		unlink(hidden);
		r = -1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(hidden);
	close(out);  /* synced: a failing close takes back nothing */
	errno = e;
	return r;
}

/* the copy in a hidden part file beside dest, which the signal cleanup
 * removes; 0, or -1 with errno set and *what */
static int
deliver_named(int in, const char *dest, const char **what)
{
	struct util_tmp t = UTIL_TMP_INIT;
	*what = "create a part file";
	if (util_tmp_open(&t, dest, "vdist-part") < 0)
		return -1;
	int r = copy_fd(in, t.fd, what) < 0 || (*what = "sync and rename", util_tmp_commit(&t, dest) < 0) ? -1 : 0;
	util_tmp_discard(&t);
	return r;
}

int
deliver_file(const char *file, const char *dest, struct diags *d)
{
	if (rename(file, dest) == 0)
		return 0;
	if (errno != EXDEV) {
		diag_add(d, DIAG_ERROR, dest, 0, 0, "cannot move %s here: %s", file, strerror(errno));
		return -1;
	}
	int in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		diag_add(d, DIAG_ERROR, file, 0, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	const char *slash = strrchr(dest, '/');
	char *dir = slash ? xstrndup(dest, slash == dest ? 1 : (size_t)(slash - dest)) : xstrdup(".");
	const char *what;
	int r = deliver_unnamed(in, dir, slash ? slash + 1 : dest, dest, &what);
	if (r == 1)
		r = deliver_named(in, dest, &what);
	int e = errno;
	free(dir);
	close(in);
	if (r < 0) {
		diag_add(d, DIAG_ERROR, dest, 0, 0, "cannot %s: %s", what, strerror(e));
		return -1;
	}
	if (unlink(file) < 0) {
		diag_add(d, DIAG_ERROR, file, 0, 0, "delivered, but cannot remove it: %s", strerror(errno));
		return -1;
	}
	return 0;
}
