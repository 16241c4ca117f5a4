# Unit tests of lib/. A test NAME is tests/unit/NAME.c linked with
# NAME_SRCS (extra sources), NAME_PKGS (pkg-config) and libskylapse.a.
UNIT_TESTS += test_sun test_profile test_lib test_config test_frames test_workq
test_profile_SRCS := tests/unit/testutil.c
test_lib_SRCS := tests/unit/testutil.c
test_config_SRCS := tests/unit/testutil.c
test_frames_SRCS := tests/unit/testutil.c
test_workq_SRCS := tests/unit/testutil.c
