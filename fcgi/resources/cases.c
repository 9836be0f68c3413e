/*
 * cases.c: the case resource -- registering a case, reading it, listing
 * cases, and what the user may do with one now.  Moving a case through
 * the workflow is transitions.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

static const char *const domains[] = { "production", "circulation", NULL };
static const char *const sources[] = {
	"self_inspection", "risk_investigation", "spot_check",
	"risk_monitoring", "complaint", "public_opinion", "injury_monitoring",
	"recall", "lookback", NULL
};
static const char *const risk_levels[] = { "high", "medium", "low", NULL };

/* ------------------------------------------------------------------ */
/* Loading one case                                                   */
/* ------------------------------------------------------------------ */

/*
 * Load the case `id` as the user may change it.  Returns 1 when found, 0
 * when not (absent or outside the user's region: both are 404 -- a case
 * another region referred to the user's is readable through its own
 * policy, sql/0120, but not the user's to change), -1 with the database
 * failure recorded in `r`.
 */
int
case_load(struct req *r, int64_t id, struct case_row *c)
{
	static struct stmt load = STMT(
	    "SELECT id, region, state, version, pending_event, pending_seq,"
	    " pending_by, last_seq, last_hash, enterprise_id"
	    " FROM cases WHERE id = $1 AND in_scope(region)", 1);
	char		 cid[24];
	const char	*p[1];
	PGresult	*res;
	int		 found;

	snprintf(cid, sizeof(cid), "%lld", (long long)id);
	p[0] = cid;
	if ((res = db_exec(r, &load, p)) == NULL)
		return -1;
	if ((found = PQntuples(res) == 1)) {
		memset(c, 0, sizeof(*c));
		c->id = id;
		snprintf(c->region, sizeof(c->region), "%s",
		    db_get(res, 0, "region"));
		c->state = wf_state_parse(db_get(res, 0, "state"));
		c->version = atoi(db_get(res, 0, "version"));
		c->pending = !db_isnull(res, 0, "pending_event");
		c->pending_event = c->pending ?
		    wf_event_parse(db_get(res, 0, "pending_event")) : WF_EV__MAX;
		c->pending_seq = c->pending ?
		    atoi(db_get(res, 0, "pending_seq")) : 0;
		c->pending_by = c->pending ?
		    strtoll(db_get(res, 0, "pending_by"), NULL, 10) : 0;
		c->last_seq = atoi(db_get(res, 0, "last_seq"));
		c->enterprise_id = strtoll(db_get(res, 0, "enterprise_id"),
		    NULL, 10);
		if (c->state == WF_STATE__MAX || (c->pending &&
		    c->pending_event == WF_EV__MAX) ||
		    bytea_parse(db_get(res, 0, "last_hash"), c->last_hash,
		    CHAIN_LEN) == -1) {
			req_fail(r, "case %s: unreadable row", cid);
			found = -1;
		}
	}
	PQclear(res);
	return found;
}

/* ------------------------------------------------------------------ */
/* The case as JSON                                                   */
/* ------------------------------------------------------------------ */

static json_t *
opt_json(const PGresult *res, int row, const char *col)
{
	json_t	*v;

	if (db_isnull(res, row, col))
		return json_null();
	v = json_loads(db_get(res, row, col), JSON_DECODE_ANY, NULL);
	return v != NULL ? v : json_null();
}

/*
 * For a proposal whose event carries the transfer documents (`pe`):
 * each document, and the case's files of its kind -- which of them
 * legal staff can open before they decide.  A new array, or NULL when
 * the event carries none.  `files` ([{id, kind, name, type}], the
 * case's files not withdrawn) is borrowed.
 */
static json_t *
pending_documents(enum wf_event pe, const json_t *files)
{
	json_t		*docs = NULL, *mine, *f;
	size_t		 i, j;
	int		 d;

	for (i = 0; pe != WF_EV__MAX && i < wf_events[pe].nrequires; i++)
		if (wf_fields[wf_events[pe].requires[i]].documents)
			docs = json_array();
	for (d = 0; docs != NULL && d < WF_DOC__MAX; d++) {
		mine = json_array();
		json_array_foreach(files, j, f)
			if (mine != NULL && json_is_string(json_object_get(f,
			    "kind")) && strcmp(json_string_value(
			    json_object_get(f, "kind")), wf_documents[d].id) == 0)
				json_array_append(mine, f);
		json_array_append_new(docs, json_pack("{s:s, s:s, s:b, s:o}",
		    "id", wf_documents[d].id, "label", wf_documents[d].label,
		    "has_file", json_array_size(mine) > 0, "files", mine));
	}
	return docs;
}

/*
 * The case's deadlines (a new array) from the rows of `dls`, oldest
 * first, each with its Chinese label: built here from plain columns
 * rather than parsed from JSON text the database built.
 */
static json_t *
deadlines_json(const PGresult *dls)
{
	json_t		*a = json_array(), *d;
	enum wf_deadline k;
	int		 i, n = PQntuples(dls);

	for (i = 0; a != NULL && i < n; i++) {
		k = wf_deadline_parse(db_get(dls, i, "kind"));
		d = json_pack("{s:s, s:i, s:s, s:s, s:o, s:b, s:b}",
		    "kind", db_get(dls, i, "kind"),
		    "started_seq", atoi(db_get(dls, i, "started_seq")),
		    "basis_at", db_get(dls, i, "basis_at"),
		    "due_at", db_get(dls, i, "due_at"),
		    "stopped_at", db_json_text(dls, i, "stopped_at"),
		    "calendar_known", strcmp(db_get(dls, i,
		    "calendar_known"), "t") == 0,
		    "overdue", strcmp(db_get(dls, i, "overdue"), "t") == 0);
		if (d != NULL && k != WF_DL__MAX)
			json_object_set_new(d, "label",
			    json_string(wf_deadlines[k].label));
		if (d != NULL)
			json_array_append_new(a, d);
	}
	return a;
}

/* The case as the API shows it, and its deadlines: case_json's reads. */
static struct stmt case_stmt = STMT(
	    "SELECT c.id, c.enterprise_id, e.name AS enterprise_name, e.uscc,"
	    " c.region, rg.name AS region_name, c.campaign_id, c.category,"
	    " cat.name AS category_name, c.domain, c.source, c.problem,"
	    " c.risk_level, c.state, c.version, c.pending_event, c.pending_seq,"
	    " rfc3339(c.pending_at) AS pending_at, c.pending_by,"
	    " pu.username AS pending_username,"
	    " pu.display_name AS pending_name,"
	    " (SELECT (ev.record::jsonb -> 'payload')::text FROM case_events ev"
	    "   WHERE ev.case_id = c.id AND ev.seq = c.pending_seq)"
	    "   AS pending_payload,"
	    " (SELECT json_agg(json_build_object('id', f.id, 'kind', f.kind,"
	    "   'name', f.name, 'type', f.type) ORDER BY f.id)"
	    "   FROM files f WHERE f.case_id = c.id AND f.withdrawn_at IS NULL"
	    "   AND c.pending_event IS NOT NULL)::text AS pending_files,"
	    " c.lookback_on::text AS lookback_on,"
	    " rfc3339(c.next_due) AS next_due,"
	    " (c.next_due < now()) AS overdue,"
	    " (c.state = 'closed' AND c.lookback_on <= today_cst())"
	    "   AS lookback_due,"
	    " c.fine_amount::text AS fine_amount,"
	    " c.confiscation_amount::text AS confiscation_amount,"
	    " c.case_value::text AS case_value,"
	    " rfc3339(c.penalty_decided_at) AS penalty_decided_at,"
	    " rfc3339(c.judicial_transferred_at) AS judicial_transferred_at,"
	    " rfc3339(c.discipline_transferred_at) AS discipline_transferred_at,"
	    " c.interviews, rfc3339(c.created_at) AS created_at,"
	    " cu.username AS created_by, rfc3339(c.updated_at) AS updated_at,"
	    " array_to_json(c.problem_types)::text AS problem_types,"
	    " licence_alerts(c.enterprise_id)::text AS licence_alerts,"
	    " (SELECT s.id FROM supervisions s WHERE s.case_id = c.id"
	    "   AND s.state = 'open' AND s.target = 'case') AS supervision_id,"
	    " rfc3339(c.decided_at) AS decided_at,"
	    " rfc3339(c.closed_at) AS closed_at"
	    " FROM cases c JOIN LATERAL case_enterprise(c.id) e ON true"
	    " JOIN regions rg ON rg.code = c.region"
	    " JOIN categories cat ON cat.id = c.category"
	    " LEFT JOIN LATERAL user_public(c.pending_by) pu ON true"
	    " LEFT JOIN LATERAL user_public(c.created_by) cu ON true"
	    " WHERE c.id = $1", 1);
static struct stmt deadlines_stmt = STMT(
	    "SELECT kind, started_seq, rfc3339(basis_at) AS basis_at,"
	    " rfc3339(due_at) AS due_at, rfc3339(stopped_at) AS stopped_at,"
	    " calendar_known, (stopped_at IS NULL AND due_at < now()) AS overdue"
	    " FROM case_deadlines WHERE case_id = $1"
	    " ORDER BY started_seq, kind", 1);
static struct stmt assignees_stmt = STMT(
	    "SELECT a.user_id AS id, n.username, n.display_name"
	    " FROM case_assignees a JOIN user_names n ON n.id = a.user_id"
	    " WHERE a.case_id = $1 ORDER BY a.user_id", 1);

