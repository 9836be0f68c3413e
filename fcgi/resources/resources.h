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
	size_t		 nassignees;	/* assign: the case's new ones;
					   0: unchanged */
	long long	 assignees[WF_LIST_MAX];
	/* correct: the registration facts it changes (NULL: kept). */
	const char	*category, *domain, *source, *problem, *risk_level;
};

struct dbq;

/* case_json's reads, queued beside a caller's own (cases.c). */
#define CASE_JSON_QUERIES	5

int	 case_load(struct req *, int64_t, struct case_row *);
int	 case_visible(struct req *, int64_t);
json_t	*case_json(struct req *, int64_t);
int	 case_register(struct req *, int64_t, const char *, const char *,
	    json_t *);
/* An enterprise's view of its own cases (portal.c). */
json_t	*case_portal_json(struct req *, int64_t);
void	 case_portal_list(struct req *);
void	 case_json_queue(struct dbq *, const char *const *);
json_t	*case_json_build(struct req *, const struct dbq *, const char *);
void	 payload_view(struct wf_payload *, json_t *);

/*
 * A payload read from its JSON text only when a field is asked for: the
 * compact canonical text the ledger keeps is read in place, anything
 * else parsed by Jansson.
 */
struct lazy_payload {
	const char	*text;		/* borrowed */
	size_t		 len;
	json_t		*obj;		/* parsed, owned; NULL: not yet */
	int		 bad;		/* it does not parse */
	char		 buf[512];	/* strings read in place, copied */
	size_t		 used;
};

void	 payload_view_lazy(struct wf_payload *, struct lazy_payload *,
	    const char *, size_t);
int	 lazy_payload_members(const struct lazy_payload *,
	    const char *const *, size_t, const char **, size_t *);
int	 lazy_payload_member(const struct lazy_payload *, const char *,
	    const char **, size_t *);
void	 lazy_payload_free(struct lazy_payload *);
json_t	*event_json(enum wf_event);
void	 advance_facts(struct advance *, enum wf_event,
	    const struct wf_payload *);

/* A case's history replayed against its row, for verify (case_replay.c). */
extern const struct ledger_replay case_replay;
const char *acting_role(unsigned, unsigned);
void	 like_pattern(const char *, char *);
const char *region_usable(struct req *, const char *, int);
int	 assignees_check(struct req *, const json_t *, const char *,
	    const char *);
int	 correction_check(struct req *, const json_t *,
	    const struct case_row *);
int64_t	 case_open_referred(struct req *, long long, const char *, long long,
	    const char *, const char *, const char *, int64_t);
int	 case_system_event(struct req *, const struct case_row *,
	    enum wf_event, json_t *);

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
/* An enterprise's profile and risk (profile.c, risk.c)              */
/* ------------------------------------------------------------------ */

#define PERSON_CHARS	100	/* a legal representative's name */
#define PHONE_BYTES	32	/* a telephone number */
#define MAX_LICENCES	32	/* licences of one enterprise */

/* A licence as given, checked (profile_check). */
struct licence_in {
	const char	*kind;		/* "production", "ccc" */
	const char	*number;
	const char	*status;	/* NULL: not recorded */
	const char	*valid_from;	/* YYYY-MM-DD or NULL */
	const char	*valid_until;
};

/*
 * The profile's members of a body, borrowed from it: filled by the
 * PROFILE_VFIELDS rows of the resource's validation table, then checked
 * further by profile_check().
 */
struct profile_in {
	const char	*legal_representative;
	const char	*contact_phone;
	json_t		*area_types;
	json_t		*accident_history;
	json_t		*licences;
	/* profile_check's result */
	struct licence_in lic[MAX_LICENCES];
	size_t		 nlic;
};

const char *profile_check_person(const char *);
const char *profile_check_phone(const char *);

/*
 * The validation rows of the profile (../front/validate.c), for a
 * resource whose input struct `type` holds a struct profile_in `m`: five
 * rows, in this order, to be placed side by side in its table.
 */
