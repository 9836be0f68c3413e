/*
 * file_kind.c: what a file kept with a case may be -- the kinds of
 * evidence, and the five documents of a transfer to the police as kinds
 * of their own (the same ids as wf_documents), so that a proposal can
 * tell which of its documents have a file.
 */
#include <string.h>

#include "workflow.h"

#define K(i, l)	{ (i), (l), WF_DOC__MAX }

const struct wf_file_kind_def wf_file_kinds[WF_FK__MAX] = {
	[WF_FK_PHOTO] = K("photo", "现场照片"),
	[WF_FK_INSPECTION_REPORT] = { "inspection_report",
	    "检验报告或者鉴定结论", WF_DOC_INSPECTION_REPORT },
	[WF_FK_MINUTES] = K("minutes", "约谈纪要或会议记录"),
	[WF_FK_NOTICE] = K("notice", "通知书、决定书等执法文书"),
	[WF_FK_RECTIFICATION_EVIDENCE] = K("rectification_evidence",
	    "整改证明材料"),
	[WF_FK_SELF_INSPECTION] = K("self_inspection", "企业自查报告"),
	[WF_FK_OTHER] = K("other", "其他材料"),
	[WF_FK_TRANSFER_LETTER] = { "transfer_letter",
	    "涉嫌犯罪案件移送书", WF_DOC_TRANSFER_LETTER },
	[WF_FK_INVESTIGATION_REPORT] = { "investigation_report",
	    "涉嫌犯罪案件情况的调查报告", WF_DOC_INVESTIGATION_REPORT },
	[WF_FK_EVIDENCE_LIST] = { "evidence_list", "涉案物品清单",
	    WF_DOC_EVIDENCE_LIST },
	[WF_FK_OTHER_MATERIALS] = { "other_materials",
	    "其他有关涉嫌犯罪的材料", WF_DOC_OTHER_MATERIALS },
};

/*
 * The kind whose id is exactly the string, or WF_FK__MAX when there is
 * none or the string is NULL.
 */
enum wf_file_kind
wf_file_kind_parse(const char *s)
{
	enum wf_file_kind	 k = WF_FK__MAX;
	int			 i;

	if (s == NULL)
		goto out;
	for (i = 0; i < WF_FK__MAX; i++)
		if (strcmp(s, wf_file_kinds[i].id) == 0) {
			k = (enum wf_file_kind)i;
			break;
		}
out:
	return k;
}

/* The kind that is transfer document `d`, or WF_FK__MAX for none. */
enum wf_file_kind
wf_file_kind_of_document(enum wf_doc d)
{
	enum wf_file_kind	 k = WF_FK__MAX;
	int			 i;

	for (i = 0; i < WF_FK__MAX; i++)
		if (wf_file_kinds[i].document == d && d != WF_DOC__MAX) {
			k = (enum wf_file_kind)i;
			break;
		}
	return k;
}
