-- list.lua: GET /api/v1/cases with the filters of BENCH_IDS (one path
-- and query a line), round robin from a random start per thread.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local paths, i

function init(args)
	paths = read_lines(os.getenv("BENCH_IDS"))
	math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
	i = math.random(#paths)
end

function request()
	i = i % #paths + 1
	return wrk.format("GET", paths[i], { ["Cookie"] = cookie })
end
