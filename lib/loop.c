/* loop.c - poll(2) event loop with timers and signals; see loop.h.
 *
 * Descriptors and timers live in growable arrays. A turn computes the nearest
 * timer deadline, polls until then, dispatches ready descriptors, then fires
 * due timers. Removal during dispatch marks entries dead and compacts after
 * the turn, so callbacks may add and remove freely.
 */
#include "loop.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "err.h"

struct loop_watch {
	int fd;
	short events;
	loop_fd_fn *fn;
	void *arg;
	bool dead;
};

struct loop_timer {
	long id;
	int64_t due_ms;
	loop_timer_fn *fn;
	void *arg;
	bool dead;
};

struct loop {
	struct loop_watch *watches;
	int nwatches, capwatches;
	struct loop_timer *timers;
	int ntimers, captimers;
	long next_timer_id;
	bool stop;
	int sigfd;
	loop_signal_fn *sig_fn;
	void *sig_arg;
};

int64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (l == NULL)
		return SL_ERR_NOMEM;
	l->sigfd = -1;
	l->next_timer_id = 1;
	*out = l;
	return SL_OK;
}

void loop_free(struct loop **l)
{
	if (l == NULL || *l == NULL)
		return;
	if ((*l)->sigfd >= 0)
		close((*l)->sigfd);
	free((*l)->watches);
	free((*l)->timers);
	free(*l);
	*l = NULL;
}

static int grow(void **arr, int *cap, int n, size_t size)
{
	void *p;
	int ncap;

	assert(n >= 0 && n <= *cap);
	if (n < *cap)
		return SL_OK;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, (size_t)ncap * size);
	if (p == NULL)
		return SL_ERR_NOMEM;
	*arr = p;
	*cap = ncap;
	return SL_OK;
}

int loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn *fn, void *arg)
{
	if (grow((void **)&l->watches, &l->capwatches, l->nwatches, sizeof(*l->watches)))
		return SL_ERR_NOMEM;
	l->watches[l->nwatches++] = (struct loop_watch){fd, events, fn, arg, false};
	return SL_OK;
}

void loop_del_fd(struct loop *l, int fd)
{
	for (int i = 0; i < l->nwatches; i++)
		if (l->watches[i].fd == fd)
			l->watches[i].dead = true;
}

long loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_fn *fn, void *arg)
{
	long id;

	if (grow((void **)&l->timers, &l->captimers, l->ntimers, sizeof(*l->timers)))
		return SL_ERR_NOMEM;
	id = l->next_timer_id++;
	l->timers[l->ntimers++] =
		(struct loop_timer){id, loop_now_ms() + (delay_ms > 0 ? delay_ms : 0), fn, arg, false};
	return id;
}

void loop_del_timer(struct loop *l, long id)
{
	for (int i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id)
			l->timers[i].dead = true;
}

static void on_signal_fd(struct loop *l, int fd, short revents, void *arg)
{
	struct signalfd_siginfo si;

	(void)revents;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (l->sig_fn)
			l->sig_fn(l, (int)si.ssi_signo, l->sig_arg);
}

int loop_watch_signals(struct loop *l, loop_signal_fn *fn, void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return SL_ERR_IO;
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return SL_ERR_IO;
	l->sig_fn = fn;
	l->sig_arg = arg;
	return loop_add_fd(l, l->sigfd, POLLIN, on_signal_fd, NULL);
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

static void compact(struct loop *l)
{
	int j = 0;

	for (int i = 0; i < l->nwatches; i++)
		if (!l->watches[i].dead)
			l->watches[j++] = l->watches[i];
	l->nwatches = j;
	j = 0;
	for (int i = 0; i < l->ntimers; i++)
		if (!l->timers[i].dead)
			l->timers[j++] = l->timers[i];
	l->ntimers = j;
}

static int next_timeout(struct loop *l)
{
	int64_t now = loop_now_ms(), best = -1;

	for (int i = 0; i < l->ntimers; i++) {
		int64_t d = l->timers[i].due_ms - now;

		if (l->timers[i].dead)
			continue;
		if (d < 0)
			d = 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best > 60000 ? 60000 : (int)best;
}

static void fire_timers(struct loop *l)
{
	int64_t now = loop_now_ms();
	int n = l->ntimers; /* timers added by callbacks wait for the next turn */

	for (int i = 0; i < n && !l->stop; i++) {
		struct loop_timer *t = &l->timers[i];
		int64_t next;

		if (t->dead || t->due_ms > now)
			continue;
		next = t->fn(l, t->id, t->arg);
		assert(i < l->ntimers); /* callbacks only mark timers dead; compact() runs after */
		t = &l->timers[i]; /* the array may have moved */
		if (next < 0)
			t->dead = true;
		else
			t->due_ms = loop_now_ms() + next;
	}
}

int loop_run(struct loop *l)
{
	struct pollfd *pfds = NULL;
	int cap = 0, rc = SL_OK;

	l->stop = false;
	while (!l->stop) {
		int n = l->nwatches, ready;

		if (n > cap) {
			struct pollfd *p = realloc(pfds, (size_t)n * sizeof(*p));

			if (p == NULL) {
				rc = SL_ERR_NOMEM;
				break;
			}
			pfds = p;
			cap = n;
		}
		for (int i = 0; i < n; i++)
			pfds[i] = (struct pollfd){l->watches[i].fd, l->watches[i].events, 0};
		ready = poll(pfds, (nfds_t)n, next_timeout(l));
		if (ready < 0 && errno != EINTR) {
			rc = SL_ERR_IO;
			break;
		}
		for (int i = 0; i < n && ready > 0 && !l->stop; i++) {
			if (pfds[i].revents == 0 || l->watches[i].dead)
				continue;
			l->watches[i].fn(l, pfds[i].fd, pfds[i].revents, l->watches[i].arg);
		}
		fire_timers(l);
		compact(l);
	}
	free(pfds);
	return rc;
}
