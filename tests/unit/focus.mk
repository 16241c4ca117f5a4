# Unit tests of the capture agent's focus aid: the sharpness figure on
# synthetic sharp and blurred images, requests, crops, the slot rule, the
# plan's slots, base64, and the sim's defocus seen through the figure.
UNIT_TESTS += test_focus
test_focus_SRCS := agents/capture/focus_measure.c agents/capture/plan.c $(CAPTURE_CAMERA_SRCS) \
	tests/unit/testutil.c
test_focus_PKGS := libturbojpeg
test_focus_LIBS := -ldl
$(OBJ)/tests/unit/test_focus.o: CPPFLAGS += -Iagents/capture
