# tests/: cmocka unit tests (run by make check) and the end-to-end
# programs (built by make check, run by ./run test against a live stack).
TEST_CFLAGS = $(PAICHA_CFLAGS) $(CMOCKA_CFLAGS)
TEST_LIBS = $(PAICHA_LIBS) $(CMOCKA_LIBS)
E2E_CFLAGS = $(PAICHA_CFLAGS) $(CMOCKA_CFLAGS) $(CURL_CFLAGS)
E2E_LIBS = tests/e2e/libe2e.a $(PQ_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) \
	$(CMOCKA_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)

# Unit tests of the service's pure modules, linked from its library.
check_PROGRAMS += tests/unit/test-merkle
tests_unit_test_merkle_SOURCES = tests/unit/test-merkle.c
tests_unit_test_merkle_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_merkle_LDADD = fcgi/libpaicha.a $(CRYPTO_LIBS) $(CMOCKA_LIBS) \
	$(PTHREAD_LIBS)
TESTS += tests/unit/test-merkle

noinst_LIBRARIES += tests/e2e/libe2e.a
tests_e2e_libe2e_a_SOURCES = tests/e2e/e2e.h tests/e2e/client.c \
	tests/e2e/fixtures.c $(PAICHA_SOURCES_USCC) \
	tests/e2e/instance.h tests/e2e/instance.c
tests_e2e_libe2e_a_CFLAGS = $(E2E_CFLAGS)

E2E_TESTS = tests/e2e/e2e-foundation tests/e2e/e2e-sessions \
	tests/e2e/e2e-roles tests/e2e/e2e-regions tests/e2e/e2e-rls \
	tests/e2e/e2e-enterprises tests/e2e/e2e-users tests/e2e/e2e-reference \
	tests/e2e/e2e-audit
check_PROGRAMS += $(E2E_TESTS)
tests_e2e_e2e_foundation_SOURCES = tests/e2e/e2e-foundation.c
tests_e2e_e2e_foundation_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_foundation_LDADD = $(E2E_LIBS)

# Identity, access and reference data (issue 4).
tests_e2e_e2e_sessions_SOURCES = tests/e2e/e2e-sessions.c
tests_e2e_e2e_sessions_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_sessions_LDADD = $(E2E_LIBS)
tests_e2e_e2e_roles_SOURCES = tests/e2e/e2e-roles.c
tests_e2e_e2e_roles_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_roles_LDADD = $(E2E_LIBS)
tests_e2e_e2e_regions_SOURCES = tests/e2e/e2e-regions.c
tests_e2e_e2e_regions_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_regions_LDADD = $(E2E_LIBS)
tests_e2e_e2e_rls_SOURCES = tests/e2e/e2e-rls.c
tests_e2e_e2e_rls_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_rls_LDADD = $(E2E_LIBS)
tests_e2e_e2e_enterprises_SOURCES = tests/e2e/e2e-enterprises.c
tests_e2e_e2e_enterprises_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_enterprises_LDADD = $(E2E_LIBS)
tests_e2e_e2e_users_SOURCES = tests/e2e/e2e-users.c
tests_e2e_e2e_users_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_users_LDADD = $(E2E_LIBS)
# The workflow document is checked against the library's own tables.
tests_e2e_e2e_reference_SOURCES = tests/e2e/e2e-reference.c
tests_e2e_e2e_reference_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_reference_LDADD = $(E2E_LIBS) workflow/libworkflow.a

E2E_TESTS += tests/e2e/e2e-cases
tests_e2e_e2e_cases_SOURCES = tests/e2e/e2e-cases.c
tests_e2e_e2e_cases_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_cases_LDADD = $(E2E_LIBS)

# Issue 23: the free-text search through its index gives the ILIKE's
# cases on a check set.
E2E_TESTS += tests/e2e/e2e-search
tests_e2e_e2e_search_SOURCES = tests/e2e/e2e-search.c
tests_e2e_e2e_search_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_search_LDADD = $(E2E_LIBS)

