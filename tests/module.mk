# Unit tests and fuzz targets are found by name; guests are added by tests/guests.
UNIT_TESTS   += $(wildcard tests/unit/test_*.c)
FUZZ_TARGETS += $(wildcard tests/fuzz/fuzz_*.c)
-include tests/guests/module.mk
-include tests/guests/cases/module.mk
