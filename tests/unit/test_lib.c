/* test_lib.c - unit tests of lib/: paths and ids, atomic files, time,
 * JSON helpers, topics, the event loop. */
#include <errno.h>
#include <poll.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "err.h"
#include "fsutil.h"
#include "ha.h"
#include "jsonx.h"
#include "loop.h"
#include "mqtt.h"
#include "sha256.h"
#include "testutil.h"
#include "timeutil.h"
#include "topics.h"

/* every code has a wire word that maps back to a code of the same word */
static void test_err_kind_round_trip(void **state)
{
	(void)state;
	assert_null(err_kind(SL_OK));
	for (int code = SL_ERR_NOMEM; code >= SL_ERR_UNREACHABLE; code--) {
		const char *kind = err_kind(code);
		assert_non_null(kind);
		assert_string_equal(err_kind(err_from_kind(kind)), kind);
	}
	assert_int_equal(err_from_kind("denied"), SL_ERR_DENIED);
	assert_int_equal(err_from_errno(ENOSPC), SL_ERR_NOSPACE);
	assert_int_equal(err_from_errno(EDQUOT), SL_ERR_NOSPACE);
	assert_int_equal(err_from_errno(EIO), SL_ERR_IO);
	assert_int_equal(err_from_errno(EACCES), SL_ERR_IO);
	assert_int_equal(err_from_kind("no_space"), SL_ERR_NOSPACE);
	assert_int_equal(err_from_kind("invalid"), SL_ERR_INVAL);
	assert_string_equal(err_kind(SL_ERR_PARSE), "invalid");
	assert_string_equal(err_kind(-999), "internal");
	assert_int_equal(err_from_kind("Backend not authorized"), SL_ERR_INVAL);
	assert_int_equal(err_from_kind(NULL), SL_ERR_INVAL);
}

/* assert() is on exactly in the sanitizer builds (lib/err.h) */
static void test_asserts_follow_the_build(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#ifdef NDEBUG
	fail_msg("a sanitizer build without assert()");
#endif
#else
#ifndef NDEBUG
	fail_msg("assert() in a build without sanitizers");
#endif
#endif
}

/* The state folder: flag, then SKYLAPSE_STATE_DIR, STATE_DIRECTORY, XDG_STATE_HOME */
static void test_path_state_dir(void **state)
{
	char base[] = "/tmp/test_state_XXXXXX", want[PATH_MAX], out[PATH_MAX];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(base));
	setenv("XDG_STATE_HOME", base, 1);
	setenv("STATE_DIRECTORY", "", 1);
	setenv("SKYLAPSE_STATE_DIR", "", 1);
	assert_int_equal(path_state_dir(NULL, out), 0);
	snprintf(want, sizeof(want), "%s/skylapse", base);
	assert_string_equal(out, want);
	assert_int_equal(stat(out, &st), 0); /* made */
	setenv("STATE_DIRECTORY", want, 1);
	snprintf(want, sizeof(want), "%s/sd", base);
	setenv("SKYLAPSE_STATE_DIR", want, 1);
	assert_int_equal(path_state_dir(NULL, out), 0);
	assert_string_equal(out, want);
	snprintf(want, sizeof(want), "%s/flag", base);
	assert_int_equal(path_state_dir(want, out), 0);
	assert_string_equal(out, want);
	unsetenv("XDG_STATE_HOME");
	unsetenv("STATE_DIRECTORY");
	unsetenv("SKYLAPSE_STATE_DIR");
	rmdir(want);
	snprintf(want, sizeof(want), "%s/sd", base);
	rmdir(want);
	snprintf(want, sizeof(want), "%s/skylapse", base);
	rmdir(want);
	assert_int_equal(rmdir(base), 0);
}

static void test_id_is_valid(void **state)
{
	static const struct {
		const char *id;
		bool ok;
	} cases[] = {
		{"helios", true},   {"cam-1_a", true}, {"a", true},	   {"", false},
		{"Helios", false},  {"a/b", false},    {"a b", false},	   {"..", false},
		{"a+", false},	    {"#", false},      {"é", false},	   {NULL, false},
	};
	char long_id[80];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(id_is_valid(cases[i].id), cases[i].ok);
	memset(long_id, 'a', 64);
	long_id[64] = '\0';
	assert_true(id_is_valid(long_id));
	long_id[64] = 'a';
	long_id[65] = '\0';
	assert_false(id_is_valid(long_id));
}

