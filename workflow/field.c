/*
 * field.c: the payload fields events carry, their types, and the
 * documents a transfer to the police must list.
 */
#include <string.h>

#include "workflow.h"

const char *const wf_ftype_ids[WF_F__MAX] = {
	[WF_F_DATE] = "date",
	[WF_F_TEXT] = "text",
	[WF_F_MONEY] = "money",
	[WF_F_BOOL] = "bool",
	[WF_F_LIST] = "list",
	[WF_F_IDS] = "ids",
};

#define TEXT(n, l)	{ (n), WF_F_TEXT, (l), WF_WHEN_ANY, NULL, 0, 0 }
#define LINE(n, l)	{ (n), WF_F_TEXT, (l), WF_WHEN_ANY, NULL, 0, 1 }
#define MONEY(n, l)	{ (n), WF_F_MONEY, (l), WF_WHEN_ANY, NULL, 0, 0 }
#define BOOL(n, l)	{ (n), WF_F_BOOL, (l), WF_WHEN_ANY, NULL, 0, 0 }
#define DATE(n, l, w, m) { (n), WF_F_DATE, (l), (w), (m), 0, 0 }

const struct wf_field_def wf_fields[WF_FLD__MAX] = {
	[WF_FLD_DEADLINE] = DATE("deadline", "整改期限",
	    WF_WHEN_FUTURE, "整改期限不能早于明天"),
	[WF_FLD_MEASURES] = TEXT("measures", "整改措施"),
	[WF_FLD_EVIDENCE] = TEXT("evidence", "整改情况及证明材料"),
	[WF_FLD_REASON] = TEXT("reason", "理由"),
	[WF_FLD_HELD_ON] = DATE("held_on", "约谈日期",
	    WF_WHEN_NOT_FUTURE, "约谈日期不能晚于今天"),
	[WF_FLD_ATTENDEES] = { "attendees", WF_F_LIST, "参加约谈人员",
	    WF_WHEN_ANY, NULL, 0, 1 },
	[WF_FLD_MINUTES] = TEXT("minutes", "约谈纪要"),
	[WF_FLD_DECISION_NO] = LINE("decision_no", "行政处罚决定书文号"),
	[WF_FLD_FINE_AMOUNT] = MONEY("fine_amount", "罚款金额（元）"),
	[WF_FLD_CONFISCATION_AMOUNT] =
	    MONEY("confiscation_amount", "没收金额（元）"),
	[WF_FLD_CASE_VALUE] = MONEY("case_value", "案值（元）"),
	[WF_FLD_PUBLISHED_ON] = DATE("published_on", "公示日期",
	    WF_WHEN_NOT_FUTURE, "公示日期不能晚于今天"),
	[WF_FLD_SERIOUS_LIST] =
	    BOOL("serious_list", "列入严重违法失信名单"),
	[WF_FLD_RECEIVING_ORGAN] = LINE("receiving_organ", "接收机关"),
	[WF_FLD_DOCUMENTS] = { "documents", WF_F_LIST, "移送材料",
	    WF_WHEN_ANY, NULL, 1, 1 },
	[WF_FLD_CLUE_SUMMARY] = TEXT("clue_summary", "问题线索摘要"),
	[WF_FLD_RECEIPT_NO] = LINE("receipt_no", "回执编号"),
	[WF_FLD_ACCEPTED] = BOOL("accepted", "是否受理"),
	[WF_FLD_DECIDED_ON] = DATE("decided_on", "接收机关决定日期",
	    WF_WHEN_NOT_FUTURE, "决定日期不能晚于今天"),
	[WF_FLD_CONCLUSION] = TEXT("conclusion", "办结结论"),
	[WF_FLD_LOOKBACK_ON] = DATE("lookback_on", "回头看日期",
	    WF_WHEN_FUTURE, "回头看日期不能早于明天"),
	[WF_FLD_FINDINGS] = TEXT("findings", "检查情况"),
	[WF_FLD_TEXT] = TEXT("text", "备注"),
	/* User ids; the server checks each is an officer covering the case. */
	[WF_FLD_ASSIGNEES] = { "assignees", WF_F_IDS, "承办人",
	    WF_WHEN_ANY, NULL, 0, 0 },
	[WF_FLD_VIOLATION_TYPE] = LINE("violation_type", "违法行为类型"),
	[WF_FLD_PENALTY_CONTENT] = TEXT("penalty_content", "行政处罚内容"),
	[WF_FLD_DECIDING_AGENCY] =
	    LINE("deciding_agency", "作出行政处罚决定的机关"),
	[WF_FLD_DECISION_DATE] = DATE("decision_date", "行政处罚决定日期",
	    WF_WHEN_NOT_FUTURE, "决定日期不能晚于今天"),
	[WF_FLD_CATEGORY] = LINE("category", "产品类别"),
	[WF_FLD_DOMAIN] = LINE("domain", "领域"),
	[WF_FLD_SOURCE] = LINE("source", "问题来源"),
	[WF_FLD_PROBLEM] = TEXT("problem", "问题描述"),
	[WF_FLD_RISK_LEVEL] = LINE("risk_level", "风险等级"),
	/* The referral's id, as a list of one (ids are the one id type). */
	[WF_FLD_REFERRAL] = { "referral", WF_F_IDS, "移送编号",
	    WF_WHEN_ANY, NULL, 0, 0 },
	[WF_FLD_REFERRAL_KIND] = LINE("referral_kind", "移送类型"),
	[WF_FLD_TO_REGION] = LINE("to_region", "移入地区"),
	[WF_FLD_LINK_KIND] = LINE("link_kind", "关联类型"),
	/* The other case's id, as a list of one. */
	[WF_FLD_LINKED_CASE] = { "linked_case", WF_F_IDS, "关联案件",
	    WF_WHEN_ANY, NULL, 0, 0 },
};

