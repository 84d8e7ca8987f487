from portal import create_app
from portal.extensions import db
from tests.conftest import base_config
from tests.factories import PASSWORD, make_user


def test_login_without_csrf_token_is_refused(tmp_path, app):
    """With CSRF on (as in production) a form post without its token answers 400."""
    make_user(username="paul")
    db.session.commit()
    strict = create_app(base_config(tmp_path) | {"WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    response = client.post("/login", data={"username": "paul", "password": PASSWORD})
    assert response.status_code == 400
    assert b"The form had expired" in response.data
    page = client.get("/login")
    token = page.data.split(b'name="csrf_token" type="hidden" value="')[1].split(b'"')[0]
    response = client.post(
        "/login", data={"username": "paul", "password": PASSWORD, "csrf_token": token.decode()}
    )
    assert response.status_code == 302
    # Signed in, a state-changing post without a token is still refused.
    assert client.post("/logout").status_code == 400
    with strict.app_context():
        db.engine.dispose()
