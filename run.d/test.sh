# run.d/test.sh: ./run test -- the unit tests (also under valgrind and
# ASan + UBSan), fuzzing, then the end-to-end programs, the browser test
# (browser.sh) and the isolation specs on a fresh test instance.
# shellcheck shell=bash

# ./run test: everything below, counting each part, then the total.
#
#   unit            make check on the build in place (gcc)
#   openapi         paicha-admin openapi, linted by Redocly CLI
#   valgrind        the same unit programs under memcheck
#   unit-san        make check on build-san/ (ASan + UBSan)
#   fuzz            each libFuzzer target of build-fuzz/ (clang) for
#                   PAICHA_FUZZ_SECONDS (20) on its committed corpus
#   e2e             a fresh test instance running build-san's service,
#                   and build-san's end-to-end programs against it
#   isolation       tests/isolation/*.spec on the instance's database
#   sanitizers      no ASan/UBSan/LSan report in the service's log

# ./run on the test instance: its own directory, port, cluster and keys,
# never an external database.  Its scheduler sweeps every second, so the
# tests of reminders (e2e-duty) wait seconds, not the default's 20.
TEST_VAR=$ROOT/var/test
test_instance() {
	env -u PAICHA_DATABASE_URL -u PAICHA_ADMIN_DATABASE_URL \
	    PAICHA_SCHED_INTERVAL="${PAICHA_SCHED_INTERVAL:-1}" \
	    PAICHA_VAR="$TEST_VAR" PAICHA_PORT="$TEST_PORT" "$ROOT/run" "$@" 7>&-
}

# The stacks end-to-end programs started beside the test instance
# ("$TEST_VAR-NAME", tests/e2e/instance.c): stopped even when the program
# died before it could.
scale_instances_stop() {
	local d
	for d in "$TEST_VAR"-*/; do
		[[ -d $d ]] || continue
		env -u PAICHA_DATABASE_URL -u PAICHA_ADMIN_DATABASE_URL \
		    PAICHA_VAR="${d%/}" "$ROOT/run" stop >/dev/null 2>&1 7>&- || true
	done
}

