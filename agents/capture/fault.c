/* fault.c - test-only pause points; see fault.h. */
#include "fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* set once by fault_init(), before the writer thread exists */
static char pause_phase[16];
static int pause_nth, reached;

void fault_init(void)
{
	const char *v = getenv("SKYLAPSE_FAULT_PAUSE_AT");
	const char *at;

	if (v == NULL || *v == '\0')
		return;
	at = strchr(v, '@');
	pause_nth = at ? atoi(at + 1) : 1;
	snprintf(pause_phase, sizeof(pause_phase), "%.*s", at ? (int)(at - v) : (int)strlen(v), v);
	log_warn("SKYLAPSE_FAULT_PAUSE_AT: will pause at '%s' (time %d), for a fault test",
		 pause_phase, pause_nth);
}

void fault_point(const char *phase)
{
	if (pause_phase[0] == '\0' || strcmp(phase, pause_phase) != 0 || ++reached != pause_nth)
		return;
	log_warn("fault pause at %s", phase);
	raise(SIGSTOP);
}
