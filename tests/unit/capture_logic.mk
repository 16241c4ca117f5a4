# Unit tests of skylapse-capture's logic (no broker): requests run through the
# daemon's path, the writer thread on a real loop included.
UNIT_TESTS += test_capture
test_capture_SRCS := agents/capture/request.c agents/capture/capture.c agents/capture/settings.c \
	agents/capture/exposure.c agents/capture/exposure_run.c \
	agents/capture/frame_store.c agents/capture/status.c agents/capture/writer.c \
	agents/capture/exif.c agents/capture/fault.c $(CAPTURE_CAMERA_SRCS) \
	tests/unit/testutil.c
test_capture_PKGS := libturbojpeg libexif
test_capture_LIBS := -ldl
$(OBJ)/tests/unit/test_capture.o: CPPFLAGS += -Iagents/capture

UNIT_TESTS += test_plan_journal
test_plan_journal_SRCS := agents/capture/plan.c agents/capture/slotbook.c agents/capture/journal.c \
	agents/capture/recall.c agents/capture/frame_store.c agents/capture/fault.c tests/unit/testutil.c
$(OBJ)/tests/unit/test_plan_journal.o: CPPFLAGS += -Iagents/capture

UNIT_TESTS += test_exif
test_exif_SRCS := agents/capture/exif.c
test_exif_PKGS := libturbojpeg libexif
$(OBJ)/tests/unit/test_exif.o: CPPFLAGS += -Iagents/capture
