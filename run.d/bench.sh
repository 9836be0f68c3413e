# run.d/bench.sh: ./run bench -- the benchmarks on their own instance
# (var/bench/, a release build, a million cases), each beside a baseline
# measured in the same run, as one table (docs/PERFORMANCE.md).
# shellcheck shell=bash

BENCH_VAR=$ROOT/var/bench
BENCH_BUILD=$BENCH_VAR/build
BENCH_CASES=${PAICHA_BENCH_CASES:-1000000}
BENCH_SECONDS=${PAICHA_BENCH_SECONDS:-15}
BENCH_CLIENTS=${PAICHA_BENCH_CLIENTS:-16}
BENCH_FRESH=${PAICHA_BENCH_FRESH:-12000}
BENCH_SLICES=${PAICHA_BENCH_SLICES:-3}
# PAICHA_BENCH_ONLY=get,verify: only those rows (get, list, search,
# form, sweep, dashboard, verify, trans, export, files), each beside its
# baseline, as a short table (bench_table_only); empty: all.
BENCH_ONLY=${PAICHA_BENCH_ONLY:-}

# True when row $1 is to be measured in this run.
bench_only() {
	[[ -z $BENCH_ONLY || ,$BENCH_ONLY, == *,"$1",* ]]
}

# The release build (autoconf's default -g -O2, no sanitizers) in its
# own copy of the sources, as build-san/ is.
bench_build() {
	step "release build (-g -O2, no sanitizers) in $BENCH_BUILD"
	build_variant "$BENCH_BUILD" "" all
}

# The instance's own scheduler is off (PAICHA_SCHED_INTERVAL=0): its
# sweeps would run under the loads; the sweep is measured on its own,
# by paicha-admin sched-run (bench_sweep).
bench_instance() {
	env -u PAICHA_DATABASE_URL -u PAICHA_ADMIN_DATABASE_URL \
	    PAICHA_VAR="$BENCH_VAR" PAICHA_PORT="$BENCH_PORT" \
	    PAICHA_BUILD="$BENCH_BUILD" PAICHA_BENCH_HELLO=1 \
	    PAICHA_SCHED_INTERVAL=0 \
	    PAICHA_THREADS="$THREADS" "$ROOT/run" "$@"
}

# One round of every scheduler job, as the service runs it: "ITEMS SECONDS".
bench_sched_run() {
	PAICHA_ADMIN_DATABASE_URL="host=$BENCH_VAR/pg/run dbname=paicha user=postgres" \
	    "$BENCH_BUILD/fcgi/paicha-admin" sched-run 2>>"$BENCH_VAR/log/sched-run.log" |
	    awk '/^job / { n += $3; s += $6 } END { printf "%d %.3f\n", n, s }'
}

# The scheduler's sweep over the whole set (issue 18): first whatever is
# due since the last run (the seed's history: a backlog -- reminders,
# and the dashboard's tallies counted whole -- timed apart),
# then a minute's work -- BENCH_SWEEP_DUE open deadlines made due in a
# day, their reminders not made -- timed as the service's thread would
# take it; and the plans of its three statements (auto_explain), which
# must read the stages' partial indexes, never the whole table.  Sets
# sweep_backlog, sweep_items, sweep_s, sweep_seqscans.
BENCH_SWEEP_DUE=${PAICHA_BENCH_SWEEP_DUE:-1000}
bench_sweep() {
	local n s
	step "the scheduler's sweep: catching up"
	read -r n s < <(bench_sched_run)
	sweep_backlog="$n items in $s s"
	step "the scheduler's sweep: $BENCH_SWEEP_DUE deadlines newly due"
	bpsql -c "UPDATE case_deadlines d SET due_at = now() + interval '1 day',
	    reminded_at = NULL, overdue_at = NULL, escalated_at = NULL
	    FROM (SELECT case_id, kind, started_seq FROM case_deadlines
		WHERE stopped_at IS NULL ORDER BY random()
		LIMIT $BENCH_SWEEP_DUE) x
	    WHERE d.case_id = x.case_id AND d.kind = x.kind
	    AND d.started_seq = x.started_seq" >/dev/null
	bpsql -c 'VACUUM ANALYZE case_deadlines'
	read -r sweep_items sweep_s < <(bench_sched_run)
	# The plans, of a sweep that finds the same work again (rolled back).
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
	    "host=$BENCH_VAR/pg/run dbname=paicha user=postgres" >"$BENCH_VAR/sweep-explain.txt" 2>&1 <<'SQL'
BEGIN;
UPDATE case_deadlines SET reminded_at = NULL
 WHERE ctid IN (SELECT ctid FROM case_deadlines WHERE stopped_at IS NULL
   AND due_at > now() ORDER BY due_at LIMIT 500);
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET client_min_messages = log;
SELECT sched_deadlines('soon', now() + interval '2 days', now(), 500, '{}');
SELECT sched_deadlines('overdue', now(), now(), 500, '{}');
SELECT sched_deadlines('escalated', now() - interval '7 days', now(), 500, '{}');
ROLLBACK;
SQL
	sweep_seqscans=$(grep -c 'Seq Scan on case_deadlines' "$BENCH_VAR/sweep-explain.txt" || true)
}

# GET /api/v1/dashboard for 110000 as coord.bj: the worst of three (s).
bench_dashboard() {
	local i code secs cookie
	cookie=$(bench_login coord.bj)
	dashboard=0
	for i in 1 2 3; do
		read -r code secs < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
		    --max-time 60 --cacert "$BENCH_VAR/tls/cert.pem" -b "$cookie" \
		    "https://localhost:$BENCH_PORT/api/v1/dashboard?region=110000")
		if [[ $code != 200 ]]; then
			dashboard="n/a (HTTP $code)"
			return 0
		fi
		dashboard=$(bcalc 's > w ? s : w' "s=$secs; w=$dashboard")
	done
}

bpsql() {
	"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
	    "host=$BENCH_VAR/pg/run dbname=${BPSQL_DB:-paicha} user=postgres" "$@"
}

# The session cookie of USER on the bench instance.
bench_login() {
	curl -s -D - -o /dev/null --cacert "$BENCH_VAR/tls/cert.pem" \
	    -H 'Content-Type: application/json' \
	    -d "{\"username\":\"$1\",\"password\":\"$DEMO_PASSWORD\"}" \
	    "https://localhost:$BENCH_PORT/api/v1/session" |
	    tr -d '\r' | sed -n 's/^[Ss][Ee][Tt]-[Cc][Oo][Oo][Kk][Ii][Ee]: \(__Host-paicha=[^;]*\).*/\1/p'
}

