/*
 * openapi.c: GET /api/v1/openapi.json -- the API described in OpenAPI
 * 3.1, generated from the endpoint table (routes.c) so that the two
 * cannot drift.
 *
 * What the table knows -- each route's method and path, its path ids,
 * whether it takes a JSON or a raw body, whether it needs a session,
 * its roles, If-Match, Idempotency-Key, its body limit -- comes from the
 * table itself.  What it does not -- a summary for people, a tag, the
 * query parameters, the success status -- is one row of `docs` below
 * per route, found by method and path.  openapi_check() fails when a
 * route has no row or a row names no route; the service refuses to
 * start then, and tests/unit/test-openapi.c fails, so a route added
 * without its description never ships.  ./run test lints the document
 * with Redocly CLI (paicha-admin openapi prints it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "front/front.h"
#include "resources/resources.h"

/* One route's words: what the endpoint table cannot say. */
struct doc {
	enum method	 method;
	const char	*pattern;
	const char	*tag;
	const char	*summary;
	const char	*query;		/* "name name ...", or NULL */
	int		 status;	/* on success */
	const char	*returns;	/* media type of a non-JSON answer */
};

#define CSV_OR_JSON	"text/csv"
#define XLSX_TYPE	"application/vnd.openxmlformats-officedocument." \
			"spreadsheetml.sheet"

