/* router.h - matching a request line against the bridge's route table.
 *
 * Pure: no I/O, no libmicrohttpd. A route is a method set and a pattern of
 * '/'-separated segments where "{name}" matches one segment and a final
 * "{name*}" matches the rest of the path (one segment or more). Matching
 * works on the raw (percent-encoded) path: each segment is decoded on its
 * own, so an encoded "%2F" never creates a segment boundary, and the rest
 * parameter is decoded as a whole. The table is the single list of what the
 * server answers (`skylapse-bridge --list-routes` prints it; a test compares
 * it with schema/openapi.json).
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_ROUTER_H
#define SKYLAPSE_BRIDGE_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTE_PARAMS_MAX 2
#define ROUTE_PATH_MAX 4096

/* Methods as bits, so a route and an Allow header are sets. */
enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_PATCH = 1 << 5,
	HTTP_OPTIONS = 1 << 6,
	HTTP_OTHER = 1 << 7,
};

struct bridge;
struct request;

/* A route handler answers (or suspends) the request; returns 0, or a
 * negative code when it could not answer at all (the caller sends 500). */
typedef int route_fn(struct bridge *b, struct request *rq);

struct route {
	unsigned methods;    /* HTTP_GET implies HEAD */
	const char *pattern; /* "/cameras/{id}/latest.jpg" */
	route_fn *fn;
	const char *summary; /* one line, for --list-routes */
	unsigned flags;      /* ROUTE_* */
};

/* Tried only when no other pattern matches the path (so GET /capture is a
 * 405, not a static file). */
#define ROUTE_FALLBACK 1u
/* Answers from the broker's retained state: waits (bounded) until it is in
 * (http_opts.ready). */
#define ROUTE_STATE 2u
/* Needs the token (when one is set) for reading too: the configuration
 * file, which may hold sections of the earlier stack with secrets. */
#define ROUTE_TOKEN 4u

struct route_match {
	const struct route *route;
	int nparams;
	const char *params[ROUTE_PARAMS_MAX]; /* decoded, pointing into buf */
	char *buf;     /* set by the caller: strlen(path) + 2 bytes are enough */
	size_t buflen;
};

/* "GET" -> HTTP_GET ...; anything unknown is HTTP_OTHER. */
unsigned http_method_parse(const char *name);

/* Finds the route for `method` and the raw `path` (no query). The caller
 * provides m->buf and m->buflen for the decoded parameters. Returns 0 and
 * fills *m; SL_ERR_NOTFOUND when no pattern matches the path;
 * SL_ERR_UNSUPPORTED when patterns match but not for that method (their
 * methods are in *allowed, HEAD and OPTIONS included); SL_ERR_PARSE when
 * a segment has malformed percent-encoding (or encodes NUL); SL_ERR_RANGE
 * when the path is too long (ROUTE_PATH_MAX) or m->buf too small. Table and path are borrowed. */
int router_match(const struct route *table, size_t n, unsigned method, const char *path,
		 struct route_match *m, unsigned *allowed);

/* Writes "GET, HEAD, POST, OPTIONS" for a method set into out. */
void router_allow_list(unsigned methods, char *out, size_t outlen);

#endif
