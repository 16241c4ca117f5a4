/* base64.c - RFC 4648 base64 encoding and strict decoding (base64.h). */
#include "base64.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "err.h"

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const unsigned char *data, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

		*p++ = ALPHABET[v >> 18];
		*p++ = ALPHABET[(v >> 12) & 63];
		*p++ = ALPHABET[(v >> 6) & 63];
		*p++ = ALPHABET[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);

		*p++ = ALPHABET[v >> 18];
		*p++ = ALPHABET[(v >> 12) & 63];
		*p++ = i + 1 < len ? ALPHABET[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len)
{
	unsigned char *buf, *p;
	size_t pad = 0;
	int rc = SL_ERR_PARSE;

	*out = NULL;
	*out_len = 0;
	if (len % 4)
		return SL_ERR_PARSE;
	if (len >= 1 && text[len - 1] == '=')
		pad = len >= 2 && text[len - 2] == '=' ? 2 : 1;
	p = buf = malloc(len / 4 * 3 + 1);
	if (buf == NULL)
		return SL_ERR_NOMEM;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int s[4];

		for (int k = 0; k < 4; k++) {
			s[k] = sextet(text[i + k]);
			if (s[k] < 0 && !(last && k >= 4 - (int)pad))
				goto out;
		}
		*p++ = (unsigned char)(s[0] << 2 | s[1] >> 4);
		if (!(last && pad == 2))
			*p++ = (unsigned char)((s[1] & 15) << 4 | s[2] >> 2);
		if (!(last && pad >= 1))
			*p++ = (unsigned char)((s[2] & 3) << 6 | s[3]);
	}
	*out = buf;
	*out_len = (size_t)(p - buf);
	buf = NULL;
	rc = SL_OK;
out:
	free(buf);
	return rc;
}
