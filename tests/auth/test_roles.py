"""API.md "Roles": one policy table, enforced the same way on the API and the pages."""
from __future__ import annotations

import pytest

from roadshow.models import Role
from roadshow.permissions import ROLE_PERMISSIONS, P
from tests.conftest import PASSWORD
from tests.conftest import sign_in as _login


def test_policy_table_matches_api_md():
    assert ROLE_PERMISSIONS[Role.admin] == set(P)
    assert P.manage_users not in ROLE_PERMISSIONS[Role.organiser]
    assert {P.manage_events, P.check_in, P.manage_projects, P.read_reports, P.read_personal_data} \
        <= ROLE_PERMISSIONS[Role.organiser]
    assert ROLE_PERMISSIONS[Role.door] == {P.check_in, P.read_stats}
    viewer = ROLE_PERMISSIONS[Role.viewer]
    assert {P.read_events, P.read_stats, P.read_projects, P.read_reports} == viewer
    assert not any(p in viewer for p in (P.manage_events, P.manage_projects, P.read_personal_data, P.check_in))


def test_every_api_endpoint_is_guarded(app):
    """Each API view either is public (token issue, public registration) or declares its permission,
    or is one of the token's own endpoints, which any valid token may use."""
    from roadshow.api import PUBLIC_ENDPOINTS

    token_only = {"api.revoke_token", "api.me"}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint in token_only:
            continue
        assert getattr(view, "required_permissions", None), f"{rule.endpoint} has no role check"


@pytest.mark.parametrize("role,status", [("admin", 200), ("organiser", 403), ("door", 403), ("viewer", 403)])
def test_user_management_is_admin_only(client, auth, role, status):
    headers = auth(role)
    assert client.get("/api/v1/users", headers=headers).status_code == status
    create = client.post("/api/v1/users", json={"email": f"new-{role}@example.com", "password": PASSWORD,
                                               "role": "viewer"}, headers=headers)
    assert create.status_code == (201 if status == 200 else 403)


@pytest.mark.parametrize("role,sees_pipeline", [("admin", True), ("organiser", True), ("viewer", True),
                                                ("door", False)])
def test_console_home_by_role(client, make_user, role, sees_pipeline):
    _login(client, make_user(role))
    html = client.get("/").get_data(as_text=True)
    assert 'id="events"' in html
    assert ('id="pipeline"' in html) is sees_pipeline
