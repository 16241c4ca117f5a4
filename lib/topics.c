/* topics.c - topic names under the root; see topics.h. */
#include "topics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int topic_fmt(char out[TOPIC_MAX], const char *root, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(out, TOPIC_MAX, "%s/", root), m;

	if (n < 0 || n >= TOPIC_MAX)
		return SL_ERR_RANGE;
	va_start(ap, fmt);
	m = vsnprintf(out + n, TOPIC_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || n + m >= TOPIC_MAX)
		return SL_ERR_RANGE;
	return SL_OK;
}

const char *topic_split(const char *topic, const char *root, char *first, size_t firstlen)
{
	size_t rl = strlen(root);
	const char *a, *slash;

	if (strncmp(topic, root, rl) != 0 || topic[rl] != '/')
		return NULL;
	a = topic + rl + 1;
	slash = strchr(a, '/');
	if (slash == NULL || (size_t)(slash - a) >= firstlen || slash == a)
		return NULL;
	memcpy(first, a, (size_t)(slash - a));
	first[slash - a] = '\0';
	return slash + 1;
}
