# tests/: cmocka unit tests (run by make check) and the end-to-end
# programs (built by make check, run by ./run test against a live stack).
TEST_CFLAGS = $(PAICHA_CFLAGS) $(CMOCKA_CFLAGS)
TEST_LIBS = $(PAICHA_LIBS) $(CMOCKA_LIBS)
E2E_CFLAGS = $(PAICHA_CFLAGS) $(CMOCKA_CFLAGS) $(CURL_CFLAGS)
E2E_LIBS = tests/e2e/libe2e.a $(PQ_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) \
	$(CMOCKA_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)
