/* urlparse.c - percent-decoding, queries and Range headers; see urlparse.h. */
#include "urlparse.h"

#include <ctype.h>
#include <strings.h>
#include <string.h>

#include "err.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int url_decode(const char *in, size_t len, bool plus_is_space, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	if (outlen == 0)
		return SL_ERR_RANGE;
	while (i < len) {
		char c = in[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return SL_ERR_PARSE;
			hi = hexval(in[i + 1]);
			lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return SL_ERR_PARSE;
			c = (char)(hi * 16 + lo);
			i += 3;
		} else {
			if (c == '\0')
				return SL_ERR_PARSE;
			if (c == '+' && plus_is_space)
				c = ' ';
			i++;
		}
		if (o + 1 >= outlen)
			return SL_ERR_RANGE;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

void url_split(const char *target, size_t *path_len, const char **query)
{
	const char *q = strchr(target, '?');
	const char *hash = strchr(target, '#');

	/* A fragment is never sent by browsers; if a client does, it is not
	 * part of the path. */
	if (hash && (q == NULL || hash < q)) {
		*path_len = (size_t)(hash - target);
		*query = "";
		return;
	}
	*path_len = q ? (size_t)(q - target) : strlen(target);
	*query = q ? q + 1 : "";
}

int query_get(const char *query, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		const char *kend = eq ? eq : end;
		char name[128];
		int n = url_decode(p, (size_t)(kend - p), true, name, sizeof(name));

		if (n >= 0 && (size_t)n == klen && memcmp(name, key, klen) == 0) {
			if (eq == NULL) {
				if (outlen == 0)
					return SL_ERR_RANGE;
				out[0] = '\0';
				return SL_OK;
			}
			n = url_decode(eq + 1, (size_t)(end - eq - 1), true, out, outlen);
			return n < 0 ? n : SL_OK;
		}
		p = amp ? amp + 1 : NULL;
	}
	return SL_ERR_NOTFOUND;
}

/* Reads an unsigned decimal at *p (no sign, no blanks); false when there is
 * none or it overflows. */
static bool read_u64(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return true;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int range_parse(const char *header, uint64_t size, struct byte_range *r)
{
	const char *p;
	uint64_t a, b;

	if (header == NULL)
		return SL_ERR_NOTFOUND;
	p = skip_blanks(header);
	if (strncasecmp(p, "bytes", 5) != 0)
		return SL_ERR_NOTFOUND;
	p = skip_blanks(p + 5);
	if (*p++ != '=')
		return SL_ERR_NOTFOUND;
	p = skip_blanks(p);
	if (*p == '-') {
		/* suffix: the last b bytes */
		p++;
		if (!read_u64(&p, &b))
			return SL_ERR_NOTFOUND;
		p = skip_blanks(p);
		if (*p != '\0')
			return SL_ERR_NOTFOUND;
		if (b == 0 || size == 0)
			return SL_ERR_RANGE;
		r->first = b >= size ? 0 : size - b;
		r->last = size - 1;
		return SL_OK;
	}
	if (!read_u64(&p, &a) || *p++ != '-')
		return SL_ERR_NOTFOUND;
	if (isdigit((unsigned char)*p)) {
		if (!read_u64(&p, &b) || b < a)
			return SL_ERR_NOTFOUND;
	} else {
		b = UINT64_MAX;
	}
	p = skip_blanks(p);
	if (*p != '\0')
		return SL_ERR_NOTFOUND; /* several ranges: send the whole file */
	if (a >= size)
		return SL_ERR_RANGE;
	r->first = a;
	r->last = b >= size ? size - 1 : b;
	return SL_OK;
}
