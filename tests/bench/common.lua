-- common.lua: what the wrk scripts of ./run bench share.  Each script
-- runs it first (dofile); wrk then calls done() once, and ./run reads
-- the one BENCH line it prints.
--
-- Environment: BENCH_COOKIE the session cookie ("__Host-paicha=..."),
-- BENCH_IDS a file of case ids or paths, one a line.
--
-- Every answer's status is counted per thread (response()): the BENCH
-- line's `ok` is the 2xx answers -- those that did what was asked --
-- and `rps` is ok over the time, never all answers over the time;
-- `non2xx` is every other answer (wrk's own count leaves out 1xx and
-- 3xx).  A script that needs setup() calls bench_setup(thread) in it.

cookie = os.getenv("BENCH_COOKIE") or ""

local threads = {}

function bench_setup(thread)
	threads[#threads + 1] = thread
	thread:set("tid", #threads)
	thread:set("ok", 0)
	thread:set("bad", 0)
	thread:set("past", 0)
end

setup = bench_setup

-- past: requests a script sent past the end of its ids (transition.lua).
ok, bad, past = 0, 0, 0

function response(status, headers, body)
	if status >= 200 and status < 300 then
		ok = ok + 1
	else
		bad = bad + 1
	end
end

function read_lines(path)
	local t = {}
	for line in io.lines(path) do
		if line ~= "" then
			t[#t + 1] = line
		end
	end
	return t
end

function done(summary, latency, requests)
	local e = summary.errors
	local secs = summary.duration / 1e6
	local n2xx, other, beyond = 0, 0, 0
	for _, t in ipairs(threads) do
		n2xx = n2xx + t:get("ok")
		other = other + t:get("bad")
		beyond = beyond + t:get("past")
	end
	io.write(string.format("BENCH requests=%d ok=%d seconds=%.3f " ..
	    "rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
	    "errors=%d non2xx=%d past=%d\n", summary.requests, n2xx, secs,
	    n2xx / secs, latency:percentile(50) / 1000,
	    latency:percentile(90) / 1000, latency:percentile(99) / 1000,
	    latency.max / 1000, e.connect + e.read + e.write + e.timeout,
	    other, beyond))
end
