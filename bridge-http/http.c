/* http.c - libmicrohttpd in the main loop; see http.h.
 *
 * Organisation: request accessors, the request life cycle (created by MHD's
 * URI callback with the raw target, filled by the access handler, released
 * by the completion callback), dispatch (CORS preflight, routing, token),
 * then the server (daemon start/stop, the epoll fd and the timeout timer in
 * loop.h). Answers are built in http_reply.c. A request answered later is
 * suspended; its answer is stored and the connection resumed, and MHD calls
 * the access handler again, which queues the stored answer.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "err.h"
#include "http_priv.h"
#include "log.h"
#include "urlparse.h"

#define DISCARD_MAX (1024 * 1024) /* oversized chunked bodies: drop the connection past this */
/* A connection silent this long is closed (slowloris, half-open); /events
 * pings every 15 s and a suspended request (a capture waiting) never times out */
#define IDLE_TIMEOUT_S 30
/* Connections in all, and from one address: one client cannot take them all */
#define CONN_MAX 4096
#define CONN_PER_IP 1024
/* MHD's memory per connection, which it uses whole: 16 KiB holds any sane
 * request head and keeps 1000 /events clients near 16 MB */
#define CONN_MEMORY (16 * 1024)

/* --- request accessors ------------------------------------------------------ */

unsigned req_method(const struct request *rq)
{
	return rq->method;
}

const char *req_param(const struct request *rq, int i)
{
	return i >= 0 && i < rq->match.nparams ? rq->match.params[i] : NULL;
}

int req_query_arg(const struct request *rq, const char *key, char *out, size_t outlen)
{
	const char *v = NULL;
	size_t n = 0;

	if (MHD_lookup_connection_value_n(rq->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), &v,
					  &n) != MHD_YES)
		return SL_ERR_NOTFOUND;
	if (v == NULL)
		v = "";
	if (strlen(v) != n)
		return SL_ERR_PARSE;
	if (n >= outlen)
		return SL_ERR_RANGE;
	memcpy(out, v, n + 1);
	return SL_OK;
}

const char *req_header(const struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *req_body(const struct request *rq, size_t *len)
{
	*len = rq->body_len;
	return rq->body ? rq->body : "";
}

void req_on_end(struct request *rq, void (*fn)(void *arg), void *arg)
{
	rq->end_fn = fn;
	rq->end_arg = arg;
}

/* --- request life cycle ------------------------------------------------------ */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct request *rq = calloc(1, sizeof(*rq));
	size_t plen = url_path_len(uri);

	(void)conn;
	if (rq == NULL)
		return NULL;
	rq->srv = cls;
	/* one block: the raw path, room for the decoded parameters */
	rq->target = malloc(plen + 1 + plen + 2);
	if (rq->target == NULL) {
		free(rq);
		return NULL;
	}
	memcpy(rq->target, uri, plen);
	rq->target[plen] = '\0';
	rq->match.buf = rq->target + plen + 1;
	rq->match.buflen = plen + 2;
	return rq;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)conn;
	if (rq == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_debug("http: %s ended early (%d)", rq->target, (int)toe);
	else
		log_debug("http: %s %u", rq->target, rq->status);
	if (rq->suspended)
		http_unlink_suspended(rq);
	if (rq->end_fn)
		rq->end_fn(rq->end_arg);
	json_decref(rq->d_body);
	free(rq->body);
	free(rq->target);
	free(rq);
	*con_cls = NULL;
}

static int append_body(struct request *rq, const char *data, size_t n)
{
	if (rq->too_big || rq->body_len + n > HTTP_BODY_MAX) {
		rq->too_big = true;
		rq->discarded += n;
		return rq->discarded > DISCARD_MAX ? SL_ERR_TOOBIG : SL_OK;
	}
	if (rq->body_len + n + 1 > rq->body_cap) {
		size_t cap = rq->body_cap ? rq->body_cap : 1024;
		char *p;

		while (cap < rq->body_len + n + 1)
			cap *= 2;
		p = realloc(rq->body, cap);
		if (p == NULL)
			return SL_ERR_NOMEM;
		rq->body = p;
		rq->body_cap = cap;
	}
	memcpy(rq->body + rq->body_len, data, n);
	rq->body_len += n;
	rq->body[rq->body_len] = '\0';
	return SL_OK;
}

static void reply_preflight(struct request *rq, unsigned allowed)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	char allow[96];

	router_allow_list(allowed, allow, sizeof(allow));
	if (r) {
		MHD_add_response_header(r, "Allow", allow);
		if (rq->allow_origin) {
			MHD_add_response_header(r, "Access-Control-Allow-Methods", allow);
			MHD_add_response_header(r, "Access-Control-Allow-Headers",
						"Authorization, Content-Type, Range, Last-Event-ID");
			MHD_add_response_header(r, "Access-Control-Max-Age", "600");
		}
	}
	http_queue(rq, 204, r);
}

