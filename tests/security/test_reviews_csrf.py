"""With CSRF on (as in production), the look-back's and the inbox's posts need their token."""

from sqlalchemy import select

from campaigns.reviews import operations
from campaigns.reviews.models import ReviewCheck
from portal import clock, create_app
from portal.extensions import db
from tests.campaigns.review_scene import ReviewScene
from tests.conftest import IsolatedClient, base_config
from tests.factories import PASSWORD


def test_posts_without_their_token_change_nothing(tmp_path, app):
    scene = ReviewScene()
    strict = create_app(
        base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]) | {"WTF_CSRF_ENABLED": True}
    )
    strict.test_client_class = IsolatedClient
    client = strict.test_client()
    page = client.get("/login")
    token = page.data.split(b'name="csrf_token" type="hidden" value="')[1].split(b'"')[0]
    signed_in = client.post(
        "/login",
        data={"username": scene.lead.username, "password": PASSWORD, "csrf_token": token.decode()},
    )
    assert signed_in.status_code == 302 and client.get("/").status_code == 200
    assert client.post("/campaigns/WS2026/review/open").status_code == 400
    assert operations.review_of(scene.campaign) is None
    with clock.travel_to(scene.opens):
        operations.open_review(scene.campaign)
        db.session.commit()
        check = db.session.scalar(select(ReviewCheck).where(ReviewCheck.item_id == scene.a.id))
        response = client.post(
            f"/campaigns/WS2026/review/checks/{check.id}", data={"result": "holding"}
        )
        assert response.status_code == 400
    assert client.post("/inbox/read-all").status_code == 400
    db.session.refresh(check)
    assert check.result is None
    with strict.app_context():
        db.engine.dispose()
