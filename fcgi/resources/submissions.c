/*
 * submissions.c: a region's stage or annual submission of a campaign
 * (API.md Part 2, "The reporting cycle"; docs/SUBMISSIONS.md):
 *
 *	POST /api/v1/campaigns/{id}/submissions	a coordinator, own region
 *	GET  /api/v1/campaigns/{id}/submissions	own region and children
 *	GET  /api/v1/submissions/{id}?format=	exactly what was submitted
 *	POST /api/v1/submissions/{id}/return	the parent's coordinator
 *	GET  /api/v1/campaigns/{id}/late-entries	补报 after the annual one
 *	GET  /api/v1/campaigns/{id}/rollup	children's forms added up
 *
 * A submission freezes the form at its moment (reports.c computes it,
 * as of the day asked, records entered up to now), keeps its canonical
 * JSON and its workbook, and signs a statement naming both by SHA-256
 * with the checkpoint key (Ed25519).  Nothing of it changes after but
 * its return (sql/0080_reporting_cycle.sql); the next submission is a
 * new version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"
#include "xlsx.h"
#include "form.h"

#define SUMMARY_MAX	20000	/* bytes of a narrative summary */
#define REASON_MAX	4000	/* bytes of a return's reason */
#define STATEMENT_TAG	"paicha-submission/v1\n"
#define LATE_MAX	1000	/* late entries listed, at most */

static const char *const kinds[] = { "stage", "annual", NULL };
static const char *const formats[] = { "json", "xlsx", NULL };

/* SHA-256 of `n` bytes as lower-case hex into `out` (65 bytes). */
static void
sha256_hex(const void *b, size_t n, char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	unsigned char	 d[SHA256_DIGEST_LENGTH];

	SHA256(b, n, d);
	hex_encode(d, sizeof(d), out);
}

/* A submission's row as the API shows it. */
#define SUBMISSION_COLS \
	"s.id, s.campaign_id, s.region, rg.name AS region_name, s.kind," \
	" s.version, s.state, s.as_of::text AS as_of," \
	" to_char(s.submitted_at AT TIME ZONE 'UTC'," \
	"  'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS submitted_at," \
	" s.submitted_by, (SELECT display_name FROM user_public(" \
	"  s.submitted_by)) AS submitted_by_name, s.late, s.summary, s.form," \
	" s.statement, translate(encode(s.signature, 'base64'), E'\\n', '')" \
	"  AS signature, rfc3339(s.returned_at) AS returned_at," \
	" s.returned_by, s.return_reason"

static json_t *
submission_json(const PGresult *res, int i)
{
	json_t	*form = json_loads(db_get(res, i, "form"),
		    JSON_REJECT_DUPLICATES, NULL);

	if (form == NULL)
		return NULL;
	return json_pack("{s:I, s:i, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:I,"
	    " s:s, s:b, s:s, s:o, s:s, s:s, s:s, s:s?, s:o, s:o, s:o}",
	    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
	    "campaign_id", atoi(db_get(res, i, "campaign_id")),
	    "region", db_get(res, i, "region"),
	    "region_name", db_get(res, i, "region_name"),
	    "kind", db_get(res, i, "kind"),
	    "version", atoi(db_get(res, i, "version")),
	    "state", db_get(res, i, "state"),
	    "as_of", db_get(res, i, "as_of"),
	    "submitted_at", db_get(res, i, "submitted_at"),
	    "submitted_by", (json_int_t)strtoll(db_get(res, i,
	    "submitted_by"), NULL, 10),
	    "submitted_by_name", db_get(res, i, "submitted_by_name"),
	    "late", strcmp(db_get(res, i, "late"), "t") == 0,
	    "summary", db_get(res, i, "summary"),
	    "form", form,
	    "signed", db_get(res, i, "statement"),
	    "signature", db_get(res, i, "signature"),
	    "signature_alg", "Ed25519",
	    "public_key", checkpoint_public_key(),
	    "returned_at", db_json_text(res, i, "returned_at"),
	    "returned_by", db_isnull(res, i, "returned_by") ? json_null() :
	    json_integer(strtoll(db_get(res, i, "returned_by"), NULL, 10)),
	    "return_reason", db_json_text(res, i, "return_reason"));
}