/*
 * The three reads run with generic plans: PostgreSQL's choice between a
 * plan for the values and one kept for all (plan_cache_mode auto) takes
 * the case's for the values every time -- the generic one's estimate is
 * the higher -- and so plans it at every GET: at a million cases 1.4 ms
 * of planning and 1.3 ms of execution, against 0.02 and 0.7 ms with the
 * generic plan (EXPLAIN ANALYZE as officer.bj, docs/PERFORMANCE.md).
 * The setting is local to the transaction and set back after the reads,
 * so no other statement of it -- a list's, planned for its values --
 * is touched.
 */
static struct stmt plan_generic = STMT(
	    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)",
	    0);
static struct stmt plan_auto = STMT(
	    "SELECT set_config('plan_cache_mode', 'auto', true)", 0);

/* case_json_queue's statements, in the order they run. */
enum case_json_query {
	CJ_GENERIC,
	CJ_CASE,
	CJ_DEADLINES,
	CJ_ASSIGNEES,
	CJ_AUTO,
	CJ__MAX
};
_Static_assert(CJ__MAX == CASE_JSON_QUERIES, "CASE_JSON_QUERIES");

/*
 * Queue case_json's reads of the case whose id is p[0] (text; `p` must
 * outlive the pipeline) as the CASE_JSON_QUERIES statements at `q`, so
 * that a caller can send them in the same round trip as its own.
 */
void
case_json_queue(struct dbq *q, const char *const *p)
{
	static struct stmt *const stmts[CJ__MAX] = {
		[CJ_GENERIC] = &plan_generic,
		[CJ_CASE] = &case_stmt,
		[CJ_DEADLINES] = &deadlines_stmt,
		[CJ_ASSIGNEES] = &assignees_stmt,
		[CJ_AUTO] = &plan_auto,
	};
	size_t	 i;

	for (i = 0; i < CJ__MAX; i++) {
		q[i].s = stmts[i];
		q[i].params = stmts[i]->nparams > 0 ? p : NULL;
	}
}

/*
 * The case's assignees from the rows of `res`: their ids into *ids and
 * who they are into *users (two new arrays).
 */
static void
assignees_json(const PGresult *res, json_t **ids, json_t **users)
{
	json_int_t	 id;
	int		 i;

	*ids = json_array();
	*users = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		id = (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10);
		json_array_append_new(*ids, json_integer(id));
		json_array_append_new(*users, json_pack("{s:I, s:s, s:s}",
		    "id", id, "username", db_get(res, i, "username"),
		    "display_name", db_get(res, i, "display_name")));
	}
}

/*
 * The case `cid` as the API shows it (a new reference), from the results
 * of case_json_queue's statements, or NULL: not visible (r->fault
 * FAULT_NONE) or it could not be built (recorded).
 */
json_t *
case_json_build(struct req *r, const struct dbq *q, const char *cid)
{
	const PGresult	*res;
	json_t		*o = NULL, *pending = json_null(), *dl, *aids, *ausers;
	json_t		*files, *docs;
	enum wf_state	 st;
	enum wf_event	 pe;

	r->fault = FAULT_NONE;
	res = q[CJ_CASE].res;
	if (PQntuples(res) != 1)
		return NULL;
	st = wf_state_parse(db_get(res, 0, "state"));
	if (!db_isnull(res, 0, "pending_event")) {
		pe = wf_event_parse(db_get(res, 0, "pending_event"));
		pending = json_pack("{s:s, s:s, s:i, s:{s:I, s:s, s:s}, s:s,"
		    " s:o, s:s}",
		    "event", db_get(res, 0, "pending_event"),
		    "label", pe != WF_EV__MAX ? wf_events[pe].label : "",
		    "seq", atoi(db_get(res, 0, "pending_seq")),
		    "by", "id", (json_int_t)strtoll(db_get(res, 0, "pending_by"),
		    NULL, 10), "username", db_get(res, 0, "pending_username"),
		    "display_name", db_get(res, 0, "pending_name"),
		    "at", db_get(res, 0, "pending_at"),
		    "payload", opt_json(res, 0, "pending_payload"),
		    "target", pe != WF_EV__MAX && wf_events[pe].to !=
		    WF_STATE__MAX ? wf_states[wf_events[pe].to].id :
		    db_get(res, 0, "state"));
		files = opt_json(res, 0, "pending_files");
		if (pending != NULL &&
		    (docs = pending_documents(pe, files)) != NULL)
			json_object_set_new(pending, "documents", docs);
		json_decref(files);
	}
	dl = deadlines_json(q[CJ_DEADLINES].res);
	assignees_json(q[CJ_ASSIGNEES].res, &aids, &ausers);
	o = json_pack("{s:I, s:I, s:{s:I, s:s, s:s}, s:s, s:s, s:i, s:s,"
	    " s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:i, s:o, s:o, s:o, s:o,"
	    " s:b, s:b, s:{s:o, s:o, s:o, s:o, s:o, s:o, s:i}, s:s, s:s*,"
	    " s:s}",
	    "id", (json_int_t)strtoll(cid, NULL, 10),
	    "enterprise_id", (json_int_t)strtoll(db_get(res, 0,
	    "enterprise_id"), NULL, 10),
	    "enterprise", "id", (json_int_t)strtoll(db_get(res, 0,
	    "enterprise_id"), NULL, 10), "name", db_get(res, 0,
	    "enterprise_name"), "uscc", db_get(res, 0, "uscc"),
	    "region", db_get(res, 0, "region"),
	    "region_name", db_get(res, 0, "region_name"),
	    "campaign_id", atoi(db_get(res, 0, "campaign_id")),
	    "category", db_get(res, 0, "category"),
	    "category_name", db_get(res, 0, "category_name"),
	    "domain", db_get(res, 0, "domain"),
	    "source", db_get(res, 0, "source"),
	    "problem", db_get(res, 0, "problem"),
	    "risk_level", db_json_text(res, 0, "risk_level"),
	    "state", db_get(res, 0, "state"),
	    "state_label", st != WF_STATE__MAX ? wf_states[st].label : "",
	    "version", atoi(db_get(res, 0, "version")),
	    "pending", pending,
	    "deadlines", dl,
	    "lookback_on", db_json_text(res, 0, "lookback_on"),
	    "next_due", db_json_text(res, 0, "next_due"),
	    "overdue", strcmp(db_get(res, 0, "overdue"), "t") == 0,
	    "lookback_due", strcmp(db_get(res, 0, "lookback_due"), "t") == 0,
	    "facts",
	    "fine_amount", db_json_text(res, 0, "fine_amount"),
	    "confiscation_amount", db_json_text(res, 0, "confiscation_amount"),
	    "case_value", db_json_text(res, 0, "case_value"),
	    "penalty_decided_at", db_json_text(res, 0, "penalty_decided_at"),
	    "judicial_transferred_at", db_json_text(res, 0,
	    "judicial_transferred_at"),
	    "discipline_transferred_at", db_json_text(res, 0,
	    "discipline_transferred_at"),
	    "interviews", atoi(db_get(res, 0, "interviews")),
	    "created_at", db_get(res, 0, "created_at"),
	    "created_by", db_isnull(res, 0, "created_by") ? NULL :
	    db_get(res, 0, "created_by"),
	    "updated_at", db_get(res, 0, "updated_at"));
	if (o == NULL) {
		json_decref(aids);
		json_decref(ausers);
		req_fail(r, "case %s: could not build its JSON", cid);
		return NULL;
	}
	/* Its problem types; its enterprise's licences in trouble today. */
	json_object_set_new(o, "problem_types", opt_json(res, 0,
	    "problem_types"));
	json_object_set_new(json_object_get(o, "enterprise"),
	    "licence_alerts", opt_json(res, 0, "licence_alerts"));
	/* Who answers for it; whether it is under 督办. */
	json_object_set_new(o, "assignees", aids);
	json_object_set_new(o, "assignee_users", ausers);
	json_object_set_new(o, "supervised", json_boolean(
	    !db_isnull(res, 0, "supervision_id")));
	json_object_set_new(o, "supervision_id", db_isnull(res, 0,
	    "supervision_id") ? json_null() : json_integer(
	    (json_int_t)strtoll(db_get(res, 0, "supervision_id"), NULL,
	    10)));
	json_object_set_new(o, "decided_at", db_json_text(res, 0,
	    "decided_at"));
	json_object_set_new(o, "closed_at", db_json_text(res, 0,
	    "closed_at"));
	return o;
}

/*
 * The case `id` as the API shows it (a new reference), or NULL: not
 * visible (r->fault FAULT_NONE) or the database failed (recorded).
 */
