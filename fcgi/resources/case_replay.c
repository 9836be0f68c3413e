/*
 * case_replay.c: a case's history replayed through the workflow, for
 * verify (../ledger/verify.c) to compare with the case's row.
 *
 * A case's row is the projection of its events: case_open() writes it
 * from event 1, case_step() moves it with each later one
 * (sql/0017_ledger.sql), from what transitions.c computed.  This replays
 * the same computation from the events alone -- the workflow library's
 * tables (wf_events: where an event may fire from, who may fire it,
 * where it leads, whether it needs approval; wf_actions and
 * wf_decide_approval: the guard and four eyes) and the service's own
 * advance_facts() for what an event records -- and says which fact of
 * the row the events do not make.  No rule is written twice: a change
 * to the workflow or to advance_facts() changes the replay with it.
 *
 * What it does not judge again: whether a payload was valid when the
 * event was made (its rules depend on the day and may tighten later;
 * the chain hash keeps the payload as it was), and the deadlines (the
 * working-day calendar of a year may be published after them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "resources.h"

#define NAME_MAX_	64	/* an event, state, role or phase id, bytes */
#define TEXT_FACT	200	/* a registration text fact kept, bytes */

/* Bytes kept from one case to the next; grown, never shrunk. */
struct buf {
	char	*p;
	size_t	 len, cap;
};

/* Set `b` to the `n` bytes at `s`, NUL-terminated.  0, or -1: no memory. */
static int
buf_set(struct buf *b, const char *s, size_t n)
{
	char	*p;

	if (n + 1 > b->cap) {
		if ((p = realloc(b->p, n + 1)) == NULL)
			return -1;
		b->p = p;
		b->cap = n + 1;
	}
	memcpy(b->p, s, n);
	b->p[n] = '\0';
	b->len = n;
	return 0;
}

/* What a case's events have made of it so far. */
struct replay {
	int		 seen;		/* events replayed */
	enum wf_state	 state;
	enum wf_event	 pending;	/* WF_EV__MAX: none */
	int32_t		 pending_seq;
	int64_t		 pending_by;
	struct buf	 proposal;	/* its payload's JSON, unparsed */
	int		 interviews;
	int		 penalty, judicial, discipline;
	long long	 fine, confiscation, value;	/* fen; -1 null */
	int		 fine_bad;	/* an amount no fen can say */
	char		 lookback[WF_DATE_LEN + 1];	/* "" null */
	/* Event 1's: the registration. */
	long long	 enterprise, campaign, created_by;
	char		 region[8];
	char		 category[TEXT_FACT], domain[TEXT_FACT];
	char		 source[TEXT_FACT], risk[TEXT_FACT];
	int		 has_risk;
	struct buf	 problem;
};

static void *
replay_open(void)
{
	return calloc(1, sizeof(struct replay));
}

static void
replay_start(void *p)
{
	struct replay	*s = p;
	struct buf	 proposal = s->proposal, problem = s->problem;

	memset(s, 0, sizeof(*s));
	s->proposal = proposal;
	s->problem = problem;
	s->proposal.len = s->problem.len = 0;
	s->pending = WF_EV__MAX;
	s->fine = s->confiscation = s->value = -1;
}

static void
replay_close(void *p)
{
	struct replay	*s = p;

	if (s == NULL)
		return;
	free(s->proposal.p);
	free(s->problem.p);
	free(s);
}

/* A member of the record as a NUL-terminated id in `buf`; "" if none. */
static const char *
id_of(struct text t, char *buf)
{
	if (t.s == NULL || t.n >= NAME_MAX_)
		return strcpy(buf, "");
	memcpy(buf, t.s, t.n);
	buf[t.n] = '\0';
	return buf;
}

/* The string `v` into `out` (size TEXT_FACT); 0, or -1: too long. */
static int
fact_set(char *out, const char *v)
{
	if (strlen(v) >= TEXT_FACT)
		return -1;
	strcpy(out, v);
	return 0;
}

/* A string member of `o`, copied into `out` (size TEXT_FACT); 0 or -1. */
static int
text_member(const json_t *o, const char *key, char *out)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? fact_set(out, v) : -1;
}

/* A plain id (digits) at v (n bytes), into *out; 0 or -1. */
static int
quick_id(const char *v, size_t n, long long *out)
{
	size_t	 i;

	if (v == NULL || n == 0 || n > 18)
		return -1;
	for (*out = 0, i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		*out = *out * 10 + (v[i] - '0');
	}
	return 0;
}

