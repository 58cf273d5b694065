/* ids: build ids derived from build names, and default names */
#include "ids.h"

#include <string.h>

#include "util.h"

char *
ids_from_name(const char *name)
{
	char *id = xmalloc(strlen(name) + 1);
	size_t n = 0;
	int dash = 0;

	for (const char *p = name; *p; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && n)
				id[n++] = '-';
			dash = 0;
			id[n++] = c;
		} else {
			dash = 1;
		}
	}
	id[n] = '\0';
	return id;
}

char *
ids_default_name(const char *app, const char *version, const char *profile)
{
	char *name = xasprintf("%s-%s-%s", app, version, profile);
	for (char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
		      || *p == '.' || *p == '-'))
			*p = '_';
	return name;
}
