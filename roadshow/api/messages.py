"""API v1: messages by status (an organiser writes to a part of an event's guests) and their delivery."""
from __future__ import annotations

from datetime import datetime

from flask import g
from pydantic import BaseModel, Field
from spectree import Response

from ..permissions import P, require
from ..services import broadcasts
from ..services import events as event_service
from . import bp, spec
from .schemas import Problem


class MessageIn(BaseModel):
    subject: str = Field(min_length=1, max_length=broadcasts.SUBJECT_MAX)
    body: str = Field(min_length=1, max_length=broadcasts.BODY_MAX,
                      description="Plain text; escaped in the HTML mail. With SMS, the subject, the body and the "
                                  "person's short link must fit in 3 SMS segments (201 Chinese characters).")
    to: broadcasts.Audience = Field(description="confirmed, waitlisted, checked_in, no_show (confirmed and not "
                                                "checked in) or invited_not_registered (a sent or opened "
                                                "invitation without an active registration)")
    channels: list[broadcasts.Channel] = Field(default_factory=lambda: ["email"], min_length=1, max_length=2,
                                               description='["email"] or ["email", "sms"]')
    dry_run: bool = Field(False, description="Count the recipients; nothing is sent or stored")


class MessageAccepted(BaseModel):
    recipients: int = Field(description="People the message goes to (reachable on one of the channels)")


class DeliveryOut(BaseModel):
    pending: int
    sent: int
    failed: int


class BroadcastOut(BaseModel):
    id: int
    to: str
    subject: str
    body: str
    channels: list[str]
    recipients: int
    created_at: datetime
    sender: str | None
    email: DeliveryOut
    sms: DeliveryOut


class BroadcastList(BaseModel):
    items: list[BroadcastOut]


@bp.post("/events/<int:event_id>/messages")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_202=MessageAccepted, HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem),
               tags=["messages"])
def send_message(event_id: int, json: MessageIn):
    """Write to the event's guests by status: each person gets one message with their own manage or
    invitation link, by mail (and SMS to mainland mobile numbers when `channels` has `sms`). 422 on an
    unknown audience or channel, or a text too long for an SMS."""
    event = event_service.get_event(event_id)
    count = broadcasts.send_broadcast(event, g.api_user, subject=json.subject, body=json.body, to=json.to,
                                      channels=list(json.channels), dry_run=json.dry_run)
    return MessageAccepted(recipients=count), 202


@bp.get("/events/<int:event_id>/messages")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=BroadcastList, HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem),
               tags=["messages"])
def list_messages(event_id: int):
    """The event's sent messages, newest first, with the delivery state of their mail and SMS."""
    items = broadcasts.list_broadcasts(event_service.get_event(event_id))
    return BroadcastList(items=[BroadcastOut(
        id=s.broadcast.id, to=s.broadcast.audience, subject=s.broadcast.subject, body=s.broadcast.body,
        channels=list(s.broadcast.channels), recipients=s.broadcast.recipients, created_at=s.broadcast.created_at,
        sender=s.sender, email=DeliveryOut(**vars(s.mail)), sms=DeliveryOut(**vars(s.sms))) for s in items])
