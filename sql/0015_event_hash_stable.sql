-- 0015_event_hash_stable: event_hash() inlined into the trigger that checks
-- every event (issue 9; docs/PERFORMANCE.md).
--
-- event_hash() (0007) was declared IMMUTABLE, but convert_to() in it is
-- STABLE, and PostgreSQL never inlines an IMMUTABLE SQL function whose
-- body is less than immutable: case_events_check() called it as a
-- function, which parsed and planned its body again for every event --
-- 169 000 instructions per transition under callgrind, 4 % of the
-- database's work for one.  STABLE is what it is; same body, same
-- hashes, and now the trigger's expression holds it inline.

CREATE OR REPLACE FUNCTION event_hash(case_id bigint, seq integer, prev bytea,
    record text) RETURNS bytea
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
	SELECT sha256(convert_to('paicha/case-event/v1', 'UTF8')
	    || int8send(case_id) || int4send(seq) || prev
	    || sha256(convert_to(record, 'UTF8')))
$$;

DO $check$
BEGIN
	IF encode(event_hash(1, 1, decode(repeat('00', 32), 'hex'), '{}'), 'hex')
	    <> encode(sha256(convert_to('paicha/case-event/v1', 'UTF8')
	    || int8send(1) || int4send(1) || decode(repeat('00', 32), 'hex')
	    || sha256(convert_to('{}', 'UTF8'))), 'hex') THEN
		RAISE EXCEPTION 'event_hash changed its answer';
	END IF;
END
$check$;
