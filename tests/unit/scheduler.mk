# The scheduler's unit tests are declared beside it (agents/scheduler/program.mk,
# read first); they load their configurations through testutil.c.
$(foreach t,test_scheduler test_scheduler_ha test_scheduler_core,$(eval $(t)_SRCS += tests/unit/testutil.c))
