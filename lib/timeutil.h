/* timeutil.h - wall-clock time as Unix milliseconds, and its ISO 8601 forms.
 *
 * UTC forms carry milliseconds and a Z ("2026-11-27T01:35:47.123Z"). Local
 * forms use the process's time zone (TZ, set once from location.timezone
 * with time_set_zone) and carry the offset ("2026-11-27T06:12:09-07:00").
 */
#ifndef SKYLAPSE_LIB_TIMEUTIL_H
#define SKYLAPSE_LIB_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

#define TIME_ISO_MAX 100 /* generous: -Wformat-truncation cannot bound tm fields */

int64_t time_now_ms(void);

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
