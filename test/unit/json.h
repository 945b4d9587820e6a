/* json.h - a minimal JSON reader for tests: looks up a value by a dotted
 * path such as "walkers.0.tlb.l1d.misses" in a JSON text. */
#ifndef MMUSIM_TEST_JSON_H
#define MMUSIM_TEST_JSON_H

#include <stdbool.h>

/* true and *out when path names a number; false otherwise. */
bool json_num(const char *json, const char *path, double *out);
/* true when path names any value (for string values, copies it). */
bool json_has(const char *json, const char *path);
bool json_str_at(const char *json, const char *path, char *buf, int n);
/* Is the text one well-formed JSON value (and nothing else)? */
bool json_valid(const char *json);

#endif
