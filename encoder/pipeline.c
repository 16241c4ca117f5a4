/* pipeline.c - ordered parallel map with a bounded window; see pipeline.h.
 *
 * Items are claimed in order from `next`; item i may only be claimed once
 * i < consumed + depth, which is what bounds memory. Results land in a ring
 * of `depth` slots at i % depth; the consumer waits for the slot of the
 * item it needs next. One mutex, two condition variables.
 */
#include "pipeline.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"

#define THREADS_MAX 16

struct slot {
	void *result;
	bool ready;
};

struct pipe {
	pthread_mutex_t lock;
	pthread_cond_t can_work, can_consume;
	size_t count, next, consumed;
	size_t depth;
	struct slot *slots;
	bool stop;
	int error;
	const struct pipeline_ops *ops;
	void *arg;
};

static void halt(struct pipe *p, int error)
{
	if (p->error == 0)
		p->error = error;
	p->stop = true;
	pthread_cond_broadcast(&p->can_work);
	pthread_cond_broadcast(&p->can_consume);
}

static void *worker_main(void *argp)
{
	struct pipe *p = argp;
	void *tctx = p->ops->thread_init ? p->ops->thread_init(p->arg) : NULL;

	pthread_mutex_lock(&p->lock);
	if (p->ops->thread_init && tctx == NULL)
		halt(p, SL_ERR_NOMEM);
	for (;;) {
		size_t i;
		void *r;

		while (!p->stop && p->next < p->count && p->next >= p->consumed + p->depth)
			pthread_cond_wait(&p->can_work, &p->lock);
		if (p->stop || p->next >= p->count)
			break;
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		r = p->ops->work(p->arg, tctx, i);
		pthread_mutex_lock(&p->lock);
		if (r == NULL) {
			halt(p, SL_ERR_NOMEM);
			break;
		}
		p->slots[i % p->depth].result = r;
		p->slots[i % p->depth].ready = true;
		if (i == p->consumed)
			pthread_cond_signal(&p->can_consume);
	}
	pthread_mutex_unlock(&p->lock);
	if (p->ops->thread_fini && tctx)
		p->ops->thread_fini(tctx);
	return NULL;
}

int pipeline_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (int)n;
}

int pipeline_run(size_t count, int threads, int depth, const struct pipeline_ops *ops, void *arg)
{
	struct pipe p = {.count = count, .ops = ops, .arg = arg};
	pthread_t tids[THREADS_MAX];
	int started = 0, rc;

	if (count == 0)
		return SL_OK;
	if (threads <= 0)
		threads = pipeline_default_threads();
	if (threads > THREADS_MAX)
		threads = THREADS_MAX;
	if ((size_t)threads > count)
		threads = (int)count;
	p.depth = (size_t)(depth > threads ? depth : threads + PIPELINE_EXTRA);
	p.slots = calloc(p.depth, sizeof(*p.slots));
	if (p.slots == NULL)
		return SL_ERR_NOMEM;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.can_work, NULL);
	pthread_cond_init(&p.can_consume, NULL);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tids[started], NULL, worker_main, &p) == 0)
			started++;
	pthread_mutex_lock(&p.lock);
	if (started == 0)
		halt(&p, SL_ERR_NOMEM);
	while (!p.stop && p.consumed < p.count) {
		struct slot *s = &p.slots[p.consumed % p.depth];
		size_t index;
		void *r;

		while (!p.stop && !s->ready)
			pthread_cond_wait(&p.can_consume, &p.lock);
		if (p.stop)
			break;
		r = s->result;
		s->result = NULL;
		s->ready = false;
		index = p.consumed++;
		pthread_cond_broadcast(&p.can_work);
		pthread_mutex_unlock(&p.lock);
		rc = ops->consume(arg, index, r);
		pthread_mutex_lock(&p.lock);
		if (rc)
			halt(&p, rc);
	}
	halt(&p, 0);
	pthread_mutex_unlock(&p.lock);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (size_t i = 0; i < p.depth; i++)
		if (p.slots[i].ready && ops->discard)
			ops->discard(arg, p.slots[i].result);
	rc = p.error;
	free(p.slots);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.can_work);
	pthread_cond_destroy(&p.can_consume);
	return rc;
}
