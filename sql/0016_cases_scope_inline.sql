-- 0016_cases_scope_inline: the cases policy back to in_scope(region), now
-- that the scope is an inlined expression (0012, 0014), so the planner
-- sees how much of the table a scope covers (issue 9; PERFORMANCE.md).
--
-- 0008 wrote the cases policy with its bounds as scalar subqueries,
-- computed once per statement, when scope_lo()/scope_hi() were SQL
-- functions called per row.  Such bounds are parameters the planner
-- cannot see: it took a province -- 57 % of a million cases -- for the
-- default 0.5 % of a range, and read the case list through bitmaps of
-- the region index: state=rectifying 2.3 s, category=cement 1.5 s.  The
-- inlined bounds read the setting when planning as well, for the
-- estimate, and cost a few comparisons per row (0014).
--
-- case_events and log_leaves keep 0008's policies: verify relies on
-- their bounds not being an index range there.

ALTER POLICY cases_scope ON cases USING (in_scope(region));
