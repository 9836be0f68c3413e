/*
 * test-outbound.c: where a webhook may post (fcgi/front/outbound.c) --
 * the URL's shape and each address class under each setting of
 * cfg.webhook_allow.  Literal addresses and "localhost" only: no network
 * is needed (a .invalid name resolves to nothing anywhere).
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

static enum outbound
check_as(const char *allow, const char *url)
{
	struct outbound_target	 t;
	char			 a[16];
	enum outbound		 rc;

	snprintf(a, sizeof(a), "%s", allow);
	cfg.webhook_allow = a;
	rc = outbound_check(url, &t);
	cfg.webhook_allow = NULL;
	return rc;
}

static void
test_shape(void **state)
{
	static const char *const bad[] = {
		"ftp://8.8.8.8/x", "file:///etc/passwd", "javascript:alert(1)",
		"gopher://8.8.8.8/", "//8.8.8.8/x", "8.8.8.8", "",
		"http://user:pw@8.8.8.8/x", "http://user@8.8.8.8/x",
		NULL
	};
	size_t	 i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		if (check_as("private", bad[i]) != OUTBOUND_BAD_URL)
			fail_msg("%s was not refused as a URL", bad[i]);
	assert_int_equal(check_as("private", "http://x.paicha.invalid/"),
	    OUTBOUND_NO_HOST);
}

static void
test_public_only(void **state)
{
	static const char *const refused[] = {
		"http://127.0.0.1/", "http://127.1.2.3:8080/", "http://[::1]/",
		"http://localhost/", "http://10.0.0.1/", "http://172.16.0.1/",
		"http://172.31.255.255/", "http://192.168.1.1/",
		"http://169.254.169.254/", "http://100.64.0.1/",
		"http://[fd12::1]/", "http://[fe80::1]/",
		"http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/",
		"http://[64:ff9b::a00:1]/", "http://0.0.0.0/", "http://[::]/",
		"http://224.0.0.1/", "http://255.255.255.255/",
		"http://240.0.0.1/", "http://2130706433/", "http://0x7f000001/",
		NULL
	};
	struct outbound_target	 t;
	size_t			 i;

	(void)state;
	for (i = 0; refused[i] != NULL; i++)
		if (check_as("public", refused[i]) != OUTBOUND_REFUSED)
			fail_msg("%s was not refused", refused[i]);
	assert_int_equal(check_as("public", "https://8.8.8.8/hook"),
	    OUTBOUND_OK);
	assert_int_equal(check_as("public", "http://172.32.0.1/"),
	    OUTBOUND_OK);
	assert_int_equal(check_as("public", "http://[2001:4860::8888]:8443/"),
	    OUTBOUND_OK);
	/* The default, unset, is public only. */
	cfg.webhook_allow = NULL;
	assert_int_equal(outbound_check("http://127.0.0.1/", &t),
	    OUTBOUND_REFUSED);
	assert_int_equal(outbound_check("https://8.8.8.8:8443/x", &t),
	    OUTBOUND_OK);
	assert_string_equal(t.addr, "8.8.8.8");
	assert_string_equal(t.port, "8443");
	assert_string_equal(t.host, "8.8.8.8");
	assert_int_equal(t.literal, 1);
	assert_int_equal(outbound_check("https://[2001:db8::1]/x", &t),
	    OUTBOUND_OK);
	assert_string_equal(t.host, "2001:db8::1");
	assert_string_equal(t.port, "443");
	assert_int_equal(t.v6, 1);
	assert_int_equal(t.literal, 1);
	cfg.webhook_allow = "loopback";
	assert_int_equal(outbound_check("http://localhost:9/x", &t),
	    OUTBOUND_OK);
	assert_int_equal(t.literal, 0);
	assert_string_equal(t.host, "localhost");
	/* Every address it pins is a loopback one. */
	assert_true(strncmp(t.pinned, "127.", 4) == 0 ||
	    strncmp(t.pinned, "[::1]", 5) == 0);
	assert_null(strstr(t.pinned, "10."));
	cfg.webhook_allow = NULL;
}

static void
test_loopback_and_private(void **state)
{
	(void)state;
	assert_int_equal(check_as("loopback", "http://127.0.0.1:9/"),
	    OUTBOUND_OK);
	assert_int_equal(check_as("loopback", "http://[::1]:9/"), OUTBOUND_OK);
	assert_int_equal(check_as("loopback", "http://10.0.0.1/"),
	    OUTBOUND_REFUSED);
	assert_int_equal(check_as("loopback", "http://0.0.0.0/"),
	    OUTBOUND_REFUSED);
	assert_int_equal(check_as("private", "http://10.0.0.1/"),
	    OUTBOUND_OK);
	assert_int_equal(check_as("private", "http://[fd00::1]/"),
	    OUTBOUND_OK);
	assert_int_equal(check_as("private", "http://127.0.0.1/"),
	    OUTBOUND_OK);
	/* Never, whatever the setting. */
	assert_int_equal(check_as("private", "http://0.0.0.0/"),
	    OUTBOUND_REFUSED);
	assert_int_equal(check_as("private", "http://224.0.0.1/"),
	    OUTBOUND_REFUSED);
	assert_int_equal(check_as("private", "http://[ff02::1]/"),
	    OUTBOUND_REFUSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_public_only),
		cmocka_unit_test(test_loopback_and_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
