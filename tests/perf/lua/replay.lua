-- Replays the requests listed in a file, one per line, round-robin; each thread starts at a
-- different line. A line is five tab-separated fields:
--   METHOD  PATH  BEARER_TOKEN (or empty)  JSON_BODY (or empty)  IDEMPOTENT ("1" or empty)
-- Idempotent lines get a fresh Idempotency-Key per request: the run tag (second script
-- argument), the thread and a counter, so repeats and warm-ups never replay a key.
-- `done` prints wrk's own figures as one JSON line for the harness to read.

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

local fixed = {}
local templates = {}
local position = 0
local sent = 0
local run_tag = "run"

function init(args)
  run_tag = args[2] or run_tag
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local method, path, token, body, idempotent =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
    assert(method, "malformed request line: " .. line)
    local headers = {}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body == "" then body = nil else headers["Content-Type"] = "application/json" end
    if idempotent == "1" then
      table.insert(templates, {method = method, path = path, headers = headers, body = body})
      table.insert(fixed, false)
    else
      table.insert(templates, false)
      table.insert(fixed, wrk.format(method, path, headers, body))
    end
  end
  file:close()
  assert(#fixed > 0, "no requests in " .. args[1])
  position = (thread_number * 7919) % #fixed
end

function request()
  position = position % #fixed + 1
  local ready = fixed[position]
  if ready then return ready end
  sent = sent + 1
  local template = templates[position]
  template.headers["Idempotency-Key"] = run_tag .. "-" .. thread_number .. "-" .. sent
  return wrk.format(template.method, template.path, template.headers, template.body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
