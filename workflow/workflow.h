/*
 * workflow.h: the case workflow of paicha as data -- states, events,
 * roles, guards, approvals and deadlines.  Pure C: libc only, no I/O.
 *
 * Everything here is either a constant table (sized by its enum's __MAX
 * sentinel) or a function of its arguments: no global mutable state, so
 * every function is safe to call from any number of threads at once.
 *
 * Days are "day numbers": days since 1970-01-01 counted on the calendar of
 * China Standard Time (UTC+8, no daylight saving).  Instants are Unix
 * seconds (long long).  See workflow/README.md for the model in one page.
 */
#ifndef WORKFLOW_H
#define WORKFLOW_H

#include <stddef.h>

/* ------------------------------------------------------------------ */
/* Roles (role.c)                                                     */
/* ------------------------------------------------------------------ */

enum wf_role {
	WF_ROLE_OFFICER,	/* 执法人员 */
	WF_ROLE_LEGAL,		/* 法制/衔接 */
	WF_ROLE_AUDITOR,	/* 审计 */
	WF_ROLE_ADMIN,		/* 管理员 */
	WF_ROLE_COORDINATOR,	/* 专项行动统筹: reads its subtree, supervises,
				   files the campaign's submissions */
	WF_ROLE_ENTERPRISE,	/* an enterprise's own account */
	WF_ROLE__MAX
};

/* API-stable role ids ("officer", ...) and Chinese labels. */
extern const char *const wf_role_ids[WF_ROLE__MAX];
extern const char *const wf_role_labels[WF_ROLE__MAX];

/* The role whose id is the string, or WF_ROLE__MAX. */
enum wf_role	 wf_role_parse(const char *);

/* A set of roles is a bitmask: bit (1u << enum wf_role). */
#define WF_ROLE_BIT(r)	(1u << (r))

/* ------------------------------------------------------------------ */
/* States (state.c)                                                   */
/* ------------------------------------------------------------------ */

enum wf_state {
	WF_STATE_DETECTED,		/* 发现登记 */
	WF_STATE_RECTIFYING,		/* 责令整改 */
	WF_STATE_RECTIFICATION_REVIEW,	/* 整改复查 */
	WF_STATE_INTERVIEW,		/* 约谈 */
	WF_STATE_CREDIT_PUBLICATION,	/* 信用公示 */
	WF_STATE_TRANSFER_JUDICIAL,	/* 移送司法机关 */
	WF_STATE_TRANSFER_DISCIPLINE,	/* 移送纪检监察 */
	WF_STATE_CLOSED,		/* 办结 */
	WF_STATE_LOOKBACK,		/* 回头看 */
	WF_STATE__MAX
};

/* A set of states is a bitmask: bit (1u << enum wf_state). */
#define WF_STATE_BIT(s)	(1u << (s))
#define WF_STATES_ALL	((1u << WF_STATE__MAX) - 1)

/*
 * One state.  "terminal" means no further work is expected until the
 * look-back date: only `closed` is terminal, and a closed case can still
 * be taken to `lookback` (which may reopen it into rectification).
 */
struct wf_state_def {
	const char	*id;		/* API-stable: "detected", ... */
	const char	*label;		/* 中文 */
	int		 terminal;
};

extern const struct wf_state_def wf_states[WF_STATE__MAX];

/* The state whose id is the string, or WF_STATE__MAX (also for NULL). */
enum wf_state	 wf_state_parse(const char *);

/* ------------------------------------------------------------------ */
/* Text (text.c): the characters stored text may hold                 */
/* ------------------------------------------------------------------ */

enum wf_text {
	WF_TEXT_LINE,	/* a name, code, number or id: one line */
	WF_TEXT_FREE,	/* free text: keeps \n and \t */
	WF_TEXT__MAX
};

/* The message (中文) for text of each kind that holds what it may not. */
extern const char *const wf_text_refusals[WF_TEXT__MAX];

/*
 * The first character of the NUL-terminated UTF-8 string that text of
 * the kind may not hold -- control characters (but \n and \t in free
 * text), and invisible format characters: bidi marks, embeddings,
 * overrides and isolates, zero-width characters, U+FEFF, tags -- or
 * NULL when it holds none.  Malformed UTF-8 is refused too.
 */