static const struct doc docs[] = {
	{ METHOD_POST, "/api/v1/enterprises/#/accounts", "Enterprises as users",
	    "Make an enterprise's account (201 with a one-time password)",
	    NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/checklists", "Enterprises as users",
	    "The self-inspection's items: key control points and the "
	    "category's own", "category", 200, NULL },
	{ METHOD_POST, "/api/v1/checklists", "Enterprises as users",
	    "A province's admin adds an item for a category", NULL, 201,
	    NULL },
	{ METHOD_POST, "/api/v1/self-inspections", "Enterprises as users",
	    "An enterprise reports its self-inspection (a failed item with a "
	    "major risk opens a case)", NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/self-inspections", "Enterprises as users",
	    "Self-inspections in a region (an enterprise: its own)",
	    "region campaign_id enterprise_id cursor limit", 200, NULL },
	{ METHOD_GET, "/api/v1/self-inspections/missing",
	    "Enterprises as users",
	    "The region's enterprises that have not self-inspected in the "
	    "campaign", "region campaign_id cursor limit", 200, NULL },
	{ METHOD_GET, "/healthz", "Operations", "Liveness and the database",
	    NULL, 200, NULL },
	{ METHOD_GET, "/metrics", "Operations",
	    "Prometheus metrics (loopback only)", NULL, 200, "text/plain" },
	{ METHOD_POST, "/api/v1/session", "Sessions", "Log in", NULL, 201,
	    NULL },
	{ METHOD_GET, "/api/v1/session", "Sessions", "The current user", NULL,
	    200, NULL },
	{ METHOD_DELETE, "/api/v1/session", "Sessions", "Log out", NULL, 204,
	    NULL },
	{ METHOD_POST, "/api/v1/session/password", "Sessions",
	    "Change one's own password", NULL, 204, NULL },
	{ METHOD_POST, "/api/v1/cases", "Cases", "Register a case", NULL,
	    201, NULL },
	{ METHOD_GET, "/api/v1/cases", "Cases",
	    "List cases, or export the whole filtered list (format=csv|xlsx)",
	    "state category region campaign overdue lookback_due pending q "
	    "problem_type enterprise assignee supervised format cursor limit",
	    200, NULL },
	{ METHOD_GET, "/api/v1/cases/counts", "Cases",
	    "How many cases each state holds under the list's filters",
	    "state category region campaign overdue lookback_due pending q "
	    "problem_type enterprise assignee supervised", 200, NULL },
	{ METHOD_GET, "/api/v1/cases/#/assignable", "Cases",
	    "The officers who may answer for the case", NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/cases/#", "Cases", "One case", NULL, 200,
	    NULL },
	{ METHOD_GET, "/api/v1/cases/#/actions", "Cases",
	    "The events this user may fire now", NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/cases/#/events", "Cases",
	    "The case's history, oldest first", NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/cases/#/transitions", "Cases",
	    "Fire a workflow event (200 applied, 202 proposed)", NULL, 200,
	    NULL },
	{ METHOD_POST, "/api/v1/cases/#/approval", "Cases",
	    "Approve or reject the pending proposal", NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/cases/#/files", "Evidence files",
	    "Upload a file to the case: the raw body, up to 50 MiB",
	    "kind name", 201, NULL },
	{ METHOD_GET, "/api/v1/cases/#/files", "Evidence files",
	    "The case's files, withdrawn ones marked", NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/files/#", "Evidence files",
	    "A file's bytes (Range, ETag: its SHA-256)", "inline", 200,
	    "application/octet-stream" },
	{ METHOD_GET, "/api/v1/files/#/thumbnail", "Evidence files",
	    "A photo's thumbnail (JPEG, at most 320 px)", NULL, 200,
	    "image/jpeg" },
	{ METHOD_POST, "/api/v1/files/#/withdraw", "Evidence files",
	    "Withdraw a file, with a reason (it stays listed)", NULL, 200,
	    NULL },
	{ METHOD_GET, "/api/v1/workflow", "Reference data",
	    "The workflow's states, events and fields", NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/regions", "Reference data",
	    "Administrative divisions (GB/T 2260)", "parent", 200, NULL },
	{ METHOD_GET, "/api/v1/categories", "Reference data",
	    "Product categories", NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/categories", "Reference data",
	    "Add a province's own product category", NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/campaigns", "Reference data", "Campaigns",
	    NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/enterprises", "Enterprises",
	    "Register an enterprise", NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/enterprises", "Enterprises",
	    "Search enterprises", "q region grade due_for_inspection cursor "
	    "limit", 200, NULL },
	{ METHOD_GET, "/api/v1/enterprises/lookup", "Enterprises",
	    "The directory: where a code is registered", "uscc", 200, NULL },
	{ METHOD_GET, "/api/v1/enterprises/#", "Enterprises",
	    "One enterprise", NULL, 200, NULL },
	{ METHOD_PATCH, "/api/v1/enterprises/#", "Enterprises",
	    "Change an enterprise's name, address or licences", NULL, 200,
	    NULL },
	{ METHOD_GET, "/api/v1/users", "Users", "Users in one's region",
	    "q region cursor limit", 200, NULL },
	{ METHOD_GET, "/api/v1/users/#", "Users", "One user", NULL, 200,
	    NULL },
	{ METHOD_POST, "/api/v1/users", "Users", "Create a user", NULL, 201,
	    NULL },
	{ METHOD_PATCH, "/api/v1/users/#", "Users",
	    "Change a user's roles, region, name or disabled flag", NULL, 200,
	    NULL },
	{ METHOD_POST, "/api/v1/activities", "Activities",
	    "Record an activity", NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/activities", "Activities", "List activities",
	    "kind campaign category region enterprise cursor limit", 200,
	    NULL },
	{ METHOD_GET, "/api/v1/activities/#", "Activities", "One activity",
	    NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/activities/#/void", "Activities",
	    "Void an activity recorded in error, with a reason", NULL, 200,
	    NULL },
	{ METHOD_POST, "/api/v1/campaigns", "Reporting cycle",
	    "Create a year's campaign and its dates (national admin)", NULL,
	    201, NULL },
	{ METHOD_GET, "/api/v1/campaigns/#", "Reporting cycle",
	    "One campaign and its dates", NULL, 200, NULL },
	{ METHOD_PATCH, "/api/v1/campaigns/#", "Reporting cycle",
	    "Change a campaign's name or dates (national admin)", NULL, 200,
	    NULL },
	{ METHOD_POST, "/api/v1/campaigns/#/submissions", "Reporting cycle",
	    "Submit a region's stage or annual report, frozen and signed",
	    NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/campaigns/#/submissions", "Reporting cycle",
	    "The campaign's submissions in one's scope", "kind", 200, NULL },
	{ METHOD_GET, "/api/v1/submissions/#", "Reporting cycle",
	    "One submission, its frozen form (format=json|xlsx)", "format",
	    200, NULL },
	{ METHOD_POST, "/api/v1/submissions/#/return", "Reporting cycle",
	    "Return a submission to its region, with a reason", NULL, 200,
	    NULL },
	{ METHOD_GET, "/api/v1/campaigns/#/late-entries", "Reporting cycle",
	    "Entries made after a region submitted", "region", 200, NULL },
	{ METHOD_GET, "/api/v1/campaigns/#/rollup", "Reporting cycle",
	    "The submitted forms of one's child regions, summed", "kind region",
	    200, NULL },
	{ METHOD_GET, "/api/v1/reports/campaign/#", "Reports",
	    "The campaign's statistics form (format=json|csv|xlsx)",
	    "region format", 200, NULL },
	{ METHOD_GET, "/api/v1/reports/credit-publications", "Reports",
	    "The 行政处罚信息摘要 of approved credit publications",
	    "campaign region format", 200, NULL },
	{ METHOD_GET, "/api/v1/audit/events", "Audit",
	    "Audited events, filtered (format=json|csv)",
	    "entity entity_id case actor event region from to cursor limit "
	    "format", 200, NULL },
	{ METHOD_GET, "/api/v1/audit/verify", "Audit",
	    "Recompute the chains and check them against the signed log",
	    "case region", 200, NULL },
	{ METHOD_GET, "/api/v1/audit/checkpoints/latest", "Audit",
	    "The latest signed tree head", NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/audit/proof", "Audit",
	    "An event's inclusion proof against the latest signed tree head",
	    "entity entity_id seq", 200, NULL },
	{ METHOD_GET, "/api/v1/notifications", "Responsibility",
	    "One's notifications, newest first", "unread cursor limit", 200,
	    NULL },
	{ METHOD_POST, "/api/v1/notifications/read", "Responsibility",
	    "Mark notifications read (some, or all)", NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/supervisions", "Responsibility",
	    "Issue a 挂牌督办 of a case or a region", NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/supervisions", "Responsibility",
	    "挂牌督办 received or issued", "direction state cursor limit", 200,
	    NULL },
	{ METHOD_GET, "/api/v1/supervisions/#", "Responsibility",
	    "One 挂牌督办 with its reports", NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/supervisions/#/reports", "Responsibility",
	    "Report progress on a 挂牌督办", NULL, 201, NULL },
	{ METHOD_POST, "/api/v1/supervisions/#/close", "Responsibility",
	    "Close a 挂牌督办", NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/referrals", "Across regions",
	    "Refer a case to another region (移送, 追查)", NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/referrals", "Across regions",
	    "Referrals incoming or outgoing", "direction state cursor limit",
	    200, NULL },
	{ METHOD_GET, "/api/v1/referrals/#", "Across regions",
	    "One referral, seen from either side", NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/referrals/#/accept", "Across regions",
	    "Accept a referral: a new case in the receiving region (a"
	    " province's database decides only its own province's: 409"
	    " elsewhere)", NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/referrals/#/return", "Across regions",
	    "Return a referral with a reason (409 elsewhere, as accept)", NULL,
	    200, NULL },
	{ METHOD_GET, "/api/v1/cases/#/links", "Across regions",
	    "A case's links: referred from/to, related, duplicate of", NULL,
	    200, NULL },
	{ METHOD_POST, "/api/v1/cases/#/links", "Across regions",
	    "Link two cases of one's scope", NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/dashboard", "Responsibility",
	    "The campaign in one's region: milestones, totals, by region, "
	    "category and week", "campaign region", 200, NULL },
	{ METHOD_GET, "/api/v1/problem-types", "Reference data",
	    "The key problems (重点问题) of each domain", NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/risk-rule", "Enterprises",
	    "The risk grading rule as data", NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/reports/problem-types", "Reports",
	    "Cases by key problem and category (format=json|csv|xlsx)",
	    "campaign region format", 200, NULL },
	{ METHOD_POST, "/api/v1/imports", "Data exchange",
	    "Import enterprises or activities from CSV or XLSX, all or "
	    "nothing", "kind", 201, NULL },
	{ METHOD_POST, "/api/v1/imports/check", "Data exchange",
	    "Check an import's file row by row without importing it "
	    "(format=json|csv)", "kind format", 200, NULL },
	{ METHOD_GET, "/api/v1/imports/template", "Data exchange",
	    "The headings of an import's file (format=csv|xlsx)",
	    "kind format", 200, NULL },
	{ METHOD_GET, "/api/v1/imports", "Data exchange",
	    "The imports taken in one's region", "cursor limit", 200, NULL },
	{ METHOD_GET, "/api/v1/imports/#", "Data exchange", "One import",
	    NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/feed", "Data exchange",
	    "The audited events in one's scope, in log order, by cursor",
	    "cursor limit", 200, NULL },
	{ METHOD_POST, "/api/v1/webhooks", "Data exchange",
	    "Register a webhook {url, events, secret} for one's region's "
	    "events (admin)", NULL, 201, NULL },
	{ METHOD_GET, "/api/v1/webhooks", "Data exchange",
	    "The webhooks of one's region (never their secrets)",
	    "cursor limit", 200, NULL },
	{ METHOD_GET, "/api/v1/webhooks/#", "Data exchange", "One webhook",
	    NULL, 200, NULL },
	{ METHOD_POST, "/api/v1/webhooks/#/disable", "Data exchange",
	    "Disable a webhook: no more deliveries", NULL, 200, NULL },
	{ METHOD_GET, "/api/v1/webhooks/#/deliveries", "Data exchange",
	    "A webhook's delivery log, newest first", "status cursor limit",
	    200, NULL },
	{ METHOD_GET, "/api/v1/openapi.json", "Operations",
	    "This description of the API (OpenAPI 3.1)", NULL, 200, NULL },
};

