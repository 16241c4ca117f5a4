/* http.h - libmicrohttpd inside the program's event loop.
 *
 * The server runs MHD without threads (MHD_USE_EPOLL): MHD's epoll
 * descriptor is one more fd of loop.h, MHD_run() is called when it is
 * readable and when MHD's own timeout falls due, so route handlers, MQTT
 * callbacks and timers all run on the main thread and share state without
 * locks. Requests are opaque here; handlers read them with req_* and answer
 * with exactly one http_reply_* call, or suspend them (req_suspend) and
 * answer later from any callback with http_complete_*.
 *
 * Every answer carries the CORS headers of the request's Origin; errors are
 * JSON {"error": "...", "error_kind": "..."}: the sentence for people, the
 * word of err.h for programs. Bodies are read up to HTTP_BODY_MAX (413 beyond);
 * with a token configured, methods that change things need it (401), and
 * so does every method of a ROUTE_TOKEN route.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_HTTP_H
#define SKYLAPSE_BRIDGE_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_cors.h"
#include "loop.h"
#include "router.h"

#define HTTP_BODY_MAX (64 * 1024)

struct http_server;
struct request;
struct http_stream;
struct http_cached;

struct http_opts {
	const char *bind;          /* "0.0.0.0", "127.0.0.1", "::" */
	int port;
	unsigned connection_limit; /* 0: a default below the fd limit */
	const struct route *routes; /* borrowed; must outlive the server */
	size_t nroutes;
	struct bridge *app;         /* handed to every route_fn */
	const struct cors_policy *cors; /* borrowed */
	const char *token;          /* borrowed; "" or NULL: no token */
	/* false while the retained state is coming in: requests for routes
	 * that need it wait until http_state_ready(); NULL: always ready */
	bool (*ready)(const struct bridge *app);
};

/* Starts listening. Returns 0 and *out, SL_ERR_IO when the address cannot
 * be bound (the reason is logged), SL_ERR_NOMEM. */
int http_start(struct loop *loop, const struct http_opts *o, struct http_server **out);
/* Ends suspended requests and streams, stops and frees; accepts NULL. */
void http_stop(struct http_server **s);
/* Connections currently open (for /health). */
unsigned http_connections(const struct http_server *s);
/* The retained state may be in (opts.ready): requests waiting for it are
 * routed again. */
void http_state_ready(struct http_server *s);

/* --- reading a request (all results borrowed for the request's life) --- */
unsigned req_method(const struct request *rq);
/* The decoded route parameter i (router.h), or NULL. */
const char *req_param(const struct request *rq, int i);
/* Copies the value of query argument `key` into out, as libmicrohttpd
 * parsed it ('+' a space, "%HH" decoded, a bare key ""). Returns 0,
 * SL_ERR_NOTFOUND, SL_ERR_PARSE for an encoded NUL ("%00": a value is
 * always exactly what was sent), SL_ERR_RANGE when longer than outlen-1. */
int req_query_arg(const struct request *rq, const char *key, char *out, size_t outlen);
/* A request header, or NULL. */
const char *req_header(const struct request *rq, const char *name);
/* The body (NUL-terminated after *len bytes; "" when none). */
const char *req_body(const struct request *rq, size_t *len);
/* Runs fn(arg) when the request ends for any reason (answered, connection
 * closed, server stopping): lets a module drop its pointer to rq. */
void req_on_end(struct request *rq, void (*fn)(void *arg), void *arg);

/* --- answering now (from a route handler); each returns 0 or an error -- */
/* Steals `body`. */
int http_reply_json(struct request *rq, unsigned status, json_t *body);
/* {"error": the sentence, "error_kind": err_kind(code)}; `code` is an
 * sl_err (a 0 code is "internal"). */
int http_reply_error(struct request *rq, unsigned status, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Copies buf. */
int http_reply_bytes(struct request *rq, unsigned status, const char *content_type,
		     const void *buf, size_t len, const char *cache_control);
/* Sends a regular file, honouring Range (206, 416) when `ranges` is set.
 * `path` is trusted (already resolved under its root). 404 when it cannot
 * be opened. */
int http_reply_file(struct request *rq, const char *path, const char *content_type,
		    const char *cache_control, bool ranges);
/* Sends a prepared answer (see http_cached_new); the cached object is
 * shared, not consumed. */
int http_reply_cached(struct request *rq, struct http_cached *c);

/* A reusable answer: the bytes are copied once, the same MHD response is
 * queued for every request whose CORS headers it fits. content_type must be
 * a string literal. */
struct http_cached *http_cached_new(const struct http_server *s, unsigned status,
				    const char *content_type, const char *buf, size_t len);
void http_cached_free(struct http_cached **c);

/* --- answering later --------------------------------------------------- */
/* Suspends rq (call from its handler, then return 0 without replying). */
void req_suspend(struct request *rq);
/* Answers a suspended request: stores the answer and resumes it; MHD sends
 * it on the next loop turn. Steals `body`. */
void http_complete_json(struct request *rq, unsigned status, json_t *body);
void http_complete_error(struct request *rq, unsigned status, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* --- streams (Server-Sent Events) -------------------------------------- */
enum { HTTP_STREAM_WAIT = -1, HTTP_STREAM_END = -2 };
/* Fills buf with up to max bytes of the stream from position pos; returns
 * the count, HTTP_STREAM_WAIT when there is nothing to send yet (the
 * connection sleeps until http_stream_wake), or HTTP_STREAM_END. */
typedef long http_stream_read_fn(void *arg, uint64_t pos, char *buf, size_t max);
/* Answers rq with an endless 200 stream; `done(arg)` runs once when the
 * stream ends (client gone or server stopping). Returns the stream handle
 * (valid until `done`), or NULL after answering 500. */
struct http_stream *http_reply_stream(struct request *rq, const char *content_type,
				      http_stream_read_fn *read, void (*done)(void *arg),
				      void *arg);
/* Wakes a stream sleeping after HTTP_STREAM_WAIT; harmless otherwise. */
void http_stream_wake(struct http_stream *st);

#endif
