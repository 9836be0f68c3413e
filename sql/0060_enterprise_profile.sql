-- 0060_enterprise_profile: who an enterprise is, where it sits and what
-- licences it holds (issue 21; API.md Part 2 "Enterprise profile, problem
-- types, risk grades").
--
-- The seed's 分类监管 asks for 企业基本信息数据库: a legal representative
-- and a telephone to reach; the 重点领域 it sits in (二、（二）: 生产企业
-- 集聚区, 质量问题易发多发区, 城乡结合部, 农村市场, 销售门店); whether it
-- 发生过质量安全事故; and its licences with their validity, since 无证生产
-- and 在认证证书撤销、注销或暂停期间继续出厂 are what the officers look for.
--
-- Licences are rows of enterprise_licences, in the order given (ord).
-- Part 1's four columns on enterprises -- production_licence, ..._status,
-- ccc_certificate, ccc_status -- stay, as the first licence of each kind:
-- two triggers keep both ways in step, so whoever writes either (the
-- service, the bulk seeder, an import, an old client) leaves them
-- consistent, and neither can drift from the other.

-- ------------------------------------------------------------------
-- The profile on the enterprise row
-- ------------------------------------------------------------------

-- area_types: each of the five at most once.
CREATE FUNCTION area_types_valid(a text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT a <@ ARRAY['cluster', 'problem_prone', 'urban_rural_fringe',
	    'rural_market', 'retail_store']
	   AND cardinality(a) = (SELECT count(DISTINCT x) FROM unnest(a) x)
$$;

-- accident_history: true/false, a text, or a list of accidents
-- [{"on": "YYYY-MM-DD", "summary": "..."}]; the service checks the
-- members, the table the shape.  Whether it tells of an accident at all:
-- true, a text that is not blank, a list that is not empty.
CREATE FUNCTION accident_told(h jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE jsonb_typeof(h)
	    WHEN 'boolean' THEN h = 'true'::jsonb
	    WHEN 'string' THEN btrim(h #>> '{}') <> ''
	    WHEN 'array' THEN jsonb_array_length(h) > 0
	    ELSE false END
$$;

ALTER TABLE enterprises
	ADD COLUMN legal_representative text
		CHECK (length(legal_representative) BETWEEN 1 AND 100),
	ADD COLUMN contact_phone text
		CHECK (contact_phone ~ '^\+?[0-9][0-9 ()-]{2,30}[0-9]$'),
	ADD COLUMN area_types text[] NOT NULL DEFAULT '{}'
		CHECK (area_types_valid(area_types)),
	ADD COLUMN accident_history jsonb
		CHECK (jsonb_typeof(accident_history) IN ('boolean', 'string',
		    'array'));

COMMENT ON COLUMN enterprises.area_types IS
	'重点领域: cluster 集聚区, problem_prone 质量问题易发多发区, urban_rural_fringe 城乡结合部, rural_market 农村市场, retail_store 销售门店';
COMMENT ON COLUMN enterprises.accident_history IS
	'发生过质量安全事故: true/false, a text, or [{"on", "summary"}] as given';

GRANT UPDATE (legal_representative, contact_phone, area_types,
	accident_history) ON enterprises TO paicha_app;

-- ------------------------------------------------------------------
-- Licences
-- ------------------------------------------------------------------

CREATE TABLE enterprise_licences (
	enterprise_id	bigint NOT NULL REFERENCES enterprises,
	ord		smallint NOT NULL CHECK (ord BETWEEN 1 AND 32),
	region		char(6) NOT NULL,	-- the enterprise's, for scoping
	kind		text NOT NULL CHECK (kind IN ('production', 'ccc')),
	-- NULL only where Part 1's status came without a number.
	number		text CHECK (length(number) BETWEEN 1 AND 64),
	status		text CHECK (status IN ('valid', 'suspended', 'revoked',
			'expired')),
	valid_from	date,
	valid_until	date,
	CONSTRAINT enterprise_licences_dates CHECK (valid_until >= valid_from),
	PRIMARY KEY (enterprise_id, ord)
);

COMMENT ON TABLE enterprise_licences IS
	'生产许可证 (production) and CCC certificates (ccc) of an enterprise, in the order given; the first of each kind is Part 1''s production_licence / ccc_certificate';

-- The region is the enterprise's, whatever the writer says.
CREATE FUNCTION enterprise_licences_region() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
	SELECT region INTO NEW.region FROM enterprises
	 WHERE id = NEW.enterprise_id;
	RETURN NEW;
END
$$;

CREATE TRIGGER enterprise_licences_region BEFORE INSERT OR UPDATE
	ON enterprise_licences FOR EACH ROW
	EXECUTE FUNCTION enterprise_licences_region();

ALTER TABLE enterprise_licences ENABLE ROW LEVEL SECURITY;
CREATE POLICY enterprise_licences_scope ON enterprise_licences TO paicha_app
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
GRANT SELECT, INSERT, DELETE ON enterprise_licences TO paicha_app;

-- The licence's status as of `today`: what was recorded, or `expired`
-- once its last valid day has passed.
CREATE FUNCTION licence_status_on(status text, valid_until date, today date)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN status IN ('suspended', 'revoked', 'expired')
	    THEN status
	    WHEN valid_until < today THEN 'expired'
	    ELSE status END
$$;

-- What every case of the enterprise shows: its licences that are
-- expired, suspended or revoked today, each with a sentence in Chinese.
CREATE FUNCTION licence_alerts(eid bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object(
	    'kind', l.kind, 'number', l.number, 'status', l.now,
	    'valid_until', l.valid_until,
	    'message', CASE l.kind WHEN 'production' THEN '生产许可证'
		ELSE '强制性产品认证证书' END
		|| coalesce(l.number, '')
		|| CASE l.now WHEN 'revoked' THEN '已被撤销'
		    WHEN 'suspended' THEN '已被暂停'
		    ELSE '已过期' END
		|| CASE WHEN l.valid_until IS NOT NULL
		    THEN '（有效期至' || l.valid_until || '）' ELSE '' END)
	    ORDER BY l.kind DESC, l.ord), '[]'::jsonb)
	  FROM (SELECT *, licence_status_on(status, valid_until, today_cst())
		AS now FROM enterprise_licences WHERE enterprise_id = eid) l
	 WHERE l.now IN ('expired', 'suspended', 'revoked')
$$;

-- The service's one write of an enterprise's licences: all of them
-- replaced by `lic` ([{"kind", "number", "status", "valid_from",
-- "valid_until"}], in order), in one call, under the caller's row-level
-- security.
CREATE FUNCTION licences_replace(eid bigint, lic jsonb) RETURNS void
LANGUAGE sql AS $$
	DELETE FROM enterprise_licences WHERE enterprise_id = eid;
	INSERT INTO enterprise_licences (enterprise_id, ord, region, kind,
	    number, status, valid_from, valid_until)
	SELECT eid, l.ord, e.region, l.kind, l.number, l.status, l.valid_from,
	    l.valid_until
	  FROM enterprises e,
	    ROWS FROM (jsonb_to_recordset(lic) AS (kind text, number text,
		status text, valid_from date, valid_until date))
	    WITH ORDINALITY AS l(kind, number, status, valid_from,
		valid_until, ord)
	 WHERE e.id = eid;
$$;

GRANT EXECUTE ON FUNCTION area_types_valid(text[]), accident_told(jsonb),
	licence_status_on(text, date, date), licence_alerts(bigint),
	licences_replace(bigint, jsonb) TO paicha_app;

-- ------------------------------------------------------------------
-- Part 1's columns, both ways
-- ------------------------------------------------------------------

-- Licences -> columns: for each enterprise whose licences changed, the
-- first licence of each kind (or nothing) into Part 1's columns, where
-- they differ.
CREATE FUNCTION licences_to_columns(ids bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE enterprises e SET
	    production_licence = p.number, production_licence_status = p.status,
	    ccc_certificate = c.number, ccc_status = c.status
	  FROM unnest(ids) AS x(id)
	  LEFT JOIN LATERAL (SELECT number, status FROM enterprise_licences
		WHERE enterprise_id = x.id AND kind = 'production'
		ORDER BY ord LIMIT 1) p ON true
	  LEFT JOIN LATERAL (SELECT number, status FROM enterprise_licences
		WHERE enterprise_id = x.id AND kind = 'ccc'
		ORDER BY ord LIMIT 1) c ON true
	 WHERE e.id = x.id
	   AND (e.production_licence, e.production_licence_status,
		e.ccc_certificate, e.ccc_status) IS DISTINCT FROM
	       (p.number, p.status, c.number, c.status)
$$;

CREATE FUNCTION enterprise_licences_ins() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM licences_to_columns(ARRAY(SELECT DISTINCT enterprise_id
	    FROM new_rows));
	RETURN NULL;
END
$$;

CREATE FUNCTION enterprise_licences_del() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM licences_to_columns(ARRAY(SELECT DISTINCT enterprise_id
	    FROM old_rows));
	RETURN NULL;
END
$$;

CREATE TRIGGER enterprise_licences_columns_ins AFTER INSERT
	ON enterprise_licences REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION enterprise_licences_ins();
CREATE TRIGGER enterprise_licences_columns_upd AFTER UPDATE
	ON enterprise_licences REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION enterprise_licences_ins();
CREATE TRIGGER enterprise_licences_columns_del AFTER DELETE
	ON enterprise_licences REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION enterprise_licences_del();

-- Columns -> licences: a write of Part 1's columns changes the first
-- licence of that kind to match -- adds one where there was none, removes
-- it where both number and status are now empty -- and does nothing
-- where they already agree (which is how the other direction's own
-- UPDATE ends here).
CREATE FUNCTION columns_to_licences() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	k	text;
	num	text;
	st	text;
	first	enterprise_licences%ROWTYPE;
BEGIN
	FOREACH k IN ARRAY ARRAY['production', 'ccc'] LOOP
		IF k = 'production' THEN
			num := NEW.production_licence;
			st := NEW.production_licence_status;
		ELSE
			num := NEW.ccc_certificate;
			st := NEW.ccc_status;
		END IF;
		SELECT * INTO first FROM enterprise_licences
		 WHERE enterprise_id = NEW.id AND kind = k ORDER BY ord LIMIT 1;
		IF NOT FOUND THEN
			IF num IS NOT NULL OR st IS NOT NULL THEN
				INSERT INTO enterprise_licences (enterprise_id,
				    ord, region, kind, number, status)
				SELECT NEW.id, coalesce(max(ord), 0) + 1,
				    NEW.region, k, num, st
				  FROM enterprise_licences
				 WHERE enterprise_id = NEW.id;
			END IF;
		ELSIF num IS NULL AND st IS NULL THEN
			DELETE FROM enterprise_licences
			 WHERE enterprise_id = NEW.id AND ord = first.ord;
		ELSIF (first.number, first.status) IS DISTINCT FROM (num, st) THEN
			UPDATE enterprise_licences SET number = num, status = st
			 WHERE enterprise_id = NEW.id AND ord = first.ord;
		END IF;
	END LOOP;
	RETURN NULL;
END
$$;

CREATE TRIGGER enterprises_columns_to_licences AFTER INSERT
	OR UPDATE OF production_licence, production_licence_status,
	ccc_certificate, ccc_status ON enterprises
	FOR EACH ROW EXECUTE FUNCTION columns_to_licences();

REVOKE ALL ON FUNCTION licences_to_columns(bigint[]),
	enterprise_licences_ins(), enterprise_licences_del(),
	columns_to_licences() FROM PUBLIC;

-- The enterprises there are: their licences from Part 1's columns.
INSERT INTO enterprise_licences (enterprise_id, ord, region, kind, number,
    status)
SELECT id, 1, region, 'production', production_licence,
    production_licence_status
  FROM enterprises
 WHERE production_licence IS NOT NULL OR production_licence_status IS NOT NULL;
INSERT INTO enterprise_licences (enterprise_id, ord, region, kind, number,
    status)
SELECT e.id, coalesce((SELECT max(ord) FROM enterprise_licences l
    WHERE l.enterprise_id = e.id), 0) + 1, e.region, 'ccc',
    e.ccc_certificate, e.ccc_status
  FROM enterprises e
 WHERE e.ccc_certificate IS NOT NULL OR e.ccc_status IS NOT NULL;
