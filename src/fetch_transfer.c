/* fetch_transfer: libcurl downloads with timeouts, retries and a streaming SHA-256 */
#include "fetch_transfer.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#ifndef VDIST_VERSION
#define VDIST_VERSION "dev"
#endif

/* fixed limits of the transfer; the timeouts and retries are in struct fetch_transfer_opts */
enum {
	MAX_REDIRS = 10,         /* redirects followed before giving up */
	LOW_SPEED_LIMIT = 1024,  /* bytes/s under which a transfer counts as stalled */
	BACKOFF_CAP = 30,        /* longest wait between two attempts, seconds */
};

/* one download: the curl handle and what its callbacks collect */
struct xfer {
	const struct fetch_transfer_opts *o;  /* what to fetch, borrowed */
	CURL *curl;                    /* owned */
	struct util_sha256 md;         /* running SHA-256 of the body, owned */
	int fd;                        /* the temp file the body goes to, borrowed */
	curl_off_t bytes;              /* body bytes written in this attempt */
	int write_errno;               /* errno of a failed write, 0 if none */
	int hash_failed;               /* OpenSSL refused to hash */
	char reason[64];               /* reason phrase of the last HTTP status line */
	char errbuf[CURL_ERROR_SIZE];  /* curl's own message for the last failure */
};

int
fetch_transfer_global_init(struct diags *d)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: cannot initialise libcurl");
		return -1;
	}
	return 0;
}

void
fetch_transfer_global_cleanup(void)
{
	curl_global_cleanup();
}

char *
fetch_transfer_display_url(const char *url)
{
	const char *p = strstr(url, "://");
	const char *auth, *at = NULL;
	struct strbuf b = {0};
	char *s;

	if (!p)
		return util_printable(url);
	auth = p + 3;
	for (size_t i = 0, n = strcspn(auth, "/?#"); i < n; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (!at)
		return util_printable(url);
	strbuf_addn(&b, url, (size_t)(auth - url));
	strbuf_adds(&b, "***");
	strbuf_adds(&b, at);
	s = strbuf_take(&b);
	util_sanitize(s, 0);
	return s;
}

int
fetch_transfer_check_url(const char *url, char **host, struct diags *d)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *shown;
	CURLUcode uc;
	int ok;

	if (!u) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: out of memory parsing the URL");
		return -2;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	ok = uc == CURLUE_OK;
	if (!ok || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0 &&
	            strcmp(scheme, "file") != 0)) {
		curl_free(scheme);
		curl_url_cleanup(u);
		shown = fetch_transfer_display_url(url);  /* masked, so the message needs no masking */
		if (ok)
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: '%s': unsupported URL scheme; use "
			         "http://, https:// or file://", shown);
		else
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: '%s' is not a valid URL (%s); give "
			         "an absolute http://, https:// or file:// URL, with spaces written as %%20",
			         shown,
#if LIBCURL_VERSION_NUM >= 0x075000
			         curl_url_strerror(uc)
#else
			         "curl_url_set failed"
#endif
			);
		free(shown);
		return -1;
	}
	curl_free(scheme);
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		*host = util_printable(h);
		curl_free(h);
	} else {
		*host = xstrdup("");
	}
	curl_url_cleanup(u);
	return 0;
}

/* hand one progress report to the caller, if it wants them */
static void
report(const struct fetch_transfer_opts *o, const struct fetch_transfer_progress *p)
{
	if (o->progress)
		o->progress(o->progress_arg, p);
}

/* curl progress callback: the bytes so far, for the caller's progress display */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
            curl_off_t ulnow)
{
	struct xfer *x = arg;
	struct fetch_transfer_progress p = {.event = FETCH_TRANSFER_BYTES};

	(void)ultotal;
	(void)ulnow;
	p.now = dlnow;
	p.total = dltotal;
	report(x->o, &p);
	return 0;
}

/* curl write callback: body bytes to the temp file and the hash */
static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (util_write_all(x->fd, p, n) < 0) {
		x->write_errno = errno;
		return 0;
	}
	if (util_sha256_update(&x->md, p, n) < 0) {
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
	util_sanitize(x->reason, 1);
	return n;
}

