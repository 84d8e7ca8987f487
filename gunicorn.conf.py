"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py app:app`.

The web workers never run the scheduler (create_app does not start one); run exactly one
`flask --app app scheduler` process beside them.
"""

import multiprocessing
import os

wsgi_app = "app:app"
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
# The usual rule of thumb: two workers per core, plus one.
workers = int(os.environ.get("PORTAL_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("PORTAL_THREADS", "2"))
timeout = 120  # big exports stream, but a slow XLSX may take a while
graceful_timeout = 30
# Each worker builds its own app (and database pool) after the fork.
preload_app = False
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25+ opens a control socket in $HOME by default; a service account often has no
# writable home, and two portals on one machine would share it. Off unless a path is given.
control_socket = os.environ.get("PORTAL_GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
