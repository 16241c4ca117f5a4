/* mqtt.c - MQTT 5 session over Paho's async client; see mqtt.h.
 *
 * Threads: Paho calls on_* below from its own threads. They copy into an
 * event queue (mutex) and write the eventfd; drain_events() runs on the main
 * loop and does the real work. Connection state machine:
 *
 *   IDLE --start--> CONNECTING --ok--> CONNECTED --lost--> CONNECTING (Paho
 *   reconnects by itself) ; CONNECTING --failed--> WAITING --timer--> CONNECTING
 *   any --mqtt_session_free()--> STOPPED
 */
#include "mqtt.h"

#include <MQTTAsync.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 30000
#define BUFFERED_MAX 1000
#define USER_TIMEOUT_MS 30000 /* see set_socket_options() */
#define STOP_MAX_MS  2000 /* for "offline" and the messages in flight at the end */

enum conn_state { ST_IDLE, ST_CONNECTING, ST_WAITING, ST_CONNECTED, ST_STOPPED };
enum event_kind { EV_MESSAGE, EV_CONNECTED, EV_LOST, EV_CONNECT_FAILED, EV_RESEND };

/* An event is also the copy of a QoS 1 message kept until the broker takes
 * it (kind EV_RESEND, on the session's unacked list until then). */

struct event {
	enum event_kind kind;
	struct event *next, *prev; /* prev: on the unacked list only */
	struct mqtt_session *owner; /* of an unacked message */
	char *topic;
	unsigned char *payload;
	size_t len;
	int qos;
	bool retained;
	char *response_topic;
	unsigned char *correlation;
	size_t correlation_len;
	int64_t expires_at_ms;
	int expiry_seconds; /* of an unacked message */
	char reason[ERRMSG_MAX];
};

struct filter {
	char *topic;
	int qos;
};

struct state {
	char *topic;
	unsigned char *payload;
	size_t len;
};

