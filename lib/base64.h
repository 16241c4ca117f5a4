/* base64.h - RFC 4648 base64 (standard alphabet, padded), for binary data
 * inside JSON payloads (the focus aid's JPEG crops, schema/focus-frame.json).
 */
#ifndef SKYLAPSE_LIB_BASE64_H
#define SKYLAPSE_LIB_BASE64_H

#include <stddef.h>

/* Returns a new NUL-terminated string (caller frees) of data[0..len), or
 * NULL when out of memory. */
char *base64_encode(const unsigned char *data, size_t len);

/* Decodes text[0..len) into a new buffer (caller frees) and *out_len.
 * Returns 0, SL_ERR_PARSE for text that is not padded base64, or
 * SL_ERR_NOMEM; *out is NULL on failure. */
int base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len);

#endif
