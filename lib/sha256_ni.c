/* sha256_ni.c - SHA-256 compression with the x86 SHA extensions; see
 * sha256_ni.h. The algorithm is FIPS 180-4's; the state is kept as the
 * instructions want it, in two registers holding (a, b, e, f) and
 * (c, d, g, h), and the message schedule in four registers of four words.
 */
#include "sha256_ni.h"

#include <stdlib.h>
#include <string.h>

static const uint32_t initial[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

void sha256_ni_init(uint32_t h[8])
{
	memcpy(h, initial, sizeof(initial));
}

void sha256_ni_final(uint32_t h[8], const unsigned char *tail, size_t tail_len, uint64_t total,
		     unsigned char digest[32])
{
	unsigned char last[2 * SHA256_BLOCK] = {0};
	size_t n = tail_len + 9 <= SHA256_BLOCK ? SHA256_BLOCK : 2 * SHA256_BLOCK;
	uint64_t bits = total * 8;

	memcpy(last, tail, tail_len);
	last[tail_len] = 0x80;
	for (int i = 0; i < 8; i++)
		last[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha256_ni_blocks(h, last, n / SHA256_BLOCK);
	for (int i = 0; i < 8; i++) {
		digest[4 * i] = (unsigned char)(h[i] >> 24);
		digest[4 * i + 1] = (unsigned char)(h[i] >> 16);
		digest[4 * i + 2] = (unsigned char)(h[i] >> 8);
		digest[4 * i + 3] = (unsigned char)h[i];
	}
}

#if defined(__x86_64__) || defined(__i386__)

#include <cpuid.h>
#include <immintrin.h>

#define TARGET __attribute__((target("sha,ssse3,sse4.1")))
#define INLINE TARGET __attribute__((always_inline)) static inline

static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

bool sha256_ni_usable(void)
{
	static _Atomic int usable = -1; /* every thread finds the same */
	unsigned a, b, c, d;

	if (usable < 0)
		usable = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) && (c & bit_SSE4_1) &&
			 __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
	return usable == 1;
}

/* One message's working set: the state and the last 16 schedule words. */
struct lane {
	__m128i abef, cdgh;
	__m128i w[4]; /* w[g % 4]: words 4g .. 4g+3 */
};

INLINE void lane_load(struct lane *l, const uint32_t h[8])
{
	__m128i dcba = _mm_loadu_si128((const __m128i *)h);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)(h + 4));
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);

	l->abef = _mm_alignr_epi8(cdab, efgh, 8);
	l->cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

INLINE void lane_store(const struct lane *l, uint32_t h[8])
{
	__m128i feba = _mm_shuffle_epi32(l->abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(l->cdgh, 0xB1);

	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

/* Rounds 4g .. 4g+3 of the block at p: words 0..15 come from the block
 * (big-endian), later ones from the schedule
 *   W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16],
 * msg1 adding the s0 term, msg2 the s1 term, alignr giving W[t-7]. */
INLINE void rounds4(struct lane *l, const unsigned char *p, int g)
{
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i *w = l->w, wk;

	if (g < 4) {
		w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), swap);
	} else {
		__m128i x = _mm_sha256msg1_epu32(w[g % 4], w[(g + 1) % 4]);

		x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) % 4], w[(g + 2) % 4], 4));
		w[g % 4] = _mm_sha256msg2_epu32(x, w[(g + 3) % 4]);
	}
	wk = _mm_add_epi32(w[g % 4], _mm_load_si128((const __m128i *)(K + 4 * g)));
	l->cdgh = _mm_sha256rnds2_epu32(l->cdgh, l->abef, wk);
	l->abef = _mm_sha256rnds2_epu32(l->abef, l->cdgh, _mm_shuffle_epi32(wk, 0x0E));
}

TARGET void sha256_ni_blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
	struct lane a;

	lane_load(&a, h);
	for (; n > 0; n--, p += SHA256_BLOCK) {
		__m128i abef = a.abef, cdgh = a.cdgh;

#pragma GCC unroll 16
		for (int g = 0; g < 16; g++)
			rounds4(&a, p, g);
		a.abef = _mm_add_epi32(a.abef, abef);
		a.cdgh = _mm_add_epi32(a.cdgh, cdgh);
	}
	lane_store(&a, h);
}

TARGET void sha256_ni_blocks2(uint32_t ha[8], const unsigned char *pa, uint32_t hb[8],
			      const unsigned char *pb, size_t n)
{
	struct lane a, b;

	lane_load(&a, ha);
	lane_load(&b, hb);
	for (; n > 0; n--, pa += SHA256_BLOCK, pb += SHA256_BLOCK) {
		__m128i a_abef = a.abef, a_cdgh = a.cdgh, b_abef = b.abef, b_cdgh = b.cdgh;

#pragma GCC unroll 16
		for (int g = 0; g < 16; g++) {
			rounds4(&a, pa, g);
			rounds4(&b, pb, g);
		}
		a.abef = _mm_add_epi32(a.abef, a_abef);
		a.cdgh = _mm_add_epi32(a.cdgh, a_cdgh);
		b.abef = _mm_add_epi32(b.abef, b_abef);
		b.cdgh = _mm_add_epi32(b.cdgh, b_cdgh);
	}
	lane_store(&a, ha);
	lane_store(&b, hb);
}

#else /* no SHA extensions to use: never called, as sha256_ni_usable() says */

bool sha256_ni_usable(void)
{
	return false;
}

void sha256_ni_blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
	(void)h, (void)p, (void)n;
	abort();
}

void sha256_ni_blocks2(uint32_t ha[8], const unsigned char *pa, uint32_t hb[8],
		       const unsigned char *pb, size_t n)
{
	(void)ha, (void)pa, (void)hb, (void)pb, (void)n;
	abort();
}

#endif
