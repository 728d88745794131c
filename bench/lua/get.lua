-- Plain GET with keep-alive (the floor and /health/live).
wrk.method = "GET"
