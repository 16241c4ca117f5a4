/* writer.c - the frame-writer thread; see writer.h.
 *
 * Two lists under one mutex: `todo` (shot, to be written) and `done`
 * (written, to be handed back). The thread takes from todo, stores, appends
 * to done and wakes the loop through an eventfd; the loop drains done.
 */
#include "writer.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "err.h"

struct writer {
	struct loop *loop;
	writer_done_fn *done_fn;
	void *arg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct capture_job *todo, *done;
	int pending; /* pushed and not yet handed back */
	bool stopping;
	int efd;
};

static void append(struct capture_job **list, struct capture_job *job)
{
	job->next = NULL;
	while (*list)
		list = &(*list)->next;
	*list = job;
}

static void *run(void *arg)
{
	struct writer *w = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct capture_job *job;

		while (w->todo == NULL && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->todo == NULL)
			break;
		job = w->todo;
		w->todo = job->next;
		pthread_mutex_unlock(&w->lock);
		if (job->rc == SL_OK)
			capture_store(job);
		pthread_mutex_lock(&w->lock);
		append(&w->done, job);
		pthread_cond_broadcast(&w->cond);
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* counter saturated: the loop is awake already */
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void hand_back(struct writer *w)
{
	for (;;) {
		struct capture_job *job;

		pthread_mutex_lock(&w->lock);
		job = w->done;
		if (job) {
			w->done = job->next;
			w->pending--;
			pthread_cond_broadcast(&w->cond);
		}
		pthread_mutex_unlock(&w->lock);
		if (job == NULL)
			return;
		w->done_fn(job, w->arg);
	}
}

static void on_wake(struct loop *l, int fd, short revents, void *arg)
{
	uint64_t n;

	(void)l;
	(void)revents;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	hand_back(arg);
}

int writer_start(struct loop *loop, writer_done_fn *done, void *arg, struct writer **out)
{
	struct writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (w == NULL)
		return SL_ERR_NOMEM;
	w->loop = loop;
	w->done_fn = done;
	w->arg = arg;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0 || loop_add_fd(loop, w->efd, POLLIN, on_wake, w) != SL_OK ||
	    pthread_create(&w->thread, NULL, run, w) != 0) {
		if (w->efd >= 0)
			close(w->efd);
		free(w);
		return SL_ERR_IO;
	}
	*out = w;
	return SL_OK;
}

/* With the lock held: until fewer than `limit` jobs are pending, hands
 * back what is finished or waits for the thread. */
static void wait_below(struct writer *w, int limit)
{
	while (w->pending >= limit) {
		if (w->done) {
			pthread_mutex_unlock(&w->lock);
			hand_back(w);
			pthread_mutex_lock(&w->lock);
			continue;
		}
		pthread_cond_wait(&w->cond, &w->lock);
	}
}

void writer_push(struct writer *w, struct capture_job *job)
{
	pthread_mutex_lock(&w->lock);
	wait_below(w, WRITER_DEPTH);
	append(&w->todo, job);
	w->pending++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void writer_stop(struct writer **wp)
{
	struct writer *w;

	if (wp == NULL || *wp == NULL)
		return;
	w = *wp;
	pthread_mutex_lock(&w->lock);
	wait_below(w, 1);
	w->stopping = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	loop_del_fd(w->loop, w->efd);
	close(w->efd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
	*wp = NULL;
}
