/* transfer.c - transfer cycles on the event loop; see transfer.h.
 *
 * Organisation, in the order a cycle runs:
 *   begin_sync()     spawns rsync, for the whole folder (a full sync) or
 *                    only the announced frames; sync_line() reads its
 *                    itemized listing (every file, changed or not) into the
 *                    catalog and queues frames rsync finished for hashing;
 *   sync_exit()      classifies the result, queues every frame listed and
 *                    not hashed yet for verification (VERIFYING);
 *   hashed()         takes each frame's hashing result (hashing.h: worker
 *                    threads, in all three phases); work_drained() moves
 *                    on once a phase's jobs are done;
 *   begin_clean()    queues old verified frames, to be hashed and flushed
 *                    once more; launch_clean() then runs the clean-up
 *                    script with their list on stdin (CLEANING);
 *   clean_exit()     counts what the Pi removed; retention; end of cycle.
 * Clean-up, retention and forgetting frames gone from the Pi need a full
 * listing; after an announced-only sync the cycle ends with verification.
 * Each phase change goes through the state machine (state.h).
 */
#include "transfer.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "hashing.h"
#include "log.h"
#include "timeutil.h"
#include "verify.h"

#define GRACE_MS	   5000 /* SIGTERM to SIGKILL for a child */
#define RETENTION_EVERY_MS 3600000LL
#define RETENTION_MAX	   10000 /* server frames removed per run */
#define CACHE_NAME	   ".skylapse-transfer-verified"
#define CACHE_SLACK	   1024 /* stale cache lines tolerated beyond the live ones */

static void begin_sync(struct transfer *t);
static void reschedule(struct transfer *t);
static void begin_clean(struct transfer *t);
static void launch_clean(struct transfer *t);
static void finish_verify(struct transfer *t);
static void finish_clean(struct transfer *t, bool ok, enum xfer_error kind, const char *why);

/* --- small helpers ------------------------------------------------------ */

static void changed(struct transfer *t)
{
	if (t->on_changed)
		t->on_changed(t, t->cb_arg);
}

static void stopped(struct transfer *t)
{
	if (t->on_stopped)
		t->on_stopped(t, true, t->cb_arg);
}

static void note_error(struct transfer *t, enum xfer_error kind, const char *why)
{
	t->st.error_kind = kind;
	snprintf(t->st.last_error, sizeof(t->st.last_error), "%s", why);
	t->st.last_error_ms = time_now_ms();
}

static void keep_tail(struct transfer *t, const char *line)
{
	size_t have = strlen(t->err_tail), add = strlen(line) + 1, cap = sizeof(t->err_tail);

	if (add >= cap) {
		snprintf(t->err_tail, cap, "%s\n", line + add - cap + 1);
		return;
	}
	if (have + add >= cap) {
		/* drop whole lines from the front */
		const char *cut = t->err_tail + have + add - cap;
		const char *nl = strchr(cut, '\n');

		cut = nl ? nl + 1 : t->err_tail + have;
		memmove(t->err_tail, cut, strlen(cut) + 1);
		have = strlen(t->err_tail);
	}
	snprintf(t->err_tail + have, cap - have, "%s\n", line);
}

static int64_t tick(struct loop *l, long id, void *arg)
{
	struct transfer *t = arg;

	(void)l;
	(void)id;
	t->tick_timer = 0;
	if (t->stopping)
		return -1;
	if (state_sync_due(&t->sm, loop_now_ms()))
		begin_sync(t);
	else
		reschedule(t); /* woken early: wait for the real deadline */
	return -1;
}

/* One timer follows the state machine's next deadline. */
static void reschedule(struct transfer *t)
{
	int64_t wait;

	if (t->tick_timer > 0)
		loop_del_timer(t->loop, t->tick_timer);
	t->tick_timer = 0;
	if (t->stopping)
		return;
	wait = state_wait_ms(&t->sm, loop_now_ms());
	if (wait >= 0)
		t->tick_timer = loop_add_timer(t->loop, wait, tick, t);
}

static void end_cycle(struct transfer *t, bool ok)
{
	t->st.result = ok ? "ok" : "error";
	t->st.sync_finished_ms = time_now_ms();
	if (ok)
		t->st.last_ok_ms = t->st.sync_finished_ms;
	else
		t->st.errors++;
	t->st.cycles++;
	changed(t);
	reschedule(t);
	if (t->on_cycle)
		t->on_cycle(t, ok, t->cb_arg);
}

