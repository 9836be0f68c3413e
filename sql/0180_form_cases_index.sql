-- 0180_form_cases_index.sql: the campaign form's index of cases (0009's
-- cases_report) carries each case's id as well, so that the form reads
-- its cases from the index alone.  The id is read for every case the
-- form counts -- by the row-level security policy cases_referred (id =
-- ANY (referred_cases())) and by the as-of check of an interview -- and
-- without it the scan fetched every such case from the table: at 200 000
-- cases, 45 403 heap visits for 110000, the cases' half of the form 156
-- ms; with it an index-only scan, 89 ms (EXPLAIN ANALYZE as officer.bj's
-- session on the bench instance, 2026-12-03).  At a million cases those
-- visits are random reads across the table.

DROP INDEX cases_report;
CREATE INDEX cases_report ON cases (campaign_id, region)
	INCLUDE (category, enterprise_id, penalty_decided_at, fine_amount,
	    confiscation_amount, case_value, judicial_transferred_at,
	    discipline_transferred_at, interviews, id)
	WHERE penalty_decided_at IS NOT NULL
	   OR judicial_transferred_at IS NOT NULL
	   OR discipline_transferred_at IS NOT NULL
	   OR interviews > 0;
