/* test_transfer_verify.c - unit tests of skylapse-transfer's data side:
 * frame paths, a server copy against its sidecar, the catalog and its
 * saved cache, which frames may be deleted on the Pi (a corrupted server
 * copy never), hashing jobs on worker threads, and server retention with
 * encode-job guards. Files live in a
 * fresh temporary folder per test. */
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "cleanup.h"
#include "err.h"
#include "fsutil.h"
#include "hashing.h"
#include "loop.h"
#include "retention.h"
#include "sha256.h"
#include "testutil.h"
#include "timeutil.h"
#include "verify.h"

#define DAY_MS 86400000LL
#define F1     "profile-a/2026-01-01/capture_20260101_120000_000.jpg"
#define F2     "profile-a/2026-01-01/capture_20260101_120005_000.jpg"
#define F3     "profile-b/2026-01-02/capture_20260102_000000_000_bracket1.jpg"

/* Writes root/rel with `len` bytes and a sidecar describing them; the
 * sidecar's size and hash can be overridden (-1 / NULL: the real ones). */
static void put_frame(const char *root, const char *rel, size_t len, long long side_size,
		      const char *side_sha, const char *captured_at)
{
	char path[PATH_MAX], dir[PATH_MAX], sha[SHA256_HEX_LEN], json[512];
	char *data = malloc(len);

	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i * 7 + strlen(rel));
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(file_write_atomic(path, data, len), 0);
	assert_int_equal(sha256_hex(data, len, sha), SL_OK);
	snprintf(json, sizeof(json), "{\"path\": \"%s\", \"size\": %lld, \"sha256\": \"%s\"%s%s%s}",
		 rel, side_size >= 0 ? side_size : (long long)len, side_sha ? side_sha : sha,
		 captured_at ? ", \"captured_at\": \"" : "", captured_at ? captured_at : "",
		 captured_at ? "\"" : "");
	memcpy(path + strlen(path) - 4, ".json", 6);
	assert_int_equal(file_write_atomic(path, json, strlen(json)), 0);
	free(data);
}

/* Flips one byte of root/rel in place: same size, other hash. */
static void corrupt(const char *root, const char *rel)
{
	char path[PATH_MAX];
	FILE *fp;
	int c;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	c = fgetc(fp);
	fseek(fp, 0, SEEK_SET);
	fputc(c ^ 0xff, fp);
	fclose(fp);
}

static void test_frame_paths(void **state)
{
	static const struct {
		const char *rel;
		bool ok;
	} cases[] = {
	    {F1, true},
	    {F3, true},
	    {"profile-a/2026-01-01/capture_20260101_120000.jpg", true},
	    {"profile-A/2026-01-01/capture_20260101_120000_000.jpg", false},
	    {"profile-a/2026-1-01/capture_20260101_120000_000.jpg", false},
	    {"profile-a/2026-01-01/capture_20260101_120000_000.json", false},
	    {"profile-a/2026-01-01/sub/capture_20260101_120000_000.jpg", false},
	    {"profile-a/2026-01-01/../../../etc/passwd", false},
	    {"profile-a/2026-01-01/capture_2026'; rm -rf ~;.jpg", false},
	    {"profile-a/2026-01-01/.capture_20260101_120000_000.jpg.tmp.12", false},
	    {"/profile-a/2026-01-01/capture_20260101_120000_000.jpg", false},
	    {"", false},
	};
	char jpg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(verify_frame_path(cases[i].rel), cases[i].ok);
	assert_true(verify_sidecar_path("profile-a/2026-01-01/capture_20260101_120000_000.json",
					jpg, sizeof(jpg)));
	assert_string_equal(jpg, F1);
	assert_false(verify_sidecar_path("profile-a/2026-01-01/notes.json", jpg, sizeof(jpg)));
	assert_false(verify_sidecar_path(F1, jpg, sizeof(jpg)));
}

