/*
 * event.c: the events that move a case, one row each -- the guard of
 * DESIGN.md's table ("The case workflow") as data.  Nothing outside
 * workflow/ decides whether a transition is legal: decide.c reads this.
 */
#include <string.h>

#include "workflow.h"

#define S(x)		WF_STATE_BIT(WF_STATE_##x)
#define R(x)		WF_ROLE_BIT(WF_ROLE_##x)
#define F(x)		WF_FLD_##x
#define SAME		WF_STATE__MAX

/*
 * The lists of a row, with their lengths counted by the compiler: a
 * hand-kept count once dropped an effect (caught by test-deadlines).
 */
#define REQUIRES(...) \
	.requires = { __VA_ARGS__ }, \
	.nrequires = sizeof((enum wf_fid[]){ __VA_ARGS__ }) / \
	    sizeof(enum wf_fid)
#define OPTIONAL(...) \
	.optional = { __VA_ARGS__ }, \
	.noptional = sizeof((enum wf_fid[]){ __VA_ARGS__ }) / \
	    sizeof(enum wf_fid)
#define EFFECTS(...) \
	.effects = { __VA_ARGS__ }, \
	.neffects = sizeof((struct wf_dl_effect[]){ __VA_ARGS__ }) / \
	    sizeof(struct wf_dl_effect)

/* A deadline effect: in phase p, START or STOP deadline k. */
#define E(p, op, k)	{ WF_PHASE_##p, WF_DLOP_##op, WF_DL_##k }

/*
 * The legal review (法制审核) deadline of every approval event: it runs
 * from the proposal until the proposal is approved or rejected.
 */
#define REVIEW \
	E(PROPOSE, START, LEGAL_REVIEW), \
	E(APPROVE, STOP, LEGAL_REVIEW), \
	E(REJECT, STOP, LEGAL_REVIEW)