const char	*wf_text_refused(const char *, enum wf_text);

/* ------------------------------------------------------------------ */
/* Payload fields (field.c)                                           */
/* ------------------------------------------------------------------ */

enum wf_ftype {
	WF_F_DATE,	/* "YYYY-MM-DD", a real day in 2000..2099 */
	WF_F_TEXT,	/* string, non-blank, <= WF_TEXT_MAX bytes, free text
			   or (line) one line: wf_text_refused() */
	WF_F_MONEY,	/* string, yuan: (0|[1-9][0-9]{0,12})(\.[0-9]{1,2})? */
	WF_F_BOOL,	/* true or false */
	WF_F_LIST,	/* 1..WF_LIST_MAX non-blank strings of <= WF_ITEM_MAX,
			   each one line */
	WF_F_IDS,	/* 1..WF_LIST_MAX distinct positive integers (ids) */
	WF_F__MAX
};

#define WF_TEXT_MAX	4000	/* bytes in a text field */
#define WF_LIST_MAX	50	/* items in a list field */
#define WF_ITEM_MAX	500	/* bytes in one list item */
#define WF_DATE_MIN	"2000-01-01"
#define WF_DATE_MAX	"2099-12-31"

/* API-stable type ids: "date", "text", "money", "bool", "list", "ids". */
extern const char *const wf_ftype_ids[WF_F__MAX];

/* Where a date field must lie relative to today. */
enum wf_when {
	WF_WHEN_ANY,		/* any day in range */
	WF_WHEN_FUTURE,		/* after today (> today) */
	WF_WHEN_NOT_FUTURE,	/* today or before (<= today) */
	WF_WHEN__MAX
};

/* Every field any event carries, named as in the payload. */
enum wf_fid {
	WF_FLD_DEADLINE,
	WF_FLD_MEASURES,
	WF_FLD_EVIDENCE,
	WF_FLD_REASON,
	WF_FLD_HELD_ON,
	WF_FLD_ATTENDEES,
	WF_FLD_MINUTES,
	WF_FLD_DECISION_NO,
	WF_FLD_FINE_AMOUNT,
	WF_FLD_CONFISCATION_AMOUNT,
	WF_FLD_CASE_VALUE,
	WF_FLD_PUBLISHED_ON,
	WF_FLD_SERIOUS_LIST,
	WF_FLD_RECEIVING_ORGAN,
	WF_FLD_DOCUMENTS,
	WF_FLD_CLUE_SUMMARY,
	WF_FLD_RECEIPT_NO,
	WF_FLD_ACCEPTED,
	WF_FLD_DECIDED_ON,
	WF_FLD_CONCLUSION,
	WF_FLD_LOOKBACK_ON,
	WF_FLD_FINDINGS,
	WF_FLD_TEXT,
	WF_FLD_ASSIGNEES,
	/*
	 * 行政处罚信息摘要 (《市场监督管理行政处罚信息公示规定》 art. 6):
	 * what publish_credit may also carry -- optional, so that clients
	 * that send Part 1's six fields keep working (event.c).
	 */
	WF_FLD_VIOLATION_TYPE,
	WF_FLD_PENALTY_CONTENT,
	WF_FLD_DECIDING_AGENCY,
	WF_FLD_DECISION_DATE,
	/*
	 * The registration facts `correct` may change (event.c): each
	 * one checked by the server as registration checks it.
	 */
	WF_FLD_CATEGORY,
	WF_FLD_DOMAIN,
	WF_FLD_SOURCE,
	WF_FLD_PROBLEM,
	WF_FLD_RISK_LEVEL,
	/* refer: the referral it made (POST /api/v1/referrals) */
	WF_FLD_REFERRAL,
	WF_FLD_REFERRAL_KIND,
	WF_FLD_TO_REGION,
	/* link: a case linked by POST /api/v1/cases/{id}/links */
	WF_FLD_LINK_KIND,
	WF_FLD_LINKED_CASE,
	WF_FLD__MAX
};

