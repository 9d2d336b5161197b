"""Gunicorn settings: `gunicorn -c python:governance.gunicorn_conf governance.wsgi`.

Threaded workers, so a client that sends its request slowly holds one thread, not a whole
worker (two such clients stalled a two-worker sync server for 32 s). The reverse proxy should
still buffer request bodies (README "Production"). Each value can be overridden on the command
line or with GUNICORN_CMD_ARGS.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A request running longer than this is killed and logged; the portal answers in well under 1 s.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
