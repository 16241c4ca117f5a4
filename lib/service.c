/* service.c - sd_notify readiness and watchdog from the main loop. */
#include "service.h"

#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "err.h"

/* The period travels in the timer's argument itself. */
static int64_t watchdog_ping(struct loop *l, long id, void *arg)
{
	(void)l;
	(void)id;
	sd_notify(0, "WATCHDOG=1");
	return (int64_t)(intptr_t)arg;
}

int service_ready(struct loop *loop, const char *status)
{
	int64_t period_ms;
	char line[256];
	uint64_t usec = 0;

	snprintf(line, sizeof(line), "READY=1\nSTATUS=%s", status ? status : "running");
	sd_notify(0, line);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		period_ms = (int64_t)(usec / 2000);
		if (period_ms < 1)
			period_ms = 1;
		loop_add_timer(loop, period_ms, watchdog_ping, (void *)(intptr_t)period_ms);
	}
	return SL_OK;
}

void service_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
