/* test_frames.c - listing frames of a server images root by name. */
#include <limits.h>

#include "frames.h"
#include "fsutil.h"
#include "testutil.h"

static void touch(const char *rel)
{
	char path[PATH_MAX], dir[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", test_dir, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(file_write_atomic(path, "{\"size\":1}", 10), 0);
}

static int setup(void **state)
{
	if (dir_setup(state) != 0)
		return -1;
	touch("helios/profile-a/2026-11-27/capture_20261127_013547_123.jpg");
	touch("helios/profile-a/2026-11-27/capture_20261127_013547_123.json");
	touch("helios/profile-a/2026-11-27/capture_20261127_235959_999.jpg");
	touch("helios/profile-a/2026-11-28/capture_20261128_000000_000.jpg");
	touch("helios/profile-d/2026-11-27/capture_20261127_120000_000_bracket0.jpg");
	touch("helios/profile-d/2026-11-27/capture_20261127_120000_001_bracket1.jpg");
	touch("helios/profile-a/2026-11-27/.capture_20261127_120000_000.jpg.tmp.42");
	touch("helios/profile-a/2026-11-27/notes.txt");
	touch("selene/profile-a/2026-11-27/capture_20261127_060000.jpg"); /* no ms: seed style */
	return 0;
}

static void test_parse_name(void **state)
{
	int64_t ms;
	int b;

	(void)state;
	assert_int_equal(frames_parse_name("capture_20261127_013547_123.jpg", &ms, &b), 0);
	assert_true(ms == 1795743347123LL && b == -1);
	assert_int_equal(frames_parse_name("capture_20261127_013547.jpg", &ms, &b), 0);
	assert_true(ms == 1795743347000LL);
	assert_int_equal(frames_parse_name("capture_20261127_013547_000_bracket2.jpg", &ms, &b), 0);
	assert_int_equal(b, 2);
	assert_int_equal(frames_parse_name("capture_20261127_013547_123.json", &ms, &b),
			 SL_ERR_PARSE);
	assert_int_equal(frames_parse_name(".capture_20261127_013547_123.jpg.tmp.1", &ms, &b),
			 SL_ERR_PARSE);
	assert_int_equal(frames_parse_name("capture_2026x127_013547.jpg", &ms, &b), SL_ERR_PARSE);
}

static void test_list(void **state)
{
	struct frame_list l;
	struct frame_query q = {0};
	json_t *side;

	(void)state;
	assert_int_equal(frames_list(test_dir, &q, &l), 0);
	assert_int_equal(l.count, 6); /* temp files and notes are not frames */
	assert_string_equal(l.items[1].camera, "selene"); /* sorted by time across cameras */
	frame_list_free(&l);

	q.camera = "helios";
	q.profile = 'a';
	q.newest_first = true;
	assert_int_equal(frames_list(test_dir, &q, &l), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[0].path,
			    "helios/profile-a/2026-11-28/capture_20261128_000000_000.jpg");
	side = frames_load_sidecar(test_dir, l.items[2].path);
	assert_non_null(side);
	assert_int_equal(json_integer_value(json_object_get(side, "size")), 1);
	json_decref(side);
	assert_null(frames_load_sidecar(test_dir, l.items[1].path)); /* has none */
	assert_null(frames_load_sidecar(test_dir, "../etc/passwd.jpg"));
	frame_list_free(&l);

	/* [from, to): the 23:59:59.999 frame is in, midnight is out */
	q.newest_first = false;
	q.from_ms = 1795743347123LL;
	q.to_ms = 1795824000000LL; /* 2026-11-28T00:00:00Z */
	assert_int_equal(frames_list(test_dir, &q, &l), 0);
	assert_int_equal(l.count, 2);
	frame_list_free(&l);

	q.camera = "nobody";
	assert_int_equal(frames_list(test_dir, &q, &l), SL_ERR_NOTFOUND);
	q.camera = "../etc";
	assert_int_equal(frames_list(test_dir, &q, &l), SL_ERR_NOTFOUND);
}

/* A frame path that just fits PATH_MAX leaves no room for its sidecar's one
 * more byte (".json"): no sidecar, and no write past the buffer (which the
 * sanitizer build would see). */
static void test_sidecar_path_at_limit(void **state)
{
	static char long_root[PATH_MAX];
	const char *rel = "helios/profile-a/2026-11-27/capture_20261127_120000.jpg";
	size_t n = PATH_MAX - 2 - strlen(rel); /* root + "/" + rel: PATH_MAX - 1 bytes */

	(void)state;
	memset(long_root, 'a', n);
	long_root[0] = '/';
	long_root[n] = '\0';
	assert_null(frames_load_sidecar(long_root, rel));
	long_root[n - 1] = '\0';
	assert_null(frames_load_sidecar(long_root, rel)); /* fits; no such file */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_sidecar_path_at_limit),
	};

	return cmocka_run_group_tests_name("frames", tests, setup, dir_teardown);
}
