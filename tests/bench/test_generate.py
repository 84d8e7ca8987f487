"""The benchmark's generator (bench/generate.py) at a tiny scale: the rows it writes with its
bulk loader (foreign-key checks off, indexes rebuilt after) hold together as the portal's own
verbs would have left them, and the same seed gives the same data."""

import hashlib
from datetime import date

from sqlalchemy import func, select

from bench.generate import counts_for, generate
from campaigns.campaigns.models import Campaign, CampaignCategory
from campaigns.items.models import Item, TimelineEntry, Transfer, item_co_agencies
from campaigns.targets.models import Target
from campaigns.teams.models import Team
from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import base_config

TODAY = date(2026, 11, 1)
MOVES = {
    "acknowledge": "rectifying",
    "submit": "submitted",
    "verify": "verified",
    "return": "rectifying",
    "withdraw": "withdrawn",
}


def _fingerprint() -> str:
    """The generated data, read through the models (the same on SQLite and PostgreSQL)."""
    digest = hashlib.sha256()
    for item in db.session.scalars(select(Item).order_by(Item.ref)):
        digest.update(
            f"{item.ref}|{item.status}|{item.deadline}|{item.target.name}|"
            f"{item.lead_agency.code}|{item.team.name}|{item.flagged_at.isoformat()}".encode()
        )
    for entry in db.session.scalars(
        select(TimelineEntry).join(Item).order_by(Item.ref, TimelineEntry.at, TimelineEntry.id)
    ):
        digest.update(f"{entry.item.ref}|{entry.kind}|{entry.action}|{entry.at}".encode())
    return digest.hexdigest()


def test_generated_city_is_consistent(app):
    summary = generate(app, scale=0.001, seed=3, today=TODAY, log=lambda *_: None)
    wanted = counts_for(0.001)
    assert summary["items"] == wanted["items"]
    assert summary["campaigns"] == wanted["campaigns"]

    items = db.session.scalars(select(Item)).all()
    assert {i.status for i in items} == set(MOVES.values()) | {"assigned"}
    entries: dict[int, list[TimelineEntry]] = {}
    for entry in db.session.scalars(select(TimelineEntry).order_by(TimelineEntry.at)):
        entries.setdefault(entry.item_id, []).append(entry)
    assert summary["timeline_entries"] == sum(len(e) for e in entries.values())
    for item in items:
        history = entries[item.id]
        assert history[0].kind == "flagged" and history[0].actor_id == item.flagged_by_id
        moves = [e for e in history if e.kind == "moved"]
        state = "assigned"
        for move in moves:  # each move starts where the last one ended
            assert move.from_status == state and move.to_status == MOVES[move.action]
            state = move.to_status
        assert state == item.status
        assert item.version == 1 + len(moves)
        assert all(e.at >= item.flagged_at for e in history)
        assert all(e.at.date() <= TODAY for e in history)
        # The team and the category belong to the item's campaign; the town to its district.
        assert item.team.campaign_id == item.campaign_id
        assert item.category.campaign_id == item.campaign_id
        assert item.town.parent_id == item.district_id == item.target.region.parent_id
        assert item.lead_agency not in item.co_agencies

    # What the bulk load wrote without foreign-key checks points at rows that exist.
    assert not db.session.scalar(
        select(func.count())
        .select_from(TimelineEntry)
        .where(TimelineEntry.item_id.not_in(select(Item.id)))
    )
    assert not db.session.scalar(
        select(func.count())
        .select_from(item_co_agencies)
        .where(item_co_agencies.c.item_id.not_in(select(Item.id)))
    )
    assert not db.session.scalar(
        select(func.count()).select_from(Item).where(Item.target_id.not_in(select(Target.id)))
    )
    for transfer in db.session.scalars(select(Transfer)):
        assert transfer.item.status in ("assigned", "rectifying")
        assert transfer.to_agency_id != transfer.from_agency_id
    # New items continue the campaigns' numbering and the id sequences.
    for campaign in db.session.scalars(select(Campaign)):
        last = db.session.scalar(select(func.max(Item.seq)).where(Item.campaign_id == campaign.id))
        assert campaign.item_seq == last
    campaign_ids = set(db.session.scalars(select(Campaign.id)))
    assert set(db.session.scalars(select(Team.campaign_id))) == campaign_ids
    assert set(db.session.scalars(select(CampaignCategory.campaign_id))) == campaign_ids
    assert db.session.scalar(select(User.id).where(User.username == "bench-lead"))


def test_same_seed_same_city(app, tmp_path):
    generate(app, scale=0.001, seed=5, today=TODAY, log=lambda *_: None)
    first = _fingerprint()
    db.session.remove()
    other = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'again.db'}"))
    with other.app_context():
        db.create_all()
        generate(other, scale=0.001, seed=5, today=TODAY, log=lambda *_: None)
        again = _fingerprint()
        db.session.remove()
        db.engine.dispose()
    assert again == first
