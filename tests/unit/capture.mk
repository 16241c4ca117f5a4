# Unit tests of skylapse-capture's camera sources (agents/capture/camera*).
# camera.c names every source's ops, so each test links all of them. The
# libcamera test goes through the plugin loader, as the agent does, with
# SKYLAPSE_PLUGIN_DIR pointing at the built plugin (scripts/run-unit.sh).
UNIT_TESTS += test_camera_sim test_camera_dir test_camera_libcamera

test_camera_sim_SRCS := $(CAPTURE_CAMERA_SRCS)
test_camera_sim_PKGS := libturbojpeg
test_camera_sim_LIBS := -ldl

test_camera_dir_SRCS := $(CAPTURE_CAMERA_SRCS) tests/unit/testutil.c
test_camera_dir_PKGS := libturbojpeg
test_camera_dir_LIBS := -ldl

test_camera_libcamera_SRCS := $(CAPTURE_CAMERA_SRCS)
test_camera_libcamera_PKGS := libturbojpeg
test_camera_libcamera_LIBS := -ldl
ifeq ($(HAVE_LIBCAMERA),1)
$(OBJ)/tests/unit/test_camera_libcamera.o: CPPFLAGS += -DHAVE_LIBCAMERA=1
endif

$(OBJ)/tests/unit/test_camera_%.o: CPPFLAGS += -Iagents/capture
