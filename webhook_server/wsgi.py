"""The WSGI entry point gunicorn loads: `webhook_server.wsgi:app`."""

from webhook_server import create_app

app = create_app()
