"""Entry point: `flask --app app ...` and `gunicorn app:app`."""
from roadshow import create_app

app = create_app()
