-- wrk script of the tenancy benchmark: spread requests evenly over the tenant hosts
-- t0001.<domain>, t0002.<domain>, ... t<count>.<domain>, each request to the next host in turn.
--
--   wrk -t2 -c16 -d10s --latency -s scripts/benchmarks/tenants.lua \
--       http://127.0.0.1:8000/comuni/012127 -- 100 localhost:8000
--
-- With a count of 1 every request goes to t0001, through the same script, so that the
-- one-tenant and the many-tenant runs cost the client the same.

local count = 1
local suffix = ".localhost"
local position = 0

function init(args)
  count = tonumber(args[1]) or 1
  suffix = "." .. (args[2] or "localhost")
end

function request()
  position = position % count + 1
  return wrk.format(nil, nil, { Host = string.format("t%04d%s", position, suffix) })
end
