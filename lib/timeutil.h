/* timeutil.h - wall-clock time as Unix milliseconds, and its ISO 8601 forms.
 *
 * UTC forms carry milliseconds and a Z ("2026-11-27T01:35:47.123Z"). Local
 * forms use the process's time zone (TZ, set once from location.timezone
 * with time_set_zone) and carry the offset ("2026-11-27T06:12:09-07:00").
 *
 * The simulated clock, for demos, tests and benches: SKYLAPSE_CLOCK makes
 * every program run as if at a given time and at N times the real speed,
 *
 *   SKYLAPSE_CLOCK=2026-06-21T18:00:00Z[,speed=60][,anchor=1781000000]
 *
 * the time with Z or an offset (programs parse it before they know their
 * zone); speed > 0 (default 1); anchor the real Unix time, in seconds (a
 * fraction allowed), that the given time stands for (default: when the
 * program read it). Programs started at different moments with the same
 * anchor agree to the millisecond. time_now_ms() is then that clock; what
 * lasts a simulated duration (the scheduler's slots, the capture agent's
 * offline plan, the transfer's interval) waits time_real_delay_ms() of it
 * on the loop, while what the network and other processes bound (MQTT
 * keepalive and expiry, reconnects, a camera's answer) stays real. The
 * clock is the process's, like TZ: set once at start, before threads.
 */
#ifndef SKYLAPSE_LIB_TIMEUTIL_H
#define SKYLAPSE_LIB_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define TIME_ISO_MAX 100 /* generous: -Wformat-truncation cannot bound tm fields */
#define TIME_SPEED_MAX 100000.0

/* The process's clock: the simulated one when set, else the real one. */
int64_t time_now_ms(void);
/* The real wall clock, whatever the simulated one says. */
int64_t time_real_ms(void);

struct time_clock {
	int64_t start_ms;  /* the simulated time at anchor_ms */
	int64_t anchor_ms; /* real Unix ms */
	double speed;	   /* simulated ms per real ms, 0 < speed <= TIME_SPEED_MAX */
};

/* Parses a SKYLAPSE_CLOCK value (above); without an anchor, real_now_ms is
 * the anchor. 0, or SL_ERR_PARSE with `why` naming the part. */
int time_clock_parse(const char *spec, int64_t real_now_ms, struct time_clock *out,
		     char why[ERRMSG_MAX]);
/* The simulated time at real time real_ms. */
int64_t time_clock_at(const struct time_clock *c, int64_t real_ms);
/* Makes *c (copied) the process's clock; NULL: the real clock again. */
void time_clock_set(const struct time_clock *c);
/* The process's clock into *out (may be NULL); false when it is the real one. */
bool time_clock_get(struct time_clock *out);
/* How long, in real ms, a simulated duration lasts (rounded up; the
 * duration itself with the real clock). */
int64_t time_real_delay_ms(int64_t sim_ms);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
void time_format_utc(int64_t ms, char out[TIME_ISO_MAX]);
/* Local time with offset, to the second: "YYYY-MM-DDTHH:MM:SS+HH:MM". */
void time_format_local(int64_t ms, char out[TIME_ISO_MAX]);
/* Parses ISO 8601 date-times: with Z or +HH:MM/-HH:MM (or +HHMM), optional
 * fraction; without an offset the time is local. A bare date is its local
 * midnight. Returns 0 or SL_ERR_PARSE. */
int time_parse_iso(const char *s, int64_t *ms);
/* Parses "YYYY-MM-DD" into its fields (validated); 0 or SL_ERR_PARSE. */
int time_parse_date(const char *s, int *year, int *month, int *day);
/* Parses "HH:MM" (00:00..23:59) into minutes of the day; 0 or SL_ERR_PARSE. */
int time_parse_hhmm(const char *s, int *minutes);

/* Sets the process time zone (IANA name); SL_ERR_NOTFOUND when the system
 * has no such zone. Not thread-safe: call before starting threads. */
int time_set_zone(const char *iana);
/* True when the name is a zone of the system's database. */
bool time_zone_exists(const char *iana);
/* Start of the local day containing `ms`, and that day's length (23, 24 or
 * 25 hours on days the clocks change). */
void time_local_day(int64_t ms, int64_t *day_start_ms, int64_t *day_len_ms);
/* Unix ms of a local wall-clock time on a date; the earlier instant when the
 * time happens twice, and the first valid instant after a skipped time. */
int64_t time_local_make(int year, int month, int day, int minutes_of_day);

#endif
