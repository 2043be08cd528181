-- wrk: sign-ins (argon2id verification is the cost being measured).
local body = '{"email":"' .. os.getenv("EMAIL") .. '","password":"correct horse battery"}'
request = function()
  return wrk.format("POST", "/api/auth/login", { ["Content-Type"] = "application/json" }, body)
end
done = require("report").done
