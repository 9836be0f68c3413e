/*
 * feed.c: GET /api/v1/feed?cursor=&limit= -- the audited events in the
 * user's scope in log order, page by page, for a system that keeps up
 * with paicha (API.md Part 2 "Data exchange").  {"items", "next_cursor"}:
 * the items are the audit trail's (audit.c: event_item); next_cursor is
 * never null -- it is where to go on from, now or later.  An empty page
 * means nothing new yet: ask again with the same cursor.
 *
 * The order, and why a cursor is never overtaken:
 *
 *  - A case event's place is its position in the Merkle log
 *    (log_leaves.idx).  The checkpointer gives committed events their
 *    positions in the order they became visible (every
 *    cfg.checkpoint_interval seconds, 10 by default), a stream's events
 *    in its order, and never a position below one it gave before.  So
 *    an event enters the feed when it is placed -- not before: an
 *    unplaced event has no place yet, and listing it early would mean
 *    listing it twice or out of order.  The cursor's first part is the
 *    next position to read; when the scope holds nothing more, it moves
 *    to the log's size, so that a narrow scope does not read the same
 *    leaves again.
 *
 *  - The other streams (enterprise, activity, user, category, campaign,
 *    supervision) have been leaves of the Merkle log too since
 *    sql/0033_log_every_stream.sql, but the feed does not read them
 *    from it yet (the first source takes the log's case leaves only).
 *    Their events are listed in the order of (feed_xid, feed_pos) -- the appending
 *    transaction's id, then a sequence drawn as each was appended
 *    (sql/0100_exchange.sql) -- and only below the horizon
 *    pg_snapshot_xmin of the page's snapshot: every transaction with a
 *    smaller id has ended, so nothing can ever appear below a position
 *    a reader has passed.  A stream's events keep its order: each
 *    change locks its entity's row with its first write, so a later
 *    event's transaction has a larger id.  The cursor's second part is
 *    (xid, pos) of the last one listed, or the horizon when there were
 *    no more.  Reading every stream from the log would retire this part.
 *
 * A page takes up to `limit` from each source after its cursor and
 * merges them by time; what it lists from each is a prefix of that
 * source, so the new cursor skips nothing and repeats nothing.  Both
 * are read in one read-only snapshot (EP_SNAPSHOT), scoped by row-level
 * security; user and webhook events only for those who administer or
 * audit.
 *
 * The cursor is "<position>.<xid>.<pos>", all decimal: "0.0.0" (or
 * none) is the beginning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define FEED_DEFAULT	100
#define FEED_MAX	1000
#define FEED_CURSOR_MAX	64

/* Where a page starts: the log position, and (xid, pos) of the rest. */
struct feed_cursor {
	unsigned long long	 idx;
	unsigned long long	 xid;
	unsigned long long	 pos;
};

