-- wrk script: POST /predict (or SOAK_PATH, e.g. /predict?explain=1) with the JPEG named by SOAK_JPEG, nothing else.
local f = assert(io.open(os.getenv("SOAK_JPEG"), "rb"))
local jpeg = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = os.getenv("SOAK_PATH") or "/predict"
wrk.headers["Content-Type"] = "image/jpeg"
wrk.body = jpeg
