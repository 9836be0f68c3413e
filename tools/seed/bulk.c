/*
 * bulk.c: the bulk driver of paicha-seed -- a million cases in minutes.
 *
 * Each case is walked (walk.c) and then carried out here exactly as the
 * service carries out its requests (fcgi/resources/cases.c case_create and
 * fcgi/resources/transitions.c carry_out), with the service's own functions:
 *
 *	the event record and its hash	ledger_record() (fcgi/ledger/)
 *	appending it			the database's ledger_append(), the
 *					service's one way into the ledger
 *	the acting role			acting_role()
 *	the facts a step records	advance_facts()
 *	the deadlines			wf_deadline_changes() (workflow/)
 *	four eyes			wf_decide_approval() (workflow/)
 *
 * What the service does in SQL -- the guarded UPDATE of the case row,
 * stopping and starting deadline rows, next_due -- is done here on the
 * row in memory by the same rules (see live_advance, live_deadlines),
 * and the final rows go in with COPY -- but the events: they are copied
 * into a temporary table and appended, in chain order, by the same
 * ledger_append() the service calls, whose trigger recomputes every
 * hash and refuses a row that does not continue its chain: a loader bug
 * cannot load.
 *
 * Work is split in batches of BATCH cases (and a share of the
 * activities); each of `jobs` processes takes every jobs-th batch on its
 * own connection and commits it in one transaction.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seed.h"
#include "../../fcgi/base/base.h"
#include "../../fcgi/front/front.h"
#include "../../fcgi/ledger/ledger.h"
#include "../../fcgi/resources/resources.h"

#define BATCH	1000	/* cases per transaction */
#define MAX_DL	48	/* deadline rows of one case */

/* ------------------------------------------------------------------ */
/* COPY text buffers                                                  */
/* ------------------------------------------------------------------ */

struct sbuf {
	char	*p;
	size_t	 len, cap;
};

