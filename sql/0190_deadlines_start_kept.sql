-- 0190_deadlines_start_kept.sql: case_deadlines_start() as PL/pgSQL --
-- the same INSERT, its plan kept per connection (issue 23,
-- docs/PERFORMANCE.md "Transitions vs pgbench -N").
--
-- A SQL-language function whose body is an INSERT is never inlined:
-- case_step() and case_open() call it through PERFORM, and PostgreSQL
-- parsed, rewrote (row-level security, the foreign keys' and CHECKs'
-- expressions) and planned that INSERT again at every call -- a
-- transition's single largest piece of work after the guarded UPDATE
-- (callgrind on the backend, measured in PERFORMANCE.md).  PL/pgSQL
-- keeps the plan of each statement for the connection, as 0170 did for
-- the GET's functions.
--
-- Nothing else changes: language only, the same statement, volatility
-- (VOLATILE), security (invoker: the caller's row-level security on
-- case_deadlines still applies), owner and grants (CREATE OR REPLACE
-- keeps the function's oid).

CREATE OR REPLACE FUNCTION case_deadlines_start(c_id bigint, c_region char(6),
    e_seq integer, starts jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO case_deadlines (case_id, kind, started_seq, region,
	    basis_at, due_at, calendar_known)
	SELECT c_id, s.kind, e_seq, c_region, to_timestamp(s.basis),
	    to_timestamp(s.due), s.known
	  FROM jsonb_to_recordset(starts)
	    AS s(kind text, basis bigint, due bigint, known boolean);
END
$$;
