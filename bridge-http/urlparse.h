/* urlparse.h - what libmicrohttpd does not do for us: strict
 * percent-decoding of path segments, and Range headers (query arguments are
 * MHD's, see req_query_arg()).
 *
 * Pure functions over untrusted request text, each with a clear verdict so
 * the caller can answer 400 (malformed), 404 (a path that cannot name a
 * file) or 416 (a range outside the file). Decoding never produces NUL
 * bytes: "%00" is malformed, so a decoded string is always a C string of
 * exactly what was sent.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_URLPARSE_H
#define SKYLAPSE_BRIDGE_HTTP_URLPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes in[0..len) into out (NUL-terminated); '+' stays '+', as in a
 * path. Returns the decoded length, SL_ERR_PARSE for a bad or truncated
 * escape or an encoded NUL, SL_ERR_RANGE when out is small. */
int url_decode(const char *in, size_t len, char *out, size_t outlen);

/* The length of the path of a raw request target "/a/b?x=1#f" (up to the
 * first '?' or '#'). */
size_t url_path_len(const char *target);

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