static void
sb_need(struct sbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap == 0 ? 1 << 16 : b->cap * 2;
	if ((b->p = realloc(b->p, b->cap)) == NULL)
		fatal("out of memory");
}

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_need(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_fmt(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_fmt(struct sbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_need(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A text field of COPY's text format: escaped, or \N for NULL; then sep. */
static void
sb_field(struct sbuf *b, const char *s, char sep)
{
	const char	*p;

	if (s == NULL)
		sb_add(b, "\\N", 2);
	else
		for (p = s; *p != '\0'; p++) {
			switch (*p) {
			case '\\':
				sb_add(b, "\\\\", 2);
				break;
			case '\t':
				sb_add(b, "\\t", 2);
				break;
			case '\n':
				sb_add(b, "\\n", 2);
				break;
			case '\r':
				sb_add(b, "\\r", 2);
				break;
			default:
				sb_add(b, p, 1);
				break;
			}
		}
	sb_add(b, &sep, 1);
}

static void
sb_time(struct sbuf *b, long long us, char sep)
{
	char	 t[32];

	if (us == 0) {
		sb_field(b, NULL, sep);
		return;
	}
	format_time(us, t);
	sb_field(b, t, sep);
}

static void
sb_hash(struct sbuf *b, const unsigned char *h, char sep)
{
	char	 hex[2 * CHAIN_LEN + 3];

	bytea_hex(h, CHAIN_LEN, hex);
	sb_field(b, hex, sep);
}

static void
sb_int(struct sbuf *b, long long v, char sep)
{
	sb_fmt(b, "%lld%c", v, sep);
}

/* Send `b` as the data of `copy` (a COPY ... FROM STDIN); 0 or -1. */
static int
copy_send(PGconn *c, const char *copy, struct sbuf *b)
{
	PGresult	*res;
	int		 ok;

	if (b->len == 0)
		return 0;
	res = PQexec(c, copy);
	ok = PQresultStatus(res) == PGRES_COPY_IN;
	PQclear(res);
	if (!ok) {
		note("%s: %s", copy, PQerrorMessage(c));
		return -1;
	}
	if (PQputCopyData(c, b->p, (int)b->len) != 1 ||
	    PQputCopyEnd(c, NULL) != 1) {
		note("COPY: %s", PQerrorMessage(c));
		return -1;
	}
	res = PQgetResult(c);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		note("COPY failed: %s", PQresultErrorMessage(res));
	PQclear(res);
	while ((res = PQgetResult(c)) != NULL)
		PQclear(res);
	b->len = 0;
	return ok ? 0 : -1;
}

static int
exec_ok(PGconn *c, const char *sql)
{
	PGresult	*res = PQexec(c, sql);
	int		 ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		    PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		note("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Enterprises                                                        */
/* ------------------------------------------------------------------ */

/*
 * The profile's columns of seed_ent (enterprise_profile): COPY'd, then
 * into the enterprises' row and their licences' validity.
 */
#define SEED_ENT_PROFILE \
	", legal_representative text, contact_phone text, area_types text[]," \
	" accident_history jsonb, p_from date, p_until date, c_from date," \
	" c_until date"
#define INSERT_ENT \
	"INSERT INTO enterprises (uscc, name, region, address," \
	" production_licence, production_licence_status, ccc_certificate," \
	" ccc_status, created_by%s) SELECT uscc, name, region, address," \
	" production_licence, production_licence_status, ccc_certificate," \
	" ccc_status, created_by%s FROM seed_ent ORDER BY idx" \
	" ON CONFLICT (uscc) DO NOTHING"
#define INSERT_ENT_PROFILE \
	", legal_representative, contact_phone, area_types, accident_history"
/*
 * The licences the columns made (sql/0060): their validity.  After an
 * ANALYZE of the three tables: the temporary table has no statistics
 * otherwise: with 200 000 enterprises the planner joined it in a nested
 * loop, still running after 42 minutes when it was cancelled (a million-
 * case bench instance, 2026-12-03).
 */
#define LICENCE_DATES \
	"UPDATE enterprise_licences l SET valid_from = CASE l.kind" \
	" WHEN 'production' THEN s.p_from ELSE s.c_from END," \
	" valid_until = CASE l.kind WHEN 'production' THEN s.p_until" \
	" ELSE s.c_until END FROM seed_ent s JOIN enterprises e USING (uscc)" \
	" WHERE l.enterprise_id = e.id AND l.valid_until IS NULL" \
	" AND l.ord = (SELECT min(ord) FROM enterprise_licences f" \
	"  WHERE f.enterprise_id = l.enterprise_id AND f.kind = l.kind)"

/* One enterprise's profile as seed_ent's columns. */
static void
profile_fields(struct sbuf *b, const struct profile *p)
{
	char	*areas = profile_areas_text(p), *acc = NULL;
	int	 k;

	if (p->accident != NULL && (acc = json_dumps(p->accident,
	    JSON_COMPACT)) == NULL)
		fatal("out of memory");
	sb_field(b, p->person, '\t');
	sb_field(b, p->phone, '\t');
	sb_field(b, areas, '\t');
	sb_field(b, acc, '\t');
	for (k = 0; k < 2; k++) {
		sb_field(b, p->lic[k].status != NULL ? p->lic[k].from : NULL,
		    '\t');
		sb_field(b, p->lic[k].status != NULL ? p->lic[k].until : NULL,
		    k == 0 ? '\t' : '\n');
	}
	free(areas);
	free(acc);
}

/*
 * Make enterprises 0..count-1 (those already stored are kept: their codes
 * are the same) and learn their ids.  With profiles, each has its
 * profile and its licences their status and validity; their risk grades
 * wait for the end of the load (risk_refresh_all, main.c).  Returns 0,
 * or -1 (said).
 */
int
bulk_enterprises(PGconn *c, struct world *w, size_t count)
{
	struct sbuf	 b = { NULL, 0, 0 };
	struct enterprise *e;
	struct profile	 pr;
	PGresult	*res;
	char		 lic[64], ccc[64], *name, *addr, sql[1024];
	size_t		 i, idx;
	int		 rc = -1, n;

	for (i = 0; i < count; i++) {
		e = &w->ents[i];
		name = enterprise_name(w, e, i);
		addr = enterprise_address(w, e, i);
		enterprise_licences(e, i, lic, sizeof(lic), ccc, sizeof(ccc));
		memset(&pr, 0, sizeof(pr));
		pr.lic[0].status = pr.lic[1].status = "valid";
		if (w->profiles)
			enterprise_profile(w, e, i, &pr);
		sb_int(&b, (long long)i, '\t');
		sb_field(&b, e->uscc, '\t');
		sb_field(&b, name, '\t');
		sb_field(&b, w->regions[e->region].code, '\t');
		sb_field(&b, addr, '\t');
		sb_field(&b, lic[0] ? lic : NULL, '\t');
		sb_field(&b, lic[0] ? pr.lic[0].status : NULL, '\t');
		sb_field(&b, ccc[0] ? ccc : NULL, '\t');
		sb_field(&b, ccc[0] ? pr.lic[1].status : NULL, '\t');
		sb_int(&b, w->officer[w->regions[e->region].province].id,
		    w->profiles ? '\t' : '\n');
		if (w->profiles)
			profile_fields(&b, &pr);
		profile_free(&pr);
		free(name);
		free(addr);
	}
	snprintf(sql, sizeof(sql), INSERT_ENT, w->profiles ?
	    INSERT_ENT_PROFILE : "", w->profiles ? INSERT_ENT_PROFILE : "");
	if (exec_ok(c, "SET paicha.risk_deferred = on") == -1 ||
	    exec_ok(c, "BEGIN") == -1 ||
	    exec_ok(c, w->profiles ?
	    "CREATE TEMP TABLE seed_ent (idx bigint, uscc char(18),"
	    " name text, region char(6), address text,"
	    " production_licence text, production_licence_status text,"
	    " ccc_certificate text, ccc_status text, created_by bigint"
	    SEED_ENT_PROFILE ") ON COMMIT DROP" :
	    "CREATE TEMP TABLE seed_ent (idx bigint, uscc char(18),"
	    " name text, region char(6), address text,"
	    " production_licence text, production_licence_status text,"
	    " ccc_certificate text, ccc_status text, created_by bigint)"
	    " ON COMMIT DROP") == -1 ||
	    copy_send(c, "COPY seed_ent FROM STDIN", &b) == -1 ||
	    exec_ok(c, sql) == -1 ||
	    exec_ok(c, "ANALYZE seed_ent, enterprises,"
	    " enterprise_licences") == -1 ||
	    (w->profiles && exec_ok(c, LICENCE_DATES) == -1))
		goto out;
	res = PQexec(c, "SELECT s.idx, e.id, e.region = s.region AS same"
	    " FROM seed_ent s JOIN enterprises e USING (uscc)");
	if (PQresultStatus(res) != PGRES_TUPLES_OK ||
	    (size_t)PQntuples(res) != count) {
		note("enterprises: %s", PQresultErrorMessage(res));
		PQclear(res);
		goto out;
	}
	for (n = 0; n < PQntuples(res); n++) {
		idx = (size_t)strtoull(PQgetvalue(res, n, 0), NULL, 10);
		if (idx >= count || strcmp(PQgetvalue(res, n, 2), "t") != 0) {
			note("enterprise %s: stored in another region",
			    w->ents[idx < count ? idx : 0].uscc);
			PQclear(res);
			goto out;
		}
		w->ents[idx].id = strtoll(PQgetvalue(res, n, 1), NULL, 10);
	}
	PQclear(res);
	rc = exec_ok(c, "COMMIT");
out:
	if (rc == -1)
		exec_ok(c, "ROLLBACK");
	free(b.p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* A case as its row would be                                         */
/* ------------------------------------------------------------------ */

struct dlrow {
	enum wf_deadline kind;
	int		 started_seq;
	long long	 basis, due;	/* Unix seconds */
	int		 known;
	int		 stopped_seq;
	long long	 stopped_us;	/* 0: running */
};

struct live {
	int64_t		 id;
	const struct case_plan *plan;
	const char	*region;
	int		 province;
	enum wf_state	 state;
	int		 version;
	int		 last_seq;
	unsigned char	 last_hash[CHAIN_LEN];
	enum wf_event	 pending;	/* WF_EV__MAX: none */
	int		 pending_seq;
	int64_t		 pending_by;
	long long	 pending_us;
	json_t		*proposal;	/* the pending proposal's payload */
	char		 lookback_on[WF_DATE_LEN + 1];	/* "" NULL */
	int		 interviews;
	long long	 penalty_us, judicial_us, discipline_us;
	char		 fine[24], confiscation[24], value[24];
	long long	 created_us, updated_us;
	long long	 decided_us, closed_us;	/* 0: NULL (sql/0051) */
	struct dlrow	 dl[MAX_DL];
	size_t		 ndl;
};

struct batch {
	PGconn		*conn;
	const struct world *w;
	struct sbuf	 cases, events, deadlines, acts, assignees;
	struct counts	 n;
};

/* The service's deadlines_apply(), on the rows in memory. */
static void
live_deadlines(struct live *c, int seq, long long at_us,
    const struct wf_dl_change *ch, size_t n)
{
	size_t	 i, j;

	if (n == WF_DL_BAD_PAYLOAD)
		fatal("case %lld: deadline dates unreadable",
		    (long long)c->id);
	for (i = 0; i < n; i++) {
		/* START replaces a running one; STOP ends it. */
		for (j = 0; j < c->ndl; j++)
			if (c->dl[j].kind == ch[i].kind &&
			    c->dl[j].stopped_us == 0) {
				c->dl[j].stopped_seq = seq;
				c->dl[j].stopped_us = at_us;
			}
		if (ch[i].op != WF_DLOP_START)
			continue;
		if (c->ndl == MAX_DL)
			fatal("case %lld: too many deadlines",
			    (long long)c->id);
		c->dl[c->ndl].kind = ch[i].kind;
		c->dl[c->ndl].started_seq = seq;
		c->dl[c->ndl].basis = ch[i].basis;
		c->dl[c->ndl].due = ch[i].due;
		c->dl[c->ndl].known = ch[i].known;
		c->dl[c->ndl].stopped_seq = 0;
		c->dl[c->ndl].stopped_us = 0;
		c->ndl++;
	}
}

/*
 * Hash event `ev` as `a` and write it for ledger_append(); the chain
 * head moves on.
 */
static void
live_event(struct batch *b, struct live *c, struct ledger_event *ev,
    const struct actor *a)
{
	char	 rid[48];

	/* Not a request id nginx would make: seeded events say so. */
	snprintf(rid, sizeof(rid), "seed-demo-%lld-%d", (long long)ev->id,
	    (int)ev->seq);
	if (ledger_record(ev, a->id, a->region, rid) == -1)
		fatal("out of memory");
	sb_int(&b->events, (long long)b->n.events, '\t');
	sb_field(&b->events, ledger_streams[ev->entity].name, '\t');
	sb_field(&b->events, ev->record, '\t');
	sb_hash(&b->events, ev->prev, '\t');
	sb_hash(&b->events, ev->hash, '\n');
	memcpy(c->last_hash, ev->hash, CHAIN_LEN);
	c->last_seq = ev->seq;
	ledger_discard(ev);
	b->n.events++;
}

/*
 * The service's case_advance(): the guarded UPDATE of the row (version,
 * chain head, proposal) and the facts, as actor `by` at ev->at_us.
 */
static void
live_advance(struct live *c, const struct advance *a,
    const struct ledger_event *ev, int64_t by)
{
	/* case_step()'s decided_at and closed_at (sql/0051). */
	if (c->decided_us == 0 && c->state == WF_STATE_DETECTED &&
	    a->to != WF_STATE_DETECTED)
		c->decided_us = ev->at_us;
	if (a->to == WF_STATE_CLOSED && c->state != WF_STATE_CLOSED &&
	    c->state != WF_STATE_LOOKBACK)
		c->closed_us = ev->at_us;
	else if (a->to != WF_STATE_CLOSED && a->to != WF_STATE_LOOKBACK)
		c->closed_us = 0;
	c->state = a->to;
	c->version++;
	if (a->pending_event == NULL) {
		c->pending = WF_EV__MAX;
		c->pending_by = 0;
		c->pending_us = 0;
	} else {
		if (c->pending == WF_EV__MAX) {
			c->pending_by = by;
			c->pending_us = ev->at_us;
		}
		c->pending = wf_event_parse(a->pending_event);
	}
	c->pending_seq = a->pending_event != NULL ? a->pending_seq : 0;
	c->updated_us = ev->at_us;
	if (!a->facts)
		return;
	c->interviews += a->interviews;
	if (a->set_lookback)
		snprintf(c->lookback_on, sizeof(c->lookback_on), "%s",
		    a->lookback != NULL ? a->lookback : "");
	if (a->penalty) {
		c->penalty_us = ev->at_us;
		snprintf(c->fine, sizeof(c->fine), "%s", a->fine);
		snprintf(c->confiscation, sizeof(c->confiscation), "%s",
		    a->confiscation);
		snprintf(c->value, sizeof(c->value), "%s", a->value);
	}
	if (a->judicial)
		c->judicial_us = ev->at_us;
	if (a->discipline)
		c->discipline_us = ev->at_us;
}

/* Register the case: case_create()'s event 1 and first deadline. */
static void
live_create(struct batch *b, struct live *c)
{
	const struct world	*w = b->w;
	const struct case_plan	*p = c->plan;
	const struct actor	*off = &w->officer[c->province];
	struct wf_dl_change	 ch[WF_DL__MAX];
	struct ledger_event	 ev;
	json_t			*payload;
	size_t			 n;

	/* case_create()'s: its registering officer answers for it. */
	payload = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s*, s:[I]}",
	    "enterprise_id", (json_int_t)w->ents[p->ent].id,
	    "campaign_id", (json_int_t)p->campaign,
	    "category", p->category, "domain", p->domain,
	    "source", p->source, "problem", p->problem,
	    "risk_level", p->risk_level, "assignees", (json_int_t)off->id);
	if (p->nproblem_types > 0)	/* as case_create() records them */
		json_object_set_new(payload, "problem_types",
		    case_problem_types_json(p));
	ledger_first(&ev, c->id, c->region, payload, p->created_us);
	c->state = WF_STATE_DETECTED;
	c->version = 1;
	c->pending = WF_EV__MAX;
	c->created_us = c->updated_us = p->created_us;
	live_event(b, c, &ev, off);
	n = wf_deadline_changes(WF_EV__MAX, WF_PHASE_CREATE,
	    p->created_us / 1000000, NULL, ch);
	live_deadlines(c, 1, p->created_us, ch, n);
	json_decref(payload);
}

/* A transition: case_transition() and carry_out(). */
static void
live_transition(struct batch *b, struct live *c, struct step *s)
{
	const struct world	*w = b->w;
	const struct actor	*who = s->legal ? &w->legal[c->province] :
				    &w->officer[c->province];
	struct wf_dl_change	 ch[WF_DL__MAX];
	struct wf_payload	 view;
	struct ledger_event	 ev;
	struct advance		 a;
	size_t			 n;
	enum wf_phase		 phase;

	memset(&ev, 0, sizeof(ev));
	memset(&a, 0, sizeof(a));
	ev.entity = LEDGER_CASE;
	ev.id = c->id;
	ev.seq = c->last_seq + 1;
	ev.prev = c->last_hash;
	ev.scope_region = c->region;
	ev.role = acting_role(who->roles, wf_events[s->event].roles);
	ev.event = wf_events[s->event].id;
	ev.from = wf_states[c->state].id;
	ev.payload = s->payload;
	ev.at_us = s->at_us;
	if (s->outcome == WF_NEEDS_APPROVAL) {
		ev.phase = "proposed";
		ev.to = wf_states[c->state].id;
		a.to = c->state;
		a.pending_event = wf_events[s->event].id;
		a.pending_seq = ev.seq;
		phase = WF_PHASE_PROPOSE;
		json_decref(c->proposal);
		c->proposal = json_incref(s->payload);
	} else {
		ev.phase = "applied";
		ev.to = wf_states[s->to].id;
		a.to = s->to;
		if (c->pending != WF_EV__MAX) {
			a.pending_event = wf_events[c->pending].id;
			a.pending_seq = c->pending_seq;
		}
		payload_view(&view, s->payload);
		advance_facts(&a, s->event, &view);
		phase = WF_PHASE_APPLY;
	}
	live_event(b, c, &ev, who);
	live_advance(c, &a, &ev, who->id);
	payload_view(&view, s->payload);
	n = wf_deadline_changes(s->event, phase, ev.at_us / 1000000, &view, ch);
	live_deadlines(c, ev.seq, ev.at_us, ch, n);
}

/* The legal reviewer's decision: case_approval() and carry_out(). */
static void
live_decide(struct batch *b, struct live *c, struct step *s)
{
	const struct world	*w = b->w;
	const struct actor	*who = &w->legal[c->province];
	struct wf_dl_change	 ch[WF_DL__MAX];
	struct wf_payload	 view;
	struct ledger_event	 ev;
	struct advance		 a;
	enum wf_event		 pe = c->pending;
	json_t			*payload;
	size_t			 n;

	if (wf_decide_approval(who->roles, who->id, c->pending_by,
	    c->pending != WF_EV__MAX) != WF_APPROVAL_OK)
		fatal("case %lld: %s may not decide its proposal",
		    (long long)c->id, who->username);
	payload = json_pack("{s:i, s:s*}", "proposal_seq", c->pending_seq,
	    "comment", s->comment);
	memset(&ev, 0, sizeof(ev));
	memset(&a, 0, sizeof(a));
	ev.entity = LEDGER_CASE;
	ev.id = c->id;
	ev.seq = c->last_seq + 1;
	ev.prev = c->last_hash;
	ev.scope_region = c->region;
	ev.role = wf_role_ids[WF_ROLE_LEGAL];
	ev.event = wf_events[pe].id;
	ev.from = wf_states[c->state].id;
	ev.payload = payload;
	ev.at_us = s->at_us;
	a.to = c->state;
	if (s->approve) {
		ev.phase = "approved";
		if (wf_events[pe].to != WF_STATE__MAX)
			a.to = wf_events[pe].to;
		payload_view(&view, c->proposal);
		advance_facts(&a, pe, &view);
	} else
		ev.phase = "rejected";
	ev.to = wf_states[a.to].id;
	live_event(b, c, &ev, who);
	live_advance(c, &a, &ev, who->id);
	payload_view(&view, c->proposal);
	n = wf_deadline_changes(pe, s->approve ? WF_PHASE_APPROVE :
	    WF_PHASE_REJECT, ev.at_us / 1000000, &view, ch);
	live_deadlines(c, ev.seq, ev.at_us, ch, n);
	json_decref(payload);
	json_decref(c->proposal);
	c->proposal = NULL;
}

/* The case row and its deadline rows, as they stand after the walk. */
static void
live_rows(struct batch *b, struct live *c)
{
	const struct case_plan	*p = c->plan;
	const struct world	*w = b->w;
	struct sbuf		*s = &b->cases;
	long long		 next = 0;
	char			 hex[2 * CHAIN_LEN + 3];
	size_t			 i;

	for (i = 0; i < c->ndl; i++)
		if (c->dl[i].stopped_us == 0 && (next == 0 ||
		    c->dl[i].due < next))
			next = c->dl[i].due;
	sb_int(s, c->id, '\t');
	sb_int(s, w->ents[p->ent].id, '\t');
	sb_field(s, c->region, '\t');
	sb_int(s, p->campaign, '\t');
	sb_field(s, p->category, '\t');
	sb_field(s, p->domain, '\t');
	sb_field(s, p->source, '\t');
	sb_field(s, p->problem, '\t');
	sb_field(s, p->risk_level, '\t');
	sb_field(s, wf_states[c->state].id, '\t');
	sb_int(s, c->version, '\t');
	if (c->pending != WF_EV__MAX) {
		sb_field(s, wf_events[c->pending].id, '\t');
		sb_int(s, c->pending_seq, '\t');
		sb_int(s, c->pending_by, '\t');
		sb_time(s, c->pending_us, '\t');
	} else
		sb_add(s, "\\N\t\\N\t\\N\t\\N\t", 12);
	sb_int(s, c->last_seq, '\t');
	bytea_hex(c->last_hash, CHAIN_LEN, hex);
	sb_field(s, hex, '\t');
	sb_field(s, c->lookback_on[0] ? c->lookback_on : NULL, '\t');
	sb_time(s, next * 1000000, '\t');
	sb_time(s, c->penalty_us, '\t');
	sb_field(s, c->penalty_us ? c->fine : NULL, '\t');
	sb_field(s, c->penalty_us ? c->confiscation : NULL, '\t');
	sb_field(s, c->penalty_us ? c->value : NULL, '\t');
	sb_time(s, c->judicial_us, '\t');
	sb_time(s, c->discipline_us, '\t');
	sb_int(s, c->interviews, '\t');
	sb_time(s, c->created_us, '\t');
	sb_int(s, w->officer[c->province].id, '\t');
	sb_time(s, c->updated_us, '\t');
	sb_time(s, c->decided_us, '\t');
	sb_time(s, c->closed_us, w->profiles ? '\t' : '\n');
	if (w->profiles) {
		char	 types[128];

		case_problem_types_text(p, types, sizeof(types));
		sb_field(s, types, '\n');
	}

	/* Its assignee: the registering officer (case_open()). */
	sb_int(&b->assignees, c->id, '\t');
	sb_int(&b->assignees, w->officer[c->province].id, '\t');
	sb_field(&b->assignees, c->region, '\n');

	for (i = 0; i < c->ndl; i++) {
		s = &b->deadlines;
		sb_int(s, c->id, '\t');
		sb_field(s, wf_deadlines[c->dl[i].kind].id, '\t');
		sb_int(s, c->dl[i].started_seq, '\t');
		sb_field(s, c->region, '\t');
		sb_time(s, c->dl[i].basis * 1000000, '\t');
		sb_time(s, c->dl[i].due * 1000000, '\t');
		sb_field(s, c->dl[i].known ? "t" : "f", '\t');
		if (c->dl[i].stopped_us != 0) {
			sb_int(s, c->dl[i].stopped_seq, '\t');
			sb_time(s, c->dl[i].stopped_us, '\n');
		} else
			sb_add(s, "\\N\t\\N\n", 6);
		b->n.deadlines++;
	}
	b->n.cases++;
	b->n.states[c->state]++;
	if (c->pending != WF_EV__MAX)
		b->n.pending++;
}

/* Walk case `k` with id `id` and write its rows into the batch. */
static void
one_case(struct batch *b, const struct load *l, uint64_t k, int64_t id)
{
	const struct world	*w = b->w;
	struct case_plan	*p;
	struct live		*c;
	size_t			 i;

	if ((p = malloc(sizeof(*p))) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		fatal("out of memory");
	if (walk_case(w, k, l->mode, l->province, p) == -1)
		fatal("no enterprise to register case %llu at",
		    (unsigned long long)k);
	c->id = id;
	c->plan = p;
	c->province = p->province;
	c->region = w->regions[w->ents[p->ent].region].code;
	live_create(b, c);
	for (i = 0; i < p->nsteps; i++) {
		if (p->steps[i].from != c->state)
			fatal("case %llu: the walk and the case disagree",
			    (unsigned long long)k);
		if (p->steps[i].kind == STEP_DECIDE)
			live_decide(b, c, &p->steps[i]);
		else
			live_transition(b, c, &p->steps[i]);
	}
	live_rows(b, c);
	json_decref(c->proposal);
	walk_free(p);
	free(p);
	free(c);
}

/* The activity row `k`. */
static void
one_activity(struct batch *b, uint64_t k)
{
	const struct world	*w = b->w;
	struct activity		 a;
	struct sbuf		*s = &b->acts;
	int			 ent, insp, spot, mon, help;

	activity_make(w, k, &a);
	ent = a.ent != (size_t)-1;
	insp = strcmp(a.kind, "inspection") == 0;
	spot = strcmp(a.kind, "spot_check") == 0;
	mon = strcmp(a.kind, "risk_monitoring") == 0;
	help = strcmp(a.kind, "assistance") == 0;
	sb_field(s, a.kind, '\t');
	sb_int(s, a.campaign, '\t');
	sb_field(s, a.category, '\t');
	sb_field(s, a.on, '\t');
	sb_field(s, w->regions[ent ? w->ents[a.ent].region : a.region].code,
	    '\t');
	if (ent)
		sb_int(s, w->ents[a.ent].id, '\t');
	else
		sb_field(s, NULL, '\t');
	sb_field(s, a.domain, '\t');
	sb_field(s, insp ? (a.problems_found ? "t" : "f") : NULL, '\t');
	if (mon)
		sb_int(s, a.problems_count, '\t');
	else
		sb_field(s, NULL, '\t');
	if (spot || mon)
		sb_int(s, a.batches, '\t');
	else
		sb_field(s, NULL, '\t');
	if (spot)
		sb_int(s, a.failed_batches, '\t');
	else
		sb_field(s, NULL, '\t');
	sb_field(s, a.summary, '\t');
	if (help)
		sb_int(s, a.problems_solved, '\t');
	else
		sb_field(s, NULL, '\t');
	sb_field(s, help ? a.output_gain : NULL, '\t');
	sb_int(s, w->officer[a.province].id, w->profiles ? '\t' : '\n');
	if (w->profiles) {
		char	*items = NULL;

		if (a.items != NULL && (items = json_dumps(a.items,
		    JSON_COMPACT)) == NULL)
			fatal("out of memory");
		sb_field(s, a.channel, '\t');
		sb_field(s, items, '\n');
		free(items);
	}
	activity_free(&a);
	b->n.activities++;
}

/* ------------------------------------------------------------------ */
/* Loading                                                            */
/* ------------------------------------------------------------------ */

#define COPY_CASES \
	"COPY cases (id, enterprise_id, region, campaign_id, category," \
	" domain, source, problem, risk_level, state, version, pending_event," \
	" pending_seq, pending_by, pending_at, last_seq, last_hash," \
	" lookback_on, next_due, penalty_decided_at, fine_amount," \
	" confiscation_amount, case_value, judicial_transferred_at," \
	" discipline_transferred_at, interviews, created_at, created_by," \
	" updated_at, decided_at, closed_at%s) FROM STDIN"
#define COPY_ASSIGNEES \
	"COPY case_assignees (case_id, user_id, region) FROM STDIN"
#define COPY_EVENTS \
	"COPY seed_events (ord, entity, record, prev, hash) FROM STDIN"
/* The events into the ledger, in the order they were made. */
#define APPEND_EVENTS \
	"SELECT count(*) FROM (SELECT ledger_append(s.entity, s.record," \
	" s.prev, s.hash) AS x FROM (SELECT * FROM seed_events ORDER BY ord" \
	" OFFSET 0) s) t"
#define COPY_DEADLINES \
	"COPY case_deadlines (case_id, kind, started_seq, region, basis_at," \
	" due_at, calendar_known, stopped_seq, stopped_at) FROM STDIN"
#define COPY_ACTIVITIES \
	"COPY activities (kind, campaign_id, category, on_date, region," \
	" enterprise_id, domain, problems_found, problems_count, batches," \
	" failed_batches, summary, problems_solved, output_gain," \
	" created_by%s)" \
	" FROM STDIN"

struct plan {
	uint64_t	 nbatches;
	uint64_t	 acts_per_batch;
	int64_t		 first_id;
};

static double
now_s(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Load batch `i` in one transaction.  Returns 0, or -1 (said). */
static int
load_batch(struct batch *b, const struct load *l, const struct plan *pl,
    uint64_t i)
{
	struct sbuf	*bufs[4] = { &b->cases, &b->events, &b->deadlines,
			    &b->acts };
	char		 cases[1024], acts[512];
	const char	*copies[4] = {
		cases, COPY_EVENTS, COPY_DEADLINES, acts
	};
	uint64_t	 k, lo, hi;
	double		 t;
	int		 j;

	/* With profiles: the cases' problem types, spot checks' detail. */
	snprintf(cases, sizeof(cases), COPY_CASES, b->w->profiles ?
	    ", problem_types" : "");
	snprintf(acts, sizeof(acts), COPY_ACTIVITIES, b->w->profiles ?
	    ", channel, items" : "");
	t = now_s();
	lo = i * BATCH;
	hi = lo + BATCH < l->ncases ? lo + BATCH : l->ncases;
	for (k = lo; k < hi; k++)
		one_case(b, l, l->first_case + k, pl->first_id + (int64_t)k);
	lo = i * pl->acts_per_batch;
	hi = lo + pl->acts_per_batch < l->nacts ? lo + pl->acts_per_batch :
	    l->nacts;
	for (k = lo; k < hi; k++)
		one_activity(b, l->first_act + k);
	b->n.t_make += now_s() - t;
	if (exec_ok(b->conn, "BEGIN") == -1)
		return -1;
	for (j = 0; j < 4; j++) {
		t = now_s();
		if (copy_send(b->conn, copies[j], bufs[j]) == -1 ||
		    (bufs[j] == &b->cases && copy_send(b->conn,
		    COPY_ASSIGNEES, &b->assignees) == -1) ||
		    (bufs[j] == &b->events &&
		    exec_ok(b->conn, APPEND_EVENTS) == -1)) {
			exec_ok(b->conn, "ROLLBACK");
			return -1;
		}
		b->n.t_copy[j] += now_s() - t;
	}
	t = now_s();
	if (exec_ok(b->conn, "COMMIT") == -1)
		return -1;
	b->n.t_commit += now_s() - t;
	return 0;
}

static PGconn *
connect_loader(const char *conninfo)
{
	PGconn	*c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK)
		fatal("could not connect to the database: %s",
		    PQerrorMessage(c));
	/*
	 * Demonstration data: a crash loses at most the last batches, never
	 * their consistency, so the loader's own commits need not wait for
	 * the disk.  The service's settings are untouched.
	 */
	/*
	 * Risk grades wait for the end of the load (risk_refresh_all): a
	 * batch would grade a thousand enterprises, each again and again.
	 */
	if (exec_ok(c, "SET synchronous_commit = off") == -1 ||
	    exec_ok(c, "SET client_min_messages = warning") == -1 ||
	    exec_ok(c, "SET paicha.risk_deferred = on") == -1 ||
	    exec_ok(c, "CREATE TEMP TABLE seed_events (ord bigint,"
	    " entity text, record text, prev bytea, hash bytea)"
	    " ON COMMIT DELETE ROWS") == -1)
		fatal("could not set up the loader's session");
	return c;
}

/* One loading process: every jobs-th batch from `job`. */
static int
load_job(const struct load *l, const struct world *w, const struct plan *pl,
    int job, int out)
{
	struct batch	 b;
	uint64_t	 i, done = 0;
	int		 rc = 0;

	memset(&b, 0, sizeof(b));
	b.w = w;
	b.conn = connect_loader(l->conninfo);
	for (i = (uint64_t)job; i < pl->nbatches; i += (uint64_t)l->jobs) {
		if (load_batch(&b, l, pl, i) == -1) {
			rc = -1;
			break;
		}
		done++;
		if (job == 0 && (done % 20 == 0 || i + (uint64_t)l->jobs >=
		    pl->nbatches))
			note("batch %llu of %llu loaded (%.0f s)",
			    (unsigned long long)i + 1,
			    (unsigned long long)pl->nbatches, elapsed());
	}
	PQfinish(b.conn);
	if (write(out, &b.n, sizeof(b.n)) != (ssize_t)sizeof(b.n))
		rc = -1;
	free(b.cases.p);
	free(b.events.p);
	free(b.deadlines.p);
	free(b.acts.p);
	free(b.assignees.p);
	return rc;
}

/*
 * Take ids for `n` cases from the cases' sequence in one block: the
 * hash of every event names its case id, so ids are fixed before any
 * row is written.  Returns the first.
 */
static int64_t
reserve_ids(PGconn *c, uint64_t n)
{
	PGresult	*res;
	char		 sql[256];
	int64_t		 first;

	snprintf(sql, sizeof(sql), "SELECT nextval(s)::bigint,"
	    " setval(s, currval(s) + %llu) FROM"
	    " pg_get_serial_sequence('cases', 'id') s",
	    (unsigned long long)(n > 0 ? n - 1 : 0));
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fatal("could not reserve case ids: %s",
		    PQresultErrorMessage(res));
	first = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return first;
}

/*
 * Load l->ncases cases and l->nacts activities with l->jobs processes.
 * Adds what was loaded to `n`.  Returns 0, or -1 when a batch failed
 * (the batches before it stay loaded).
 */
int
bulk_load(const struct load *l, struct world *w, struct counts *n)
{
	struct plan	 pl;
	struct counts	 got;
	PGconn		*c;
	pid_t		 pids[64];
	int		 fds[64][2], j, status, rc = 0, jobs;
	size_t		 s;

	memset(&pl, 0, sizeof(pl));
	pl.nbatches = (l->ncases + BATCH - 1) / BATCH;
	if (pl.nbatches == 0 && l->nacts > 0)
		pl.nbatches = (l->nacts + BATCH - 1) / BATCH;
	if (pl.nbatches == 0)
		return 0;
	pl.acts_per_batch = (l->nacts + pl.nbatches - 1) / pl.nbatches;
	c = connect_loader(l->conninfo);
	if (l->ncases > 0)
		pl.first_id = reserve_ids(c, l->ncases);
	PQfinish(c);

	jobs = l->jobs < 1 ? 1 : l->jobs > 64 ? 64 : l->jobs;
	if ((uint64_t)jobs > pl.nbatches)
		jobs = (int)pl.nbatches;
	((struct load *)l)->jobs = jobs;
	for (j = 0; j < jobs; j++) {
		if (pipe(fds[j]) == -1)
			fatal("pipe: %s", strerror(errno));
		if ((pids[j] = fork()) == -1)
			fatal("fork: %s", strerror(errno));
		if (pids[j] == 0) {
			close(fds[j][0]);
			_exit(load_job(l, w, &pl, j, fds[j][1]) == 0 ? 0 : 1);
		}
		close(fds[j][1]);
	}
	for (j = 0; j < jobs; j++) {
		memset(&got, 0, sizeof(got));
		if (read(fds[j][0], &got, sizeof(got)) == (ssize_t)sizeof(got)) {
			n->cases += got.cases;
			n->events += got.events;
			n->deadlines += got.deadlines;
			n->activities += got.activities;
			n->pending += got.pending;
			for (s = 0; s < WF_STATE__MAX; s++)
				n->states[s] += got.states[s];
			n->t_make += got.t_make;
			for (s = 0; s < 4; s++)
				n->t_copy[s] += got.t_copy[s];
			n->t_commit += got.t_commit;
		}
		close(fds[j][0]);
		if (waitpid(pids[j], &status, 0) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			rc = -1;
	}
	return rc;
}
