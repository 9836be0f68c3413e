-- 0013_list_indexes: the case list's indexes, matched to how it reads:
-- newest first (ORDER BY id DESC LIMIT n) within the user's regions,
-- with optional filters (fcgi/cases.c CASE_FILTER).
--
-- The region scope of a province covers about half of all rows, so the
-- list reads an index in id order and checks the region on the way,
-- stopping after n rows; what it cannot do is sort every row of a
-- state first.  cases_state (state, region, id) gave the rows of one
-- state ordered by region, then id: a list of one state had to fetch
-- and sort all of them (credit_publication of 2022 over a million
-- cases: 0.8 s).  Ordered by id, with the region carried in the index,
-- it stops after n.  The pending proposals the same way.  The number of
-- indexes on cases -- each one written by every transition -- is the
-- same as before.

DROP INDEX cases_state;
CREATE INDEX cases_state ON cases (state, id) INCLUDE (region);

DROP INDEX cases_pending;
CREATE INDEX cases_pending ON cases (id) INCLUDE (region)
	WHERE pending_event IS NOT NULL;
