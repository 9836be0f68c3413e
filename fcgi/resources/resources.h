/*
 * resources.h: the handlers, one file per resource, and what resources
 * share.  A handler runs after the front line (../front/router.c) has
 * checked the request and, for the routes that change things, opened
 * the transaction: it validates, loads, decides (the workflow library),
 * appends to the ledger and stages its reply -- nothing more.
 */
#ifndef PAICHA_RESOURCES_H
#define PAICHA_RESOURCES_H

#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "../../workflow/workflow.h"
#include "../ledger/ledger.h"

struct req;

/* ------------------------------------------------------------------ */
/* Cases (cases.c, case_history.c, transitions.c, payload.c)          */
/* ------------------------------------------------------------------ */

struct case_row {
	int64_t		 id;
	int64_t		 enterprise_id;
	char		 region[7];
	enum wf_state	 state;
	int		 version;
	int		 pending;
	enum wf_event	 pending_event;
	int		 pending_seq;
	int64_t		 pending_by;
	int		 last_seq;
	unsigned char	 last_hash[CHAIN_LEN];
};

/*
 * What a step changes on the case row besides its state and chain head
 * (transitions.c): the service's case_step() and the bulk seeder both
 * apply it.
 */
struct advance {
	enum wf_state	 to;
	const char	*pending_event;	/* NULL: no proposal pending after */
	int		 pending_seq;
	/* Facts the statistics count; see sql/0007_cases.sql. */
	int		 facts;
	int		 interviews;	/* added */
	int		 set_lookback;	/* 1: lookback_on = lookback (NULL ok) */
	const char	*lookback;
	int		 penalty;	/* 1: a penalty decision, amounts below */
	const char	*fine, *confiscation, *value;
	int		 judicial, discipline;
};

struct dbq;

/* case_json's reads, queued beside a caller's own (cases.c). */
#define CASE_JSON_QUERIES	2

int	 case_load(struct req *, int64_t, struct case_row *);
json_t	*case_json(struct req *, int64_t);
void	 case_json_queue(struct dbq *, const char *const *);
json_t	*case_json_build(struct req *, const struct dbq *, const char *);
void	 payload_view(struct wf_payload *, json_t *);
json_t	*event_json(enum wf_event);
void	 advance_facts(struct advance *, enum wf_event, json_t *);
const char *acting_role(unsigned, unsigned);
void	 like_pattern(const char *, char *);
const char *region_usable(struct req *, const char *, int);

/*
 * Why a record was refused (admit.c): every failure, and the status a
 * request for that one record gets -- the most telling of them: 403
 * (not yours to do) over 409 (a duplicate) over 422, and 400 (a value
 * of the wrong JSON type) over all.  An import gathers them row by row.
 */
struct admit {
	json_t		*errors;	/* [{field, message}], or NULL */
	int		 status;	/* 0 while nothing was refused */
	char		 detail[200];	/* for the problem's detail, or "" */
};

void	 admit_refuse(struct admit *, int, const char *, const char *);
void	 admit_reply(struct req *, struct admit *);
int64_t	 activity_admit(struct req *, const json_t *, int64_t, int,
	    struct admit *);
int64_t	 enterprise_admit(struct req *, const json_t *, int64_t, int,
	    struct admit *);

/* changes.c: a resource's change as an event of its stream. */
int	 change_record(struct req *, enum ledger_entity, int64_t, const char *,
	    const char *, json_t *);
int	 change_update(struct req *, enum ledger_entity, int64_t, const char *,
	    const json_t *, const json_t *, const char *const *);

/* ------------------------------------------------------------------ */
/* Handlers, by route (../routes.c)                                   */
/* ------------------------------------------------------------------ */

/* imports.c, feed.c */
void	 import_create(struct req *);
void	 import_check(struct req *);
void	 import_template(struct req *);
void	 import_list(struct req *);
void	 import_get(struct req *);
void	 feed_get(struct req *);
void	 report_credit_publications(struct req *);

/* ../openapi.c: the API's description, from the endpoint table. */
int	 openapi_check(void);
json_t	*openapi_document(void);
void	 openapi_get(struct req *);

/* ------------------------------------------------------------------ */
/* ------------------------------------------------------------------ */

/* operations.c */
void	 health_get(struct req *);
void	 metrics_get(struct req *);

/* sessions.c */
void	 session_create(struct req *);
void	 session_get(struct req *);
void	 session_delete(struct req *);
void	 session_password(struct req *);

/* cases.c, case_history.c, transitions.c */
void	 case_create(struct req *);
void	 case_get(struct req *);
void	 case_list(struct req *);
void	 case_counts(struct req *);
void	 case_actions(struct req *);
void	 case_events_get(struct req *);
void	 case_transition(struct req *);
void	 case_approval(struct req *);

/* workflow.c, reference.c */
void	 workflow_get(struct req *);
void	 regions_get(struct req *);
void	 categories_get(struct req *);
void	 category_create(struct req *);
void	 campaigns_get(struct req *);

/* enterprises.c */
void	 enterprise_create(struct req *);
void	 enterprise_list(struct req *);
void	 enterprise_get(struct req *);
void	 enterprise_lookup(struct req *);
void	 enterprise_patch(struct req *);

/* users.c */
void	 user_list(struct req *);
void	 user_get(struct req *);
void	 user_create(struct req *);
void	 user_patch(struct req *);

/* activities.c, reports.c */
void	 activity_create(struct req *);
void	 activity_get(struct req *);
void	 activity_list(struct req *);
void	 report_campaign(struct req *);

/* audit.c, feed.c */
json_t	*event_item(const PGresult *, int);
void	 audit_events(struct req *);
void	 audit_verify(struct req *);
void	 audit_checkpoint_latest(struct req *);

#endif /* PAICHA_RESOURCES_H */
