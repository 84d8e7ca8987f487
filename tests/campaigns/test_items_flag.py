"""Flagging an item from the browser: the form, the target picker, the checks, the photos."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.items.models import Evidence, Item, TimelineEntry
from campaigns.targets.models import Target
from portal import clock
from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.factories import World, make_region, make_target
from tests.items_support import jpeg, sign_in, upload

GOOD_CODE = "91370303MA3C1234X9"
BAD_CHECK = "91370303MA3C1234X8"


@pytest.fixture
def world(app):
    return World()


def flag_form(world, **changes) -> dict:
    target = changes.pop("target", None) or make_target(world.town, name="淄博某化工有限公司")
    db.session.commit()
    form = {
        "team_id": str(world.team_a.id),
        "target_id": str(target.id),
        "new_target_kind": "enterprise",
        "district_id": str(world.district.id),
        "town_id": str(world.town.id),
        "category_id": str(world.campaign.categories[0].id),
        "title": "Fire exits blocked",
        "description": "Two exits of the warehouse are blocked by pallets.",
        "severity": "major",
        "listing_level": "none",
        "lead_agency_id": str(world.police.id),
        "co_agency_ids": [str(world.env.id)],
        "deadline": (clock.today() + timedelta(days=15)).isoformat(),
        "submit": "Flag the item",
    }
    form.update(changes)
    return form


def items_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Item))


def post(client, form):
    return client.post("/campaigns/WS2026/items/new", data=form, content_type="multipart/form-data")


def test_inspector_flags_an_item_with_photos(client, world):
    sign_in(client, world.inspector)
    form = flag_form(
        world, evidence=[upload(jpeg(), "IMG_0001.jpg"), upload(jpeg(), "IMG_0002.jpg")]
    )
    response = post(client, form)
    assert response.status_code == 302
    item = db.session.scalars(select(Item).order_by(Item.id.desc())).first()
    assert response.headers["Location"].endswith(f"/items/{item.ref}")
    assert item.ref == "WS2026-0002"  # world.item is the first
    assert (item.status, item.severity, item.team_id) == ("assigned", "major", world.team_a.id)
    assert item.lead_agency_id == world.police.id
    assert [a.code for a in item.co_agencies] == ["env"]
    assert item.deadline == item.original_deadline == clock.today() + timedelta(days=15)
    stages = db.session.scalars(select(Evidence.stage).where(Evidence.item_id == item.id)).all()
    assert stages == ["before", "before"]
    kinds = db.session.scalars(
        select(TimelineEntry.kind)
        .where(TimelineEntry.item_id == item.id)
        .order_by(TimelineEntry.id)
    ).all()
    assert kinds == ["flagged", "evidence", "evidence"]
    assert db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == "item_flagged", AuditEntry.object_id == str(item.id)
        )
    )
    page = client.get(response.headers["Location"]).data.decode()
    assert "Item WS2026-0002 flagged and assigned." in page
    assert "Fire exits blocked" in page and "IMG_0001.jpg" in page


def test_new_target_is_created_inline_with_a_checked_credit_code(client, world):
    sign_in(client, world.inspector)
    form = flag_form(
        world,
        target_id="0",
        new_target_name="淄博新建材有限公司",
        new_target_kind="enterprise",
        new_target_credit_code=GOOD_CODE.lower(),
    )
    assert post(client, form).status_code == 302
    target = db.session.scalar(select(Target).where(Target.credit_code == GOOD_CODE))
    assert target.name == "淄博新建材有限公司" and target.region_id == world.town.id
    # The same code again finds the same target instead of making a second one.
    assert post(client, form).status_code == 302
    assert (
        db.session.scalar(
            select(func.count()).select_from(Target).where(Target.credit_code == GOOD_CODE)
        )
        == 1
    )


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"target_id": "0", "new_target_name": "某公司", "new_target_credit_code": BAD_CHECK},
            "The check character does not match",
        ),
        (
            {"target_id": "0", "new_target_name": "某公司", "new_target_credit_code": "123"},
            "A unified social credit code has 18 characters",
        ),
        ({"target_id": "0"}, "Pick a target from the search, or describe a new one below."),
        ({"listing_level": "city", "listing_doc_no": ""}, "Please fill this in."),
        (
            {"deadline": (clock.today() - timedelta(days=1)).isoformat()},
            "Choose a date from today on.",
        ),
        ({"title": ""}, "This field is required."),
        ({"lead_agency_id": "999999"}, "Not a valid choice"),
    ],
)
def test_wrong_input_is_explained_and_nothing_is_saved(client, world, changes, message):
    sign_in(client, world.inspector)
    targets_before = db.session.scalar(select(func.count()).select_from(Target))
    form = flag_form(world, evidence=upload(jpeg(), "kept.jpg"), **changes)
    response = post(client, form)
    assert response.status_code == 422
    page = response.data.decode()
    assert message in page
    assert 'value="Fire exits blocked"' in page or changes.get("title") == ""
    assert items_count() == 1
    assert db.session.scalar(select(func.count()).select_from(Target)) == targets_before + 1
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_every_mistake_shows_at_once(client, world):
    sign_in(client, world.inspector)
    form = flag_form(
        world,
        target_id="0",
        new_target_name="某公司",
        new_target_credit_code=BAD_CHECK,
        listing_level="district",
        listing_doc_no="",
        deadline="",
    )
    page = post(client, form).data.decode()
    assert "The check character does not match" in page
    assert page.count("Please fill this in.") == 1  # the listing document number
    assert "This field is required." in page  # the deadline


def test_town_must_lie_in_the_district(client, world):
    elsewhere = make_region("town", make_region("district", world.city), name="别处镇")
    sign_in(client, world.inspector)
    response = post(client, flag_form(world, town_id=str(elsewhere.id)))
    assert response.status_code == 422
    assert "This town is not in the chosen district." in response.data.decode()
    assert items_count() == 1


def test_find_searches_targets_without_saving(client, world):
    make_target(world.town, name="博山陶瓷厂", credit_code=GOOD_CODE)
    db.session.commit()
    sign_in(client, world.inspector)
    response = post(client, {"target_query": "陶瓷", "find": "Find", "title": ""})
    assert response.status_code == 200
    page = response.data.decode()
    assert "博山陶瓷厂" in page and GOOD_CODE in page
    assert "Please fill this in." not in page
    assert items_count() == 1
    found = client.get("/items/targets.json?q=" + GOOD_CODE[:10]).get_json()
    assert [row["label"].split(" (")[0] for row in found] == ["博山陶瓷厂"]


@pytest.mark.parametrize(
    "person, status",
    [
        ("inspector", 200),
        ("inspector_b", 200),  # another team of the same campaign flags for its own team
        ("lead", 403),
        ("admin", 403),  # flagging is a team member's act
        ("liaison_police", 403),
        ("outsider", 404),  # another campaign's inspector does not see this campaign
        ("liaison_transport", 403),  # a participating agency sees the campaign, cannot flag
    ],
)
def test_who_may_flag(client, world, person, status):
    sign_in(client, getattr(world, person))
    assert client.get("/campaigns/WS2026/items/new").status_code == status
    team = world.team_b if person == "inspector_b" else world.team_a
    response = post(client, flag_form(world, team_id=str(team.id)))
    assert response.status_code == (302 if status == 200 else status)
    assert items_count() == (2 if status == 200 else 1)


def test_an_inspector_flags_only_for_their_own_team(client, world):
    sign_in(client, world.inspector)
    response = post(client, flag_form(world, team_id=str(world.team_b.id)))
    assert response.status_code == 422
    assert items_count() == 1


def test_target_search_is_for_inspectors(client, world):
    sign_in(client, world.liaison_police)
    assert client.get("/items/targets.json?q=x").status_code == 403
