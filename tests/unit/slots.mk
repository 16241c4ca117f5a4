# Unit tests of lib/slots.c (fixed-rate slot arithmetic).
UNIT_TESTS += test_slots
