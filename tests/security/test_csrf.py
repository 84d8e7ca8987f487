"""CSRF: with tokens on (as in production), every state-changing form route refuses a post
without a valid token, and changes nothing. The routes come from the app's url_map: every
non-API rule that accepts POST (the API takes bearer tokens only, never cookies; see
test_route_sweep.test_a_session_cookie_never_opens_the_api).

Each route is posted as the first person of the access table who may use it, so that the
refusal is the token's doing and not an access check; a control post with the session's own
token shows that the route then gets past the CSRF check.
"""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from tests.security.scene import WHO
from tests.security.test_route_sweep import ROWS, build_url_with, registered

REFUSED = b"The form had expired or was sent from elsewhere"


@pytest.fixture(scope="module", autouse=True)
def csrf_on(scene_app):
    scene_app.config["WTF_CSRF_ENABLED"] = True
    yield
    scene_app.config["WTF_CSRF_ENABLED"] = False


def form_posts(app) -> list[tuple[str, object]]:
    return sorted(
        (key, rule)
        for key, rule in registered(app).items()
        if key.startswith("POST ") and not rule.rule.startswith("/api/")
    )


def poster(key: str) -> str:
    """The first column of the access table that gets past the access checks (the admin where
    nobody may: answering a transfer needs one offered, and CSRF is checked before access)."""
    statuses = ROWS[key][0]
    for who, status in zip(WHO, statuses, strict=True):
        if status not in ("login", "401", "403", "404"):
            return who
    return "admin"


def token_of(client, who: str) -> str:
    page = client.get("/login" if who == "anon" else "/profile").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def snapshot() -> dict:
    """Every row of every table: what a refused post must leave as it was."""
    db.session.expire_all()
    return {
        table.name: sorted(map(repr, db.session.execute(select(table)).all()))
        for table in db.metadata.sorted_tables
    }


def test_the_sweep_covers_the_forms(scene_app):
    keys = [key for key, _rule in form_posts(scene_app)]
    assert len(keys) >= 40
    for expected in ("POST /login", "POST /logout", "POST /items/<ref>/verify"):
        assert expected in keys


def test_every_form_post_without_a_valid_token_is_refused(scene_app, scene, as_who):
    client, elsewhere = scene_app.test_client(), scene_app.test_client()
    as_who(elsewhere, "admin")
    foreign = token_of(elsewhere, "admin")  # valid, but for another session
    before = snapshot()
    wrong = []
    for key, rule in form_posts(scene_app):
        who = poster(key)
        url = build_url_with(rule, scene.values(who, "in"))
        for label, data in (("no token", {}), ("another session's token", {"csrf_token": foreign})):
            as_who(client, who)
            token_of(client, who)  # the session has a token of its own, which is not sent
            response = client.post(url, data=data)
            if response.status_code != 400 or REFUSED not in response.data:
                wrong.append(f"{key} as {who}, {label}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert snapshot() == before


def test_with_the_sessions_own_token_the_posts_get_past_the_check(scene_app, scene, as_who):
    client = scene_app.test_client()
    wrong = []
    for key, rule in form_posts(scene_app):
        who = poster(key)
        as_who(client, who)
        token = token_of(client, who)
        url = build_url_with(rule, scene.values(who, "in"))
        response = client.post(url, data={"csrf_token": token})
        if REFUSED in response.data:
            wrong.append(f"{key} as {who}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
