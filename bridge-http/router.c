/* router.c - route table matching; see router.h.
 *
 * Each candidate pattern is walked segment by segment against the raw path;
 * fallback routes get a second pass when nothing else matched the path.
 * Literal segments compare with the decoded path segment; "{x}" captures it;
 * "{x*}" captures the (decoded) remainder. Tables are a few dozen entries,
 * so a linear scan costs less than building anything cleverer.
 */
#include "router.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "urlparse.h"

unsigned http_method_parse(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} methods[] = {
		{"GET", HTTP_GET},	 {"HEAD", HTTP_HEAD},	{"POST", HTTP_POST},
		{"PUT", HTTP_PUT},	 {"DELETE", HTTP_DELETE}, {"PATCH", HTTP_PATCH},
		{"OPTIONS", HTTP_OPTIONS},
	};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(name, methods[i].name) == 0)
			return methods[i].bit;
	return HTTP_OTHER;
}

/* Length of the segment starting at s (up to '/' or the end). */
static size_t seglen(const char *s, const char *end)
{
	const char *slash = memchr(s, '/', (size_t)(end - s));

	return slash ? (size_t)(slash - s) : (size_t)(end - s);
}

/* Tries one pattern; 0 on a match (params in m), SL_ERR_NOTFOUND on none,
 * SL_ERR_PARSE / SL_ERR_RANGE for an undecodable path. */
static int match_one(const char *pattern, const char *path, size_t plen, struct route_match *m)
{
	const char *pp = pattern, *sp = path, *end = path + plen;
	size_t used = 0;

	m->nparams = 0;
	if (*pp != '/' || plen == 0 || *sp != '/')
		return SL_ERR_NOTFOUND;
	for (;;) {
		size_t pl, sl;
		bool rest;
		int n;

		pp++;
		sp++;
		pl = strcspn(pp, "/");
		if (sp > end)
			return SL_ERR_NOTFOUND;
		sl = seglen(sp, end);
		rest = pl >= 3 && pp[0] == '{' && pp[pl - 2] == '*' && pp[pl - 1] == '}';
		if (rest) {
			/* the remainder: at least one non-empty segment */
			if (sl == 0 || m->nparams >= ROUTE_PARAMS_MAX)
				return SL_ERR_NOTFOUND;
			n = url_decode(sp, (size_t)(end - sp), m->buf + used, m->buflen - used);
			if (n < 0)
				return n;
			m->params[m->nparams++] = m->buf + used;
			return SL_OK;
		}
		n = url_decode(sp, sl, m->buf + used, m->buflen - used);
		if (n < 0)
			return n;
		if (pl >= 2 && pp[0] == '{' && pp[pl - 1] == '}') {
			if (n == 0 || m->nparams >= ROUTE_PARAMS_MAX)
				return SL_ERR_NOTFOUND;
			m->params[m->nparams++] = m->buf + used;
			used += (size_t)n + 1;
		} else if ((size_t)n != pl || memcmp(pp, m->buf + used, pl) != 0) {
			return SL_ERR_NOTFOUND;
		}
		pp += pl;
		sp += sl;
		if (*pp == '\0' && sp == end)
			return SL_OK;
		if (*pp == '\0' || sp == end)
			return SL_ERR_NOTFOUND;
	}
}

int router_match(const struct route *table, size_t n, unsigned method, const char *path,
		 struct route_match *m, unsigned *allowed)
{
	size_t plen = strlen(path);
	unsigned want = method == HTTP_HEAD ? HTTP_GET : method;
	bool seen = false;

	*allowed = 0;
	if (plen >= ROUTE_PATH_MAX || m->buf == NULL || m->buflen < 2)
		return SL_ERR_RANGE;
	for (int pass = 0; pass < 2 && !seen; pass++) {
		for (size_t i = 0; i < n; i++) {
			int rc;

			if (((table[i].flags & ROUTE_FALLBACK) != 0) != (pass == 1))
				continue;
			rc = match_one(table[i].pattern, path, plen, m);
			if (rc == SL_ERR_PARSE || rc == SL_ERR_RANGE)
				return rc;
			if (rc != SL_OK)
				continue;
			seen = true;
			*allowed |= table[i].methods;
			if (table[i].methods & want) {
				m->route = &table[i];
				return SL_OK;
			}
		}
	}
	if (!seen)
		return SL_ERR_NOTFOUND;
	if (*allowed & HTTP_GET)
		*allowed |= HTTP_HEAD;
	*allowed |= HTTP_OPTIONS;
	m->route = NULL;
	return SL_ERR_UNSUPPORTED;
}

void router_allow_list(unsigned methods, char *out, size_t outlen)
{
	static const char *names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
	size_t used = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (methods & HTTP_GET)
		methods |= HTTP_HEAD;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int w;

		if (!(methods & (1u << i)))
			continue;
		w = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", names[i]);
		if (w < 0 || (size_t)w >= outlen - used)
			return;
		used += (size_t)w;
	}
}
