/* testutil.c - the unit tests' shared helpers (testutil.h). */
#include <unistd.h>

#include "loop.h"
#include "testutil.h"

char test_dir[64];

int dir_setup(void **state)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/sl-test-XXXXXX");
	if (mkdtemp(test_dir) == NULL)
		return -1;
	*state = test_dir;
	return 0;
}

int dir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", test_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int test_config_load(struct config *c, const char *json, struct config_problems *p)
{
	char path[] = "/tmp/sl-test-config-XXXXXX";
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	rc = config_load(c, path, NULL, p);
	unlink(path);
	return rc;
}

json_t *jparse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);

	if (j == NULL)
		fail_msg("test JSON does not parse: %s: %s", text, err.text);
	return j;
}

const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	assert_non_null(s);
	return s;
}

int64_t give_up(struct loop *l, long id, void *arg)
{
	(void)id;
	(void)arg;
	loop_stop(l);
	return -1;
}

bool has_problem(const struct config_problems *p, const char *needle)
{
	for (int i = 0; i < p->count; i++)
		if (strstr(p->lines[i], needle))
			return true;
	return false;
}
