# run.d/cluster.sh: the private PostgreSQL cluster (PGDATA, unless
# PAICHA_DATABASE_URL names another database): made, configured, started
# and stopped, by functions the replica (replica.sh) shares; ./run
# db-stop, db-start, db-restart-immediate.
# shellcheck shell=bash

# ----------------------------------------------------------------------
# Either cluster of the instance, the primary or the replica: DATA is
# its data directory.
# ----------------------------------------------------------------------

# The cluster's directory DIR (DATA's parent), its LOG and its socket
# directory SOCK: made, and postgres's.
cluster_dirs() {
	local dir=$1 log=$2 sock=$3
	mkdir -p "$dir"
	chmod 755 "$dir"
	touch "$log"
	if ((IS_ROOT)); then
		chown postgres: "$dir" "$log"
	fi
	as_pg mkdir -p "$sock"
	as_pg chmod 755 "$sock"
}

# Write a cluster's configuration: the primary's (no arguments) or the
# replica's (DATA SOCKDIR replica).  Returns 0 when something changed.
pg_configure() {
	local data=${1:-$PGDATA} sock=${2:-$PGSOCK} role=${3:-primary}
	local rc=1 extra_admin='' extra_app='' extra_repl=''

	if put postgres: 600 "$data/paicha.conf" <<EOF
# Written by ./run on every start: edit ./run, not this file.
# This cluster: the $role.
listen_addresses = ''				# no TCP at all
unix_socket_directories = '$sock'
unix_socket_permissions = 0777			# the directory (0755) guards it
max_connections = 200
superuser_reserved_connections = 3
shared_buffers = 128MB
effective_cache_size = 512MB
work_mem = 4MB
maintenance_work_mem = 64MB
wal_level = logical				# replication to a national database
max_wal_senders = 20				# replicas, basebackups, the national subscriber
max_replication_slots = 64			# on the national database: one origin per province
max_slot_wal_keep_size = 4GB			# a replica or subscriber gone for good cannot fill the disk
max_worker_processes = 48
max_logical_replication_workers = 40		# national: an apply worker per province, and syncs
max_sync_workers_per_subscription = 2
hot_standby = on				# a replica answers reads
hot_standby_feedback = on			# ... and its long reports are not cancelled by vacuum
max_standby_streaming_delay = 30s
fsync = on					# legal records: never trade durability
synchronous_commit = on
full_page_writes = on
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 1000
log_lock_waits = on
jit = off					# compiling costs 100s of ms per OLTP query
# Index pages and rows are in memory or on SSD: a random read costs
# about a sequential one.  At the default 4.0 the case list read a
# million cases by id and filtered, instead of the state's own index.
random_page_cost = 1.1
EOF
	then rc=0; fi

	# paicha_repl: streaming replicas (replication) and the national
	# database's subscription to a province (its database, paicha).
	if put postgres: 600 "$data/pg_hba.conf" <<EOF
# Written by ./run on every start.  Unix socket only, peer authentication
# through the maps of pg_ident.conf; nothing else may connect.
# TYPE	DATABASE	USER		METHOD
local	all		postgres	peer map=admin
local	paicha		paicha_app	peer map=app
local	replication	paicha_repl	peer map=repl
local	paicha		paicha_repl	peer map=repl
EOF
	then rc=0; fi

	if ((!IS_ROOT)) && [[ $INVOKER != postgres ]]; then
		extra_admin="admin	$INVOKER	postgres"
		extra_app="app	$INVOKER	paicha_app"
		extra_repl="repl	$INVOKER	paicha_repl"
	fi
	if put postgres: 600 "$data/pg_ident.conf" <<EOF
# Written by ./run on every start.
# MAP	OS USER		ROLE
admin	root		postgres
admin	postgres	postgres
$extra_admin
app	paicha		paicha_app
app	root		paicha_app
app	postgres	paicha_app
$extra_app
repl	postgres	paicha_repl
$extra_repl
EOF
	then rc=0; fi
	return $rc
}

# Whether the cluster in DATA runs.
cluster_running() {
	[[ -f $1/postmaster.pid ]] && live_pid "$1/postmaster.pid" postgres >/dev/null
}

# Start the cluster in DATA, logging to LOG, waiting up to SECONDS for it
# to accept connections; WHAT names it in what ./run says.  Nothing when
# it runs already.
pg_ctl_start() {
	local data=$1 log=$2 seconds=$3 what=$4
	if cluster_running "$data"; then
		return 0
	fi
	# A postmaster.pid whose process is gone or is another program.
	rm -f "$data/postmaster.pid"
	step "starting $what"
	if ! as_pg "$PGBIN/pg_ctl" -D "$data" -w -t "$seconds" -l "$log" start \
	    >/dev/null 2>&1 </dev/null 7>&- 9>&-; then
		tail -n 20 "$log" >&2
		die "$what did not start (log: $log)"
	fi
}

# Stop the cluster in DATA (WHAT: its name): fast, and when that fails,
# immediate.  Nothing when it is not running.
pg_ctl_stop() {
	local data=$1 what=$2
	cluster_running "$data" || return 0
	step "stopping $what"
	as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
		as_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null
}

# Have the running cluster in DATA read its configuration again.
pg_ctl_reload() {
	as_pg "$PGBIN/pg_ctl" -D "$1" reload >/dev/null
}

# ----------------------------------------------------------------------
# The primary
# ----------------------------------------------------------------------

pg_init() {
	cluster_dirs "$VAR/pg" "$PGLOG" "$PGSOCK"
	[[ -f $PGDATA/PG_VERSION ]] && return 0

	step "creating the PostgreSQL cluster in $PGDATA"
	# A data directory without PG_VERSION is a half-made one: redo it.
	rm -rf "$PGDATA"
	quietly initdb 30 as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres \
	    -E UTF8 --locale=C.UTF-8 --data-checksums \
	    --auth-local=peer --auth-host=reject
	printf "\n# paicha's settings, rewritten by ./run on every start\ninclude = 'paicha.conf'\n" |
	    as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null
}

pg_running() {
	cluster_running "$PGDATA"
}

pg_start() {
	pg_ctl_start "$PGDATA" "$PGLOG" 60 PostgreSQL
}

# Apply a changed configuration to the running cluster.  What only a
# restart applies is said, not done: a restart under a running service
# costs its requests, so that is for `./run stop && ./run`.
pg_reload() {
	local pending
	pg_ctl_reload "$PGDATA"
	sleep 0.5
	pending=$(psql_admin "host=$PGSOCK dbname=postgres user=postgres" -At \
	    -c "SELECT string_agg(name, ', ') FROM pg_settings WHERE pending_restart")
	if [[ -n $pending ]]; then
		printf 'run: PostgreSQL needs a restart for %s: ./run stop && ./run\n' "$pending" >&2
	fi
}

pg_stop() {
	pg_ctl_stop "$PGDATA" PostgreSQL
}

cmd_db_stop() {
	lock_instance
	pg_stop
}

cmd_db_start() {
	lock_instance
	pg_start
}

cmd_db_restart_immediate() {
	lock_instance
	pg_running || die "the cluster in $PGDATA is not running"
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 60 -l "$PGLOG" \
	    restart >/dev/null 2>&1 </dev/null 9>&- ||
		die "PostgreSQL did not come back (log: $PGLOG)"
}