const struct wf_event_def wf_events[WF_EV__MAX] = {
	[WF_EV_ORDER_RECTIFICATION] = {
		.id = "order_rectification",
		.label = "责令整改",
		.from = S(DETECTED) | S(RECTIFICATION_REVIEW) | S(INTERVIEW),
		.to = WF_STATE_RECTIFYING,
		.roles = R(OFFICER),
		.approval = 0,
		REQUIRES(F(DEADLINE), F(MEASURES)),
		EFFECTS(E(APPLY, START, RECTIFICATION)),
	},
	[WF_EV_REPORT_RECTIFICATION] = {
		.id = "report_rectification",
		.label = "企业报告整改完成",
		.from = S(RECTIFYING),
		.to = WF_STATE_RECTIFICATION_REVIEW,
		/* The enterprise reports its own (API.md Part 2). */
		.roles = R(OFFICER) | R(ENTERPRISE),
		.approval = 0,
		REQUIRES(F(EVIDENCE)),
		EFFECTS(E(APPLY, STOP, RECTIFICATION)),
	},
	[WF_EV_REJECT_RECTIFICATION] = {
		.id = "reject_rectification",
		.label = "复查不合格，重新整改",
		.from = S(RECTIFICATION_REVIEW),
		.to = WF_STATE_RECTIFYING,
		.roles = R(OFFICER),
		.approval = 0,
		REQUIRES(F(REASON), F(DEADLINE)),
		EFFECTS(E(APPLY, START, RECTIFICATION)),
	},
	[WF_EV_HOLD_INTERVIEW] = {
		.id = "hold_interview",
		.label = "约谈企业负责人",
		.from = S(DETECTED) | S(RECTIFYING) | S(RECTIFICATION_REVIEW),
		.to = WF_STATE_INTERVIEW,
		.roles = R(OFFICER),
		.approval = 0,
		REQUIRES(F(HELD_ON), F(ATTENDEES), F(MINUTES)),
		/* Leaving rectifying: a new order restarts it. */
		EFFECTS(E(APPLY, STOP, RECTIFICATION)),
	},
	[WF_EV_PUBLISH_CREDIT] = {
		.id = "publish_credit",
		.label = "行政处罚信息信用公示",
		.from = S(DETECTED) | S(RECTIFICATION_REVIEW) | S(INTERVIEW),
		.to = WF_STATE_CREDIT_PUBLICATION,
		.roles = R(OFFICER),
		.approval = 1,
		REQUIRES(F(DECISION_NO), F(FINE_AMOUNT),
		    F(CONFISCATION_AMOUNT), F(CASE_VALUE), F(PUBLISHED_ON),
		    F(SERIOUS_LIST)),
		/*
		 * The rest of the 行政处罚信息摘要: declared, so a proposal
		 * may carry them, but not required, so that the clients
		 * of API.md Part 1 keep working; the web form asks for
		 * them, and the summary (GET /reports/credit-publications)
		 * says where they are missing.
		 */
		OPTIONAL(F(VIOLATION_TYPE), F(PENALTY_CONTENT),
		    F(DECIDING_AGENCY), F(DECISION_DATE)),
		EFFECTS(REVIEW,
		    E(PROPOSE, START, PUBLICATION),
		    E(APPROVE, STOP, PUBLICATION),
		    E(REJECT, STOP, PUBLICATION),
		    E(APPROVE, STOP, CASE_DECISION)),
	},
	[WF_EV_TRANSFER_JUDICIAL] = {
		.id = "transfer_judicial",
		.label = "移送司法机关",
		.from = S(DETECTED) | S(RECTIFICATION_REVIEW) | S(INTERVIEW) |
		    S(CREDIT_PUBLICATION),
		.to = WF_STATE_TRANSFER_JUDICIAL,
		.roles = R(OFFICER) | R(LEGAL),
		.approval = 1,
		REQUIRES(F(RECEIVING_ORGAN), F(REASON), F(DOCUMENTS)),
		EFFECTS(REVIEW,
		    E(PROPOSE, START, TRANSFER_APPROVAL),
		    E(APPROVE, STOP, TRANSFER_APPROVAL),
		    E(REJECT, STOP, TRANSFER_APPROVAL),
		    E(APPROVE, START, TRANSFER_DELIVERY)),
	},
	[WF_EV_TRANSFER_DISCIPLINE] = {
		.id = "transfer_discipline",
		.label = "移送纪检监察机关",
		.from = S(DETECTED) | S(RECTIFICATION_REVIEW) | S(INTERVIEW) |
		    S(CREDIT_PUBLICATION),
		.to = WF_STATE_TRANSFER_DISCIPLINE,
		.roles = R(OFFICER) | R(LEGAL),
		.approval = 1,
		REQUIRES(F(RECEIVING_ORGAN), F(CLUE_SUMMARY)),
		EFFECTS(REVIEW,
		    E(PROPOSE, START, TRANSFER_APPROVAL),
		    E(APPROVE, STOP, TRANSFER_APPROVAL),
		    E(REJECT, STOP, TRANSFER_APPROVAL),
		    E(APPROVE, START, TRANSFER_DELIVERY)),
	},
	[WF_EV_RECORD_TRANSFER_RECEIPT] = {
		.id = "record_transfer_receipt",
		.label = "登记接收机关回执",
		.from = S(TRANSFER_JUDICIAL) | S(TRANSFER_DISCIPLINE),
		.to = SAME,
		.roles = R(LEGAL),
		.approval = 0,
		REQUIRES(F(RECEIPT_NO), F(ACCEPTED), F(DECIDED_ON)),
		EFFECTS(E(APPLY, STOP, TRANSFER_DELIVERY)),
	},
	[WF_EV_CLOSE] = {
		.id = "close",
		.label = "办结",
		.from = S(RECTIFICATION_REVIEW) | S(INTERVIEW) |
		    S(CREDIT_PUBLICATION) | S(TRANSFER_JUDICIAL) |
		    S(TRANSFER_DISCIPLINE),
		.to = WF_STATE_CLOSED,
		.roles = R(OFFICER),
		.approval = 1,
		REQUIRES(F(CONCLUSION), F(LOOKBACK_ON)),
		/* A closed case has nothing left running but its look-back. */
		EFFECTS(REVIEW,
		    E(APPROVE, STOP, CASE_DECISION),
		    E(APPROVE, STOP, TRANSFER_DELIVERY),
		    E(APPROVE, START, LOOKBACK)),
	},
	[WF_EV_DISMISS] = {
		.id = "dismiss",
		.label = "不予处理",
		.from = S(DETECTED),
		.to = WF_STATE_CLOSED,
		.roles = R(OFFICER),
		.approval = 1,
		REQUIRES(F(REASON)),
		EFFECTS(REVIEW,
		    E(APPROVE, STOP, CASE_DECISION)),
	},
	[WF_EV_START_LOOKBACK] = {
		.id = "start_lookback",
		.label = "开展回头看",
		.from = S(CLOSED),
		.to = WF_STATE_LOOKBACK,
		.roles = R(OFFICER),
		.approval = 0,
		EFFECTS(E(APPLY, STOP, LOOKBACK)),
	},
	[WF_EV_LOOKBACK_CLEAR] = {
		.id = "lookback_clear",
		.label = "回头看未发现反弹",
		.from = S(LOOKBACK),
		.to = WF_STATE_CLOSED,
		.roles = R(OFFICER),
		.approval = 0,
		REQUIRES(F(FINDINGS)),
	},
	[WF_EV_LOOKBACK_RECURRENCE] = {
		.id = "lookback_recurrence",
		.label = "回头看发现问题反弹",
		.from = S(LOOKBACK),
		.to = WF_STATE_RECTIFYING,
		.roles = R(OFFICER),
		.approval = 0,
		REQUIRES(F(FINDINGS), F(DEADLINE), F(MEASURES)),
		EFFECTS(E(APPLY, START, RECTIFICATION)),
	},
	[WF_EV_ADD_NOTE] = {
		.id = "add_note",
		.label = "添加备注",
		.from = WF_STATES_ALL,
		.to = SAME,
		.roles = R(OFFICER) | R(LEGAL),
		.approval = 0,
		REQUIRES(F(TEXT)),
	},
	/*
	 * Who answers for the case (包保责任制): the assignees replace the
	 * case's, from any state, a proposal pending or not.
	 */
	[WF_EV_ASSIGN] = {
		.id = "assign",
		.label = "指定承办人",
		.from = WF_STATES_ALL,
		.to = SAME,
		.roles = R(OFFICER),
		.approval = 0,
		REQUIRES(F(ASSIGNEES), F(REASON)),
	},
	/*
	 * A registration fact corrected (更正): the category, domain,
	 * source, problem or risk level, from any state, once a legal
	 * user other than the proposer approves.  At least one of them,
	 * each as registration would take it: the server's to check
	 * (cases.c: correction_check), since the vocabularies and the
	 * categories are its.
	 */
	[WF_EV_CORRECT] = {
		.id = "correct",
		.label = "更正登记信息",
		.from = WF_STATES_ALL,
		.to = SAME,
		.roles = R(OFFICER),
		.approval = 1,
		REQUIRES(F(REASON)),
		OPTIONAL(F(CATEGORY), F(DOMAIN), F(SOURCE), F(PROBLEM),
		    F(RISK_LEVEL)),
		EFFECTS(REVIEW),
	},
	/*
	 * 移送 / 追查 (API.md Part 2, "Across regions"): the case was
	 * referred to another region.  It records the referral in the
	 * case's history and changes nothing else; only POST
	 * /api/v1/referrals makes it (WF_SYSTEM: not a transition a client
	 * fires), and the receiving side decides in the referral's own
	 * stream.
	 */
	[WF_EV_REFER] = {
		.id = "refer",
		.label = "移送/追查",
		.from = WF_STATES_ALL,
		.to = SAME,
		.roles = R(OFFICER),
		.approval = 0,
		.system = 1,
		REQUIRES(F(REFERRAL), F(REFERRAL_KIND), F(TO_REGION),
		    F(REASON)),
	},
	/*
	 * Another case of the officer's scope linked to this one (related,
	 * duplicate_of): POST /api/v1/cases/{id}/links records it in the
	 * history of each case it links (system: not a transition).
	 */
	[WF_EV_LINK] = {
		.id = "link",
		.label = "关联案件",
		.from = WF_STATES_ALL,
		.to = SAME,
		.roles = R(OFFICER),
		.approval = 0,
		.system = 1,
		REQUIRES(F(LINK_KIND), F(LINKED_CASE)),
	},
};

/*
 * The event whose API id is exactly the string, or WF_EV__MAX when there
 * is none or the string is NULL.
 */
enum wf_event
wf_event_parse(const char *s)
{
	enum wf_event	 ev = WF_EV__MAX;
	int		 i;

	if (s == NULL)
		goto out;
	for (i = 0; i < WF_EV__MAX; i++)
		if (strcmp(s, wf_events[i].id) == 0) {
			ev = (enum wf_event)i;
			break;
		}
out:
	return ev;
}
