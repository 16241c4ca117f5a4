/* worker.c - MQTT job handling and the job state machine; see worker.h.
 *
 * Organisation: topics and subscriptions; publishing states; the
 * transitions (accept, reject, start, finish, cancel, requeue, take over);
 * the MQTT message dispatcher; timers (progress every second, take-over
 * check every second); the clean stop. Everything here runs on the loop's
 * thread; job threads only write a byte to `notify` when they end.
 */
#include "worker.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ha_encoder.h"
#include "jsonx.h"
#include "log.h"
#include "registry.h"
#include "job_run.h"
#include "select.h"
#include "state.h"
#include "timeutil.h"
#include "topics.h"

#define TICK_MS	    1000
#define PENDING_MAX 1000
#define THUMB_MAX   (4 * 1024 * 1024) /* a thumbnail is at most 640 wide */
#define PICTURE_MAX (16 * 1024 * 1024) /* a keogram or star trails sent whole */

struct job_rec {
	struct job_rec *next;
	struct encode_job spec;
	json_t *request;      /* owned: the job as received */
	enum job_state state; /* JOB_QUEUED or JOB_RUNNING while listed */
	int attempts;
	int64_t created_ms;
	struct job_run *run; /* while running */
};

struct worker {
	struct loop *loop;
	struct mqtt_session *mqtt;
	const struct config *cfg;
	char id[ID_MAX + 1];
	int concurrency, threads;
	char *images_root, *timelapses_root;
	struct registry reg;
	struct job_rec *jobs; /* arrival order */
	json_t *pending;      /* job payloads that arrived before the sync */
	bool synced, stopping;
	int64_t synced_ms;
	int notify[2];
	long tick_timer;
	int64_t stop_deadline;
	char root[TOPIC_MAX];
	char t_jobs[TOPIC_MAX], t_share[TOPIC_MAX], t_states[TOPIC_MAX], t_cancels[TOPIC_MAX];
	char t_avails[TOPIC_MAX], p_jobs[TOPIC_MAX], p_encoder[TOPIC_MAX];
	char t_thumb[TOPIC_MAX], t_keogram[TOPIC_MAX], t_startrails[TOPIC_MAX];
	/* Home Assistant: the worker's device and status (ha_encoder.h) */
	struct ha_encoder ha;
	struct ha_announce announce;
	char t_status[TOPIC_MAX], t_ha_config[TOPIC_MAX];
};

/* --- publishing --------------------------------------------------------- */

/* Publishes a job's state; steals `text` (NULL: out of memory, nothing sent). */
static void publish_text(struct worker *w, const char *job_id, char *text)
{
	char topic[TOPIC_MAX];

	if (text && topic_fmt(topic, w->root, "encoder/jobs/%s", job_id) == SL_OK) {
		registry_note_published(&w->reg, job_id, text);
		mqtt_set_state(w->mqtt, topic, text, strlen(text));
		ha_encoder_note(&w->ha, text);
	}
	free(text);
}

/* A state for a job without a run: queued, or an end before it ran. */
static void publish_plain(struct worker *w, const struct job_rec *rec, enum job_state st, int code,
			  const char *error)
{
	struct job_view v = {.job_id = rec->spec.job_id,
			     .worker = w->id,
			     .spec = &rec->spec,
			     .state = st,
			     .error = error,
			     .error_code = code,
			     .created_ms = rec->created_ms,
			     .finished_ms = st == JOB_QUEUED ? 0 : time_now_ms(),
			     .attempts = rec->attempts,
			     .request = rec->request};

	publish_text(w, rec->spec.job_id, state_text(&v));
}

/* The finished job's picture, retained for Home Assistant (schema/README.md):
 * a video's thumbnail on R/encoder/thumbnail, a keogram or star trails
 * image itself on R/encoder/keogram or R/encoder/startrails (its thumbnail
 * when the image is over PICTURE_MAX). Plain retained, not a session
 * state: a worker reconnecting must not put an older picture back over
 * another worker's newer one. */
