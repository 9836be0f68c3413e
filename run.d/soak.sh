# run.d/soak.sh: ./run soak -- long fuzzing, then testssl.sh and sqlmap
# against a fresh instance of its own (var/soak/).
# shellcheck shell=bash

# ./run soak: what takes too long for ./run test, for a person to run
# on demand -- each fuzz target for PAICHA_SOAK_FUZZ_SECONDS (600) with
# a corpus kept in var/fuzz/, then on a fresh instance (var/soak/, port
# PAICHA_SOAK_PORT, else a free one from 19443) testssl.sh against nginx and sqlmap against
# the list, search and create endpoints with a valid session.  Reports
# go to var/soak/reports/.  docs/SECURITY.md records the findings.
SOAK_VAR=$ROOT/var/soak
SOAK_PORT=${PAICHA_SOAK_PORT:-}		# unset: a free one, as for ./run test
soak_instance() {
	env -u PAICHA_DATABASE_URL -u PAICHA_ADMIN_DATABASE_URL \
	    PAICHA_VAR="$SOAK_VAR" PAICHA_PORT="$SOAK_PORT" "$ROOT/run" "$@" 7>&-
}

# testssl.sh: TLS 1.2 and 1.3 only, no finding of medium severity or
# worse.  Returns 0 when so.
soak_testssl() {
	local reports=$1 url=https://localhost:$SOAK_PORT csv=$1/testssl.csv bad=0 p
	rm -f "$csv" "$reports/testssl.log"
	printf '\n==> testssl.sh %s\n' "$url"
	testssl --color 0 --warnings off --add-ca "$SOAK_VAR/tls/cert.pem" \
	    --csvfile "$csv" "$url" >"$reports/testssl.log" 2>&1 </dev/null 7>&- || true
	if [[ ! -s $csv ]]; then
		tail -20 "$reports/testssl.log"
		printf 'testssl.sh wrote no findings\n'
		return 1
	fi
	# "id","fqdn/ip","port","severity","finding","cve","cwe"
	for p in SSLv2 SSLv3 TLS1 TLS1_1; do
		grep -q "^\"$p\",.*\"not offered\"" "$csv" ||
			{ printf 'testssl: %s is offered\n' "$p"; bad=1; }
	done
	for p in TLS1_2 TLS1_3; do
		grep -q "^\"$p\",.*\"offered" "$csv" ||
			{ printf 'testssl: %s is not offered\n' "$p"; bad=1; }
	done
	# One finding is the development certificate's, not the server's:
	# ./run makes a self-signed one, which names no CRL or OCSP
	# responder (a CA's certificate does).  docs/SECURITY.md says so.
	if grep -E '^"[^"]*","[^"]*","[^"]*","(MEDIUM|HIGH|CRITICAL)"' "$csv" |
	    grep -v '^"cert_revocation",'; then
		bad=1
	fi
	awk -F'","' 'NR > 1 { n[$4]++ } END { for (s in n) printf "testssl: %s %d\n", s, n[s] }' \
	    "$csv" | sort
	return $bad
}

