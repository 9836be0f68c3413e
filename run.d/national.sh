# run.d/national.sh: province or national (PAICHA_PROVINCE,
# PAICHA_NATIONAL) -- what kind of installation this database is, and
# on the national one ./run subscribe and unsubscribe to a province; on
# a province ./run peer to another (referrals between them, sql/0150).
# shellcheck shell=bash

# Set once, kept for good (the table installation): a province hands out
# ids from its own range and publishes its records; the national
# database takes range 0 and is prepared to hold every province's rows.
# Without either setting, an installation made one before stays one.
# Must run before anything is seeded: seeded rows take ids.
installation_setup() {
	local code='' out
	if [[ -n $PROVINCE ]]; then
		code=$PROVINCE
	elif ((NATIONAL)); then
		code=000000
	else
		code=$(psql_admin "$ADMIN_URL" -At -c 'SELECT region FROM installation')
		[[ -n $code ]] || return 0
	fi
	# One transaction: peer_setup() narrows the publication that
	# installation_setup() sets afresh (sql/0150).
	out=$(psql_admin "$ADMIN_URL" -1 -At -v code="$code" <<'SQL'
SELECT installation_setup(:'code');
SELECT national_prepare() WHERE :'code' = '000000';
SELECT peer_setup() WHERE :'code' <> '000000';
SQL
) || die "could not make this database installation $code"
	while IFS= read -r line; do
		step "$line"
	done <<<"$out"
}

# ./run subscribe CODE CONNINFO, on the national database: subscribe to
# province CODE's publications through CONNINFO (a libpq string reaching
# its database as paicha_repl), or, when subscribed already, take up the
# tables the province has added to them since.
cmd_subscribe() {
	local code=${1:-} conninfo=${2:-} kind
	[[ $code =~ ^[1-9][0-9]0000$ ]] || die "usage: ./run subscribe PROVINCE_CODE CONNINFO"
	[[ -n $conninfo ]] || die "usage: ./run subscribe PROVINCE_CODE CONNINFO"
	lock_instance
	kind=$(psql_admin "$ADMIN_URL" -At -c 'SELECT kind FROM installation')
	[[ $kind == national ]] ||
		die "this is not the national database (PAICHA_NATIONAL=1 ./run makes it one)"
	subscription_make "paicha_p$code" "$conninfo" \
	    "paicha_province, paicha_province_refs" "subscribing to province $code"
}

# Subscription NAME to PUBLICATIONS through CONNINFO, made (saying WHAT)
# or, when it exists already, its tables refreshed: the publisher may
# have added some since.
subscription_make() {
	local name=$1 conninfo=$2 pubs=$3 what=$4
	if [[ -n $(psql_admin "$ADMIN_URL" -At -v name="$name" \
	    <<<"SELECT 1 FROM pg_subscription WHERE subname = :'name'") ]]; then
		step "subscription $name: refreshing its tables"
		psql_admin "$ADMIN_URL" -c "ALTER SUBSCRIPTION $name REFRESH PUBLICATION"
		return 0
	fi
	step "$what"
	psql_admin "$ADMIN_URL" -v conninfo="$conninfo" <<SQL
CREATE SUBSCRIPTION $name CONNECTION :'conninfo'
	PUBLICATION $pubs;
SQL
}

# ./run peer CODE CONNINFO, on a province's database: subscribe to
# province CODE's relay rows addressed to this province (its publication
# paicha_to_PP, sql/0150) through CONNINFO, as paicha_repl -- the
# referrals CODE makes to this province and the decisions on those this
# province made to CODE.  Run on both provinces, each naming the other.
# When subscribed already, refresh.
cmd_peer() {
	local code=${1:-} conninfo=${2:-} own
	[[ $code =~ ^[1-9][0-9]0000$ ]] || die "usage: ./run peer PROVINCE_CODE CONNINFO"
	[[ -n $conninfo ]] || die "usage: ./run peer PROVINCE_CODE CONNINFO"
	lock_instance
	own=$(psql_admin "$ADMIN_URL" -At -c "SELECT region FROM installation WHERE kind = 'province'")
	[[ -n $own ]] || die "this is not a province's database (PAICHA_PROVINCE=PP0000 ./run makes it one)"
	[[ $own != "$code" ]] || die "province $code is this database"
	subscription_make "paicha_peer_p$code" "$conninfo" "paicha_to_${own:0:2}" \
	    "peering with province $code: its referrals to ${own:0:2}, its decisions on ours"
}

# ./run unpeer CODE, on a province's database: drop the peer
# subscription to province CODE (./run peer makes it again; what CODE
# sent meanwhile arrives with the new subscription's first copy).
cmd_unpeer() {
	local code=${1:-}
	[[ $code =~ ^[1-9][0-9]0000$ ]] || die "usage: ./run unpeer PROVINCE_CODE"
	lock_instance
	psql_admin "$ADMIN_URL" -c "DROP SUBSCRIPTION IF EXISTS paicha_peer_p$code"
}

cmd_unsubscribe() {
	local code=${1:-}
	[[ $code =~ ^[1-9][0-9]0000$ ]] || die "usage: ./run unsubscribe PROVINCE_CODE"
	lock_instance
	psql_admin "$ADMIN_URL" -c "DROP SUBSCRIPTION IF EXISTS paicha_p$code"
}
