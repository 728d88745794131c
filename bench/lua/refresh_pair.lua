-- POST token/refresh/ in the pair profile: each refresh token works once, so every request
-- spends the next token of a file that bench.py filled (TOKENS_FILE); threads take disjoint ones.
-- Run with wrk -t2: thread 0 takes the even lines, thread 1 the odd ones.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  tokens, index = {}, 0
  local i = 0
  for line in io.lines(os.getenv("TOKENS_FILE")) do
    if i % 2 == id then table.insert(tokens, line) end
    i = i + 1
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  index = index + 1
  local token = tokens[index] or tokens[#tokens]
  return wrk.format(nil, nil, nil, '{"refresh":"' .. token .. '"}')
end
