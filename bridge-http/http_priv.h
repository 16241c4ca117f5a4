/* http_priv.h - what http.c (server, requests, dispatch) and http_reply.c
 * (answers, deferred answers, streams) share; not for route handlers, which
 * use http.h only.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_HTTP_PRIV_H
#define SKYLAPSE_BRIDGE_HTTP_HTTP_PRIV_H

#include <microhttpd.h>
#include <stdarg.h>

#include "http.h"

struct http_server {
	struct MHD_Daemon *d;
	struct loop *loop;
	struct http_opts o;
	int epfd;
	long timer;
	int64_t timer_due;
	bool stopping;
	struct request *suspended; /* requests waiting for http_complete_* */
	struct http_stream *streams;
};

struct request {
	struct http_server *srv;
	struct MHD_Connection *conn;
	char *target; /* raw path, NUL-terminated; match.buf follows it */
	unsigned method;
	unsigned status; /* of the answer, for the log */
	bool started, answered, suspended, too_big, deferred;
	bool waiting, redispatch; /* for the retained state (http_opts.ready) */
	const char *allow_origin;
	char *body;
	size_t body_len, body_cap, discarded;
	struct route_match match;
	unsigned d_status; /* the stored answer of a suspended request */
	json_t *d_body;
	void (*end_fn)(void *arg);
	void *end_arg;
	struct request *prev, *next; /* in srv->suspended */
};

struct http_stream {
	struct http_server *srv;
	struct MHD_Connection *conn;
	http_stream_read_fn *read;
	void (*done)(void *arg);
	void *arg;
	bool sleeping;
	struct http_stream *prev, *next;
};

struct http_cached {
	struct MHD_Response *r;
	unsigned status;
	const char *content_type; /* static */
	const char *buf; /* owned by r */
	size_t len;
};

/* http_reply.c */
/* Queues r (consumed) for rq with its CORS headers; 0 or an error. */
int http_queue(struct request *rq, unsigned status, struct MHD_Response *r);
/* A JSON error answer with one extra header (Allow, WWW-Authenticate...). */
int http_reply_error_h(struct request *rq, unsigned status, int code, const char *hname,
		       const char *hval, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void http_unlink_suspended(struct request *rq);

/* http.c */
/* Makes MHD look at resumed connections on the next loop turn. */
void http_run_soon(struct http_server *s);

#endif
