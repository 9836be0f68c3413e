# workflow/: the case state machine, deadlines and calendar.  libc only.
noinst_LIBRARIES += workflow/libworkflow.a
workflow_libworkflow_a_SOURCES = \
	workflow/workflow.h \
	workflow/extern.h \
	workflow/role.c \
	workflow/state.c \
	workflow/field.c \
	workflow/text.c \
	workflow/file_kind.c \
	workflow/source.c \
	workflow/event.c \
	workflow/payload.c \
	workflow/decide.c \
	workflow/calendar.c \
	workflow/holidays.c \
	workflow/deadline.c

# Unit tests of the library: one program per behaviour, cmocka.
WF_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
WF_TEST_LDADD = workflow/libworkflow.a $(CMOCKA_LIBS)
WF_TEST_FAKE = tests/unit/fake-payload.c tests/unit/fake-payload.h

check_PROGRAMS += tests/unit/test-workflow-matrix
tests_unit_test_workflow_matrix_SOURCES = \
	tests/unit/test-workflow-matrix.c $(WF_TEST_FAKE)
tests_unit_test_workflow_matrix_CFLAGS = $(WF_TEST_CFLAGS)
tests_unit_test_workflow_matrix_LDADD = $(WF_TEST_LDADD)

TESTS += tests/unit/test-workflow-matrix

check_PROGRAMS += tests/unit/test-workflow-approval
tests_unit_test_workflow_approval_SOURCES = \
	tests/unit/test-workflow-approval.c $(WF_TEST_FAKE)
tests_unit_test_workflow_approval_CFLAGS = $(WF_TEST_CFLAGS)
tests_unit_test_workflow_approval_LDADD = $(WF_TEST_LDADD)
TESTS += tests/unit/test-workflow-approval

check_PROGRAMS += tests/unit/test-workflow-payload
tests_unit_test_workflow_payload_SOURCES = \
	tests/unit/test-workflow-payload.c $(WF_TEST_FAKE)
tests_unit_test_workflow_payload_CFLAGS = $(WF_TEST_CFLAGS)
tests_unit_test_workflow_payload_LDADD = $(WF_TEST_LDADD)
TESTS += tests/unit/test-workflow-payload

check_PROGRAMS += tests/unit/test-workflow-required
tests_unit_test_workflow_required_SOURCES = \
	tests/unit/test-workflow-required.c $(WF_TEST_FAKE)
tests_unit_test_workflow_required_CFLAGS = $(WF_TEST_CFLAGS)
tests_unit_test_workflow_required_LDADD = $(WF_TEST_LDADD)
TESTS += tests/unit/test-workflow-required

check_PROGRAMS += tests/unit/test-workflow-documents
tests_unit_test_workflow_documents_SOURCES = \
	tests/unit/test-workflow-documents.c $(WF_TEST_FAKE)
tests_unit_test_workflow_documents_CFLAGS = $(WF_TEST_CFLAGS)
tests_unit_test_workflow_documents_LDADD = $(WF_TEST_LDADD)
TESTS += tests/unit/test-workflow-documents

check_PROGRAMS += tests/unit/test-calendar
tests_unit_test_calendar_SOURCES = \
	tests/unit/test-calendar.c $(WF_TEST_FAKE)
tests_unit_test_calendar_CFLAGS = $(WF_TEST_CFLAGS)
tests_unit_test_calendar_LDADD = $(WF_TEST_LDADD)
TESTS += tests/unit/test-calendar

check_PROGRAMS += tests/unit/test-reminders
tests_unit_test_reminders_SOURCES = tests/unit/test-reminders.c
tests_unit_test_reminders_CFLAGS = $(WF_TEST_CFLAGS)
tests_unit_test_reminders_LDADD = $(WF_TEST_LDADD)
TESTS += tests/unit/test-reminders

check_PROGRAMS += tests/unit/test-deadlines
tests_unit_test_deadlines_SOURCES = \
	tests/unit/test-deadlines.c $(WF_TEST_FAKE)
tests_unit_test_deadlines_CFLAGS = $(WF_TEST_CFLAGS)
tests_unit_test_deadlines_LDADD = $(WF_TEST_LDADD)
TESTS += tests/unit/test-deadlines

# libworkflow.a references libc only (no libpq, libfcgi, Jansson).
TESTS += tests/unit/check-workflow-symbols.sh
EXTRA_DIST += tests/unit/check-workflow-symbols.sh

# The state diagram, drawn from the tables.  diagram.dot and diagram.svg
# are committed; make check diffs the DOT against wf-dot's output.
noinst_PROGRAMS += workflow/wf-dot
workflow_wf_dot_SOURCES = workflow/wf-dot.c
workflow_wf_dot_LDADD = workflow/libworkflow.a

TESTS += tests/unit/check-workflow-diagram.sh
EXTRA_DIST += tests/unit/check-workflow-diagram.sh \
	workflow/diagram.dot workflow/diagram.svg workflow/README.md

workflow-diagram: workflow/wf-dot$(EXEEXT)
	workflow/wf-dot$(EXEEXT) > $(srcdir)/workflow/diagram.dot
	dot -Tsvg $(srcdir)/workflow/diagram.dot > $(srcdir)/workflow/diagram.svg
.PHONY: workflow-diagram
