# skylapse-scheduler: the backend's scheduler (sun, windows, fixed-rate requests).
SCHEDULER_LOGIC_SRCS := agents/scheduler/cadence.c agents/scheduler/plan.c \
	agents/scheduler/switches.c agents/scheduler/check.c agents/scheduler/ha_backend.c

PROGRAMS += skylapse-scheduler
skylapse-scheduler_SRCS := agents/scheduler/main.c agents/scheduler/daemon.c \
	agents/scheduler/runner.c agents/scheduler/relay.c agents/scheduler/status.c \
	agents/scheduler/ha_commands.c $(SCHEDULER_LOGIC_SRCS)

# Unit tests of its logic (no MQTT): slots, plan JSON, switches, checks;
# and the Home Assistant device, selections and today's timelapse job.
UNIT_TESTS += test_scheduler test_scheduler_ha
test_scheduler_SRCS := $(SCHEDULER_LOGIC_SRCS)
test_scheduler_ha_SRCS := $(SCHEDULER_LOGIC_SRCS)