static void dispatch(struct request *rq)
{
	struct http_server *s = rq->srv;
	unsigned allowed;
	char allow[96];
	int rc = router_match(s->o.routes, s->o.nroutes, rq->method, rq->target, &rq->match,
			      &allowed);

	if (rc == SL_ERR_PARSE) {
		http_reply_error(rq, 400, SL_ERR_INVAL, "malformed percent-encoding in the path");
		return;
	}
	if (rc == SL_ERR_RANGE) {
		http_reply_error(rq, 414, SL_ERR_TOOBIG, "path too long");
		return;
	}
	if (rc == SL_ERR_NOTFOUND) {
		http_reply_error(rq, 404, SL_ERR_NOTFOUND, "no such route: %.200s", rq->target);
		return;
	}
	if (rc == SL_ERR_UNSUPPORTED) {
		if (rq->method == HTTP_OPTIONS) {
			reply_preflight(rq, allowed);
			return;
		}
		router_allow_list(allowed, allow, sizeof(allow));
		http_reply_error_h(rq, 405, SL_ERR_UNSUPPORTED, "Allow", allow,
				   "method not allowed on %.200s (allowed: %s)", rq->target, allow);
		return;
	}
	if ((auth_method_needs_token(rq->method) || (rq->match.route->flags & ROUTE_TOKEN)) &&
	    !auth_bearer_ok(s->o.token, req_header(rq, "Authorization"))) {
		http_reply_error_h(
		    rq, 401, SL_ERR_DENIED, "WWW-Authenticate", "Bearer realm=\"skylapse\"",
		    "this request needs the header 'Authorization: Bearer <API_TOKEN>'");
		return;
	}
	if ((rq->match.route->flags & ROUTE_STATE) && s->o.ready && !s->o.ready(s->o.app)) {
		log_debug("%s %.200s waits for the retained state",
			  rq->method == HTTP_POST ? "POST" : "GET", rq->target);
		rq->waiting = true;
		req_suspend(rq);
		return;
	}
	rc = rq->match.route->fn(s->o.app, rq);
	if (!rq->answered && !rq->suspended)
		http_reply_error(rq, 500, rc, "internal error: %s",
				 err_str(rc ? rc : SL_ERR_INVAL));
}

static bool body_expected(struct request *rq, bool *too_big)
{
	const char *cl = req_header(rq, "Content-Length");
	char *end;

	*too_big = cl && strtoull(cl, &end, 10) > HTTP_BODY_MAX;
	return cl != NULL || req_header(rq, "Transfer-Encoding") != NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;
	bool too_big;

	(void)url;
	(void)version;
	if (rq == NULL)
		return MHD_NO; /* out of memory when the request began */
	if (rq->redispatch) {
		rq->redispatch = false;
		dispatch(rq);
		return MHD_YES;
	}
	if (rq->deferred) {
		rq->deferred = false;
		http_reply_json(rq, rq->d_status, rq->d_body);
		rq->d_body = NULL;
		return MHD_YES;
	}
	if (!rq->started) {
		rq->started = true;
		rq->srv = cls;
		rq->conn = conn;
		rq->method = http_method_parse(method);
		rq->allow_origin = cors_allow_origin(rq->srv->o.cors, req_header(rq, "Origin"));
		if (body_expected(rq, &too_big) && too_big) {
			/* answered before the body is read: MHD drops the rest
			 * and closes the connection */
			http_reply_error(rq, 413, SL_ERR_TOOBIG,
					 "request body over the %d-byte limit", HTTP_BODY_MAX);
			return MHD_YES;
		}
		/* answering before MHD has the whole request would make it
		 * close the connection: wait for the next call */
		return MHD_YES;
	} else if (*upload_size > 0) {
		int rc = append_body(rq, upload_data, *upload_size);

		*upload_size = 0;
		return rc == SL_OK ? MHD_YES : MHD_NO;
	}
	if (rq->answered || rq->suspended)
		return MHD_YES;
	if (rq->too_big) {
		http_reply_error(rq, 413, SL_ERR_TOOBIG, "request body over the %d-byte limit",
				 HTTP_BODY_MAX);
		return MHD_YES;
	}
	dispatch(rq);
	return MHD_YES;
}

/* --- the server in the loop -------------------------------------------------- */

static void run_mhd(struct http_server *s);

static int64_t on_timer(struct loop *l, long id, void *arg)
{
	struct http_server *s = arg;

	(void)l;
	(void)id;
	s->timer = 0;
	run_mhd(s);
	return -1;
}

static void schedule(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG t;
	int64_t due;

	if (MHD_get_timeout(s->d, &t) != MHD_YES)
		return;
	if (t > 60000)
		t = 60000;
	due = loop_now_ms() + (int64_t)t;
	if (s->timer > 0 && s->timer_due <= due)
		return; /* an earlier run is already planned; it reschedules */
	if (s->timer > 0)
		loop_del_timer(s->loop, s->timer);
	s->timer = loop_add_timer(s->loop, (int64_t)t, on_timer, s);
	s->timer_due = due;
}

