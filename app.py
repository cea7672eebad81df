"""Entry point: `flask --app app ...` and `gunicorn app:app`."""
from roadshow import create_app
from roadshow.hosts import ConfigurationError

try:
    app = create_app()
except ConfigurationError as exc:
    try:
        from gunicorn.errors import AppImportError
    except ImportError:  # not under gunicorn: the exception as it is
        raise exc from None
    # gunicorn prints an AppImportError as one line and halts ("App failed to load"), without a traceback.
    raise AppImportError(str(exc)) from None
