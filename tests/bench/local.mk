# tests/bench/: what ./run bench measures against.  fcgi-hello is the
# HTTP layer's ceiling (a minimal libfcgi responder behind the same
# nginx); the wrk scripts drive paicha and it.
noinst_PROGRAMS += tests/bench/fcgi-hello
tests_bench_fcgi_hello_SOURCES = tests/bench/fcgi-hello.c
tests_bench_fcgi_hello_LDADD = $(FCGI_LIBS) $(PTHREAD_LIBS)
EXTRA_DIST += tests/bench/common.lua tests/bench/get-case.lua \
	tests/bench/hello.lua tests/bench/transition.lua tests/bench/list.lua
