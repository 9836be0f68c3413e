# run.d/vendor.sh: the front end's libraries from npm, installed at build
# time into nginx/vendor/node_modules and served by nginx from the
# instance (never a CDN): Apache ECharts for the dashboard, Redoc for
# /api/docs/.  And Redocly CLI, which
# ./run test lints the API's OpenAPI description with (tests/openapi).
# shellcheck shell=bash

# Node.js and npm, from Debian when the machine has none (a node and npm
# already there, say from NodeSource, are used as they are).  Returns
# non-zero, having said why, when they cannot be had.
node_prepare() {
	local -a missing=()
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
	((${#missing[@]} == 0)) && return 0
	if ((!IS_ROOT)); then
		printf 'run: npm packages need %s; as root: apt-get install %s\n' \
		    "${missing[*]}" "${missing[*]}" >&2
		return 1
	fi
	(quietly "apt-get install ${missing[*]}" 40 env DEBIAN_FRONTEND=noninteractive \
	    bash -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' \
	    apt "${missing[@]}") 7>&-
}

# npm ci in DIR (its package-lock.json pins every package) unless what is
# installed is already that lock's: node_modules/.package-lock.json is
# npm's record of it.  Extra npm flags follow DIR.
npm_install_locked() {
	local dir=$1
	shift
	[[ -f $dir/node_modules/.package-lock.json &&
	    ! $dir/node_modules/.package-lock.json -ot $dir/package-lock.json ]] &&
		return 0
	node_prepare || return 1
	(cd "$dir" && quietly "npm ci ($dir)" 40 npm ci --no-audit --no-fund \
	    --loglevel=error "$@") 7>&-
}

# The front end's libraries.  Without them the pages that use them say
# so (the dashboard draws its tables only); ./run goes on (the service
# does not need them).
#
# ECharts' ES module, licence and notice are copied into
# nginx/www/vendor/, which nginx serves like the rest of the front end.
# Redoc's standalone bundle is served as nginx/vendor/redoc.standalone.js,
# a copy in which the one address outside the instance it would load
# (Redocly's logo in its menu's footer, an <img> from a CDN that the CSP
# would block) is data:, -- a broken image, which Redoc hides.
vendor_install() {
	local src=nginx/vendor/node_modules/redoc/bundles/redoc.standalone.js
	local dst=nginx/vendor/redoc.standalone.js
	local ec=nginx/vendor/node_modules/echarts www=nginx/www/vendor
	if ! npm_install_locked nginx/vendor --omit=peer --legacy-peer-deps; then
		printf 'run: nginx/vendor: npm ci failed: no charts on the dashboard, /api/docs/ cannot render\n' >&2
		return 0
	fi
	if [[ ! -f $www/echarts.esm.min.js || $www/echarts.esm.min.js -ot nginx/vendor/package-lock.json ]]; then
		mkdir -p "$www" &&
			cp "$ec/dist/echarts.esm.min.js" "$ec/LICENSE" "$ec/NOTICE" "$www/" ||
			die "could not copy ECharts into $www"
	fi
	[[ -f $dst && ! $dst -ot $src ]] && return 0
	sed 's#https://cdn\.redoc\.ly/redoc/logo-mini\.svg#data:,#g' "$src" >"$dst.tmp" &&
		mv "$dst.tmp" "$dst"
}

# ./run test's lint of the OpenAPI description: paicha-admin prints it
# (no service needed), Redocly CLI checks it against OpenAPI 3.1 and its
# recommended rules.  Returns non-zero when it fails.
openapi_lint() {
	local out=$ROOT/var/openapi.json
	mkdir -p "$ROOT/var"
	fcgi/paicha-admin openapi >"$out" || return 1
	npm_install_locked tests/openapi || return 1
	(cd tests/openapi && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	    node_modules/.bin/redocly lint --config redocly.yaml "$out") 7>&-
}
