/* log.c - stderr logging; see log.h. One write(2) per line so lines from
 * several threads never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "skylapse";
static enum log_level log_threshold = LOG_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');
	const char *env = getenv("SKYLAPSE_LOG_LEVEL");

	log_prog = slash ? slash + 1 : prog;
	if (env == NULL)
		return;
	for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
		if (strcmp(env, level_names[i]) == 0)
			log_threshold = (enum log_level)i;
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (level < log_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], log_prog);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
