# Skylapse: one Makefile for every program, library and test.
#
#   make                 build everything into build/bin/
#   make test            unit tests (cmocka), the fuzz corpora, integration tests (pytest)
#   make fuzz            the libFuzzer targets, FUZZ_SECONDS each (tests/fuzz/fuzz.mk)
#   make run             the whole system on this machine (see scripts/run.sh)
#   make demo            the same on today's sunset, 40 times faster, to its video
#   make SANITIZE=1 test the same with ASan + UBSan, in build/sanitize/
#   make SANITIZE=thread test  the same with ThreadSanitizer, in build/tsan/
#   make fresh-check     make test and make run on a fresh Debian 12 (scripts/fresh-check.sh)
#   make docker-check    the compose stack built and run in a Docker engine (scripts/docker-check.sh)
#   make systemd-check   the Pi's units under systemd in a container (scripts/systemd-check.sh)
#
# Each program folder brings a program.mk that appends to PROGRAMS and names
# its sources; each unit test is declared in tests/unit/*.mk. Missing Debian
# packages are installed first (scripts/deps.sh), so pkg-config is only asked
# after that, through lazily expanded variables.

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build/sanitize
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASSERTS :=
else ifeq ($(SANITIZE),thread)
BUILD ?= build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
ASSERTS :=
else
BUILD ?= build
SANFLAGS :=
# assert() states invariants; it is compiled into the sanitizer builds only (as SQLite's)
ASSERTS := -DNDEBUG
endif
BIN := $(BUILD)/bin
OBJ := $(BUILD)/obj
DEPS_STAMP := build/.deps-ok

CC ?= cc
CXX ?= c++
# -Wformat-truncation guesses at snprintf bounds it cannot know; we check
# snprintf results where truncation matters, so it only adds noise.
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-format-truncation
ifneq ($(CI)$(WERROR),)
WARN += -Werror
endif
OPT ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Ilib -MMD -MP -DSOURCE_ROOT=\"$(CURDIR)\" $(ASSERTS)
CFLAGS += -std=c11 $(OPT) $(WARN) $(SANFLAGS)
CXXFLAGS += -std=c++17 $(OPT) -Wall -Wextra -Wshadow $(if $(CI)$(WERROR),-Werror) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)

# Missing Debian packages are installed while the Makefile is read, so that
# pkg-config below already sees them (a fresh machine needs nothing else).
ifeq ($(wildcard $(DEPS_STAMP)),)
DEPS_RC := $(shell scripts/deps.sh 1>&2 && mkdir -p build && touch $(DEPS_STAMP) && echo ok)
ifneq ($(DEPS_RC),ok)
$(error scripts/deps.sh could not install the packages of scripts/packages.txt)
endif
endif

pc_cflags = $(shell pkg-config --cflags $(1))
pc_libs = $(shell pkg-config --libs $(1))
PAHO_LIBS := -lpaho-mqtt3as
LIB_PKGS := jansson libcrypto
LIB_CFLAGS := $(call pc_cflags,$(LIB_PKGS))
HAVE_LIBCAMERA := $(shell pkg-config --exists libcamera && echo 1)

# the program.mk files below define rules of their own: `make` alone builds all
.DEFAULT_GOAL := all
PROGRAMS :=
EXTRA_TARGETS :=
UNIT_TESTS :=
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS = $(LIB_SRCS:%.c=$(OBJ)/%.o)
LIBSKY := $(BUILD)/libskylapse.a

