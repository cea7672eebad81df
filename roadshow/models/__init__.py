"""One module per aggregate; importing this package registers every table."""
from .audit import AuditEntry
from .bureau import FollowUp, FollowUpKind, Reception, Team, TeamKind, Trip, TripVisit
from .checkins import CheckIn, CheckInStatus
from .events import Event, EventStatus, RegistrationMode
from .mail import MailStatus, OutboxMessage
from .organisations import Contact, Industry, Organisation, OrgKind
from .projects import STAGE_ORDER, Project, Stage, StageChange
from .questions import Answer, Question, QuestionKind
from .registrations import ACTIVE_REGISTRATION, Attendee, Invitation, InvitationStatus, Registration, RegistrationStatus
from .users import ApiToken, Role, User

__all__ = [
    "ACTIVE_REGISTRATION", "ApiToken", "Attendee", "AuditEntry", "CheckIn", "CheckInStatus", "Contact",
    "FollowUp", "FollowUpKind", "Reception", "Team", "TeamKind", "Trip", "TripVisit",
    "Event", "EventStatus", "Industry", "Invitation", "InvitationStatus", "MailStatus", "Organisation",
    "OrgKind", "OutboxMessage", "Project", "RegistrationMode", "Registration", "RegistrationStatus", "Role",
    "STAGE_ORDER", "Stage", "StageChange", "User",
    "Answer", "Question", "QuestionKind",
]
