"""User management (admin only)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import g
from pydantic import BaseModel, EmailStr, Field
from spectree import Response
from sqlalchemy import func, select

from ..extensions import db
from ..models import User
from ..permissions import P, require
from ..services import users as user_service
from ..services.errors import NotFound
from . import bp, spec
from .schemas import Page, PageQuery, Problem

RoleName = Literal["admin", "organiser", "door", "viewer"]


class UserIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=8, max_length=1024)
    role: RoleName
    name: str = Field("", max_length=100)


class UserPatch(BaseModel):
    role: RoleName | None = None
    name: str | None = Field(None, max_length=100)
    active: bool | None = None
    password: str | None = Field(None, min_length=8, max_length=1024)


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: RoleName
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, name=user.name, role=user.role.value,
                   active=user.active, created_at=user.created_at)


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem)


@bp.get("/users")
@require(P.manage_users)
@spec.validate(resp=Response(HTTP_200=Page[UserOut], **ERRORS), tags=["users"])
def list_users(query: PageQuery):
    """List users."""
    total = db.session.scalar(select(func.count()).select_from(User))
    rows = db.session.scalars(select(User).order_by(User.id)
                              .offset((query.page - 1) * query.per_page).limit(query.per_page))
    return Page[UserOut](items=[UserOut.of(u) for u in rows], total=total, page=query.page,
                         per_page=query.per_page)


@bp.post("/users")
@require(P.manage_users)
@spec.validate(resp=Response(HTTP_201=UserOut, HTTP_409=Problem, **ERRORS), tags=["users"])
def create_user(json: UserIn):
    """Create a user."""
    user = user_service.create_user(json.email, json.password, json.role, name=json.name, actor=g.api_user)
    return UserOut.of(user), 201


@bp.patch("/users/<int:user_id>")
@require(P.manage_users)
@spec.validate(resp=Response(HTTP_200=UserOut, HTTP_404=Problem, **ERRORS), tags=["users"])
def update_user(user_id: int, json: UserPatch):
    """Change a user's role, name, password or active flag."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    # null means "leave as it is", like an absent field
    user_service.update_user(user, g.api_user, role=json.role, name=json.name, active=json.active,
                             password=json.password)
    return UserOut.of(user)
