# Unit tests of lib/window.c (schedule windows on local dates).
UNIT_TESTS += test_window
test_window_SRCS := tests/unit/testutil.c