/* --- hashing on the worker threads -------------------------------------- */

static int64_t work_drained(struct loop *l, long id, void *arg)
{
	struct transfer *t = arg;

	(void)l;
	(void)id;
	t->work_timer = 0;
	if (t->hash.inflight > 0)
		return -1;
	if (t->sm.state == XFER_VERIFYING)
		finish_verify(t);
	else if (t->sm.state == XFER_CLEANING)
		launch_clean(t);
	return -1;
}

/* The phase waiting for the hashing goes on, on the next loop turn, once
 * no job of this generation is left. */
static void check_drained(struct transfer *t)
{
	if (t->hash.inflight == 0 && t->work_timer <= 0)
		t->work_timer = loop_add_timer(t->loop, 0, work_drained, t);
}

/* Drops the hashing of this cycle: queued jobs are cancelled, running ones
 * finish but their results are ignored. */
static void stop_work(struct transfer *t)
{
	if (t->work_timer > 0)
		loop_del_timer(t->loop, t->work_timer);
	t->work_timer = 0;
	hashing_drop(&t->hash);
}

/* Removes the server's copy and sidecar so that the next sync fetches both
 * again; the Pi still holds the frame (it is in the current listing). */
static void remove_server_copy(struct transfer *t, const char *rel)
{
	char path[PATH_MAX];
	size_t n;

	if (path_join_safe(t->set.dest, rel, path, sizeof(path)) != SL_OK)
		return;
	unlink(path);
	n = strlen(path);
	if (n + 2 <= sizeof(path)) {
		memcpy(path + n - 4, ".json", 6);
		unlink(path);
	}
}

static void mark_verified(struct transfer *t, struct frame_rec *r, const struct verify_info *in)
{
	r->flags = (r->flags | CAT_VERIFIED) & ~(unsigned)(CAT_ANNOUNCED | CAT_BAD);
	r->size = in->size;
	r->mtime_ns = in->mtime_ns;
	r->captured_ms = in->captured_ms;
	t->st.verified_total++;
	log_debug("verified %s", r->path);
	if (t->nfresh == t->capfresh) {
		size_t cap = t->capfresh ? t->capfresh * 2 : 256;
		struct frame_rec **f = realloc(t->fresh, cap * sizeof(*f));

		if (f == NULL)
			return; /* not cached: hashed again after a restart */
		t->fresh = f;
		t->capfresh = cap;
	}
	t->fresh[t->nfresh++] = r;
}

static void judge_unverified(struct transfer *t, struct frame_rec *r, enum verify_result res,
			     const struct verify_info *info, const char *why)
{
	bool sidecar_on_pi = r->sidecar_gen == t->cat.gen;

	if ((res == VERIFY_SIZE || res == VERIFY_HASH || res == VERIFY_BAD_SIDECAR) &&
	    sidecar_on_pi && !(r->flags & CAT_REFETCHED)) {
		remove_server_copy(t, r->path);
		r->flags |= CAT_REFETCHED;
		t->resync = true;
		log_warn("%s; removed the server copy to fetch it again", why);
		t->st.errors++;
		return;
	}
	if (res == VERIFY_NO_SIDECAR && !sidecar_on_pi) {
		/* the capture agent writes the sidecar just after the frame */
		log_debug("%s: no sidecar on the Pi (yet)", r->path);
		return;
	}
	if (!(r->flags & CAT_BAD))
		log_warn("not verified, so kept on the Pi: %s", why);
	r->flags |= CAT_BAD;
	r->size = info->size; /* not hashed again while this copy stays as it is */
	r->mtime_ns = info->mtime_ns;
	t->st.errors++;
}

/* A verification's result. Before the sync ended only successes count,
 * since rsync may not have finished the file: a failure then is hashed
 * again once the sync is over. */
static void verified(struct transfer *t, struct frame_rec *r, const struct hash_result *j)
{
	if (j->res == VERIFY_OK)
		mark_verified(t, r, &j->info);
	else if (j->final)
		judge_unverified(t, r, j->res, &j->info, j->why);
	else if (t->sm.state == XFER_VERIFYING)
		hashing_submit(&t->hash, r, HASH_VERIFY, true);
}

