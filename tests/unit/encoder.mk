# Unit tests of skylapse-encoder: job rules and take-over decisions
# (test_encoder_job), frame maths, selection and the pipeline (test_encoder_media),
# exposure fusion (test_encoder_fuse), star trails (test_encoder_media).
ENCODER_TEST_SRCS := encoder/job.c encoder/select.c encoder/colour.c encoder/decode.c \
	encoder/pipeline.c encoder/deflicker.c encoder/mux.c encoder/fuse.c \
	encoder/video.c encoder/startrails.c encoder/state.c encoder/registry.c encoder/settings.c
ENCODER_TEST_PKGS := libavcodec libavformat libswscale libavutil libturbojpeg

UNIT_TESTS += test_encoder_job test_encoder_media test_encoder_fuse
test_encoder_fuse_SRCS := encoder/fuse.c
test_encoder_job_SRCS := $(ENCODER_TEST_SRCS) tests/unit/testutil.c
test_encoder_job_PKGS := $(ENCODER_TEST_PKGS)
test_encoder_media_SRCS := $(ENCODER_TEST_SRCS) tests/unit/testutil.c
test_encoder_media_PKGS := $(ENCODER_TEST_PKGS)

# the tests include the encoder's headers by name
$(OBJ)/tests/unit/test_encoder_job.o $(OBJ)/tests/unit/test_encoder_media.o \
	$(OBJ)/tests/unit/test_encoder_fuse.o: CPPFLAGS += -Iencoder
