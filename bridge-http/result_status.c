/* result_status.c - HTTP statuses of results; see result_status.h. */
#include "result_status.h"

#include <string.h>

#include "err.h"

unsigned result_http_status(const json_t *result)
{
	const char *status = json_string_value(json_object_get(result, "status"));
	const char *kind = json_string_value(json_object_get(result, "error_kind"));

	if (status && strcmp(status, "ok") == 0)
		return 200;
	if (kind == NULL)
		return 502;
	switch (err_from_kind(kind)) {
	case SL_ERR_DENIED: return 403;
	case SL_ERR_NOTFOUND: return 400;
	case SL_ERR_TOOBIG: return 413;
	case SL_ERR_BUSY: return 503;
	case SL_ERR_TIMEOUT: return 504;
	case SL_ERR_INVAL:
		/* err_from_kind() also answers INVAL for a word it does not know */
		return strcmp(kind, "invalid") == 0 ? 400 : 502;
	}
	return 502;
}
