# skylapse-transfer: the server's rsync-over-SSH puller with verified Pi clean-up.
TRANSFER_CORE_SRCS := agents/transfer/state.c agents/transfer/catalog.c \
	agents/transfer/verify.c agents/transfer/rsync.c agents/transfer/child.c \
	agents/transfer/cleanup.c agents/transfer/retention.c \
	agents/transfer/hashing.c agents/transfer/transfer.c

PROGRAMS += skylapse-transfer
skylapse-transfer_SRCS := agents/transfer/main.c agents/transfer/settings.c \
	agents/transfer/ha_transfer.c $(TRANSFER_CORE_SRCS)
