"""The organiser console."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..permissions import P, can
from ..services import dashboard

bp = Blueprint("console", __name__)


@bp.get("/")
@login_required
def home():
    """Every signed-in role lands here; each sees what its role may read."""
    upcoming, past = dashboard.upcoming_and_recent_events()
    pipeline = dashboard.pipeline_counts() if can(current_user, P.read_projects) else None
    return render_template("console/home.html", upcoming=upcoming, past=past, pipeline=pipeline)
