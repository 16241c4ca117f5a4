/* writer.h - the frame writer: one thread that runs capture_store() on jobs
 * in the order they were shot, and hands each finished job back to the main
 * loop. While it fsyncs one request's frames the main thread shoots the next.
 * At most WRITER_DEPTH jobs wait, so memory stays bounded: pushing more
 * blocks the main thread until the writer catches up.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_WRITER_H
#define SKYLAPSE_AGENTS_CAPTURE_WRITER_H

#include <stdbool.h>

#include "capture.h"
#include "loop.h"

#define WRITER_DEPTH 2

struct writer;

/* Called on the main loop with each finished job; takes ownership of it. */
typedef void writer_done_fn(struct capture_job *job, void *arg);

/* Starts the thread; 0, SL_ERR_NOMEM or SL_ERR_IO. `loop` is borrowed. */
int writer_start(struct loop *loop, writer_done_fn *done, void *arg, struct writer **out);
/* Queues a shot job (steals it). */
void writer_push(struct writer *w, struct capture_job *job);
/* Waits until every queued job is written and handed back (calling done on
 * this thread), then stops the thread and frees *w; accepts NULL. */
void writer_stop(struct writer **w);

#endif
