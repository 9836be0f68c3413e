/*
 * reminders.c: the job deadline_reminders -- the notifications a case's
 * open deadlines cause as time passes (API.md Part 2):
 *
 *	deadline_soon	to the assignees, WF_REMIND_WORKING_DAYS working
 *			days before it is due (workflow: wf_soon_horizon)
 *	overdue		to the assignees, once it is past due
 *	escalated	to the coordinators of the nearest region above the
 *			case's, WF_ESCALATE_WORKING_DAYS working days overdue
 *			(workflow: wf_escalation_horizon)
 *
 * The working-day arithmetic is the workflow library's, on the
 * database's clock; the database does the rest in one statement per
 * stage (sched_deadlines(), sql/0053_scheduler.sql): it takes the
 * deadlines due for the stage from the stage's partial index, marks
 * them and makes their notifications.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../base/base.h"
#include "../front/front.h"
#include "sched.h"

enum stage {
	STAGE_SOON,
	STAGE_OVERDUE,
	STAGE_ESCALATED,
	STAGE__MAX
};

static const char *const stage_names[STAGE__MAX] = {
	[STAGE_SOON] = "soon",
	[STAGE_OVERDUE] = "overdue",
	[STAGE_ESCALATED] = "escalated",
};

/*
 * The labels sched_deadlines() writes into the texts, from the
 * workflow's table: {"rectification": "整改期限", ...,
 * "_escalate_days": "5"}.  A new string (free it), or NULL.
 */
static char *
labels_json(void)
{
	json_t	*o = json_object();
	char	 n[16], *s = NULL;
	int	 k;

	if (o == NULL)
		return NULL;
	for (k = 0; k < WF_DL__MAX; k++)
		json_object_set_new(o, wf_deadlines[k].id,
		    json_string(wf_deadlines[k].label));
	snprintf(n, sizeof(n), "%d", WF_ESCALATE_WORKING_DAYS);
	json_object_set_new(o, "_escalate_days", json_string(n));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/*
 * One batch of the reminders at the database's clock `now_us`: each
 * stage, in order, takes at most `limit` deadlines.  Returns the
 * deadlines taken (a deadline may count once per stage) and sets *more
 * when a stage had as many as it could take; -1 recorded in `r`.
 */
long
reminders_batch(struct req *r, long long now_us, long limit, int *more)
{
	static struct stmt stage = STMT(
	    "SELECT sched_deadlines($1, to_timestamp($2::bigint),"
	    " to_timestamp($3::double precision / 1000000), $4::integer,"
	    " $5::jsonb) AS n", 5);
	long long	 now = now_us / 1000000, bound[STAGE__MAX];
	char		 b[24], nowtext[24], lim[24], *labels;
	const char	*p[5];
	PGresult	*res;
	long		 n, total = 0;
	int		 s, known = 1;

	*more = 0;
	if ((labels = labels_json()) == NULL) {
		req_fail(r, "sched: could not build the deadline labels");
		return -1;
	}
	bound[STAGE_SOON] = wf_soon_horizon(now, &known);
	bound[STAGE_OVERDUE] = now;	/* unused: overdue is before now_us */
	bound[STAGE_ESCALATED] = wf_escalation_horizon(now, &known);
	snprintf(nowtext, sizeof(nowtext), "%lld", now_us);
	snprintf(lim, sizeof(lim), "%ld", limit);
	for (s = 0; s < STAGE__MAX; s++) {
		snprintf(b, sizeof(b), "%lld", bound[s]);
		p[0] = stage_names[s];
		p[1] = b;
		p[2] = nowtext;
		p[3] = lim;
		p[4] = labels;
		if ((res = db_exec(r, &stage, p)) == NULL) {
			total = -1;
			break;
		}
		n = strtol(db_get(res, 0, "n"), NULL, 10);
		PQclear(res);
		total += n;
		if (n >= limit)
			*more = 1;
	}
	free(labels);
	return total;
}
