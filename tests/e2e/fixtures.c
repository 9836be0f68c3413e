/*
 * fixtures.c: records the end-to-end tests make for themselves through
 * the API -- users, enterprises, cases -- with names and codes unique to
 * the run, so that test programs never depend on each other's data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "../../fcgi/resources/uscc.h"

static unsigned	 serial;

/* A token unique to this run and process: "<seconds><pid><n>". */
static void
unique_digits(char *out, size_t size, int width)
{
	unsigned long long	 v;

	v = ((unsigned long long)(time(NULL) % 100000000) * 1000 +
	    (unsigned long long)(getpid() % 1000)) * 100 + (serial++ % 100);
	snprintf(out, size, "%0*llu", width, v);
}

/*
 * A valid code unique to the run, registered by an authority of the
 * province of `region` (characters 3-4 of the code, GB 32100-2015).
 */
void
uscc_unique_in(const char *region, char out[19])
{
	char	 digits[24];

	unique_digits(digits, sizeof(digits), 13);
	snprintf(out, 19, "91%.2s%.13s", region, digits + strlen(digits) - 13);
	assert_int_equal(uscc_check_char(out, &out[17]), 0);
	out[18] = '\0';
	assert_int_equal(uscc_check(out, 18), USCC_OK);
}

/* A valid code unique to the run, of a Beijing authority. */
void
uscc_unique(char out[19])
{
	uscc_unique_in("110000", out);
}

char *
unique_name(const char *prefix)
{
	char	 digits[24];

	unique_digits(digits, sizeof(digits), 13);
	return fmt("%s%s", prefix, digits);
}

/* A Chinese word unique to the run: prefix + its digits as numerals
   (each three bytes of UTF-8).  The caller frees it. */
char *
unique_words(const char *prefix)
{
	static const char *const numeral[10] = { "零", "一", "二", "三",
	    "四", "五", "六", "七", "八", "九" };
	char	 digits[24], words[24 * 3 + 1] = "";
	size_t	 i;

	unique_digits(digits, sizeof(digits), 13);
	for (i = 0; digits[i] != '\0'; i++)
		strcat(words, numeral[digits[i] - '0']);
	return fmt("%s%s", prefix, words);
}

/*
 * A user made by `admin` through POST /api/v1/users, with
 * FIXTURE_PASSWORD; returns its id.  `roles` is a JSON array
 * text such as "[\"officer\"]".
 */
