/* hashing.c - hashing jobs on worker threads; see hashing.h.
 *
 * A job holds one frame, or two verifications whose copies are hashed
 * together. A verification waits on the loop (h->waiting) for a second one
 * to share its job, for at most PAIR_WAIT_MS or until hashing_flush().
 */
#include "hashing.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define THREADS_MAX  4
#define NICE	     19 /* the hashing takes the CPU time nothing else wants */
#define PAIR_WAIT_MS 20 /* during a sync rsync lists the next frame sooner */

struct hash_job {
	const char *root; /* constant while the workers run */
	unsigned gen;
	int n; /* frames: 1, or 2 (two verifications) */
	struct hash_result r[2];
	char *rel[2];
};

static void job_free(struct hash_job *j)
{
	free(j->rel[0]);
	free(j->rel[1]);
	free(j);
}

/* On a worker thread: only the job and the files. */
static void run(void *arg)
{
	struct hash_job *j = arg;
	struct hash_result *r = j->r;

	if (j->n == 2) {
		struct verify_info info[2];
		enum verify_result res[2];
		char why[2][ERRMSG_MAX];

		verify_frame_pair(j->root, (const char *const *)j->rel, info, res, why);
		for (int i = 0; i < 2; i++) {
			r[i].info = info[i];
			r[i].res = res[i];
			memcpy(r[i].why, why[i], ERRMSG_MAX);
		}
	} else if (r->kind == HASH_CONFIRM) {
		r->ok = cleanup_check_copy(j->root, j->rel[0], &r->info, &r->res, r->why);
	} else {
		r->res = verify_frame(j->root, j->rel[0], &r->info, r->why);
	}
}

static void finished(void *arg, bool ran, void *harg)
{
	struct hash_job *j = arg;
	struct hashing *h = harg;

	if (j->gen != h->gen) {
		job_free(j); /* dropped */
		return;
	}
	/* a result handled may start a new generation: the rest is dropped */
	for (int i = 0; i < j->n && j->gen == h->gen; i++) {
		struct frame_rec *rec = catalog_find(h->cat, j->rel[i]);

		h->inflight--;
		if (rec) {
			rec->flags &= ~(unsigned)CAT_HASHING;
			if (ran) {
				j->r[i].rel = j->rel[i];
				h->done(rec, &j->r[i], h->arg);
			}
		}
	}
	job_free(j);
	if (h->inflight == 0)
		h->drained(h->arg);
}

/* Hands a job to the workers; a job they cannot take is given back as
 * not run (its frames lose their mark and are hashed on a later pass). */
static void submit(struct hashing *h, struct hash_job *j)
{
	if (workq_submit(h->q, j) != SL_OK)
		finished(j, false, h);
}

static void stop_waiting(struct hashing *h)
{
	if (h->pair_timer > 0)
		loop_del_timer(h->loop, h->pair_timer);
	h->pair_timer = 0;
}

void hashing_flush(struct hashing *h)
{
	struct hash_job *j = h->waiting;

	stop_waiting(h);
	h->waiting = NULL;
	if (j)
		submit(h, j);
}

static int64_t pair_timeout(struct loop *l, long id, void *arg)
{
	struct hashing *h = arg;

	(void)l;
	(void)id;
	h->pair_timer = 0;
	hashing_flush(h);
	return -1;
}

int hashing_init(struct hashing *h, struct loop *loop, struct catalog *cat, const char *root,
		 hashing_done_fn *done, hashing_drained_fn *drained, void *arg)
{
	int threads = workq_cpus() < THREADS_MAX ? workq_cpus() : THREADS_MAX;

	*h = (struct hashing){
	    .loop = loop, .cat = cat, .root = root, .done = done, .drained = drained, .arg = arg};
	return workq_new(loop, threads, NICE, run, finished, h, &h->q);
}

void hashing_submit(struct hashing *h, struct frame_rec *r, enum hash_kind kind, bool final)
{
	struct verify_info info;
	struct hash_job *j = h->waiting;
	char *rel;

	if (r->flags & CAT_HASHING)
		return; /* its result comes (and is hashed again if it must be final) */
	if (kind == HASH_VERIFY && (r->flags & (CAT_VERIFIED | CAT_BAD))) {
		if (verify_stat(h->root, r->path, &info) == SL_OK && info.size == r->size &&
		    info.mtime_ns == r->mtime_ns)
			return; /* the copy we judged, untouched */
		r->flags &= ~(unsigned)(CAT_VERIFIED | CAT_BAD);
	}
	rel = strdup(r->path);
	if (rel == NULL)
		return;
	r->flags |= CAT_HASHING;
	h->inflight++;
	if (kind == HASH_VERIFY && j != NULL) { /* the pair is complete */
		j->rel[1] = rel;
		j->r[1] = (struct hash_result){.kind = kind, .final = final};
		j->n = 2;
		stop_waiting(h);
		h->waiting = NULL;
		submit(h, j);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		free(rel);
		r->flags &= ~(unsigned)CAT_HASHING;
		h->inflight--;
		return;
	}
	*j = (struct hash_job){.root = h->root,
			       .gen = h->gen,
			       .n = 1,
			       .rel = {rel},
			       .r = {{.kind = kind, .final = final}}};
	if (kind != HASH_VERIFY) {
		submit(h, j);
		return;
	}
	h->waiting = j;
	h->pair_timer = loop_add_timer(h->loop, PAIR_WAIT_MS, pair_timeout, h);
	if (h->pair_timer < 0) /* no timer: no waiting either */
		hashing_flush(h);
}

static bool clear_mark(struct frame_rec *r, void *arg)
{
	(void)arg;
	r->flags &= ~(unsigned)CAT_HASHING;
	return false;
}

/* The verification waiting for its pair goes with the generation. */
static void drop_waiting(struct hashing *h)
{
	stop_waiting(h);
	if (h->waiting)
		job_free(h->waiting);
	h->waiting = NULL;
}

void hashing_drop(struct hashing *h)
{
	drop_waiting(h);
	workq_cancel(h->q);
	h->gen++;
	if (h->inflight > 0)
		catalog_sweep(h->cat, clear_mark, NULL);
	h->inflight = 0;
}

void hashing_free(struct hashing *h)
{
	drop_waiting(h);
	h->gen++; /* what the workers still hold is dropped */
	workq_free(&h->q);
	h->inflight = 0;
}