struct wf_field_def {
	const char	*name;		/* payload key: "deadline", ... */
	enum wf_ftype	 type;
	const char	*label;		/* 中文 */
	enum wf_when	 when;		/* dates only; WF_WHEN_ANY otherwise */
	const char	*when_msg;	/* the error when `when` fails */
	int		 documents;	/* list must hold every wf_documents id */
	int		 line;		/* text: one line (a number, a name),
					   not free text; list items always */
};

extern const struct wf_field_def wf_fields[WF_FLD__MAX];

/* The field whose payload name is the string, or WF_FLD__MAX. */
enum wf_fid	 wf_field_parse(const char *);

/*
 * The documents a transfer to the police must carry: art. 6 of
 * 《行政执法机关移送涉嫌犯罪案件的规定》 (国务院令第310号).  A
 * transfer_judicial payload's `documents` list holds all five ids.
 */
enum wf_doc {
	WF_DOC_TRANSFER_LETTER,		/* 涉嫌犯罪案件移送书 */
	WF_DOC_INVESTIGATION_REPORT,	/* 涉嫌犯罪案件情况的调查报告 */
	WF_DOC_EVIDENCE_LIST,		/* 涉案物品清单 */
	WF_DOC_INSPECTION_REPORT,	/* 有关检验报告或者鉴定结论 */
	WF_DOC_OTHER_MATERIALS,		/* 其他有关涉嫌犯罪的材料 */
	WF_DOC__MAX
};

struct wf_doc_def {
	const char	*id;		/* API-stable: "transfer_letter", ... */
	const char	*label;		/* 中文, as the rules name it */
	const char	*missing_msg;	/* the error when it is not listed */
};

extern const struct wf_doc_def wf_documents[WF_DOC__MAX];

/* The document whose id is the string, or WF_DOC__MAX. */
enum wf_doc	 wf_doc_parse(const char *);

/* ------------------------------------------------------------------ */
/* Evidence file kinds (file_kind.c)                                  */
/* ------------------------------------------------------------------ */

/*
 * What a file kept with a case is: the evidence the campaign asks for
 * (photos, inspection reports, minutes, notices, rectification evidence,
 * an enterprise's self-inspection) and the five documents of a transfer
 * to the police (wf_documents: one kind each, the same id).
 */
enum wf_file_kind {
	WF_FK_PHOTO,			/* 现场照片 */
	WF_FK_INSPECTION_REPORT,	/* 检验报告或者鉴定结论 (also a
					   transfer document) */
	WF_FK_MINUTES,			/* 约谈纪要、会议记录 */
	WF_FK_NOTICE,			/* 通知书、决定书等执法文书 */
	WF_FK_RECTIFICATION_EVIDENCE,	/* 整改证明材料 */
	WF_FK_SELF_INSPECTION,		/* 企业自查报告 */
	WF_FK_OTHER,			/* 其他材料 */
	WF_FK_TRANSFER_LETTER,		/* 涉嫌犯罪案件移送书 */
	WF_FK_INVESTIGATION_REPORT,	/* 涉嫌犯罪案件情况的调查报告 */
	WF_FK_EVIDENCE_LIST,		/* 涉案物品清单 */
	WF_FK_OTHER_MATERIALS,		/* 其他有关涉嫌犯罪的材料 */
	WF_FK__MAX
};

struct wf_file_kind_def {
	const char	*id;		/* API-stable: "photo", ... */
	const char	*label;		/* 中文 */
	enum wf_doc	 document;	/* the transfer document it is, or
					   WF_DOC__MAX */
};

extern const struct wf_file_kind_def wf_file_kinds[WF_FK__MAX];

/* The kind whose id is exactly the string, or WF_FK__MAX (also NULL). */
enum wf_file_kind wf_file_kind_parse(const char *);

/* The file kind that is transfer document `d` (every one has one). */
enum wf_file_kind wf_file_kind_of_document(enum wf_doc);

