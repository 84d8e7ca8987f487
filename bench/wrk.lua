-- Requests for bench.run, driven by wrk (https://github.com/wg/wrk).
--
-- BENCH_REQUESTS names a file of lines "METHOD<TAB>PATH<TAB>COOKIE<TAB>BODY"; with
-- BENCH_THREADS threads, thread k sends lines k, k+T, k+2T ... in turn.
-- BENCH_ONCE=1: every line is sent once and a thread stops after its last answer (status
-- changes: each line moves one item). Otherwise a thread cycles through its lines until wrk's
-- duration is over.
-- done() prints one line "BENCH_JSON {...}" with the counts and latency percentiles (µs).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("index", #threads)
end

local function split(line)
  local fields = {}
  for field in string.gmatch(line .. "\t", "([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local count = tonumber(os.getenv("BENCH_THREADS"))
  once = os.getenv("BENCH_ONCE") == "1"
  requests_ = {}
  local n = 0
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if n % count == index - 1 then
      local f = split(line)
      local headers = { ["Cookie"] = f[3] }
      local body = nil
      if f[1] == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = f[4]
      end
      table.insert(requests_, wrk.format(f[1], f[2], headers, body))
    end
    n = n + 1
  end
  sent = 0
  answered = 0
  statuses = {}
  to_login = 0
end

function request()
  sent = sent + 1
  local i = ((sent - 1) % #requests_) + 1
  return requests_[i]
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  local location = headers["Location"] or headers["location"]
  if location ~= nil and string.find(location, "/login", 1, true) then
    to_login = to_login + 1
  end
  if once and answered >= #requests_ then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local codes = {}
  local login = 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      codes[code] = (codes[code] or 0) + n
    end
    login = login + thread:get("to_login")
  end
  local parts = {}
  for code, n in pairs(codes) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"to_login": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout, login,
    table.concat(parts, ", ")))
end
