-- 0195_list_pairs: the case list's two filter pairs that read thousands
-- of rows for a page of 51 (issue 23, docs/PERFORMANCE.md round 5).
--
-- A state and a campaign (`state=credit_publication&campaign=2022`):
-- the planner ANDed the bitmaps of cases_state (25 923 rows) and
-- cases_campaign (84 946), then joined and sorted the 1 519 rows that
-- matched -- 25.7 ms at a million cases.  (state, campaign_id, id)
-- gives them newest first, and the list stops after its page: 1.1 ms.
--
-- A state and a region (`state=interview&region=110108`): the same
-- BitmapAnd of cases_state and cases_region (24 189 and 35 066 rows),
-- 21 ms.  (state, region, id) reads the 809 rows of the district
-- directly: 7.4 ms.
--
-- Each index is one more entry written by every transition (a
-- transition changes `state`, so its update is never HOT and writes
-- every index of cases already): the transitions row of ./run bench
-- measured with and without them.

CREATE INDEX cases_state_campaign ON cases (state, campaign_id, id);
CREATE INDEX cases_state_region ON cases (state, region, id);
