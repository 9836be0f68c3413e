/*
 * test-password-rules.c: what a new password must be (password_rules.c,
 * API.md Part 2) -- every example of issue 15 that was accepted before,
 * each boundary, and the reasons given.
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

/* The verdict on `pw` for `user`, replacing `old`; the reason in *why. */
static int
verdict(const char *pw, const char *user, const char *old, const char **why)
{
	*why = NULL;
	return password_rules(pw, user, old, why);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"          ",				/* 10 spaces */
		"                ",			/* 16 */
		"\t\t\t\t\t\t\t\t\t\t\t\t\t",
		/* 14 zero-width spaces */
		"\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b"
		"\u200b\u200b\u200b\u200b",
		/* 14 different blanks and invisible format characters */
		" \u00a0\u2002\u2003\u3000\u200b\u200c\u200d\u2060\ufeff"
		"\u00ad\u180e\u202e\u2800",
		"1234567890",
		"123456789012",				/* too simple */
		"abcdefghijklmn",
		"password12",
		"paicha-demo",				/* 11 */
		"Zq7-vLm2-Rp",				/* 11 */
		"responsibility",			/* a word */
		"Internationa1",			/* a word, dressed up */
		"春眠不觉晓处处闻啼鸟夜",		/* 11 characters, 33 bytes */
		"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4",
		NULL
	};
	const char	*why;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		if (verdict(bad[i], NULL, NULL, &why) != 1)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_non_null(why);
	}
	assert_int_equal(verdict("          ", NULL, NULL, &why), 1);
	assert_string_equal(why, "密码不能只有空格或不可见字符");
	assert_int_equal(verdict("Zq7-vLm2-Rp", NULL, NULL, &why), 1);
	assert_string_equal(why, "密码至少12个字符");
}

static void
test_username(void **state)
{
	const char	*why;

	assert_int_equal(verdict("officer.bjofficer.bj", "officer.bj", NULL,
	    &why), 1);
	assert_string_equal(why, "密码不能包含用户名");
	assert_int_equal(verdict("x-officer.bj-2026", "officer.bj", NULL,
	    &why), 1);
	assert_int_equal(verdict("e2e-Fixture-Pw-7421", "officer.bj", NULL,
	    &why), 0);
}

static void
test_old_password(void **state)
{
	const char	*why;

	assert_int_equal(verdict("e2e-Fixture-Pw-7421", "officer.bj",
	    "e2e-Fixture-Pw-7421", &why), 1);
	assert_int_equal(verdict("E2E-fIXTURE-pW-7421", "officer.bj",
	    "e2e-Fixture-Pw-7421", &why), 1);
	assert_int_equal(verdict("correct horse battery", "officer.bj",
	    "e2e-Fixture-Pw-7421", &why), 0);
}

static void
test_accepted(void **state)
{
	static const char *const good[] = {
		"Zq7-vLm2-Rp9",				/* 12 */
		"correct horse battery",
		"春眠不觉晓处处闻啼鸟夜来",		/* 12 characters */
		"e2e-Fixture-Pw-7421",
		NULL
	};
	const char	*why;
	char		 pw[257];
	size_t		 i;

	for (i = 0; good[i] != NULL; i++)
		if (verdict(good[i], "officer.bj", NULL, &why) != 0)
			fail_msg("refused: \"%s\": %s", good[i], why);
	/* The longest a login takes: 256 bytes. */
	for (i = 0; i < 256; i++)
		pw[i] = "Zq7-vLm2-Rp9/Kd4#"[i % 17];
	pw[256] = '\0';
	assert_int_equal(verdict(pw, "officer.bj", NULL, &why), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_username),
		cmocka_unit_test(test_old_password),
		cmocka_unit_test(test_accepted),
	};

	return cmocka_run_group_tests_name("password-rules", tests, NULL,
	    NULL);
}
