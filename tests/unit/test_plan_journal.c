/* test_plan_journal.c - the offline plan (parsing, slots) and the journal of
 * unpublished announcements (append, torn lines, clear). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "jsonx.h"
#include "plan.h"

static void test_plan_parse_and_slots(void **state)
{
	const char *text =
		"{\"backend_name\":\"dagon\",\"windows\":["
		"{\"schedule\":\"sunrise\",\"start\":\"2026-11-27T06:30:00-07:00\","
		"\"end\":\"2026-11-27T07:30:00-07:00\",\"interval_seconds\":5,\"profiles\":[\"D\",\"a\"]},"
		"{\"schedule\":\"all_day\",\"start\":\"2026-11-27T13:30:00Z\","
		"\"end\":\"2026-11-28T04:30:00Z\",\"interval_seconds\":30,\"profiles\":[]}]}";
	char why[ERRMSG_MAX];
	json_t *obj = jsonx_parse_object("payload", text, strlen(text), PAYLOAD_MAX, why);
	struct plan p;
	int64_t start = 1795786200000LL; /* 2026-11-27T13:30:00Z */

	(void)state;
	assert_int_equal(plan_parse(obj, &p, why), 0);
	assert_string_equal(p.backend_name, "dagon");
	assert_int_equal(p.n, 2);
	assert_string_equal(p.w[0].profiles, "da");
	assert_true(p.w[0].start_ms == start);
	assert_int_equal(plan_window_at(&p, start - 1), -1);
	assert_int_equal(plan_window_at(&p, start), 0);
	assert_int_equal(plan_window_at(&p, start + 3600000), 1); /* [start, end) */
	/* fixed rate: start + k x interval, never "interval after the last one" */
	assert_true(plan_slot_at(&p.w[0], start + 12345) == start + 10000);
	assert_true(plan_slot_at(&p.w[0], start + 15000) == start + 15000);
	assert_true(plan_slot_at(&p.w[0], start - 5) == start);
	json_decref(obj);

	static const char *bad[] = {
		"{\"windows\":5}",
		"{\"windows\":[{\"start\":\"x\",\"end\":\"2026-11-27T07:30:00Z\",\"interval_seconds\":5}]}",
		"{\"windows\":[{\"start\":\"2026-11-27T08:00:00Z\",\"end\":\"2026-11-27T07:30:00Z\","
		"\"interval_seconds\":5}]}",
		"{\"windows\":[{\"start\":\"2026-11-27T06:00:00Z\",\"end\":\"2026-11-27T07:30:00Z\","
		"\"interval_seconds\":0}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		obj = jsonx_parse_object("payload", bad[i], strlen(bad[i]), PAYLOAD_MAX, why);
		assert_non_null(obj);
		assert_int_equal(plan_parse(obj, &p, why), SL_ERR_INVAL);
		json_decref(obj);
	}
}

static void test_journal(void **state)
{
	char dir[] = "/tmp/sl-journal-XXXXXX", path[PATH_MAX];
	json_t *a = json_pack("{s:s}", "path", "a.jpg"), *b = json_pack("{s:s}", "path", "b.jpg");
	json_t *got;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	got = journal_read(path); /* none yet: empty */
	assert_int_equal(json_array_size(got), 0);
	json_decref(got);
	assert_int_equal(journal_append(path, a), 0);
	assert_int_equal(journal_append(path, b), 0);
	/* a crash in the middle of an append leaves a torn last line */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(write(fd, "{\"path\":\"c.j", 12) == 12);
	close(fd);
	got = journal_read(path);
	assert_int_equal(json_array_size(got), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(got, 1), "path")),
			    "b.jpg");
	json_decref(got);
	assert_int_equal(journal_clear(path), 0);
	assert_int_equal(journal_clear(path), 0); /* twice is fine */
	assert_int_not_equal(access(path, F_OK), 0);
	rmdir(dir);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_parse_and_slots),
		cmocka_unit_test(test_journal),
	};

	return cmocka_run_group_tests_name("plan_journal", tests, NULL, NULL);
}
