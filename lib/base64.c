/* base64.c - RFC 4648 base64 (base64.h): libcrypto's EVP block coder, with
 * the strictness it lacks (it skips blanks and takes '=' anywhere). */
#include "base64.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const unsigned char *data, size_t len)
{
	char *out;

	if (len > (size_t)INT32_MAX / 4 * 3 || (out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len); /* NUL-terminates */
	return out;
}

int base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len)
{
	size_t pad = len >= 2 && text[len - 1] == '=' ? (text[len - 2] == '=' ? 2 : 1) : 0;
	unsigned char *buf;
	int n;

	*out = NULL;
	*out_len = 0;
	/* whole quanta of the alphabet, then at most two '=' at the very end */
	if (len % 4 || len > (size_t)INT32_MAX)
		return SL_ERR_PARSE;
	for (size_t i = 0; i < len - pad; i++)
		if (text[i] == '\0' || strchr(ALPHABET, text[i]) == NULL)
			return SL_ERR_PARSE;
	if ((buf = malloc(len / 4 * 3 + 1)) == NULL)
		return SL_ERR_NOMEM;
	n = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(buf);
		return SL_ERR_PARSE;
	}
	*out = buf;
	*out_len = (size_t)n - pad; /* EVP counts the padding as zero bytes */
	return SL_OK;
}