-include $(wildcard agents/*/program.mk encoder/program.mk bridge-http/program.mk)
-include $(wildcard tests/unit/*.mk)
-include $(wildcard tests/fuzz/fuzz.mk)
include scripts/install.mk

.PHONY: all deps test unit integration faults e2e run clean bench format fresh-check docker-check systemd-check valgrind
all: $(PROGRAMS:%=$(BIN)/%) $(EXTRA_TARGETS) dashboard/vendor/uPlot.esm.js

# the dashboard's one library (uPlot), copied from npm's node_modules
dashboard/vendor/uPlot.esm.js: package-lock.json scripts/dashboard-vendor.sh
	@scripts/dashboard-vendor.sh

deps:
	@scripts/deps.sh && mkdir -p build && touch $(DEPS_STAMP)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LIB_CFLAGS) -c $< -o $@

$(OBJ)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(call pc_cflags,libcamera) -c $< -o $@

# position-independent objects for plugins (shared objects loaded with dlopen)
$(OBJ)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden $(LIB_CFLAGS) -c $< -o $@

$(OBJ)/pic/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -fPIC -fvisibility=hidden $(call pc_cflags,libcamera) -c $< -o $@

$(LIBSKY): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

objs = $(addprefix $(OBJ)/,$(addsuffix .o,$(basename $(1))))

# program template: NAME_SRCS, NAME_PKGS (pkg-config names), NAME_LIBS (extra -l)
define program_rule
$(BIN)/$(1): $$(call objs,$$($(1)_SRCS)) $(LIBSKY)
	@mkdir -p $$(dir $$@)
	$$(if $$(filter %.cpp,$$($(1)_SRCS)),$$(CXX),$$(CC)) $$(LDFLAGS) -o $$@ $$^ $$(call pc_libs,$$($(1)_PKGS) $(LIB_PKGS)) $$($(1)_LIBS) $(PAHO_LIBS) -lpthread -lm
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

# unit test template: test_NAME_SRCS are extra sources beside tests/unit/test_NAME.c
define unit_rule
$(BUILD)/tests/$(1): $(OBJ)/tests/unit/$(1).o $$(call objs,$$($(1)_SRCS)) $(LIBSKY)
	@mkdir -p $$(dir $$@)
	$$(if $$(filter %.cpp,$$($(1)_SRCS)),$$(CXX),$$(CC)) $$(LDFLAGS) -o $$@ $$^ $$(call pc_libs,cmocka $$($(1)_PKGS) $(LIB_PKGS)) $$($(1)_LIBS) $(PAHO_LIBS) -lpthread -lm
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

test: unit fuzz-replay integration e2e

unit: $(UNIT_TESTS:%=$(BUILD)/tests/%) $(EXTRA_TARGETS)
	@scripts/run-unit.sh $^

integration: all
	SKYLAPSE_BIN=$(abspath $(BIN)) SANITIZE=$(SANITIZE) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration

# the fault tests at full length: the edge broker's link cut for the issue's
# five real minutes (EDGE_CUT_SECONDS=N for another length; make test cuts 30 s)
faults: all
	EDGE_CUT_SECONDS=$${EDGE_CUT_SECONDS:-300} SKYLAPSE_BIN=$(abspath $(BIN)) SANITIZE=$(SANITIZE) /usr/bin/python3 -m pytest -q -p no:cacheprovider -s tests/integration/test_faults.py tests/integration/test_edge_broker.py

# the daemons of these integration tests under valgrind's memcheck: a definite leak or an
# invalid access in any daemon's log fails its test (tests/integration/conftest.py). Not the
# encoder: valgrind 3.19 stops at an instruction it does not know in the start-up of libhwy
# (FFmpeg's libjxl brings it in); make SANITIZE=1 test covers the encoder. The scheduler's
# memory is clean under it too, but its 1 s cadence tests miss slots at valgrind's speed.
VALGRIND_TESTS ?= test_capture.py test_bridge.py test_transfer.py
valgrind: all
	@command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
	SKYLAPSE_BIN=$(abspath $(BIN)) SKYLAPSE_VALGRIND=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider \
		$(addprefix tests/integration/,$(VALGRIND_TESTS))

# the dashboard in headless Chromium against the whole stack
e2e: all
	@scripts/e2e-deps.sh
	SKYLAPSE_BIN=$(abspath $(BIN)) SANITIZE=$(SANITIZE) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e

run: all
	@scripts/run.sh $(abspath $(BIN))

demo: all
	@scripts/demo.sh $(abspath $(BIN))

bench: all
	@bench/run.sh $(abspath $(BIN))

# the README's promise, kept: a clean clone of HEAD on a debootstrap'd Debian 12
fresh-check:
	@scripts/fresh-check.sh

# the compose stack built and brought up by its own dockerd, a frame from a stand-in Pi through it
docker-check: all
	@scripts/docker-check.sh

# deploy-capture.sh into a systemd-nspawn Debian 12 booted as the Pi
systemd-check: all
	@scripts/systemd-check.sh

format:
	clang-format -i $(shell git ls-files '*.c' '*.h' '*.cpp')

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
