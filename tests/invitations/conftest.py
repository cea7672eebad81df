import pytest


@pytest.fixture
def hdr(auth):
    """auth(role), after ending the test's own open read transaction: on SQLite (WAL) a snapshot
    taken before the user was created would not see it when the request reuses the test's session."""
    from roadshow.extensions import db

    def make(role: str = "organiser") -> dict:
        db.session.commit()
        return auth(role)

    return make
