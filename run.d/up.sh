# run.d/up.sh: the whole stack in order -- ./run (start: install, build,
# up), ./run up (everything after the build, up and answering) and
# ./run stop; the address and users printed, the wait for healthz.
# shellcheck shell=bash

print_users() {
	local row user roles region where
	printf '\npaicha: https://localhost:%s\n\n' "$PORT"
	printf '  %-12s %-11s %s\n' username roles region
	for row in "${DEMO_USERS[@]}"; do
		IFS='|' read -r user roles region _ where <<<"$row"
		printf '  %-12s %-11s %s %s\n' "$user" "$roles" "$region" "$where"
	done
	printf '\n  password: %s\n\n' "$DEMO_PASSWORD"
}

wait_ready() {
	local i code=000 url=https://localhost:$PORT/healthz f
	for ((i = 0; i < 120; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		    --cacert "$VAR/tls/cert.pem" "$url" || true)
		if [[ $code == 200 ]]; then
			printf 'ready\n'
			return 0
		fi
		sleep 0.25
	done
	printf 'run: %s answered %s, not 200, for 30 s; the last log lines:\n' "$url" "$code" >&2
	for f in "$VAR/log/paicha.log" "$NGINX_ERRLOG" "$PGLOG"; do
		[[ -f $f ]] || continue
		printf -- '--- %s\n' "$f" >&2
		tail -n 15 "$f" >&2
	done
	exit 1
}

# Everything after installing and building: the database, its schema and
# seeds, keys, the service and nginx, up and answering.
cmd_up() {
	check_paths
	lock_instance
	port_resolve
	ensure_service_user
	prepare_instance
	grant_traverse
	if ((!EXTERNAL_DB)); then
		pg_init
		if pg_configure && pg_running; then
			pg_reload
		fi
		pg_start
	fi
	db_bootstrap
	migrate
	installation_setup
	seed_demo_users
	seed_campaign
	ensure_keys
	if ((REPLICA)); then
		replica_init
		replica_start
	elif replica_running; then
		replica_stop
		printf 'run: the replica in %s is stopped; its slot keeps WAL on the primary: ./run replica-drop\n' "$RPGDATA" >&2
	fi
	service_start
	nginx_start
	print_users
	wait_ready
}

cmd_start() {
	check_paths
	ensure_packages
	build
	exec 8>&-
	cmd_up
	seed_demo_if_empty
}

cmd_stop() {
	local f pid left=0
	lock_instance
	nginx_stop
	service_stop
	replica_stop
	pg_stop
	for f in "$NGINX_PIDFILE" "$VAR"/run/paicha*.pid "$VAR"/run/*/paicha*.pid \
	    "$PGDATA/postmaster.pid" "$RPGDATA/postmaster.pid"; do
		[[ -f $f ]] || continue
		if pid=$(pgrep -F "$f" 2>/dev/null); then
			printf 'run: still running: pid %s (%s)\n' "$pid" "$f" >&2
			left=1
		fi
	done
	((left == 0)) || exit 1
}
