# run.d/ports.sh: the loopback port an instance's nginx listens on --
# PAICHA_PORT=auto, and the free port ./run test and ./run soak pick and
# hold while other checkouts on the same machine pick theirs.
# shellcheck shell=bash

# Several checkouts run ./run test on one machine at once: each needs a
# port of its own.  Set HELD_PORT to the first loopback port from START
# upward that nothing listens on and no other ./run holds, and keep it
# held on fd 7 for as long as this shell lives.  The hold is a lock file
# per port (flock -n) in one directory for the whole machine, because a
# port stays free for the seconds between the pick and nginx binding it;
# `ss -ltn` catches listeners that are not ours, and is asked again once
# the lock is taken, since the listing may predate another ./run binding.  Children get 7>&- so
# no daemon keeps the hold after this shell exits.
PORT_LOCK_DIR=/tmp/paicha-ports
hold_free_port() {
	local port=$1 last=$(($1 + 200)) listening f
	mkdir -p "$PORT_LOCK_DIR"
	chmod 1777 "$PORT_LOCK_DIR" 2>/dev/null || true
	listening=$(ss -Hltn 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
	for ((; port <= last && port <= 65535; port++)); do
		grep -qx "$port" <<<"$listening" && continue
		f=$PORT_LOCK_DIR/$port.lock
		[[ -e $f ]] || (umask 0 && : >"$f") 2>/dev/null || continue
		exec 7<"$f" || continue
		# Another ./run may have bound this port and let go of its
		# hold since the listing above: look again once it is ours.
		if flock -n 7 && ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
			HELD_PORT=$port
			return 0
		fi
		exec 7<&-
	done
	die "no free loopback port in $1..$last"
}

# PAICHA_PORT=auto (test programs that start instances of their own):
# the port this instance's nginx already listens on, else a free one from
# 19443, held until nginx has bound it.  Written to $VAR/port.
port_resolve() {
	[[ $PORT == auto ]] || return 0
	if [[ -s $VAR/port ]] && live_pid "$NGINX_PIDFILE" nginx >/dev/null; then
		PORT=$(<"$VAR/port")
		return 0
	fi
	hold_free_port 19443
	PORT=$HELD_PORT
	printf '%s\n' "$PORT" >"$VAR/port"
}
