"""Programme fixtures: a published roadshow with a pitched project and a confirmed registration."""
from __future__ import annotations

import pytest

from roadshow.extensions import db
from roadshow.models import Project, Stage
from tests import factories


@pytest.fixture
def day(app, industries):
    """The 2031 beef-soup roadshow (09:00–12:00 Beijing time), a pipeline project it can pitch, and a
    confirmed registration of one organisation with two guests."""
    with app.app_context():
        ev = factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2031, 4, 18, 9), hours=3,
                             venue="田家庵区会展中心")
        project = Project(name="牛肉汤预制菜中央厨房", industry="绿色食品", stage=Stage.lead)
        other = Project(name="牛肉汤文旅街区", industry="数字创意和文化旅游", stage=Stage.lead)
        db.session.add_all([project, other])
        db.session.commit()
        org = factories.organisation("淮南产业投资基金有限公司", kind=factories.OrgKind.fund)
        reg = factories.registration(ev, org=org, attendees=2, names=["李投资", "周经理"])
        return {"event": ev.id, "project": project.id, "other": other.id, "org": org.id,
                "token": reg.manage_token, "attendees": [a.id for a in reg.attendees],
                "emails": [a.email for a in reg.attendees]}
