-- The soak's mixed workload: browse, order, cancel, move orders along as an admin, sign in.
-- Run with as many threads as connections, so each thread has one request in flight and
-- `response` always answers the request this thread sent last.
--
-- The file given as first argument holds tab-separated lines:
--   customer TOKEN      one per thread, cycled: whose orders the thread places and cancels
--   admin    TOKEN      pays, ships and completes the thread's orders
--   browse   PATH       GET as the customer
--   order    JSON       POST /api/orders as the customer
--   login    JSON       POST /api/auth/login
-- Each order placed goes to exactly one next step (cancel, or pay → ship → complete), so no
-- two requests ever race for one order and every answer should be a 2xx.

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

local KINDS = {"browse", "order", "cancel", "pay", "ship", "complete", "login"}
local lists = {customer = {}, admin = {}, browse = {}, order = {}, login = {}}
local token, admin
local placed, paid, shipped = {}, {}, {}
local pending_kind, pending_id
local sent = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local kind, value = line:match("^(%a+)\t(.*)$")
    assert(lists[kind], "unknown line: " .. line)
    table.insert(lists[kind], value)
  end
  file:close()
  token = lists.customer[(thread_number - 1) % #lists.customer + 1]
  admin = lists.admin[1]
  for _, kind in ipairs(KINDS) do
    _G["ok_" .. kind] = 0
    _G["errors_" .. kind] = 0
  end
  math.randomseed(thread_number * 7919)
end

local function pick(list)
  return list[math.random(#list)]
end

local function json_headers(bearer)
  local headers = {["Content-Type"] = "application/json"}
  if bearer then headers["Authorization"] = "Bearer " .. bearer end
  return headers
end

local function take(queue)
  return table.remove(queue, 1)
end

function request()
  sent = sent + 1
  local roll = math.random(100)
  pending_id = nil
  if roll <= 1 then
    pending_kind = "login"
    return wrk.format("POST", "/api/auth/login", json_headers(nil), pick(lists.login))
  elseif roll <= 22 then
    pending_kind = "order"
    return wrk.format("POST", "/api/orders", json_headers(token), pick(lists.order))
  elseif roll <= 32 and #placed > 0 and sent % 3 == 0 then
    pending_kind, pending_id = "cancel", take(placed)
    return wrk.format("POST", "/api/orders/" .. pending_id .. "/cancel", json_headers(token), "")
  elseif roll <= 32 and #placed > 0 then
    pending_kind, pending_id = "pay", take(placed)
    return wrk.format("PATCH", "/api/orders/" .. pending_id .. "/status", json_headers(admin),
                      '{"status":"paid"}')
  elseif roll <= 40 and #paid > 0 then
    pending_kind, pending_id = "ship", take(paid)
    return wrk.format("PATCH", "/api/orders/" .. pending_id .. "/status", json_headers(admin),
                      '{"status":"shipped"}')
  elseif roll <= 45 and #shipped > 0 then
    pending_kind, pending_id = "complete", take(shipped)
    return wrk.format("PATCH", "/api/orders/" .. pending_id .. "/status", json_headers(admin),
                      '{"status":"completed"}')
  end
  pending_kind = "browse"
  return wrk.format("GET", pick(lists.browse), {["Authorization"] = "Bearer " .. token})
end

function response(status, headers, body)
  local kind = pending_kind
  if status < 200 or status > 299 then
    _G["errors_" .. kind] = _G["errors_" .. kind] + 1
    if _G["errors_" .. kind] <= 3 then
      io.stderr:write(kind .. " " .. status .. " " .. body:sub(1, 300) .. "\n")
    end
    return
  end
  _G["ok_" .. kind] = _G["ok_" .. kind] + 1
  if kind == "order" then
    table.insert(placed, body:match('^{"id":(%d+)'))
  elseif kind == "pay" then
    table.insert(paid, pending_id)
  elseif kind == "ship" then
    table.insert(shipped, pending_id)
  end
end

function done(summary, latency, requests)
  local parts = {}
  for _, kind in ipairs(KINDS) do
    local ok, errors = 0, 0
    for _, thread in ipairs(threads) do
      ok = ok + thread:get("ok_" .. kind)
      errors = errors + thread:get("errors_" .. kind)
    end
    table.insert(parts, string.format('"%s":{"ok":%d,"errors":%d}', kind, ok, errors))
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"kinds":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ",")))
end