static void publish_picture(struct worker *w, const struct job_run *run)
{
	bool video = run->spec.kind == JOB_VIDEO;
	const char *topic = video				 ? w->t_thumb
			    : run->spec.kind == JOB_KEOGRAM ? w->t_keogram
							    : w->t_startrails;
	char path[PATH_MAX] = "", *jpeg = NULL;
	size_t len = 0;
	int rc = -1;

	if (video && !run->res.thumbnail)
		return;
	errno = ERANGE;
	if (path_join_safe(w->timelapses_root, video ? run->thumbnail : run->output, path,
			   sizeof(path)) == SL_OK)
		rc = file_read_all(path, video ? THUMB_MAX : PICTURE_MAX, &jpeg, &len);
	if (rc < 0 && errno == EFBIG && !video && run->res.thumbnail &&
	    path_join_safe(w->timelapses_root, run->thumbnail, path, sizeof(path)) == SL_OK)
		rc = file_read_all(path, THUMB_MAX, &jpeg, &len);
	if (rc < 0)
		log_warn("job %s: cannot read its picture %s: %s", run->spec.job_id, path,
			 strerror(errno));
	else
		mqtt_publish(w->mqtt, topic, jpeg, len, 1, true);
	free(jpeg);
}

/* --- the local job list ------------------------------------------------- */

static struct job_rec *find_local(struct worker *w, const char *job_id)
{
	for (struct job_rec *r = w->jobs; r; r = r->next)
		if (strcmp(r->spec.job_id, job_id) == 0)
			return r;
	return NULL;
}

static void unlink_rec(struct worker *w, struct job_rec *rec)
{
	for (struct job_rec **p = &w->jobs; *p; p = &(*p)->next)
		if (*p == rec) {
			*p = rec->next;
			break;
		}
	job_run_free(&rec->run);
	json_decref(rec->request);
	free(rec);
}

static int running_count(const struct worker *w)
{
	int n = 0;

	for (const struct job_rec *r = w->jobs; r; r = r->next)
		n += r->state == JOB_RUNNING;
	return n;
}

/* R/encoder/<worker>/status when something changed (or `force`): the job
 * list's counts, the last video and error (schema/encoder-status.json). */
static void publish_status(struct worker *w, bool force)
{
	int running = running_count(w), queued = 0;
	json_t *st;
	char *text;

	for (const struct job_rec *r = w->jobs; r; r = r->next)
		queued += r->state == JOB_QUEUED;
	ha_encoder_counts(&w->ha, running, queued);
	if (!w->ha.changed && !force)
		return;
	w->ha.changed = false;
	st = ha_encoder_status(&w->ha, w->id);
	text = jx_dump(st);
	if (text)
		mqtt_set_state(w->mqtt, w->t_status, text, strlen(text));
	free(text);
	json_decref(st);
}

/* The worker's Home Assistant device, then its status. */
static void publish_device(void *arg)
{
	struct worker *w = arg;
	const char *url = w->cfg->backend_url[0] ? w->cfg->backend_url : NULL;
	char dev_id[HA_ID_MAX];
	json_t *d = w->cfg->ha_discovery ? ha_encoder_discovery(w->cfg, w->id, url, dev_id) : NULL;

	ha_publish(w->mqtt, w->cfg, w->t_ha_config, d);
	json_decref(d);
	publish_status(w, true);
}

/* --- transitions ---------------------------------------------------------- */

/* (invalid) -> FAILED: a job that cannot even be queued. */
static void job_reject(struct worker *w, const struct encode_job *spec, const json_t *request,
		       int code, const char *why)
{
	struct job_view v = {.job_id = spec->job_id,
			     .worker = w->id,
			     .spec = spec->camera[0] ? spec : NULL,
			     .state = JOB_FAILED,
			     .error = why,
			     .error_code = code,
			     .request = request};

	v.created_ms = v.finished_ms = time_now_ms();
	log_warn("job %s failed: %s", spec->job_id, why);
	publish_text(w, spec->job_id, state_text(&v));
}

static void schedule_jobs(struct worker *w);

