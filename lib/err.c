/* err.c - names of the error codes of err.h, and the `why` sentences. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *err_str(int code)
{
	switch (code) {
	case SL_OK: return "success";
	case SL_ERR_NOMEM: return "out of memory";
	case SL_ERR_INVAL: return "invalid input";
	case SL_ERR_IO: return "input/output error";
	case SL_ERR_NOTFOUND: return "not found";
	case SL_ERR_PARSE: return "parse error";
	case SL_ERR_RANGE: return "value out of range";
	case SL_ERR_DENIED: return "not authorized";
	case SL_ERR_NOSPACE: return "not enough disk space";
	case SL_ERR_BROKER: return "MQTT broker unavailable";
	case SL_ERR_TIMEOUT: return "timed out";
	case SL_ERR_CAMERA: return "camera failure";
	case SL_ERR_UNSUPPORTED: return "not supported";
	case SL_ERR_BUSY: return "busy";
	case SL_ERR_TOOBIG: return "too big";
	case SL_ERR_UNREACHABLE: return "host unreachable";
	}
	return "unknown error";
}

/* the wire words, in the order err_from_kind() searches them */
static const struct {
	int code;
	const char *kind;
} kinds[] = {
	{SL_ERR_DENIED, "denied"},     {SL_ERR_INVAL, "invalid"},   {SL_ERR_PARSE, "invalid"},
	{SL_ERR_RANGE, "invalid"},     {SL_ERR_NOTFOUND, "not_found"}, {SL_ERR_BUSY, "busy"},
	{SL_ERR_NOSPACE, "no_space"},  {SL_ERR_CAMERA, "camera"},   {SL_ERR_TIMEOUT, "timeout"},
	{SL_ERR_BROKER, "broker"},     {SL_ERR_IO, "io"},           {SL_ERR_TOOBIG, "too_big"},
	{SL_ERR_UNSUPPORTED, "unsupported"}, {SL_ERR_UNREACHABLE, "unreachable"},
	{SL_ERR_NOMEM, "internal"},
};

const char *err_kind(int code)
{
	if (code == SL_OK)
		return NULL;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].code == code)
			return kinds[i].kind;
	return "internal";
}

int err_from_kind(const char *kind)
{
	if (kind)
		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
			if (strcmp(kinds[i].kind, kind) == 0)
				return kinds[i].code;
	return SL_ERR_INVAL;
}

int err_from_errno(int e)
{
	return e == ENOSPC || e == EDQUOT ? SL_ERR_NOSPACE : SL_ERR_IO;
}

void err_why(char why[ERRMSG_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, ERRMSG_MAX, fmt, ap);
	va_end(ap);
}
