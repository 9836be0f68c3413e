/*
 * source.c: where a case came from (API.md "Cases" `source`), as data:
 * GET /api/v1/workflow lists it, the front end labels cases with it.
 * `referral` is made only by accepting a referral from another region
 * (API.md Part 2, "Across regions"), never named by POST /cases.
 */
#include "workflow.h"

const struct wf_source_def wf_sources[WF_SRC__MAX] = {
	[WF_SRC_SELF_INSPECTION] = { "self_inspection", "企业自查", 1 },
	[WF_SRC_RISK_INVESTIGATION] = { "risk_investigation", "风险排查", 1 },
	[WF_SRC_SPOT_CHECK] = { "spot_check", "监督抽查", 1 },
	[WF_SRC_RISK_MONITORING] = { "risk_monitoring", "风险监测", 1 },
	[WF_SRC_COMPLAINT] = { "complaint", "投诉举报", 1 },
	[WF_SRC_PUBLIC_OPINION] = { "public_opinion", "舆情", 1 },
	[WF_SRC_INJURY_MONITORING] = { "injury_monitoring", "伤害监测", 1 },
	[WF_SRC_RECALL] = { "recall", "缺陷召回", 1 },
	[WF_SRC_LOOKBACK] = { "lookback", "回头看", 1 },
	[WF_SRC_REFERRAL] = { "referral", "外地移送", 0 },
};