/* (new) -> QUEUED. Steals `request`. */
static void job_accept(struct worker *w, const struct encode_job *spec, json_t *request,
		       int attempts, int64_t created_ms)
{
	struct job_rec *rec = calloc(1, sizeof(*rec)), **tail;

	if (rec == NULL) {
		json_decref(request);
		job_reject(w, spec, NULL, SL_ERR_NOMEM, "out of memory");
		return;
	}
	rec->spec = *spec;
	rec->request = request;
	rec->state = JOB_QUEUED;
	rec->attempts = attempts;
	rec->created_ms = created_ms;
	for (tail = &w->jobs; *tail; tail = &(*tail)->next)
		;
	*tail = rec;
	log_info("job %s queued (%s of camera %s%s)", spec->job_id, job_kind_name(spec->kind),
		 spec->camera, attempts ? ", taken up again" : "");
	publish_plain(w, rec, JOB_QUEUED, SL_OK, NULL);
	schedule_jobs(w);
}

/* QUEUED -> RUNNING, or -> FAILED when the range cannot be resolved. */
static void job_start(struct worker *w, struct job_rec *rec)
{
	char why[ERRMSG_MAX] = "";
	struct job_run *run = NULL;
	int rc;

	rc = job_run_new(&run);
	if (rc == SL_OK)
		rc = select_range(&rec->spec, w->cfg, &run->from_ms, &run->to_ms, why);
	if (rc == SL_OK) {
		run->spec = rec->spec;
		run->request = json_deep_copy(rec->request);
		snprintf(run->worker, sizeof(run->worker), "%s", w->id);
		run->images_root = w->images_root;
		run->timelapses_root = w->timelapses_root;
		run->threads = w->threads;
		run->attempts = rec->attempts;
		run->created_ms = rec->created_ms;
		run->started_ms = time_now_ms();
		run->notify_fd = w->notify[1];
		rec->run = run;
		rec->state = JOB_RUNNING;
		publish_text(w, rec->spec.job_id, job_run_state_text(run, JOB_RUNNING, NULL));
		rc = job_run_start(run);
		if (rc == SL_OK) {
			log_info("job %s running", rec->spec.job_id);
			return;
		}
		err_why(why, "cannot start a thread");
		rec->run = NULL;
		rec->state = JOB_QUEUED;
	}
	job_run_free(&run);
	log_warn("job %s failed: %s", rec->spec.job_id, why[0] ? why : err_str(rc));
	publish_plain(w, rec, JOB_FAILED, rc, why[0] ? why : err_str(rc));
	unlink_rec(w, rec);
}

static void schedule_jobs(struct worker *w)
{
	struct job_rec *rec = w->jobs, *next;

	while (!w->stopping && rec && running_count(w) < w->concurrency) {
		next = rec->next;
		if (rec->state == JOB_QUEUED)
			job_start(w, rec); /* may free rec */
		rec = next;
	}
}

/* RUNNING -> DONE | FAILED | CANCELLED | QUEUED (stop) | gone (abandoned). */
static void job_finish(struct worker *w, struct job_rec *rec)
{
	struct job_run *run = rec->run;
	enum run_stop stop = (enum run_stop)atomic_load(&run->stop);
	char *text = NULL;

	pthread_join(run->thread, NULL);
	run->started = false;
	if (run->rc == SL_OK) {
		log_info("job %s done: %s (%lld frames, %lld bytes)", rec->spec.job_id, run->output,
			 (long long)run->res.frames, (long long)run->res.size);
		text = job_run_state_text(run, JOB_DONE, NULL);
		publish_picture(w, run);
	} else if (run->rc == ENC_CANCELLED && stop == RUN_CANCEL) {
		log_info("job %s cancelled", rec->spec.job_id);
		text = job_run_state_text(run, JOB_CANCELLED, NULL);
	} else if (run->rc == ENC_CANCELLED && stop == RUN_STOP) {
		log_info("job %s stopped with the worker; queued again", rec->spec.job_id);
		job_run_free(&rec->run);
		rec->state = JOB_QUEUED;
		publish_plain(w, rec, JOB_QUEUED, SL_OK, NULL);
		return;
	} else if (run->rc == ENC_CANCELLED) {
		log_info("job %s left to the worker that owns it", rec->spec.job_id);
	} else {
		log_warn("job %s failed: %s", rec->spec.job_id, run->error);
		text = job_run_state_text(run, JOB_FAILED, NULL);
	}
	publish_text(w, rec->spec.job_id, text);
	unlink_rec(w, rec);
}

