-- wrk script for bench/webhook.py: serve pre-generated, distinct, signed and encrypted pushes.
--
-- wrk's Lua cannot sign or encrypt, so bench/webhook.py writes one file per wrk thread
-- (thread-<n>.txt: "path?query<TAB>body" per line, disjoint between threads) and passes the
-- directory after "--". Each request is sent at most once; when a thread runs out of pushes it
-- stops (never repeats one) and done() reports the shortfall as "exhausted".

local threads = {}
local count = 0

function setup(thread)
   count = count + 1
   thread:set("tid", count)
   table.insert(threads, thread)
end

function init(args)
   local file = assert(io.open(args[1] .. "/thread-" .. tid .. ".txt", "rb"))
   blob = file:read("*a")  -- one read: keeps init short, lines are split lazily in request()
   file:close()
   pos = 1
   sent = 0
   exhausted = 0
   headers = {["Content-Type"] = "text/xml"}
end

function request()
   local tab = string.find(blob, "\t", pos, true)
   local eol = tab and string.find(blob, "\n", tab, true)
   if not eol then
      exhausted = exhausted + 1
      wrk.thread:stop()
      return wrk.format("GET", "/__pool_exhausted__", headers, nil)
   end
   local path = string.sub(blob, pos, tab - 1)
   local body = string.sub(blob, tab + 1, eol - 1)
   pos = eol + 1
   sent = sent + 1
   return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
   local per_thread = {}
   local exhausted_total = 0
   for _, thread in ipairs(threads) do
      table.insert(per_thread, string.format("%d", thread:get("sent")))
      exhausted_total = exhausted_total + thread:get("exhausted")
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,'
      .. '"mean_us":%.1f,"sent":[%s],"exhausted":%d}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
      e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean, table.concat(per_thread, ","),
      exhausted_total))
end