json_t *
case_json(struct req *r, int64_t id)
{
	struct dbq	 q[CASE_JSON_QUERIES];
	char		 cid[24];
	const char	*p[1];
	json_t		*o;

	snprintf(cid, sizeof(cid), "%lld", (long long)id);
	p[0] = cid;
	/* The case and its deadlines in one round trip. */
	case_json_queue(q, p);
	if (db_pipeline(r, NULL, q, NITEMS(q)) == -1)
		return NULL;
	o = case_json_build(r, q, cid);
	db_pipeline_clear(q, NITEMS(q));
	return o;
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/cases                                                 */
/* ------------------------------------------------------------------ */

struct case_in {
	long long	 enterprise_id;
	long long	 campaign_id;
	const char	*category;
	const char	*domain;
	const char	*source;
	const char	*problem;
	const char	*risk_level;
	json_t		*problem_types;
	json_t		*assignees;
};

static const struct vfield case_fields[] = {
	{ "enterprise_id", VT_ID, 1, 0, 0, NULL, NULL,
	    offsetof(struct case_in, enterprise_id) },
	{ "campaign_id", VT_ID, 1, 0, 0, NULL, NULL,
	    offsetof(struct case_in, campaign_id) },
	{ "category", VT_STRING, 1, 1, 40, NULL, NULL,
	    offsetof(struct case_in, category) },
	{ "domain", VT_ENUM, 1, 0, 0, domains, NULL,
	    offsetof(struct case_in, domain) },
	{ "source", VT_ENUM, 1, 0, 0, sources, NULL,
	    offsetof(struct case_in, source) },
	{ "problem", VT_TEXT, 1, 1, 4000, NULL, NULL,
	    offsetof(struct case_in, problem) },
	{ "risk_level", VT_ENUM, 0, 0, 0, risk_levels, NULL,
	    offsetof(struct case_in, risk_level) },
	{ "problem_types", VT_JSON, 0, 0, 0, NULL, NULL,
	    offsetof(struct case_in, problem_types) },
	{ "assignees", VT_IDS, 0, 1, WF_LIST_MAX, NULL, NULL,
	    offsetof(struct case_in, assignees) },
};

/* Whether `v` is one of the NULL-ended `words`. */
static int
one_of(const char *v, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(v, *words) == 0)
			return 1;
	return 0;
}

/*
 * Whether the `correct` proposal's payload (its types already checked by
 * the workflow) says something registration would take, for case `c`:
 * at least one fact; a category that exists and is national or the
 * case's province's; a domain its problem types belong to; a source and
 * a risk level of the vocabularies.  Returns 1; 0 after staging a 422
 * naming each bad field; -1 with the database failure recorded in `r`.
 */
int
correction_check(struct req *r, const json_t *payload,
    const struct case_row *c)
{
	static struct stmt refs = STMT(
	    "SELECT EXISTS (SELECT 1 FROM categories WHERE id = $2) AS category,"
	    " EXISTS (SELECT 1 FROM categories k WHERE k.id = $2"
	    "   AND (k.province IS NULL OR region_covers(k.province, c.region)))"
	    "   AS category_ours,"
	    " NOT EXISTS (SELECT 1 FROM unnest(c.problem_types) t"
	    "   JOIN problem_types pt ON pt.id = t WHERE pt.domain <> $3)"
	    "   AS types_fit"
	    " FROM cases c WHERE c.id = $1", 3);
	const char	*cat, *dom, *src, *risk, *p[3];
	char		 cid[24];
	json_t		*errors = NULL;
	PGresult	*res;

	cat = json_string_value(json_object_get(payload, "category"));
	dom = json_string_value(json_object_get(payload, "domain"));
	src = json_string_value(json_object_get(payload, "source"));
	risk = json_string_value(json_object_get(payload, "risk_level"));
	if (cat == NULL && dom == NULL && src == NULL && risk == NULL &&
	    json_object_get(payload, "problem") == NULL)
		errors = problem_field(errors, "payload", "至少更正一项：产品"
		    "类别、领域、问题来源、问题描述或风险等级");
	if (dom != NULL && !one_of(dom, domains))
		errors = problem_field(errors, "domain", "不是允许的取值");
	if (src != NULL && !one_of(src, sources))
		errors = problem_field(errors, "source", "不是允许的取值");
	if (risk != NULL && !one_of(risk, risk_levels))
		errors = problem_field(errors, "risk_level", "不是允许的取值");
	snprintf(cid, sizeof(cid), "%lld", (long long)c->id);
	p[0] = cid;
	p[1] = cat;
	p[2] = dom;
	if ((res = db_exec(r, &refs, p)) == NULL) {
		json_decref(errors);
		return -1;
	}
	if (PQntuples(res) == 1 && cat != NULL &&
	    strcmp(db_get(res, 0, "category"), "t") != 0)
		errors = problem_field(errors, "category", "产品类别不存在");
	else if (PQntuples(res) == 1 && cat != NULL &&
	    strcmp(db_get(res, 0, "category_ours"), "t") != 0)
		errors = problem_field(errors, "category", "应为全国的十类产品"
		    "或本省的产品类别，不能用其他省份的类别");
	if (PQntuples(res) == 1 && dom != NULL && one_of(dom, domains) &&
	    strcmp(db_get(res, 0, "types_fit"), "t") != 0)
		errors = problem_field(errors, "domain", "案件的重点问题类型"
		    "属于原领域，请先更正重点问题");
	PQclear(res);
	if (errors == NULL)
		return 1;
	reply_problem(r, 422, NULL, "the correction is missing facts or has "
	    "invalid ones", errors);
	return 0;
}

/*
 * Whether every user id of `ids` (a JSON array of positive integers) is
 * an officer -- not disabled -- whose region covers `region`: the rule
 * for a case's assignees (the database refuses others too: 0050).
 * Returns 1; 0 after staging a 422 naming `field`; -1 with the database
 * failure recorded in `r`.
 */
int
assignees_check(struct req *r, const json_t *ids, const char *region,
    const char *field)
{
	static struct stmt count = STMT(
	    "SELECT count(*) AS n FROM officers_covering($1::char(6)) o"
	    " WHERE o.id = ANY ($2::bigint[])", 2);
	const json_t	*e;
	const char	*p[2];
	char		*list = NULL, *w;
	size_t		 i, n = json_array_size(ids);
	PGresult	*res;
	int		 rc = -1;

	if (n == 0 || (list = malloc(n * 21 + 3)) == NULL) {
		req_fail(r, "no memory for the assignees");
		return -1;
	}
	w = list;
	*w++ = '{';
	json_array_foreach(ids, i, e)
		w += sprintf(w, "%s%lld", i > 0 ? "," : "",
		    (long long)json_integer_value(e));
	*w++ = '}';
	*w = '\0';
	p[0] = region;
	p[1] = list;
	if ((res = db_exec(r, &count, p)) == NULL)
		goto out;
	rc = strtoull(db_get(res, 0, "n"), NULL, 10) == n;
	PQclear(res);
	if (rc == 0)
		reply_problem(r, 422, NULL, "every assignee must be an officer "
		    "whose region covers the case", problem_field(NULL, field,
		    "承办人应为辖区覆盖该案件的在岗执法人员"));
out:
	free(list);
	return rc;
}

/*
 * The deadlines registration starts, as case_open()'s step (a new
 * reference; sql/0017_ledger.sql), at `at_us`.
 */
static json_t *
open_step(long long at_us)
{
	struct wf_dl_change	 ch[WF_DL__MAX];
	json_t			*starts = json_array();
	size_t			 i, n;

	n = wf_deadline_changes(WF_EV__MAX, WF_PHASE_CREATE, at_us / 1000000,
	    NULL, ch);
	for (i = 0; n != WF_DL_BAD_PAYLOAD && i < n; i++)
		if (ch[i].op == WF_DLOP_START)
			json_array_append_new(starts, json_pack(
			    "{s:s, s:I, s:I, s:b}",
			    "kind", wf_deadlines[ch[i].kind].id,
			    "basis", (json_int_t)ch[i].basis,
			    "due", (json_int_t)ch[i].due,
			    "known", ch[i].known));
	return json_pack("{s:o}", "deadlines_start", starts);
}

/*
 * Open a case that a referral brought (API.md Part 2, "Across
 * regions"): source "referral", the one accepting it as its assignee,
 * `referral` named in event 1's payload.  The caller has checked the
 * enterprise (in the user's scope, region `region`), the campaign and
 * the category.  Returns the new case's id, or -1 with the failure
 * recorded in `r`.
 */
int64_t
case_open_referred(struct req *r, long long enterprise_id,
    const char *region, long long campaign_id, const char *category,
    const char *domain, const char *problem, int64_t referral)
{
	static struct stmt next = STMT(
	    "SELECT nextval('cases_id_seq') AS id", 0);
	static struct stmt open = STMT(
	    "SELECT case_open($1::jsonb, $2, $3, $4::bytea, $5::bytea)", 5);
	struct ledger_event ev = { 0 };
	json_t		*payload = NULL, *step = NULL;
	PGresult	*res;
	char		 prevhex[LEDGER_HEX], hashhex[LEDGER_HEX];
	char		*steptext = NULL;
	const char	*p[5];
	int64_t		 id = -1, rc = -1;

	if ((res = db_exec(r, &next, NULL)) == NULL)
		return -1;
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	PQclear(res);
	payload = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:[I], s:I}",
	    "enterprise_id", (json_int_t)enterprise_id,
	    "campaign_id", (json_int_t)campaign_id,
	    "category", category, "domain", domain,
	    "source", wf_sources[WF_SRC_REFERRAL].id, "problem", problem,
	    "assignees", (json_int_t)r->user.id,
	    "referral", (json_int_t)referral);
	if (payload == NULL) {
		req_fail(r, "case %lld: could not build its registration",
		    (long long)id);
		goto out;
	}
	ledger_first(&ev, id, region, payload, now_us());
	if ((step = open_step(ev.at_us)) == NULL ||
	    (steptext = json_dumps(step, JSON_COMPACT)) == NULL) {
		req_fail(r, "case %lld: could not build its registration",
		    (long long)id);
		goto out;
	}
	if (ledger_prepare(r, &ev) == -1)
		goto out;
	p[0] = steptext;
	ledger_params(&ev, p + 1, prevhex, hashhex);
	if (db_exec_ok(r, &open, p) == -1)
		goto out;
	rc = id;