/* QUEUED | RUNNING -> CANCELLED (a running job ends through job_finish). */
static void job_cancel(struct worker *w, struct job_rec *rec)
{
	if (rec->state == JOB_RUNNING) {
		log_info("job %s: cancel requested; it stops at its next frame", rec->spec.job_id);
		atomic_store(&rec->run->stop, RUN_CANCEL);
		return;
	}
	log_info("job %s cancelled before it ran", rec->spec.job_id);
	publish_plain(w, rec, JOB_CANCELLED, SL_OK, NULL);
	unlink_rec(w, rec);
}

/* Another worker owns rec's job: drop ours without a word. */
static void job_concede(struct worker *w, struct job_rec *rec)
{
	if (rec->state == JOB_RUNNING) {
		atomic_store(&rec->run->stop, RUN_ABANDON);
		return;
	}
	log_info("job %s belongs to another worker; dropped here", rec->spec.job_id);
	unlink_rec(w, rec);
}

/* --- messages -------------------------------------------------------------- */

static void accept_payload(struct worker *w, const char *payload, size_t len)
{
	char why[ERRMSG_MAX] = "";
	struct encode_job spec;
	json_t *obj = jsonx_parse_object("payload", payload, len, PAYLOAD_MAX, why);
	const json_t *known;
	int rc;

	if (obj == NULL) {
		memset(&spec, 0, sizeof(spec));
		job_make_id(spec.job_id);
		job_reject(w, &spec, NULL, SL_ERR_PARSE, why);
		return;
	}
	if ((rc = job_parse(obj, w->cfg->encoder, &spec, why)) != SL_OK) {
		if (spec.id_generated ||
		    (!find_local(w, spec.job_id) && !registry_state(&w->reg, spec.job_id)))
			job_reject(w, &spec, obj, rc, why);
		json_decref(obj);
		return;
	}
	known = registry_state(&w->reg, spec.job_id);
	if (find_local(w, spec.job_id) || known) {
		log_info("job %s is already known (%s); the same job_id is one job", spec.job_id,
			 known ? json_string_value(json_object_get(known, "state")) : "here");
		json_decref(obj);
		return;
	}
	job_accept(w, &spec, obj, 0, time_now_ms());
}

static void on_job_message(struct worker *w, const struct mqtt_message *m)
{
	if (m->retained) {
		log_warn("ignoring a retained job on %s (commands are never retained)", m->topic);
		return;
	}
	if (w->stopping)
		log_warn("a job arrived while stopping; it is queued for another worker");
	if (!w->synced) {
		if (json_array_size(w->pending) < PENDING_MAX)
			json_array_append_new(w->pending,
					      json_stringn((const char *)m->payload, m->len));
		return;
	}
	accept_payload(w, (const char *)m->payload, m->len);
}

static void on_state_message(struct worker *w, const char *job_id, const struct mqtt_message *m)
{
	const json_t *st = registry_note_state(&w->reg, job_id, (const char *)m->payload, m->len);
	const char *owner = json_string_value(json_object_get(st, "worker"));
	struct job_rec *rec = find_local(w, job_id);
	enum job_state state;

	if (st == NULL || owner == NULL || strcmp(owner, w->id) == 0)
		return;
	/* another worker's state for a job we published: our session must not
	 * re-publish our stale one on reconnect */
	if (json_object_get(w->reg.published, job_id) &&
	    registry_note_published(&w->reg, job_id, (const char *)m->payload))
		mqtt_set_state(w->mqtt, m->topic, m->payload, m->len);
	if (rec == NULL || job_state_parse(json_string_value(json_object_get(st, "state")), &state))
		return;
	/* two workers hold the same job: the lower id keeps it */
	if (!job_state_active(state) || strcmp(owner, w->id) < 0) {
		job_concede(w, rec);
	} else if (rec->run) {
		publish_text(w, job_id, job_run_state_text(rec->run, JOB_RUNNING, NULL));
	} else {
		publish_plain(w, rec, JOB_QUEUED, SL_OK, NULL);
	}
}