# wrk with one of tests/bench/*.lua; prints its BENCH line.
# Usage: bench_wrk SCRIPT IDS CONNECTIONS SECONDS PATH
bench_wrk() {
	local out
	out=$(BENCH_LUA="$ROOT/tests/bench" BENCH_IDS="$2" BENCH_THREADS=2 \
	    BENCH_COOKIE="$BENCH_COOKIE" BENCH_RUN="$BENCH_RUN" \
	    BENCH_OFFSET="${BENCH_OFFSET:-0}" \
	    BENCH_DEADLINE="$BENCH_DEADLINE" \
	    wrk -t2 -c"$3" -d"$4"s --timeout 30s -s "$ROOT/tests/bench/$1" \
	    "https://localhost:$BENCH_PORT$5" 2>&1) || true
	grep '^BENCH ' <<<"$out" || {
		printf '%s\n' "$out" >&2
		die "wrk $1 printed no result"
	}
}

# The BENCH lines of a load's slices (stdin) as one: requests, 2xx
# answers (ok) and time summed, rps = ok / time (only answers that did
# what was asked count), the median slice's p50, the worst slice's p99
# and max.
bench_sum() {
	awk '
	{
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1], NR] = kv[2]
		}
		n = NR
	}
	END {
		for (k = 1; k <= n; k++) {
			req += v["requests", k]; sec += v["seconds", k]
			ok += v["ok", k]
			err += v["errors", k]; bad += v["non2xx", k]
			if (v["p99_ms", k] > p99) p99 = v["p99_ms", k]
			if (v["max_ms", k] > mx) mx = v["max_ms", k]
			p50[k] = v["p50_ms", k]
		}
		for (i = 2; i <= n; i++)	# insertion sort: mawk has no asort
			for (j = i; j > 1 && p50[j - 1] + 0 > p50[j] + 0; j--) {
				t = p50[j]; p50[j] = p50[j - 1]; p50[j - 1] = t
			}
		printf "BENCH requests=%d ok=%d seconds=%.3f rps=%.1f p50_ms=%s p90_ms=- p99_ms=%s max_ms=%s errors=%d non2xx=%d\n",
		    req, ok, sec, (sec > 0 ? ok / sec : 0), p50[int((n + 1) / 2)], p99, mx, err, bad
	}'
}

# The value of KEY=... in a BENCH line: bget LINE KEY.
bget() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

# Arithmetic: bcalc EXPR 'a=1; b=2'.
bcalc() {
	awk "BEGIN { $2; printf \"%.10g\", ($1) }" </dev/null
}

# yes when the awk condition holds.
yesno() {
	if awk "BEGIN { exit !($1) }" </dev/null; then printf 'yes'; else printf 'NO'; fi
}

