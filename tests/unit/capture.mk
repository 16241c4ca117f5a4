# Unit tests of skylapse-capture's camera sources (agents/capture/camera*).
# camera.c names every source's ops, so each test links all of them; the
# sim and dir tests take the libcamera stand-in, the libcamera test the real
# shim when libcamera-dev is installed.
CAPTURE_UNIT_SRCS := agents/capture/camera.c agents/capture/camera_sim.c \
	agents/capture/camera_sim_sky.c agents/capture/camera_sim_render.c \
	agents/capture/camera_dir.c \
	agents/capture/camera_controls_map.c

UNIT_TESTS += test_camera_sim test_camera_dir test_camera_libcamera

test_camera_sim_SRCS := $(CAPTURE_UNIT_SRCS) agents/capture/camera_libcamera_none.c
test_camera_sim_PKGS := libturbojpeg

test_camera_dir_SRCS := $(CAPTURE_UNIT_SRCS) agents/capture/camera_libcamera_none.c
test_camera_dir_PKGS := libturbojpeg

ifeq ($(HAVE_LIBCAMERA),1)
test_camera_libcamera_SRCS := $(CAPTURE_UNIT_SRCS) agents/capture/camera_libcamera.cpp
test_camera_libcamera_PKGS := libturbojpeg libcamera
$(OBJ)/tests/unit/test_camera_libcamera.o: CPPFLAGS += -DHAVE_LIBCAMERA=1
else
test_camera_libcamera_SRCS := $(CAPTURE_UNIT_SRCS) agents/capture/camera_libcamera_none.c
test_camera_libcamera_PKGS := libturbojpeg
endif

$(OBJ)/tests/unit/test_camera_%.o: CPPFLAGS += -Iagents/capture