static void test_verify_frame(void **state)
{
	const char *root = *state;
	struct verify_info info;
	char why[ERRMSG_MAX], path[PATH_MAX];
	int64_t want;

	put_frame(root, F1, 5000, -1, NULL, "2026-01-01T12:00:00.250Z");
	assert_int_equal(verify_frame(root, F1, &info, why), VERIFY_OK);
	assert_int_equal(info.size, 5000);
	assert_int_equal(time_parse_iso("2026-01-01T12:00:00.250Z", &want), SL_OK);
	assert_int_equal(info.captured_ms, want); /* the sidecar's time, not the name's */

	put_frame(root, F2, 5000, 4999, NULL, NULL);
	assert_int_equal(verify_frame(root, F2, &info, why), VERIFY_SIZE);
	assert_non_null(strstr(why, "sidecar says 4999"));

	put_frame(root, F2, 5000, -1, NULL, NULL);
	corrupt(root, F2);
	assert_int_equal(verify_frame(root, F2, &info, why), VERIFY_HASH);
	/* without captured_at the name's time is used */
	assert_int_equal(time_parse_iso("2026-01-01T12:00:05Z", &want), SL_OK);
	assert_int_equal(info.captured_ms, want);

	/* copies longer than one read: the whole copy is compared */
	put_frame(root, F2, 300001, -1, NULL, NULL);
	assert_int_equal(verify_frame(root, F2, &info, why), VERIFY_OK);
	assert_int_equal(info.size, 300001);
	corrupt(root, F2);
	assert_int_equal(verify_frame(root, F2, &info, why), VERIFY_HASH);
	assert_non_null(strstr(why, "differs from the sidecar's"));

	assert_int_equal(verify_frame(root, F3, &info, why), VERIFY_MISSING);
	assert_non_null(strstr(why, "no copy on the server"));

	put_frame(root, F3, 100, -1, NULL, NULL);
	snprintf(path, sizeof(path), "%s/%.*s.json", root, (int)strlen(F3) - 4, F3);
	assert_int_equal(file_write_atomic(path, "{\"size\": 100}", 13), 0);
	assert_int_equal(verify_frame(root, F3, &info, why), VERIFY_BAD_SIDECAR);
	assert_int_equal(file_write_atomic(path, "not json", 8), 0);
	assert_int_equal(verify_frame(root, F3, &info, why), VERIFY_BAD_SIDECAR);
	unlink(path);
	assert_int_equal(verify_frame(root, F3, &info, why), VERIFY_NO_SIDECAR);
	assert_int_equal(verify_frame(root, "../x.jpg", &info, why), VERIFY_MISSING);
}

