/* topics.h - building MQTT topic names under MQTT_TOPIC_ROOT.
 *
 * Topic and payload documentation lives in schema/ (asyncapi.yaml); this only
 * joins names. Ids put into topics must already be valid (id_is_valid()).
 */
#ifndef SKYLAPSE_LIB_TOPICS_H
#define SKYLAPSE_LIB_TOPICS_H

#include <stddef.h>

#define TOPIC_MAX 512

/* out = root + "/" + formatted suffix. Returns 0, or SL_ERR_RANGE when it
 * does not fit. */
int topic_fmt(char out[TOPIC_MAX], const char *root, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* If `topic` is root/<a>/<rest>, copies <a> into first (at most ID_MAX+1
 * bytes) and returns a pointer to <rest> inside topic; NULL otherwise. */
const char *topic_split(const char *topic, const char *root, char *first, size_t firstlen);

#endif
