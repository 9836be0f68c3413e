-- 0191_risk_on_open_cases.sql: a case's move regrades its enterprise
-- only when it changes one of the grade's facts (issue 23,
-- docs/PERFORMANCE.md "Transitions vs pgbench -N").
--
-- 0063's trigger regraded the enterprise at every change of a case's
-- state, but of the state the grade reads one thing only: whether the
-- case is closed (risk_facts_of: open_cases counts state <> 'closed').
-- A move between two open states (detected -> rectifying, the commonest
-- transition) graded the enterprise afresh from all its cases, events,
-- activities and licences and rewrote the same grade -- a third of the
-- transition's work in PostgreSQL (callgrind, PERFORMANCE.md).  Now the
-- trigger fires when the case closes or opens again, and on every other
-- change 0063 named (penalty, judicial transfer, problem types), exactly
-- the facts risk_facts_of() reads from a case row; its events, licences,
-- activities and the enterprise keep their own triggers.  What time
-- alone changes is stale_after's business (risk_of grades afresh).

DROP TRIGGER cases_risk ON cases;
CREATE TRIGGER cases_risk AFTER UPDATE ON cases FOR EACH ROW
	WHEN ((OLD.state = 'closed') IS DISTINCT FROM (NEW.state = 'closed')
	   OR OLD.penalty_decided_at IS DISTINCT FROM NEW.penalty_decided_at
	   OR OLD.judicial_transferred_at IS DISTINCT FROM
	      NEW.judicial_transferred_at
	   OR OLD.problem_types IS DISTINCT FROM NEW.problem_types)
	EXECUTE FUNCTION risk_feed_row();