/* The last check before deletion on the Pi. */
static void confirmed(struct transfer *t, struct frame_rec *r, const struct hash_result *j)
{
	struct verify_info info;

	cleanup_record(r, j->ok, &j->info);
	if (!j->ok) {
		log_warn("not deleting on the Pi: %s", j->why);
		if (j->res != VERIFY_OK && verify_stat(t->set.dest, r->path, &info) == SL_OK)
			judge_unverified(t, r, j->res, &info, j->why); /* the copy went bad: repair */
		return;
	}
	if (clean_list_add(&t->clean, r->path) != SL_OK)
		log_warn("not deleting %s on the Pi: out of memory", r->path);
}

static void hashed(struct frame_rec *r, const struct hash_result *res, void *arg)
{
	if (res->kind == HASH_CONFIRM)
		confirmed(arg, r, res);
	else
		verified(arg, r, res);
}

static void hashing_drained(void *arg)
{
	check_drained(arg);
}

/* --- sync --------------------------------------------------------------- */

static void sync_failed(struct transfer *t, enum xfer_error kind, const char *why)
{
	int64_t now = loop_now_ms();

	note_error(t, kind, why);
	stop_work(t);
	state_sync_done(&t->sm, false, now);
	log_warn("sync failed: %s; retrying in %lld s", why,
		 (long long)(state_wait_ms(&t->sm, now) + 999) / 1000);
	end_cycle(t, false);
}

static void sync_line(void *arg, int stream, const char *line)
{
	struct transfer *t = arg;
	char jpg[PATH_MAX];
	struct rsync_item it;
	struct frame_rec *r;

	if (stream == 2) {
		keep_tail(t, line);
		log_debug("rsync: %s", line);
		return;
	}
	if (rsync_parse_item(line, &it) != SL_OK || it.type != 'f')
		return;
	if (t->settling) {
		/* rsync prints a file's line just before renaming it into place; by
		 * the next line the frame listed before is complete: hash it now */
		hashing_submit(&t->hash, t->settling, HASH_VERIFY, false);
		t->settling = NULL;
	}
	if (it.received) {
		t->st.files++;
		t->st.bytes += it.size;
	}
	if (verify_frame_path(it.name)) {
		if (catalog_add(&t->cat, it.name, &r) == SL_OK)
			r->pi_gen = t->cat.gen;
	} else if (verify_sidecar_path(it.name, jpg, sizeof(jpg)) &&
		   catalog_add(&t->cat, jpg, &r) == SL_OK) {
		r->sidecar_gen = t->cat.gen;
		if (r->pi_gen == t->cat.gen) /* the .json comes right after its .jpg */
			t->settling = r;
	}
}

static bool queue_listed(struct frame_rec *r, void *arg)
{
	struct transfer *t = arg;

	if (catalog_on_pi(&t->cat, r) && (t->full || (r->flags & CAT_ANNOUNCED)))
		hashing_submit(&t->hash, r, HASH_VERIFY, true);
	return false;
}

static void sync_succeeded(struct transfer *t)
{
	t->settling = NULL; /* the pass below covers it */
	t->st.files_total += t->st.files;
	t->st.bytes_total += t->st.bytes;
	state_sync_done(&t->sm, true, loop_now_ms());
	/* frames hashed during the sync keep their results; the rest are queued */
	catalog_sweep(&t->cat, queue_listed, t);
	check_drained(t);
	changed(t);
}

static void sync_exit(void *arg, int status)
{
	struct transfer *t = arg;
	enum xfer_error kind;
	char why[ERRMSG_MAX];

	child_free(&t->child);
	if (t->stopping) {
		stopped(t);
		return;
	}
	kind = rsync_classify(status, t->err_tail, why);
	if (kind != XERR_NONE)
		sync_failed(t, kind, why);
	else
		sync_succeeded(t);
}

static bool list_announced(struct frame_rec *r, void *arg)
{
	if ((r->flags & CAT_ANNOUNCED) && !(r->flags & CAT_VERIFIED))
		fprintf(arg, "%s\n%.*s.json\n", r->path, (int)strlen(r->path) - 4, r->path);
	return false;
}

/* stdin for an announced-only sync: the frames and sidecars still wanted;
 * -1 on failure; *empty when there is nothing left to fetch. */
static int announced_input(struct transfer *t, bool *empty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int fd = -1;

	if (m == NULL)
		return -1;
	catalog_sweep(&t->cat, list_announced, m);
	if (fclose(m) == 0 && buf) {
		*empty = len == 0;
		fd = child_input_fd(buf, len);
	}
	free(buf);
	return fd;
}

