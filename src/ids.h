/* ids: build ids derived from build names, and the name of a build
 * that has none */
#ifndef VDIST_IDS_H
#define VDIST_IDS_H

/* the id of a build name: lowercase ASCII letters and digits, every other
 * run of bytes one '-', none at either end; "" if nothing is left;
 * the caller frees it */
char *ids_from_name(const char *name);
/* the name vdist gives a build without one: APP-VERSION-PROFILE with
 * every byte but ASCII letters, digits, '.' and '-' as '_'; the caller
 * frees it */
char *ids_default_name(const char *app, const char *version, const char *profile);

#endif