#define PROFILE_NFIELDS	5
#define PROFILE_VFIELDS(type, m)					\
	{ "legal_representative", VT_TEXT, 0, 1, 4 * PERSON_CHARS, NULL, \
	    profile_check_person, offsetof(type, m.legal_representative) }, \
	{ "contact_phone", VT_STRING, 0, 1, PHONE_BYTES, NULL,		\
	    profile_check_phone, offsetof(type, m.contact_phone) },	\
	{ "area_types", VT_JSON, 0, 0, 0, NULL, NULL,			\
	    offsetof(type, m.area_types) },				\
	{ "accident_history", VT_JSON, 0, 0, 0, NULL, NULL,		\
	    offsetof(type, m.accident_history) },			\
	{ "licences", VT_JSON, 0, 0, 0, NULL, NULL,			\
	    offsetof(type, m.licences) }

int	 profile_given(const json_t *);
int	 profile_errors(const json_t *, struct profile_in *, json_t **, int *);
int	 profile_check(struct req *, const json_t *, struct profile_in *);
int	 profile_store(struct req *, int64_t, const json_t *,
	    const struct profile_in *);
int	 profile_json(struct req *, int64_t, json_t *);

/* The members of an enterprise's events the profile adds. */
#define PROFILE_AUDITED \
	"legal_representative", "contact_phone", "area_types", \
	"accident_history", "licences"

/* problem_types.c: a case's problem types. */
#define MAX_CASE_PROBLEM_TYPES	10

#define PROBLEM_TYPES_TEXT	(MAX_CASE_PROBLEM_TYPES * 41 + 3)

int	 problem_types_take(struct req *, const json_t *,
	    char[PROBLEM_TYPES_TEXT]);

/* ------------------------------------------------------------------ */
/* Evidence files (files.c, filetype.c, images.c)                     */
/* ------------------------------------------------------------------ */

#define FILE_CHUNK	(256 * 1024)	/* a piece of a file's content */
#define FILE_SNIFF	FILE_CHUNK	/* bytes its type is judged by */
#define FILE_NAME_MAX	255		/* bytes of a file's name */

/* The types a file may have (API.md Part 2), judged by content. */
enum ftype {
	FT_JPEG,
	FT_PNG,
	FT_PDF,
	FT_OFD,
	FT_DOC,
	FT_DOCX,
	FT_XLS,
	FT_XLSX,
	FT_MP4,
	FT_TEXT,
	FT__MAX
};

struct ftype_def {
	const char		*mime;		/* stored and served */
	const char		*label;		/* 中文 */
	const char *const	*declared;	/* Content-Types that agree */
	const char *const	*seen;		/* libmagic's other names */
	int			 image;		/* gets a thumbnail */
	int			 inline_ok;	/* may be shown in the page */
};

extern const struct ftype_def ftypes[FT__MAX];

enum fjudge {
	FJ_OK,
	FJ_REFUSED,		/* not an allowed type: 415 */
	FJ_CONTRADICTED,	/* the declared type says otherwise: 415 */
	FJ_FAILED,		/* libmagic failed: 500 */
	FJ__MAX
};

enum fjudge	 filetype_judge(const void *, size_t, const char *,
		    enum ftype *, char *, size_t);
enum ftype	 filetype_of_mime(const char *);

/* A content read piece by piece (images.c reads a photo this way). */
struct piece_reader {
	long long	 size;		/* bytes in all */
	size_t		 chunk;		/* bytes in each piece but the last */
	/* Piece `n`: 0 with its bytes, valid until the next call; or -1. */
	int		(*fetch)(void *, int, const char **, size_t *);
	void		*arg;
};

json_t	*image_exif(const void *, size_t);
int	 image_thumbnail(const struct piece_reader *, unsigned char **,
	    size_t *);

