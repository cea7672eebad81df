"""Bearer tokens: issue, inspect, revoke."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, g
from pydantic import BaseModel, Field
from spectree import Response

from ..extensions import limiter
from ..services import users as user_service
from ..uow import reads_then_writes
from . import bp, public, spec
from .schemas import Problem


class TokenRequest(BaseModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    token: str
    role: str
    expires_at: datetime


class MeOut(BaseModel):
    id: int
    email: str
    name: str
    role: str


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


@bp.post("/auth/token")
@reads_then_writes  # the password hash is checked before the write lock is taken
@limiter.limit(_auth_limit)
@public
@spec.validate(resp=Response(HTTP_201=TokenOut, HTTP_401=Problem, HTTP_429=Problem), tags=["auth"], security={})
def issue_token(json: TokenRequest):
    """Issue a bearer token for an email and password."""
    ttl = timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    user, token, record = user_service.token_for_password(json.email, json.password, ttl)
    return TokenOut(token=token, role=user.role.value, expires_at=record.expires_at), 201


@bp.delete("/auth/token")
@spec.validate(resp=Response("HTTP_204", HTTP_401=Problem), tags=["auth"], operation_id="revoke_token")
def revoke_token():
    """Revoke the token this request was made with."""
    user_service.revoke_token(g.api_token, g.api_user)
    return "", 204


@bp.get("/auth/me")
@spec.validate(resp=Response(HTTP_200=MeOut, HTTP_401=Problem), tags=["auth"])
def me():
    """The user the token belongs to."""
    user = g.api_user
    return MeOut(id=user.id, email=user.email, name=user.name, role=user.role.value)