/* The row of `docs` for endpoint `e`, or NULL. */
static const struct doc *
doc_of(const struct endpoint *e)
{
	size_t	 i;

	for (i = 0; i < NITEMS(docs); i++)
		if (docs[i].method == e->method &&
		    strcmp(docs[i].pattern, e->pattern) == 0)
			return &docs[i];
	return NULL;
}

/*
 * Every route has its row and every row its route: 0, or -1 with each
 * mismatch logged.
 */
int
openapi_check(void)
{
	size_t	 i, j;
	int	 rc = 0;

	for (i = 0; i < endpoints_count; i++)
		if (doc_of(&endpoints[i]) == NULL) {
			log_error("openapi: %s %s is not described (openapi.c)",
			    method_names[endpoints[i].method],
			    endpoints[i].pattern);
			rc = -1;
		}
	for (j = 0; j < NITEMS(docs); j++) {
		for (i = 0; i < endpoints_count; i++)
			if (docs[j].method == endpoints[i].method &&
			    strcmp(docs[j].pattern, endpoints[i].pattern) == 0)
				break;
		if (i == endpoints_count) {
			log_error("openapi: %s %s is described but not routed",
			    method_names[docs[j].method], docs[j].pattern);
			rc = -1;
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* The document                                                       */
/* ------------------------------------------------------------------ */

/*
 * The OpenAPI path of a pattern ("/api/v1/cases/#/events" ->
 * "/api/v1/cases/{id}/events"; a second id is {id2}) into `out`, and
 * how many ids it has.
 */
static int
path_of(const char *pattern, char *out, size_t size)
{
	size_t	 n = 0;
	int	 ids = 0;

	for (; *pattern != '\0' && n + 8 < size; pattern++) {
		if (*pattern != '#') {
			out[n++] = *pattern;
			continue;
		}
		n += (size_t)snprintf(out + n, size - n, ids == 0 ? "{id}" :
		    "{id%d}", ids + 1);
		ids++;
	}
	out[n] = '\0';
	return ids;
}

/* "get /api/v1/cases/{id}" -> "get_api_v1_cases_id" */
static void
operation_id(const char *method, const char *path, char *out, size_t size)
{
	size_t	 n = 0;
	int	 sep = 0;

	for (; *method != '\0' && n + 1 < size; method++)
		out[n++] = (char)(*method >= 'A' && *method <= 'Z' ?
		    *method - 'A' + 'a' : *method);
	for (; *path != '\0' && n + 1 < size; path++) {
		if ((*path >= 'a' && *path <= 'z') ||
		    (*path >= '0' && *path <= '9')) {
			if (sep)
				out[n++] = '_';
			if (n + 1 < size)
				out[n++] = *path;
			sep = 0;
		} else
			sep = 1;
	}
	out[n] = '\0';
}

static json_t *
roles_of(unsigned roles)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < WF_ROLE__MAX; i++)
		if (roles == ROLES_ANY || (roles & (1u << i)))
			json_array_append_new(a, json_string(wf_role_ids[i]));
	return a;
}

static json_t *
problem_ref(void)
{
	return json_pack("{s:s}", "$ref", "#/components/responses/Problem");
}

/* One operation (a new object) for endpoint `e` and its `d`. */
static json_t *
operation(const struct endpoint *e, const struct doc *d, const char *path,
    int ids)
{
	json_t		*op, *params, *responses, *ok, *content;
	const char	*q, *sp;
	char		 id[160], name[40], status[8], desc[96];
	size_t		 n;
	int		 i;

	operation_id(method_names[e->method], path, id, sizeof(id));
	params = json_array();
	for (i = 0; i < ids; i++) {
		snprintf(name, sizeof(name), i == 0 ? "id" : "id%d", i + 1);
		json_array_append_new(params, json_pack("{s:s, s:s, s:b,"
		    " s:{s:s, s:i}}", "name", name, "in", "path", "required", 1,
		    "schema", "type", "integer", "minimum", 1));
	}
	for (q = d->query; q != NULL && *q != '\0'; q = sp) {
		n = strcspn(q, " ");
		snprintf(name, sizeof(name), "%.*s", (int)n, q);
		sp = q + n + (q[n] == ' ');
		/* An import's kind is required; every other query field not. */
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:o}",
		    "name", name, "in", "query", "required",
		    strcmp(name, "kind") == 0 && strncmp(d->pattern,
		    "/api/v1/imports", 15) == 0, "schema",
		    strcmp(name, "limit") == 0 ||
		    strcmp(name, "campaign") == 0 ||
		    strcmp(name, "entity_id") == 0 ||
		    strcmp(name, "enterprise") == 0 ?
		    json_pack("{s:s, s:i}", "type", "integer", "minimum", 1) :
		    json_pack("{s:s}", "type", "string")));
	}
	if (e->flags & EP_IF_MATCH)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s,"
		    " s:{s:s}}", "name", "If-Match", "in", "header", "required",
		    1, "description", "the version the client holds, \"7\"",
		    "schema", "type", "string"));
	if (e->flags & EP_IDEM)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s,"
		    " s:{s:s, s:i, s:i}}", "name", "Idempotency-Key", "in",
		    "header", "required", 0, "description", "a retry with the "
		    "same key and body replays the first answer", "schema",
		    "type", "string", "minLength", 1, "maxLength",
		    MAX_IDEM_KEY));

	content = json_object();
	if (d->returns != NULL)
		json_object_set_new(content, d->returns, json_pack("{s:{s:s}}",
		    "schema", "type", "string"));
	else if (d->status != 204)
		json_object_set_new(content, "application/json", json_pack(
		    "{s:{s:s}}", "schema", "$ref", "#/components/schemas/Any"));
	if (d->query != NULL && strstr(d->query, "format") != NULL) {
		json_object_set_new(content, "text/csv", json_pack("{s:{s:s}}",
		    "schema", "type", "string"));
		if (strstr(d->summary, "xlsx") != NULL)
			json_object_set_new(content, XLSX_TYPE, json_pack(
			    "{s:{s:s, s:s}}", "schema", "type", "string",
			    "contentMediaType", XLSX_TYPE));
	}
	snprintf(status, sizeof(status), "%d", d->status);
	snprintf(desc, sizeof(desc), "%s", status_reason(d->status));
	ok = json_pack("{s:s}", "description", desc);
	if (json_object_size(content) > 0)
		json_object_set_new(ok, "content", content);
	else
		json_decref(content);
	responses = json_object();
	json_object_set_new(responses, status, ok);
	json_object_set_new(responses, "4XX", problem_ref());
	json_object_set_new(responses, "5XX", problem_ref());

	op = json_pack("{s:s, s:s, s:[s], s:o, s:o, s:o}",
	    "operationId", id, "summary", d->summary, "tags", d->tag,
	    "parameters", params, "responses", responses,
	    "x-paicha-roles", roles_of(e->roles));
	if (op == NULL)
		return NULL;
	if (e->flags & EP_PUBLIC)
		json_object_set_new(op, "security", json_array());
	if (e->flags & EP_JSON)
		json_object_set_new(op, "requestBody", json_pack("{s:b, s:{s:{s:"
		    "{s:s}}}, s:s}", "required", 1, "content",
		    "application/json", "schema", "$ref",
		    "#/components/schemas/Any", "description", "a JSON object "
		    "in UTF-8"));
	if (e->flags & EP_BODY)
		json_object_set_new(op, "requestBody", json_pack("{s:b, s:{s:o,"
		    " s:o}, s:s}", "required", 1, "content", "text/csv",
		    json_pack("{s:{s:s}}", "schema", "type", "string"),
		    XLSX_TYPE, json_pack("{s:{s:s, s:s}}", "schema", "type",
		    "string", "contentMediaType", XLSX_TYPE),
		    "description", "the file, as the raw body"));
	if (e->flags & EP_RAW)
		json_object_set_new(op, "requestBody", json_pack("{s:b, s:{s:"
		    "{s:{s:s, s:s}}}, s:s}", "required", 1, "content",
		    "application/octet-stream", "schema", "type", "string",
		    "contentMediaType", "application/octet-stream",
		    "description", "the file as the raw body, with its own "
		    "Content-Type (judged by its content)"));
	return op;
}

