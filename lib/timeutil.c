/* timeutil.c - clocks, ISO 8601 formatting and parsing, local days. */
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"

/* The process's simulated clock (timeutil.h): set once at start, like TZ. */
static struct time_clock sim;
static bool sim_on;

int64_t time_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_now_ms(void)
{
	return sim_on ? time_clock_at(&sim, time_real_ms()) : time_real_ms();
}

int64_t time_clock_at(const struct time_clock *c, int64_t real_ms)
{
	return c->start_ms + (int64_t)llround((double)(real_ms - c->anchor_ms) * c->speed);
}

void time_clock_set(const struct time_clock *c)
{
	sim_on = c != NULL;
	if (c)
		sim = *c;
}

bool time_clock_get(struct time_clock *out)
{
	if (out)
		*out = sim_on ? sim : (struct time_clock){time_real_ms(), time_real_ms(), 1.0};
	return sim_on;
}

int64_t time_real_delay_ms(int64_t sim_ms)
{
	if (!sim_on || sim.speed == 1.0 || sim_ms <= 0)
		return sim_ms;
	return (int64_t)ceil((double)sim_ms / sim.speed);
}

/* "<number>" with nothing after it; 0 or SL_ERR_PARSE. */
static int parse_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end != '\0' || errno || !isfinite(*out) ? SL_ERR_PARSE : SL_OK;
}

int time_clock_parse(const char *spec, int64_t real_now_ms, struct time_clock *out,
		     char why[ERRMSG_MAX])
{
	char buf[160], *part, *save = NULL;
	struct time_clock c = {0, real_now_ms, 1.0};
	const char *t, *clock;
	double v;

	if (strlen(spec) >= sizeof(buf)) {
		err_why(why, "too long");
		return SL_ERR_PARSE;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	t = strtok_r(buf, ",", &save);
	clock = t ? strpbrk(t, "T ") : NULL; /* the time of day, then its zone */
	if (clock == NULL || strpbrk(clock, "Zz+-") == NULL ||
	    time_parse_iso(t, &c.start_ms) != SL_OK) {
		err_why(why, "'%.40s' is not an ISO 8601 time with Z or an offset "
			     "(2026-06-21T18:00:00Z)", t ? t : "");
		return SL_ERR_PARSE;
	}
	while ((part = strtok_r(NULL, ",", &save)) != NULL) {
		if (strncmp(part, "speed=", 6) == 0) {
			if (parse_number(part + 6, &v) || v <= 0 || v > TIME_SPEED_MAX) {
				err_why(why, "speed must be a number in (0, %g], not '%.40s'",
					TIME_SPEED_MAX, part + 6);
				return SL_ERR_PARSE;
			}
			c.speed = v;
		} else if (strncmp(part, "anchor=", 7) == 0) {
			if (parse_number(part + 7, &v) || v < 0 || v > 1e11) {
				err_why(why, "anchor must be real Unix seconds, not '%.40s'",
					part + 7);
				return SL_ERR_PARSE;
			}
			c.anchor_ms = (int64_t)llround(v * 1000);
		} else {
			err_why(why, "unknown part '%.40s' (speed=N or anchor=UNIX_SECONDS)", part);
			return SL_ERR_PARSE;
		}
	}
	*out = c;
	return SL_OK;
}

static void split_ms(int64_t ms, time_t *sec, int *milli)
{
	int64_t s = ms / 1000, m = ms % 1000;

	if (m < 0) {
		m += 1000;
		s -= 1;
	}
	*sec = (time_t)s;
	*milli = (int)m;
}

void time_format_utc(int64_t ms, char out[TIME_ISO_MAX])
{
	struct tm tm;
	time_t sec;
	int milli;

	split_ms(ms, &sec, &milli);
	gmtime_r(&sec, &tm);
	snprintf(out, TIME_ISO_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
}

void time_format_local(int64_t ms, char out[TIME_ISO_MAX])
{
	struct tm tm;
	time_t sec;
	int milli;
	long off;

	split_ms(ms, &sec, &milli);
	localtime_r(&sec, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, TIME_ISO_MAX, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return SL_ERR_PARSE;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return SL_OK;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

int time_parse_date(const char *s, int *year, int *month, int *day)
{
	const char *p = s;

	if (digits(&p, 4, year) || *p++ != '-' || digits(&p, 2, month) || *p++ != '-' ||
	    digits(&p, 2, day) || *p != '\0')
		return SL_ERR_PARSE;
	if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month))
		return SL_ERR_PARSE;
	return SL_OK;
}

int time_parse_hhmm(const char *s, int *minutes)
{
	const char *p = s;
	int h, m;

	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p != '\0')
		return SL_ERR_PARSE;
	if (h > 23 || m > 59)
		return SL_ERR_PARSE;
	*minutes = h * 60 + m;
	return SL_OK;
}

int time_parse_iso(const char *s, int64_t *ms)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, se = 0, frac = 0, oh, om;
	struct tm tm = {0};
	time_t t;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return SL_ERR_PARSE;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return SL_ERR_PARSE;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return SL_ERR_PARSE;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &se))
				return SL_ERR_PARSE;
			if (*p == '.' || *p == ',') {
				int scale = 100;

				p++;
				if (!isdigit((unsigned char)*p))
					return SL_ERR_PARSE;
				for (; isdigit((unsigned char)*p); p++, scale /= 10)
					frac += (*p - '0') * scale;
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return SL_ERR_PARSE;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	if (*p == '\0') {
		*ms = time_local_make(y, mo, d, h * 60 + mi) + se * 1000 + frac;
		return SL_OK;
	}
	t = timegm(&tm);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;

		if (digits(&p, 2, &oh))
			return SL_ERR_PARSE;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om) || oh > 23 || om > 59)
			return SL_ERR_PARSE;
		t -= sign * (oh * 3600 + om * 60);
	} else {
		return SL_ERR_PARSE;
	}
	if (*p != '\0')
		return SL_ERR_PARSE;
	*ms = (int64_t)t * 1000 + frac;
	return SL_OK;
}