/*
 * Money: parse a validated amount in yuan ("1234.50") into fen (cents).
 * Returns 0 and sets *fen, or -1 (leaving *fen alone) when the string
 * does not match (0|[1-9][0-9]{0,12})(\.[0-9]{1,2})? exactly.
 */
int		 wf_money_parse(const char *, long long *fen);

/* ------------------------------------------------------------------ */
/* Payload access: the library reads a payload only through this.     */
/* ------------------------------------------------------------------ */

enum wf_vkind {
	WF_V_ABSENT,	/* no such key */
	WF_V_NULL,	/* JSON null */
	WF_V_STRING,
	WF_V_BOOL,
	WF_V_LIST,	/* JSON array */
	WF_V_INTEGER,	/* a whole number */
	WF_V_OTHER,	/* another number, object */
	WF_V__MAX
};

/*
 * The caller (the server, over a Jansson object; a test, over a fake)
 * answers these.  Strings are NUL-terminated UTF-8 and borrowed: they
 * must live until the library call that asked for them returns.
 * string/boolean/list_len are only called after kind said so; list_kind,
 * list_string and list_integer only for i < list_len, list_string only
 * after list_kind said WF_V_STRING, list_integer only after it said
 * WF_V_INTEGER.  A NULL struct wf_payload * is an empty payload (every
 * field absent).
 *
 * `keys` walks every key the payload holds, whatever its value (null
 * included), so that the library can refuse those the event does not
 * declare: called with `it` NULL for the first key, then with what the
 * call before returned; it sets *key and returns that key's position
 * (opaque, not NULL), or returns NULL when there is no further key.
 * Keys are borrowed like strings, and a wf_verdict's errors may name
 * them: the payload must outlive the verdict.
 */
struct wf_payload {
	void		 *ctx;
	enum wf_vkind	(*kind)(void *ctx, const char *field);
	const char	*(*string)(void *ctx, const char *field);
	int		(*boolean)(void *ctx, const char *field);
	size_t		(*list_len)(void *ctx, const char *field);
	enum wf_vkind	(*list_kind)(void *ctx, const char *field, size_t i);
	const char	*(*list_string)(void *ctx, const char *field, size_t i);
	void		*(*keys)(void *ctx, void *it, const char **key);
	long long	(*list_integer)(void *ctx, const char *field, size_t i);
};

/* ------------------------------------------------------------------ */
/* Deadlines: kinds (deadline.c)                                      */
/* ------------------------------------------------------------------ */

enum wf_deadline {
	WF_DL_RECTIFICATION,	/* 整改期限: the payload's `deadline` */
	WF_DL_LEGAL_REVIEW,	/* 法制审核: 10 working days from the proposal */
	WF_DL_PUBLICATION,	/* 信用公示: 7 working days from the decision */
	WF_DL_TRANSFER_APPROVAL,/* 移送审批: 3 natural days from the proposal */
	WF_DL_TRANSFER_DELIVERY,/* 移送送达: 24 hours from the approval */
	WF_DL_CASE_DECISION,	/* 案件办理: 90 natural days from registration */
	WF_DL_LOOKBACK,		/* 回头看: the payload's `lookback_on` */
	WF_DL__MAX
};

enum wf_dl_unit {
	WF_UNIT_WORKING_DAYS,	/* due at the end of the N-th working day after */
	WF_UNIT_NATURAL_DAYS,	/* due at the end of the N-th day after */
	WF_UNIT_HOURS,		/* due N hours after, to the second */
	WF_UNIT_GIVEN,		/* due at the end of the day a payload date names */
	WF_UNIT__MAX
};

/* API-stable unit ids: "working_days", "natural_days", "hours", "given". */
extern const char *const wf_dl_unit_ids[WF_UNIT__MAX];

struct wf_deadline_def {
	const char	*id;		/* API-stable: "rectification", ... */
	const char	*label;		/* 中文 */
	enum wf_dl_unit	 unit;
	int		 amount;	/* days or hours; 0 for WF_UNIT_GIVEN */
	enum wf_fid	 field;		/* WF_UNIT_GIVEN: the date field */
	const char	*basis;		/* 中文: what it counts from, for people */
};