# sqlmap against the list, search and create endpoints, signed in as an
# officer.  Returns 0 when nothing is injectable.
soak_sqlmap() {
	local reports=$1 url=https://localhost:$SOAK_PORT cookie jar eid bad=0 t
	local -a common targets
	jar=$(mktemp)
	curl -s -o /dev/null --cacert "$SOAK_VAR/tls/cert.pem" -c "$jar" \
	    -H 'Content-Type: application/json' \
	    -d '{"username":"officer.bj","password":"'"$DEMO_PASSWORD"'"}' \
	    "$url/api/v1/session"
	cookie=$(awk '$6 == "__Host-paicha" { print $6 "=" $7 }' "$jar")
	rm -f "$jar"
	[[ -n $cookie ]] || { printf 'sqlmap: could not sign in\n'; return 1; }
	eid=$(psql_admin "host=$SOAK_VAR/pg/run dbname=paicha user=postgres" -At \
	    -c "SELECT min(id) FROM enterprises WHERE region LIKE '11%'")
	if [[ -z $eid ]]; then
		eid=$(psql_admin "host=$SOAK_VAR/pg/run dbname=paicha user=postgres" -At \
		    -c "INSERT INTO enterprises (uscc, name, region, created_by)
		        VALUES ('91110000600037341L', '注入测试企业', '110101',
		        (SELECT min(id) FROM users)) RETURNING id")
	fi
	common=(--batch --level=3 --risk=1 --random-agent --flush-session
	    --cookie="$cookie" --output-dir="$reports/sqlmap" --timeout=15
	    --retries=1 --disable-coloring)
	targets=(
	    "cases-list|-u|$url/api/v1/cases?state=detected&category=cement&region=110000&campaign=2026&cursor=100&limit=5"
	    "cases-search|-u|$url/api/v1/cases?q=%E6%B0%B4%E6%B3%A5"
	    "enterprises-search|-u|$url/api/v1/enterprises?q=test&region=110000"
	    "cases-create|-u|$url/api/v1/cases|--data={\"enterprise_id\":$eid,\"campaign_id\":2026,\"category\":\"cement\",\"domain\":\"production\",\"source\":\"spot_check\",\"problem\":\"sqlmap\"}|--headers=Content-Type: application/json"
	)
	for t in "${targets[@]}"; do
		local -a a
		IFS='|' read -ra a <<<"$t"
		printf '\n==> sqlmap %s\n' "${a[0]}"
		sqlmap "${common[@]}" "${a[@]:1}" >"$reports/sqlmap-${a[0]}.log" 2>&1 </dev/null 7>&-
		if grep -E -i "is vulnerable|appears to be injectable|parameter '.*' is '.*' injectable|sqlmap identified the following injection" \
		    "$reports/sqlmap-${a[0]}.log"; then
			bad=1
		fi
		# One verdict per parameter tried, and the answers it got.
		grep -a -o -E "parameter '[^']*' (does not seem to be injectable|does not appear to be dynamic|is '[^']*' injectable)|all tested parameters [a-z ]*|[0-9]{3} \([A-Za-z ]+\) - [0-9]+ times" \
		    "$reports/sqlmap-${a[0]}.log" | sort -u | sed 's/^/    /'
	done
	return $bad
}

cmd_soak() {
	local fuzz=$ROOT/build-fuzz reports=$SOAK_VAR/reports pass=0 fail=0 counts
	check_paths
	lock_instance
	ensure_packages "${SOAK_PACKAGES[@]}"
	build
	build_variant "$fuzz" "CC=clang --enable-fuzzers" fuzzers
	exec 8>&-
	step "fuzzing each target for ${PAICHA_SOAK_FUZZ_SECONDS:-600} s (corpus kept in var/fuzz/)"
	mkdir -p "$ROOT/var/fuzz"
	tests/fuzz/run-fuzzers.sh "$fuzz" "${PAICHA_SOAK_FUZZ_SECONDS:-600}" \
	    "$ROOT/var/fuzz" >"$ROOT/var/fuzz/summary"
	cat "$ROOT/var/fuzz/summary"
	counts=$(tail -1 "$ROOT/var/fuzz/summary")
	if [[ $counts =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		pass=$((pass + BASH_REMATCH[1]))
		fail=$((fail + BASH_REMATCH[2]))
	else
		fail=$((fail + 1))
	fi
	exec 9>&-

	soak_instance stop >/dev/null 2>&1 || true
	if [[ -z $SOAK_PORT ]]; then
		hold_free_port 19443
		SOAK_PORT=$HELD_PORT
	fi
	rm -rf "$SOAK_VAR"
	trap 'soak_instance stop >/dev/null || true' EXIT
	step "starting the soak instance (PAICHA_VAR=$SOAK_VAR, port $SOAK_PORT)"
	soak_instance up || die "the soak instance did not start"
	mkdir -p "$reports"
	if soak_testssl "$reports"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	if soak_sqlmap "$reports"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	printf '\nreports in %s\n' "$reports"
	printf 'soak: %d passed, %d failed\n' "$pass" "$fail"
	((fail == 0))
}