static void test_catalog(void **state)
{
	const char *root = *state;
	struct catalog c, d;
	struct frame_rec *r, *again, *fresh[2];
	char cache[PATH_MAX], path[64];
	size_t lines = 0;

	assert_int_equal(catalog_init(&c), SL_OK);
	/* enough records to make the table grow; records never move */
	assert_int_equal(catalog_add(&c, F1, &r), SL_OK);
	for (int i = 0; i < 3000; i++) {
		snprintf(path, sizeof(path), "profile-c/2026-01-01/capture_20260101_%06d_000.jpg",
			 i % 240000);
		assert_int_equal(catalog_add(&c, path, &again), SL_OK);
	}
	assert_ptr_equal(catalog_find(&c, F1), r);
	assert_int_equal(catalog_add(&c, F1, &again), SL_OK);
	assert_ptr_equal(again, r);
	assert_int_equal(c.count, 3001);
	catalog_remove(&c, F1);
	assert_null(catalog_find(&c, F1));
	assert_int_equal(c.count, 3000);

	/* the cache keeps verified frames still on the Pi, nothing else */
	assert_int_equal(catalog_add(&c, F1, &r), SL_OK);
	r->flags = CAT_VERIFIED;
	r->pi_gen = c.gen;
	r->size = 5000;
	r->mtime_ns = 1234567890123456789LL;
	r->captured_ms = 1767268800000LL;
	assert_int_equal(catalog_add(&c, F2, &r), SL_OK);
	r->flags = CAT_VERIFIED; /* not on the Pi any more */
	assert_int_equal(catalog_add(&c, F3, &r), SL_OK);
	r->pi_gen = c.gen; /* on the Pi, not verified */
	snprintf(cache, sizeof(cache), "%s/cache", root);
	assert_int_equal(catalog_save(&c, cache, &lines), SL_OK);
	assert_int_equal(lines, 2); /* the header and F1 */
	/* appended later: F2 again (verified anew), and F3 not verified (skipped) */
	r = catalog_find(&c, F2);
	r->pi_gen = c.gen;
	r->size = 7000;
	fresh[0] = r;
	fresh[1] = catalog_find(&c, F3);
	assert_int_equal(catalog_append(fresh, 2, cache, &lines), SL_OK);
	assert_int_equal(lines, 3);
	catalog_free(&c);
	catalog_free(&c); /* twice is fine */

	assert_int_equal(catalog_init(&d), SL_OK);
	assert_int_equal(catalog_load(&d, cache, &lines), SL_OK);
	assert_int_equal(lines, 3);
	assert_int_equal(d.count, 2);
	assert_int_equal(catalog_find(&d, F2)->size, 7000);
	assert_null(catalog_find(&d, F3));
	r = catalog_find(&d, F1);
	assert_non_null(r);
	assert_int_equal(r->flags, CAT_VERIFIED);
	assert_int_equal(r->size, 5000);
	assert_int_equal(r->mtime_ns, 1234567890123456789LL);
	assert_int_equal(r->captured_ms, 1767268800000LL);
	assert_false(catalog_on_pi(&d, r)); /* until the next listing says so */
	catalog_free(&d);

	/* damaged or hostile lines are skipped, a missing file is no error */
	assert_int_equal(file_write_atomic(cache,
					   "# header\n1 2 3 ../../etc/passwd\ngarbage\n"
					   "5 6 7 " F2 "\n",
					   strlen("# header\n1 2 3 ../../etc/passwd\ngarbage\n"
						  "5 6 7 " F2 "\n")),
			 0);
	assert_int_equal(catalog_init(&d), SL_OK);
	assert_int_equal(catalog_load(&d, cache, &lines), SL_OK);
	assert_int_equal(d.count, 1);
	assert_non_null(catalog_find(&d, F2));
	unlink(cache);
	assert_int_equal(catalog_load(&d, cache, &lines), SL_OK);
	assert_int_equal(lines, 0);
	catalog_free(&d);
}

static bool is_verified(const struct frame_rec *r, const void *arg)
{
	(void)arg;
	return r->flags & CAT_VERIFIED;
}

/* What the transfer does with each candidate: both halves of the final test. */
static bool confirm(struct frame_rec *r, const char *root, enum verify_result *res,
		    char why[ERRMSG_MAX])
{
	struct verify_info info;
	bool ok = cleanup_check_copy(root, r->path, &info, res, why);

	cleanup_record(r, ok, &info);
	return ok;
}

static void test_cleanup_selection(void **state)
{
	const char *root = *state;
	int64_t now = 1767268800000LL + 3 * DAY_MS, cutoff = cleanup_cutoff_ms(now, 1);
	char why[ERRMSG_MAX];
	enum verify_result res;
	struct catalog c;
	struct frame_rec *old_ok, *old_bad, *young, *gone;

	assert_int_equal(cutoff, now - DAY_MS);
	assert_int_equal(catalog_init(&c), SL_OK);
	put_frame(root, F1, 3000, -1, NULL, NULL);
	put_frame(root, F2, 3000, -1, NULL, NULL);
	catalog_add(&c, F1, &old_ok);
	catalog_add(&c, F2, &old_bad);
	catalog_add(&c, F3, &young);
	catalog_add(&c, "profile-a/2026-01-01/capture_20260101_000000_000.jpg", &gone);
	for (struct frame_rec *r = old_ok; r; r = r == old_ok	 ? old_bad
						  : r == old_bad ? young
								 : NULL) {
		r->flags = CAT_VERIFIED;
		r->pi_gen = c.gen;
		r->captured_ms = now - 2 * DAY_MS;
	}
	young->captured_ms = now - DAY_MS / 2;
	gone->flags = CAT_VERIFIED;
	gone->captured_ms = now - 2 * DAY_MS; /* not in the last listing */

	assert_true(cleanup_is_candidate(&c, old_ok, cutoff));
	assert_true(cleanup_is_candidate(&c, old_bad, cutoff));
	assert_false(cleanup_is_candidate(&c, young, cutoff));
	assert_false(cleanup_is_candidate(&c, gone, cutoff));
	old_ok->flags = 0;
	assert_false(cleanup_is_candidate(&c, old_ok, cutoff)); /* never unverified */
	old_ok->flags = CAT_VERIFIED;

	/* the server copy went bad after it was verified: the final hash catches it */
	corrupt(root, F2);
	assert_true(confirm(old_ok, root, &res, why));
	assert_int_equal(res, VERIFY_OK);
	assert_false(confirm(old_bad, root, &res, why));
	assert_int_equal(res, VERIFY_HASH);
	assert_non_null(strstr(why, "sha256"));
	assert_false(old_bad->flags & CAT_VERIFIED);
	assert_int_equal(catalog_count(&c, is_verified, NULL), 3); /* all but old_bad */
	catalog_free(&c);
}

