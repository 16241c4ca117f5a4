/* http_reply.c - building and queuing answers: JSON, bytes, files with
 * Range, shared cached answers, answers to suspended requests, and
 * streams; see http.h. The connection side is in http.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "http_priv.h"
#include "jsonx.h"
#include "urlparse.h"

#define STREAM_BLOCK 2048

/* --- answers ------------------------------------------------------------ */

static void add_cors(struct MHD_Response *r, const char *allow_origin)
{
	if (allow_origin == NULL)
		return;
	MHD_add_response_header(r, "Access-Control-Allow-Origin", allow_origin);
	MHD_add_response_header(r, "Access-Control-Expose-Headers",
				"Content-Range, Accept-Ranges, Content-Length, Allow, Location");
	if (strcmp(allow_origin, "*") != 0)
		MHD_add_response_header(r, "Vary", "Origin");
}

/* Queues r (consumed) for rq. */
int http_queue(struct request *rq, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ok;

	if (r == NULL)
		return SL_ERR_NOMEM;
	add_cors(r, rq->allow_origin);
	ok = MHD_queue_response(rq->conn, status, r);
	MHD_destroy_response(r);
	if (ok != MHD_YES)
		return SL_ERR_IO;
	rq->answered = true;
	rq->status = status;
	return SL_OK;
}

static struct MHD_Response *json_response(json_t *body)
{
	char *text = jx_dump(body);
	struct MHD_Response *r;

	if (text == NULL)
		return NULL;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return NULL;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return r;
}

/* A JSON answer with at most one extra header (Allow, WWW-Authenticate...). */
static int reply_json_h(struct request *rq, unsigned status, json_t *body, const char *hname,
			const char *hval)
{
	struct MHD_Response *r = body ? json_response(body) : NULL;

	json_decref(body);
	if (r && hname)
		MHD_add_response_header(r, hname, hval);
	return http_queue(rq, status, r);
}

int http_reply_json(struct request *rq, unsigned status, json_t *body)
{
	return reply_json_h(rq, status, body, NULL, NULL);
}

/* {"error": the sentence, "error_kind": the word of `code`} */
static json_t *error_body(int code, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return json_pack("{s:s, s:s}", "error", msg, "error_kind",
			 code ? err_kind(code) : "internal");
}

int http_reply_error_h(struct request *rq, unsigned status, int code, const char *hname,
		       const char *hval, const char *fmt, ...)
{
	va_list ap;
	json_t *body;

	va_start(ap, fmt);
	body = error_body(code, fmt, ap);
	va_end(ap);
	return reply_json_h(rq, status, body, hname, hval);
}

int http_reply_error(struct request *rq, unsigned status, int code, const char *fmt, ...)
{
	va_list ap;
	json_t *body;

	va_start(ap, fmt);
	body = error_body(code, fmt, ap);
	va_end(ap);
	return reply_json_h(rq, status, body, NULL, NULL);
}

int http_reply_bytes(struct request *rq, unsigned status, const char *content_type,
		     const void *buf, size_t len, const char *cache_control)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);

	if (r) {
		MHD_add_response_header(r, "Content-Type", content_type);
		if (cache_control)
			MHD_add_response_header(r, "Cache-Control", cache_control);
	}
	return http_queue(rq, status, r);
}

int http_reply_file(struct request *rq, const char *path, const char *content_type,
		    const char *cache_control, bool ranges)
{
	struct byte_range br;
	struct MHD_Response *r;
	struct stat st;
	char cr[96];
	unsigned status = 200;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = SL_ERR_NOTFOUND;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "not found");
	}
	if (ranges)
		rc = range_parse(req_header(rq, "Range"), (uint64_t)st.st_size, &br);
	if (rc == SL_ERR_RANGE) {
		close(fd);
		snprintf(cr, sizeof(cr), "bytes */%lld", (long long)st.st_size);
		return http_reply_error_h(rq, 416, SL_ERR_RANGE, "Content-Range", cr,
					  "range not satisfiable for %lld bytes",
					  (long long)st.st_size);
	}
	if (rc == SL_OK) {
		status = 206;
		r = MHD_create_response_from_fd_at_offset64(br.last - br.first + 1, fd, br.first);
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%lld", (unsigned long long)br.first,
			 (unsigned long long)br.last, (long long)st.st_size);
		if (r)
			MHD_add_response_header(r, "Content-Range", cr);
	} else {
		r = MHD_create_response_from_fd_at_offset64((uint64_t)st.st_size, fd, 0);
	}
	if (r == NULL) {
		close(fd);
		return http_reply_error(rq, 500, SL_ERR_IO, "cannot send the file");
	}
	MHD_add_response_header(r, "Content-Type", content_type);
	if (cache_control)
		MHD_add_response_header(r, "Cache-Control", cache_control);
	if (ranges)
		MHD_add_response_header(r, "Accept-Ranges", "bytes");
	return http_queue(rq, status, r);
}

