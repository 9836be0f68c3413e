# run.d/service.sh: the FastCGI service (fcgi/paicha supervise), one or
# PAICHA_INSTANCES instances: started, SIGHUP'd, stopped; ./run
# service-restart, service-pid, service-supervisor-pid.
# shellcheck shell=bash

# Instance K of the service (PAICHA_INSTANCES): its directory, socket,
# pid files, environment file and log.  Instance 1 keeps the paths of a
# single service; instance K >= 2 lives in $VAR/run/K.  Sets I_DIR,
# I_SOCKET, I_SUP, I_WORKER, I_LOG.
instance() {
	local k=$1
	if ((k == 1)); then
		I_DIR=$VAR/run
		I_LOG=$VAR/log/paicha.log
	else
		I_DIR=$VAR/run/$k
		I_LOG=$VAR/log/paicha-$k.log
	fi
	I_SOCKET=$I_DIR/paicha.sock
	I_SUP=$I_DIR/paicha.pid
	I_WORKER=$I_DIR/paicha-worker.pid
}

# The numbers of the instances that have a directory now, 1 first.
instances_present() {
	local d
	printf '1\n'
	for d in "$VAR"/run/[0-9]*; do
		[[ -d $d && ${d##*/} =~ ^[0-9]+$ ]] && printf '%s\n' "${d##*/}"
	done
	return 0
}

# Start (or, with the same settings, SIGHUP) instance K.
service_start_one() {
	local k=$1 pid child i env_changed=0 what=the\ service
	local -a env
	instance "$k"
	((INSTANCES == 1)) || what="service instance $k"
	env=(
		PAICHA_SOCKET="$I_SOCKET"
		PAICHA_SOCKET_GROUP="$WEB_GROUP"
		PAICHA_DATABASE_URL="$APP_URL"
		PAICHA_KEY_FILE="$VAR/keys/checkpoint.pem"
		PAICHA_THREADS="$THREADS"
		PAICHA_PIDFILE="$I_SUP"
		# Webhooks may post to this host (a receiver beside a
		# development or test instance); a production instance sets
		# PAICHA_WEBHOOK_ALLOW=public (docs/SECURITY.md).
		PAICHA_WEBHOOK_ALLOW="${PAICHA_WEBHOOK_ALLOW:-loopback}"
	)
	if ((IS_ROOT)); then
		env+=(PAICHA_USER="$SERVICE_USER")
	fi
	if [[ -n $REPLICA_URL ]]; then
		env+=(PAICHA_REPLICA_URL="$REPLICA_URL")
	fi
	if [[ -n ${PAICHA_REPLICA_MAX_LAG:-} ]]; then
		env+=(PAICHA_REPLICA_MAX_LAG="$PAICHA_REPLICA_MAX_LAG")
	fi
	if ((k > 1)); then
		mkdir -p "$I_DIR"
		chmod 750 "$I_DIR"
		if ((IS_ROOT)); then
			chown "$SERVICE_USER:$WEB_GROUP" "$I_DIR"
		fi
	fi

	# A SIGHUP'd worker inherits the supervisor's environment: when ours
	# differs (another thread count, database), restart the supervisor.
	if printf '%s\n' "${env[@]}" | put root: 644 "$I_DIR/service.env"; then
		env_changed=1
	fi
	if pid=$(live_pid "$I_SUP" paicha); then
		if ((!env_changed)); then
			step "replacing $what's worker (SIGHUP to supervisor $pid)"
			kill -HUP "$pid"
			return 0
		fi
		step "$what: settings changed: restarting it"
		service_stop_one "$k"
	fi
	# No supervisor: a worker left from one that died still holds the
	# old socket and database connections.
	if pid=$(live_pid "$I_WORKER" paicha); then
		terminate "$pid" 10
	fi
	rm -f "$I_SOCKET" "$I_SUP" "$I_WORKER"

	step "starting $what"
	env "${env[@]}" setsid "$BIN/fcgi/paicha" supervise \
	    </dev/null >>"$I_LOG" 2>&1 7>&- 9>&- &
	child=$!
	for ((i = 0; i < 150; i++)); do
		if [[ -S $I_SOCKET && -s $I_SUP ]]; then
			return 0
		fi
		if ! alive "$child"; then
			tail -n 20 "$I_LOG" >&2
			die "$what exited at start (log: $I_LOG)"
		fi
		sleep 0.1
	done
	tail -n 20 "$I_LOG" >&2
	die "$what made no socket or pid file within 15 s"
}

service_stop_one() {
	local k=$1 pid
	instance "$k"
	if pid=$(live_pid "$I_SUP" paicha); then
		if ((k == 1)); then
			step "stopping the service"
		else
			step "stopping service instance $k"
		fi
		# The supervisor itself kills a worker that has not drained
		# after PAICHA_DRAIN_TIMEOUT + 5 s; give it that and a little.
		terminate "$pid" $((${PAICHA_DRAIN_TIMEOUT:-30} + 10))
	fi
	if pid=$(live_pid "$I_WORKER" paicha); then
		terminate "$pid" 10
	fi
	rm -f "$I_SOCKET" "$I_SUP" "$I_WORKER"
	if ((k > 1)); then
		rm -f "$I_DIR/service.env"
		rmdir "$I_DIR" 2>/dev/null || true
	fi
}

# Start PAICHA_INSTANCES instances; stop any beyond that number.
service_start() {
	local k
	for ((k = 1; k <= INSTANCES; k++)); do
		service_start_one "$k"
	done
	while read -r k; do
		((k <= INSTANCES)) || service_stop_one "$k"
	done < <(instances_present)
}

service_stop() {
	local k
	while read -r k; do
		service_stop_one "$k"
	done < <(instances_present)
}

# SIGHUP: the supervisor starts a fresh worker and retires the old one.
# Waits (10 s at most) until the worker pid file names a new process.
cmd_service_restart() {
	local pid old new i
	instance_arg "${1:-1}"
	pid=$(live_pid "$I_SUP" paicha) || die "the service is not running"
	old=$(live_pid "$I_WORKER" paicha || true)
	kill -HUP "$pid"
	for ((i = 0; i < 100; i++)); do
		new=$(live_pid "$I_WORKER" paicha || true)
		if [[ -n $new && $new != "$old" ]]; then
			return 0
		fi
		sleep 0.1
	done
	die "no new worker within 10 s of SIGHUP"
}

cmd_service_pid() {
	instance_arg "${1:-1}"
	live_pid "$I_WORKER" paicha || die "no service worker is running"
}

# The supervisor's pid of instance K (it leads the process group of K).
cmd_service_supervisor_pid() {
	instance_arg "${1:-1}"
	live_pid "$I_SUP" paicha || die "no service supervisor is running"
}

instance_arg() {
	[[ $1 =~ ^[1-9][0-9]?$ ]] || die "not an instance number: $1"
	instance "$1"
}
