/* sha256.h - SHA-256 of a buffer or a file as lower-case hex, through
 * libcrypto's EVP interface (which uses the CPU's SHA instructions where it
 * has them). */
#ifndef SKYLAPSE_LIB_SHA256_H
#define SKYLAPSE_LIB_SHA256_H

#include <stddef.h>

#define SHA256_HEX_LEN 65

/* Writes 64 hex digits and a NUL to out. Returns 0 or SL_ERR_NOMEM. */
int sha256_hex(const void *buf, size_t len, char out[SHA256_HEX_LEN]);
/* Same for a file's contents; 0, or -1 with errno. */
int sha256_file_hex(const char *path, char out[SHA256_HEX_LEN]);

#endif
