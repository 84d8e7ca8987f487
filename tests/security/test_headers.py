"""Security headers on the answers the route sweep does not produce: error pages of every kind
(pages and API), static files and evidence of every type. (Every route's own answers, for every
person, are checked by test_route_sweep with the same rules: tests/security/headers.py.)"""

import io

import pytest

from portal import create_app
from portal.accounts.operations import issue_token
from portal.extensions import db
from tests.conftest import IsolatedClient, base_config
from tests.factories import World
from tests.items_support import jpeg, pdf, sign_in
from tests.security.headers import csp_problems, header_problems


@pytest.fixture
def strict_app(tmp_path, app):
    """The app with CSRF on, a low API rate limit and routes that fail on purpose."""
    strict = create_app(
        base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
        | {"WTF_CSRF_ENABLED": True, "API_RATE_LIMIT": "3/minute", "MAX_CONTENT_LENGTH": 10_000}
    )
    strict.test_client_class = IsolatedClient

    @strict.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    @strict.route("/api/v1/boom")
    def api_boom():
        raise RuntimeError("kaboom")

    yield strict
    with strict.app_context():
        db.engine.dispose()


def test_error_answers_carry_the_headers(strict_app):
    world = World()
    _token, plain = issue_token(world.lead, "t")
    db.session.commit()
    client, signed_in = strict_app.test_client(), strict_app.test_client()
    sign_in(signed_in, world.lead)
    bearer = {"Authorization": f"Bearer {plain}"}
    answers = {
        "404 page": client.get("/no-such-page"),
        "405 page": client.get("/logout"),
        "413 page": client.post("/login", data=b"x" * 20_000, content_type="text/plain"),
        "400 CSRF": client.post("/login", data={"username": "x", "password": "y"}),
        "500 page": signed_in.get("/boom"),
        "401 API": client.get("/api/v1/campaigns"),
        "404 API": client.get("/api/v1/no-such-thing", headers=bearer),
        "500 API": signed_in.get("/api/v1/boom"),  # (outside the API blueprint: a session)
    }
    for _ in range(4):
        answers["429 API"] = client.get("/api/v1/campaigns", headers=bearer)
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "404 page": 404,
        "405 page": 405,
        "413 page": 413,
        "400 CSRF": 400,
        "500 page": 500,
        "401 API": 401,
        "404 API": 404,
        "500 API": 500,
        "429 API": 429,
    }
    problems = {name: header_problems(r) for name, r in answers.items() if header_problems(r)}
    assert problems == {}


def test_throttled_sign_in_carries_the_headers(app, client):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit + 1):
        response = client.post("/login", data={"username": "x", "password": "wrong-password"})
    assert response.status_code == 429 and header_problems(response) == []


@pytest.mark.parametrize(
    "path", ["/static/css/portal.css", "/static/js/portal.js", "/static/img/bell.svg"]
)
def test_static_files_carry_the_headers(client, path):
    response = client.get(path)
    response.close()
    assert response.status_code == 200
    assert header_problems(response, static=True) == []


def test_evidence_of_every_type_carries_the_headers_and_the_right_disposition(app, client):
    world = World()
    sign_in(client, world.inspector)
    for name, data in (("site.jpg", jpeg()), ("report.pdf", pdf())):
        response = client.post(
            f"/items/{world.item.ref}/evidence",
            data={
                "version": world.item.version,
                "stage": "before",
                "evidence": (io.BytesIO(data), name),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        db.session.refresh(world.item)
    from campaigns.items.models import Evidence

    photo, document = db.session.scalars(db.select(Evidence).order_by(Evidence.id)).all()
    _token, plain = issue_token(world.inspector, "t")
    db.session.commit()
    ref = world.item.ref
    answers = {
        "photo": client.get(f"/items/{ref}/evidence/{photo.id}"),
        "thumbnail": client.get(f"/items/{ref}/evidence/{photo.id}/thumbnail"),
        "pdf": client.get(f"/items/{ref}/evidence/{document.id}"),
        "pdf by API": client.get(
            f"/api/v1/items/{ref}/evidence/{document.id}",
            headers={"Authorization": f"Bearer {plain}"},
        ),
    }
    for response in answers.values():
        response.close()
    assert {n: r.status_code for n, r in answers.items()} == dict.fromkeys(answers, 200)
    assert {n: header_problems(r) for n, r in answers.items()} == dict.fromkeys(answers, [])
    assert answers["photo"].headers["Content-Disposition"].startswith("inline;")
    assert answers["pdf"].headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in answers["pdf"].headers["Content-Security-Policy"]


def test_the_rules_catch_a_weak_policy():
    """The checker itself: the policies it must refuse."""
    assert csp_problems("default-src 'self'; object-src 'none'; base-uri 'none'") == [
        "frame-ancestors is not 'none'"
    ]
    assert "'unsafe-inline' allowed" in csp_problems(
        "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    assert csp_problems(None) == ["no Content-Security-Policy"]