static void test_path_join_safe(void **state)
{
	static const struct {
		const char *rel;
		int rc;
	} cases[] = {
		{"helios/profile-a/2026-01-01/x.jpg", SL_OK},
		{"x.jpg", SL_OK},
		{"../etc/passwd", SL_ERR_INVAL},
		{"a/../../b", SL_ERR_INVAL},
		{"/etc/passwd", SL_ERR_INVAL},
		{"a/./b", SL_ERR_INVAL},
		{"a//b", SL_ERR_INVAL},
		{"a/b/", SL_ERR_INVAL},
		{"a\\..\\b", SL_ERR_INVAL},
		{"a\nb", SL_ERR_INVAL},
		{"", SL_ERR_INVAL},
		{"..", SL_ERR_INVAL},
		{"...", SL_OK}, /* a legal (odd) file name, not a parent */
	};
	char out[PATH_MAX], tiny[8];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = path_join_safe("/data/images", cases[i].rel, out, sizeof(out));

		if (rc != cases[i].rc)
			fail_msg("path_join_safe(%s) = %d, want %d", cases[i].rel, rc, cases[i].rc);
	}
	assert_int_equal(path_join_safe("/r", "a", out, sizeof(out)), SL_OK);
	assert_string_equal(out, "/r/a");
	assert_int_equal(path_join_safe("/root", "abcdefgh", tiny, sizeof(tiny)), SL_ERR_RANGE);
}

static void test_path_resolve_under_symlink(void **state)
{
	const char *dir = *state;
	char root[256], link[PATH_MAX], file[PATH_MAX], out[PATH_MAX];

	snprintf(root, sizeof(root), "%s/root", dir);
	assert_int_equal(mkdir_p(root, 0755), 0);
	snprintf(file, sizeof(file), "%s/inside.jpg", root);
	assert_int_equal(file_write_atomic(file, "x", 1), 0);
	snprintf(file, sizeof(file), "%s/outside.txt", dir);
	assert_int_equal(file_write_atomic(file, "secret", 6), 0);
	snprintf(link, sizeof(link), "%s/escape", root);
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(path_resolve_under(root, "inside.jpg", out, sizeof(out)), SL_OK);
	assert_int_equal(path_resolve_under(root, "escape", out, sizeof(out)), SL_ERR_NOTFOUND);
	assert_int_equal(path_resolve_under(root, "missing.jpg", out, sizeof(out)),
			 SL_ERR_NOTFOUND);
	assert_int_equal(path_resolve_under(root, "../outside.txt", out, sizeof(out)),
			 SL_ERR_INVAL);
}

