# Unit tests of skylapse-capture's exposure controller (profile h's): a pure
# module, driven by a made-up camera and a fake clock, and its run inside
# the agent (per-profile tracks, the state file).
UNIT_TESTS += test_exposure test_exposure_run
test_exposure_SRCS := agents/capture/exposure.c tests/unit/testutil.c
test_exposure_run_SRCS := agents/capture/exposure.c agents/capture/exposure_run.c tests/unit/testutil.c
$(OBJ)/tests/unit/test_exposure.o $(OBJ)/tests/unit/test_exposure_run.o: CPPFLAGS += -Iagents/capture
