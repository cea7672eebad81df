"""Translated names of the domain's enums, for pages, mails and exports."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from .models import (
    EventStatus,
    FollowUpKind,
    InvitationStatus,
    MailStatus,
    OrgKind,
    Origin,
    RegistrationStatus,
    Role,
    Stage,
    TeamKind,
)

STAGE = {
    Stage.lead: _l("Lead"),
    Stage.negotiating: _l("Negotiating"),
    Stage.signed: _l("Signed"),
    Stage.started: _l("Construction started"),
    Stage.producing: _l("In production"),
    Stage.dropped: _l("Dropped"),
}

ORIGIN = {
    Origin.local: _l("Local"),
    Origin.in_province: _l("Elsewhere in the province"),
    Origin.out_of_province: _l("From another province"),
    Origin.foreign: _l("Abroad"),
}

EVENT_STATUS = {
    EventStatus.draft: _l("Draft"),
    EventStatus.published: _l("Published"),
    EventStatus.cancelled: _l("Cancelled"),
}

ORG_KIND = {
    OrgKind.enterprise: _l("Enterprise"),
    OrgKind.fund: _l("Investment fund"),
    OrgKind.bank: _l("Bank"),
    OrgKind.incubator: _l("Incubator"),
    OrgKind.ecommerce: _l("E-commerce"),
    OrgKind.association: _l("Association"),
    OrgKind.government: _l("Government"),
    OrgKind.agent: _l("Investment-promotion agent"),
    OrgKind.other: _l("Other"),
}

ROLE = {
    Role.admin: _l("Administrator"),
    Role.organiser: _l("Organiser"),
    Role.door: _l("Door staff"),
    Role.viewer: _l("Viewer"),
}


def wan(amount: Decimal | None) -> str:
    """10000.5 → '10,000.50' (万元, two decimals, exact)."""
    if amount is None:
        return "—"
    return f"{Decimal(amount).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def yi(amount: Decimal | None) -> str:
    """万元 → 亿元 with two decimals: 380100 → '38.01'."""
    if amount is None:
        return "—"
    return f"{(Decimal(amount) / 10000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"

REGISTRATION_STATUS = {
    RegistrationStatus.pending: _l("Awaiting approval"),
    RegistrationStatus.confirmed: _l("Confirmed"),
    RegistrationStatus.waitlisted: _l("On the waiting list"),
    RegistrationStatus.cancelled: _l("Cancelled"),
    RegistrationStatus.rejected: _l("Not approved"),
}

INVITATION_STATUS = {
    InvitationStatus.pending: _l("Not sent"),
    InvitationStatus.sent: _l("Sent"),
    InvitationStatus.opened: _l("Opened"),
    InvitationStatus.registered: _l("Registered"),
    InvitationStatus.declined: _l("Declined invitation"),
}

MAIL_STATUS = {
    MailStatus.pending: _l("Mail queued"),
    MailStatus.sent: _l("Mail delivered"),
    MailStatus.failed: _l("Mail failed"),
}

# The bureau's teams and follow-up records (web/teams.py makes them template globals).
TEAM_KIND = {
    TeamKind.team: _l("Investment team"),
    TeamKind.industry: _l("Industry team"),
    TeamKind.station: _l("Stationed team"),
}

FOLLOW_UP_KIND = {
    FollowUpKind.call: _l("Call"),
    FollowUpKind.visit: _l("Visit"),
    FollowUpKind.meeting: _l("Meeting"),
    FollowUpKind.reception: _l("Reception"),
    FollowUpKind.message: _l("Message"),
    FollowUpKind.other: _l("Other"),
}

# The monthly report's metrics (services/targets.py METRICS), for its page and its spreadsheet.
METRIC = {
    "signed_count": _l("Newly signed projects"),
    "signed_amount_wan": _l("Signed amount (10k yuan)"),
    "started_count": _l("Newly started projects"),
    "producing_count": _l("Newly in production"),
    "out_of_province_over_100m_funds_wan": _l("Funds in place in out-of-province projects of 100m yuan or more"),
    "industrial_fixed_asset_wan": _l("Fixed-asset investment formed by industrial projects"),
    "trips": _l("Trips"),
    "receptions": _l("Receptions"),
    "companies_visited": _l("Companies visited"),
}