static void begin_sync(struct transfer *t)
{
	struct child_spec cs = {t->pull_argv.v, -1, sync_line, sync_exit, t};
	enum xfer_error kind = XERR_COMMAND;
	int64_t now = loop_now_ms();
	char why[ERRMSG_MAX];
	bool empty = false;
	int rc;

	t->full = state_full_due(&t->sm, now);
	if (state_begin_sync(&t->sm, t->full, now) != SL_OK)
		return;
	t->st.sync_started_ms = time_now_ms();
	t->st.files = t->st.bytes = t->st.deleted_last = 0;
	t->st.errors = 0;
	t->err_tail[0] = '\0';
	t->resync = false;
	t->settling = NULL;
	if (t->full) {
		t->cat.gen++; /* what this listing does not show is no longer on the Pi */
		t->full_started_mono = now;
	} else {
		cs.argv = t->pull_listed_argv.v;
		cs.stdin_fd = announced_input(t, &empty);
	}
	if (mkdir_p(t->set.dest, 0755) < 0) {
		err_why(why, "cannot create %.180s: %s", t->set.dest,
			 strerror(errno));
		if (errno == ENOSPC)
			kind = XERR_DISK_FULL;
		goto fail;
	}
	if (!t->full && cs.stdin_fd < 0) {
		err_why(why, "cannot list the announced frames: %s", strerror(errno));
		goto fail;
	}
	if (empty) {
		/* the announced frames came with an earlier sync */
		close(cs.stdin_fd);
		sync_succeeded(t);
		return;
	}
	rc = child_spawn(t->loop, &cs, &t->child);
	if (cs.stdin_fd >= 0)
		close(cs.stdin_fd);
	cs.stdin_fd = -1;
	if (rc != SL_OK) {
		err_why(why, "cannot run rsync: %s", err_str(rc));
		goto fail;
	}
	log_debug("%s sync %s -> %s", t->full ? "full" : "announced-only", t->set.source_label,
		  t->set.dest);
	changed(t);
	return;
fail:
	if (cs.stdin_fd >= 0)
		close(cs.stdin_fd);
	sync_failed(t, kind, why);
}

/* --- verification ------------------------------------------------------- */

static bool count_listed(struct frame_rec *r, void *arg)
{
	struct transfer *t = arg;

	if (catalog_on_pi(&t->cat, r)) {
		t->st.on_pi++;
		if (!(r->flags & CAT_VERIFIED))
			t->st.unverified++;
	}
	return false;
}

static void finish_verify(struct transfer *t)
{
	t->st.on_pi = t->st.unverified = 0;
	catalog_sweep(&t->cat, count_listed, t);
	if (catalog_append(t->fresh, t->nfresh, t->cache_path, &t->cache_lines) != SL_OK)
		log_warn("cannot write %s: %s", t->cache_path, strerror(errno));
	t->nfresh = 0;
	state_verify_done(&t->sm, t->resync, loop_now_ms());
	if (t->full)
		begin_clean(t);
	else
		finish_clean(t, true, XERR_NONE, "");
}

/* --- clean-up on the Pi --------------------------------------------------- */

static bool queue_candidate(struct frame_rec *r, void *arg)
{
	struct transfer *t = arg;
	int64_t cutoff = cleanup_cutoff_ms(time_now_ms(), t->set.delete_after_days);

	/* no job finishes during the sweep: inflight counts the frames queued */
	if ((int)t->hash.inflight < t->set.clean_max && cleanup_is_candidate(&t->cat, r, cutoff))
		hashing_submit(&t->hash, r, HASH_CONFIRM, true);
	return false;
}

static bool keep_on_server(const char *rel, void *arg)
{
	struct transfer *t = arg;
	const struct frame_rec *r = catalog_find(&t->cat, rel);

	return r && (catalog_on_pi(&t->cat, r) || (r->flags & CAT_ANNOUNCED));
}

static void run_retention(struct transfer *t)
{
	int64_t now = time_now_ms();
	int deleted = 0;

	if (!retention_enabled(&t->ret) ||
	    (t->ret.last_run_ms && now - t->ret.last_run_ms < RETENTION_EVERY_MS))
		return;
	if (!t->jobs_known) {
		log_info("server retention waits until encode jobs are known (broker not reached)");
		return;
	}
	if (retention_run(&t->ret, t->set.images_root, t->set.camera, now, keep_on_server, t,
			  RETENTION_MAX, &deleted) != SL_OK)
		log_warn("server retention: cannot list %s", t->set.dest);
	else if (deleted)
		log_info("server retention: deleted %d frames older than %g days", deleted,
			 t->ret.days);
}