static void on_cancel_message(struct worker *w, const char *job_id)
{
	struct job_rec *rec = find_local(w, job_id);
	const json_t *st = registry_state(&w->reg, job_id);
	char why[ERRMSG_MAX];
	int attempts;
	json_t *copy;

	if (rec) {
		job_cancel(w, rec);
		return;
	}
	/* an orphan (its worker is gone): the worker that would take it over
	 * answers instead */
	if (st == NULL || registry_decide(&w->reg, w->id, st, time_real_ms() + CLAIM_GRACE_MS,
					  w->synced_ms, &attempts, why) == CLAIM_NONE)
		return;
	copy = json_deep_copy(st);
	json_object_set_new(copy, "state", json_string("cancelled"));
	json_object_set_new(copy, "worker", json_string(w->id));
	log_info("job %s cancelled (its worker is offline)", job_id);
	publish_text(w, job_id, jx_dump(copy));
	json_decref(copy);
}

/* Every retained job state is in (lib/mqtt.h): jobs can be decided. */
static void on_synced(struct mqtt_session *s, void *arg)
{
	struct worker *w = arg;
	size_t i;
	json_t *p;

	(void)s;
	w->synced = true;
	w->synced_ms = time_real_ms(); /* worker liveness runs on the real clock */
	log_info("worker %s ready: %zu job states known", w->id, json_object_size(w->reg.jobs));
	json_array_foreach(w->pending, i, p)
	    accept_payload(w, json_string_value(p), json_string_length(p));
	json_array_clear(w->pending);
}

static void on_message(struct mqtt_session *s, const struct mqtt_message *m, void *arg)
{
	struct worker *w = arg;
	char first[ID_MAX + 2];
	const char *rest;

	(void)s;
	if (ha_announce_message(&w->announce, m))
		return;
	if (strcmp(m->topic, w->t_jobs) == 0) {
		on_job_message(w, m);
	} else if (strncmp(m->topic, w->p_jobs, strlen(w->p_jobs)) == 0) {
		const char *id = m->topic + strlen(w->p_jobs), *slash = strchr(id, '/');
		char job_id[ID_MAX + 1];

		if (slash == NULL && id_is_valid(id))
			on_state_message(w, id, m);
		else if (slash && strcmp(slash, "/cancel") == 0 && slash - id <= ID_MAX) {
			snprintf(job_id, sizeof(job_id), "%.*s", (int)(slash - id), id);
			if (id_is_valid(job_id) && !m->retained)
				on_cancel_message(w, job_id);
		}
	} else if ((rest = topic_split(m->topic, w->p_encoder, first, sizeof(first))) &&
		   strcmp(rest, "availability") == 0 && strcmp(first, "jobs") != 0) {
		registry_note_worker(
		    &w->reg, first, m->len == 6 && !memcmp(m->payload, "online", 6), time_real_ms());
	}
}

static void on_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct worker *w = arg;

	(void)s;
	if (!connected)
		w->synced = false;
}

/* --- timers and the notify pipe ------------------------------------------ */