/* Submission `id` as the user may see it (new), or NULL (none or failed). */
static json_t *
submission_load(struct req *r, long long id)
{
	static struct stmt get = STMT(
	    "SELECT " SUBMISSION_COLS " FROM submissions s"
	    " JOIN regions rg ON rg.code = s.region WHERE s.id = $1", 1);
	char		 sid[24];
	const char	*p[1] = { sid };
	PGresult	*res;
	json_t		*o = NULL;

	snprintf(sid, sizeof(sid), "%lld", id);
	if ((res = db_exec(r, &get, p)) == NULL)
		return NULL;
	if (PQntuples(res) == 1 && (o = submission_json(res, 0)) == NULL)
		req_fail(r, "could not read a stored submission");
	PQclear(res);
	return o;
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/campaigns/{id}/submissions                            */
/* ------------------------------------------------------------------ */

struct submit_in {
	const char	*kind;
	const char	*summary;
	int		 as_of;
	const char	*region;
};

static const struct vfield submit_fields[] = {
	{ "kind", VT_ENUM, 1, 0, 0, kinds, NULL,
	    offsetof(struct submit_in, kind) },
	{ "summary", VT_TEXT, 1, 1, SUMMARY_MAX, NULL, NULL,
	    offsetof(struct submit_in, summary) },
	{ "as_of", VT_DATE, 0, 0, 0, NULL, NULL,
	    offsetof(struct submit_in, as_of) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct submit_in, region) },
};

/*
 * The statement signed (docs/SUBMISSIONS.md): the tag, then the
 * canonical JSON (keys sorted, compact, UTF-8) of what identifies the
 * submission and the SHA-256 of its form's canonical JSON and of its
 * workbook.  Returns it (malloc'd) or NULL.
 */
