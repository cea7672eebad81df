"""Console: organisations."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organisations", __name__, url_prefix="/organisations")
