/*
 * notifications.c: the user's inbox (API.md Part 2, "Responsibility,
 * reminders, supervision").
 *
 *	GET  /api/v1/notifications?unread=true&cursor=&limit=
 *	POST /api/v1/notifications/read		{"ids": [...]} or
 *						{"all": true} -> 204
 *
 * Notifications are made by the database and the scheduler, never by a
 * request (sql/0052_notifications.sql); row-level security shows each
 * user only their own, and lets them mark only those read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

/* The unread count a reply gives exactly; beyond it "999+". */
#define UNREAD_CAP	999
#define READ_IDS_MAX	LIST_MAX

struct list_in {
	int		 unread;
	long long	 cursor;
	long long	 limit;
};

static const struct vfield list_fields[] = {
	{ "unread", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, unread) },
	VF_PAGE(struct list_in),
};

/* An optional id column as a JSON integer, or NULL to leave it out. */
static json_t *
opt_id(const PGresult *res, int i, const char *col)
{
	if (db_isnull(res, i, col))
		return NULL;
	return json_integer((json_int_t)strtoll(db_get(res, i, col), NULL, 10));
}

void
notification_list(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT id, kind, rfc3339(at) AS at, text,"
	    " (read_at IS NOT NULL) AS read, case_id, referral_id,"
	    " supervision_id, submission_id FROM notifications"
	    " WHERE user_id = $1 AND (NOT $2::boolean OR read_at IS NULL)"
	    " AND ($3::bigint IS NULL OR id < $3)"
	    " ORDER BY id DESC LIMIT $4", 4);
	static struct stmt unread = STMT(
	    "SELECT count(*) AS n FROM (SELECT 1 FROM notifications"
	    " WHERE user_id = $1 AND read_at IS NULL LIMIT $2) x", 2);
	static const char *const ids[] = {
		"case_id", "referral_id", "supervision_id", "submission_id"
	};
	struct list_in	 in;
	struct dbq	 q[2];
	char		 uid[24], cur[24], lim[24], cap[24];
	const char	*p[4], *pc[2];
	json_t		*items, *o, *v, *reply;
	long long	 n;
	size_t		 k;
	int		 i;

	memset(&in, 0, sizeof(in));
	in.limit = LIST_DEFAULT;
	if (validate_query(r, list_fields, NITEMS(list_fields), &in,
	    NULL) == -1)
		return;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	snprintf(cap, sizeof(cap), "%d", UNREAD_CAP + 1);
	p[0] = uid;
	p[1] = in.unread ? "true" : "false";
	p[2] = in.cursor != 0 ? cur : NULL;
	p[3] = lim;
	pc[0] = uid;
	pc[1] = cap;
	q[0].s = &list;
	q[0].params = p;
	q[1].s = &unread;
	q[1].params = pc;
	if (db_pipeline(r, NULL, q, NITEMS(q)) == -1) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	for (i = 0; i < PQntuples(q[0].res) && i < in.limit; i++) {
		o = json_pack("{s:I, s:s, s:s, s:s, s:b}",
		    "id", (json_int_t)strtoll(db_get(q[0].res, i, "id"), NULL,
		    10),
		    "kind", db_get(q[0].res, i, "kind"),
		    "at", db_get(q[0].res, i, "at"),
		    "text", db_get(q[0].res, i, "text"),
		    "read", strcmp(db_get(q[0].res, i, "read"), "t") == 0);
		if (o == NULL)
			continue;
		for (k = 0; k < NITEMS(ids); k++)
			if ((v = opt_id(q[0].res, i, ids[k])) != NULL)
				json_object_set_new(o, ids[k], v);
		json_array_append_new(items, o);
	}
	n = strtoll(db_get(q[1].res, 0, "n"), NULL, 10);
	reply = json_pack("{s:o, s:o, s:I, s:b}", "items", items,
	    "next_cursor", PQntuples(q[0].res) > in.limit ?
	    json_string(db_get(q[0].res, (int)in.limit - 1, "id")) :
	    json_null(), "unread", (json_int_t)(n > UNREAD_CAP ? UNREAD_CAP :
	    n), "unread_more", n > UNREAD_CAP);
	db_pipeline_clear(q, NITEMS(q));
	reply_json(r, 200, reply);
}

struct read_in {
	json_t		*ids;
	int		 all;
};

static const struct vfield read_fields[] = {
	{ "ids", VT_IDS, 0, 1, READ_IDS_MAX, NULL, NULL,
	    offsetof(struct read_in, ids) },
	{ "all", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct read_in, all) },
};

/*
 * Mark the user's notifications read: those of `ids` (others' and
 * unknown ids are no notifications of theirs: nothing happens to them),
 * or with "all": true every one.  Exactly one of the two.  204.
 */
void
notification_read(struct req *r)
{
	static struct stmt mark = STMT(
	    "UPDATE notifications SET read_at = now()"
	    " WHERE user_id = $1 AND read_at IS NULL"
	    " AND ($2::boolean OR id = ANY ($3::bigint[]))", 3);
	struct read_in	 in = { NULL, 0 };
	unsigned	 present;
	const json_t	*e;
	const char	*p[3];
	char		 uid[24], *list = NULL, *w;
	size_t		 i, n;

	if (validate_json(r, r->json, read_fields, NITEMS(read_fields), &in,
	    &present) == -1)
		return;
	if (present == 0 || present == 3 || (present == 2 && !in.all)) {
		reply_problem(r, 422, NULL, "give the ids to mark read, or "
		    "\"all\": true", problem_field(NULL, present == 3 ? "all" :
		    "ids", "请给出要标为已读的编号，或 all 为 true"
		    "（二者择一）"));
		return;
	}
	n = in.ids != NULL ? json_array_size(in.ids) : 0;
	if ((list = malloc(n * 21 + 3)) == NULL) {
		req_fail(r, "no memory for the ids");
		reply_db_error(r);
		return;
	}
	w = list;
	*w++ = '{';
	if (in.ids != NULL)
		json_array_foreach(in.ids, i, e)
			w += sprintf(w, "%s%lld", i > 0 ? "," : "",
			    (long long)json_integer_value(e));
	*w++ = '}';
	*w = '\0';
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = uid;
	p[1] = in.all ? "true" : "false";
	p[2] = list;
	if (db_exec_ok(r, &mark, p) == -1)
		reply_db_error(r);
	else
		reply_empty(r, 204);
	free(list);
}