static bool prune(struct frame_rec *r, void *arg)
{
	struct transfer *t = arg;

	if (catalog_on_pi(&t->cat, r))
		return false;
	if ((r->flags & CAT_ANNOUNCED) && !(r->flags & CAT_VERIFIED)) {
		if (r->announced_ms >= t->full_started_mono)
			return false; /* announced after the listing began */
		log_warn("frame %s was announced but is not on the Pi; no longer waiting for it",
			 r->path);
	}
	return true;
}

static bool live_in_cache(const struct frame_rec *r, const void *arg)
{
	return (r->flags & CAT_VERIFIED) && catalog_on_pi(arg, r);
}

/* Rewrites the cache file once stale lines (frames since deleted, copies
 * verified again) outnumber the live ones. */
static void compact_cache(struct transfer *t)
{
	size_t live = catalog_count(&t->cat, live_in_cache, &t->cat);

	if (t->cache_lines <= 2 * live + CACHE_SLACK)
		return;
	if (catalog_save(&t->cat, t->cache_path, &t->cache_lines) != SL_OK)
		log_warn("cannot write %s: %s", t->cache_path, strerror(errno));
}

static void finish_clean(struct transfer *t, bool ok, enum xfer_error kind, const char *why)
{
	t->st.deleted_total += t->st.deleted_last;
	clean_list_free(&t->clean);
	if (!ok) {
		note_error(t, kind, why);
		state_clean_done(&t->sm, false, loop_now_ms());
		log_warn("clean-up on the Pi failed: %s", why);
		end_cycle(t, false);
		return;
	}
	if (t->full) {
		run_retention(t);
		catalog_sweep(&t->cat, prune, t);
		compact_cache(t);
	}
	if (t->resync) /* copies found bad just before deletion */
		state_request_full(&t->sm, loop_now_ms());
	if (t->st.files || t->st.deleted_last || t->sm.failures > 0)
		log_info("sync done: %lld files (%lld bytes) in, %d frames on the Pi (%d not "
			 "verified), %lld deleted there, backlog %d",
			 t->st.files, t->st.bytes, t->st.on_pi, t->st.unverified,
			 t->st.deleted_last, transfer_backlog(t));
	state_clean_done(&t->sm, true, loop_now_ms());
	end_cycle(t, true);
}

static void clean_line(void *arg, int stream, const char *line)
{
	struct transfer *t = arg;

	if (stream == 2) {
		keep_tail(t, line);
		log_debug("clean-up: %s", line);
		return;
	}
	if (verify_frame_path(line)) {
		catalog_remove(&t->cat, line);
		t->st.deleted_last++;
	}
}

static void clean_exit(void *arg, int status)
{
	struct transfer *t = arg;
	enum xfer_error kind;
	char why[ERRMSG_MAX];

	child_free(&t->child);
	if (t->stopping) {
		t->st.deleted_total += t->st.deleted_last;
		clean_list_free(&t->clean);
		stopped(t);
		return;
	}
	kind = rsync_classify(status, t->err_tail, why);
	finish_clean(t, kind == XERR_NONE, kind, why);
}

static void launch_clean(struct transfer *t)
{
	struct child_spec cs = {t->clean_argv.v, -1, clean_line, clean_exit, t};
	char why[ERRMSG_MAX];
	int rc;

	if (t->clean.frames == 0) {
		finish_clean(t, true, XERR_NONE, "");
		return;
	}
	if (clean_list_finish(&t->clean, time_now_ms()) != SL_OK) {
		finish_clean(t, false, XERR_COMMAND, "out of memory");
		return;
	}
	cs.stdin_fd = child_input_fd(t->clean.buf, t->clean.len);
	if (cs.stdin_fd < 0) {
		err_why(why, "cannot hold the list: %s", strerror(errno));
		finish_clean(t, false, XERR_COMMAND, why);
		return;
	}
	t->err_tail[0] = '\0';
	rc = child_spawn(t->loop, &cs, &t->child);
	close(cs.stdin_fd);
	if (rc != SL_OK) {
		err_why(why, "cannot run the clean-up: %s", err_str(rc));
		finish_clean(t, false, XERR_COMMAND, why);
		return;
	}
	log_info("deleting %d verified frames older than %g days on the Pi", t->clean.frames,
		 t->set.delete_after_days);
	changed(t);
}

