# libFuzzer targets: tests/fuzz/NAME.c over the production parsers, built
# with clang and ASan + UBSan into build/fuzz/ (whatever SANITIZE says).
#   make fuzz [FUZZ_SECONDS=60]  each target for that long, one at a time
#   make fuzz-replay             every corpus file once (part of make test)
# Each target's corpus is tests/fuzz/corpus/NAME/; NAME_SRCS are the
# production sources it links beside lib/, as tests/unit/*.mk name them.
FUZZ_TARGETS := capture_request encode_job scheduler config http_path http_range sidecar \
	announcement bridge_state job_state plan
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# assert() on, unlike the release build; warnings as the project's, for clang
# (whose -Wstring-plus-int objects to sse.c's PRELUDE + offset)
FUZZ_CPPFLAGS := -D_GNU_SOURCE -Ilib -MMD -MP -DSOURCE_ROOT=\"$(CURDIR)\"
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-string-plus-int $(if $(CI)$(WERROR),-Werror) $(FUZZ_SAN) -fsanitize=fuzzer-no-link

fuzz_capture_request_SRCS := $(filter-out tests/unit/testutil.c,$(test_capture_SRCS))
fuzz_capture_request_PKGS := $(test_capture_PKGS)
fuzz_capture_request_LIBS := -ldl
fuzz_capture_request_INC := -Iagents/capture
fuzz_encode_job_SRCS := encoder/job.c
fuzz_encode_job_INC := -Iencoder
fuzz_scheduler_SRCS := $(SCHEDULER_LOGIC_SRCS)
fuzz_scheduler_INC := -Iagents/scheduler
fuzz_config_SRCS := agents/capture/settings.c agents/transfer/settings.c \
	agents/transfer/retention.c agents/transfer/rsync.c bridge-http/settings.c bridge-http/auth_cors.c \
	encoder/settings.c encoder/job.c
fuzz_http_path_SRCS := $(filter-out bridge-http/main.c,$(skylapse-bridge_SRCS))
fuzz_http_path_PKGS := $(skylapse-bridge_PKGS)
fuzz_http_path_INC := -Ibridge-http
fuzz_http_range_SRCS := bridge-http/urlparse.c
fuzz_http_range_INC := -Ibridge-http
fuzz_sidecar_SRCS := agents/transfer/verify.c
fuzz_sidecar_INC := -Iagents/transfer
fuzz_announcement_SRCS := agents/transfer/verify.c agents/transfer/catalog.c bridge-http/state.c
fuzz_announcement_INC := -Ibridge-http -Iagents/transfer
fuzz_bridge_state_SRCS := bridge-http/state.c
fuzz_bridge_state_INC := -Ibridge-http
fuzz_job_state_SRCS := $(ENCODER_TEST_SRCS) agents/transfer/retention.c
fuzz_job_state_PKGS := $(ENCODER_TEST_PKGS)
fuzz_job_state_INC := -Iencoder -Iagents/transfer
fuzz_plan_SRCS := agents/capture/plan.c
fuzz_plan_INC := -Iagents/capture

FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
FUZZ_LIB := $(FUZZ_DIR)/libskylapse.a
fuzz_objs = $(addprefix $(FUZZ_DIR)/obj/,$(addsuffix .o,$(basename $(1))))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_INC) $(FUZZ_CFLAGS) $(LIB_CFLAGS) \
		$(if $(FUZZ_PKGS),$(call pc_cflags,$(FUZZ_PKGS))) -c $< -o $@

$(FUZZ_LIB): $(call fuzz_objs,$(LIB_SRCS))
	rm -f $@ && ar rcs $@ $^

define fuzz_rule
$(FUZZ_DIR)/obj/tests/fuzz/$(1).o: FUZZ_INC := $$(fuzz_$(1)_INC)
$(FUZZ_DIR)/obj/tests/fuzz/$(1).o: FUZZ_PKGS := $$(fuzz_$(1)_PKGS)
$(FUZZ_DIR)/$(1): $(FUZZ_DIR)/obj/tests/fuzz/$(1).o $$(call fuzz_objs,$$(fuzz_$(1)_SRCS)) $(FUZZ_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $$@ $$^ \
		$$(call pc_libs,$$(fuzz_$(1)_PKGS) $(LIB_PKGS)) $$(fuzz_$(1)_LIBS) $(PAHO_LIBS) -lpthread -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

.PHONY: fuzz fuzz-replay
fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $^

fuzz-replay: $(FUZZ_BINS)
	@tests/fuzz/run.sh replay 0 $^