# Run each end-to-end test program of build DIR against the test
# instance; count them into E2E_PASS and E2E_FAIL.
run_e2e() {
	local dir=$1 prog rc t0
	local -a progs
	# Only programs whose source is in this checkout: one built on
	# another branch and left behind is not a test of this one.
	mapfile -t progs < <(find "$dir/tests/e2e" -maxdepth 1 -type f \
	    -name 'e2e-*' ! -name '*.*' -perm -u+x 2>/dev/null | LC_ALL=C sort |
	    while read -r p; do
		[[ -f $ROOT/tests/e2e/${p##*/}.c ]] && printf '%s\n' "$p"
	    done)
	if ((${#progs[@]} == 0)); then
		printf 'no end-to-end test programs in %s/tests/e2e yet\n' "$dir"
		return 0
	fi
	for prog in "${progs[@]}"; do
		printf '\n==> %s\n' "${prog#"$ROOT"/}"
		rc=0
		t0=$SECONDS
		env -u PAICHA_DATABASE_URL \
		    PAICHA_URL="https://localhost:$TEST_PORT" \
		    PAICHA_CA="$TEST_VAR/tls/cert.pem" \
		    PAICHA_ADMIN_DATABASE_URL="host=$TEST_VAR/pg/run dbname=paicha user=postgres" \
		    PAICHA_APP_DATABASE_URL="host=$TEST_VAR/pg/run dbname=paicha user=paicha_app" \
		    PAICHA_VAR="$TEST_VAR" PAICHA_PORT="$TEST_PORT" \
		    PAICHA_RUN="$ROOT/run" PAICHA_BUILD="$dir" \
		    timeout -k 10 "${PAICHA_E2E_TIMEOUT:-900}" "$prog" </dev/null 7>&- || rc=$?
		printf '%s: %d s\n' "${prog#"$ROOT"/}" $((SECONDS - t0))
		if ((rc == 0)); then
			E2E_PASS=$((E2E_PASS + 1))
		else
			printf '%s: FAILED (exit %d)\n' "${prog#"$ROOT"/}" "$rc"
			E2E_FAIL=$((E2E_FAIL + 1))
		fi
	done
}

# The counts of an automake test-suite.log: "PASS FAIL".
suite_counts() {
	awk '/^# (PASS|XFAIL):/ { p += $3 } /^# (FAIL|XPASS|ERROR):/ { f += $3 }
	    END { print p + 0, f + 0 }' "$1" 2>/dev/null || echo "0 1"
}

# Sanitizer reports in a log: their count (0: clean).
sanitizer_reports() {
	grep -a -c -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)' \
	    "$1" 2>/dev/null || true
}

# The unit tests (make check), then a fresh test instance and the
# end-to-end tests against it.  The last lines count the test programs
# that passed and failed.
E2E_PASS=0
E2E_FAIL=0
TEST_PASS=0
TEST_FAIL=0
declare -a TEST_LINES=()

# Count "PASS FAIL" for part NAME, with the seconds since the last part.
TALLY_T=$SECONDS
tally() {
	local name=$1 pass=$2 fail=$3
	TEST_PASS=$((TEST_PASS + pass))
	TEST_FAIL=$((TEST_FAIL + fail))
	TEST_LINES+=("$(printf '%-12s %d passed, %d failed (%d s)' "$name:" \
	    "$pass" "$fail" $((SECONDS - TALLY_T)))")
	TALLY_T=$SECONDS
}

cmd_test() {
	local rc p f k counts san=$ROOT/build-san fuzz=$ROOT/build-fuzz n t0

	check_paths
	lock_instance
	ensure_packages
	t0=$SECONDS
	build
	quietly "make check (building the tests)" 0 make -j"$(nproc)" check TESTS=
	TALLY_T=$SECONDS

	step "unit tests"
	rc=0
	make -j"$(nproc)" --no-print-directory check || rc=$?
	read -r p f < <(suite_counts test-suite.log)
	((rc == 0 || f > 0)) || f=1
	tally unit "$p" "$f"

	step "the OpenAPI description, linted with Redocly CLI"
	if openapi_lint; then
		tally openapi 1 0
	else
		tally openapi 0 1
	fi

	step "unit tests under valgrind memcheck"
	rc=0
	make -j"$(nproc)" --no-print-directory check TEST_SUITE_LOG=valgrind.log \
	    LOG_COMPILER="$ROOT/tests/unit/valgrind.sh" >/dev/null 2>&1 || rc=$?
	read -r p f < <(suite_counts valgrind.log)
	((rc == 0 || f > 0)) || f=1
	((f == 0)) || grep -a -B2 -A20 '^FAIL\|==[0-9]*==' valgrind.log | head -60
	tally valgrind "$p" "$f"

	step "ASan + UBSan build in ${san#"$ROOT"/}"
	build_variant "$san" "--enable-sanitizers" all check TESTS=
	step "unit tests under ASan + UBSan"
	rc=0
	(cd "$san" && ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    make -j"$(nproc)" --no-print-directory check TEST_SUITE_LOG=san.log \
	    >/dev/null 2>&1) || rc=$?
	read -r p f < <(suite_counts "$san/san.log")
	((rc == 0 || f > 0)) || f=1
	((f == 0)) || grep -a -A30 '^FAIL\|Sanitizer\|runtime error' "$san/san.log" | head -60
	tally unit-san "$p" "$f"

	step "libFuzzer build in ${fuzz#"$ROOT"/}"
	build_variant "$fuzz" "CC=clang --enable-fuzzers" fuzzers
	exec 8>&-
	step "fuzzing each target for ${PAICHA_FUZZ_SECONDS:-20} s"
	rm -rf "$ROOT/var/fuzz-test"
	mkdir -p "$ROOT/var/fuzz-test"
	tests/fuzz/run-fuzzers.sh "$fuzz" "${PAICHA_FUZZ_SECONDS:-20}" \
	    "$ROOT/var/fuzz-test" >"$ROOT/var/fuzz-test/summary"
	cat "$ROOT/var/fuzz-test/summary"
	counts=$(tail -1 "$ROOT/var/fuzz-test/summary")
	[[ $counts =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]] &&
		tally fuzz "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" || tally fuzz 0 1
	exec 9>&-

	# Wiped and made anew each run; stopped however the tests end.
	test_instance stop >/dev/null 2>&1 || true
	if [[ -z $TEST_PORT ]]; then
		# Not $(…): the hold on fd 7 must stay in this shell.
		hold_free_port 18443
		TEST_PORT=$HELD_PORT
	fi
	step "the test instance's port: $TEST_PORT"
	scale_instances_stop
	rm -rf "$TEST_VAR" "$TEST_VAR"-*
	trap 'test_instance stop >/dev/null || true; scale_instances_stop' EXIT
	printf '\n'
	step "starting the test instance on the ASan + UBSan build (PAICHA_VAR=$TEST_VAR)"
	if ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    PAICHA_BUILD="$san" test_instance up; then
		# The programs are the harness: their own leaks are not the
		# service's, so only ASan's and UBSan's errors fail them.
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
		    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_e2e "$san"
		run_browser
		tally e2e "$E2E_PASS" "$E2E_FAIL"
		printf '\n==> tests/isolation\n'
		counts=$(tests/isolation/run-isolation.sh \
		    "host=$TEST_VAR/pg/run dbname=paicha user=postgres" 7>&- | tail -2)
		printf '%s\n' "$counts"
		counts=${counts##*$'\n'}
		[[ $counts =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]] &&
			tally isolation "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" ||
			tally isolation 0 1
	else
		printf 'the test instance did not start: no end-to-end test ran\n'
		tally e2e "$E2E_PASS" $((E2E_FAIL + 1))
	fi
	# Stopped first: LeakSanitizer reports when the processes exit.
	# Every service the tests ran (the instance's, and those the scaling
	# tests started beside it) ran build-san's binary: every log counts.
	test_instance stop >/dev/null 2>&1 || true
	scale_instances_stop
	trap - EXIT
	n=0
	for f in "$TEST_VAR"/log/paicha*.log "$TEST_VAR"-*/log/paicha*.log; do
		[[ -f $f ]] || continue
		k=$(sanitizer_reports "$f")
		((k == 0)) && continue
		n=$((n + k))
		printf '\nsanitizer reports in %s:\n' "$f"
		grep -a -A25 -E 'ERROR: (Address|Leak)Sanitizer|runtime error: ' \
		    "$f" | head -80
	done
	if ((n > 0)); then
		tally sanitizers 0 1
	else
		tally sanitizers 1 0
	fi

	printf '\n'
	printf '%s\n' "${TEST_LINES[@]}"
	printf 'took %d s\n' $((SECONDS - t0))
	printf 'total: %d passed, %d failed\n' "$TEST_PASS" "$TEST_FAIL"
	((TEST_FAIL == 0))
}
