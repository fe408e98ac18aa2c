-- Customers paying by card through the hosted page, for wrk (bench/hosted_page.py).
--
--   wrk -t16 -c16 -d5s --timeout 60s -s bench/pay.lua http://127.0.0.1:8000 -- \
--       <run number 0-999> <link path> [<link path>…]
--
-- Run with as many threads as connections: each wrk thread is then one customer, and its
-- Lua state that customer's browser. Thread i pays link i % (number of paths), again and
-- again, as a new visitor each time (no cookies kept from one payment to the next):
--   page     GET /l/<token>: its csrfmiddlewaretoken and checkout inputs, its cookies
--   token    POST /sandbox/v1/tokens, a card as JSON (what the page's script does): its id
--   pay      POST /l/<token>, the form (Referer and cookies as a browser's): a 302
--   confirm  GET the 302's Location, the confirmation /r/<token>: a 200
-- A step that goes wrong (another status, a value missing) counts an error and the
-- customer starts again from the page. Every payment has its own good card (Luhn-valid,
-- 4111 + run + thread + counter + check digit, unique for up to 100 customers and 1,000
-- runs: never one of the sandbox's failing test cards, which all begin 4000). done()
-- prints one line, "pay.lua key=value…", read by hosted_page.py.
--
-- wrk gives response() one value per header name: of the hosted page's two Set-Cookie
-- (paylinks_checkout, then csrftoken) only the last is seen. The POST needs only
-- csrftoken (the checkout travels signed in the form; paylinks_checkout is read on a GET
-- of the link), so it is the one cookie sent; a page without it is an error.

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

-- Per thread (one customer), from here on. Globals are what done() reads (thread:get).
id = 0 -- set by setup()
state = "page" -- the step whose request is next, or awaits its response
sent = false -- that request has gone out
counts = { completed = 0, paid = 0, posted = 0, errors = 0 }
for step in ("page token pay confirm"):gmatch("%S+") do
   counts[step .. "_errors"] = 0
end
last_error = ""
local run, path, origin
local serial = 0 -- this customer's payments so far: its next card
local csrf, checkout, cookie, payment_token, location

function init(args)
   run = tonumber(args[1])
   local paths = {}
   for i = 2, #args do
      paths[#paths + 1] = args[i]
   end
   path = paths[id % #paths + 1]
   origin = wrk.scheme .. "://" .. wrk.headers["Host"]
end

local function luhn(base)
   local sum, double = 0, true
   for i = #base, 1, -1 do
      local d = base:byte(i) - 48
      if double then
         d = d * 2
         if d > 9 then
            d = d - 9
         end
      end
      sum = sum + d
      double = not double
   end
   return base .. ((10 - sum % 10) % 10)
end

local function card()
   return luhn(string.format("4111%03d%02d%06d", run % 1000, id % 100, serial % 1000000))
end

local function urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c)
      return string.format("%%%02X", c:byte())
   end))
end

local function header(headers, name)
   return headers[name] or headers[name:lower()]
end

function request()
   sent = true
   if state == "page" then
      return wrk.format("GET", path, {})
   elseif state == "token" then
      local body = '{"type":"card","number":"' .. card() .. '","exp":"12/31","cvc":"123"}'
      local headers = { ["Content-Type"] = "application/json" }
      return wrk.format("POST", "/sandbox/v1/tokens", headers, body)
   elseif state == "pay" then
      counts.posted = counts.posted + 1
      local body = "csrfmiddlewaretoken=" .. urlencode(csrf)
         .. "&name=Bench+Payer&email=bench%40example.com&method=card"
         .. "&payment_token=" .. urlencode(payment_token)
         .. "&checkout=" .. urlencode(checkout)
      return wrk.format("POST", path, {
         ["Content-Type"] = "application/x-www-form-urlencoded",
         ["Referer"] = origin .. path,
         ["Cookie"] = cookie,
      }, body)
   else
      return wrk.format("GET", location, { ["Cookie"] = cookie })
   end
end

local function fail(why)
   counts.errors = counts.errors + 1
   counts[state .. "_errors"] = counts[state .. "_errors"] + 1
   last_error = state .. ": " .. why
   state = "page"
end

function response(status, headers, body)
   sent = false
   if state == "page" then
      if status ~= 200 then
         return fail("status " .. status)
      end
      csrf = body:match('name="csrfmiddlewaretoken" value="([^"]+)"')
      checkout = body:match('name="checkout" value="([^"]+)"')
      local set = header(headers, "Set-Cookie") or ""
      local secret = set:match("csrftoken=([^;]*)")
      if not (csrf and checkout and secret) then
         return fail("no csrfmiddlewaretoken, checkout or csrftoken cookie")
      end
      cookie = "csrftoken=" .. secret
      serial = serial + 1
      state = "token"
   elseif state == "token" then
      payment_token = status == 200 and body:match('"id":%s*"([^"]+)"')
      if not payment_token then
         return fail("status " .. status .. ", " .. body:sub(1, 200))
      end
      state = "pay"
   elseif state == "pay" then
      location = header(headers, "Location")
      if status ~= 302 or not location then
         return fail("status " .. status)
      end
      location = location:gsub("^https?://[^/]+", "")
      if not location:match("^/r/") then
         return fail("redirected to " .. location .. ", not a confirmation")
      end
      counts.paid = counts.paid + 1
      state = "confirm"
   else
      if status ~= 200 then
         return fail("status " .. status)
      end
      counts.completed = counts.completed + 1
      state = "page"
   end
end

-- Summed over the customers; "inflight": payments posted and not answered when the run
-- ended (the server may still book them), "socket_*": wrk's own error counts.
function done(summary, latency, requests)
   local names = { "completed", "paid", "posted", "inflight", "errors",
      "page_errors", "token_errors", "pay_errors", "confirm_errors" }
   local totals = { inflight = 0 }
   local last = ""
   for _, thread in ipairs(threads) do
      for name, n in pairs(thread:get("counts")) do
         totals[name] = (totals[name] or 0) + n
      end
      if thread:get("state") == "pay" and thread:get("sent") then
         totals.inflight = totals.inflight + 1
      end
      if thread:get("last_error") ~= "" then
         last = thread:get("last_error")
      end
   end
   local line = { "pay.lua" }
   for _, name in ipairs(names) do
      line[#line + 1] = name .. "=" .. totals[name]
   end
   for _, name in ipairs({ "connect", "read", "write", "status", "timeout" }) do
      line[#line + 1] = "socket_" .. name .. "=" .. summary.errors[name]
   end
   line[#line + 1] = "requests=" .. summary.requests
   line[#line + 1] = "duration_us=" .. summary.duration
   io.write(table.concat(line, " "), "\n")
   if last ~= "" then
      io.write("pay.lua last_error=", last, "\n")
   end
end