/* "a.b.c", each at most 19 decimal digits: 0 and the cursor, or -1. */
static int
cursor_parse(const char *s, struct feed_cursor *c)
{
	unsigned long long	*part[3] = { &c->idx, &c->xid, &c->pos };
	size_t			 n, i;

	for (i = 0; i < 3; i++) {
		n = strspn(s, "0123456789");
		if (n == 0 || n > 19 || (n > 1 && *s == '0'))
			return -1;
		*part[i] = strtoull(s, NULL, 10);
		s += n;
		if (i < 2 && *s++ != '.')
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

static const char *
check_cursor(const char *s)
{
	struct feed_cursor	 c;

	return cursor_parse(s, &c) == 0 ? NULL : "不是有效的游标";
}

struct feed_in {
	const char	*cursor;
	long long	 limit;
};

static const struct vfield feed_fields[] = {
	{ "cursor", VT_STRING, 0, 5, FEED_CURSOR_MAX, NULL, check_cursor,
	    offsetof(struct feed_in, cursor) },
	{ "limit", VT_INT, 0, 1, FEED_MAX, NULL, NULL,
	    offsetof(struct feed_in, limit) },
};

/*
 * Case events at log positions >= $1, in position order, $2 of them: the
 * scope's own cases' (not a case another region accepted from a
 * referral, which the scope may read but is that region's to publish).
 */
static struct stmt placed = STMT(
    "SELECT l.idx, 'case' AS entity, e.case_id, e.seq, rfc3339(e.at) AS at,"
    " (extract(epoch FROM e.at) * 1000000)::bigint AS at_us,"
    " e.actor, u.username, u.display_name, e.role, e.region,"
    " e.case_region, e.event, e.phase, e.from_state, e.to_state, e.record,"
    " e.request_id, encode(e.hash, 'hex') AS hash,"
    " encode(e.prev_hash, 'hex') AS prev_hash"
    " FROM log_leaves l JOIN case_events e"
    "   ON e.case_id = l.case_id AND e.seq = l.seq"
    " LEFT JOIN LATERAL user_public(e.actor) u ON true"
    " WHERE l.idx >= $1 AND l.entity = 'case' AND in_scope(l.case_region)"
    " ORDER BY l.idx LIMIT $2", 2);

/*
 * The other streams' events after ($1, $2) below the snapshot's horizon,
 * in (feed_xid, feed_pos) order, $3 of them; user events when $4.
 */
static struct stmt streams = STMT(
    "SELECT e.feed_xid::text AS xid, e.feed_pos, e.entity,"
    " e.entity_id AS case_id, e.seq, rfc3339(e.at) AS at,"
    " (extract(epoch FROM e.at) * 1000000)::bigint AS at_us,"
    " e.actor, u.username, u.display_name, e.role, e.region,"
    " e.scope_region AS case_region, e.event, NULL::text AS phase,"
    " NULL::text AS from_state, NULL::text AS to_state, e.record,"
    " e.request_id, encode(e.hash, 'hex') AS hash,"
    " encode(e.prev_hash, 'hex') AS prev_hash"
    " FROM ledger_events e LEFT JOIN LATERAL user_public(e.actor) u ON true"
    " WHERE (e.feed_xid, e.feed_pos) > ($1::text::xid8, $2::bigint)"
    " AND e.feed_xid < pg_snapshot_xmin(pg_current_snapshot())"
    " AND ($4::boolean OR e.entity NOT IN ('user', 'webhook'))"
    " ORDER BY e.feed_xid, e.feed_pos LIMIT $3", 4);

/* Where each source ends in this snapshot: the log's size, the horizon. */
static struct stmt ends = STMT(
    "SELECT (SELECT coalesce(max(size), 0) FROM checkpoints) AS size,"
    " pg_snapshot_xmin(pg_current_snapshot())::text AS horizon", 0);

void
feed_get(struct req *r)
{
	struct feed_in		 in = { NULL, FEED_DEFAULT };
	struct feed_cursor	 c = { 0, 0, 0 };
	struct dbq		 q[3];
	char			 idx[24], xid[24], pos[24], lim[24];
	char			 next[FEED_CURSOR_MAX + 1];
	const char		*pl[2], *ps[4], *users;
	const PGresult		*lr, *sr;
	json_t			*items, *o;
	int			 li = 0, si = 0, ln, sn, n = 0, take_l;
	unsigned long long	 size, horizon;

	if (validate_query(r, feed_fields, NITEMS(feed_fields), &in,
	    NULL) == -1)
		return;
	if (in.cursor != NULL)
		(void)cursor_parse(in.cursor, &c);
	snprintf(idx, sizeof(idx), "%llu", c.idx);
	snprintf(xid, sizeof(xid), "%llu", c.xid);
	snprintf(pos, sizeof(pos), "%llu", c.pos);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	users = r->user.roles & (R(ADMIN) | R(AUDITOR)) ? "true" : "false";
	pl[0] = idx;
	pl[1] = lim;
	ps[0] = xid;
	ps[1] = pos;
	ps[2] = lim;
	ps[3] = users;
	q[0].s = &placed;
	q[0].params = pl;
	q[1].s = &streams;
	q[1].params = ps;
	q[2].s = &ends;
	q[2].params = NULL;
	/* All three in one round trip, in the route's one snapshot. */
	if (db_pipeline(r, NULL, q, NITEMS(q)) == -1) {
		reply_db_error(r);
		return;
	}
	lr = q[0].res;
	sr = q[1].res;
	ln = PQntuples(lr);
	sn = PQntuples(sr);
	size = strtoull(db_get(q[2].res, 0, "size"), NULL, 10);
	horizon = strtoull(db_get(q[2].res, 0, "horizon"), NULL, 10);

	/* Merge by time; the log first on a tie. */
	items = json_array();
	while (n < in.limit && (li < ln || si < sn)) {
		take_l = si >= sn || (li < ln &&
		    strtoll(db_get(lr, li, "at_us"), NULL, 10) <=
		    strtoll(db_get(sr, si, "at_us"), NULL, 10));
		if (take_l) {
			o = event_item(lr, li);
			if (o != NULL)
				json_object_set_new(o, "log_index",
				    json_integer(strtoll(db_get(lr, li, "idx"),
				    NULL, 10)));
			li++;
		} else
			o = event_item(sr, si++);
		if (o != NULL)
			json_array_append_new(items, o);
		n++;
	}

	/* Each source: after what was listed, or its end when all was. */
	if (li > 0)
		c.idx = strtoull(db_get(lr, li - 1, "idx"), NULL, 10) + 1;
	if (li == ln && ln <= in.limit && size > c.idx)
		c.idx = size;
	if (si > 0) {
		c.xid = strtoull(db_get(sr, si - 1, "xid"), NULL, 10);
		c.pos = strtoull(db_get(sr, si - 1, "feed_pos"), NULL, 10);
	}
	if (si == sn && sn <= in.limit && horizon > c.xid) {
		c.xid = horizon;
		c.pos = 0;
	}
	snprintf(next, sizeof(next), "%llu.%llu.%llu", c.idx, c.xid, c.pos);
	db_pipeline_clear(q, NITEMS(q));
	reply_json(r, 200, json_pack("{s:o, s:s}", "items", items,
	    "next_cursor", next));
}
