/* jsonx.c - checked access to untrusted JSON; see jsonx.h. */
#include "jsonx.h"
#include "err.h"
#include "timeutil.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>

json_t *jsonx_parse_object(const char *what, const char *buf, size_t len, size_t max,
			   char why[ERRMSG_MAX])
{
	json_error_t jerr;
	json_t *v;
	size_t i;

	if (len > max) {
		err_why(why, "%s is %zu bytes, over the %zu-byte limit", what, len,
			 max);
		return NULL;
	}
	for (i = 0; i < len && isspace((unsigned char)buf[i]); i++)
		;
	if (i == len)
		return json_object();
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		err_why(why, "%s is not valid JSON: %s at line %d column %d", what,
			 jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		err_why(why, "%s must be a JSON object", what);
		return NULL;
	}
	return v;
}

int jx_get_string(const json_t *obj, const char *key, const char **out, char why[ERRMSG_MAX])
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return SL_ERR_NOTFOUND;
	if (!json_is_string(v)) {
		err_why(why, "'%s' must be a string", key);
		return SL_ERR_INVAL;
	}
	*out = json_string_value(v);
	return SL_OK;
}

int jx_get_int(const json_t *obj, const char *key, long long lo, long long hi, long long *out,
	       char why[ERRMSG_MAX])
{
	json_t *v = json_object_get(obj, key);
	long long x;

	if (v == NULL || json_is_null(v))
		return SL_ERR_NOTFOUND;
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
		   fabs(json_real_value(v)) < 9e15) {
		x = (long long)json_real_value(v);
	} else {
		err_why(why, "'%s' must be an integer", key);
		return SL_ERR_INVAL;
	}
	if (x < lo || x > hi) {
		err_why(why, "'%s' must be between %lld and %lld", key, lo, hi);
		return SL_ERR_RANGE;
	}
	*out = x;
	return SL_OK;
}

int jx_get_number(const json_t *obj, const char *key, double lo, double hi, double *out,
		  char why[ERRMSG_MAX])
{
	json_t *v = json_object_get(obj, key);
	double x;

	if (v == NULL || json_is_null(v))
		return SL_ERR_NOTFOUND;
	if (!json_is_number(v)) {
		err_why(why, "'%s' must be a number", key);
		return SL_ERR_INVAL;
	}
	x = json_number_value(v);
	if (!(x >= lo && x <= hi)) {
		err_why(why, "'%s' must be between %g and %g", key, lo, hi);
		return SL_ERR_RANGE;
	}
	*out = x;
	return SL_OK;
}

int jx_get_bool(const json_t *obj, const char *key, bool *out, char why[ERRMSG_MAX])
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return SL_ERR_NOTFOUND;
	if (!json_is_boolean(v)) {
		err_why(why, "'%s' must be true or false", key);
		return SL_ERR_INVAL;
	}
	*out = json_is_true(v);
	return SL_OK;
}

char *jx_dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(JX_REAL_PRECISION));
}

char *jx_dump_pretty(const json_t *v)
{
	return json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(JX_REAL_PRECISION));
}

int jx_set_str(json_t *obj, const char *key, const char *s)
{
	return json_object_set_new(obj, key, s ? json_string(s) : json_null()) ? SL_ERR_NOMEM
										: SL_OK;
}

static json_t *time_string(bool known, int64_t ms, void (*format)(int64_t, char[TIME_ISO_MAX]))
{
	char buf[TIME_ISO_MAX];

	if (!known)
		return json_null();
	format(ms, buf);
	return json_string(buf);
}

json_t *jx_time_local(bool known, int64_t ms)
{
	return time_string(known, ms, time_format_local);
}

json_t *jx_time_utc(bool known, int64_t ms)
{
	return time_string(known, ms, time_format_utc);
}
