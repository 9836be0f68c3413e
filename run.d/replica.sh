# run.d/replica.sh: the streaming replica of the private cluster
# (PAICHA_REPLICA=1, RPGDATA): made by pg_basebackup, started, stopped;
# ./run replica-start, replica-stop, replica-drop, replica-promote.  It
# starts and stops by the primary's functions (cluster.sh).
# shellcheck shell=bash

replica_running() {
	cluster_running "$RPGDATA"
}

# Make the replica from the running primary (pg_basebackup -R): it
# streams from the primary's socket as paicha_repl through a physical
# slot of its own, so the primary keeps the WAL it has not had yet (up
# to max_slot_wal_keep_size).  A complete replica is kept as it is.
replica_init() {
	cluster_dirs "$VAR/pg-replica" "$RPGLOG" "$RPGSOCK"
	[[ -f $RPGDATA/PG_VERSION && -f $RPGDATA/standby.signal ]] && return 0

	step "making a streaming replica in $RPGDATA (pg_basebackup)"
	rm -rf "$RPGDATA"
	# The slot of an earlier replica of this cluster, not in use.
	psql_admin "host=$PGSOCK dbname=postgres user=postgres" \
	    -v slot="$REPLICA_SLOT" >/dev/null <<'SQL'
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
 WHERE slot_name = :'slot' AND NOT active;
SQL
	quietly pg_basebackup 30 as_pg "$PGBIN/pg_basebackup" -h "$PGSOCK" \
	    -U paicha_repl -D "$RPGDATA" -R -X stream -C -S "$REPLICA_SLOT" \
	    --checkpoint=fast
}

# Its configuration written (and, running, reloaded), then started.
replica_start() {
	if pg_configure "$RPGDATA" "$RPGSOCK" replica && replica_running; then
		pg_ctl_reload "$RPGDATA"
	fi
	pg_ctl_start "$RPGDATA" "$RPGLOG" 120 "the replica"
}

replica_stop() {
	pg_ctl_stop "$RPGDATA" "the replica"
}

cmd_replica_start() {
	check_paths
	((!EXTERNAL_DB)) || die "the replica is of the private cluster"
	lock_instance
	pg_running || die "the cluster in $PGDATA is not running: ./run first"
	replica_init
	replica_start
}

cmd_replica_stop() {
	lock_instance
	replica_stop
}

# Forget the replica: stop it, remove its data and the primary's slot.
cmd_replica_drop() {
	lock_instance
	replica_stop
	rm -rf "$VAR/pg-replica"
	if pg_running; then
		psql_admin "host=$PGSOCK dbname=postgres user=postgres" \
		    -v slot="$REPLICA_SLOT" >/dev/null <<'SQL'
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
 WHERE slot_name = :'slot';
SQL
	fi
}

# Make the replica a primary (the primary is gone for good): from now on
# it takes writes.  Point PAICHA_DATABASE_URL at it; docs/SCALING.md.
cmd_replica_promote() {
	lock_instance
	replica_running || die "the replica in $RPGDATA is not running"
	as_pg "$PGBIN/pg_ctl" -D "$RPGDATA" -w -t 60 promote >/dev/null ||
		die "the replica was not promoted (log: $RPGLOG)"
}