static char *
statement_make(json_t *facts)
{
	char	*j, *s = NULL;

	if ((j = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return NULL;
	if (asprintf(&s, "%s%s", STATEMENT_TAG, j) == -1)
		s = NULL;
	free(j);
	return s;
}

void
submission_create(struct req *r)
{
	static struct stmt camp = STMT(
	    "SELECT today_cst()::text AS today,"
	    " to_char(now() AT TIME ZONE 'UTC',"
	    "  'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at,"
	    " to_char(now() AT TIME ZONE 'Asia/Shanghai',"
	    "  'YYYY-MM-DD HH24:MI:SS') AS at_cst,"
	    " today_cst() > CASE $2 WHEN 'stage' THEN c.interim_report_due"
	    "  ELSE c.annual_report_due END AS late"
	    " FROM campaigns c WHERE c.id = $1", 2);
	static struct stmt covers = STMT(
	    "SELECT region_covers($1::char(6), $2::char(6)) AS covers", 2);
	static struct stmt lock = STMT(
	    "SELECT pg_advisory_xact_lock(hashtext('paicha.submission:'"
	    " || $1 || ':' || $2 || ':' || $3))", 3);
	static struct stmt standing = STMT(
	    "SELECT coalesce(max(version), 0) + 1 AS next,"
	    " coalesce(bool_or(state = 'submitted'), false) AS standing"
	    " FROM submissions WHERE campaign_id = $1 AND region = $2"
	    " AND kind = $3", 3);
	static struct stmt insert = STMT(
	    "INSERT INTO submissions (campaign_id, region, kind, version,"
	    " as_of, submitted_at, submitted_by, late, summary, form, xlsx,"
	    " statement, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
	    " $9, $10, $11, $12, $13) RETURNING id", 13);
	struct submit_in in = { NULL, NULL, 0, NULL };
	struct form	 f;
	unsigned char	 sig[64];
	char		 cid[24], day[WF_DATE_LEN + 1], cutoff[64], uid[24];
	char		 at[40], at_cst[40], ver[12], fsha[65], xsha[65];
	char		 sigb64[96];
	char		*fj = NULL, *xbuf = NULL, *xhex = NULL;
	char		*stmt_text = NULL;
	char		 sighex[2 * 64 + 3];
	const char	*p[13], *region;
	unsigned	 present = 0;
	size_t		 xlen = 0;
	PGresult	*res = NULL;
	json_t		*fv = NULL, *facts = NULL, *o;
	int		 loaded = 0, late, version, rc;
	long long	 id;

	if (validate_json(r, r->json, submit_fields, NITEMS(submit_fields),
	    &in, &present) == -1)
		return;
	region = in.region != NULL ? in.region : r->user.region;
	if (strcmp(region, r->user.region) != 0) {
		p[0] = r->user.region;
		p[1] = region;
		if ((res = db_exec(r, &covers, p)) == NULL)
			goto dberr;
		rc = strcmp(db_get(res, 0, "covers"), "t") == 0;
		PQclear(res);
		res = NULL;
		if (rc)
			reply_problem(r, 403, NULL, "a coordinator submits for "
			    "its own region only", NULL);
		else
			reply_problem(r, 404, NULL, "no such region within "
			    "yours", NULL);
		return;
	}
	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	p[1] = in.kind;
	if ((res = db_exec(r, &camp, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such campaign", NULL);
		return;
	}
	snprintf(at, sizeof(at), "%s", db_get(res, 0, "at"));
	snprintf(at_cst, sizeof(at_cst), "%s", db_get(res, 0, "at_cst"));
	if (present & 4u)
		wf_date_format(in.as_of, day);
	else
		snprintf(day, sizeof(day), "%s", db_get(res, 0, "today"));
	late = strcmp(db_get(res, 0, "late"), "t") == 0;
	PQclear(res);
	res = NULL;
	if ((rc = form_cutoff(r, r->ids[0], day, "as_of", cutoff,
	    sizeof(cutoff))) != 0) {
		if (rc == -1)
			goto dberr;
		return;
	}

	/* One submission of a (campaign, region, kind) at a time. */
	p[0] = cid;
	p[1] = region;
	p[2] = in.kind;
	if (db_exec_ok(r, &lock, p) == -1 ||
	    (res = db_exec(r, &standing, p)) == NULL)
		goto dberr;
	version = atoi(db_get(res, 0, "next"));
	rc = strcmp(db_get(res, 0, "standing"), "t") == 0;
	PQclear(res);
	res = NULL;
	if (rc) {
		reply_problem(r, 409, "submitted", "this region's submission "
		    "stands; the parent region must return it first", NULL);
		return;
	}

	/* The form, frozen: its JSON and its workbook. */
	if ((rc = form_load(r, r->ids[0], region, cutoff, day, &f)) != 0) {
		if (rc == -1)
			goto dberr;
		return;
	}
	loaded = 1;
	/* The workbook's note: the moment in China Standard Time. */
	snprintf(f.note, sizeof(f.note), "报送时间：%s（北京时间）    %s第%d版    "
	    "数据截至：%s", at_cst, strcmp(in.kind, "stage") == 0 ?
	    "阶段性总结" : "全年总结", version, day);
	if ((fv = form_value(&f)) == NULL ||
	    (fj = json_dumps(fv, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		req_fail(r, "could not write the form's json");
		goto dberr;
	}
	if ((xbuf = form_xlsx_bytes(r, &f, &xlen)) == NULL) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		goto out;
	}
	sha256_hex(fj, strlen(fj), fsha);
	sha256_hex(xbuf, xlen, xsha);

	/* The statement, signed. */
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	facts = json_pack("{s:s, s:I, s:s, s:s, s:b, s:s, s:s, s:I, s:s,"
	    " s:i, s:s}", "as_of", day, "campaign_id", (json_int_t)r->ids[0],
	    "form_sha256", fsha, "kind", in.kind, "late", late,
	    "region", region, "submitted_at", at,
	    "submitted_by", (json_int_t)r->user.id, "summary", in.summary,
	    "version", version, "xlsx_sha256", xsha);
	if (facts == NULL || (stmt_text = statement_make(facts)) == NULL) {
		req_fail(r, "could not write the statement");
		goto dberr;
	}
	if (checkpoint_sign(stmt_text, strlen(stmt_text), sig) == -1) {
		log_error("request %s: no checkpoint key to sign a submission",
		    r->id);
		reply_problem(r, 503, NULL, "the signing key is not available",
		    NULL);
		goto out;
	}
	bytea_hex(sig, sizeof(sig), sighex);
	EVP_EncodeBlock((unsigned char *)sigb64, sig, sizeof(sig));
	if ((xhex = malloc(2 * xlen + 3)) == NULL) {
		req_fail(r, "out of memory");
		goto dberr;
	}
	bytea_hex((const unsigned char *)xbuf, xlen, xhex);
	snprintf(ver, sizeof(ver), "%d", version);
	p[0] = cid;
	p[1] = region;
	p[2] = in.kind;
	p[3] = ver;
	p[4] = day;
	p[5] = at;
	p[6] = uid;
	p[7] = late ? "t" : "f";
	p[8] = in.summary;
	p[9] = fj;
	p[10] = xhex;
	p[11] = stmt_text;
	p[12] = sighex;
	if ((res = db_exec(r, &insert, p)) == NULL)
		goto dberr;
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	PQclear(res);
	res = NULL;
	json_object_del(facts, "summary");
	json_object_set_new(facts, "signature", json_string(sigb64));
	if (change_record(r, LEDGER_SUBMISSION, id, region, "submit",
	    facts) == -1 || (o = submission_load(r, id)) == NULL)
		goto dberr;
	log_info("request %s: %s submitted %s %lld for %s, version %d%s",
	    r->id, r->user.username, in.kind, (long long)r->ids[0], region,
	    version, late ? ", late" : "");
	snprintf(r->location, sizeof(r->location), "/api/v1/submissions/%lld",
	    id);
	reply_json(r, 201, o);
	goto out;
dberr:
	reply_db_error(r);
out:
	PQclear(res);
	if (loaded)
		form_free(&f);
	json_decref(fv);
	json_decref(facts);
	free(fj);
	free(xbuf);
	free(xhex);
	free(stmt_text);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/submissions/{id}?format=json|xlsx                      */
/* ------------------------------------------------------------------ */

struct get_in {
	const char	*format;
};

static const struct vfield get_fields[] = {
	{ "format", VT_ENUM, 0, 0, 0, formats, NULL,
	    offsetof(struct get_in, format) },
};

void
submission_get(struct req *r)
{
	static struct stmt xlsx = STMT(
	    "SELECT s.xlsx, s.campaign_id::text, s.region::text,"
	    " s.kind, s.version::text FROM submissions s WHERE s.id = $1", 1);
	struct get_in	 in = { "json" };
	char		 sid[24], name[128];
	const char	*p[1] = { sid };
	PGresult	*res;

	if (validate_query(r, get_fields, NITEMS(get_fields), &in, NULL) == -1)
		return;
	if (strcmp(in.format, "json") == 0) {
		reply_resource(r, 200, submission_load(r, r->ids[0]),
		    "submission", NULL);
		return;
	}
	snprintf(sid, sizeof(sid), "%lld", (long long)r->ids[0]);
	if ((res = db_exec_binary(r, &xlsx, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such submission", NULL);
		return;
	}
	snprintf(name, sizeof(name), "paicha-submission-%.*s-%.6s-%s-v%.*s"
	    ".xlsx", PQgetlength(res, 0, 1), PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2), strncmp(PQgetvalue(res, 0, 3), "stage",
	    5) == 0 ? "stage" : "annual", PQgetlength(res, 0, 4),
	    PQgetvalue(res, 0, 4));
	xlsx_reply(r, name, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/submissions/{id}/return                               */
/* ------------------------------------------------------------------ */

struct return_in {
	const char	*reason;
};

static const struct vfield return_fields[] = {
	{ "reason", VT_TEXT, 1, 1, REASON_MAX, NULL, NULL,
	    offsetof(struct return_in, reason) },
};

void
submission_return(struct req *r)
{
	static struct stmt lock = STMT(
	    "SELECT s.region, s.state, rg.parent FROM submissions s"
	    " JOIN regions rg ON rg.code = s.region WHERE s.id = $1"
	    " FOR UPDATE OF s", 1);
	static struct stmt ret = STMT(
	    "UPDATE submissions SET state = 'returned', returned_at = now(),"
	    " returned_by = $2, return_reason = $3 WHERE id = $1"
	    " AND state = 'submitted'", 3);
	struct return_in in = { NULL };
	char		 sid[24], uid[24], region[7];
	const char	*p[3];
	PGresult	*res;
	json_t		*facts = NULL, *o;
	int		 parent, standing;

	if (validate_json(r, r->json, return_fields, NITEMS(return_fields),
	    &in, NULL) == -1)
		return;
	snprintf(sid, sizeof(sid), "%lld", (long long)r->ids[0]);
	p[0] = sid;
	if ((res = db_exec(r, &lock, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such submission", NULL);
		return;
	}
	snprintf(region, sizeof(region), "%s", db_get(res, 0, "region"));
	parent = !db_isnull(res, 0, "parent") &&
	    strcmp(db_get(res, 0, "parent"), r->user.region) == 0;
	standing = strcmp(db_get(res, 0, "state"), "submitted") == 0;
	PQclear(res);
	if (!parent) {
		reply_problem(r, 403, NULL, "only the parent region's "
		    "coordinator returns a submission", NULL);
		return;
	}
	if (!standing) {
		reply_problem(r, 409, "returned", "the submission was returned "
		    "already", NULL);
		return;
	}
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[1] = uid;
	p[2] = in.reason;
	if (db_exec_ok(r, &ret, p) == -1)
		goto dberr;
	facts = json_pack("{s:s}", "reason", in.reason);
	if (facts == NULL || change_record(r, LEDGER_SUBMISSION, r->ids[0],
	    region, "return", facts) == -1 ||
	    (o = submission_load(r, r->ids[0])) == NULL)
		goto dberr;
	json_decref(facts);
	reply_json(r, 200, o);
	return;
dberr:
	json_decref(facts);
	reply_db_error(r);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/campaigns/{id}/submissions?kind=                       */
/* ------------------------------------------------------------------ */

struct list_in {
	const char	*kind;
};

static const struct vfield list_fields[] = {
	{ "kind", VT_ENUM, 0, 0, 0, kinds, NULL,
	    offsetof(struct list_in, kind) },
};

void
submission_list(struct req *r)
{
	static struct stmt list = STMT(
	    "WITH c AS (SELECT * FROM campaigns WHERE id = $1),"
	    " rg AS (SELECT code, name, code = $2::char(6) AS own"
	    "  FROM regions WHERE (code = $2::char(6) OR parent = $2::char(6))"
	    "  AND (valid_to IS NULL OR valid_to > today_cst())),"
	    " k AS (SELECT unnest(CASE WHEN $3::text IS NULL"
	    "  THEN ARRAY['stage', 'annual'] ELSE ARRAY[$3::text] END) AS kind)"
	    " SELECT rg.code, rg.name, rg.own, k.kind,"
	    "  (CASE k.kind WHEN 'stage' THEN c.interim_report_due"
	    "   ELSE c.annual_report_due END)::text AS due,"
	    "  s.id, s.version, s.state, s.late, rfc3339(s.submitted_at)"
	    "   AS submitted_at, s.as_of::text AS as_of, s.return_reason,"
	    "  (SELECT json_agg(json_build_object('id', v.id, 'version',"
	    "   v.version, 'state', v.state, 'late', v.late, 'submitted_at',"
	    "   rfc3339(v.submitted_at), 'return_reason', v.return_reason)"
	    "   ORDER BY v.version) FROM submissions v WHERE v.campaign_id = $1"
	    "   AND v.region = rg.code AND v.kind = k.kind)::text AS versions"
	    " FROM c CROSS JOIN rg CROSS JOIN k"
	    " LEFT JOIN LATERAL (SELECT * FROM submissions s"
	    "  WHERE s.campaign_id = $1 AND s.region = rg.code"
	    "  AND s.kind = k.kind ORDER BY s.version DESC LIMIT 1) s ON true"
	    " ORDER BY NOT rg.own, rg.code, k.kind DESC", 3);
	static struct stmt exists = STMT(
	    "SELECT 1 FROM campaigns WHERE id = $1", 1);
	struct list_in	 in = { NULL };
	char		 cid[24];
	const char	*p[3], *state, *status;
	PGresult	*res;
	json_t		*items, *o, *v;
	int		 i, n, missing;

	if (validate_query(r, list_fields, NITEMS(list_fields), &in,
	    NULL) == -1)
		return;
	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	if ((res = db_exec(r, &exists, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	n = PQntuples(res);
	PQclear(res);
	if (n != 1) {
		reply_problem(r, 404, NULL, "no such campaign", NULL);
		return;
	}
	p[1] = r->user.region;
	p[2] = in.kind;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		missing = db_isnull(res, i, "id");
		state = missing ? "missing" : db_get(res, i, "state");
		status = missing ? "missing" : strcmp(state, "returned") == 0 ?
		    "returned" : strcmp(db_get(res, i, "late"), "t") == 0 ?
		    "late" : "submitted";
		v = db_isnull(res, i, "versions") ? json_array() :
		    json_loads(db_get(res, i, "versions"), 0, NULL);
		o = json_pack("{s:s, s:s, s:b, s:s, s:o, s:s, s:s, s:o, s:o,"
		    " s:b, s:o, s:o, s:o, s:o}",
		    "region", db_get(res, i, "code"),
		    "name", db_get(res, i, "name"),
		    "own", strcmp(db_get(res, i, "own"), "t") == 0,
		    "kind", db_get(res, i, "kind"),
		    "due", db_json_text(res, i, "due"),
		    "state", state, "status", status,
		    "id", missing ? json_null() : json_integer(strtoll(
		    db_get(res, i, "id"), NULL, 10)),
		    "version", missing ? json_null() : json_integer(atoi(
		    db_get(res, i, "version"))),
		    "late", !missing && strcmp(db_get(res, i, "late"),
		    "t") == 0,
		    "submitted_at", db_json_text(res, i, "submitted_at"),
		    "as_of", db_json_text(res, i, "as_of"),
		    "return_reason", db_json_text(res, i, "return_reason"),
		    "versions", v != NULL ? v : json_array());
		if (o != NULL)
			json_array_append_new(items, o);
	}
	PQclear(res);
	reply_json(r, 200, json_pack("{s:I, s:s, s:o}", "campaign_id",
	    (json_int_t)r->ids[0], "region", r->user.region, "items", items));
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/campaigns/{id}/late-entries?region=                    */
/* ------------------------------------------------------------------ */

struct late_in {
	const char	*region;
};

static const struct vfield late_fields[] = {
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct late_in, region) },
};

void
submission_late_entries(struct req *r)
{
	static struct stmt sub = STMT(
	    "SELECT (SELECT name FROM regions WHERE code = $2::char(6)"
	    "  AND region_covers($3::char(6), $2::char(6))) AS region_name,"
	    " EXISTS (SELECT 1 FROM campaigns WHERE id = $1) AS campaign,"
	    " s.id, s.version, rfc3339(s.submitted_at) AS submitted_at,"
	    " s.submitted_at AS t"
	    " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT * FROM submissions"
	    "  WHERE campaign_id = $1 AND region = $2::char(6)"
	    "  AND kind = 'annual' AND state = 'submitted') s ON true", 3);
	static struct stmt late = STMT(
	    "SELECT * FROM (SELECT 'activity' AS type, a.id, NULL::integer"
	    "  AS seq, a.kind AS what, a.on_date::text AS on_date,"
	    "  a.created_at AS t, rfc3339(a.created_at) AS entered_at,"
	    "  a.region, a.category, a.voided_at IS NOT NULL AS voided"
	    "  FROM activities a WHERE a.campaign_id = $1"
	    "  AND a.region >= region_lo($2::char(6))"
	    "  AND a.region < region_hi($2::char(6)) AND a.created_at > $3"
	    " UNION ALL SELECT 'case_event', e.case_id, e.seq, e.event,"
	    "  (e.at AT TIME ZONE 'Asia/Shanghai')::date::text, e.at,"
	    "  rfc3339(e.at), c.region, c.category, false"
	    "  FROM cases c JOIN case_events e ON e.case_id = c.id"
	    "  WHERE c.campaign_id = $1 AND c.region >= region_lo($2::char(6))"
	    "  AND c.region < region_hi($2::char(6)) AND e.at > $3) x"
	    " ORDER BY t, type, id, seq LIMIT $4", 4);
	struct late_in	 in = { NULL };
	char		 cid[24], lim[12], t[64];
	const char	*p[4], *region;
	PGresult	*res;
	json_t		*items, *o, *submission;
	int		 i, n;

	if (validate_query(r, late_fields, NITEMS(late_fields), &in,
	    NULL) == -1)
		return;
	region = in.region != NULL ? in.region : r->user.region;
	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	p[1] = region;
	p[2] = r->user.region;
	if ((res = db_exec(r, &sub, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (strcmp(db_get(res, 0, "campaign"), "t") != 0 ||
	    db_isnull(res, 0, "region_name")) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such campaign or region within "
		    "yours", NULL);
		return;
	}
	items = json_array();
	if (db_isnull(res, 0, "id")) {
		PQclear(res);
		reply_json(r, 200, json_pack("{s:I, s:s, s:n, s:o}",
		    "campaign_id", (json_int_t)r->ids[0], "region", region,
		    "submission", "items", items));
		return;
	}
	submission = json_pack("{s:I, s:i, s:s}", "id",
	    (json_int_t)strtoll(db_get(res, 0, "id"), NULL, 10),
	    "version", atoi(db_get(res, 0, "version")),
	    "submitted_at", db_get(res, 0, "submitted_at"));
	snprintf(t, sizeof(t), "%s", db_get(res, 0, "t"));
	PQclear(res);
	snprintf(lim, sizeof(lim), "%d", LATE_MAX);
	p[2] = t;
	p[3] = lim;
	if ((res = db_exec(r, &late, p)) == NULL) {
		json_decref(items);
		json_decref(submission);
		reply_db_error(r);
		return;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		int activity = strcmp(db_get(res, i, "type"), "activity") == 0;

		o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b}",
		    "type", db_get(res, i, "type"),
		    activity ? "id" : "case_id",
		    (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
		    activity ? "kind" : "event", db_get(res, i, "what"),
		    "on", db_get(res, i, "on_date"),
		    "entered_at", db_get(res, i, "entered_at"),
		    "region", db_get(res, i, "region"),
		    "category", db_get(res, i, "category"),
		    "voided", strcmp(db_get(res, i, "voided"), "t") == 0);
		if (o != NULL && !activity)
			json_object_set_new(o, "seq", json_integer(atoi(
			    db_get(res, i, "seq"))));
		if (o != NULL)
			json_array_append_new(items, o);
	}
	PQclear(res);
	reply_json(r, 200, json_pack("{s:I, s:s, s:o, s:o, s:b}",
	    "campaign_id", (json_int_t)r->ids[0], "region", region,
	    "submission", submission, "items", items,
	    "truncated", n == LATE_MAX));
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/campaigns/{id}/rollup?kind=&region=                    */
/* ------------------------------------------------------------------ */

/* Yuan "1234.50" as fen; -1 when it is not money. */
static long long
fen(const char *s)
{
	char		*end;
	long long	 y = strtoll(s, &end, 10);

	if (end == s || y < 0 || end[0] != '.' || end[1] < '0' ||
	    end[1] > '9' || end[2] < '0' || end[2] > '9' || end[3] != '\0')
		return -1;
	return y * 100 + (end[1] - '0') * 10 + (end[2] - '0');
}

/*
 * Add `row` (borrowed, a form's row) into `sum` (a row of the same
 * shape, modified): counts and money add up; 同比变化, a difference of
 * rates, does not, and stays "" in a roll-up.
 */
static void
row_add(json_t *sum, const json_t *row)
{
	size_t	 c;
	char	 buf[32];

	for (c = 1; c < json_array_size(sum) && c < json_array_size(row);
	    c++) {
		json_t		*a = json_array_get(sum, c);
		const json_t	*b = json_array_get(row, c);
		long long	 x, y;

		if (json_is_integer(a) && json_is_integer(b))
			json_array_set_new(sum, c, json_integer(
			    json_integer_value(a) + json_integer_value(b)));
		else if (json_is_string(a) && json_is_string(b) &&
		    (x = fen(json_string_value(a))) >= 0 &&
		    (y = fen(json_string_value(b))) >= 0) {
			snprintf(buf, sizeof(buf), "%lld.%02lld", (x + y) / 100,
			    (x + y) % 100);
			json_array_set_new(sum, c, json_string(buf));
		} else
			json_array_set_new(sum, c, json_string(""));
	}
}

/* A row of `cols` cells: the name, zeros as in the live row `like`. */
static json_t *
row_zero(const char *name, const json_t *like)
{
	json_t	*z = json_array();
	size_t	 c;

	json_array_append_new(z, json_string(name));
	for (c = 1; c < json_array_size(like); c++) {
		const json_t *v = json_array_get(like, c);

		json_array_append_new(z, json_is_integer(v) ? json_integer(0) :
		    json_string(fen(json_string_value(v)) >= 0 ? "0.00" : ""));
	}
	return z;
}

/* The row named `name` of `rows`, or NULL. */
static json_t *
row_named(json_t *rows, const char *name)
{
	size_t	 i;
	json_t	*row;

	json_array_foreach(rows, i, row)
		if (strcmp(json_string_value(json_array_get(row, 0)),
		    name) == 0)
			return row;
	return NULL;
}

struct rollup_in {
	const char	*kind;
	const char	*region;
};

static const struct vfield rollup_fields[] = {
	{ "kind", VT_ENUM, 0, 0, 0, kinds, NULL,
	    offsetof(struct rollup_in, kind) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct rollup_in, region) },
};

/*
 * The roll-up of `region`'s children's standing submissions of a kind
 * (annual unless asked), cell by cell, beside the live form of the same
 * scope and the cells where they differ.  Rows are the live form's; a
 * row only a child has comes before 合计.
 */
void
submission_rollup(struct req *r)
{
	static struct stmt kids = STMT(
	    "SELECT rg.code, rg.name, s.id, s.version, s.late, s.form"
	    " FROM regions rg LEFT JOIN submissions s ON s.region = rg.code"
	    "  AND s.campaign_id = $1 AND s.kind = $2 AND s.state = 'submitted'"
	    " WHERE rg.parent = $3::char(6)"
	    " AND (rg.valid_to IS NULL OR rg.valid_to > today_cst())"
	    " ORDER BY rg.code", 3);
	struct rollup_in in = { "annual", NULL };
	struct form	 f;
	char		 cid[24];
	const char	*p[3], *region, *name;
	PGresult	*res = NULL;
	json_t		*live = NULL, *lrows, *rows = NULL, *children = NULL;
	json_t		*diff = NULL, *form, *row, *sum, *cols;
	size_t		 i, j, c;
	int		 k, n, rc, loaded = 0;

	if (validate_query(r, rollup_fields, NITEMS(rollup_fields), &in,
	    NULL) == -1)
		return;
	region = in.region != NULL ? in.region : r->user.region;
	if ((rc = form_load(r, r->ids[0], region, NULL, NULL, &f)) != 0) {
		if (rc == -1)
			reply_db_error(r);
		return;
	}
	loaded = 1;
	if ((live = form_value(&f)) == NULL) {
		req_fail(r, "could not write the form's json");
		goto dberr;
	}
	lrows = json_object_get(live, "rows");
	cols = json_object_get(live, "columns");
	rows = json_array();
	json_array_foreach(lrows, i, row)
		json_array_append_new(rows, row_zero(json_string_value(
		    json_array_get(row, 0)), row));

	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	p[1] = in.kind;
	p[2] = region;
	if ((res = db_exec(r, &kids, p)) == NULL)
		goto dberr;
	children = json_array();
	n = PQntuples(res);
	for (k = 0; k < n; k++) {
		int missing = db_isnull(res, k, "id");

		json_array_append_new(children, json_pack("{s:s, s:s, s:s,"
		    " s:o, s:o, s:b}", "region", db_get(res, k, "code"),
		    "name", db_get(res, k, "name"), "state", missing ?
		    "missing" : "submitted", "submission_id", missing ?
		    json_null() : json_integer(strtoll(db_get(res, k, "id"),
		    NULL, 10)), "version", missing ? json_null() :
		    json_integer(atoi(db_get(res, k, "version"))), "late",
		    !missing && strcmp(db_get(res, k, "late"), "t") == 0));
		if (missing || (form = json_loads(db_get(res, k, "form"), 0,
		    NULL)) == NULL)
			continue;
		json_array_foreach(json_object_get(form, "rows"), j, row) {
			name = json_string_value(json_array_get(row, 0));
			if (name == NULL)
				continue;
			if ((sum = row_named(rows, name)) == NULL) {
				sum = row_zero(name, row);
				json_array_insert_new(rows,
				    json_array_size(rows) - 1, sum);
			}
			row_add(sum, row);
		}
		json_decref(form);
	}
	PQclear(res);
	res = NULL;

	/* The cells where the roll-up and the live form differ. */
	diff = json_array();
	json_array_foreach(rows, i, sum) {
		name = json_string_value(json_array_get(sum, 0));
		row = row_named(lrows, name);
		for (c = 1; c < json_array_size(sum); c++) {
			json_t *a = json_array_get(sum, c), *b = row != NULL ?
			    json_array_get(row, c) : NULL;

			if (json_is_string(a) && json_string_value(a)[0] ==
			    '\0')
				continue;	/* 同比变化 */
			if (b != NULL && json_equal(a, b))
				continue;
			json_array_append_new(diff, json_pack("{s:s, s:O,"
			    " s:O, s:O}", "row", name, "column",
			    json_array_get(cols, c), "rollup", a, "live",
			    b != NULL ? b : json_null()));
		}
	}
	reply_json(r, 200, json_pack("{s:I, s:s, s:s, s:s, s:O, s:o, s:o,"
	    " s:O, s:o}", "campaign_id", (json_int_t)r->ids[0], "region",
	    region, "region_name", f.region_name, "kind", in.kind, "columns",
	    cols, "children", children, "rows", rows, "live", lrows,
	    "differences", diff));
	json_decref(live);
	form_free(&f);
	return;
dberr:
	json_decref(live);
	json_decref(rows);
	json_decref(children);
	json_decref(diff);
	PQclear(res);
	if (loaded)
		form_free(&f);
	reply_db_error(r);
}
