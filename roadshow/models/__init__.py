"""One module per aggregate; importing this package registers every table."""
from .audit import AuditEntry
from .broadcasts import Broadcast, BroadcastRecipient, ShortLink
from .bureau import FollowUp, FollowUpKind, Reception, Team, TeamKind, Trip, TripVisit
from .checkins import CheckIn, CheckInMethod, CheckInStatus
from .events import Event, EventStatus, RegistrationMode
from .figures import ProjectInvestment, Target
from .mail import MailStatus, OutboxMessage
from .organisations import Contact, Industry, Organisation, OrgKind
from .programme import AgendaSession, Interest
from .projects import STAGE_ORDER, Origin, Project, Stage, StageChange
from .questions import Answer, Question, QuestionKind
from .registrations import ACTIVE_REGISTRATION, Attendee, Invitation, InvitationStatus, Registration, RegistrationStatus
from .sms import SmsMessage, SmsStatus
from .users import ApiToken, Role, User

__all__ = [
    "ACTIVE_REGISTRATION", "ApiToken", "Attendee", "AuditEntry", "CheckIn", "CheckInMethod", "CheckInStatus", "Contact",
    "FollowUp", "FollowUpKind", "Reception", "Team", "TeamKind", "Trip", "TripVisit",
    "Event", "EventStatus", "Industry", "Invitation", "InvitationStatus", "MailStatus", "Organisation",
    "OrgKind", "Origin", "OutboxMessage", "Project", "ProjectInvestment",
    "Target",
    "RegistrationMode", "Registration", "RegistrationStatus", "Role",
    "STAGE_ORDER", "Stage", "StageChange", "User",
    "AgendaSession", "Interest",

    "Broadcast", "BroadcastRecipient", "ShortLink", "SmsMessage", "SmsStatus",
    "Answer", "Question", "QuestionKind",
]