# Issue 21: the enterprise profile, problem types, spot-check batches and
# risk grades; and the SQL tests of tests/sql/ (the grading rule's).
E2E_TESTS += tests/e2e/e2e-profile tests/e2e/e2e-sql
tests_e2e_e2e_profile_SOURCES = tests/e2e/e2e-profile.c
tests_e2e_e2e_profile_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_profile_LDADD = $(E2E_LIBS)
tests_e2e_e2e_sql_SOURCES = tests/e2e/e2e-sql.c
tests_e2e_e2e_sql_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_sql_LDADD = $(E2E_LIBS)

# Beyond one machine (docs/SCALING.md): each starts stacks of its own.
E2E_TESTS += tests/e2e/e2e-replica
tests_e2e_e2e_replica_SOURCES = tests/e2e/e2e-replica.c
tests_e2e_e2e_replica_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_replica_LDADD = $(E2E_LIBS)

E2E_TESTS += tests/e2e/e2e-instances
tests_e2e_e2e_instances_SOURCES = tests/e2e/e2e-instances.c
tests_e2e_e2e_instances_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_instances_LDADD = $(E2E_LIBS)

E2E_TESTS += tests/e2e/e2e-national
tests_e2e_e2e_national_SOURCES = tests/e2e/e2e-national.c
tests_e2e_e2e_national_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_national_LDADD = $(E2E_LIBS)

# Unit tests of the service's own code, on requests made in memory.
FAKE_FCGI = tests/unit/fake-fcgi.c tests/unit/fake-fcgi.h
check_PROGRAMS += tests/unit/test-front-line tests/unit/test-parsers
TESTS += tests/unit/test-front-line tests/unit/test-parsers
tests_unit_test_front_line_SOURCES = tests/unit/test-front-line.c $(FAKE_FCGI)
tests_unit_test_front_line_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_front_line_LDADD = $(TEST_LIBS)
tests_unit_test_parsers_SOURCES = tests/unit/test-parsers.c $(FAKE_FCGI)
tests_unit_test_parsers_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_parsers_LDADD = $(TEST_LIBS)
# Evidence files: names, dispositions, ranges, types, the raw body.
check_PROGRAMS += tests/unit/test-files
TESTS += tests/unit/test-files
tests_unit_test_files_SOURCES = tests/unit/test-files.c $(FAKE_FCGI)
tests_unit_test_files_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_files_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/unit/test-password
TESTS += tests/unit/test-password
tests_unit_test_password_SOURCES = tests/unit/test-password.c
tests_unit_test_password_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_password_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/unit/test-password-rules
TESTS += tests/unit/test-password-rules
tests_unit_test_password_rules_SOURCES = tests/unit/test-password-rules.c
tests_unit_test_password_rules_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_password_rules_LDADD = $(TEST_LIBS)

E2E_TESTS += tests/e2e/e2e-fault
tests_e2e_e2e_fault_SOURCES = tests/e2e/e2e-fault.c
tests_e2e_e2e_fault_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_fault_LDADD = $(E2E_LIBS)

E2E_TESTS += tests/e2e/e2e-races
tests_e2e_e2e_races_SOURCES = tests/e2e/e2e-races.c
tests_e2e_e2e_races_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_races_LDADD = $(E2E_LIBS)

E2E_TESTS += tests/e2e/e2e-tamper
tests_e2e_e2e_tamper_SOURCES = tests/e2e/e2e-tamper.c tests/e2e/trail.c \
	tests/e2e/trail.h
tests_e2e_e2e_tamper_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_tamper_LDADD = $(E2E_LIBS)

# No SQL built from strings at run time: every libpq call in fcgi/ takes
# a constant (a struct stmt's literal or a string literal).
TESTS += tests/unit/check-sql-constants.sh
EXTRA_DIST += tests/unit/check-sql-constants.sh

# ./run test runs the unit programs again with this as LOG_COMPILER.
EXTRA_DIST += tests/unit/valgrind.sh

# The audit trail's fixture and helpers (trail.c): e2e-audit and e2e-tamper.
tests_e2e_e2e_audit_SOURCES = tests/e2e/e2e-audit.c tests/e2e/trail.c \
	tests/e2e/trail.h fcgi/ledger/merkle.c fcgi/ledger/merkle.h
tests_e2e_e2e_audit_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_audit_LDADD = $(E2E_LIBS)

