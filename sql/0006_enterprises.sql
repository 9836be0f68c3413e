-- 0006_enterprises: the enterprises cases and activities are about.
--
-- Identified by the unified social credit code (GB 32100-2015), checked
-- by the service before it gets here; the table repeats the shape check.
-- A legacy code that fails the checksum is stored only with an explicit
-- override: who allowed it, when and why, recorded on the row.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE enterprises (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	uscc			char(18) NOT NULL UNIQUE
				CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
	name			text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	region			char(6) NOT NULL REFERENCES regions,
	address			text CHECK (length(address) <= 500),
	production_licence	text CHECK (length(production_licence) <= 64),
	production_licence_status text CHECK (production_licence_status IN
				('valid', 'suspended', 'revoked', 'expired')),
	ccc_certificate		text CHECK (length(ccc_certificate) <= 64),
	ccc_status		text CHECK (ccc_status IN
				('valid', 'suspended', 'revoked', 'expired')),
	uscc_override_by	bigint REFERENCES users,
	uscc_override_reason	text,
	uscc_override_at	timestamptz,
	version			integer NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	created_by		bigint NOT NULL REFERENCES users,
	updated_at		timestamptz NOT NULL DEFAULT now(),
	CHECK ((uscc_override_by IS NULL) = (uscc_override_reason IS NULL)
	   AND (uscc_override_by IS NULL) = (uscc_override_at IS NULL))
);

CREATE INDEX enterprises_region ON enterprises (region, id);
CREATE INDEX enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops);

ALTER TABLE enterprises ENABLE ROW LEVEL SECURITY;
CREATE POLICY enterprises_scope ON enterprises TO paicha_app
	USING (in_scope(region)) WITH CHECK (in_scope(region));
GRANT SELECT, INSERT, UPDATE (name, address, production_licence,
	production_licence_status, ccc_certificate, ccc_status, version,
	updated_at) ON enterprises TO paicha_app;
