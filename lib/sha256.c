/* sha256.c - SHA-256 through libcrypto's EVP interface; see sha256.h. */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "err.h"

#define CHUNK 65536 /* read at a time */

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