ensure_bench_packages() {
	local p missing=()
	for p in "${BENCH_PACKAGES[@]}"; do
		[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] ||
			missing+=("$p")
	done
	((${#missing[@]} > 0)) || return 0
	((IS_ROOT)) || die "missing Debian packages; as root: apt-get install ${missing[*]}"
	step "installing ${missing[*]}"
	quietly "apt-get install" 20 env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# After a seed the checkpointer folds every new event into the Merkle log
# in the background (fcgi/checkpoint.c): wait until it has, so that it
# does not run under the loads (15 minutes at most).
bench_wait_checkpointer() {
	local i n
	[[ $(bpsql -c "SELECT to_regclass('log_leaves') IS NOT NULL") == t ]] || return 0
	for ((i = 0; i < 180; i++)); do
		n=$(bpsql -c 'SELECT count(*) FROM log_leaves WHERE idx IS NULL')
		((n >= 1000)) || return 0
		((i % 12 == 0)) && step "waiting for the checkpointer: $n events not in the log yet"
		sleep 5
	done
}

# Wait (a minute at most) until no statement of an earlier load still
# runs: wrk stops sending, but a slow search goes on in the database.
bench_quiet() {
	local i
	for ((i = 0; i < 120; i++)); do
		[[ $(bpsql -c "SELECT count(*) FROM pg_stat_activity
		    WHERE usename = 'paicha_app' AND state = 'active'") == 0 ]] && return 0
		sleep 0.5
	done
}

# This year's form for 110000 with the query tail $1 ('' or
# '&as_of=DAY'): "WORST FIRST" in seconds -- a first GET, then the worst
# of three more -- or "n/a (HTTP code)".  The first is the form's
# warm-up, as the other loads have theirs: the instance may have just
# started, and this machine pages out what was not read for a while
# (docs/PERFORMANCE.md round 8); the row prints it too.
bench_form() {
	local i code secs worst=0 first
	for i in 0 1 2 3; do
		read -r code secs < <(curl -s -o "$tmp/report.json" -w '%{http_code} %{time_total}\n' \
		    --max-time 120 --cacert "$BENCH_VAR/tls/cert.pem" -b "$BENCH_COOKIE" \
		    "https://localhost:$BENCH_PORT/api/v1/reports/campaign/$(date +%Y)?region=110000$1")
		if [[ $code != 200 ]]; then
			echo "n/a (HTTP $code)"
			return
		fi
		if ((i == 0)); then
			first=$secs
		else
			worst=$(bcalc 's > w ? s : w' "s=$secs; w=$worst")
		fi
	done
	echo "$worst $first"
}

# The form's row: live and as of a day, each the worst of three after a
# first.
bench_row_form() {
	local what="campaign form, 110000, live / as_of"
	if [[ $report == n/a* || $report_asof == n/a* ]]; then
		bench_row "$what" "live $report, as of $report_day $report_asof" "-" "< 1 s" NO
	else
		bench_row "$what" "$(printf 'worst of 3: %.2f / %.2f s, first %.2f / %.2f s (%s)' \
		    "${report% *}" "${report_asof% *}" "${report#* }" "${report_asof#* }" \
		    "$report_day")" "-" \
		    "< 1 s" "$(yesno "${report% *} < 1 && ${report_asof% *} < 1")"
	fi
}

# "id version" of N registered Beijing cases, in random order.
bench_detected() {
	bpsql -F ' ' -c "SELECT id, version FROM cases WHERE state = 'detected'
	    AND pending_event IS NULL AND region >= '110000' AND region < '120000'
	    ORDER BY random() LIMIT $1"
}

# The transitions a second a BENCH line says were made (2xx only: a
# request past the pool answers 404 in no time and would inflate it),
# times four if its pool ran out (the rate was higher than it shows).
bench_rate() {
	bcalc 'n / s * (p > 0 ? 4 : 1)' \
	    "n=$(bget "$1" ok); s=$(bget "$1" seconds); p=$(bget "$1" past)"
}

# The pool of a transitions slice: N registered Beijing cases into FILE,
# fresh -- the cases still registered after the slices before it (their
# statements finished: bench_quiet) -- made by paicha-seed --detected
# when fewer are left.  bench_pool N FILE
bench_pool() {
	bench_quiet
	bench_detected "$1" >"$2"
	if (($(wc -l <"$2") < $1)); then
		step "making $(($1 - $(wc -l <"$2"))) registered cases for the transitions"
		"$BENCH_BUILD/tools/seed/paicha-seed" \
		    --db "host=$BENCH_VAR/pg/run dbname=paicha user=postgres" \
		    --detected --cases $(($1 - $(wc -l <"$2"))) --no-vacuum >/dev/null
		bench_detected "$1" >"$2"
	fi
}

# The filters of the list benchmark: what officers and auditors ask.
bench_list_paths() {
	local y
	y=$(date +%Y)
	cat <<EOF
/api/v1/cases
/api/v1/cases?state=rectifying
/api/v1/cases?state=closed&category=rebar
/api/v1/cases?region=110105
/api/v1/cases?region=110108&state=interview
/api/v1/cases?campaign=$y&state=detected
/api/v1/cases?category=cement&limit=100
/api/v1/cases?overdue=true
/api/v1/cases?lookback_due=true
/api/v1/cases?pending=true
/api/v1/cases?state=credit_publication&campaign=2022
/api/v1/cases?cursor=500000&state=closed
EOF
}

# The words of the search rows (issue 23): two-character Chinese words
# common and rare in the problems, a problem phrase, parts of
# enterprises' names, Latin letters, a word that finds nothing, and a
# whole code.  Sets BENCH_WORDS.
bench_search_words() {
	BENCH_WORDS=(钢筋 烟花 地条钢 许可证 华兴 CCC 锈蚀)
	BENCH_WORDS+=("$(bpsql -c "SELECT substr(name, 3, 2) FROM enterprises
	    WHERE region >= '110000' AND region < '120000' AND name LIKE '北京%'
	    ORDER BY id DESC LIMIT 1")")
	BENCH_WORDS+=("$(bpsql -c "SELECT uscc FROM enterprises WHERE region >= '110000' AND region < '120000' ORDER BY id LIMIT 1")")
}

# A word as a query string's value: every byte %-encoded.
bench_urlencode() {
	printf '%s' "$1" | od -An -v -tx1 | tr -s ' \n' '  ' |
	    sed 's/^ //; s/ $//; s/ /%/g; s/^/%/'
}

# Free-text search (q) of the list, through the service: every word.
bench_search_paths() {
	local w
	for w in "${BENCH_WORDS[@]}"; do
		printf '/api/v1/cases?q=%s\n' "$(bench_urlencode "$w")"
	done
}

# A word as the list's LIKE pattern (like_pattern()), for SQL text.
bench_like() {
	local w=${1//\\/\\\\}
	w=${w//%/\\%}
	printf '%%%s%%' "${w//_/\\_}"
}

# The search in the database, old and new, as officer.bj's session on
# the application role, under row-level security: OLD is the list's `q`
# filter before sql/0110_search.sql (ILIKE), NEW case_search() -- each
# the list's first page (51 rows) of a word.  Writes one pgbench script
# per word and kind into DIR: DIR/old-N.sql, DIR/new-N.sql.
bench_search_scripts() {
	local dir=$1 tok=${BENCH_COOKIE#__Host-paicha=} i=0 w pat open
	open="SELECT 1 FROM session_open(sha256(decode(translate('$tok', '-_', '+/') || '=', 'base64')), 3600);"
	for w in "${BENCH_WORDS[@]}"; do
		pat=$(bench_like "$w")
		printf '%s\n%s\n' "$open" "SELECT c.id, e.name, left(c.problem, 200) FROM cases c JOIN enterprises e ON e.id = c.enterprise_id WHERE (c.problem ILIKE '$pat' OR c.enterprise_id = ANY (ARRAY(SELECT q.id FROM enterprises q WHERE q.name ILIKE '$pat' OR q.uscc = upper('$w')))) ORDER BY c.id DESC LIMIT 51;" >"$dir/old-$i.sql"
		printf '%s\n%s\n' "$open" "SELECT c.id, e.name, left(c.problem, 200) FROM cases c JOIN enterprises e ON e.id = c.enterprise_id WHERE c.id = ANY (ARRAY(SELECT case_search('$pat', '$w', NULL, 51))) ORDER BY c.id DESC LIMIT 51;" >"$dir/new-$i.sql"
		i=$((i + 1))
	done
}

# pgbench, 4 clients, over the scripts DIR/KIND-*.sql for SECONDS as the
# application role; appends each transaction's latency (us) to
# DIR/KIND.lat.  bench_search_pgbench DIR KIND SECONDS
bench_search_pgbench() {
	local i args=()
	for ((i = 0; i < ${#BENCH_WORDS[@]}; i++)); do
		args+=(-f "$1/$2-$i.sql")
	done
	(cd "$1" && rm -f "s$2".* && "$PGBIN/pgbench" -n -M simple -h "$BENCH_VAR/pg/run" \
	    -U paicha_app -c 4 -j 2 -T "$3" -l --log-prefix="s$2" "${args[@]}" paicha \
	    >"$2.out" 2>&1) || { cat "$1/$2.out" >&2; die "pgbench of the search failed"; }
	cat "$1/s$2".* | awk '{ print $3 }' >>"$1/$2.lat"
	cat "$1/s$2".* | awk '{ print $4, $3 }' >>"$1/$2.by"
}

# Per word, "word old-p50/new-p50 ms" from DIR/old.by and DIR/new.by
# (pgbench's script number, latency in us).
bench_search_words_p50() {
	local i k w
	for ((i = 0; i < ${#BENCH_WORDS[@]}; i++)); do
		w=${BENCH_WORDS[i]}
		printf '%s ' "$w"
		for k in old new; do
			awk -v s="$i" '$1 == s { print $2 }' "$1/$k.by" | sort -n |
			    awk '{ a[NR] = $1 } END { i = int((NR + 1) / 2); if (i < 1) { printf "-"; exit }
				printf "%.1f", a[i] / 1000 }'
			[[ $k == old ]] && printf '/'
		done
		printf ' ms; '
	done
}

# "n p50_ms p99_ms" of a file of latencies in microseconds.
bench_pct() {
	sort -n "$1" | awk '{ a[NR] = $1 } END {
	    if (NR == 0) { print "0 - -"; exit }
	    i = int(NR * 0.5); if (i < 1) i = 1; j = int(NR * 0.99); if (j < 1) j = 1
	    printf "%d %.2f %.2f\n", NR, a[i] / 1000, a[j] / 1000 }'
}

# Whether old and new give the same first 51 rows for every word, as
# officer.bj; and the new statement's plans (auto_explain, nested) into
# var/bench/search-explain.txt.  Sets search_same, search_gin.
bench_search_check() {
	local dir=$1 i=0 w a b
	search_same=0
	for w in "${BENCH_WORDS[@]}"; do
		a=$("$PGBIN/psql" -X -q -At -h "$BENCH_VAR/pg/run" -U paicha_app paicha -f "$dir/old-$i.sql" | tail -n +2 | md5sum)
		b=$("$PGBIN/psql" -X -q -At -h "$BENCH_VAR/pg/run" -U paicha_app paicha -f "$dir/new-$i.sql" | tail -n +2 | md5sum)
		[[ $a == "$b" ]] && search_same=$((search_same + 1))
		i=$((i + 1))
	done
	{
		printf "LOAD 'auto_explain';\nSET auto_explain.log_min_duration = 0;\n"
		printf 'SET auto_explain.log_nested_statements = on;\n'
		printf 'SET auto_explain.log_analyze = on;\nSET client_min_messages = log;\n'
		cat "$dir"/new-*.sql
	} | "$PGBIN/psql" -X -q -h "$BENCH_VAR/pg/run" -U postgres paicha \
	    >"$BENCH_VAR/search-explain.txt" 2>&1 || true
	search_gin="$(grep -c 'Bitmap Index Scan on cases_problem_grams' "$BENCH_VAR/search-explain.txt" || true) scans of cases_problem_grams, $(grep -c 'Bitmap Index Scan on enterprises_name_grams' "$BENCH_VAR/search-explain.txt" || true) of enterprises_name_grams, $(grep -c 'Seq Scan on cases' "$BENCH_VAR/search-explain.txt" || true) sequential scans of cases"
}

# The case list's export (GET /api/v1/cases?format=csv) of every case,
# as a national user sees them: the time, the bytes, and the worker's
# peak RSS during it (VmHWM, reset first through clear_refs), beside
# psql's \copy of the same rows and columns to /dev/null (no RLS, no
# HTTP: what the database alone takes).  The two take turns, twice, and
# each keeps its faster: whichever ran first would otherwise read the
# tables from disk for the other.  Sets ex_* for bench_table.
bench_export() {
	local t1 t2 out r code secs bytes
	bench_quiet
	step "the case list's export: every case as CSV, beside psql \\copy, twice in turns"
	ex_rows=$(bpsql -c 'SELECT count(*) FROM cases')
	echo 5 >"/proc/$worker/clear_refs" 2>/dev/null || true

	ADMIN_COOKIE=${ADMIN_COOKIE:-$(bench_login admin)}
	ex_code='' ex_s='' ex_copy_s=''
	for r in 1 2; do
		read -r code secs bytes < <(curl -s -o /dev/null \
		    -w '%{http_code} %{time_total} %{size_download}\n' --max-time 1800 \
		    --cacert "$BENCH_VAR/tls/cert.pem" -b "$ADMIN_COOKIE" \
		    "https://localhost:$BENCH_PORT/api/v1/cases?format=csv")
		# A failure stands; else the faster answer.
		if [[ $code != 200 ]]; then
			ex_code=$code
		elif [[ -z $ex_code ]] || [[ $ex_code == 200 &&
		    $(bcalc 's < e' "s=$secs; e=$ex_s") == 1 ]]; then
			ex_code=$code ex_s=$secs ex_bytes=$bytes
		fi
		t1=$(date +%s.%N)
		# The service's statement (cases.c: EXPORT_SQL), its filters
		# all off, without row-level security.
		out=$(bpsql -c "\\copy (SELECT c.id, c.state, c.region, rg.name,
		    c.enterprise_id, e.name, e.uscc, c.category, k.name, c.domain,
		    c.source, c.risk_level, c.problem, c.campaign_id, c.pending_event,
		    rfc3339(c.next_due), coalesce(c.next_due < now(), false),
		    c.lookback_on, rfc3339(c.created_at), rfc3339(c.updated_at)
		    FROM cases c JOIN enterprises e ON e.id = c.enterprise_id
		    LEFT JOIN regions rg ON rg.code = c.region
		    LEFT JOIN categories k ON k.id = c.category
		    ORDER BY c.id DESC) TO '/dev/null' WITH (FORMAT csv, HEADER)" 2>&1) ||
			printf '%s\n' "$out" >&2
		t2=$(date +%s.%N)
		secs=$(bcalc 'b - a' "a=$t1; b=$t2")
		if [[ -z $ex_copy_s || $(bcalc 's < c' "s=$secs; c=$ex_copy_s") == 1 ]]; then
			ex_copy_s=$secs
		fi
	done
	ex_hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$worker/status" 2>/dev/null || echo 0)
}

# ----------------------------------------------------------------------
# Evidence files (issue 16): a 20 MiB file up and down through the
# service beside nginx taking and serving the very same bytes, and the
# worker's peak RSS while 16 files of 50 MiB go up at once.
# ----------------------------------------------------------------------

BENCH_FILE_MIB=20
BENCH_FILE_RUNS=${PAICHA_BENCH_FILE_RUNS:-5}

# A file of MIB mebibytes that libmagic takes for a PDF: a PDF header and
# random bytes (never stored twice: fresh every time) -- or, with a
# SEED, the same bytes every run.  Usage: bench_pdf FILE MIB [SEED]
bench_pdf() {
	{
		printf '%%PDF-1.4\n'
		if [[ -n ${3:-} ]]; then
			# head closes the pipe: openssl's SIGPIPE is no failure.
			{ openssl enc -aes-128-ctr -nosalt -pass "pass:paicha-bench-$3" \
			    -pbkdf2 -iter 1 </dev/zero 2>/dev/null || true; } |
			    head -c $(($2 * 1048576 - 9))
		else
			head -c $(($2 * 1048576 - 9)) /dev/urandom
		fi
	} >"$1"
}

# Seconds curl took for one request: bench_curl ARGS...
bench_curl() {
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 300 \
	    --cacert "$BENCH_VAR/tls/cert.pem" "$@"
}

# The median of the numbers on stdin.
bench_median() {
	sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'
}

# Sets f_up f_up_ngx f_down f_down_ngx (MB/s, medians of BENCH_FILE_RUNS),
# f_hwm (kB, the worker's peak RSS while 16 x 50 MiB went up) and f_agg
# (MB/s, those 16 together).
bench_files() {
	local dir=$1 case_id i code secs id bytes=$((BENCH_FILE_MIB * 1048576))
	local -a up=() upn=() down=() downn=() pids=()
	local url="https://localhost:$BENCH_PORT" t0 t1

	case_id=$(bpsql -c "SELECT id FROM cases WHERE region >= '110000'
	    AND region < '120000' ORDER BY id LIMIT 1")
	[[ -n $case_id ]] || die "no Beijing case to put files on"
	for ((i = 0; i < BENCH_FILE_RUNS; i++)); do
		bench_pdf "$dir/up.pdf" "$BENCH_FILE_MIB"
		# The service: TLS, nginx's spool, the worker, PostgreSQL.
		read -r code secs < <(bench_curl -b "$BENCH_COOKIE" \
		    -H 'Content-Type: application/pdf' --data-binary "@$dir/up.pdf" \
		    -D "$dir/up.head" \
		    "$url/api/v1/cases/$case_id/files?kind=other&name=bench-$i.pdf")
		[[ $code == 201 ]] || die "upload: HTTP $code"
		up+=("$(bcalc 'b / s / 1e6' "b=$bytes; s=$secs")")
		id=$(sed -n 's|^[Ll]ocation: /api/v1/files/\([0-9]*\).*|\1|p' "$dir/up.head" | tr -d '\r')
		# nginx alone: the same bytes, spooled and stored.
		read -r code secs < <(bench_curl -T "$dir/up.pdf" "$url/bench/files/sink.pdf")
		[[ $code == 201 || $code == 204 ]] || die "nginx PUT: HTTP $code"
		upn+=("$(bcalc 'b / s / 1e6' "b=$bytes; s=$secs")")
		cp "$dir/up.pdf" "$BENCH_VAR/bench-files/static.pdf"
		chmod 644 "$BENCH_VAR/bench-files/static.pdf"
		read -r code secs < <(bench_curl -b "$BENCH_COOKIE" "$url/api/v1/files/$id")
		[[ $code == 200 ]] || die "download: HTTP $code"
		down+=("$(bcalc 'b / s / 1e6' "b=$bytes; s=$secs")")
		read -r code secs < <(bench_curl "$url/bench/files/static.pdf")
		[[ $code == 200 ]] || die "nginx GET: HTTP $code"
		downn+=("$(bcalc 'b / s / 1e6' "b=$bytes; s=$secs")")
	done
	f_up=$(printf '%s\n' "${up[@]}" | bench_median)
	f_up_ngx=$(printf '%s\n' "${upn[@]}" | bench_median)
	f_down=$(printf '%s\n' "${down[@]}" | bench_median)
	f_down_ngx=$(printf '%s\n' "${downn[@]}" | bench_median)
	rm -f "$BENCH_VAR/bench-files/sink.pdf" "$BENCH_VAR/bench-files/static.pdf"

	# 16 at once, 50 MiB each (the same bytes every run: stored once).
	for ((i = 0; i < 16; i++)); do
		bench_pdf "$dir/big$i.pdf" 50 "$i"
	done
	# Peak RSS from here on (Linux: 5 > clear_refs resets VmHWM).
	echo 5 >"/proc/$worker/clear_refs" 2>/dev/null ||
		step "could not reset the worker's peak RSS: the row shows its life's peak"
	t0=$(date +%s.%N)
	for ((i = 0; i < 16; i++)); do
		bench_curl -b "$BENCH_COOKIE" -H 'Content-Type: application/pdf' \
		    --data-binary "@$dir/big$i.pdf" \
		    "$url/api/v1/cases/$case_id/files?kind=other&name=bench-50MiB-$i.pdf" \
		    >"$dir/big$i.out" &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$(date +%s.%N)
	for ((i = 0; i < 16; i++)); do
		read -r code secs <"$dir/big$i.out"
		[[ $code == 201 ]] || die "16 x 50 MiB: upload $i: HTTP $code"
	done
	f_hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$worker/status" 2>/dev/null || echo 0)
	f_agg=$(bcalc '16 * 50 * 1048576 / (b - a) / 1e6' "a=$t0; b=$t1")
	rm -f "$dir"/big*.pdf "$dir/up.pdf"
}

# One row of the table.
bench_row() {
	printf '%-44s | %-40s | %-36s | %-26s | %s\n' "$@"
}

# "N non-2xx" of a BENCH line (errors too: no answer at all).
bench_bad() {
	printf '%d non-2xx' $(($(bget "$1" non2xx) + $(bget "$1" errors)))
}

# The GET row (from $get and $hello).
bench_row_get() {
	local g_rps g_p99 h_rps h_p99 r
	g_rps=$(bget "$get" rps); g_p99=$(bget "$get" p99_ms)
	h_rps=$(bget "$hello" rps); h_p99=$(bget "$hello" p99_ms)
	r=$(bcalc 'g / h * 100' "g=$g_rps; h=$h_rps")
	bench_row "GET /api/v1/cases/{id}, $BENCH_CLIENTS conns" \
	    "$(printf '%.0f req/s, p99 %s ms, %s' "$g_rps" "$g_p99" "$(bench_bad "$get")")" \
	    "$(printf 'fcgi-hello %.0f req/s, p99 %s ms, %s' "$h_rps" "$h_p99" "$(bench_bad "$hello")")" \
	    "$(printf '>= 50%% of baseline: %.0f%%' "$r")" "$(yesno "$r >= 50")"
}

# The verify row (from total, bytes, raw_s, verify_s: bench_verify).
bench_row_verify() {
	local m r
	m=$(bcalc 'b / 1e6' "b=$bytes")
	if [[ $verify_s == n/a* ]]; then
		bench_row "audit verify, all ($(printf '%.0f' "$m") MB of records)" "$verify_s" \
		    "$(printf 'openssl sha256: %.2f s' "$raw_s")" ">= 50% of raw speed" NO
	else
		r=$(bcalc 'raw / v * 100' "raw=$raw_s; v=$verify_s")
		bench_row "audit verify, all ($(printf '%.0f' "$m") MB of records)" \
		    "$(printf '%.1f s, %.0f MB/s' "$verify_s" "$(bcalc 'b / v / 1e6' "b=$bytes; v=$verify_s")")" \
		    "$(printf 'openssl sha256: %.2f s' "$raw_s")" \
		    "$(printf '>= 50%% of raw speed: %.0f%%' "$r")" "$(yesno "$r >= 50")"
	fi
}

# The transitions row (from trans, pgb, pgb_p99: the transitions and
# pgbench -N slices of cmd_bench, measured in turns in the same run).
bench_row_trans() {
	local t_rps t_p99 r
	t_rps=$(bget "$trans" rps); t_p99=$(bget "$trans" p99_ms)
	r=$(bcalc 't / p * 100' "t=$t_rps; p=$pgb")
	bench_row "POST .../transitions, $BENCH_CLIENTS clients" \
	    "$(printf '%.0f tx/s, p99 %s ms, %s' "$t_rps" "$t_p99" "$(bench_bad "$trans")")" \
	    "$(printf 'pgbench -N %.0f tps, p99 %s ms' "$pgb" "$pgb_p99")" \
	    "$(printf '>= 40%% of baseline: %.0f%%' "$r")" "$(yesno "$r >= 40")"
}

bench_row_list() {
	local l_p50 l_p99
	l_p50=$(bget "$list" p50_ms); l_p99=$(bget "$list" p99_ms)
	bench_row "case list, 12 filter sets, 4 conns" \
	    "p50 $l_p50 ms, p99 $l_p99 ms, $(bench_bad "$list")" "-" "p99 < 50 ms" "$(yesno "$l_p99 < 50")"
}

bench_row_search() {
	local r
	bench_row "free-text q, ${#BENCH_WORDS[@]} words, service, 4 conns" \
	    "p50 $(bget "$search" p50_ms) ms, p99 $(bget "$search" p99_ms) ms, $(bench_bad "$search")" \
	    "-" "p99 < 50 ms" "$(yesno "$(bget "$search" p99_ms) < 50")"
	r=$(bcalc 'o / n' "o=$s_old_p99; n=$s_new_p99")
	bench_row "free-text q, in the database, 4 conns" \
	    "new: p50 $s_new_p50 ms, p99 $s_new_p99 ms ($s_new_n)" \
	    "ILIKE: p50 $s_old_p50 ms, p99 $s_old_p99 ms ($s_old_n)" \
	    "$(printf 'p99 %.0fx faster' "$r")" \
	    "$( ((search_same == ${#BENCH_WORDS[@]})) && yesno "$s_new_p99 < 50" || echo 'NO: results differ')"
}

# The table: measured | baseline in the same run | target | met?
# Rates count 2xx answers only; each load's row says how many were not.
bench_table() {
	if [[ -n $BENCH_ONLY ]]; then
		bench_table_only
		return
	fi

	printf '\npaicha ./run bench, %s, commit %s: %s CPUs (%s), %s MB RAM, a shared machine (load %s);\n' \
	    "$(date -u '+%Y-%m-%d %H:%M UTC')" \
	    "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" "$(nproc)" \
	    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	    "$(awk '/^MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)" \
	    "$(cut -d ' ' -f 1-3 /proc/loadavg)"
	printf 'each baseline was measured in this same run.  %s cases, %s events, %s activities.\n\n' \
	    "$(bpsql -c 'SELECT count(*) FROM cases')" "$total" \
	    "$(bpsql -c "SELECT CASE WHEN to_regclass('activities') IS NULL THEN 'no' ELSE (SELECT count(*)::text FROM activities) END" 2>/dev/null || echo no)"
	bench_row what "measured (2xx answers only)" "baseline (same run)" target met
	printf '%s\n' "$(printf '%.0s-' {1..164})"

	bench_row_get

	bench_row_trans

	bench_row_list

	bench_row_search

	bench_row_form

	if [[ $dashboard == n/a* ]]; then
		bench_row "dashboard, 110000 (coord.bj)" "$dashboard" "-" "< 500 ms" NO
	else
		bench_row "dashboard, 110000 (coord.bj)" \
		    "$(printf 'worst of 3: %.0f ms' "$(bcalc 'd * 1000' "d=$dashboard")")" \
		    "-" "< 500 ms" "$(yesno "$dashboard < 0.5")"
	fi
	bench_row "scheduler sweep, $sweep_items items" \
	    "$(printf '%.2f s, %s seq scans' "$sweep_s" "$sweep_seqscans")" \
	    "catch-up: $sweep_backlog" "< 5 s, no seq scan" \
	    "$(yesno "$sweep_s < 5 && $sweep_seqscans == 0")"

	bench_row_verify

	bench_row_export
	bench_row "service RSS under load (worker)" \
	    "$(printf 'peak %.1f MB, now %.1f MB' "$(bcalc 'h / 1024' "h=$hwm")" "$(bcalc 'r / 1024' "r=$rss")")" \
	    "-" "< 100 MB" "$(yesno "$hwm < 102400")"

	bench_row_files

	printf '\nanswers (all / 2xx / other / no answer): GET %s, hello %s, transitions %s, list %s, search %s\n' \
	    "$(bench_counts "$get")" "$(bench_counts "$hello")" \
	    "$(bench_counts "$trans")" "$(bench_counts "$list")" \
	    "$(bench_counts "$search")"
	printf 'transitions: pools of%s registered cases (one per slice, sized to the run); %d requests past a pool'"'"'s end\n' \
	    "$pool_sizes" "$pool_short"
	printf 'search p50 per word in the database, ILIKE/new: %s\n' "$search_words"
	printf 'search, old and new, same first page for %d of %d words; in the plans of the new: %s (%s)\n' \
	    "$search_same" "${#BENCH_WORDS[@]}" "$search_gin" "$BENCH_VAR/search-explain.txt"
	printf 'verify answered: %s\n' "${verify_json:-nothing}"
	printf "the sweep's plans (auto_explain): %s\n" "$BENCH_VAR/sweep-explain.txt"
	if [[ -n $seed_s ]]; then
		printf 'seeding the instance (bulk, COPY) took %s s\n' "$seed_s"
	fi
	printf 'the benchmarks took %s s\n' $(($(date +%s) - t0))
}

# The export's row (issue 23: >= 50 % of \copy, constant memory).
bench_row_export() {
	local what="case export, CSV, all $ex_rows cases"
	if [[ $ex_code != 200 ]]; then
		bench_row "$what" "n/a (HTTP $ex_code)" \
		    "$(printf 'psql \\copy: %.1f s' "$ex_copy_s")" ">= 50%, peak < 100 MB" NO
		return
	fi
	bench_row "$what" \
	    "$(printf '%.1f s, %.0f MB; worker peak %.1f MB' "$ex_s" \
	    "$(bcalc 'b / 1e6' "b=$ex_bytes")" "$(bcalc 'h / 1024' "h=$ex_hwm")")" \
	    "$(printf 'psql \\copy: %.1f s' "$ex_copy_s")" \
	    "$(printf '>= 50%%, peak < 100 MB: %.0f%%' "$(bcalc 'c / e * 100' "c=$ex_copy_s; e=$ex_s")")" \
	    "$(yesno "$ex_copy_s / $ex_s >= 0.5 && $ex_hwm < 102400")"
}

# The evidence files' rows (issue 23: download >= 50 %, upload >= 30 % of
# nginx on the same bytes; the worker's RSS < 100 MB).
bench_row_files() {
	bench_row "file upload, ${BENCH_FILE_MIB} MiB, 1 client" "$(printf '%.0f MB/s' "$f_up")" \
	    "$(printf 'nginx PUT (spooled, stored) %.0f MB/s' "$f_up_ngx")" \
	    "$(printf '>= 30%% of baseline: %.0f%%' "$(bcalc 'a / b * 100' "a=$f_up; b=$f_up_ngx")")" \
	    "$(yesno "$f_up / $f_up_ngx >= 0.3")"
	bench_row "file download, ${BENCH_FILE_MIB} MiB, 1 client" "$(printf '%.0f MB/s' "$f_down")" \
	    "$(printf 'nginx static file %.0f MB/s' "$f_down_ngx")" \
	    "$(printf '>= 50%% of baseline: %.0f%%' "$(bcalc 'a / b * 100' "a=$f_down; b=$f_down_ngx")")" \
	    "$(yesno "$f_down / $f_down_ngx >= 0.5")"
	bench_row "worker RSS, 16 x 50 MiB uploads at once" \
	    "$(printf 'peak %.1f MB (%.0f MB/s in all)' "$(bcalc 'h / 1024' "h=$f_hwm")" "$f_agg")" \
	    "-" "< 100 MB" "$(yesno "$f_hwm < 102400")"
}

# The table's rows for PAICHA_BENCH_ONLY's get, trans, list, search,
# verify, form, export and files (the others have no row here: run them
# in a full run).
bench_table_only() {
	printf '\npaicha ./run bench (PAICHA_BENCH_ONLY=%s), %s, commit %s, load %s; %s cases\n\n' \
	    "$BENCH_ONLY" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
	    "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
	    "$(cut -d ' ' -f 1-3 /proc/loadavg)" "$(bpsql -c 'SELECT count(*) FROM cases')"
	bench_row what "measured" "baseline (same run)" target met
	if bench_only get; then
		bench_row_get
	fi
	if bench_only list; then
		bench_row_list
	fi
	if bench_only search; then
		bench_row_search
		printf 'search p50 per word in the database, ILIKE/new: %s\n' "$search_words"
	fi
	if bench_only trans; then
		bench_row_trans
		printf '%s\n' "transitions: answers (all/2xx/other/no answer) $(bench_counts "$trans"); pools of$pool_sizes; $pool_short past a pool's end"
	fi
	if bench_only verify; then
		bench_row_verify
	fi
	if bench_only form; then
		bench_row_form
	fi
	if bench_only export; then
		bench_row_export
	fi
	if bench_only files; then
		bench_row_files
	fi
}

# "all/2xx/other/errors" of a BENCH line.
bench_counts() {
	printf '%s/%s/%s/%s' "$(bget "$1" requests)" "$(bget "$1" ok)" \
	    "$(bget "$1" non2xx)" "$(bget "$1" errors)"
}

# The audit verify of the whole database as admin, beside its baseline:
# openssl's SHA-256 over the same records (and each event's 96-byte
# header) at their average size.  Sets total, bytes, raw_s, verify_s,
# verify_json.
bench_verify() {
	local avg speed_rec speed_hdr code
	step "audit verify of the whole database"
	# Every stream's records: verify walks a case's and the others'.
	read -r total bytes < <(bpsql -F ' ' -c 'SELECT count(*), coalesce(sum(octet_length(record)), 0) FROM (SELECT record FROM case_events UNION ALL SELECT record FROM ledger_events) e')
	avg=$((total > 0 ? bytes / total : 1))
	speed_rec=$(openssl speed -evp sha256 -bytes "$avg" -seconds 2 2>/dev/null |
	    awk '/^sha256/ { sub(/k$/, "", $2); print $2 * 1000 }')
	speed_hdr=$(openssl speed -evp sha256 -bytes 96 -seconds 2 2>/dev/null |
	    awk '/^sha256/ { sub(/k$/, "", $2); print $2 * 1000 }')
	# Per event: SHA-256 of the record, then of its 96-byte header (tag,
	# case id, seq, prev_hash and the record's hash).
	raw_s=$(bcalc 'b / sr + n * 96 / sh' "b=$bytes; n=$total; sr=$speed_rec; sh=$speed_hdr")
	ADMIN_COOKIE=$(bench_login admin)
	read -r code verify_s < <(curl -s -o "$tmp/verify.json" -w '%{http_code} %{time_total}\n' \
	    --max-time 1200 --cacert "$BENCH_VAR/tls/cert.pem" -b "$ADMIN_COOKIE" \
	    "https://localhost:$BENCH_PORT/api/v1/audit/verify")
	verify_json=$(head -c 300 "$tmp/verify.json")
	if [[ $code != 200 ]]; then
		verify_s="n/a (HTTP $code)"
	elif [[ $verify_json != '{"ok":true,'* ]]; then
		# A 200 that found the database not intact did not do what
		# was asked of a benchmark: its time is not a verify's.
		verify_s="n/a (answered not ok)"
	fi
}

cmd_bench() {
	local t0 started hello_pid='' pid cases tmp worker rss hwm i
	local hello get trans pgb pgb_p99 list search report report_asof report_day verify_s verify_json line
	local slice=$(((BENCH_SECONDS + BENCH_SLICES - 1) / BENCH_SLICES))
	local total bytes raw_s seed_s=''
	local dashboard sweep_backlog sweep_items sweep_s sweep_seqscans
	local ex_rows ex_code ex_s ex_bytes ex_hwm ex_copy_s
	local f_up f_up_ngx f_down f_down_ngx f_hwm f_agg
	local fastest need n r pool_short pool_sizes search_same search_gin search_words
	local -a BENCH_WORDS=()
	local s_old_n s_old_p50 s_old_p99 s_new_n s_new_p50 s_new_p99

	check_paths
	ensure_packages
	ensure_bench_packages
	bench_build
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expanded now, on purpose
	trap "rm -rf '$tmp'" EXIT

	# Where nginx's own file baseline reads and writes (nginx.sh).
	mkdir -p "$BENCH_VAR/bench-files"
	if ((IS_ROOT)); then
		chown "$WEB_USER" "$BENCH_VAR/bench-files"
	fi
	step "the bench instance (PAICHA_VAR=$BENCH_VAR, port $BENCH_PORT)"
	bench_instance up >"$tmp/up.log" 2>&1 ||
		{ cat "$tmp/up.log" >&2; die "the bench instance did not start"; }

	# The baseline beside the service, behind the same nginx; as many
	# threads as connections nginx may open, so none waits on another.
	if pid=$(live_pid "$BENCH_VAR/run/hello.pid" fcgi-hello); then
		terminate "$pid" 5
	fi
	rm -f "$BENCH_VAR/run/hello.sock"
	setsid "$BENCH_BUILD/tests/bench/fcgi-hello" "$BENCH_VAR/run/hello.sock" \
	    $((THREADS * 4)) "$WEB_GROUP" </dev/null >/dev/null 2>&1 9>&- &
	hello_pid=$!
	printf '%s\n' "$hello_pid" >"$BENCH_VAR/run/hello.pid"
	# The instance stays until the end of the run only (PAICHA_BENCH_KEEP=1:
	# left running, for profiling), so it holds no memory between runs.
	trap "rm -rf '$tmp'; kill $hello_pid 2>/dev/null || true;
	    [[ \${PAICHA_BENCH_KEEP:-0} == 1 ]] || bench_instance stop >/dev/null 2>&1 || true" EXIT
	for ((i = 0; i < 50; i++)); do
		[[ -S $BENCH_VAR/run/hello.sock ]] && break
		sleep 0.1
	done

	# A million cases, once: later runs keep them.
	cases=$(bpsql -c 'SELECT count(*) FROM cases')
	if ((cases < BENCH_CASES)); then
		step "seeding $((BENCH_CASES - cases)) cases and as many activities (once for this instance)"
		started=$(date +%s)
		"$BENCH_BUILD/tools/seed/paicha-seed" \
		    --db "host=$BENCH_VAR/pg/run dbname=paicha user=postgres" \
		    --cases $((BENCH_CASES - cases)) | tee "$BENCH_VAR/seed.txt"
		seed_s=$(($(date +%s) - started))
	fi

	bench_wait_checkpointer
	t0=$(date +%s)
	bpsql -c "SELECT id FROM cases WHERE region >= '110000' AND region < '120000' ORDER BY random() LIMIT 20000" >"$tmp/get.ids"
	BENCH_COOKIE=$(bench_login officer.bj)
	[[ -n $BENCH_COOKIE ]] || die "could not log in as officer.bj on the bench instance"
	BENCH_RUN=$(date +%s)
	BENCH_DEADLINE=$(TZ=Asia/Shanghai date -d '+30 days' +%F)
	worker=$(live_pid "$BENCH_VAR/run/paicha-worker.pid" paicha) || die "no service worker"

	# Each load and its baseline take turns, BENCH_SLICES slices each:
	# the machine is shared, and whatever else runs on it then weighs on
	# both alike.
	hello='' get='' list='' search='' trans='' report='' report_asof='' report_day='' dashboard='' verify_s=''
	if bench_only get; then
	step "GET /api/v1/cases/{id} and its baseline ($BENCH_CLIENTS connections, $BENCH_SECONDS s each)"
	bench_wrk hello.lua /dev/null "$BENCH_CLIENTS" 2 /bench/hello >/dev/null
	bench_wrk get-case.lua "$tmp/get.ids" "$BENCH_CLIENTS" 2 / >/dev/null
	hello='' get=''
	for ((i = 0; i < BENCH_SLICES; i++)); do
		hello+=$(bench_wrk hello.lua /dev/null "$BENCH_CLIENTS" "$slice" /bench/hello)$'\n'
		get+=$(bench_wrk get-case.lua "$tmp/get.ids" "$BENCH_CLIENTS" "$slice" /)$'\n'
	done
	hello=$(bench_sum <<<"${hello%$'\n'}")
	get=$(bench_sum <<<"${get%$'\n'}")
	fi

	if bench_only list; then
	bench_quiet
	step "the case list with filters"
	bench_list_paths >"$tmp/list.paths"
	bench_wrk list.lua "$tmp/list.paths" 4 3 / >/dev/null
	list=$(bench_wrk list.lua "$tmp/list.paths" 4 "$BENCH_SECONDS" /)
	fi

	# The free-text search (issue 23): through the service (the new
	# path), then in the database old (ILIKE) and new (case_search())
	# in turns, as the same session, the same words.
	if bench_only search; then
	bench_quiet
	bench_search_words
	step "the free-text search: ${#BENCH_WORDS[@]} words, through the service, then old and new in the database"
	bench_search_paths >"$tmp/search.paths"
	bench_wrk list.lua "$tmp/search.paths" 4 2 / >/dev/null
	search=$(bench_wrk list.lua "$tmp/search.paths" 4 "$BENCH_SECONDS" /)
	mkdir -p "$tmp/search"
	bench_search_scripts "$tmp/search"
	bench_quiet
	bench_search_check "$tmp/search"
	: >"$tmp/search/old.lat"
	: >"$tmp/search/new.lat"
	: >"$tmp/search/old.by"
	: >"$tmp/search/new.by"
	for ((i = 0; i < BENCH_SLICES; i++)); do
		bench_search_pgbench "$tmp/search" old "$slice"
		bench_quiet
		bench_search_pgbench "$tmp/search" new "$slice"
	done
	search_words=$(bench_search_words_p50 "$tmp/search")
	read -r s_old_n s_old_p50 s_old_p99 < <(bench_pct "$tmp/search/old.lat")
	read -r s_new_n s_new_p50 s_new_p99 < <(bench_pct "$tmp/search/new.lat")
	fi

	if bench_only form; then
	bench_quiet
	step "the campaign form for 110000, live and as of yesterday"
	report=$(bench_form '')
	report_day=$(TZ=Asia/Shanghai date -d yesterday +%F)
	[[ ${report_day%%-*} == $(date +%Y) ]] || report_day=$(TZ=Asia/Shanghai date +%F)
	report_asof=$(bench_form "&as_of=$report_day")
	fi

	# The sweep first: its catch-up also brings the dashboard's tallies
	# (the job dashboard_tallies) up to the seed.
	if bench_only sweep; then
	bench_quiet
	bench_sweep
	fi

	if bench_only dashboard; then
	bench_quiet
	step "the dashboard for 110000"
	bench_dashboard
	fi

	if bench_only verify; then
	bench_quiet
	bench_verify
	fi

	if bench_only trans; then
	# Cases the transitions move: registered ones (detected, no proposal)
	# of Beijing, anywhere in the table -- not fresh ones, which would
	# pile up at the newest end of the table where the list reads first.
	# Each slice takes a pool of its own, sized to the run: twice what
	# the fastest slice so far (the warm-up first) made (bench_rate),
	# and at least BENCH_FRESH.  A request past a pool's end (a wrk thread's share of
	# it) goes to case 0 and answers 404; transition.lua counts it apart
	# (past=, pool_short), and only 2xx answers count as transitions.
	if [[ -z $(BPSQL_DB=postgres bpsql -c "SELECT 1 FROM pg_database WHERE datname = 'pgbench'") ]]; then
		BPSQL_DB=postgres bpsql -c 'CREATE DATABASE pgbench'
		quietly "pgbench -i" 20 "$PGBIN/pgbench" -h "$BENCH_VAR/pg/run" -U postgres -i -q -s 10 pgbench
	fi
	step "transitions: a warm-up of 2 s, to size the pools"
	bench_pool "$BENCH_FRESH" "$tmp/fresh.ids"
	BENCH_OFFSET=0
	line=$(bench_wrk transition.lua "$tmp/fresh.ids" "$BENCH_CLIENTS" 2 /)
	fastest=$(bench_rate "$line")
	step "transitions and pgbench -N ($BENCH_CLIENTS clients, $BENCH_SECONDS s each, in turns)"
	trans='' pool_short=0 pool_sizes=''
	: >"$tmp/pgbench.all"
	for ((i = 0; i < BENCH_SLICES; i++)); do
		need=$(bcalc 'int(2 * f * s + 4 * c)' "f=$fastest; s=$slice; c=$BENCH_CLIENTS")
		((need >= BENCH_FRESH)) || need=$BENCH_FRESH
		bench_pool "$need" "$tmp/fresh.ids"
		pool_sizes+=" $(wc -l <"$tmp/fresh.ids")"
		line=$(bench_wrk transition.lua "$tmp/fresh.ids" "$BENCH_CLIENTS" "$slice" /)
		trans+=$line$'\n'
		pool_short=$((pool_short + $(bget "$line" past)))
		r=$(bench_rate "$line")
		fastest=$(bcalc 'r > f ? r : f' "r=$r; f=$fastest")
		(cd "$tmp" && "$PGBIN/pgbench" -h "$BENCH_VAR/pg/run" -U postgres -N -M prepared \
		    -c "$BENCH_CLIENTS" -j 2 -T "$slice" -l --log-prefix=pgb pgbench \
		    >pgbench.out 2>&1) || { cat "$tmp/pgbench.out" >&2; die "pgbench failed"; }
		cat "$tmp/pgbench.out" >>"$tmp/pgbench.all"
	done
	trans=$(bench_sum <<<"${trans%$'\n'}")
	# Transactions over the time they took, summed over the slices.
	pgb=$(awk '/^number of transactions actually processed:/ { n = $NF; split(n, a, "/"); t = a[1] }
	    /^tps = .* \(without initial connection time\)/ { sum += t; secs += t / $3 }
	    END { printf "%.1f", (secs > 0 ? sum / secs : 0) }' "$tmp/pgbench.all")
	pgb_p99=$(cat "$tmp"/pgb.* | awk '{ print $3 }' | sort -n |
	    awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", a[i] / 1000 }')
	fi

	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$worker/status" 2>/dev/null || echo 0)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$worker/status" 2>/dev/null || echo 0)

	if bench_only export; then
		bench_export
	fi
	if bench_only files; then
		bench_quiet
		step "evidence files: ${BENCH_FILE_MIB} MiB up and down beside nginx, then 16 x 50 MiB at once"
		bench_files "$tmp"
	fi

	bench_table | tee "$BENCH_VAR/bench.txt"
}