extern const struct wf_deadline_def wf_deadlines[WF_DL__MAX];

/* The deadline kind whose id is the string, or WF_DL__MAX. */
enum wf_deadline wf_deadline_parse(const char *);

/* When in a case's life the server calls wf_deadline_changes(). */
enum wf_phase {
	WF_PHASE_CREATE,	/* the case was registered (event ignored) */
	WF_PHASE_APPLY,		/* an event applied at once (no approval) */
	WF_PHASE_PROPOSE,	/* an approval event became the proposal */
	WF_PHASE_APPROVE,	/* the proposal was approved and applied */
	WF_PHASE_REJECT,	/* the proposal was rejected */
	WF_PHASE__MAX
};

enum wf_dl_op {
	WF_DLOP_START,		/* (re)start: replaces a running one */
	WF_DLOP_STOP,		/* end it if running; no-op otherwise */
	WF_DLOP__MAX
};

/* What an event does to a deadline in one phase. */
struct wf_dl_effect {
	enum wf_phase	 phase;
	enum wf_dl_op	 op;
	enum wf_deadline kind;
};

/* ------------------------------------------------------------------ */
/* Events (event.c)                                                   */
/* ------------------------------------------------------------------ */

enum wf_event {
	WF_EV_ORDER_RECTIFICATION,	/* 责令整改 */
	WF_EV_REPORT_RECTIFICATION,	/* 报告整改完成 */
	WF_EV_REJECT_RECTIFICATION,	/* 复查不合格 */
	WF_EV_HOLD_INTERVIEW,		/* 约谈 */
	WF_EV_PUBLISH_CREDIT,		/* 处罚信用公示 */
	WF_EV_TRANSFER_JUDICIAL,	/* 移送司法机关 */
	WF_EV_TRANSFER_DISCIPLINE,	/* 移送纪检监察 */
	WF_EV_RECORD_TRANSFER_RECEIPT,	/* 登记移送回执 */
	WF_EV_CLOSE,			/* 办结 */
	WF_EV_DISMISS,			/* 不予处理 */
	WF_EV_START_LOOKBACK,		/* 开展回头看 */
	WF_EV_LOOKBACK_CLEAR,		/* 回头看未见反弹 */
	WF_EV_LOOKBACK_RECURRENCE,	/* 回头看发现反弹 */
	WF_EV_ADD_NOTE,			/* 添加备注 */
	WF_EV_ASSIGN,			/* 指定承办人 */
	WF_EV_CORRECT,			/* 更正登记信息 */
	WF_EV_REFER,			/* 移送或追查（跨地区） */
	WF_EV_LINK,			/* 关联案件 */
	WF_EV__MAX
};

/* A set of events is a bitmask: bit (1u << enum wf_event). */
#define WF_EVENT_BIT(e)	(1u << (e))

#define WF_EV_FIELDS_MAX	8	/* required fields of one event */
#define WF_EV_EFFECTS_MAX	8	/* deadline effects of one event */

/*
 * One row per event: the guard (from, roles), the move (to, approval),
 * what the payload must carry, and the deadlines it starts and stops.
 */
struct wf_event_def {
	const char		*id;		/* API-stable */
	const char		*label;		/* 中文 */
	unsigned		 from;		/* WF_STATE_BIT set */
	enum wf_state		 to;		/* WF_STATE__MAX: stays */
	unsigned		 roles;		/* WF_ROLE_BIT set */
	int			 approval;	/* 法制审核 before it applies */
	/*
	 * Made by the service itself (refer: POST /referrals), never fired
	 * as a transition nor listed by GET .../actions (wf_actions lists
	 * it: verify replays it).
	 */
	int			 system;
	size_t			 nrequires;
	enum wf_fid		 requires[WF_EV_FIELDS_MAX];
	/* Declared but not required: checked when present. */
	size_t			 noptional;
	enum wf_fid		 optional[WF_EV_FIELDS_MAX];
	size_t			 neffects;
	struct wf_dl_effect	 effects[WF_EV_EFFECTS_MAX];
};

extern const struct wf_event_def wf_events[WF_EV__MAX];