out:
	ledger_discard(&ev);
	json_decref(payload);
	json_decref(step);
	free(steptext);
	return rc;
}

void
case_create(struct req *r)
{
	static struct stmt refs = STMT(
	    "SELECT e.region,"
	    " EXISTS (SELECT 1 FROM campaigns WHERE id = $2) AS campaign,"
	    " EXISTS (SELECT 1 FROM categories WHERE id = $3) AS category,"
	    " EXISTS (SELECT 1 FROM categories c WHERE c.id = $3"
	    "   AND (c.province IS NULL OR region_covers(c.province, e.region)))"
	    "   AS category_ours,"
	    " (SELECT string_agg(t, '、') FROM unnest($4::text[]) t"
	    "   WHERE NOT EXISTS (SELECT 1 FROM problem_types pt"
	    "   WHERE pt.id = t AND pt.domain = $5)) AS bad_types,"
	    " nextval('cases_id_seq') AS id"
	    " FROM (SELECT (SELECT region FROM enterprises WHERE id = $1)"
	    "   AS region) e", 5);
	static struct stmt open = STMT(
	    "SELECT case_open($1::jsonb, $2, $3, $4::bytea, $5::bytea)", 5);
	struct case_in	 in;
	struct ledger_event ev = { 0 };
	json_t		*payload = NULL, *errors = NULL, *step = NULL;
	json_t		*assignees = NULL;
	PGresult	*res = NULL;
	char		 eid[24], camp[24], region[7];
	char		 prevhex[LEDGER_HEX], hashhex[LEDGER_HEX];
	char		 types[PROBLEM_TYPES_TEXT], msg[600];
	char		*steptext = NULL;
	const char	*p[5];
	int64_t		 id;
	int		 ntypes;

	memset(&in, 0, sizeof(in));
	if (validate_json(r, r->json, case_fields, NITEMS(case_fields), &in,
	    NULL) == -1 || (ntypes = problem_types_take(r, in.problem_types,
	    types)) == -1)
		return;
	snprintf(eid, sizeof(eid), "%lld", in.enterprise_id);
	snprintf(camp, sizeof(camp), "%lld", in.campaign_id);
	p[0] = eid;
	p[1] = camp;
	p[2] = in.category;
	p[3] = types;
	p[4] = in.domain;
	if ((res = db_exec(r, &refs, p)) == NULL)
		goto fail;
	if (db_isnull(res, 0, "region"))
		errors = problem_field(errors, "enterprise_id",
		    "企业不存在或不在您的辖区内");
	if (strcmp(db_get(res, 0, "campaign"), "t") != 0)
		errors = problem_field(errors, "campaign_id", "专项行动不存在");
	if (strcmp(db_get(res, 0, "category"), "t") != 0)
		errors = problem_field(errors, "category", "产品类别不存在");
	else if (!db_isnull(res, 0, "region") &&
	    strcmp(db_get(res, 0, "category_ours"), "t") != 0)
		errors = problem_field(errors, "category", "应为全国的十类产品"
		    "或本省的产品类别，不能用其他省份的类别");
	if (!db_isnull(res, 0, "bad_types")) {
		snprintf(msg, sizeof(msg), "未知的问题类型，或不属于该领域的重点"
		    "问题：%s", db_get(res, 0, "bad_types"));
		errors = problem_field(errors, "problem_types", msg);
	}
	if (errors != NULL) {
		reply_problem(r, 422, NULL, "some fields are missing or invalid",
		    errors);
		goto out;
	}
	snprintf(region, sizeof(region), "%s", db_get(res, 0, "region"));
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	/* Who answers for it: those named, or the one registering it. */
	assignees = in.assignees != NULL ? json_incref(in.assignees) :
	    json_pack("[I]", (json_int_t)r->user.id);
	switch (assignees_check(r, assignees, region, "assignees")) {
	case -1:
		goto fail;
	case 0:
		goto out;
	}

	/*
	 * Event 1: the registration, carrying the case's facts; the case
	 * row is its projection (case_open), written with it.
	 */
	payload = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s*, s:O}",
	    "enterprise_id", (json_int_t)in.enterprise_id,
	    "campaign_id", (json_int_t)in.campaign_id,
	    "category", in.category, "domain", in.domain,
	    "source", in.source, "problem", in.problem,
	    "risk_level", in.risk_level, "assignees", assignees);
	/* Its problem types (sql/0061 projects them onto the row). */
	if (payload != NULL && ntypes > 0)
		json_object_set(payload, "problem_types", in.problem_types);
	ledger_first(&ev, id, region, payload, now_us());
	if ((step = open_step(ev.at_us)) == NULL ||
	    (steptext = json_dumps(step, JSON_COMPACT)) == NULL) {
		req_fail(r, "case %lld: could not build its registration",
		    (long long)id);
		goto fail;
	}
	if (ledger_prepare(r, &ev) == -1)
		goto fail;
	p[0] = steptext;
	ledger_params(&ev, p + 1, prevhex, hashhex);
	if (db_exec_ok(r, &open, p) == -1)
		goto fail;
	reply_resource(r, 201, case_json(r, id), "case", "/api/v1/cases");
	goto out;
fail:
	reply_db_error(r);
out:
	ledger_discard(&ev);
	json_decref(payload);
	json_decref(assignees);
	json_decref(step);
	free(steptext);
	PQclear(res);
}

/*
 * Register case `id` (a number of cases_id_seq) in `region` from the
 * facts of `payload` (borrowed: enterprise_id, campaign_id, category,
 * domain, source, problem, risk_level) as event 1 by the user acting as
 * `role` -- a registration another resource makes (a self-inspection's
 * major risk: self_inspections.c).  Returns 0, or -1 with the failure
 * recorded in `r`.
 */
int
case_register(struct req *r, int64_t id, const char *region,
    const char *role, json_t *payload)
{
	static struct stmt open = STMT(
	    "SELECT case_open($1::jsonb, $2, $3, $4::bytea, $5::bytea)", 5);
	struct ledger_event ev = { 0 };
	char		 prevhex[LEDGER_HEX], hashhex[LEDGER_HEX];
	char		*steptext = NULL;
	const char	*p[5];
	json_t		*step = NULL;
	int		 rc = -1;

	ledger_first(&ev, id, region, payload, now_us());
	ev.role = role;
	if ((step = open_step(ev.at_us)) == NULL ||
	    (steptext = json_dumps(step, JSON_COMPACT)) == NULL) {
		req_fail(r, "case %lld: could not build its registration",
		    (long long)id);
		goto out;
	}
	if (ledger_prepare(r, &ev) == -1)
		goto out;
	p[0] = steptext;
	ledger_params(&ev, p + 1, prevhex, hashhex);
	rc = db_exec_ok(r, &open, p);
out:
	ledger_discard(&ev);
	json_decref(step);
	free(steptext);
	return rc;
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/cases/{id}                                             */
/* ------------------------------------------------------------------ */

void
case_get(struct req *r)
{
	if (r->user.roles & R(ENTERPRISE))
		reply_resource(r, 200, case_portal_json(r, r->ids[0]), "case",
		    NULL);
	else
		reply_resource(r, 200, case_json(r, r->ids[0]), "case", NULL);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/cases                                                  */
/* ------------------------------------------------------------------ */

/* A state id of the workflow's (workflow/state.c). */
static const char *
check_state(const char *s)
{
	return wf_state_parse(s) != WF_STATE__MAX ? NULL : "不是允许的取值";
}

/*
 * The list's filters, $1..$13, shared by the list, its counts and its
 * export: one constant, so all agree on what a filter means.  $10 a
 * problem type, $11 an enterprise; $12 is a user id (assignee=me: the
 * user's own), $13 whether only cases under an open 督办.  Those two are
 * subqueries, which the planner turns into a join -- driven by the
 * user's assignments, or the open supervisions, when they are few --
 * only at the top level of the WHERE, never under an OR: so each comes
 * in two forms, on (CASE_MINE, CASE_SUPERVISED) and off, and a list or
 * count is one of four statements (a million cases: assignee=me under
 * an OR took 1.2 s, as a join 5 ms).
 *
 * `q` ($8 its LIKE pattern, $9 the text) is case_search()
 * (sql/0110_search.sql): the same cases as `c.problem ILIKE $8 OR the
 * enterprise's name ILIKE $8 OR its code = upper($9)`, found through the
 * grams index under the session's scope.  `page` is its "before, limit"
 * ("NULL, NULL": all of them): the list passes its own cursor and limit
 * when `q` is its only filter, so that the search stops at a page.
 * CASE_FILTER is CASE_FROM and CASE_WHERE; a statement that joins more
 * tables (the export) puts its joins between the two.
 */
/*
 * in_scope(c.region): the user's own cases -- not one another region
 * accepted from their referral, which they may open (sql/0120) but which
 * is not theirs to list or count -- and the scope's range stated for the
 * planner's index, whatever the policies OR in.
 */
#define CASE_FROM \
	" FROM cases c JOIN enterprises e ON e.id = c.enterprise_id"
#define CASE_FILTER(page) CASE_FROM CASE_WHERE(page)
#define CASE_WHERE(page) \
	" WHERE in_scope(c.region)" \
	" AND ($1::text IS NULL OR c.state = $1)" \
	" AND ($2::text IS NULL OR c.category = $2)" \
	" AND ($3::text IS NULL OR (c.region >= region_lo($3::char(6))" \
	"   AND c.region < region_hi($3::char(6))))" \
	" AND ($4::integer IS NULL OR c.campaign_id = $4)" \
	" AND (NOT $5::boolean OR c.next_due < now())" \
	" AND (NOT $6::boolean OR (c.state = 'closed'" \
	"   AND c.lookback_on <= today_cst()))" \
	" AND (NOT $7::boolean OR c.pending_event IS NOT NULL)" \
	" AND ($8::text IS NULL OR c.id = ANY (ARRAY(" \
	"   SELECT case_search($8, $9, " page "))))" \
	" AND ($10::text IS NULL OR (c.problem_types <> '{}'" \
	"   AND c.problem_types @> ARRAY[$10::text]))" \
	" AND ($11::bigint IS NULL OR c.enterprise_id = $11)"
#define CASE_MINE_ON \
	" AND EXISTS (SELECT 1 FROM case_assignees a" \
	"   WHERE a.case_id = c.id AND a.user_id = $12::bigint)"
#define CASE_MINE_OFF \
	" AND $12::bigint IS NULL"
#define CASE_SUPERVISED_ON \
	" AND $13::boolean AND EXISTS (SELECT 1 FROM supervisions s" \
	"   WHERE s.case_id = c.id AND s.state = 'open'" \
	"   AND s.target = 'case')"
#define CASE_SUPERVISED_OFF \
	" AND NOT $13::boolean"

struct list_in {
	const char	*state;
	const char	*category;
	const char	*region;
	long long	 campaign;
	int		 overdue;
	int		 lookback_due;
	int		 pending;
	const char	*q;
	const char	*problem_type;
	long long	 enterprise;
	const char	*assignee;
	int		 supervised;
	const char	*format;
	long long	 cursor;
	long long	 limit;
};

/* "me" (the user), or a user's id. */
static const char *
check_assignee(const char *s)
{
	size_t	 n = strlen(s);

	if (strcmp(s, "me") == 0 || (n >= 1 && n <= 18 &&
	    strspn(s, "0123456789") == n && s[0] != '0'))
		return NULL;
	return "应为 me 或用户编号";
}
static const char *const formats[] = { "json", "csv", "xlsx", NULL };

static const struct vfield list_fields[] = {
	{ "state", VT_STRING, 0, 1, 64, NULL, check_state,
	    offsetof(struct list_in, state) },
	{ "category", VT_STRING, 0, 1, 40, NULL, NULL,
	    offsetof(struct list_in, category) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, region) },
	{ "campaign", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, campaign) },
	{ "overdue", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, overdue) },
	{ "lookback_due", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, lookback_due) },
	{ "pending", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, pending) },
	{ "q", VT_NAME, 0, 1, 100, NULL, NULL,
	    offsetof(struct list_in, q) },
	{ "problem_type", VT_STRING, 0, 1, 40, NULL, NULL,
	    offsetof(struct list_in, problem_type) },
	{ "enterprise", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, enterprise) },
	{ "assignee", VT_STRING, 0, 1, 18, NULL, check_assignee,
	    offsetof(struct list_in, assignee) },
	{ "supervised", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, supervised) },
	{ "format", VT_ENUM, 0, 0, 0, formats, NULL,
	    offsetof(struct list_in, format) },
	VF_PAGE(struct list_in),
};

