-- 0035_case_category_province: a case's category is one of the ten
-- national ones or one of its own province's.
--
-- The service checks it when a case is registered (cases.c: 422 naming
-- `category`); this trigger says it again below the service, as
-- activities_check() (0009) does for activities, for every INSERT and
-- for any UPDATE that changes the category or the region (a correction
-- of the category is an UPDATE like any other).  Existing rows are not
-- re-checked: the trigger fires only for rows written from now on.

CREATE FUNCTION cases_category_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
	cat_province	char(6);
BEGIN
	SELECT province INTO cat_province FROM categories WHERE id = NEW.category;
	IF cat_province IS NOT NULL
	   AND NOT region_covers(cat_province, NEW.region) THEN
		RAISE EXCEPTION 'case: category % belongs to province %, not to the case''s region %',
		    NEW.category, cat_province, NEW.region
		USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER cases_category_check
	BEFORE INSERT OR UPDATE OF category, region ON cases
	FOR EACH ROW EXECUTE FUNCTION cases_category_check();
