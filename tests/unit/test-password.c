/*
 * test-password.c: password hashing (password.c) -- PBKDF2 at full
 * strength, so a program of its own: ./run test runs the other unit
 * programs under valgrind memcheck, and 600,000 iterations five times
 * over take memcheck many minutes; this one runs natively there (and
 * under ASan in build-san/ like every other).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../fcgi/base/base.h"
#include "../../fcgi/front/front.h"
#include "../../fcgi/ledger/ledger.h"
#include "../../fcgi/resources/resources.h"

static void
test_password(void **state)
{
	char	 h[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	assert_int_equal(password_hash("paicha-demo", h, sizeof(h)), 0);
	assert_int_equal(strncmp(h, "pbkdf2-sha256$600000$", 21), 0);
	assert_int_equal(password_verify("paicha-demo", h), 1);
	assert_int_equal(password_verify("paicha-demO", h), 0);
	assert_int_equal(password_verify("", h), 0);
	/* A fresh salt every time. */
	assert_int_equal(password_hash("paicha-demo", h2, sizeof(h2)), 0);
	assert_string_not_equal(h, h2);
	/* Malformed stored hashes are not matches. */
	assert_int_equal(password_verify("x", "md5$abc"), -1);
	assert_int_equal(password_verify("x", "pbkdf2-sha256$10$AAAA$AAAA"), -1);
	assert_int_equal(password_verify("x", "pbkdf2-sha256$600000$!!$AAAA"),
	    -1);
	/* Too small a buffer: refused, not truncated. */
	assert_int_equal(password_hash("x", h, 40), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password),
	};

	if (config_load(&cfg) == -1)
		return 1;
	return cmocka_run_group_tests_name("password", tests, NULL, NULL);
}
