/* sha256.h - SHA-256 of a buffer as lower-case hex (OpenSSL's libcrypto). */
#ifndef SL_SHA256_H
#define SL_SHA256_H

#include <stddef.h>

#define SHA256_HEX_LEN 65

/* Writes 64 hex digits and a NUL to out. Returns 0 or SL_ERR_NOMEM. */
int sha256_hex(const void *buf, size_t len, char out[SHA256_HEX_LEN]);
/* Same for a file's contents; 0, or -1 with errno. */
int sha256_file_hex(const char *path, char out[SHA256_HEX_LEN]);
/* Both files' digests, hashed together where the CPU allows it (see
 * sha256_ni.h), which takes about two thirds of the CPU time of one after
 * the other. For each file, err[i] is 0 and out[i] its digest, or err[i]
 * is the errno that opening or reading it failed with (out[i] empty).
 * SKYLAPSE_SHA_NI=0 in the environment makes it hash one file after the
 * other through libcrypto, as on CPUs without the SHA extensions.
 * Returns 0, or SL_ERR_NOMEM with nothing done. */
int sha256_file_pair_hex(const char *const path[2], char out[2][SHA256_HEX_LEN], int err[2]);

#endif
