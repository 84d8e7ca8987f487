"""The item page's actions as people use them: what they fill in, what they see afterwards."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from campaigns.items.models import EnforcementAction, Evidence
from portal import clock
from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.factories import World, make_item
from tests.items_support import jpeg, pending_transfer, reload, sign_in, upload


@pytest.fixture
def world(app):
    return World()


def item_in(world, state, **fields):
    item = make_item(
        world.campaign,
        state=state,
        team=world.team_a,
        lead_agency=world.police,
        co_agencies=[world.env],
        town=world.town,
        **fields,
    )
    db.session.commit()
    return item


def post(client, item, path, **data):
    return client.post(
        f"/items/{item.ref}/{path}",
        data={"version": str(item.version), **data},
        content_type="multipart/form-data",
    )


def page_of(client, item) -> str:
    return client.get(f"/items/{item.ref}").data.decode()


def test_acknowledge_then_submit_with_after_photos_then_verify(client, world):
    item = world.item
    sign_in(client, world.liaison_police)
    assert "Acknowledge" in page_of(client, item)
    response = post(client, item, "acknowledge")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).data.decode()
    assert "Acknowledged: your agency is now rectifying the item." in page
    assert "Rectifying" in page

    item = reload(item)
    response = post(client, item, "submit", measures="Exits cleared, signs put up.")
    assert response.status_code == 422
    assert "Attach at least one photo or file taken after rectification." in response.data.decode()
    assert "Exits cleared, signs put up." in response.data.decode()  # nothing typed is lost

    response = post(
        client,
        item,
        "submit",
        measures="Exits cleared, signs put up.",
        evidence=[upload(jpeg(), "after-1.jpg"), upload(jpeg(), "after-2.jpg")],
    )
    assert response.status_code == 302
    item = reload(item)
    assert item.status == "submitted" and item.measures == "Exits cleared, signs put up."
    assert db.session.scalars(select(Evidence.stage).where(Evidence.item_id == item.id)).all() == [
        "after",
        "after",
    ]

    sign_in(client, world.inspector)
    page = page_of(client, item)
    assert "Verify and close" in page and "after-1.jpg" in page
    assert post(client, item, "verify", note="Checked on site.").status_code == 302
    page = page_of(client, reload(item))
    assert "Verified and closed" in page and "Checked on site." in page


def test_return_for_rework_needs_a_reason(client, world):
    item = item_in(world, "submitted")
    sign_in(client, world.inspector)
    response = post(client, item, "return", note="  ")
    assert response.status_code == 422
    assert "This field is required." in response.data.decode()
    assert reload(item).status == "submitted"
    assert post(client, item, "return", note="Signs missing at exit 2.").status_code == 302
    item = reload(item)
    assert item.status == "rectifying" and item.submitted_at is None
    assert "Signs missing at exit 2." in page_of(client, item)


def test_extension_request_and_approval_keep_the_original_deadline(client, world):
    item = item_in(world, "rectifying")
    original = item.deadline
    sign_in(client, world.liaison_police)
    response = post(
        client, item, "extension", new_deadline=original.isoformat(), note="Parts on order."
    )
    assert response.status_code == 422
    assert "Choose a date later than the current deadline." in response.data.decode()
    later = original + timedelta(days=20)
    assert (
        post(
            client, item, "extension", new_deadline=later.isoformat(), note="Parts on order."
        ).status_code
        == 302
    )
    page = page_of(client, item)
    assert "waiting for a campaign lead" in page

    sign_in(client, world.lead)
    page = page_of(client, item)
    assert "Parts on order." in page and "Approve" in page
    assert post(client, reload(item), "extension/decision", approve="Approve").status_code == 302
    item = reload(item)
    assert item.deadline == later and item.original_deadline == original
    page = page_of(client, item)
    assert "originally" in page
    assert f"Deadline {original.isoformat()} → {later.isoformat()}" in page


def test_refused_extension_leaves_the_deadline(client, world):
    item = item_in(world, "assigned")
    deadline = item.deadline
    sign_in(client, world.liaison_police)
    later = (deadline + timedelta(days=5)).isoformat()
    assert post(client, item, "extension", new_deadline=later, note="Busy.").status_code == 302
    sign_in(client, world.lead)
    response = post(client, reload(item), "extension/decision", refuse="Refuse", note="Not enough.")
    assert response.status_code == 302
    assert reload(item).deadline == deadline
    assert "Extension refused" in page_of(client, item)


def test_transfer_changes_hands_only_when_accepted(client, world):
    item = item_in(world, "rectifying")
    sign_in(client, world.liaison_police)
    response = post(
        client, item, "transfer", to_agency_id=str(world.transport.id), note="A road matter."
    )
    assert response.status_code == 302
    assert reload(item).lead_agency_id == world.police.id

    sign_in(client, world.liaison_transport)  # sees the item while the transfer waits
    page = page_of(client, item)
    assert "A road matter." in page and "Accept" in page
    response = post(client, reload(item), "transfer/answer", decline="Decline", note="")
    assert response.status_code == 422
    assert "Please fill this in." in response.data.decode()
    assert post(client, reload(item), "transfer/answer", accept="Accept").status_code == 302
    item = reload(item)
    assert item.lead_agency_id == world.transport.id
    assert "Transfer accepted" in page_of(client, item)
    sign_in(client, world.liaison_police)  # no longer their case
    assert client.get(f"/items/{item.ref}").status_code == 404


def test_declined_transfer_closes_the_recipients_view(client, world):
    item = item_in(world, "assigned")
    sign_in(client, world.liaison_police)
    post(client, item, "transfer", to_agency_id=str(world.transport.id), note="Not ours.")
    sign_in(client, world.liaison_transport)
    assert (
        post(
            client, reload(item), "transfer/answer", decline="Decline", note="Ours neither."
        ).status_code
        == 302
    )
    assert reload(item).lead_agency_id == world.police.id
    assert client.get(f"/items/{item.ref}").status_code == 404


def test_enforcement_actions_with_amount_and_document(client, world):
    item = item_in(world, "rectifying")
    sign_in(client, world.liaison_env)  # a co-agency records its own actions
    today = clock.today().isoformat()
    response = post(
        client, item, "enforcement", kind="fine", action_date=today, document_no="环罚〔2026〕12号"
    )
    assert response.status_code == 422
    assert "A fine needs its amount." in response.data.decode()
    response = post(
        client,
        item,
        "enforcement",
        kind="fine",
        action_date=today,
        document_no="环罚〔2026〕12号",
        amount="50000",
        note="Illegal discharge.",
    )
    assert response.status_code == 302
    action = db.session.scalars(select(EnforcementAction)).one()
    assert (action.kind, action.amount, action.agency_id) == (
        "fine",
        Decimal("50000.00"),
        world.env.id,
    )
    future = (clock.today() + timedelta(days=2)).isoformat()
    response = post(client, item, "enforcement", kind="warning", action_date=future)
    assert response.status_code == 422
    assert "The date cannot be in the future." in response.data.decode()
    page = page_of(client, item)
    assert "环罚〔2026〕12号" in page and "50000" in page and "Fine" in page
    assert (
        post(
            client,
            item,
            "enforcement",
            kind="police_transfer",
            action_date=today,
            document_no="移-1",
        ).status_code
        == 302
    )
    assert "Transfer to the police" in page_of(client, item)


def test_withdraw_asks_first_and_needs_a_reason(client, world):
    item = item_in(world, "rectifying")
    sign_in(client, world.inspector)
    assert client.get(f"/items/{item.ref}/withdraw").status_code == 403
    sign_in(client, world.lead)
    confirm = client.get(f"/items/{item.ref}/withdraw")
    assert confirm.status_code == 200
    html = confirm.data.decode()
    assert "This cannot be undone." in html and "data-confirm" in html
    refused = post(client, item, "withdraw", note="")
    assert refused.status_code == 422
    assert "This field is required." in refused.data.decode()
    assert "This cannot be undone." in refused.data.decode()  # still the confirmation page
    assert reload(item).status == "rectifying"
    assert post(client, item, "withdraw", note="Duplicate of WS2026-0001.").status_code == 302
    item = reload(item)
    assert item.status == "withdrawn"
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "item_withdrawn"))
    assert client.get(f"/items/{item.ref}/withdraw").status_code == 422


def test_edit_records_old_and_new_values(client, world):
    item = world.item
    sign_in(client, world.inspector)
    form = client.get(f"/items/{item.ref}/edit")
    assert form.status_code == 200 and item.title in form.data.decode()
    response = post(
        client,
        item,
        "edit",
        title="Exits blocked (two)",
        description="",
        category_id=str(item.category_id),
        severity="major",
        town_id=str(world.town.id),
        co_agency_ids=[],
    )
    assert response.status_code == 302
    item = reload(item)
    assert item.title == "Exits blocked (two)" and item.co_agencies == []
    page = page_of(client, item)
    assert "Details edited" in page and "Exits blocked (two)" in page
    assert "General → Major" in page


def test_closed_items_are_not_edited(client, world):
    item = item_in(world, "verified")
    sign_in(client, world.lead)
    assert client.get(f"/items/{item.ref}/edit").status_code == 422


def test_listing_for_supervision_needs_the_document_number(client, world):
    item = world.item
    sign_in(client, world.lead)
    response = post(client, item, "listing", listing_level="city", listing_doc_no="")
    assert response.status_code == 422
    assert "Please fill this in." in response.data.decode()
    response = post(client, item, "listing", listing_level="city", listing_doc_no="淄督〔2026〕3号")
    assert response.status_code == 302
    page = page_of(client, reload(item))
    assert "City level" in page and "淄督〔2026〕3号" in page


def test_comments_from_the_campaign_and_the_agencies(client, world):
    item = world.item
    for person in ("inspector_b", "liaison_env", "lead"):
        sign_in(client, getattr(world, person))
        assert post(client, reload(item), "comments", note=f"Note from {person}").status_code == 302
    page = page_of(client, item)
    for person in ("inspector_b", "liaison_env", "lead"):
        assert f"Note from {person}" in page


def test_late_and_relapses_show_on_the_item(client, world):
    item = item_in(world, "verified")
    item.verified_on = item.deadline + timedelta(days=2)
    item.relapse_count = 2
    db.session.commit()
    sign_in(client, world.inspector)
    page = page_of(client, item)
    assert "Late" in page and "Relapses: 2" in page


def test_what_people_type_is_shown_as_text(client, world):
    item = world.item
    sign_in(client, world.liaison_env)
    post(client, item, "comments", note="<script>alert('x')</script><b>bold</b>")
    page = page_of(client, item)
    assert "<script>alert(" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(" in page


def test_the_page_offers_only_what_the_person_may_do_now(client, world):
    item = item_in(world, "submitted")
    sign_in(client, world.inspector_b)  # same campaign, other team: comment, not verify
    page = page_of(client, item)
    assert f'action="/items/{item.ref}/comments"' in page
    assert f'action="/items/{item.ref}/verify"' not in page
    sign_in(client, world.inspector)
    assert f'action="/items/{item.ref}/verify"' in page_of(client, item)
    verified = item_in(world, "verified")
    pending_transfer(verified, world.police, world.transport)
    db.session.commit()
    sign_in(client, world.liaison_transport)
    assert "Nothing for you to do on this item now." in page_of(client, verified)