/* Jobs whose worker went away: take them over or fail them. */
static void claim_orphans(struct worker *w, int64_t now)
{
	const char *job_id;
	json_t *st, *tmp;

	json_object_foreach_safe(w->reg.jobs, tmp, job_id, st)
	{
		char why[ERRMSG_MAX] = "";
		struct encode_job spec;
		const char *created_at = json_string_value(json_object_get(st, "created_at"));
		int attempts = 0, rc;
		int64_t created = 0;
		json_t *req;

		if (find_local(w, job_id))
			continue;
		switch (registry_decide(&w->reg, w->id, st, now, w->synced_ms, &attempts, why)) {
		case CLAIM_NONE: break;
		case CLAIM_FAIL: {
			json_t *copy = json_deep_copy(st);

			json_object_set_new(copy, "state", json_string("failed"));
			json_object_set_new(copy, "error", json_string(why));
			/* no code names a job its workers kept dropping */
			json_object_set_new(copy, "error_kind", json_string("internal"));
			json_object_set_new(copy, "worker", json_string(w->id));
			json_object_set_new(copy, "attempts", json_integer(attempts));
			log_warn("job %s failed: %s", job_id, why);
			publish_text(w, job_id, jx_dump(copy));
			json_decref(copy);
			break;
		}
		case CLAIM_TAKE:
			req = json_deep_copy(json_object_get(st, "request"));
			if (created_at == NULL || time_parse_iso(created_at, &created))
				created = time_now_ms();
			rc = job_parse(req, w->cfg->encoder, &spec, why);
			if (rc == SL_OK && strcmp(spec.job_id, job_id) == 0) {
				log_info("job %s: worker '%s' is gone; taking it over", job_id,
					 json_string_value(json_object_get(st, "worker")));
				job_accept(w, &spec, req, attempts, created);
			} else {
				snprintf(spec.job_id, sizeof(spec.job_id), "%s", job_id);
				job_reject(w, &spec, req, rc ? rc : SL_ERR_INVAL,
					   why[0] ? why : "job_id does not match");
				json_decref(req);
			}
			break;
		}
	}
}

static int64_t on_tick(struct loop *l, long id, void *arg)
{
	struct worker *w = arg;
	int64_t now = time_real_ms();

	(void)l;
	(void)id;
	for (struct job_rec *r = w->jobs; r; r = r->next)
		if (r->state == JOB_RUNNING && !job_run_finished(r->run))
			publish_text(w, r->spec.job_id,
				     job_run_state_text(r->run, JOB_RUNNING, NULL));
	if (w->synced && !w->stopping)
		claim_orphans(w, now);
	publish_status(w, false);
	if (w->stopping && loop_now_ms() > w->stop_deadline) {
		log_warn("jobs did not stop within %d ms; leaving them", WORKER_STOP_TIMEOUT_MS);
		loop_stop(w->loop);
	}
	return TICK_MS;
}

static void on_notify(struct loop *l, int fd, short revents, void *arg)
{
	struct worker *w = arg;
	struct job_rec *r, *next;
	char buf[64];

	(void)l;
	(void)revents;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (r = w->jobs; r; r = next) {
		next = r->next;
		if (r->state == JOB_RUNNING && job_run_finished(r->run))
			job_finish(w, r);
	}
	if (w->stopping && running_count(w) == 0) {
		log_info("no job running; stopping");
		loop_stop(w->loop);
		return;
	}
	schedule_jobs(w);
}

/* --- life cycle ------------------------------------------------------------- */

static int setup_topics(struct worker *w)
{
	const char *r = w->root;

	if (topic_fmt(w->t_jobs, r, "encoder/jobs") ||
	    topic_fmt(w->t_states, r, "encoder/jobs/+") ||
	    topic_fmt(w->t_cancels, r, "encoder/jobs/+/cancel") ||
	    topic_fmt(w->t_avails, r, "encoder/+/availability") ||
	    topic_fmt(w->t_thumb, r, "encoder/thumbnail") ||
	    topic_fmt(w->t_keogram, r, "encoder/keogram") ||
	    topic_fmt(w->t_startrails, r, "encoder/startrails") ||
	    topic_fmt(w->t_status, r, "encoder/%s/status", w->id) ||
	    ha_encoder_config_topic(w->t_ha_config, w->cfg, w->id) ||
	    topic_fmt(w->p_jobs, r, "encoder/jobs/") ||
	    snprintf(w->t_share, sizeof(w->t_share), "$share/encoders/%s", w->t_jobs) >=
		(int)sizeof(w->t_share) ||
	    snprintf(w->p_encoder, sizeof(w->p_encoder), "%s/encoder", r) >=
		(int)sizeof(w->p_encoder))
		return SL_ERR_RANGE;
	return SL_OK;
}

