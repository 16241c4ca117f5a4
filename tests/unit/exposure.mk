# Unit tests of skylapse-capture's exposure controller (profile h's): a pure
# module, driven by a made-up camera and a fake clock.
UNIT_TESTS += test_exposure
test_exposure_SRCS := agents/capture/exposure.c
$(OBJ)/tests/unit/test_exposure.o: CPPFLAGS += -Iagents/capture
