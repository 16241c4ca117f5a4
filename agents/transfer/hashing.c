/* hashing.c - hashing jobs on worker threads; see hashing.h. */
#include "hashing.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define THREADS_MAX 4
#define NICE	    19 /* the hashing takes the CPU time nothing else wants */

struct hash_job {
	const char *root; /* constant while the workers run */
	unsigned gen;
	struct hash_result r;
	char rel[]; /* the frame's path */
};

/* On a worker thread: only the job and the files. */
static void run(void *arg)
{
	struct hash_job *j = arg;
	struct hash_result *r = &j->r;

	if (r->kind == HASH_CONFIRM)
		r->ok = cleanup_check_copy(j->root, j->rel, &r->info, &r->res, r->why);
	else
		r->res = verify_frame(j->root, j->rel, &r->info, r->why);
}

static void finished(void *arg, bool ran, void *harg)
{
	struct hash_job *j = arg;
	struct hashing *h = harg;
	struct frame_rec *rec;

	if (j->gen != h->gen) {
		free(j); /* dropped */
		return;
	}
	h->inflight--;
	rec = catalog_find(h->cat, j->rel);
	if (rec) {
		rec->flags &= ~(unsigned)CAT_HASHING;
		if (ran) {
			j->r.rel = j->rel;
			h->done(rec, &j->r, h->arg);
		}
	}
	free(j);
	if (h->inflight == 0)
		h->drained(h->arg);
}

int hashing_init(struct hashing *h, struct loop *loop, struct catalog *cat, const char *root,
		 hashing_done_fn *done, hashing_drained_fn *drained, void *arg)
{
	int threads = workq_cpus() < THREADS_MAX ? workq_cpus() : THREADS_MAX;

	*h = (struct hashing){.cat = cat, .root = root, .done = done, .drained = drained,
			      .arg = arg};
	return workq_new(loop, threads, NICE, run, finished, h, &h->q);
}

void hashing_submit(struct hashing *h, struct frame_rec *r, enum hash_kind kind, bool final)
{
	struct verify_info info;
	size_t n = strlen(r->path) + 1;
	struct hash_job *j;

	if (r->flags & CAT_HASHING)
		return; /* its result comes (and is hashed again if it must be final) */
	if (kind == HASH_VERIFY && (r->flags & (CAT_VERIFIED | CAT_BAD))) {
		if (verify_stat(h->root, r->path, &info) == SL_OK && info.size == r->size &&
		    info.mtime_ns == r->mtime_ns)
			return; /* the copy we judged, untouched */
		r->flags &= ~(unsigned)(CAT_VERIFIED | CAT_BAD);
	}
	j = malloc(sizeof(*j) + n);
	if (j == NULL)
		return;
	*j = (struct hash_job){.root = h->root, .gen = h->gen, .r = {.kind = kind, .final = final}};
	memcpy(j->rel, r->path, n);
	if (workq_submit(h->q, j) != SL_OK) {
		free(j);
		return;
	}
	r->flags |= CAT_HASHING;
	h->inflight++;
}

static bool clear_mark(struct frame_rec *r, void *arg)
{
	(void)arg;
	r->flags &= ~(unsigned)CAT_HASHING;
	return false;
}

void hashing_drop(struct hashing *h)
{
	workq_cancel(h->q);
	h->gen++;
	if (h->inflight > 0)
		catalog_sweep(h->cat, clear_mark, NULL);
	h->inflight = 0;
}

void hashing_free(struct hashing *h)
{
	h->gen++; /* what the workers still hold is dropped */
	workq_free(&h->q);
	h->inflight = 0;
}
