-- get-case.lua: GET /api/v1/cases/{id} with a session, over the ids in
-- BENCH_IDS (cases the user may see), each thread from its own start.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local ids, i

function init(args)
	ids = read_lines(os.getenv("BENCH_IDS"))
	math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
	i = math.random(#ids)
end

function request()
	i = i % #ids + 1
	return wrk.format("GET", "/api/v1/cases/" .. ids[i],
	    { ["Cookie"] = cookie })
end
