-- PATCH a random path from a file (one per line) with a small JSON body.
-- Arguments after `--`: the paths file, then the Authorization header value.
local paths = {}
local auth = ""
local n = 0

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  auth = args[2]
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  n = n + 1
  -- "Benchmark bio" marks the bios the benchmark wrote (bench/inputs.py skips them).
  local body = '{"bio": "Benchmark bio ' .. n .. ' ' .. math.random(1000000) .. '"}'
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = auth}
  return wrk.format("PATCH", paths[math.random(#paths)], headers, body)
end
