/* test_slots.c - lib/slots.c: slot k at start + k x interval, as a table. */
#include "slots.h"
#include "testutil.h"

#define DAY_MS 86400000LL

static const struct {
	int64_t start, interval, t;
	int64_t at, from; /* slot_index_at, slot_index_from */
} cases[] = {
	{1000, 500, 0, 0, 0},       /* before the start */
	{1000, 500, 1000, 0, 0},    /* on the start */
	{1000, 500, 1001, 0, 1},    /* just after it */
	{1000, 500, 1499, 0, 1},
	{1000, 500, 1500, 1, 1},    /* on slot 1 */
	{1000, 500, 1501, 1, 2},
	{-3000, 1000, -1, 2, 3},    /* times before the epoch */
	{0, 3000, 365 * DAY_MS, 365 * DAY_MS / 3000, 365 * DAY_MS / 3000},
};

static void test_index_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(slot_index_at(cases[i].start, cases[i].interval, cases[i].t),
				 cases[i].at);
		assert_int_equal(slot_index_from(cases[i].start, cases[i].interval, cases[i].t),
				 cases[i].from);
	}
}

/* A year of 1 s slots: the last one is exact, not the sum of a year of
 * rounded steps; and every time maps back to its own index. */
static void test_no_drift(void **state)
{
	int64_t start = 1782036000123LL, n = 365 * DAY_MS / 1000;

	(void)state;
	assert_int_equal(slot_time(start, 1000, n), start + 365 * DAY_MS);
	for (int64_t k = 0; k < n; k += 9973) {
		int64_t t = slot_time(start, 1000, k);

		assert_int_equal(slot_index_at(start, 1000, t), k);
		assert_int_equal(slot_index_from(start, 1000, t), k);
		assert_int_equal(slot_index_at(start, 1000, t + 999), k);
		assert_int_equal(slot_index_from(start, 1000, t + 1), k + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_table),
		cmocka_unit_test(test_no_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
