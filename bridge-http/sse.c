/* sse.c - the event ring and its readers; see sse.h.
 *
 * The ring holds entries seq in [tail, head); entry seq lives in slot
 * seq % SSE_RING. A client's reader copies from (next, off) onward into the
 * buffer MHD gives it and asks to sleep when it has caught up; publishing
 * wakes every client. Pings are ring entries without an id.
 */
#include "sse.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "jsonx.h"
#include "log.h"

#define PRELUDE ": skylapse-bridge events\nretry: 3000\n\n"

struct sse_entry {
	char *text;
	size_t len;
};

struct sse_client {
	struct sse_hub *hub;
	struct http_stream *stream;
	uint64_t next; /* sequence of the entry being sent */
	size_t off;    /* bytes of it already sent; for the prelude, of PRELUDE */
	bool prelude_done;
	struct sse_client *prev, *nxt;
};

struct sse_hub {
	struct loop *loop;
	long ping_timer;
	struct sse_entry ring[SSE_RING];
	uint64_t head, tail; /* next sequence to assign; oldest kept */
	struct sse_client *clients;
	size_t nclients;
};

int sse_format(char *out, size_t outlen, uint64_t id, const char *event, const char *data)
{
	int n = id ? snprintf(out, outlen, "id: %llu\nevent: %s\ndata: %s\n\n",
			      (unsigned long long)id, event, data)
		   : snprintf(out, outlen, "%s", data);

	if (n < 0 || (size_t)n >= outlen)
		return SL_ERR_RANGE;
	return n;
}

static void wake_all(struct sse_hub *h)
{
	for (struct sse_client *c = h->clients; c; c = c->nxt)
		http_stream_wake(c->stream);
}

/* Appends a formatted entry (steals text). */
static void push(struct sse_hub *h, char *text, size_t len)
{
	struct sse_entry *e = &h->ring[h->head % SSE_RING];

	if (h->head - h->tail == SSE_RING) {
		free(e->text);
		h->tail++;
	}
	e->text = text;
	e->len = len;
	h->head++;
	wake_all(h);
}

void sse_publish(struct sse_hub *h, const char *event, const json_t *data)
{
	char *json = jx_dump(data);
	size_t cap;
	char *text;
	int n;

	if (json == NULL)
		return;
	cap = strlen(json) + strlen(event) + 64;
	text = malloc(cap);
	if (text == NULL) {
		free(json);
		return;
	}
	/* JSON_COMPACT escapes newlines inside strings, so one data line
	 * always holds the whole payload */
	n = sse_format(text, cap, h->head, event, json);
	free(json);
	if (n < 0) {
		free(text);
		return;
	}
	push(h, text, (size_t)n);
}

static int64_t on_ping(struct loop *l, long id, void *arg)
{
	struct sse_hub *h = arg;
	char *text;

	(void)l;
	(void)id;
	if (h->nclients > 0 && (text = strdup(": ping\n\n")) != NULL)
		push(h, text, strlen(text));
	return SSE_PING_MS;
}

int sse_hub_new(struct loop *loop, struct sse_hub **out)
{
	struct sse_hub *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (h == NULL)
		return SL_ERR_NOMEM;
	h->loop = loop;
	/* sequence 0 means "no id" to sse_format: ids start at 1 */
	h->head = h->tail = 1;
	h->ping_timer = loop_add_timer(loop, SSE_PING_MS, on_ping, h);
	if (h->ping_timer < 0) {
		free(h);
		return SL_ERR_NOMEM;
	}
	*out = h;
	return SL_OK;
}

void sse_hub_free(struct sse_hub **hp)
{
	struct sse_hub *h;

	if (hp == NULL || *hp == NULL)
		return;
	h = *hp;
	loop_del_timer(h->loop, h->ping_timer);
	/* clients still listed here lost their stream without a callback
	 * (the server was never stopped): detach them */
	while (h->clients) {
		struct sse_client *c = h->clients;

		h->clients = c->nxt;
		c->hub = NULL;
	}
	for (uint64_t s = h->tail; s < h->head; s++)
		free(h->ring[s % SSE_RING].text);
	free(h);
	*hp = NULL;
}

size_t sse_clients(const struct sse_hub *h)
{
	return h->nclients;
}

static long client_read(void *arg, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *c = arg;
	struct sse_hub *h = c->hub;
	size_t used = 0;

	(void)pos;
	if (h == NULL)
		return HTTP_STREAM_END;
	if (!c->prelude_done) {
		size_t n = strlen(PRELUDE) - c->off;

		if (n > max)
			n = max;
		memcpy(buf, PRELUDE + c->off, n);
		c->off += n;
		used = n;
		if (c->off == strlen(PRELUDE)) {
			c->prelude_done = true;
			c->off = 0;
		}
	}
	while (used < max && c->next < h->head) {
		struct sse_entry *e;
		size_t n;

		if (c->next < h->tail) {
			/* fell behind the ring: resume at the oldest entry */
			c->next = h->tail;
			c->off = 0;
		}
		e = &h->ring[c->next % SSE_RING];
		n = e->len - c->off;
		if (n > max - used)
			n = max - used;
		memcpy(buf + used, e->text + c->off, n);
		used += n;
		c->off += n;
		if (c->off == e->len) {
			c->next++;
			c->off = 0;
		}
	}
	return used ? (long)used : HTTP_STREAM_WAIT;
}

static void client_done(void *arg)
{
	struct sse_client *c = arg;
	struct sse_hub *h = c->hub;

	if (h) {
		if (c->prev)
			c->prev->nxt = c->nxt;
		else
			h->clients = c->nxt;
		if (c->nxt)
			c->nxt->prev = c->prev;
		h->nclients--;
	}
	free(c);
}

int sse_attach(struct sse_hub *h, struct request *rq)
{
	struct sse_client *c = calloc(1, sizeof(*c));
	const char *last = req_header(rq, "Last-Event-ID");

	if (c == NULL)
		return http_reply_error(rq, 503, SL_ERR_NOMEM, "out of memory");
	c->hub = h;
	c->next = h->head;
	if (last) {
		char *end;
		unsigned long long id = strtoull(last, &end, 10);

		/* replay what the browser missed, if the ring still has it */
		if (*end == '\0' && end != last && id + 1 >= h->tail && id < h->head)
			c->next = id + 1;
	}
	c->nxt = h->clients;
	if (h->clients)
		h->clients->prev = c;
	h->clients = c;
	h->nclients++;
	c->stream = http_reply_stream(rq, "text/event-stream", client_read, client_done, c);
	if (c->stream == NULL)
		return SL_ERR_NOMEM; /* client_done already ran */
	log_debug("sse: client attached (%zu now)", h->nclients);
	return SL_OK;
}
