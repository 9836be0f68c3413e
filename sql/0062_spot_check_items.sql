-- 0062_spot_check_items: a spot check's channel and its batches, one
-- item each (issue 21; API.md Part 2 "Enterprise profile, problem types,
-- risk grades").
--
-- The seed (三、（四）) asks for 生产流通、线上线下一体化抽查 and more checks
-- in 网络销售 and 农村市场: `channel` is offline, online or rural.  Each
-- batch sampled is an item: product, model, batch number, the standard
-- it was tested against, pass or fail, the failed test items, the test
-- report's number and the laboratory.
--
-- One definition of the form's counts (监督抽查/抽查批次, 不合格批次): the
-- row's batches and failed_batches, as before.  When items are given
-- they ARE the batches: the table refuses a row whose batches is not the
-- number of its items or whose failed_batches is not the number of its
-- failed items, so the form reads the same two columns whichever way a
-- spot check was recorded, and the bulk seeder and any import get the
-- same guarantee as the service.

ALTER TABLE activities
	ADD COLUMN channel text CHECK (channel IN ('offline', 'online',
	    'rural')),
	ADD COLUMN items jsonb;

COMMENT ON COLUMN activities.channel IS
	'spot_check: offline 线下, online 网络销售, rural 农村市场';
COMMENT ON COLUMN activities.items IS
	'spot_check: one object per batch {product, model, batch_no, standard, result pass|fail, failed_items, report_no, lab}; batches = items, failed_batches = failed items';

-- Whether `items` are the batches of a spot check with `batches` and
-- `failed`: a list of 1..1000 objects, each with a product and a result
-- of pass or fail, as many as batches, as many failed as failed.
CREATE FUNCTION spot_check_items_agree(items jsonb, batches integer,
    failed integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT jsonb_typeof(items) = 'array'
	   AND jsonb_array_length(items) BETWEEN 1 AND 1000
	   AND jsonb_array_length(items) = batches
	   AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(items) i
		WHERE jsonb_typeof(i) <> 'object'
		   OR coalesce(jsonb_typeof(i -> 'product'), '') <> 'string'
		   OR coalesce(i ->> 'result', '') NOT IN ('pass', 'fail'))
	   AND (SELECT count(*) FROM jsonb_array_elements(items) i
		WHERE i ->> 'result' = 'fail') = failed
$$;

GRANT EXECUTE ON FUNCTION spot_check_items_agree(jsonb, integer, integer)
	TO paicha_app;

ALTER TABLE activities ADD CONSTRAINT activities_spot_check_items CHECK (
	(channel IS NULL OR kind = 'spot_check')
	AND (items IS NULL OR (kind = 'spot_check'
	    AND spot_check_items_agree(items, batches, failed_batches))));
