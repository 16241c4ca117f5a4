/* test_plan_journal.c - the plan (parsing, slots), the slot book (each
 * planned slot taken once, by request or by plan, on a fake clock), the
 * journal of unpublished announcements (append, torn lines, clear) and the
 * frames recalled at start (what a kill mid-write leaves, tidied). */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"
#include "jsonx.h"
#include "plan.h"
#include "recall.h"
#include "slotbook.h"
#include "testutil.h"
#include "timeutil.h"

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

static json_t *frames_of(const char *path)
{
	return json_pack("[{s:s}]", "path", path);
}

/* A 10 s window, a slot a second, profiles a and b; the clock is the
 * argument: the scheduler is there for slot 0, gone from slot 1. */
static void test_slotbook_takes_each_slot_once(void **state)
{
	struct plan_window w = {.start_ms = 1782064800000LL, .interval_s = 1, .profiles = "ab"};
	const int64_t S = w.start_ms;
	struct slotbook *b = calloc(1, sizeof(*b));
	const struct slot_taken *e;
	struct slot_key a0, b0, a1;
	json_t *fr;

	(void)state;
	w.end_ms = S + 10000;
	snprintf(w.schedule, sizeof(w.schedule), "sunrise");
	assert_true(slotbook_grace_ms(1000) == 500);
	assert_true(slotbook_grace_ms(60000) == 10000);
	assert_true(slotbook_grace_ms(3600000) == 10000);
	/* nothing is due before the first slot's grace has passed */
	assert_true(slotbook_due(&w, S - 1) == -1);
	assert_true(slotbook_due(&w, S + 499) == -1);
	assert_true(slotbook_due(&w, S + 500) == S);
	assert_true(slotbook_due(&w, S + 1499) == S);
	assert_true(slotbook_due(&w, S + 1500) == S + 1000);
	/* the last slot, 9 s, is due until its grace would pass the end */
	assert_true(slotbook_due(&w, S + 10499) == S + 9000);
	assert_true(slotbook_due(&w, S + 10500) == -1);

	/* slot 0, profile a: its request comes on time and takes it */
	slotbook_key(&a0, "sunrise", S, 'a');
	slotbook_key(&b0, "sunrise", S, 'b');
	assert_int_equal(slotbook_claim(b, &a0), SLOT_SHOOT);
	assert_null(slotbook_find(b, &b0));
	e = slotbook_find(b, &a0);
	assert_non_null(e);
	assert_false(e->done);
	fr = frames_of("profile-a/0.jpg");
	slotbook_done(b, &a0, 0, NULL, fr);
	json_decref(fr);
	/* its grace passes: the plan takes what no request took (b), not a */
	assert_true(slotbook_due(&w, S + 600) == S);
	assert_int_equal(slotbook_claim(b, &a0), SLOT_TAKEN);
	assert_int_equal(slotbook_claim(b, &b0), SLOT_SHOOT);
	fr = frames_of("profile-b/0.jpg");
	slotbook_done(b, &b0, 0, NULL, fr);
	json_decref(fr);
	/* the next tick finds both taken: never twice */
	assert_int_equal(slotbook_claim(b, &b0), SLOT_TAKEN);
	/* b's request comes late: taken, answered with the plan's frames */
	assert_int_equal(slotbook_claim(b, &b0), SLOT_TAKEN);
	e = slotbook_find(b, &b0);
	assert_true(e->done && e->rc == 0);
	assert_string_equal(jstr(json_array_get(e->frames, 0), "path"), "profile-b/0.jpg");
	/* a failed slot answers late requests with its failure */
	slotbook_key(&a1, "sunrise", S + 1000, 'a');
	assert_int_equal(slotbook_claim(b, &a1), SLOT_SHOOT);
	fr = json_array();
	slotbook_done(b, &a1, SL_ERR_CAMERA, "camera gone", fr);
	json_decref(fr);
	e = slotbook_find(b, &a1);
	assert_int_equal(e->rc, SL_ERR_CAMERA);
	assert_string_equal(e->why, "camera gone");
	/* another schedule's slot at the same time is its own */
	slotbook_key(&a1, "sunset", S, 'a');
	assert_int_equal(slotbook_claim(b, &a1), SLOT_SHOOT);
	/* the book keeps the latest SLOTBOOK_MAX: the oldest go first */
	for (int k = 2; k < SLOTBOOK_MAX + 2; k++) {
		slotbook_key(&a1, "sunrise", S + k * 1000LL, 'a');
		assert_int_equal(slotbook_claim(b, &a1), SLOT_SHOOT);
	}
	assert_int_equal(b->n, SLOTBOOK_MAX);
	assert_null(slotbook_find(b, &a0));
	assert_non_null(slotbook_find(b, &a1));
	slotbook_clear(b);
	assert_int_equal(b->n, 0);
	free(b);
}

