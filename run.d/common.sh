# run.d/common.sh: the helpers every other file uses -- step, die, as_pg,
# quietly, put; alive, live_pid and terminate for the daemons' pids;
# lock_instance (one ./run per instance directory) and check_paths.
# shellcheck shell=bash

step() { printf '==> %s\n' "$*"; }
die() { printf 'run: %s\n' "$*" >&2; exit 1; }

# Run "$@" as the postgres OS user when root (PostgreSQL refuses root).
as_pg() {
	if ((IS_ROOT)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Run "$@" with its output kept aside: nothing on success; on failure
# the last LINES lines (0: all of it) and exit.
quietly() {
	local label=$1 lines=$2 log rc=0
	shift 2
	log=$(mktemp)
	"$@" >"$log" 2>&1 </dev/null || rc=$?
	if ((rc == 0)); then
		rm -f "$log"
		return 0
	fi
	printf 'run: %s failed (exit %d):\n' "$label" "$rc" >&2
	if ((lines > 0)); then
		tail -n "$lines" "$log" >&2
	else
		cat "$log" >&2
	fi
	rm -f "$log"
	exit 1
}

# Write stdin to PATH with OWNER (when root) and MODE, replacing it only
# when the content differs.  Returns 0 when PATH changed, 1 when not.
put() {
	local owner=$1 mode=$2 path=$3 tmp
	tmp=$(mktemp "$path.XXXXXX")
	cat >"$tmp"
	if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
		rm -f "$tmp"
		return 1
	fi
	chmod "$mode" "$tmp"
	if ((IS_ROOT)); then
		chown "$owner" "$tmp"
	fi
	mv -f "$tmp" "$path"
}

# Is PID a live process (zombies are dead)?
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# Print the pid in PIDFILE's first line when that process is alive and
# its name starts with NAME; fail otherwise (no file, stale, reused pid).
live_pid() {
	local pidfile=$1 name=$2 pid comm
	[[ -r $pidfile ]] || return 1
	read -r pid <"$pidfile" || [[ -n ${pid:-} ]] || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	alive "$pid" || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[[ $comm == "$name"* ]] || return 1
	printf '%s\n' "$pid"
}

# Send TERM to PID, wait up to SECONDS for it to go, then KILL it (and
# its process group when it leads one).
terminate() {
	local pid=$1 seconds=$2 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < seconds * 10; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	printf 'run: pid %s did not stop within %ss: killing it\n' "$pid" "$seconds" >&2
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	die "pid $pid survived SIGKILL"
}

# One lock per instance directory: two ./run on the same instance wait
# for each other.  fd 9 must not leak into the daemons started under it
# (they would hold the lock forever): each daemon start closes it.
lock_instance() {
	mkdir -p "$VAR"
	exec 9>"$VAR/.lock"
	if ! flock -w 300 9; then
		die "another ./run holds $VAR/.lock"
	fi
}

# Paths end up in nginx's and PostgreSQL's configuration and in libpq
# connection strings: keep them to characters none of those need quoted.
check_paths() {
	local p
	for p in "$ROOT" "$VAR" "$BIN"; do
		[[ $p =~ ^[A-Za-z0-9._/+-]+$ ]] ||
			die "path '$p' has characters ./run does not quote (use letters, digits and ._/+-)"
	done
	# A Unix socket path holds at most 107 bytes.
	p="$PGSOCK/.s.PGSQL.5432"
	((${#p} <= 100)) || die "instance directory $VAR is too deep for a Unix socket path"
	if [[ $PORT != auto ]] &&
	    { ! [[ $PORT =~ ^[0-9]{1,5}$ ]] || ((PORT < 1 || PORT > 65535)); }; then
		die "PAICHA_PORT '$PORT' is not a port number (or auto)"
	fi
	if ! [[ $INSTANCES =~ ^[0-9]{1,2}$ ]] || ((INSTANCES < 1 || INSTANCES > 32)); then
		die "PAICHA_INSTANCES '$INSTANCES' is not in 1..32"
	fi
	[[ $REPLICA =~ ^[01]$ ]] || die "PAICHA_REPLICA '$REPLICA' is not 0 or 1"
	[[ $NATIONAL =~ ^[01]$ ]] || die "PAICHA_NATIONAL '$NATIONAL' is not 0 or 1"
	if [[ -n $PROVINCE ]]; then
		[[ $PROVINCE =~ ^[1-9][0-9]0000$ ]] ||
			die "PAICHA_PROVINCE '$PROVINCE' is not a province code (PP0000)"
		((!NATIONAL)) || die "PAICHA_PROVINCE and PAICHA_NATIONAL=1 exclude each other"
	fi
	if ((REPLICA && EXTERNAL_DB)); then
		die "PAICHA_REPLICA=1 replicates the private cluster; with PAICHA_DATABASE_URL name the replica in PAICHA_REPLICA_URL"
	fi
	if ! [[ $THREADS =~ ^[0-9]{1,4}$ ]] || ((THREADS < 1 || THREADS > 1024)); then
		die "PAICHA_THREADS '$THREADS' is not in 1..1024"
	fi
}
