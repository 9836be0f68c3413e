# run.d/packages.sh: the Debian packages ./run needs (PACKAGES and the
# like, in ./run's settings), installed when missing, never upgraded,
# without Debian's own nginx and PostgreSQL starting or staying enabled.
# shellcheck shell=bash

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_SAVED=

# Stop package scripts from starting Debian's own nginx and PostgreSQL
# while we install: a policy-rc.d that denies every start, the previous
# one (if any) put back afterwards.
services_block() {
	if [[ -e $POLICY_RC ]]; then
		POLICY_SAVED=$(mktemp)
		cp -p "$POLICY_RC" "$POLICY_SAVED"
	fi
	printf '#!/bin/sh\n# paicha ./run: no service starts during apt-get install\nexit 101\n' >"$POLICY_RC"
	chmod 755 "$POLICY_RC"
}

services_unblock() {
	if [[ -n $POLICY_SAVED ]]; then
		mv -f "$POLICY_SAVED" "$POLICY_RC"
	else
		rm -f "$POLICY_RC"
	fi
	POLICY_SAVED=
}

ensure_packages() {
	local p missing=() log rc=0

	command -v dpkg-query >/dev/null || die "not a Debian system: dpkg-query is missing"
	for p in "${PACKAGES[@]}" "$@"; do
		[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] ||
			missing+=("$p")
	done
	((${#missing[@]} > 0)) || return 0
	((IS_ROOT)) || die "missing Debian packages; as root: apt-get install ${missing[*]}"

	step "installing ${missing[*]}"
	log=$(mktemp)
	services_block
	trap services_unblock EXIT
	{
		apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends \
		    -o Dpkg::Options::=--force-confdef \
		    -o Dpkg::Options::=--force-confold \
		    "${missing[@]}"
	} >"$log" 2>&1 </dev/null || rc=$?
	services_unblock
	trap - EXIT
	if ((rc != 0)); then
		tail -n 40 "$log" >&2
		rm -f "$log"
		die "apt-get failed (exit $rc)"
	fi
	rm -f "$log"
	services_disable "${missing[@]}"
}

# On a machine run by systemd, a freshly installed nginx or PostgreSQL is
# enabled for the next boot (policy-rc.d only stops the start now).  We
# installed them for our private instances: switch Debian's off.
services_disable() {
	local p
	[[ -d /run/systemd/system ]] || return 0
	for p in "$@"; do
		case $p in
		nginx) systemctl disable --now nginx >/dev/null 2>&1 || true ;;
		postgresql-15) systemctl disable --now postgresql >/dev/null 2>&1 || true ;;
		esac
	done
}
