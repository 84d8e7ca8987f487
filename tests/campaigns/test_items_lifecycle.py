"""The lifecycle as a table, through the pages and through the API: every (action, state,
person) of lifecycle.ACTIONS is tried over HTTP through both doors, each on an item of its own,
and both answers must be what the table says (so the API allows and refuses exactly what the
pages do).

allowed (the person's relation may take it, the state allows it) → the page redirects (302),
the API answers 200 (201 for evidence), and the change is made (the new state, or a timeline
entry for the action); the person may not → 403; the state does not allow it → 422; the person
may not see the item → 404. Refused: nothing changes.
"""

from io import BytesIO

import pytest
from sqlalchemy import func, select

from campaigns.api.schemas import API_ACTIONS
from campaigns.items.lifecycle import ACTIONS, Relation, Status
from campaigns.items.models import TimelineEntry
from campaigns.items.operations import add_evidence
from portal.extensions import db
from tests.factories import World, make_item
from tests.items_support import (
    ACTION_URLS,
    action_form,
    bearer,
    jpeg,
    pending_extension,
    pending_transfer,
    reload,
    sign_in,
    timeline_count,
    upload,
)

R = Relation
# Who tries, and how they stand to the item (an inspector of the flagging team is also an
# inspector of the campaign).
PEOPLE = {
    "admin": {R.CAMPAIGN_LEAD},
    "lead": {R.CAMPAIGN_LEAD},
    "inspector": {R.FLAGGING_TEAM, R.CAMPAIGN_INSPECTOR},
    "inspector_b": {R.CAMPAIGN_INSPECTOR},
    "liaison_police": {R.LEAD_AGENCY},
    "liaison_env": {R.CO_AGENCY},
    "recipient": {R.TRANSFER_RECIPIENT},  # liaison_transport, with a transfer offered to them
    "outsider": None,  # inspector of another campaign
    "liaison_transport": None,  # liaison of an unrelated agency
}
BUTTON_ACTIONS = [name for name in ACTIONS if name != "relapse"]


def expected_status(action: str, state: Status, relations) -> int:
    if relations is None:
        return 404
    if not ACTIONS[action].by & relations:
        return 403
    if state not in ACTIONS[action].from_states:
        return 422
    return 302


@pytest.fixture
def world(app):
    return World()


def _item_for(world, state, person, action):
    item = make_item(
        world.campaign,
        state=state,
        team=world.team_a,
        lead_agency=world.police,
        co_agencies=[world.env],
        town=world.town,
    )
    if person == "recipient":
        pending_transfer(item, world.police, world.transport)
    if action in ("extend_approve", "extend_refuse"):
        pending_extension(item)
    db.session.commit()
    return item


def _user(world, person):
    return world.liaison_transport if person == "recipient" else getattr(world, person)


def test_the_table_covers_every_action_but_the_look_back():
    assert set(BUTTON_ACTIONS) == set(ACTION_URLS)
    assert set(API_ACTIONS) | {"evidence"} == set(BUTTON_ACTIONS)


def _api_call(client, headers, action: str, world, item):
    """The API's request for `action`, with the fields a permitted person would send."""
    if action == "evidence":
        return client.post(
            f"/api/v1/items/{item.ref}/evidence",
            headers=headers,
            data={"stage": "other", "file": upload(jpeg(), "more.jpg")},
        )
    form = action_form(action, world, item)
    fields = {
        "submit": {"measures": form.get("measures")},
        "extend_request": {"new_deadline": form.get("new_deadline")},
        "transfer_propose": {"to_agency": world.transport.code},
        "enforcement": {
            "kind": form.get("kind"),
            "date": form.get("action_date"),
            "document_no": form.get("document_no"),
        },
        "edit": {"title": "A clearer title", "severity": "major", "co_agencies": ["env"]},
        "list": {"listing_level": "city", "listing_doc_no": "CITY-2026-7"},
    }.get(action, {})
    body = {"action": action, "version": item.version, "note": form.get("note", ""), **fields}
    return client.post(f"/api/v1/items/{item.ref}/actions", headers=headers, json=body)


def _outcome(status: int) -> str:
    return "done" if status in (200, 201, 302) else str(status)


def _after_photo(world, item) -> None:
    """An after-rectification photo already on the item: the API submits it separately."""
    from werkzeug.datastructures import FileStorage

    add_evidence(
        item,
        by=world.liaison_police,
        upload=FileStorage(BytesIO(jpeg()), "after.jpg"),
        stage="after",
        check_access=False,
    )
    db.session.commit()


@pytest.mark.parametrize("action", BUTTON_ACTIONS)
def test_action_in_every_state_by_each_person(client, world, action):
    wrong = []
    tokens = {person: bearer(_user(world, person)) for person in PEOPLE}
    for state in Status:
        for person, relations in PEOPLE.items():
            expected = _outcome(expected_status(action, state, relations))
            for door in ("page", "api"):
                item = _item_for(world, state, person, action)
                if door == "api" and action == "submit":
                    _after_photo(world, item)
                before = (item.status, timeline_count(item), item.version)
                if door == "page":
                    sign_in(client, _user(world, person))
                    response = client.post(
                        f"/items/{item.ref}/{ACTION_URLS[action]}",
                        data=action_form(action, world, item),
                        content_type="multipart/form-data",
                    )
                else:
                    response = _api_call(client, tokens[person], action, world, item)
                wrong += _check(action, state, person, door, item, response, expected, before)
    assert wrong == []


def _check(action, state, person, door, item, response, expected, before) -> list[str]:
    where = f"{door}: {action} on {state} by {person}"
    got = _outcome(response.status_code)
    if got != expected:
        return [f"{where}: {response.status_code}, not {expected}"]
    item = reload(item)
    if expected == "done":
        entries = db.session.scalar(
            select(func.count()).where(
                TimelineEntry.item_id == item.id, TimelineEntry.action == action
            )
        )
        moved = item.status == (ACTIONS[action].to_state or state)
        if entries != 1 or not moved:
            return [f"{where}: not recorded"]
    elif (item.status, timeline_count(item), item.version) != before:
        return [f"{where}: changed although refused"]
    if door == "api" and response.mimetype != "application/json":
        return [f"{where}: answered {response.mimetype}"]
    return []


def test_no_page_moves_an_item_back_from_verified(client, world):
    """The look-back's relapse has no button: only reviews/operations.py reopens an item."""
    item = make_item(world.campaign, state="verified", team=world.team_a, lead_agency=world.police)
    db.session.commit()
    sign_in(client, world.inspector)
    assert client.post(
        f"/items/{item.ref}/relapse", data={"version": item.version}
    ).status_code in (
        404,
        405,
    )
    assert reload(item).status == Status.VERIFIED
