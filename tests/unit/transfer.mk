# Unit tests of skylapse-transfer: command lines and the state machine
# (test_transfer), verification, clean-up choices, retention
# and hashing jobs (test_transfer_verify). No network, no MQTT.
TRANSFER_TEST_SRCS := agents/transfer/state.c agents/transfer/catalog.c \
	agents/transfer/verify.c agents/transfer/rsync.c agents/transfer/cleanup.c \
	agents/transfer/retention.c agents/transfer/hashing.c agents/transfer/settings.c
UNIT_TESTS += test_transfer test_transfer_verify
test_transfer_SRCS := $(TRANSFER_TEST_SRCS) tests/unit/testutil.c
test_transfer_verify_SRCS := $(TRANSFER_TEST_SRCS) tests/unit/testutil.c
$(OBJ)/tests/unit/test_transfer.o $(OBJ)/tests/unit/test_transfer_verify.o: CPPFLAGS += -Iagents/transfer
