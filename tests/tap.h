/* tap: a tiny TAP producer for the C unit tests */
#ifndef VDIST_TAP_H
#define VDIST_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* record one case: cond true is "ok", false is "not ok" with where it failed */
#define TAP_OK(cond, ...) do { \
	int c_ = (cond) ? 1 : 0; \
	tap_n++; \
	if (c_) { printf("ok %d - ", tap_n); } \
	else { tap_failed++; printf("not ok %d - ", tap_n); } \
	printf(__VA_ARGS__); putchar('\n'); \
	if (!c_) printf("#   %s:%d: %s\n", __FILE__, __LINE__, #cond); \
} while (0)

/* compare two C strings (NULL-safe) as one case */
#define TAP_STREQ(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	int eq_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; \
	TAP_OK(eq_, __VA_ARGS__); \
	if (!eq_) printf("#   got:  [%s]\n#   want: [%s]\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

/* print the plan; returns the exit status for main */
static inline int tap_done(void) { printf("1..%d\n", tap_n); return 0; }

#endif
