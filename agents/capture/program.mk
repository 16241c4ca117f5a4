# skylapse-capture: the Pi's capture agent.
CAPTURE_CAMERA_SRCS := agents/capture/camera.c agents/capture/camera_sim.c \
	agents/capture/camera_sim_sky.c agents/capture/camera_sim_render.c \
	agents/capture/camera_controls_map.c \
	agents/capture/camera_dir.c
ifeq ($(HAVE_LIBCAMERA),1)
CAPTURE_CAMERA_SRCS += agents/capture/camera_libcamera.cpp
CAPTURE_CAMERA_PKGS := libcamera
else
CAPTURE_CAMERA_SRCS += agents/capture/camera_libcamera_none.c
CAPTURE_CAMERA_PKGS :=
endif

PROGRAMS += skylapse-capture
skylapse-capture_SRCS := agents/capture/main.c agents/capture/capture.c \
	agents/capture/frame_store.c agents/capture/status.c \
	agents/capture/preview.c agents/capture/plan.c agents/capture/journal.c $(CAPTURE_CAMERA_SRCS)
skylapse-capture_PKGS := libturbojpeg $(CAPTURE_CAMERA_PKGS)