static void test_journal(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX];
	json_t *a = json_pack("{s:s}", "path", "a.jpg"), *b = json_pack("{s:s}", "path", "b.jpg");
	json_t *got;
	int fd;

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
	assert_string_equal(jstr(json_array_get(got, 1), "path"), "b.jpg");
	json_decref(got);
	assert_int_equal(journal_clear(path), 0);
	assert_int_equal(journal_clear(path), 0); /* twice is fine */
	assert_int_not_equal(access(path, F_OK), 0);
	json_decref(a);
	json_decref(b);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(file_write_atomic(path, text, strlen(text)), 0);
}

static bool there(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void test_recall(void **state)
{
	const char *root = *state;
	char day[PATH_MAX], old_day[PATH_MAX], cmd[PATH_MAX + 16];
	static const char *const names[] = {"capture_20260621_180100_000", "capture_20260621_180105_000",
					    "capture_20260621_170000_000"};
	int64_t since;
	json_t *got;

	snprintf(day, sizeof(day), "%s/profile-a/2026-06-21", root);
	snprintf(old_day, sizeof(old_day), "%s/profile-a/2026-06-20", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s %s", day, old_day);
	assert_int_equal(system(cmd), 0);
	for (int i = 0; i < 3; i++) { /* two whole recent frames, one older */
		char name[64], side[160];

		snprintf(name, sizeof(name), "%s.jpg", names[i]);
		put(day, name, "jpeg");
		snprintf(name, sizeof(name), "%s.json", names[i]);
		snprintf(side, sizeof(side),
			 "{\"path\":\"profile-a/2026-06-21/%s.jpg\",\"captured_at\":"
			 "\"2026-06-21T%.2s:%.2s:%.2s.000Z\"}",
			 names[i], names[i] + 17, names[i] + 19, names[i] + 21);
		put(day, name, side);
	}
	put(old_day, "capture_20260620_180000_000.jpg", "jpeg"); /* another day: not read */
	/* what a kill leaves: a frame renamed before its sidecar, temporaries */
	put(day, "capture_20260621_180110_000.jpg", "jpeg");
	put(day, "capture_20260621_180120_000.json", "{}");
	put(day, ".capture_20260621_180130_000.jpg.tmp.1", "jp");
	put(day, "capture_20260621_170500_000.jpg", "older, left alone");
	assert_int_equal(time_parse_iso("2026-06-21T18:00:00Z", &since), 0);

	got = recall_frames(root, since, 1); /* the newest only */
	assert_int_equal(json_array_size(got), 1);
	assert_string_equal(jstr(json_array_get(got, 0), "path"),
			    "profile-a/2026-06-21/capture_20260621_180105_000.jpg");
	json_decref(got);
	assert_false(there(day, "capture_20260621_180110_000.jpg"));
	assert_false(there(day, "capture_20260621_180120_000.json"));
	assert_false(there(day, ".capture_20260621_180130_000.jpg.tmp.1"));
	assert_true(there(day, "capture_20260621_170500_000.jpg"));
	assert_true(there(old_day, "capture_20260620_180000_000.jpg"));
	got = recall_frames(root, since, 10); /* oldest first */
	assert_int_equal(json_array_size(got), 2);
	assert_string_equal(jstr(json_array_get(got, 0), "captured_at"),
			    "2026-06-21T18:01:00.000Z");
	json_decref(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_parse_and_slots),
		cmocka_unit_test(test_slotbook_takes_each_slot_once),
		cmocka_unit_test_setup_teardown(test_journal, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_recall, dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests_name("plan_journal", tests, NULL, NULL);
}
