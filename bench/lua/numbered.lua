-- POST the JSON body $WRK_TEMPLATE with every "{n}" replaced by a number no other request of
-- the run uses: $WRK_FIRST, $WRK_FIRST + 1, ... (new addresses and usernames, pre-filled OTP
-- codes). Run with wrk -t2: thread 0 takes the even numbers, thread 1 the odd ones.
-- Optional bearer token in $WRK_TOKEN.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  template = os.getenv("WRK_TEMPLATE")
  n = tonumber(os.getenv("WRK_FIRST") or "0") + id
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("WRK_TOKEN")
  if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
end

function request()
  local body = template:gsub("{n}", tostring(n))
  n = n + 2
  return wrk.format(nil, nil, nil, body)
end
