-- 0193_relay_again.sql: a province may peer again (./run unpeer, then
-- ./run peer) without its relay rows colliding (issue 17,
-- docs/SCALING.md "A referral between provinces").
--
-- A new subscription copies the peer's whole publication first; the
-- rows of it that arrived under the old subscription are here already,
-- and the copy stopped on their primary key, again and again.  A row
-- that is here already is skipped before it is inserted: its arrival
-- (referral_relay_arrived, AFTER INSERT) happened when it first came,
-- and the rows sent while the provinces were apart arrive with the copy.
-- Enabled for apply and sync workers only, as the arrival is.

CREATE FUNCTION referral_relay_seen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF EXISTS (SELECT FROM referral_relay WHERE id = NEW.id) THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION referral_relay_seen() FROM PUBLIC;

CREATE TRIGGER referral_relay_seen BEFORE INSERT ON referral_relay
	FOR EACH ROW EXECUTE FUNCTION referral_relay_seen();
ALTER TABLE referral_relay ENABLE REPLICA TRIGGER referral_relay_seen;
