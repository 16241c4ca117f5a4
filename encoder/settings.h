/* settings.h - skylapse-encoder's own settings: the worker-only keys of the
 * `encoder` section of config.json (the section's encode defaults are
 * shared: the scheduler and the bridge send them in jobs), checked with the
 * whole section after the shared configuration. --concurrency and --threads
 * beat them.
 *
 * Reload (SIGHUP): the encode defaults and profiles apply to new jobs;
 * concurrency and threads (like the worker id, the broker and the folders)
 * need a restart, and a reload that changes one says so in the log.
 */
#ifndef SKYLAPSE_ENCODER_SETTINGS_H
#define SKYLAPSE_ENCODER_SETTINGS_H

#include "config.h"

struct encoder_settings {
	int concurrency; /* encoder.concurrency, 1..64, default 1 */
	int threads;	 /* encoder.threads, 0..64, 0 (default) = one per CPU */
};

/* Checks c's `encoder` section (job_check_defaults()) and fills *own (a
 * struct encoder_settings) from it; problems go to p. A cli_section_fn. */
void encoder_settings_load(const struct config *c, void *own, struct config_problems *p);

/* Logs, for each setting that differs between `old` and `fresh` and needs a
 * restart, that it was not applied. Returns how many. */
int encoder_settings_restart_needed(const struct encoder_settings *old,
				    const struct encoder_settings *fresh);

#endif
