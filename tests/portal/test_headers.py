import pytest

from portal.extensions import db
from tests.factories import make_user


@pytest.mark.parametrize(
    "path", ["/login", "/", "/no-such-page", "/static/css/portal.css", "/health"]
)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_no_inline_script_in_pages(client, login):
    user = make_user("admin", username="root")
    db.session.commit()
    login(user)
    for path in ("/login", "/", "/admin/users/", "/profile"):
        html = client.get(path).data.decode()
        assert "<script>" not in html and "onclick=" not in html


def test_max_content_length_is_set(app, client):
    assert app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/login",
        data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
