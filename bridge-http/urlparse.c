/* urlparse.c - percent-decoding of paths and Range headers; see urlparse.h. */
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

int url_decode(const char *in, size_t len, char *out, size_t outlen)
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
			i++;
		}
		if (o + 1 >= outlen)
			return SL_ERR_RANGE;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

size_t url_path_len(const char *target)
{
	/* a fragment is never sent by browsers; if a client does, it is not
	 * part of the path */
	return strcspn(target, "?#");
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
