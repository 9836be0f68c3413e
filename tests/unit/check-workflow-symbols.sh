#!/bin/sh
# check-workflow-symbols.sh: workflow/libworkflow.a must reference nothing
# but its own symbols and libc's -- no libpq (PQ*), no libfcgi (FCGX_*,
# FCGI_*), no Jansson (json_*), nor anything else.
#
# It first proves it can fail: an archive that calls PQexec and
# json_object must be refused.  Then it checks the real one.
#
# Environment: NM (default nm), CC (default cc) to find libc.
set -u

NM=${NM:-nm}
CC=${CC:-cc}
lib=${1:-workflow/libworkflow.a}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

libc=$($CC -print-file-name=libc.so.6)
nonshared=$($CC -print-file-name=libc_nonshared.a)
if [ ! -f "$libc" ]; then
	echo "cannot find libc.so.6 through $CC" >&2
	exit 99
fi

# What libc defines: the shared library's dynamic symbols (without
# version) and libc_nonshared.a's.
{
	$NM -D --defined-only "$libc" | awk 'NF == 3 { print $3 }' |
	    sed 's/@.*//'
	[ -f "$nonshared" ] && $NM --defined-only "$nonshared" 2>/dev/null |
	    awk 'NF == 3 { print $3 }'
} | sort -u > "$tmp/libc"
if [ ! -s "$tmp/libc" ]; then
	echo "no symbols read from $libc" >&2
	exit 99
fi

# check ARCHIVE: print each symbol it references from outside itself and
# libc; exit 1 if there is any.
check() {
	$NM --defined-only "$1" | awk 'NF == 3 { print $3 }' |
	    sort -u > "$tmp/defined"
	$NM -u "$1" | awk '$1 == "U" { print $2 }' | sort -u > "$tmp/undef"
	bad=0
	for s in $(comm -23 "$tmp/undef" "$tmp/defined"); do
		case $s in
		PQ*|FCGX_*|FCGI_*|json_*)
			echo "$1: references $s (libpq/libfcgi/Jansson)"
			bad=1
			continue
			;;
		__asan_*|__ubsan_*|__sanitizer_*|__lsan_*)
			continue	# --enable-sanitizers instrumentation
			;;
		esac
		if ! grep -qx "$s" "$tmp/libc"; then
			echo "$1: references $s, not in libc"
			bad=1
		fi
	done
	return $bad
}

# 1. The check can fail.
cat > "$tmp/bad.c" <<'EOC'
extern void *PQexec(void *, const char *);
extern void *json_object(void);
extern void *XML_ParserCreate(const char *);
void *bad(void);
void *bad(void) { (void)XML_ParserCreate(0); (void)json_object(); return PQexec(0, "select 1"); }
EOC
if ! $CC -c -o "$tmp/bad.o" "$tmp/bad.c" || ! ar rc "$tmp/bad.a" "$tmp/bad.o"; then
	echo "cannot build the self-test archive" >&2
	exit 99
fi
if check "$tmp/bad.a" > "$tmp/bad.out"; then
	echo "self-test: an archive calling PQexec passed the check" >&2
	exit 1
fi
for s in PQexec json_object XML_ParserCreate; do
	if ! grep -q " $s" "$tmp/bad.out"; then
		echo "self-test: $s not reported" >&2
		exit 1
	fi
done

# 2. The library.
if [ ! -f "$lib" ]; then
	echo "no $lib" >&2
	exit 99
fi
if ! check "$lib"; then
	exit 1
fi
n=$(wc -l < "$tmp/undef")
echo "$lib: $n undefined symbols, all its own or libc's"
exit 0