static void begin_clean(struct transfer *t)
{
	clean_list_free(&t->clean);
	catalog_sweep(&t->cat, queue_candidate, t);
	check_drained(t); /* confirmed() lists each, then launch_clean() */
}

/* --- public --------------------------------------------------------------- */

int transfer_init(struct transfer *t, struct loop *loop, const struct xfer_settings *set,
		  const struct retention *ret, char why[ERRMSG_MAX])
{
	int rc;

	*t = (struct transfer){0};
	t->loop = loop;
	t->set = *set;
	t->set.rsync.dest = t->set.dest;
	t->ret = *ret;
	state_init(&t->sm, &set->timing, set->enabled, loop_now_ms());
	t->st.started_ms = time_now_ms();
	if (catalog_init(&t->cat) != SL_OK)
		return SL_ERR_NOMEM;
	if (!set->enabled)
		return SL_OK; /* idle: nothing to prepare */
	rc = rsync_opts_check(&t->set.rsync, why);
	if (rc != SL_OK)
		return rc;
	if (rsync_pull_argv(&t->set.rsync, false, &t->pull_argv) != SL_OK ||
	    rsync_pull_argv(&t->set.rsync, true, &t->pull_listed_argv) != SL_OK ||
	    rsync_clean_argv(&t->set.rsync, &t->clean_argv) != SL_OK) {
		err_why(why, "PI_SOURCE, SSH_KEY or SSH_KNOWN_HOSTS is too long");
		return SL_ERR_INVAL;
	}
	if ((size_t)snprintf(t->cache_path, sizeof(t->cache_path), "%s/%s", t->set.dest,
			     CACHE_NAME) >= sizeof(t->cache_path)) {
		err_why(why, "the images folder path is too long");
		return SL_ERR_INVAL;
	}
	rc = hashing_init(&t->hash, loop, &t->cat, t->set.dest, hashed, hashing_drained, t);
	if (rc != SL_OK) {
		err_why(why, "cannot start the hashing threads: %s", err_str(rc));
		return rc;
	}
	if (catalog_load(&t->cat, t->cache_path, &t->cache_lines) != SL_OK)
		log_warn("cannot read %s; every frame on the Pi will be hashed again",
			 t->cache_path);
	return SL_OK;
}

void transfer_start(struct transfer *t)
{
	reschedule(t);
}

void transfer_announce(struct transfer *t, const char *path)
{
	struct frame_rec *r;

	if (t->sm.state == XFER_DISABLED || t->stopping)
		return;
	if (!verify_frame_path(path)) {
		log_warn("ignoring an announced frame path '%.100s': not a frame path", path);
		return;
	}
	if (catalog_add(&t->cat, path, &r) != SL_OK || (r->flags & CAT_VERIFIED))
		return;
	r->flags |= CAT_ANNOUNCED;
	r->announced_ms = loop_now_ms();
	state_announce(&t->sm, r->announced_ms);
	if (t->sm.state == XFER_IDLE)
		changed(t); /* its status said nothing was owed: stale now */
	if (t->tick_timer > 0 || t->sm.state == XFER_IDLE)
		reschedule(t);
}

void transfer_stop(struct transfer *t)
{
	if (t->stopping)
		return;
	t->stopping = true;
	stop_work(t);
	reschedule(t);
	state_stop(&t->sm);
	if (t->child) {
		log_info("stopping: terminating the running command (pid %d)",
			 (int)child_pid(t->child));
		child_terminate(t->child, GRACE_MS);
		return;
	}
	stopped(t);
}

void transfer_free(struct transfer *t)
{
	if (t == NULL)
		return;
	child_free(&t->child);
	hashing_free(&t->hash);
	if (t->loop) {
		if (t->work_timer > 0)
			loop_del_timer(t->loop, t->work_timer);
		if (t->tick_timer > 0)
			loop_del_timer(t->loop, t->tick_timer);
	}
	free(t->fresh);
	argv_list_free(&t->pull_argv);
	argv_list_free(&t->pull_listed_argv);
	argv_list_free(&t->clean_argv);
	catalog_free(&t->cat);
	retention_free(&t->ret);
	clean_list_free(&t->clean);
	*t = (struct transfer){0};
}

static bool in_backlog(const struct frame_rec *r, const void *arg)
{
	(void)arg;
	return (r->flags & CAT_ANNOUNCED) && !(r->flags & CAT_VERIFIED);
}

int transfer_backlog(const struct transfer *t)
{
	return (int)catalog_count(&t->cat, in_backlog, NULL);
}