/* The list's filters: its rows but the format and the paging. */
#define LIST_FILTERS	(NITEMS(list_fields) - VF_PAGE_ROWS - 1)

/*
 * `q` as a LIKE pattern that matches it anywhere, with LIKE's own
 * characters escaped, into `out` (at least 2 * strlen(q) + 3 bytes).
 */
void
like_pattern(const char *q, char *out)
{
	*out++ = '%';
	for (; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*out++ = '\\';
		*out++ = *q;
	}
	*out++ = '%';
	*out = '\0';
}

/*
 * The parameters $1..$13 of CASE_FILTER for `r`'s user; `camp`, `pat`,
 * `ent` and `who` hold text.
 */
static void
filter_params(const struct req *r, const struct list_in *in, const char **p,
    char camp[24], char pat[2 * 100 + 3], char ent[24], char who[24])
{
	snprintf(camp, 24, "%lld", in->campaign);
	snprintf(ent, 24, "%lld", in->enterprise);
	if (in->assignee != NULL && strcmp(in->assignee, "me") == 0)
		snprintf(who, 24, "%lld", (long long)r->user.id);
	else if (in->assignee != NULL)
		snprintf(who, 24, "%s", in->assignee);
	if (in->q != NULL)
		like_pattern(in->q, pat);
	p[0] = in->state;
	p[1] = in->category;
	p[2] = in->region;
	p[3] = in->campaign != 0 ? camp : NULL;
	p[4] = in->overdue ? "true" : "false";
	p[5] = in->lookback_due ? "true" : "false";
	p[6] = in->pending ? "true" : "false";
	p[7] = in->q != NULL ? pat : NULL;
	p[8] = in->q;
	p[9] = in->problem_type;
	p[10] = in->enterprise != 0 ? ent : NULL;
	p[11] = in->assignee != NULL ? who : NULL;
	p[12] = in->supervised ? "true" : "false";
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/cases?format=csv|xlsx: the whole filtered list          */
/* ------------------------------------------------------------------ */

#define EXPORT_BATCH	5000		/* rows per FETCH */
#define EXPORT_BUF	(64 * 1024)	/* bytes sent at a time */
#define XLSX_ROWS	1048576		/* rows of a worksheet */

/*
 * The export's cursor: the list's filters, after the id $14 (none: from
 * the newest), newest first, at most $15 rows (NULL: all), read
 * EXPORT_BATCH rows at a time.  The names of regions and categories are
 * joined, not a subquery per row: the planner memoizes a join's lookups
 * (a million rows: 17.4 s -> 12.0 s as FETCHes in psql); the problem is
 * whole.  Four forms, as the list's (CASE_MINE, CASE_SUPERVISED); each
 * planned with its values, as a custom plan.
 */
#define EXPORT_SQL(mine, sup) \
    "DECLARE paicha_export NO SCROLL CURSOR FOR" \
    " SELECT c.id, c.state, c.region, rg.name AS region_name," \
    " c.enterprise_id, e.name AS enterprise_name, e.uscc, c.category," \
    " k.name AS category_name, c.domain, c.source, c.risk_level, c.problem," \
    " c.campaign_id, c.pending_event, rfc3339(c.next_due) AS next_due," \
    " coalesce(c.next_due < now(), false) AS overdue," \
    " c.lookback_on::text AS lookback_on," \
    " rfc3339(c.created_at) AS created_at," \
    " rfc3339(c.updated_at) AS updated_at" \
    CASE_FROM \
    " LEFT JOIN regions rg ON rg.code = c.region" \
    " LEFT JOIN categories k ON k.id = c.category" \
    CASE_WHERE("NULL::bigint, NULL::integer") mine sup \
    " AND ($14::bigint IS NULL OR c.id < $14)" \
    " ORDER BY c.id DESC LIMIT $15"
static struct stmt export_fetch = STMT_CUSTOM(
    "FETCH FORWARD 5000 FROM paicha_export", 0);
_Static_assert(EXPORT_BATCH == 5000, "export_fetch's count");
static struct stmt exports[2][2] = {
	{ STMT_CUSTOM(EXPORT_SQL(CASE_MINE_OFF, CASE_SUPERVISED_OFF), 15),
	  STMT_CUSTOM(EXPORT_SQL(CASE_MINE_OFF, CASE_SUPERVISED_ON), 15) },
	{ STMT_CUSTOM(EXPORT_SQL(CASE_MINE_ON, CASE_SUPERVISED_OFF), 15),
	  STMT_CUSTOM(EXPORT_SQL(CASE_MINE_ON, CASE_SUPERVISED_ON), 15) },
};

enum xcol {
	XC_ID, XC_STATE, XC_STATE_LABEL, XC_REGION, XC_REGION_NAME,
	XC_ENTERPRISE_ID, XC_ENTERPRISE, XC_USCC, XC_CATEGORY,
	XC_CATEGORY_NAME, XC_DOMAIN, XC_SOURCE, XC_RISK, XC_PROBLEM,
	XC_CAMPAIGN, XC_PENDING, XC_NEXT_DUE, XC_OVERDUE, XC_LOOKBACK,
	XC_CREATED, XC_UPDATED, XC__MAX
};

/* A column of the export: its heading, and whether it is a number. */
static const struct {
	const char	*heading;
	int		 number;
	int		 width;		/* XLSX, characters */
} xcols[XC__MAX] = {
	[XC_ID] = { "案件编号", 1, 10 },
	[XC_STATE] = { "状态代码", 0, 14 },
	[XC_STATE_LABEL] = { "状态", 0, 10 },
	[XC_REGION] = { "行政区划代码", 0, 12 },
	[XC_REGION_NAME] = { "行政区划", 0, 12 },
	[XC_ENTERPRISE_ID] = { "企业编号", 1, 10 },
	[XC_ENTERPRISE] = { "企业名称", 0, 30 },
	[XC_USCC] = { "统一社会信用代码", 0, 22 },
	[XC_CATEGORY] = { "产品类别代码", 0, 12 },
	[XC_CATEGORY_NAME] = { "产品类别", 0, 16 },
	[XC_DOMAIN] = { "领域", 0, 10 },
	[XC_SOURCE] = { "问题来源", 0, 12 },
	[XC_RISK] = { "风险等级", 0, 8 },
	[XC_PROBLEM] = { "问题描述", 0, 50 },
	[XC_CAMPAIGN] = { "专项行动编号", 1, 10 },
	[XC_PENDING] = { "待审核事项", 0, 16 },
	[XC_NEXT_DUE] = { "最近期限", 0, 26 },
	[XC_OVERDUE] = { "是否逾期", 0, 8 },
	[XC_LOOKBACK] = { "回头看日期", 0, 12 },
	[XC_CREATED] = { "登记时间", 0, 26 },
	[XC_UPDATED] = { "更新时间", 0, 26 },
};

/* The Chinese a code stands for (API.md "Cases"), or the code itself. */
static const char *
code_label(const char *code)
{
	static const char *const labels[][2] = {
		{ "production", "生产领域" }, { "circulation", "流通领域" },
		{ "self_inspection", "企业自查" },
		{ "risk_investigation", "风险排查" },
		{ "spot_check", "监督抽查" }, { "risk_monitoring", "风险监测" },
		{ "complaint", "投诉举报" }, { "public_opinion", "舆情" },
		{ "injury_monitoring", "伤害监测" }, { "recall", "缺陷召回" },
		{ "lookback", "回头看" }, { "referral", "外地移送" },
		{ "high", "高" }, { "medium", "中" },
		{ "low", "低" },
	};
	size_t	 i;

	for (i = 0; i < NITEMS(labels); i++)
		if (strcmp(code, labels[i][0]) == 0)
			return labels[i][1];
	return code;
}

/*
 * The statement's columns the cells are read from, by name; their
 * numbers are looked up once per batch (export_cols).
 */
enum xsrc {
	XS_ID, XS_STATE, XS_REGION, XS_REGION_NAME, XS_ENTERPRISE_ID,
	XS_ENTERPRISE_NAME, XS_USCC, XS_CATEGORY, XS_CATEGORY_NAME,
	XS_DOMAIN, XS_SOURCE, XS_RISK_LEVEL, XS_PROBLEM, XS_CAMPAIGN_ID,
	XS_PENDING_EVENT, XS_NEXT_DUE, XS_OVERDUE, XS_LOOKBACK_ON,
	XS_CREATED_AT, XS_UPDATED_AT, XS__MAX
};

static const char *const xsrc_names[XS__MAX] = {
	[XS_ID] = "id", [XS_STATE] = "state", [XS_REGION] = "region",
	[XS_REGION_NAME] = "region_name",
	[XS_ENTERPRISE_ID] = "enterprise_id",
	[XS_ENTERPRISE_NAME] = "enterprise_name", [XS_USCC] = "uscc",
	[XS_CATEGORY] = "category", [XS_CATEGORY_NAME] = "category_name",
	[XS_DOMAIN] = "domain", [XS_SOURCE] = "source",
	[XS_RISK_LEVEL] = "risk_level", [XS_PROBLEM] = "problem",
	[XS_CAMPAIGN_ID] = "campaign_id",
	[XS_PENDING_EVENT] = "pending_event", [XS_NEXT_DUE] = "next_due",
	[XS_OVERDUE] = "overdue", [XS_LOOKBACK_ON] = "lookback_on",
	[XS_CREATED_AT] = "created_at", [XS_UPDATED_AT] = "updated_at",
};

/* A batch and its columns' numbers. */
struct xrow {
	const PGresult	*res;
	int		 col[XS__MAX];
};

/* Look up the columns of `res` (a batch of the export statement). */
static void
export_cols(struct xrow *x, const PGresult *res)
{
	int	 k;

	x->res = res;
	for (k = 0; k < XS__MAX; k++)
		x->col[k] = db_col(res, xsrc_names[k]);
}

/* Row `i`'s value of column `k` ("" for SQL NULL, as db_get). */
static const char *
xval(const struct xrow *x, int i, enum xsrc k)
{
	return PQgetvalue(x->res, i, x->col[k]);
}

/* Row `i`'s value of column `k` (NULL: SQL NULL). */
static const char *
xget(const struct xrow *x, int i, enum xsrc k)
{
	return PQgetisnull(x->res, i, x->col[k]) ? NULL :
	    PQgetvalue(x->res, i, x->col[k]);
}

/*
 * Cell `c` of row `i` of an export batch, as text (NULL: empty): codes
 * a person reads are given in Chinese beside or instead of the code.
 */
static const char *
export_cell(const struct xrow *x, int i, enum xcol c)
{
	enum wf_state	 st;
	enum wf_event	 ev;
	const char	*v;

	switch (c) {
	case XC_ID:
		return xval(x, i, XS_ID);
	case XC_STATE:
		return xval(x, i, XS_STATE);
	case XC_STATE_LABEL:
		st = wf_state_parse(xval(x, i, XS_STATE));
		return st != WF_STATE__MAX ? wf_states[st].label : NULL;
	case XC_REGION:
		return xval(x, i, XS_REGION);
	case XC_REGION_NAME:
		return xval(x, i, XS_REGION_NAME);
	case XC_ENTERPRISE_ID:
		return xval(x, i, XS_ENTERPRISE_ID);
	case XC_ENTERPRISE:
		return xval(x, i, XS_ENTERPRISE_NAME);
	case XC_USCC:
		return xval(x, i, XS_USCC);
	case XC_CATEGORY:
		return xval(x, i, XS_CATEGORY);
	case XC_CATEGORY_NAME:
		return xval(x, i, XS_CATEGORY_NAME);
	case XC_DOMAIN:
		return code_label(xval(x, i, XS_DOMAIN));
	case XC_SOURCE:
		return code_label(xval(x, i, XS_SOURCE));
	case XC_RISK:
		return (v = xget(x, i, XS_RISK_LEVEL)) == NULL ? NULL :
		    code_label(v);
	case XC_PROBLEM:
		return xval(x, i, XS_PROBLEM);
	case XC_CAMPAIGN:
		return xval(x, i, XS_CAMPAIGN_ID);
	case XC_PENDING:
		if ((v = xget(x, i, XS_PENDING_EVENT)) == NULL)
			return NULL;
		ev = wf_event_parse(v);
		return ev != WF_EV__MAX ? wf_events[ev].label : v;
	case XC_NEXT_DUE:
		return xget(x, i, XS_NEXT_DUE);
	case XC_OVERDUE:
		return strcmp(xval(x, i, XS_OVERDUE), "t") == 0 ? "是" : "否";
	case XC_LOOKBACK:
		return xget(x, i, XS_LOOKBACK_ON);
	case XC_CREATED:
		return xval(x, i, XS_CREATED_AT);
	case XC_UPDATED:
		return xval(x, i, XS_UPDATED_AT);
	case XC__MAX:
		break;
	}
	return NULL;
}

/*
 * Where the export stands: the filters' parameters, and its cursor in
 * the request's snapshot (EP_EXPORT), declared on the first call of
 * export_next.  One FETCH is always in flight while the caller writes
 * the batch before it: the server reads the next rows meanwhile.
 */
struct export_q {
	struct stmt	*stmt;
	const char	*p[15];
	char		 cur[24], lim[24];
	int		 open;		/* the cursor is declared */
	int		 asked;		/* a FETCH is in flight */
};

static void
export_init(struct export_q *q, const struct list_in *in,
    const char *const *filters)
{
	memset(q, 0, sizeof(*q));
	q->stmt = &exports[in->assignee != NULL][in->supervised != 0];
	memcpy(q->p, filters, 13 * sizeof(q->p[0]));
	if (in->cursor != 0) {
		snprintf(q->cur, sizeof(q->cur), "%lld", in->cursor);
		q->p[13] = q->cur;
	}
	if (in->limit > 0) {
		snprintf(q->lim, sizeof(q->lim), "%lld", in->limit);
		q->p[14] = q->lim;
	}
}

/*
 * The next batch (the caller clears it), or NULL: the end (r->fault
 * FAULT_NONE) or a failure (recorded in r).
 */
static PGresult *
export_next(struct req *r, struct export_q *q)
{
	PGresult	*res;

	r->fault = FAULT_NONE;
	if (!q->open) {
		if (db_exec_ok(r, q->stmt, q->p) == -1)
			return NULL;
		q->open = 1;
		if (db_ask(r, &export_fetch, NULL) == -1)
			return NULL;
		q->asked = 1;
	}
	if (!q->asked)
		return NULL;
	q->asked = 0;
	if ((res = db_answer(r)) == NULL)
		return NULL;
	/* A whole batch: there may be more -- ask for it now. */
	if (PQntuples(res) == EXPORT_BATCH) {
		if (db_ask(r, &export_fetch, NULL) == -1) {
			PQclear(res);
			return NULL;
		}
		q->asked = 1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/* ---- CSV ---------------------------------------------------------- */

/* The streamed reply, EXPORT_BUF bytes at a time. */
struct xbuf {
	struct req	*r;
	char		*buf;
	size_t		 len;
	int		 failed;
};

/*
 * Send what is buffered, and take in what has arrived of the next
 * batch meanwhile (db_poll): the server is not kept waiting on a full
 * socket while this batch is written.
 */
static void
xbuf_flush(struct xbuf *b)
{
	if (!b->failed && b->len > 0 &&
	    reply_stream_write(b->r, b->buf, b->len) == -1)
		b->failed = 1;
	b->len = 0;
	db_poll(b->r);
}

static void
xbuf_put(void *ctx, const char *s, size_t n)
{
	struct xbuf	*b = ctx;
	size_t		 k;

	while (n > 0 && !b->failed) {
		if (b->len == EXPORT_BUF)
			xbuf_flush(b);
		k = EXPORT_BUF - b->len < n ? EXPORT_BUF - b->len : n;
		memcpy(b->buf + b->len, s, k);
		b->len += k;
		s += k;
		n -= k;
	}
}

/*
 * The export as CSV: a UTF-8 BOM, the headings, then every row, batch
 * by batch, each sent as it is written -- memory stays one batch and one
 * buffer however many rows.  A failure after the first byte drops the
 * connection (reply_stream_abort): no partial file passes for a whole.
 */
static void
export_csv(struct req *r, struct export_q *q)
{
	struct xbuf	 b = { r, NULL, 0, 0 };
	struct xrow	 x;
	PGresult	*res;
	int		 i, n, c;

	if ((b.buf = malloc(EXPORT_BUF)) == NULL) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	/* The first batch before the head: a failure is still a problem. */
	res = export_next(r, q);
	if (res == NULL && r->fault != FAULT_NONE) {
		reply_db_error(r);
		goto out;
	}
	snprintf(r->disposition, sizeof(r->disposition),
	    "attachment; filename=\"paicha-cases.csv\"");
	reply_stream_start(r, 200, "text/csv; charset=utf-8");
	xbuf_put(&b, "\xef\xbb\xbf", 3);
	for (c = 0; c < XC__MAX; c++) {
		if (c > 0)
			xbuf_put(&b, ",", 1);
		csv_cell(xcols[c].heading, 1, xbuf_put, &b);
	}
	xbuf_put(&b, "\r\n", 2);
	while (res != NULL && !b.failed) {
		n = PQntuples(res);
		export_cols(&x, res);
		for (i = 0; i < n; i++) {
			for (c = 0; c < XC__MAX; c++) {
				if (c > 0)
					xbuf_put(&b, ",", 1);
				csv_cell(export_cell(&x, i, (enum xcol)c),
				    !xcols[c].number, xbuf_put, &b);
			}
			xbuf_put(&b, "\r\n", 2);
		}
		PQclear(res);
		res = export_next(r, q);
		if (res == NULL && r->fault != FAULT_NONE) {
			reply_stream_abort(r);
			goto out;
		}
	}
	PQclear(res);
	xbuf_flush(&b);
out:
	free(b.buf);
}

/* ---- XLSX --------------------------------------------------------- */

/* Start worksheet `k` (1, 2, ...) of the export: its headings. */
static lxw_worksheet *
xlsx_sheet(lxw_workbook *wb, int k, lxw_format *head)
{
	lxw_worksheet	*ws;
	char		 name[32];
	int		 c;

	if (k == 1)
		snprintf(name, sizeof(name), "案件列表");
	else
		snprintf(name, sizeof(name), "案件列表%d", k);
	if ((ws = workbook_add_worksheet(wb, name)) == NULL)
		return NULL;
	for (c = 0; c < XC__MAX; c++) {
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
		    xcols[c].width, NULL);
		worksheet_write_string(ws, 0, (lxw_col_t)c, xcols[c].heading,
		    head);
	}
	worksheet_freeze_panes(ws, 1, 0);
	return ws;
}

/*
 * Write every row into the workbook at `path` in libxlsxwriter's
 * constant-memory mode (each row goes to a temporary file in `tmpdir`
 * as it is written; strings inline): memory stays one batch.  A sheet
 * holds XLSX_ROWS - 1 rows; more go on to the next sheet.  Returns 0,
 * or -1 with the failure recorded in `r`.
 */
static int
xlsx_export_write(struct req *r, struct export_q *q, const char *path,
    const char *tmpdir)
{
	lxw_workbook_options	 opt = { .constant_memory = LXW_TRUE,
				    .tmpdir = (char *)tmpdir };
	lxw_workbook		*wb;
	lxw_worksheet		*ws;
	lxw_format		*head;
	PGresult		*res = NULL;
	struct xrow		 x;
	const char		*v;
	lxw_row_t		 row = 0;
	lxw_error		 e;
	int			 i, n, c, sheet = 1, rc = -1;

	if ((wb = workbook_new_opt(path, &opt)) == NULL) {
		req_fail(r, "could not start the xlsx");
		return -1;
	}
	head = workbook_add_format(wb);
	format_set_bold(head);
	if ((ws = xlsx_sheet(wb, sheet, head)) == NULL)
		goto fail;
	while ((res = export_next(r, q)) != NULL) {
		n = PQntuples(res);
		export_cols(&x, res);
		for (i = 0; i < n; i++) {
			if (++row == XLSX_ROWS) {
				if ((ws = xlsx_sheet(wb, ++sheet, head)) == NULL)
					goto fail;
				row = 1;
			}
			for (c = 0; c < XC__MAX; c++) {
				if ((v = export_cell(&x, i, (enum xcol)c)) ==
				    NULL)
					continue;
				e = xcols[c].number ? worksheet_write_number(ws,
				    row, (lxw_col_t)c, strtod(v, NULL), NULL) :
				    worksheet_write_string(ws, row,
				    (lxw_col_t)c, v, NULL);
				if (e != LXW_NO_ERROR) {
					req_fail(r, "could not write the xlsx:"
					    " %s", lxw_strerror(e));
					goto fail;
				}
			}
		}
		PQclear(res);
	}
	if (r->fault != FAULT_NONE)
		goto fail;
	if ((e = workbook_close(wb)) != LXW_NO_ERROR) {
		req_fail(r, "could not write the xlsx: %s", lxw_strerror(e));
		return -1;
	}
	return 0;
fail:
	PQclear(res);
	workbook_close(wb);	/* frees it; the file is discarded */
	return rc;
}

/* Send the file at `path` as the streamed reply (it is complete). */
static void
send_file(struct req *r, const char *path, const char *ctype)
{
	char	*buf;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (buf = malloc(EXPORT_BUF)) == NULL) {
		log_error("request %s: %s: %s", r->id, path, strerror(errno));
		if (fd != -1)
			close(fd);
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	reply_stream_start(r, 200, ctype);
	while ((n = read(fd, buf, EXPORT_BUF)) > 0)
		if (reply_stream_write(r, buf, (size_t)n) == -1)
			break;
	if (n < 0)
		reply_stream_abort(r);
	free(buf);
	close(fd);
}

/*
 * The export as XLSX.  A workbook is a zip whose directory comes last,
 * so it is written whole to a private directory first (mkdtemp, 0700;
 * libxlsxwriter 1.1.4 writes only to files), then sent in pieces and
 * removed: memory stays bounded, the disk holds the file for a while.
 */
static void
export_xlsx(struct req *r, struct export_q *q)
{
	const char	*base = getenv("TMPDIR");
	char		 dir[256], path[300];

	if (base == NULL || base[0] != '/' || strlen(base) > 200)
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/paicha-xlsx-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		log_error("request %s: mkdtemp %s: %s", r->id, dir,
		    strerror(errno));
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	snprintf(path, sizeof(path), "%s/cases.xlsx", dir);
	if (xlsx_export_write(r, q, path, dir) == -1)
		reply_db_error(r);
	else {
		snprintf(r->disposition, sizeof(r->disposition),
		    "attachment; filename=\"paicha-cases.xlsx\"");
		send_file(r, path, "application/vnd.openxmlformats-"
		    "officedocument.spreadsheetml.sheet");
	}
	unlink(path);
	if (rmdir(dir) == -1)
		log_warn("request %s: rmdir %s: %s", r->id, dir,
		    strerror(errno));
}

/*
 * GET /api/v1/cases?...&format=csv|xlsx: every case the list's filters
 * select, newest first, after `cursor` when given and at most `limit`
 * rows when given; in the route's read-only snapshot (EP_EXPORT), so
 * that its batches read one state however long the export takes.
 */
static void
case_export(struct req *r, const struct list_in *in, const char *const *p)
{
	struct export_q	 q;

	export_init(&q, in, p);
	if (strcmp(in->format, "xlsx") == 0)
		export_xlsx(r, &q);
	else
		export_csv(r, &q);
}

/* Whether `q` is the list's only filter (its paging aside). */
static int
q_alone(const struct list_in *in)
{
	return in->q != NULL && in->state == NULL && in->category == NULL &&
	    in->region == NULL && in->campaign == 0 && !in->overdue &&
	    !in->lookback_due && !in->pending && in->problem_type == NULL &&
	    in->enterprise == 0 && in->assignee == NULL && !in->supervised;
}

void
case_list(struct req *r)
{
#define LIST_SQL(mine, sup) \
	    "SELECT c.id, c.state, c.version, c.category, c.region," \
	    " c.campaign_id, c.domain, c.source," \
	    " c.risk_level, left(c.problem, 200) AS problem, c.enterprise_id," \
	    " e.name AS enterprise_name, c.pending_event," \
	    " rfc3339(c.next_due) AS next_due, (c.next_due < now()) AS overdue," \
	    " c.lookback_on::text AS lookback_on," \
	    " rfc3339(c.created_at) AS created_at," \
	    " rfc3339(c.updated_at) AS updated_at," \
	    " (SELECT name FROM regions rg WHERE rg.code = c.region)" \
	    "   AS region_name," \
	    " array_to_string(ARRAY(SELECT a.user_id FROM case_assignees a" \
	    "   WHERE a.case_id = c.id ORDER BY 1), ',') AS assignees," \
	    " EXISTS (SELECT 1 FROM supervisions s WHERE s.case_id = c.id" \
	    "   AND s.state = 'open' AND s.target = 'case') AS supervised," \
	    " array_to_json(c.problem_types)::text AS problem_types" \
	    CASE_FILTER("$16::bigint, $17::integer") mine sup \
	    " AND ($14::bigint IS NULL OR c.id < $14)" \
	    " ORDER BY c.id DESC LIMIT $15"
	static struct stmt lists[2][2] = {
		{ STMT_CUSTOM(LIST_SQL(CASE_MINE_OFF, CASE_SUPERVISED_OFF),
		    17),
		  STMT_CUSTOM(LIST_SQL(CASE_MINE_OFF, CASE_SUPERVISED_ON),
		    17) },
		{ STMT_CUSTOM(LIST_SQL(CASE_MINE_ON, CASE_SUPERVISED_OFF),
		    17),
		  STMT_CUSTOM(LIST_SQL(CASE_MINE_ON, CASE_SUPERVISED_ON),
		    17) },
	};
#undef LIST_SQL
	struct list_in	 in;
	char		 camp[24], cur[24], lim[24], pat[2 * 100 + 3], who[24];
	char		 ent[24];
	const char	*p[17], *a;
	char		*end;
	unsigned	 present;
	PGresult	*res;
	json_t		*items, *o, *ids;
	int		 i, n;

	if (r->user.roles & R(ENTERPRISE)) {	/* its own: portal.c */
		case_portal_list(r);
		return;
	}
	memset(&in, 0, sizeof(in));
	in.limit = LIST_DEFAULT;
	if (validate_query(r, list_fields, NITEMS(list_fields), &in,
	    &present) == -1)
		return;
	if (!(present & (1u << (NITEMS(list_fields) - 1))))
		in.limit = 0;	/* an export: every row unless limited */
	if (in.limit == 0 && (in.format == NULL ||
	    strcmp(in.format, "json") == 0))
		in.limit = LIST_DEFAULT;
	filter_params(r, &in, p, camp, pat, ent, who);
	if (in.format != NULL && strcmp(in.format, "json") != 0) {
		case_export(r, &in, p);
		return;
	}
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	p[13] = in.cursor != 0 ? cur : NULL;
	p[14] = lim;
	/* q alone: the search stops at the page (CASE_FILTER). */
	p[15] = q_alone(&in) ? p[13] : NULL;
	p[16] = q_alone(&in) ? p[14] : NULL;
	if ((res = db_exec(r, &lists[in.assignee != NULL][in.supervised != 0],
	    p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++) {
		enum wf_state st = wf_state_parse(db_get(res, i, "state"));

		o = json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:s,"
		    " s:s, s:o, s:s, s:I, s:s, s:o, s:o, s:b, s:o, s:s, s:s}",
		    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
		    "state", db_get(res, i, "state"),
		    "state_label", st != WF_STATE__MAX ?
		    wf_states[st].label : "",
		    "version", atoi(db_get(res, i, "version")),
		    "category", db_get(res, i, "category"),
		    "region", db_get(res, i, "region"),
		    "region_name", db_get(res, i, "region_name"),
		    "campaign_id", atoi(db_get(res, i, "campaign_id")),
		    "domain", db_get(res, i, "domain"),
		    "source", db_get(res, i, "source"),
		    "risk_level", db_json_text(res, i, "risk_level"),
		    "problem", db_get(res, i, "problem"),
		    "enterprise_id", (json_int_t)strtoll(db_get(res, i,
		    "enterprise_id"), NULL, 10),
		    "enterprise_name", db_get(res, i, "enterprise_name"),
		    "pending", db_json_text(res, i, "pending_event"),
		    "next_due", db_json_text(res, i, "next_due"),
		    "overdue", strcmp(db_get(res, i, "overdue"), "t") == 0,
		    "lookback_on", db_json_text(res, i, "lookback_on"),
		    "created_at", db_get(res, i, "created_at"),
		    "updated_at", db_get(res, i, "updated_at"));
		if (o == NULL)
			continue;
		json_object_set_new(o, "problem_types", opt_json(res, i,
		    "problem_types"));
		json_object_set_new(o, "supervised", json_boolean(strcmp(
		    db_get(res, i, "supervised"), "t") == 0));
		ids = json_array();
		for (a = db_get(res, i, "assignees"); *a != '\0'; a = end) {
			json_array_append_new(ids, json_integer(
			    (json_int_t)strtoll(a, &end, 10)));
			if (end == a)
				break;
			if (*end == ',')
				end++;
		}
		json_object_set_new(o, "assignees", ids);
		json_array_append_new(items, o);
	}
	reply_page(r, items, res, in.limit);
	PQclear(res);
}

/*
 * GET /api/v1/cases/counts: how many cases each state holds under the
 * list's filters (cursor and limit have no meaning here and are refused).
 */
void
case_counts(struct req *r)
{
#define COUNT_SQL(mine, sup) \
	    "SELECT c.state, count(*) AS n" \
	    CASE_FILTER("NULL::bigint, NULL::integer") mine sup \
	    " GROUP BY c.state"
	static struct stmt counts[2][2] = {
		{ STMT_CUSTOM(COUNT_SQL(CASE_MINE_OFF, CASE_SUPERVISED_OFF), 13),
		  STMT_CUSTOM(COUNT_SQL(CASE_MINE_OFF, CASE_SUPERVISED_ON), 13) },
		{ STMT_CUSTOM(COUNT_SQL(CASE_MINE_ON, CASE_SUPERVISED_OFF), 13),
		  STMT_CUSTOM(COUNT_SQL(CASE_MINE_ON, CASE_SUPERVISED_ON), 13) },
	};
#undef COUNT_SQL
	struct list_in	 in;
	char		 camp[24], pat[2 * 100 + 3], who[24], ent[24];
	const char	*p[13];
	PGresult	*res;
	json_t		*items;
	long long	 n[WF_STATE__MAX], total = 0;
	int		 i;
	enum wf_state	 st;

	memset(&in, 0, sizeof(in));
	memset(n, 0, sizeof(n));
	/* The list's filters: no format, no paging (cursor, limit). */
	if (validate_query(r, list_fields, LIST_FILTERS, &in, NULL) == -1)
		return;
	filter_params(r, &in, p, camp, pat, ent, who);
	if ((res = db_exec(r, &counts[in.assignee != NULL][in.supervised != 0],
	    p)) == NULL) {
		reply_db_error(r);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		if ((st = wf_state_parse(db_get(res, i, "state"))) !=
		    WF_STATE__MAX) {
			n[st] = strtoll(db_get(res, i, "n"), NULL, 10);
			total += n[st];
		}
	PQclear(res);
	items = json_array();
	for (i = 0; i < WF_STATE__MAX; i++)
		json_array_append_new(items, json_pack("{s:s, s:s, s:I}",
		    "state", wf_states[i].id, "label", wf_states[i].label,
		    "count", (json_int_t)n[i]));
	reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total",
	    (json_int_t)total));
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/cases/{id}/actions                                     */
/* ------------------------------------------------------------------ */

/* The events' JSON is event_json() in workflow_api.c, shared with
 * GET /api/v1/workflow. */
void
case_actions(struct req *r)
{
	struct case_row	 c;
	unsigned	 mask;
	json_t		*items;
	int		 i, found;

	if ((found = case_load(r, r->ids[0], &c)) == -1) {
		reply_db_error(r);
		return;
	}
	if (found == 0) {
		reply_problem(r, 404, NULL, "no such case", NULL);
		return;
	}
	mask = wf_actions(c.state, c.pending, r->user.roles);
	items = json_array();
	/* Not the service's own events (refer: POST /referrals). */
	for (i = 0; i < WF_EV__MAX; i++)
		if ((mask & WF_EVENT_BIT(i)) && !wf_events[i].system)
			json_array_append_new(items, event_json((enum wf_event)i));
	snprintf(r->etag, sizeof(r->etag), "%d", c.version);
	reply_json(r, 200, json_pack("{s:o, s:b, s:i}", "items", items,
	    "can_decide", c.pending && wf_decide_approval(r->user.roles,
	    r->user.id, c.pending_by, c.pending) == WF_APPROVAL_OK,
	    "version", c.version));
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/cases/{id}/assignable                                  */
/* ------------------------------------------------------------------ */

/*
 * The officers who may answer for the case (its assignees' candidates,
 * for the `assign` form): not disabled, holding `officer`, in a region
 * covering the case -- above the user's own region too, by name only.
 */
void
case_assignable(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT o.id, o.username, o.display_name, o.region,"
	    " rg.name AS region_name FROM cases c"
	    " CROSS JOIN LATERAL officers_covering(c.region) o"
	    " JOIN regions rg ON rg.code = o.region WHERE c.id = $1", 1);
	char		 cid[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*items;
	int		 i;

	if (case_visible(r, r->ids[0]) != 1)
		return;
	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s,"
		    " s:s}", "id", (json_int_t)strtoll(db_get(res, i, "id"),
		    NULL, 10), "username", db_get(res, i, "username"),
		    "display_name", db_get(res, i, "display_name"),
		    "region", db_get(res, i, "region"),
		    "region_name", db_get(res, i, "region_name")));
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o}", "items", items));
}
