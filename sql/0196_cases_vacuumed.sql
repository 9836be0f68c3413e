-- 0196_cases_vacuumed: vacuum cases after 1 % of it has changed, not
-- PostgreSQL's default 20 % (issue 23, docs/PERFORMANCE.md round 5).
--
-- The campaign form reads its cases index-only (cases_report, 0180),
-- which holds only while the visibility map says their pages are
-- all-visible, and every transition clears that for two pages.  At a
-- million cases the default waits for 200 000 changed rows: the bench
-- instance had gone 77 000 without a vacuum, the form's scan fetched
-- 148 184 of its 223 683 rows from the table and took 650 ms; after a
-- VACUUM none, 300 ms (the whole form 1.44 -> 1.09 s, as officer.bj).
-- New cases count too (the insert threshold, also 1 %): their pages
-- are not all-visible until a vacuum has seen them.  Analyzing at 2 %
-- keeps the list's estimates near what transitions and new cases do to
-- each state (a stale estimate chose a 26 ms BitmapAnd
-- over 0195's 1 ms index).

ALTER TABLE cases SET (autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_insert_scale_factor = 0.01,
    autovacuum_analyze_scale_factor = 0.02);
