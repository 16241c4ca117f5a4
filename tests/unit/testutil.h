/* testutil.h - what the unit tests share: cmocka and the C headers every
 * test includes, a fresh temporary folder per test, a configuration loaded
 * from a JSON text, JSON parsed and a string member of it, a timer that stops a
 * loop, and a look through a load's problems. */
#ifndef SKYLAPSE_TESTS_UNIT_TESTUTIL_H
#define SKYLAPSE_TESTS_UNIT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* The folder dir_setup() makes (and sets *state to) and
 * dir_teardown() removes with all it holds: cmocka's setup and
 * teardown of a test. */
extern char test_dir[64];
int dir_setup(void **state);
int dir_teardown(void **state);

/* config_load() of `json`, written to a temporary file for the call. */
int test_config_load(struct config *c, const char *json, struct config_problems *p);

/* The JSON value of `text`, which must parse (no duplicate keys); returns a
 * new reference. */
json_t *jparse(const char *text);

/* The string at `key` of `o`, which must be there (borrowed). */
const char *jstr(const json_t *o, const char *key);

/* A loop timer that stops the loop: the bound on a run that should end by
 * itself. */
struct loop;
int64_t give_up(struct loop *l, long id, void *arg);

/* Whether a load's problems include a line containing `needle`. */
bool has_problem(const struct config_problems *p, const char *needle);

#endif