/* files.c: the pure parts, for the tests. */
const char	*file_name_check(const char *);
int		 file_disposition(char *, size_t, const char *, const char *);

enum range {
	RANGE_NONE,	/* none, or one to ignore: the whole file, 200 */
	RANGE_PART,	/* one satisfiable range: 206 */
	RANGE_UNSATISFIABLE, /* 416 */
	RANGE__MAX
};

enum range	 range_parse(const char *, long long, long long *,
		    long long *);

/* ------------------------------------------------------------------ */
/* Handlers, by route (../routes.c)                                   */
/* ------------------------------------------------------------------ */

/* imports.c, feed.c, webhooks.c */
void	 import_create(struct req *);
void	 import_check(struct req *);
void	 import_template(struct req *);
void	 import_list(struct req *);
void	 import_get(struct req *);
void	 feed_get(struct req *);
void	 webhook_create(struct req *);
void	 webhook_list(struct req *);
void	 webhook_get(struct req *);
void	 webhook_disable(struct req *);
void	 webhook_deliveries(struct req *);
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
void	 case_assignable(struct req *);

/* notifications.c, supervisions.c, dashboard.c */
void	 notification_list(struct req *);
void	 notification_read(struct req *);
void	 supervision_create(struct req *);
void	 supervision_list(struct req *);
void	 supervision_get(struct req *);
void	 supervision_report(struct req *);
void	 supervision_close(struct req *);
void	 referral_create(struct req *);
void	 referral_list(struct req *);
void	 referral_get(struct req *);
void	 referral_accept(struct req *);
void	 referral_return(struct req *);
void	 case_links_list(struct req *);
void	 case_link_create(struct req *);
void	 dashboard_get(struct req *);

/* workflow.c, reference.c */
void	 workflow_get(struct req *);
void	 regions_get(struct req *);
void	 categories_get(struct req *);
void	 category_create(struct req *);
void	 campaigns_get(struct req *);

/* campaigns.c, submissions.c: the reporting cycle */
struct pg_result;
json_t	*campaign_json(const struct pg_result *, int);
void	 campaign_create(struct req *);
void	 campaign_get(struct req *);
void	 campaign_patch(struct req *);
void	 submission_create(struct req *);
void	 submission_list(struct req *);
void	 submission_get(struct req *);
void	 submission_return(struct req *);
void	 submission_late_entries(struct req *);
void	 submission_rollup(struct req *);

/* enterprises.c */
void	 enterprise_create(struct req *);
void	 enterprise_list(struct req *);
void	 enterprise_get(struct req *);
void	 enterprise_lookup(struct req *);
void	 enterprise_patch(struct req *);

/* problem_types.c, risk.c */
void	 problem_types_get(struct req *);
void	 report_problem_types(struct req *);
void	 risk_rule_get(struct req *);

/* users.c */
void	 user_list(struct req *);
void	 user_get(struct req *);
void	 user_create(struct req *);
void	 user_patch(struct req *);
void	 account_create(struct req *);

/* self_inspections.c */
void	 checklist_list(struct req *);
void	 checklist_create(struct req *);
void	 self_inspection_create(struct req *);
void	 self_inspection_list(struct req *);
void	 self_inspection_missing(struct req *);

/* activities.c, reports.c */
void	 activity_create(struct req *);
void	 activity_get(struct req *);
void	 activity_void(struct req *);
void	 activity_list(struct req *);
void	 report_campaign(struct req *);

/* files.c */
void	 file_upload(struct req *);
void	 file_list(struct req *);
void	 file_get(struct req *);
void	 file_thumbnail_get(struct req *);
void	 file_withdraw(struct req *);

/* audit.c, feed.c */
json_t	*event_item(const PGresult *, int);
void	 audit_events(struct req *);
void	 audit_verify(struct req *);
void	 audit_checkpoint_latest(struct req *);
void	 audit_proof(struct req *);

#endif /* PAICHA_RESOURCES_H */
