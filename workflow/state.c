/*
 * state.c: the states a case can be in.
 */
#include <string.h>

#include "workflow.h"

/*
 * `closed` is the only terminal state, and "terminal" means no further
 * work is expected until the look-back date: start_lookback still leaves
 * it, and a recurrence found at look-back reopens the case.
 */
const struct wf_state_def wf_states[WF_STATE__MAX] = {
	[WF_STATE_DETECTED] = { "detected", "发现登记", 0 },
	[WF_STATE_RECTIFYING] = { "rectifying", "责令整改", 0 },
	[WF_STATE_RECTIFICATION_REVIEW] =
	    { "rectification_review", "整改复查", 0 },
	[WF_STATE_INTERVIEW] = { "interview", "约谈", 0 },
	[WF_STATE_CREDIT_PUBLICATION] =
	    { "credit_publication", "信用公示", 0 },
	[WF_STATE_TRANSFER_JUDICIAL] =
	    { "transfer_judicial", "移送司法机关", 0 },
	[WF_STATE_TRANSFER_DISCIPLINE] =
	    { "transfer_discipline", "移送纪检监察", 0 },
	[WF_STATE_CLOSED] = { "closed", "办结", 1 },
	[WF_STATE_LOOKBACK] = { "lookback", "回头看", 0 },
};

/*
 * The state whose API id is exactly the string, or WF_STATE__MAX when
 * there is none or the string is NULL.
 */
enum wf_state
wf_state_parse(const char *s)
{
	enum wf_state	 st = WF_STATE__MAX;
	int		 i;

	if (s == NULL)
		goto out;
	for (i = 0; i < WF_STATE__MAX; i++)
		if (strcmp(s, wf_states[i].id) == 0) {
			st = (enum wf_state)i;
			break;
		}
out:
	return st;
}
