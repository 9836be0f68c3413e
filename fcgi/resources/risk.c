/*
 * risk.c: the risk grading rule as the data it is (分类监管;
 * sql/0063_risk_grades.sql, docs/RISK.md).
 *
 *	GET /api/v1/risk-rule	the factors (id, label, points, window in
 *				days, basis), the grades (score each starts
 *				at, inspection interval, measures)
 *
 * An enterprise's own grade and its reasons are part of the enterprise
 * (profile.c); the list filters by grade and by inspections due
 * (enterprises.c).
 */
#include <stdlib.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

void
risk_rule_get(struct req *r)
{
	static struct stmt factors = STMT(
	    "SELECT id, label, points, window_days, basis FROM risk_factors"
	    " ORDER BY ord", 0);
	static struct stmt grades = STMT(
	    "SELECT grade, label, min_score, inspect_within_days, measures"
	    " FROM risk_grades ORDER BY grade", 0);
	PGresult	*f = NULL, *g = NULL;
	json_t		*fa, *ga;
	int		 i;

	if ((f = db_exec(r, &factors, NULL)) == NULL ||
	    (g = db_exec(r, &grades, NULL)) == NULL) {
		PQclear(f);
		reply_db_error(r);
		return;
	}
	fa = json_array();
	for (i = 0; i < PQntuples(f); i++)
		json_array_append_new(fa, json_pack("{s:s, s:s, s:i, s:o, s:s}",
		    "id", db_get(f, i, "id"),
		    "label", db_get(f, i, "label"),
		    "points", atoi(db_get(f, i, "points")),
		    "window_days", db_isnull(f, i, "window_days") ?
		    json_null() : json_integer(atoi(db_get(f, i,
		    "window_days"))),
		    "basis", db_get(f, i, "basis")));
	ga = json_array();
	for (i = 0; i < PQntuples(g); i++)
		json_array_append_new(ga, json_pack("{s:s, s:s, s:i, s:i, s:s}",
		    "grade", db_get(g, i, "grade"),
		    "label", db_get(g, i, "label"),
		    "min_score", atoi(db_get(g, i, "min_score")),
		    "inspect_within_days", atoi(db_get(g, i,
		    "inspect_within_days")),
		    "measures", db_get(g, i, "measures")));
	PQclear(f);
	PQclear(g);
	reply_json(r, 200, json_pack("{s:o, s:o, s:s, s:s}", "factors", fa,
	    "grades", ga, "rule", "各项因素成立时计分，分数相加；达到某等级的起始分"
	    "即为该等级（A 最低风险，D 最高风险）；计的是事件的因素只在事件后"
	    "window_days 天内计分；下次检查期限为上次风险排查或监督抽查（从未"
	    "检查的，为登记日）加上该等级的检查间隔",
	    "document", "docs/RISK.md"));
}