/* --- hashing on worker threads ------------------------------------------ */

struct hash_probe {
	struct loop *loop;
	struct hashing h;
	int results, drained;
	enum verify_result res[3];
	bool ok[3];
};

static int probe_index(const char *rel)
{
	return strcmp(rel, F1) == 0 ? 0 : strcmp(rel, F2) == 0 ? 1 : 2;
}

static void on_hashed(struct frame_rec *r, const struct hash_result *res, void *arg)
{
	struct hash_probe *p = arg;

	assert_string_equal(r->path, res->rel);
	assert_false(r->flags & CAT_HASHING);
	p->res[probe_index(res->rel)] = res->res;
	p->ok[probe_index(res->rel)] = res->ok;
	p->results++;
}

static void on_drained(void *arg)
{
	struct hash_probe *p = arg;

	p->drained++;
	loop_stop(p->loop);
}

static void test_hashing_jobs(void **state)
{
	const char *root = *state;
	struct hash_probe p = {0};
	struct frame_rec *r1, *r2, *r3;
	struct catalog c;

	put_frame(root, F1, 300000, -1, NULL, NULL);
	put_frame(root, F2, 300000, -1, NULL, NULL);
	put_frame(root, F3, 1000, -1, NULL, NULL);
	corrupt(root, F2);
	assert_int_equal(catalog_init(&c), SL_OK);
	assert_int_equal(catalog_add(&c, F1, &r1), SL_OK);
	assert_int_equal(catalog_add(&c, F2, &r2), SL_OK);
	assert_int_equal(catalog_add(&c, F3, &r3), SL_OK);
	assert_int_equal(loop_new(&p.loop), SL_OK);
	assert_int_equal(hashing_init(&p.h, p.loop, &c, root, on_hashed, on_drained, &p),
			 SL_OK);
	loop_add_timer(p.loop, 20000, give_up, NULL);

	/* one job per frame at a time; results come back on the loop */
	hashing_submit(&p.h, r1, HASH_VERIFY, true);
	hashing_submit(&p.h, r1, HASH_VERIFY, true);
	hashing_submit(&p.h, r2, HASH_VERIFY, true);
	hashing_submit(&p.h, r3, HASH_CONFIRM, true);
	assert_int_equal(p.h.inflight, 3);
	assert_true(r1->flags & CAT_HASHING);
	assert_int_equal(loop_run(p.loop), 0);
	assert_int_equal(p.drained, 1);
	assert_int_equal(p.results, 3);
	assert_int_equal(p.res[0], VERIFY_OK);
	assert_int_equal(p.res[1], VERIFY_HASH);
	assert_int_equal(p.res[2], VERIFY_OK);
	assert_true(p.ok[2]); /* confirmed: matched and flushed */

	/* a record judged before, copy untouched: no job */
	r1->flags |= CAT_VERIFIED;
	r1->size = 300000;
	{
		struct verify_info info;

		assert_int_equal(verify_stat(root, F1, &info), SL_OK);
		r1->mtime_ns = info.mtime_ns;
	}
	hashing_submit(&p.h, r1, HASH_VERIFY, true);
	assert_int_equal(p.h.inflight, 0);
	/* ...but a changed copy loses its judgement and is hashed again */
	r1->mtime_ns--;
	hashing_submit(&p.h, r1, HASH_VERIFY, true);
	assert_false(r1->flags & CAT_VERIFIED);
	assert_int_equal(p.h.inflight, 1);

	/* dropped: no result, no mark left; a record freed meanwhile is skipped */
	hashing_submit(&p.h, r2, HASH_VERIFY, true);
	hashing_drop(&p.h);
	assert_int_equal(p.h.inflight, 0);
	assert_false(r1->flags & CAT_HASHING);
	assert_false(r2->flags & CAT_HASHING);
	p.results = 0;
	hashing_submit(&p.h, r3, HASH_VERIFY, true);
	catalog_remove(&c, F3);
	hashing_submit(&p.h, r2, HASH_VERIFY, false);
	assert_int_equal(loop_run(p.loop), 0);
	assert_int_equal(p.drained, 2);
	assert_int_equal(p.results, 1); /* F2 only */
	assert_int_equal(p.res[1], VERIFY_HASH);

	hashing_free(&p.h);
	loop_free(&p.loop);
	catalog_free(&c);
}

