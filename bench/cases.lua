-- The clients of bench/cases.py when Debian's `wrk` is installed: wrk -t N -c N runs N threads
-- of one connection each, and each thread is one client, signed in with its own session cookie.
-- Every request asks for the page again (a random case where the path has {id}) on a new
-- connection (Connection: close). Each request is timed here, from making it (wrk writes it
-- at once) to its whole answer being read, with the monotonic clock (LuaJIT's FFI): wrk's own
-- histogram adds made-up samples for slow answers (its correction for coordinated omission),
-- and this bench wants every request's latency as it was, pooled over the rounds. An answer
-- that is not a 200 with the page's marker in it is counted as bad. At the end the counts and
-- every latency (microseconds, one a line) go to a file.
--
-- Settings come from the environment (every Lua state of wrk reads the same):
--   FIELDCHECK_BENCH_WRK_COOKIES  a file, the Cookie header of client n on line n
--   FIELDCHECK_BENCH_WRK_IDS      the case ids: "first-last" when they run without a gap, else
--                                 a file of one id a line
--   FIELDCHECK_BENCH_WRK_PATH     the path to ask for, "{id}" replaced by a random case id
--   FIELDCHECK_BENCH_WRK_MARKER   text a good answer holds
--   FIELDCHECK_BENCH_WRK_SEED     a number: the same seed asks for the same cases
--   FIELDCHECK_BENCH_WRK_OUT      where done() writes the counts and the latencies

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } fieldcheck_timespec;
int clock_gettime(int clock, fieldcheck_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("fieldcheck_timespec")

local function microseconds()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
   return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("client", #threads)
end

local cookie, marker

function init(args)
   local n = 0
   for line in io.lines(os.getenv("FIELDCHECK_BENCH_WRK_COOKIES")) do
      n = n + 1
      if n == client then cookie = line end
   end
   -- wrk starts each thread as soon as it is made: init() must be quick, or the first clients
   -- would run alone while the others read their settings.
   local ids_spec = os.getenv("FIELDCHECK_BENCH_WRK_IDS")
   local first, last = ids_spec:match("^(%d+)-(%d+)$")
   if first then
      first, last = tonumber(first), tonumber(last)
      pick_id = function() return tostring(math.random(first, last)) end
   else
      local ids = {}
      for line in io.lines(ids_spec) do ids[#ids + 1] = line end
      pick_id = function() return ids[math.random(#ids)] end
   end
   marker = os.getenv("FIELDCHECK_BENCH_WRK_MARKER")
   math.randomseed(tonumber(os.getenv("FIELDCHECK_BENCH_WRK_SEED")) * 1000 + client)
   bad, first_bad, latencies, started = 0, nil, {}, nil
end

function request()
   -- wrk also calls this once at start, in a state that init() never saw: any id will do there.
   local target = os.getenv("FIELDCHECK_BENCH_WRK_PATH")
   if target:find("{id}", 1, true) then
      target = target:gsub("{id}", pick_id and pick_id() or "1")
   end
   started = microseconds()
   return wrk.format("GET", target, {
      ["Cookie"] = cookie,
      ["Connection"] = "close",
      ["User-Agent"] = "fieldcheck-bench",
      ["Accept-Language"] = "id",
   })
end

function response(status, headers, body)
   latencies[#latencies + 1] = microseconds() - started
   if status ~= 200 or not body:find(marker, 1, true) then
      bad = bad + 1
      if first_bad == nil then
         first_bad = status .. ": " .. body:sub(1, 300):gsub("%s+", " ")
      end
   end
end

function done(summary, latency, requests)
   local out = assert(io.open(os.getenv("FIELDCHECK_BENCH_WRK_OUT"), "w"))
   local e = summary.errors
   local bad_total, first, all = 0, "", {}
   for _, thread in ipairs(threads) do
      bad_total = bad_total + thread:get("bad")
      if first == "" and thread:get("first_bad") then first = thread:get("first_bad") end
      for _, value in ipairs(thread:get("latencies")) do all[#all + 1] = value end
   end
   out:write(string.format("requests %d\n", #all))
   out:write(string.format("microseconds %d\n", summary.duration))
   out:write(string.format("errors %d\n", e.connect + e.read + e.write + e.timeout))
   out:write(string.format("bad %d\n", bad_total))
   out:write("first " .. first .. "\n")
   for _, value in ipairs(all) do out:write(string.format("%.1f\n", value)) end
   out:close()
end
