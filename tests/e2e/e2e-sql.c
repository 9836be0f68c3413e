/*
 * e2e-sql.c: the SQL tests of tests/sql/ on the test instance's database
 * -- checks of what the migrations build that are best said in SQL: the
 * reference data (test-refdata.sql) and the risk grading rule against
 * hand-computed grades (test-risk.sql).  Each file is run by
 * `./run psql` as the superuser, stops at its first error, RAISEs on a
 * failed check and rolls itself back; a file that fails fails its test.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

/* Every tests/sql/test-*.sql of the checkout ./run belongs to passes. */
static void
test_sql_files(void **state)
{
	glob_t	 g;
	char	*root, *pat, *cmd;
	size_t	 i, failed = 0;

	(void)state;
	root = strdup(e2e_env("PAICHA_RUN"));
	*strrchr(root, '/') = '\0';
	pat = fmt("%s/tests/sql/test-*.sql", root);
	assert_int_equal(glob(pat, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 2);
	for (i = 0; i < g.gl_pathc; i++) {
		cmd = fmt("psql -X -q -v ON_ERROR_STOP=1 -f '%s'",
		    g.gl_pathv[i]);
		if (run_cmd(cmd) != 0) {
			print_error("%s: failed\n", g.gl_pathv[i]);
			failed++;
		} else
			print_message("%s: ok\n",
			    strrchr(g.gl_pathv[i], '/') + 1);
		free(cmd);
	}
	globfree(&g);
	free(pat);
	free(root);
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sql_files),
	};

	return cmocka_run_group_tests_name("e2e-sql", tests, NULL, NULL);
}