bool time_zone_exists(const char *iana)
{
	char path[PATH_MAX];
	struct stat st;

	if (iana == NULL || *iana == '\0' || strstr(iana, "..") || iana[0] == '/')
		return false;
	if (strcmp(iana, "UTC") == 0)
		return true;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", iana);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int time_set_zone(const char *iana)
{
	if (!time_zone_exists(iana))
		return SL_ERR_NOTFOUND;
	setenv("TZ", iana, 1);
	tzset();
	return SL_OK;
}

/* mktime() with tm_isdst = `isdst`; true when that reading names the wall
 * time asked for (the same hour and minute, in that DST state). */
static bool make_reading(int year, int month, int day, int minutes, int isdst, time_t *out)
{
	struct tm tm = {0};

	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_isdst = isdst;
	*out = mktime(&tm);
	return tm.tm_isdst == isdst && tm.tm_hour * 60 + tm.tm_min == minutes % 1440;
}

/* The instant the clocks jumped forward over a skipped wall time whose
 * reading `t` (with the offset of before the gap) lands after the gap. */
static time_t gap_end(time_t t)
{
	struct tm a, b;
	time_t lo = t - 86400, hi = t;

	localtime_r(&lo, &a);
	localtime_r(&hi, &b);
	if (a.tm_gmtoff == b.tm_gmtoff)
		return t;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;

		localtime_r(&mid, &a);
		if (a.tm_gmtoff == b.tm_gmtoff)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* glibc's mktime() with tm_isdst = -1 picks between the two readings of a
 * repeated time from whichever offset it used last, so both readings are
 * asked for explicitly and the earlier kept. */
int64_t time_local_make(int year, int month, int day, int minutes_of_day)
{
	time_t std, dst;
	bool std_ok = make_reading(year, month, day, minutes_of_day, 0, &std);
	bool dst_ok = make_reading(year, month, day, minutes_of_day, 1, &dst);

	if (std_ok && dst_ok)
		return (int64_t)(std < dst ? std : dst) * 1000;
	if (std_ok)
		return (int64_t)std * 1000;
	if (dst_ok)
		return (int64_t)dst * 1000;
	/* skipped: the reading with the offset of before the gap (the later
	 * one, as clocks jump forward) lands past the gap; its end is the answer */
	return (int64_t)gap_end(std > dst ? std : dst) * 1000;
}

void time_local_day(int64_t ms, int64_t *day_start_ms, int64_t *day_len_ms)
{
	struct tm tm;
	time_t sec;
	int milli;
	int64_t start, next;

	split_ms(ms, &sec, &milli);
	localtime_r(&sec, &tm);
	start = time_local_make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0);
	/* mktime normalises day 32 into the next month */
	next = time_local_make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + 1, 0);
	*day_start_ms = start;
	*day_len_ms = next - start;
}
