-- 0203_list_overdue: the case list's overdue cases told apart in an
-- index, newest first (issue 23, docs/PERFORMANCE.md round 9).
--
-- `overdue=true` is `next_due < now()`, which no partial index can hold:
-- now() moves.  The list reads cases newest first, so it read the
-- primary key backwards and fetched each case to test it -- and the
-- newest cases are the ones whose deadlines are still ahead: at a
-- million cases Beijing's list fetched 57 000 cases that were not
-- overdue before it had its 51 (150 ms alone; 75 ms on average under
-- ./run bench's four connections, the list's p99 79-83 ms).  With
-- next_due as the index's second column, B-tree tests it on the index
-- entry, and only overdue cases are fetched: 2-3.5 ms, the list's p99
-- 27 ms.
--
-- Cases without a deadline (closed, or not started) are left out: the
-- filter implies next_due IS NOT NULL, so the planner may use it.  One
-- more entry written by a transition that moves a deadline (such an
-- update already writes every index of cases: it changes `state`).

CREATE INDEX cases_id_due ON cases (id, next_due) WHERE next_due IS NOT NULL;
