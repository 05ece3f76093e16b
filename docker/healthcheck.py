"""Container healthcheck: GET /health/ from this container's gunicorn, as the proxy would ask for it.

Exit 0 when it answers 200, 1 otherwise. The Host header is the first ALLOWED_HOSTS name (any other is refused
with 400) and the request claims https, as the proxy forwards it (otherwise SECURE_SSL_REDIRECT answers 301).
"""

import http.client
import os
import sys

host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
if not host or host == "*":
    host = "localhost"
try:
    connection = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=5)
    connection.request("GET", "/health/", headers={"Host": host, "X-Forwarded-Proto": "https"})
    status = connection.getresponse().status
except OSError as error:
    print(f"healthcheck: {error}", file=sys.stderr)
    sys.exit(1)
print(f"healthcheck: /health/ answered {status}")
sys.exit(0 if status == 200 else 1)
