# run.d/nginx.sh: nginx in front of the service -- its configuration
# rendered from nginx/paicha.conf.in for this instance, then started
# (or reloaded) and stopped.
# shellcheck shell=bash

# shellcheck disable=SC2120 # called with arguments through quietly
nginx_cmd() {
	nginx -p "$VAR/nginx" -c "$NGINX_CONF" -e "$NGINX_ERRLOG" "$@"
}

nginx_render() {
	local t workers keepalive user= servers='' k bench_up bench_loc v6=''

	# Each nginx worker keeps up to `keepalive` idle connections and
	# the service gives each kept connection a thread: the total must
	# stay within the services' threads.
	workers=$(nproc)
	((workers <= THREADS)) || workers=$THREADS
	keepalive=$((THREADS * INSTANCES / workers))
	if ((IS_ROOT)); then
		user="user $WEB_USER;"
	fi
	# One upstream server per service instance.  An instance that
	# refuses a connection is left alone for fail_timeout, then tried
	# again (a restarted one comes back by itself).
	for ((k = 1; k <= INSTANCES; k++)); do
		instance "$k"
		servers+="${servers:+ }server \"unix:$I_SOCKET\" max_fails=1 fail_timeout=5s;"
	done

	# "localhost" is ::1 before 127.0.0.1 on a stock Debian (/etc/hosts),
	# and a client without fallback (Node's fetch) tries only the first:
	# listen on both loopbacks, the IPv6 one where the kernel has it.
	if awk '$1 == "00000000000000000000000000000001" { f = 1 } END { exit !f }' \
	    /proc/net/if_inet6 2>/dev/null; then
		v6=$'\n\t\tlisten [::1]:'"$PORT"' ssl http2;'
	fi

	t=$(<"$ROOT/nginx/paicha.conf.in")
	t=${t//@LISTEN_V6@/$v6}
	t=${t//@ROOT@/$ROOT}
	t=${t//@VAR@/$VAR}
	t=${t//@PORT@/$PORT}
	t=${t//@WORKERS@/$workers}
	t=${t//@KEEPALIVE@/$keepalive}
	t=${t//@USER@/$user}
	bench_up= bench_loc=
	if ((BENCH_HELLO)); then
		bench_up=$'\tupstream hello {\n\t\tserver "unix:'"$VAR"$'/run/hello.sock";\n\t\tkeepalive '"$keepalive"$';\n\t}'
		bench_loc=$'\t\tlocation = /bench/hello {\n\t\t\tfastcgi_pass hello;\n\t\t}'
		# The files' baseline: nginx serving a file (GET) and taking one
		# (PUT, spooled to a temporary file as the upload route's body
		# is, then stored), the same bytes as the service's.
		bench_loc+=$'\n\t\tlocation /bench/files/ {\n\t\t\talias "'"$VAR"$'/bench-files/";'
		bench_loc+=$'\n\t\t\tdav_methods PUT;\n\t\t\tclient_max_body_size 50m;'
		bench_loc+=$'\n\t\t\tclient_body_buffer_size 64k;\n\t\t\tclient_body_timeout 60s;\n\t\t}'
	fi
	t=${t//@BENCH_UPSTREAM@/$bench_up}
	t=${t//@BENCH_LOCATION@/$bench_loc}
	t=${t//@UPSTREAM_SERVERS@/$servers}
	if [[ $t =~ @[A-Z_]+@ ]]; then
		die "nginx/paicha.conf.in: unknown placeholder ${BASH_REMATCH[0]}"
	fi
	put root: 644 "$NGINX_CONF" <<<"$t" || true
}

nginx_start() {
	local pid
	nginx_render
	quietly "nginx -t" 20 nginx_cmd -t
	if pid=$(live_pid "$NGINX_PIDFILE" nginx); then
		quietly "nginx reload" 20 nginx_cmd -s reload
		return 0
	fi
	rm -f "$NGINX_PIDFILE"
	step "starting nginx on https://localhost:$PORT"
	if ! nginx_cmd </dev/null >/dev/null 2>&1 7>&- 9>&-; then
		tail -n 20 "$NGINX_ERRLOG" >&2
		die "nginx did not start (log: $NGINX_ERRLOG)"
	fi
}

nginx_stop() {
	local pid
	if pid=$(live_pid "$NGINX_PIDFILE" nginx); then
		step "stopping nginx"
		terminate "$pid" 10
	fi
	rm -f "$NGINX_PIDFILE"
}
