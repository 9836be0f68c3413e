# tests/fuzz/: libFuzzer targets, one per parser of untrusted input.
# Built only by `./configure --enable-fuzzers` (CC=clang) and
# `make fuzzers`; ./run test runs each for a bounded time on its seed
# corpus (tests/fuzz/corpus/<target>/), ./run soak for longer.
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/dict tests/fuzz/run-fuzzers.sh

if FUZZERS
FUZZ_TARGETS = \
	tests/fuzz/fuzz-front \
	tests/fuzz/fuzz-body \
	tests/fuzz/fuzz-query \
	tests/fuzz/fuzz-cookie \
	tests/fuzz/fuzz-uscc \
	tests/fuzz/fuzz-workflow \
	tests/fuzz/fuzz-if-match \
	tests/fuzz/fuzz-sheet \
	tests/fuzz/fuzz-files
noinst_PROGRAMS += $(FUZZ_TARGETS)

FUZZ_COMMON = tests/fuzz/fuzz.h tests/fuzz/fuzz-req.c
FUZZ_LDADD = $(PAICHA_LIBS)

tests_fuzz_fuzz_front_SOURCES = tests/fuzz/fuzz-front.c $(FUZZ_COMMON)
tests_fuzz_fuzz_front_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_front_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_front_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_body_SOURCES = tests/fuzz/fuzz-body.c $(FUZZ_COMMON)
tests_fuzz_fuzz_body_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_body_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_body_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_query_SOURCES = tests/fuzz/fuzz-query.c $(FUZZ_COMMON)
tests_fuzz_fuzz_query_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_query_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_query_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_cookie_SOURCES = tests/fuzz/fuzz-cookie.c $(FUZZ_COMMON)
tests_fuzz_fuzz_cookie_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_cookie_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_cookie_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_uscc_SOURCES = tests/fuzz/fuzz-uscc.c $(FUZZ_COMMON)
tests_fuzz_fuzz_uscc_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_uscc_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_uscc_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_workflow_SOURCES = tests/fuzz/fuzz-workflow.c $(FUZZ_COMMON)
tests_fuzz_fuzz_workflow_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_workflow_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_workflow_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_if_match_SOURCES = tests/fuzz/fuzz-if-match.c $(FUZZ_COMMON)
tests_fuzz_fuzz_if_match_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_if_match_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_if_match_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_sheet_SOURCES = tests/fuzz/fuzz-sheet.c $(FUZZ_COMMON)
tests_fuzz_fuzz_sheet_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_sheet_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_sheet_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_files_SOURCES = tests/fuzz/fuzz-files.c $(FUZZ_COMMON)
tests_fuzz_fuzz_files_CFLAGS = $(PAICHA_CFLAGS)
tests_fuzz_fuzz_files_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_files_LDADD = $(FUZZ_LDADD)

fuzzers: $(FUZZ_TARGETS)
else
fuzzers:
	@echo "configure with --enable-fuzzers (CC=clang) to build the fuzz targets" >&2; exit 1
endif
.PHONY: fuzzers
