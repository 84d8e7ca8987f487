"""The attack suite's fixtures: one app and one scene per test module (building the scene
takes longer than most of the requests made against it)."""

import pytest

from portal.extensions import db
from tests.conftest import fresh_app
from tests.items_support import sign_in
from tests.security.scene import SecurityScene


@pytest.fixture(scope="module")
def scene_app(tmp_path_factory):
    with fresh_app(tmp_path_factory.mktemp("security")) as app:
        yield app


@pytest.fixture(scope="module")
def scene(scene_app):
    return SecurityScene()


@pytest.fixture
def as_who(scene_app, scene):
    """as_who(client, who): the client signed in as that column of the route table (a fresh
    session), or with no session at all for "anon"."""

    def _as(client, who: str):
        if who == "anon":
            with client.session_transaction() as session:
                session.clear()
            return
        user = scene.people[who]
        db.session.refresh(user)  # its session version may have moved (sign-out)
        sign_in(client, user)

    return _as
