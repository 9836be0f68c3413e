# run.d/replica.sh: the streaming replica of the private cluster
# (PAICHA_REPLICA=1, RPGDATA): made by pg_basebackup, started, stopped;
# ./run replica-start, replica-stop, replica-drop, replica-promote.
# shellcheck shell=bash

replica_running() {
	[[ -f $RPGDATA/postmaster.pid ]] && live_pid "$RPGDATA/postmaster.pid" postgres >/dev/null
}

# Make the replica from the running primary (pg_basebackup -R): it
# streams from the primary's socket as paicha_repl through a physical
# slot of its own, so the primary keeps the WAL it has not had yet (up
# to max_slot_wal_keep_size).  A complete replica is kept as it is.
replica_init() {
	mkdir -p "$VAR/pg-replica"
	chmod 755 "$VAR/pg-replica"
	touch "$RPGLOG"
	if ((IS_ROOT)); then
		chown postgres: "$VAR/pg-replica" "$RPGLOG"
	fi
	as_pg mkdir -p "$RPGSOCK"
	as_pg chmod 755 "$RPGSOCK"
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

replica_start() {
	if pg_configure "$RPGDATA" "$RPGSOCK" replica && replica_running; then
		as_pg "$PGBIN/pg_ctl" -D "$RPGDATA" reload >/dev/null
	fi
	replica_running && return 0
	rm -f "$RPGDATA/postmaster.pid"
	step "starting the replica"
	if ! as_pg "$PGBIN/pg_ctl" -D "$RPGDATA" -w -t 120 -l "$RPGLOG" start \
	    >/dev/null 2>&1 </dev/null 7>&- 9>&-; then
		tail -n 20 "$RPGLOG" >&2
		die "the replica did not start (log: $RPGLOG)"
	fi
}

replica_stop() {
	replica_running || return 0
	step "stopping the replica"
	as_pg "$PGBIN/pg_ctl" -D "$RPGDATA" -m fast -w -t 60 stop >/dev/null 2>&1 ||
		as_pg "$PGBIN/pg_ctl" -D "$RPGDATA" -m immediate -w -t 30 stop >/dev/null
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