/* A JSON string at v (n bytes, no escapes) into `out` (TEXT_FACT). */
static int
quick_text(const char *v, size_t n, char *out)
{
	if (v == NULL || n < 2 || v[0] != '"' || n - 2 >= TEXT_FACT)
		return -1;
	memcpy(out, v + 1, n - 2);
	out[n - 2] = '\0';
	return 0;
}

/*
 * The registration's facts read in place from its compact payload, in
 * one pass: 0, or -1 when they must be read by Jansson (an escape,
 * another layout).
 */
static int
create_quick(struct replay *s, const char *payload, size_t len)
{
	enum { Q_ENT, Q_CAMP, Q_CAT, Q_DOM, Q_SRC, Q_PROB, Q_RISK, Q__MAX };
	static const char *const keys[Q__MAX] = {
		"enterprise_id", "campaign_id", "category", "domain", "source",
		"problem", "risk_level",
	};
	struct lazy_payload	 l;
	struct wf_payload	 view;
	const char		*v[Q__MAX];
	size_t			 n[Q__MAX];

	payload_view_lazy(&view, &l, payload, len);
	if (lazy_payload_members(&l, keys, Q__MAX, v, n) == -1 ||
	    quick_id(v[Q_ENT], n[Q_ENT], &s->enterprise) == -1 ||
	    quick_id(v[Q_CAMP], n[Q_CAMP], &s->campaign) == -1 ||
	    quick_text(v[Q_CAT], n[Q_CAT], s->category) == -1 ||
	    quick_text(v[Q_DOM], n[Q_DOM], s->domain) == -1 ||
	    quick_text(v[Q_SRC], n[Q_SRC], s->source) == -1 ||
	    v[Q_PROB] == NULL || n[Q_PROB] < 2 || v[Q_PROB][0] != '"' ||
	    buf_set(&s->problem, v[Q_PROB] + 1, n[Q_PROB] - 2) == -1)
		return -1;
	s->has_risk = v[Q_RISK] != NULL && v[Q_RISK][0] != 'n';
	if (s->has_risk && quick_text(v[Q_RISK], n[Q_RISK], s->risk) == -1)
		return -1;
	return 0;
}