/* The event whose id is the string, or WF_EV__MAX (also for NULL). */
enum wf_event	 wf_event_parse(const char *);

/* ------------------------------------------------------------------ */
/* Sources of a case (source.c)                                       */
/* ------------------------------------------------------------------ */

/* Where a case came from: API.md "Cases" `source`, and one more. */
enum wf_source {
	WF_SRC_SELF_INSPECTION,		/* 企业自查 */
	WF_SRC_RISK_INVESTIGATION,	/* 风险排查 */
	WF_SRC_SPOT_CHECK,		/* 监督抽查 */
	WF_SRC_RISK_MONITORING,		/* 风险监测 */
	WF_SRC_COMPLAINT,		/* 投诉举报 */
	WF_SRC_PUBLIC_OPINION,		/* 舆情 */
	WF_SRC_INJURY_MONITORING,	/* 伤害监测 */
	WF_SRC_RECALL,			/* 缺陷召回 */
	WF_SRC_LOOKBACK,		/* 回头看 */
	WF_SRC_REFERRAL,		/* 外地移送: made by accepting one */
	WF_SRC__MAX
};

struct wf_source_def {
	const char	*id;		/* API-stable */
	const char	*label;		/* 中文 */
	int		 manual;	/* POST /api/v1/cases may name it */
};

extern const struct wf_source_def wf_sources[WF_SRC__MAX];

/*
 * A referral's decision deadline (API.md Part 2, "Across regions"), in
 * working days on the calendar below, from the day it is made.  A
 * configurable default (PAICHA_REFERRAL_DUE_DAYS), not a cited rule:
 * 《市场监督管理行政处罚程序规定》 says a case outside one's
 * jurisdiction is referred (移送) to the competent department, but the
 * time the receiver has to decide is not a rule paicha can cite with
 * certainty; 15 follows the 15 working days that regulation gives for
 * checking a lead before deciding whether to open a case (立案).
 */
#define WF_REFERRAL_DUE_DAYS	15

/* ------------------------------------------------------------------ */
/* Decisions (decide.c)                                               */
/* ------------------------------------------------------------------ */

enum wf_outcome {
	WF_APPLIES,		/* 200: apply now, move to `to` */
	WF_NEEDS_APPROVAL,	/* 202: becomes the pending proposal */
	WF_ILLEGAL_STATE,	/* 409: not from this state */
	WF_ROLE_DENIED,		/* 403: none of the user's roles may */
	WF_PENDING,		/* 409: a proposal is pending */
	WF_INVALID_PAYLOAD,	/* 422: see errors[] */
	WF_OUTCOME__MAX
};

struct wf_error {
	const char	*field;		/* payload name: static, or for a key
					   the event does not declare, the
					   payload's own (borrowed) */
	const char	*message;	/* 中文; static */
};

#define WF_MAX_ERRORS	16

struct wf_verdict {
	enum wf_outcome	 outcome;
	enum wf_state	 to;		/* see wf_decide() */
	size_t		 nerrors;
	struct wf_error	 errors[WF_MAX_ERRORS];
};

struct wf_ctx {
	enum wf_state		 state;		/* the case's current state */
	int			 pending;	/* a proposal is pending */
	unsigned		 roles;		/* the user's WF_ROLE_BIT set */
	const struct wf_payload	*payload;	/* may be NULL: empty */
	int			 today;		/* day number, CST */
};

void		 wf_decide(const struct wf_ctx *, enum wf_event,
			struct wf_verdict *);
unsigned	 wf_actions(enum wf_state, int pending, unsigned roles);

enum wf_approval {
	WF_APPROVAL_OK,
	WF_APPROVAL_NOT_LEGAL,		/* 403: approver lacks `legal` */
	WF_APPROVAL_SELF,		/* 403: approver is the proposer */
	WF_APPROVAL_NONE_PENDING,	/* 409: nothing to decide */
	WF_APPROVAL__MAX
};

enum wf_approval wf_decide_approval(unsigned approver_roles,
			long long approver_id, long long proposer_id,
			int pending);

