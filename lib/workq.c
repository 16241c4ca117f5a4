/* workq.c - background workers with results on the loop; see workq.h.
 *
 * One mutex guards two lists of nodes: `todo` (submitted, not taken) and
 * `done` (ran or cancelled, not handed back). Workers take from todo, run
 * the job unlocked and append to done, waking the loop through an eventfd
 * when done was empty; the loop's callback reads the eventfd, then takes
 * the whole done list (so a job appended after the read is either taken
 * now or finds the list empty and wakes the loop again), and calls done_fn.
 */
#include "workq.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"

#define THREADS_MAX 16

struct node {
	void *job;
	bool ran;
	struct node *next;
};

/* A FIFO of nodes. */
struct list {
	struct node *head, **tail;
};

struct workq {
	struct loop *loop;
	workq_run_fn *run;
	workq_done_fn *done_fn;
	void *arg;
	int nice_inc;
	pthread_t threads[THREADS_MAX];
	int nthreads;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct list todo, done;
	size_t pending; /* submitted, not yet given to done_fn (loop thread only) */
	bool stopping;
	int efd;
};

static void list_init(struct list *l)
{
	l->head = NULL;
	l->tail = &l->head;
}

static void list_push(struct list *l, struct node *n)
{
	n->next = NULL;
	*l->tail = n;
	l->tail = &n->next;
}

static struct node *list_pop(struct list *l)
{
	struct node *n = l->head;

	if (n) {
		l->head = n->next;
		if (l->head == NULL)
			l->tail = &l->head;
	}
	return n;
}

/* Moves all of `from` to the end of `to`. */
static void list_splice(struct list *to, struct list *from)
{
	if (from->head == NULL)
		return;
	*to->tail = from->head;
	to->tail = from->tail;
	list_init(from);
}

static void wake_loop(struct workq *q)
{
	uint64_t one = 1;

	/* a full counter already means "wake up"; nothing else can fail here */
	while (write(q->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void lower_priority(int inc)
{
	int cur;

	if (inc <= 0)
		return;
	errno = 0;
	cur = getpriority(PRIO_PROCESS, 0); /* this thread's, on Linux */
	if (cur == -1 && errno != 0)
		cur = 0;
	/* best effort: a thread may always lower its own priority */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), cur + inc > 19 ? 19 : cur + inc);
}

static void *worker(void *arg)
{
	struct workq *q = arg;

	lower_priority(q->nice_inc);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct node *n;

		while (q->todo.head == NULL && !q->stopping)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->stopping)
			break;
		n = list_pop(&q->todo);
		pthread_mutex_unlock(&q->lock);
		q->run(n->job);
		n->ran = true;
		pthread_mutex_lock(&q->lock);
		if (q->done.head == NULL)
			wake_loop(q); /* else a wake-up is already on its way */
		list_push(&q->done, n);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void deliver(struct workq *q, struct list *l)
{
	struct node *n;

	while ((n = list_pop(l)) != NULL) {
		void *job = n->job;
		bool ran = n->ran;

		free(n);
		q->pending--;
		q->done_fn(job, ran, q->arg);
	}
}

static void on_wake(struct loop *l, int fd, short revents, void *arg)
{
	struct workq *q = arg;
	struct list mine;
	uint64_t count;

	(void)l;
	(void)revents;
	while (read(fd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	list_init(&mine);
	pthread_mutex_lock(&q->lock);
	list_splice(&mine, &q->done);
	pthread_mutex_unlock(&q->lock);
	deliver(q, &mine);
}

int workq_new(struct loop *loop, int threads, int nice_inc, workq_run_fn *run,
	      workq_done_fn *done, void *arg, struct workq **out)
{
	struct workq *q;
	sigset_t all, old;
	int rc;

	*out = NULL;
	if (loop == NULL || run == NULL || done == NULL || threads < 1 || threads > THREADS_MAX ||
	    nice_inc < 0 || nice_inc > 19)
		return SL_ERR_INVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return SL_ERR_NOMEM;
	*q = (struct workq){.loop = loop, .run = run, .done_fn = done, .arg = arg,
			    .nice_inc = nice_inc, .efd = -1};
	list_init(&q->todo);
	list_init(&q->done);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0 || loop_add_fd(loop, q->efd, POLLIN, on_wake, q) != SL_OK) {
		rc = SL_ERR_IO;
		goto fail;
	}
	/* workers take no signals: the loop's signalfd handles them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; q->nthreads < threads; q->nthreads++)
		if (pthread_create(&q->threads[q->nthreads], NULL, worker, q) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (q->nthreads == 0) {
		rc = SL_ERR_NOMEM;
		goto fail;
	}
	*out = q;
	return SL_OK;
fail:
	workq_free(&q);
	return rc;
}

int workq_submit(struct workq *q, void *job)
{
	struct node *n;

	if (q == NULL || job == NULL || q->stopping)
		return SL_ERR_INVAL;
	n = malloc(sizeof(*n));
	if (n == NULL)
		return SL_ERR_NOMEM;
	*n = (struct node){.job = job};
	q->pending++;
	pthread_mutex_lock(&q->lock);
	list_push(&q->todo, n);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return SL_OK;
}

void workq_cancel(struct workq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	if (q->todo.head) {
		list_splice(&q->done, &q->todo);
		wake_loop(q);
	}
	pthread_mutex_unlock(&q->lock);
}

size_t workq_pending(const struct workq *q)
{
	return q ? q->pending : 0;
}

void workq_free(struct workq **qp)
{
	struct workq *q = qp ? *qp : NULL;

	if (q == NULL)
		return;
	*qp = NULL;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	if (q->efd >= 0) {
		loop_del_fd(q->loop, q->efd);
		close(q->efd);
	}
	deliver(q, &q->done);
	deliver(q, &q->todo);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q);
}

int workq_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
}
