# skylapse-capture: the Pi's capture agent. The libcamera source is a plugin
# (camera-libcamera.so, loaded on first use) built when libcamera-dev exists.
CAPTURE_CAMERA_SRCS := agents/capture/camera.c agents/capture/camera_sim.c \
	agents/capture/camera_sim_sky.c agents/capture/camera_sim_render.c \
	agents/capture/camera_controls_map.c agents/capture/camera_dir.c \
	agents/capture/camera_libcamera_load.c

PROGRAMS += skylapse-capture
skylapse-capture_SRCS := agents/capture/main.c agents/capture/request.c agents/capture/capture.c \
	agents/capture/exposure.c agents/capture/exposure_run.c \
	agents/capture/frame_store.c agents/capture/outbox.c agents/capture/status.c \
	agents/capture/plan.c agents/capture/offline.c agents/capture/slotbook.c \
	agents/capture/journal.c agents/capture/writer.c agents/capture/fault.c \
	agents/capture/recall.c \
	agents/capture/ha_camera.c agents/capture/settings.c agents/capture/exif.c \
	agents/capture/focus.c agents/capture/focus_measure.c \
	$(CAPTURE_CAMERA_SRCS)
skylapse-capture_PKGS := libturbojpeg libexif
skylapse-capture_LIBS := -ldl

CAPTURE_PLUGIN := $(BUILD)/lib/skylapse/camera-libcamera.so
ifeq ($(HAVE_LIBCAMERA),1)
EXTRA_TARGETS += $(CAPTURE_PLUGIN)
$(CAPTURE_PLUGIN): $(OBJ)/pic/agents/capture/camera_libcamera.o \
		$(OBJ)/pic/agents/capture/camera_controls_map.o
	@mkdir -p $(dir $@)
	$(CXX) -shared $(LDFLAGS) -o $@ $^ $(call pc_libs,libcamera libturbojpeg)
endif
