-- wrk script: HTTP pipelining, as in TechEmpower's plaintext test.
-- Usage: wrk -s scripts/pipeline.lua http://host:port/plaintext -- 16
-- Each write carries <depth> requests (default 1); wrk counts every response.
init = function(args)
  local depth = tonumber(args[1]) or 1
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format()
  end
  pipelined = table.concat(requests)
end

request = function()
  return pipelined
end
