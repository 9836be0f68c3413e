/*
 * webhooks.c: outgoing webhooks, registered by an admin (API.md Part 2
 * "Data exchange"):
 *
 *	POST /api/v1/webhooks			{url, events, secret} -> 201
 *	GET  /api/v1/webhooks			those of one's region's subtree
 *	GET  /api/v1/webhooks/{id}
 *	POST /api/v1/webhooks/{id}/disable	no more deliveries -> 200
 *	GET  /api/v1/webhooks/{id}/deliveries	the delivery log, newest first
 *
 * A webhook belongs to its admin's region and receives the events of
 * that region's subtree only (sql/0140_webhooks.sql writes the outbox;
 * sched/webhooks.c delivers).  The URL must pass the SSRF rules
 * (front/outbound.c) now and again at each delivery.  The secret is
 * written and never read back: no reply carries it and the service's
 * database role may not select it.  Registering and disabling are
 * events of the webhook's stream ("create" with the webhook as the API
 * shows it, "disable"), in the same transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define WEBHOOK_URL_MAX		2048
#define WEBHOOK_EVENTS_MAX	32
#define WEBHOOK_EVENT_MAX	81	/* "entity.event", 40 + 1 + 40 */
#define WEBHOOK_SECRET_MIN	16
#define WEBHOOK_SECRET_MAX	256

static const char *const delivery_statuses[] = {
	"pending", "delivered", "failed", NULL
};

/* The columns webhook_json() reads. */
#define WEBHOOK_COLUMNS \
	"w.id, w.url, to_json(w.events)::text AS events, w.region," \
	" w.active, u.username AS created_by, rfc3339(w.created_at)" \
	" AS created_at, rfc3339(w.disabled_at) AS disabled_at," \
	" (SELECT count(*) FROM webhook_deliveries d" \
	"   WHERE d.webhook_id = w.id AND d.status = 'pending') AS pending," \
	" (SELECT count(*) FROM webhook_deliveries d" \
	"   WHERE d.webhook_id = w.id AND d.status = 'failed') AS failed"

static struct stmt webhook_one = STMT(
    "SELECT " WEBHOOK_COLUMNS " FROM webhooks w"
    " LEFT JOIN LATERAL user_public(w.created_by) u ON true"
    " WHERE w.id = $1", 1);

/* Row `i` of `res` (WEBHOOK_COLUMNS) as the API shows it: new, or NULL. */
static json_t *
webhook_json(const PGresult *res, int i)
{
	json_t	*events;

	events = json_loads(db_get(res, i, "events"), 0, NULL);
	return json_pack("{s:I, s:s, s:o, s:s, s:b, s:o, s:s, s:o, s:I, s:I}",
	    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
	    "url", db_get(res, i, "url"),
	    "events", events != NULL ? events : json_array(),
	    "region", db_get(res, i, "region"),
	    "active", strcmp(db_get(res, i, "active"), "t") == 0,
	    "created_by", db_json_text(res, i, "created_by"),
	    "created_at", db_get(res, i, "created_at"),
	    "disabled_at", db_json_text(res, i, "disabled_at"),
	    "pending", (json_int_t)strtoll(db_get(res, i, "pending"), NULL, 10),
	    "failed", (json_int_t)strtoll(db_get(res, i, "failed"), NULL, 10));
}

