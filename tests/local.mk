# tests/: cmocka unit tests (run by make check) and the end-to-end
# programs (built by make check, run by ./run test against a live stack).
TEST_CFLAGS = $(PAICHA_CFLAGS) $(CMOCKA_CFLAGS)
TEST_LIBS = $(PAICHA_LIBS) $(CMOCKA_LIBS)
E2E_CFLAGS = $(PAICHA_CFLAGS) $(CMOCKA_CFLAGS) $(CURL_CFLAGS)
E2E_LIBS = tests/e2e/libe2e.a $(PQ_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) \
	$(CMOCKA_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)

noinst_LIBRARIES += tests/e2e/libe2e.a
tests_e2e_libe2e_a_SOURCES = tests/e2e/e2e.h tests/e2e/client.c
tests_e2e_libe2e_a_CFLAGS = $(E2E_CFLAGS)

E2E_TESTS = tests/e2e/e2e-foundation
check_PROGRAMS += $(E2E_TESTS)
tests_e2e_e2e_foundation_SOURCES = tests/e2e/e2e-foundation.c
tests_e2e_e2e_foundation_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_foundation_LDADD = $(E2E_LIBS)

E2E_TESTS += tests/e2e/e2e-cases
tests_e2e_e2e_cases_SOURCES = tests/e2e/e2e-cases.c
tests_e2e_e2e_cases_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_cases_LDADD = $(E2E_LIBS)

E2E_TESTS += tests/e2e/e2e-fault
tests_e2e_e2e_fault_SOURCES = tests/e2e/e2e-fault.c
tests_e2e_e2e_fault_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_fault_LDADD = $(E2E_LIBS)

E2E_TESTS += tests/e2e/e2e-races
tests_e2e_e2e_races_SOURCES = tests/e2e/e2e-races.c
tests_e2e_e2e_races_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_races_LDADD = $(E2E_LIBS)
