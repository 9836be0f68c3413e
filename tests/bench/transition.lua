-- transition.lua: POST /api/v1/cases/{id}/transitions, each request on
-- another case of BENCH_IDS ("id version" lines: cases in `detected`
-- with no proposal pending): order_rectification with If-Match and an
-- Idempotency-Key, so every request hashes a new event onto its chain,
-- starts a deadline and stores its answer for replay.  Thread n of N
-- takes lines n, n+N, ...
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local ids, pos, step, body, run

function init(args)
	ids = read_lines(os.getenv("BENCH_IDS"))
	step = tonumber(os.getenv("BENCH_THREADS"))
	-- BENCH_OFFSET: ids an earlier slice of the same run used up.
	pos = tid + tonumber(os.getenv("BENCH_OFFSET") or "0")
	run = os.getenv("BENCH_RUN")
	body = '{"event":"order_rectification","payload":{"deadline":"' ..
	    os.getenv("BENCH_DEADLINE") .. '","measures":' ..
	    '"责令限期改正生产工艺，完善出厂检验制度"}}'
end

function request()
	local line = ids[pos]
	if line == nil then		-- out of cases: a 404 says so
		line = "0 1"
		past = past + 1
	end
	local id, version = line:match("^(%d+)%s+(%d+)")
	pos = pos + step
	return wrk.format("POST", "/api/v1/cases/" .. id .. "/transitions", {
		["Cookie"] = cookie,
		["Content-Type"] = "application/json",
		["If-Match"] = '"' .. version .. '"',
		["Idempotency-Key"] = "bench-" .. run .. "-" .. id,
	}, body)
end
