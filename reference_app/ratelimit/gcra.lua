-- GCRA (generic cell rate algorithm) in one step, timed by the Redis server's clock.
-- KEYS[1]  the caller's key; its value is the theoretical arrival time (TAT), in µs
-- ARGV[1]  emission interval T = window / limit, in µs
-- ARGV[2]  tolerance tau = T * burst, in µs
-- Returns  {allowed 0|1, tat_after_us, now_us} (strings); a rejection writes nothing.
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', key) or now) or now
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat - tolerance > now then
  return {0, string.format('%.0f', tat), string.format('%.0f', now)}
end
redis.call('SET', key, string.format('%.0f', new_tat), 'PX', math.max(1, math.ceil((new_tat - now) / 1000)))
return {1, string.format('%.0f', new_tat), string.format('%.0f', now)}
