-- One circuit breaker's transition (breaker_state.py transcribed), atomically.
-- KEYS[1]  the breaker's hash
-- ARGV     op ("acquire" | "record" | "state"), now, window_size, minimum_calls,
--          failure_rate_threshold, slow_call_s, open_s, half_open_max_calls,
--          half_open_timeout_s, ttl_ms, [permit_generation, permit_started_at, outcome]
-- Returns  {admitted 0|1, state, retry_after_s (string), generation, trial 0|1}
local key = KEYS[1]
local op = ARGV[1]
local now = tonumber(ARGV[2])
local window_size = tonumber(ARGV[3])
local minimum_calls = tonumber(ARGV[4])
local threshold = tonumber(ARGV[5])
local slow_call_s = tonumber(ARGV[6])
local open_s = tonumber(ARGV[7])
local max_trials = tonumber(ARGV[8])
local half_open_timeout_s = tonumber(ARGV[9])
local ttl_ms = tonumber(ARGV[10])

local f = redis.call('HMGET', key, 'state', 'gen', 'window', 'opened_at', 'half_open_at', 'in_flight')
local state = f[1] or 'closed'
local gen = tonumber(f[2] or '0')
local window = f[3] or ''
local opened_at = tonumber(f[4] or '0')
local half_open_at = tonumber(f[5] or '0')
local in_flight = tonumber(f[6] or '0')

local function fmt(x) return string.format('%.17g', x) end

local function enter(new_state, at)
  state = new_state
  gen = gen + 1
  window = ''
  in_flight = 0
  if new_state == 'open' then opened_at = at elseif new_state == 'half_open' then half_open_at = at end
end

-- settle
if state == 'half_open' and now >= half_open_at + half_open_timeout_s then
  enter('open', half_open_at + half_open_timeout_s)
end

local admitted, retry_after, trial = 0, 0, 0
if op == 'acquire' then
  local decided = false
  if state == 'open' then
    local reopen_at = opened_at + open_s
    if now < reopen_at then
      retry_after = reopen_at - now
      decided = true
    else
      enter('half_open', now)
    end
  end
  if not decided then
    if state == 'half_open' then
      if in_flight >= max_trials then
        retry_after = math.max(0, half_open_at + half_open_timeout_s - now)
      else
        in_flight = in_flight + 1
        admitted, trial = 1, 1
      end
    else
      admitted = 1
    end
  end
elseif op == 'record' then
  local permit_gen = tonumber(ARGV[11])
  local started_at = tonumber(ARGV[12])
  local outcome = ARGV[13]
  if permit_gen == gen then
    if outcome == 'success' and now - started_at >= slow_call_s then outcome = 'failure' end
    if state == 'half_open' then
      in_flight = math.max(0, in_flight - 1)
      if outcome == 'success' then enter('closed', now) elseif outcome == 'failure' then enter('open', now) end
    elseif state == 'closed' and outcome ~= 'ignored' then
      window = window .. (outcome == 'failure' and '1' or '0')
      if #window > window_size then window = string.sub(window, #window - window_size + 1) end
      local calls = #window
      local failures = select(2, string.gsub(window, '1', ''))
      if calls >= minimum_calls and failures >= threshold * calls then enter('open', now) end
    end
  end
end

redis.call('HSET', key, 'state', state, 'gen', gen, 'window', window, 'opened_at', fmt(opened_at),
  'half_open_at', fmt(half_open_at), 'in_flight', in_flight)
redis.call('PEXPIRE', key, ttl_ms)
return {admitted, state, fmt(retry_after), gen, trial}
