# Unit tests of the encoder's and the transfer's Home Assistant devices
# (test_ha_devices): discovery payloads and the encoder worker's status,
# without a broker.
UNIT_TESTS += test_ha_devices
test_ha_devices_SRCS := encoder/ha_encoder.c agents/transfer/ha_transfer.c tests/unit/testutil.c
$(OBJ)/tests/unit/test_ha_devices.o: CPPFLAGS += -Iencoder -Iagents/transfer
