/* ids: build ids derived from build names */
#ifndef VDIST_IDS_H
#define VDIST_IDS_H

/* the id of a build name: lowercase ASCII letters and digits, every other
 * run of bytes one '-', none at either end; "" if nothing is left;
 * the caller frees it */
char *ids_from_name(const char *name);

#endif