struct mqtt_session {
	struct loop *loop;
	MQTTAsync client;
	char *url, *paho_url, *username, *password, *client_id, *avail_topic, *ca_file;
	char *cert_file, *key_file;
	char tls_why[160]; /* OpenSSL's last error on Paho's thread, under lock */
	bool persistent;
	enum conn_state state;
	int retry_ms;
	long retry_timer;
	int efd;
	pthread_mutex_t lock;
	struct event *head, *tail;
	struct event *unacked; /* QoS 1 messages the broker has not taken, under lock */
	int nunacked;
	struct filter *filters;
	int nfilters;
	struct state *states;
	int nstates;
	mqtt_message_fn *msg_fn;
	void *msg_arg;
	mqtt_connection_fn *conn_fn;
	void *conn_arg;
	char *sync_topic;
	unsigned sync_seq; /* the marker of this connection */
	bool synced;
	long sync_timer;
	mqtt_synced_fn *sync_fn;
	void *sync_arg;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void event_free(struct event *e)
{
	if (e == NULL)
		return;
	free(e->topic);
	free(e->payload);
	free(e->response_topic);
	free(e->correlation);
	free(e);
}

/* Runs on Paho's threads: queue and wake, nothing else. */
static void push_event(struct mqtt_session *s, struct event *e)
{
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	if (s->tail)
		s->tail->next = e;
	else
		s->head = e;
	s->tail = e;
	pthread_mutex_unlock(&s->lock);
	if (write(s->efd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the loop is already woken */
	}
}

static void push_simple(struct mqtt_session *s, enum event_kind kind, const char *reason)
{
	struct event *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return;
	e->kind = kind;
	if (reason)
		snprintf(e->reason, sizeof(e->reason), "%s", reason);
	push_event(s, e);
}

static int on_message_arrived(void *ctx, char *topic, int topic_len, MQTTAsync_message *m)
{
	struct mqtt_session *s = ctx;
	struct event *e = calloc(1, sizeof(*e));
	size_t tlen = topic_len > 0 ? (size_t)topic_len : strlen(topic);

	if (e == NULL)
		return 0; /* Paho will deliver it again */
	e->kind = EV_MESSAGE;
	e->topic = strndup(topic, tlen);
	e->payload = malloc((size_t)m->payloadlen + 1);
	if (e->topic == NULL || e->payload == NULL) {
		event_free(e);
		return 0;
	}
	memcpy(e->payload, m->payload, (size_t)m->payloadlen);
	e->payload[m->payloadlen] = '\0';
	e->len = (size_t)m->payloadlen;
	e->qos = m->qos;
	e->retained = m->retained;
	for (int i = 0; i < m->properties.count; i++) {
		MQTTProperty *p = &m->properties.array[i];

		if (p->identifier == MQTTPROPERTY_CODE_RESPONSE_TOPIC && e->response_topic == NULL) {
			e->response_topic = strndup(p->value.data.data, (size_t)p->value.data.len);
		} else if (p->identifier == MQTTPROPERTY_CODE_CORRELATION_DATA &&
			   e->correlation == NULL) {
			e->correlation = malloc((size_t)p->value.data.len + 1);
			if (e->correlation) {
				memcpy(e->correlation, p->value.data.data, (size_t)p->value.data.len);
				e->correlation_len = (size_t)p->value.data.len;
			}
		} else if (p->identifier == MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL) {
			e->expires_at_ms = loop_now_ms() + (int64_t)p->value.integer4 * 1000;
		}
	}
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	push_event(s, e);
	return 1;
}

static void on_connected(void *ctx, char *cause)
{
	(void)cause;
	push_simple(ctx, EV_CONNECTED, NULL);
}

static void on_connection_lost(void *ctx, char *cause)
{
	push_simple(ctx, EV_LOST, cause ? cause : "connection lost");
}

static void on_disconnected(void *ctx, MQTTProperties *props, enum MQTTReasonCodes rc)
{
	(void)props;
	push_simple(ctx, EV_LOST, MQTTReasonCode_toString(rc));
}

/* Paho hands OpenSSL's error queue here (its thread) before it reports the
 * failed connect. A line reads "thread:error:code:library:function:reason:
 * file:line:"; the reason (the sixth field) is kept for the log. */
static int on_tls_error(const char *str, size_t len, void *ctx)
{
	struct mqtt_session *s = ctx;
	const char *end = str + len, *reason = str;

	for (int colons = 0; colons < 5 && reason < end; reason++)
		colons += *reason == ':';
	len = 0;
	while (reason + len < end && reason[len] != ':' && reason[len] != '\n')
		len++;
	pthread_mutex_lock(&s->lock);
	snprintf(s->tls_why, sizeof(s->tls_why), "%.*s", (int)len, reason);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Paho checks the host name after the handshake and says only "TCP/TLS
 * connect failure", as it does for a refused connection: both are named. */
static void tls_hint(const struct mqtt_session *s, char *out, size_t n)
{
	const char *host = strstr(s->paho_url, "://") + 3, *colon = strrchr(host, ':');

	snprintf(out, n, "the broker is unreachable, or its certificate does not name '%.*s'",
		 (int)(colon - host), host);
}

static void on_connect_failure(void *ctx, MQTTAsync_failureData5 *f)
{
	struct mqtt_session *s = ctx;
	char why[ERRMSG_MAX], tls[sizeof(s->tls_why) + 64];
	const char *msg = f && f->message ? f->message : MQTTAsync_strerror(f ? f->code : -1);

	pthread_mutex_lock(&s->lock);
	snprintf(tls, sizeof(tls), "%s", s->tls_why);
	s->tls_why[0] = '\0';
	pthread_mutex_unlock(&s->lock);
	if (tls[0] == '\0' && strcmp(msg, "TCP/TLS connect failure") == 0 &&
	    strncmp(s->paho_url, "ssl://", 6) == 0)
		tls_hint(s, tls, sizeof(tls));
	else if (strcmp(tls, "certificate verify failed") == 0)
		snprintf(tls, sizeof(tls),
			 "the broker's certificate is not trusted (no CA in %.80s signed it, "
			 "or it expired)", s->ca_file ? s->ca_file : "/etc/ssl/certs");
	err_why(why, "%s (code %d)%s%s", msg, f ? (int)f->reasonCode : 0, tls[0] ? "; TLS: " : "",
		 tls);
	push_simple(ctx, EV_CONNECT_FAILED, why);
}

static int connect_now(struct mqtt_session *s);

static int64_t retry_timer_fired(struct loop *l, long id, void *arg)
{
	struct mqtt_session *s = arg;

	(void)l;
	(void)id;
	s->retry_timer = 0;
	if (s->state == ST_WAITING)
		connect_now(s);
	return -1;
}

static void subscribe_one(struct mqtt_session *s, const struct filter *f)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int rc = MQTTAsync_subscribe(s->client, f->topic, f->qos, &ro);

	if (rc != MQTTASYNC_SUCCESS)
		log_warn("mqtt: subscribe %s failed: %s", f->topic, MQTTAsync_strerror(rc));
}

static void unacked_unlink(struct mqtt_session *s, struct event *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->unacked = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->next = e->prev = NULL;
	s->nunacked--;
}

/* Paho's threads: the broker took an unacked message. */
static void on_delivered(void *ctx, MQTTAsync_successData5 *d)
{
	struct event *e = ctx;
	struct mqtt_session *s = e->owner;

	(void)d;
	pthread_mutex_lock(&s->lock);
	unacked_unlink(s, e);
	pthread_mutex_unlock(&s->lock);
	event_free(e);
}

/* Paho's threads: an unacked message was dropped with the session it was in
 * flight in (the broker came back without it, or the client is being
 * destroyed): the loop sends it again. A broker's refusal is final. */
static void on_undelivered(void *ctx, MQTTAsync_failureData5 *f)
{
	struct event *e = ctx;
	struct mqtt_session *s = e->owner;
	bool again = f->code == MQTTASYNC_OPERATION_INCOMPLETE || f->code == MQTTASYNC_DISCONNECTED;

	pthread_mutex_lock(&s->lock);
	unacked_unlink(s, e);
	if (again)
		s->nunacked++; /* still not taken: counted until it is sent again */
	pthread_mutex_unlock(&s->lock);
	if (again)
		push_event(s, e);
	else
		event_free(e);
}

/* A copy of a QoS 1 message for on_undelivered(), on the unacked list; NULL
 * when out of memory or when BUFFERED_MAX are kept already (the message is
 * then Paho's alone, as every message was before). */
static struct event *unacked_new(struct mqtt_session *s, const char *topic, const void *payload,
				 size_t len, const struct mqtt_pub_props *pp)
{
	struct event *e;
	bool full;

	pthread_mutex_lock(&s->lock);
	full = s->nunacked >= BUFFERED_MAX;
	pthread_mutex_unlock(&s->lock);
	if (full || (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->kind = EV_RESEND;
	e->owner = s;
	e->topic = strdup(topic);
	e->payload = malloc(len + 1);
	if (pp && pp->response_topic)
		e->response_topic = strdup(pp->response_topic);
	if (pp && pp->correlation && (e->correlation = malloc(pp->correlation_len + 1)) != NULL) {
		memcpy(e->correlation, pp->correlation, pp->correlation_len);
		e->correlation_len = pp->correlation_len;
	}
	e->expiry_seconds = pp ? pp->expiry_seconds : 0;
	if (!e->topic || !e->payload || (pp && pp->response_topic && !e->response_topic) ||
	    (pp && pp->correlation && !e->correlation)) {
		event_free(e);
		return NULL;
	}
	memcpy(e->payload, payload, len);
	e->len = len;
	pthread_mutex_lock(&s->lock);
	e->next = s->unacked;
	if (s->unacked)
		s->unacked->prev = e;
	s->unacked = e;
	s->nunacked++;
	pthread_mutex_unlock(&s->lock);
	return e;
}

/* Sends one message. A QoS 1 message that is not retained is also kept
 * until the broker takes it (a retained state is sent again on every
 * connect anyway, and an old copy must never overwrite a newer one). */
static int send_raw(struct mqtt_session *s, const char *topic, const void *payload, size_t len,
		    int qos, bool retain, const struct mqtt_pub_props *pp)
{
	MQTTAsync_message msg = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	MQTTProperty prop;
	struct event *kept = qos == 1 && !retain ? unacked_new(s, topic, payload, len, pp) : NULL;
	int rc;

	msg.payload = (void *)payload;
	msg.payloadlen = (int)len;
	msg.qos = qos;
	msg.retained = retain;
	if (pp && pp->response_topic) {
		prop.identifier = MQTTPROPERTY_CODE_RESPONSE_TOPIC;
		prop.value.data.data = (char *)pp->response_topic;
		prop.value.data.len = (int)strlen(pp->response_topic);
		MQTTProperties_add(&msg.properties, &prop);
	}
	if (pp && pp->correlation) {
		prop.identifier = MQTTPROPERTY_CODE_CORRELATION_DATA;
		prop.value.data.data = (char *)pp->correlation;
		prop.value.data.len = (int)pp->correlation_len;
		MQTTProperties_add(&msg.properties, &prop);
	}
	if (pp && pp->expiry_seconds > 0) {
		prop.identifier = MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL;
		prop.value.integer4 = (unsigned)pp->expiry_seconds;
		MQTTProperties_add(&msg.properties, &prop);
	}
	if (kept) {
		ro.onSuccess5 = on_delivered;
		ro.onFailure5 = on_undelivered;
		ro.context = kept;
	}
	rc = MQTTAsync_sendMessage(s->client, topic, &msg, &ro);
	MQTTProperties_free(&msg.properties);
	if (rc != MQTTASYNC_SUCCESS) {
		if (kept) {
			pthread_mutex_lock(&s->lock);
			unacked_unlink(s, kept);
			pthread_mutex_unlock(&s->lock);
			event_free(kept);
		}
		log_debug("mqtt: publish %s failed: %s", topic, MQTTAsync_strerror(rc));
		return SL_ERR_BROKER;
	}
	return SL_OK;
}

/* Paho offers no socket options, and without TCP_NODELAY every small
 * publish that follows another (a PUBACK, then a status) waits for the
 * broker's delayed ACK: about 40 ms a message. And when the link drops
 * without a word (Wi-Fi gone, no RST), Paho notices only after one and a
 * half keep-alives with nothing back, which measured 52 s with our QoS 1
 * messages held in memory all that time; TCP_USER_TIMEOUT closes the
 * connection once sent data has gone unacknowledged for USER_TIMEOUT_MS, so
 * the agents turn to their offline paths (the capture agent's journal)
 * sooner. The session finds its own connection among the process's
 * descriptors, by the broker's port, and sets both. Called on the main
 * thread right after each (re)connect. */
static void set_socket_options(const struct mqtt_session *s)
{
	const char *colon = strrchr(s->paho_url, ':');
	int port = colon ? atoi(colon + 1) : 0, one = 1, user_timeout = USER_TIMEOUT_MS;
	struct dirent *de;
	DIR *d;

	if (port <= 0 || (d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int fd = atoi(de->d_name), type = 0, peer_port = 0;
		socklen_t tlen = sizeof(type);

		if (de->d_name[0] == '.' ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM ||
		    getpeername(fd, (struct sockaddr *)&peer, &len) != 0)
			continue;
		if (peer.ss_family == AF_INET)
			peer_port = ntohs(((struct sockaddr_in *)&peer)->sin_port);
		else if (peer.ss_family == AF_INET6)
			peer_port = ntohs(((struct sockaddr_in6 *)&peer)->sin6_port);
		if (peer_port == port) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
				   sizeof(user_timeout));
		}
	}
	closedir(d);
}

static void set_synced(struct mqtt_session *s)
{
	if (s->synced)
		return;
	s->synced = true;
	if (s->sync_timer > 0)
		loop_del_timer(s->loop, s->sync_timer);
	s->sync_timer = 0;
	if (s->sync_fn)
		s->sync_fn(s, s->sync_arg);
}

static int64_t sync_overdue(struct loop *l, long id, void *arg)
{
	struct mqtt_session *s = arg;

	(void)l;
	(void)id;
	s->sync_timer = 0;
	if (s->state == ST_CONNECTED && !s->synced) {
		log_warn("mqtt: no echo on %s within %d ms (does the broker's ACL allow it?); "
			 "taking the retained state as complete",
			 s->sync_topic, MQTT_SYNC_MAX_MS);
		set_synced(s);
	}
	return -1;
}

/* Publishes this connection's marker behind the subscriptions' retained
 * messages (see mqtt.h). */
static void start_sync(struct mqtt_session *s)
{
	char marker[16];

	s->synced = false;
	if (s->sync_topic == NULL) {
		set_synced(s);
		return;
	}
	subscribe_one(s, &(struct filter){s->sync_topic, 1});
	snprintf(marker, sizeof(marker), "%u", ++s->sync_seq);
	send_raw(s, s->sync_topic, marker, strlen(marker), 1, false, NULL);
	if (s->sync_timer > 0)
		loop_del_timer(s->loop, s->sync_timer);
	s->sync_timer = loop_add_timer(s->loop, MQTT_SYNC_MAX_MS, sync_overdue, s);
}

/* The marker came back: true when `e` was it (of any connection). */
static bool is_sync_marker(struct mqtt_session *s, const struct event *e)
{
	char marker[16];

	if (s->sync_topic == NULL || strcmp(e->topic, s->sync_topic) != 0)
		return false;
	snprintf(marker, sizeof(marker), "%u", s->sync_seq);
	if (s->state == ST_CONNECTED && e->len == strlen(marker) &&
	    memcmp(e->payload, marker, e->len) == 0)
		set_synced(s);
	return true;
}

static void handle_connected(struct mqtt_session *s)
{
	s->state = ST_CONNECTED;
	s->retry_ms = RETRY_MIN_MS;
	set_socket_options(s);
	log_info("mqtt: connected to %s", s->url);
	for (int i = 0; i < s->nfilters; i++)
		subscribe_one(s, &s->filters[i]);
	for (int i = 0; i < s->nstates; i++)
		send_raw(s, s->states[i].topic, s->states[i].payload, s->states[i].len, 1, true,
			 NULL);
	if (s->avail_topic)
		send_raw(s, s->avail_topic, "online", 6, 1, true, NULL);
	if (s->conn_fn)
		s->conn_fn(s, true, s->conn_arg);
	if (s->state == ST_CONNECTED)
		start_sync(s);
}

static void handle_event(struct mqtt_session *s, struct event *e)
{
	struct mqtt_message m;

	switch (e->kind) {
	case EV_MESSAGE:
		if (s->state == ST_STOPPED || is_sync_marker(s, e) || s->msg_fn == NULL)
			return;
		m = (struct mqtt_message){e->topic,	   e->payload,	      e->len,
					  e->qos,	   e->retained,	      e->response_topic,
					  e->correlation, e->correlation_len, e->expires_at_ms};
		s->msg_fn(s, &m, s->msg_arg);
		return;
	case EV_CONNECTED:
		if (s->state != ST_STOPPED)
			handle_connected(s);
		return;
	case EV_LOST:
		if (s->state != ST_CONNECTED)
			return;
		log_warn("mqtt: lost %s: %s; reconnecting", s->url, e->reason);
		s->state = ST_CONNECTING; /* Paho's automatic reconnect takes over */
		s->synced = false;
		if (s->conn_fn)
			s->conn_fn(s, false, s->conn_arg);
		return;
	case EV_CONNECT_FAILED:
		if (s->state != ST_CONNECTING)
			return;
		if (s->retry_ms == RETRY_MIN_MS)
			log_warn("mqtt: cannot connect to %s: %s; retrying", s->url, e->reason);
		s->state = ST_WAITING;
		s->retry_timer = loop_add_timer(s->loop, s->retry_ms, retry_timer_fired, s);
		s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
		return;
	case EV_RESEND:
		if (s->state != ST_STOPPED) {
			log_debug("mqtt: %s again (the broker lost it in flight)", e->topic);
			send_raw(s, e->topic, e->payload, e->len, 1, false,
				 &(struct mqtt_pub_props){e->response_topic, e->correlation,
							  e->correlation_len, e->expiry_seconds});
		}
		pthread_mutex_lock(&s->lock); /* its new copy (send_raw) counts now */
		s->nunacked--;
		pthread_mutex_unlock(&s->lock);
		return;
	}
}

static void drain_events(struct loop *l, int fd, short revents, void *arg)
{
	struct mqtt_session *s = arg;
	uint64_t n;

	(void)l;
	(void)revents;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	for (;;) {
		struct event *e;

		pthread_mutex_lock(&s->lock);
		e = s->head;
		if (e) {
			s->head = e->next;
			if (s->head == NULL)
				s->tail = NULL;
		}
		pthread_mutex_unlock(&s->lock);
		if (e == NULL)
			break;
		handle_event(s, e);
		event_free(e);
	}
}

static int translate_url(const char *url, char **out)
{
	const char *rest, *scheme;
	int defport;
	char buf[512];

	if (strncmp(url, "mqtt://", 7) == 0 || strncmp(url, "tcp://", 6) == 0) {
		scheme = "tcp";
		defport = 1883;
	} else if (strncmp(url, "mqtts://", 8) == 0 || strncmp(url, "ssl://", 6) == 0) {
		scheme = "ssl";
		defport = 8883;
	} else {
		return SL_ERR_INVAL;
	}
	rest = strstr(url, "://") + 3;
	if (*rest == '\0' || strchr(rest, '/') || strlen(rest) > 400)
		return SL_ERR_INVAL;
	/* host, host:port, [v6]:port */
	if (strrchr(rest, ':') && (rest[0] != '[' || strrchr(rest, ':') > strchr(rest, ']')))
		snprintf(buf, sizeof(buf), "%s://%s", scheme, rest);
	else
		snprintf(buf, sizeof(buf), "%s://%s:%d", scheme, rest, defport);
	*out = strdup(buf);
	return *out ? SL_OK : SL_ERR_NOMEM;
}

int mqtt_session_new(struct loop *loop, const struct mqtt_opts *o, struct mqtt_session **out)
{
	struct mqtt_session *s;
	int rc;

	*out = NULL;
	if (o->url == NULL || o->client_id == NULL || *o->client_id == '\0')
		return SL_ERR_INVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return SL_ERR_NOMEM;
	s->loop = loop;
	s->efd = -1;
	pthread_mutex_init(&s->lock, NULL);
	rc = translate_url(o->url, &s->paho_url);
	if (rc)
		goto fail;
	rc = SL_ERR_NOMEM;
	s->url = strdup(o->url);
	s->client_id = strdup(o->client_id);
	s->username = dup_or_null(o->username);
	s->password = dup_or_null(o->password);
	s->avail_topic = dup_or_null(o->availability_topic);
	s->ca_file = dup_or_null(o->ca_file);
	s->cert_file = dup_or_null(o->cert_file);
	s->key_file = dup_or_null(o->key_file);
	if (o->topic_root && asprintf(&s->sync_topic, "%s/sync/%s", o->topic_root,
				       o->client_id) < 0)
		s->sync_topic = NULL;
	if (!s->url || !s->client_id || (o->topic_root && !s->sync_topic))
		goto fail;
	s->persistent = o->persistent;
	s->retry_ms = RETRY_MIN_MS;
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		rc = SL_ERR_IO;
		goto fail;
	}
	rc = loop_add_fd(loop, s->efd, POLLIN, drain_events, s);
	if (rc)
		goto fail;
	*out = s;
	return SL_OK;
fail:
	mqtt_session_free(&s);
	return rc;
}

void mqtt_session_on_message(struct mqtt_session *s, mqtt_message_fn *fn, void *arg)
{
	s->msg_fn = fn;
	s->msg_arg = arg;
}

void mqtt_session_on_connection(struct mqtt_session *s, mqtt_connection_fn *fn, void *arg)
{
	s->conn_fn = fn;
	s->conn_arg = arg;
}

void mqtt_session_on_synced(struct mqtt_session *s, mqtt_synced_fn *fn, void *arg)
{
	s->sync_fn = fn;
	s->sync_arg = arg;
}

static int connect_now(struct mqtt_session *s)
{
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer5;
	MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
	MQTTProperties props = MQTTProperties_initializer;
	MQTTProperty p;
	int rc;

	co.keepAliveInterval = 20;
	co.cleanstart = !s->persistent;
	co.automaticReconnect = 1;
	co.minRetryInterval = RETRY_MIN_MS / 1000;
	co.maxRetryInterval = RETRY_MAX_MS / 1000;
	co.connectTimeout = 10;
	co.username = s->username;
	co.password = s->password;
	co.onFailure5 = on_connect_failure;
	co.context = s;
	if (s->persistent) {
		p.identifier = MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL;
		p.value.integer4 = 86400;
		MQTTProperties_add(&props, &p);
		co.connectProperties = &props;
	}
	if (s->avail_topic) {
		will.topicName = s->avail_topic;
		will.payload.data = "offline";
		will.payload.len = 7;
		will.message = NULL;
		will.retained = 1;
		will.qos = 1;
		co.will = &will;
	}
	if (strncmp(s->paho_url, "ssl://", 6) == 0) {
		ssl.trustStore = s->ca_file;
		ssl.enableServerCertAuth = 1;
		ssl.verify = 1;
		ssl.CApath = s->ca_file ? NULL : "/etc/ssl/certs";
		ssl.keyStore = s->cert_file;
		ssl.privateKey = s->key_file;
		ssl.ssl_error_cb = on_tls_error;
		ssl.ssl_error_context = s;
		co.ssl = &ssl;
		pthread_mutex_lock(&s->lock); /* an error of an earlier connection is not this one's */
		s->tls_why[0] = '\0';
		pthread_mutex_unlock(&s->lock);
	}
	s->state = ST_CONNECTING;
	rc = MQTTAsync_connect(s->client, &co);
	MQTTProperties_free(&props);
	if (rc != MQTTASYNC_SUCCESS) {
		push_simple(s, EV_CONNECT_FAILED, MQTTAsync_strerror(rc));
		return SL_ERR_BROKER;
	}
	return SL_OK;
}

int mqtt_session_start(struct mqtt_session *s)
{
	MQTTAsync_createOptions cro = MQTTAsync_createOptions_initializer5;
	MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
	int rc;

	/* OpenSSL 3 initialises itself on first use; letting Paho do it eagerly
	 * costs every plain mqtt:// agent megabytes of resident memory */
	init.do_openssl_init = 0;
	MQTTAsync_global_init(&init);
	cro.sendWhileDisconnected = 1;
	cro.maxBufferedMessages = BUFFERED_MAX;
	cro.deleteOldestMessages = 1;
	rc = MQTTAsync_createWithOptions(&s->client, s->paho_url, s->client_id,
					 MQTTCLIENT_PERSISTENCE_NONE, NULL, &cro);
	if (rc != MQTTASYNC_SUCCESS) {
		log_error("mqtt: cannot create client for %s: %s", s->url, MQTTAsync_strerror(rc));
		s->client = NULL;
		return SL_ERR_BROKER;
	}
	MQTTAsync_setCallbacks(s->client, s, on_connection_lost, on_message_arrived, NULL);
	MQTTAsync_setConnected(s->client, s, on_connected);
	MQTTAsync_setDisconnected(s->client, s, on_disconnected);
	connect_now(s);
	return SL_OK;
}

int mqtt_subscribe(struct mqtt_session *s, const char *filter, int qos)
{
	struct filter *f = realloc(s->filters, (size_t)(s->nfilters + 1) * sizeof(*f));

	if (f == NULL)
		return SL_ERR_NOMEM;
	s->filters = f;
	f[s->nfilters].topic = strdup(filter);
	f[s->nfilters].qos = qos;
	if (f[s->nfilters].topic == NULL)
		return SL_ERR_NOMEM;
	s->nfilters++;
	if (s->state == ST_CONNECTED)
		subscribe_one(s, &f[s->nfilters - 1]);
	return SL_OK;
}

int mqtt_unsubscribe(struct mqtt_session *s, const char *filter)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int i;

	for (i = 0; i < s->nfilters; i++)
		if (strcmp(s->filters[i].topic, filter) == 0)
			break;
	if (i == s->nfilters)
		return SL_ERR_NOTFOUND;
	free(s->filters[i].topic);
	/* keep the order: filters are re-subscribed in it */
	memmove(&s->filters[i], &s->filters[i + 1],
		(size_t)(s->nfilters - i - 1) * sizeof(*s->filters));
	s->nfilters--;
	if (s->state == ST_CONNECTED &&
	    MQTTAsync_unsubscribe(s->client, filter, &ro) != MQTTASYNC_SUCCESS)
		return SL_ERR_BROKER;
	return SL_OK;
}

int mqtt_unacked(struct mqtt_session *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = s->nunacked;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int mqtt_publish(struct mqtt_session *s, const char *topic, const void *payload, size_t len,
		 int qos, bool retain)
{
	return mqtt_publish_props(s, topic, payload, len, qos, retain, NULL);
}

int mqtt_publish_props(struct mqtt_session *s, const char *topic, const void *payload, size_t len,
		       int qos, bool retain, const struct mqtt_pub_props *props)
{
	if (s->client == NULL || s->state == ST_STOPPED)
		return SL_ERR_BROKER;
	return send_raw(s, topic, payload, len, qos, retain, props);
}

int mqtt_set_state(struct mqtt_session *s, const char *topic, const void *payload, size_t len)
{
	struct state *st = NULL;
	int i;

	for (i = 0; i < s->nstates; i++)
		if (strcmp(s->states[i].topic, topic) == 0)
			break;
	if (len == 0 && i < s->nstates) {
		free(s->states[i].topic);
		free(s->states[i].payload);
		s->states[i] = s->states[--s->nstates];
	} else if (len > 0) {
		if (i == s->nstates) {
			st = realloc(s->states, (size_t)(s->nstates + 1) * sizeof(*st));
			if (st == NULL)
				return SL_ERR_NOMEM;
			s->states = st;
			s->states[i] = (struct state){strdup(topic), NULL, 0};
			if (s->states[i].topic == NULL)
				return SL_ERR_NOMEM;
			s->nstates++;
		}
		st = &s->states[i];
		free(st->payload);
		st->payload = malloc(len);
		if (st->payload == NULL) {
			st->len = 0;
			return SL_ERR_NOMEM;
		}
		memcpy(st->payload, payload, len);
		st->len = len;
	}
	if (s->state != ST_CONNECTED)
		return SL_OK; /* sent on connect */
	return send_raw(s, topic, payload, len, 1, true, NULL);
}

bool mqtt_is_connected(const struct mqtt_session *s)
{
	return s->state == ST_CONNECTED;
}

bool mqtt_session_synced(const struct mqtt_session *s)
{
	return s->state == ST_CONNECTED && s->synced;
}

const char *mqtt_session_url(const struct mqtt_session *s)
{
	return s->url;
}

/* Waits, until deadline_ms, for a request to complete. Paho's own
 * MQTTAsync_waitForCompletion() looks only every 100 ms, which was most of
 * the time a --once run spent after its work; this looks every 2 ms. */
static void wait_token(MQTTAsync client, MQTTAsync_token token, int64_t deadline_ms)
{
	while (MQTTAsync_isComplete(client, token) != MQTTASYNC_TRUE &&
	       MQTTAsync_isConnected(client) && loop_now_ms() < deadline_ms)
		usleep(2000);
}

/* Waits, until deadline_ms, for what Paho still holds (QoS 1 publishes not
 * yet acknowledged). */
static void wait_pending(MQTTAsync client, int64_t deadline_ms)
{
	MQTTAsync_token *tokens = NULL;

	if (MQTTAsync_getPendingTokens(client, &tokens) != MQTTASYNC_SUCCESS || tokens == NULL)
		return;
	for (int i = 0; tokens[i] != -1; i++)
		wait_token(client, tokens[i], deadline_ms);
	MQTTAsync_free(tokens);
}

/* Publishes "offline", waits for what is in flight and disconnects. */
static void stop(struct mqtt_session *s)
{
	MQTTAsync_disconnectOptions dc = MQTTAsync_disconnectOptions_initializer5;
	MQTTAsync_message msg = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	bool was_connected = s->state == ST_CONNECTED;
	int64_t deadline = loop_now_ms() + STOP_MAX_MS;

	if (s->client == NULL || s->state == ST_STOPPED)
		return;
	if (s->retry_timer > 0)
		loop_del_timer(s->loop, s->retry_timer);
	if (s->sync_timer > 0)
		loop_del_timer(s->loop, s->sync_timer);
	s->state = ST_STOPPED;
	if (was_connected && s->avail_topic) {
		msg.payload = "offline";
		msg.payloadlen = 7;
		msg.qos = 1;
		msg.retained = 1;
		if (MQTTAsync_sendMessage(s->client, s->avail_topic, &msg, &ro) == MQTTASYNC_SUCCESS)
			wait_token(s->client, ro.token, deadline);
	}
	if (was_connected)
		wait_pending(s->client, deadline);
	/* in-flight messages were waited for above: given a timeout, Paho 1.3
	 * holds the disconnect for all of it once a QoS 1 message was in flight
	 * (2 s at the end of every --once run), though the PUBACK came at once */
	dc.timeout = 0;
	dc.reasonCode = MQTTREASONCODE_NORMAL_DISCONNECTION;
	MQTTAsync_disconnect(s->client, &dc);
	if (deadline < loop_now_ms() + 200)
		deadline = loop_now_ms() + 200; /* the DISCONNECT itself, even after a long wait */
	while (MQTTAsync_isConnected(s->client) && loop_now_ms() < deadline)
		usleep(2000);
}

void mqtt_session_free(struct mqtt_session **sp)
{
	struct mqtt_session *s;

	if (sp == NULL || *sp == NULL)
		return;
	s = *sp;
	if (s->client) {
		stop(s);
		MQTTAsync_destroy(&s->client);
	}
	if (s->efd >= 0) {
		loop_del_fd(s->loop, s->efd);
		close(s->efd);
	}
	while (s->head) {
		struct event *e = s->head;

		s->head = e->next;
		event_free(e);
	}
	while (s->unacked) { /* dropped by Paho from a full buffer, never reported */
		struct event *e = s->unacked;

		s->unacked = e->next;
		event_free(e);
	}
	for (int i = 0; i < s->nfilters; i++)
		free(s->filters[i].topic);
	for (int i = 0; i < s->nstates; i++) {
		free(s->states[i].topic);
		free(s->states[i].payload);
	}
	free(s->filters);
	free(s->states);
	free(s->url);
	free(s->paho_url);
	free(s->username);
	free(s->password);
	free(s->client_id);
	free(s->avail_topic);
	free(s->ca_file);
	free(s->cert_file);
	free(s->key_file);
	free(s->sync_topic);
	pthread_mutex_destroy(&s->lock);
	free(s);
	*sp = NULL;
}

int mqtt_reply_to_new(const char *topic, const void *correlation, size_t correlation_len,
		      struct mqtt_reply_to **out)
{
	struct mqtt_reply_to *r = NULL;
	int rc = SL_ERR_NOMEM;

	*out = NULL;
	if (topic == NULL || *topic == '\0')
		return SL_OK;
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->topic = strdup(topic)) == NULL)
		goto out;
	if (correlation && correlation_len > 0) {
		if ((r->correlation = malloc(correlation_len)) == NULL)
			goto out;
		memcpy(r->correlation, correlation, correlation_len);
		r->correlation_len = correlation_len;
	}
	*out = r;
	r = NULL;
	rc = SL_OK;
out:
	mqtt_reply_to_free(&r);
	return rc;
}

void mqtt_reply_to_free(struct mqtt_reply_to **r)
{
	if (r == NULL || *r == NULL)
		return;
	free((*r)->topic);
	free((*r)->correlation);
	free(*r);
	*r = NULL;
}