#define MANY 24

struct many_probe {
	struct loop *loop;
	struct hashing h;
	int results;
	enum verify_result res[MANY];
	int seen[MANY];
};

static void many_name(int i, char *out, size_t len)
{
	snprintf(out, len, "profile-a/2026-01-03/capture_20260103_0000%02d_000.jpg", i);
}

static void on_hashed_many(struct frame_rec *r, const struct hash_result *res, void *arg)
{
	struct many_probe *p = arg;
	int i = atoi(strrchr(r->path, '_') - 2);

	assert_string_equal(r->path, res->rel);
	assert_true(i >= 0 && i < MANY);
	p->res[i] = res->res;
	p->seen[i]++;
	p->results++;
}

static void on_drained_many(void *arg)
{
	loop_stop(((struct many_probe *)arg)->loop);
}

/* Many frames at once on all the workers: each result is its own frame's
 * (every third copy corrupted, every fifth missing). */
static void test_hashing_many(void **state)
{
	const char *root = *state;
	struct many_probe p = {0};
	struct frame_rec *r[MANY];
	struct catalog c;
	char rel[PATH_MAX], path[PATH_MAX];

	assert_int_equal(catalog_init(&c), SL_OK);
	for (int i = 0; i < MANY; i++) {
		many_name(i, rel, sizeof(rel));
		put_frame(root, rel, 100000 + 4099 * (size_t)i, -1, NULL, NULL);
		if (i % 3 == 1)
			corrupt(root, rel);
		if (i % 5 == 4) {
			snprintf(path, sizeof(path), "%s/%s", root, rel);
			assert_int_equal(unlink(path), 0);
		}
		assert_int_equal(catalog_add(&c, rel, &r[i]), SL_OK);
	}
	assert_int_equal(loop_new(&p.loop), SL_OK);
	assert_int_equal(
	    hashing_init(&p.h, p.loop, &c, root, on_hashed_many, on_drained_many, &p), SL_OK);
	loop_add_timer(p.loop, 20000, give_up, NULL);
	for (int i = 0; i < MANY; i++)
		hashing_submit(&p.h, r[i], HASH_VERIFY, true);
	assert_int_equal(loop_run(p.loop), 0);
	assert_int_equal(p.results, MANY);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(p.seen[i], 1);
		assert_int_equal(p.res[i], i % 5 == 4	? VERIFY_MISSING
					   : i % 3 == 1 ? VERIFY_HASH
							: VERIFY_OK);
	}
	hashing_free(&p.h);
	loop_free(&p.loop);
	catalog_free(&c);
}

