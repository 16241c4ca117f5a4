/* log.h - one line per event on stderr, with time, level and program.
 *
 *   2026-11-27T01:35:47.123Z info skylapse-capture: connected to mqtt://...
 *
 * The program name and the threshold are process-wide (set once in main).
 * Log once, where the context is known; elsewhere return an error code.
 */
#ifndef SKYLAPSE_LIB_LOG_H
#define SKYLAPSE_LIB_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* `prog` is borrowed and must outlive the process (argv[0] or a literal).
 * The threshold comes from SKYLAPSE_LOG_LEVEL (debug|info|warn|error). */
void log_init(const char *prog);
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
