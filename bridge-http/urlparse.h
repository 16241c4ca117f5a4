/* urlparse.h - percent-decoding, query strings and Range headers.
 *
 * Pure functions over untrusted request text, each with a clear verdict so
 * the caller can answer 400 (malformed), 404 (a path that cannot name a
 * file) or 416 (a range outside the file). Decoding never produces NUL
 * bytes: "%00" is malformed, so a decoded string is always a C string of
 * exactly what was sent.
 */
#ifndef BRIDGE_URLPARSE_H
#define BRIDGE_URLPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes in[0..len) into out (NUL-terminated). plus_is_space: '+' means
 * ' ' (query strings). Returns the decoded length, SL_ERR_PARSE for a bad
 * or truncated escape or an encoded NUL, SL_ERR_RANGE when out is small. */
int url_decode(const char *in, size_t len, bool plus_is_space, char *out, size_t outlen);

/* Splits a raw request target "/a/b?x=1" into its path and query (query
 * points after '?', or "" when none); both borrowed from target. */
void url_split(const char *target, size_t *path_len, const char **query);

/* The decoded value of the first `key` in a query string "a=1&b=x+y".
 * A key without '=' has the value "". Returns 0, SL_ERR_NOTFOUND,
 * SL_ERR_PARSE (bad escape) or SL_ERR_RANGE (value longer than outlen-1). */
int query_get(const char *query, const char *key, char *out, size_t outlen);

/* A single byte range, inclusive at both ends. */
struct byte_range {
	uint64_t first, last;
};

/* Reads a Range header for a representation of `size` bytes (RFC 9110).
 * Returns 0 with *r for one satisfiable range (clamped to the size);
 * SL_ERR_NOTFOUND when the header must be ignored and the whole file sent
 * (NULL, not "bytes=", malformed, several ranges); SL_ERR_RANGE when the
 * range is unsatisfiable (answer 416 with a Content-Range naming the size). */
int range_parse(const char *header, uint64_t size, struct byte_range *r);

#endif
