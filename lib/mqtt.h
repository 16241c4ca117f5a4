/* mqtt.h - the MQTT session every Skylapse program uses (Paho MQTT C, MQTT 5).
 *
 * A session owns one Paho async client and plugs into the program's loop:
 * Paho's callbacks (on Paho's threads) only copy what arrived into a queue and
 * wake the loop through an eventfd; messages and connection changes are then
 * delivered to the program's callbacks on the main thread.
 *
 * It keeps the contract of SPEC section 4 for every agent: the last will is
 * "offline" (retained) on the availability topic; on every (re)connect it
 * re-subscribes, re-publishes each retained state set with mqtt_set_state()
 * and then "online"; mqtt_session_free() publishes "offline" itself. It connects in
 * the background and retries with back-off (1 s doubling to 30 s) for as
 * long as it runs, whether the broker was never there or went away.
 *
 * The retained state: a broker sends the retained messages of a filter
 * right after subscribing, but says nowhere when they are all in. Given
 * the topic root R, the session publishes a marker to R/sync/<client id>
 * after re-subscribing on each connect; the broker queues it behind those
 * retained messages, so when it comes back the program's view is complete
 * (mqtt_session_synced()). The broker's ACL lets every client use its own
 * sync topic. Without a root, or when the marker is not back within
 * MQTT_SYNC_MAX_MS (an older ACL), the session counts as synced anyway.
 */
#ifndef SKYLAPSE_LIB_MQTT_H
#define SKYLAPSE_LIB_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define MQTT_SYNC_MAX_MS 5000

struct mqtt_session;

struct mqtt_opts {
	const char *url;       /* mqtt://host[:port], mqtts://host[:port] (also tcp://, ssl://) */
	const char *username;  /* NULL: anonymous */
	const char *password;
	const char *client_id; /* required; stable for persistent sessions */
	const char *availability_topic; /* will "offline"; "online" on connect; NULL: none */
	bool persistent;       /* keep the session (and queued QoS 1 messages) for a day */
	const char *ca_file;   /* mqtts: CA bundle; NULL: the system's */
	const char *cert_file; /* mqtts: client certificate (PEM, may hold the key); NULL: none */
	const char *key_file;  /* mqtts: its private key when not in cert_file; NULL: none */
	const char *topic_root; /* R, for the sync topic; NULL: no sync */
};

struct mqtt_message {
	const char *topic;
	const unsigned char *payload; /* NUL-terminated after len bytes */
	size_t len;
	int qos;
	bool retained;
	const char *response_topic;        /* MQTT 5 Response Topic, or NULL */
	const unsigned char *correlation;  /* MQTT 5 Correlation Data, or NULL */
	size_t correlation_len;
	int64_t expires_at_ms; /* monotonic deadline from Message Expiry; 0: none */
};

/* Both run on the main thread; `m` and its fields are borrowed for the call. */
typedef void mqtt_message_fn(struct mqtt_session *s, const struct mqtt_message *m, void *arg);
typedef void mqtt_connection_fn(struct mqtt_session *s, bool connected, void *arg);
typedef void mqtt_synced_fn(struct mqtt_session *s, void *arg);

struct mqtt_pub_props {
	const char *response_topic;
	const void *correlation;
	size_t correlation_len;
	int expiry_seconds; /* 0: none */
};

/* Creates a session bound to `loop` (borrowed; must outlive it). Strings in
 * opts are copied. Returns 0 and *out, SL_ERR_INVAL for a bad URL or client
 * id, SL_ERR_NOMEM. Nothing is sent until mqtt_session_start(). */
int mqtt_session_new(struct loop *loop, const struct mqtt_opts *opts, struct mqtt_session **out);
void mqtt_session_on_message(struct mqtt_session *s, mqtt_message_fn *fn, void *arg);
void mqtt_session_on_connection(struct mqtt_session *s, mqtt_connection_fn *fn, void *arg);
/* fn runs once per connection, when the retained state is in (see above). */
void mqtt_session_on_synced(struct mqtt_session *s, mqtt_synced_fn *fn, void *arg);