# Evidence files (issue 16).
E2E_TESTS += tests/e2e/e2e-files
tests_e2e_e2e_files_SOURCES = tests/e2e/e2e-files.c
tests_e2e_e2e_files_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_files_LDADD = $(E2E_LIBS)

# Activities and the statistics form (issue 6).
E2E_TESTS += tests/e2e/e2e-report
tests_e2e_e2e_report_SOURCES = tests/e2e/e2e-report.c
tests_e2e_e2e_report_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_report_LDADD = $(E2E_LIBS)

# Responsibility, reminders, supervision (issue 18).  e2e-duty runs the
# scheduler's own batch at chosen clocks: it links the service's library.
E2E_TESTS += tests/e2e/e2e-duty tests/e2e/e2e-sched
tests_e2e_e2e_duty_SOURCES = tests/e2e/e2e-duty.c
tests_e2e_e2e_duty_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_duty_LDADD = $(E2E_LIBS) $(PAICHA_LIBS)
tests_e2e_e2e_sched_SOURCES = tests/e2e/e2e-sched.c
tests_e2e_e2e_sched_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_sched_LDADD = $(E2E_LIBS)

# Data exchange (issue 22): the upload reader, the API's description.
check_PROGRAMS += tests/unit/test-sheet tests/unit/test-openapi
TESTS += tests/unit/test-sheet tests/unit/test-openapi
tests_unit_test_sheet_SOURCES = tests/unit/test-sheet.c
tests_unit_test_sheet_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_sheet_LDADD = $(TEST_LIBS)
tests_unit_test_openapi_SOURCES = tests/unit/test-openapi.c
tests_unit_test_openapi_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_openapi_LDADD = $(TEST_LIBS)

E2E_TESTS += tests/e2e/e2e-exchange
tests_e2e_e2e_exchange_SOURCES = tests/e2e/e2e-exchange.c
tests_e2e_e2e_exchange_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_exchange_LDADD = $(E2E_LIBS) $(XLSXWRITER_LIBS)
# The reporting cycle (issue 19): campaigns, the form as of a day,
# signed submissions, returns, late entries, roll-up, voids.  SHA-256
# from libcrypto, through the service's libraries.
E2E_TESTS += tests/e2e/e2e-cycle
tests_e2e_e2e_cycle_SOURCES = tests/e2e/e2e-cycle.c
tests_e2e_e2e_cycle_CFLAGS = $(E2E_CFLAGS) $(CRYPTO_CFLAGS)
tests_e2e_e2e_cycle_LDADD = $(E2E_LIBS) $(CRYPTO_LIBS)
# Across regions (issue 17): the directory, referrals (accept, return,
# the race), reading across by a referral's grant, case links.
E2E_TESTS += tests/e2e/e2e-referrals
tests_e2e_e2e_referrals_SOURCES = tests/e2e/e2e-referrals.c
tests_e2e_e2e_referrals_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_referrals_LDADD = $(E2E_LIBS)

# Webhooks (issue 22): the SSRF rules on literal addresses under each
# setting; the delivery against a receiver in the test (HMAC-SHA256 from
# libcrypto), after an outage, in order, beside the feed.
check_PROGRAMS += tests/unit/test-outbound
TESTS += tests/unit/test-outbound
tests_unit_test_outbound_SOURCES = tests/unit/test-outbound.c
tests_unit_test_outbound_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_outbound_LDADD = $(TEST_LIBS)
E2E_TESTS += tests/e2e/e2e-webhooks
tests_e2e_e2e_webhooks_SOURCES = tests/e2e/e2e-webhooks.c
tests_e2e_e2e_webhooks_CFLAGS = $(E2E_CFLAGS) $(CRYPTO_CFLAGS)
tests_e2e_e2e_webhooks_LDADD = $(E2E_LIBS) $(CRYPTO_LIBS)
# Enterprises as users (issue 20): accounts and the forced password
# change, checklists, self-inspections, the enterprise's own view.
E2E_TESTS += tests/e2e/e2e-portal
tests_e2e_e2e_portal_SOURCES = tests/e2e/e2e-portal.c
tests_e2e_e2e_portal_CFLAGS = $(E2E_CFLAGS)
tests_e2e_e2e_portal_LDADD = $(E2E_LIBS)
