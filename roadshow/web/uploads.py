"""A spreadsheet kept between its preview and the confirmation of its import (invitations, monthly figures).

The file lives in the instance folder under a random id and the uploader's user id, so nobody else can
confirm it; files older than two hours are removed the next time anyone uploads.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_login import current_user

from ..services import imports

UPLOAD_TTL_SECONDS = 2 * 3600


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_old_uploads(prefix: str) -> None:
    cutoff = time.time() - UPLOAD_TTL_SECONDS
    for item in _upload_dir().glob(f"{prefix}-*"):
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
        except OSError:
            pass


def upload_path(prefix: str, upload_id: str) -> Path | None:
    """The kept file of this user's upload, or None when it has expired or is someone else's."""
    for ext in imports.EXTENSIONS:
        path = _upload_dir() / f"{prefix}-{current_user.id}-{upload_id}{ext}"
        if path.is_file():
            return path
    return None


def keep(prefix: str, upload) -> tuple[str, str]:
    """Store the upload between preview and confirmation: (upload id, original file name)."""
    filename, data = imports.load_upload(upload)
    ext = Path(filename).suffix.lower()
    upload_id = secrets.token_urlsafe(18)
    path = _upload_dir() / f"{prefix}-{current_user.id}-{upload_id}{ext}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return upload_id, filename
