/* fetch_transfer: one download over libcurl (http, https, file) into a temp
 * file, hashed with SHA-256 as it streams, with connect and stall timeouts and
 * retries (backoff 1, 2, 4... s) of failures that may go away by themselves.
 *
 * It never prints and never exits: errors go to d, progress and retry notices
 * to the caller's callback. Ownership: every function borrows its arguments;
 * strings it returns are the caller's to free(); messages it adds are owned
 * by d; the strings in a progress report live until the callback returns. */
#ifndef VDIST_FETCH_TRANSFER_H
#define VDIST_FETCH_TRANSFER_H

#include "diag.h"
#include "util.h"

/* what a progress report is about */
enum fetch_transfer_event {
	FETCH_TRANSFER_BYTES,     /* body bytes arrived: now of total so far */
	FETCH_TRANSFER_COMPLETE,  /* the whole body arrived: now == total */
	FETCH_TRANSFER_RETRY,     /* an attempt failed; another starts after delay */
	FETCH_TRANSFER_FAILED,    /* the last attempt failed; the error is in d */
};

/* one progress report */
struct fetch_transfer_progress {
	enum fetch_transfer_event event;  /* what happened */
	long long now;         /* BYTES, COMPLETE: body bytes of this attempt */
	long long total;       /* BYTES, COMPLETE: the size; 0 when unknown */
	const char *url;       /* RETRY: the URL as messages show it */
	const char *redirect;  /* RETRY: where redirects led (as shown), or NULL */
	const char *why;       /* RETRY: what went wrong */
	long delay;            /* RETRY: seconds until the next attempt */
	long attempt;          /* RETRY: the number of the next attempt */
	long attempts;         /* RETRY: how many attempts there are at most */
};

/* receives progress reports; arg is fetch_transfer_opts.progress_arg */
typedef void fetch_transfer_progress_fn(void *arg, const struct fetch_transfer_progress *p);

/* what to download and how patiently */
struct fetch_transfer_opts {
	const char *url;           /* what to download, borrowed */
	const char *host;          /* its host, from fetch_transfer_check_url, for messages */
	long connect_timeout;      /* seconds to connect */
	long low_speed_time;       /* seconds under 1024 bytes/s that end a transfer; 0 = never */
	long retries;              /* attempts after the first for transient failures */
	fetch_transfer_progress_fn *progress;  /* gets progress reports; NULL for none */
	void *progress_arg;        /* passed to progress */
};

/* set up libcurl once per run; 0, or -1 with an error in d */
int fetch_transfer_global_init(struct diags *d);
/* release what fetch_transfer_global_init set up */
void fetch_transfer_global_cleanup(void);
/* check that url parses and is http, https or file; 0 with its host (maybe "",
 * masked for messages) in *host, caller frees; -1 when it is not such a URL
 * (error added: a usage error); -2 when libcurl runs out of memory (error added) */
int fetch_transfer_check_url(const char *url, char **host, struct diags *d);
/* url as messages show it: control characters masked and credentials
 * (user:password@) shown as ***@; caller frees */
char *fetch_transfer_display_url(const char *url);
/* download o->url into out (emptied before each attempt), retrying transient
 * failures; 0 with the SHA-256 in hex and the size in *n, or -1 with an error in d */
int fetch_transfer_get(const struct fetch_transfer_opts *o, struct util_tmp *out, char hex[65],
                       long long *n, struct diags *d);

#endif
