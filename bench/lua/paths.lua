-- GET a random path from a file of paths (one per line), given after `--`,
-- optionally followed by one request header as "Name: value".
local paths = {}
local headers = {}

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  if args[2] then
    local name, value = args[2]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