/* ------------------------------------------------------------------ */
/* Calendar (calendar.c, holidays.c)                                  */
/* ------------------------------------------------------------------ */

#define WF_UTC_OFFSET	(8 * 3600)	/* China Standard Time */
#define WF_DATE_LEN	10		/* "YYYY-MM-DD" */

enum wf_date_status {
	WF_DATE_OK,
	WF_DATE_BAD_FORMAT,	/* not exactly YYYY-MM-DD */
	WF_DATE_NO_SUCH_DAY,	/* well formed, but e.g. 2023-02-29 */
	WF_DATE__MAX
};

int		 wf_day_from_ymd(int y, int m, int d);
void		 wf_day_to_ymd(int day, int *y, int *m, int *d);
enum wf_date_status wf_date_parse(const char *, int *day);
int		 wf_date_format(int day, char out[WF_DATE_LEN + 1]);
int		 wf_weekday(int day);
int		 wf_day_of_unix(long long t);
long long	 wf_day_start_unix(int day);
long long	 wf_day_end_unix(int day);

enum wf_daykind {
	WF_DAY_WORKDAY,		/* Monday..Friday, no notice says otherwise */
	WF_DAY_WEEKEND,		/* Saturday, Sunday, no notice says otherwise */
	WF_DAY_HOLIDAY,		/* 放假: a day off under a State Council notice */
	WF_DAY_MAKEUP,		/* 调休上班: a weekend day worked under a notice */
	WF_DAY__MAX
};

/*
 * The years the holiday table covers.  A year whose notice is not in the
 * table (not published, or not found) is "unknown": its days fall back to
 * Monday..Friday and every answer about them says known = 0.
 */
#define WF_CAL_FIRST_YEAR	2022
#define WF_CAL_LAST_YEAR	2027
#define WF_CAL_NYEARS		(WF_CAL_LAST_YEAR - WF_CAL_FIRST_YEAR + 1)

/* A run of days off, inclusive; dates as yyyymmdd integers. */
struct wf_hol_span {
	const char	*name;		/* 元旦, 春节, ... */
	int		 from;
	int		 to;
};

struct wf_cal_year {
	int			 year;
	int			 known;		/* its notice is in the table */
	const char		*notice;	/* title, 文号, date */
	size_t			 noff;
	const struct wf_hol_span *off;		/* 放假 */
	size_t			 nmakeup;
	const int		*makeup;	/* 调休上班, yyyymmdd */
};

extern const struct wf_cal_year wf_cal_years[WF_CAL_NYEARS];

int		 wf_cal_year_known(int year);
enum wf_daykind	 wf_day_kind(int day, int *known);
int		 wf_is_working_day(int day, int *known);
int		 wf_add_working_days(int day, int n, int *known);
int		 wf_add_days(int day, int n);
long long	 wf_add_hours(long long t, int hours);
int		 wf_overdue(long long due, long long now);

/* ------------------------------------------------------------------ */
/* Deadline changes (deadline.c)                                      */
/* ------------------------------------------------------------------ */

struct wf_dl_change {
	enum wf_deadline kind;
	enum wf_dl_op	 op;
	long long	 due;		/* START: due instant; STOP: 0 */
	long long	 basis;		/* the instant it counts from / ends at */
	int		 known;		/* 0: crossed an unknown calendar year */
};

/* wf_deadline_changes() could not read a payload date it needs. */
#define WF_DL_BAD_PAYLOAD	((size_t)-1)

size_t		 wf_deadline_changes(enum wf_event, enum wf_phase,
			long long now, const struct wf_payload *,
			struct wf_dl_change out[WF_DL__MAX]);

/* ------------------------------------------------------------------ */
/* Reminders and escalation (deadline.c)                              */
/* ------------------------------------------------------------------ */

#define WF_REMIND_WORKING_DAYS		2	/* deadline_soon: this many
						   working days before */
#define WF_ESCALATE_WORKING_DAYS	5	/* escalated: this many
						   working days overdue */

long long	 wf_soon_horizon(long long now, int *known);
long long	 wf_escalation_horizon(long long now, int *known);

#endif /* WORKFLOW_H */
