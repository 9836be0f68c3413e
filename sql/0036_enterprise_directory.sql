-- 0036_enterprise_directory: the enterprise directory across regions,
-- and the reason for registering a code in another province.
--
-- enterprise_lookup(code) answers the public registry's facts of the
-- enterprise with that unified social credit code -- id, code, name,
-- region, nothing else -- wherever it is registered: row-level security
-- keeps other regions' enterprises from the service's role, so the
-- function runs as the owner (SECURITY DEFINER), for a request with a
-- user only.  GET /api/v1/enterprises/lookup and the 409 of a duplicate
-- code read it.  On the national database, where two provinces may
-- each hold a code (0011), the first registered answers.
--
-- region_mismatch_reason: characters 3-8 of a code name the registering
-- authority's region (GB/T 2260); an enterprise registered in another
-- province than that authority's carries the reason the officer gave
-- (the service requires it: enterprises.c).  Existing rows keep NULL.

ALTER TABLE enterprises ADD COLUMN region_mismatch_reason text
	CHECK (length(region_mismatch_reason) BETWEEN 1 AND 500);
COMMENT ON COLUMN enterprises.region_mismatch_reason IS
	'why the enterprise is registered in another province than the one of the authority its code names (characters 3-8); NULL when they agree';

CREATE FUNCTION enterprise_lookup(code bpchar)
RETURNS TABLE (id bigint, uscc char(18), name text, region char(6))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT e.id, e.uscc, e.name, e.region
	  FROM enterprises e
	 WHERE e.uscc = code AND scope_user() IS NOT NULL
	 ORDER BY e.id
	 LIMIT 1
$$;
REVOKE ALL ON FUNCTION enterprise_lookup(bpchar) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION enterprise_lookup(bpchar) TO paicha_app;
