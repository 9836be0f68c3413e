#!/bin/sh
# valgrind.sh: run a unit test program under valgrind memcheck, failing
# on any memory error or definite/indirect leak -- the LOG_COMPILER of
# ./run test's second `make check`.
#
# Programs named in SKIP run natively: test-password computes PBKDF2 at
# 600,000 iterations five times, which memcheck stretches to many minutes;
# it runs under ASan and UBSan in build-san/ like every other program.
SKIP="test-password"
name=$(basename "$1")
case $name in
*.sh) exec "$@" ;;	# a script: the programs it runs are not ours
esac
for s in $SKIP; do
	if [ "$name" = "$s" ]; then
		echo "valgrind.sh: $name runs without memcheck (see tests/unit/valgrind.sh)"
		exec "$@"
	fi
done
exec valgrind --quiet --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    "$@"
