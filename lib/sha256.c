/* sha256.c - SHA-256 through libcrypto's EVP interface (uses the CPU's SHA
 * extensions where present), and pairs of files through sha256_ni. */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "sha256_ni.h"

#define CHUNK 65536 /* read at a time (per file of a pair) */

static void to_hex(const unsigned char *d, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int sha256_hex(const void *buf, size_t len, char out[SHA256_HEX_LEN])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_Digest(buf, len, d, &n, EVP_sha256(), NULL))
		return SL_ERR_NOMEM;
	to_hex(d, n, out);
	return SL_OK;
}

int sha256_file_hex(const char *path, char out[SHA256_HEX_LEN])
{
	unsigned char buf[CHUNK], d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_MD_CTX *ctx;
	int fd, rc = -1;
	ssize_t got;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		errno = ENOMEM;
		goto out;
	}
	while ((got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto out;
		EVP_DigestUpdate(ctx, buf, (size_t)got);
	}
	EVP_DigestFinal_ex(ctx, d, &n);
	to_hex(d, n, out);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

/* One file of a pair being hashed. */
struct stream {
	int fd, err;
	bool eof;
	uint32_t h[8];
	uint64_t total; /* bytes read */
	size_t have;	/* bytes in buf not hashed yet */
	unsigned char buf[CHUNK];
};

/* Reads until buf is full, the file ends or reading fails. */
static void fill(struct stream *s)
{
	while (!s->eof && s->err == 0 && s->have < CHUNK) {
		ssize_t got = read(s->fd, s->buf + s->have, CHUNK - s->have);

		if (got > 0) {
			s->have += (size_t)got;
			s->total += (uint64_t)got;
		} else if (got == 0) {
			s->eof = true;
		} else if (errno != EINTR) {
			s->err = errno;
		}
	}
}

/* Whole blocks ready to hash (none once reading failed). */
static size_t ready(const struct stream *s)
{
	return s->err ? 0 : s->have / SHA256_BLOCK;
}

/* Drops n hashed blocks, keeping the partial one at the front. */
static void consume(struct stream *s, size_t n)
{
	size_t used = n * SHA256_BLOCK;

	memmove(s->buf, s->buf + used, s->have - used);
	s->have -= used;
}

static void hash_pair(struct stream s[2])
{
	for (;;) {
		size_t na, nb, both;

		fill(&s[0]);
		fill(&s[1]);
		na = ready(&s[0]);
		nb = ready(&s[1]);
		if (na == 0 && nb == 0)
			return; /* both at the end (or failed): tails only */
		both = na < nb ? na : nb;
		if (both > 0)
			sha256_ni_blocks2(s[0].h, s[0].buf, s[1].h, s[1].buf, both);
		if (na > both)
			sha256_ni_blocks(s[0].h, s[0].buf + both * SHA256_BLOCK, na - both);
		if (nb > both)
			sha256_ni_blocks(s[1].h, s[1].buf + both * SHA256_BLOCK, nb - both);
		consume(&s[0], na);
		consume(&s[1], nb);
	}
}

int sha256_file_pair_hex(const char *const path[2], char out[2][SHA256_HEX_LEN], int err[2])
{
	const char *off = getenv("SKYLAPSE_SHA_NI");
	struct stream *s;

	if (!sha256_ni_usable() || (off && strcmp(off, "0") == 0)) {
		for (int i = 0; i < 2; i++) {
			err[i] = sha256_file_hex(path[i], out[i]) < 0 ? errno : 0;
			if (err[i] != 0)
				out[i][0] = '\0';
		}
		return SL_OK;
	}
	s = malloc(2 * sizeof(*s));
	if (s == NULL)
		return SL_ERR_NOMEM;
	for (int i = 0; i < 2; i++) {
		s[i].fd = open(path[i], O_RDONLY | O_CLOEXEC);
		s[i].err = s[i].fd < 0 ? errno : 0;
		s[i].eof = false;
		s[i].total = 0;
		s[i].have = 0;
		sha256_ni_init(s[i].h);
	}
	hash_pair(s);
	for (int i = 0; i < 2; i++) {
		unsigned char d[32];

		out[i][0] = '\0';
		err[i] = s[i].err;
		if (s[i].fd >= 0)
			close(s[i].fd);
		if (err[i] == 0) {
			sha256_ni_final(s[i].h, s[i].buf, s[i].have, s[i].total, d);
			to_hex(d, sizeof(d), out[i]);
		}
	}
	free(s);
	return SL_OK;
}
