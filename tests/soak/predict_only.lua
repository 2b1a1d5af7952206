-- wrk script: POST /predict with the JPEG named by SOAK_JPEG, nothing else.
local f = assert(io.open(os.getenv("SOAK_JPEG"), "rb"))
local jpeg = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = "/predict"
wrk.headers["Content-Type"] = "image/jpeg"
wrk.body = jpeg
