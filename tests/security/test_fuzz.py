"""Schemathesis over the whole API, as an admin, as an organiser and anonymously: no 5xx, every response as the
OpenAPI document says. Bounded examples keep CI fast (FUZZ_EXAMPLES to go deeper by hand)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD

EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "12")


def _run(base: str, *extra: str) -> subprocess.CompletedProcess:
    cli = Path(sys.executable).with_name("schemathesis")
    return subprocess.run(
        [str(cli), "run", f"{base}/api/v1/openapi.json", "--checks",
         "not_a_server_error,response_schema_conformance,content_type_conformance", "-n", EXAMPLES,
         "--seed", "20231418", "--no-color", "--phases", "coverage,fuzzing,stateful",
         # revoking its own token would sign the fuzzer out half-way
         "--exclude-operation-id", "revoke_token", *extra],
        capture_output=True, text=True, timeout=900)


@pytest.fixture
def demo(app):
    from roadshow.demo import scenario_2023 as demo
    from roadshow.extensions import db

    with app.app_context():
        demo.load()
        db.session.commit()


@pytest.mark.parametrize("who", ["admin", "organiser", "anonymous"])
def test_api_survives_fuzzing(live_server, make_user, demo, who):
    extra: tuple[str, ...] = ()
    if who != "anonymous":
        email = make_user(who)
        token = requests.post(f"{live_server}/api/v1/auth/token", json={"email": email, "password": PASSWORD}
                              ).json()["token"]
        extra = ("-H", f"Authorization: Bearer {token}")
    result = _run(live_server, *extra)
    tail = "\n".join(result.stdout.splitlines()[-60:])
    assert result.returncode == 0, tail
    assert " passed" in result.stdout, tail