/*
 * 《行政执法机关移送涉嫌犯罪案件的规定》 (国务院令第310号, 2001; revised
 * 2020 by 国务院令第730号) art. 6: a transfer to the public security
 * organ is accompanied by these five.
 */
const struct wf_doc_def wf_documents[WF_DOC__MAX] = {
	[WF_DOC_TRANSFER_LETTER] = { "transfer_letter",
	    "涉嫌犯罪案件移送书", "缺少涉嫌犯罪案件移送书" },
	[WF_DOC_INVESTIGATION_REPORT] = { "investigation_report",
	    "涉嫌犯罪案件情况的调查报告", "缺少涉嫌犯罪案件情况的调查报告" },
	[WF_DOC_EVIDENCE_LIST] = { "evidence_list",
	    "涉案物品清单", "缺少涉案物品清单" },
	[WF_DOC_INSPECTION_REPORT] = { "inspection_report",
	    "有关检验报告或者鉴定结论", "缺少有关检验报告或者鉴定结论" },
	[WF_DOC_OTHER_MATERIALS] = { "other_materials",
	    "其他有关涉嫌犯罪的材料", "缺少其他有关涉嫌犯罪的材料" },
};

/*
 * The field whose payload name is exactly the string, or WF_FLD__MAX
 * when there is none or the string is NULL.
 */
enum wf_fid
wf_field_parse(const char *s)
{
	enum wf_fid	 f = WF_FLD__MAX;
	int		 i;

	if (s == NULL)
		goto out;
	for (i = 0; i < WF_FLD__MAX; i++)
		if (strcmp(s, wf_fields[i].name) == 0) {
			f = (enum wf_fid)i;
			break;
		}
out:
	return f;
}

/*
 * The transfer document whose id is exactly the string, or WF_DOC__MAX
 * when there is none or the string is NULL.
 */
enum wf_doc
wf_doc_parse(const char *s)
{
	enum wf_doc	 d = WF_DOC__MAX;
	int		 i;

	if (s == NULL)
		goto out;
	for (i = 0; i < WF_DOC__MAX; i++)
		if (strcmp(s, wf_documents[i].id) == 0) {
			d = (enum wf_doc)i;
			break;
		}
out:
	return d;
}

/*
 * Money in yuan as the API writes it: (0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?
 * and nothing else (no sign, no spaces, no exponent, no "1.").  Returns 0
 * and stores the amount in fen (1 yuan = 100 fen) in *fen, or -1 and
 * leaves *fen alone.  The largest amount, 9999999999999.99 yuan, fits a
 * long long in fen with room to spare.
 */
int
wf_money_parse(const char *s, long long *fen)
{
	long long	 yuan = 0, cents = 0;
	size_t		 i = 0, ndig = 0, nfrac = 0;
	int		 rc = -1;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		goto out;
	if (s[0] == '0') {
		i = 1;
		ndig = 1;
	} else
		for (; s[i] >= '0' && s[i] <= '9'; i++, ndig++) {
			if (ndig == 13)
				goto out;
			yuan = yuan * 10 + (s[i] - '0');
		}
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
			if (nfrac == 2)
				goto out;
			cents = cents * 10 + (s[i] - '0');
		}
		if (nfrac == 0)
			goto out;
		if (nfrac == 1)
			cents *= 10;
	}
	if (s[i] != '\0')
		goto out;
	*fen = yuan * 100 + cents;
	rc = 0;
out:
	return rc;
}
