/* problems.h - for the unit tests of configuration: whether a load's
 * problems include a line containing `needle`. */
#ifndef SKYLAPSE_TESTS_UNIT_PROBLEMS_H
#define SKYLAPSE_TESTS_UNIT_PROBLEMS_H

#include <stdbool.h>
#include <string.h>

#include "config.h"

static inline bool has_problem(const struct config_problems *p, const char *needle)
{
	for (int i = 0; i < p->count; i++)
		if (strstr(p->lines[i], needle))
			return true;
	return false;
}

#endif