/* A resumed connection is only looked at by the next MHD_run(), which
 * external polling must call itself: do it on the next loop turn (never
 * from here, which may be inside an MHD callback). */
void http_run_soon(struct http_server *s)
{
	int64_t now = loop_now_ms();

	if (s->timer > 0 && s->timer_due <= now)
		return;
	if (s->timer > 0)
		loop_del_timer(s->loop, s->timer);
	s->timer = loop_add_timer(s->loop, 0, on_timer, s);
	s->timer_due = now;
}

static void run_mhd(struct http_server *s)
{
	MHD_run(s->d);
	schedule(s);
}

static void on_epoll(struct loop *l, int fd, short revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	run_mhd(arg);
}

/* MHD's own messages, in the program's log format. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	/* a client that went away mid-answer is ordinary: not worth a warning */
	if (strstr(msg, "no longer available") || strstr(msg, "reset by peer") ||
	    strstr(msg, "closed by remote"))
		log_debug("libmicrohttpd: %s", msg);
	else
		log_warn("libmicrohttpd: %s", msg);
}

static unsigned default_connection_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return CONN_MAX;
	/* leave room for files being served, the broker and the loop */
	if (rl.rlim_cur <= 256)
		return 64;
	return rl.rlim_cur - 128 > CONN_MAX ? CONN_MAX : (unsigned)(rl.rlim_cur - 128) / 2 * 2;
}

static int make_addr(const char *bind, int port, struct sockaddr_storage *ss, bool *v6)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	*v6 = strchr(bind, ':') != NULL;
	if (*v6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, bind, &a6->sin6_addr) == 1 ? SL_OK : SL_ERR_INVAL;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, bind, &a4->sin_addr) == 1 ? SL_OK : SL_ERR_INVAL;
}

int http_start(struct loop *loop, const struct http_opts *o, struct http_server **out)
{
	struct http_server *s;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO |
			 MHD_USE_ERROR_LOG;
	bool v6;
	int rc;

	*out = NULL;
	if (make_addr(o->bind, o->port, &ss, &v6) != SL_OK) {
		log_error("http: '%s' is not an IP address to listen on", o->bind);
		return SL_ERR_INVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return SL_ERR_NOMEM;
	s->loop = loop;
	s->o = *o;
	s->epfd = -1;
	if (v6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(
		flags, (uint16_t)o->port, NULL, NULL, on_request, s,
		/* first, so that every message of MHD goes through it */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_SOCK_ADDR, &ss,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		s, MHD_OPTION_CONNECTION_LIMIT,
		o->connection_limit ? o->connection_limit : default_connection_limit(),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CONN_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
	if (s->d == NULL) {
		log_error("http: cannot listen on %s port %d: %s", o->bind, o->port,
			  errno ? strerror(errno) : "libmicrohttpd refused");
		rc = SL_ERR_IO;
		goto fail;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || info->epoll_fd < 0) {
		rc = SL_ERR_IO;
		goto fail;
	}
	s->epfd = info->epoll_fd;
	rc = loop_add_fd(loop, s->epfd, POLLIN, on_epoll, s);
	if (rc)
		goto fail;
	schedule(s);
	*out = s;
	return SL_OK;
fail:
	if (s->d)
		MHD_stop_daemon(s->d);
	free(s);
	return rc;
}

void http_state_ready(struct http_server *s)
{
	struct request *rq = s ? s->suspended : NULL, *next;

	for (; rq; rq = next) {
		next = rq->next;
		if (!rq->waiting)
			continue;
		rq->waiting = false;
		rq->redispatch = true;
		http_unlink_suspended(rq);
		rq->suspended = false;
		MHD_resume_connection(rq->conn);
	}
	if (s)
		http_run_soon(s);
}

unsigned http_connections(const struct http_server *s)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return info ? info->num_connections : 0;
}

void http_stop(struct http_server **sp)
{
	struct http_server *s;

	if (sp == NULL || *sp == NULL)
		return;
	s = *sp;
	s->stopping = true;
	/* MHD must not be stopped with suspended connections: answer the
	 * waiting requests, end the streams, let MHD send what it can. */
	while (s->suspended)
		http_complete_error(s->suspended, 503, SL_ERR_BUSY, "the server is stopping");
	for (struct http_stream *st = s->streams; st; st = st->next)
		http_stream_wake(st);
	for (int i = 0; i < 3; i++)
		MHD_run(s->d);
	loop_del_fd(s->loop, s->epfd);
	if (s->timer > 0)
		loop_del_timer(s->loop, s->timer);
	MHD_stop_daemon(s->d);
	free(s);
	*sp = NULL;
}
