-- 0003_categories.sql: product categories (产品类别).
--
-- The ten key products of the seed, in its order, with stable English ids
-- that the API and the statistics form use.  From 国市监质监发〔2022〕30号,
-- 《2022年重点工业产品质量安全排查治理专项行动工作方案》, 二、（一）重点产品:
--
--   "危险化学品、危险化学品包装物、车载常压罐体、钢筋、水泥、电线电缆、燃气具、
--    烟花爆竹、电动自行车、电动自行车充电器和电池等 10 类产品。各地根据本地实际，
--    聚焦产业特点，确定本地区的重点产品"
--
-- so a province may add its own: those rows carry the province and an ord
-- of 100 or more, so that the seed's ten always come first (the report's
-- rows: the ten in order, then the provinces' additions, then 合计).
-- Nothing here adds one; granting the service more than SELECT is left to
-- the migration that adds that feature.
--
-- Applied by the migration runner in one transaction after
-- SET ROLE paicha_owner.  Needs 0002 (regions, reference_sources).

CREATE TABLE categories (
	id		text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{1,39}$'),
	name		text NOT NULL UNIQUE CHECK (btrim(name) <> '' AND name = btrim(name)),
	ord		integer NOT NULL,
	province	char(6) REFERENCES regions,
			-- NULL: national (the seed's); else the province that added it
	added_at	timestamptz NOT NULL DEFAULT now(),
	-- A province, not the nation or a prefecture (NULL passes).
	CONSTRAINT categories_province_is_province
		CHECK (province LIKE '__0000' AND province <> '000000'),
	-- The seed's (national) ones sort first: ord 1..99; a province's
	-- come after them: ord 100 and above.
	CONSTRAINT categories_ord_range CHECK (CASE WHEN province IS NULL
		THEN ord BETWEEN 1 AND 99 ELSE ord >= 100 END),
	-- No two national ones, and no two of one province, share a place.
	CONSTRAINT categories_ord_unique UNIQUE NULLS NOT DISTINCT (province, ord)
);
CREATE INDEX categories_province_idx ON categories (province) WHERE province IS NOT NULL;
COMMENT ON TABLE categories IS
	'product categories: the ten of the 2022 national plan (province NULL, ord 1..10) and those a province added (ord >= 100)';
COMMENT ON COLUMN categories.province IS
	'NULL: national (the seed''s); else the province (PP0000) that added it';

INSERT INTO categories (id, name, ord) VALUES
	('hazardous_chemicals',		'危险化学品',			1),
	('hazardous_chemical_packaging','危险化学品包装物',		2),
	('road_tankers',		'车载常压罐体',			3),
	('rebar',			'钢筋',				4),
	('cement',			'水泥',				5),
	('wires_cables',		'电线电缆',			6),
	('gas_appliances',		'燃气具',			7),
	('fireworks',			'烟花爆竹',			8),
	('electric_bicycles',		'电动自行车',			9),
	('ebike_chargers_batteries',	'电动自行车充电器和电池',	10);

INSERT INTO reference_sources (name, source, version, loaded_rows, note) VALUES
	('categories',
	 '国市监质监发〔2022〕30号 《2022年重点工业产品质量安全排查治理专项行动工作方案》 二、（一）重点产品',
	 '2022', 10,
	 'the ten key products in the notice''s order, ord 1..10; ids chosen for the API');

GRANT SELECT ON categories TO paicha_app;

-- Self-check: the ten, in order, and the constraints that keep the order.
DO $check$
DECLARE
	got text;
BEGIN
	SELECT string_agg(id || '=' || name, ',' ORDER BY ord) INTO got
	FROM categories WHERE province IS NULL;
	IF got IS DISTINCT FROM
		'hazardous_chemicals=危险化学品,hazardous_chemical_packaging=危险化学品包装物,'
		'road_tankers=车载常压罐体,rebar=钢筋,cement=水泥,wires_cables=电线电缆,'
		'gas_appliances=燃气具,fireworks=烟花爆竹,electric_bicycles=电动自行车,'
		'ebike_chargers_batteries=电动自行车充电器和电池'
	THEN
		RAISE EXCEPTION 'categories: unexpected rows: %', got;
	END IF;
	IF (SELECT array_agg(ord ORDER BY ord) FROM categories) <> ARRAY[1,2,3,4,5,6,7,8,9,10] THEN
		RAISE EXCEPTION 'categories: ord is not 1..10';
	END IF;

	-- A province's category with a national place must be refused.
	BEGIN
		INSERT INTO categories (id, name, ord, province)
			VALUES ('selfcheck_probe', '自检', 11, '110000');
		RAISE EXCEPTION 'categories: a province category with ord 11 was accepted';
	EXCEPTION WHEN check_violation THEN
		NULL;	-- refused, as it should be; the subtransaction is undone
	END;
END
$check$;