/* Starts connecting in the background; 0 or SL_ERR_BROKER when the client
 * cannot even be created. */
int mqtt_session_start(struct mqtt_session *s);

/* Remembers the filter and subscribes now if connected, and again after
 * every reconnect. */
int mqtt_subscribe(struct mqtt_session *s, const char *filter, int qos);
/* Forgets the filter and unsubscribes now if connected (a persistent
 * session's broker keeps it otherwise). 0, SL_ERR_NOTFOUND, SL_ERR_BROKER. */
int mqtt_unsubscribe(struct mqtt_session *s, const char *filter);

/* Publishes; while disconnected QoS 1 messages are buffered (up to 1000,
 * oldest dropped) and sent on reconnect. A QoS 1 message that is not
 * retained is kept until the broker takes it: one in flight when the broker
 * died, which comes back without the session (Paho then drops what was in
 * flight), is sent again. At least once: a receiver may see it twice.
 * 0, SL_ERR_BROKER or SL_ERR_NOMEM. */
int mqtt_publish(struct mqtt_session *s, const char *topic, const void *payload, size_t len,
		 int qos, bool retain);
int mqtt_publish_props(struct mqtt_session *s, const char *topic, const void *payload, size_t len,
		       int qos, bool retain, const struct mqtt_pub_props *props);
/* Publishes `payload` retained at QoS 1 and remembers it for re-publication
 * on every reconnect (before "online"). Replaces an earlier state of the
 * same topic. An empty payload clears the retained message and forgets it. */
int mqtt_set_state(struct mqtt_session *s, const char *topic, const void *payload, size_t len);

/* Where the answer to an MQTT 5 request goes: its Response Topic and the
 * Correlation Data the answer must carry, copied out of the message so the
 * answer can be sent after the message is gone. */
struct mqtt_reply_to {
	char *topic;		    /* never NULL nor empty */
	unsigned char *correlation; /* NULL when the request carried none */
	size_t correlation_len;
};

/* Copies a reply address (`topic` and `correlation` borrowed; no
 * correlation: NULL or length 0) into a new one the caller owns and frees
 * with mqtt_reply_to_free(). 0 with *out NULL when `topic` is NULL or
 * empty: nothing asks for an answer. Out of memory: SL_ERR_NOMEM with *out
 * NULL and nothing kept (never half a copy); a program then refuses the
 * request with "out of memory" on its own response topic only. */
int mqtt_reply_to_new(const char *topic, const void *correlation, size_t correlation_len,
		      struct mqtt_reply_to **out);
/* Frees *r and sets it to NULL; accepts NULL and a NULL *r. */
void mqtt_reply_to_free(struct mqtt_reply_to **r);

/* How many QoS 1 messages that are not retained the broker has not taken
 * yet (those mqtt_publish() keeps, above): 0 when every one published so
 * far was delivered (Paho's thread may take one meanwhile). */
int mqtt_unacked(struct mqtt_session *s);

bool mqtt_is_connected(const struct mqtt_session *s);
/* Connected, and the retained messages of the subscriptions are in. */
bool mqtt_session_synced(const struct mqtt_session *s);
/* The broker URL as given (for logs and status); borrowed. */
const char *mqtt_session_url(const struct mqtt_session *s);

/* Ends the session; the one way every program does it, at its exit. When
 * connected: publishes "offline" on the availability topic, waits up to
 * 2 s for the broker to take it and every QoS 1 message still in flight,
 * then disconnects normally (the will is not sent). Then destroys the Paho
 * client (Paho 1.3.12 sleeps 100 ms there while its threads stop), frees
 * *s and sets it to NULL. Accepts NULL and a NULL *s. */
void mqtt_session_free(struct mqtt_session **s);

#endif
