/* test_workq.c - lib/workq: every job runs once off the loop thread and is
 * handed back once on it; cancel and free lose nothing; workers run at the
 * lower priority asked for. */
#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include "err.h"
#include "loop.h"
#include "testutil.h"
#include "workq.h"

#define JOBS 500

struct job {
	int n;
	int runs;
	pthread_t ran_on;
	int nice; /* the worker's, seen from inside the job */
	pthread_mutex_t *gate; /* held by the test to keep workers busy */
};

struct probe {
	struct loop *loop;
	struct workq *q;
	pthread_t loop_thread;
	int done, ran, not_ran;
	int seen[JOBS];
	size_t pending_seen; /* workq_pending() inside the last done_fn */
	bool stop_when_all;
	int expect;
};

static void run_job(void *arg)
{
	struct job *j = arg;

	if (j->gate) {
		pthread_mutex_lock(j->gate);
		pthread_mutex_unlock(j->gate);
	}
	j->runs++;
	j->ran_on = pthread_self();
	errno = 0;
	j->nice = getpriority(PRIO_PROCESS, 0);
}

static void done_job(void *arg, bool ran, void *parg)
{
	struct job *j = arg;
	struct probe *p = parg;

	assert_true(pthread_equal(pthread_self(), p->loop_thread));
	assert_true(j->n >= 0 && j->n < JOBS);
	p->seen[j->n]++;
	p->done++;
	if (ran) {
		p->ran++;
		assert_int_equal(j->runs, 1);
		assert_false(pthread_equal(j->ran_on, p->loop_thread));
	} else {
		p->not_ran++;
		assert_int_equal(j->runs, 0);
	}
	p->pending_seen = workq_pending(p->q);
	if (p->stop_when_all && p->done == p->expect)
		loop_stop(p->loop);
}

static void setup_probe(struct probe *p, int threads, int nice_inc)
{
	*p = (struct probe){.loop_thread = pthread_self()};
	assert_int_equal(loop_new(&p->loop), SL_OK);
	assert_int_equal(workq_new(p->loop, threads, nice_inc, run_job, done_job, p, &p->q), SL_OK);
}

static void test_every_job_once(void **state)
{
	static struct job jobs[JOBS];
	struct probe p;
	int before;

	(void)state;
	errno = 0;
	before = getpriority(PRIO_PROCESS, 0);
	setup_probe(&p, 3, 5);
	for (int i = 0; i < JOBS; i++) {
		jobs[i] = (struct job){.n = i};
		assert_int_equal(workq_submit(p.q, &jobs[i]), SL_OK);
	}
	assert_int_equal(workq_pending(p.q), JOBS);
	p.stop_when_all = true;
	p.expect = JOBS;
	loop_add_timer(p.loop, 10000, give_up, NULL);
	assert_int_equal(loop_run(p.loop), 0);
	assert_int_equal(p.done, JOBS);
	assert_int_equal(p.ran, JOBS);
	assert_int_equal(p.pending_seen, 0);
	assert_int_equal(workq_pending(p.q), 0);
	for (int i = 0; i < JOBS; i++) {
		assert_int_equal(p.seen[i], 1);
		assert_int_equal(jobs[i].nice, before + 5 > 19 ? 19 : before + 5);
	}
	/* the loop thread itself keeps its priority */
	assert_int_equal(getpriority(PRIO_PROCESS, 0), before);
	workq_free(&p.q);
	assert_null(p.q);
	loop_free(&p.loop);
}

static void test_cancel_and_free_lose_nothing(void **state)
{
	static struct job jobs[JOBS];
	pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
	struct probe p;

	(void)state;
	setup_probe(&p, 1, 0);
	pthread_mutex_lock(&gate); /* the worker blocks inside the first job */
	for (int i = 0; i < 10; i++) {
		jobs[i] = (struct job){.n = i, .gate = &gate};
		assert_int_equal(workq_submit(p.q, &jobs[i]), SL_OK);
	}
	workq_cancel(p.q);
	pthread_mutex_unlock(&gate);
	/* at most one job was running when cancelled: it finishes, the rest do not run */
	p.stop_when_all = true;
	p.expect = 10;
	loop_add_timer(p.loop, 10000, give_up, NULL);
	assert_int_equal(loop_run(p.loop), 0);
	assert_int_equal(p.done, 10);
	assert_true(p.not_ran >= 9);
	assert_int_equal(workq_pending(p.q), 0);

	/* freed with jobs queued: each still reaches done_fn, before free returns */
	pthread_mutex_lock(&gate);
	for (int i = 10; i < 20; i++) {
		jobs[i] = (struct job){.n = i, .gate = &gate};
		assert_int_equal(workq_submit(p.q, &jobs[i]), SL_OK);
	}
	pthread_mutex_unlock(&gate);
	workq_free(&p.q);
	assert_int_equal(p.done, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(p.seen[i], 1);
	loop_free(&p.loop);
}

static void test_bad_arguments(void **state)
{
	struct probe p = {0};
	struct workq *q = (struct workq *)&p;

	(void)state;
	assert_int_equal(loop_new(&p.loop), SL_OK);
	assert_int_equal(workq_new(p.loop, 0, 0, run_job, done_job, &p, &q), SL_ERR_INVAL);
	assert_null(q);
	assert_int_equal(workq_new(p.loop, 1, 20, run_job, done_job, &p, &q), SL_ERR_INVAL);
	assert_int_equal(workq_new(p.loop, 17, 0, run_job, done_job, &p, &q), SL_ERR_INVAL);
	assert_int_equal(workq_new(p.loop, 1, 0, NULL, done_job, &p, &q), SL_ERR_INVAL);
	assert_int_equal(workq_submit(NULL, &p), SL_ERR_INVAL);
	workq_free(NULL);
	assert_true(workq_cpus() >= 1);
	loop_free(&p.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_job_once),
	    cmocka_unit_test(test_cancel_and_free_lose_nothing),
	    cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