/* Event 1, the registration: the facts case_open() takes from it. */
static const char *
replay_create(struct replay *s, const struct record_head *h,
    const char *payload, size_t len)
{
	char		 b[NAME_MAX_];
	const char	*problem;
	json_t		*o = NULL;
	const char	*why = NULL;

	if (h->seq != 1 || strcmp(id_of(h->event, b), "create") != 0 ||
	    strcmp(id_of(h->phase, b), "created") != 0 || h->from.s != NULL ||
	    wf_state_parse(id_of(h->to, b)) != WF_STATE_DETECTED)
		return "the case's first event is not its registration";
	if (create_quick(s, payload, len) == 0)
		goto done;
	if ((o = json_loadb(payload, len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return "the registration's payload cannot be read";
	problem = json_string_value(json_object_get(o, "problem"));
	if (!json_is_integer(json_object_get(o, "enterprise_id")) ||
	    !json_is_integer(json_object_get(o, "campaign_id")) ||
	    text_member(o, "category", s->category) == -1 ||
	    text_member(o, "domain", s->domain) == -1 ||
	    text_member(o, "source", s->source) == -1 || problem == NULL) {
		why = "the registration does not carry the case's facts";
		goto out;
	}
	if (buf_set(&s->problem, problem, json_string_length(json_object_get(o,
	    "problem"))) == -1) {
		why = "out of memory";
		goto out;
	}
	s->enterprise = json_integer_value(json_object_get(o,
	    "enterprise_id"));
	s->campaign = json_integer_value(json_object_get(o, "campaign_id"));
	s->has_risk = json_object_get(o, "risk_level") != NULL &&
	    !json_is_null(json_object_get(o, "risk_level"));
	if (s->has_risk && text_member(o, "risk_level", s->risk) == -1)
		why = "the registration's risk level is not a text";
done:
	s->created_by = h->actor;
	id_of(h->scope_region, b);
	snprintf(s->region, sizeof(s->region), "%s", b);
	s->state = WF_STATE_DETECTED;
out:
	json_decref(o);
	return why;
}

/*
 * What an event that takes effect records on the row: advance_facts()
 * (transitions.c) over its payload's `len` bytes of JSON at `payload`,
 * applied as case_step() applies it.  The payload is parsed only if
 * advance_facts() reads a field of it.
 */
static const char *
replay_facts(struct replay *s, enum wf_event e, const char *payload,
    size_t len)
{
	struct lazy_payload	 l;
	struct wf_payload	 view;
	struct advance		 a;
	const char		*why = NULL;

	memset(&a, 0, sizeof(a));
	payload_view_lazy(&view, &l, payload, len);
	advance_facts(&a, e, &view);
	if (l.bad) {
		why = "the event's payload cannot be read";
		goto out;
	}
	s->interviews += a.interviews;
	if (a.set_lookback)
		snprintf(s->lookback, sizeof(s->lookback), "%s",
		    a.lookback != NULL && strlen(a.lookback) == WF_DATE_LEN ?
		    a.lookback : "");
	if (a.penalty) {
		s->penalty = 1;
		s->fine_bad = 0;
		s->fine = s->confiscation = s->value = -1;
		if ((a.fine != NULL && wf_money_parse(a.fine, &s->fine) == -1) ||
		    (a.confiscation != NULL &&
		    wf_money_parse(a.confiscation, &s->confiscation) == -1) ||
		    (a.value != NULL && wf_money_parse(a.value, &s->value) == -1))
			s->fine_bad = 1;
	}
	s->judicial |= a.judicial;
	s->discipline |= a.discipline;
	/* correct: the registration facts it names, as case_step() sets. */
	if ((a.category != NULL && fact_set(s->category, a.category) == -1) ||
	    (a.domain != NULL && fact_set(s->domain, a.domain) == -1) ||
	    (a.source != NULL && fact_set(s->source, a.source) == -1) ||
	    (a.risk_level != NULL && fact_set(s->risk, a.risk_level) == -1) ||
	    (a.problem != NULL && buf_set(&s->problem, a.problem,
	    strlen(a.problem)) == -1)) {
		why = "the correction's facts cannot be kept";
		goto out;
	}
	if (a.risk_level != NULL)
		s->has_risk = 1;
out:
	lazy_payload_free(&l);
	return why;
}

/*
 * One event verify has checked (its hash, chain and columns): whether
 * the workflow could have made it from what the history made so far,
 * and what it changes.  Returns NULL, or why not.
 */
static const char *
replay_event(void *p, const struct record_head *h, const char *payload,
    size_t len)
{
	struct replay	*s = p;
	char		 ev[NAME_MAX_], ph[NAME_MAX_], b[NAME_MAX_];
	enum wf_event	 e;
	enum wf_state	 to;
	enum wf_role	 role;
	unsigned	 bit;
	const char	*why;

	if (s->seen++ == 0)
		return replay_create(s, h, payload, len);
	id_of(h->event, ev);
	id_of(h->phase, ph);
	if ((e = wf_event_parse(ev)) == WF_EV__MAX)
		return "an event the workflow does not know";
	if ((role = wf_role_parse(id_of(h->role, b))) == WF_ROLE__MAX)
		return "an event made in a role the workflow does not know";
	if (wf_state_parse(id_of(h->from, b)) != s->state)
		return "the event starts from a state the case's history had "
		    "not reached";
	if ((to = wf_state_parse(id_of(h->to, b))) == WF_STATE__MAX)
		return "the event leads to a state the workflow does not know";
	bit = WF_ROLE_BIT(role);
	if (strcmp(ph, "applied") == 0 || strcmp(ph, "proposed") == 0) {
		if ((wf_actions(s->state, s->pending != WF_EV__MAX, bit) &
		    WF_EVENT_BIT(e)) == 0)
			return "the workflow does not allow this event here "
			    "(its state, the role, or a pending proposal)";
		if (wf_events[e].approval != (strcmp(ph, "proposed") == 0))
			return wf_events[e].approval ? "an event that needs "
			    "legal approval took effect without it" :
			    "a proposal of an event that needs no approval";
	}
	if (strcmp(ph, "applied") == 0) {
		if (to != (wf_events[e].to != WF_STATE__MAX ? wf_events[e].to :
		    s->state))
			return "the event leads elsewhere than the workflow's "
			    "table says";
		if ((why = replay_facts(s, e, payload, len)) != NULL)
			return why;
	} else if (strcmp(ph, "proposed") == 0) {
		if (to != s->state)
			return "a proposal moved the case";
		s->pending = e;
		s->pending_seq = h->seq;
		s->pending_by = h->actor;
		/* Kept as text: read only if approved, and if need be. */
		if (buf_set(&s->proposal, payload, len) == -1)
			return "out of memory";
	} else if (strcmp(ph, "approved") == 0 || strcmp(ph, "rejected") == 0) {
		if (s->pending != e)
			return "a decision on a proposal that is not pending";
		if (wf_decide_approval(bit, h->actor, s->pending_by, 1) !=
		    WF_APPROVAL_OK)
			return "a decision four eyes do not allow (not legal "
			    "review, or the proposer's own)";
		if (ph[0] == 'a') {
			if (to != (wf_events[e].to != WF_STATE__MAX ?
			    wf_events[e].to : s->state))
				return "the approval leads elsewhere than the "
				    "workflow's table says";
			if ((why = replay_facts(s, e, s->proposal.p,
			    s->proposal.len)) != NULL)
				return why;
		} else if (to != s->state)
			return "a rejection moved the case";
		s->pending = WF_EV__MAX;
	} else
		return "an event in a phase the ledger does not know";
	s->state = to;
	return NULL;
}

/* ---- the row ------------------------------------------------------ */

/* Whether the row's fact `t` is the text `want` (NULL: null). */
static int
same(struct text t, const char *want)
{
	if (want == NULL || t.s == NULL)
		return want == NULL && t.s == NULL;
	return strlen(want) == t.n && memcmp(t.s, want, t.n) == 0;
}

/* `fen` as numeric(15, 2) writes it, into `buf`; NULL for -1. */
static const char *
money(long long fen, char *buf, size_t size)
{
	if (fen < 0)
		return NULL;
	snprintf(buf, size, "%lld.%02lld", fen / 100, fen % 100);
	return buf;
}

static const char *
num(long long n, char *buf, size_t size)
{
	snprintf(buf, size, "%lld", n);
	return buf;
}

/*
 * The first fact of the row (`facts`, in enum case_fact order) the
 * replayed history does not give, or CF__MAX.
 */
static enum case_fact
replay_row(void *p, const struct text *facts)
{
	struct replay	*s = p;
	char		 b[48];
	int		 k;
	const char	*want;

	for (k = 0; k < CF__MAX; k++) {
		switch ((enum case_fact)k) {
		case CF_STATE:
			want = wf_states[s->state].id;
			break;
		case CF_VERSION:
			want = num(s->seen, b, sizeof(b));
			break;
		case CF_PENDING_EVENT:
			want = s->pending != WF_EV__MAX ?
			    wf_events[s->pending].id : NULL;
			break;
		case CF_PENDING_SEQ:
			want = s->pending != WF_EV__MAX ?
			    num(s->pending_seq, b, sizeof(b)) : NULL;
			break;
		case CF_PENDING_BY:
			want = s->pending != WF_EV__MAX ?
			    num(s->pending_by, b, sizeof(b)) : NULL;
			break;
		case CF_PENDING_AT:
			want = s->pending != WF_EV__MAX ? "set" : NULL;
			break;
		case CF_FINE:
			if (s->fine_bad)
				return CF_FINE;
			want = money(s->fine, b, sizeof(b));
			break;
		case CF_CONFISCATION:
			want = money(s->confiscation, b, sizeof(b));
			break;
		case CF_VALUE:
			want = money(s->value, b, sizeof(b));
			break;
		case CF_PENALTY_AT:
			want = s->penalty ? "set" : NULL;
			break;
		case CF_LOOKBACK_ON:
			want = s->lookback[0] != '\0' ? s->lookback : NULL;
			break;
		case CF_INTERVIEWS:
			want = num(s->interviews, b, sizeof(b));
			break;
		case CF_JUDICIAL_AT:
			want = s->judicial ? "set" : NULL;
			break;
		case CF_DISCIPLINE_AT:
			want = s->discipline ? "set" : NULL;
			break;
		case CF_ENTERPRISE:
			want = num(s->enterprise, b, sizeof(b));
			break;
		case CF_REGION:
			want = s->region;
			break;
		case CF_CAMPAIGN:
			want = num(s->campaign, b, sizeof(b));
			break;
		case CF_CATEGORY:
			want = s->category;
			break;
		case CF_DOMAIN:
			want = s->domain;
			break;
		case CF_SOURCE:
			want = s->source;
			break;
		case CF_PROBLEM:
			if (facts[k].s == NULL || facts[k].n != s->problem.len ||
			    memcmp(facts[k].s, s->problem.p, s->problem.len) != 0)
				return CF_PROBLEM;
			continue;
		case CF_RISK_LEVEL:
			want = s->has_risk ? s->risk : NULL;
			break;
		case CF_CREATED_BY:
			want = num(s->created_by, b, sizeof(b));
			break;
		case CF__MAX:
			return CF__MAX;
		}
		if (!same(facts[k], want))
			return (enum case_fact)k;
	}
	return CF__MAX;
}

const struct ledger_replay case_replay = {
	replay_open, replay_close, replay_start, replay_event, replay_row,
};
