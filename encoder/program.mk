# skylapse-encoder: MQTT encode jobs -> videos, keograms and star trails (and `encode` on a folder).
ENCODER_SRCS := encoder/job.c encoder/select.c encoder/colour.c encoder/decode.c \
	encoder/pipeline.c encoder/deflicker.c encoder/mux.c encoder/fuse.c \
	encoder/video.c encoder/keogram.c encoder/startrails.c encoder/state.c encoder/registry.c \
	encoder/job_run.c encoder/worker.c encoder/ha_encoder.c encoder/cmd_encode.c
ENCODER_PKGS := libavcodec libavformat libswscale libavutil libturbojpeg

PROGRAMS += skylapse-encoder
skylapse-encoder_SRCS := encoder/main.c encoder/settings.c $(ENCODER_SRCS)
skylapse-encoder_PKGS := $(ENCODER_PKGS)