static void test_clean_list(void **state)
{
	struct clean_list l = {0};
	int64_t day2_end;

	(void)state;
	assert_int_equal(clean_list_add(&l, F1), SL_OK);
	assert_int_equal(clean_list_add(&l, F2), SL_OK);
	assert_int_equal(clean_list_add(&l, F3), SL_OK);
	assert_int_equal(clean_list_add(&l, "../../etc/passwd"), SL_ERR_INVAL);
	assert_int_equal(l.frames, 3);
	assert_int_equal(l.ndays, 2);
	/* 30 minutes after 2026-01-02 ended: that day's folder is not yet let go */
	assert_int_equal(time_parse_iso("2026-01-03T00:30:00Z", &day2_end), SL_OK);
	assert_int_equal(clean_list_finish(&l, day2_end), SL_OK);
	assert_int_equal(l.len, strlen(l.buf));
	assert_string_equal(l.buf,
			    F1 "\nprofile-a/2026-01-01/capture_20260101_120000_000.json\n" F2
			       "\nprofile-a/2026-01-01/capture_20260101_120005_000.json\n" F3
			       "\nprofile-b/2026-01-02/capture_20260102_000000_000_bracket1.json\n"
			       "profile-a/2026-01-01/\n");
	clean_list_free(&l);
	clean_list_free(&l);
	assert_null(l.buf);
}

static void test_retention_config(void **state)
{
	static const struct {
		const char *json;
		int rc;
		double days;
	} cases[] = {
	    {NULL, SL_OK, 0},
	    {"{}", SL_OK, 0},
	    {"{\"server_frames_days\": 30}", SL_OK, 30},
	    {"{\"server_frames_days\": 0.5, \"videos_days\": 9}", SL_OK, 0.5},
	    {"{\"server_frames_days\": -1}", SL_ERR_INVAL, 0},
	    {"{\"server_frames_days\": \"30\"}", SL_ERR_INVAL, 0},
	    {"[]", SL_ERR_INVAL, 0},
	};
	char why[ERRMSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = cases[i].json ? json_loads(cases[i].json, JSON_DECODE_ANY, NULL) : NULL;
		struct retention r;

		assert_int_equal(retention_configure(&r, v, why), cases[i].rc);
		if (cases[i].rc == SL_OK) {
			assert_true(r.days == cases[i].days);
			assert_int_equal(retention_enabled(&r), cases[i].days > 0);
		} else {
			assert_non_null(strstr(why, "retention"));
		}
		json_decref(v);
	}
}

static void job(struct retention *r, const char *id, const char *json, int64_t now)
{
	retention_on_job(r, id, json, strlen(json), now);
}

static void test_retention_guards(void **state)
{
	struct retention r = {.days = 1};
	int64_t now, jan1, jan5;

	(void)state;
	time_parse_iso("2026-01-10T00:00:00Z", &now);
	time_parse_iso("2026-01-01T12:00:00Z", &jan1);
	time_parse_iso("2026-01-05T12:00:00Z", &jan5);
	assert_false(retention_protects(&r, "helios", 'a', jan1, now));

	/* a request with a range guards that camera, profile and range only */
	job(&r, NULL,
	    "{\"job_id\": \"j1\", \"camera\": \"helios\", \"profile\": \"A\", "
	    "\"from\": \"2026-01-01T00:00:00Z\", \"to\": \"2026-01-02T00:00:00Z\"}",
	    now);
	assert_true(retention_protects(&r, "helios", 'a', jan1, now));
	assert_false(retention_protects(&r, "helios", 'b', jan1, now));
	assert_false(retention_protects(&r, "other", 'a', jan1, now));
	assert_false(retention_protects(&r, "helios", 'a', jan5, now));
	/* queued, then done: released */
	job(&r, "j1", "{\"job_id\": \"j1\", \"state\": \"queued\"}", now);
	assert_true(retention_protects(&r, "helios", 'a', jan1, now + 2 * DAY_MS));
	job(&r, "j1", "{\"job_id\": \"j1\", \"state\": \"done\"}", now);
	assert_false(retention_protects(&r, "helios", 'a', jan1, now));

	/* a running job that says nothing of its scope guards everything */
	job(&r, "j2", "{\"state\": \"running\"}", now);
	assert_true(retention_protects(&r, "anything", 'z', jan5, now));
	job(&r, "j2", "", now); /* retained state cleared */
	assert_false(retention_protects(&r, "anything", 'z', jan5, now));

	/* a date guards the day with a day of margin either side */
	job(&r, NULL, "{\"camera\": \"helios\", \"date\": \"2026-01-05\", \"schedule\": \"x\"}",
	    now);
	assert_true(retention_protects(&r, "helios", 'a', jan5, now));
	assert_false(retention_protects(&r, "helios", 'a', jan1, now));
	/* a request never confirmed by a job state stops guarding after a day */
	assert_false(retention_protects(&r, "helios", 'a', jan5, now + 2 * DAY_MS));

	/* garbage guards nothing new */
	job(&r, NULL, "not json", now);
	job(&r, "j3", "{\"state\": 5}", now);
	assert_false(retention_protects(&r, "other", 'a', jan5, now));
	retention_free(&r);
	retention_free(&r);
}

