/* auth_cors.h - who may call the API: the bearer token and CORS origins.
 *
 * Pure decisions, applied by http.c to every request: with API_TOKEN set,
 * every request that can change something (any method but GET, HEAD and
 * OPTIONS) must carry "Authorization: Bearer <token>"; browsers learn from
 * the CORS headers which origins may read the answers (CORS_ORIGINS: "*",
 * the default, or a comma-separated list of origins).
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_AUTH_CORS_H
#define SKYLAPSE_BRIDGE_HTTP_AUTH_CORS_H

#include <stdbool.h>

#define CORS_ORIGINS_MAX 16
#define CORS_ORIGIN_LEN 256

struct cors_policy {
	bool any;
	int count;
	char origins[CORS_ORIGINS_MAX][CORS_ORIGIN_LEN];
};

/* Parses "*" or "https://a.example, http://b:3000" (blanks and a trailing
 * '/' of each origin ignored). NULL or "" means "*". Returns 0, or
 * SL_ERR_INVAL for an entry that is not an http(s) origin, SL_ERR_RANGE for
 * too many or too long entries. */
int cors_parse(const char *spec, struct cors_policy *p);

/* The Access-Control-Allow-Origin value for a request's Origin header
 * (NULL when absent): "*", the origin itself, or NULL when the origin is
 * not allowed (no header is sent). Borrowed. */
const char *cors_allow_origin(const struct cors_policy *p, const char *origin);

/* True when `method` (router.h bits) needs the token. */
bool auth_method_needs_token(unsigned method);

/* True when `authorization` (the header, may be NULL) carries `token`; an
 * empty token accepts everything. Compares in constant time. */
bool auth_bearer_ok(const char *token, const char *authorization);

#endif
