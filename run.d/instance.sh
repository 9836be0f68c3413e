# run.d/instance.sh: the instance directory (PAICHA_VAR): its layout, the
# users that own its parts and their traverse permission to it, and the
# keys made in it (the TLS certificate, the checkpoint signing key).
# shellcheck shell=bash

ensure_service_user() {
	((IS_ROOT)) || return 0
	getent passwd paicha >/dev/null ||
		useradd --system --no-create-home --shell /usr/sbin/nologin paicha
}

# postgres, paicha and www-data must reach the checkout and the instance
# directory, which may sit under a private (0700) directory such as one
# from mktemp -d: give each of them traverse (x) permission, by ACL, on
# every ancestor that lacks it.  Nothing is opened to everyone.
grant_traverse() {
	local user path d part
	local -a parts
	local -A seen=()
	((IS_ROOT)) || return 0
	for user in postgres "$SERVICE_USER" "$WEB_USER"; do
		for path in "$ROOT" "$VAR"; do
			IFS=/ read -ra parts <<<"${path#/}"
			d=
			for part in "${parts[@]}"; do
				d=$d/$part
				[[ -z ${seen[$user:$d]:-} ]] || continue
				seen[$user:$d]=1
				[[ -d $d ]] || break
				runuser -u "$user" -- test -x "$d" ||
					setfacl -m "u:$user:x" "$d"
			done
		done
	done
}

# The instance directory's layout and who owns what.
prepare_instance() {
	mkdir -p "$VAR/log" "$VAR/run" "$VAR/keys" "$VAR/tls" "$VAR/nginx/tmp"
	chmod 755 "$VAR" "$VAR/log" "$VAR/tls" "$VAR/nginx"
	# The socket's directory: the service writes there, nginx traverses.
	chmod 750 "$VAR/run"
	chmod 700 "$VAR/keys"
	if ((IS_ROOT)); then
		chown "$SERVICE_USER:$WEB_GROUP" "$VAR/run"
		chown "$SERVICE_USER:" "$VAR/keys"
	fi
}

# ======================================================================
# Keys: TLS certificate and the checkpoint signing key
# ======================================================================

# Made on first run, never replaced: delete a file to have it remade.
ensure_keys() {
	if [[ ! -f $VAR/tls/cert.pem || ! -f $VAR/tls/key.pem ]]; then
		step "making a self-signed TLS certificate for localhost"
		rm -f "$VAR/tls/cert.pem" "$VAR/tls/key.pem"
		(umask 077 && quietly "openssl req" 20 openssl req -x509 \
		    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$VAR/tls/key.pem" -out "$VAR/tls/cert.pem" \
		    -days 825 -subj /CN=localhost \
		    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1")
		chmod 600 "$VAR/tls/key.pem"
		chmod 644 "$VAR/tls/cert.pem"
	fi
	if [[ ! -f $VAR/keys/checkpoint.pem ]]; then
		step "making the Ed25519 checkpoint signing key"
		(umask 077 && quietly "openssl genpkey" 20 openssl genpkey \
		    -algorithm ed25519 -out "$VAR/keys/checkpoint.pem")
	fi
	chmod 600 "$VAR/keys/checkpoint.pem"
	if ((IS_ROOT)); then
		chown "$SERVICE_USER:" "$VAR/keys/checkpoint.pem"
	fi
}
