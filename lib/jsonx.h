/* jsonx.h - jansson helpers for untrusted messages.
 *
 * Every payload from the network is parsed with jsonx_parse_object() and read
 * with the jx_get_* functions, which check types and fill `why` with a
 * sentence naming the key ("'profile' must be a string"). A missing key is
 * not an error for the getters: they return SL_ERR_NOTFOUND and leave *out
 * unchanged, so defaults are set before the call.
 */
#ifndef SKYLAPSE_LIB_JSONX_H
#define SKYLAPSE_LIB_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PAYLOAD_MAX (64 * 1024)

/* Parses buf[0..len) as one JSON object of at most `max` bytes; an empty or
 * all-blank buffer is an empty object. `what` names the text in `why`
 * ("payload", "body"). Returns a new reference, or NULL with `why` filled
 * ("payload is not valid JSON: ... at line 1 column 3", "payload is 70000
 * bytes, over the 65536-byte limit", "payload must be a JSON object"). */
json_t *jsonx_parse_object(const char *what, const char *buf, size_t len, size_t max,
			   char why[ERRMSG_MAX]);

/* Typed getters; `obj` borrowed; strings returned are borrowed from obj. */
int jx_get_string(const json_t *obj, const char *key, const char **out, char why[ERRMSG_MAX]);
int jx_get_int(const json_t *obj, const char *key, long long lo, long long hi, long long *out,
	       char why[ERRMSG_MAX]);
int jx_get_number(const json_t *obj, const char *key, double lo, double hi, double *out,
		  char why[ERRMSG_MAX]);
int jx_get_bool(const json_t *obj, const char *key, bool *out, char why[ERRMSG_MAX]);

/* Reals are written with 15 significant digits, as many as a double always
 * carries: a configured 39.6333 prints as 39.6333, not jansson's default
 * 39.633299999999998. */
#define JX_REAL_PRECISION 15
/* Serialises compactly (any value, not only objects and arrays); returns a
 * new malloc'd string (caller frees) or NULL. */
char *jx_dump(const json_t *v);
/* The same, indented by two spaces (files people read). */
char *jx_dump_pretty(const json_t *v);

/* An instant as ISO 8601, or JSON null when `known` is false: local time
 * with its offset, to the second (time_format_local), or UTC with
 * milliseconds and Z (time_format_utc). A new reference, NULL when out of
 * memory. */
json_t *jx_time_local(bool known, int64_t ms);
json_t *jx_time_utc(bool known, int64_t ms);

/* Sets obj[key] to a string, or to null when s is NULL; 0 or SL_ERR_NOMEM. */
int jx_set_str(json_t *obj, const char *key, const char *s);

#endif
