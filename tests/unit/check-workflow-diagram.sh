#!/bin/sh
# check-workflow-diagram.sh: the committed workflow/diagram.dot is what
# workflow/wf-dot prints from the tables now.  If this fails, the tables
# changed: run "make workflow-diagram" and commit diagram.dot and .svg.
# (The SVG depends on the Graphviz version, so the DOT is compared.)
set -u

srcdir=${srcdir:-.}
dot_file=$srcdir/workflow/diagram.dot
prog=workflow/wf-dot
tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT INT TERM

if [ ! -x "$prog" ]; then
	echo "no $prog: build it first" >&2
	exit 99
fi
if [ ! -f "$dot_file" ]; then
	echo "no $dot_file" >&2
	exit 1
fi
if ! "$prog" > "$tmp"; then
	echo "$prog failed" >&2
	exit 1
fi
if ! diff -u "$dot_file" "$tmp"; then
	echo "$dot_file is stale: run \"make workflow-diagram\"" >&2
	exit 1
fi
echo "$dot_file matches the tables"
exit 0
