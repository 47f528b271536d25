"""The WSGI entry point for gunicorn: `condiviso.wsgi:app`."""

from condiviso.app import create_app

app = create_app()
