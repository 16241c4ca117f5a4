# install.mk - `make install`: Skylapse laid out under PREFIX (default /usr/local).
#
#   PREFIX/bin/skylapse-*                      the programs of INSTALL_PROGRAMS
#   PREFIX/lib/skylapse/camera-libcamera.so    the camera plugin (when libcamera-dev exists);
#                                              skylapse-capture finds it at ../lib/skylapse
#   PREFIX/share/skylapse/dashboard/           the dashboard (with vendor/), for the bridge's
#                                              --dashboard / DASHBOARD_DIR
#   PREFIX/share/skylapse/schema/              the message contract (SKYLAPSE_OPENAPI=.../openapi.json)
#   PREFIX/share/skylapse/broker/, scripts/    the broker's templates and broker-users.sh
#   PREFIX/share/skylapse/systemd/             the units of config/systemd/
#   PREFIX/share/doc/skylapse/                 README.md and docs/ (the units' Documentation=)
#
# `make install-bin` installs only the programs and the plugin, building only those:
# the Pi runs `make install-bin INSTALL_PROGRAMS="skylapse-capture skylapse-bridge"`
# (no FFmpeg, no npm there). DESTDIR is honoured for packaging.

# Guarded so that `make -f Makefile -f scripts/install.mk` also works while the
# Makefile includes it.
ifndef SKYLAPSE_INSTALL_MK
SKYLAPSE_INSTALL_MK := 1

PREFIX ?= /usr/local
DESTDIR ?=
INSTALL ?= install
INSTALL_PROGRAMS ?= $(PROGRAMS)
SHARE_DIR := $(DESTDIR)$(PREFIX)/share/skylapse
DOC_DIR := $(DESTDIR)$(PREFIX)/share/doc/skylapse

.PHONY: install install-bin install-data install-doc uninstall

install: install-bin install-data

install-bin: $(INSTALL_PROGRAMS:%=$(BIN)/%) $(filter $(CAPTURE_PLUGIN),$(EXTRA_TARGETS)) install-doc
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/bin
	$(INSTALL) -m 755 $(INSTALL_PROGRAMS:%=$(BIN)/%) $(DESTDIR)$(PREFIX)/bin/
ifneq ($(filter $(CAPTURE_PLUGIN),$(EXTRA_TARGETS)),)
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/lib/skylapse
	$(INSTALL) -m 644 $(CAPTURE_PLUGIN) $(DESTDIR)$(PREFIX)/lib/skylapse/
endif

# Folders are copied whole (cp -R), then made world-readable: the bridge
# serves every file of the dashboard, so nothing private belongs there.
install-data: dashboard/vendor/uPlot.esm.js
	$(INSTALL) -d $(SHARE_DIR) $(SHARE_DIR)/broker $(SHARE_DIR)/scripts $(SHARE_DIR)/systemd
	rm -rf $(SHARE_DIR)/dashboard $(SHARE_DIR)/schema
	cp -R dashboard schema $(SHARE_DIR)/
	chmod -R u=rwX,go=rX $(SHARE_DIR)/dashboard $(SHARE_DIR)/schema
	$(INSTALL) -m 644 broker/acl.template broker/mosquitto.prod.conf $(SHARE_DIR)/broker/
	$(INSTALL) -m 755 scripts/broker-users.sh $(SHARE_DIR)/scripts/
	$(INSTALL) -m 644 config/systemd/*.service $(SHARE_DIR)/systemd/

# what the units name in Documentation=, on the Pi too
install-doc:
	$(INSTALL) -d $(DOC_DIR)/docs
	$(INSTALL) -m 644 README.md $(DOC_DIR)/
	$(INSTALL) -m 644 docs/*.md $(DOC_DIR)/docs/

uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(PREFIX)/bin/%)
	rm -rf $(DESTDIR)$(PREFIX)/lib/skylapse $(SHARE_DIR) $(DOC_DIR)

endif
