# run.d/seed.sh: what ./run puts in the database that migrations do not:
# the demo users, this year's campaign, and the demo cases (the small set
# a new instance gets once, and ./run seed-demo [N] [api|bulk]).
# shellcheck shell=bash

seed_demo_users() {
	local admin=$BIN/fcgi/paicha-admin row user roles region name out
	[[ -x $admin ]] || die "fcgi/paicha-admin was not built"
	for row in "${DEMO_USERS[@]}"; do
		IFS='|' read -r user roles region name _ <<<"$row"
		if ! out=$(printf '%s\n' "$DEMO_PASSWORD" |
		    PAICHA_ADMIN_DATABASE_URL=$ADMIN_URL "$admin" user-create \
		    --username "$user" --display-name "$name" --region "$region" \
		    --roles "$roles" --password-stdin --if-missing \
		    --no-password-rules 2>&1); then
			printf '%s\n' "$out" >&2
			die "could not create demo user $user"
		fi
	done
}

# Migrations hold the 2022 and 2026 campaigns; the current year's (with
# the seed's dates) is made here, so it exists whatever the year.
seed_campaign() {
	psql_admin "$ADMIN_URL" -v year="$(date +%Y)" <<'SQL'
INSERT INTO campaigns (id, year, name, risk_investigation_by, governance_by,
    interim_report_due, annual_report_due)
VALUES (:year, :year, :'year' || '年重点工业产品质量安全排查治理专项行动',
    make_date(:year, 7, 31), make_date(:year, 10, 31),
    make_date(:year, 7, 31), make_date(:year, 11, 10))
ON CONFLICT DO NOTHING;
SQL
}

# ======================================================================
# Demo data: ./run seed-demo [N] [api|bulk]
# ======================================================================

# Load N cases (and as many activities) of the demo campaign into this
# instance: through the HTTP API as the demo users for up to
# SEED_API_MAX cases, by COPY past that (README.md, "Demo data").
seed_demo() {
	local n=$1 how=${2:-} seed=$BIN/tools/seed/paicha-seed code
	[[ -x $seed ]] || die "tools/seed/paicha-seed was not built"
	if [[ -z $how ]]; then
		if ((n <= SEED_API_MAX)); then how=api; else how=bulk; fi
	fi
	case $how in
	api)
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		    --cacert "$VAR/tls/cert.pem" "https://localhost:$PORT/healthz" || true)
		[[ $code == 200 ]] || die "the service on port $PORT is not answering: ./run first"
		"$seed" --db "$ADMIN_URL" --api "https://localhost:$PORT" \
		    --ca "$VAR/tls/cert.pem" --cases "$n"
		;;
	bulk)
		if ((!EXTERNAL_DB)) && ! pg_running; then
			die "the cluster in $PGDATA is not running: ./run first"
		fi
		"$seed" --db "$ADMIN_URL" --cases "$n"
		;;
	*)
		die "seed-demo: '$how' is neither api nor bulk"
		;;
	esac
}

# ./run: a newcomer's instance gets the small set once, when it has no
# case at all: most of it by COPY, each case's life walked over the
# campaign's months up to now (registered in March, closed in June, its
# look-back due ...), so that overdue lists, reminders, escalations and
# the dashboard's weeks have a past; then SEED_TODAY cases through the
# API today, and the demo's assignments and 督办 (tools/seed/api.c).
seed_demo_if_empty() {
	local n
	n=$(psql_admin "$ADMIN_URL" -At -c 'SELECT count(*) FROM cases' 2>/dev/null) || return 0
	[[ $n == 0 ]] || return 0
	step "loading the demo campaign: $((SEED_SMALL - SEED_TODAY)) cases over its months so far, $SEED_TODAY today through the API (./run seed-demo N for more)"
	seed_demo "$((SEED_SMALL - SEED_TODAY))" bulk
	seed_demo "$SEED_TODAY" api
	seed_portal_demo
}

# The enterprise portal's demo (issue 20): qiye.demo, the account of the
# first Beijing demo enterprise, with the demo password already its own
# (set here like the other demo users', never through the API), and two
# self-inspections it files through the API -- all passed, then one
# failure reported as a major risk, which opens a case.
seed_portal_demo() {
	local jar body major code
	psql_admin "$ADMIN_URL" <<'SQL'
INSERT INTO users (username, display_name, region, roles, password_hash,
    enterprise_id)
SELECT 'qiye.demo', left(e.name, 100), e.region, ARRAY['enterprise'],
    u.password_hash, e.id
  FROM (SELECT id, name, region FROM enterprises WHERE region LIKE '11%'
	 ORDER BY id LIMIT 1) e,
       (SELECT password_hash FROM users WHERE username = 'officer.bj') u
 WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = 'qiye.demo');
SQL
	body=$(psql_admin "$ADMIN_URL" -At <<'SQL'
SELECT json_build_object('campaign_id', extract(year FROM now())::integer,
    'category', 'cement', 'major_risk', false,
    'items', json_agg(json_build_object('id', id, 'result', 'pass')
	ORDER BY id))
  FROM checklist_items WHERE category IS NULL
    OR (category = 'cement' AND province IS NULL)
SQL
)
	major=$(psql_admin "$ADMIN_URL" -At <<'SQL'
SELECT json_build_object('campaign_id', extract(year FROM now())::integer,
    'category', 'cement', 'major_risk', true,
    'items', json_agg(json_build_object('id', id, 'result',
	CASE WHEN stage = 'outgoing' AND category IS NULL THEN 'fail'
	ELSE 'pass' END, 'note', CASE WHEN stage = 'outgoing'
	AND category IS NULL THEN '部分批次未做出厂检验' END) ORDER BY id))
  FROM checklist_items WHERE category IS NULL
    OR (category = 'cement' AND province IS NULL)
SQL
)
	jar=$(mktemp)
	code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" 	    --cacert "$VAR/tls/cert.pem" -H 'Content-Type: application/json' 	    -d '{"username":"qiye.demo","password":"'"$DEMO_PASSWORD"'"}' 	    "https://localhost:$PORT/api/v1/session" || true)
	if [[ $code == 201 ]]; then
		for b in "$body" "$major"; do
			curl -s -o /dev/null -b "$jar" --cacert "$VAR/tls/cert.pem" 			    -H 'Content-Type: application/json' -d "$b" 			    "https://localhost:$PORT/api/v1/self-inspections" || true
		done
	else
		printf 'run: qiye.demo could not log in (%s): no demo self-inspections\n' "$code" >&2
	fi
	rm -f "$jar"
}

cmd_seed_demo() {
	local n=${1:-$SEED_SMALL} how=${2:-}
	[[ $n =~ ^[0-9]{1,8}$ ]] && ((n >= 1)) ||
		die "seed-demo: N is a number of cases (1 to 99999999)"
	check_paths
	if [[ $BIN == "$ROOT" ]]; then
		ensure_packages
		build
		exec 8>&-
	fi
	seed_demo "$n" "$how"
}
