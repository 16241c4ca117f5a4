/* loop.h - the single-threaded event loop every agent runs in.
 *
 * poll(2) over registered file descriptors, plus timers kept in a small
 * array (agents have a handful), plus SIGINT/SIGTERM/SIGHUP delivered through
 * a signalfd as ordinary events. Everything a program does happens in these
 * callbacks, on the main thread; other threads (Paho's) only wake the loop
 * through a descriptor.
 */
#ifndef SKYLAPSE_LIB_LOOP_H
#define SKYLAPSE_LIB_LOOP_H

#include <stdint.h>

struct loop;

typedef void loop_fd_fn(struct loop *loop, int fd, short revents, void *arg);
/* Returns the delay in ms until the next call, or -1 to remove the timer. */
typedef int64_t loop_timer_fn(struct loop *loop, long id, void *arg);
typedef void loop_signal_fn(struct loop *loop, int signo, void *arg);

/* Returns 0 and a new loop in *out, or SL_ERR_NOMEM. */
int loop_new(struct loop **out);
/* Frees *l (not the descriptors it watched) and sets it to NULL. */
void loop_free(struct loop **l);

/* Watches `fd` for `events` (POLLIN...). One registration per fd. */
int loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn *fn, void *arg);
void loop_del_fd(struct loop *l, int fd);

/* Calls fn after delay_ms (0: on the next turn). Returns a timer id > 0,
 * or a negative error code. Timers count real time: a duration of the
 * simulated clock goes through time_real_delay_ms() (timeutil.h) first. */
long loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_fn *fn, void *arg);
void loop_del_timer(struct loop *l, long id);

/* Blocks SIGINT, SIGTERM and SIGHUP and reports them through fn. Call it
 * before any thread starts (threads inherit the mask). */
int loop_watch_signals(struct loop *l, loop_signal_fn *fn, void *arg);

/* Runs until loop_stop(); returns 0, or a negative code if poll failed. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* Monotonic milliseconds, the clock of timers. */
int64_t loop_now_ms(void);

#endif
