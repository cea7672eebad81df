"""One module per aggregate; importing this package registers every table."""
from .audit import AuditEntry
from .events import Event, EventStatus, RegistrationMode
from .organisations import Industry, Organisation, OrgKind
from .projects import STAGE_ORDER, Project, Stage, StageChange
from .users import ApiToken, Role, User

__all__ = [
    "ApiToken", "AuditEntry", "Event", "EventStatus", "Industry", "Organisation", "OrgKind",
    "Project", "RegistrationMode", "Role", "STAGE_ORDER", "Stage", "StageChange", "User",
]
