/* pipeline.h - an ordered, bounded, parallel map: decode ahead of the encoder.
 *
 * pipeline_run() runs work(i) for i = 0..count-1 on `threads` worker
 * threads and hands each result to consume(i) on the calling thread, in
 * order. At most depth + 1 results exist at once (`depth` being made or
 * waiting, one being consumed), so memory stays the same however long the
 * input: a worker that runs ahead waits for the consumer, and so leaves the
 * CPU to the encoder's own threads. Each worker thread has its own context
 * (a decoder) made by thread_init.
 */
#ifndef SKYLAPSE_ENCODER_PIPELINE_H
#define SKYLAPSE_ENCODER_PIPELINE_H

#include <stddef.h>

#define PIPELINE_EXTRA 2 /* default depth: one result per thread and this many more */

struct pipeline_ops {
	/* a new per-thread context, or NULL on failure */
	void *(*thread_init)(void *arg);
	void (*thread_fini)(void *tctx);
	/* makes item i; returns a result (never NULL unless out of memory) */
	void *(*work)(void *arg, void *tctx, size_t index);
	/* takes ownership of result; nonzero stops the pipeline (returned) */
	int (*consume)(void *arg, size_t index, void *result);
	/* frees a result that was made but never consumed (after a stop) */
	void (*discard)(void *arg, void *result);
};

/* `threads` <= 0: pipeline_default_threads(); `depth` <= threads: threads
 * + PIPELINE_EXTRA. Returns 0 when every item was consumed, the first nonzero consume()
 * result, or SL_ERR_NOMEM when a thread, context or result could not be
 * made. */
int pipeline_run(size_t count, int threads, int depth, const struct pipeline_ops *ops, void *arg);

/* Worker threads to use on this machine when the caller has no opinion. */
int pipeline_default_threads(void);

#endif
