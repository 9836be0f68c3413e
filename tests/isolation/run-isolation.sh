#!/usr/bin/env bash
# run-isolation.sh: run the isolation specs in tests/isolation/ with
# PostgreSQL's isolationtester against a database with paicha's schema,
# as the superuser, and check what every permutation left behind.
#
#	run-isolation.sh 'host=... dbname=paicha user=postgres'
#
# transition.spec's teardown prints, after each permutation, one row
# "events|version|state|last_seq|chain_ok": exactly one of two racing
# transitions must have been recorded (events 2, version 2, last_seq 2)
# and the chain must verify (t).  The last line is "isolation: N passed,
# M failed", counting permutations.
set -uo pipefail

conn=$1
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
tester=$(ls /usr/lib/postgresql/*/lib/pgxs/src/test/isolation/isolationtester \
    2>/dev/null | sort -V | tail -1)
if [[ -z $tester ]]; then
	echo "isolationtester not found (Debian: postgresql-client-15)" >&2
	echo "isolation: 0 passed, 1 failed"
	exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! timeout 300 "$tester" "$conn" <"$dir/transition.spec" >"$out" 2>&1; then
	echo "isolationtester failed:" >&2
	grep -v '^	' "$out" | tail -30 >&2
	echo "isolation: 0 passed, 1 failed"
	exit 1
fi
want=$(grep -c '^permutation ' "$dir/transition.spec")
# Pair each permutation with the row its teardown printed.
awk -v want="$want" '
	/^starting permutation:/ { perm = substr($0, 23); n++ }
	/^ERROR|timed out|invalid permutation/ { errors[n] = errors[n] $0 " " }
	/^ *[0-9]+\|/ {
		split($0, f, "|")
		gsub(/ /, "", f[1]); gsub(/ /, "", f[2]); gsub(/ /, "", f[3])
		gsub(/ /, "", f[4]); gsub(/ /, "", f[5])
		rows++
		if (f[1] == 2 && f[2] == 2 && f[4] == 2 && f[5] == "t" &&
		    errors[n] == "") {
			pass++
			won[f[3]]++
		} else {
			fail++
			printf "FAILED %s: events %s version %s state %s chain %s %s\n",
			    perm, f[1], f[2], f[3], f[5], errors[n]
		}
	}
	END {
		if (n != want || rows != n) {
			printf "%d permutations run, %d checked, %d in the spec\n",
			    n, rows, want
			if (want - pass - fail > 0)
				fail = want - pass
			else if (fail == 0)
				fail = 1
		}
		printf "isolation: every permutation recorded exactly one transition; won: rectifying %d, interview %d\n",
		    won["rectifying"], won["interview"]
		printf "isolation: %d passed, %d failed\n", pass, fail
		exit fail > 0
	}' "$out"
