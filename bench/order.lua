-- wrk: one order per request, each for a random product of the catalogue.
local ids = {}
for line in io.lines(os.getenv("PRODUCTS_FILE")) do ids[#ids + 1] = line end
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  ["Content-Type"] = "application/json",
}

request = function()
  local id = ids[math.random(#ids)]
  return wrk.format("POST", "/api/orders", headers, '{"lines":[{"product_id":"' .. id .. '","quantity":1}]}')
end

done = require("report").done
