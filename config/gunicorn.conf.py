"""gunicorn settings for Condiviso (`gunicorn -c config/gunicorn.conf.py`); values come from the
environment or the `.env` file."""

import os

from dotenv import load_dotenv

load_dotenv(os.environ.get("CONDIVISO_ENV_FILE", ".env"))

wsgi_app = "condiviso.wsgi:app"
# Build the app once in the master and fork workers from it: a (re)started worker is ready at
# once and shares the loaded code. Building the app opens no connection; post_fork makes sure.
preload_app = True
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that slow leaks cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Only the reverse proxy may set X-Forwarded-*; the app trusts them only with PROXY_COUNT set.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = (
    '%(h)s %({host}i)s "%(r)s" %(s)s %(b)s %(M)sms request=%({x-request-id}o)s'
)
errorlog = "-"
# No runtime control socket: several instances (tests, benchmarks) may run side by side.
control_socket_disable = True
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def post_fork(server, worker):
    """Each worker opens its own database connections, never the master's."""
    from condiviso.extensions import db
    from condiviso.tenancy import get_runtime
    from condiviso.wsgi import app

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
    get_runtime(app).engines.dispose_all()