static bool keep_f2(const char *rel, void *arg)
{
	(void)arg;
	return strcmp(rel, F2) == 0;
}

static bool keep_none(const char *rel, void *arg)
{
	(void)rel;
	(void)arg;
	return false;
}

static void test_retention_run(void **state)
{
	const char *root = *state;
	struct retention r = {.days = 2};
	char cam[PATH_MAX], path[PATH_MAX];
	struct stat st;
	int64_t now;
	int deleted;

	snprintf(cam, sizeof(cam), "%s/helios", root);
	put_frame(cam, F1, 100, -1, NULL, NULL);
	put_frame(cam, F2, 100, -1, NULL, NULL);
	put_frame(cam, F3, 100, -1, NULL, NULL);
	put_frame(cam, "profile-a/2026-01-09/capture_20260109_000000_000.jpg", 100, -1, NULL, NULL);
	time_parse_iso("2026-01-10T00:00:00Z", &now);
	/* F3 (profile b) is needed by a pending job */
	job(&r, "j9", "{\"state\": \"queued\", \"camera\": \"helios\", \"profile\": \"b\"}", now);
	assert_int_equal(retention_run(&r, root, "helios", now, keep_f2, NULL, 100, &deleted),
			 SL_OK);
	assert_int_equal(deleted, 1); /* F1 only */
	snprintf(path, sizeof(path), "%s/%s", cam, F1);
	assert_int_equal(stat(path, &st), -1);
	memcpy(path + strlen(path) - 4, ".json", 6);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/%s", cam, F2); /* still on the Pi */
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/%s", cam, F3); /* guarded */
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/profile-a/2026-01-09", cam); /* young */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(r.deleted_total, 1);

	/* once F2 is off the Pi it goes, and its emptied day folder with it */
	assert_int_equal(retention_run(&r, root, "helios", now, keep_none, NULL, 0, &deleted),
			 SL_OK);
	assert_int_equal(deleted, 0); /* at most 0 */
	assert_int_equal(retention_run(&r, root, "helios", now, keep_none, NULL, 100, &deleted),
			 SL_OK);
	assert_int_equal(deleted, 1);
	snprintf(path, sizeof(path), "%s/profile-a/2026-01-01", cam);
	assert_int_equal(stat(path, &st), -1);
	r.days = 0;
	put_frame(cam, F1, 100, -1, NULL, NULL);
	assert_int_equal(retention_run(&r, root, "helios", now, keep_none, NULL, 100, &deleted),
			 SL_OK);
	assert_int_equal(deleted, 0); /* off */
	retention_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_paths),
	    cmocka_unit_test_setup_teardown(test_verify_frame, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_catalog, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_cleanup_selection, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_hashing_jobs, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_hashing_many, dir_setup, dir_teardown),
	    cmocka_unit_test(test_clean_list),
	    cmocka_unit_test(test_retention_config),
	    cmocka_unit_test(test_retention_guards),
	    cmocka_unit_test_setup_teardown(test_retention_run, dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests_name("transfer_verify", tests, NULL, NULL);
}