static void test_file_write_atomic(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX], *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(mkdir_p(path, 0755), 0);
	assert_int_equal(mkdir_p(path, 0755), 0); /* twice is fine */
	snprintf(path, sizeof(path), "%s/a/b/c/f.txt", dir);
	assert_int_equal(file_write_atomic(path, "hello", 5), 0);
	assert_int_equal(file_write_atomic(path, "bye", 3), 0);
	assert_int_equal(file_read_all(path, 100, &buf, &len), 0);
	assert_int_equal(len, 3);
	assert_string_equal(buf, "bye");
	free(buf);
	assert_int_equal(file_read_all(path, 2, &buf, &len), -1);
	assert_int_equal(errno, EFBIG);
	/* a folder that does not exist: error, nothing left behind */
	snprintf(path, sizeof(path), "%s/nope/f.txt", dir);
	assert_int_equal(file_write_atomic(path, "x", 1), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_sha256(void **state)
{
	char hex[SHA256_HEX_LEN];

	(void)state;
	assert_int_equal(sha256_hex("abc", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(sha256_hex("", 0, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* A file's digest is its contents' digest, for lengths around the read
 * size; a file that cannot be opened or read gives its errno. */
static void test_sha256_file(void **state)
{
	static const size_t sizes[] = {0, 1, 55, 64, 65535, 65536, 65537, 200003, 1000000};
	const char *dir = *state;
	char path[PATH_MAX], want[SHA256_HEX_LEN], got[SHA256_HEX_LEN];
	unsigned char *data = malloc(1000000);

	assert_non_null(data);
	srand(7);
	snprintf(path, sizeof(path), "%s/f", dir);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t k = 0; k < sizes[i]; k++)
			data[k] = (unsigned char)rand();
		assert_int_equal(file_write_atomic(path, data, sizes[i]), 0);
		assert_int_equal(sha256_hex(data, sizes[i], want), 0);
		assert_int_equal(sha256_file_hex(path, got), 0);
		assert_string_equal(got, want);
	}
	/* FIPS 180-2's long example: a million 'a' */
	memset(data, 'a', 1000000);
	assert_int_equal(file_write_atomic(path, data, 1000000), 0);
	assert_int_equal(sha256_file_hex(path, got), 0);
	assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	unlink(path);
	assert_int_equal(sha256_file_hex(path, got), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(sha256_file_hex(dir, got), -1); /* opens, but reading a folder fails */
	assert_int_equal(errno, EISDIR);
	free(data);
}

static void test_time_format_parse(void **state)
{
	char buf[TIME_ISO_MAX];
	int64_t ms;
	int y, m, d, mins;

	(void)state;
	time_format_utc(1795743347123LL, buf);
	assert_string_equal(buf, "2026-11-27T01:35:47.123Z");
	assert_int_equal(time_parse_iso("2026-11-27T01:35:47.123Z", &ms), 0);
	assert_true(ms == 1795743347123LL);
	assert_int_equal(time_parse_iso("2026-11-27T02:35:47+01:00", &ms), 0);
	assert_true(ms == 1795743347000LL);
	assert_int_equal(time_parse_iso("2026-11-26T18:35:47-0700", &ms), 0);
	assert_true(ms == 1795743347000LL);
	assert_int_equal(time_parse_iso("2026-02-30T00:00:00Z", &ms), SL_ERR_PARSE);
	assert_int_equal(time_parse_iso("2026-11-27T24:00:00Z", &ms), SL_ERR_PARSE);
	assert_int_equal(time_parse_iso("yesterday", &ms), SL_ERR_PARSE);
	assert_int_equal(time_parse_iso("2026-11-27T01:35:47Zjunk", &ms), SL_ERR_PARSE);
	assert_int_equal(time_parse_date("2024-02-29", &y, &m, &d), 0);
	assert_int_equal(time_parse_date("2023-02-29", &y, &m, &d), SL_ERR_PARSE);
	assert_int_equal(time_parse_date("2023-1-01", &y, &m, &d), SL_ERR_PARSE);
	assert_int_equal(time_parse_hhmm("06:30", &mins), 0);
	assert_int_equal(mins, 390);
	assert_int_equal(time_parse_hhmm("23:59", &mins), 0);
	assert_int_equal(time_parse_hhmm("24:00", &mins), SL_ERR_PARSE);
	assert_int_equal(time_parse_hhmm("6:30", &mins), SL_ERR_PARSE);
	assert_int_equal(time_parse_hhmm("06:60", &mins), SL_ERR_PARSE);
}

/* SKYLAPSE_CLOCK: its forms, its refusals, and its arithmetic. */
static void test_simulated_clock(void **state)
{
	static const char *const bad[] = {
		"", "2026-06-21", "2026-06-21T18:00:00", "tomorrow,speed=2",
		"2026-06-21T18:00:00Z,speed=0", "2026-06-21T18:00:00Z,speed=-3",
		"2026-06-21T18:00:00Z,speed=fast", "2026-06-21T18:00:00Z,speed=1e9",
		"2026-06-21T18:00:00Z,anchor=soon", "2026-06-21T18:00:00Z,pace=2",
	};
	struct time_clock c, got;
	char why[ERRMSG_MAX];
	int64_t t0, real = 1781000000000LL;

	(void)state;
	assert_int_equal(time_parse_iso("2026-06-21T18:00:00Z", &t0), 0);
	/* defaults: real speed, anchored at the moment it was read */
	assert_int_equal(time_clock_parse("2026-06-21T18:00:00Z", real, &c, why), 0);
	assert_int_equal(c.start_ms, t0);
	assert_int_equal(c.anchor_ms, real);
	assert_true(c.speed == 1.0);
	assert_int_equal(time_clock_at(&c, real + 1234), t0 + 1234);
	/* an offset, a speed and an anchor in seconds with a fraction */
	assert_int_equal(time_clock_parse("2026-06-21T12:00:00-06:00,speed=60,anchor=1781000000.5",
					  0, &c, why),
			 0);
	assert_int_equal(c.start_ms, t0);
	assert_int_equal(c.anchor_ms, real + 500);
	assert_int_equal(time_clock_at(&c, real + 500), t0);
	assert_int_equal(time_clock_at(&c, real + 500 + 1000), t0 + 60000); /* a real second */
	assert_int_equal(time_clock_at(&c, real), t0 - 30000); /* before the anchor too */
	/* two programs reading it at different moments agree */
	assert_int_equal(time_clock_parse("2026-06-21T18:00:00Z,anchor=1781000000,speed=10",
					  real + 7000, &got, why),
			 0);
	assert_int_equal(time_clock_at(&got, real + 9000), t0 + 90000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (time_clock_parse(bad[i], real, &c, why) != SL_ERR_PARSE || why[0] == '\0')
			fail_msg("'%s' was taken", bad[i]);
	}
	assert_non_null(strstr((time_clock_parse("x,speed=1", 0, &c, why), why), "with Z or"));
	assert_non_null(strstr((time_clock_parse("2026-06-21T18:00:00Z,speed=0", 0, &c, why), why),
			       "speed must be"));

	/* the process's clock: simulated durations last 1/speed as long */
	assert_false(time_clock_get(NULL));
	assert_int_equal(time_real_delay_ms(5000), 5000);
	assert_int_equal(time_clock_parse("2026-06-21T18:00:00Z,speed=60", time_real_ms(), &c, why),
			 0);
	time_clock_set(&c);
	assert_true(time_clock_get(&got) && got.speed == 60.0);
	assert_true(llabs(time_now_ms() - t0) < 60 * 1000); /* within a real second */
	assert_int_equal(time_real_delay_ms(5000), 84); /* rounded up */
	assert_int_equal(time_real_delay_ms(60000), 1000);
	assert_int_equal(time_real_delay_ms(0), 0);
	time_clock_set(NULL);
	assert_false(time_clock_get(NULL));
	assert_true(llabs(time_now_ms() - time_real_ms()) < 1000);
}

static void test_time_zones_and_days(void **state)
{
	char buf[TIME_ISO_MAX];
	int64_t start, len, ms;

	(void)state;
	assert_true(time_zone_exists("America/Denver"));
	assert_true(time_zone_exists("UTC"));
	assert_false(time_zone_exists("Mars/Olympus"));
	assert_false(time_zone_exists("../../etc/passwd"));
	assert_int_equal(time_set_zone("Mars/Olympus"), SL_ERR_NOTFOUND);
	assert_int_equal(time_set_zone("America/Denver"), 0);
	/* 2026-03-08: clocks go forward in Denver, a 23-hour day */
	assert_int_equal(time_parse_iso("2026-03-08T12:00:00-06:00", &ms), 0);
	time_local_day(ms, &start, &len);
	assert_true(len == 23LL * 3600 * 1000);
	time_format_local(start, buf);
	assert_string_equal(buf, "2026-03-08T00:00:00-07:00");
	/* 2026-11-01: back, 25 hours */
	assert_int_equal(time_parse_iso("2026-11-01T12:00:00-07:00", &ms), 0);
	time_local_day(ms, &start, &len);
	assert_true(len == 25LL * 3600 * 1000);
	/* a local time without offset is read in the zone */
	assert_int_equal(time_parse_iso("2026-07-01T06:30:00", &ms), 0);
	time_format_local(ms, buf);
	assert_string_equal(buf, "2026-07-01T06:30:00-06:00");
	assert_true(time_local_make(2026, 7, 1, 390) == ms);
	time_set_zone("UTC");
}

static void test_jsonx_parse_object(void **state)
{
	static const struct {
		const char *text;
		bool ok;
		const char *why;
	} cases[] = {
		{"{\"profile\":\"a\"}", true, NULL},
		{"", true, NULL},
		{"  \n", true, NULL},
		{"{}", true, NULL},
		{"{\"a\":1,\"a\":2}", false, "not valid JSON"},
		{"{\"profile\":", false, "not valid JSON"},
		{"[1,2]", false, "must be a JSON object"},
		{"\"a\"", false, "must be a JSON object"},
		{"null", false, "must be a JSON object"},
	};
	char why[ERRMSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v;

		why[0] = '\0';
		v = jsonx_parse_object("payload", cases[i].text, strlen(cases[i].text), PAYLOAD_MAX,
				       why);
		if ((v != NULL) != cases[i].ok)
			fail_msg("case %zu: %s", i, cases[i].text);
		if (cases[i].why)
			assert_non_null(strstr(why, cases[i].why));
		json_decref(v);
	}
	{
		size_t n = PAYLOAD_MAX + 1;
		char *big = malloc(n);

		memset(big, ' ', n);
		assert_null(jsonx_parse_object("payload", big, n, PAYLOAD_MAX, why));
		assert_non_null(strstr(why, "over the 65536-byte limit"));
		free(big);
	}
	assert_null(jsonx_parse_object("body", "[1]", 3, PAYLOAD_MAX, why));
	assert_string_equal(why, "body must be a JSON object");
}

/* jx_time_local/jx_time_utc: the string of an instant, null when unknown. */
static void test_jx_time(void **state)
{
	static const struct {
		bool utc, known;
		int64_t ms;
		const char *want; /* NULL: JSON null */
	} cases[] = {
		{false, true, 1798761600000LL, "2027-01-01T00:00:00+00:00"},
		{false, false, 1798761600000LL, NULL},
		{true, true, 1798761600123LL, "2027-01-01T00:00:00.123Z"},
		{true, true, 0, "1970-01-01T00:00:00.000Z"},
		{true, false, 5, NULL},
	};

	(void)state;
	assert_int_equal(time_set_zone("UTC"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = cases[i].utc ? jx_time_utc(cases[i].known, cases[i].ms)
					 : jx_time_local(cases[i].known, cases[i].ms);

		assert_non_null(v);
		if (cases[i].want)
			assert_string_equal(json_string_value(v), cases[i].want);
		else
			assert_true(json_is_null(v));
		json_decref(v);
	}
	assert_int_equal(time_set_zone("America/Denver"), 0);
	{
		json_t *v = jx_time_local(true, 1798761600000LL);

		assert_string_equal(json_string_value(v), "2026-12-31T17:00:00-07:00");
		json_decref(v);
	}
}

/* mqtt_reply_to_new: a copy of topic and correlation, or nothing to answer. */
static void test_mqtt_reply_to(void **state)
{
	static const struct {
		const char *topic, *corr;
		size_t len;
		bool made;
	} cases[] = {
		{"reply/here", "abc", 3, true},	 {"reply/here", NULL, 0, true},
		{"reply/here", "abc", 0, true},	 {"", "abc", 3, false},
		{NULL, "abc", 3, false},	 {"r", "a\0b", 3, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mqtt_reply_to *r = (void *)1;
		char topic[32];

		snprintf(topic, sizeof(topic), "%s", cases[i].topic ? cases[i].topic : "");
		assert_int_equal(mqtt_reply_to_new(cases[i].topic ? topic : NULL, cases[i].corr,
						   cases[i].len, &r),
				 SL_OK);
		if (!cases[i].made) {
			assert_null(r);
			continue;
		}
		assert_non_null(r);
		topic[0] = 'X'; /* a copy, not the caller's string */
		assert_string_equal(r->topic, cases[i].topic);
		assert_int_equal(r->correlation_len, cases[i].len);
		if (cases[i].len)
			assert_memory_equal(r->correlation, cases[i].corr, cases[i].len);
		else
			assert_null(r->correlation);
		mqtt_reply_to_free(&r);
		assert_null(r);
		mqtt_reply_to_free(&r);
	}
}

static void test_jx_getters(void **state)
{
	json_t *o = json_pack("{s:s,s:i,s:f,s:b,s:i,s:n}", "s", "x", "i", 5, "f", 2.5, "b", 1,
			      "big", 1000, "nul");
	char why[ERRMSG_MAX];
	const char *s = "default";
	long long i = -1;
	double f = 0;
	bool b = false;

	(void)state;
	assert_int_equal(jx_get_string(o, "s", &s, why), 0);
	assert_string_equal(s, "x");
	assert_int_equal(jx_get_string(o, "i", &s, why), SL_ERR_INVAL);
	assert_string_equal(why, "'i' must be a string");
	assert_int_equal(jx_get_string(o, "missing", &s, why), SL_ERR_NOTFOUND);
	assert_int_equal(jx_get_string(o, "nul", &s, why), SL_ERR_NOTFOUND);
	assert_int_equal(jx_get_int(o, "i", 0, 10, &i, why), 0);
	assert_int_equal(i, 5);
	assert_int_equal(jx_get_int(o, "big", 0, 10, &i, why), SL_ERR_RANGE);
	assert_string_equal(why, "'big' must be between 0 and 10");
	assert_int_equal(jx_get_int(o, "f", 0, 10, &i, why), SL_ERR_INVAL);
	assert_int_equal(jx_get_number(o, "f", 0, 10, &f, why), 0);
	assert_true(f == 2.5);
	assert_int_equal(jx_get_number(o, "s", 0, 10, &f, why), SL_ERR_INVAL);
	assert_int_equal(jx_get_bool(o, "b", &b, why), 0);
	assert_true(b);
	assert_int_equal(jx_get_bool(o, "i", &b, why), SL_ERR_INVAL);
	json_decref(o);
}

static void test_topics(void **state)
{
	char t[TOPIC_MAX], first[ID_MAX + 1];
	const char *rest;
	char long_root[TOPIC_MAX + 10];

	(void)state;
	assert_int_equal(topic_fmt(t, "skylapse", "%s/capture/request", "helios"), 0);
	assert_string_equal(t, "skylapse/helios/capture/request");
	rest = topic_split("skylapse/helios/frames", "skylapse", first, sizeof(first));
	assert_non_null(rest);
	assert_string_equal(first, "helios");
	assert_string_equal(rest, "frames");
	assert_null(topic_split("other/helios/frames", "skylapse", first, sizeof(first)));
	assert_null(topic_split("skylapsex/helios/frames", "skylapse", first, sizeof(first)));
	assert_null(topic_split("skylapse/helios", "skylapse", first, sizeof(first)));
	memset(long_root, 'r', sizeof(long_root) - 1);
	long_root[sizeof(long_root) - 1] = '\0';
	assert_int_equal(topic_fmt(t, long_root, "x"), SL_ERR_RANGE);
}

struct loop_probe {
	int fired, reads;
	int pipefd[2];
};

static int64_t timer_once(struct loop *l, long id, void *arg)
{
	struct loop_probe *p = arg;

	(void)id;
	p->fired++;
	if (write(p->pipefd[1], "x", 1) != 1)
		loop_stop(l);
	return -1;
}

static int64_t timer_repeat(struct loop *l, long id, void *arg)
{
	struct loop_probe *p = arg;

	(void)id;
	if (++p->fired == 3)
		loop_stop(l);
	return 1;
}

static void on_readable(struct loop *l, int fd, short revents, void *arg)
{
	struct loop_probe *p = arg;
	char c;

	(void)revents;
	if (read(fd, &c, 1) == 1)
		p->reads++;
	loop_stop(l);
}

static void test_loop_timers_and_fds(void **state)
{
	struct loop *l = NULL;
	struct loop_probe p = {0};

	(void)state;
	assert_int_equal(loop_new(&l), 0);
	assert_int_equal(pipe(p.pipefd), 0);
	assert_int_equal(loop_add_fd(l, p.pipefd[0], POLLIN, on_readable, &p), 0);
	assert_true(loop_add_timer(l, 5, timer_once, &p) > 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(p.fired, 1);
	assert_int_equal(p.reads, 1);
	loop_del_fd(l, p.pipefd[0]);
	p.fired = 0;
	{
		long id = loop_add_timer(l, 0, timer_once, &p);

		loop_del_timer(l, id); /* a removed timer never fires */
	}
	loop_add_timer(l, 1, timer_repeat, &p);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(p.fired, 3);
	close(p.pipefd[0]);
	close(p.pipefd[1]);
	loop_free(&l);
	assert_null(l);
	loop_free(&l); /* NULL is fine */
}

static void announced(void *arg)
{
	struct ha_announce *an = arg;

	an->arg = NULL; /* marks the call */
	loop_stop(an->loop);
}

/* "online" on homeassistant/status: one announcement, 0.5-3 s later. */
static void test_ha_announce(void **state)
{
	struct ha_announce an = {0};
	int64_t t0, waited;
	long first;

	(void)state;
	assert_int_equal(loop_new(&an.loop), 0);
	an.fn = announced;
	an.arg = &an;
	ha_announce_on_status(&an, "offline", 7);
	ha_announce_on_status(&an, "onlin", 5);
	assert_int_equal(an.timer, 0);
	t0 = loop_now_ms();
	ha_announce_on_status(&an, "online", 6);
	first = an.timer;
	assert_true(first > 0);
	ha_announce_on_status(&an, "online", 6); /* one is due already */
	assert_int_equal(an.timer, first);
	assert_int_equal(loop_run(an.loop), 0);
	waited = loop_now_ms() - t0;
	assert_null(an.arg);
	assert_int_equal(an.timer, 0);
	assert_true(waited >= 500 && waited < 3500);
	loop_free(&an.loop);
}

/* Device ids as entity ids want them, topics under the configured prefix,
 * diagnostic entities, per-entity availability lists. */
static void test_ha_names(void **state)
{
	struct config c = {.ha_prefix = "home/ha", .ha_discovery = true};
	const char *const avail[2] = {"sky/a/availability", "sky/backend/b/availability"};
	char id[HA_ID_MAX], topic[TOPIC_MAX];
	json_t *c1, *av;

	(void)state;
	ha_device_id(id, NULL, "sky-1");
	assert_string_equal(id, "skylapse_sky_1");
	ha_device_id(id, "encoder", "w-1");
	assert_string_equal(id, "skylapse_encoder_w_1");
	assert_int_equal(ha_config_topic(topic, &c, NULL, id), 0);
	assert_string_equal(topic, "home/ha/device/skylapse_encoder_w_1/config");
	assert_int_equal(ha_config_topic(topic, &c, "skylapse_encoder", "w-1"), 0);
	assert_string_equal(topic, "home/ha/device/skylapse_encoder/w-1/config");
	c1 = ha_diagnostic(json_object());
	assert_string_equal(jstr(c1, "entity_category"), "diagnostic");
	json_decref(c1);
	av = ha_availability(avail, 2);
	assert_int_equal(json_array_size(av), 2);
	assert_string_equal(jstr(json_array_get(av, 1), "topic"), avail[1]);
	json_decref(av);
}

/* --ha-remove without a broker gives up after its timeout: status 2; a bad
 * URL is status 1. */
static void test_ha_remove_device_unreachable(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	struct mqtt_opts mo = {.client_id = "test-ha-remove"};
	char url[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	/* a port nobody listens on: bound by the kernel, then closed */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	snprintf(url, sizeof(url), "mqtt://127.0.0.1:%d", ntohs(sa.sin_port));
	mo.url = url;
	assert_int_equal(ha_remove_device(&mo, "homeassistant/device/x/config", 300), 2);
	mo.url = "http://nowhere";
	assert_int_equal(ha_remove_device(&mo, "homeassistant/device/x/config", 300), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_is_valid),
		cmocka_unit_test(test_path_join_safe),
		cmocka_unit_test_setup_teardown(test_path_resolve_under_symlink, dir_setup,
						dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_write_atomic, dir_setup, dir_teardown),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test_setup_teardown(test_sha256_file, dir_setup, dir_teardown),
		cmocka_unit_test(test_time_format_parse),
		cmocka_unit_test(test_time_zones_and_days),
		cmocka_unit_test(test_simulated_clock),
		cmocka_unit_test(test_jsonx_parse_object),
		cmocka_unit_test(test_jx_getters),
		cmocka_unit_test(test_jx_time),
		cmocka_unit_test(test_mqtt_reply_to),
		cmocka_unit_test(test_ha_announce),
		cmocka_unit_test(test_ha_names),
		cmocka_unit_test(test_ha_remove_device_unreachable),
		cmocka_unit_test(test_topics),
		cmocka_unit_test(test_err_kind_round_trip),
		cmocka_unit_test(test_asserts_follow_the_build),
		cmocka_unit_test(test_path_state_dir),
		cmocka_unit_test(test_loop_timers_and_fds),
	};

	return cmocka_run_group_tests_name("lib", tests, NULL, NULL);
}
