"""With CSRF on, as in production, the import's posts need the form's token."""

import io

from sqlalchemy import func, select

from campaigns.items.models import Item
from portal.extensions import db
from tests.campaigns.ledger_files import Scene, csv_bytes, row
from tests.factories import PASSWORD


def _token(page: bytes) -> str:
    return page.split(b'name="csrf_token" type="hidden" value="')[1].split(b'"')[0].decode()


def test_upload_and_confirm_refuse_posts_without_the_token(app, client):
    scene = Scene()
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    login_token = _token(client.get("/login").data)
    client.post(
        "/login",
        data={"username": scene.lead.username, "password": PASSWORD, "csrf_token": login_token},
    )
    data = {"file": (io.BytesIO(csv_bytes([row(1)])), "l.csv")}
    assert client.post("/campaigns/WS2026/import", data=data).status_code == 400
    response = client.post("/campaigns/WS2026/import/confirm", data={"token": "0" * 32})
    assert response.status_code == 400
    token = _token(client.get("/campaigns/WS2026/import").data)
    data = {"file": (io.BytesIO(csv_bytes([row(1)])), "l.csv"), "csrf_token": token}
    response = client.post("/campaigns/WS2026/import", data=data)
    assert response.status_code == 200 and b"Import 1 items" in response.data
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