/* set up the hash and the curl handle of x for x->o; 0, or -1 with a diag */
static int
xfer_setup(struct xfer *x, struct diags *d)
{
	const struct fetch_transfer_opts *o = x->o;
	int md_ok = util_sha256_init(&x->md) == 0;
	CURL *c;

	x->curl = c = curl_easy_init();
	if (!md_ok || !c) {
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
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, o->progress ? 0L : 1L) != CURLE_OK ||
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
describe(const struct xfer *x, CURLcode rc, long code, struct strbuf *what, const char **hint)
{
	const struct fetch_transfer_opts *o = x->o;
	const char *cmsg = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	char *msg = util_printable(cmsg);
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
		strbuf_addf(what, "unknown host '%s'", o->host);
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

/* download x->o->url into out with retries; 0 with the digest in hex, or -1 with a diag */
static int
download(struct xfer *x, struct util_tmp *out, char hex[65], struct diags *d)
{
	const struct fetch_transfer_opts *o = x->o;
	char *url = fetch_transfer_display_url(o->url);

	for (long attempt = 1;; attempt++) {
		struct strbuf what = {0};
		struct fetch_transfer_progress p = {.event = FETCH_TRANSFER_FAILED};
		const char *hint;
		char *shown = NULL, *eff = NULL, *effurl = NULL;
		long code = 0, redirects = 0;

		if (util_tmp_reset(out) < 0 || util_sha256_reset(&x->md) < 0) {
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
			p.event = FETCH_TRANSFER_COMPLETE;
			p.now = p.total = x->bytes;
			report(o, &p);
			free(url);
			if (util_sha256_final_hex(&x->md, hex) < 0) {
				diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: SHA-256 failed in OpenSSL");
				return -1;
			}
			return 0;
		}
		describe(x, rc, code, &what, &hint);
		if (curl_easy_getinfo(x->curl, CURLINFO_REDIRECT_COUNT, &redirects) == CURLE_OK &&
		    redirects > 0 &&
		    curl_easy_getinfo(x->curl, CURLINFO_EFFECTIVE_URL, &effurl) == CURLE_OK && effurl) {
			shown = fetch_transfer_display_url(effurl);
			util_sanitize(shown, 1);
			eff = xasprintf(" (redirected to %s)", shown);
		}
		if (is_transient(rc, code) && attempt <= o->retries) {
			long delay = attempt - 1 < 5 ? 1L << (attempt - 1) : BACKOFF_CAP;
			if (delay > BACKOFF_CAP)
				delay = BACKOFF_CAP;
			p.event = FETCH_TRANSFER_RETRY;
			p.url = url;
			p.redirect = shown;
			p.why = strbuf_str(&what);
			p.delay = delay;
			p.attempt = attempt + 1;
			p.attempts = o->retries + 1;
			report(o, &p);
			strbuf_free(&what);
			free(shown);
			free(eff);
			sleep_s(delay);
			continue;
		}
		report(o, &p);
		if (attempt > 1)
			strbuf_addf(&what, " (gave up after %ld attempts)", attempt);
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "fetch: %s%s: %s; %s", url, eff ? eff : "",
		         strbuf_str(&what), hint);
		strbuf_free(&what);
		free(shown);
		free(eff);
		free(url);
		return -1;
	}
}

int
fetch_transfer_get(const struct fetch_transfer_opts *o, struct util_tmp *out, char hex[65],
                   long long *n, struct diags *d)
{
	struct xfer x;
	int rc = -1;

	memset(&x, 0, sizeof x);
	x.o = o;
	x.fd = out->fd;
	if (xfer_setup(&x, d) == 0 && download(&x, out, hex, d) == 0) {
		*n = (long long)x.bytes;
		rc = 0;
	}
	if (x.curl)
		curl_easy_cleanup(x.curl);
	util_sha256_free(&x.md);
	return rc;
}
