# run.d/browser.sh: the browser test of ./run test (tests/browser): the
# web front end in a real browser, and what it needs installed.
# shellcheck shell=bash

# Debian's chromium driven by npm's playwright-core (pinned in
# tests/browser/package-lock.json) through one officer/legal/auditor
# flow on the test instance.  It needs Node.js with npm, chromium and a
# CJK font (the pages are Chinese; so are the screenshots).  They are
# installed here, only for `./run test`, so that `./run` itself stays as
# lean as before.  PAICHA_BROWSER_TEST=0 leaves the browser test out.

CHROMIUM=${PAICHA_CHROMIUM:-/usr/bin/chromium}

# What the browser test lacks, as Debian package names.  A node and npm
# already on the machine (say from NodeSource) are used as they are:
# Debian's npm would conflict with such a nodejs.
browser_missing() {
	[[ -x $CHROMIUM ]] || printf 'chromium\n'
	if ! command -v fc-list >/dev/null || ! fc-list :lang=zh family | grep -q .; then
		printf 'fonts-wqy-microhei\n'
	fi
	command -v node >/dev/null || printf 'nodejs\n'
	command -v npm >/dev/null || printf 'npm\n'
}

# Install what browser_missing names.  Returns non-zero (after saying
# why) when that is not possible.
browser_prepare() {
	local -a missing
	mapfile -t missing < <(browser_missing)
	if ((${#missing[@]} > 0)); then
		if ((!IS_ROOT)); then
			printf 'run: the browser test needs %s; as root: apt-get install %s\n' \
			    "${missing[*]}" "${missing[*]}" >&2
			return 1
		fi
		step "installing ${missing[*]} for the browser test"
		(quietly "apt-get install ${missing[*]}" 40 env DEBIAN_FRONTEND=noninteractive \
		    bash -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' \
		    apt "${missing[@]}") 7>&- || return 1
	fi
	# The lock file pins playwright-core; npm ci installs exactly it.
	# playwright-core downloads no browser of its own.
	(cd tests/browser && quietly "npm ci (tests/browser)" 40 env \
	    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) 7>&- ||
		return 1
}

# Run the browser test against the test instance; counted into E2E_PASS
# or E2E_FAIL like one end-to-end program.  Screenshots go to
# PAICHA_SCREENSHOTS (default: the test instance's screenshots/; give
# docs/screenshots to refresh the ones the README shows).
run_browser() {
	local rc=0 shots=${PAICHA_SCREENSHOTS:-$TEST_VAR/screenshots}
	if [[ ${PAICHA_BROWSER_TEST:-1} == 0 ]]; then
		printf '\n==> tests/browser: skipped (PAICHA_BROWSER_TEST=0)\n'
		return 0
	fi
	printf '\n==> tests/browser/flow.test.mjs (chromium)\n'
	if ! browser_prepare; then
		printf 'tests/browser: FAILED (could not prepare the browser test)\n'
		E2E_FAIL=$((E2E_FAIL + 1))
		return 0
	fi
	[[ $shots == /* ]] || shots=$ROOT/$shots
	(cd tests/browser && env \
	    PAICHA_URL="https://localhost:$TEST_PORT" \
	    PAICHA_CA="$TEST_VAR/tls/cert.pem" \
	    PAICHA_CHROMIUM="$CHROMIUM" \
	    PAICHA_SCREENSHOTS="$shots" \
	    timeout -k 10 "${PAICHA_E2E_TIMEOUT:-900}" \
	    node --test --test-reporter=spec flow.test.mjs </dev/null 7>&-) || rc=$?
	if ((rc == 0)); then
		printf 'screenshots: %s\n' "$shots"
		E2E_PASS=$((E2E_PASS + 1))
	else
		printf 'tests/browser/flow.test.mjs: FAILED (exit %d)\n' "$rc"
		E2E_FAIL=$((E2E_FAIL + 1))
	fi
}
