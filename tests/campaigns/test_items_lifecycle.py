"""The lifecycle as a table, through the pages: every (action, state, person) of
lifecycle.ACTIONS is tried over HTTP, and the answer must be what the table says.

allowed (the person's relation may take it, the state allows it) → 302 and the change is made
(the new state, or a timeline entry for the action); the person may not → 403; the state does
not allow it → 422; the person may not see the item → 404. Refused: nothing changes.
"""

import pytest
from sqlalchemy import func, select

from campaigns.items.lifecycle import ACTIONS, Relation, Status
from campaigns.items.models import TimelineEntry
from portal.extensions import db
from tests.factories import World, make_item
from tests.items_support import (
    ACTION_URLS,
    action_form,
    pending_extension,
    pending_transfer,
    reload,
    sign_in,
    timeline_count,
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


@pytest.mark.parametrize("action", BUTTON_ACTIONS)
def test_action_in_every_state_by_each_person(client, world, action):
    wrong = []
    for state in Status:
        for person, relations in PEOPLE.items():
            item = _item_for(world, state, person, action)
            before = (item.status, timeline_count(item), item.version)
            sign_in(client, _user(world, person))
            response = client.post(
                f"/items/{item.ref}/{ACTION_URLS[action]}",
                data=action_form(action, world, item),
                content_type="multipart/form-data",
            )
            expected = expected_status(action, state, relations)
            item = reload(item)
            if response.status_code != expected:
                wrong.append(f"{action} on {state} by {person}: {response.status_code}")
            elif expected == 302:
                entries = db.session.scalar(
                    select(func.count()).where(
                        TimelineEntry.item_id == item.id, TimelineEntry.action == action
                    )
                )
                moved = item.status == (ACTIONS[action].to_state or state)
                if entries != 1 or not moved:
                    wrong.append(f"{action} on {state} by {person}: not recorded")
            elif (item.status, timeline_count(item), item.version) != before:
                wrong.append(f"{action} on {state} by {person}: changed although refused")
    assert wrong == []


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
