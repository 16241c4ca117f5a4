/* settings.c - skylapse-encoder's own settings; see settings.h. */
#include "settings.h"

#include "err.h"
#include "job.h"

void encoder_settings_load(const struct config *c, void *own, struct config_problems *p)
{
	struct encoder_settings *s = own;
	char why[ERRMSG_MAX];

	*s = (struct encoder_settings){.concurrency = 1, .threads = 0};
	if (job_check_defaults(c->encoder, why) != SL_OK) {
		config_problem(p, c, true, "encoder: %s", why);
		return;
	}
	if (c->encoder == NULL || !json_is_object(c->encoder))
		return;
	config_file_int(c, p, c->encoder, "encoder", "concurrency", 1, 64, &s->concurrency);
	config_file_int(c, p, c->encoder, "encoder", "threads", 0, 64, &s->threads);
}

int encoder_settings_restart_needed(const struct encoder_settings *old,
				    const struct encoder_settings *fresh)
{
	return config_changed(old->concurrency != fresh->concurrency, "encoder.concurrency") +
	       config_changed(old->threads != fresh->threads, "encoder.threads");
}