struct http_cached *http_cached_new(const struct http_server *s, unsigned status,
				    const char *content_type, const char *buf, size_t len)
{
	struct http_cached *c = calloc(1, sizeof(*c));
	char *copy = malloc(len + 1);

	if (c == NULL || copy == NULL)
		goto fail;
	memcpy(copy, buf, len);
	c->status = status;
	c->content_type = content_type;
	c->len = len;
	c->buf = copy;
	/* MHD frees the bytes when its last reference goes: responses still
	 * being sent outlive a cache entry that was replaced. */
	c->r = MHD_create_response_from_buffer_with_free_callback(len, copy, free);
	if (c->r == NULL)
		goto fail;
	MHD_add_response_header(c->r, "Content-Type", content_type);
	MHD_add_response_header(c->r, "Cache-Control", "no-store");
	if (s->o.cors->any)
		add_cors(c->r, "*");
	return c;
fail:
	free(copy);
	free(c);
	return NULL;
}

void http_cached_free(struct http_cached **c)
{
	if (c == NULL || *c == NULL)
		return;
	MHD_destroy_response((*c)->r);
	free(*c);
	*c = NULL;
}

int http_reply_cached(struct request *rq, struct http_cached *c)
{
	enum MHD_Result ok;

	/* The shared response carries "*" or no CORS header at all; a listed
	 * origin needs its own copy with its own header. */
	if (rq->allow_origin && strcmp(rq->allow_origin, "*") != 0)
		return http_reply_bytes(rq, c->status, c->content_type, c->buf, c->len,
					"no-store");
	ok = MHD_queue_response(rq->conn, c->status, c->r);
	if (ok != MHD_YES)
		return SL_ERR_IO;
	rq->answered = true;
	rq->status = c->status;
	return SL_OK;
}

/* --- suspended requests -------------------------------------------------- */

void req_suspend(struct request *rq)
{
	struct http_server *s = rq->srv;

	if (rq->suspended)
		return;
	MHD_suspend_connection(rq->conn);
	rq->suspended = true;
	rq->prev = NULL;
	rq->next = s->suspended;
	if (s->suspended)
		s->suspended->prev = rq;
	s->suspended = rq;
}

void http_unlink_suspended(struct request *rq)
{
	if (rq->prev)
		rq->prev->next = rq->next;
	else if (rq->srv->suspended == rq)
		rq->srv->suspended = rq->next;
	if (rq->next)
		rq->next->prev = rq->prev;
	rq->prev = rq->next = NULL;
}

void http_complete_json(struct request *rq, unsigned status, json_t *body)
{
	if (!rq->suspended || rq->deferred) {
		json_decref(body);
		return;
	}
	rq->deferred = true;
	rq->d_status = status;
	rq->d_body = body;
	http_unlink_suspended(rq);
	rq->suspended = false;
	MHD_resume_connection(rq->conn);
	http_run_soon(rq->srv);
}

void http_complete_error(struct request *rq, unsigned status, int code, const char *fmt, ...)
{
	va_list ap;
	json_t *body;

	va_start(ap, fmt);
	body = error_body(code, fmt, ap);
	va_end(ap);
	http_complete_json(rq, status, body);
}

/* --- streams -------------------------------------------------------------- */

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;
	long n;

	if (st->srv->stopping)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = st->read(st->arg, pos, buf, max);
	if (n == HTTP_STREAM_WAIT) {
		/* Returning 0 makes MHD ask again at once; asleep, it waits for
		 * http_stream_wake instead of spinning. */
		MHD_suspend_connection(st->conn);
		st->sleeping = true;
		return 0;
	}
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct http_stream *st = cls;

	if (st->prev)
		st->prev->next = st->next;
	else if (st->srv->streams == st)
		st->srv->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	st->done(st->arg);
	free(st);
}

struct http_stream *http_reply_stream(struct request *rq, const char *content_type,
				      http_stream_read_fn *read, void (*done)(void *arg),
				      void *arg)
{
	struct http_server *s = rq->srv;
	struct http_stream *st = calloc(1, sizeof(*st));
	struct MHD_Response *r = NULL;

	if (st) {
		*st = (struct http_stream){s, rq->conn, read, done, arg, false, NULL, s->streams};
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_reader,
						      st, stream_free);
	}
	if (r == NULL) {
		free(st);
		done(arg);
		http_reply_error(rq, 500, SL_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (s->streams)
		s->streams->prev = st;
	s->streams = st;
	MHD_add_response_header(r, "Content-Type", content_type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	if (http_queue(rq, 200, r) != SL_OK)
		return NULL; /* MHD destroyed the response: stream_free ran */
	return st;
}

void http_stream_wake(struct http_stream *st)
{
	if (st == NULL || !st->sleeping)
		return;
	st->sleeping = false;
	MHD_resume_connection(st->conn);
	http_run_soon(st->srv);
}

