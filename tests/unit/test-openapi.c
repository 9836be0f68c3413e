/*
 * test-openapi.c: GET /api/v1/openapi.json describes every route of the
 * endpoint table, and nothing else (fcgi/openapi.c).  A route added to
 * routes.c without its row in openapi.c's `docs` fails here -- and the
 * service would refuse to start.
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
#include "../../fcgi/resources/resources.h"

/* The OpenAPI path and method key of endpoint `i`. */
static void
path_and_method(size_t i, char *path, size_t size, char *m)
{
	const char	*p = endpoints[i].pattern;
	size_t		 n = 0, k;
	int		 ids = 0;

	for (; *p != '\0' && n + 8 < size; p++) {
		if (*p != '#') {
			path[n++] = *p;
			continue;
		}
		n += (size_t)snprintf(path + n, size - n, ids == 0 ? "{id}" :
		    "{id%d}", ids + 1);
		ids++;
	}
	path[n] = '\0';
	for (k = 0; method_names[endpoints[i].method][k] != '\0'; k++)
		m[k] = (char)(method_names[endpoints[i].method][k] - 'A' + 'a');
	m[k] = '\0';
}

static void
test_every_route_is_described(void **state)
{
	json_t		*doc, *paths, *op;
	char		 path[300], m[8];
	size_t		 i, ops = 0;
	const char	*key;
	json_t		*item;

	assert_int_equal(openapi_check(), 0);
	assert_non_null(doc = openapi_document());
	assert_string_equal(json_string_value(json_object_get(doc,
	    "openapi")), "3.1.0");
	paths = json_object_get(doc, "paths");
	for (i = 0; i < endpoints_count; i++) {
		path_and_method(i, path, sizeof(path), m);
		op = json_object_get(json_object_get(paths, path), m);
		if (op == NULL)
			fail_msg("%s %s is missing from the document", m, path);
		assert_non_null(json_object_get(op, "operationId"));
		assert_non_null(json_object_get(op, "summary"));
		assert_non_null(json_object_get(json_object_get(op,
		    "responses"), "4XX"));
		/* The table's facts: a public route needs no session. */
		if (endpoints[i].flags & EP_PUBLIC)
			assert_int_equal(json_array_size(json_object_get(op,
			    "security")), 0);
		if (endpoints[i].flags & (EP_JSON | EP_BODY | EP_RAW))
			assert_non_null(json_object_get(op, "requestBody"));
		else
			assert_null(json_object_get(op, "requestBody"));
	}
	/* And nothing the table does not route. */
	json_object_foreach(paths, key, item)
		ops += json_object_size(item);
	assert_int_equal(ops, endpoints_count);
	json_decref(doc);
}

/* Every operationId is unique (Redocly would refuse a repeat too). */
static void
test_operation_ids_unique(void **state)
{
	json_t		*doc, *seen, *item, *op;
	const char	*p, *m;

	assert_non_null(doc = openapi_document());
	seen = json_object();
	json_object_foreach(json_object_get(doc, "paths"), p, item)
		json_object_foreach(item, m, op) {
			const char *id = json_string_value(json_object_get(op,
			    "operationId"));

			assert_non_null(id);
			assert_null(json_object_get(seen, id));
			json_object_set_new(seen, id, json_true());
		}
	json_decref(seen);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_is_described),
		cmocka_unit_test(test_operation_ids_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