/* The webhook `id` the user may see: new, or NULL (none, or r's fault). */
static json_t *
webhook_load(struct req *r, long long id)
{
	char		 ids[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*o = NULL;

	snprintf(ids, sizeof(ids), "%lld", id);
	p[0] = ids;
	if ((res = db_exec(r, &webhook_one, p)) == NULL)
		return NULL;
	if (PQntuples(res) == 1)
		o = webhook_json(res, 0);
	PQclear(res);
	return o;
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/webhooks                                              */
/* ------------------------------------------------------------------ */

struct webhook_in {
	const char	*url;
	json_t		*events;
	const char	*secret;
};

static const struct vfield webhook_fields[] = {
	{ "url", VT_STRING, 1, 1, WEBHOOK_URL_MAX, NULL, NULL,
	    offsetof(struct webhook_in, url) },
	{ "events", VT_JSON, 1, 0, 0, NULL, NULL,
	    offsetof(struct webhook_in, events) },
	{ "secret", VT_SECRET, 1, WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX, NULL,
	    NULL, offsetof(struct webhook_in, secret) },
};

/* One name of the filter: "*", "name" or "name.name" (see the SQL). */
static int
event_name_ok(const char *s)
{
	size_t	 n = strlen(s), a, b;
	const char *lower = "abcdefghijklmnopqrstuvwxyz0123456789_";

	if (strcmp(s, "*") == 0)
		return 1;
	if (n == 0 || n > WEBHOOK_EVENT_MAX || *s < 'a' || *s > 'z')
		return 0;
	a = strspn(s, lower);
	if (a == n)
		return a <= 40;
	if (a > 40 || s[a] != '.' || s[a + 1] < 'a' || s[a + 1] > 'z')
		return 0;
	b = strspn(s + a + 1, lower);
	return a + 1 + b == n && b <= 40;
}

/*
 * The filter `v` as a PostgreSQL array literal in `out` (size `len`):
 * NULL, or the message for the field.
 */
static const char *
events_literal(const json_t *v, char *out, size_t len)
{
	size_t		 i, j, used = 0;
	const char	*s;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > WEBHOOK_EVENTS_MAX)
		return "应为1至32个事件名的数组（\"*\"、实体名、事件名或"
		    "\"实体.事件\"）";
	used += (size_t)snprintf(out, len, "{");
	for (i = 0; i < json_array_size(v); i++) {
		if (!json_is_string(json_array_get(v, i)) ||
		    !event_name_ok(s = json_string_value(json_array_get(v, i))))
			return "事件名只能是\"*\"、小写字母数字下划线的名称，"
			    "或\"实体.事件\"";
		for (j = 0; j < i; j++)
			if (strcmp(s, json_string_value(json_array_get(v, j)))
			    == 0)
				return "事件名不能重复";
		used += (size_t)snprintf(out + used, len - used, "%s\"%s\"",
		    i > 0 ? "," : "", s);
	}
	snprintf(out + used, len - used, "}");
	return NULL;
}

void
webhook_create(struct req *r)
{
	static struct stmt insert = STMT(
	    "INSERT INTO webhooks (region, url, events, secret, created_by)"
	    " VALUES ($1, $2, $3::text[], $4, $5) RETURNING id", 5);
	json_t			*o;
	struct webhook_in	 in = { NULL, NULL, NULL };
	struct outbound_target	 t;
	enum outbound		 ob;
	char			 events[WEBHOOK_EVENTS_MAX *
				    (WEBHOOK_EVENT_MAX + 3) + 3];
	char			 uid[24];
	const char		*p[5], *msg;
	PGresult		*res;
	long long		 id;

	if (validate_json(r, r->json, webhook_fields, NITEMS(webhook_fields),
	    &in, NULL) == -1)
		return;
	if ((msg = events_literal(in.events, events, sizeof(events))) !=
	    NULL) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, "events", msg));
		return;
	}
	if ((ob = outbound_check(in.url, &t)) != OUTBOUND_OK) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, "url",
		    outbound_message(ob)));
		return;
	}
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = r->user.region;
	p[1] = in.url;
	p[2] = events;
	p[3] = in.secret;
	p[4] = uid;
	if ((res = db_exec(r, &insert, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	PQclear(res);
	if ((o = webhook_load(r, id)) == NULL ||
	    change_record(r, LEDGER_WEBHOOK, id, r->user.region, "create",
	    o) == -1) {
		json_decref(o);
		reply_db_error(r);
		return;
	}
	log_info("request %s: %s registered webhook %lld", r->id,
	    r->user.username, id);
	reply_resource(r, 201, o, "webhook", "/api/v1/webhooks");
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/webhooks, GET /api/v1/webhooks/{id}                    */
/* ------------------------------------------------------------------ */

struct webhook_list_in {
	long long	 cursor;
	long long	 limit;
};

static const struct vfield webhook_list_fields[] = {
	VF_PAGE(struct webhook_list_in),
};

void
webhook_list(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT " WEBHOOK_COLUMNS " FROM webhooks w"
	    " LEFT JOIN LATERAL user_public(w.created_by) u ON true"
	    " WHERE ($1::bigint IS NULL OR w.id < $1)"
	    " ORDER BY w.id DESC LIMIT $2", 2);
	struct webhook_list_in in = { 0, LIST_DEFAULT };
	char		 cur[24], lim[24];
	const char	*p[2];
	PGresult	*res;
	json_t		*items;
	int		 i, n;

	if (validate_query(r, webhook_list_fields,
	    NITEMS(webhook_list_fields), &in, NULL) == -1)
		return;
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	p[0] = in.cursor != 0 ? cur : NULL;
	p[1] = lim;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++)
		json_array_append_new(items, webhook_json(res, i));
	reply_page(r, items, res, in.limit);
	PQclear(res);
}

void
webhook_get(struct req *r)
{
	reply_resource(r, 200, webhook_load(r, r->ids[0]), "webhook", NULL);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/webhooks/{id}/disable                                 */
/* ------------------------------------------------------------------ */

/*
 * No more deliveries: the outbox takes no more of its events, and its
 * pending deliveries stay pending (kept in the log, never posted).
 * Disabling a disabled webhook changes nothing.
 */
void
webhook_disable(struct req *r)
{
	static struct stmt disable = STMT(
	    "UPDATE webhooks SET active = false, disabled_by = $2,"
	    " disabled_at = now() WHERE id = $1 AND active"
	    " RETURNING region", 2);
	char		 ids[24], uid[24], region[7];
	const char	*p[2];
	PGresult	*res;
	json_t		*payload;
	int		 changed;

	snprintf(ids, sizeof(ids), "%lld", (long long)r->ids[0]);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = ids;
	p[1] = uid;
	if ((res = db_exec(r, &disable, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	changed = PQntuples(res) == 1;
	if (changed)
		snprintf(region, sizeof(region), "%s", db_get(res, 0,
		    "region"));
	PQclear(res);
	/* The row's guarded UPDATE holds its lock: the event follows. */
	if (changed) {
		payload = json_pack("{s:b}", "active", 0);
		if (change_record(r, LEDGER_WEBHOOK, r->ids[0], region,
		    "disable", payload) == -1) {
			json_decref(payload);
			reply_db_error(r);
			return;
		}
		json_decref(payload);
	}
	reply_resource(r, 200, webhook_load(r, r->ids[0]), "webhook", NULL);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/webhooks/{id}/deliveries                               */
/* ------------------------------------------------------------------ */

struct delivery_list_in {
	const char	*status;
	long long	 cursor;
	long long	 limit;
};

static const struct vfield delivery_list_fields[] = {
	{ "status", VT_ENUM, 0, 0, 0, delivery_statuses, NULL,
	    offsetof(struct delivery_list_in, status) },
	VF_PAGE(struct delivery_list_in),
};

void
webhook_deliveries(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT d.id, d.entity, d.entity_id, d.seq, d.event, d.status,"
	    " d.attempts, rfc3339(d.created_at) AS created_at,"
	    " CASE WHEN d.status = 'pending' THEN rfc3339(d.next_attempt)"
	    " END AS next_attempt, rfc3339(d.last_attempt) AS last_attempt,"
	    " d.last_status, d.last_error,"
	    " rfc3339(d.delivered_at) AS delivered_at"
	    " FROM webhook_deliveries d WHERE d.webhook_id = $1"
	    " AND ($2::text IS NULL OR d.status = $2)"
	    " AND ($3::bigint IS NULL OR d.id < $3)"
	    " ORDER BY d.id DESC LIMIT $4", 4);
	struct delivery_list_in in = { NULL, 0, LIST_DEFAULT };
	char		 ids[24], cur[24], lim[24];
	const char	*p[4];
	PGresult	*res;
	json_t		*items, *o, *hook;
	int		 i, n;

	if (validate_query(r, delivery_list_fields,
	    NITEMS(delivery_list_fields), &in, NULL) == -1)
		return;
	/* 404 for a webhook out of one's scope, as for none. */
	if ((hook = webhook_load(r, r->ids[0])) == NULL) {
		reply_resource(r, 404, NULL, "webhook", NULL);
		return;
	}
	json_decref(hook);
	snprintf(ids, sizeof(ids), "%lld", (long long)r->ids[0]);
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	p[0] = ids;
	p[1] = in.status;
	p[2] = in.cursor != 0 ? cur : NULL;
	p[3] = lim;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++) {
		o = json_pack("{s:I, s:s, s:I, s:i, s:s, s:s, s:i, s:s, s:o,"
		    " s:o, s:o, s:o, s:o}",
		    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
		    "entity", db_get(res, i, "entity"),
		    "entity_id", (json_int_t)strtoll(db_get(res, i,
		    "entity_id"), NULL, 10),
		    "seq", atoi(db_get(res, i, "seq")),
		    "event", db_get(res, i, "event"),
		    "status", db_get(res, i, "status"),
		    "attempts", atoi(db_get(res, i, "attempts")),
		    "created_at", db_get(res, i, "created_at"),
		    "next_attempt", db_json_text(res, i, "next_attempt"),
		    "last_attempt", db_json_text(res, i, "last_attempt"),
		    "last_status", db_isnull(res, i, "last_status") ?
		    json_null() : json_integer(atoi(db_get(res, i,
		    "last_status"))),
		    "last_error", db_json_text(res, i, "last_error"),
		    "delivered_at", db_json_text(res, i, "delivered_at"));
		json_array_append_new(items, o);
	}
	reply_page(r, items, res, in.limit);
	PQclear(res);
}
