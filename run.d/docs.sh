# run.d/docs.sh: ./run docs -- redraw the pictures of docs/ from their
# Graphviz sources.
# shellcheck shell=bash

# The pictures of docs/ from their Graphviz sources.
cmd_docs() {
	local f
	command -v dot >/dev/null || die "Graphviz is missing: apt-get install graphviz"
	for f in docs/*.dot; do
		[[ -f $f ]] || continue
		dot -Tsvg -o "${f%.dot}.svg" "$f"
		step "${f%.dot}.svg"
	done
}
