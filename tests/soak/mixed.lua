-- wrk script: a mix of valid and invalid /predict requests, counted by status.
-- SOAK_JPEG names the JPEG to send.
local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

local jpeg = read(os.getenv("SOAK_JPEG"))
local garbage = string.rep("not a jpeg ", 300)
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  math.randomseed(os.time() + math.random(1000000))
end

function request()
  local r = math.random(100)
  if r <= 70 then
    return wrk.format("POST", "/predict", { ["Content-Type"] = "image/jpeg" }, jpeg)
  elseif r <= 82 then
    return wrk.format("POST", "/predict", { ["Content-Type"] = "image/jpeg" }, garbage)
  elseif r <= 90 then
    return wrk.format("POST", "/predict?k=0", { ["Content-Type"] = "image/jpeg" }, jpeg)
  elseif r <= 95 then
    return wrk.format("POST", "/predict", { ["Content-Type"] = "image/tiff" }, jpeg)
  else
    return wrk.format("GET", "/healthz")
  end
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, string.format("\"%d\": %d", status, n))
  end
  io.write(string.format("STATUS_COUNTS {%s}\n", table.concat(parts, ", ")))
  io.write(string.format("LATENCY_MS p50=%.2f p99=%.2f max=%.2f\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("ERRORS connect=%d read=%d write=%d timeout=%d status=%d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))
end
