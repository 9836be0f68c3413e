/*
 * portal.c: an enterprise's view of its own cases (API.md Part 2
 * "Enterprises as users"): GET /api/v1/cases and /api/v1/cases/{id}
 * answer an `enterprise` account with this view, and so does its
 * report_rectification (transitions.c).
 *
 * What it shows: the case's facts, state and version (for If-Match),
 * its deadlines, the rectification orders (what is asked, by when), its
 * reports, and its own uploads.  Nothing of proposals, approvals, notes,
 * assignees or transfers: the statements below do not read them, and
 * row-level security (sql/0130) would not show them to the account if
 * they did -- other enterprises' cases answer 404 either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define PORTAL_COLUMNS							\
	"c.id, json_build_object('id', c.id,"				\
	" 'enterprise_id', c.enterprise_id, 'enterprise_name', e.name,"	\
	" 'region', c.region, 'campaign_id', c.campaign_id,"		\
	" 'category', c.category, 'category_name', cat.name,"		\
	" 'source', c.source, 'problem', c.problem,"			\
	" 'risk_level', c.risk_level, 'state', c.state,"		\
	" 'version', c.version, 'next_due', rfc3339(c.next_due),"	\
	" 'overdue', coalesce(c.next_due < now(), false),"		\
	" 'created_at', rfc3339(c.created_at),"				\
	" 'updated_at', rfc3339(c.updated_at),"				\
	" 'deadlines', (SELECT coalesce(json_agg(json_build_object("	\
	"   'kind', d.kind, 'due_at', rfc3339(d.due_at),"		\
	"   'stopped_at', rfc3339(d.stopped_at), 'overdue',"		\
	"   d.stopped_at IS NULL AND d.due_at < now())"			\
	"   ORDER BY d.started_seq, d.kind), '[]')"			\
	"   FROM case_deadlines d WHERE d.case_id = c.id),"		\
	" 'orders', (SELECT coalesce(json_agg(json_build_object("	\
	"   'seq', ev.seq, 'event', ev.event, 'at', rfc3339(ev.at),"	\
	"   'payload', ev.record::jsonb -> 'payload') ORDER BY ev.seq),"	\
	"   '[]') FROM case_events ev WHERE ev.case_id = c.id"		\
	"   AND ev.event IN ('order_rectification',"			\
	"   'report_rectification') AND ev.phase = 'applied'),"		\
	" 'files', (SELECT coalesce(json_agg(json_build_object("	\
	"   'id', f.id, 'kind', f.kind, 'name', f.name, 'type', f.type,"	\
	"   'size', f.size, 'uploaded_at', rfc3339(f.uploaded_at))"	\
	"   ORDER BY f.id), '[]') FROM files f WHERE f.case_id = c.id"	\
	"   AND f.withdrawn_at IS NULL AND f.uploaded_by = $2)"		\
	" )::text AS o"							\
	" FROM cases c JOIN enterprises e ON e.id = c.enterprise_id"	\
	" JOIN categories cat ON cat.id = c.category"

/*
 * Case `id` as its enterprise sees it (new), or NULL: not its own (404
 * for reply_resource), or the database failed (recorded in `r`).  The
 * query also names the enterprise: the handler holds it to its own as
 * the policies do.
 */
json_t *
case_portal_json(struct req *r, int64_t id)
{
	static struct stmt one = STMT("SELECT " PORTAL_COLUMNS
	    " WHERE c.id = $1 AND c.enterprise_id = $3", 3);
	char		 cid[24], uid[24], eid[24];
	const char	*p[3];
	PGresult	*res;
	json_t		*o = NULL;

	snprintf(cid, sizeof(cid), "%lld", (long long)id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(eid, sizeof(eid), "%lld", (long long)r->user.enterprise_id);
	p[0] = cid;
	p[1] = uid;
	p[2] = eid;
	r->fault = FAULT_NONE;
	if ((res = db_exec(r, &one, p)) == NULL)
		return NULL;
	if (PQntuples(res) == 1 &&
	    (o = json_loads(db_get(res, 0, "o"), 0, NULL)) == NULL)
		req_fail(r, "case %lld: could not read its portal view",
		    (long long)id);
	PQclear(res);
	return o;
}

struct plist_in {
	long long	 cursor;
	long long	 limit;
};

static const struct vfield plist_fields[] = {
	VF_PAGE(struct plist_in),
};

/* The enterprise's own cases, oldest first. */
void
case_portal_list(struct req *r)
{
	static struct stmt list = STMT("SELECT " PORTAL_COLUMNS
	    " WHERE c.enterprise_id = $3 AND ($1::bigint IS NULL OR c.id > $1)"
	    " ORDER BY c.id LIMIT $4", 4);
	struct plist_in	 in = { 0, LIST_DEFAULT };
	char		 cur[24], uid[24], eid[24], lim[24];
	const char	*p[4];
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	if (validate_query(r, plist_fields, NITEMS(plist_fields), &in,
	    NULL) == -1)
		return;
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(eid, sizeof(eid), "%lld", (long long)r->user.enterprise_id);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	p[0] = in.cursor != 0 ? cur : NULL;
	p[1] = uid;
	p[2] = eid;
	p[3] = lim;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++)
		if ((o = json_loads(db_get(res, i, "o"), 0, NULL)) != NULL)
			json_array_append_new(items, o);
	reply_page(r, items, res, in.limit);
	PQclear(res);
}