/* The whole document (a new reference), or NULL when out of memory. */
json_t *
openapi_document(void)
{
	json_t		*doc, *paths, *item, *op, *tags, *seen;
	const struct doc *d;
	char		 path[MAX_PATH_LEN + 16];
	size_t		 i;
	int		 ids;

	paths = json_object();
	tags = json_array();
	seen = json_object();
	for (i = 0; i < endpoints_count; i++) {
		if ((d = doc_of(&endpoints[i])) == NULL)
			continue;
		ids = path_of(endpoints[i].pattern, path, sizeof(path));
		if ((item = json_object_get(paths, path)) == NULL) {
			item = json_object();
			json_object_set_new(paths, path, item);
		}
		if ((op = operation(&endpoints[i], d, path, ids)) != NULL) {
			char	 m[8];
			size_t	 k;

			for (k = 0; method_names[endpoints[i].method][k] !=
			    '\0' && k + 1 < sizeof(m); k++)
				m[k] = (char)(method_names[endpoints[i].method]
				    [k] - 'A' + 'a');
			m[k] = '\0';
			json_object_set_new(item, m, op);
		}
		if (json_object_get(seen, d->tag) == NULL) {
			json_object_set_new(seen, d->tag, json_true());
			json_array_append_new(tags, json_pack("{s:s, s:s}",
			    "name", d->tag, "description", d->tag));
		}
	}
	json_decref(seen);
	doc = json_pack("{s:s, s:{s:s, s:s, s:s, s:{s:s, s:s}}, s:[{s:s}],"
	    " s:o, s:[{s:[]}], s:o, s:{s:{s:{s:s, s:s, s:s, s:s}},"
	    " s:{s:{s:s}, s:{s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s},"
	    " s:{s:s}, s:{s:s}, s:{s:s, s:{s:s}}}}},"
	    " s:{s:{s:s, s:{s:{s:{s:s}}}}}}}",
	    "openapi", "3.1.0",
	    "info", "title", "paicha", "version", "1",
	    "description", "The case-workflow API of the key industrial "
	    "product quality safety campaign (重点工业产品质量安全排查治理专项"
	    "行动): API.md is the contract; this document is generated from "
	    "the service's endpoint table.",
	    "license", "name", "Proprietary", "identifier", "LicenseRef-paicha",
	    "servers", "url", "/",
	    "tags", tags,
	    "security", "session",
	    "paths", paths,
	    "components",
	    "securitySchemes", "session", "type", "apiKey", "in", "cookie",
	    "name", SESSION_COOKIE, "description", "the session cookie "
	    "POST /api/v1/session sets",
	    "schemas", "Any", "description", "a JSON value: see API.md",
	    "Problem", "type", "object", "description", "RFC 9457",
	    "properties", "type", "type", "string", "title", "type", "string",
	    "status", "type", "integer", "detail", "type", "string",
	    "instance", "type", "string", "errors", "type", "array",
	    "items", "type", "object",
	    "responses", "Problem", "description", "an error, as RFC 9457 "
	    "problem+json", "content", "application/problem+json", "schema",
	    "$ref", "#/components/schemas/Problem");
	return doc;
}

/* GET /api/v1/openapi.json */
void
openapi_get(struct req *r)
{
	reply_json(r, 200, openapi_document());
}
