/* auth_cors.c - bearer token and CORS origin decisions; see auth_cors.h. */
#include "auth_cors.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "router.h"

static bool is_origin(const char *s, size_t n)
{
	size_t scheme = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;

	if (scheme == 0 || n <= scheme)
		return false;
	for (size_t i = scheme; i < n; i++)
		if (s[i] == '/' || s[i] == ' ' || (unsigned char)s[i] < 0x21)
			return false;
	return true;
}

int cors_parse(const char *spec, struct cors_policy *p)
{
	const char *s = spec;

	memset(p, 0, sizeof(*p));
	if (spec == NULL || strspn(spec, " \t") == strlen(spec)) {
		p->any = true;
		return SL_OK;
	}
	while (*s) {
		size_t n;

		s += strspn(s, " \t,");
		if (*s == '\0')
			break;
		n = strcspn(s, ",");
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 1 && s[0] == '*') {
			p->any = true;
		} else {
			if (n > 0 && s[n - 1] == '/')
				n--;
			if (!is_origin(s, n))
				return SL_ERR_INVAL;
			if (p->count >= CORS_ORIGINS_MAX || n >= CORS_ORIGIN_LEN)
				return SL_ERR_RANGE;
			memcpy(p->origins[p->count], s, n);
			p->origins[p->count++][n] = '\0';
		}
		s += strcspn(s, ",");
	}
	if (p->count == 0)
		p->any = true;
	return SL_OK;
}

const char *cors_allow_origin(const struct cors_policy *p, const char *origin)
{
	if (p->any)
		return "*";
	if (origin == NULL)
		return NULL;
	for (int i = 0; i < p->count; i++)
		if (strcasecmp(p->origins[i], origin) == 0)
			return origin;
	return NULL;
}

bool auth_method_needs_token(unsigned method)
{
	return !(method & (HTTP_GET | HTTP_HEAD | HTTP_OPTIONS));
}

bool auth_bearer_ok(const char *token, const char *authorization)
{
	size_t tlen, glen;
	const char *given;
	unsigned char diff;

	if (token == NULL || *token == '\0')
		return true;
	if (authorization == NULL)
		return false;
	given = authorization + strspn(authorization, " \t");
	if (strncasecmp(given, "Bearer", 6) != 0 || (given[6] != ' ' && given[6] != '\t'))
		return false;
	given += 6;
	given += strspn(given, " \t");
	glen = strcspn(given, " \t");
	if (given[glen + strspn(given + glen, " \t")] != '\0')
		return false;
	tlen = strlen(token);
	/* Every byte of the token is compared whatever the input, so timing
	 * tells nothing about how much of a guess was right. */
	diff = (unsigned char)(glen != tlen);
	for (size_t i = 0; i < tlen; i++)
		diff |= (unsigned char)(token[i] ^ (i < glen ? given[i] : 0));
	return diff == 0;
}
