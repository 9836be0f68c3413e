-- hello.lua: the baseline -- fcgi-hello behind the same nginx, with the
-- same cookie header as the requests it is compared with.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

function request()
	return wrk.format("GET", "/bench/hello", { ["Cookie"] = cookie })
end
