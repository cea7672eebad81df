"""Public pages: invitation registration /r/<token>, event page /e/<id>, manage page /m/<token>."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
