-- 0032_roles: two more roles (API.md Part 2): `coordinator` (专项行动统筹:
-- reads everything in its region's subtree, issues 督办, files the
-- campaign's submissions) and `enterprise` (an enterprise's own account).
-- Like `admin`, `enterprise` is held alone: an enterprise's account is
-- never also one of the regulator's.

ALTER TABLE users DROP CONSTRAINT users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check
	CHECK (cardinality(roles) BETWEEN 1 AND 6
	   AND roles <@ ARRAY['officer', 'legal', 'auditor', 'admin',
	       'coordinator', 'enterprise']);
ALTER TABLE users ADD CONSTRAINT users_enterprise_alone
	CHECK (NOT ('enterprise' = ANY (roles)) OR cardinality(roles) = 1)
	NOT VALID;
