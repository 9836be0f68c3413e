-- common.lua: what the wrk scripts of ./run bench share.  Each script
-- runs it first (dofile); wrk then calls done() once, and ./run reads
-- the one BENCH line it prints.
--
-- Environment: BENCH_COOKIE the session cookie ("__Host-paicha=..."),
-- BENCH_IDS a file of case ids or paths, one a line.

cookie = os.getenv("BENCH_COOKIE") or ""

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
	io.write(string.format("BENCH requests=%d seconds=%.3f rps=%.1f " ..
	    "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d " ..
	    "non2xx=%d\n", summary.requests, secs, summary.requests / secs,
	    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
	    latency:percentile(99) / 1000, latency.max / 1000,
	    e.connect + e.read + e.write + e.timeout, e.status))
end
