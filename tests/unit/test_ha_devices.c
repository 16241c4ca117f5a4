/* test_ha_devices.c - the encoder worker's and the transfer's Home
 * Assistant devices without a broker: their discovery payloads (ids,
 * topics, availability, diagnostic entities) and the worker's status as
 * the job states it publishes make it. */
#include "config.h"
#include "err.h"
#include "ha_encoder.h"
#include "ha_transfer.h"
#include "testutil.h"

static struct config test_config(void)
{
	struct config c = {.ha_prefix = "home/ha", .ha_discovery = true};

	strcpy(c.topic_root, "sky");
	return c;
}

static const json_t *cmp(const json_t *d, const char *key)
{
	const json_t *c = json_object_get(json_object_get(d, "components"), key);

	assert_non_null(c);
	return c;
}

static bool diagnostic(const json_t *d, const char *key)
{
	const json_t *v = json_object_get(cmp(d, key), "entity_category");

	return v && strcmp(json_string_value(v), "diagnostic") == 0;
}

static void test_encoder_device(void **state)
{
	struct config c = test_config();
	char dev_id[HA_ID_MAX], topic[TOPIC_MAX];
	json_t *d;

	(void)state;
	d = ha_encoder_discovery(&c, "w-1", NULL, dev_id);
	assert_non_null(d);
	assert_string_equal(dev_id, "skylapse_encoder_w_1");
	assert_string_equal(jstr(json_array_get(json_object_get(d, "availability"), 0), "topic"),
			    "sky/encoder/w-1/availability");
	assert_string_equal(jstr(cmp(d, "running"), "state_topic"), "sky/encoder/w-1/status");
	assert_string_equal(jstr(cmp(d, "running"), "unique_id"), "skylapse_encoder_w_1_running");
	assert_string_equal(jstr(cmp(d, "latest_timelapse"), "image_topic"),
			    "sky/encoder/thumbnail");
	assert_string_equal(jstr(cmp(d, "last_video"), "device_class"), "timestamp");
	assert_false(diagnostic(d, "running"));
	assert_true(diagnostic(d, "last_error") && diagnostic(d, "error_kind") &&
		    diagnostic(d, "version") && diagnostic(d, "jobs_failed"));
	assert_null(json_object_get(json_object_get(d, "device"), "configuration_url"));
	json_decref(d);
	assert_int_equal(ha_encoder_config_topic(topic, &c, "w-1"), 0);
	assert_string_equal(topic, "home/ha/device/skylapse_encoder/w-1/config");
}

/* The status follows the job states the worker sends: done and failed are
 * counted and remembered, the rest changes nothing; counts mark a change. */
static void test_encoder_status(void **state)
{
	struct ha_encoder h = {0};
	json_t *st;

	(void)state;
	ha_encoder_note(&h, "{\"job_id\":\"j1\",\"state\":\"running\"}");
	ha_encoder_note(&h, "not json");
	assert_false(h.changed);
	ha_encoder_counts(&h, 1, 2);
	assert_true(h.changed);
	h.changed = false;
	ha_encoder_counts(&h, 1, 2);
	assert_false(h.changed);
	ha_encoder_note(&h, "{\"job_id\":\"j1\",\"state\":\"done\","
			    "\"finished_at\":\"2026-12-06T20:00:00.000Z\",\"error\":null}");
	ha_encoder_note(&h, "{\"job_id\":\"j2\",\"state\":\"failed\",\"error\":\"no frames\","
			    "\"error_kind\":\"not_found\",\"finished_at\":\"2026-12-06T20:01:00.000Z\"}");
	assert_true(h.changed);
	st = ha_encoder_status(&h, "w1");
	assert_int_equal(json_integer_value(json_object_get(st, "running")), 1);
	assert_int_equal(json_integer_value(json_object_get(st, "queued")), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "jobs_done")), 1);
	assert_int_equal(json_integer_value(json_object_get(st, "jobs_failed")), 1);
	assert_string_equal(jstr(st, "last_job"), "j1");
	assert_string_equal(jstr(st, "last_video_at"), "2026-12-06T20:00:00.000Z");
	assert_string_equal(jstr(st, "last_error"), "no frames");
	assert_string_equal(jstr(st, "error_kind"), "not_found");
	assert_string_equal(jstr(st, "last_error_at"), "2026-12-06T20:01:00.000Z");
	json_decref(st);
	/* a fresh worker: nulls, not empty strings */
	h = (struct ha_encoder){0};
	st = ha_encoder_status(&h, "w1");
	assert_true(json_is_null(json_object_get(st, "last_error")));
	assert_true(json_is_null(json_object_get(st, "last_video_at")));
	json_decref(st);
}

static void test_transfer_device(void **state)
{
	struct config c = test_config();
	json_t *d;

	(void)state;
	d = ha_transfer_discovery(&c, NULL, "http://server:8082");
	assert_non_null(d);
	assert_string_equal(jstr(json_object_get(d, "device"), "configuration_url"),
			    "http://server:8082");
	assert_string_equal(jstr(json_array_get(json_object_get(d, "availability"), 0), "topic"),
			    "sky/transfer/availability");
	assert_string_equal(jstr(cmp(d, "backlog"), "state_topic"), "sky/transfer/status");
	assert_string_equal(jstr(cmp(d, "last_sync"), "device_class"), "timestamp");
	assert_string_equal(jstr(cmp(d, "error_kind"), "unique_id"),
			    "skylapse_transfer_error_kind");
	assert_false(diagnostic(d, "last_sync") || diagnostic(d, "backlog"));
	assert_true(diagnostic(d, "error_kind") && diagnostic(d, "last_error"));
	json_decref(d);
	/* one transfer per Pi: a device each, on its camera's topics */
	d = ha_transfer_discovery(&c, "selene", NULL);
	assert_non_null(d);
	assert_string_equal(jstr(json_object_get(d, "device"), "name"), "Skylapse transfer selene");
	assert_string_equal(jstr(json_array_get(json_object_get(d, "availability"), 0), "topic"),
			    "sky/transfer/selene/availability");
	assert_string_equal(jstr(cmp(d, "backlog"), "state_topic"), "sky/transfer/selene/status");
	assert_string_equal(jstr(cmp(d, "backlog"), "unique_id"),
			    "skylapse_transfer_selene_backlog");
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoder_device),
		cmocka_unit_test(test_encoder_status),
		cmocka_unit_test(test_transfer_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
