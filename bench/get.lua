-- wrk: GET of PATH_TEMPLATE, `{id}` replaced by a random product id when present.
local ids = {}
local file = os.getenv("PRODUCTS_FILE")
if file then for line in io.lines(file) do ids[#ids + 1] = line end end
local template = os.getenv("PATH_TEMPLATE")
local headers = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }

request = function()
  local path = template
  if #ids > 0 then path = string.gsub(template, "{id}", ids[math.random(#ids)]) end
  return wrk.format("GET", path, headers)
end

done = require("report").done
