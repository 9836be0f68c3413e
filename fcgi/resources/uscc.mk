# fcgi/resources/uscc.mk: the unified social credit code check (GB 32100-2015).
# Included from fcgi/local.mk.  libc only: the server adds
# $(PAICHA_SOURCES_USCC) to its sources; the unit test compiles uscc.c
# itself, so it needs nothing else of the server.

PAICHA_SOURCES_USCC = fcgi/resources/uscc.c fcgi/resources/uscc.h

check_PROGRAMS += tests/unit/test-uscc
TESTS += tests/unit/test-uscc
tests_unit_test_uscc_SOURCES = tests/unit/test-uscc.c $(PAICHA_SOURCES_USCC)
tests_unit_test_uscc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_uscc_LDADD = $(CMOCKA_LIBS)
