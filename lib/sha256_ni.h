/* sha256_ni.h - SHA-256 block compression with the x86 SHA extensions, for
 * one message or two at once.
 *
 * Each sha256rnds2 instruction waits on the previous one of its message, so
 * one message at a time is bound by the instruction's latency; two messages
 * interleaved keep the unit busier (1.5 times the throughput of one after
 * the other on the machine this was measured on; four gave no more).
 * lib/sha256.c uses this for pairs of files and libcrypto for everything
 * else.
 *
 * sha256_ni_usable() is false on other CPUs and architectures; the other
 * functions may only be called when it is true.
 */
#ifndef SL_SHA256_NI_H
#define SL_SHA256_NI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_BLOCK 64

/* The CPU has SHA, SSSE3 and SSE4.1 (checked once). */
bool sha256_ni_usable(void);
/* The initial state. */
void sha256_ni_init(uint32_t h[8]);
/* Compresses n whole 64-byte blocks of p into h. */
void sha256_ni_blocks(uint32_t h[8], const unsigned char *p, size_t n);
/* Compresses n blocks of pa into ha and n blocks of pb into hb, together. */
void sha256_ni_blocks2(uint32_t ha[8], const unsigned char *pa, uint32_t hb[8],
		       const unsigned char *pb, size_t n);
/* Pads the last tail_len (< 64) bytes of a message of total bytes and
 * writes the 32-byte digest. */
void sha256_ni_final(uint32_t h[8], const unsigned char *tail, size_t tail_len, uint64_t total,
		     unsigned char digest[32]);

#endif
