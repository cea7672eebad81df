"""A spreadsheet kept between its preview and the confirmation of its import (invitations, monthly figures), and
the import pages' one flow: upload → preview → confirm.

The file lives in the instance folder under a random id and the uploader's user id, so nobody else can
confirm it; files older than two hours are removed the next time anyone uploads.
"""
from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.invitations import ConfirmImportForm, ImportForm
from ..services import imports
from ..services.errors import DomainError
from ..uow import atomic

# (original file name, its bytes): what the import services read.
File = tuple[str, bytes]

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


def import_page(prefix: str, template: str, *, preview: Callable[[File], dict[str, Any]],
                run: Callable[[File], dict[str, Any]], imported: Callable[[dict[str, Any]], str],
                cancel_url: str, done_url: str | None = None, **context: Any) -> Any:
    """The import page of a spreadsheet: the upload form; a valid upload is kept and previewed row by row
    (`preview`, a dry run in a savepoint; a file it refuses is a form error); the confirmation imports the kept
    file (`run`), flashes `imported(result)` and shows the skipped rows, or goes to `done_url` when there are none
    (None: the page shows the result). Cancelling deletes the kept file and goes to `cancel_url`.
    `template` gets `form`, and `confirm`, `preview`, `filename` or `result`, and `context`."""
    form, confirm = ImportForm(), ConfirmImportForm(prefix="c")
    if confirm.upload.data and request.method == "POST":
        if not confirm.validate_on_submit():
            abort(400)
        path = upload_path(prefix, confirm.upload.data)
        if path is None:
            flash(_("The uploaded file has expired. Please upload it again."), "warning")
            return redirect(request.path)
        if confirm.cancel.data:
            path.unlink(missing_ok=True)
            return redirect(cancel_url)
        original = request.form.get("c-filename") or path.name
        try:
            result = run((Path(original).stem + path.suffix, path.read_bytes()))
        finally:
            path.unlink(missing_ok=True)
        flash(imported(result), "success")
        if result["errors"]:
            flash(_("%(n)s rows were skipped; they are listed below.", n=len(result["errors"])), "warning")
        elif done_url is not None:
            return redirect(done_url)
        return render_template(template, form=ImportForm(formdata=None), result=result, **context)
    if form.validate_on_submit():
        clean_old_uploads(prefix)
        path = None
        try:
            with atomic():
                upload_id, filename = keep(prefix, form.file.data)
                path = upload_path(prefix, upload_id)
                assert path is not None
                shown = preview((filename, path.read_bytes()))
        except DomainError as exc:
            if path is not None:
                path.unlink(missing_ok=True)
            errors = getattr(exc, "errors", None) or {"file": [exc.detail]}
            form.file.errors = [m for messages in errors.values() for m in messages]
        else:
            confirm.upload.data = upload_id
            return render_template(template, form=form, confirm=confirm, preview=shown, filename=filename,
                                   **context)
    return render_template(template, form=form, **context)
