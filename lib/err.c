/* err.c - names of the error codes of err.h, and the `why` sentences. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

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
	}
	return "unknown error";
}

void err_why(char why[ERRMSG_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, ERRMSG_MAX, fmt, ap);
	va_end(ap);
}