int worker_new(struct loop *loop, struct mqtt_session *mqtt, const struct config *cfg,
	       const struct worker_opts *o, struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));
	int rc = SL_ERR_NOMEM;

	*out = NULL;
	if (w == NULL)
		return SL_ERR_NOMEM;
	w->notify[0] = w->notify[1] = -1;
	w->loop = loop;
	w->mqtt = mqtt;
	w->cfg = cfg;
	w->concurrency = o->concurrency > 0 ? o->concurrency : 1;
	w->threads = o->threads;
	snprintf(w->id, sizeof(w->id), "%s", o->id);
	snprintf(w->root, sizeof(w->root), "%s", cfg->topic_root[0] ? cfg->topic_root : "skylapse");
	w->images_root = strdup(o->images_root);
	w->timelapses_root = strdup(o->timelapses_root);
	w->pending = json_array();
	if (w->images_root == NULL || w->timelapses_root == NULL || w->pending == NULL ||
	    registry_init(&w->reg))
		goto fail;
	if ((rc = setup_topics(w)))
		goto fail;
	if (pipe2(w->notify, O_NONBLOCK | O_CLOEXEC) < 0) {
		rc = SL_ERR_IO;
		goto fail;
	}
	if ((rc = loop_add_fd(loop, w->notify[0], POLLIN, on_notify, w)))
		goto fail;
	w->tick_timer = loop_add_timer(loop, TICK_MS, on_tick, w);
	mqtt_session_on_message(mqtt, on_message, w);
	mqtt_session_on_connection(mqtt, on_connection, w);
	mqtt_session_on_synced(mqtt, on_synced, w);
	if ((rc = mqtt_subscribe(mqtt, w->t_states, 1)) ||
	    (rc = mqtt_subscribe(mqtt, w->t_avails, 1)) ||
	    (rc = mqtt_subscribe(mqtt, w->t_cancels, 1)) ||
	    (rc = mqtt_subscribe(mqtt, w->t_share, 1)) ||
	    (rc = ha_announce_start(&w->announce, cfg, loop, mqtt, publish_device, w)))
		goto fail;
	publish_device(w);
	*out = w;
	return SL_OK;
fail:
	worker_free(&w);
	return rc;
}

void worker_set_config(struct worker *w, const struct config *cfg)
{
	w->cfg = cfg;
}

void worker_stop(struct worker *w)
{
	if (w->stopping) {
		loop_stop(w->loop);
		return;
	}
	w->stopping = true;
	w->stop_deadline = loop_now_ms() + WORKER_STOP_TIMEOUT_MS;
	/* no more jobs routed to this worker's session while it is away */
	mqtt_unsubscribe(w->mqtt, w->t_share);
	for (struct job_rec *r = w->jobs; r; r = r->next)
		if (r->state == JOB_RUNNING)
			atomic_store(&r->run->stop, RUN_STOP);
	if (running_count(w) == 0)
		loop_stop(w->loop);
	else
		log_info("stopping: waiting for %d running job(s) to stop", running_count(w));
}

void worker_free(struct worker **wp)
{
	struct worker *w;

	if (wp == NULL || *wp == NULL)
		return;
	w = *wp;
	for (struct job_rec *r = w->jobs; r; r = r->next)
		if (r->run)
			atomic_store(&r->run->stop, RUN_STOP);
	while (w->jobs)
		unlink_rec(w, w->jobs); /* joins running threads */
	if (w->tick_timer > 0)
		loop_del_timer(w->loop, w->tick_timer);
	if (w->announce.timer > 0)
		loop_del_timer(w->loop, w->announce.timer);
	if (w->notify[0] >= 0) {
		loop_del_fd(w->loop, w->notify[0]);
		close(w->notify[0]);
		close(w->notify[1]);
	}
	registry_free(&w->reg);
	json_decref(w->pending);
	free(w->images_root);
	free(w->timelapses_root);
	free(w);
	*wp = NULL;
}
