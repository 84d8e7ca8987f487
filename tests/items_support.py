"""Helpers of the items' tests: quick sign-in, generated photos and files, the action table."""

from datetime import timedelta
from io import BytesIO

from PIL import Image
from sqlalchemy import func, select

from campaigns.items.models import (
    ExtensionRequest,
    Item,
    TimelineEntry,
    Transfer,
)
from portal import clock
from portal.extensions import db


def sign_in(client, user) -> None:
    """Start a session for `user` directly (the sign-in form itself is tested elsewhere)."""
    user_id = user.get_id()
    db.session.commit()  # the request must see the test's data, and no lock stays held
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["seen"] = clock.now().timestamp()


def bearer(user, name: str = "test") -> dict:
    """The Authorization header of a new API token for `user` (committed, so requests see it)."""
    from portal.accounts.operations import issue_token

    _token, plain = issue_token(user, name)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def jpeg(size=(64, 48), color=(200, 40, 40), exif=None, comment=None) -> bytes:
    out = BytesIO()
    image = Image.new("RGB", size, color)
    extra = {}
    if exif is not None:
        extra["exif"] = exif
    if comment is not None:
        extra["comment"] = comment
    image.save(out, "JPEG", **extra)
    return out.getvalue()


def png(size=(40, 30), pnginfo=None) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "PNG", pnginfo=pnginfo)
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def fetch(client, url: str):
    """GET a file and close the response (its file handle) once read."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def upload(data: bytes, name: str):
    return (BytesIO(data), name)


def timeline_count(item) -> int:
    return db.session.scalar(
        select(func.count()).select_from(TimelineEntry).where(TimelineEntry.item_id == item.id)
    )


def reload(item) -> Item:
    db.session.expire_all()
    return db.session.get(Item, item.id)


# Where each action of lifecycle.ACTIONS is posted, and a valid form for it.
ACTION_URLS = {
    "acknowledge": "acknowledge",
    "submit": "submit",
    "verify": "verify",
    "return": "return",
    "withdraw": "withdraw",
    "comment": "comments",
    "evidence": "evidence",
    "extend_request": "extension",
    "extend_approve": "extension/decision",
    "extend_refuse": "extension/decision",
    "transfer_propose": "transfer",
    "transfer_accept": "transfer/answer",
    "transfer_decline": "transfer/answer",
    "enforcement": "enforcement",
    "edit": "edit",
    "list": "listing",
}


def action_form(action: str, world, item) -> dict:
    """A form for `action` that a permitted person could send as it is."""
    reason = {"note": "Because of what we found."}
    forms = {
        "acknowledge": {},
        "submit": {"measures": "Guard rails fitted.", "evidence": upload(jpeg(), "after.jpg")},
        "verify": {},
        "return": reason,
        "withdraw": reason,
        "comment": reason,
        "evidence": {"stage": "other", "evidence": upload(jpeg(), "more.jpg")},
        "extend_request": {
            "new_deadline": (item.deadline + timedelta(days=10)).isoformat(),
            **reason,
        },
        "extend_approve": {"approve": "Approve"},
        "extend_refuse": {"refuse": "Refuse"},
        "transfer_propose": {"to_agency_id": str(world.transport.id), **reason},
        "transfer_accept": {"accept": "Accept"},
        "transfer_decline": {"decline": "Decline", **reason},
        "enforcement": {
            "kind": "warning",
            "action_date": clock.today().isoformat(),
            "document_no": "WARN-1",
        },
        "edit": {
            "title": "A clearer title",
            "description": "",
            "category_id": str(item.category_id),
            "severity": "major",
            "town_id": str(item.town_id or 0),
            "co_agency_ids": [str(world.env.id)],
        },
        "list": {"listing_level": "city", "listing_doc_no": "CITY-2026-7"},
    }
    return {"version": str(item.version), **forms[action]}


def pending_transfer(item, from_agency, to_agency) -> Transfer:
    transfer = Transfer(
        item_id=item.id,
        from_agency_id=from_agency.id,
        to_agency_id=to_agency.id,
        reason="Not ours",
        proposed_at=clock.now(),
    )
    db.session.add(transfer)
    db.session.flush()
    return transfer


def pending_extension(item) -> ExtensionRequest:
    request_ = ExtensionRequest(
        item_id=item.id,
        reason="Needs parts",
        old_deadline=item.deadline,
        new_deadline=item.deadline + timedelta(days=14),
        requested_at=clock.now(),
    )
    db.session.add(request_)
    db.session.flush()
    return request_