long long
fixture_user(struct client *admin, const char *username, const char *region,
    const char *roles)
{
	struct resp	 r;
	json_t		*rl = json_loads(roles, 0, NULL);
	long long	 id;

	assert_non_null(rl);
	http_json(admin, "POST", "/api/v1/users", json_pack("{s:s, s:s, s:s,"
	    " s:o, s:s}", "username", username, "display_name", username,
	    "region", region, "roles", rl, "password", FIXTURE_PASSWORD), NULL,
	    &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	resp_free(&r);
	return id;
}

/*
 * An enterprise in `region` made by `c`, with a code of that region's
 * province; returns its id, code in `uscc`.
 */
long long
fixture_enterprise(struct client *c, const char *region, char uscc[19])
{
	struct resp	 r;
	char		*name = unique_name("测试企业");
	long long	 id;

	uscc_unique_in(region, uscc);
	http_json(c, "POST", "/api/v1/enterprises", json_pack("{s:s, s:s, s:s}",
	    "uscc", uscc, "name", name, "region", region), NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	resp_free(&r);
	free(name);
	return id;
}

/* A case about enterprise `eid`, registered by officer client `c`. */
long long
fixture_case(struct client *c, long long eid)
{
	struct resp	 r;
	long long	 id;

	http_json(c, "POST", "/api/v1/cases", json_pack("{s:I, s:i, s:s, s:s,"
	    " s:s, s:s}", "enterprise_id", (json_int_t)eid, "campaign_id", 2022,
	    "category", "cement", "domain", "production", "source",
	    "complaint", "problem", "e2e: 水泥强度不合格"), NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	resp_free(&r);
	return id;
}

/* Whether the list at `path` (items[].id) holds `id`. */
int
list_has(struct client *c, const char *path, long long id)
{
	struct resp	 r;
	json_t		*it;
	size_t		 i;
	int		 found = 0;

	http_get(c, path, &r);
	assert_status(&r, 200);
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		if (json_integer_value(json_object_get(it, "id")) == id)
			found = 1;
	resp_free(&r);
	return found;
}

/* The status of one request with an optional JSON body (stolen). */
long
status_of(struct client *c, const char *method, const char *path,
    json_t *body, const char *const *headers)
{
	struct resp	 r;
	long		 st;

	if (body != NULL)
		st = http_json(c, method, path, body, headers, &r);
	else
		st = http(c, method, path, NULL, headers, &r);
	resp_free(&r);
	return st;
}

/*
 * A valid code as if issued in `region`'s own county (its characters 3-8),
 * unique to the run.
 */
void
uscc_in_region(const char *region, char out[19])
{
	char	 digits[24];

	unique_digits(digits, sizeof(digits), 9);
	snprintf(out, 19, "91%.6s%.9s", region, digits + strlen(digits) - 9);
	assert_int_equal(uscc_check_char(out, &out[17]), 0);
	out[18] = '\0';
	assert_int_equal(uscc_check(out, 18), USCC_OK);
}

/*
 * An enterprise in `region` made by `c` with the members of `more`
 * (stolen, or NULL) -- a profile, licences; returns its id.
 */
long long
fixture_enterprise_with(struct client *c, const char *region, json_t *more)
{
	struct resp	 r;
	char		 uscc[19], *name = unique_name("测试企业");
	json_t		*b;
	long long	 id;

	uscc_in_region(region, uscc);
	b = json_pack("{s:s, s:s, s:s}", "uscc", uscc, "name", name, "region",
	    region);
	if (more != NULL) {
		json_object_update(b, more);
		json_decref(more);
	}
	http_json(c, "POST", "/api/v1/enterprises", b, NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	resp_free(&r);
	free(name);
	return id;
}

/* The row of `form` (a form's JSON) whose first cell is `name`, or NULL. */
static const json_t *
form_row(const json_t *form, const char *name)
{
	const json_t	*row;
	size_t		 i;

	json_array_foreach(json_object_get(form, "rows"), i, row)
		if (strcmp(json_string_value(json_array_get(row, 0)), name) ==
		    0)
			return row;
	return NULL;
}

/*
 * Assert that the roll-up `ru` (GET /api/v1/campaigns/{id}/rollup) is
 * the frozen forms `forms[0..n)` added up, cell by cell: counts as
 * integers, money to the fen; 同比变化 (a difference of rates, "") is
 * not summed.  Returns the cells compared.
 */
int
rollup_matches(const json_t *ru, const json_t *const *forms, size_t n)
{
	const json_t	*row, *v, *x;
	const char	*name;
	size_t		 i, c, k;
	long long	 want;
	double		 money;
	char		 w[32];
	int		 checked = 0;

	json_array_foreach(json_object_get(ru, "rows"), i, row) {
		name = json_string_value(json_array_get(row, 0));
		assert_non_null(name);
		for (c = 1; c < json_array_size(row); c++) {
			v = json_array_get(row, c);
			want = 0;
			money = 0;
			for (k = 0; k < n; k++) {
				if ((x = form_row(forms[k], name)) == NULL)
					continue;
				x = json_array_get(x, c);
				if (json_is_integer(x))
					want += json_integer_value(x);
				else if (json_is_string(x))
					money += atof(json_string_value(x));
			}
			if (json_is_integer(v)) {
				assert_int_equal(json_integer_value(v), want);
				checked++;
			} else if (json_string_value(v)[0] != '\0') {
				snprintf(w, sizeof(w), "%.2f", money);
				assert_string_equal(json_string_value(v), w);
				checked++;
			}
		}
	}
	return checked;
}

/*
 * How many of the submissions `subs[0..n)` (their JSON) the roll-up
 * `ru` names as a child's standing submission.
 */
int
rollup_standing(const json_t *ru, const json_t *const *subs, size_t n)
{
	const json_t	*x;
	size_t		 i, k;
	int		 found = 0;

	json_array_foreach(json_object_get(ru, "children"), i, x) {
		if (strcmp(json_string_value(json_object_get(x, "state")),
		    "submitted") != 0)
			continue;
		for (k = 0; k < n; k++)
			if (json_integer_value(json_object_get(x,
			    "submission_id")) == json_integer_value(
			    json_object_get(subs[k], "id")))
				found++;
	}
	return found;
}
