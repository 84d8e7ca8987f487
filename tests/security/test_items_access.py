"""Who sees which item, file and list row: 404 outside one's scope, never a page, a file, a row
or a count that reveals the item."""

import re

import pytest
from sqlalchemy import select

from campaigns.items import operations
from campaigns.items.models import Evidence
from portal.extensions import db
from tests.factories import World, make_item
from tests.items_support import (
    ACTION_URLS,
    action_form,
    fetch,
    jpeg,
    pending_transfer,
    reload,
    sign_in,
    timeline_count,
)


class Upload:
    """What a browser sends: a file storage with a name and a stream."""

    def __init__(self, data: bytes, filename: str):
        from io import BytesIO

        self.stream, self.filename = BytesIO(data), filename


@pytest.fixture
def world(app):
    w = World()
    w.photo = operations.add_evidence(
        w.item, by=w.inspector, upload=Upload(jpeg(), "site.jpg"), stage="before"
    )
    db.session.commit()
    return w


SEES = {
    "admin": True,
    "lead": True,
    "inspector": True,  # the flagging team
    "inspector_b": True,  # another team of the same campaign
    "liaison_police": True,  # lead agency
    "liaison_env": True,  # co-agency
    "outsider": False,  # inspector of another campaign
    "liaison_transport": False,  # an agency with no part in the item
}


def item_urls(world) -> list[str]:
    ref, photo = world.item.ref, world.photo.id
    return [
        f"/items/{ref}",
        f"/items/{ref}/evidence/{photo}",
        f"/items/{ref}/evidence/{photo}/thumbnail",
    ]


@pytest.mark.parametrize("person, sees", SEES.items())
def test_item_page_files_and_timeline(client, world, person, sees):
    sign_in(client, getattr(world, person))
    for url in item_urls(world):
        response = fetch(client, url)
        assert response.status_code == (200 if sees else 404), url
        if not sees:
            assert world.item.title.encode() not in response.data
            assert b"site.jpg" not in response.data


@pytest.mark.parametrize("person", [p for p, sees in SEES.items() if not sees])
def test_every_action_answers_404_outside_the_scope(client, world, person):
    sign_in(client, getattr(world, person))
    before = timeline_count(world.item)
    for action, path in ACTION_URLS.items():
        response = client.post(
            f"/items/{world.item.ref}/{path}",
            data=action_form(action, world, world.item),
            content_type="multipart/form-data",
        )
        assert response.status_code == 404, action
    for path in ("edit", "withdraw"):
        assert client.get(f"/items/{world.item.ref}/{path}").status_code == 404
    assert timeline_count(reload(world.item)) == before


@pytest.mark.parametrize("person", [p for p, sees in SEES.items() if not sees])
def test_lists_reveal_nothing_outside_the_scope(client, world, person):
    sign_in(client, getattr(world, person))
    everything = client.get("/items/")
    assert everything.status_code == 200
    html = everything.data.decode()
    assert world.item.ref not in html and world.item.title not in html
    counts = re.findall(r'data-status="\w+">\s*<span class="value">(\d+)</span>', html)
    assert set(counts) == {"0"}
    searched = client.get(f"/items/?q={world.item.ref}").data.decode()  # (echoes the query)
    assert f'class="ref">{world.item.ref}<' not in searched and world.item.title not in searched
    assert "No items match these filters." in searched


def test_a_campaign_out_of_sight_is_404(client, world):
    sign_in(client, world.outsider)
    assert client.get("/campaigns/WS2026/items").status_code == 404
    assert client.get("/campaigns/WS2026/items/new").status_code == 404


def test_transfer_recipient_sees_the_item_only_while_the_transfer_waits(client, world):
    transfer = pending_transfer(world.item, world.police, world.transport)
    db.session.commit()
    sign_in(client, world.liaison_transport)
    for url in item_urls(world):
        assert fetch(client, url).status_code == 200, url
    assert world.item.ref in client.get("/items/").data.decode()
    transfer.state = "declined"
    db.session.commit()
    for url in item_urls(world):
        assert fetch(client, url).status_code == 404, url


def test_evidence_ids_of_hidden_items_are_not_reachable_through_visible_ones(client, world):
    other = make_item(world.other_campaign, team=world.other_team, lead_agency=world.transport)
    photo = operations.add_evidence(
        other, by=None, upload=Upload(jpeg(), "secret.jpg"), stage="before", check_access=False
    )
    db.session.commit()
    sign_in(client, world.liaison_police)
    assert fetch(client, f"/items/{world.item.ref}/evidence/{photo.id}").status_code == 404
    assert fetch(client, f"/items/{other.ref}/evidence/{photo.id}").status_code == 404


def test_evidence_files_are_stored_outside_static(app, world):
    from campaigns.items.evidence import path_of

    stored = db.session.scalars(select(Evidence)).one()
    assert "static" not in str(path_of(stored.stored_name))
    assert str(path_of(stored.stored_name)).startswith(app.config["UPLOAD_FOLDER"])
