# skylapse-scheduler: the backend's scheduler (sun, windows, fixed-rate requests).
SCHEDULER_LOGIC_SRCS := agents/scheduler/plan.c \
	agents/scheduler/switches.c agents/scheduler/check.c agents/scheduler/ha_backend.c \
	agents/scheduler/core.c agents/scheduler/cameras.c agents/scheduler/arrival.c agents/scheduler/relay.c agents/scheduler/status.c

PROGRAMS += skylapse-scheduler
skylapse-scheduler_SRCS := agents/scheduler/main.c agents/scheduler/daemon.c \
	$(SCHEDULER_LOGIC_SRCS)

# Unit tests of its logic (no MQTT): slots, plan JSON, switches, checks;
# the Home Assistant device, selections and today's timelapse job; the
# core's decisions with a fake clock.
UNIT_TESTS += test_scheduler test_scheduler_ha test_scheduler_core
test_scheduler_core_SRCS := $(SCHEDULER_LOGIC_SRCS)
test_scheduler_SRCS := $(SCHEDULER_LOGIC_SRCS)
test_scheduler_ha_SRCS := $(SCHEDULER_LOGIC_SRCS)
